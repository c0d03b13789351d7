/**
 * `run --local` and `list --local`: scripts of an app synthesized for real (esbuild-bundled TypeScript, a Python
 * asset, inline code), run on this machine by the built command line, as Lambda would run them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { DeploymentScript, ScriptTrigger } from '../../lib';
import { BIN, ensureBin, ROOT, runCli, STACK_NAME, synthApp } from './support';

let dir: string;
let app: string;
let template: any;

beforeAll(() => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-local-'));
  app = join(dir, 'cdk.out');
  template = synthApp(app).template;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const local = (...args: string[]) => runCli(['run', '--local', '--app', app, ...args], { env: { AWS_REGION: undefined } });

describe('run --local', () => {
  test('a TypeScript script (bundled by cdk synth): its result on stdout, its log on stderr', async () => {
    const { code, stdout, stderr } = await local('--script', 'migrate', '--region', 'eu-west-1', '--env', 'BUCKET=local-bucket', '--param', 'bucket=local-bucket');
    expect(stderr).toContain('Running script migrate of CliStack locally (nodejs');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    // The fixture returns the event and the client context it got.
    expect(JSON.parse(result.event)).toEqual({ bucket: 'local-bucket', region: 'eu-west-1', batch: 100, dryRun: false, tables: ['users', 'orders'], db: { host: 'db.internal', port: 5432 } });
    expect(JSON.parse(result.context)).toEqual({
      trigger: 'after:deploy',
      requestType: 'Manual',
      stackId: '',
      stackName: STACK_NAME,
      logicalResourceId: 'migrate',
      physicalResourceId: 'migrate',
      region: 'eu-west-1',
    });
    expect(stderr).toMatch(/── log of migrate ──\nevent \{"bucket":"local-bucket",.*\}\n──\n/);
    expect(stderr).toMatch(/✔ script migrate succeeded in \d+\.\d s/);
  });

  test('values only known after deployment must be given: all of them are listed, and nothing runs', async () => {
    const { code, stdout, stderr } = await local('--script', 'migrate');
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe([
      'error: script migrate of CliStack needs values that are only known after deployment:',
      '  environment variables (give them with --env KEY=VALUE):',
      '    BUCKET  ← Ref Data666C94C7',
      '  parameters (give them with --param KEY=VALUE, or all of them with --params-file FILE):',
      '    bucket  ← Ref Data666C94C7',
      '    region  ← Ref AWS::Region',
      'e.g. --env BUCKET=… --param bucket=… --param region=…',
      '',
    ].join('\n'));
  });

  test('the region comes from --region, else AWS_REGION; the environment and the context are Lambda\'s', async () => {
    const { code, stdout } = await runCli(['run', '--local', '--app', app, '--script', 'migrate', '--env', 'BUCKET=b', '--param', 'bucket=b', '--dry-run'], { env: { AWS_REGION: 'ap-south-1' } });
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({
      stack: STACK_NAME,
      script: 'migrate',
      runtime: expect.stringMatching(/^nodejs/),
      handler: 'index.handler',
      timeoutSeconds: 30,
      environment: { LOG_LEVEL: 'debug', BUCKET: 'b' },
      event: { region: 'ap-south-1', bucket: 'b' },
      clientContext: { custom: { requestType: 'Manual', region: 'ap-south-1' } },
    });
    expect(out.code).toBe(join(app, template.Resources[template.Resources.migrate.Properties.ScriptFunctionName.Ref].Metadata['aws:asset:path']));
  });

  test('a Python script (a code asset): python3 runs it, with context.client_context.custom', async () => {
    const { code, stdout, stderr } = await local('--script', 'check');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ checked: 'users' });
    expect(stderr).toContain("── log of check ──\nrunning Manual with {'table': 'users'}\n──\n");
  });

  test('inline code, nested in a construct: found by the end of its id; the context counts down the time left', async () => {
    const { code, stdout } = await local('--script', 'seed', '--param', 'count=7');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ seeded: 7, remaining: true });
  });

  test('a failing script: exit 1, its error type, message and trace, its log', async () => {
    const { code, stdout, stderr } = await local('--script', 'fail');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('── log of fail ──\napplying 0042_users\n──\n');
    expect(stderr).toMatch(/✘ script fail failed after \d+\.\d s: MigrationError: relation "users" already exists\n {4}at (exports|Object|module\.exports)\.handler \(\S*index\.js:2:\d+\)/);
  });

  test('a script that outlives its timeout is stopped, and the run fails saying so', async () => {
    const { code, stderr, ms } = await local('--script', 'slow');
    expect(code).toBe(1);
    expect(stderr).toContain('working');
    expect(stderr).toMatch(/✘ script slow failed after 2\.\d s: timed out after 2 seconds \(its timeout\)/);
    expect(ms).toBeLessThan(10_000);
  });

  test('cdk.out is the default app', async () => {
    const { code, stdout } = await runCli(['run', '--local', '--script', 'check'], { cwd: dir });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ checked: 'users' });
  });

  test('--env-file gives variables (dotenv), --env NAME takes one from this shell; --env applies on top', async () => {
    const file = join(dir, 'local.env');
    writeFileSync(file, '# local values\nexport BUCKET="from-file"\nLOG_LEVEL=info # a comment\n\nEXTRA=\'x y\'\n');
    const { code, stdout } = await runCli(['run', '--local', '--app', app, '--script', 'migrate', '--param', 'bucket=b', '--param', 'region=r',
      '--env-file', file, '--env', 'LOG_LEVEL', '--dry-run'], { env: { LOG_LEVEL: 'warn' } });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).environment).toMatchObject({ BUCKET: 'from-file', LOG_LEVEL: 'warn', EXTRA: 'x y' });
  });

  test('an --env-file that does not parse is a usage error, naming its line', async () => {
    const file = join(dir, 'bad.env');
    writeFileSync(file, 'GOOD=1\nthis is not a variable\n');
    const { code, stderr } = await local('--script', 'check', '--env-file', file);
    expect(code).toBe(2);
    expect(stderr).toContain(`error: --env-file ${file}, line 2: not KEY=VALUE: "this is not a variable". Each line is KEY=VALUE (dotenv).`);
  });

  test('a double quote left open names the line it opens on, not the end of the file', async () => {
    const file = join(dir, 'open-quote.env');
    writeFileSync(file, 'A=1\nB=2\nX="unterminated\nC=3\n');
    const { code, stderr } = await local('--script', 'check', '--env-file', file);
    expect(code).toBe(2);
    expect(stderr).toContain(`error: --env-file ${file}, line 3: a double quote is not closed: "X=\\"unterminated".`);
  });

  test('text after a closing quote on a later line names that line', async () => {
    const file = join(dir, 'after-quote.env');
    writeFileSync(file, 'X="two\nlines" junk\n');
    const { code, stderr } = await local('--script', 'check', '--env-file', file);
    expect(code).toBe(2);
    expect(stderr).toContain(`error: --env-file ${file}, line 2: text after the closing quote: "lines\\" junk".`);
  });

  test('a missing --env-file: node itself refuses it before the command starts, unless `--` comes first', () => {
    // Node.js reads an `--env-file` among its arguments even after the script's path (README "Exit codes": 9), so
    // npm's `#!/usr/bin/env node` command cannot answer for it; the pip command's launcher passes `--`.
    const args = ['run', '--local', '--app', app, '--script', 'check', '--env-file', join(dir, 'no-such.env')];
    const direct = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    expect(direct.status).toBe(9);
    expect(direct.stderr).toContain(`no-such.env: not found`);
    const afterDashes = spawnSync(process.execPath, ['--', BIN, ...args], { encoding: 'utf8' });
    expect(afterDashes.status).toBe(3);
    expect(afterDashes.stderr).toContain(`error: cannot read --env-file ${join(dir, 'no-such.env')}: ENOENT`);
  });

  test('--env NAME of a variable this shell does not have is a usage error', async () => {
    const { code, stderr } = await local('--script', 'check', '--env', 'NOT_SET_ANYWHERE');
    expect(code).toBe(2);
    expect(stderr).toContain("--env NOT_SET_ANYWHERE: NOT_SET_ANYWHERE is not set in this shell's environment");
  });

  test('variables only known after deployment are left unset and named, once the parameters are given', async () => {
    const { code, stderr } = await local('--script', 'migrate', '--region', 'eu-west-1', '--param', 'bucket=b');
    expect(code).toBe(0);
    expect(stderr).toContain('1 environment variable is unset (only known after deployment; give it with --env or --env-file, or refuse to run with --strict):\n  BUCKET  ← Ref Data666C94C7\n');
  });

  test('a Python runtime that is not installed: another Python 3 runs it, and says so', async () => {
    const version = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
    const { code, stderr } = await local('--script', 'check', '--python', 'python3');
    expect(code).toBe(0);
    const note = `(running on python3 (Python ${version}); the function's runtime is python3.13)`;
    if (version === '3.13') expect(stderr).not.toContain('running on python3');
    else expect(stderr).toContain(note);
  });

  test('--params-file replaces the template\'s parameters', async () => {
    const file = join(dir, 'params.json');
    writeFileSync(file, '{"table":"orders"}');
    const { code, stdout } = await local('--script', 'check', '--params-file', file);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ checked: 'orders' });
  });

  test('without asset metadata (cdk synth --no-asset-metadata), the asset manifest finds the code', async () => {
    const bare = join(dir, 'bare.out');
    synthApp(bare, { assetMetadata: false });
    const { code, stdout } = await runCli(['run', '--local', '--app', bare, '--script', 'check']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ checked: 'users' });
  });
});

describe('run --local: errors', () => {
  test('an unknown script lists the scripts of the assembly', async () => {
    const { code, stderr } = await local('--script', 'nope');
    expect(code).toBe(3);
    expect(stderr).toMatch(/^error: no deployment script named 'nope' in stack CliStack of \S+\. Its scripts: migrate, check, Api\/seed \(Apiseed[0-9A-F]{8}\), fail, slow\.\n$/);
  });

  test('an unknown stack lists the stacks', async () => {
    const { code, stderr } = await local('--script', 'check', '--stack', 'Other');
    expect(code).toBe(3);
    expect(stderr).toMatch(/^error: no stack named 'Other' in \S+\. Its stacks: CliStack\.\n$/);
  });

  test('an asset missing from cdk.out', async () => {
    const copy = join(dir, 'missing.out');
    cpSync(app, copy, { recursive: true });
    const assetPath = template.Resources[template.Resources.check.Properties.ScriptFunctionName.Ref].Metadata['aws:asset:path'];
    rmSync(join(copy, assetPath), { recursive: true });
    const { code, stderr } = await runCli(['run', '--local', '--app', copy, '--script', 'check']);
    expect(code).toBe(3);
    expect(stderr).toMatch(new RegExp(`^error: the code of script check \\(function checkFunction[0-9A-F]{8}, stack CliStack\\) is missing from \\S+: \\S*${assetPath} does not exist\\. Synthesize the app again \\(cdk synth\\)\\.\\n$`));
  });

  test('a handler that is not in the asset (bundling skipped)', async () => {
    const copy = join(dir, 'unbundled.out');
    cpSync(app, copy, { recursive: true });
    const assetPath = template.Resources[template.Resources.migrate.Properties.ScriptFunctionName.Ref].Metadata['aws:asset:path'];
    rmSync(join(copy, assetPath, 'index.js'));
    const { code, stderr } = await runCli(['run', '--local', '--app', copy, '--script', 'migrate', '--env', 'BUCKET=b', '--param', 'bucket=b', '--region', 'eu-west-1']);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^error: the handler of script migrate, index\.handler, is not in its code \(\S+\): no index\.js or index\.mjs or index\.cjs\. Was the asset bundled\?/);
  });

  test('a directory that is not a cloud assembly', async () => {
    const { code, stderr } = await runCli(['run', '--local', '--app', dir, '--script', 'check']);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^error: \S+ is not a cloud assembly \(no manifest\.json in \S+\): synthesize the app first \(cdk synth\), or give its output directory with --app\.\n$/);
  });

  test('no Python interpreter', async () => {
    const { code, stderr } = await local('--script', 'check', '--python', 'no-such-python');
    expect(code).toBe(3);
    expect(stderr).toMatch(/^error: no Python 3 interpreter found to run a python3\.13 script \(tried no-such-python\)/);
  });
});

describe('list --local', () => {
  test('the scripts of the assembly, and what a local run of each needs', async () => {
    const { code, stdout } = await runCli(['list', '--local', '--app', app]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STACK +SCRIPT +KIND +LOGICAL ID +TRIGGER +RUNTIME +HANDLER \/ IMAGE +NEEDS \(--env \/ --param\)$/);
    expect(lines[1]).toMatch(/^CliStack +migrate +script +migrate +after:deploy +nodejs\S+ +index\.handler +--env BUCKET --param bucket --param region$/);
    expect(lines[2]).toMatch(/^CliStack +check +script +check +before:delete +python3\.13 +script\.handler +-$/);
    expect(lines).toHaveLength(6);
  });

  test('--json', async () => {
    const { code, stdout } = await runCli(['list', '--local', '--app', app, '--json', '--region', 'eu-west-1']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.scripts[0]).toEqual({
      stack: STACK_NAME,
      id: 'migrate',
      logicalId: 'migrate',
      kind: 'script',
      trigger: 'after:deploy',
      runtime: expect.stringMatching(/^nodejs/),
      handler: 'index.handler',
      timeoutSeconds: 30,
      unresolvedEnvironment: ['BUCKET'],
      unresolvedParameters: ['bucket'],
    });
    expect(JSON.parse(readFileSync(join(app, 'manifest.json'), 'utf8')).artifacts[STACK_NAME]).toBeDefined();
  });
});

describe('run --local of a script bundled with source maps', () => {
  test('bundling.sourceMap: a stack trace names the script\'s own TypeScript file and line, as Lambda\'s would', async () => {
    // GIVEN: an entry that throws on its third line, bundled with its source map, as cdk synth bundles it.
    const source = join(dir, 'mapped', 'throws.ts');
    mkdirSync(join(dir, 'mapped'), { recursive: true });
    writeFileSync(source, 'export async function handler(): Promise<void> {\n  const table = "users";\n  throw new Error(`no table ${table}`);\n}\n');
    const outdir = join(dir, 'mapped', 'cdk.out');
    const cdkApp = new App({ outdir });
    new DeploymentScript(new Stack(cdkApp, 'Mapped'), 'throws', {
      trigger: ScriptTrigger.AFTER_DEPLOY, entry: source, bundling: { sourceMap: true },
      depsLockFilePath: join(ROOT, 'package-lock.json'),
    });
    cdkApp.synth();

    // WHEN
    const { code, stderr } = await runCli(['run', '--local', '--app', outdir, '--script', 'throws'], { env: { AWS_REGION: 'eu-west-1' } });

    // THEN
    expect(code).toBe(1);
    expect(stderr).toContain('Error: no table users');
    expect(stderr).toContain(`at handler (${source}:3:9)`);
  });
});
