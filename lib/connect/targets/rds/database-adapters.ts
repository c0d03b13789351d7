import { CfnResource } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { TargetAdapter } from '../../core/adapter';
import { connectError } from '../../core/connecting-script';
import { hasMembers } from '../../core/members';
import { bindDatabase } from './database-binding';

/** Database instances, defined in the app or imported (`rds.IDatabaseInstance`). */
export const DATABASE_INSTANCE_ADAPTER: TargetAdapter = {
  kind: 'RDS database instance (rds.IDatabaseInstance)',
  matches: (target) => hasMembers(target, ['instanceIdentifier', 'dbInstanceEndpointAddress', 'instanceEndpoint', 'connections'], ['addProxy']),
  bind: (target, script) => bindDatabase(target, { kind: 'instance', database: target as rds.IDatabaseInstance }, {}, script),
};

/** Aurora clusters, defined in the app or imported (`rds.IDatabaseCluster`). */
export const DATABASE_CLUSTER_ADAPTER: TargetAdapter = {
  kind: 'Aurora cluster (rds.IDatabaseCluster)',
  matches: (target) => hasMembers(target, ['clusterIdentifier', 'clusterEndpoint', 'instanceEndpoints', 'connections'], ['addProxy', 'grantDataApiAccess']),
  bind: (target, script) => bindDatabase(target, { kind: 'cluster', database: target as rds.IDatabaseCluster }, {}, script),
};

/** Aurora Serverless v1 clusters (`rds.IServerlessCluster`): like a cluster, without proxies or instances. */
export const SERVERLESS_CLUSTER_ADAPTER: TargetAdapter = {
  kind: 'Aurora Serverless v1 cluster (rds.IServerlessCluster)',
  matches: (target) => hasMembers(target, ['clusterIdentifier', 'clusterEndpoint', 'clusterReadEndpoint', 'connections'], ['grantDataApiAccess'])
    && !hasMembers(target, [], ['addProxy']),
  bind: (target, script) => bindDatabase(target, { kind: 'serverless', database: target as rds.IServerlessCluster }, {}, script),
};

/**
 * L1 databases (`rds.CfnDBInstance`, `rds.CfnDBCluster`): recognised only to say what to list instead, since an
 * L1 does not tell its engine family, endpoint type or secret in a usable way.
 */
export const CFN_DATABASE_ADAPTER: TargetAdapter = {
  kind: 'RDS L1 (rds.CfnDBInstance, rds.CfnDBCluster: import it first)',
  matches: (target) => CfnResource.isCfnResource(target) && ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'].includes(target.cfnResourceType),
  bind: (target, script) => {
    const instance = (target as CfnResource).cfnResourceType === 'AWS::RDS::DBInstance';
    throw connectError(script, `connectTo target ${target.node.path} is an L1 ${(target as CfnResource).cfnResourceType}, which does not tell its VPC, engine or secret. `
      + `List its L2 instead, or import it with rds.${instance ? 'DatabaseInstance.fromDatabaseInstanceAttributes' : 'DatabaseCluster.fromDatabaseClusterAttributes'} `
      + `and wrap it in DatabaseTarget.${instance ? 'fromInstance' : 'fromCluster'} with its 'engine', 'secret' and 'vpc'.`);
  },
};

/** `DatabaseTarget`s. */
