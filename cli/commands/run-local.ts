/**
 * `run --local`: a script of a synthesized cloud assembly (cdk.out), run on this machine as Lambda would run it —
 * its bundled code, handler, environment and parameters from the template, a Lambda-like context, the function's
 * timeout — so that a migration can be tried against a local database before it is deployed.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { PROP_PARAMETERS } from '../../lambda-runtime/shared/consts';
import type { ScriptContext } from '../../lambda-runtime/shared/invoke';
import type { RunOptions } from '../args';
import { findLocalScript, localRegion, localResolver, readAssembly } from '../assembly';
import { USER_ENV } from '../env';
import { CliError, EXIT_OK, EXIT_SCRIPT_FAILED } from '../errors';
import { checkHandlerFile, localFunction, pythonCommand, runChild } from '../lambda-local';
import { info, type Io, printOutcome, style } from '../output';
import { applyOverrides, parseEnv, parseParamOverrides, readParamsFile } from '../params';
import { NODE_BOOTSTRAP } from '../runtimes';
import { localParameters, unresolvedPaths } from '../template';

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
