// What a run costs the deployment beyond the script itself: the provider's own time per custom resource request
// (aws-cdk-lib's Provider framework, this library's runtime, their AWS calls on loopback), for a Lambda script and for
// a container task, each doing nothing. Played through the e2e harness (test/e2e/harness), which runs every function
// in a Node.js process as Lambda would. Run by `npm run bench` (needs port 443, as the e2e tests); prints medians and
// writes them to bench/RESULTS.md.
//
// - cold: every function a fresh process, as a cold Lambda (the harness's default): a stack's Create, then an Update
//   that runs the script again (another parameter), each measured; the stack deleted;
// - warm: the functions' processes kept between requests, as Lambda keeps a sandbox (`keepWarm`): one stack, created
//   (not measured: the processes start), then Updates one after the other, each measured.
//
// - script: the framework's onEvent invocation, less the script's own invocation inside it;
// - task: the framework's onEvent and every invocation its waiter made (isComplete until the task stopped), the
//   container's run itself taking no time (the fake stops it at the first poll); the waiter's 10 s waits are not
//   counted: they are the queryInterval, not work.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DeploymentScript, DeploymentTask, ScriptTrigger } from '../lib';
import { Harness, type OperationResult } from '../test/e2e/harness';

const RUNS = Number(process.env.BENCH_PROVIDER_RUNS ?? 9);
const root = join(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'bench-provider-'));
const scriptDir = join(work, 'script');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function app(kind: 'script' | 'task', n: number | string, run = 0) {
  const a = new App({ outdir: join(work, `${kind}-${n}-${run}`) });
  const stack = new Stack(a, `Bench${kind}${n}`, { env: { account: '111111111111', region: 'eu-west-1' } });
  if (kind === 'script') {
    new DeploymentScript(stack, 'Noop', { trigger: ScriptTrigger.AFTER_DEPLOY, code: lambda.Code.fromAsset(scriptDir), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_22_X, parameters: { run } });
  } else {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1, restrictDefaultSecurityGroup: false });
    new DeploymentTask(stack, 'Noop', { trigger: ScriptTrigger.AFTER_DEPLOY, vpc, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'), parameters: { run } });
  }
  return a.synth();
}

type Kind = 'script' | 'task';
type Sample = 'cold Create' | 'cold Update' | 'warm Update';
const SAMPLES: Sample[] = ['cold Create', 'cold Update', 'warm Update'];

/** The provider's own time of the custom resource's last request in `result` (see the top of this file). */
function providerMs(harness: Harness, kind: Kind, result: OperationResult, executionsBefore: number): number {
  const exchange = result.exchangesOf('Noop').at(-1)!;
  let ms = exchange.invocation.durationMs;
  if (kind === 'script') {
    const script = harness.lambda.invocations.filter((inv) => inv.logicalId?.startsWith('NoopFunction')).at(-1)!;
    ms -= script.durationMs;
  } else {
    for (const execution of harness.stepFunctions.executions.slice(executionsBefore)) ms += execution.invocations.reduce((sum, inv) => sum + inv.durationMs, 0);
  }
  return ms;
}

/** Deploys (create or update) and returns the provider's time of the request; throws if the deployment failed. */
async function deploy(harness: Harness, kind: Kind, step: () => Promise<OperationResult>): Promise<number> {
  const executions = harness.stepFunctions.executions.length;
  const result = await step();
  if (!result.status.endsWith('_COMPLETE') || result.status.includes('ROLLBACK')) throw new Error(`${kind}: ${result.status} ${result.failure?.reason}`);
  return providerMs(harness, kind, result, executions);
}

async function main(): Promise<void> {
  require('node:fs').mkdirSync(scriptDir);
  writeFileSync(join(scriptDir, 'index.js'), 'exports.handler = async () => ({});\n');
  const harness = await Harness.start();
  harness.containers(() => ({ runningPolls: 0, stop: { exitCode: 0 } }));
  const times = Object.fromEntries((['script', 'task'] as const).map((k) => [k, Object.fromEntries(SAMPLES.map((s) => [s, [] as number[]]))])) as Record<Kind, Record<Sample, number[]>>;
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['script', 'task'] as const) {
        const stack = harness.stack(app(kind, i));
        times[kind]['cold Create'].push(await deploy(harness, kind, () => stack.create()));
        times[kind]['cold Update'].push(await deploy(harness, kind, () => stack.update(app(kind, i, 1))));
        await stack.delete();
      }
    }
    harness.lambda.keepWarm = true;
    for (const kind of ['script', 'task'] as const) {
      const stack = harness.stack(app(kind, 'Warm'));
      await deploy(harness, kind, () => stack.create());
      for (let i = 1; i <= RUNS; i++) times[kind]['warm Update'].push(await deploy(harness, kind, () => stack.update(app(kind, 'Warm', i))));
      await stack.delete();
    }
  } finally {
    await harness.close();
    rmSync(work, { recursive: true, force: true });
  }
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${process.platform}/${process.arch}, ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}`;
  const label = (k: Kind) => (k === 'script' ? 'DeploymentScript (framework → runtime → script)' : 'DeploymentTask (onEvent: framework → runtime; waiter: framework isComplete → runtime, once)');
  const table = [
    `Provider time per request (${date}; ${machine}; commit ${commit()}): the median of ${RUNS} requests through the e2e harness;`,
    'the script or container itself excluded (bench/provider-time.ts). Cold: every function a fresh Node.js process (a',
    'Create, then an Update that runs the script again). Warm: the functions\' processes kept between requests, as Lambda',
    'keeps a sandbox (Updates one after the other, after a Create that started them).',
    '',
    '| kind | request | provider ms (median) | min | max |',
    '|---|---|---:|---:|---:|',
    ...(['script', 'task'] as const).flatMap((k) => SAMPLES.map((s) => `| ${label(k)} | ${s} | ${Math.round(median(times[k][s]))} | ${Math.round(Math.min(...times[k][s]))} | ${Math.round(Math.max(...times[k][s]))} |`)),
  ].join('\n');
  console.log(table);
  const results = join(root, 'bench', 'RESULTS.md');
  const marker = '<!-- provider-time -->';
  const existing = readFileSync(results, 'utf8');
  const before = existing.includes(marker) ? existing.slice(0, existing.indexOf(marker)) : `${existing.trimEnd()}\n\n`;
  writeFileSync(results, `${before}${marker}\n${table}\n`);
}

/** The commit measured, and whether the tree had changes beside it. */
function commit(): string {
  const git = (...args: string[]) => require('node:child_process').execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no', '--', 'lib', 'lambda-runtime') ? ' with uncommitted changes in lib/ or lambda-runtime/' : ''}`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
