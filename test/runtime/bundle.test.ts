/**
 * The handler as it ships: bundled as scripts/bundle-runtime.mjs bundles it (CommonJS, minified, the AWS SDK
 * left to the Lambda runtime), loaded by a separate Node process as Lambda would load it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { cfnEvent, RESPONSE_URL_SECRET, SCRIPT_FUNCTION, STACK_ID } from '../support/events';
import { FakeAws, outcome } from '../support/fake-aws';

const ROOT = join(__dirname, '../..');
let dir: string;
let bundle: string;
let fake: FakeAws;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runtime-bundle-'));
  bundle = join(dir, 'index.js');
  // The same options as scripts/bundle-runtime.mjs, written elsewhere so that tests never touch assets/.
  await build({
    entryPoints: [join(ROOT, 'lambda-runtime', 'script', 'index.ts')],
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

const RUN = `
const { handler } = require(process.argv[1]);
handler(JSON.parse(process.argv[2]), { getRemainingTimeInMillis: () => 890000 })
  .then((r) => console.log('RESULT ' + JSON.stringify(r)), (e) => console.log('ERROR ' + JSON.stringify({ message: e.message, stack: e.stack })));
`;

async function runBundled(event: unknown): Promise<{ stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), NODE_NO_WARNINGS: '1', ...fake.env() };
  return promisify(execFile)(process.execPath, ['-e', RUN, bundle, JSON.stringify(event)], { env });
}

test('is small and leaves the AWS SDK to the Lambda runtime', () => {
  // Under 15 KB, read as 15,000 bytes.
  expect(statSync(bundle).size).toBeLessThan(15_000);
  const code = readFileSync(bundle, 'utf8');
  // Each SDK package is required once.
  for (const sdk of ['client-lambda', 'client-cloudformation', 'client-ssm']) {
    expect(code.split(`require("@aws-sdk/${sdk}")`)).toHaveLength(2);
  }
  expect(code).toContain('require("@aws-sdk/client-cloudformation")');
  expect(code).toContain('require("@aws-sdk/client-ssm")');
});

test('runs a script and returns its attributes', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ version: 42 }));
  const { stdout } = await runBundled(cfnEvent('Create', { parameters: '{"n":1}' }));
  expect(stdout).toContain('RESULT {"PhysicalResourceId":"Migrate","Data":{"version":"42"}}');
  expect(fake.invocations.at(-1)?.payload.toString()).toBe('{"n":1}');
  expect(stdout).not.toContain(RESPONSE_URL_SECRET);
});

test('keeps the attributes through the rollback of a failed update', async () => {
  fake.reset();
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.returns({ userId: 'u-1' }));
  expect((await runBundled(cfnEvent('Create'))).stdout).toContain('RESULT {"PhysicalResourceId":"Migrate","Data":{"userId":"u-1"}}');
  expect(fake.parameter('/cdk-deployment-script/my-stack/Migrate')?.value).toBe('{"v":1,"data":{"userId":"u-1"},"parameters":"{}"}');

  fake.setStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  const { stdout } = await runBundled(cfnEvent('Update'));
  expect(stdout).toContain('RESULT {"PhysicalResourceId":"Migrate","Data":{"userId":"u-1"}}');
  expect(fake.invocations).toHaveLength(1);

  fake.setStack(STACK_ID, 'DELETE_IN_PROGRESS');
  expect((await runBundled(cfnEvent('Delete'))).stdout).toContain('RESULT {"PhysicalResourceId":"Migrate"}');
  expect(fake.parameterNames()).toEqual([]);
});

test('fails with a one-line stack', async () => {
  fake.setStack(STACK_ID, 'CREATE_IN_PROGRESS').setScript(SCRIPT_FUNCTION, outcome.throws('Error', 'boom'));
  const { stdout } = await runBundled(cfnEvent('Create'));
  const error = JSON.parse(stdout.split('ERROR ')[1]);
  expect(error.message).toMatch(/^Deployment script Migrate failed: Error: boom\n/);
  expect(error.stack).toBe('Error: Deployment script Migrate failed: Error: boom');
});
