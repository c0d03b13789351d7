/** Custom resource requests of container tasks (`Custom::DeploymentTask`), and a driver of their two handlers. */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  PROP_ASSIGN_PUBLIC_IP,
  PROP_CLUSTER,
  PROP_CONTAINER_NAME,
  PROP_LOG_GROUP_NAME,
  PROP_LOG_STREAM_PREFIX,
  PROP_PARAMETERS,
  PROP_RETRY_ATTEMPTS,
  PROP_RETRY_BACKOFF_SECONDS,
  PROP_RUN_POLICY,
  PROP_RUN_TOKEN,
  PROP_SECURITY_GROUPS,
  PROP_SUBNETS,
  PROP_TASK_DEFINITION,
  PROP_TIMEOUT_SECONDS,
  PROP_TRIGGER,
  RUN_POLICY_ON_STACK_CHANGE,
  TASK_QUERY_INTERVAL_SECONDS,
  TASK_RESOURCE_TYPE,
  TRIGGER_AFTER_DEPLOY,
} from '../../lambda-runtime/shared/consts';
import type { createTaskHandlers, IsCompleteEvent } from '../../lambda-runtime/task/index';
import { FakeClock, RESPONSE_URL, STACK_ID } from './events';

export const TASK_DEFINITION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/my-stack-migrate:3';
export const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/my-stack-cluster';
export const LOG_GROUP = 'my-stack-migrateLogGroup-AbCdEf';
export const STREAM_PREFIX = 'migrate';
export const REQUEST_ID = '0f5a6b7c-1d2e-4f30-8a9b-0c1d2e3f4a5b';

export interface TaskEventOptions {
  readonly trigger?: string;
  readonly runPolicy?: string;
  readonly parameters?: string;
  readonly logicalResourceId?: string;
  readonly physicalResourceId?: string;
  readonly stackId?: string;
  readonly timeoutSeconds?: string;
  readonly assignPublicIp?: boolean;
  readonly platformVersion?: string;
  readonly requestId?: string;
  /** RetryAttempts and RetryBackoffSeconds, as the construct writes them for `retry`. */
  readonly retry?: readonly [attempts: number, backoffSeconds: number];
}

export function taskEvent(requestType: 'Create' | 'Update' | 'Delete', options: TaskEventOptions = {}): CloudFormationCustomResourceEvent {
  const logicalResourceId = options.logicalResourceId ?? 'Migrate';
  const properties = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:my-stack-DeploymentTaskProviderframeworkonEvent-XyZ',
    [PROP_TRIGGER]: options.trigger ?? TRIGGER_AFTER_DEPLOY,
    [PROP_PARAMETERS]: options.parameters ?? '{}',
    [PROP_RUN_POLICY]: options.runPolicy ?? RUN_POLICY_ON_STACK_CHANGE,
    [PROP_RUN_TOKEN]: 'c4f3b2a1',
    [PROP_TASK_DEFINITION]: TASK_DEFINITION,
    [PROP_CLUSTER]: CLUSTER,
    [PROP_CONTAINER_NAME]: 'task',
    [PROP_SUBNETS]: ['subnet-0aaa', 'subnet-0bbb'],
    [PROP_SECURITY_GROUPS]: ['sg-0ccc'],
    [PROP_ASSIGN_PUBLIC_IP]: options.assignPublicIp ? 'ENABLED' : 'DISABLED',
    ...(options.platformVersion ? { PlatformVersion: options.platformVersion } : {}),
    [PROP_LOG_GROUP_NAME]: LOG_GROUP,
    [PROP_LOG_STREAM_PREFIX]: STREAM_PREFIX,
    [PROP_TIMEOUT_SECONDS]: options.timeoutSeconds ?? '600',
    ...(options.retry ? { [PROP_RETRY_ATTEMPTS]: String(options.retry[0]), [PROP_RETRY_BACKOFF_SECONDS]: String(options.retry[1]) } : {}),
  };
  const common = {
    ServiceToken: properties.ServiceToken,
    ResponseURL: RESPONSE_URL,
    StackId: options.stackId ?? STACK_ID,
    RequestId: options.requestId ?? REQUEST_ID,
    LogicalResourceId: logicalResourceId,
    ResourceType: TASK_RESOURCE_TYPE,
    ResourceProperties: properties,
  };
  const physicalResourceId = options.physicalResourceId ?? logicalResourceId;
  switch (requestType) {
    case 'Create':
      return { ...common, RequestType: 'Create' };
    case 'Update':
      return { ...common, RequestType: 'Update', PhysicalResourceId: physicalResourceId, OldResourceProperties: { ...properties, [PROP_RUN_TOKEN]: 'older' } };
    case 'Delete':
      return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalResourceId };
  }
}

export interface DeployResult {
  /** What onEvent answered. */
  readonly started: Awaited<ReturnType<ReturnType<typeof createTaskHandlers>['onEvent']>>;
  /** How many times isComplete was asked. */
  readonly polls: number;
}

/**
 * What the Provider framework does with one request: onEvent, then isComplete every TASK_QUERY_INTERVAL_SECONDS
 * (on the fake clock) until it answers IsComplete: true or throws. Throws when it never completes within `maxPolls`.
 */
export async function drive(handlers: ReturnType<typeof createTaskHandlers>, event: CloudFormationCustomResourceEvent, clock: FakeClock,
  maxPolls = 50): Promise<DeployResult> {
  const started = await handlers.onEvent(event);
  // The framework merges onEvent's answer into the request it gives isComplete.
  const completeEvent = { ...event, ...started } as IsCompleteEvent;
  for (let polls = 1; polls <= maxPolls; polls++) {
    clock.time += TASK_QUERY_INTERVAL_SECONDS * 1000;
    const answer = await handlers.isComplete(completeEvent);
    if (answer.IsComplete) return { started, polls };
  }
  throw new Error(`isComplete did not complete within ${maxPolls} polls`);
}
