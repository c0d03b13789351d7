/**
 * Undo on rollback (`undoOnRollback`), played end to end: CloudFormation's requests (from the harness) go to
 * aws-cdk-lib's Provider framework as shipped, which invokes the bundled runtime, which invokes the script; each call
 * of a script is recorded by the script itself (fixtures/undoer), its client context included.
 *
 * | CloudFormation sends | stack status                                 | AFTER_DEPLOY with undoOnRollback            |
 * |----------------------|----------------------------------------------|---------------------------------------------|
 * | Update               | UPDATE_ROLLBACK_IN_PROGRESS                  | call back the update's run, if it succeeded |
 * | Delete               | ROLLBACK_IN_PROGRESS                         | call back the create's run, if it succeeded |
 * | Delete               | UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS | call back the run of the update that created it |
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type DeploymentScriptOptions, RunPolicy, ScriptTrigger } from '../../lib';
import type { Harness, OperationResult } from './harness';
import { recorder, RunLog, startHarness, synth } from './support';

jest.setTimeout(180_000);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
}, 15 * 60_000); // another e2e file may hold port 443 until it ends
afterAll(async () => {
  for (const invocation of harness?.lambda.invocations ?? []) expect(invocation.log).not.toContain('X-Amz-Signature');
  await harness?.close();
});

const AFTER = ScriptTrigger.AFTER_DEPLOY;
const UNDOER_DIR = join(__dirname, 'fixtures', 'undoer');

/** A script running the undoer, named `id` in its calls. */
function undoer(stack: Stack, id: string, runs: RunLog, options: Partial<DeploymentScriptOptions> & { timeout?: Duration } = {}) {
  return recorder(stack, id, runs, { trigger: AFTER, ...options, code: lambda.Code.fromAsset(UNDOER_DIR) });
}

function bucket(stack: Stack, versioned = false): s3.Bucket {
  return new s3.Bucket(stack, 'Data', { versioned, removalPolicy: RemovalPolicy.DESTROY });
}

/** `script requestType` per call, with ` rollback` for a call back. */
function calls(runs: RunLog): string[] {
  return runs.runs().map((r) => `${r.script} ${r.requestType}${(r.context as any).rollback === true ? ' rollback' : ''}`);
}

/** The rollback completed: every request it sent succeeded, and no resource failed to roll back. */
function expectCleanRollback(result: OperationResult, status: 'UPDATE_ROLLBACK_COMPLETE' | 'ROLLBACK_COMPLETE'): void {
  expect(result.status).toBe(status);
  const rollback = result.exchanges.filter((e) => /ROLLBACK/.test(e.stackStatus));
  expect(rollback.length).toBeGreaterThan(0);
  expect(rollback.filter((e) => e.response?.Status !== 'SUCCESS').map((e) => `${e.logicalId} ${e.response?.Status ?? e.problem}`)).toEqual([]);
  expect(result.events.filter((e) => /ROLLBACK/.test(e.stackStatus) && /FAILED$/.test(e.status))).toEqual([]);
}

/** The runtime's log lines of the calls back, for what the rollback says about them. */
function runtimeLog(): string {
  return harness.lambda.invocations.filter((i) => i.logicalId?.startsWith('DeploymentScriptProviderRuntime')).map((i) => i.log).join('\n');
}

/**
 * Version 1 deploys; version 2 changes Migrate's parameters (`migrate`) and has Smoke, which runs after Migrate, fail
 * (`smokeFails`), so that the update rolls back after Migrate ran.
 */
function migrateAndSmoke(runs: RunLog, name: string, migrate: (n: number) => Partial<DeploymentScriptOptions>, smokeFails = true) {
  return (n: number) => synth((stack) => {
    bucket(stack);
    const m = undoer(stack, 'Migrate', runs, { undoOnRollback: true, parameters: { to: n }, ...migrate(n) });
    undoer(stack, 'Smoke', runs, { runAfter: [m], parameters: n === 2 && smokeFails ? { fail: 'smoke test failed' } : { version: n } });
  }, name);
}

describe('a migration asked to be undone', () => {
  test('is called back once, with the parameters of its run and rollback: true, when a later script fails the update', async () => {
    const runs = new RunLog();
    const version = migrateAndSmoke(runs, 'UndoUpdate', () => ({}));
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');

    const updated = await stack.update(version(2));

    expectCleanRollback(updated, 'UPDATE_ROLLBACK_COMPLETE');
    expect(updated.failure?.logicalId).toBe('Smoke');
    expect(calls(runs)).toEqual(['Migrate Create', 'Smoke Create', 'Migrate Update', 'Smoke Update', 'Migrate Update rollback']);
    const undo = runs.runs().at(-1)!;
    // The event is the parameters of the run being undone (version 2), not those the rollback restores.
    expect(undo.event).toEqual({ to: 2 });
    expect(undo.context).toMatchObject({ trigger: 'after:deploy', requestType: 'Update', stackName: 'UndoUpdate', logicalResourceId: 'Migrate', rollback: true });
    // Forward runs are told nothing of a rollback.
    expect(runs.runs().slice(0, 4).map((r) => (r.context as any).rollback)).toEqual([undefined, undefined, undefined, undefined]);

    // Later deployments and the deletion never call it back again.
    expect((await stack.update(version(3))).status).toBe('UPDATE_COMPLETE');
    expect((await stack.delete()).status).toBe('DELETE_COMPLETE');
    expect(calls(runs).filter((c) => c.endsWith('rollback'))).toEqual(['Migrate Update rollback']);
  });

  test('is called back once when the first deployment fails, with the parameters of its create', async () => {
    const runs = new RunLog();
    const stack = harness.stack(synth((stack) => {
      bucket(stack);
      const migrate = undoer(stack, 'Migrate', runs, { undoOnRollback: true, parameters: { to: 1 } });
      undoer(stack, 'Smoke', runs, { runAfter: [migrate], parameters: { fail: 'smoke test failed' } });
    }, 'UndoCreate'));

    const created = await stack.create();

    expectCleanRollback(created, 'ROLLBACK_COMPLETE');
    expect(calls(runs)).toEqual(['Migrate Create', 'Smoke Create', 'Migrate Delete rollback']);
    expect(runs.runs().at(-1)!.event).toEqual({ to: 1 });
    expect(created.exchangesOf('Migrate', 'Delete').map((e) => e.stackStatus)).toEqual(['ROLLBACK_IN_PROGRESS']);
  });

  test('added by the failed update, is called back when the rollback deletes it', async () => {
    const runs = new RunLog();
    const version = (n: number) => synth((stack) => {
      bucket(stack);
      const smokeAfter = [];
      if (n === 2) smokeAfter.push(undoer(stack, 'Migrate', runs, { undoOnRollback: true, parameters: { to: 2 } }));
      undoer(stack, 'Smoke', runs, { runAfter: smokeAfter, parameters: n === 2 ? { fail: 'smoke test failed' } : {} });
    }, 'UndoAdded');
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');

    const updated = await stack.update(version(2));

    expectCleanRollback(updated, 'UPDATE_ROLLBACK_COMPLETE');
    expect(calls(runs)).toEqual(['Smoke Create', 'Migrate Create', 'Smoke Update', 'Migrate Delete rollback']);
    expect(updated.exchangesOf('Migrate', 'Delete').map((e) => e.stackStatus)).toEqual(['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS']);
  });
});

describe('a call back that fails never fails or blocks the rollback', () => {
  test.each([
    ['throws', { fail: 'the down step failed' }, /the call that undoes its run failed, and the rollback goes on\. Deployment script Migrate failed: Error: the down step failed/],
    ['times out', { sleepSeconds: 30 }, /the call that undoes its run failed, and the rollback goes on\. Deployment script Migrate failed: .*timed out/],
  ])('a call back that %s: the update rolls back to UPDATE_ROLLBACK_COMPLETE, the call made once', async (name, onRollback, logged) => {
    const runs = new RunLog();
    const version = migrateAndSmoke(runs, `UndoFails${name === 'throws' ? 'Throw' : 'Timeout'}`,
      (n) => ({ parameters: { to: n, onRollback }, timeout: Duration.seconds(3) }));
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');

    const updated = await stack.update(version(2));

    expectCleanRollback(updated, 'UPDATE_ROLLBACK_COMPLETE');
    expect(calls(runs).filter((c) => c.endsWith('rollback'))).toEqual(['Migrate Update rollback']);
    expect(runtimeLog()).toMatch(logged);
    // The stack can be deployed again, and deleted.
    expect((await stack.update(version(3))).status).toBe('UPDATE_COMPLETE');
    expect((await stack.delete()).status).toBe('DELETE_COMPLETE');
  });

  test('a call back that throws on a failed first deployment: ROLLBACK_COMPLETE', async () => {
    const runs = new RunLog();
    const stack = harness.stack(synth((stack) => {
      bucket(stack);
      const migrate = undoer(stack, 'Migrate', runs, { undoOnRollback: true, parameters: { onRollback: { fail: 'the down step failed' } } });
      undoer(stack, 'Smoke', runs, { runAfter: [migrate], parameters: { fail: 'smoke test failed' } });
    }, 'UndoCreateFails'));

    const created = await stack.create();

    expectCleanRollback(created, 'ROLLBACK_COMPLETE');
    expect(calls(runs)).toEqual(['Migrate Create', 'Smoke Create', 'Migrate Delete rollback']);
  });
});

describe('only a run this deployment made is called back', () => {
  test('not when the run policy skipped it in the failed update', async () => {
    const runs = new RunLog();
    const version = migrateAndSmoke(runs, 'UndoSkipped', () => ({ runPolicy: RunPolicy.ONCE }));
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');

    const updated = await stack.update(version(2));

    expectCleanRollback(updated, 'UPDATE_ROLLBACK_COMPLETE');
    // Migrate's parameters changed, so CloudFormation sent it an Update, which "once" did not run.
    expect(updated.exchangesOf('Migrate', 'Update').map((e) => e.stackStatus)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS']);
    expect(calls(runs)).toEqual(['Migrate Create', 'Smoke Create', 'Smoke Update']);
  });

  test('not when its own run failed: it left nothing to undo', async () => {
    const runs = new RunLog();
    const version = (n: number) => synth((stack) => {
      bucket(stack);
      undoer(stack, 'Migrate', runs, { undoOnRollback: true, parameters: n === 2 ? { to: 2, fail: 'migration 2 failed' } : { to: n } });
    }, 'UndoOwnFailure');
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');

    const updated = await stack.update(version(2));

    expectCleanRollback(updated, 'UPDATE_ROLLBACK_COMPLETE');
    expect(updated.failure?.logicalId).toBe('Migrate');
    expect(calls(runs)).toEqual(['Migrate Create', 'Migrate Update']);
    expect(runtimeLog()).toMatch(/Deployment script Migrate is not called back: the run being rolled back was not made by this deployment/);
  });

  test('not a script that did not ask', async () => {
    const runs = new RunLog();
    const version = migrateAndSmoke(runs, 'UndoNotAsked', () => ({ undoOnRollback: false }));
    const stack = harness.stack(version(1));
    expect((await stack.create()).status).toBe('CREATE_COMPLETE');
    expectCleanRollback(await stack.update(version(2)), 'UPDATE_ROLLBACK_COMPLETE');
    expect(calls(runs)).toEqual(['Migrate Create', 'Smoke Create', 'Migrate Update', 'Smoke Update']);
  });
});

test('ordered scripts are undone in reverse order: seed before migrate, on update and on a first deployment', async () => {
  const runs = new RunLog();
  const version = (n: number, name = 'UndoOrder') => synth((stack) => {
    bucket(stack);
    // Declared in the wrong order on purpose: only runAfter orders them.
    const seed = undoer(stack, 'Seed', runs, { undoOnRollback: true, parameters: { rows: n } });
    const migrate = undoer(stack, 'Migrate', runs, { undoOnRollback: true, parameters: { to: n } });
    seed.runAfter(migrate);
    undoer(stack, 'Smoke', runs, { runAfter: [seed], parameters: n !== 2 ? { version: n } : { fail: 'smoke test failed' } });
  }, name);
  const stack = harness.stack(version(1));
  expect((await stack.create()).status).toBe('CREATE_COMPLETE');

  const updated = await stack.update(version(2));

  expectCleanRollback(updated, 'UPDATE_ROLLBACK_COMPLETE');
  expect(calls(runs)).toEqual([
    'Migrate Create', 'Seed Create', 'Smoke Create',
    'Migrate Update', 'Seed Update', 'Smoke Update',
    'Seed Update rollback', 'Migrate Update rollback',
  ]);
  await stack.delete();

  const failedCreate = harness.stack(version(2, 'UndoOrderCreate'));
  expectCleanRollback(await failedCreate.create(), 'ROLLBACK_COMPLETE');
  expect(calls(runs).slice(8)).toEqual(['Migrate Create', 'Seed Create', 'Smoke Create', 'Seed Delete rollback', 'Migrate Delete rollback']);
});
