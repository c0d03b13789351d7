/**
 * A secret result (the construct's `secretResult`): the real runtime handler stores it as a SecureString and answers
 * with NoEcho, on a run and on an update that does not run the script (a rollback) alike; the log names its keys only.
 */
import { PROP_SECRET_RESULT, RUN_POLICY_ON_STACK_CHANGE } from '../../lambda-runtime/shared/consts';
import { createHandler } from '../../lambda-runtime/script/index';
import { resultParameterName } from '../../lambda-runtime/shared/stored-result';
import { captureConsoleOfEachTest, cfnEvent, FakeClock, lambdaContext, SCRIPT_FUNCTION, STACK_ID, useRuntimeEnv } from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
const output = captureConsoleOfEachTest();

function secret(event: ReturnType<typeof cfnEvent>, isSecret = true): ReturnType<typeof cfnEvent> {
  return { ...event, ResourceProperties: { ...event.ResourceProperties, ...isSecret ? { [PROP_SECRET_RESULT]: 'true' } : {} } } as ReturnType<typeof cfnEvent>;
}

async function run(event: ReturnType<typeof cfnEvent>) {
  const clock = new FakeClock();
  return createHandler({ sleep: clock.sleep, now: clock.now })(event, lambdaContext(clock));
}

const NAME = resultParameterName('my-stack', 'Migrate');

test('a run: the result is a SecureString, the answer carries NoEcho, the log shows keys and never values', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ apiKey: 'k-s3cr3t-value' }));

  const response = await run(secret(cfnEvent('Create', { physicalResourceId: 'Migrate' })));

  expect(response).toEqual({ PhysicalResourceId: 'Migrate', Data: { apiKey: 'k-s3cr3t-value' }, NoEcho: true });
  expect(fake.parameter(NAME)?.type).toBe('SecureString');
  expect(output.text()).toContain('apiKey');
  expect(output.text()).not.toContain('k-s3cr3t-value');
});

test('a rollback that does not run the script answers with the stored secret result, NoEcho too', async () => {
  fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ apiKey: 'k-s3cr3t-value' }));
  await run(secret(cfnEvent('Update', { physicalResourceId: 'Migrate', runPolicy: RUN_POLICY_ON_STACK_CHANGE })));
  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');

  const response = await run(secret(cfnEvent('Update', { physicalResourceId: 'Migrate', runPolicy: RUN_POLICY_ON_STACK_CHANGE })));

  expect(response).toEqual({ PhysicalResourceId: 'Migrate', Data: { apiKey: 'k-s3cr3t-value' }, NoEcho: true });
  expect(fake.parameter(NAME)?.type).toBe('SecureString');
  // Read with decryption: SSM answers a SecureString's ciphertext otherwise.
  const reads = fake.ssmCalls.filter((c) => c.operation === 'GetParameter');
  expect(reads.map((c) => c.input.WithDecryption)).toEqual([true]);
});

test('a result not marked secret stays a String, answered without NoEcho', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ id: '42' }));

  const response = await run(secret(cfnEvent('Create', { physicalResourceId: 'Migrate' }), false));

  expect(response).toEqual({ PhysicalResourceId: 'Migrate', Data: { id: '42' } });
  expect(fake.parameter(NAME)?.type).toBe('String');
});
