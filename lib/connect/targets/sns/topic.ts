import * as sns from 'aws-cdk-lib/aws-sns';
import { TargetAdapter } from '../../core/adapter';
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

/** On the topic's customer-managed key: what publishing to an encrypted topic needs. */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

export const TOPIC_ADAPTER: TargetAdapter = {
  kind: 'SNS topic (sns.ITopic)',
  matches: (target) => hasMembers(target, ['topicArn', 'topicName'], ['addSubscription']),
  bind: (target) => {
    const topic = target as sns.ITopic;
    return {
      kind: 'SNS topic',
      statements: [allow(TOPIC_ACTIONS, [topic.topicArn])],
      grant: keyGrant(topic.masterKey, KEY_ACTIONS),
      variables: { ARN: topic.topicArn, NAME: topic.topicName },
    };
  },
};
