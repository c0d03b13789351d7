/**
 * Installs the requirements.txt of a Python script into its asset at synth: with pip on this machine when there is
 * one, as wheels for the function's runtime and architecture; else in Docker, in the runtime's bundling image.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { basename, join } from 'path';
import { BundlingOptions, DockerImage, FileSystem, ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

export const REQUIREMENTS_FILE = 'requirements.txt';

/** The environment variable naming the Python interpreter whose pip installs the requirements. */
export const PYTHON_ENV_VAR = 'CDK_DEPLOYMENT_SCRIPT_PYTHON';

/**
 * What pip writes that only an installer reads, and that differs from one machine to the next: the console scripts
 * of `bin/` (their shebang names this machine's interpreter; Lambda never runs them) and, in each `.dist-info`, the
 * record of the installation (`RECORD` lists those scripts with their hashes, `direct_url.json` holds the absolute
 * path of a local requirement). PEP 627 lets an installer leave them out. Removing them makes the asset the same
 * whichever machine, or Docker, installed it; the packages' `METADATA` (read by `importlib.metadata`) stays.
 */
const SCRIPTS_DIR = 'bin';
const RECORD_FILES = ['RECORD', 'INSTALLER', 'REQUESTED', 'direct_url.json'];

/** What pip installs for: Lambda's platform and the runtime's Python, as wheels only (nothing is built here). */
export interface PipTarget {
  readonly platform: string;
  readonly pythonVersion: string;
}

export function pipTarget(runtime: lambda.Runtime, architecture: lambda.Architecture): PipTarget {
  const version = /^python(\d+\.\d+)$/.exec(runtime.name)?.[1];
  if (version === undefined) { throw new Error(`${runtime.name} is not a Python runtime`); }
  const machine = architecture.name === lambda.Architecture.ARM_64.name ? 'aarch64' : 'x86_64';
  return { platform: `manylinux2014_${machine}`, pythonVersion: version };
}

/** pip's arguments that decide what it installs (never a path of this machine: they are part of the asset hash). */
function pipArgs(target: PipTarget): string[] {
  return [
    '--platform', target.platform, '--implementation', 'cp', '--python-version', target.pythonVersion,
    // --platform and --python-version need it; and a wheel is all Lambda can run: a source distribution would be
    // built for this machine.
    '--only-binary=:all:',
    // .pyc files hold the time they were written; Lambda compiles what it imports.
    '--no-compile',
    '--no-input', '--disable-pip-version-check',
  ];
}

/** How pip is run: `<file> <args…> install …`. */
export interface PipCommand {
  readonly file: string;
  readonly args: string[];
  /** What was tried, for messages: `python3 -m pip`. */
  readonly display: string;
}

const pipCache = new Map<string, PipCommand | null>();

/**
 * The pip a Python user has: that of `$CDK_DEPLOYMENT_SCRIPT_PYTHON` when set, else `python3 -m pip`, else
 * `python -m pip`. Looked up once per process (per PATH and variable: a test may change them).
 */
export function findPip(): PipCommand | undefined {
  const named = process.env[PYTHON_ENV_VAR];
  const key = `${named ?? ''}\0${process.env.PATH ?? ''}`;
  let found = pipCache.get(key);
  if (found === undefined) {
    found = null;
    for (const python of named ? [named] : ['python3', 'python']) {
      const probe = spawnSync(python, ['-m', 'pip', '--version'], { env: process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      if (!probe.error && probe.status === 0) {
        found = { file: python, args: ['-m', 'pip'], display: `${python} -m pip` };
        break;
      }
    }
    pipCache.set(key, found);
  }
  return found ?? undefined;
}

/** Where pip is looked for, for messages. */
export function pipCandidates(): string {
  const named = process.env[PYTHON_ENV_VAR];
  return named ? `${named} -m pip (${PYTHON_ENV_VAR})` : 'python3 -m pip, python -m pip';
}

/** A script's folder with a requirements.txt, and how it is installed. */
export interface RequirementsSpec {
  /** `DeploymentScript <path>`, for messages. */
  readonly where: string;
  /** The entry as the user gave it, for messages. */
  readonly entry: string;
  /** The absolute path of the script's folder. */
  readonly sourceDir: string;
  readonly exclude: string[];
  readonly runtime: lambda.Runtime;
  readonly architecture: lambda.Architecture;
  readonly forceDocker: boolean;
  readonly image?: DockerImage;
  readonly environment?: { [key: string]: string };
  /** Files added to the asset beside the folder's (the credentials shim); their content is in the asset hash. */
  readonly extraFiles?: string[];
}

/**
 * The bundling options of a script's asset: local bundling with pip, Docker as the fallback.
 *
 * In both, this machine first copies the script's folder into the output, with the same excludes as the asset hash
 * (aws-cdk-lib's own copy, so that the two never disagree on a pattern); then pip installs the requirements into a
 * folder of their own, which is cleaned and merged into the output without replacing a file of the script's folder.
 * Docker mounts the same output folder, so it only installs and merges.
 */
export function requirementsBundling(spec: RequirementsSpec): BundlingOptions {
  const target = pipTarget(spec.runtime, spec.architecture);
  const local: ILocalBundling & { toJSON(): unknown } = {
    tryBundle: (outputDir) => bundle(spec, target, outputDir),
    // aws-cdk-lib hashes the bundling options as JSON along with the folder's files: here, what decides the
    // output, never a path of this machine or whether pip was found (Docker installs the same wheels).
    toJSON: () => ({
      pip: pipArgs(target),
      ...spec.extraFiles?.length ? { files: spec.extraFiles.map((file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')) } : {},
    }),
  };
  return {
    image: spec.image ?? spec.runtime.bundlingImage,
    command: ['bash', '-c', DOCKER_COMMAND],
    environment: spec.environment,
    platform: spec.architecture.dockerPlatform,
    local,
  };
}

/** Run in the image, from the script's folder, once this machine has copied the folder's files into the output. */
const DOCKER_COMMAND = [
  'set -euo pipefail',
  `pip install --requirement ${REQUIREMENTS_FILE} --target /tmp/requirements --no-compile --no-input --disable-pip-version-check --no-cache-dir`,
  `rm -rf /tmp/requirements/${SCRIPTS_DIR}`,
  `find /tmp/requirements -mindepth 2 -maxdepth 2 -path '*.dist-info/*' \\( ${RECORD_FILES.map((f) => `-name ${f}`).join(' -o ')} \\) -delete`,
  'cp -rn /tmp/requirements/. /asset-output/',
].join('\n');

function bundle(spec: RequirementsSpec, target: PipTarget, outputDir: string): boolean {
  FileSystem.copyDirectory(spec.sourceDir, outputDir, { exclude: spec.exclude });
  for (const file of spec.extraFiles ?? []) { fs.copyFileSync(file, join(outputDir, basename(file))); }
  if (spec.forceDocker) { return false; }
  const pip = findPip();
  if (!pip) {
    process.stderr.write(`${spec.where}: no pip on this machine (tried ${pipCandidates()}): installing ${REQUIREMENTS_FILE} in Docker.\n`);
    return false;
  }
  const scratch = fs.mkdtempSync(join(os.tmpdir(), 'cdk-deployment-script-pip-'));
  try {
    const result = spawnSync(pip.file, [...pip.args, 'install', '--requirement', REQUIREMENTS_FILE, '--target', scratch, ...pipArgs(target)], {
      cwd: spec.sourceDir,
      // We install into a folder, not into an environment: settings that would stop pip from doing so are turned off.
      env: { ...process.env, ...spec.environment, PIP_REQUIRE_VIRTUALENV: '0', PIP_USER: '0' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error || result.status !== 0) { throw new Error(pipFailure(spec, target, pip, result)); }
    removeBookkeeping(scratch);
    fs.cpSync(scratch, outputDir, { recursive: true, force: false, errorOnExist: false });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return true;
}

function removeBookkeeping(dir: string): void {
  fs.rmSync(join(dir, SCRIPTS_DIR), { recursive: true, force: true });
  for (const entry of fs.readdirSync(dir)) {
    if (!entry.endsWith('.dist-info')) { continue; }
    for (const file of RECORD_FILES) { fs.rmSync(join(dir, entry, file), { force: true }); }
  }
}

function pipFailure(spec: RequirementsSpec, target: PipTarget, pip: PipCommand, result: SpawnSyncReturns<string>): string {
  const requirements = join(spec.sourceDir, REQUIREMENTS_FILE);
  const output = (result.stderr?.trim() ? result.stderr : result.stdout ?? '').trim().split('\n')
    .filter((line) => !/Running pip as the 'root' user/.test(line)).slice(-12).map((line) => `  ${line}`);
  const how = result.error ? `could not run (${result.error.message})` : `failed (exit code ${result.status})`;
  return `${spec.where}: '${pip.display} install -r ${requirements}' for the script ${spec.entry} ${how}, `
    + `installing wheels for Python ${target.pythonVersion} on ${target.platform}:\n${output.join('\n')}\n`
    + `Pin each package of ${REQUIREMENTS_FILE} to a version that publishes a wheel for Python ${target.pythonVersion} on ${target.platform} `
    + '(pip installs wheels only here, as it installs for Lambda\'s platform, not this machine\'s), '
    + 'or install the requirements in Docker, which builds what has no wheel: pythonBundling: { forceDockerBundling: true }.';
}
