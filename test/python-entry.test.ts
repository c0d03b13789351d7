/**
 * A script given as a `.py` entry: its runtime, handler and asset (the folder, with a requirements.txt installed by pip
 * on this machine, or in Docker), and its bad input.
 *
 * Offline: the requirement is a wheel built here (with a console script, so that pip writes what differs between
 * machines), installed with PIP_NO_INDEX and PIP_FIND_LINKS through `pythonBundling.environment`. pip is found
 * through CDK_DEPLOYMENT_SCRIPT_PYTHON, a wrapper that logs each call; Docker is a fake (CDK_DOCKER) that logs its
 * arguments and runs the bundling command on this machine, with `pip` mapped to this machine's.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, DockerImage, FileSystem, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DeploymentScript, DeploymentScriptProps, ScriptTrigger } from '../lib';
import { ECHO_SCRIPT, FIXTURES, newStack } from './support/template';

const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
let work: string;
let wheels: string;
let pipLog: string;
let fakePython: string;
let dockerLog: string;
let fakeDocker: string;
const savedEnv = { ...process.env };

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'python-entry-'));
  wheels = path.join(work, 'wheels');
  fs.mkdirSync(wheels);
  execFileSync(PYTHON, ['-c', BUILD_WHEEL, wheels]);

  pipLog = path.join(work, 'pip.log');
  fakePython = path.join(work, 'python-wrapper');
  fs.writeFileSync(fakePython, `#!/bin/sh\necho "$@" >> '${pipLog}'\nexec '${PYTHON}' "$@"\n`, { mode: 0o755 });

  dockerLog = path.join(work, 'docker.log');
  const shims = path.join(work, 'shims');
  fs.mkdirSync(shims);
  fs.writeFileSync(path.join(shims, 'pip'), `#!/bin/sh\nexec '${PYTHON}' -m pip "$@"\n`, { mode: 0o755 });
  fakeDocker = path.join(work, 'docker');
  fs.writeFileSync(fakeDocker, `#!${process.execPath}\n${FAKE_DOCKER(dockerLog, shims)}`, { mode: 0o755 });
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
afterEach(() => { process.env = { ...savedEnv }; });

/** A script's folder: `check.py` and the given files. */
function scriptFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(work, 'script-'));
  for (const [name, text] of Object.entries({ 'check.py': 'import tinydep\n\ndef handler(event, context):\n    return tinydep.VERSION\n', ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const offline = () => ({ environment: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels } });

/** Synthesizes one script in a new app; returns its function's properties and its asset's files. */
function synth(props: Partial<DeploymentScriptProps>, outdir?: string): { fn: any; hash: string; files: string[]; dir: string } {
  process.env.CDK_DEPLOYMENT_SCRIPT_PYTHON ??= fakePython;
  const app = new App(outdir ? { outdir } : {});
  const stack = new Stack(app, 'Stack');
  new DeploymentScript(stack, 'check', { trigger: ScriptTrigger.AFTER_DEPLOY, ...props } as DeploymentScriptProps);
  return scriptAsset(app, stack);
}

/** The script's function's properties, and its asset in the cloud assembly. */
function scriptAsset(app: App, stack: Stack): { fn: any; hash: string; files: string[]; dir: string } {
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Description: 'cdk-deployment-script: Stack/check (after:deploy)' } });
  const fn = Object.values(functions)[0];
  const hash = fn.Properties.Code.S3Key.replace(/\.zip$/, '');
  const dir = path.join(app.outdir, `asset.${hash}`);
  return { fn: fn.Properties, hash, files: listFiles(dir), dir };
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`)
    : [`${prefix}${e.name}`]).sort();
}

const pipInstalls = () => (fs.existsSync(pipLog) ? fs.readFileSync(pipLog, 'utf8') : '').split('\n').filter((l) => / install /.test(` ${l} `));
const dockerRuns = () => (fs.existsSync(dockerLog) ? fs.readFileSync(dockerLog, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]).filter((a) => a[0] === 'run');

describe('a .py entry', () => {
  beforeEach(() => { fs.rmSync(pipLog, { force: true }); fs.rmSync(dockerLog, { force: true }); });

  test('runs on Python 3.14, its handler is <file>.handler, and its asset is its folder less Python\'s caches and .venv', () => {
    // GIVEN a folder without requirements.txt
    const dir = scriptFolder({
      'data/schema.sql': 'select 1;',
      '__pycache__/check.cpython-314.pyc': 'x',
      'lib/__pycache__/util.cpython-314.pyc': 'x',
      'lib/util.py': '',
      'lib/old.pyc': 'x',
      '.venv/pyvenv.cfg': 'home = /usr/bin',
      '.venv/bin/python': '',
    });

    // WHEN
    const { fn, files } = synth({ entry: path.join(dir, 'check.py') });

    // THEN: no bundling (pip was not asked), the files as they are
    expect(fn).toMatchObject({ Runtime: 'python3.14', Handler: 'check.handler' });
    expect(files).toEqual(['check.py', 'data/schema.sql', 'lib/util.py']);
    expect(pipInstalls()).toEqual([]);
  });

  test('a handler without a dot is a function of the file; with one, Lambda\'s handler as it is; runtime may be another Python', () => {
    const dir = scriptFolder({});
    expect(synth({ entry: path.join(dir, 'check.py'), handler: 'main' }).fn.Handler).toBe('check.main');
    expect(synth({ entry: path.join(dir, 'check.py'), handler: 'pkg.mod.run' }).fn.Handler).toBe('pkg.mod.run');
    expect(synth({ entry: path.join(dir, 'check.py'), runtime: lambda.Runtime.PYTHON_3_12 }).fn.Runtime).toBe('python3.12');
  });

  test('a relative entry is resolved from the current directory', () => {
    const { fn, files } = synth({ entry: path.relative(process.cwd(), path.join(FIXTURES, 'python', 'script.py')) });
    expect(fn.Handler).toBe('script.handler');
    expect(files).toEqual(['script.py']);
  });

  test('requirements.txt is installed with pip on this machine, for Lambda\'s platform, without pip\'s machine-specific files', () => {
    // GIVEN
    const dir = scriptFolder({ 'requirements.txt': 'tinydep==1.0\n', 'notes.md': 'x', 'tests/test_check.py': '', '__pycache__/check.pyc': 'x' });

    // WHEN
    const { files } = synth({ entry: path.join(dir, 'check.py'), pythonBundling: { ...offline(), exclude: ['*.md', 'tests'] } });

    // THEN
    expect(files).toEqual([
      'check.py',
      'requirements.txt',
      'tinydep-1.0.dist-info/METADATA',
      'tinydep-1.0.dist-info/WHEEL',
      'tinydep-1.0.dist-info/entry_points.txt',
      'tinydep.py',
    ]);
    const [install] = pipInstalls();
    expect(install).toMatch(/^-m pip install --requirement requirements\.txt --target \S+ --platform manylinux2014_x86_64 --implementation cp --python-version 3\.14 --only-binary=:all: --no-compile /);
  });

  test('arm64 and another Python: pip installs for them', () => {
    const dir = scriptFolder({ 'requirements.txt': 'tinydep==1.0\n' });
    synth({ entry: path.join(dir, 'check.py'), runtime: lambda.Runtime.PYTHON_3_12, architecture: lambda.Architecture.ARM_64, pythonBundling: offline() });
    expect(pipInstalls()[0]).toContain('--platform manylinux2014_aarch64 --implementation cp --python-version 3.12 ');
  });

  test('two synths, into two cloud assemblies, give the same asset hash and the same files, byte for byte', () => {
    const dir = scriptFolder({ 'requirements.txt': 'tinydep==1.0\n' });
    const props = { entry: path.join(dir, 'check.py'), pythonBundling: offline() };
    const first = synth(props);
    const second = synth(props);
    expect(pipInstalls()).toHaveLength(2);
    expect(second.hash).toBe(first.hash);
    expect(FileSystem.fingerprint(second.dir)).toBe(FileSystem.fingerprint(first.dir));
    // The hash follows what the files are: another requirement, another hash.
    fs.writeFileSync(path.join(dir, 'requirements.txt'), 'tinydep==1.0\n# pinned\n');
    expect(synth(props).hash).not.toBe(first.hash);
  });

  test('a synth into a cloud assembly that has the asset already does not run pip again', () => {
    const dir = scriptFolder({ 'requirements.txt': 'tinydep==1.0\n' });
    const outdir = fs.mkdtempSync(path.join(work, 'cdk.out-'));
    const props = { entry: path.join(dir, 'check.py'), pythonBundling: offline() };
    const first = synth(props, outdir);
    expect(synth(props, outdir).hash).toBe(first.hash);
    expect(pipInstalls()).toHaveLength(1);
  });

  test('a file of the folder is never replaced by an installed one', () => {
    const dir = scriptFolder({ 'requirements.txt': 'tinydep==1.0\n', 'tinydep.py': 'VERSION = "mine"\n' });
    const { dir: asset } = synth({ entry: path.join(dir, 'check.py'), pythonBundling: offline() });
    expect(fs.readFileSync(path.join(asset, 'tinydep.py'), 'utf8')).toBe('VERSION = "mine"\n');
  });

  test('without pip on this machine, the requirements are installed in Docker, in the runtime\'s image, for its architecture', () => {
    // GIVEN no python3 or python on PATH, and Docker
    const dir = scriptFolder({ 'requirements.txt': 'tinydep==1.0\n', 'notes.md': 'x' });
    process.env.PATH = fs.mkdtempSync(path.join(work, 'empty-path-'));
    delete process.env.CDK_DEPLOYMENT_SCRIPT_PYTHON;
    process.env.CDK_DOCKER = fakeDocker;

    // WHEN
    const { files } = synthNoPython({ entry: path.join(dir, 'check.py'), architecture: lambda.Architecture.ARM_64, pythonBundling: { ...offline(), exclude: ['*.md'] } });

    // THEN
    const [run] = dockerRuns();
    expect(run).toEqual(expect.arrayContaining(['--platform', 'linux/arm64', lambda.Runtime.PYTHON_3_14.bundlingImage.image, 'bash', '-c']));
    expect(run).toEqual(expect.arrayContaining(['--env', `PIP_FIND_LINKS=${wheels}`]));
    expect(run[run.length - 1]).toMatch(/pip install --requirement requirements\.txt --target \/tmp\/requirements /);
    expect(files).toEqual(['check.py', 'requirements.txt', 'tinydep-1.0.dist-info/METADATA', 'tinydep-1.0.dist-info/WHEEL', 'tinydep-1.0.dist-info/entry_points.txt', 'tinydep.py']);
  });

  test('forceDockerBundling: Docker even with pip on this machine, in the image given', () => {
    const dir = scriptFolder({ 'requirements.txt': 'tinydep==1.0\n' });
    process.env.CDK_DOCKER = fakeDocker;
    const { files } = synth({ entry: path.join(dir, 'check.py'), pythonBundling: { ...offline(), forceDockerBundling: true, image: DockerImage.fromRegistry('my/python-builder:3.14') } });
    expect(pipInstalls()).toEqual([]);
    const [run] = dockerRuns();
    expect(run).toEqual(expect.arrayContaining(['--platform', 'linux/amd64', 'my/python-builder:3.14']));
    expect(files).toContain('tinydep.py');
  });

  test('a pip failure names the script, the requirements file, pip\'s last lines and the fix', () => {
    const dir = scriptFolder({ 'requirements.txt': 'tinydep==2.0\n' });
    expect(() => synth({ entry: path.join(dir, 'check.py'), pythonBundling: offline() })).toThrow(new RegExp([
      `DeploymentScript Stack/check: '.* -m pip install -r ${escape(path.join(dir, 'requirements.txt'))}' for the script ${escape(path.join(dir, 'check.py'))} failed \\(exit code 1\\), installing wheels for Python 3\\.14 on manylinux2014_x86_64:\n`,
      '.*No matching distribution found for tinydep==2\\.0\n',
      'Pin each package of requirements\\.txt to a version that publishes a wheel for Python 3\\.14 on manylinux2014_x86_64 .*',
      'or install the requirements in Docker, which builds what has no wheel: pythonBundling: \\{ forceDockerBundling: true \\}\\.',
    ].join(''), 's'));
  });
});

/** Synthesizes with PATH as set by the test (node itself is run by its absolute path). */
function synthNoPython(props: Partial<DeploymentScriptProps>) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  new DeploymentScript(stack, 'check', { trigger: ScriptTrigger.AFTER_DEPLOY, ...props } as DeploymentScriptProps);
  return scriptAsset(app, stack);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('bad input for a .py entry is rejected at construction, naming the prop, the value and the fix, leaving nothing behind', () => {
  function rejects(props: Partial<DeploymentScriptProps>, message: string | RegExp, app?: App) {
    const stack = app ? new Stack(app, 'Stack') : newStack().stack;
    const before = stack.node.findAll().length;
    expect(() => new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, ...props } as DeploymentScriptProps)).toThrow(message);
    expect(stack.node.findAll().length).toBe(before);
  }
  const script = () => path.join(scriptFolder({}), 'check.py');

  test('a missing file', () => {
    const missing = path.join(work, 'nowhere', 'check_schema.py');
    rejects({ entry: missing }, `DeploymentScript Stack/Script: 'entry' is ${missing}, which does not exist (${missing}). Give the path of the script's .py file; a relative path is resolved from the current directory, ${process.cwd()}.`);
  });

  test('a directory', () => {
    const dir = path.join(scriptFolder({}), 'pkg.py');
    fs.mkdirSync(dir);
    rejects({ entry: dir }, `'entry' is ${dir}, which is a directory (${dir}). Give the path of the script's .py file.`);
  });

  test('a dot in the module name', () => {
    const file = path.join(scriptFolder({ 'check.schema.py': '' }), 'check.schema.py');
    rejects({ entry: file }, `'entry' is ${file}: Lambda imports the handler's module by its name, and a dot in it names a package. Rename the file without dots, e.g. check_schema.py.`);
  });

  test('a runtime that is not Python', () => {
    const file = script();
    rejects({ entry: file, runtime: lambda.Runtime.NODEJS_22_X },
      `DeploymentScript Stack/Script: 'runtime' is nodejs22.x with 'entry' ${file}, a Python script. Use a Python runtime, e.g. Runtime.PYTHON_3_14, or leave 'runtime' out for python3.14.`);
  });

  test.each(['bundling', 'depsLockFilePath', 'projectRoot'] as const)('%s, which is for esbuild', (key) => {
    const file = script();
    const value = key === 'bundling' ? { minify: true } : '/somewhere';
    rejects({ entry: file, [key]: value },
      `DeploymentScript Stack/Script: '${key}' is given with 'entry' ${file}, a Python script: it only applies to a .ts or .js entry, bundled with esbuild. Remove it; a Python script's packaging is set with 'pythonBundling'.`);
  });

  test('pythonBundling with a .ts entry', () => {
    rejects({ entry: ECHO_SCRIPT, pythonBundling: { exclude: ['x'] } },
      `DeploymentScript Stack/Script: 'pythonBundling' is given with 'entry' ${ECHO_SCRIPT}, which is bundled with esbuild. Use 'bundling' for a .ts or .js entry, or give a .py entry.`);
  });

  test('pythonBundling with code', () => {
    rejects({ code: lambda.Code.fromInline('x'), handler: 'index.handler', runtime: lambda.Runtime.PYTHON_3_13, pythonBundling: { forceDockerBundling: true } },
      "DeploymentScript Stack/Script: 'pythonBundling' is given with 'code': it only applies to a script given as a .py 'entry'. Remove it, and package the code yourself, or give the script as a .py 'entry'.");
  });

  test('a handler that is not a name', () => {
    rejects({ entry: script(), handler: 'check.' },
      'DeploymentScript Stack/Script: \'handler\' is "check.". Give the function\'s name (e.g. \'handler\'), or Lambda\'s full handler string, \'<module>.<function>\'.');
  });

  test('a folder that holds the cloud assembly', () => {
    const file = script();
    const outdir = path.join(path.dirname(file), 'cdk.out');
    rejects({ entry: file }, `DeploymentScript Stack/Script: the folder of 'entry' ${file} (${path.dirname(file)}) holds the app's output directory (${outdir}), and a Python script's asset is its whole folder. Move check.py, and the files it needs, into a folder of its own, e.g. scripts/.`,
      new App({ outdir }));
  });

  test('a Python runtime with a .ts entry (as before)', () => {
    rejects({ entry: ECHO_SCRIPT, runtime: lambda.Runtime.PYTHON_3_14 }, "'runtime' is python3.14 with 'entry', which is bundled for Node.js.");
  });
});

/** Writes tinydep-1.0-py3-none-any.whl, with a console script, into argv[1]. */
const BUILD_WHEEL = String.raw`
import base64, hashlib, os, sys, zipfile
files = {
    "tinydep.py": 'VERSION = "1.0"\n\ndef main():\n    print(VERSION)\n',
    "tinydep-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
    "tinydep-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    "tinydep-1.0.dist-info/entry_points.txt": "[console_scripts]\ntinydep = tinydep:main\n",
}
record = []
for name, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record.append("%s,sha256=%s,%d" % (name, digest, len(text.encode())))
record.append("tinydep-1.0.dist-info/RECORD,,")
files["tinydep-1.0.dist-info/RECORD"] = "\n".join(record) + "\n"
with zipfile.ZipFile(os.path.join(sys.argv[1], "tinydep-1.0-py3-none-any.whl"), "w") as wheel:
    for name, text in files.items():
        wheel.writestr(name, text)
`;

/**
 * A fake `docker` (run with node): logs its arguments, and for `run`, runs the bundling command on this machine with
 * the image's paths mapped to the mounted folders, `pip` to this machine's (shims), and the image's environment.
 */
function FAKE_DOCKER(log: string, shims: string): string {
  return `
const fs = require('fs');
const { spawnSync } = require('child_process');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');
if (args[0] !== 'run') process.exit(0);
const withValue = new Set(['--platform', '-u', '-v', '--env', '-e', '-w', '--entrypoint', '--security-opt', '--network', '--volumes-from']);
const mounts = {}; const env = {}; let i = 1; let workdir;
for (; i < args.length; i++) {
  if (args[i] === '--rm') continue;
  if (!withValue.has(args[i])) break;
  const value = args[++i];
  if (args[i - 1] === '-v') { const [host, container] = value.split(':'); mounts[container] = host; }
  if (args[i - 1] === '--env' || args[i - 1] === '-e') { const eq = value.indexOf('='); env[value.slice(0, eq)] = value.slice(eq + 1); }
  if (args[i - 1] === '-w') workdir = value;
}
const command = args.slice(i + 1);
const tmp = fs.mkdtempSync(require('os').tmpdir() + '/fake-docker-');
let script = command[2].split('/asset-output').join(mounts['/asset-output']).split('/tmp/requirements').join(tmp + '/requirements');
const result = spawnSync('/bin/bash', ['-c', script], { cwd: mounts[workdir || '/asset-input'], stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...env, PATH: ${JSON.stringify(shims)} + ':/usr/bin:/bin', HOME: tmp } });
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(result.status ?? 1);
`;
}
