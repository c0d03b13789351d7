/**
 * Retries of a container task (`retry`: RetryAttempts, RetryBackoffSeconds), in the task runtime with the real SDK v3
 * clients against the loopback ECS fake. isComplete keeps nothing between polls: each poll finds the attempts again
 * (the first from onEvent's answer, each later one by RunTask with its own client token, which ECS answers with the task
 * it started), so these tests drive it as the Provider framework does, with the same event at every poll.
 */
import { MAX_TASK_TIMEOUT_SECONDS } from '../../lambda-runtime/shared/consts';
import { createTaskHandlers } from '../../lambda-runtime/task/index';
import type { ContainerRun, TaskPlan } from '../support/fake-ecs';
import { captureConsoleOfEachTest, failure, FakeClock, STACK_ID, useRuntimeEnv } from '../support/events';
import { FakeAws } from '../support/fake-aws';
import { CLUSTER, drive, LOG_GROUP, REQUEST_ID, STREAM_PREFIX, TASK_DEFINITION, taskEvent } from '../support/task-events';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
const output = captureConsoleOfEachTest();
let clock: FakeClock;
/** When each task started, on the clock. */
let starts: number[];

beforeEach(() => {
  clock = new FakeClock();
  starts = [];
  fake.ecs.useClock(clock.now);
  fake.ecs.taskDefinition(TASK_DEFINITION, { name: 'task', image: 'app', streamPrefix: STREAM_PREFIX, logGroup: LOG_GROUP });
});

function handlers() {
  return createTaskHandlers({ sleep: clock.sleep, now: clock.now });
}

/** Containers whose n-th run (from 0) follows `plans[n]` (the last plan for any later run). */
function runs(...plans: TaskPlan[]): void {
  fake.ecs.container((run: ContainerRun) => {
    starts.push(clock.time);
    const n = starts.length - 1;
    return { log: [`attempt ${n + 1} (${run.environment.DEPLOYMENT_SCRIPT_REQUEST_TYPE})`], ...plans[Math.min(n, plans.length - 1)] };
  });
}

/**
 * Starts the run, then (after `meanwhile`) asks isComplete every 10 s with the same event, as the framework's waiter
 * does, until it completes or fails.
 */
async function play(event: ReturnType<typeof taskEvent>, meanwhile = () => {}, maxPolls = 100) {
  const h = handlers();
  const completeEvent = { ...event, ...await h.onEvent(event) };
  meanwhile();
  for (let polls = 0; polls < maxPolls; polls++) {
    clock.time += 10_000;
    const answer = await h.isComplete(completeEvent).catch((error: Error) => ({ error }));
    if ('error' in answer || answer.IsComplete) return answer;
  }
  throw new Error(`isComplete did not complete within ${maxPolls} polls`);
}

const FAILS: TaskPlan = { runningPolls: 1, stop: { exitCode: 1 } };
const SUCCEEDS: TaskPlan = { runningPolls: 1, stop: { exitCode: 0 } };

test('fails twice, then succeeds: three tasks, each after the back-off (doubling), and the request succeeds with the last one\'s result', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  runs(FAILS, FAILS, { ...SUCCEEDS, log: ['DEPLOYMENT_SCRIPT_RESULT {"tenant":"t-3"}'] });
  const answer = await play(taskEvent('Create', { retry: [3, 30] }));
  expect(answer).toEqual({ IsComplete: true, Data: { tenant: 't-3' } });

  expect(fake.ecs.taskArns()).toHaveLength(3);
  const tokens = fake.ecs.callsOf('RunTask').map((call) => call.input.clientToken);
  // Asked again at each poll after its start, each later attempt is the same task: its token says which attempt it is.
  expect([...new Set(tokens)]).toEqual([REQUEST_ID, `${REQUEST_ID}-2`, `${REQUEST_ID}-3`]);
  expect(tokens.filter((token) => token === `${REQUEST_ID}-2`).length).toBeGreaterThan(1);
  // The waits: at least 30 s after the first stopped, 60 s after the second (a task runs one poll, then stops).
  expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(30_000 + 10_000);
  expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(60_000 + 10_000);
  expect(starts[2] - starts[1]).toBeLessThanOrEqual(60_000 + 40_000);
  // The later attempts get the same run in their environment.
  const environments = fake.ecs.callsOf('RunTask').map((call) => JSON.stringify(call.input.overrides));
  expect(new Set(environments).size).toBe(1);
  expect(output.text()).toMatch(/attempt 1 \(task arn:aws:ecs:\S+\) failed: the command exited with code 1\./);
  expect(output.text()).toContain('succeeded (attempt 3 of 3)');
});

test('always fails: the reason says how many attempts were made, with the last attempt\'s error and log', async () => {
  fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
  runs({ runningPolls: 1, stop: { exitCode: 1 } }, { runningPolls: 1, stop: { exitCode: 2 } }, { runningPolls: 1, stop: { exitCode: 3 } });
  const error = await failure(drive(handlers(), taskEvent('Update', { retry: [3, 10] }), clock));
  const last = fake.ecs.taskArns()[2].split('/').pop();
  expect(error.message).toMatch(new RegExp(`^Deployment task Migrate failed after 3 attempts: the command exited with code 3\\.\\nLast log lines:\\nattempt 3 \\(Update\\)\\nFull log: ${LOG_GROUP} ${STREAM_PREFIX}/task/${last}\\n`));
  expect(fake.ecs.taskArns()).toHaveLength(3);
});

test('without retries one failure fails, as before, and nothing is started again', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  runs(FAILS, SUCCEEDS);
  const error = await failure(drive(handlers(), taskEvent('Create'), clock));
  expect(error.message).toMatch(/^Deployment task Migrate failed: the command exited with code 1\.\n/);
  expect(fake.ecs.callsOf('RunTask')).toHaveLength(1);
});

test('a retry that would not fit in the time left is not started, and the reason says so', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  // 30 minutes each: the first fails after 29 minutes, leaving 26 of the 55.
  runs({ runningPolls: 1, runningSeconds: 29 * 60, stop: { exitCode: 1 } }, SUCCEEDS);
  const error = await failure(drive(handlers(), taskEvent('Create', { retry: [3, 10], timeoutSeconds: '1800' }), clock, 400));
  expect(error.message).toMatch(/^Deployment task Migrate failed after 1 of 3 attempts \(attempt 2 was not started: a 10 s wait and its 1800 s timeout do not fit in the 15[5-6]\d s left\): the command exited with code 1\.\n/);
  expect(fake.ecs.taskArns()).toHaveLength(1);
  expect(MAX_TASK_TIMEOUT_SECONDS).toBe(55 * 60);
});

test('a task that runs into its timeout is stopped, then started again', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  runs({ stop: 'never' }, SUCCEEDS);
  await drive(handlers(), taskEvent('Create', { retry: [2, 10], timeoutSeconds: '60' }), clock);
  expect(fake.ecs.callsOf('StopTask')).toHaveLength(1);
  expect(fake.ecs.taskArns()).toHaveLength(2);
  expect(output.text()).toMatch(/attempt 1 \(task \S+\) failed: timed out after 60 seconds/);
});

test('a task that fails to start is started again', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  runs({ stop: { failedToStart: 'ResourceInitializationError: unable to pull secrets or registry auth: connection timed out' } }, SUCCEEDS);
  await drive(handlers(), taskEvent('Create', { retry: [2, 10] }), clock);
  expect(fake.ecs.taskArns()).toHaveLength(2);
});

test('a later attempt that RunTask cannot start for a passing reason is asked for again at the next poll', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  runs(FAILS, SUCCEEDS);
  const answer = await play(taskEvent('Create', { retry: [2, 10] }),
    () => fake.ecs.fail('RunTask', { status: 503, code: 'ServerException', message: 'Service unavailable' }, 4));
  expect(answer).toEqual({ IsComplete: true });
  expect(fake.ecs.taskArns()).toHaveLength(2);
  expect(output.text()).toContain('attempt 2 did not start (RunTask failed: ServerException: Service unavailable): trying again at the next poll');
});

test('a later attempt that RunTask refuses for good fails, saying which attempt did not start and how the one before failed', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  runs(FAILS, SUCCEEDS);
  const answer = await play(taskEvent('Create', { retry: [3, 10] }),
    () => fake.ecs.fail('RunTask', { code: 'InvalidParameterException', message: 'The task definition is inactive.' }));
  const error = 'error' in answer ? answer.error : undefined;
  expect(error?.message).toBe('Deployment task Migrate failed after 1 of 3 attempts (attempt 2 did not start: RunTask failed: ' +
    'InvalidParameterException: The task definition is inactive.): the command exited with code 1.');
  expect(fake.ecs.taskArns()).toHaveLength(1);
});

test('a BEFORE_DELETE task that always fails is retried, then only logged: the deletion goes on', async () => {
  fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
  runs(FAILS);
  await drive(handlers(), taskEvent('Delete', { trigger: 'before:delete', retry: [2, 10] }), clock);
  expect(fake.ecs.taskArns()).toHaveLength(2);
  expect(output.text()).toContain('failed after 2 attempts: the command exited with code 1.');
});

describe('attempt 1 that RunTask does not start', () => {
  const CAPACITY = 'RunTask returned no task: RESOURCE:MEMORY.';

  test('refused for capacity: a failed attempt, and attempt 2 starts after the back-off, with its own client token, and succeeds', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.refuseRunTask('RESOURCE:MEMORY', 1);
    runs({ ...SUCCEEDS, log: ['DEPLOYMENT_SCRIPT_RESULT {"tenant":"t-2"}'] });
    const refusedAt = clock.time;
    const answer = await play(taskEvent('Create', { retry: [3, 30] }));

    expect(answer).toEqual({ IsComplete: true, Data: { tenant: 't-2' } });
    expect(fake.ecs.taskArns()).toHaveLength(1);
    expect([...new Set(fake.ecs.callsOf('RunTask').map((call) => call.input.clientToken))]).toEqual([REQUEST_ID, `${REQUEST_ID}-2`]);
    // The back-off counts from the refusal; the polls come every 10 s.
    expect(starts[0] - refusedAt).toBeGreaterThanOrEqual(30_000);
    expect(starts[0] - refusedAt).toBeLessThan(30_000 + 10_000);
    expect(output.text()).toContain(`attempt 1 did not start: ${CAPACITY}`);
    expect(output.text()).toContain(`attempt 1 (task none) failed: ${CAPACITY}`);
    expect(output.text()).toContain('succeeded (attempt 2 of 3)');
  });

  test('onEvent answers with the run marked not started, and isComplete asks for attempt 2 only once the back-off from then has passed', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.refuseRunTask('Capacity is unavailable at this time. Please try again later or in a different availability zone', 1);
    runs(SUCCEEDS);
    const h = handlers();
    const event = taskEvent('Create', { retry: [2, 30], timeoutSeconds: '600' });
    const refusedAt = clock.time;
    const started = await h.onEvent(event);
    expect(started).toEqual({
      PhysicalResourceId: 'Migrate',
      DeploymentTaskRun: {
        notStarted: 'RunTask returned no task: Capacity is unavailable at this time. Please try again later or in a different availability zone.',
        cluster: CLUSTER, deadline: refusedAt + 600_000, failureFails: true,
      },
    });
    const completeEvent = { ...event, ...started };
    // The same answer at each poll before the back-off has passed, and no RunTask.
    for (const after of [10_000, 29_999, 20_000]) {
      clock.time = refusedAt + after;
      expect(await h.isComplete(completeEvent)).toEqual({ IsComplete: false });
    }
    expect(fake.ecs.callsOf('RunTask')).toHaveLength(1);
    clock.time = refusedAt + 30_000;
    expect(await h.isComplete(completeEvent)).toEqual({ IsComplete: false });
    expect(fake.ecs.callsOf('RunTask').map((call) => call.input.clientToken)).toEqual([REQUEST_ID, `${REQUEST_ID}-2`]);
    clock.time += 10_000;
    expect(await h.isComplete(completeEvent)).toEqual({ IsComplete: true });
    expect(fake.ecs.taskArns()).toHaveLength(1);
  });

  test('throttled, then every attempt fails: the reason says how many attempts were made and holds the last error', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    // More than the SDK's own tries of one RunTask.
    fake.ecs.fail('RunTask', { code: 'ThrottlingException', message: 'Rate exceeded' }, 3);
    runs(FAILS);
    const error = await failure(drive(handlers(), taskEvent('Create', { retry: [3, 10] }), clock));

    expect(error.message).toMatch(/^Deployment task Migrate failed after 3 attempts: the command exited with code 1\.\nLast log lines:\nattempt 2 \(Create\)\nFull log: /);
    expect(fake.ecs.taskArns()).toHaveLength(2);
    expect(output.text()).toContain('attempt 1 (task none) failed: RunTask failed: ThrottlingException: Rate exceeded');
  });

  test('refused at every ask: attempt 2 is asked for until it could no longer run to its timeout, and the reason says so', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.refuseRunTask('RESOURCE:MEMORY');
    runs(SUCCEEDS);
    const refusedAt = clock.time;
    const answer = await play(taskEvent('Create', { retry: [3, 10], timeoutSeconds: '600' }), () => {}, 400);

    const error = 'error' in answer ? answer.error : undefined;
    expect(error?.message).toBe('Deployment task Migrate failed after 1 of 3 attempts (attempt 2 did not start in time for its 600 s ' +
      `timeout: ${CAPACITY}): ${CAPACITY}`);
    expect(fake.ecs.taskArns()).toHaveLength(0);
    expect(fake.ecs.callsOf('RunTask').length).toBeGreaterThan(200);
    // Asked again at each poll until the last start that ends within the attempts' 55 minutes from the refusal.
    expect(clock.time - refusedAt).toBeGreaterThan((MAX_TASK_TIMEOUT_SECONDS - 600) * 1000);
    expect(clock.time - refusedAt).toBeLessThanOrEqual((MAX_TASK_TIMEOUT_SECONDS - 600) * 1000 + 10_000);
  });

  test('refused when attempt 2 could not run to its timeout in the time left: the reason says so, without a log', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.refuseRunTask('RESOURCE:MEMORY');
    const answer = await play(taskEvent('Create', { retry: [3, 10], timeoutSeconds: String(MAX_TASK_TIMEOUT_SECONDS) }));

    const error = 'error' in answer ? answer.error : undefined;
    expect(error?.message).toBe('Deployment task Migrate failed after 1 of 3 attempts (attempt 2 was not started: a 10 s wait and its ' +
      `3300 s timeout do not fit in the 3300 s left): ${CAPACITY}`);
    expect(fake.ecs.callsOf('RunTask')).toHaveLength(1);
  });

  test.each([
    ['a cause a later RunTask meets too', { code: 'InvalidParameterException', message: 'TaskDefinition is inactive' },
      'RunTask failed: InvalidParameterException: TaskDefinition is inactive'],
    ['AccessDenied after the propagation retries', { code: 'AccessDeniedException', message: 'not authorized to perform: ecs:RunTask' },
      'RunTask failed: AccessDeniedException: not authorized to perform: ecs:RunTask. The provider\'s role needs ecs:RunTask'],
    // ECS may have started the task without answering: a second one would run beside it.
    ['a 5xx, after which the task may have started unseen', { status: 500, code: 'ServerException', message: 'Internal error' },
      'RunTask failed: ServerException: Internal error'],
  ])('%s fails at once, as without retries', async (_name, ecsError, why) => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.fail('RunTask', ecsError);
    runs(SUCCEEDS);
    const error = await failure(drive(handlers(), taskEvent('Create', { retry: [3, 10] }), clock));
    expect(error.message.startsWith(`Deployment task Migrate did not start: ${why}`)).toBe(true);
    expect(fake.ecs.taskArns()).toHaveLength(0);
  });

  test('without retries, a refusal for capacity fails at once, as before', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    fake.ecs.refuseRunTask('RESOURCE:MEMORY', 1);
    runs(SUCCEEDS);
    const error = await failure(drive(handlers(), taskEvent('Create'), clock));
    expect(error.message).toBe(`Deployment task Migrate did not start: ${CAPACITY}`);
    expect(fake.ecs.callsOf('RunTask')).toHaveLength(1);
  });
});
