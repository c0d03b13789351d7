import { Annotations, Token, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct, IConstruct } from 'constructs';
import { TargetAdapter } from '../adapter';
import { TargetBinding } from '../binding';
import { hasMembers, tryMember } from './members';
import { attachBinder, binderAdapter } from './target-binder';

/** Properties of a `PrivateServiceTarget`. */
export interface PrivateServiceTargetProps {
  /** The ECS service (e.g. an `ecs.FargateService`), in `awsvpc` network mode. */
  readonly service: ecs.BaseService;

  /**
   * The port the service listens on. A connected script is admitted on it.
   *
   * @default - the container port registered in Cloud Map, else the first port mapping of the task's
   * default container
   */
  readonly port?: number;

  /**
   * The host name the script reaches the service at (e.g. a private DNS record you manage).
   *
   * @default - the service's Cloud Map DNS name, `<service>.<namespace>`
   */
  readonly hostname?: string;
}

/**
 * An ECS service reachable inside its VPC as a `connectTo` target: a connected script joins the service's
 * VPC, is admitted in the service's security groups on its port, and gets `ADDRESS` (`host:port`).
 *
 * A service with DNS-based Cloud Map discovery (`cloudMapOptions`, A or AAAA records) can be listed in
 * `connectTo` directly; wrap it here to give another port or host name. Service Connect names resolve only
 * inside ECS tasks that run the Service Connect agent, so a script cannot use them: give the service
 * Cloud Map DNS discovery, or a `hostname`. The target's name in the script's variables is this construct's id.
 */
export class PrivateServiceTarget extends Construct implements ec2.IConnectable {
  /** The service's network connections. */
  public readonly connections: ec2.Connections;

  /** The address scripts get: `host:port`. */
  public readonly address: string;

  constructor(scope: Construct, id: string, props: PrivateServiceTargetProps) {
    const path = `PrivateServiceTarget ${scope.node.path ? `${scope.node.path}/` : ''}${id}`;
    const resolved = resolveService(path, props.service, props, "give 'hostname' (and 'port') to reach it at");
    super(scope, id);
    this.connections = props.service.connections;
    this.address = resolved.address;
    attachBinder(this, PRIVATE_SERVICE, (scriptPath) => bindService(this, props.service, resolved, scriptPath));
  }
}

const PRIVATE_SERVICE = Symbol.for('cdk-deployment-script.PrivateServiceTarget');

/** `PrivateServiceTarget`s. */
export const PRIVATE_SERVICE_ADAPTER = binderAdapter('private service (PrivateServiceTarget)', PRIVATE_SERVICE);

/** ECS services listed directly (`ecs.FargateService`, `ecs.Ec2Service`): reached at their Cloud Map DNS name. */
export const ECS_SERVICE_ADAPTER: TargetAdapter = {
  kind: 'ECS service with Cloud Map DNS discovery (ecs.BaseService)',
  matches: (target) => hasMembers(target, ['taskDefinition', 'cluster', 'serviceArn', 'connections'], ['enableCloudMap']),
  bind: (target, scriptPath) => {
    const service = target as ecs.BaseService;
    const where = `DeploymentScript ${scriptPath}: connectTo target ${target.node.path}`;
    const wrap = `wrap it in new PrivateServiceTarget(this, '${service.node.id}', { service, hostname, port })`;
    return bindService(target, service, resolveService(where, service, {}, wrap), scriptPath);
  },
};

interface ResolvedService {
  readonly address: string;
  readonly port: number;
}

/** The service's address and port; throws, naming the fix, when the script could not reach it. */
function resolveService(where: string, service: ecs.BaseService, props: { port?: number; hostname?: string }, wrap: string): ResolvedService {
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
    const serviceConnect = tryMember<{ enabled?: unknown }>(service, '_serviceConnectConfig');
    if (serviceConnect?.enabled === true) {
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

/** The container port given in the service's Cloud Map registration (`cloudMapOptions.containerPort`). */
function registeredPort(service: ecs.BaseService): number | undefined {
  const registries = tryMember<Array<{ containerPort?: number }>>(service, 'serviceRegistries') ?? [];
  return registries.find((r) => r.containerPort !== undefined)?.containerPort;
}

function defaultContainerPort(service: ecs.BaseService): number | undefined {
  return service.taskDefinition.defaultContainer?.portMappings[0]?.containerPort;
}

function bindService(target: IConstruct, service: ecs.BaseService, resolved: ResolvedService, scriptPath: string): TargetBinding {
  if (service.connections.securityGroups.length === 0) {
    Annotations.of(target).addWarningV2('cdk-deployment-script:serviceWithoutSecurityGroup',
      `${service.node.path} has no security group of its own, so scripts that connect to it are not admitted on its port. `
      + 'Allow them in the security group of its hosts yourself.');
  }
  return {
    kind: 'private service',
    vpc: service.cluster.vpc,
    variables: { ADDRESS: resolved.address },
    ingress: [{ peer: service, port: ec2.Port.tcp(resolved.port), description: `from deployment script ${scriptPath}` }],
  };
}
