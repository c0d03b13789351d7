import * as sns from 'aws-cdk-lib/aws-sns';
import { byAccess, READ_OR_WRITE, TargetAdapter } from '../../core/adapter';
import { allow, keyGrant } from '../../core/iam';
import { hasMembers } from '../../core/members';

export const TOPIC_ACTIONS = [
  'sns:ConfirmSubscription',
  'sns:ListSubscriptionsByTopic',
  'sns:GetTopicAttributes',
  'sns:Publish',
  'sns:Subscribe',
  'sns:Unsubscribe',
];

/** Read only (`AccessLevel.READ`): the topic's attributes and subscriptions. */
export const READ_TOPIC_ACTIONS = ['sns:ListSubscriptionsByTopic', 'sns:GetTopicAttributes'];

/** On the topic's customer-managed key: what publishing to an encrypted topic needs. */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

export const TOPIC_ADAPTER: TargetAdapter = {
  kind: 'SNS topic (sns.ITopic)',
  matches: (target) => hasMembers(target, ['topicArn', 'topicName'], ['addSubscription']),
  levels: () => READ_OR_WRITE,
  bind: (target, _script, access) => {
    const topic = target as sns.ITopic;
    return {
      kind: 'SNS topic',
      statements: [allow(byAccess(access, READ_TOPIC_ACTIONS, TOPIC_ACTIONS), [topic.topicArn])],
      // Only publishing uses the key.
      grant: byAccess(access, undefined, keyGrant(topic.masterKey, KEY_ACTIONS)),
      variables: { ARN: topic.topicArn, NAME: topic.topicName },
    };
  },
};
