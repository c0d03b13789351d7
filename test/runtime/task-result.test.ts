/**
 * A container task's result: the `DEPLOYMENT_SCRIPT_RESULT {…}` line it prints, read from its log when it exits with
 * code 0, answered as the custom resource's Data and kept in SSM for the updates that do not run the task.
 */
import { TRIGGER_AFTER_DEPLOY } from '../../lambda-runtime/shared/consts';
import { resultParameterName } from '../../lambda-runtime/shared/stored-result';
import { createTaskHandlers } from '../../lambda-runtime/task/index';
import { findResultLine } from '../../lambda-runtime/task/result';
import { captureConsoleOfEachTest, failure, FakeClock, STACK_ID } from '../support/events';
import { FakeAws } from '../support/fake-aws';
import { drive, STREAM_PREFIX, taskEvent } from '../support/task-events';

const fake = FakeAws.forTestFile();
captureConsoleOfEachTest();
let clock: FakeClock;
const PARAMETER = resultParameterName(STACK_ID.split('/')[1], 'Migrate');

beforeEach(() => {
  fake.ecs.streamPrefix('*', STREAM_PREFIX);
  clock = new FakeClock();
  process.env.PROVIDER_STACK_ID = STACK_ID;
});

const handlers = () => createTaskHandlers({ sleep: clock.sleep, now: clock.now });

test('the last result line becomes Data, values as strings or JSON, and is kept in SSM', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 0 }, log: ['DEPLOYMENT_SCRIPT_RESULT {"tenantId":"old"}', 'seeding', 'DEPLOYMENT_SCRIPT_RESULT {"tenantId":"acme","seats":5}', 'bye'] });
  const event = taskEvent('Create', { parameters: '{"n":1}' });
  const started = await handlers().onEvent(event);
  const answer = await handlers().isComplete({ ...event, ...started } as never);
  expect(answer).toEqual({ IsComplete: false });
  clock.time += 10_000;
  expect(await handlers().isComplete({ ...event, ...started } as never)).toEqual({ IsComplete: true, Data: { tenantId: 'acme', seats: '5' } });
  expect(JSON.parse(fake.parameter(PARAMETER)!.value)).toEqual({ v: 1, data: { tenantId: 'acme', seats: '5' }, parameters: '{"n":1}' });
});

test('a rollback that does not run the task answers with the stored result; a Delete forgets it', async () => {
  fake.setParameter(PARAMETER, JSON.stringify({ v: 1, data: { tenantId: 'acme' }, parameters: '{}' }));
  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  expect(await handlers().onEvent(taskEvent('Update', { trigger: TRIGGER_AFTER_DEPLOY }))).toEqual({ PhysicalResourceId: 'Migrate', Data: { tenantId: 'acme' } });
  expect(fake.ecs.callsOf('RunTask')).toHaveLength(0);

  fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
  await drive(handlers(), taskEvent('Delete'), clock);
  expect(fake.parameter(PARAMETER)).toBeUndefined();
});

test('a result line without a JSON object, or too large, fails the deployment saying why', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 0 }, log: ['DEPLOYMENT_SCRIPT_RESULT tenant=acme'] });
  expect((await failure(drive(handlers(), taskEvent('Create'), clock))).message)
    .toBe('Deployment task Migrate printed a DEPLOYMENT_SCRIPT_RESULT line that does not hold a JSON object: tenant=acme. Print one line: DEPLOYMENT_SCRIPT_RESULT {"key":"value"}');

  fake.ecs.plan({ stop: { exitCode: 0 }, log: [`DEPLOYMENT_SCRIPT_RESULT ${JSON.stringify({ blob: 'x'.repeat(2100) })}`] });
  expect((await failure(drive(handlers(), taskEvent('Create', { requestId: 'another' }), clock))).message)
    .toMatch(/^Deployment task Migrate printed 1 attribute\(s\) taking 2111 bytes as JSON; at most 2000 fit/);
});

test('findResultLine: the marker must start the line; none found is no result', () => {
  expect(findResultLine(['a', 'x DEPLOYMENT_SCRIPT_RESULT {"a":1}'])).toBeUndefined();
  expect(findResultLine(['one\n  DEPLOYMENT_SCRIPT_RESULT {"a":1}\r', 'later'])).toBe('{"a":1}');
  expect(findResultLine([])).toBeUndefined();
});
