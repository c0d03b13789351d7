/**
 * Retries (`retry`), played end to end: CloudFormation's requests (from the harness) go to aws-cdk-lib's Provider
 * framework as shipped, which invokes the bundled runtime, which invokes the script as often as its retries allow,
 * with real waits; each run is recorded by the script itself.
 */
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ScriptTrigger } from '../../lib';
import type { Harness } from './harness';
import { recorder, RunLog, startHarness, synth } from './support';

jest.setTimeout(120_000);

/** The flaky script's code: a new instance per stack, as aws-cdk-lib requires. */
const flaky = () => lambda.Code.fromAsset(join(__dirname, 'fixtures', 'flaky'));

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
}, 15 * 60_000); // another e2e file may hold port 443 until it ends
afterAll(async () => {
  await harness?.close();
});

test('fails twice, then succeeds with 3 attempts: the deployment succeeds, the script ran 3 times', async () => {
  const runs = new RunLog();
  const started = Date.now();
  const result = await harness.stack(synth((stack) => {
    recorder(stack, 'Migrate', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY, code: flaky(), parameters: { failRuns: 2 }, retry: { attempts: 3, backoff: Duration.seconds(1) },
    }).getResult('runs');
  }, 'Retried')).create();

  expect(result.status).toBe('CREATE_COMPLETE');
  expect(runs.summary()).toEqual(['Migrate Create', 'Migrate Create', 'Migrate Create']);
  // One request, answered once, with the third run's result; after waits of 1 s, then 2 s.
  const exchanges = result.exchangesOf('Migrate');
  expect(exchanges.map((e) => e.response?.Status)).toEqual(['SUCCESS']);
  expect(exchanges[0].response?.Data).toEqual({ runs: '3' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
});

test('always fails: the deployment fails and rolls back, and the reason names the attempts and the last error', async () => {
  const runs = new RunLog();
  const result = await harness.stack(synth((stack) => {
    recorder(stack, 'Migrate', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY, code: flaky(), parameters: { failRuns: 99 }, retry: { attempts: 3, backoff: Duration.seconds(1) },
    });
  }, 'AlwaysFails')).create();

  expect(result.status).toBe('ROLLBACK_COMPLETE');
  expect(runs.summary()).toEqual(['Migrate Create', 'Migrate Create', 'Migrate Create']);
  const reason = result.exchangesOf('Migrate', 'Create')[0].response!.Reason!;
  expect(reason).toMatch(/^Deployment script Migrate failed after 3 attempts: ConnectionRefused: connect ECONNREFUSED 10\.0\.0\.5:5432 \(run 3\)\n/);
  expect(reason).toContain('run 3: refusing');
  expect(result.failure!.reason).toContain(reason);
});

test('a retry that would not fit in the time left is not started, and the reason says so', async () => {
  const runs = new RunLog();
  // 14 minutes per attempt and a 45 s wait: allowed at synth (they fit in the runtime's 14 minutes 50 seconds), yet
  // once the first attempt has taken any time at all, the second no longer fits.
  const result = await harness.stack(synth((stack) => {
    recorder(stack, 'Migrate', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY, code: flaky(), parameters: { failRuns: 1 }, timeout: Duration.minutes(14),
      retry: { attempts: 2, backoff: Duration.seconds(45) },
    });
  }, 'NoRoom')).create();

  expect(result.status).toBe('ROLLBACK_COMPLETE');
  expect(runs.summary()).toEqual(['Migrate Create']);
  const reason = result.exchangesOf('Migrate', 'Create')[0].response!.Reason!;
  expect(reason).toMatch(/^Deployment script Migrate failed after 1 of 2 attempts \(attempt 2 was not started: a 45 s wait and its 840 s timeout do not fit in the 88\d s left\): ConnectionRefused: /);
});
