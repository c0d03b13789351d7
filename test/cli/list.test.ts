/**
 * `list --stack`: the built command line, against the loopback fake serving the template of an app synthesized
 * for real (DescribeStacks, ListStackResources in pages, GetTemplate, GetParameter).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAws } from '../support/fake-aws';
import { DeployedApp, ensureBin, runCli, STACK_ID, STACK_NAME, synthApp } from './support';

let fake: FakeAws;
let app: DeployedApp;
let outdir: string;

beforeAll(async () => {
  ensureBin();
  outdir = mkdtempSync(join(tmpdir(), 'cli-list-'));
  const { template } = synthApp(outdir);
  fake = await FakeAws.start();
  app = new DeployedApp(fake, template);
});
afterAll(async () => {
  await fake.close();
  rmSync(outdir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

const list = (...args: string[]) => runCli(['list', '--stack', STACK_NAME, ...args], { env: fake.env() });

test('a table of the scripts: id, logical id, trigger, function, status, time, whether parameters are recorded', async () => {
  app.deploy().record('migrate').record('check');
  fake.setParameter(`/cdk-deployment-script/${STACK_NAME}/${scriptId('Api/seed')}`, '{"tenantId":"t-1"}'); // a plain result: the previous runtime's

  const { code, stdout, stderr } = await list();

  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split('\n');
  expect(lines[0]).toBe(`Deployment scripts of ${STACK_NAME} (UPDATE_COMPLETE, us-east-1)`);
  expect(lines[1]).toMatch(/^SCRIPT +KIND +LOGICAL ID +TRIGGER +RUNS +STATUS +UPDATED +PARAMETERS$/);
  const row = (id: string) => lines.find((line) => line.startsWith(`${id} `))!.split(/ {2,}/);
  expect(row('migrate')).toEqual(['migrate', 'script', 'migrate', 'after:deploy', app.physicalId(app.functionOf('migrate')), 'UPDATE_COMPLETE', '2024-01-01 12:00Z', 'recorded']);
  expect(row('check')).toEqual(['check', 'script', 'check', 'before:delete', app.physicalId(app.functionOf('check')), 'UPDATE_COMPLETE', '2024-01-01 12:00Z', 'recorded']);
  expect(row('Api/seed')).toEqual(['Api/seed', 'script', scriptId('Api/seed'), 'after:deploy', app.physicalId(app.functionOf(scriptId('Api/seed'))), 'UPDATE_COMPLETE', '2024-01-01 12:00Z', 'not recorded (older runtime)']);
  expect(row('fail')[7]).toBe('not recorded');
  expect(row('slow')).toHaveLength(8);
  expect(lines).toHaveLength(2 + 5);
  // Every page of resources was read (7 at a time).
  expect(fake.cloudFormationCalls.filter((c) => c.action === 'ListStackResources').length).toBeGreaterThan(2);
});

test('--json: the stack and every script, for machines', async () => {
  app.deploy({ overrides: { fail: { status: 'UPDATE_FAILED', reason: 'Deployment script fail failed: MigrationError: relation "users" already exists\nLast log lines:\nINFO\tapplying 0042_users' } } }).record('migrate');
  const { code, stdout } = await list('--json');
  expect(code).toBe(0);
  const out = JSON.parse(stdout);
  expect(out.stack).toEqual({ name: STACK_NAME, id: STACK_ID, status: 'UPDATE_COMPLETE', region: 'us-east-1' });
  expect(out.scripts.map((s: any) => s.id)).toEqual(['migrate', 'check', 'Api/seed', 'fail', 'slow']);
  expect(out.scripts[0]).toEqual({
    id: 'migrate',
    logicalId: 'migrate',
    kind: 'script',
    trigger: 'after:deploy',
    runPolicy: 'on-stack-change',
    functionName: app.physicalId(app.functionOf('migrate')),
    physicalId: 'migrate',
    status: 'UPDATE_COMPLETE',
    lastUpdated: '2024-01-01T12:00:00.000Z',
    parameters: 'recorded',
  });
  expect(out.scripts[2]).toMatchObject({ id: 'Api/seed', runPolicy: 'once' });
  expect(out.scripts[3]).toMatchObject({ id: 'fail', status: 'UPDATE_FAILED', statusReason: expect.stringMatching(/^Deployment script fail failed: MigrationError/) });
});

test('a failed script shows why under the table', async () => {
  app.deploy({ overrides: { fail: { status: 'UPDATE_FAILED', reason: 'Deployment script fail failed: MigrationError: relation "users" already exists\nLast log lines:\nINFO\tapplying 0042_users' } } });
  const { code, stdout } = await list();
  expect(code).toBe(0);
  expect(stdout).toContain('\nfail: UPDATE_FAILED: Deployment script fail failed: MigrationError: relation "users" already exists\n  Last log lines:\n  INFO\tapplying 0042_users\n');
});

test('a script being created: not deployed, no parameters looked up', async () => {
  app.deploy({ stackStatus: 'CREATE_IN_PROGRESS', overrides: { migrate: { status: 'CREATE_IN_PROGRESS', physicalId: undefined } } });
  const { code, stdout } = await list('--json');
  expect(code).toBe(0);
  expect(JSON.parse(stdout).scripts[0]).toMatchObject({ id: 'migrate', status: 'CREATE_IN_PROGRESS', parameters: 'not deployed' });
  expect(fake.ssmCallsOf('GetParameter').map((c) => c.input.Name)).not.toContain(`/cdk-deployment-script/${STACK_NAME}/migrate`);
});

test('a record that does not match the deployed template is stale', async () => {
  app.deploy().record('migrate', { v: 1, data: {}, parameters: '{"bucket":"old"}' }).record('check', { v: 1, data: {}, parametersOmitted: 'too large' });
  const scripts = JSON.parse((await list('--json')).stdout).scripts;
  expect(scripts[0].parameters).toBe('stale');
  expect(scripts[1].parameters).toBe('too large');
});

test('without ssm:GetParameter, the list still comes, saying what it could not tell', async () => {
  app.deploy();
  fake.failSsm('GetParameter', { code: 'AccessDeniedException', message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ssm:GetParameter' });
  const { code, stdout } = await list('--json');
  expect(code).toBe(0);
  expect(JSON.parse(stdout).scripts[0].parameters).toBe('unknown (no ssm:GetParameter)');
});

test('a stack without scripts', async () => {
  fake.setStack(STACK_ID, 'CREATE_COMPLETE').setTemplate(STACK_ID, { Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } })
    .setStackResources(STACK_ID, [{ logicalId: 'Bucket', physicalId: 'b', type: 'AWS::S3::Bucket' }]);
  expect(await list()).toMatchObject({ code: 0, stdout: `Stack ${STACK_NAME} (CREATE_COMPLETE) has no deployment scripts nor container tasks.\n` });
  expect(JSON.parse((await list('--json')).stdout).scripts).toEqual([]);
});

test('the stack may be given by ARN: its region is used', async () => {
  app.deploy();
  const { code, stdout } = await runCli(['list', '--stack', STACK_ID, '--json'], { env: { ...fake.env(), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined } });
  expect(code).toBe(0);
  expect(JSON.parse(stdout).stack.region).toBe('us-east-1');
});

/** The logical id of a script of the synthesized app, by its id. */
function scriptId(id: string): string {
  const [logicalId] = Object.entries(app.template.Resources as Record<string, any>)
    .find(([, r]) => r.Type === 'Custom::DeploymentScript' && r.Metadata['aws:cdk:path'] === `${STACK_NAME}/${id}/Default/Default`)!;
  return logicalId;
}
