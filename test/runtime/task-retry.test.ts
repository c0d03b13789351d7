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
import { drive, LOG_GROUP, REQUEST_ID, STREAM_PREFIX, TASK_DEFINITION, taskEvent } from '../support/task-events';

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
