import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { IConstruct } from 'constructs';
import { DeploymentScript, ElastiCacheRedis, ScriptTrigger } from '../../../lib';
import { ECHO_SCRIPT, newStack } from '../../support/template';
import { idStartingWith, onlyId, scriptFunction, targetVariables } from './helpers';

function script(stack: Stack, targets: IConstruct[]): DeploymentScript {
  return new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: targets });
}

/** A VPC and a security group for a cache, and the cache's subnet group. */
function network(stack: Stack) {
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
  const securityGroup = new ec2.SecurityGroup(stack, 'CacheSg', { vpc });
  const subnetGroup = new elasticache.CfnSubnetGroup(stack, 'Subnets', {
    description: 'cache', subnetIds: vpc.privateSubnets.map((s) => s.subnetId),
  });
  return { vpc, securityGroup, subnetGroup };
}

function replicationGroup(stack: Stack, props: Partial<elasticache.CfnReplicationGroupProps> = {}) {
  const { vpc, securityGroup, subnetGroup } = network(stack);
  const group = new elasticache.CfnReplicationGroup(stack, 'Redis', {
    replicationGroupDescription: 'cache',
    engine: 'redis',
    cacheNodeType: 'cache.t4g.micro',
    numCacheClusters: 2,
    cacheSubnetGroupName: subnetGroup.ref,
    securityGroupIds: [securityGroup.securityGroupId],
    ...props,
  });
  return { vpc, securityGroup, group };
}

function expectAdmitted(template: Template, port: number): void {
  template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    GroupId: { 'Fn::GetAtt': [idStartingWith(template, 'AWS::EC2::SecurityGroup', 'CacheSg'), 'GroupId'] },
    SourceSecurityGroupId: { 'Fn::GetAtt': [idStartingWith(template, 'AWS::EC2::SecurityGroup', 'ScriptFunctionSecurityGroup'), 'GroupId'] },
  });
}

describe('connectTo an ElastiCache Redis cache', () => {
  const cases = [
    {
      title: 'replication group: primary and reader endpoints, its port',
      props: { port: 6380 },
      clusterMode: undefined,
      host: 'PrimaryEndPoint.Address',
      readerHost: 'ReaderEndPoint.Address',
      port: 6380,
    },
    {
      title: 'replication group in cluster mode: the configuration endpoint for both',
      props: { clusterMode: 'enabled', numNodeGroups: 2, numCacheClusters: undefined },
      clusterMode: undefined,
      host: 'ConfigurationEndPoint.Address',
      readerHost: 'ConfigurationEndPoint.Address',
      port: 6379,
    },
    {
      title: 'replication group with clusterMode given: the configuration endpoint',
      props: {},
      clusterMode: true,
      host: 'ConfigurationEndPoint.Address',
      readerHost: 'ConfigurationEndPoint.Address',
      port: 6379,
    },
  ];

  test.each(cases)('$title', (c) => {
    // GIVEN
    const { stack } = newStack();
    const { vpc, group } = replicationGroup(stack, c.props as Partial<elasticache.CfnReplicationGroupProps>);

    // WHEN
    script(stack, [ElastiCacheRedis.fromReplicationGroup(stack, 'sessionCache', { replicationGroup: group, vpc, clusterMode: c.clusterMode })]);

    // THEN
    const template = Template.fromStack(stack);
    const id = onlyId(template, 'AWS::ElastiCache::ReplicationGroup');
    expect(targetVariables(template, 'STP_SESSION_CACHE_')).toStrictEqual({
      HOST: `\${${id}.${c.host}}`,
      PORT: String(c.port),
      READER_HOST: `\${${id}.${c.readerHost}}`,
      READER_PORT: String(c.port),
    });
    expectAdmitted(template, c.port);
    expect(scriptFunction(template).properties.VpcConfig.SubnetIds).toContainEqual({ Ref: idStartingWith(template, 'AWS::EC2::Subnet', 'VpcPrivateSubnet1') });
  });

  test('serverless cache: endpoint on 6379, reader on 6380, the script admitted on both', () => {
    // GIVEN
    const { stack } = newStack();
    const { vpc, securityGroup } = network(stack);
    const cache = new elasticache.CfnServerlessCache(stack, 'Serverless', {
      engine: 'valkey',
      serverlessCacheName: 'sessions',
      securityGroupIds: [securityGroup.securityGroupId],
      subnetIds: vpc.privateSubnets.map((s) => s.subnetId),
    });

    // WHEN
    script(stack, [ElastiCacheRedis.fromServerlessCache(stack, 'sessionCache', { serverlessCache: cache, vpc })]);

    // THEN
    const template = Template.fromStack(stack);
    const id = onlyId(template, 'AWS::ElastiCache::ServerlessCache');
    expect(targetVariables(template, 'STP_SESSION_CACHE_')).toStrictEqual({
      HOST: `\${${id}.Endpoint.Address}`,
      PORT: '6379',
      READER_HOST: `\${${id}.ReaderEndpoint.Address}`,
      READER_PORT: '6380',
    });
    expectAdmitted(template, 6379);
    expectAdmitted(template, 6380);
  });

  test('security groups given explicitly are used instead of the L1\'s ids', () => {
    // GIVEN
    const { stack } = newStack();
    const { vpc, group } = replicationGroup(stack);
    const other = new ec2.SecurityGroup(stack, 'OtherSg', { vpc });

    // WHEN
    script(stack, [ElastiCacheRedis.fromReplicationGroup(stack, 'cache', { replicationGroup: group, vpc, securityGroups: [other] })]);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 6379,
      GroupId: { 'Fn::GetAtt': [idStartingWith(Template.fromStack(stack), 'AWS::EC2::SecurityGroup', 'OtherSg'), 'GroupId'] },
    });
  });

  describe('errors', () => {
    test('a replication group without security groups', () => {
      const { stack } = newStack();
      const { vpc, group } = replicationGroup(stack, { securityGroupIds: undefined });
      expect(() => ElastiCacheRedis.fromReplicationGroup(stack, 'cache', { replicationGroup: group, vpc }))
        .toThrow(/ElastiCacheRedis Stack\/cache: the replicationGroup has no 'SecurityGroupIds'.*pass them here as 'securityGroups'/);
    });

    test('a Memcached serverless cache', () => {
      const { stack } = newStack();
      const { vpc } = network(stack);
      const cache = new elasticache.CfnServerlessCache(stack, 'Memcached', { engine: 'memcached', serverlessCacheName: 'm', securityGroupIds: ['sg-1'] });
      expect(() => ElastiCacheRedis.fromServerlessCache(stack, 'cache', { serverlessCache: cache, vpc }))
        .toThrow(/the serverlessCache's engine is 'memcached'; ElastiCacheRedis connects to Redis and Valkey caches only/);
    });

    test('an L1 listed directly is refused with how to wrap it', () => {
      const { stack } = newStack();
      const { group } = replicationGroup(stack);
      expect(() => script(stack, [group]))
        .toThrow(/connectTo target Stack\/Redis is an AWS::ElastiCache::ReplicationGroup, which does not tell the VPC it lives in\. Wrap it with its VPC: ElastiCacheRedis\.fromReplicationGroup/);
    });
  });
});
