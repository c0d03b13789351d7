import { TargetAdapter } from './core/adapter';
import { LIBRARY_TARGET_ADAPTER } from './core/provided-binding';
import { USER_POOL_ADAPTER, USER_POOL_CLIENT_ADAPTER } from './targets/cognito/user-pool';
import { TABLE_ADAPTER } from './targets/dynamodb/table';
import { ECS_SERVICE_ADAPTER } from './targets/ecs/ecs-service';
import { PRIVATE_SERVICE_ADAPTER } from './targets/ecs/private-service-target';
import { CFN_ELASTICACHE_ADAPTER } from './targets/elasticache/cfn-cache';
import { ELASTICACHE_REDIS_ADAPTER } from './targets/elasticache/elasticache-redis';
import { EVENT_BUS_ADAPTER } from './targets/events/event-bus';
import { STREAM_ADAPTER } from './targets/kinesis/stream';
import { FUNCTION_ADAPTER } from './targets/lambda/function';
import { MONGODB_ATLAS_CLUSTER_ADAPTER } from './targets/mongodb-atlas/mongodb-atlas-cluster';
import { DOMAIN_ADAPTER } from './targets/opensearch/domain';
import {
  CFN_DATABASE_ADAPTER, DATABASE_CLUSTER_ADAPTER, DATABASE_INSTANCE_ADAPTER, SERVERLESS_CLUSTER_ADAPTER,
} from './targets/rds/database-adapters';
import { DATABASE_TARGET_ADAPTER } from './targets/rds/database-target';
import { BUCKET_ADAPTER } from './targets/s3/bucket';
import { TOPIC_ADAPTER } from './targets/sns/topic';
import { QUEUE_ADAPTER } from './targets/sqs/queue';
import { STATE_MACHINE_ADAPTER } from './targets/stepfunctions/state-machine';
import { UPSTASH_KAFKA_TOPIC_ADAPTER } from './targets/upstash/upstash-kafka-topic';
import { UPSTASH_REDIS_ADAPTER } from './targets/upstash/upstash-redis';

/**
 * Every kind of target `connectTo` knows, tried in order. The members each aws-cdk-lib adapter looks for belong to
 * one aws-cdk-lib interface only, and this library's target constructs carry their binder under a symbol of their
 * own, so the order matters little: it is the order the targets have always been tried in, so that it cannot.
 * A new target: a folder under targets/ named after its service, its adapter added here.
 */
export const ADAPTERS: readonly TargetAdapter[] = [
  // Targets in a VPC or outside AWS: this library's constructs, then aws-cdk-lib's by their members, then the L1s
  // recognised only to say what to list instead.
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
  // Targets reached over the AWS APIs, with IAM permissions (and, for a domain in a VPC, network access).
  LIBRARY_TARGET_ADAPTER,
  BUCKET_ADAPTER,
  TABLE_ADAPTER,
  EVENT_BUS_ADAPTER,
  FUNCTION_ADAPTER,
  USER_POOL_ADAPTER,
  USER_POOL_CLIENT_ADAPTER,
  TOPIC_ADAPTER,
  QUEUE_ADAPTER,
  STATE_MACHINE_ADAPTER,
  STREAM_ADAPTER,
  DOMAIN_ADAPTER,
];
