/** Helpers shared by the e2e scenarios. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { DeploymentScript, type DeploymentScriptOptions } from '../../lib';
import { Harness, type HarnessOptions } from './harness';

export const ROOT = join(__dirname, '..', '..');
/** A prebuilt script that records each run and does what its parameters ask (see fixtures/recorder). */
export const RECORDER_DIR = join(__dirname, 'fixtures', 'recorder');

/**
 * This test file's temporary files (synthesized apps, run logs, copies of fixtures), removed when it ends.
 * Outside the project: Lambda would not see the project's node_modules, and neither may the harness's functions.
 */
const TEMP = mkdtempSync(join(tmpdir(), 'cdk-ds-e2e-'));
afterAll(() => rmSync(TEMP, { recursive: true, force: true }));

/** A fresh temporary directory, removed when the test file ends. */
export function tempDir(prefix = 'tmp-'): string {
  return mkdtempSync(join(TEMP, prefix));
}

/** Starts a harness, after checking that what it deploys is the current code. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  checkRuntimeBundle();
  return Harness.start(options);
}

/**
 * The runtime the stacks deploy is the bundle in assets/runtime (scripts/bundle-runtime.mjs), not the sources:
 * a bundle older than its sources would test yesterday's code.
 */
export function checkRuntimeBundle(): void {
  const bundle = join(ROOT, 'assets', 'runtime', 'index.js');
  if (!existsSync(bundle)) throw new Error('assets/runtime/index.js is missing: run `npm run bundle` (scripts/test.sh does) before the e2e tests');
  // The script runtime's sources: its own folder and the floor it stands on.
  const sources = ['script', 'shared'].flatMap((dir) => readdirSync(join(ROOT, 'lambda-runtime', dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(ROOT, 'lambda-runtime', dir, f)));
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (statSync(bundle).mtimeMs < newest) {
    throw new Error('assets/runtime/index.js is older than lambda-runtime/{script,shared}/*.ts: run `npm run bundle` (scripts/test.sh does) before the e2e tests');
  }
}

/** The same for the container tasks' runtime, assets/task-runtime, for the files that deploy tasks. */
export function checkTaskRuntimeBundle(): void {
  const bundle = join(ROOT, 'assets', 'task-runtime', 'index.js');
  const sources = ['task', 'shared'].flatMap((dir) => readdirSync(join(ROOT, 'lambda-runtime', dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(ROOT, 'lambda-runtime', dir, f)));
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < Math.max(...sources.map((f) => statSync(f).mtimeMs))) {
    throw new Error('assets/task-runtime/index.js is missing or older than lambda-runtime/{task,shared}/*.ts: run `npm run bundle` before the e2e tests');
  }
}

/** Synthesizes one stack into a fresh directory outside the project (Lambda would not see its node_modules). */
export function synth(build: (stack: Stack) => void, stackName = 'E2E'): CloudAssembly {
  const app = new App({ outdir: tempDir('app-') });
  const stack = new Stack(app, stackName, { env: { account: '111111111111', region: 'eu-west-1' } });
  build(stack);
  return app.synth();
}

/** One run of a recorder script, as it wrote it. */
export interface Run {
  readonly script: string;
  readonly requestType: string;
  readonly trigger: string;
  readonly event: any;
  readonly context: Record<string, string>;
}

/** The file recorder scripts append their runs to. */
export class RunLog {
  readonly file = join(tempDir('runs-'), 'runs.jsonl');

  runs(): Run[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }

  /** `script requestType` per run, in order. */
  summary(): string[] {
    return this.runs().map((r) => `${r.script} ${r.requestType}`);
  }
}

/** A deployment script running the recorder (or a copy of it in `code`), named `id` in its runs. */
export function recorder(stack: Stack, id: string, runs: RunLog, options: DeploymentScriptOptions & { code?: lambda.Code }): DeploymentScript {
  return new DeploymentScript(stack, id, {
    ...options,
    code: options.code ?? lambda.Code.fromAsset(RECORDER_DIR),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    environment: { RECORD_FILE: runs.file, SCRIPT_NAME: id, ...options.environment },
  });
}

/** The logical ids of a deployment script's custom resource and function, by the script's construct path. */
export function scriptIds(assembly: CloudAssembly, stackName: string, scriptPath: string): { resource: string; fn: string } {
  const ids = new Map(assembly.getStackByName(stackName).findMetadataByType('aws:cdk:logicalId').map((m) => [m.path, String(m.data)]));
  const resource = ids.get(`/${stackName}/${scriptPath}/Default/Default`);
  const fn = ids.get(`/${stackName}/${scriptPath}/Function/Resource`);
  if (!resource || !fn) throw new Error(`no deployment script ${scriptPath} in ${stackName}`);
  return { resource, fn };
}
