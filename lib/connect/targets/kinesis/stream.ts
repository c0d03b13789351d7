import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { byAccess, READ_OR_WRITE, TargetAdapter } from '../../core/adapter';
import { allow, keyGrant } from '../../core/iam';
import { hasMembers } from '../../core/members';

/**
 * Read and write records: the actions of aws-cdk-lib's `Stream.grantReadWrite`, kept identical so that a
 * script can do what a consumer or producer granted the usual way can.
 */
export const STREAM_ACTIONS = [
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
  'kinesis:SubscribeToShard',
  'kinesis:DescribeStream',
  'kinesis:ListStreams',
  'kinesis:DescribeStreamConsumer',
  'kinesis:PutRecord',
  'kinesis:PutRecords',
];

/** Read only (`AccessLevel.READ`): the actions of aws-cdk-lib's `Stream.grantRead`. */
export const READ_STREAM_ACTIONS = STREAM_ACTIONS.filter((action) => !action.startsWith('kinesis:PutRecord'));

/** Read only, on a customer-managed key: `grantDecrypt`, as `grantRead` gives. */
export const READ_KEY_ACTIONS = ['kms:Decrypt'];

/** On the stream's customer-managed key: `grantEncryptDecrypt`, as `grantReadWrite` gives. */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

export const STREAM_ADAPTER: TargetAdapter = {
  kind: 'Kinesis data stream (kinesis.IStream)',
  matches: (target) => hasMembers(target, ['streamArn', 'streamName'], ['grantReadWrite']),
  levels: () => READ_OR_WRITE,
  bind: (target, _script, access) => {
    const stream = target as kinesis.IStream;
    return {
      kind: 'Kinesis data stream',
      statements: [allow(byAccess(access, READ_STREAM_ACTIONS, STREAM_ACTIONS), [stream.streamArn])],
      grant: keyGrant(stream.encryptionKey, byAccess(access, READ_KEY_ACTIONS, KEY_ACTIONS)),
      variables: { ARN: stream.streamArn, NAME: stream.streamName },
    };
  },
};
