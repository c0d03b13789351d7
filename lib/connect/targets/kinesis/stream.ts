import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { TargetAdapter } from '../../core/adapter';
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

/** On the stream's customer-managed key: `grantEncryptDecrypt`, as `grantReadWrite` gives. */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

export const STREAM_ADAPTER: TargetAdapter = {
  kind: 'Kinesis data stream (kinesis.IStream)',
  matches: (target) => hasMembers(target, ['streamArn', 'streamName'], ['grantReadWrite']),
  bind: (target) => {
    const stream = target as kinesis.IStream;
    return {
      kind: 'Kinesis data stream',
      statements: [allow(STREAM_ACTIONS, [stream.streamArn])],
      grant: keyGrant(stream.encryptionKey, KEY_ACTIONS),
      variables: { ARN: stream.streamArn, NAME: stream.streamName },
    };
  },
};
