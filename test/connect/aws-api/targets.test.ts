import { Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';
import { BatchJobTarget, CustomTarget, SesAccess, UserPoolTarget } from '../../../lib';
import {
  allowStatement as allow, connectStack, identityStatements, scriptConnectedTo, scriptStatements, scriptVariables, sorted, Statement,
} from './support';

// The action lists, written out here rather than imported, so that a change to what a target grants fails
// a test.
const S3_BUCKET = ['s3:ListBucket'];
const S3_OBJECTS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:GetObjectTagging', 's3:PutObjectTagging', 's3:DeleteObjectTagging'];
const S3_KEY = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
const DYNAMODB_TABLE = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'];
const DYNAMODB_STREAM = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
const DYNAMODB_KEY = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
const EVENT_BUS = ['events:PutEvents'];
const FUNCTION = ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'];
const USER_POOL = ['cognito-idp:*'];
const TOPIC = ['sns:ConfirmSubscription', 'sns:ListSubscriptionsByTopic', 'sns:GetTopicAttributes', 'sns:Publish', 'sns:Subscribe', 'sns:Unsubscribe'];
const TOPIC_KEY = ['kms:Decrypt', 'kms:GenerateDataKey*'];
const QUEUE = ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:PurgeQueue'];
const QUEUE_KEY = ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
const STATE_MACHINE = ['states:StartExecution', 'states:ListExecutions'];
const EXECUTIONS = ['states:DescribeExecution', 'states:StopExecution'];
const STREAM = ['kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards', 'kinesis:SubscribeToShard',
  'kinesis:DescribeStream', 'kinesis:ListStreams', 'kinesis:DescribeStreamConsumer', 'kinesis:PutRecord', 'kinesis:PutRecords'];
const STREAM_KEY = ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
const DOMAIN = ['es:ESHttp*'];

const IMPORTED_KEY_ARN = 'arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-555555555555';
const PARTITION = { Ref: 'AWS::Partition' };

/** `Fn::Join` of the parts, as the template holds an ARN built from tokens. */
function join(...parts: unknown[]): unknown {
  return { 'Fn::Join': ['', parts] };
}

interface Expected {
  /** The target, created in the stack. */
  readonly target: IConstruct;
  /** Every statement the script's role must hold, and no other. */
  readonly statements: Statement[];
  /** Every variable the script must have, and no other. */
  readonly variables: Record<string, unknown>;
}

interface Case {
  readonly title: string;
  readonly given: (stack: Stack, r: (value: string) => any) => Expected;
}

const CASES: Case[] = [
  // S3
  {
    title: 'S3 bucket defined in the app',
    given: (stack, r) => {
      const bucket = new s3.Bucket(stack, 'myBucket');
      const arn = r(bucket.bucketArn);
      return {
        target: bucket,
        statements: [allow(S3_BUCKET, [arn]), allow(S3_OBJECTS, [join(arn, '/*')])],
        variables: { STP_MY_BUCKET_NAME: r(bucket.bucketName), STP_MY_BUCKET_ARN: arn },
      };
    },
  },
  {
    title: 'S3 bucket imported by name',
    given: (stack) => ({
      target: s3.Bucket.fromBucketName(stack, 'imported', 'imported-bucket'),
      statements: [
        allow(S3_BUCKET, [join('arn:', PARTITION, ':s3:::imported-bucket')]),
        allow(S3_OBJECTS, [join('arn:', PARTITION, ':s3:::imported-bucket/*')]),
      ],
      variables: { STP_IMPORTED_NAME: 'imported-bucket', STP_IMPORTED_ARN: join('arn:', PARTITION, ':s3:::imported-bucket') },
    }),
  },
  {
    title: 'S3 bucket encrypted with a customer-managed key',
    given: (stack, r) => {
      const key = new kms.Key(stack, 'Key');
      const bucket = new s3.Bucket(stack, 'secure', { encryptionKey: key });
      const arn = r(bucket.bucketArn);
      return {
        target: bucket,
        statements: [allow(S3_BUCKET, [arn]), allow(S3_OBJECTS, [join(arn, '/*')]), allow(S3_KEY, [r(key.keyArn)])],
        variables: { STP_SECURE_NAME: r(bucket.bucketName), STP_SECURE_ARN: arn },
      };
    },
  },
  {
    title: 'S3 bucket imported with its customer-managed key',
    given: (stack) => ({
      target: s3.Bucket.fromBucketAttributes(stack, 'imported', {
        bucketArn: 'arn:aws:s3:::imported-bucket',
        encryptionKey: kms.Key.fromKeyArn(stack, 'Key', IMPORTED_KEY_ARN),
      }),
      statements: [
        allow(S3_BUCKET, ['arn:aws:s3:::imported-bucket']),
        allow(S3_OBJECTS, ['arn:aws:s3:::imported-bucket/*']),
        allow(S3_KEY, [IMPORTED_KEY_ARN]),
      ],
      variables: { STP_IMPORTED_NAME: 'imported-bucket', STP_IMPORTED_ARN: 'arn:aws:s3:::imported-bucket' },
    }),
  },
  {
    title: 'S3 bucket encrypted with the AWS-managed key (no KMS statement)',
    given: (stack, r) => {
      const bucket = new s3.Bucket(stack, 'managed', { encryption: s3.BucketEncryption.KMS_MANAGED });
      const arn = r(bucket.bucketArn);
      return {
        target: bucket,
        statements: [allow(S3_BUCKET, [arn]), allow(S3_OBJECTS, [join(arn, '/*')])],
        variables: { STP_MANAGED_NAME: r(bucket.bucketName), STP_MANAGED_ARN: arn },
      };
    },
  },

  // DynamoDB
  {
    title: 'DynamoDB table defined in the app, without a stream',
    given: (stack, r) => {
      const table = new dynamodb.Table(stack, 'ordersTable', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
      const arn = r(table.tableArn);
      return {
        target: table,
        statements: [allow(DYNAMODB_TABLE, [arn, join(arn, '/index/*')])],
        variables: { STP_ORDERS_TABLE_NAME: r(table.tableName), STP_ORDERS_TABLE_ARN: arn },
      };
    },
  },
  {
    title: 'DynamoDB table with a stream and a customer-managed key',
    given: (stack, r) => {
      const key = new kms.Key(stack, 'Key');
      const table = new dynamodb.Table(stack, 'ordersTable', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: key,
      });
      const arn = r(table.tableArn);
      const streamArn = r(table.tableStreamArn!);
      return {
        target: table,
        statements: [allow(DYNAMODB_TABLE, [arn, join(arn, '/index/*')]), allow(DYNAMODB_STREAM, [streamArn]), allow(DYNAMODB_KEY, [r(key.keyArn)])],
        variables: { STP_ORDERS_TABLE_NAME: r(table.tableName), STP_ORDERS_TABLE_ARN: arn, STP_ORDERS_TABLE_STREAM_ARN: streamArn },
      };
    },
  },
  {
    title: 'DynamoDB TableV2 with a stream and a customer-managed key',
    given: (stack, r) => {
      const key = new kms.Key(stack, 'Key');
      const table = new dynamodb.TableV2(stack, 'ordersTable', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(key),
      });
      const arn = r(table.tableArn);
      const streamArn = r(table.tableStreamArn!);
      expect(streamArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'StreamArn'] });
      return {
        target: table,
        statements: [allow(DYNAMODB_TABLE, [arn, join(arn, '/index/*')]), allow(DYNAMODB_STREAM, [streamArn]), allow(DYNAMODB_KEY, [r(key.keyArn)])],
        variables: { STP_ORDERS_TABLE_NAME: r(table.tableName), STP_ORDERS_TABLE_ARN: arn, STP_ORDERS_TABLE_STREAM_ARN: streamArn },
      };
    },
  },
  {
    title: 'DynamoDB table imported by ARN',
    given: (stack) => ({
      target: dynamodb.Table.fromTableArn(stack, 'imported', 'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported'),
      statements: [allow(DYNAMODB_TABLE, [
        'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported',
        'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported/index/*',
      ])],
      variables: { STP_IMPORTED_NAME: 'Imported', STP_IMPORTED_ARN: 'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported' },
    }),
  },
  {
    title: 'DynamoDB TableV2 imported with its stream and key',
    given: (stack) => ({
      target: dynamodb.TableV2.fromTableAttributes(stack, 'imported', {
        tableArn: 'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported',
        tableStreamArn: 'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported/stream/2026-01-01T00:00:00.000',
        encryptionKey: kms.Key.fromKeyArn(stack, 'Key', IMPORTED_KEY_ARN),
      }),
      statements: [
        allow(DYNAMODB_TABLE, ['arn:aws:dynamodb:eu-west-1:222222222222:table/Imported', 'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported/index/*']),
        allow(DYNAMODB_STREAM, ['arn:aws:dynamodb:eu-west-1:222222222222:table/Imported/stream/2026-01-01T00:00:00.000']),
        allow(DYNAMODB_KEY, [IMPORTED_KEY_ARN]),
      ],
      variables: {
        STP_IMPORTED_NAME: 'Imported',
        STP_IMPORTED_ARN: 'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported',
        STP_IMPORTED_STREAM_ARN: 'arn:aws:dynamodb:eu-west-1:222222222222:table/Imported/stream/2026-01-01T00:00:00.000',
      },
    }),
  },

  // EventBridge
  {
    title: 'event bus defined in the app',
    given: (stack, r) => {
      const bus = new events.EventBus(stack, 'myEventBus');
      return {
        target: bus,
        statements: [allow(EVENT_BUS, [r(bus.eventBusArn)])],
        variables: { STP_MY_EVENT_BUS_ARN: r(bus.eventBusArn) },
      };
    },
  },
  {
    title: 'event bus imported by ARN',
    given: (stack) => ({
      target: events.EventBus.fromEventBusArn(stack, 'imported', 'arn:aws:events:eu-west-1:222222222222:event-bus/Imported'),
      statements: [allow(EVENT_BUS, ['arn:aws:events:eu-west-1:222222222222:event-bus/Imported'])],
      variables: { STP_IMPORTED_ARN: 'arn:aws:events:eu-west-1:222222222222:event-bus/Imported' },
    }),
  },

  // Lambda
  {
    title: 'Lambda function defined in the app',
    given: (stack, r) => {
      const fn = new lambda.Function(stack, 'resizeImage', {
        runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};'),
      });
      const arn = r(fn.functionArn);
      return {
        target: fn,
        statements: [allow(FUNCTION, [arn, join(arn, ':*')])],
        variables: { STP_RESIZE_IMAGE_ARN: arn },
      };
    },
  },
  {
    title: 'Lambda function imported by ARN',
    given: (stack) => ({
      target: lambda.Function.fromFunctionArn(stack, 'imported', 'arn:aws:lambda:eu-west-1:222222222222:function:Imported'),
      statements: [allow(FUNCTION, ['arn:aws:lambda:eu-west-1:222222222222:function:Imported', 'arn:aws:lambda:eu-west-1:222222222222:function:Imported:*'])],
      variables: { STP_IMPORTED_ARN: 'arn:aws:lambda:eu-west-1:222222222222:function:Imported' },
    }),
  },

  // Cognito
  {
    title: 'user pool defined in the app',
    given: (stack, r) => {
      const pool = new cognito.UserPool(stack, 'users');
      return {
        target: pool,
        statements: [allow(USER_POOL, [r(pool.userPoolArn)])],
        variables: { STP_USERS_ID: r(pool.userPoolId), STP_USERS_ARN: r(pool.userPoolArn) },
      };
    },
  },
  {
    title: 'user pool imported by ARN',
    given: (stack) => ({
      target: cognito.UserPool.fromUserPoolArn(stack, 'imported', 'arn:aws:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_Imported'),
      statements: [allow(USER_POOL, ['arn:aws:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_Imported'])],
      variables: { STP_IMPORTED_ID: 'eu-west-1_Imported', STP_IMPORTED_ARN: 'arn:aws:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_Imported' },
    }),
  },
  {
    title: 'user pool client defined in the app, of a pool of the app: connects to its pool',
    given: (stack, r) => {
      const pool = new cognito.UserPool(stack, 'users');
      const client = pool.addClient('webClient');
      return {
        target: client,
        statements: [allow(USER_POOL, [r(pool.userPoolArn)])],
        variables: { STP_WEB_CLIENT_ID: r(pool.userPoolId), STP_WEB_CLIENT_ARN: r(pool.userPoolArn), STP_WEB_CLIENT_CLIENT_ID: r(client.userPoolClientId) },
      };
    },
  },
  {
    title: 'user pool client defined in the app, of an imported pool: connects to that pool',
    given: (stack, r) => {
      const client = new cognito.UserPoolClient(stack, 'webClient', { userPool: cognito.UserPool.fromUserPoolId(stack, 'pool', 'eu-west-1_Imported') });
      const arn = join('arn:', PARTITION, ':cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_Imported');
      return {
        target: client,
        statements: [allow(USER_POOL, [arn])],
        variables: { STP_WEB_CLIENT_ID: 'eu-west-1_Imported', STP_WEB_CLIENT_ARN: arn, STP_WEB_CLIENT_CLIENT_ID: r(client.userPoolClientId) },
      };
    },
  },
  {
    title: 'UserPoolTarget with an imported client',
    given: (stack, r) => {
      const pool = new cognito.UserPool(stack, 'users');
      const target = new UserPoolTarget(stack, 'auth', { userPool: pool, client: cognito.UserPoolClient.fromUserPoolClientId(stack, 'client', 'abc123') });
      return {
        target,
        statements: [allow(USER_POOL, [r(pool.userPoolArn)])],
        variables: { STP_AUTH_ID: r(pool.userPoolId), STP_AUTH_ARN: r(pool.userPoolArn), STP_AUTH_CLIENT_ID: 'abc123' },
      };
    },
  },
  {
    title: 'UserPoolTarget without a client',
    given: (stack) => ({
      target: new UserPoolTarget(stack, 'auth', {
        userPool: cognito.UserPool.fromUserPoolArn(stack, 'pool', 'arn:aws:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_Imported'),
      }),
      statements: [allow(USER_POOL, ['arn:aws:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_Imported'])],
      variables: { STP_AUTH_ID: 'eu-west-1_Imported', STP_AUTH_ARN: 'arn:aws:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_Imported' },
    }),
  },

  // SNS
  {
    title: 'SNS topic defined in the app',
    given: (stack, r) => {
      const topic = new sns.Topic(stack, 'alerts');
      return {
        target: topic,
        statements: [allow(TOPIC, [r(topic.topicArn)])],
        variables: { STP_ALERTS_ARN: r(topic.topicArn), STP_ALERTS_NAME: r(topic.topicName) },
      };
    },
  },
  {
    title: 'SNS topic encrypted with a customer-managed key',
    given: (stack, r) => {
      const key = new kms.Key(stack, 'Key');
      const topic = new sns.Topic(stack, 'alerts', { masterKey: key });
      return {
        target: topic,
        statements: [allow(TOPIC, [r(topic.topicArn)]), allow(TOPIC_KEY, [r(key.keyArn)])],
        variables: { STP_ALERTS_ARN: r(topic.topicArn), STP_ALERTS_NAME: r(topic.topicName) },
      };
    },
  },
  {
    title: 'SNS topic imported by ARN',
    given: (stack) => ({
      target: sns.Topic.fromTopicArn(stack, 'imported', 'arn:aws:sns:eu-west-1:222222222222:Imported'),
      statements: [allow(TOPIC, ['arn:aws:sns:eu-west-1:222222222222:Imported'])],
      variables: { STP_IMPORTED_ARN: 'arn:aws:sns:eu-west-1:222222222222:Imported', STP_IMPORTED_NAME: 'Imported' },
    }),
  },

  // SQS
  {
    title: 'SQS queue defined in the app',
    given: (stack, r) => {
      const queue = new sqs.Queue(stack, 'jobs');
      return {
        target: queue,
        statements: [allow(QUEUE, [r(queue.queueArn)])],
        variables: { STP_JOBS_ARN: r(queue.queueArn), STP_JOBS_NAME: r(queue.queueName), STP_JOBS_URL: r(queue.queueUrl) },
      };
    },
  },
  {
    title: 'SQS queue encrypted with a customer-managed key',
    given: (stack, r) => {
      const key = new kms.Key(stack, 'Key');
      const queue = new sqs.Queue(stack, 'jobs', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
      return {
        target: queue,
        statements: [allow(QUEUE, [r(queue.queueArn)]), allow(QUEUE_KEY, [r(key.keyArn)])],
        variables: { STP_JOBS_ARN: r(queue.queueArn), STP_JOBS_NAME: r(queue.queueName), STP_JOBS_URL: r(queue.queueUrl) },
      };
    },
  },
  {
    title: 'SQS queue imported by ARN',
    given: (stack) => ({
      target: sqs.Queue.fromQueueArn(stack, 'imported', 'arn:aws:sqs:eu-west-1:222222222222:Imported'),
      statements: [allow(QUEUE, ['arn:aws:sqs:eu-west-1:222222222222:Imported'])],
      variables: {
        STP_IMPORTED_ARN: 'arn:aws:sqs:eu-west-1:222222222222:Imported',
        STP_IMPORTED_NAME: 'Imported',
        STP_IMPORTED_URL: join('https://sqs.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/222222222222/Imported'),
      },
    }),
  },

  // Step Functions
  {
    title: 'state machine defined in the app',
    given: (stack, r) => {
      const machine = new sfn.StateMachine(stack, 'flow', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) });
      const name = r(machine.stateMachineName);
      return {
        target: machine,
        statements: [
          allow(STATE_MACHINE, [r(machine.stateMachineArn)]),
          allow(EXECUTIONS, [join('arn:', PARTITION, ':states:eu-west-1:111111111111:execution:', name, ':*')]),
        ],
        variables: { STP_FLOW_ARN: r(machine.stateMachineArn), STP_FLOW_NAME: name },
      };
    },
  },
  {
    title: 'state machine imported by ARN, from another account',
    given: (stack) => ({
      target: sfn.StateMachine.fromStateMachineArn(stack, 'imported', 'arn:aws:states:eu-west-1:222222222222:stateMachine:Imported'),
      statements: [
        allow(STATE_MACHINE, ['arn:aws:states:eu-west-1:222222222222:stateMachine:Imported']),
        allow(EXECUTIONS, ['arn:aws:states:eu-west-1:222222222222:execution:Imported:*']),
      ],
      variables: { STP_IMPORTED_ARN: 'arn:aws:states:eu-west-1:222222222222:stateMachine:Imported', STP_IMPORTED_NAME: 'Imported' },
    }),
  },
  {
    title: 'state machine imported by name',
    given: (stack) => ({
      target: sfn.StateMachine.fromStateMachineName(stack, 'imported', 'Imported'),
      statements: [
        allow(STATE_MACHINE, [join('arn:', PARTITION, ':states:eu-west-1:111111111111:stateMachine:Imported')]),
        allow(EXECUTIONS, [join('arn:', PARTITION, ':states:eu-west-1:111111111111:execution:Imported:*')]),
      ],
      variables: { STP_IMPORTED_ARN: join('arn:', PARTITION, ':states:eu-west-1:111111111111:stateMachine:Imported'), STP_IMPORTED_NAME: 'Imported' },
    }),
  },

  // Kinesis
  {
    title: 'Kinesis stream encrypted with a customer-managed key',
    given: (stack, r) => {
      const key = new kms.Key(stack, 'Key');
      const stream = new kinesis.Stream(stack, 'clicks', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key });
      return {
        target: stream,
        statements: [allow(STREAM, [r(stream.streamArn)]), allow(STREAM_KEY, [r(key.keyArn)])],
        variables: { STP_CLICKS_ARN: r(stream.streamArn), STP_CLICKS_NAME: r(stream.streamName) },
      };
    },
  },
  {
    title: 'Kinesis stream with the AWS-managed key (no KMS statement)',
    given: (stack, r) => {
      const stream = new kinesis.Stream(stack, 'clicks', { encryption: kinesis.StreamEncryption.MANAGED });
      return {
        target: stream,
        statements: [allow(STREAM, [r(stream.streamArn)])],
        variables: { STP_CLICKS_ARN: r(stream.streamArn), STP_CLICKS_NAME: r(stream.streamName) },
      };
    },
  },
  {
    title: 'Kinesis stream imported by ARN',
    given: (stack) => ({
      target: kinesis.Stream.fromStreamArn(stack, 'imported', 'arn:aws:kinesis:eu-west-1:222222222222:stream/Imported'),
      statements: [allow(STREAM, ['arn:aws:kinesis:eu-west-1:222222222222:stream/Imported'])],
      variables: { STP_IMPORTED_ARN: 'arn:aws:kinesis:eu-west-1:222222222222:stream/Imported', STP_IMPORTED_NAME: 'Imported' },
    }),
  },

  // OpenSearch
  {
    title: 'OpenSearch domain defined in the app, outside a VPC',
    given: (stack, r) => {
      const domain = new opensearch.Domain(stack, 'search', { version: opensearch.EngineVersion.OPENSEARCH_2_11 });
      const arn = r(domain.domainArn);
      return {
        target: domain,
        statements: [allow(DOMAIN, [arn, join(arn, '/*')])],
        variables: { STP_SEARCH_ARN: arn, STP_SEARCH_DOMAIN_ENDPOINT: r(domain.domainEndpoint) },
      };
    },
  },
  {
    title: 'OpenSearch domain imported by its attributes',
    given: (stack) => ({
      target: opensearch.Domain.fromDomainAttributes(stack, 'imported', {
        domainArn: 'arn:aws:es:eu-west-1:222222222222:domain/imported',
        domainEndpoint: 'https://search-imported-abc.eu-west-1.es.amazonaws.com',
      }),
      statements: [allow(DOMAIN, ['arn:aws:es:eu-west-1:222222222222:domain/imported', 'arn:aws:es:eu-west-1:222222222222:domain/imported/*'])],
      variables: { STP_IMPORTED_ARN: 'arn:aws:es:eu-west-1:222222222222:domain/imported', STP_IMPORTED_DOMAIN_ENDPOINT: 'search-imported-abc.eu-west-1.es.amazonaws.com' },
    }),
  },

  // SES
  {
    title: 'SesAccess: every identity of the account and region',
    given: (stack) => ({
      target: new SesAccess(stack, 'ses'),
      statements: [allow(['ses:*'], [
        join('arn:', PARTITION, ':ses:eu-west-1:111111111111:identity/*'),
        join('arn:', PARTITION, ':ses:eu-west-1:111111111111:configuration-set/*'),
        join('arn:', PARTITION, ':ses:eu-west-1:111111111111:template/*'),
      ])],
      variables: {},
    }),
  },
  {
    title: 'SesAccess: given identities',
    given: (stack) => ({
      target: new SesAccess(stack, 'ses', { identities: ['example.com', 'noreply@example.org'] }),
      statements: [allow(['ses:*'], [
        join('arn:', PARTITION, ':ses:eu-west-1:111111111111:identity/example.com'),
        join('arn:', PARTITION, ':ses:eu-west-1:111111111111:identity/noreply@example.org'),
        join('arn:', PARTITION, ':ses:eu-west-1:111111111111:configuration-set/*'),
        join('arn:', PARTITION, ':ses:eu-west-1:111111111111:template/*'),
      ])],
      variables: {},
    }),
  },

  // Batch
  {
    title: 'BatchJobTarget of a job definition and queue defined in the app',
    given: (stack, r) => {
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
      const jobQueue = new batch.JobQueue(stack, 'Queue', {
        computeEnvironments: [{ computeEnvironment: new batch.FargateComputeEnvironment(stack, 'Compute', { vpc }), order: 1 }],
      });
      const jobDefinition = new batch.EcsJobDefinition(stack, 'Definition', {
        container: new batch.EcsFargateContainerDefinition(stack, 'Container', {
          image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox'), cpu: 1, memory: Size.gibibytes(2),
        }),
      });
      return {
        target: new BatchJobTarget(stack, 'nightlyJob', { jobDefinition, jobQueue }),
        statements: [
          allow(['batch:SubmitJob'], [r(jobDefinition.jobDefinitionArn), r(jobQueue.jobQueueArn)]),
          allow(['batch:TerminateJob'], [join('arn:', PARTITION, ':batch:eu-west-1:111111111111:job/*')]),
        ],
        variables: { STP_NIGHTLY_JOB_JOB_DEFINITION_ARN: r(jobDefinition.jobDefinitionArn), STP_NIGHTLY_JOB_JOB_QUEUE_ARN: r(jobQueue.jobQueueArn) },
      };
    },
  },
  {
    title: 'BatchJobTarget of imported resources, with a state machine',
    given: (stack) => ({
      target: new BatchJobTarget(stack, 'nightlyJob', {
        jobDefinition: batch.EcsJobDefinition.fromJobDefinitionArn(stack, 'Definition', 'arn:aws:batch:eu-west-1:222222222222:job-definition/Imported:3'),
        jobQueue: batch.JobQueue.fromJobQueueArn(stack, 'Queue', 'arn:aws:batch:eu-west-1:222222222222:job-queue/Imported'),
        stateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Flow', 'arn:aws:states:eu-west-1:222222222222:stateMachine:RunJob'),
      }),
      statements: [
        allow(['batch:SubmitJob'], ['arn:aws:batch:eu-west-1:222222222222:job-definition/Imported:3', 'arn:aws:batch:eu-west-1:222222222222:job-queue/Imported']),
        allow(['batch:TerminateJob'], ['arn:aws:batch:eu-west-1:222222222222:job/*']),
        allow(STATE_MACHINE, ['arn:aws:states:eu-west-1:222222222222:stateMachine:RunJob']),
        allow(EXECUTIONS, ['arn:aws:states:eu-west-1:222222222222:execution:RunJob:*']),
      ],
      variables: {
        STP_NIGHTLY_JOB_JOB_DEFINITION_ARN: 'arn:aws:batch:eu-west-1:222222222222:job-definition/Imported:3',
        STP_NIGHTLY_JOB_JOB_QUEUE_ARN: 'arn:aws:batch:eu-west-1:222222222222:job-queue/Imported',
        STP_NIGHTLY_JOB_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:222222222222:stateMachine:RunJob',
      },
    }),
  },

  // Custom
  {
    title: 'CustomTarget with statements and variables',
    given: (stack) => ({
      target: new CustomTarget(stack, 'featureFlags', {
        statements: [new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: ['arn:aws:ssm:eu-west-1:111111111111:parameter/flags'] })],
        variables: { PARAMETER_NAME: '/flags' },
      }),
      statements: [allow(['ssm:GetParameter'], ['arn:aws:ssm:eu-west-1:111111111111:parameter/flags'])],
      variables: { STP_FEATURE_FLAGS_PARAMETER_NAME: '/flags' },
    }),
  },
];

describe('connectTo targets reached through the AWS APIs', () => {
  test.each(CASES)('$title: exactly these statements and variables', ({ given }) => {
    // GIVEN
    const stack = connectStack();
    const expected = given(stack, (value) => stack.resolve(value));

    // WHEN
    const script = scriptConnectedTo(stack, [expected.target]);

    // THEN
    expect(sorted(scriptStatements(script))).toEqual(sorted(expected.statements));
    expect(scriptVariables(script)).toStrictEqual(expected.variables);
    expect(identityStatements(stack).filter((s) => s.Resource.includes('*'))).toEqual([]);
  });
});
