/**
 * What a new user does first, on the app of tasks-app.ts: list what the app will run, try the database script with one
 * variable, try the cleanup script (whose SDK must come from the app), see what the task would run, find `logs`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBin, runCli } from './support';
import { installS3Client, synthTasksApp } from './tasks-app';

let dir: string;
beforeAll(() => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-new-user-'));
  synthTasksApp(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(args, { cwd: dir, env: { AWS_REGION: 'eu-west-1' } });

test('list --local shows the two scripts and the task, each with its kind', async () => {
  const { code, stdout } = await cli('list', '--local');
  expect(code).toBe(0);
  const rows = stdout.trimEnd().split('\n').slice(1).map((line) => line.split(/ {2,}/).slice(1, 3));
  expect(rows).toEqual([['migrateDb', 'script'], ['cleanup', 'script'], ['Migrate', 'task']]);
  expect(stdout).toContain('public.ecr.aws/docker/library/php:8.3-cli');
});

test('run --local of the database script with a single --env: it runs, and names the variables left unset', async () => {
  const { code, stdout, stderr } = await cli('run', '--local', '--script', 'migrateDb', '--env', 'STP_DB_HOST=localhost');
  expect(stderr).toMatch(/environment variables are unset \(only known after deployment; give them with --env or --env-file, or refuse to run with --strict\):/);
  expect(stderr).toMatch(/^ {2}STP_DB_SECRET_ARN {2}← Ref DbSecretAttachment/m);
  expect(stderr).toMatch(/^ {2}STP_DB_CONNECTION_STRING {2}← text joined with Fn::GetAtt Db[A-F0-9]+\.Endpoint\.Address/m);
  expect(stderr).not.toMatch(/^ {2}STP_DB_HOST /m);
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual({ host: 'localhost', secret: null, tables: ['users'] });
});

test('--strict refuses to run while a variable is unset', async () => {
  const { code, stderr } = await cli('run', '--local', '--script', 'migrateDb', '--env', 'STP_DB_HOST=localhost', '--strict');
  expect(code).toBe(3);
  expect(stderr).toContain('error: script migrateDb of CliStack needs values that are only known after deployment:');
});

test('the cleanup script imports @aws-sdk/client-s3: the command says what to install, then runs it with the app\'s', async () => {
  const missing = await cli('run', '--local', '--script', 'cleanup');
  expect(missing.code).toBe(3);
  expect(missing.stderr).toContain('uses @aws-sdk/client-s3, which Lambda provides and its bundle leaves out, and it is not installed in the app');
  expect(missing.stderr).toContain('npm install --save-dev @aws-sdk/client-s3');

  installS3Client(dir);
  const { code, stdout, stderr } = await cli('run', '--local', '--script', 'cleanup', '--env', 'STP_DATA_NAME=my-bucket');
  expect(stderr).toContain('emptying my-bucket under tmp/');
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual({ client: 'S3Client', prefix: 'tmp/' });
});

test('run --local of the task without a container engine prints what it would run, secrets masked, and exits 4', async () => {
  const { code, stdout, stderr } = await runCli(['run', '--local', '--script', 'Migrate', '--env', 'DB_PASSWORD=hunter2',
    '--env', 'STP_DB_CONNECTION_STRING=postgresql://localhost:5432/app'],
    { cwd: dir, env: { AWS_REGION: 'eu-west-1', PATH: '/nonexistent' } });
  expect(code).toBe(4);
  expect(stderr).toContain('No container engine to run task Migrate of CliStack: neither docker nor podman is on PATH. This is what would run:');
  expect(stdout).toContain('docker run --rm \\');
  expect(stdout).toContain('  -e DEPLOYMENT_SCRIPT_PARAMETERS=\'{"batch":100}\' \\');
  expect(stdout).toContain('  -e DEPLOYMENT_SCRIPT_REQUEST_TYPE=Manual \\');
  expect(stdout).toContain("  -e DB_PASSWORD='****' \\");
  expect(stdout).not.toContain('hunter2');
  // The secrets ECS would read have their places, masked, for whoever runs it by hand.
  expect(stdout).toContain("  -e STP_DB_PASSWORD='****' \\\n");
  expect(stdout).toMatch(/ {2}public\.ecr\.aws\/docker\/library\/php:8\.3-cli php artisan migrate --force\n$/);
  expect(stderr).toMatch(/STP_DB_HOST {2}← /);
  // A connection string that holds no credential is shown as given, to check it.
  expect(stdout).toContain("  -e STP_DB_CONNECTION_STRING=postgresql://localhost:5432/app \\\n");
});

test('logs has its help', async () => {
  const { code, stdout } = await cli('logs', '--help');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Usage:\n {2}cdk-deployment-script logs --stack STACK \[--script ID\] \[--follow\] \[--since 10m\]/);
});
