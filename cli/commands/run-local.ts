/**
 * `run --local`: a script of a synthesized cloud assembly (cdk.out), run on this machine as Lambda would run it —
 * its bundled code, handler, environment and parameters from the template, a Lambda-like context, the function's
 * timeout — so that a migration can be tried against a local database before it is deployed; a container task in
 * its image, by docker or podman; with `--watch`, again after each edit or synth (cli/local-watch.ts).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { delimiter } from 'node:path';
import { PROP_PARAMETERS, PROP_UNDO_ON_ROLLBACK, TASK_ENV_ROLLBACK, TRIGGER_AFTER_DEPLOY } from '../../lambda-runtime/shared/consts';
import type { ScriptContext } from '../../lambda-runtime/shared/invoke';
import { contextVariables } from '../../lambda-runtime/shared/task-run';
import type { RunOptions } from '../args';
import { type AssemblyStack, findLocalScript, localRegion, localResolver, readAssembly } from '../assembly';
import { containerEngine, describeRun, type LocalContainer, localContainer, maskedValue, runContainer } from '../container-local';
import { USER_ENV } from '../env';
import { CliError, EXIT_INTERRUPTED, EXIT_NO_CONTAINER_ENGINE, EXIT_OK, EXIT_SCRIPT_FAILED, UsageError } from '../errors';
import { checkHandlerFile, localFunction, localHandler, pythonCommand, runChild } from '../lambda-local';
import { watchAndRun } from '../local-watch';
import { info, type Io, printOutcome, style } from '../output';
import { applyOverrides, parseEnv, parseParamOverrides, readParamsFile } from '../params';
import { appDirOf, checkBoto3, nodePathForSdk } from '../provided-sdk';
import { NODE_BOOTSTRAP } from '../runtimes';
import { localParameters, type Resolver, type ScriptDefinition, unresolvedPaths } from '../template';

/** The client context a local run gives: a run by hand, or (`--rollback`) the undo call of a failed update. */
type LocalContext = ScriptContext & { readonly requestType: 'Manual' | 'Update'; readonly rollback?: true };

export async function runLocal(options: RunOptions, io: Io): Promise<number> {
  if (!options.watch) return runLocalOnce(options, io);
  return watchAndRun(options.app, io, async () => {
    try {
      return await runLocalOnce(options, io);
    } catch (error) {
      // A mistake in the command line stays one on the next synth: it ends the watch.
      if (!(error instanceof CliError) || error instanceof UsageError) throw error;
      info(io, `${style(io, 'red', 'error:')} ${error.message}`);
      return error.exitCode;
    }
  });
}

/** What a local run is given, and what it lacks: read once, before anything runs. */
interface LocalInputs {
  readonly stack: AssemblyStack;
  readonly script: ScriptDefinition;
  readonly region?: string;
  readonly resolver: Resolver;
  readonly where: string;
  readonly event: unknown;
  readonly envOverrides: ReadonlyMap<string, string>;
}

async function runLocalOnce(options: RunOptions, io: Io): Promise<number> {
  const overrides = parseParamOverrides(options.params);
  const envOverrides = parseEnv(options.env, options.envFiles, USER_ENV);
  const file = options.paramsFile !== undefined ? readParamsFile(options.paramsFile) : undefined;

  const { stack, script } = findLocalScript(readAssembly(options.app), options.script, options.stack, options.app);
  const region = localRegion(options, stack);
  const resolver = localResolver(stack, region);
  const where = `${script.kind} ${script.id} of ${stack.displayName}`;
  const parameters = file ? { value: file.value as unknown, unresolved: [] } : localParameters(script.properties[PROP_PARAMETERS], resolver, where);
  const event = applyOverrides(parameters.value, overrides);
  const inputs: LocalInputs = { stack, script, region, resolver, where, event, envOverrides };
  const missingParams = unresolvedPaths(event, parameters.unresolved);
  if (options.rollback) checkRollback(io, script, where);
  if (script.kind === 'task') {
    const container = localContainer(stack, script, resolver);
    checkMissing(io, inputs, [...container.unresolved], missingParams, options.strict);
    return runLocalTask(options, io, inputs, container);
  }
  const synthesized = localFunction(stack, script, resolver, options.app);
  const { handler, skipFile, note } = localHandler(synthesized, envOverrides);
  const fn = { ...synthesized, handler };
  const skip = skipFile ? [skipFile] : [];
  try {
    checkMissing(io, inputs, [...fn.unresolved], missingParams, options.strict);
    if (note) info(io, style(io, 'dim', `(${note})`));
    checkHandlerFile(fn, script, options.app);

    const functionName = fn.logicalId;
    const logGroupName = `/aws/lambda/${functionName}`;
    const awsRequestId = randomUUID();
    const custom: LocalContext = {
      trigger: script.trigger,
      requestType: options.rollback ? 'Update' : 'Manual',
      stackId: '',
      stackName: stack.stackName,
      logicalResourceId: script.logicalId,
      physicalResourceId: script.logicalId,
      region: region ?? '',
      ...(options.rollback ? { rollback: true as const } : {}),
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
    const codeWhere = `script ${script.id}`;
    if (options.dryRun) {
      const variables = Object.fromEntries([...fn.environment, ...envOverrides]);
      io.stdout.write(JSON.stringify({
        stack: stack.displayName, script: script.id, runtime: fn.runtime, handler: fn.handler, code: fn.code.dir,
        timeoutSeconds: fn.timeoutSeconds, environment: variables, event, clientContext: { custom },
      }, null, 2) + '\n');
      info(io, `dry run: script ${script.id} was not run.`);
      return EXIT_OK;
    }

    let command: { file: string; args: string[] };
    if (fn.runtime.startsWith('python')) {
      const python = pythonCommand(fn.runtime, options.python);
      if (python.fallback) info(io, style(io, 'dim', `(${python.fallback})`));
      checkBoto3(python.file, fn.code.dir, codeWhere, skip);
      command = python;
    } else {
      command = { file: process.execPath, args: ['-e', NODE_BOOTSTRAP] };
      const wanted = /^nodejs(\d+)/.exec(fn.runtime)?.[1];
      if (wanted && wanted !== process.versions.node.split('.')[0]) info(io, style(io, 'dim', `(running on node ${process.version}; the function's runtime is ${fn.runtime})`));
      const nodePath = nodePathForSdk(fn.code.dir, appDirOf(options.app), codeWhere, skip);
      if (nodePath.length) scriptEnv.NODE_PATH = [...nodePath, ...(USER_ENV.NODE_PATH ? [USER_ENV.NODE_PATH] : [])].join(delimiter);
    }
    const as = options.rollback ? ', as its undo call on rollback' : '';
    info(io, style(io, 'dim', `Running script ${script.id} of ${stack.displayName} locally (${fn.runtime}, ${fn.handler}, timeout ${fn.timeoutSeconds} s${as})…`));
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
    if (outcome.interrupted) {
      info(io, `Interrupted: script ${script.id} was stopped.`);
      return EXIT_INTERRUPTED;
    }
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

/**
 * Parameters only known after deployment must be given (the script's event needs them); unset variables are named
 * on stderr and left unset, or refused with `--strict`.
 */
function checkMissing(io: Io, inputs: LocalInputs, unresolvedEnv: ReadonlyArray<readonly [string, string]>,
  missingParams: ReadonlyArray<{ path: string; what: string }>, strict: boolean): void {
  const missingEnv = unresolvedEnv.filter(([key]) => !inputs.envOverrides.has(key));
  if (missingParams.length || (strict && missingEnv.length)) {
    const lines = [`${inputs.where} needs values that are only known after deployment:`];
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
  if (missingEnv.length) {
    info(io, style(io, 'yellow', `${missingEnv.length} environment variable${missingEnv.length > 1 ? 's are' : ' is'} unset (only known after deployment; give ${missingEnv.length > 1 ? 'them' : 'it'} with --env or --env-file, or refuse to run with --strict):`));
    for (const [key, what] of missingEnv) info(io, `  ${key}  ← ${what}`);
  }
}

/**
 * `--rollback` calls a script as a deployment that rolls back would undo it: only an after:deploy script is undone
 * (a usage error otherwise), and only when synthesized with `undoOnRollback` (a note otherwise: it runs anyway, so
 * that the undo code can be tried before the prop is set).
 */
function checkRollback(io: Io, script: ScriptDefinition, where: string): void {
  if (script.trigger !== TRIGGER_AFTER_DEPLOY) {
    throw new UsageError(`--rollback runs a script as the undo call of a deployment that rolls back, and only ${TRIGGER_AFTER_DEPLOY} scripts and tasks ` +
      `are undone (undoOnRollback): ${where} runs ${script.trigger}. Run it without --rollback.`, 'run');
  }
  if (script.properties[PROP_UNDO_ON_ROLLBACK] !== 'true') {
    info(io, style(io, 'yellow', `note: ${where} was not synthesized with undoOnRollback: a deployment that rolls back does not call it. ` +
      'It runs here as that call would; set undoOnRollback: true for deployments to call it.'));
  }
}

/** A task, in its container: run by docker or podman, or printed for the user to run. */
async function runLocalTask(options: RunOptions, io: Io, inputs: LocalInputs, container: LocalContainer): Promise<number> {
  const { stack, script, region } = inputs;
  const context = contextVariables({
    trigger: script.trigger,
    requestType: options.rollback ? 'Update' : 'Manual',
    stackId: '',
    stackName: stack.stackName,
    region: region ?? '',
    logicalResourceId: script.logicalId,
    physicalResourceId: script.logicalId,
  }, JSON.stringify(inputs.event));
  const environment = new Map<string, string>([
    ...(region ? [['AWS_REGION', region], ['AWS_DEFAULT_REGION', region]] as const : []),
    ...container.environment,
    ...context.map(({ name, value }) => [name, value] as const),
    ...(options.rollback ? [[TASK_ENV_ROLLBACK, 'true']] as const : []),
    ...inputs.envOverrides,
  ]);
  if (options.dryRun) {
    io.stdout.write(JSON.stringify({
      stack: stack.displayName, script: script.id, kind: 'task', image: container.image, command: container.command ?? null,
      environment: Object.fromEntries([...environment].map(([name, value]) => [name, maskedValue(name, value, container.secrets)])),
      event: inputs.event,
    }, null, 2) + '\n');
    info(io, `dry run: task ${script.id} was not run.`);
    return EXIT_OK;
  }
  const { engine, why } = containerEngine(USER_ENV);
  const secrets = container.secrets.length
    ? `\nIts secrets (${container.secrets.join(', ')}) come from Secrets Manager or SSM when ECS starts it: give them with --env.` : '';
  if (!engine) {
    info(io, `No container engine to run task ${script.id} of ${stack.displayName}: ${why}. This is what would run:\n`);
    io.stdout.write(describeRun(container, environment) + '\n');
    info(io, `\nRun it by hand (values shown as **** are masked: put yours), or install docker or podman and run this command again.${secrets}`);
    return EXIT_NO_CONTAINER_ENGINE;
  }
  info(io, style(io, 'dim', `Running task ${script.id} of ${stack.displayName} locally (${engine}, image ${container.image}${options.rollback ? ', as its undo call on rollback' : ''})…`));
  const started = Date.now();
  const { code, interrupted } = await runContainer(engine, container, environment, USER_ENV);
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (interrupted) {
    info(io, `Interrupted: task ${script.id} was stopped (${engine} exited with code ${code}).`);
    return EXIT_INTERRUPTED;
  }
  if (code === 0) {
    info(io, `${style(io, 'green', '✔')} task ${script.id} succeeded in ${took}`);
    return EXIT_OK;
  }
  info(io, `${style(io, 'red', '✘')} task ${script.id} ${style(io, 'bold', 'failed')} after ${took}: the command exited with code ${code}.`);
  return EXIT_SCRIPT_FAILED;
}
