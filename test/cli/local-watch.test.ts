/**
 * `run --local --watch` runs a script again when cdk synth rewrites the cloud assembly, and Ctrl-C stops it; Ctrl-C
 * during a local run stops the script and exits 130. The built command line, on an app synthesized for real.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBin, STACK_NAME, startCli, synthApp } from './support';

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
