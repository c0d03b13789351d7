/**
 * `run --local` of a script given as a `.py` entry with a requirements.txt: the synthesized asset holds the script and
 * what pip installed (six, from the package index), and the built command line runs it with python3 from there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { DeploymentScript, ScriptTrigger } from '../../lib';
import { FIXTURES } from '../support/template';
import { ensureBin, runCli } from './support';

let dir: string;
let app: string;

beforeAll(() => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-local-py-'));
  app = join(dir, 'cdk.out');
  const cdkApp = new App({ outdir: app, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(cdkApp, 'PyEntryStack');
  new DeploymentScript(stack, 'checkSchema', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    entry: join(FIXTURES, 'python-entry', 'check_schema.py'),
    parameters: { table: 'users' },
  });
  cdkApp.synth();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a .py entry runs locally, importing the package its requirements.txt installed into the asset', async () => {
  const { code, stdout, stderr } = await runCli(['run', '--local', '--app', app, '--script', 'checkSchema']);
  expect(stderr).toContain('Running script checkSchema of PyEntryStack locally (python3.14, check_schema.handler');
  expect(code).toBe(0);
  // The asset's six (pinned to 1.16.0), not one this machine's python3 may have: Lambda's path puts the code first.
  expect(JSON.parse(stdout)).toEqual({ checked: 'users', six: '1.16.0' });
  expect(stderr).toContain('── log of checkSchema ──\nchecking users\n──\n');
});
