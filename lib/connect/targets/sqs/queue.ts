import * as sqs from 'aws-cdk-lib/aws-sqs';
import { TargetAdapter } from '../../core/adapter';
import { allow, keyGrant } from '../../core/iam';
import { hasMembers } from '../../core/members';

export const QUEUE_ACTIONS = [
  'sqs:SendMessage',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:PurgeQueue',
];

/** On the queue's customer-managed key: what aws-cdk-lib's `grantSendMessages` gives (consuming needs less). */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

export const QUEUE_ADAPTER: TargetAdapter = {
  kind: 'SQS queue (sqs.IQueue)',
  matches: (target) => hasMembers(target, ['queueArn', 'queueUrl', 'queueName']),
  bind: (target) => {
    const queue = target as sqs.IQueue;
    return {
      kind: 'SQS queue',
      statements: [allow(QUEUE_ACTIONS, [queue.queueArn])],
      grant: keyGrant(queue.encryptionMasterKey, KEY_ACTIONS),
      variables: { ARN: queue.queueArn, NAME: queue.queueName, URL: queue.queueUrl },
    };
  },
};
