import { CfnResource } from 'aws-cdk-lib';
import { TargetAdapter } from '../../core/adapter';
import { connectError } from '../../core/connecting-script';

const ELASTICACHE_TYPES = ['AWS::ElastiCache::ReplicationGroup', 'AWS::ElastiCache::ServerlessCache', 'AWS::ElastiCache::CacheCluster'];

/**
 * ElastiCache L1s listed directly: recognised only to say how to wrap them, since they do not tell their VPC.
 */
export const CFN_ELASTICACHE_ADAPTER: TargetAdapter = {
  kind: 'ElastiCache L1 (wrap it in ElastiCacheRedis)',
  matches: (target) => CfnResource.isCfnResource(target) && ELASTICACHE_TYPES.includes(target.cfnResourceType),
  bind: (target, script) => {
    const type = (target as CfnResource).cfnResourceType;
    const wrap = type === 'AWS::ElastiCache::ServerlessCache'
      ? "ElastiCacheRedis.fromServerlessCache(this, 'Cache', { serverlessCache, vpc })"
      : "ElastiCacheRedis.fromReplicationGroup(this, 'Cache', { replicationGroup, vpc })";
    throw connectError(script, `connectTo target ${target.node.path} is an ${type}, which does not tell the VPC it lives in. `
      + (type === 'AWS::ElastiCache::CacheCluster'
        ? 'Connect to a replication group or a serverless cache instead, wrapped in ElastiCacheRedis.'
        : `Wrap it with its VPC: ${wrap}, and list that.`));
  },
};
