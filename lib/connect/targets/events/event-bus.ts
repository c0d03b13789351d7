import * as events from 'aws-cdk-lib/aws-events';
import { TargetAdapter } from '../../core/adapter';
import { allow } from '../../core/iam';
import { hasMembers } from '../../core/members';

/** Put events: a bus has nothing to read, so it takes `AccessLevel.READ_WRITE` only (the adapter declares no levels). */
export const BUS_ACTIONS = ['events:PutEvents'];

export const EVENT_BUS_ADAPTER: TargetAdapter = {
  kind: 'EventBridge event bus (events.IEventBus)',
  matches: (target) => hasMembers(target, ['eventBusArn', 'eventBusName']),
  bind: (target) => {
    const bus = target as events.IEventBus;
    return {
      kind: 'EventBridge event bus',
      statements: [allow(BUS_ACTIONS, [bus.eventBusArn])],
      variables: { ARN: bus.eventBusArn },
    };
  },
};
