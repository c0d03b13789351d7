/**
 * Undo on rollback (`undoOnRollback`): the marker of a run (lambda-runtime/shared/undo.ts, kept in the stored record),
 * and the script runtime's call back, through the real handler and SDK clients against the loopback fake of Lambda,
 * CloudFormation and SSM. The lifecycle rows are in lifecycle.test.ts; the whole thing through aws-cdk-lib's Provider
 * framework in test/e2e/undo.test.ts.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  CONTEXT_ROLLBACK, PROP_PARAMETERS, PROP_RUN_POLICY, PROP_UNDO_ON_ROLLBACK, RUN_POLICY_ONCE, TRIGGER_AFTER_DEPLOY,
} from '../../lambda-runtime/shared/consts';
import { createHandler } from '../../lambda-runtime/script/index';
import { encodeClientContext } from '../../lambda-runtime/shared/invoke';
import { parseRecord, recordValue, resultParameterName } from '../../lambda-runtime/shared/stored-result';
import { canonicalJson, claimUndo, runMarker, undoneProperties } from '../../lambda-runtime/shared/undo';
import { captureConsoleOfEachTest, cfnEvent, FakeClock, lambdaContext, SCRIPT_FUNCTION, STACK_ID, useRuntimeEnv } from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';

const fake = FakeAws.forTestFile();
useRuntimeEnv();
const output = captureConsoleOfEachTest();
const PARAMETER = resultParameterName('my-stack', 'Migrate');

/** A request of a script that asks to be undone on rollback; an Update's old properties hold `oldParameters`. */
function undoEvent(requestType: 'Create' | 'Update' | 'Delete', parameters = '{"to":2}', oldParameters = '{"to":1}'): CloudFormationCustomResourceEvent {
  const event = cfnEvent(requestType, { parameters });
  const props = { ...event.ResourceProperties, [PROP_UNDO_ON_ROLLBACK]: 'true' };
  return event.RequestType === 'Update'
    ? { ...event, ResourceProperties: props, OldResourceProperties: { ...event.OldResourceProperties, [PROP_PARAMETERS]: oldParameters, [PROP_UNDO_ON_ROLLBACK]: 'true' } }
    : { ...event, ResourceProperties: props };
}

/** The rollback of `forward`, an Update: CloudFormation sends the old properties, and the forward ones as old. */
function rollbackOf(forward: CloudFormationCustomResourceEvent): CloudFormationCustomResourceEvent {
  if (forward.RequestType !== 'Update') throw new Error('an Update');
  return { ...forward, ResourceProperties: forward.OldResourceProperties, OldResourceProperties: forward.ResourceProperties };
}

async function run(event: CloudFormationCustomResourceEvent) {
  const clock = new FakeClock();
  return createHandler({ sleep: clock.sleep, now: clock.now })(event, lambdaContext(clock));
}

const storedMarker = () => parseRecord(fake.parameter(PARAMETER)?.value)?.undo;
const rollbackCalls = () => fake.invocations.filter((i) => (i.clientContext as any)?.custom?.rollback === true);

describe('the marker of a run', () => {
  test('the sha256 of the properties as canonical JSON: the same properties in any order give the same marker', () => {
    expect(canonicalJson({ b: [1, { d: 'x', c: null }], a: 'é' })).toBe('{"a":"é","b":[1,{"c":null,"d":"x"}]}');
    expect(runMarker({ b: '2', a: '1' })).toBe(runMarker({ a: '1', b: '2' }));
    expect(runMarker({ a: '1' })).toMatch(/^[0-9a-f]{64}$/);
    expect(runMarker({ a: '1' })).not.toBe(runMarker({ a: '2' }));
  });

  test('a rollback Update undoes the run of its old properties; a Delete, of its own', () => {
    const update = undoEvent('Update');
    expect(undoneProperties(update)).toBe((update as any).OldResourceProperties);
    const del = undoEvent('Delete');
    expect(undoneProperties(del)).toBe(del.ResourceProperties);
  });

  test('the record keeps the marker when the parameters give way to the 4 KB', () => {
    const marker = runMarker({ a: '1' });
    const big = parseRecord(recordValue({ k: 'v' }, 'p'.repeat(5000), marker));
    expect(big).toEqual({ v: 1, data: { k: 'v' }, parametersOmitted: 'too large', undo: marker });
    // Without a marker, the record is what it was before the marker existed.
    expect(recordValue({}, '{}')).toBe('{"v":1,"data":{},"parameters":"{}"}');
  });
});

test('a client context too large for Lambda keeps rollback in what it keeps', () => {
  const context = {
    trigger: TRIGGER_AFTER_DEPLOY, requestType: 'Delete', stackId: STACK_ID, stackName: 's'.repeat(4000),
    logicalResourceId: 'Migrate', physicalResourceId: 'Migrate', region: 'us-east-1', rollback: true as const,
  };
  const decoded = JSON.parse(Buffer.from(encodeClientContext(context), 'base64').toString('utf8'));
  expect(decoded.custom).not.toHaveProperty('stackName');
  expect(decoded.custom[CONTEXT_ROLLBACK]).toBe(true);
});

describe('claimUndo', () => {
  const ssm = () => new SSMClient({});
  const props = { [PROP_PARAMETERS]: '{"to":2}' };

  test('the run\'s marker: removed first, keeping the rest of the record and its type, then true', async () => {
    fake.setParameter(PARAMETER, recordValue({ id: '7' }, '{"to":2}', runMarker(props)));
    expect(await claimUndo(ssm(), PARAMETER, props, 'S')).toBe(true);
    expect(parseRecord(fake.parameter(PARAMETER)?.value)).toEqual({ v: 1, data: { id: '7' }, parameters: '{"to":2}' });
    // Once removed, never again.
    expect(await claimUndo(ssm(), PARAMETER, props, 'S')).toBe(false);
  });

  test.each([
    ['another run\'s marker', () => fake.setParameter(PARAMETER, recordValue({}, '{}', runMarker({ other: 'run' })))],
    ['no marker (the run policy skipped it)', () => fake.setParameter(PARAMETER, recordValue({}, '{}'))],
    ['no record (the run failed, or never happened)', () => undefined],
    ['a record of a runtime before records', () => fake.setParameter(PARAMETER, '{"id":"7"}')],
  ])('%s: false, and the record is left as it is', async (_name, given) => {
    given();
    const before = fake.parameter(PARAMETER)?.value;
    expect(await claimUndo(ssm(), PARAMETER, props, 'S')).toBe(false);
    expect(fake.parameter(PARAMETER)?.value).toBe(before);
    expect(fake.ssmCallsOf('PutParameter')).toEqual([]);
  });

  test.each(['GetParameter', 'PutParameter'] as const)('%s failing: false (a second call could undo twice), logged, never thrown', async (operation) => {
    fake.setParameter(PARAMETER, recordValue({}, '{}', runMarker(props)));
    fake.failSsm(operation, { code: 'AccessDeniedException', message: 'not allowed' });
    expect(await claimUndo(ssm(), PARAMETER, props, 'S')).toBe(false);
    expect(output.text()).toMatch(/S is not called back, its rollback not undone: .*AccessDeniedException: not allowed \(the rollback goes on\)/);
  });
});

describe('the script runtime', () => {
  test('a successful run records its marker; a run of a script that does not ask records none', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    const create = undoEvent('Create');
    await run(create);
    expect(storedMarker()).toBe(runMarker(create.ResourceProperties));

    await run(cfnEvent('Create'));
    expect(storedMarker()).toBeUndefined();
  });

  test('the rollback of the update that ran it calls it back once: the old run\'s parameters, the same function, rollback: true', async () => {
    // GIVEN the update ran the script
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ id: 7 }));
    const forward = undoEvent('Update');
    await run(forward);

    // WHEN the update rolls back
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    const response = await run(rollbackOf(forward));

    // THEN
    expect(fake.invocations).toHaveLength(2);
    const undo = fake.invocations[1];
    expect(undo.functionName).toBe(SCRIPT_FUNCTION);
    expect(undo.payload.toString()).toBe('{"to":2}');
    expect(undo.clientContext).toEqual({
      custom: {
        trigger: TRIGGER_AFTER_DEPLOY, requestType: 'Update', stackId: STACK_ID, stackName: 'my-stack',
        logicalResourceId: 'Migrate', physicalResourceId: 'Migrate', region: 'us-east-1', rollback: true,
      },
    });
    expect((undo.clientContext as any).custom[CONTEXT_ROLLBACK]).toBe(true);
    // The forward run was told nothing of a rollback.
    expect((fake.invocations[0].clientContext as any).custom).not.toHaveProperty('rollback');
    // The rollback still answers with the stored attributes, and records the old parameters, without a marker.
    expect(response).toEqual({ PhysicalResourceId: 'Migrate', Data: { id: '7' } });
    expect(parseRecord(fake.parameter(PARAMETER)?.value)).toEqual({ v: 1, data: { id: '7' }, parameters: '{"to":1}' });
    // The marker was removed before the call.
    const order = fake.requests.slice(-4).map((r) => r.signingService === 'ssm' ? String(r.headers['x-amz-target']) : r.signingService);
    expect(order).toEqual(['AmazonSSM.PutParameter', 'lambda', 'AmazonSSM.GetParameter', 'AmazonSSM.PutParameter']);

    // A repeated rollback request does not call it twice.
    await run(rollbackOf(forward));
    expect(rollbackCalls()).toHaveLength(1);
  });

  test('the Delete of a failed first deployment calls it back with the run\'s parameters, then forgets the record', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    await run(undoEvent('Create', '{"seed":3}'));
    fake.setStack(STACK_ID, 'ROLLBACK_IN_PROGRESS');
    expect(await run(undoEvent('Delete', '{"seed":3}'))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(rollbackCalls().map((i) => [i.payload.toString(), (i.clientContext as any).custom.requestType])).toEqual([['{"seed":3}', 'Delete']]);
    expect(fake.parameter(PARAMETER)).toBeUndefined();
  });

  test('the Delete of a script that a failed update created calls it back', async () => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    await run(undoEvent('Create'));
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(undoEvent('Delete'));
    expect(rollbackCalls()).toHaveLength(1);
  });

  test('a Delete of the stack, or of a script an update removed, is no rollback: no call', async () => {
    fake.setScript(SCRIPT_FUNCTION, outcome.returns());
    for (const status of ['DELETE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS']) {
      fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
      await run(undoEvent('Create'));
      expect(storedMarker()).toBeDefined();
      fake.setStack(STACK_ID, status);
      await run(undoEvent('Delete'));
    }
    expect(rollbackCalls()).toEqual([]);
    expect(fake.invocations).toHaveLength(2);
  });

  test('not called when the run policy skipped the run of the update being rolled back', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    await run(undoEvent('Create', '{"to":1}'));
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS');
    const once = undoEvent('Update');
    const forward = { ...once, ResourceProperties: { ...once.ResourceProperties, [PROP_RUN_POLICY]: RUN_POLICY_ONCE } };
    await run(forward);
    expect(fake.invocations).toHaveLength(1);
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    await run(rollbackOf(forward));
    expect(rollbackCalls()).toEqual([]);
    expect(output.text()).toMatch(/Deployment script Migrate is not called back: the run being rolled back was not made by this deployment/);
  });

  test('not called when its own run failed: the earlier run it leaves recorded is not the one rolled back', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    await run(undoEvent('Create', '{"to":1}'));
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'migration 2 failed'));
    const forward = undoEvent('Update');
    await expect(run(forward)).rejects.toThrow(/migration 2 failed/);
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    await run(rollbackOf(forward));
    expect(rollbackCalls()).toEqual([]);
  });

  test.each([
    ['throws', outcome.throws('Error', 'down step failed'), /the call that undoes its run failed, and the rollback goes on\. Deployment script Migrate failed: Error: down step failed/],
    ['times out', outcome.timesOut(300), /the call that undoes its run failed, and the rollback goes on\. Deployment script Migrate failed: .*timed out/],
    ['is throttled', outcome.throttled(), /the call that undoes its run failed, and the rollback goes on: .*TooManyRequestsException/],
    ['is refused', outcome.accessDenied(), /the call that undoes its run failed, and the rollback goes on: .*AccessDeniedException/],
  ])('a call that %s is logged, made once, and the rollback succeeds', async (_name, undoOutcome, logged) => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ id: 7 }));
    const forward = undoEvent('Update');
    await run(forward);
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS').setScript(SCRIPT_FUNCTION, undoOutcome);
    expect(await run(rollbackOf(forward))).toEqual({ PhysicalResourceId: 'Migrate', Data: { id: '7' } });
    expect(rollbackCalls()).toHaveLength(1);
    expect(output.text()).toMatch(logged);
    expect(storedMarker()).toBeUndefined();
  });

  test('the marker cannot be removed: not called, and the rollback succeeds', async () => {
    fake.setStack(STACK_ID, 'UPDATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns());
    const forward = undoEvent('Update');
    await run(forward);
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS').failSsm('PutParameter', { code: 'ThrottlingException', message: 'Rate exceeded' });
    expect(await run(rollbackOf(forward))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(rollbackCalls()).toEqual([]);
  });
});
