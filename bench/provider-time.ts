// What a run costs the deployment beyond the script itself: the provider's own time per custom resource request
// (aws-cdk-lib's Provider framework, this library's runtime, their AWS calls on loopback), for a Lambda script and for
// a container task, each doing nothing. Played through the e2e harness (test/e2e/harness), which runs every function
// in a fresh Node.js process as a cold Lambda would: so these are cold starts. Run by `npm run bench` (needs port 443,
// as the e2e tests); prints medians and writes them to bench/RESULTS.md.
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
import { Harness } from '../test/e2e/harness';

const RUNS = Number(process.env.BENCH_PROVIDER_RUNS ?? 9);
const root = join(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'bench-provider-'));
const scriptDir = join(work, 'script');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function app(kind: 'script' | 'task', n: number) {
  const a = new App({ outdir: join(work, `${kind}-${n}`) });
  const stack = new Stack(a, `Bench${kind}${n}`, { env: { account: '111111111111', region: 'eu-west-1' } });
  if (kind === 'script') {
    new DeploymentScript(stack, 'Noop', { trigger: ScriptTrigger.AFTER_DEPLOY, code: lambda.Code.fromAsset(scriptDir), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_22_X });
  } else {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1, restrictDefaultSecurityGroup: false });
    new DeploymentTask(stack, 'Noop', { trigger: ScriptTrigger.AFTER_DEPLOY, vpc, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest') });
  }
  return a.synth();
}

async function main(): Promise<void> {
  require('node:fs').mkdirSync(scriptDir);
  writeFileSync(join(scriptDir, 'index.js'), 'exports.handler = async () => ({});\n');
  const harness = await Harness.start();
  harness.containers(() => ({ runningPolls: 0, stop: { exitCode: 0 } }));
  const times: Record<'script' | 'task', number[]> = { script: [], task: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['script', 'task'] as const) {
        const stack = harness.stack(app(kind, i));
        const executions = harness.stepFunctions.executions.length;
        const result = await stack.create();
        if (result.status !== 'CREATE_COMPLETE') throw new Error(`${kind}: ${result.status} ${result.failure?.reason}`);
        const [exchange] = result.exchangesOf('Noop', 'Create');
        let ms = exchange.invocation.durationMs;
        if (kind === 'script') {
          const script = harness.lambda.invocations.filter((inv) => inv.logicalId?.startsWith('NoopFunction')).at(-1)!;
          ms -= script.durationMs;
        } else {
          for (const execution of harness.stepFunctions.executions.slice(executions)) ms += execution.invocations.reduce((sum, inv) => sum + inv.durationMs, 0);
        }
        times[kind].push(ms);
        await stack.delete();
      }
    }
  } finally {
    await harness.close();
    rmSync(work, { recursive: true, force: true });
  }
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${process.platform}/${process.arch}, ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}`;
  const table = [
    `Provider time per Create (${date}; ${machine}): the median of ${RUNS} runs through the e2e harness, every function a cold`,
    'Node.js process; the script or container itself excluded (bench/provider-time.ts).',
    '',
    '| kind | provider ms per run (median) | min | max |',
    '|---|---:|---:|---:|',
    ...(['script', 'task'] as const).map((k) => `| ${k === 'script' ? 'DeploymentScript (framework → runtime → script)' : 'DeploymentTask (onEvent: framework → runtime; waiter: framework isComplete → runtime, once)'} | ${Math.round(median(times[k]))} | ${Math.round(Math.min(...times[k]))} | ${Math.round(Math.max(...times[k]))} |`),
  ].join('\n');
  console.log(table);
  const results = join(root, 'bench', 'RESULTS.md');
  const marker = '<!-- provider-time -->';
  const existing = readFileSync(results, 'utf8');
  const before = existing.includes(marker) ? existing.slice(0, existing.indexOf(marker)) : `${existing.trimEnd()}\n\n`;
  writeFileSync(results, `${before}${marker}\n${table}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
