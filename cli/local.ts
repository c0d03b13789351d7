/**
 * `run --local` and `list --local`: the scripts of a synthesized cloud assembly (cdk.out), run on this machine
 * as Lambda would run them — their bundled code, handler, environment and parameters from the template, a
 * Lambda-like context, the function's timeout — so that a migration can be tried against a local database
 * before it is deployed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { PROP_PARAMETERS } from '../lambda-runtime/shared/consts';
import type { ScriptContext } from '../lambda-runtime/shared/invoke';
import type { ListOptions, RunOptions } from './args';
import { USER_ENV } from './env';
import { CliError, EXIT_OK, EXIT_SCRIPT_FAILED } from './errors';
import { info, type Io, printOutcome, style, table, toStdout } from './output';
import { applyOverrides, parseEnv, parseParamOverrides, readParamsFile } from './params';
import { NODE_BOOTSTRAP, PYTHON_BOOTSTRAP } from './runtimes';
import {
  describeValue,
  findScripts,
  isObject,
  localParameters,
  type Resolver,
  resolveString,
  type ScriptDefinition,
  selectScript,
  type Template,
  type TemplateResource,
  unresolvedPaths,
} from './template';

/** A stack of a cloud assembly. */
interface AssemblyStack {
  readonly artifactId: string;
  readonly stackName: string;
  /** The stack's construct path (`Stage/Stack`), as `cdk` shows it. */
  readonly displayName: string;
  /** The directory of the (possibly nested) assembly the stack belongs to. */
  readonly dir: string;
  readonly template: Template;
  readonly account?: string;
  readonly region?: string;
}

/** Reads the stacks of a cloud assembly, and of the assemblies nested in it (stages). */
function readAssembly(app: string): AssemblyStack[] {
  const dir = resolve(app);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CliError(`${app} is not a cloud assembly (no manifest.json in ${dir}): synthesize the app first (cdk synth), or give its output directory with --app.`);
  }
  const stacks: AssemblyStack[] = [];
  const visit = (assemblyDir: string) => {
    const manifest = readJson(join(assemblyDir, 'manifest.json')) as { artifacts?: Record<string, any> };
    for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact?.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
        visit(join(assemblyDir, artifact.properties.directoryName));
      }
      if (artifact?.type !== 'aws:cloudformation:stack' || typeof artifact.properties?.templateFile !== 'string') continue;
      const [, account, region] = /^aws:\/\/([^/]*)\/(.*)$/.exec(artifact.environment ?? '') ?? [];
      stacks.push({
        artifactId,
        stackName: artifact.properties.stackName ?? artifactId,
        displayName: artifact.displayName ?? artifactId,
        dir: assemblyDir,
        template: readJson(join(assemblyDir, artifact.properties.templateFile)) as Template,
        account: account && account !== 'unknown-account' ? account : undefined,
        region: region && region !== 'unknown-region' ? region : undefined,
      });
    }
  };
  visit(dir);
  return stacks;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The script named `wanted`, in the stack `stack` if given, else in whichever stack has it. */
function findLocalScript(stacks: AssemblyStack[], wanted: string, stackName: string | undefined, app: string): { stack: AssemblyStack; script: ScriptDefinition } {
  const candidates = selectStacks(stacks, stackName, app);
  if (candidates.length === 1) {
    return { stack: candidates[0], script: selectScript(findScripts(candidates[0].template), wanted, `stack ${candidates[0].displayName} of ${app}`) };
  }
  const found: Array<{ stack: AssemblyStack; script: ScriptDefinition }> = [];
  for (const stack of candidates) {
    try {
      found.push({ stack, script: selectScript(findScripts(stack.template), wanted, stack.displayName) });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
    }
  }
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new CliError(`script '${wanted}' is in several stacks of ${app}: ${found.map((f) => f.stack.displayName).join(', ')}. Pick one with --stack.`);
  }
  const all = candidates.flatMap((stack) => findScripts(stack.template).map((s) => `${s.id} (${stack.displayName})`));
  throw new CliError(`no deployment script named '${wanted}' in ${app}. ${all.length ? `Its scripts: ${all.join(', ')}.` : 'It has no deployment scripts.'}`);
}

function selectStacks(stacks: AssemblyStack[], name: string | undefined, app: string): AssemblyStack[] {
  if (stacks.length === 0) throw new CliError(`${app} has no stacks.`);
  if (name === undefined) return stacks;
  const found = stacks.filter((s) => s.stackName === name || s.artifactId === name || s.displayName === name);
  if (found.length === 0) throw new CliError(`no stack named '${name}' in ${app}. Its stacks: ${stacks.map((s) => s.displayName).join(', ')}.`);
  return found;
}

/** Pseudo parameters known on this machine: the stack's environment (or --region), its name, the partition. */
function localResolver(stack: AssemblyStack, region: string | undefined): Resolver {
  const partition = region?.startsWith('cn-') ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const pseudo: Record<string, string | undefined> = {
    'AWS::Region': region,
    'AWS::AccountId': stack.account,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': stack.stackName,
  };
  return { ref: (name) => pseudo[name] };
}

/** A script's function in the template, with what running it locally needs. */
interface LocalFunction {
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

function localFunction(stack: AssemblyStack, script: ScriptDefinition, resolver: Resolver, app: string): LocalFunction {
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

/** Whether the handler's file is in the code directory (a clearer error than the runtime's, and before running). */
function checkHandlerFile(fn: LocalFunction, script: ScriptDefinition, app: string): void {
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

/** The region a local run resolves `AWS::Region` to and gives the script: --region, the stack's, the environment's. */
function localRegion(options: { region?: string }, stack: AssemblyStack): string | undefined {
  return options.region ?? stack.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}

export async function runLocal(options: RunOptions, io: Io): Promise<number> {
  const overrides = parseParamOverrides(options.params);
  const envOverrides = parseEnv(options.env);
  const file = options.paramsFile !== undefined ? readParamsFile(options.paramsFile) : undefined;

  const { stack, script } = findLocalScript(readAssembly(options.app), options.script, options.stack, options.app);
  const region = localRegion(options, stack);
  const resolver = localResolver(stack, region);
  const fn = localFunction(stack, script, resolver, options.app);
  try {
    const missingEnv = [...fn.unresolved].filter(([key]) => !envOverrides.has(key));
    const where = `script ${script.id} of ${stack.displayName}`;
    const parameters = file ? { value: file.value as unknown, unresolved: [] } : localParameters(script.properties[PROP_PARAMETERS], resolver, where);
    const event = applyOverrides(parameters.value, overrides);
    const missingParams = unresolvedPaths(event, parameters.unresolved);
    if (missingEnv.length || missingParams.length) {
      const lines = [`${where} needs values that are only known after deployment:`];
      if (missingEnv.length) {
        lines.push('  environment variables (give them with --env KEY=VALUE):');
        for (const [key, what] of missingEnv) lines.push(`    ${key}  ← ${what}`);
      }
      if (missingParams.length) {
        lines.push('  parameters (give them with --param KEY=VALUE, or all of them with --params-file FILE):');
        for (const { path, what } of missingParams) lines.push(`    ${path}  ← ${what}`);
      }
      const example = [...missingEnv.map(([key]) => `--env ${key}=…`), ...missingParams.map(({ path }) => `--param ${path}=…`)].slice(0, 4).join(' ');
      lines.push(`e.g. ${example}`);
      throw new CliError(lines.join('\n'));
    }
    checkHandlerFile(fn, script, options.app);

    const functionName = fn.logicalId;
    const logGroupName = `/aws/lambda/${functionName}`;
    const awsRequestId = randomUUID();
    const custom: ScriptContext & { requestType: 'Manual' } = {
      trigger: script.trigger,
      requestType: 'Manual',
      stackId: '',
      stackName: stack.stackName,
      logicalResourceId: script.logicalId,
      physicalResourceId: script.logicalId,
      region: region ?? '',
    };
    const scriptEnv: Record<string, string> = {
      ...(region ? { AWS_REGION: region, AWS_DEFAULT_REGION: region } : {}),
      ...(options.profile ? { AWS_PROFILE: options.profile } : {}),
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: logGroupName,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      LAMBDA_TASK_ROOT: fn.code.dir,
      _HANDLER: fn.handler,
      TZ: ':UTC',
      ...Object.fromEntries(fn.environment),
      ...Object.fromEntries(envOverrides),
    };
    if (options.dryRun) {
      const variables = Object.fromEntries([...fn.environment, ...envOverrides]);
      io.stdout.write(JSON.stringify({
        stack: stack.displayName, script: script.id, runtime: fn.runtime, handler: fn.handler, code: fn.code.dir,
        timeoutSeconds: fn.timeoutSeconds, environment: variables, event, clientContext: { custom },
      }, null, 2) + '\n');
      info(io, `dry run: script ${script.id} was not run.`);
      return EXIT_OK;
    }

    const command = fn.runtime.startsWith('python') ? pythonCommand(fn.runtime, options.python) : { file: process.execPath, args: ['-e', NODE_BOOTSTRAP] };
    if (fn.runtime.startsWith('nodejs')) {
      const wanted = /^nodejs(\d+)/.exec(fn.runtime)?.[1];
      if (wanted && wanted !== process.versions.node.split('.')[0]) info(io, style(io, 'dim', `(running on node ${process.version}; the function's runtime is ${fn.runtime})`));
    }
    info(io, style(io, 'dim', `Running script ${script.id} of ${stack.displayName} locally (${fn.runtime}, ${fn.handler}, timeout ${fn.timeoutSeconds} s)…`));
    const started = Date.now();
    const outcome = await runChild(command, {
      env: { ...USER_ENV, ...scriptEnv },
      input: JSON.stringify({
        dir: fn.code.dir,
        handler: fn.handler,
        event,
        timeoutMs: fn.timeoutSeconds * 1000,
        context: {
          functionName,
          invokedFunctionArn: `arn:aws:lambda:${region ?? 'local'}:${stack.account ?? '000000000000'}:function:${functionName}`,
          memoryLimitInMB: fn.memorySize,
          awsRequestId,
          logGroupName,
          logStreamName: `local/${awsRequestId}`,
          clientContext: { custom },
        },
      }),
      timeoutMs: fn.timeoutSeconds * 1000,
      io,
      title: `log of ${script.id}`,
    });
    const ok = printOutcome(io, {
      scriptId: script.id,
      payload: outcome.payload,
      functionError: outcome.functionError,
      seconds: (Date.now() - started) / 1000,
      timeoutSeconds: fn.timeoutSeconds,
    });
    return ok ? EXIT_OK : EXIT_SCRIPT_FAILED;
  } finally {
    if (fn.code.temporary) rmSync(fn.code.dir, { recursive: true, force: true });
  }
}

function pythonCommand(runtime: string, python: string | undefined): { file: string; args: string[] } {
  const version = /^python(3\.\d+)/.exec(runtime)?.[1];
  const candidates = python ? [python] : [...(version ? [`python${version}`] : []), 'python3', 'python'];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim() === '3') return { file: candidate, args: ['-u', '-c', PYTHON_BOOTSTRAP] };
  }
  throw new CliError(`no Python 3 interpreter found to run a ${runtime} script (tried ${candidates.join(', ')}): install Python 3, or pass --python /path/to/python3.`);
}

interface ChildOutcome {
  readonly payload: string;
  readonly functionError?: string;
}

/**
 * Runs the bootstrap in a child process: streams its output to stderr as it comes (the script's log), kills it
 * at the timeout, and reads its outcome from file descriptor 3.
 */
function runChild(command: { file: string; args: string[] },
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
    const interrupted = () => child.kill('SIGINT');
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

/** `list --local`: the scripts of a cloud assembly, and what a local run of each needs. */
export function listLocal(options: ListOptions, stdio: Io): number {
  const io = toStdout(stdio);
  const stacks = selectStacks(readAssembly(options.app), options.stack, options.app);
  const rows = stacks.flatMap((stack) => {
    const resolver = localResolver(stack, localRegion(options, stack));
    return findScripts(stack.template).map((script) => {
      const resource = script.functionLogicalId ? stack.template.Resources?.[script.functionLogicalId] : undefined;
      const props = resource?.Properties ?? {};
      const variables = isObject(props.Environment) && isObject(props.Environment.Variables) ? props.Environment.Variables : {};
      const unresolvedEnv = Object.entries(variables).filter(([, v]) => resolveString(v, resolver) === undefined).map(([k]) => k);
      let unresolvedParams: string[];
      try {
        const parameters = localParameters(script.properties[PROP_PARAMETERS], resolver, script.id);
        unresolvedParams = unresolvedPaths(parameters.value, parameters.unresolved).map((p) => p.path);
      } catch {
        unresolvedParams = ['(not JSON)'];
      }
      return {
        stack: stack.displayName,
        id: script.id,
        logicalId: script.logicalId,
        trigger: script.trigger,
        runtime: typeof props.Runtime === 'string' ? props.Runtime : undefined,
        handler: typeof props.Handler === 'string' ? props.Handler : undefined,
        timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : undefined,
        unresolvedEnvironment: unresolvedEnv,
        unresolvedParameters: unresolvedParams,
      };
    });
  });
  if (options.json) {
    io.stdout.write(JSON.stringify({ app: options.app, scripts: rows }, null, 2) + '\n');
    return EXIT_OK;
  }
  if (rows.length === 0) {
    info(io, `${options.app} has no deployment scripts.`);
    return EXIT_OK;
  }
  io.stdout.write(table(
    ['STACK', 'SCRIPT', 'LOGICAL ID', 'TRIGGER', 'RUNTIME', 'HANDLER', 'NEEDS (--env / --param)'],
    rows.map((r) => [r.stack, r.id, r.logicalId, r.trigger, r.runtime ?? '?', r.handler ?? '?',
      [...r.unresolvedEnvironment.map((k) => `--env ${k}`), ...r.unresolvedParameters.map((p) => `--param ${p}`)].join(' ') || '-']),
  ));
  return EXIT_OK;
}
