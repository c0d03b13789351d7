/**
 * The imitation of Lambda that `run --local` runs a script in: the function's code, handler, settings and
 * environment read from the template (`localFunction`), and a child process that runs a bootstrap
 * (cli/bootstrap/) with the event and a Lambda-like context, within the function's timeout (`runChild`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { CREDENTIALS_ENV, CREDENTIALS_SHIM_NODE_MODULE, CREDENTIALS_SHIM_PYTHON_MODULE, SCRIPT_HANDLER_ENV } from '../lambda-runtime/shared/consts';
import { type AssemblyStack, readJson } from './assembly';
import { CliError } from './errors';
import { info, type Io, style } from './output';
import { PYTHON_BOOTSTRAP } from './runtimes';
import { describeValue, isObject, type Resolver, resolveString, type ScriptDefinition, type TemplateResource } from './template';

/** A script's function in the template, with what running it locally needs. */
export interface LocalFunction {
  readonly logicalId: string;
  readonly runtime: string;
  readonly handler: string;
  /** Where its code is, and a directory to delete afterwards when the code was written out (inline code). */
  readonly code: { readonly dir: string; readonly temporary?: boolean };
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** Literal (or locally resolvable) variables, and the others with what they refer to. */
  readonly environment: ReadonlyMap<string, string>;
  readonly unresolved: ReadonlyMap<string, string>;
}

export function localFunction(stack: AssemblyStack, script: ScriptDefinition, resolver: Resolver, app: string): LocalFunction {
  const logicalId = script.functionLogicalId;
  const resource: TemplateResource | undefined = logicalId ? stack.template.Resources?.[logicalId] : undefined;
  if (!logicalId || resource?.Type !== 'AWS::Lambda::Function') {
    throw new CliError(`script ${script.id} of ${stack.displayName}: its function is not a Lambda function of the template (ScriptFunctionName is ${describeValue(script.properties.ScriptFunctionName)}).`);
  }
  const props = resource.Properties ?? {};
  const runtime = typeof props.Runtime === 'string' ? props.Runtime : undefined;
  const handler = typeof props.Handler === 'string' ? props.Handler : undefined;
  if (!runtime || !handler) {
    throw new CliError(`script ${script.id}: its function ${logicalId} has no literal Runtime and Handler (a container image?): run --local runs Node.js and Python functions.`);
  }
  if (!/^(nodejs|python3)/.test(runtime)) {
    throw new CliError(`script ${script.id} runs on ${runtime}: run --local runs Node.js and Python scripts only. Deploy it, and use run --stack.`);
  }
  const environment = new Map<string, string>();
  const unresolved = new Map<string, string>();
  const variables = isObject(props.Environment) && isObject(props.Environment.Variables) ? props.Environment.Variables : {};
  for (const [key, value] of Object.entries(variables)) {
    const resolved = resolveString(value, resolver);
    if (resolved === undefined) unresolved.set(key, describeValue(value));
    else environment.set(key, resolved);
  }
  return {
    logicalId,
    runtime,
    handler,
    code: codeOf(stack, script, logicalId, resource, runtime, app),
    timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
    memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
    environment,
    unresolved,
  };
}

/** The directory of a function's code: its asset in the assembly, or its inline code written out. */
function codeOf(stack: AssemblyStack, script: ScriptDefinition, logicalId: string, resource: TemplateResource, runtime: string, app: string): LocalFunction['code'] {
  const code = isObject(resource.Properties?.Code) ? resource.Properties.Code : {};
  if (typeof code.ZipFile === 'string') {
    const dir = mkdtempSync(join(tmpdir(), 'cdk-deployment-script-inline-'));
    writeFileSync(join(dir, runtime.startsWith('python') ? 'index.py' : 'index.js'), code.ZipFile);
    return { dir, temporary: true };
  }
  if (code.ImageUri !== undefined) throw new CliError(`script ${script.id} is a container image: run --local runs Node.js and Python code assets only.`);
  const where = `script ${script.id} (function ${logicalId}, stack ${stack.displayName})`;
  let assetPath: string | undefined;
  const metadata = resource.Metadata ?? {};
  if (typeof metadata['aws:asset:path'] === 'string' && (metadata['aws:asset:property'] ?? 'Code') === 'Code') {
    assetPath = resolve(stack.dir, metadata['aws:asset:path']);
  } else {
    // Without asset metadata (cdk synth --no-asset-metadata): the asset manifests say which asset the S3 key is.
    const key = typeof code.S3Key === 'string' ? code.S3Key : undefined;
    assetPath = key ? assetOfObjectKey(stack.dir, key) : undefined;
    if (!assetPath) throw new CliError(`cannot find the code of ${where} in ${app}: its template has no asset metadata and no asset manifest lists its S3 key. Synthesize the app again (cdk synth).`);
  }
  if (!existsSync(assetPath)) {
    throw new CliError(`the code of ${where} is missing from ${app}: ${relative(process.cwd(), assetPath) || assetPath} does not exist. Synthesize the app again (cdk synth).`);
  }
  if (!statSync(assetPath).isDirectory()) {
    throw new CliError(`the code of ${where} is a file (${assetPath}), not a directory: run --local runs code assets that are directories (an unzipped asset).`);
  }
  return { dir: assetPath };
}

function assetOfObjectKey(dir: string, objectKey: string): string | undefined {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.assets.json'))) {
    const manifest = readJson(join(dir, file)) as { files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }> };
    for (const asset of Object.values(manifest.files ?? {})) {
      if (Object.values(asset.destinations ?? {}).some((d) => d.objectKey === objectKey) && asset.source?.path) {
        return resolve(dirname(join(dir, file)), asset.source.path);
      }
    }
  }
  return undefined;
}

/**
 * The handler a local run calls. A script connected to a database with credentials read at run time has the
 * library's shim as its handler: in Lambda it reads the database's secret, fills the user and password into the
 * connection strings, then calls the script's own handler. Locally the connection strings are the user's (`--env`,
 * with their credentials in them), and the secret's ARN is only known after deployment: the script's own handler
 * runs, unless every secret's ARN is given (then the shim reads the secrets, with the user's AWS credentials).
 * `skipFile` is the shim's file, which imports the AWS SDK the script itself may not need.
 */
export function localHandler(fn: LocalFunction, given: ReadonlyMap<string, string>): { handler: string; skipFile?: string; note?: string } {
  const python = fn.runtime.startsWith('python');
  const shim = python ? CREDENTIALS_SHIM_PYTHON_MODULE : CREDENTIALS_SHIM_NODE_MODULE;
  const own = given.get(SCRIPT_HANDLER_ENV) ?? fn.environment.get(SCRIPT_HANDLER_ENV);
  if (!isCredentialsShim(fn.handler) || !own) return { handler: fn.handler };
  let secrets: string[] = [];
  try {
    secrets = Object.keys(JSON.parse(fn.environment.get(CREDENTIALS_ENV) ?? '{}') as object);
  } catch {
    // not the shim's manifest: the shim would fail the same way in Lambda
    return { handler: fn.handler };
  }
  if (secrets.length && secrets.every((name) => given.has(name))) return { handler: fn.handler };
  return {
    handler: own,
    skipFile: `${shim}.${python ? 'py' : 'js'}`,
    note: `in Lambda, the database credentials are read from ${secrets.join(', ') || 'the database secret'} when the script runs; here its connection ` +
      `strings are used as you give them (with --env, user and password in them). To read the secret instead, give ${secrets.map((name) => `--env ${name}=…`).join(' ')}.`,
  };
}

/** Whether a function's handler is the library's credentials shim, which calls the script's own (SCRIPT_HANDLER_ENV). */
export function isCredentialsShim(handler: unknown): boolean {
  return handler === `${CREDENTIALS_SHIM_NODE_MODULE}.handler` || handler === `${CREDENTIALS_SHIM_PYTHON_MODULE}.handler`;
}

/** Whether the handler's file is in the code directory (a clearer error than the runtime's, and before running). */
export function checkHandlerFile(fn: LocalFunction, script: ScriptDefinition, app: string): void {
  const slash = fn.handler.lastIndexOf('/');
  const base = fn.handler.slice(slash + 1);
  const module = fn.handler.slice(0, slash + 1) + (fn.runtime.startsWith('python') ? base.slice(0, base.lastIndexOf('.')) : base.slice(0, base.indexOf('.')));
  const files = fn.runtime.startsWith('python')
    ? [`${module.replace(/\./g, '/')}.py`, join(module.replace(/\./g, '/'), '__init__.py')]
    : ['.js', '.mjs', '.cjs'].map((ext) => module + ext);
  if (!files.some((file) => existsSync(join(fn.code.dir, file)))) {
    throw new CliError(`the handler of script ${script.id}, ${fn.handler}, is not in its code (${relative(process.cwd(), fn.code.dir) || fn.code.dir}): no ${files.join(' or ')}. ` +
      `Was the asset bundled? Synthesize the app again (bundling is skipped by cdk synth --exclusively for other stacks) — app ${app}.`);
  }
}

/**
 * The Python interpreter for a runtime: `--python`, else `python3.X` of the runtime, else `python3`, `python`.
 * `fallback` says, when another version than the runtime's runs the script, which one and why.
 */
export function pythonCommand(runtime: string, python: string | undefined): { file: string; args: string[]; fallback?: string } {
  const version = /^python(3\.\d+)/.exec(runtime)?.[1];
  const candidates = python ? [python] : [...(version ? [`python${version}`] : []), 'python3', 'python'];
  const missed: string[] = [];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    const found = probe.status === 0 ? probe.stdout.trim() : '';
    if (!found.startsWith('3.')) {
      missed.push(whyNot(candidate, probe, found));
      continue;
    }
    const fallback = version && found !== version
      ? `running on ${candidate} (Python ${found}); the function's runtime is ${runtime}${python || !missed.length ? '' : `, and ${missed[0]}`}`
      : undefined;
    return { file: candidate, args: ['-u', '-c', PYTHON_BOOTSTRAP], fallback };
  }
  throw new CliError(`no Python 3 interpreter found to run a ${runtime} script (tried ${candidates.join(', ')}): install Python 3, or pass --python /path/to/python3.`);
}

/** Why an interpreter cannot run a script: not on PATH, not Python 3, or what it said when it failed (a pyenv shim). */
function whyNot(candidate: string, probe: ReturnType<typeof spawnSync>, found: string): string {
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return `${candidate} is not on PATH`;
  if (probe.status === 0) return `${candidate} is Python ${found || '?'}`;
  const said = String(probe.stderr ?? '').trim().split('\n')[0];
  return `${candidate} does not run (${said || `exit ${probe.status ?? probe.signal}`})`;
}

export interface ChildOutcome {
  readonly payload: string;
  readonly functionError?: string;
  /** Ctrl-C stopped the script: no outcome of its own. */
  readonly interrupted?: boolean;
}

/**
 * Runs the bootstrap in a child process: streams its output to stderr as it comes (the script's log), kills it
 * at the timeout, and reads its outcome from file descriptor 3.
 */
export function runChild(command: { file: string; args: string[] },
  options: { env: NodeJS.ProcessEnv; input: string; timeoutMs: number; io: Io; title: string }): Promise<ChildOutcome> {
  const { io } = options;
  return new Promise((resolveOutcome, reject) => {
    const child = spawn(command.file, command.args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    let result = '';
    let logged = false;
    let atLineStart = true;
    const log = (chunk: Buffer) => {
      if (!logged) {
        info(io, style(io, 'dim', `── ${options.title} ──`));
        logged = true;
      }
      const text = chunk.toString('utf8');
      io.stderr.write(text);
      atLineStart = text.endsWith('\n');
    };
    child.stdout!.on('data', log);
    child.stderr!.on('data', log);
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => { result += chunk.toString('utf8'); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    let wasInterrupted = false;
    const interrupted = () => {
      wasInterrupted = true;
      child.kill('SIGINT');
    };
    process.on('SIGINT', interrupted);
    child.on('error', (error) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', interrupted);
      reject(new CliError(`cannot start ${command.file}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', interrupted);
      if (logged) {
        if (!atLineStart) io.stderr.write('\n');
        info(io, style(io, 'dim', '──'));
      }
      if (wasInterrupted) return resolveOutcome({ interrupted: true, payload: 'null' });
      if (timedOut) {
        const seconds = (options.timeoutMs / 1000).toFixed(2);
        return resolveOutcome({ functionError: 'Unhandled', payload: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${seconds} seconds` }) });
      }
      try {
        const message = JSON.parse(result);
        if (message.ok) return resolveOutcome({ payload: String(message.payload) });
        return resolveOutcome({ functionError: 'Unhandled', payload: JSON.stringify(message.error) });
      } catch {
        const how = signal ? `signal ${signal}` : `exit status ${code}`;
        return resolveOutcome({
          functionError: 'Unhandled',
          payload: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${how} (the script's process ended before it returned)` }),
        });
      }
    });
    child.stdin!.on('error', () => undefined); // a child that exits at once must not crash us with EPIPE
    child.stdin!.end(options.input);
  });
}
