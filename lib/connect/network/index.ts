import { TargetAdapter } from '../adapter';
import { CFN_ELASTICACHE_ADAPTER, ELASTICACHE_REDIS_ADAPTER } from './elasticache';
import { ECS_SERVICE_ADAPTER, PRIVATE_SERVICE_ADAPTER } from './ecs-service';
import { MONGODB_ATLAS_CLUSTER_ADAPTER } from './mongodb-atlas';
import {
  CFN_DATABASE_ADAPTER, DATABASE_CLUSTER_ADAPTER, DATABASE_INSTANCE_ADAPTER, DATABASE_TARGET_ADAPTER, SERVERLESS_CLUSTER_ADAPTER,
} from './rds';
import { UPSTASH_KAFKA_TOPIC_ADAPTER, UPSTASH_REDIS_ADAPTER } from './upstash';

/**
 * The adapters of this family, tried in order: the constructs of this library first (they carry their
 * binder), then aws-cdk-lib's constructs recognised by their members, then L1s recognised only to say
 * what to list instead.
 */
export const ADAPTERS: TargetAdapter[] = [
  DATABASE_TARGET_ADAPTER,
  ELASTICACHE_REDIS_ADAPTER,
  MONGODB_ATLAS_CLUSTER_ADAPTER,
  UPSTASH_REDIS_ADAPTER,
  UPSTASH_KAFKA_TOPIC_ADAPTER,
  PRIVATE_SERVICE_ADAPTER,
  DATABASE_INSTANCE_ADAPTER,
  DATABASE_CLUSTER_ADAPTER,
  SERVERLESS_CLUSTER_ADAPTER,
  ECS_SERVICE_ADAPTER,
  CFN_DATABASE_ADAPTER,
  CFN_ELASTICACHE_ADAPTER,
];
