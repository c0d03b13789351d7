/**
 * The exit codes the README documents ("### Exit codes") are the ones the command returns: each row of the table is
 * produced here by a command that should end with it, and the table, `--help` and this test list the same codes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DeploymentScript, DeploymentTask, ScriptTrigger } from '../../lib';
import { BIN, type CliResult, ensureBin, ROOT, runCli, startCli } from './support';
import { spawnSync } from 'node:child_process';

let dir: string;
let app: string;

beforeAll(() => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-exit-codes-'));
  app = join(dir, 'cdk.out');
  const cdkApp = new App({ outdir: app });
  const stack = new Stack(cdkApp, 'CodesStack');
  const inline = (id: string, code: string) => new DeploymentScript(stack, id, {
    trigger: ScriptTrigger.AFTER_DEPLOY, code: lambda.Code.fromInline(code), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_22_X, timeout: Duration.seconds(30),
  });
  inline('ok', 'exports.handler = async () => ({ ok: true });');
  inline('fail', 'exports.handler = async () => { throw new Error("no"); };');
  inline('slow', 'exports.handler = async () => { console.log("working"); await new Promise((r) => setTimeout(r, 60000)); };');
  new DeploymentTask(stack, 'Migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/php:8.3-cli'),
  });
  cdkApp.synth();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The codes of the README's table, in its order. */
function readmeCodes(): number[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /\n### Exit codes\n([\s\S]*?)\n#/.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "### Exit codes" section');
  return [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
}

const local = (...args: string[]) => runCli(['run', '--local', '--app', app, ...args], { env: { PATH: '/nonexistent' } });

/** The pip package's command, installed: its launcher, and the bundle beside the package's assembly. */
function pipCommand(env: Record<string, string>, args: readonly string[] = ['--version']): CliResult {
  const site = join(dir, 'site');
  mkdirSync(join(site, 'cdk_deployment_script', '_jsii', 'bin'), { recursive: true });
  writeFileSync(join(site, 'cdk_deployment_script', '__init__.py'), 'raise ImportError("the launcher must not import the package")\n');
  copyFileSync(BIN, join(site, 'cdk_deployment_script', '_jsii', 'bin', 'cdk-deployment-script.js'));
  const start = Date.now();
  const out = spawnSync('python3', [join(ROOT, 'scripts', 'python-launcher.py'), ...args], { env: { PATH: process.env.PATH!, PYTHONPATH: site, ...env }, encoding: 'utf8' });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr, ms: Date.now() - start };
}

/** For each code: a command that must end with it, and what it must say. */
const CASES: Record<number, { what: string; run: () => Promise<CliResult>; says: RegExp }> = {
  0: { what: 'a script that succeeds', run: () => local('--script', 'ok'), says: /✔ script ok succeeded/ },
  1: { what: 'a script that throws', run: () => local('--script', 'fail'), says: /✘ script fail failed after \d+\.\d s: Error: no/ },
  2: { what: 'an unknown option', run: () => local('--script', 'ok', '--verbose'), says: /^error: unknown option '--verbose'\./ },
  3: { what: 'an unknown script', run: () => local('--script', 'nope'), says: /^error: no deployment script named 'nope'/ },
  4: { what: 'a task with no container engine', run: () => local('--script', 'Migrate'), says: /No container engine to run task Migrate/ },
  9: {
    what: 'npm\'s command, with an --env-file that does not exist: node refuses it',
    run: async () => {
      const args = ['run', '--local', '--app', app, '--script', 'ok', '--env-file', join(dir, 'no-such.env')];
      // The pip command's launcher passes the arguments after `--`, so the command itself says it.
      const pip = pipCommand({ JSII_NODE: process.execPath }, args);
      expect(pip).toMatchObject({ code: 3, stderr: expect.stringContaining(`error: cannot read --env-file ${join(dir, 'no-such.env')}`) });
      return local('--script', 'ok', '--env-file', join(dir, 'no-such.env'));
    },
    says: /no-such\.env: not found/,
  },
  127: {
    what: 'no node: the pip command, and npm\'s bin',
    run: async () => {
      const pip = pipCommand({ JSII_NODE: join(dir, 'no-such-node') });
      expect(pip.stderr).toContain(`cdk-deployment-script: cannot run '${join(dir, 'no-such-node')}' (No such file or directory). The command runs on Node.js 22 or 24`);
      expect(pipCommand({ JSII_NODE: process.execPath })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      const npm = spawnSync(BIN, ['--version'], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
      expect(npm.status).toBe(127);
      return pip;
    },
    says: /install it \(https:\/\/nodejs\.org\) and put `node` on PATH, or set JSII_NODE to its path/,
  },
  130: {
    what: 'Ctrl-C while a local script runs',
    run: async () => {
      const cli = startCli(['run', '--local', '--app', app, '--script', 'slow']);
      await cli.waitFor('stderr', /working\n/);
      cli.signal('SIGINT');
      return cli.done;
    },
    says: /Interrupted: script slow was stopped\./,
  },
};

test('the README, --help and this test list the same codes', async () => {
  const documented = readmeCodes();
  expect(documented).toEqual(Object.keys(CASES).map(Number));
  const { stdout } = await runCli(['--help']);
  const help = stdout.slice(stdout.indexOf('Exit codes:'));
  expect([...help.matchAll(/^ {2}(\d+) {2}/gm)].map((m) => Number(m[1]))).toEqual(documented);
});

describe.each(Object.entries(CASES).map(([code, c]) => [Number(code), c.what, c] as const))('exit %d: %s', (code, _what, c) => {
  test('the command ends with it, saying why', async () => {
    const result = await c.run();
    expect(result.stderr).toMatch(c.says);
    expect(result.code).toBe(code);
  });
});
