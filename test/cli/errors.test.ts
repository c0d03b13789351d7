/**
 * What goes wrong with a deployed stack, and what the command line says about it: one clear line on stderr, a
 * non-zero exit code (3: the command could not do its work), and never the SDK's long retries.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAws, outcome } from '../support/fake-aws';
import { DeployedApp, ensureBin, runCli, STACK_NAME, synthApp } from './support';

let fake: FakeAws;
let app: DeployedApp;
let outdir: string;

beforeAll(async () => {
  ensureBin();
  outdir = mkdtempSync(join(tmpdir(), 'cli-errors-'));
  const { template } = synthApp(outdir);
  fake = await FakeAws.start();
  app = new DeployedApp(fake, template);
});
afterAll(async () => {
  await fake.close();
  rmSync(outdir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

const run = (script: string, env: Record<string, string | undefined> = {}, ...args: string[]) =>
  runCli(['run', '--stack', STACK_NAME, '--script', script, ...args], { env: { ...fake.env(), ...env } });

/** Asserts a last line `error: …` on stderr (`message` matches from `error:` on), nothing on stdout, and exit code 3. */
function expectError(result: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.stdout).toBe('');
  const error = result.stderr.slice(result.stderr.search(/(^|\n)error: /)).replace(/^\n/, '');
  expect(error).toMatch(/^error: [^\n]+\n$/);
  expect(error).toMatch(message);
  expect(result.code).toBe(3);
}

test('an unknown stack: CloudFormation\'s ValidationError, said plainly with the region', async () => {
  const result = await runCli(['list', '--stack', 'nope'], { env: fake.env() });
  expectError(result, /^error: stack nope does not exist in us-east-1: check --stack, and --region and --profile \(the stack's region and account\)\.\n$/);
  expect(fake.describeStacksCalls).toEqual([{ stackName: 'nope', version: '2010-05-15' }]);
});

test('an unknown script: the scripts there are', async () => {
  app.deploy();
  expectError(await run('migrat'), /^error: no deployment script named 'migrat' in stack CliStack\. Its scripts: migrate, check, Api\/seed \(Apiseed[0-9A-F]{8}\), fail, slow\.\n$/);
});

test('no credentials at all', async () => {
  const result = await run('migrate', { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
  expectError(result, /^error: no AWS credentials: set AWS_PROFILE or pass --profile, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or sign in \(aws sso login, aws configure\)\. The SDK said: /);
  expect(result.ms).toBeLessThan(10_000);
  expect(fake.requests).toHaveLength(0);
});

test('a profile that does not exist', async () => {
  const result = await run('migrate', { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, '--profile', 'nosuch');
  expectError(result, /^error: no AWS credentials: profile nosuch is not in \S+ nor in \S+\. Check --profile \(or AWS_PROFILE\), or create it/);
});

test('a profile without usable credentials', async () => {
  const config = join(outdir, 'aws-config');
  writeFileSync(config, '[profile dev]\nregion = us-east-1\n');
  const result = await run('migrate', { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_CONFIG_FILE: config }, '--profile', 'dev');
  expectError(result, /^error: no AWS credentials for profile dev: set AWS_PROFILE or pass --profile, .* The SDK said: /);
});

test('no region', async () => {
  const result = await run('migrate', { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined });
  expectError(result, /^error: no AWS region: pass --region, set AWS_REGION, or give your profile a region/);
});

test('credentials AWS rejects', async () => {
  fake.failDescribeStacks({ status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' });
  expectError(await run('migrate'), /^error: AWS rejected your credentials \(InvalidClientTokenId: The security token included in the request is invalid\.\)\. They may have expired/);
});

describe('a script not deployed yet', () => {
  test('its resource is being created', async () => {
    app.record('migrate').deploy({ stackStatus: 'CREATE_IN_PROGRESS', overrides: { migrate: { status: 'CREATE_IN_PROGRESS', physicalId: undefined } } });
    expectError(await run('migrate'), /^error: script migrate is not deployed yet: its resource migrate is CREATE_IN_PROGRESS \(stack CliStack is CREATE_IN_PROGRESS\)\. Run it once its deployment has succeeded\.\n$/);
    expect(fake.invocations).toHaveLength(0);
  });

  test('its function is missing from the stack', async () => {
    app.record('migrate').deploy({ overrides: { [app.functionOf('migrate')]: null } });
    expectError(await run('migrate'), /^error: script migrate is not deployed yet: its function migrateFunction[0-9A-F]{8} is missing from the stack/);
  });

  test('its function was deleted outside CloudFormation', async () => {
    app.deploy().record('migrate'); // no setScript: Lambda answers ResourceNotFoundException
    expectError(await run('migrate'), /^error: the function of script migrate, \S+, does not exist \(deleted outside CloudFormation\?\): deploy the stack again\. Lambda said: Function not found/);
  });

  test('the stack is being updated: wait, rather than race the deployment', async () => {
    app.deploy({ stackStatus: 'UPDATE_IN_PROGRESS' }).record('migrate');
    expectError(await run('migrate'), /^error: stack CliStack is UPDATE_IN_PROGRESS: run the script once that is done/);
    expect(fake.invocations).toHaveLength(0);
  });
});

describe('access denied names the action', () => {
  test('cloudformation:ListStackResources', async () => {
    app.deploy();
    fake.failCloudFormation('ListStackResources', { status: 403, code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: cloudformation:ListStackResources' });
    expectError(await runCli(['list', '--stack', STACK_NAME], { env: fake.env() }),
      /^error: access denied: your AWS identity may not cloudformation:ListStackResources on stack CliStack in us-east-1\. Grant it, or use another --profile\. AWS said: User: .* is not authorized/);
  });

  test('cloudformation:GetTemplate', async () => {
    app.deploy();
    fake.failCloudFormation('GetTemplate', { status: 403, code: 'AccessDenied', message: 'not authorized to perform: cloudformation:GetTemplate' });
    expectError(await run('migrate'), /may not cloudformation:GetTemplate on stack CliStack/);
  });

  test('ssm:GetParameter, on the record', async () => {
    app.deploy().record('migrate');
    fake.failSsm('GetParameter', { code: 'AccessDeniedException', message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ssm:GetParameter' });
    expectError(await run('migrate'), /^error: access denied: your AWS identity may not ssm:GetParameter on parameter \/cdk-deployment-script\/CliStack\/migrate in us-east-1\./);
  });

  test('lambda:InvokeFunction, once: a script is never invoked twice', async () => {
    app.deploy().record('migrate');
    fake.setScript(app.physicalId(app.functionOf('migrate')), outcome.accessDenied('User: arn:aws:iam::123456789012:user/dev is not authorized to perform: lambda:InvokeFunction'));
    expectError(await run('migrate'), /^error: access denied: your AWS identity may not lambda:InvokeFunction on function CliStack-migrateFunction\S+ in us-east-1\./);
    expect(fake.invocations).toHaveLength(1);
  });
});

test('a throttled or failing Invoke is not retried either', async () => {
  app.deploy().record('migrate');
  fake.setScript(app.physicalId(app.functionOf('migrate')), outcome.serviceError(500, 'ServiceException', 'internal error'));
  expectError(await run('migrate'), /^error: lambda:InvokeFunction on function \S+ failed: ServiceException: internal error \(HTTP 500\)/);
  expect(fake.invocations).toHaveLength(1);
});

test('an unreachable endpoint fails fast, naming it', async () => {
  const port = await closedPort();
  const result = await runCli(['list', '--stack', STACK_NAME], { env: { ...fake.env(), AWS_ENDPOINT_URL_CLOUDFORMATION: `http://127.0.0.1:${port}` } });
  expectError(result, new RegExp(`^error: cannot reach CloudFormation at http://127\\.0\\.0\\.1:${port} \\(us-east-1\\): connection refused \\(ECONNREFUSED\\)\\. ` +
    'Check your network connection and proxy, --region, and AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE> if you set them\\.\\n$'));
  expect(result.ms).toBeLessThan(5000);
});

test('an unreachable Lambda endpoint, after the stack was read', async () => {
  app.deploy().record('migrate');
  const port = await closedPort();
  const result = await run('migrate', { AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${port}` });
  expectError(result, new RegExp(`^error: cannot reach Lambda at http://127\\.0\\.0\\.1:${port} \\(us-east-1\\): connection refused`));
  expect(result.ms).toBeLessThan(5000);
});

test('an endpoint that accepts the connection and never answers: bounded, 2 attempts of 5 seconds', async () => {
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer((socket) => { sockets.push(socket); });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const { port } = silent.address() as { port: number };
  try {
    const result = await runCli(['list', '--stack', STACK_NAME], { env: { ...fake.env(), AWS_ENDPOINT_URL_CLOUDFORMATION: `http://127.0.0.1:${port}` } });
    expectError(result, new RegExp(`^error: cannot reach CloudFormation at http://127\\.0\\.0\\.1:${port} \\(us-east-1\\): no answer in time`));
    expect(sockets).toHaveLength(2);
    expect(result.ms).toBeGreaterThan(9000);
    expect(result.ms).toBeLessThan(15_000);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
