import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { byAccess, READ_OR_WRITE, TargetAdapter } from '../../core/adapter';
import { allow, keyGrant } from '../../core/iam';
import { hasMembers } from '../../core/members';

/** On the table and its indexes (`<arn>/index/*`: `Query` and `Scan` of an index are checked there). */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:DescribeTable',
];

/** Read only (`AccessLevel.READ`), on the table and its indexes: get, query, scan, describe. */
export const READ_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:DescribeTable',
];

/** On the table's stream, when it has one: reading it, at either level. */
export const STREAM_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

/** On a customer-managed key: what aws-cdk-lib's `grantReadWriteData` gives, as DynamoDB needs it. */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** Read only, on a customer-managed key: what aws-cdk-lib's `grantReadData` gives. */
export const READ_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

/** `ITable` and `ITableV2` share these members. */
type AnyTable = dynamodb.ITable | dynamodb.ITableV2;

export const TABLE_ADAPTER: TargetAdapter = {
  kind: 'DynamoDB table (dynamodb.ITable, dynamodb.ITableV2)',
  // grantReadWriteData tells a DynamoDB table from other things with a tableArn and tableName (Glue tables).
  matches: (target) => hasMembers(target, ['tableArn', 'tableName'], ['grantReadWriteData']),
  levels: () => READ_OR_WRITE,
  bind: (target, _script, access) => {
    const table = target as AnyTable;
    const streamArn = table.tableStreamArn;
    return {
      kind: 'DynamoDB table',
      statements: [
        allow(byAccess(access, READ_TABLE_ACTIONS, TABLE_ACTIONS), [table.tableArn, `${table.tableArn}/index/*`]),
        ...streamArn ? [allow(STREAM_ACTIONS, [streamArn])] : [],
      ],
      grant: keyGrant(table.encryptionKey, byAccess(access, READ_KEY_ACTIONS, KEY_ACTIONS)),
      variables: {
        NAME: table.tableName,
        ARN: table.tableArn,
        ...streamArn ? { STREAM_ARN: streamArn } : {},
      },
    };
  },
};
