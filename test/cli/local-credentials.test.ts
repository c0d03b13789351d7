/**
 * `run --local` of scripts connected to a database with credentials read at run time: in Lambda the library's shim
 * reads the database secret and calls the script's handler; locally the script's own handler runs with the
 * connection string the user gives (no SDK demanded for the shim, no secret read), unless the secret's ARN is given.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { DeploymentScript, ScriptTrigger } from '../../lib';
import { ECHO_SCRIPT } from '../support/template';
import { ensureBin, runCli } from './support';

let dir: string;
let app: string;

beforeAll(() => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-local-db-'));
  app = join(dir, 'cdk.out');
  const cdkApp = new App({ outdir: app });
  const stack = new Stack(cdkApp, 'DbStack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const db = new rds.DatabaseInstance(stack, 'Db', { engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc });
  new DeploymentScript(stack, 'migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: [db] });
  mkdirSync(join(dir, 'py'));
  writeFileSync(join(dir, 'py', 'check.py'), 'import os\ndef handler(event, context):\n    return {"url": os.environ.get("STP_DB_CONNECTION_STRING")}\n');
  new DeploymentScript(stack, 'check', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: join(dir, 'py', 'check.py'), connectTo: [db] });
  cdkApp.synth();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const local = (...args: string[]) => runCli(['run', '--local', '--app', app, '--region', 'eu-west-1', ...args], { cwd: dir });
const NOTE = '(in Lambda, the database credentials are read from STP_DB_SECRET_ARN when the script runs; here its connection strings are used ' +
  'as you give them (with --env, user and password in them). To read the secret instead, give --env STP_DB_SECRET_ARN=….)\n';

test('the template\'s handler is the shim; list --local shows the script\'s own', async () => {
  const { code, stdout } = await runCli(['list', '--local', '--app', app, '--json']);
  expect(code).toBe(0);
  expect(JSON.parse(stdout).scripts.map((s: any) => [s.id, s.handler])).toEqual([['migrate', 'index.handler'], ['check', 'check.handler']]);
});

test('a Node.js script with one --env: its own handler runs with the connection string given, and a note says why', async () => {
  const { code, stdout, stderr } = await local('--script', 'migrate', '--env', 'STP_DB_CONNECTION_STRING=postgresql://me:pw@localhost:5432/dev');
  expect(stderr).toContain(NOTE);
  expect(stderr).toContain('Running script migrate of DbStack locally (nodejs');
  expect(stderr).toMatch(/, index\.handler, timeout/);
  expect(stderr).not.toContain('client-secrets-manager');
  expect(code).toBe(0);
  expect(JSON.parse(stdout).context).toContain('"requestType":"Manual"');
});

test('with the secret\'s ARN given, the shim runs, and it needs the SDK the app must then have', async () => {
  const { code, stderr } = await local('--script', 'migrate', '--env', 'STP_DB_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf');
  expect(stderr).not.toContain('(in Lambda, the database credentials');
  expect(code).toBe(3);
  expect(stderr).toContain('uses @aws-sdk/client-secrets-manager, which Lambda provides and its bundle leaves out');
});

test('a Python script: its own handler runs, with the note', async () => {
  const { code, stdout, stderr } = await local('--script', 'check', '--env', 'STP_DB_CONNECTION_STRING=postgresql://me:pw@localhost/dev');
  expect(stderr).toContain(NOTE);
  expect(stderr).toMatch(/Running script check of DbStack locally \(python3\.\d+, check\.handler,/);
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual({ url: 'postgresql://me:pw@localhost/dev' });
});
