/**
 * The container tasks' runtime (onEvent and isComplete) with the real SDK v3 clients, talking to a loopback fake of
 * CloudFormation, ECS and CloudWatch Logs in their wire protocols (test/support/fake-aws.ts, fake-ecs.ts). What it
 * shares with the scripts' runtime (the lifecycle, the request skeleton) is tested for both in request.test.ts.
 */
import {
  MAX_REASON_BYTES,
  MAX_TASK_OVERRIDES_CHARACTERS,
  TASK_STARTED_BY,
  TRIGGER_AFTER_DEPLOY,
  TRIGGER_BEFORE_DELETE,
} from '../../lambda-runtime/shared/consts';
import { createTaskHandlers, STOP_GRACE_MS, TASK_RUN_KEY } from '../../lambda-runtime/task/index';
import { TIMEOUT_STOP_REASON } from '../../lambda-runtime/task/outcome';
import { captureConsoleOfEachTest, failure, FakeClock, STACK_ID, useRuntimeEnv } from '../support/events';
import { FakeAws } from '../support/fake-aws';
import { CLUSTER, drive, LOG_GROUP, REQUEST_ID, STREAM_PREFIX, TASK_DEFINITION, taskEvent } from '../support/task-events';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
const output = captureConsoleOfEachTest();
let clock: FakeClock;

beforeEach(() => {
  fake.ecs.streamPrefix('*', STREAM_PREFIX);
  clock = new FakeClock();
});

function handlers() {
  return createTaskHandlers({ sleep: clock.sleep, now: clock.now });
}

/** The environment the container got through RunTask's overrides, as a map. */
function containerEnvironment(): Record<string, string> {
  const [call] = fake.ecs.callsOf('RunTask');
  return Object.fromEntries(call.input.overrides.containerOverrides[0].environment.map((v: { name: string; value: string }) => [v.name, v.value]));
}

describe('what the task receives', () => {
  test('RunTask: Fargate, the task definition, cluster and network, idempotent, recognisable, with the run in its environment', async () => {
    const parameters = '{ "n": 1, "b": true, "l": ["a", 2], "o": { "k": "v" }, "name": "caf\\u00e9" }';
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
    await drive(handlers(), taskEvent('Update', { parameters, physicalResourceId: 'Migrate', assignPublicIp: true, platformVersion: '1.4.0' }), clock);

    const [call] = fake.ecs.callsOf('RunTask');
    expect(call.signingService).toBe('ecs');
    expect(call.input).toMatchObject({
      cluster: CLUSTER,
      taskDefinition: TASK_DEFINITION,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      count: 1,
      startedBy: TASK_STARTED_BY,
      clientToken: REQUEST_ID,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0aaa', 'subnet-0bbb'], securityGroups: ['sg-0ccc'], assignPublicIp: 'ENABLED' } },
    });
    expect(call.input.overrides.containerOverrides).toHaveLength(1);
    expect(call.input.overrides.containerOverrides[0].name).toBe('task');
    // The parameters exactly as CloudFormation sent them: not re-serialized.
    expect(containerEnvironment()).toEqual({
      DEPLOYMENT_SCRIPT_PARAMETERS: parameters,
      DEPLOYMENT_SCRIPT_TRIGGER: TRIGGER_AFTER_DEPLOY,
      DEPLOYMENT_SCRIPT_REQUEST_TYPE: 'Update',
      DEPLOYMENT_SCRIPT_STACK_ID: STACK_ID,
      DEPLOYMENT_SCRIPT_STACK_NAME: 'my-stack',
      DEPLOYMENT_SCRIPT_REGION: 'us-east-1',
      DEPLOYMENT_SCRIPT_LOGICAL_RESOURCE_ID: 'Migrate',
      DEPLOYMENT_SCRIPT_PHYSICAL_RESOURCE_ID: 'Migrate',
    });
    // isComplete describes and stops tasks of that cluster only.
    for (const describe of fake.ecs.callsOf('DescribeTasks')) {
      expect(describe.input).toEqual({ cluster: CLUSTER, tasks: [fake.ecs.taskArns()[0]] });
    }
    // Then the log, for a result line, and SSM, which keeps the run's record.
    expect(fake.requests.map((r) => r.signingService)).toEqual(['cloudformation', 'ecs', 'ecs', 'ecs', 'logs', 'ssm']);
  });

  test('what onEvent hands isComplete: the task, its cluster and deadline; nothing reaches CloudFormation\'s Data', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    const started = await handlers().onEvent(taskEvent('Create', { timeoutSeconds: '120' }));
    expect(started).toEqual({
      PhysicalResourceId: 'Migrate',
      [TASK_RUN_KEY]: { taskArn: fake.ecs.taskArns()[0], cluster: CLUSTER, deadline: clock.time + 120_000, failureFails: true },
    });
    expect(started).not.toHaveProperty('Data');
  });

  test('parameters that cannot fit in RunTask\'s 8 KB of overrides fail clearly, and start nothing', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    const parameters = JSON.stringify({ blob: 'x'.repeat(MAX_TASK_OVERRIDES_CHARACTERS) });
    const error = await failure(handlers().onEvent(taskEvent('Create', { parameters })));
    expect(error.message).toMatch(/^Deployment task Migrate did not run: its parameters \(8203 bytes as JSON\) and context take \d+ characters in RunTask's container overrides, and ECS accepts 8192\. Pass large data another way/);
    expect(fake.ecs.callsOf('RunTask')).toHaveLength(0);
  });

  test('parameters just under the limit start the task', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    const parameters = JSON.stringify({ blob: 'x'.repeat(MAX_TASK_OVERRIDES_CHARACTERS - 1200) });
    await drive(handlers(), taskEvent('Create', { parameters }), clock);
    expect(containerEnvironment().DEPLOYMENT_SCRIPT_PARAMETERS).toBe(parameters);
  });
});

describe('outcomes', () => {
  test('exit code 0 succeeds, reading the log once for a result line', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.plan({ runningPolls: 3, stop: { exitCode: 0 }, log: ['Migrated: 2024_01_01_create_users'] });
    const { polls } = await drive(handlers(), taskEvent('Create'), clock);
    expect(polls).toBe(4);
    expect(fake.ecs.callsOf('GetLogEvents')).toHaveLength(1);
    expect(fake.ecs.callsOf('StopTask')).toHaveLength(0);
  });

  test('a non-zero exit fails with the code, the last log lines and where the full log is', async () => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
    fake.ecs.plan({
      runningPolls: 1,
      stop: { exitCode: 1 },
      log: ['\x1b[32m   INFO\x1b[39m Running migrations.', '', '  2024_05_01_000000_add_index .... \x1b[31mFAIL\x1b[39m', 'SQLSTATE[42P07]: Duplicate table: relation "users" already exists'],
    });
    const error = await failure(drive(handlers(), taskEvent('Update'), clock));
    const taskId = fake.ecs.taskArns()[0].split('/').pop();
    const stream = `${STREAM_PREFIX}/task/${taskId}`;
    expect(error.message).toBe([
      'Deployment task Migrate failed: the command exited with code 1.',
      'Last log lines:',
      '   INFO Running migrations.',
      '  2024_05_01_000000_add_index .... FAIL',
      'SQLSTATE[42P07]: Duplicate table: relation "users" already exists',
      `Full log: ${LOG_GROUP} ${stream}`,
      `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/${LOG_GROUP}/log-events/${STREAM_PREFIX}$252Ftask$252F${taskId}`,
    ].join('\n'));
    // One line of stack: the Provider framework appends the rest of the stack to the reason.
    expect(error.stack).toBe('Error: Deployment task Migrate failed: the command exited with code 1.');
    expect(fake.ecs.callsOf('GetLogEvents')[0].input).toEqual({ logGroupName: LOG_GROUP, logStreamName: stream, startFromHead: false, limit: 100 });
    expect(fake.ecs.callsOf('GetLogEvents')[0].signingService).toBe('logs');
  });

  test('a container killed for its memory says so', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.plan({ stop: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' } });
    const error = await failure(drive(handlers(), taskEvent('Create'), clock));
    expect(error.message).toMatch(/^Deployment task Migrate failed: the command exited with code 137 \(OutOfMemoryError: Container killed due to memory usage\)\.\n/);
  });

  test('an image that cannot be pulled fails with ECS\'s reason and what to do, without a log', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    const reason = 'CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds-container-assets:abc: not found';
    fake.ecs.plan({ runningPolls: 2, stop: { failedToStart: reason, containerReason: reason } });
    const error = await failure(drive(handlers(), taskEvent('Create'), clock));
    expect(error.message).toMatch(new RegExp(`^Deployment task Migrate failed: the task failed to start \\(TaskFailedToStart\\): ${escape(reason)}\\. The task pulls its image and reads its secrets over the network: run it in subnets with a route to ECR`));
    expect(error.message).not.toContain('Last log lines:');
    expect(error.message).toContain(`\nFull log: ${LOG_GROUP} ${STREAM_PREFIX}/task/`);
    expect(fake.ecs.callsOf('GetLogEvents')).toHaveLength(0);
  });

  test('a task that fails to start for another reason reports both ECS reasons', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.plan({ stop: { failedToStart: 'Task failed to start', containerReason: 'ResourceInitializationError: unable to pull secrets or registry auth' } });
    const error = await failure(drive(handlers(), taskEvent('Create'), clock));
    expect(error.message).toMatch(/^Deployment task Migrate failed: the task failed to start \(TaskFailedToStart\): Task failed to start; ResourceInitializationError: unable to pull secrets or registry auth\. The task pulls/);
  });

  test('a task that runs into its timeout is stopped (StopTask) and fails saying so, with its log', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.plan({ stop: 'never', log: ['migrating a very large table…'] });
    const error = await failure(drive(handlers(), taskEvent('Create', { timeoutSeconds: '60' }), clock));

    const stops = fake.ecs.callsOf('StopTask');
    expect(stops).toHaveLength(1);
    expect(stops[0].input).toEqual({ cluster: CLUSTER, task: fake.ecs.taskArns()[0], reason: `${TIMEOUT_STOP_REASON} (60 seconds)` });
    // Polled every 10 s: RUNNING until the deadline (6 polls), StopTask at the 6th, STOPPED at the 7th.
    expect(fake.ecs.callsOf('DescribeTasks')).toHaveLength(7);
    expect(error.message).toMatch(/^Deployment task Migrate failed: timed out after 60 seconds \(its timeout\): the provider stopped the task\. Raise the task's `timeout` \(at most 55 minutes\), or split the work into tasks that runAfter one another\.\nLast log lines:\nmigrating a very large table…\nFull log: /);
  });

  test('a task that does not stop within 3 minutes of StopTask fails without waiting longer', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.plan({ stop: 'never', stopPolls: 1000 });
    const error = await failure(drive(handlers(), taskEvent('Create', { timeoutSeconds: '60' }), clock));
    expect(fake.ecs.callsOf('StopTask')).toHaveLength(1);
    expect(error.message).toMatch(/^Deployment task Migrate failed: timed out after 60 seconds \(its timeout\).* It had not stopped 3 minutes later \(last status RUNNING\): arn:aws:ecs:/);
    expect(fake.ecs.callsOf('DescribeTasks').length).toBe(6 + STOP_GRACE_MS / 10_000);
  });

  test('a task stopped by someone else fails with their reason', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.plan({ stop: 'never' });
    const h = handlers();
    const event = { ...taskEvent('Create'), ...await h.onEvent(taskEvent('Create')) };
    expect(await h.isComplete(event)).toEqual({ IsComplete: false });
    fake.ecs.stopTaskFromOutside(fake.ecs.taskArns()[0], 'stopped in the console by alice');
    const error = await failure(h.isComplete(event));
    expect(error.message).toMatch(/^Deployment task Migrate failed: the command exited with code 143 when the task was stopped \(UserInitiated: stopped in the console by alice\)\.\n/);
    expect(fake.ecs.callsOf('StopTask')).toHaveLength(0);
  });
});

describe('failures of the AWS APIs', () => {
  test('RunTask denied for good fails with what the provider needs', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.fail('RunTask', { code: 'AccessDeniedException', message: 'not authorized to perform: iam:PassRole' });
    const error = await failure(handlers().onEvent(taskEvent('Create')));
    expect(error.message).toBe("Deployment task Migrate did not start: RunTask failed: AccessDeniedException: not authorized to perform: iam:PassRole. The provider's role needs ecs:RunTask on the task definition and iam:PassRole on the task's roles.");
    expect(clock.time - 1_700_000_000_000).toBeLessThanOrEqual(30_000);
  });

  test('a role ECS cannot assume yet is retried', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.fail('RunTask', { code: 'ClientException', message: "ECS was unable to assume the role 'arn:aws:iam::123456789012:role/x' that was provided for this task." }, 1);
    await drive(handlers(), taskEvent('Create'), clock);
    expect(fake.ecs.taskArns()).toHaveLength(1);
  });

  test('a passing DescribeTasks failure waits for the next poll; the task is not lost', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.plan({ runningPolls: 1, stop: { exitCode: 0 } });
    fake.ecs.fail('DescribeTasks', { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }, 4);
    const { polls } = await drive(handlers(), taskEvent('Create'), clock);
    expect(polls).toBeGreaterThan(1);
    expect(output.text()).toContain('asking again at the next poll');
  });

  test('a log that cannot be read leaves a line saying why', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.plan({ stop: { exitCode: 2 }, log: ['boom'] });
    fake.ecs.fail('GetLogEvents', { code: 'AccessDeniedException', message: 'not authorized to perform: logs:GetLogEvents' });
    const error = await failure(drive(handlers(), taskEvent('Create'), clock));
    expect(error.message).toContain('\nLast log lines:\n(the log could not be read: AccessDeniedException: not authorized to perform: logs:GetLogEvents)\n');
  });
});

describe('deletion is never blocked', () => {
  test('a BEFORE_DELETE task that runs into its timeout is stopped, and the deletion goes on', async () => {
    fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
    fake.ecs.plan({ stop: 'never' });
    await drive(handlers(), taskEvent('Delete', { trigger: TRIGGER_BEFORE_DELETE, timeoutSeconds: '60' }), clock);
    expect(fake.ecs.callsOf('StopTask')).toHaveLength(1);
  });
});

describe('the failure reason', () => {
  test('stays within the runtime\'s budget with a huge log of colours and multi-byte characters', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    const log = Array.from({ length: 300 }, (_, i) => `\x1b[1;35m◆ 步骤 ${i} 👩‍👩‍👧‍👦 e\u0301\u0302 🇯🇵 ${'ü🔥'.repeat(200)}\x1b]8;;https://x\x07link\x1b]8;;\x07\x1b[0m`);
    fake.ecs.plan({ stop: { exitCode: 1 }, log: [...log, 'LAST LINE: 回滚 ✅'] });
    const error = await failure(drive(handlers(), taskEvent('Create', { logicalResourceId: 'L'.repeat(255) }), clock));
    expect(Buffer.byteLength(JSON.stringify(error.message), 'utf8')).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(error.message).toContain('\nLAST LINE: 回滚 ✅\nFull log: ');
    expect(error.message).not.toContain('\x1b');
    expect(error.message).not.toContain('\ufffd');
    expect(error.message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
