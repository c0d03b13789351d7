/**
 * The lifecycle table (docs/DESIGN.md#lifecycle), played end to end: CloudFormation's requests (from the harness) go
 * to aws-cdk-lib's Provider framework as shipped, which invokes the bundled runtime, which invokes the script;
 * each run of a script is recorded in a file by the script itself.
 *
 * | CloudFormation sends | stack status                                    | AFTER_DEPLOY | BEFORE_DELETE |
 * |----------------------|-------------------------------------------------|--------------|---------------|
 * | Create               | CREATE_IN_PROGRESS                              | run          | nothing       |
 * | Update               | UPDATE_IN_PROGRESS                              | run          | nothing       |
 * | Update               | UPDATE_ROLLBACK_IN_PROGRESS                     | nothing      | nothing       |
 * | Delete               | DELETE_IN_PROGRESS                              | nothing      | run           |
 * | Delete               | UPDATE_COMPLETE_CLEANUP_IN_PROGRESS             | nothing      | nothing       |
 * | Delete               | ROLLBACK_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS | nothing | nothing |
 */
import { appendFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScriptTrigger } from '../../lib';
import type { CustomResourceExchange, Harness, OperationResult } from './harness';
import { RECORDER_DIR, recorder, RunLog, startHarness, synth, tempDir } from './support';

jest.setTimeout(120_000);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
}, 15 * 60_000); // another e2e file may hold port 443 until it ends
afterAll(async () => {
  // The presigned ResponseURL lets anyone answer for the resource: no function may log it.
  for (const invocation of harness?.lambda.invocations ?? []) expect(invocation.log).not.toContain('X-Amz-Signature');
  await harness?.close();
});

const AFTER = ScriptTrigger.AFTER_DEPLOY;
const BEFORE = ScriptTrigger.BEFORE_DELETE;

/** `logicalId requestType @status -> answer` for each request of an operation. */
function requests(result: OperationResult): string[] {
  return result.exchanges.map(describe);
}

function describe(e: CustomResourceExchange): string {
  return `${e.logicalId} ${e.requestType} @${e.stackStatus} -> ${e.response?.Status ?? e.problem}`;
}

function bucket(stack: Stack, versioned = false): s3.Bucket {
  return new s3.Bucket(stack, 'Data', { versioned, removalPolicy: RemovalPolicy.DESTROY });
}

test('create, update, no-change deployment and deletion: each trigger runs only where the table says', async () => {
  const runs = new RunLog();
  const version = (n: number) => synth((stack) => {
    bucket(stack, n > 1);
    recorder(stack, 'Deploy', runs, { trigger: AFTER });
    recorder(stack, 'Cleanup', runs, { trigger: BEFORE, parameters: { version: Math.min(n, 2) } });
  }, 'Lifecycle');
  const stack = harness.stack(version(1));

  const created = await stack.create();
  expect(created.status).toBe('CREATE_COMPLETE');
  expect(requests(created).sort()).toEqual([
    'Cleanup Create @CREATE_IN_PROGRESS -> SUCCESS',
    'Deploy Create @CREATE_IN_PROGRESS -> SUCCESS',
  ]);
  expect(runs.summary()).toEqual(['Deploy Create']);
  // After everything: the script's resource is created after every other resource of the stack but the
  // library's own (its function, role and provider).
  const createdOrder = created.events.filter((e) => e.status === 'CREATE_COMPLETE').map((e) => e.logicalId);
  expect(createdOrder.indexOf('Deploy')).toBeGreaterThan(createdOrder.findIndex((id) => id.startsWith('Data')));

  const updated = await stack.update(version(2));
  expect(updated.status).toBe('UPDATE_COMPLETE');
  expect(requests(updated).sort()).toEqual([
    'Cleanup Update @UPDATE_IN_PROGRESS -> SUCCESS',
    'Deploy Update @UPDATE_IN_PROGRESS -> SUCCESS',
  ]);
  expect(updated.exchangesOf('Cleanup')[0].request.OldResourceProperties.Parameters).toBe('{"version":1}');
  expect(runs.summary()).toEqual(['Deploy Create', 'Deploy Update']);

  // The same template again: CloudFormation has nothing to do, and no script runs.
  const unchanged = await stack.update(version(3));
  expect(unchanged.status).toBe('UPDATE_COMPLETE');
  expect(requests(unchanged)).toEqual([]);
  expect(runs.summary()).toEqual(['Deploy Create', 'Deploy Update']);

  const deleted = await stack.delete();
  expect(deleted.status).toBe('DELETE_COMPLETE');
  expect(requests(deleted).sort()).toEqual([
    'Cleanup Delete @DELETE_IN_PROGRESS -> SUCCESS',
    'Deploy Delete @DELETE_IN_PROGRESS -> SUCCESS',
  ]);
  expect(runs.summary()).toEqual(['Deploy Create', 'Deploy Update', 'Cleanup Delete']);
  // The BEFORE_DELETE script ran while what it needs still existed: its resource went first.
  const deletedOrder = deleted.events.filter((e) => e.status === 'DELETE_COMPLETE').map((e) => e.logicalId);
  expect(deletedOrder.indexOf('Cleanup')).toBeLessThan(deletedOrder.findIndex((id) => id.startsWith('Data')));
  expect(runs.runs().at(-1)!.context).toMatchObject({ trigger: 'before:delete', requestType: 'Delete', stackName: 'Lifecycle', logicalResourceId: 'Cleanup' });
});

test('a failed update rolls back without running any script again', async () => {
  const runs = new RunLog();
  const version = (n: number) => synth((stack) => {
    bucket(stack, n === 3);
    // Declared first, so that the update reaches them before Second fails (CloudFormation would work on the
    // scripts in parallel; the harness takes the template's order).
    recorder(stack, 'Cleanup', runs, { trigger: BEFORE, parameters: { version: n } });
    if (n === 2) recorder(stack, 'Added', runs, { trigger: BEFORE });
    const first = recorder(stack, 'First', runs, { trigger: AFTER, parameters: { result: { version: `v${n}` } } });
    recorder(stack, 'Second', runs, {
      trigger: AFTER,
      runAfter: [first],
      parameters: n === 2 ? { fail: 'migration 2 failed' } : {},
    });
  }, 'Rollback');
  const stack = harness.stack(version(1));
  expect((await stack.create()).status).toBe('CREATE_COMPLETE');
  expect(runs.summary()).toEqual(['First Create', 'Second Create']);

  const updated = await stack.update(version(2));

  expect(updated.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(updated.failure?.logicalId).toBe('Second');
  expect(updated.failure?.reason).toContain('Error: migration 2 failed');
  // The update ran First (v2) and Second, which failed; the rollback ran nothing.
  expect(runs.summary()).toEqual(['First Create', 'Second Create', 'First Update', 'Second Update']);
  const rollback = updated.exchanges.filter((e) => e.stackStatus.startsWith('UPDATE_ROLLBACK'));
  expect(rollback.map(describe).sort()).toEqual([
    'Added Delete @UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS -> SUCCESS',
    'Cleanup Update @UPDATE_ROLLBACK_IN_PROGRESS -> SUCCESS',
    'First Update @UPDATE_ROLLBACK_IN_PROGRESS -> SUCCESS',
    'Second Update @UPDATE_ROLLBACK_IN_PROGRESS -> SUCCESS',
  ]);
  // The rollback sends the old properties as the new ones: running them would repeat the previous version.
  const secondRollback = rollback.find((e) => e.logicalId === 'Second')!;
  expect(JSON.parse(secondRollback.request.ResourceProperties.Parameters)).toEqual({});
  expect(JSON.parse(secondRollback.request.OldResourceProperties.Parameters)).toEqual({ fail: 'migration 2 failed' });
  // First still has its attributes after the rollback: the skipped run did not lose them.
  expect(stack.attribute('First', 'version')).toMatch(/^v[12]$/);

  // Deploying v1 again changes nothing (the stack is back to it): nothing runs. The next version, which
  // changes the stack, runs both.
  expect(requests(await stack.update(version(1)))).toEqual([]);
  const fixed = await stack.update(version(3));
  expect(fixed.status).toBe('UPDATE_COMPLETE');
  expect(runs.summary().slice(4)).toEqual(['First Update', 'Second Update']);
});

test('scripts removed from the template are deleted without running', async () => {
  const runs = new RunLog();
  const version = (n: number) => synth((stack) => {
    bucket(stack);
    recorder(stack, 'Kept', runs, { trigger: AFTER });
    if (n === 1) {
      recorder(stack, 'Deploy', runs, { trigger: AFTER });
      recorder(stack, 'Cleanup', runs, { trigger: BEFORE });
    }
  }, 'Removal');
  const stack = harness.stack(version(1));
  expect((await stack.create()).status).toBe('CREATE_COMPLETE');

  const updated = await stack.update(version(2));

  expect(updated.status).toBe('UPDATE_COMPLETE');
  expect(requests(updated).sort()).toEqual([
    'Cleanup Delete @UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> SUCCESS',
    'Deploy Delete @UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> SUCCESS',
    'Kept Update @UPDATE_IN_PROGRESS -> SUCCESS',
  ]);
  expect(runs.summary().sort()).toEqual(['Deploy Create', 'Kept Create', 'Kept Update']);
  await stack.delete();
});

test('a failed create rolls back without running any script, BEFORE_DELETE included', async () => {
  const runs = new RunLog();
  const stack = harness.stack(synth((stack) => {
    bucket(stack);
    recorder(stack, 'Cleanup', runs, { trigger: BEFORE });
    const setup = recorder(stack, 'Setup', runs, { trigger: AFTER });
    recorder(stack, 'Broken', runs, { trigger: AFTER, runAfter: [setup], parameters: { fail: 'cannot seed' } });
  }, 'FailedCreate'));

  const created = await stack.create();

  expect(created.status).toBe('ROLLBACK_COMPLETE');
  expect(created.failure?.logicalId).toBe('Broken');
  expect(requests(created)).toEqual([
    'Cleanup Create @CREATE_IN_PROGRESS -> SUCCESS',
    'Setup Create @CREATE_IN_PROGRESS -> SUCCESS',
    'Broken Create @CREATE_IN_PROGRESS -> FAILED',
    'Broken Delete @ROLLBACK_IN_PROGRESS -> SUCCESS',
    'Setup Delete @ROLLBACK_IN_PROGRESS -> SUCCESS',
    'Cleanup Delete @ROLLBACK_IN_PROGRESS -> SUCCESS',
  ]);
  expect(runs.summary()).toEqual(['Setup Create', 'Broken Create']);
  // The failed create's Delete is the framework's to ignore: it never reaches the runtime.
  const brokenDelete = created.exchangesOf('Broken', 'Delete')[0];
  expect(brokenDelete.request.PhysicalResourceId).toBe('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED');
});

test('a failing BEFORE_DELETE script is logged and the deletion goes on', async () => {
  const runs = new RunLog();
  const stack = harness.stack(synth((stack) => {
    bucket(stack);
    recorder(stack, 'Cleanup', runs, { trigger: BEFORE, parameters: { fail: 'the third party is down' } });
  }, 'FailingCleanup'));
  expect((await stack.create()).status).toBe('CREATE_COMPLETE');

  const deleted = await stack.delete();

  expect(deleted.status).toBe('DELETE_COMPLETE');
  expect(runs.summary()).toEqual(['Cleanup Delete']);
  expect(requests(deleted)).toEqual(['Cleanup Delete @DELETE_IN_PROGRESS -> SUCCESS']);
  const runtimeLog = harness.lambda.invocations.filter((i) => i.logicalId?.startsWith('DeploymentScriptProviderRuntime')).at(-1)!.log;
  expect(runtimeLog).toContain('the third party is down');
  expect(runtimeLog).toContain('this failure does not stop the deletion');
});

test('ordered scripts run in order, and BEFORE_DELETE ones in reverse order on deletion', async () => {
  const runs = new RunLog();
  const stack = harness.stack(synth((stack) => {
    bucket(stack);
    // Declared in the wrong order on purpose: only runAfter orders them.
    const seed = recorder(stack, 'Seed', runs, { trigger: AFTER });
    const migrate = recorder(stack, 'Migrate', runs, { trigger: AFTER });
    seed.runAfter(migrate);
    const dropTables = recorder(stack, 'DropTables', runs, { trigger: BEFORE });
    const exportData = recorder(stack, 'ExportData', runs, { trigger: BEFORE });
    // On deletion the order is reversed: DropTables runs after ExportData, so it is declared to run before it.
    exportData.runAfter(dropTables);
  }, 'Ordering'));

  expect((await stack.create()).status).toBe('CREATE_COMPLETE');
  expect(runs.summary()).toEqual(['Migrate Create', 'Seed Create']);

  expect((await stack.delete()).status).toBe('DELETE_COMPLETE');
  expect(runs.summary().slice(2)).toEqual(['ExportData Delete', 'DropTables Delete']);
});

test('a new version of a script\'s code runs it again (a new migration ships), the same code does not', async () => {
  const runs = new RunLog();
  const codeV1 = RECORDER_DIR;
  const codeV2 = tempDir('recorder-v2-');
  cpSync(RECORDER_DIR, codeV2, { recursive: true });
  appendFileSync(join(codeV2, 'index.js'), '// version 2: a new migration\n');
  const version = (code: string) => synth((stack) => {
    bucket(stack);
    recorder(stack, 'Migrate', runs, { trigger: AFTER, code: lambda.Code.fromAsset(code) });
  }, 'NewCode');
  const stack = harness.stack(version(codeV1));
  expect((await stack.create()).status).toBe('CREATE_COMPLETE');

  expect(requests(await stack.update(version(codeV1)))).toEqual([]);
  const updated = await stack.update(version(codeV2));

  expect(updated.status).toBe('UPDATE_COMPLETE');
  expect(requests(updated)).toEqual(['Migrate Update @UPDATE_IN_PROGRESS -> SUCCESS']);
  expect(runs.summary()).toEqual(['Migrate Create', 'Migrate Update']);
  await stack.delete();
});
