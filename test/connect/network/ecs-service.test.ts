import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { IConstruct } from 'constructs';
import { DeploymentScript, PrivateServiceTarget, ScriptTrigger } from '../../../lib';
import { ECHO_SCRIPT, newStack } from '../../support/template';
import { idStartingWith, onlyId, scriptFunction, targetVariables } from './helpers';

function script(stack: Stack, targets: IConstruct[]): DeploymentScript {
  return new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: targets });
}

/** A Fargate service listening on 8080, with the given Cloud Map options. */
function fargateService(stack: Stack, id: string, options: Partial<ecs.FargateServiceProps> = {}, namespaceType = servicediscovery.NamespaceType.DNS_PRIVATE) {
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, defaultCloudMapNamespace: { name: 'internal.local', type: namespaceType, vpc } });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('nginx'), portMappings: [{ name: 'web', containerPort: 8080 }] });
  return new ecs.FargateService(stack, id, { cluster, taskDefinition, ...options });
}

function expectAdmitted(template: Template, serviceId: string, port: number): void {
  template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    GroupId: { 'Fn::GetAtt': [idStartingWith(template, 'AWS::EC2::SecurityGroup', `${serviceId}SecurityGroup`), 'GroupId'] },
    SourceSecurityGroupId: { 'Fn::GetAtt': [idStartingWith(template, 'AWS::EC2::SecurityGroup', 'ScriptFunctionSecurityGroup'), 'GroupId'] },
  });
}

describe('connectTo a private service', () => {
  test('an ECS service with Cloud Map listed directly: ADDRESS is <service>.<namespace>:<container port>', () => {
    // GIVEN
    const { stack } = newStack();
    const service = fargateService(stack, 'pricingApi', { cloudMapOptions: { name: 'pricing' } });

    // WHEN
    script(stack, [service]);

    // THEN
    const template = Template.fromStack(stack);
    const cloudMapService = onlyId(template, 'AWS::ServiceDiscovery::Service');
    expect(targetVariables(template, 'STP_PRICING_API_')).toStrictEqual({ ADDRESS: `\${${cloudMapService}.Name}.internal.local:8080` });
    template.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: 'pricing' });
    expectAdmitted(template, 'pricingApi', 8080);
    expect(scriptFunction(template).properties.VpcConfig.SubnetIds).toContainEqual({ Ref: idStartingWith(template, 'AWS::EC2::Subnet', 'VpcPrivateSubnet1') });
  });

  test('PrivateServiceTarget with another port and host name', () => {
    // GIVEN
    const { stack } = newStack();
    const service = fargateService(stack, 'Api');

    // WHEN
    script(stack, [new PrivateServiceTarget(stack, 'adminApi', { service, port: 9090, hostname: 'admin.example.internal' })]);

    // THEN
    const template = Template.fromStack(stack);
    expect(targetVariables(template, 'STP_ADMIN_API_')).toStrictEqual({ ADDRESS: 'admin.example.internal:9090' });
    expectAdmitted(template, 'Api', 9090);
  });

  describe('errors', () => {
    test('a service without Cloud Map', () => {
      const { stack } = newStack();
      const service = fargateService(stack, 'Api');
      expect(() => script(stack, [service])).toThrow(
        /connectTo target Stack\/Api: the service has no Cloud Map name \('cloudMapService' is undefined\).*Give the service 'cloudMapOptions'.*or wrap it in new PrivateServiceTarget\(this, 'Api', \{ service, hostname, port \}\)/);
    });

    test('a service reachable through Service Connect only', () => {
      const { stack } = newStack();
      const service = fargateService(stack, 'Api', {
        serviceConnectConfiguration: { services: [{ portMappingName: 'web' }] },
      }, servicediscovery.NamespaceType.HTTP);
      expect(() => script(stack, [service])).toThrow(/the service is reachable through Service Connect only, whose names resolve only inside ECS tasks/);
    });

    test('Cloud Map SRV records', () => {
      const { stack } = newStack();
      const srv = fargateService(stack, 'Srv', { cloudMapOptions: { name: 'srv', dnsRecordType: servicediscovery.DnsRecordType.SRV } });
      expect(() => script(stack, [srv])).toThrow(/the service's Cloud Map records are of type SRV.*Use A records/);
    });

    test('tasks in bridge network mode', () => {
      const { stack } = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
      const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
      cluster.addCapacity('Capacity', { instanceType: new ec2.InstanceType('t3.small') });
      const taskDefinition = new ecs.Ec2TaskDefinition(stack, 'Task', { networkMode: ecs.NetworkMode.BRIDGE });
      taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('nginx'), memoryLimitMiB: 256, portMappings: [{ containerPort: 80 }] });
      const service = new ecs.Ec2Service(stack, 'Legacy', { cluster, taskDefinition });
      expect(() => script(stack, [service])).toThrow(
        /connectTo target Stack\/Legacy: the service's tasks use network mode 'bridge'.*Use network mode awsvpc \(a Fargate service always does\), or wrap it in new PrivateServiceTarget/);
    });

    test('a port that is not known', () => {
      const { stack } = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
      const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
      const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
      taskDefinition.addContainer('worker', { image: ecs.ContainerImage.fromRegistry('busybox') });
      const service = new ecs.FargateService(stack, 'Worker', { cluster, taskDefinition });
      expect(() => new PrivateServiceTarget(stack, 'worker', { service, hostname: 'worker.internal' })).toThrow(
        /PrivateServiceTarget Stack\/worker: the port of the service is unknown \('port' is undefined and its default container has no port mapping\)/);
    });
  });
});
