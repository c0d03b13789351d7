import { Annotations, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { IConstruct } from 'constructs';
import { TargetAdapter } from '../../core/adapter';
import { TargetBinding } from '../../core/binding';
import { ConnectingScript } from '../../core/connecting-script';
import { networkIngressDescription } from '../../core/ingress';
import { hasMembers, tryMember } from '../../core/members';

/** ECS services listed directly (`ecs.FargateService`, `ecs.Ec2Service`): reached at their Cloud Map DNS name. */
export const ECS_SERVICE_ADAPTER: TargetAdapter = {
  kind: 'ECS service with Cloud Map DNS discovery (ecs.BaseService)',
  matches: (target) => hasMembers(target, ['taskDefinition', 'cluster', 'serviceArn', 'connections'], ['enableCloudMap']),
  bind: (target, script) => {
    const service = target as ecs.BaseService;
    const where = `${script.where}: connectTo target ${target.node.path}`;
    const wrap = `wrap it in new PrivateServiceTarget(this, '${service.node.id}', { service, hostname, port })`;
    return bindService(target, service, resolveService(where, service, {}, wrap), script);
  },
};

export interface ResolvedService {
  readonly address: string;
  readonly port: number;
}

/** The service's address and port; throws, naming the fix, when the script could not reach it. */
export function resolveService(where: string, service: ecs.BaseService, props: { port?: number; hostname?: string }, wrap: string): ResolvedService {
  const networkMode = tryMember<ecs.NetworkMode>(service.taskDefinition, 'networkMode');
  if (props.hostname === undefined && networkMode !== ecs.NetworkMode.AWS_VPC) {
    throw new Error(`${where}: the service's tasks use network mode '${networkMode}', in which Cloud Map DNS names do not lead to a fixed port the script can be admitted on. `
      + `Use network mode awsvpc (a Fargate service always does), or ${wrap} with a host name that reaches it.`);
  }
  const host = props.hostname ?? cloudMapHost(where, service, wrap);
  const port = props.port ?? registeredPort(service) ?? defaultContainerPort(service);
  if (port === undefined) {
    throw new Error(`${where}: the port of the service is unknown ('port' is undefined and its default container has no port mapping). `
      + `Give the port the service listens on: new PrivateServiceTarget(this, '${service.node.id}', { service, port: 8080 }).`);
  }
  if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`${where}: 'port' is ${port}, which is no TCP port. Give the port the service listens on, from 1 to 65535.`);
  }
  return { address: `${host}:${Tokenization.stringifyNumber(port)}`, port };
}

/** `<service>.<namespace>` of the service's Cloud Map service, when it is resolvable by DNS. */
function cloudMapHost(where: string, service: ecs.BaseService, wrap: string): string {
  const cloudMap = service.cloudMapService;
  if (!cloudMap) {
    if (serviceConnectEnabled(service)) {
      throw new Error(`${where}: the service is reachable through Service Connect only, whose names resolve only inside ECS tasks that run the Service Connect agent, `
        + `so a script cannot reach it by name. Give the service Cloud Map DNS discovery as well ('cloudMapOptions'), or ${wrap}.`);
    }
    throw new Error(`${where}: the service has no Cloud Map name ('cloudMapService' is undefined), so the script cannot be told where it is. `
      + `Give the service 'cloudMapOptions' (before the script connects to it), or ${wrap}.`);
  }
  // aws-cdk-lib refuses DNS discovery in an HTTP namespace itself, so the name resolves.
  if (cloudMap.dnsRecordType === servicediscovery.DnsRecordType.SRV || cloudMap.dnsRecordType === servicediscovery.DnsRecordType.CNAME) {
    throw new Error(`${where}: the service's Cloud Map records are of type ${cloudMap.dnsRecordType}, and a script is given a host and port to connect to. `
      + `Use A records (cloudMapOptions: { dnsRecordType: DnsRecordType.A }), or ${wrap}.`);
  }
  return `${cloudMap.serviceName}.${cloudMap.namespace.namespaceName}`;
}

/**
 * Whether the service uses Service Connect, read from what its CloudFormation resource will hold: aws-cdk-lib keeps
 * the configuration in a member of its own, a plain object in older releases and a lazy value in newer ones.
 */
function serviceConnectEnabled(service: ecs.BaseService): boolean {
  const cfn = service.node.defaultChild as ecs.CfnService | undefined;
  const configuration = cfn?.serviceConnectConfiguration ?? tryMember(service, '_serviceConnectConfig');
  const resolved = configuration === undefined ? undefined : Stack.of(service).resolve(configuration);
  return resolved?.enabled === true;
}

/** The container port given in the service's Cloud Map registration (`cloudMapOptions.containerPort`). */
function registeredPort(service: ecs.BaseService): number | undefined {
  const registries = tryMember<Array<{ containerPort?: number }>>(service, 'serviceRegistries') ?? [];
  return registries.find((r) => r.containerPort !== undefined)?.containerPort;
}

function defaultContainerPort(service: ecs.BaseService): number | undefined {
  return service.taskDefinition.defaultContainer?.portMappings[0]?.containerPort;
}

/** What connecting `script` to the service gives it. */
export function bindService(target: IConstruct, service: ecs.BaseService, resolved: ResolvedService, script: ConnectingScript): TargetBinding {
  if (service.connections.securityGroups.length === 0) {
    Annotations.of(target).addWarningV2('cdk-deployment-script:serviceWithoutSecurityGroup',
      `${service.node.path} has no security group of its own, so scripts that connect to it are not admitted on its port. `
      + 'Allow them in the security group of its hosts yourself.');
  }
  return {
    kind: 'private service',
    vpc: service.cluster.vpc,
    variables: { ADDRESS: resolved.address },
    ingress: [{ peer: service, port: ec2.Port.tcp(resolved.port), description: networkIngressDescription(script) }],
  };
}
