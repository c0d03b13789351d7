/**
 * `run --stack --script`: the built command line invokes a deployed script with the parameters of the last
 * deployment, against the loopback fake (Lambda, CloudFormation, SSM) serving an app synthesized for real.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAws, outcome } from '../support/fake-aws';
import { DeployedApp, ensureBin, runCli, STACK_ID, STACK_NAME, synthApp } from './support';

let fake: FakeAws;
let app: DeployedApp;
let outdir: string;
let migrateFn: string;

beforeAll(async () => {
  ensureBin();
  outdir = mkdtempSync(join(tmpdir(), 'cli-run-'));
  const { template } = synthApp(outdir);
  fake = await FakeAws.start();
  app = new DeployedApp(fake, template);
  migrateFn = app.physicalId(app.functionOf('migrate'));
});
afterAll(async () => {
  await fake.close();
  rmSync(outdir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

const run = (script: string, ...args: string[]) => runCli(['run', '--stack', STACK_NAME, '--script', script, ...args], { env: fake.env() });

describe('a successful run', () => {
  test('invokes the function with the recorded parameters exactly, and the client context of a manual run', async () => {
    app.deploy().record('migrate');
    fake.setScript(migrateFn, outcome.returns({ migrated: 3, tables: ['users'] }, ['connecting to db.internal', 'applied 3 migrations']));

    const { code, stdout, stderr } = await run('migrate');

    expect(code).toBe(0);
    // The result, pretty JSON, alone on stdout.
    expect(stdout).toBe(JSON.stringify({ migrated: 3, tables: ['users'] }, null, 2) + '\n');
    const [invocation] = fake.invocations;
    expect(fake.invocations).toHaveLength(1);
    expect(invocation.functionName).toBe(migrateFn);
    expect(invocation.invocationType).toBe('RequestResponse');
    expect(invocation.logType).toBe('Tail');
    expect(invocation.payload.toString('utf8')).toBe(app.resolvedParameters('migrate'));
    expect(invocation.event()).toEqual({ bucket: app.physicalId('Data666C94C7'), region: 'us-east-1', batch: 100, dryRun: false, tables: ['users', 'orders'], db: { host: 'db.internal', port: 5432 } });
    expect(invocation.clientContext).toEqual({
      custom: {
        trigger: 'after:deploy',
        requestType: 'Manual',
        stackId: STACK_ID,
        stackName: STACK_NAME,
        logicalResourceId: 'migrate',
        physicalResourceId: 'migrate',
        region: 'us-east-1',
      },
    });
    // On stderr: progress (one line: not a terminal), the decoded log tail, the outcome, where the full log is.
    expect(stderr).toContain(`Running script migrate (function ${migrateFn}, timeout 30 s)…\n`);
    expect(stderr).not.toContain('\r');
    expect(stderr).toMatch(/── log tail of migrate ──\nSTART RequestId: \S+ Version: \$LATEST\n\S+\t\S+\tINFO\tconnecting to db.internal\n\S+\t\S+\tINFO\tapplied 3 migrations\nEND RequestId/);
    expect(stderr).toMatch(/✔ script migrate succeeded in \d+\.\d s/);
    expect(stderr).toContain(`Full log: /aws/lambda/${migrateFn}\nhttps://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252F${migrateFn}/log-events$3FfilterPattern$3D$2522${invocation.requestId}$2522`);
    expect(stderr).not.toMatch(/\x1b\[/); // no colours: stderr is not a terminal
  });

  test('the calls it makes: read the stack, its resources, its template, the record; invoke once', async () => {
    app.deploy().record('migrate');
    fake.setScript(migrateFn, outcome.returns());
    expect((await run('migrate')).code).toBe(0);
    const actions = fake.cloudFormationCalls.map((c) => c.action);
    expect(actions[0]).toBe('DescribeStacks');
    expect(new Set(actions)).toEqual(new Set(['DescribeStacks', 'ListStackResources', 'GetTemplate']));
    expect(fake.ssmCalls).toEqual([{ operation: 'GetParameter', input: { Name: `/cdk-deployment-script/${STACK_NAME}/migrate`, WithDecryption: true } }]);
    expect(fake.requests.filter((r) => r.signingService === 'lambda')).toHaveLength(1);
    expect(fake.parameterNames()).toEqual([`/cdk-deployment-script/${STACK_NAME}/migrate`]); // nothing written
  });

  test('a script that returns nothing prints null', async () => {
    app.deploy().record('migrate');
    fake.setScript(migrateFn, outcome.returns());
    expect(await run('migrate')).toMatchObject({ code: 0, stdout: 'null\n' });
  });

  test('a before:delete script runs by hand, with the parameters its last Create or Update recorded', async () => {
    app.deploy().record('check');
    const fn = app.physicalId(app.functionOf('check'));
    fake.setScript(fn, outcome.returns({ checked: 'users' }));
    const { code, stdout } = await run('check');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ checked: 'users' });
    expect(fake.invocations[0].event()).toEqual({ table: 'users' });
    expect((fake.invocations[0].clientContext as any).custom).toMatchObject({ trigger: 'before:delete', requestType: 'Manual' });
  });

  test('a script nested in a construct is found by its id, the end of its id, or its logical id', async () => {
    const logicalId = Object.keys(app.template.Resources).find((id) => id.startsWith('Apiseed') && app.template.Resources[id].Type === 'Custom::DeploymentScript')!;
    app.deploy().record(logicalId);
    fake.setScript(app.physicalId(app.functionOf(logicalId)), outcome.returns({ seeded: 3 }));
    for (const id of ['Api/seed', 'seed', logicalId]) {
      expect(await run(id)).toMatchObject({ code: 0, stdout: '{\n  "seeded": 3\n}\n' });
    }
    expect((fake.invocations[0].clientContext as any).custom.logicalResourceId).toBe(logicalId);
  });
});

describe('a failed script', () => {
  test('exits 1, with its error type and message, its trace and its log tail', async () => {
    app.deploy().record('migrate');
    fake.setScript(migrateFn, outcome.throws('MigrationError', 'relation "users" already exists', ['applying 0042_users']));

    const { code, stdout, stderr } = await run('migrate');

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/\tINFO\tapplying 0042_users\n/);
    expect(stderr).toMatch(/✘ script migrate failed after \d+\.\d s: MigrationError: relation "users" already exists\n {4}at Runtime\.handler \(file:\/\/\/var\/task\/index\.mjs:3:9\)/);
    expect(stderr).toContain(`Full log: /aws/lambda/${migrateFn}`);
  });

  test('a timeout says so', async () => {
    app.deploy().record('migrate');
    fake.setScript(migrateFn, outcome.timesOut(30, ['still working']));
    const { code, stderr } = await run('migrate');
    expect(code).toBe(1);
    expect(stderr).toMatch(/✘ script migrate failed after \d+\.\d s: timed out after 30 seconds \(its timeout\)/);
  });

  test('a log tail cut by Lambda starts at a whole line', async () => {
    app.deploy().record('migrate');
    fake.setScript(migrateFn, outcome.throws('Error', 'boom', Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(30)}`)));
    const { code, stderr } = await run('migrate');
    expect(code).toBe(1);
    expect(stderr).toMatch(/── log tail of migrate \(last 4 KB\) ──\n\S+\t\S+\tINFO\tline \d+ x+\n/);
  });
});

describe('parameters', () => {
  test('--param overrides one value, parsed as JSON when it parses; dotted keys set nested values', async () => {
    app.deploy().record('migrate');
    fake.setScript(migrateFn, outcome.returns());
    const { code, stderr } = await run('migrate', '--param', 'batch=5', '--param', 'dryRun=true', '--param', 'db.port=5433', '--param', 'db.host=localhost',
      '--param', 'note=hello world', '--param', 'id="42"', '--param', 'tables.1=invoices', '--param', 'extra.deep.list=[1,"a"]', '--param', 'a\\.b=literal dot');
    expect(code).toBe(0);
    expect(fake.invocations[0].event()).toEqual({
      bucket: app.physicalId('Data666C94C7'),
      region: 'us-east-1',
      batch: 5,
      dryRun: true,
      tables: ['users', 'invoices'],
      db: { host: 'localhost', port: 5433 },
      note: 'hello world',
      id: '42',
      extra: { deep: { list: [1, 'a'] } },
      'a.b': 'literal dot',
    });
    expect(stderr).toContain('Parameters: the last deployment with 9 --param overrides.');
  });

  test('--params-file replaces the recorded parameters (no record needed), --param applies on top', async () => {
    app.deploy(); // nothing recorded
    fake.setScript(migrateFn, outcome.returns());
    const file = join(outdir, 'params.json');
    writeFileSync(file, '{ "bucket": "other", "batch": 1 }\n');
    expect((await run('migrate', '--params-file', file)).code).toBe(0);
    expect(fake.invocations[0].payload.toString()).toBe('{ "bucket": "other", "batch": 1 }');
    expect((await run('migrate', '--params-file', file, '--param', 'batch=2')).code).toBe(0);
    expect(fake.invocations[1].event()).toEqual({ bucket: 'other', batch: 2 });
    expect(fake.ssmCallsOf('GetParameter')).toHaveLength(0);
  });

  test('--params-file - reads stdin', async () => {
    app.deploy();
    fake.setScript(migrateFn, outcome.returns());
    const result = await runCli(['run', '--stack', STACK_NAME, '--script', 'migrate', '--params-file', '-'], { env: fake.env(), input: '{"n":1}' });
    expect(result.code).toBe(0);
    expect(fake.invocations[0].event()).toEqual({ n: 1 });
  });

  test.each([
    ['not JSON', 'nope', /--params-file \S+ is not JSON/],
    ['an array', '[1]', /must hold a JSON object \(the script's parameters\), not an array/],
  ])('a --params-file that is %s is refused before any call', async (_what, content, message) => {
    const file = join(outdir, 'bad.json');
    writeFileSync(file, content);
    const { code, stderr } = await run('migrate', '--params-file', file);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(fake.requests).toHaveLength(0);
  });

  test('a --params-file larger than Lambda accepts (6 MB) is refused before it is read', async () => {
    const file = join(outdir, 'huge.json');
    writeFileSync(file, '{"a":"' + 'x'.repeat(6 * 1024 * 1024) + '"}');
    const { code, stderr } = await run('migrate', '--params-file', file);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--params-file \S+ is 629\d+ bytes: an event may take at most 6291456 bytes \(6 MB, what Lambda accepts\)/);
    expect(fake.requests).toHaveLength(0);
  });

  test('a script with a secret result: its record is a SecureString, read decrypted', async () => {
    app.deploy().record('migrate', { v: 1, data: { token: 's3cr3t' }, parameters: app.resolvedParameters('migrate') }, 'SecureString');
    fake.setScript(migrateFn, outcome.returns());
    const { code } = await run('migrate');
    expect(code).toBe(0);
    expect(fake.invocations[0].payload.toString('utf8')).toBe(app.resolvedParameters('migrate'));
  });

  test('--dry-run prints the event and the context, and invokes nothing', async () => {
    app.deploy().record('migrate');
    const { code, stdout, stderr } = await run('migrate', '--dry-run', '--param', 'batch=1');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.functionName).toBe(migrateFn);
    expect(out.event).toMatchObject({ batch: 1, db: { host: 'db.internal', port: 5432 } });
    expect(out.clientContext.custom).toMatchObject({ requestType: 'Manual', stackId: STACK_ID });
    expect(stderr).toContain('dry run: script migrate (function');
    expect(fake.invocations).toHaveLength(0);
  });
});

describe('when the parameters of the last deployment are not recorded', () => {
  test('no record: deploy with this version, or pass --params-file', async () => {
    app.deploy();
    const { code, stderr } = await run('migrate');
    expect(code).toBe(3);
    expect(stderr).toMatch(/^error: no parameters are recorded for script migrate \(no SSM parameter \/cdk-deployment-script\/CliStack\/migrate\): .*Deploy the stack with this version of cdk-deployment-script \(every deployment records them\), or pass the parameters with --params-file FILE\.\n$/);
    expect(fake.invocations).toHaveLength(0);
  });

  test('a result stored by the previous runtime (a plain object): same advice', async () => {
    app.deploy().record('migrate', { tenantId: 't-1' });
    const { code, stderr } = await run('migrate');
    expect(code).toBe(3);
    expect(stderr).toMatch(/written by an earlier version of cdk-deployment-script, which kept only the script's result\. Deploy the stack/);
  });

  test('too large to record: pass --params-file', async () => {
    app.deploy().record('migrate', { v: 1, data: {}, parametersOmitted: 'too large' });
    const { code, stderr } = await run('migrate');
    expect(code).toBe(3);
    expect(stderr).toMatch(/were not recorded: they were too large for a standard SSM parameter \(4 KB with the script's result\)\. Pass them with --params-file FILE\./);
  });

  test('a stale record (the last deployment could not write it) is refused, not run with old values', async () => {
    app.deploy().record('migrate', { v: 1, data: {}, parameters: '{"bucket":"old-bucket","region":"us-east-1","batch":50}' });
    const { code, stderr } = await run('migrate');
    expect(code).toBe(3);
    expect(stderr).toMatch(/the parameters recorded for script migrate are not those of the deployed template/);
    expect(fake.invocations).toHaveLength(0);
  });

  test('a record of a newer version: upgrade', async () => {
    app.deploy().record('migrate', { v: 2, data: {} });
    expect((await run('migrate')).stderr).toMatch(/holds a record of version 2, written by a newer version of cdk-deployment-script: upgrade this command/);
  });
});

// script(1), from util-linux, gives the command a pseudo-terminal.
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('progress on a terminal', () => {
  (hasScript ? test : test.skip)('a spinner with the seconds elapsed, then the line is cleared', async () => {
    app.deploy().record('migrate');
    fake.setScript(migrateFn, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1300));
      return outcome.returns({ ok: true });
    });
    // NO_COLOR keeps the text plain.
    const command = [process.execPath, 'bin/cdk-deployment-script.js', 'run', '--stack', STACK_NAME, '--script', 'migrate'].join(' ');
    const { stdout } = await runScript(command, { ...fake.env(), NO_COLOR: '1' });
    expect(stdout).toMatch(/⠋ Running script migrate \(function \S+, timeout 30 s\)… 0s/);
    expect(stdout).toMatch(/… 1s/);
    expect(stdout).toContain('\r\x1b[K');
    expect(stdout).toContain('"ok": true');
  });
});

/** Runs a shell command with a pseudo-terminal (script -qc), returning what the terminal showed. */
async function runScript(command: string, env: Record<string, string>): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: join(__dirname, '..', '..'), env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env } });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', reject);
    child.on('close', () => resolve({ stdout: Buffer.concat(out).toString('utf8') }));
  });
}
