/**
 * What Lambda provides a script and a bundle leaves out: the AWS SDK for JavaScript v3 (`@aws-sdk/*`, which
 * aws-cdk-lib's NodejsFunction marks external) in Node.js runtimes, and boto3 in Python runtimes. A local run must
 * find them on this machine: the SDK in the app's own node_modules (the folder of cdk.json), put on NODE_PATH;
 * boto3 in the Python that runs the script. When one is missing, the command says which package to install, before
 * the script runs, rather than letting it fail with "Cannot find module".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError } from './errors';

/** Files larger than this are not read for imports (a bundle with its dependencies inside imports nothing). */
const MAX_SCANNED_BYTES = 8 * 1024 * 1024;

/** The app's folder: the nearest folder above the cloud assembly (or the working directory) with a cdk.json. */
export function appDirOf(assemblyDir: string): string | undefined {
  for (const start of [resolve(assemblyDir), process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'cdk.json'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/**
 * The `@aws-sdk/*` packages a Node.js bundle requires or imports (top-level files of its code directory, but for
 * those named in `skip`: a module the local run does not load).
 */
export function sdkPackagesUsed(codeDir: string, skip: readonly string[] = []): string[] {
  const found = new Set<string>();
  for (const file of topLevelFiles(codeDir, /\.(c|m)?js$/, skip)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:require\(\s*|from\s*|import\(\s*)["'](@aws-sdk\/[a-z0-9-]+)/g)) found.add(match[1]);
  }
  return [...found].sort();
}

/** Whether a package is installed where node would find it from `codeDir`, or in `nodePath`. */
function installed(pkg: string, codeDir: string, nodePath: readonly string[]): boolean {
  for (let dir = resolve(codeDir); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', pkg, 'package.json'))) return true;
    if (dirname(dir) === dir) break;
  }
  return nodePath.some((dir) => existsSync(join(dir, pkg, 'package.json')));
}

/**
 * The NODE_PATH that lets a Node.js script find the SDK packages it uses, from the app's node_modules; throws,
 * naming the packages to install, when one is nowhere.
 */
export function nodePathForSdk(codeDir: string, appDir: string | undefined, where: string, skip: readonly string[] = []): string[] {
  const packages = sdkPackagesUsed(codeDir, skip);
  const nodePath = appDir && existsSync(join(appDir, 'node_modules')) ? [join(appDir, 'node_modules')] : [];
  const missing = packages.filter((pkg) => !installed(pkg, codeDir, nodePath));
  if (missing.length) {
    throw new CliError(`${where} uses ${missing.join(', ')}, which Lambda provides and its bundle leaves out, and ${missing.length > 1 ? 'they are' : 'it is'} not ` +
      `installed in the app${appDir ? ` (${appDir})` : ' (no cdk.json found above the cloud assembly)'}. Install ${missing.length > 1 ? 'them' : 'it'} there as a dev dependency: ` +
      `npm install --save-dev ${missing.join(' ')}`);
  }
  return packages.length ? nodePath : [];
}

/** Whether a Python script's code imports boto3 (or botocore), which Lambda's Python runtimes provide. */
export function usesBoto3(codeDir: string, skip: readonly string[] = []): boolean {
  return topLevelFiles(codeDir, /\.py$/, skip).some((file) => /^\s*(import|from)\s+(boto3|botocore)\b/m.test(readFileSync(file, 'utf8')));
}

/** Throws, saying to install boto3, when the script imports it and `python` (with the code's folder first) cannot. */
export function checkBoto3(python: string, codeDir: string, where: string, skip: readonly string[] = []): void {
  if (!usesBoto3(codeDir, skip)) return;
  const probe = spawnSync(python, ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import boto3', codeDir], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new CliError(`${where} imports boto3, which Lambda provides and its code leaves out, and ${python} (the Python that runs it here) cannot import it. ` +
      `Install it for that Python: ${python} -m pip install boto3 (in a virtual environment: activate it first); or pass an interpreter that has it with --python.`);
  }
}

function topLevelFiles(dir: string, pattern: RegExp, skip: readonly string[] = []): string[] {
  try {
    return readdirSync(dir).filter((name) => pattern.test(name) && !skip.includes(name)).map((name) => join(dir, name))
      .filter((file) => statSync(file).isFile() && statSync(file).size <= MAX_SCANNED_BYTES);
  } catch {
    return [];
  }
}
