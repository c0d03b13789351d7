/**
 * A container task pushed through aws-cdk-lib's own asynchronous Provider framework code, as shipped: onEvent starts
 * the waiter, whose isComplete retries until the task stops. What CloudFormation finally receives must be a valid
 * response under its 4096-byte limit, whatever the task printed.
 */
import { join } from 'node:path';
import { ENV_PROVIDER_STACK_ID, TASK_QUERY_INTERVAL_SECONDS, TRIGGER_BEFORE_DELETE } from '../../lambda-runtime/shared/consts';
import { createTaskHandlers } from '../../lambda-runtime/task/index';
import { captureConsole, FakeClock, RESPONSE_URL_SECRET } from '../support/events';
import { FakeAws } from '../support/fake-aws';
import { STREAM_PREFIX, taskEvent } from '../support/task-events';

// The framework's outbound module loads the Step Functions client at require time; the waiter is simulated below.
jest.mock('@aws-sdk/client-sfn', () => ({ SFN: class {} }), { virtual: true });

const RUNTIME_DIR = join(__dirname, '../../node_modules/aws-cdk-lib/custom-resources/lib/provider-framework/runtime');
/* eslint-disable @typescript-eslint/no-require-imports */
const framework: { onEvent(event: unknown): Promise<void>; isComplete(event: unknown): Promise<void> } = require(join(RUNTIME_DIR, 'framework.js'));
const outbound: Record<string, unknown> = require(join(RUNTIME_DIR, 'outbound.js'));
const frameworkConsts: Record<string, string> = require(join(RUNTIME_DIR, 'consts.js'));
const { Retry } = require(join(RUNTIME_DIR, 'cfn-response.js'));
/* eslint-enable @typescript-eslint/no-require-imports */

const PARTITION = 'aws-us-gov';
const REGION = 'us-gov-west-1';
// The longest names there are.
const STACK_ID = `arn:${PARTITION}:cloudformation:${REGION}:123456789012:stack/${'S'.repeat(128)}/5b7c2d10-a1b2-11ee-8c90-0242ac120002`;
const ON_EVENT_ARN = `arn:${PARTITION}:lambda:${REGION}:123456789012:function:${'E'.repeat(64)}`;
const IS_COMPLETE_ARN = `arn:${PARTITION}:lambda:${REGION}:123456789012:function:${'C'.repeat(64)}`;
const LOGICAL_ID = 'L'.repeat(255);

const fake = FakeAws.forTestFile({ region: REGION });
let clock: FakeClock;
let responses: Array<{ options: { method?: string; headers?: Record<string, unknown> }; body: string }>;
let executions: Array<{ name: string; input: string }>;

beforeEach(() => {
  fake.ecs.streamPrefix('*', STREAM_PREFIX);
  clock = new FakeClock();
  responses = [];
  executions = [];
  process.env[frameworkConsts.USER_ON_EVENT_FUNCTION_ARN_ENV] = ON_EVENT_ARN;
  process.env[ENV_PROVIDER_STACK_ID] = STACK_ID; // onEvent serves this stack
  process.env[frameworkConsts.USER_IS_COMPLETE_FUNCTION_ARN_ENV] = IS_COMPLETE_ARN;
  process.env[frameworkConsts.WAITER_STATE_MACHINE_ARN_ENV] = `arn:${PARTITION}:states:${REGION}:123456789012:stateMachine:waiter`;

  // Lambda's Node runtime, in process: a returned value becomes the payload; a thrown error becomes
  // FunctionError 'Unhandled' with {errorType, errorMessage, trace: stack.split('\n')}.
  const handlers = createTaskHandlers({ sleep: clock.sleep, now: clock.now });
  outbound.invokeFunction = async (request: { FunctionName: string; Payload: string }) => {
    const handler = request.FunctionName === ON_EVENT_ARN ? handlers.onEvent : request.FunctionName === IS_COMPLETE_ARN ? handlers.isComplete : undefined;
    if (!handler) throw new Error(`unexpected function ${request.FunctionName}`);
    try {
      const result = await handler(JSON.parse(request.Payload));
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result ?? null)) };
    } catch (e) {
      const error = e as Error;
      const payload = { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify(payload)) };
    }
  };
  outbound.startExecution = async (request: { name: string; input: string }) => { executions.push(request); };
  outbound.httpRequest = async (options: { method?: string; headers?: Record<string, unknown> }, body: string) => {
    responses.push({ options, body });
  };
});

/**
 * One request through the framework: its onEvent, then the waiter state machine, which retries the framework's
 * isComplete every TASK_QUERY_INTERVAL_SECONDS while it throws Retry.
 */
async function deploy(event: ReturnType<typeof taskEvent>) {
  const output = captureConsole();
  let polls = 0;
  try {
    await framework.onEvent(event);
    expect(executions).toHaveLength(1);
    expect(executions[0].name).toBe(event.RequestId);
    for (; ;) {
      polls++;
      clock.time += TASK_QUERY_INTERVAL_SECONDS * 1000;
      try {
        await framework.isComplete(JSON.parse(executions[0].input));
        break;
      } catch (error) {
        if (!(error instanceof Retry) || polls > 100) throw error;
      }
    }
  } finally {
    output.restore();
  }
  expect(output.text()).not.toContain(RESPONSE_URL_SECRET);
  expect(responses).toHaveLength(1);
  const [{ options, body }] = responses;
  expect(options.method).toBe('PUT');
  expect(options.headers?.['content-length']).toBe(Buffer.byteLength(body, 'utf8'));
  return { body, response: JSON.parse(body), polls };
}

const LAST_LINE = 'LAST LINE: rolled back 回滚 ✅';
/** A log full of colour, hyperlinks and multi-byte characters, far beyond what a reason can hold. */
const HUGE_LOG = [
  ...Array.from({ length: 3000 }, (_, i) => `\x1b[1;35m◆ 步骤 ${i} 👩‍👩‍👧‍👦 e\u0301\u0302 🇯🇵 ${'ü🔥'.repeat(i % 7 === 0 ? 5000 : 3)}\x1b]8;;https://x\x07link\x1b]8;;\x07\x1b[0m`),
  LAST_LINE,
];

test.each(['Create', 'Update'] as const)('a failed %s reaches CloudFormation whole and under 4096 bytes, with the last log line', async (requestType) => {
  fake.setStack(STACK_ID, `${requestType.toUpperCase()}_IN_PROGRESS`);
  fake.ecs.plan({ runningPolls: 3, stop: { exitCode: 1 }, log: HUGE_LOG });

  const { body, response, polls } = await deploy(taskEvent(requestType, { stackId: STACK_ID, logicalResourceId: LOGICAL_ID, physicalResourceId: LOGICAL_ID }));

  expect(polls).toBe(4);
  expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(4096);
  expect(response.Status).toBe('FAILED');
  expect(response.LogicalResourceId).toBe(LOGICAL_ID);
  expect(response.StackId).toBe(STACK_ID);
  expect(response.PhysicalResourceId).toBe(LOGICAL_ID);
  expect(response).not.toHaveProperty('DeploymentTaskRun');
  const reason: string = response.Reason;
  expect(reason).toMatch(new RegExp(`^Deployment task ${LOGICAL_ID} failed: the command exited with code 1\\.\\nLast log lines:\\n…\\n`));
  expect(reason).toContain(`\n${LAST_LINE}\nFull log: `);
  expect(reason).toContain(`https://console.amazonaws-us-gov.com/cloudwatch/home?region=${REGION}#logsV2:log-groups/log-group/`);
  // The framework's own line, once; the message is not repeated by a stack trace.
  expect(reason).toMatch(new RegExp(`\\n\\nLogs: /aws/lambda/${'C'.repeat(64)}\\n$`));
  expect(reason.split('Deployment task').length - 1).toBe(1);
  expect(reason).not.toContain('\x1b');
  expect(reason).not.toContain('\ufffd');
});

test('a failure to start reaches CloudFormation from onEvent\'s waiter, under 4096 bytes', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  const reason = `CannotPullContainerError: ${'pull access denied, repository does not exist or may require authorization: '.repeat(60)}`;
  fake.ecs.plan({ stop: { failedToStart: reason, containerReason: reason } });
  const { body, response } = await deploy(taskEvent('Create', { stackId: STACK_ID, logicalResourceId: LOGICAL_ID }));
  expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(4096);
  expect(response.Status).toBe('FAILED');
  expect(response.Reason).toMatch(/^Deployment task L+ failed: the task failed to start \(TaskFailedToStart\): CannotPullContainerError: pull access denied/);
});

test('a successful task answers SUCCESS, with no attributes and the logical id as physical id', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  fake.ecs.plan({ runningPolls: 2, stop: { exitCode: 0 } });
  const { response, polls } = await deploy(taskEvent('Create', { stackId: STACK_ID }));
  expect(polls).toBe(3);
  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'Migrate', Data: {} });
});

test('the rollback of a failed update answers SUCCESS at once, without running the task', async () => {
  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  const { response, polls } = await deploy(taskEvent('Update', { stackId: STACK_ID }));
  expect(polls).toBe(1);
  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'Migrate' });
  expect(fake.ecs.calls).toHaveLength(0);
});

test('a failed BEFORE_DELETE task answers SUCCESS: the deletion goes on', async () => {
  fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 1 }, log: ['could not deregister'] });
  const { response } = await deploy(taskEvent('Delete', { stackId: STACK_ID, trigger: TRIGGER_BEFORE_DELETE }));
  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'Migrate' });
  expect(fake.ecs.callsOf('RunTask')).toHaveLength(1);
});

test('a task that runs into its timeout is stopped, and CloudFormation learns why', async () => {
  fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
  fake.ecs.plan({ stop: 'never' });
  const { response } = await deploy(taskEvent('Update', { stackId: STACK_ID, timeoutSeconds: '120' }));
  expect(fake.ecs.callsOf('StopTask')).toHaveLength(1);
  expect(response.Status).toBe('FAILED');
  expect(response.Reason).toMatch(/^Deployment task Migrate failed: timed out after 120 seconds \(its timeout\): the provider stopped the task\./);
});
