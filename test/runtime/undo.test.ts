/**
 * Undo on rollback (`undoOnRollback`): the marker of a run (lambda-runtime/shared/undo.ts, kept in the stored record),
 * against the loopback fake of SSM. The lifecycle rows are in lifecycle.test.ts; the whole thing through aws-cdk-lib's Provider
 * framework in test/e2e/undo.test.ts.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { PROP_PARAMETERS, PROP_UNDO_ON_ROLLBACK } from '../../lambda-runtime/shared/consts';
import { parseRecord, recordValue, resultParameterName } from '../../lambda-runtime/shared/stored-result';
import { canonicalJson, claimUndo, runMarker, undoneProperties } from '../../lambda-runtime/shared/undo';
import { captureConsoleOfEachTest, cfnEvent, useRuntimeEnv } from '../support/events';
import { FakeAws } from '../support/fake-aws';

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
