/**
 * A task's secret result (the construct's `secretResult`): the task runtime stores it as a SecureString and answers with
 * NoEcho, on a run and on an update that does not run the task (a rollback) alike, and never copies the result line
 * into its log, a failure reason or onEvent's answer (which the waiter's input, kept in Step Functions' history, repeats).
 */
import { PROP_SECRET_RESULT, RUN_POLICY_ON_STACK_CHANGE } from '../../lambda-runtime/shared/consts';
import { resultParameterName } from '../../lambda-runtime/shared/stored-result';
import { createTaskHandlers, STORED_RESULT_KEY } from '../../lambda-runtime/task/index';
import { captureConsoleOfEachTest, failure, FakeClock, STACK_ID, useRuntimeEnv } from '../support/events';
import { FakeAws } from '../support/fake-aws';
import { drive, STREAM_PREFIX, taskEvent } from '../support/task-events';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
const output = captureConsoleOfEachTest();
let clock: FakeClock;

beforeEach(() => {
  fake.ecs.streamPrefix('*', STREAM_PREFIX);
  clock = new FakeClock();
});

const NAME = resultParameterName('my-stack', 'Migrate');
const SECRET = 'k-s3cr3t-value';

function secret(event: ReturnType<typeof taskEvent>, isSecret = true): ReturnType<typeof taskEvent> {
  return { ...event, ResourceProperties: { ...event.ResourceProperties, ...isSecret ? { [PROP_SECRET_RESULT]: 'true' } : {} } } as ReturnType<typeof taskEvent>;
}

/** onEvent, then isComplete until it answers complete: the answers of both. */
async function deploy(event: ReturnType<typeof taskEvent>) {
  const h = createTaskHandlers({ sleep: clock.sleep, now: clock.now });
  const started = await h.onEvent(event);
  for (let polls = 0; polls < 20; polls++) {
    clock.time += 10_000;
    const answer = await h.isComplete({ ...event, ...started });
    if (answer.IsComplete) return { started, answer };
  }
  throw new Error('never completed');
}

test('a run: the result is a SecureString, isComplete answers it with NoEcho, and no log line of the runtime holds its values', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 0 }, log: ['seeding', `DEPLOYMENT_SCRIPT_RESULT {"apiKey":"${SECRET}"}`] });

  const { started, answer } = await deploy(secret(taskEvent('Create')));

  expect(started).toMatchObject({ PhysicalResourceId: 'Migrate', NoEcho: true });
  expect(started).not.toHaveProperty('Data');
  expect(answer).toEqual({ IsComplete: true, Data: { apiKey: SECRET }, NoEcho: true });
  expect(fake.parameter(NAME)?.type).toBe('SecureString');
  expect(output.text()).toContain('apiKey');
  expect(output.text()).not.toContain(SECRET);
});

test('a rollback that does not run the task: onEvent\'s answer holds no attributes, isComplete reads them again and answers with NoEcho', async () => {
  fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 0 }, log: [`DEPLOYMENT_SCRIPT_RESULT {"apiKey":"${SECRET}"}`] });
  await deploy(secret(taskEvent('Update', { runPolicy: RUN_POLICY_ON_STACK_CHANGE })));
  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');

  const { started, answer } = await deploy(secret(taskEvent('Update', { runPolicy: RUN_POLICY_ON_STACK_CHANGE })));

  expect(JSON.stringify(started)).not.toContain(SECRET);
  // A rollback that cannot read it answers without attributes rather than failing, as a script's does.
  expect(started).toEqual({ PhysicalResourceId: 'Migrate', NoEcho: true, [STORED_RESULT_KEY]: { failureFails: false } });
  expect(answer).toEqual({ IsComplete: true, Data: { apiKey: SECRET }, NoEcho: true });
  expect(fake.ecs.callsOf('RunTask')).toHaveLength(1);
  // Stored again as it was (the rollback records its parameters), a SecureString still, read with decryption.
  expect(fake.parameter(NAME)?.type).toBe('SecureString');
  expect(fake.ssmCalls.filter((c) => c.operation === 'GetParameter').map((c) => c.input.WithDecryption)).toEqual([true, true]);
  expect(output.text()).not.toContain(SECRET);
});

test('a result that cannot be read again fails the rollback\'s update as a script\'s does, without the value', async () => {
  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  fake.failSsm('GetParameter', { code: 'AccessDeniedException', message: 'not authorized to perform: ssm:GetParameter' });
  const h = createTaskHandlers({ sleep: clock.sleep, now: clock.now });
  const event = secret(taskEvent('Update', { runPolicy: RUN_POLICY_ON_STACK_CHANGE }));
  const error = await failure(h.isComplete({ ...event, PhysicalResourceId: 'Migrate', NoEcho: true, [STORED_RESULT_KEY]: { failureFails: true } }));
  expect(error.message).toBe(`Deployment task Migrate did not run and could not keep its attributes: reading the SSM parameter ${NAME} failed: ` +
    'AccessDeniedException: not authorized to perform: ssm:GetParameter');
});

test('a task that printed its secret result and then failed: the reason shows the other lines, not the result', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 1 }, log: ['seeding', `DEPLOYMENT_SCRIPT_RESULT {"apiKey":"${SECRET}"}`, 'ERROR: cleanup failed'] });

  const error = await failure(drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), secret(taskEvent('Create')), clock));

  expect(error.message).toMatch(/^Deployment task Migrate failed: the command exited with code 1\.\nLast log lines:\nseeding\nDEPLOYMENT_SCRIPT_RESULT \(not shown: the result is secret\)\nERROR: cleanup failed\nFull log: /);
  expect(output.text()).not.toContain(SECRET);
});

test('a secret result line that holds no JSON object fails without showing it', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 0 }, log: [`DEPLOYMENT_SCRIPT_RESULT apiKey=${SECRET}`] });

  const error = await failure(drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), secret(taskEvent('Create')), clock));

  expect(error.message).toBe('Deployment task Migrate printed a DEPLOYMENT_SCRIPT_RESULT line that does not hold a JSON object: (not shown: the result is secret). ' +
    'Print one line: DEPLOYMENT_SCRIPT_RESULT {"key":"value"}');
  expect(output.text()).not.toContain(SECRET);
});

test('a result not marked secret stays a String, answered without NoEcho, in onEvent\'s answer on a rollback as before', async () => {
  fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 0 }, log: ['DEPLOYMENT_SCRIPT_RESULT {"id":"42"}'] });
  const { answer } = await deploy(secret(taskEvent('Update'), false));
  expect(answer).toEqual({ IsComplete: true, Data: { id: '42' } });
  expect(fake.parameter(NAME)?.type).toBe('String');

  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  const rollback = await deploy(secret(taskEvent('Update'), false));
  expect(rollback.started).toEqual({ PhysicalResourceId: 'Migrate', Data: { id: '42' } });
});
