// How long `cdk-deployment-script --help` takes to answer, installed from npm and from pip, side by side: the
// package as npm packs it, installed into a scratch folder, and the wheel (scripts/build-python.sh) installed into a
// scratch venv (no dependencies: its command needs only node). For comparison, the command as jsii-pacmak generates
// it (through the jsii kernel), when the Python test venv (.venv-test, with jsii and aws-cdk-lib) exists.
// Writes its section into bench/RESULTS.md, after bench.mjs's (which keeps it). `npm run bench` runs it after bench.mjs;
// alone: `node bench/cli-start.mjs` after `npm run compile && npm run bundle`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
// The jsii kernel takes seconds a run: fewer of them.
const JSII_RUNS = Number(process.env.BENCH_JSII_RUNS ?? 5);
// bench.mjs keeps what follows this line.
const MARKER = '<!-- bench/cli-start.mjs -->';
const work = mkdtempSync(join(tmpdir(), 'bench-cli-'));
const quiet = { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' };

// npm: the package as published, installed as a user's project installs it (its peers, aws-cdk-lib and constructs,
// left out: the command does not load them).
const npmProject = join(work, 'npm');
execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: root, ...quiet });
const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')));
mkdirSync(npmProject);
execFileSync('npm', ['init', '-y'], { cwd: npmProject, ...quiet });
execFileSync('npm', ['install', '--no-audit', '--no-fund', '--legacy-peer-deps', tarball], { cwd: npmProject, ...quiet });
const npmBin = join(npmProject, 'node_modules', '.bin', 'cdk-deployment-script');

// pip: the wheel, built (or found current) by the packaging script, into a venv of its own.
execFileSync('bash', [join(root, 'scripts', 'build-python.sh')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const wheel = join(root, 'dist', 'python', readdirSync(join(root, 'dist', 'python')).find((f) => f.endsWith('.whl')));
const venv = join(work, 'venv');
execFileSync('python3', ['-m', 'venv', venv], quiet);
execFileSync(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', wheel], quiet);
const pipBin = join(venv, 'bin', 'cdk-deployment-script');
const pythonVersion = execFileSync(join(venv, 'bin', 'python'), ['--version'], quiet).trim();

// The command as jsii-pacmak writes it, run by the test venv's Python (jsii, aws-cdk-lib) on the package just installed.
const testPython = join(root, '.venv-test', 'bin', 'python');
let jsiiCommand;
if (process.env.BENCH_JSII !== '0' && existsSync(testPython)) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const script = join(work, 'pacmak-bin.py');
  writeFileSync(script, [
    'import jsii, os, sys',
    'os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE", "disabled")',
    `a = jsii.JSIIAssembly.load("cdk-deployment-script", "${version}", "cdk_deployment_script", "cdk-deployment-script@${version}.jsii.tgz")`,
    'exit(a.invokeBinScript("cdk-deployment-script", "cdk-deployment-script", sys.argv[1:]))',
    '',
  ].join('\n'));
  const sitePackages = execFileSync(join(venv, 'bin', 'python'), ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], quiet).trim();
  jsiiCommand = { file: testPython, args: [script], env: { PYTHONPATH: sitePackages } };
}

const commands = {
  npm: { file: npmBin, args: [] },
  pip: { file: pipBin, args: [] },
  npx: { file: 'npx', args: ['--no-install', 'cdk-deployment-script'], cwd: npmProject },
  ...(jsiiCommand ? { jsii: jsiiCommand } : {}),
};

function once({ file, args, cwd, env }) {
  const start = process.hrtime.bigint();
  const result = spawnSync(file, [...args, '--help'], { cwd: cwd ?? work, env: { ...process.env, ...env }, ...quiet });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 || !result.stdout.includes('Usage:')) {
    throw new Error(`${file} ${args.join(' ')} --help failed (${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return ms;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const load = loadavg()[0];
// Taking turns, after one unmeasured run of each (the disk cache warm for all alike).
for (const command of Object.values(commands)) { once(command); }
const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, command] of Object.entries(commands)) {
    if (name !== 'jsii' || run < JSII_RUNS) { samples[name].push(once(command)); }
  }
}
const ms = (name) => (samples[name] ? median(samples[name]).toFixed(0) : 'not measured (no .venv-test)');

const cpu = cpus();
const text = [
  MARKER,
  '',
  '## Command start: `cdk-deployment-script --help`',
  '',
  `Median wall time of ${RUNS} runs (the jsii kernel's: ${JSII_RUNS}), the installs taking turns, measured ${new Date().toISOString().slice(0, 10)} on ${cpu.length} × ${cpu[0]?.model.trim()}, ${process.platform}/${process.arch}, node ${process.version}, ${pythonVersion}, load average ${load.toFixed(1)} at the start.`,
  'npm: the bin of the packed package in a project\'s node_modules/.bin; pip: the wheel\'s command in a venv. Both run the same bundle with node.',
  '',
  '| install | `--help`, ms |',
  '|---|---:|',
  `| npm (\`node_modules/.bin/cdk-deployment-script\`) | ${ms('npm')} |`,
  `| pip (\`cdk-deployment-script\` on the venv's PATH) | ${ms('pip')} |`,
  `| npm through \`npx cdk-deployment-script\` (npm's own start included) | ${ms('npx')} |`,
  `| pip, the command as jsii-pacmak generates it (through the jsii kernel), for comparison | ${ms('jsii')} |`,
  '',
].join('\n');
process.stdout.write(`${text}\n`);

const resultsFile = join(root, 'bench', 'RESULTS.md');
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
// This section (from its marker to the next marker line, or the end) replaces its last run's, right after bench.mjs's
// tables and before the other benches' sections: bench/provider-time.ts rewrites from its own marker to the end.
let rest = previous;
const start = rest.indexOf(MARKER);
if (start >= 0) {
  const next = rest.indexOf('\n<!-- ', start + MARKER.length);
  rest = rest.slice(0, start) + (next < 0 ? '' : rest.slice(next + 1));
}
const others = rest.search(/^<!-- /m);
const head = (others < 0 ? rest : rest.slice(0, others)).trimEnd();
const tail = others < 0 ? '' : `\n${rest.slice(others)}`;
writeFileSync(resultsFile, `${head}${head ? '\n\n' : ''}${text}${tail}`);
rmSync(work, { recursive: true, force: true });
