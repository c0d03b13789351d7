/**
 * Undo on rollback for a container task (`undoOnRollback`): the task runtime starts, once, the task definition of the
 * run being undone, with that run's parameters and DEPLOYMENT_SCRIPT_ROLLBACK=true, waits for it as for any run, and
 * answers success whatever it does. Driven as the Provider framework does, against the loopback ECS fake.
 */
import { PROP_TASK_DEFINITION, PROP_UNDO_ON_ROLLBACK } from '../../lambda-runtime/shared/consts';
import { createTaskHandlers } from '../../lambda-runtime/task/index';
import { captureConsoleOfEachTest, FakeClock, STACK_ID, useRuntimeEnv } from '../support/events';
import { FakeAws } from '../support/fake-aws';
import { drive, STREAM_PREFIX, TASK_DEFINITION, taskEvent } from '../support/task-events';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
const output = captureConsoleOfEachTest();
let clock: FakeClock;

beforeEach(() => {
  fake.ecs.streamPrefix('*', STREAM_PREFIX);
  clock = new FakeClock();
});

const NEW_DEFINITION = TASK_DEFINITION.replace(/:3$/, ':4');

/** The failed update's run (task definition :4, parameters v2), with undoOnRollback, and its rollback Update. */
function events() {
  const run = taskEvent('Update', { parameters: '{"v":2}' });
  const runProps = { ...run.ResourceProperties, [PROP_UNDO_ON_ROLLBACK]: 'true', [PROP_TASK_DEFINITION]: NEW_DEFINITION };
  const oldProps = { ...run.ResourceProperties, [PROP_UNDO_ON_ROLLBACK]: 'true', Parameters: '{"v":1}' };
  const update = { ...run, ResourceProperties: runProps, OldResourceProperties: oldProps } as ReturnType<typeof taskEvent>;
  const rollback = { ...run, RequestId: 'rollback-request', ResourceProperties: oldProps, OldResourceProperties: runProps } as ReturnType<typeof taskEvent>;
  return { update, rollback };
}

function environmentOf(call: { input: any }): Record<string, string> {
  return Object.fromEntries(call.input.overrides.containerOverrides[0].environment.map((v: { name: string; value: string }) => [v.name, v.value]));
}

test('the rollback of the update that ran it starts its task once, with that run\'s definition and parameters and the rollback variable', async () => {
  const { update, rollback } = events();
  fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 0 } });
  await drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), update, clock);

  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  await drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), rollback, clock);
  // CloudFormation may send the rollback's request again: the run is undone once.
  await drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), rollback, clock);

  const calls = fake.ecs.callsOf('RunTask');
  expect(calls).toHaveLength(2);
  const undo = calls[1];
  expect(undo.input.taskDefinition).toBe(NEW_DEFINITION);
  expect(undo.input.clientToken).toBe('rollback-request-undo');
  expect(environmentOf(undo)).toMatchObject({ DEPLOYMENT_SCRIPT_PARAMETERS: '{"v":2}', DEPLOYMENT_SCRIPT_ROLLBACK: 'true', DEPLOYMENT_SCRIPT_REQUEST_TYPE: 'Update' });
  expect(environmentOf(calls[0])).not.toHaveProperty('DEPLOYMENT_SCRIPT_ROLLBACK');
  expect(output.text()).toContain('the task that undoes its run');
});

test('an undo task that fails is logged, and the rollback\'s request succeeds', async () => {
  const { update, rollback } = events();
  fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 0 } });
  await drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), update, clock);

  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 1 }, log: ['down migration failed'] });
  await drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), rollback, clock);

  expect(fake.ecs.callsOf('RunTask')).toHaveLength(2);
  expect(output.text()).toMatch(/the task that undoes its run failed, and the rollback goes on\. Deployment task Migrate failed: the command exited with code 1\.\nLast log lines:\ndown migration failed/);
});

test('a run that failed is not undone: no task is started on the rollback', async () => {
  const { update, rollback } = events();
  fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
  fake.ecs.plan({ stop: { exitCode: 1 } });
  await drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), update, clock).catch(() => undefined);

  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  await drive(createTaskHandlers({ sleep: clock.sleep, now: clock.now }), rollback, clock);

  expect(fake.ecs.callsOf('RunTask')).toHaveLength(1);
});
