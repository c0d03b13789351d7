import { TargetAdapter } from '../adapter';
import { USER_POOL_ADAPTER, USER_POOL_CLIENT_ADAPTER } from './cognito';
import { TABLE_ADAPTER } from './dynamodb';
import { EVENT_BUS_ADAPTER } from './events';
import { STREAM_ADAPTER } from './kinesis';
import { FUNCTION_ADAPTER } from './lambda-function';
import { DOMAIN_ADAPTER } from './opensearch';
import { PROVIDED_ADAPTER } from './provided';
import { BUCKET_ADAPTER } from './s3';
import { TOPIC_ADAPTER } from './sns';
import { QUEUE_ADAPTER } from './sqs';
import { STATE_MACHINE_ADAPTER } from './stepfunctions';

/**
 * The adapters of this family, tried in order: targets reached through the AWS APIs, with IAM permissions
 * (and, for a domain in a VPC, network access). The members each one looks for belong to one aws-cdk-lib
 * interface only, so the order matters only for this library's own target constructs, tried first.
 */
export const ADAPTERS: TargetAdapter[] = [
  PROVIDED_ADAPTER,
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
