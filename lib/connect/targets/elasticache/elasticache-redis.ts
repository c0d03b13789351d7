import { Token, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';
import { TargetBinding } from '../../core/binding';
import { ConnectingScript } from '../../core/connecting-script';
import { futurePath } from '../../core/future-path';
import { networkIngressDescription } from '../../core/ingress';
import { provideBinding, providedBindingAdapter } from '../../core/provided-binding';

/** What every ElastiCache Redis target needs besides the cache: the L1 tells neither its VPC nor its groups. */
export interface ElastiCacheRedisOptions {
  /** The VPC the cache lives in. A script connected to the cache joins it. */
  readonly vpc: ec2.IVpc;

  /**
   * The cache's security groups. A connected script is admitted in them on the cache's ports.
   *
   * @default - the groups listed in the cache's `SecurityGroupIds`, imported by id
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** Properties of an `ElastiCacheRedis` for a replication group. */
export interface ElastiCacheRedisReplicationGroupProps extends ElastiCacheRedisOptions {
  /** The replication group (engine Redis or Valkey). */
  readonly replicationGroup: elasticache.CfnReplicationGroup;

  /**
   * Whether the replication group runs in cluster mode. Then `HOST` and `READER_HOST` are both its
   * configuration endpoint, which cluster clients use for writes and (with `READONLY`) reads; else they are
   * its primary and reader endpoints.
   *
   * @default - true when the group's `ClusterMode` is `enabled`, it has more than one node group, or its
   * parameter group name holds `cluster.on`
   */
  readonly clusterMode?: boolean;
}

/** Properties of an `ElastiCacheRedis` for a serverless cache. */
export interface ElastiCacheRedisServerlessCacheProps extends ElastiCacheRedisOptions {
  /** The serverless cache (engine Redis or Valkey). */
  readonly serverlessCache: elasticache.CfnServerlessCache;
}

/**
 * An ElastiCache for Redis (or Valkey) cache as a `connectTo` target: a replication group or a serverless
 * cache. aws-cdk-lib has only L1s for ElastiCache, which know neither their VPC nor their security groups,
 * so give them here.
 *
 * A connected script joins the cache's VPC, is admitted in its security groups on its ports, and gets
 * `HOST`, `PORT`, `READER_HOST` and `READER_PORT`. The target's name in the script's variables is this
 * construct's id.
 */
export class ElastiCacheRedis extends Construct implements ec2.IConnectable {
  /** A replication group as a target. */
  public static fromReplicationGroup(scope: Construct, id: string, props: ElastiCacheRedisReplicationGroupProps): ElastiCacheRedis {
    const group = props.replicationGroup;
    const path = `ElastiCacheRedis ${futurePath(scope, id)}`;
    checkEngine(path, 'replicationGroup', group.engine);
    const clusterMode = props.clusterMode ?? isClusterMode(group);
    const port = literalPort(path, group.port) ?? REDIS_PORT;
    return new ElastiCacheRedis(scope, id, props, group.securityGroupIds, 'replicationGroup', {
      host: clusterMode ? group.attrConfigurationEndPointAddress : group.attrPrimaryEndPointAddress,
      readerHost: clusterMode ? group.attrConfigurationEndPointAddress : group.attrReaderEndPointAddress,
      port,
      readerPort: port,
    });
  }

  /**
   * A serverless cache as a target. Its reader endpoint is the same host on another port (6380), on which the
   * script is admitted too. Serverless caches accept TLS connections only.
   */
  public static fromServerlessCache(scope: Construct, id: string, props: ElastiCacheRedisServerlessCacheProps): ElastiCacheRedis {
    const cache = props.serverlessCache;
    checkEngine(`ElastiCacheRedis ${futurePath(scope, id)}`, 'serverlessCache', cache.engine);
    return new ElastiCacheRedis(scope, id, props, cache.securityGroupIds, 'serverlessCache', {
      host: cache.attrEndpointAddress,
      readerHost: cache.attrReaderEndpointAddress,
      port: REDIS_PORT,
      readerPort: SERVERLESS_READER_PORT,
    });
  }

  /** The cache's network connections: a connected script is admitted on the cache's ports. */
  public readonly connections: ec2.Connections;

  /** The VPC the cache lives in. */
  public readonly vpc: ec2.IVpc;

  /** The host to write to: the primary endpoint, or the configuration endpoint in cluster mode. */
  public readonly host: string;

  /** The host to read from: the reader endpoint, or the configuration endpoint in cluster mode. */
  public readonly readerHost: string;

  /** The port of `host`. */
  public readonly port: number;

  /** The port of `readerHost`. */
  public readonly readerPort: number;

  private constructor(scope: Construct, id: string, props: ElastiCacheRedisOptions, securityGroupIds: string[] | undefined,
    cacheProp: string, endpoints: Endpoints) {
    const path = `ElastiCacheRedis ${futurePath(scope, id)}`;
    if (props.securityGroups === undefined) {
      if (securityGroupIds === undefined || securityGroupIds.length === 0) {
        throw new Error(`${path}: the ${cacheProp} has no 'SecurityGroupIds', so scripts cannot be admitted to it. `
          + "Give the cache its security groups, and pass them here as 'securityGroups'.");
      }
      if (Token.isUnresolved(securityGroupIds)) {
        throw new Error(`${path}: the ${cacheProp}'s 'SecurityGroupIds' is a token list, whose groups cannot be told apart at synth. `
          + "Give the groups as 'securityGroups'.");
      }
    } else if (props.securityGroups.length === 0) {
      throw new Error(`${path}: 'securityGroups' is empty, so scripts cannot be admitted to the cache. Give at least one of its security groups.`);
    }
    super(scope, id);
    const securityGroups = props.securityGroups
      ?? securityGroupIds!.map((groupId, i) => ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, groupId));
    this.connections = new ec2.Connections({ securityGroups, defaultPort: ec2.Port.tcp(endpoints.port) });
    this.vpc = props.vpc;
    this.host = endpoints.host;
    this.readerHost = endpoints.readerHost;
    this.port = endpoints.port;
    this.readerPort = endpoints.readerPort;
    provideBinding(this, ELASTICACHE_REDIS, (script) => this.bindScript(script));
  }

  private bindScript(script: ConnectingScript): TargetBinding {
    const ports = [...new Set([this.port, this.readerPort])];
    return {
      kind: 'ElastiCache Redis',
      vpc: this.vpc,
      variables: {
        HOST: this.host,
        PORT: Tokenization.stringifyNumber(this.port),
        READER_HOST: this.readerHost,
        READER_PORT: Tokenization.stringifyNumber(this.readerPort),
      },
      ingress: ports.map((port) => ({ peer: this, port: ec2.Port.tcp(port), description: networkIngressDescription(script) })),
    };
  }
}

interface Endpoints {
  readonly host: string;
  readonly readerHost: string;
  readonly port: number;
  readonly readerPort: number;
}

const ELASTICACHE_REDIS = Symbol.for('cdk-deployment-script.ElastiCacheRedis');

const REDIS_PORT = 6379;
/** A serverless cache serves reads from replicas on the port after its own. */
const SERVERLESS_READER_PORT = 6380;

/** `ElastiCacheRedis` targets. */
export const ELASTICACHE_REDIS_ADAPTER = providedBindingAdapter('ElastiCache Redis (ElastiCacheRedis)', ELASTICACHE_REDIS);

/** Throws for Memcached: it has no Redis endpoints and another protocol. */
function checkEngine(path: string, prop: string, engine: string | undefined): void {
  if (engine !== undefined && !Token.isUnresolved(engine) && !['redis', 'valkey'].includes(engine.toLowerCase())) {
    throw new Error(`${path}: the ${prop}'s engine is '${engine}'; ElastiCacheRedis connects to Redis and Valkey caches only. `
      + "Give the script the cache's endpoint through its 'environment' and open the port with cache.connections.");
  }
}

function isClusterMode(group: elasticache.CfnReplicationGroup): boolean {
  const nodeGroups = group.nodeGroupConfiguration;
  return group.clusterMode === 'enabled'
    || (typeof group.numNodeGroups === 'number' && !Token.isUnresolved(group.numNodeGroups) && group.numNodeGroups > 1)
    || (Array.isArray(nodeGroups) && !Token.isUnresolved(nodeGroups) && nodeGroups.length > 1)
    || (typeof group.cacheParameterGroupName === 'string' && group.cacheParameterGroupName.includes('cluster.on'));
}

function literalPort(path: string, port: number | undefined): number | undefined {
  if (port === undefined || Token.isUnresolved(port)) { return port; }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${path}: the replicationGroup's port is ${port}, which is no TCP port. Give a port from 1 to 65535.`);
  }
  return port;
}
