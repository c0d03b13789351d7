/**
 * A script given as a `.py` `entry`: its checks, and the code, handler and runtime of its function.
 */
import * as fs from 'fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'path';
import { FileSystem, ILocalBundling, Stage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { DeploymentScriptProps } from '../deployment-script';
import { shimFile, shimHash } from './credentials-shim';
import { REQUIREMENTS_FILE, requirementsBundling } from './pip-bundling';
import { ScriptRef } from './script-ref';

/**
 * The runtime of a `.py` entry: the newest Python runtime generally available in Lambda that every aws-cdk-lib of
 * the peer range (2.230 and later) defines. A default that moved with the aws-cdk-lib a user installs would change
 * their function, and re-run their scripts, on an upgrade of aws-cdk-lib alone.
 */
export const DEFAULT_PYTHON_RUNTIME = lambda.Runtime.PYTHON_3_14;

/**
 * Left out of every `.py` entry's asset: Python's caches, which hold the time they were written, and the usual
 * virtual environment, which holds this machine's interpreter. Nothing else: any other file of the folder may be
 * read by the script (a SQL file, a JSON document), and the folder is the script's own.
 */
export const DEFAULT_PYTHON_EXCLUDES = ['__pycache__', '*.pyc', '.venv'];

export function isPythonEntry(entry: string | undefined): boolean {
  return entry !== undefined && entry.endsWith('.py');
}

/**
 * Checks the props of a `.py` entry, and that `pythonBundling` comes with one. `path` is the construct's path,
 * `scope` its future parent.
 */
export function validatePythonEntry(script: ScriptRef, scope: Construct, props: DeploymentScriptProps): void {
  const fail = (message: string): never => script.fail(message);
  const entry = props.entry;
  if (!isPythonEntry(entry)) {
    if (props.pythonBundling === undefined) { return; }
    if (entry !== undefined) {
      fail(`'pythonBundling' is given with 'entry' ${entry}, which is bundled with esbuild. Use 'bundling' for a .ts or .js entry, or give a .py entry.`);
    }
    fail("'pythonBundling' is given with 'code': it only applies to a script given as a .py 'entry'. Remove it, and package the code yourself, or give the script as a .py 'entry'.");
  }
  const file = resolve(entry!);
  if (!fs.existsSync(file)) {
    fail(`'entry' is ${entry}, which does not exist (${file}). Give the path of the script's .py file; a relative path is resolved from the current directory, ${process.cwd()}.`);
  }
  if (!fs.statSync(file).isFile()) {
    fail(`'entry' is ${entry}, which is a directory (${file}). Give the path of the script's .py file.`);
  }
  if (basename(file, '.py').includes('.')) {
    fail(`'entry' is ${entry}: Lambda imports the handler's module by its name, and a dot in it names a package. Rename the file without dots, e.g. ${basename(file, '.py').replace(/\./g, '_')}.py.`);
  }
  if (props.runtime !== undefined && props.runtime.family !== lambda.RuntimeFamily.PYTHON) {
    fail(`'runtime' is ${props.runtime.name} with 'entry' ${entry}, a Python script. Use a Python runtime, e.g. Runtime.PYTHON_3_14, or leave 'runtime' out for ${DEFAULT_PYTHON_RUNTIME.name}.`);
  }
  for (const key of ['bundling', 'depsLockFilePath', 'projectRoot'] as const) {
    if (props[key] !== undefined) {
      fail(`'${key}' is given with 'entry' ${entry}, a Python script: it only applies to a .ts or .js entry, bundled with esbuild. Remove it; `
        + "a Python script's packaging is set with 'pythonBundling'.");
    }
  }
  if (props.handler !== undefined && (props.handler === '' || props.handler.startsWith('.') || props.handler.endsWith('.'))) {
    fail(`'handler' is "${props.handler}". Give the function's name (e.g. 'handler'), or Lambda's full handler string, '<module>.<function>'.`);
  }
  // The cloud assembly inside the asset: each synth would add the previous one's assets to it, and change its hash.
  const outdir = Stage.of(scope)?.outdir;
  const folder = dirname(file);
  if (outdir !== undefined && isWithin(resolve(outdir), folder)) {
    fail(`the folder of 'entry' ${entry} (${folder}) holds the app's output directory (${outdir}), and a Python script's asset is its whole folder. `
      + `Move ${basename(file)}, and the files it needs, into a folder of its own, e.g. scripts/.`);
  }
}

function isWithin(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The code, handler and runtime of a `.py` entry's function (checked by `validatePythonEntry`). */
export function pythonEntryFunction(scope: Construct, props: DeploymentScriptProps, credentialsShim = false): Pick<lambda.FunctionProps, 'code' | 'handler' | 'runtime'> {
  const entry = props.entry!;
  const file = resolve(entry);
  const folder = dirname(file);
  const moduleName = basename(file, '.py');
  const runtime = props.runtime ?? DEFAULT_PYTHON_RUNTIME;
  const options = props.pythonBundling ?? {};
  const exclude = [...DEFAULT_PYTHON_EXCLUDES, ...options.exclude ?? []];
  const handler = props.handler === undefined ? `${moduleName}.handler`
    : props.handler.includes('.') ? props.handler : `${moduleName}.${props.handler}`;

  // With the credentials shim, the asset is the folder and the shim, which only a bundling can put together; its
  // content is in the bundling options, and so in the asset hash.
  const shim = credentialsShim ? shimFile('python') : undefined;
  if (!fs.existsSync(join(folder, REQUIREMENTS_FILE))) {
    if (!shim) { return { code: lambda.Code.fromAsset(folder, { exclude }), handler, runtime }; }
    const local: ILocalBundling & { toJSON(): unknown } = {
      tryBundle: (outputDir) => {
        FileSystem.copyDirectory(folder, outputDir, { exclude });
        fs.copyFileSync(shim, join(outputDir, basename(shim)));
        return true;
      },
      toJSON: () => ({ credentialsShim: shimHash('python') }),
    };
    return { code: lambda.Code.fromAsset(folder, { exclude, bundling: { image: runtime.bundlingImage, local } }), handler, runtime };
  }
  // The asset hash is the default, SOURCE: the folder's files (less the excludes) and the bundling options, pip's
  // flags among them. It never depends on what pip wrote, so two synths, on any machines, give the same hash (and a
  // synth that finds the asset already in cdk.out skips pip). The output is made the same everywhere too (see
  // pip-bundling.ts), so that whichever machine uploads it first, the function gets the same code. A new release of
  // an unpinned requirement does not change the hash: pin versions in requirements.txt.
  const bundling = requirementsBundling({
    where: `DeploymentScript ${scope.node.path}`,
    entry,
    sourceDir: folder,
    exclude,
    runtime,
    architecture: props.architecture ?? lambda.Architecture.X86_64,
    forceDocker: options.forceDockerBundling ?? false,
    image: options.image,
    environment: options.environment,
    extraFiles: shim ? [shim] : [],
  });
  return { code: lambda.Code.fromAsset(folder, { exclude, bundling }), handler, runtime };
}
