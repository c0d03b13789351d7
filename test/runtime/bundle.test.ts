/**
 * Both runtimes as they ship: bundled as scripts/bundle-runtime.mjs bundles them (CommonJS, minified, the AWS SDK
 * left to the Lambda runtime), loaded by a separate Node process as Lambda would load them, with the handler names
 * the providers' functions use (`index.handler`; `index.onEvent`, `index.isComplete`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { cfnEvent, RESPONSE_URL_SECRET, RUNTIME_ENV, SCRIPT_FUNCTION, STACK_ID } from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';
import { STREAM_PREFIX, taskEvent } from '../support/task-events';

const ROOT = join(__dirname, '../..');
const fake = FakeAws.forTestFile();

const PRINT = `.then((r) => console.log('RESULT ' + JSON.stringify(r)), (e) => console.log('ERROR ' + JSON.stringify({ message: e.message, stack: e.stack })));`;

/** Each runtime's bundle, and what differs between their rows. */
const KINDS = {
  script: {
    entry: 'script',
    /**
     * Under 21 KB, read as 21,000 bytes: room for the trust check, the status allow-list, redaction, retries and the
     * call back of a run whose deployment rolls back.
     */
    maxBytes: 21_000,
    sdk: ['@aws-sdk/client-cloudformation', '@aws-sdk/client-lambda', '@aws-sdk/client-ssm'],
    requiredOnce: ['@aws-sdk/client-cloudformation', '@aws-sdk/client-lambda', '@aws-sdk/client-ssm'],
    run: `
const { handler } = require(process.argv[1]);
handler(JSON.parse(process.argv[2]), { getRemainingTimeInMillis: () => 890000 })${PRINT}`,
    event: cfnEvent,
    succeeds: () => fake.setScript(SCRIPT_FUNCTION, outcome.returns({ version: 42 })),
    result: /^RESULT \{"PhysicalResourceId":"Migrate","Data":\{"version":"42"\}\}$/m,
    ran: () => expect(fake.invocations.at(-1)?.payload.toString()).toBe('{"n":1}'),
    fails: () => fake.setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'boom')),
    failure: /^Deployment script Migrate failed: Error: boom\n/,
    stack: 'Error: Deployment script Migrate failed: Error: boom',
  },
  task: {
    entry: 'task',
    /**
     * Under 28 KB, read as 28,000 bytes: room for the result, read from the log's result line and kept in SSM (a secret
     * one kept out of the waiter's input), for retries, whose attempts isComplete finds again at each poll, and for
     * undo on rollback (the run's marker and the task that undoes it). Then 28,050: an attempt 1 that ECS refuses for a
     * passing reason (no capacity, throttling) is a failed attempt of a task that takes retries, and a later attempt is
     * asked for only while it can still run to its timeout (about 390 bytes, past the 28,000 by 16).
     */
    maxBytes: 28_050,
    sdk: ['@aws-sdk/client-cloudformation', '@aws-sdk/client-cloudwatch-logs', '@aws-sdk/client-ecs', '@aws-sdk/client-ssm'],
    // Not each required once: some SDK packages are required more than once in this bundle.
    requiredOnce: [],
    // onEvent, then isComplete until complete: what the Provider framework does, with real time (the fake task stops
    // at its second poll).
    run: `
const { onEvent, isComplete } = require(process.argv[1]);
(async () => {
  const event = JSON.parse(process.argv[2]);
  const started = await onEvent(event);
  for (let i = 0; i < 10; i++) {
    const answer = await isComplete({ ...event, ...started });
    if (answer.IsComplete) return started;
  }
  throw new Error('never completed');
})()${PRINT}`,
    event: taskEvent,
    succeeds: () => fake.ecs.plan({ runningPolls: 1, stop: { exitCode: 0 } }),
    result: /RESULT \{"PhysicalResourceId":"Migrate","DeploymentTaskRun":\{"taskArn":"arn:aws:ecs:/,
    ran: () => expect(fake.ecs.callsOf('RunTask')).toHaveLength(1),
    fails: () => fake.ecs.plan({ runningPolls: 1, stop: { exitCode: 2 }, log: ['boom'] }),
    failure: /^Deployment task Migrate failed: the command exited with code 2\.\nLast log lines:\nboom\nFull log: /,
    stack: 'Error: Deployment task Migrate failed: the command exited with code 2.',
  },
};
type Kind = keyof typeof KINDS;

const dir = mkdtempSync(join(tmpdir(), 'runtime-bundle-'));
const bundleOf = (kind: Kind) => join(dir, kind, 'index.js');

beforeAll(async () => {
  // The same options as scripts/bundle-runtime.mjs, written elsewhere so that tests never touch assets/.
  await Promise.all(Object.entries(KINDS).map(([kind, { entry }]) => build({
    entryPoints: [join(ROOT, 'lambda-runtime', entry, 'index.ts')],
    outfile: bundleOf(kind as Kind),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    legalComments: 'none',
    logLevel: 'warning',
  })));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.ecs.streamPrefix('*', STREAM_PREFIX);
});

async function runBundled(kind: Kind, event: unknown): Promise<{ stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), NODE_NO_WARNINGS: '1', ...fake.env(), ...RUNTIME_ENV };
  return promisify(execFile)(process.execPath, ['-e', KINDS[kind].run, bundleOf(kind), JSON.stringify(event)], { env });
}

describe.each(Object.keys(KINDS) as Kind[])('the %s runtime, bundled', (kind) => {
  const k = KINDS[kind];

  test('is small and leaves the AWS SDK to the Lambda runtime', () => {
    expect(statSync(bundleOf(kind)).size).toBeLessThan(k.maxBytes);
    const code = readFileSync(bundleOf(kind), 'utf8');
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith('node:'));
    expect([...new Set(required)].sort()).toEqual(k.sdk);
    for (const sdk of k.requiredOnce) {
      expect(code.split(`require("${sdk}")`)).toHaveLength(2);
    }
  });

  test('runs and answers CloudFormation', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    k.succeeds();
    const { stdout } = await runBundled(kind, k.event('Create', { parameters: '{"n":1}' }));
    expect(stdout).toMatch(k.result);
    k.ran();
    expect(stdout).not.toContain(RESPONSE_URL_SECRET);
  });

  test('fails with a one-line stack', async () => {
    fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
    k.fails();
    const { stdout } = await runBundled(kind, k.event('Create'));
    const error = JSON.parse(stdout.split('ERROR ')[1]);
    expect(error.message).toMatch(k.failure);
    expect(error.stack).toBe(k.stack);
  });
});

test('the script runtime, bundled, keeps the attributes through the rollback of a failed update', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ userId: 'u-1' }));
  expect((await runBundled('script', cfnEvent('Create'))).stdout).toContain('RESULT {"PhysicalResourceId":"Migrate","Data":{"userId":"u-1"}}');
  expect(fake.parameter('/cdk-deployment-script/my-stack/Migrate')?.value).toBe('{"v":1,"data":{"userId":"u-1"},"parameters":"{}"}');

  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  const { stdout } = await runBundled('script', cfnEvent('Update'));
  expect(stdout).toContain('RESULT {"PhysicalResourceId":"Migrate","Data":{"userId":"u-1"}}');
  expect(fake.invocations).toHaveLength(1);

  fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
  expect((await runBundled('script', cfnEvent('Delete'))).stdout).toContain('RESULT {"PhysicalResourceId":"Migrate"}');
  expect(fake.parameterNames()).toEqual([]);
});
