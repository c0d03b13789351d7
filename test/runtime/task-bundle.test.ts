/**
 * The task runtime as it ships: bundled as scripts/bundle-runtime.mjs bundles it (CommonJS, minified, the AWS SDK
 * left to the Lambda runtime), loaded by a separate Node process as Lambda would load it, with the handler names the
 * provider's functions use (`index.onEvent`, `index.isComplete`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { RESPONSE_URL_SECRET, STACK_ID } from '../support/events';
import { FakeAws } from '../support/fake-aws';
import { STREAM_PREFIX, taskEvent } from '../support/task-events';

const ROOT = join(__dirname, '../..');
let dir: string;
let bundle: string;
let fake: FakeAws;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'task-runtime-bundle-'));
  bundle = join(dir, 'index.js');
  // The same options as scripts/bundle-runtime.mjs, written elsewhere so that tests never touch assets/.
  await build({
    entryPoints: [join(ROOT, 'lambda-runtime', 'task', 'index.ts')],
    outfile: bundle,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  fake = await FakeAws.start();
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

// onEvent, then isComplete until complete: what the Provider framework does, with real time (the fake task stops at
// its second poll).
const RUN = `
const { onEvent, isComplete } = require(process.argv[1]);
(async () => {
  const event = JSON.parse(process.argv[2]);
  const started = await onEvent(event);
  for (let i = 0; i < 10; i++) {
    const answer = await isComplete({ ...event, ...started });
    if (answer.IsComplete) return started;
  }
  throw new Error('never completed');
})().then((r) => console.log('RESULT ' + JSON.stringify(r)), (e) => console.log('ERROR ' + JSON.stringify({ message: e.message, stack: e.stack })));
`;

async function runBundled(event: unknown): Promise<{ stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), NODE_NO_WARNINGS: '1', ...fake.env() };
  return promisify(execFile)(process.execPath, ['-e', RUN, bundle, JSON.stringify(event)], { env });
}

beforeEach(() => {
  fake.reset();
  fake.ecs.streamPrefix('*', STREAM_PREFIX);
});

test('is small and leaves the AWS SDK to the Lambda runtime', () => {
  expect(statSync(bundle).size).toBeLessThan(15 * 1024);
  const code = readFileSync(bundle, 'utf8');
  const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith('node:'));
  expect([...new Set(required)].sort()).toEqual(['@aws-sdk/client-cloudformation', '@aws-sdk/client-cloudwatch-logs', '@aws-sdk/client-ecs']);
});

test('runs a task to success', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  fake.ecs.plan({ runningPolls: 1, stop: { exitCode: 0 } });
  const { stdout } = await runBundled(taskEvent('Create', { parameters: '{"n":1}' }));
  expect(stdout).toMatch(/RESULT \{"PhysicalResourceId":"Migrate","DeploymentTaskRun":\{"taskArn":"arn:aws:ecs:/);
  expect(fake.ecs.callsOf('RunTask')).toHaveLength(1);
  expect(stdout).not.toContain(RESPONSE_URL_SECRET);
});

test('fails with a one-line stack and the task\'s log', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS');
  fake.ecs.plan({ runningPolls: 1, stop: { exitCode: 2 }, log: ['boom'] });
  const { stdout } = await runBundled(taskEvent('Create'));
  const error = JSON.parse(stdout.split('ERROR ')[1]);
  expect(error.message).toMatch(/^Deployment task Migrate failed: the command exited with code 2\.\nLast log lines:\nboom\nFull log: /);
  expect(error.stack).toBe('Error: Deployment task Migrate failed: the command exited with code 2.');
});
