/**
 * `run --local --watch` runs a script again when cdk synth rewrites the cloud assembly, and Ctrl-C stops it; Ctrl-C
 * during a local run stops the script and exits 130. The built command line, on an app synthesized for real; and on
 * a user's app in a folder of its own (cdk.json, the app, the script's source, node_modules with the real cdk CLI),
 * where an edit of the source is synthesized by that cdk CLI and runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ensureBin, isolatedEnv, ROOT, STACK_NAME, startCli, synthApp } from './support';

let dir: string;
let app: string;
let templateFile: string;

beforeAll(() => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-watch-'));
  app = join(dir, 'cdk.out');
  synthApp(app);
  templateFile = join(app, `${STACK_NAME}.template.json`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What cdk synth does when a script's inline code changes: rewrites its function in the template. */
function editCode(from: string, to: string): void {
  const text = readFileSync(templateFile, 'utf8');
  if (!text.includes(from)) throw new Error(`the template has no ${from}`);
  writeFileSync(templateFile, text.replace(from, to));
}

test('--watch runs the script, again after the assembly changes, and Ctrl-C ends it with the last run\'s code', async () => {
  const cli = startCli(['run', '--local', '--app', app, '--script', 'seed', '--param', 'count=7', '--watch']);
  await cli.waitFor('stderr', /Watching \S+ for the next cdk synth \(Ctrl-C to stop\)…/);
  editCode('seeded: event.count', 'seeded: event.count * 10');
  await cli.waitFor('stderr', /Watching \S+ for the next cdk synth/, 2);
  cli.signal('SIGINT');
  const { code, stdout, stderr } = await cli.done;
  expect(code).toBe(0);
  expect(stdout).toBe([{ seeded: 7, remaining: true }, { seeded: 70, remaining: true }].map((r) => JSON.stringify(r, null, 2) + '\n').join(''));
  expect(stderr).toContain(`(--watch runs the script again after each cdk synth only: no cdk.json in or above ${app} or the working directory ` +
    '(the app\'s folder). Run cdk synth after each edit.)');
  expect(stderr).toMatch(/\S+cdk\.out changed: running again\.\n/);
  expect(stderr.match(/✔ script Api\/seed succeeded/g)).toHaveLength(2);
});

test('--watch: a run that fails is reported, and the next synth runs the script again', async () => {
  const cli = startCli(['run', '--local', '--app', app, '--script', 'fail', '--watch']);
  await cli.waitFor('stderr', /Watching /);
  editCode(String.raw`throw new MigrationError('relation \"users\" already exists');`, 'return { applied: 42 };');
  await cli.waitFor('stderr', /Watching /, 2);
  cli.signal('SIGINT');
  const { code, stdout, stderr } = await cli.done;
  expect(stderr).toContain('✘ script fail failed after');
  expect(stdout).toBe('{\n  "applied": 42\n}\n');
  expect(code).toBe(0);
});

test('Ctrl-C while a local script runs stops it, says so, and exits 130', async () => {
  const cli = startCli(['run', '--local', '--app', app, '--script', 'slow']);
  await cli.waitFor('stderr', /working\n/);
  cli.signal('SIGINT');
  const { code, stdout, stderr } = await cli.done;
  expect(code).toBe(130);
  expect(stdout).toBe('');
  expect(stderr).toContain('Interrupted: script slow was stopped.');
  expect(stderr).not.toContain('✘');
});

test('Ctrl-C during a run of --watch stops the run and the watch: 130', async () => {
  const cli = startCli(['run', '--local', '--app', app, '--script', 'slow', '--watch']);
  await cli.waitFor('stderr', /working\n/);
  cli.signal('SIGINT');
  const { code, stderr } = await cli.done;
  expect(code).toBe(130);
  expect(stderr).toContain('Interrupted: script slow was stopped.');
  expect(stderr).not.toContain('Watching');
});

/** The CDK CLI the project develops with (the devDependency aws-cdk), as an app's own node_modules has it. */
const CDK = join(ROOT, 'node_modules', '.bin', 'cdk');
/** The CDK CLI offline: no version check, no telemetry (the app's cdk.json turns notices off). */
const CDK_ENV = { CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' };

/**
 * A user's app, as `cdk init` lays it out and synthesized by the cdk CLI: cdk.json runs app.js, whose script's code
 * is the folder scripts/, and node_modules holds aws-cdk-lib and the cdk CLI (the repository's, by a link).
 */
function userApp(marker: string): string {
  if (!existsSync(CDK)) throw new Error('the CDK CLI is not installed: these tests need the devDependency aws-cdk (`npm install`)');
  const project = mkdtempSync(join(tmpdir(), 'cli-watch-app-'));
  mkdirSync(join(project, 'scripts'));
  writeFileSync(join(project, 'cdk.json'), JSON.stringify({ app: 'node app.js', notices: false }));
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  writeFileSync(join(project, 'app.js'), USER_APP);
  writeMarker(project, marker);
  execFileSync(join(project, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet'], { cwd: project, env: { ...isolatedEnv(), ...CDK_ENV }, stdio: 'pipe' });
  return project;
}

const USER_APP = `const { App, Stack } = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const { DeploymentScript, ScriptTrigger } = require(${JSON.stringify(join(ROOT, 'lib'))});
const app = new App();
new DeploymentScript(new Stack(app, '${STACK_NAME}'), 'migrate', {
  trigger: ScriptTrigger.AFTER_DEPLOY, code: lambda.Code.fromAsset('scripts'), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_22_X,
});
`;

/** The script's source: its result is `marker`. */
function writeMarker(project: string, marker: string): void {
  writeFileSync(join(project, 'scripts', 'index.js'), `exports.handler = async () => ({ applied: ${JSON.stringify(marker)} });\n`);
}

/** What `run --local` prints on stdout for runs whose results are `markers`. */
function results(...markers: string[]): string {
  return markers.map((marker) => JSON.stringify({ applied: marker }, null, 2) + '\n').join('');
}

/** `run --local --watch` of the user's app's script, started in the app's folder as the user would. */
function watchUserApp(project: string) {
  return startCli(['run', '--local', '--script', 'migrate', '--watch'], { cwd: project, env: CDK_ENV, timeoutMs: 30_000 });
}

/** Saves the script's source (its result: "second"), waits for its run and the next wait, and stops the watch. */
async function saveAndStop(app: string, cli: ReturnType<typeof watchUserApp>) {
  writeMarker(app, 'second');
  await cli.waitFor('stdout', /"second"/);
  await cli.waitFor('stderr', /Watching /, 2);
  cli.signal('SIGINT');
  return cli.done;
}

describe('--watch in an app\'s folder, with the app\'s cdk CLI', () => {
  const projects: string[] = [];
  const project = (marker: string) => {
    projects.push(userApp(marker));
    return projects[projects.length - 1];
  };
  afterAll(() => projects.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

  test('an edit of the script\'s source is synthesized by cdk synth and runs; other files are no edits', async () => {
    const app = project('first');
    const cli = watchUserApp(app);
    await cli.waitFor('stderr', /Watching the app's files for edits, and cdk\.out for the next cdk synth \(Ctrl-C to stop\)…/);
    // A save, with what editors, git and Python write beside it, and the linked node_modules.
    mkdirSync(join(app, '.git'));
    writeFileSync(join(app, '.git', 'index'), 'x');
    mkdirSync(join(app, '__pycache__'));
    writeFileSync(join(app, '__pycache__', 'app.cpython-313.pyc'), 'x');
    writeFileSync(join(app, 'scripts', '.index.js.swp'), 'x');
    writeFileSync(join(app, 'scripts', 'index.js~'), 'x');
    writeFileSync(join(app, '#app.js#'), 'x');
    const { code, stdout, stderr } = await saveAndStop(app, cli);
    expect(code).toBe(0);
    expect(stdout).toBe(results('first', 'second'));
    expect(stderr).toContain('\nscripts/index.js changed: cdk synth…\n\ncdk.out changed: running again.\n');
    expect(stderr.match(/changed: cdk synth…/g)).toHaveLength(1);
  });

  test('cdk.json\'s watch.include and watch.exclude, as cdk watch reads them: an edit of a file they leave out is none', async () => {
    const app = project('first');
    writeFileSync(join(app, 'cdk.json'), JSON.stringify({
      app: 'node app.js', notices: false, watch: { include: ['**'], exclude: ['README.md', 'test', '**/*.d.ts', 'cdk*.json'] },
    }));
    mkdirSync(join(app, 'test'));
    const cli = watchUserApp(app);
    await cli.waitFor('stderr', /Watching the app's files/);
    writeFileSync(join(app, 'README.md'), '# notes');
    writeFileSync(join(app, 'test', 'app.test.js'), 'x');
    writeFileSync(join(app, 'scripts', 'index.d.ts'), 'export {};');
    writeFileSync(join(app, 'cdk.context.json'), '{}');
    const { code, stderr } = await saveAndStop(app, cli);
    expect(code).toBe(0);
    expect(stderr.match(/ changed: cdk synth…/g)).toEqual([' changed: cdk synth…']);
    expect(stderr).toContain('\nscripts/index.js changed: cdk synth…\n');
  });

  test('a synth that fails is shown and runs nothing, the watch goes on, and the next edit that synthesizes runs', async () => {
    const app = project('first');
    const source = readFileSync(join(app, 'app.js'), 'utf8');
    const cli = watchUserApp(app);
    await cli.waitFor('stderr', /Watching /);
    writeFileSync(join(app, 'app.js'), `throw new Error('config/dev.json is missing');\n${source}`);
    await cli.waitFor('stderr', /Watching /, 2);
    writeFileSync(join(app, 'app.js'), source);
    writeMarker(app, 'third');
    await cli.waitFor('stdout', /"third"/);
    cli.signal('SIGINT');
    const { code, stdout, stderr } = await cli.done;
    expect(code).toBe(0);
    expect(stdout).toBe(results('first', 'third'));
    expect(stderr).toContain('\napp.js changed: cdk synth…\n✘ cdk synth failed (exit code 1): the script did not run, and the watch goes on.\n── cdk synth ──\n');
    expect(stderr).toContain('Error: config/dev.json is missing');
  });

  test('Ctrl-C during cdk synth stops it, and the watch ends with the code of the last run', async () => {
    const app = project('first');
    const source = readFileSync(join(app, 'app.js'), 'utf8');
    const cli = watchUserApp(app);
    await cli.waitFor('stderr', /Watching /);
    writeFileSync(join(app, 'app.js'), `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);\n${source}`);
    await cli.waitFor('stderr', /app\.js changed: cdk synth…/);
    const interrupted = Date.now();
    cli.signal('SIGINT');
    const { code, stdout, stderr } = await cli.done;
    expect(Date.now() - interrupted).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(stdout).toBe(results('first'));
    expect(stderr).toMatch(/app\.js changed: cdk synth…\nInterrupted: cdk synth was stopped\.\n$/);
  });

  test('without a cdk CLI, --watch says why an edit does not run, and runs after each cdk synth', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cli-watch-no-cdk-'));
    projects.push(folder);
    writeFileSync(join(folder, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
    const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => !existsSync(join(dir, 'cdk'))).join(delimiter);
    const cli = startCli(['run', '--local', '--app', app, '--script', 'Api/seed', '--watch'], { cwd: folder, env: { PATH: path } });
    await cli.waitFor('stderr', /Watching /);
    writeFileSync(join(folder, 'app.js'), 'edited');
    editCode('remaining:', 'left:');
    await cli.waitFor('stderr', /Watching /, 2);
    cli.signal('SIGINT');
    const { code, stdout, stderr } = await cli.done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\{\n {2}"seeded": \d+,\n {2}"remaining": true\n\}\n\{\n {2}"seeded": \d+,\n {2}"left": true\n\}\n$/);
    expect(stderr).toContain(`(--watch runs the script again after each cdk synth only: no cdk CLI found (node_modules/.bin/cdk in ${folder}, or cdk on PATH) ` +
      'to synthesize the app. Run cdk synth after each edit.)');
    expect(stderr).not.toContain('cdk synth…');
  });
});
