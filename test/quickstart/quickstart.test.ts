/**
 * The README's quick start, run as a new user runs it, in TypeScript and in Python, up to `run --local`: the
 * commands and files of its code blocks, as written, in a fresh folder, with the real CDK CLI. Only the package
 * source changes: the npm tarball (`npm pack` of this working tree) for `npm install cdk-deployment-script`, the
 * wheel of dist/python (scripts/build-python.sh) for `pip install cdk-deployment-script`.
 *
 * What it downloads, each run: `cdk init` installs the template's npm packages (the newest aws-cdk-lib, as a new
 * user gets) and, for Python, aws-cdk-lib and constructs from PyPI into the app's venv; then esbuild, and the
 * wheel's dependencies (jsii, typeguard…). npm's and pip's own caches (~/.npm, ~/.cache/pip) make a second run
 * fetch metadata only. About 1.5 minutes with warm caches.
 *
 * Run by scripts/test.sh after the build (it needs lib/, assets/ and the wheel); alone:
 * `npx jest --ci --runInBand test/quickstart`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MINUTES = 60_000;

interface Block {
  readonly lang: string;
  readonly info: string;
  readonly body: string;
}

interface QuickStart {
  /** A bash script: the commands and files of the README, up to and including `run --local`. */
  readonly script: string;
  /** What the README shows `run --local` printing: the script's log lines and its result. */
  readonly expectedLog: string[];
  readonly expectedResult: unknown;
}

/** The fenced blocks of a `### <language>` subsection of the README's `## Quick start`. */
export function quickStartBlocks(readme: string, language: string): Block[] {
  const section = /^## Quick start\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Quick start" section');
  const sub = new RegExp(`^### ${language}\\n([\\s\\S]*?)(?=^### |$(?![\\s\\S]))`, 'm').exec(section)?.[1];
  if (!sub) throw new Error(`README.md's quick start has no "### ${language}" subsection`);
  return [...sub.matchAll(/^```(\S*)([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => ({ lang: m[1], info: m[2].trim(), body: m[3] }));
}

/**
 * The quick start as a bash script: each `sh` block's commands, and each code block that starts with a comment
 * naming a file (`// lib/hello-stack.ts`, `# scripts/hello.py`) written to that file, in the README's order,
 * up to the `sh` block that runs `run --local`, whose output goes to files of `outputDir`.
 */
export function quickStartScript(blocks: Block[], install: { readonly line: RegExp; readonly replacement: string }, outputDir: string): QuickStart {
  const lines = ['set -euo pipefail'];
  let installs = 0;
  let ranLocal = false;
  let expected: Block | undefined;
  for (const block of blocks) {
    if (ranLocal) {
      if (block.lang === 'text') expected = block;
      break;
    }
    if (block.lang === 'sh') {
      for (const command of block.body.trimEnd().split('\n')) {
        if (install.line.test(command)) {
          installs++;
          lines.push(command.replace(install.line, install.replacement));
        } else if (/\brun --local\b/.test(command)) {
          ranLocal = true;
          lines.push(`${command} >${outputDir}/stdout 2>${outputDir}/stderr`);
        } else {
          lines.push(command);
        }
      }
      continue;
    }
    const file = /^(?:\/\/|#)\s*([\w./-]+\.(?:ts|js|py))\s*\n/.exec(block.body);
    if (file) {
      const content = block.body.slice(file[0].length);
      lines.push(`mkdir -p "$(dirname '${file[1]}')"`, `cat > '${file[1]}' <<'QUICK_START_EOF'`, block.body.trimEnd(), 'QUICK_START_EOF');
      if (content.includes('QUICK_START_EOF')) throw new Error('a quick-start file holds the heredoc marker');
    }
  }
  if (installs !== 1) throw new Error(`the quick start should install the package once, with a line matching ${install.line}; found ${installs}`);
  if (!ranLocal) throw new Error('the quick start never runs `run --local`');
  if (!expected) throw new Error('the quick start shows no output (a ```text block) after `run --local`');
  // The README shows stderr's lines, then stdout's result: the log between `── log of <id> ──` and `──`.
  const text = expected.body.split('\n');
  const start = text.findIndex((line) => line.startsWith('── log of '));
  const end = text.indexOf('──', start + 1);
  const json = text.findIndex((line) => line === '{');
  if (start < 0 || end < 0 || json < 0) throw new Error(`cannot read the log and the result in the quick start's output:\n${expected.body}`);
  return {
    script: lines.join('\n') + '\n',
    expectedLog: text.slice(start + 1, end),
    expectedResult: JSON.parse(text.slice(json).join('\n')),
  };
}

/** An environment like a new user's: the CDK CLI on PATH (as `npm install -g aws-cdk` puts it), nothing else of ours. */
function userEnvironment(work: string): NodeJS.ProcessEnv {
  const bin = join(work, 'global-bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), join(bin, 'cdk'));
  // Not this repository's node_modules/.bin (npx and npm run put it on PATH): it has esbuild, which the quick
  // start must install itself.
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir && !dir.includes('node_modules'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(npm_|VIRTUAL_ENV|PYTHONPATH|NODE_OPTIONS|JEST_|INIT_CWD)/.test(key)) delete env[key];
  }
  const nowhere = join(work, 'no-such-file');
  return {
    ...env,
    PATH: [bin, ...path].join(delimiter),
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    // No AWS account: nothing up to `run --local` needs one.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    FORCE_COLOR: '0',
  };
}

function runQuickStart(language: string, install: { line: RegExp; replacement: string }): { stdout: string; stderr: string; expected: QuickStart } {
  const work = mkdtempSync(join(tmpdir(), `quickstart-${language.toLowerCase()}-`));
  const output = join(work, 'output');
  mkdirSync(output);
  const expected = quickStartScript(quickStartBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'), language), install, output);
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(work, 'quickstart.sh'), expected.script);
  const run = spawnSync('bash', [join(work, 'quickstart.sh')], {
    cwd: app, env: userEnvironment(work), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 12 * MINUTES,
  });
  const read = (name: string) => { try { return readFileSync(join(output, name), 'utf8'); } catch { return ''; } };
  const stdout = read('stdout');
  const stderr = read('stderr');
  if (run.status !== 0) {
    throw new Error(`the ${language} quick start failed (exit ${run.status ?? run.signal}); its script:\n${expected.script}\n`
      + `output (last 6000 characters):\n${(run.stdout + run.stderr).slice(-6000)}\nrun --local:\n${stdout}\n${stderr}`);
  }
  rmSync(work, { recursive: true, force: true });
  return { stdout, stderr, expected };
}

describe('the README quick start, as written, up to run --local', () => {
  test('TypeScript: cdk init, npm install, the script and the stack, cdk synth, run --local', () => {
    const packed = mkdtempSync(join(tmpdir(), 'quickstart-pack-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', packed], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = join(packed, readdirSync(packed).find((f) => f.endsWith('.tgz'))!);
    try {
      const { stdout, stderr, expected } = runQuickStart('TypeScript', { line: /^npm install cdk-deployment-script\b/, replacement: `npm install ${tarball}` });
      for (const line of expected.expectedLog) expect(stderr).toContain(line);
      expect(JSON.parse(stdout)).toEqual(expected.expectedResult);
    } finally {
      rmSync(packed, { recursive: true, force: true });
    }
  }, 15 * MINUTES);

  test('Python: cdk init, the venv, pip install, the script and the stack, cdk synth, run --local', () => {
    execFileSync('bash', [join(ROOT, 'scripts', 'build-python.sh')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const wheels = readdirSync(join(ROOT, 'dist', 'python')).filter((f) => f.endsWith('.whl'));
    expect(wheels).toHaveLength(1);
    const wheel = join(ROOT, 'dist', 'python', wheels[0]);
    const { stdout, stderr, expected } = runQuickStart('Python', { line: /^pip install cdk-deployment-script\b/, replacement: `pip install ${wheel}` });
    for (const line of expected.expectedLog) expect(stderr).toContain(line);
    expect(JSON.parse(stdout)).toEqual(expected.expectedResult);
  }, 15 * MINUTES);
});

describe('reading the quick start', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const install = { line: /^npm install cdk-deployment-script\b/, replacement: 'npm install /tmp/x.tgz' };

  test('the script stops at run --local, with the package source replaced and the files written', () => {
    const { script, expectedLog } = quickStartScript(quickStartBlocks(readme, 'TypeScript'), install, '/out');
    expect(script).toContain('npm install /tmp/x.tgz\n');
    expect(script).not.toMatch(/^npm install cdk-deployment-script/m);
    expect(script).toMatch(/run --local .*>\/out\/stdout 2>\/out\/stderr\n$/);
    expect(script).not.toContain('cdk deploy');
    expect(script).toMatch(/^cat > '[\w./-]+\.ts' <<'QUICK_START_EOF'$/m);
    expect(expectedLog.length).toBeGreaterThan(0);
  });

  test('a quick start without the install line, or without run --local, is an error', () => {
    const blocks = quickStartBlocks(readme, 'TypeScript');
    expect(() => quickStartScript(blocks.filter((b) => !b.body.includes('npm install cdk-deployment-script')), install, '/out'))
      .toThrow(/install the package once/);
    expect(() => quickStartScript(blocks.filter((b) => !b.body.includes('run --local')), install, '/out'))
      .toThrow(/never runs `run --local`/);
  });
});
