/**
 * The record of the last deployment: besides the result of the last run, the SSM parameter of each script
 * keeps the `Parameters` of the last successful Create or Update, so that `cdk-deployment-script run` can run
 * the script by hand with them. The real runtime handler and SDK clients against test/support/fake-aws.ts.
 */
import { RUN_POLICY_ONCE, TRIGGER_BEFORE_DELETE } from '../../lambda-runtime/shared/consts';
import { createHandler } from '../../lambda-runtime/script/index';
import { MAX_RECORD_BYTES, parseRecord, recordValue } from '../../lambda-runtime/shared/stored-result';
import { captureConsole, cfnEvent, FakeClock, lambdaContext, SCRIPT_FUNCTION, STACK_ID, useRuntimeEnv } from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';

const PARAMETER = '/cdk-deployment-script/my-stack/Migrate';
const PARAMETERS = '{ "dbHost": "db.internal", "port": 5432, "tables": ["users"] }';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  output = captureConsole();
});
afterEach(() => output.restore());

async function run(event: ReturnType<typeof cfnEvent>, clock = new FakeClock()) {
  return createHandler({ sleep: clock.sleep, now: clock.now })(event, lambdaContext(clock));
}

function stored(): unknown {
  const value = fake.parameter(PARAMETER)?.value;
  return value === undefined ? undefined : JSON.parse(value);
}

describe('what is recorded', () => {
  test('a run records its result and the Parameters string exactly, not re-serialized', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ id: 7 }));
    expect(await run(cfnEvent('Create', { parameters: PARAMETERS }))).toEqual({ PhysicalResourceId: 'Migrate', Data: { id: '7' } });
    expect(stored()).toEqual({ v: 1, data: { id: '7' }, parameters: PARAMETERS });
    expect(fake.parameter(PARAMETER)).toMatchObject({ type: 'String', tier: 'Standard' });
  });

  test('absent Parameters are recorded as the empty object the script received', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    await run(cfnEvent('Create', { parameters: null }));
    expect(stored()).toEqual({ v: 1, data: {}, parameters: '{}' });
  });

  test('a failed run records nothing: the record stays that of the last successful deployment', async () => {
    const before = JSON.stringify({ v: 1, data: { id: '1' }, parameters: '{"n":1}' });
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'nope')).setParameter(PARAMETER, before);
    await expect(run(cfnEvent('Update', { parameters: '{"n":2}' }))).rejects.toThrow(/failed: Error: nope/);
    expect(fake.parameter(PARAMETER)?.value).toBe(before);
    expect(fake.ssmCallsOf('PutParameter')).toHaveLength(0);
  });

  test('parameters that would not fit the standard tier are left out, and the record says why', async () => {
    const large = JSON.stringify({ rows: 'x'.repeat(3000) });
    const data = { note: 'n'.repeat(1500) };
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns(data));
    expect(await run(cfnEvent('Create', { parameters: large }))).toEqual({ PhysicalResourceId: 'Migrate', Data: data });
    expect(stored()).toEqual({ v: 1, data, parametersOmitted: 'too large' });
    expect(Buffer.byteLength(fake.parameter(PARAMETER)!.value)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
  });

  test('a record of exactly 4096 bytes keeps its parameters; one more byte and they are left out', () => {
    const overhead = recordValue({}, '').length;
    const fits = 'p'.repeat(MAX_RECORD_BYTES - overhead);
    expect(Buffer.byteLength(recordValue({}, fits))).toBe(MAX_RECORD_BYTES);
    expect(parseRecord(recordValue({}, fits))?.parameters).toBe(fits);
    expect(parseRecord(recordValue({}, fits + 'p'))).toEqual({ v: 1, data: {}, parametersOmitted: 'too large' });
    // Bytes count, not characters: 'é' takes two.
    expect(parseRecord(recordValue({}, 'é'.repeat((MAX_RECORD_BYTES - overhead) / 2 + 1)))?.parametersOmitted).toBe('too large');
  });
});

describe('requests that do not run the script still record their parameters', () => {
  test.each(['Create', 'Update'] as const)('a before:delete script on %s: no run, parameters recorded, no attributes', async (requestType) => {
    fake.setStack(STACK_ID, `${requestType.toUpperCase()}_IN_PROGRESS`).setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 }));
    expect(await run(cfnEvent(requestType, { trigger: TRIGGER_BEFORE_DELETE, parameters: PARAMETERS }))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.invocations).toHaveLength(0);
    expect(stored()).toEqual({ v: 1, data: {}, parameters: PARAMETERS });
  });

  test('run policy "once": an Update records its new parameters and keeps the result of the Create', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ bucket: 'seed-1' }));
    await run(cfnEvent('Create', { runPolicy: RUN_POLICY_ONCE, parameters: '{"n":1}' }));
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');

    expect(await run(cfnEvent('Update', { runPolicy: RUN_POLICY_ONCE, parameters: '{"n":2}' }))).toEqual({ PhysicalResourceId: 'Migrate', Data: { bucket: 'seed-1' } });
    expect(fake.invocations).toHaveLength(1);
    expect(stored()).toEqual({ v: 1, data: { bucket: 'seed-1' }, parameters: '{"n":2}' });
  });

  test('the rollback of a failed update records the parameters it rolls back to, with the stored result', async () => {
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS').setParameter(PARAMETER, JSON.stringify({ v: 1, data: { id: '1' }, parameters: '{"n":2}' }));
    expect(await run(cfnEvent('Update', { parameters: '{"n":1}' }))).toEqual({ PhysicalResourceId: 'Migrate', Data: { id: '1' } });
    expect(fake.invocations).toHaveLength(0);
    expect(stored()).toEqual({ v: 1, data: { id: '1' }, parameters: '{"n":1}' });
  });

  test.each([
    ['a validation error', { code: 'ValidationException', message: 'Parameter is invalid' }, /storing its result in the SSM parameter \S+ failed: ValidationException: Parameter is invalid \(ignored\)/],
    ['a parameter limit', { code: 'ParameterLimitExceeded', message: 'You have exceeded the number of parameters' }, /failed: ParameterLimitExceeded: You have exceeded the number of parameters \(ignored\)/],
    ['access denied, for good', { code: 'AccessDeniedException', message: 'not authorized to perform: ssm:PutParameter' }, /failed: AccessDeniedException: not authorized to perform: ssm:PutParameter\. The provider's role needs ssm:PutParameter on it\. \(ignored\)/],
  ])('a rollback never fails because of SSM: %s is only logged', async (_what, error, logged) => {
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS').setParameter(PARAMETER, '{"id":"1"}').failSsm('PutParameter', error);
    const clock = new FakeClock();
    expect(await run(cfnEvent('Update'), clock)).toEqual({ PhysicalResourceId: 'Migrate', Data: { id: '1' } });
    expect(output.text()).toMatch(logged);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
  });

  test('a rollback that could not read the stored value does not write over it', async () => {
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS').setParameter(PARAMETER, '{"id":"1"}')
      .failSsm('GetParameter', { code: 'InternalServerError', status: 500, message: 'try again' });
    expect(await run(cfnEvent('Update'))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.ssmCallsOf('PutParameter')).toHaveLength(0);
    expect(fake.parameter(PARAMETER)?.value).toBe('{"id":"1"}');
  });

  test.each([
    ['a before:delete Create', 'CREATE_IN_PROGRESS', 'Create', { trigger: TRIGGER_BEFORE_DELETE }],
    ['a "once" Update', 'UPDATE_IN_PROGRESS', 'Update', { runPolicy: RUN_POLICY_ONCE }],
  ] as const)('%s that cannot record succeeds all the same, and logs why', async (_what, status, requestType, options) => {
    fake.setStack(STACK_ID, status).failSsm('PutParameter', { code: 'ParameterLimitExceeded', message: 'You have exceeded the number of parameters for this AWS account' });
    expect(await run(cfnEvent(requestType, options))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(output.text()).toMatch(/failed: ParameterLimitExceeded: You have exceeded .* \(ignored\)/);
  });

  test('a Delete records nothing: it deletes the record', async () => {
    fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ a: 1 }))
      .setParameter(PARAMETER, JSON.stringify({ v: 1, data: {}, parameters: '{}' }));
    await run(cfnEvent('Delete', { trigger: TRIGGER_BEFORE_DELETE }));
    expect(fake.invocations).toHaveLength(1);
    expect(fake.ssmCalls.map((c) => c.operation)).toEqual(['DeleteParameter']);
    expect(fake.parameterNames()).toEqual([]);
  });
});

describe('values stored by the runtime before records', () => {
  test('a plain Data object is still the result: a rollback answers with it, then upgrades it to a record', async () => {
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS').setParameter(PARAMETER, '{"userId":"u-1","count":"3"}');
    expect(await run(cfnEvent('Update', { parameters: '{"n":1}' }))).toEqual({ PhysicalResourceId: 'Migrate', Data: { userId: 'u-1', count: '3' } });
    expect(stored()).toEqual({ v: 1, data: { userId: 'u-1', count: '3' }, parameters: '{"n":1}' });
  });

  test('a Data object with keys "v" and "data" is not mistaken for a record: its values are strings', async () => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setParameter(PARAMETER, '{"v":"1","data":"x"}');
    expect(await run(cfnEvent('Update', { runPolicy: RUN_POLICY_ONCE }))).toEqual({ PhysicalResourceId: 'Migrate', Data: { v: '1', data: 'x' } });
  });
});

describe('parseRecord', () => {
  test.each<[string, string | undefined, unknown]>([
    ['a record', '{"v":1,"data":{"a":"1"},"parameters":"{\\"n\\":1}"}', { v: 1, data: { a: '1' }, parameters: '{"n":1}' }],
    ['a record without parameters', '{"v":1,"data":{},"parametersOmitted":"too large"}', { v: 1, data: {}, parametersOmitted: 'too large' }],
    ['a plain Data object (version 0)', '{"a":"1"}', { v: 0, data: { a: '1' } }],
    ['an empty Data object', '{}', { v: 0, data: {} }],
    ['a later version with data', '{"v":2,"data":{"a":"1"},"more":true}', { v: 2, data: { a: '1' }, more: true }],
    ['a record whose data is not strings', '{"v":1,"data":{"a":1}}', undefined],
    ['a record without data', '{"v":1}', undefined],
    ['an array', '["a"]', undefined],
    ['not JSON', 'nope', undefined],
    ['null', 'null', undefined],
    ['nothing', undefined, undefined],
  ])('%s', (_what, value, expected) => {
    expect(parseRecord(value)).toEqual(expected);
  });
});
