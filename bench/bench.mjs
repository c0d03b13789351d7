// Measures what deployment scripts cost a stack, side by side with aws-cdk-lib triggers doing the same work.
// Prints a Markdown table and writes it to bench/RESULTS.md. Run with `npm run bench`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = (process.env.BENCH_SIZES ?? '1,10,50,100').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const work = mkdtempSync(join(tmpdir(), 'bench-'));

// The same script for both: one file, given as prebuilt code, so both sides do exactly the same work.
const scriptDir = join(work, 'script');
mkdirSync(scriptDir);
writeFileSync(join(scriptDir, 'index.js'), 'exports.handler = async (event) => ({ ok: true, event });\n');

/**
 * A CDK app with `n` scripts of `kind` ('script' | 'trigger' | 'entry' | 'unchecked') in one stack. Each loads only the
 * library it uses, as a user's app does: loading this library is part of what it costs. 'unchecked' is 'script' in an
 * app that leaves the checkers' suppressions out (context `cdk-deployment-script:suppressions: false`).
 */
function appSource(kind, n) {
  return `
const { App, Stack } = require(${JSON.stringify(join(root, 'node_modules', 'aws-cdk-lib'))});
const lambda = require(${JSON.stringify(join(root, 'node_modules', 'aws-cdk-lib', 'aws-lambda'))});
${kind === 'trigger'
    ? `const triggers = require(${JSON.stringify(join(root, 'node_modules', 'aws-cdk-lib', 'triggers'))});`
    : `const { DeploymentScript, ScriptTrigger } = require(${JSON.stringify(join(root, 'lib'))});`}
const app = new App(${kind === 'unchecked' ? "{ context: { 'cdk-deployment-script:suppressions': false } }" : ''});
const stack = new Stack(app, 'Bench', { env: { account: '111111111111', region: 'eu-west-1' } });
for (let i = 0; i < ${n}; i++) {
  ${kind === 'trigger'
    ? `new triggers.TriggerFunction(stack, 'Script' + i, { code: lambda.Code.fromAsset(${JSON.stringify(scriptDir)}), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X });`
    : kind === 'entry'
      ? `new DeploymentScript(stack, 'Script' + i, { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ${JSON.stringify(join(scriptDir, 'index.js'))}, depsLockFilePath: ${JSON.stringify(join(root, 'package-lock.json'))} });`
      : `new DeploymentScript(stack, 'Script' + i, { trigger: ScriptTrigger.AFTER_DEPLOY, code: lambda.Code.fromAsset(${JSON.stringify(scriptDir)}), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X });`}
}
app.synth();
require('fs').writeFileSync(process.env.BENCH_CPU_FILE, JSON.stringify(process.cpuUsage()));
`;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One synthesis of `kind` with `n` scripts as a whole process: its wall time and CPU time (user + system). */
function synthOnce(kind, n, run) {
  const dir = join(work, `${kind}-${n}`);
  mkdirSync(dir, { recursive: true });
  const app = join(dir, 'app.js');
  writeFileSync(app, appSource(kind, n));
  const out = join(dir, `cdk.out.${run}`);
  const cpuFile = join(dir, `cpu.${run}.json`);
  const start = process.hrtime.bigint();
  // Output is kept back (esbuild reports each bundle) and shown only when the synthesis fails.
  execFileSync(process.execPath, [app], { env: { ...process.env, CDK_OUTDIR: out, BENCH_CPU_FILE: cpuFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const { user, system } = JSON.parse(readFileSync(cpuFile, 'utf8'));
  return { wall, cpu: (user + system) / 1000, out };
}

/** valgrind, if this machine has it (Debian: `apt-get install valgrind`). */
const VALGRIND = process.env.BENCH_INSTRUCTIONS === '0'
  ? undefined
  : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => join(dir, 'valgrind')).find((file) => existsSync(file));

/**
 * The instructions one synthesis of `kind` executes, in millions, counted by valgrind's callgrind with Node.js on a
 * single thread and in V8's predictable mode: the count does not move with the machine's load, so it tells
 * differences of a fraction of a percent apart. Without `--predictable`, V8 schedules garbage collection work by the
 * clock (incremental marking and heap growth from measured rates), and under valgrind's slowdown a loaded machine
 * gave counts up to 10 % higher for the same code (2120 to 2333 M for one script); with it, repeated counts agree to
 * 0.1 M. About fifty times slower than a plain run, so counted once.
 */
function instructions(kind, n) {
  if (!VALGRIND) { return undefined; }
  const dir = join(work, `${kind}-${n}`);
  const result = spawnSync(VALGRIND, ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file',
    process.execPath, '--single-threaded', '--predictable', join(dir, 'app.js')], {
    env: { ...process.env, CDK_OUTDIR: join(dir, 'cdk.out.valgrind'), BENCH_CPU_FILE: join(dir, 'cpu.valgrind.json') },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const collected = /Collected : (\d+)/.exec(result.stderr ?? '');
  if (result.status !== 0 || !collected) { throw new Error(`valgrind failed on ${kind} x${n}:\n${result.stderr}`); }
  return Number(collected[1]) / 1e6;
}

/**
 * Synthesizes every kind RUNS times, taking turns (ours, theirs, ours …) so that a slow patch of the machine
 * weighs on both sides alike, and reports medians. The ratios are medians of the ratios of runs taken side by
 * side: a machine whose speed drifts during the benchmark shifts both runs of a pair, not the ratio.
 */
function synthAll(kinds, n) {
  const samples = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const kind of kinds) { samples[kind].push(synthOnce(kind, n, run)); }
  }
  return Object.fromEntries(kinds.map((kind) => {
    const runs = samples[kind];
    const out = runs[runs.length - 1].out;
    const templateText = readFileSync(join(out, 'Bench.template.json'), 'utf8');
    const template = JSON.parse(templateText);
    return [kind, {
      runs,
      ms: median(runs.map((r) => r.wall)),
      cpu: median(runs.map((r) => r.cpu)),
      resources: Object.keys(template.Resources).length,
      bytes: Buffer.byteLength(templateText),
      assets: readdirSync(out).filter((f) => f.startsWith('asset.')).length,
    }];
  }));
}

function dirBytes(dir) {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

const rows = [];
const results = {};
for (const n of SIZES) {
  for (const [kind, result] of Object.entries(synthAll(['script', 'trigger', 'entry', 'unchecked'], n))) {
    results[`${kind}-${n}`] = { ...result, instructions: kind === 'entry' ? undefined : instructions(kind, n) };
  }
  process.stderr.write(`synthesized x${n}\n`);
}
// Per-script and fixed costs from the two ends of the range: cost(n) = fixed + n * perScript.
const lo = Math.min(...SIZES);
const hi = Math.max(...SIZES);
const slope = (kind, key) => (results[`${kind}-${hi}`][key] - results[`${kind}-${lo}`][key]) / (hi - lo);
const fixed = (kind, key) => results[`${kind}-${lo}`][key] - lo * slope(kind, key);
// What a stack without any script has: its bootstrap rule and parameter, no resources.
const emptyBytes = (() => {
  const dir = join(work, 'empty');
  mkdirSync(dir);
  writeFileSync(join(dir, 'app.js'), appSource('script', 0));
  execFileSync(process.execPath, [join(dir, 'app.js')], { env: { ...process.env, CDK_OUTDIR: join(dir, 'out'), BENCH_CPU_FILE: join(dir, 'cpu.json') } });
  return Buffer.byteLength(readFileSync(join(dir, 'out', 'Bench.template.json')));
})();

rows.push('| scripts | synth ms: DeploymentScript (code) | triggers | ratio | CPU ms: ours / triggers | ratio | instructions (millions): ours / triggers | ratio | DeploymentScript (entry, esbuild) | resources: ours / triggers | template KB: ours / triggers | assets: ours / triggers | without suppressions: instructions (M), ratio, template KB |');
rows.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of SIZES) {
  const ours = results[`script-${n}`];
  const theirs = results[`trigger-${n}`];
  const entry = results[`entry-${n}`];
  const ratio = (key) => median(ours.runs.map((run, i) => run[key] / theirs.runs[i][key]));
  const counted = ours.instructions === undefined
    ? 'not counted (no valgrind) | '
    : `${ours.instructions.toFixed(0)} / ${theirs.instructions.toFixed(0)} | ${(ours.instructions / theirs.instructions).toFixed(2)}`;
  const unchecked = results[`unchecked-${n}`];
  const uncheckedCount = unchecked.instructions === undefined ? 'not counted' : `${unchecked.instructions.toFixed(0)}, ${(unchecked.instructions / theirs.instructions).toFixed(2)}`;
  rows.push(`| ${n} | ${ours.ms.toFixed(0)} | ${theirs.ms.toFixed(0)} | ${ratio('wall').toFixed(2)} | ${ours.cpu.toFixed(0)} / ${theirs.cpu.toFixed(0)} | ${ratio('cpu').toFixed(2)} | ${counted} | ${entry.ms.toFixed(0)} | ${ours.resources} / ${theirs.resources} | ${(ours.bytes / 1024).toFixed(1)} / ${(theirs.bytes / 1024).toFixed(1)} | ${ours.assets} / ${theirs.assets} | ${uncheckedCount}, ${(unchecked.bytes / 1024).toFixed(1)} |`);
}

const runtimeAsset = join(root, 'assets', 'runtime');
const runtimeBytes = dirBytes(runtimeAsset);
const runtimeGzip = gzipSync(readFileSync(join(runtimeAsset, 'index.js'))).length;
const summary = [
  '',
  '| cost | DeploymentScript | triggers.TriggerFunction |',
  '|---|---:|---:|',
  `| resources added per script | ${slope('script', 'resources').toFixed(1)} | ${slope('trigger', 'resources').toFixed(1)} |`,
  `| template bytes added per script | ${slope('script', 'bytes').toFixed(0)} | ${slope('trigger', 'bytes').toFixed(0)} |`,
  `| fixed resources per stack | ${fixed('script', 'resources').toFixed(0)} | ${fixed('trigger', 'resources').toFixed(0)} |`,
  `| fixed template bytes per stack (beyond an empty stack's ${emptyBytes}) | ${(fixed('script', 'bytes') - emptyBytes).toFixed(0)} | ${(fixed('trigger', 'bytes') - emptyBytes).toFixed(0)} |`,
  `| assets for ${hi} identical scripts | ${results[`script-${hi}`].assets} (${results[`entry-${hi}`].assets} with entry) | ${results[`trigger-${hi}`].assets} |`,
  `| runtime asset (minified) | ${runtimeBytes} bytes (${runtimeGzip} gzipped) | in aws-cdk-lib |`,
  '| Lambda invocations from CloudFormation to the script | 3 (framework, runtime, script) | 2 (provider, function) |',
];

// The commit measured, and whether lib/ or the runtime had changes beside it.
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const measured = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no', '--', 'lib', 'lambda-runtime') ? ' with uncommitted changes in lib/ or lambda-runtime/' : ''}`;

const text = [
  `Measured ${new Date().toISOString().slice(0, 10)} at commit ${measured}.`,
  `Synth time is the median of ${RUNS} runs of a whole \`node app.js\` process (wall clock, and the process's CPU time), the kinds taking turns, on ${process.platform}/${process.arch}, node ${process.version}; a ratio is the median of the ratios of the runs taken side by side.`,
  'Each app loads aws-cdk-lib and only the library it uses. Both sides deploy the same prebuilt script (`Code.fromAsset`); the entry column bundles it with esbuild through NodejsFunction.',
  'Instructions are those one synthesis executes, counted by valgrind (callgrind, Node.js on a single thread in V8\'s predictable mode): the same from one run to the next, where time moves with the machine\'s load by several percent.',
  '',
  ...rows,
  ...summary,
  '',
].join('\n');
process.stdout.write(`${text}\n`);
// The sections the other benches write after this table (bench/cli-start.mjs, bench/provider-time.ts), each from
// its marker line, stay.
const resultsFile = join(root, 'bench', 'RESULTS.md');
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const others = previous.search(/^<!-- /m);
writeFileSync(resultsFile, others < 0 ? text : `${text}\n${previous.slice(others)}`);
rmSync(work, { recursive: true, force: true });
