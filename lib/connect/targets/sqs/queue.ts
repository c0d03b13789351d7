import * as sqs from 'aws-cdk-lib/aws-sqs';
import { byAccess, READ_OR_WRITE, TargetAdapter } from '../../core/adapter';
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

/**
 * Read only (`AccessLevel.READ`): the queue's attributes (its depth, its oldest message's age) and URL. Not
 * `ReceiveMessage`: receiving hides a message from the queue's consumers for its visibility timeout and counts
 * towards its `maxReceiveCount`, after which it moves to the dead-letter queue, so it changes the queue.
 */
export const READ_QUEUE_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];

/** On the queue's customer-managed key: what aws-cdk-lib's `grantSendMessages` gives (consuming needs less). */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

export const QUEUE_ADAPTER: TargetAdapter = {
  kind: 'SQS queue (sqs.IQueue)',
  matches: (target) => hasMembers(target, ['queueArn', 'queueUrl', 'queueName']),
  levels: () => READ_OR_WRITE,
  bind: (target, _script, access) => {
    const queue = target as sqs.IQueue;
    return {
      kind: 'SQS queue',
      statements: [allow(byAccess(access, READ_QUEUE_ACTIONS, QUEUE_ACTIONS), [queue.queueArn])],
      // Attributes are not encrypted: reading them needs no key.
      grant: byAccess(access, undefined, keyGrant(queue.encryptionMasterKey, KEY_ACTIONS)),
      variables: { ARN: queue.queueArn, NAME: queue.queueName, URL: queue.queueUrl },
    };
  },
};
