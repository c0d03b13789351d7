// The public classes of the network targets. The adapters stay internal: lib/index.ts exports this file.
export { DatabaseTarget } from './rds';
export type {
  DatabaseTargetOptions, DatabaseInstanceTargetProps, DatabaseClusterTargetProps, ServerlessClusterTargetProps,
} from './rds';
export { ElastiCacheRedis } from './elasticache';
export type { ElastiCacheRedisOptions, ElastiCacheRedisReplicationGroupProps, ElastiCacheRedisServerlessCacheProps } from './elasticache';
export { MongoDbAtlasCluster } from './mongodb-atlas';
export type { MongoDbAtlasClusterProps, MongoDbAtlasRole } from './mongodb-atlas';
export { UpstashRedis, UpstashKafkaTopic } from './upstash';
export type { UpstashRedisProps, UpstashKafkaTopicProps } from './upstash';
export { PrivateServiceTarget } from './ecs-service';
export type { PrivateServiceTargetProps } from './ecs-service';
