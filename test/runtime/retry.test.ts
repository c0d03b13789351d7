/**
 * Retries of a script that asked for them (`retry`), through the real script runtime and the real SDK, against the
 * loopback fake of Lambda, CloudFormation and SSM; and the decision after a failed attempt, row by row.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { PROP_RETRY_ATTEMPTS, PROP_RETRY_BACKOFF_SECONDS, TRIGGER_BEFORE_DELETE } from '../../lambda-runtime/shared/consts';
import { afterFailure, readRetry } from '../../lambda-runtime/shared/retry';
import { createHandler } from '../../lambda-runtime/script/index';
import { captureConsoleOfEachTest, cfnEvent, type EventOptions, failure, FakeClock, lambdaContext, SCRIPT_FUNCTION, STACK_ID } from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';

const fake = FakeAws.forTestFile();
// The providers tell their runtime function the stack it serves, and it serves no other.
const servedStack = process.env.PROVIDER_STACK_ID;
beforeAll(() => { process.env.PROVIDER_STACK_ID = STACK_ID; });
afterAll(() => {
  if (servedStack === undefined) delete process.env.PROVIDER_STACK_ID;
  else process.env.PROVIDER_STACK_ID = servedStack;
});
const output = captureConsoleOfEachTest();

/** A request of a script that takes `attempts` attempts with `backoff` seconds as its first wait. */
function retried(requestType: 'Create' | 'Update' | 'Delete', attempts: number, backoff = 10, options: EventOptions = {}): CloudFormationCustomResourceEvent {
  const event = cfnEvent(requestType, options);
  return {
    ...event,
    ResourceProperties: { ...event.ResourceProperties, [PROP_RETRY_ATTEMPTS]: String(attempts), [PROP_RETRY_BACKOFF_SECONDS]: String(backoff) },
  } as CloudFormationCustomResourceEvent;
}

async function run(event: CloudFormationCustomResourceEvent, clock = new FakeClock(), remainingMs?: number) {
  const handler = createHandler({ sleep: clock.sleep, now: clock.now });
  return handler(event, lambdaContext(clock, remainingMs));
}

describe('the decision after a failed attempt', () => {
  test.each<[string, Parameters<typeof afterFailure>, ReturnType<typeof afterFailure>]>([
    ['no retries: nothing to add to the reason', [undefined, 1, 900_000, 60_000], { note: '' }],
    ['the first wait is the back-off', [[3, 10], 1, 900_000, 60_000], { wait: 10_000 }],
    ['each wait doubles', [[4, 10], 3, 900_000, 60_000], { wait: 40_000 }],
    ['the last attempt failed', [[3, 10], 3, 900_000, 60_000], { note: ' after 3 attempts' }],
    ['the wait and a whole attempt fit exactly', [[3, 10], 1, 70_000, 60_000], { wait: 10_000 }],
    ['one millisecond short: not started', [[3, 10], 1, 69_999, 60_000],
      { note: ' after 1 of 3 attempts (attempt 2 was not started: a 10 s wait and its 60 s timeout do not fit in the 69 s left)' }],
    ['no time left at all', [[2, 0], 1, -5, 60_000],
      { note: ' after 1 of 2 attempts (attempt 2 was not started: a 0 s wait and its 60 s timeout do not fit in the 0 s left)' }],
  ])('%s', (_name, args, expected) => {
    expect(afterFailure(...args)).toEqual(expected);
  });

  test.each<[Record<string, unknown>, ReturnType<typeof readRetry>]>([
    [{}, undefined],
    [{ [PROP_RETRY_ATTEMPTS]: '1', [PROP_RETRY_BACKOFF_SECONDS]: '10' }, undefined],
    [{ [PROP_RETRY_ATTEMPTS]: 'x' }, undefined],
    [{ [PROP_RETRY_ATTEMPTS]: '3' }, [3, 0]],
    [{ [PROP_RETRY_ATTEMPTS]: '3', [PROP_RETRY_BACKOFF_SECONDS]: '7' }, [3, 7]],
  ])('the properties %j read as %j', (props, expected) => {
    expect(readRetry(props)).toEqual(expected);
  });
});

describe('a script that takes retries', () => {
  beforeEach(() => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  });

  test('fails twice, then succeeds: 3 runs, waits of 10 then 20 seconds, the third run\'s result', async () => {
    fake.setScript(SCRIPT_FUNCTION, [outcome.throws('ConnectionRefused', 'connect ECONNREFUSED 10.0.0.5:5432'), outcome.throws('ConnectionRefused', 'again'), outcome.returns({ version: 3 })]);
    const clock = new FakeClock();
    expect(await run(retried('Create', 3), clock)).toEqual({ PhysicalResourceId: 'Migrate', Data: { version: '3' } });
    expect(fake.invocations).toHaveLength(3);
    expect(clock.sleeps).toEqual([10_000, 20_000]);
    // Each attempt gets the same event and context.
    expect(new Set(fake.invocations.map((i) => i.payload.toString()))).toEqual(new Set(['{}']));
    expect(output.text()).toContain('attempt 1 failed (ConnectionRefused: connect ECONNREFUSED 10.0.0.5:5432): attempt 2 in 10 s');
  });

  test('always fails: the reason names the attempts and holds the last error and its log', async () => {
    fake.setScript(SCRIPT_FUNCTION, [outcome.throws('Error', 'first', ['try 1']), outcome.throws('Error', 'second', ['try 2']), outcome.throws('MigrationError', 'last', ['try 3'])]);
    const error = await failure(run(retried('Create', 3)));
    expect(fake.invocations).toHaveLength(3);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Deployment script Migrate failed after 3 attempts: MigrationError: last');
    expect(lines).toContain('INFO\ttry 3');
    expect(lines).not.toContain('INFO\ttry 2');
    // The console link finds the last attempt's log.
    expect(lines.at(-1)).toContain(fake.invocations[2].requestId);
  });

  test('a retry that would not fit in the time left is not started, and the reason says so', async () => {
    fake.setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'refused'));
    // The script may run 300 s, the runtime keeps 5 s to report: 310 s leave 305 s, short of a 10 s wait and 300 s.
    const error = await failure(run(retried('Create', 3), new FakeClock(), 310_000));
    expect(fake.invocations).toHaveLength(1);
    expect(error.message.split('\n')[0]).toBe('Deployment script Migrate failed after 1 of 3 attempts (attempt 2 was not started: ' +
      'a 10 s wait and its 300 s timeout do not fit in the 305 s left): Error: refused');
  });

  test('an attempt that times out is retried, and a timeout that ends the last attempt says so', async () => {
    fake.setScript(SCRIPT_FUNCTION, outcome.timesOut(300));
    const error = await failure(run(retried('Update', 2, 1)));
    expect(fake.invocations).toHaveLength(2);
    expect(error.message).toMatch(/^Deployment script Migrate failed after 2 attempts: Sandbox.Timedout: timed out after 300 seconds \(its timeout\)/);
  });

  test('a before:delete script is retried too, and its last failure is only logged: the deletion goes on', async () => {
    fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, [outcome.throws('Error', 'busy'), outcome.returns()]);
    expect(await run(retried('Delete', 2, 10, { trigger: TRIGGER_BEFORE_DELETE }))).toEqual({ PhysicalResourceId: 'Migrate' });
    expect(fake.invocations).toHaveLength(2);
  });

  test('a request that does not run the script does not run it for its retries either', async () => {
    fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'never'));
    await run(retried('Update', 3));
    expect(fake.invocations).toHaveLength(0);
  });
});

describe('a script without retries', () => {
  test('runs once, and its reason is as it always was', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'boom'));
    const clock = new FakeClock();
    const error = await failure(run(cfnEvent('Create'), clock));
    expect(fake.invocations).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(error.message).toMatch(/^Deployment script Migrate failed: Error: boom\n/);
  });
});
