// The public classes of the connectTo targets, one file each, by service. lib/index.ts exports this file; the
// adapters stay internal.
export { AccessLevel } from './access-level';
export { Connect } from './connect';
export type { ConnectOptions } from './connect';
export * from './targets/batch/batch-job-target';
export * from './targets/cognito/user-pool-target';
export * from './targets/custom/custom-target';
export { PrivateServiceTarget } from './targets/ecs/private-service-target';
export type { PrivateServiceTargetProps } from './targets/ecs/private-service-target';
export { ElastiCacheRedis } from './targets/elasticache/elasticache-redis';
export type {
  ElastiCacheRedisOptions, ElastiCacheRedisReplicationGroupProps, ElastiCacheRedisServerlessCacheProps,
} from './targets/elasticache/elasticache-redis';
export { MongoDbAtlasCluster } from './targets/mongodb-atlas/mongodb-atlas-cluster';
export type { MongoDbAtlasClusterProps, MongoDbAtlasRole } from './targets/mongodb-atlas/mongodb-atlas-cluster';
export { DatabaseCredentials } from './targets/rds/database-credentials';
export { DatabaseTarget } from './targets/rds/database-target';
export type {
  DatabaseClusterTargetProps, DatabaseInstanceTargetProps, DatabaseTargetOptions, ServerlessClusterTargetProps,
} from './targets/rds/database-target-options';
export * from './targets/ses/ses-access';
export { UpstashKafkaTopic } from './targets/upstash/upstash-kafka-topic';
export type { UpstashKafkaTopicProps } from './targets/upstash/upstash-kafka-topic';
export { UpstashRedis } from './targets/upstash/upstash-redis';
export type { UpstashRedisProps } from './targets/upstash/upstash-redis';
