/**
 * `run --local` of Python scripts: the interpreter of the script's runtime when it runs, else another Python 3 and a
 * note that says which and why; boto3 (which Lambda provides) found in the Python that runs the script, or the exact
 * command that installs it there. The interpreters are a real virtual environment's (no boto3 in it), alone on PATH.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DeploymentScript, ScriptTrigger } from '../../lib';
import { ensureBin, runCli } from './support';

let dir: string;
let app: string;
/** The virtual environment's bin folder: python, python3, python3.X. */
let venvBin: string;
/** Its Python version, `3.X`. */
let version: string;
/** Another version than the environment's, for a script whose runtime is not installed. */
let other: string;

const RESULT = 'import sys\ndef handler(event, context):\n    return {"python": "%d.%d" % sys.version_info[:2], "requestType": context.client_context.custom["requestType"]}\n';

beforeAll(() => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-local-python-'));
  execFileSync('python3', ['-m', 'venv', '--without-pip', join(dir, 'venv')]);
  venvBin = join(dir, 'venv', 'bin');
  version = execFileSync(join(venvBin, 'python3'), ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
  other = version === '3.12' ? '3.13' : '3.12';
  app = join(dir, 'cdk.out');
  const cdkApp = new App({ outdir: app });
  const stack = new Stack(cdkApp, 'PyStack');
  const python = (v: string) => new lambda.Runtime(`python${v}`, lambda.RuntimeFamily.PYTHON, { supportsInlineCode: true });
  new DeploymentScript(stack, 'same', { trigger: ScriptTrigger.AFTER_DEPLOY, code: lambda.Code.fromInline(RESULT), handler: 'index.handler', runtime: python(version) });
  new DeploymentScript(stack, 'other', { trigger: ScriptTrigger.AFTER_DEPLOY, code: lambda.Code.fromInline(RESULT), handler: 'index.handler', runtime: python(other) });
  new DeploymentScript(stack, 'cleanup', {
    trigger: ScriptTrigger.BEFORE_DELETE,
    code: lambda.Code.fromInline('import boto3\ndef handler(event, context):\n    return {"boto3": boto3.VERSION}\n'),
    handler: 'index.handler',
    runtime: python(version),
  });
  cdkApp.synth();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `run --local` with only `pathDirs` on PATH. */
const local = (pathDirs: string[], script: string, env: Record<string, string> = {}) =>
  runCli(['run', '--local', '--app', app, '--script', script], { env: { PATH: pathDirs.join(':'), ...env } });

describe('the Python that runs a script', () => {
  test('the runtime\'s python3.X when it runs: no note', async () => {
    const { code, stdout, stderr } = await local([venvBin], 'same');
    expect(stderr).toContain(`Running script same of PyStack locally (python${version}, index.handler`);
    expect(stderr).not.toContain('running on');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ python: version, requestType: 'Manual' });
  });

  test('the runtime\'s version not on PATH: python3 runs it, and a note says which Python and why', async () => {
    const { code, stdout, stderr } = await local([venvBin], 'other');
    expect(stderr).toContain(`(running on python3 (Python ${version}); the function's runtime is python${other}, and python${other} is not on PATH)\n`);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ python: version, requestType: 'Manual' });
  });

  test('the runtime\'s version is on PATH but does not run (a pyenv shim of a version not selected): the note says what it said', async () => {
    const shims = join(dir, 'shims');
    mkdirSync(shims, { recursive: true });
    writeFileSync(join(shims, `python${other}`), `#!/bin/sh\necho "pyenv: python${other}: command not found" >&2\nexit 127\n`);
    chmodSync(join(shims, `python${other}`), 0o755);
    const { code, stderr } = await local([shims, venvBin, '/bin', '/usr/bin'], 'other');
    expect(stderr).toContain(`(running on python3 (Python ${version}); the function's runtime is python${other}, and python${other} does not run (pyenv: python${other}: command not found))\n`);
    expect(code).toBe(0);
  });
});

describe('boto3', () => {
  test('a script that imports boto3, with a Python that cannot: the exact command that installs it there, and nothing runs', async () => {
    const { code, stdout, stderr } = await local([venvBin], 'cleanup');
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe(`error: script cleanup imports boto3, which Lambda provides and its code leaves out, and python${version} (the Python that runs it here) ` +
      `cannot import it. Install it for that Python: python${version} -m pip install boto3 (in a virtual environment: activate it first); ` +
      'or pass an interpreter that has it with --python.\n');
  });

  test('once that Python can import it (here from PYTHONPATH), the script runs with it', async () => {
    const site = join(dir, 'site');
    mkdirSync(join(site, 'boto3'), { recursive: true });
    writeFileSync(join(site, 'boto3', '__init__.py'), 'VERSION = "1.0.local"\n');
    const { code, stdout } = await local([venvBin], 'cleanup', { PYTHONPATH: site });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ boto3: '1.0.local' });
  });
});
