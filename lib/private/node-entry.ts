import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ScriptRef } from './script-ref';

/** The lock files aws-cdk-lib's NodejsFunction looks for, in its order. */
const LOCK_FILES = ['pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb', 'package-lock.json'];

/** What an `entry` script bundled with esbuild needs from the props. */
export interface NodeEntryProps {
  readonly entry: string;
  readonly depsLockFilePath?: string;
  readonly bundling?: nodejs.BundlingOptions;
}

/**
 * Checks, before `NodejsFunction` does, what bundling a TypeScript or JavaScript `entry` needs: the file, a lock file,
 * and esbuild. Without esbuild, aws-cdk-lib silently falls back to bundling in Docker and, without Docker, fails
 * with its own minified source in the message; this stops first and says the one command that fixes it.
 */
export function checkNodeEntry(script: ScriptRef, scope: Construct, props: NodeEntryProps): void {
  const fail = (message: string): never => script.fail(message);
  const entry = path.resolve(props.entry);
  if (!fs.existsSync(entry)) {
    fail(`'entry' is ${props.entry}, and there is no such file (${entry}). Give the path of the script's file, `
      + 'absolute or relative to the folder the app runs in (where cdk.json is).');
  }
  if (props.depsLockFilePath !== undefined) {
    if (!fs.existsSync(props.depsLockFilePath) || !fs.statSync(props.depsLockFilePath).isFile()) {
      fail(`'depsLockFilePath' is ${props.depsLockFilePath}, and there is no such file. Give the lock file of the app's dependencies `
        + '(package-lock.json, yarn.lock, pnpm-lock.yaml, bun.lock), or leave it out to use the nearest one.');
    }
  } else if (findUp(LOCK_FILES, process.cwd()) === undefined) {
    fail(`'entry' ${props.entry} is bundled with esbuild, which needs the app's package lock file, and there is none in ${process.cwd()} or above `
      + '(package-lock.json, yarn.lock, pnpm-lock.yaml, bun.lock). Run `npm install` in the app\'s folder to create one, or give \'depsLockFilePath\'. '
      + "In a Python app, write the script in Python: entry='scripts/….py'.");
  }
  const docker = props.bundling?.forceDockerBundling === true;
  if (!docker && Stack.of(scope).bundlingRequired && !esbuildInstalled()) {
    fail(`'entry' ${props.entry} is bundled with esbuild, which this app does not have. Install it: npm install --save-dev esbuild `
      + '(or bundle in Docker with bundling: { forceDockerBundling: true }).');
  }
}

let esbuildFound: boolean | undefined;

/**
 * Whether aws-cdk-lib's NodejsFunction will find esbuild: as it looks, a package `esbuild` resolvable from aws-cdk-lib
 * itself, else an `esbuild` command. Looked up once per process.
 */
export function esbuildInstalled(): boolean {
  if (esbuildFound === undefined) {
    esbuildFound = resolvableFromAwsCdkLib('esbuild/package.json') || commandRuns('esbuild');
  }
  return esbuildFound;
}

function resolvableFromAwsCdkLib(request: string): boolean {
  try {
    const awsCdkLib = path.dirname(require.resolve('aws-cdk-lib/package.json'));
    require.resolve(request, { paths: [awsCdkLib] });
    return true;
  } catch {
    return false;
  }
}

function commandRuns(command: string): boolean {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return result.status === 0 && !result.error;
}

/** The first of `names` found in `directory` or one of its parents. */
function findUp(names: string[], directory: string): string | undefined {
  for (let dir = path.resolve(directory); ; dir = path.dirname(dir)) {
    const found = names.map((name) => path.join(dir, name)).find((file) => fs.existsSync(file));
    if (found) { return found; }
    if (path.dirname(dir) === dir) { return undefined; }
  }
}
