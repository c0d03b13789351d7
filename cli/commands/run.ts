/**
 * `run --stack S --script ID`: invokes a deployed script now, with the parameters of the stack's last deployment
 * (the record the runtime keeps in SSM, see lambda-runtime/shared/stored-result.ts) and the client context a deployment
 * gives it, `requestType: "Manual"`.
 */
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { MAX_SCRIPT_TIMEOUT_SECONDS, PROP_LOG_GROUP_NAME, PROP_PARAMETERS } from '../../lambda-runtime/shared/consts';
import { encodeClientContext, type ScriptContext } from '../../lambda-runtime/shared/invoke';
import { logsConsoleUrl } from '../../lambda-runtime/shared/reason';
import type { RunOptions } from '../args';
import { Aws, regionOfArn } from '../aws';
import { type DeployedStack, functionName, isDeployed, readRecord, readStack, recordParameterName, type RecordState } from '../deployed';
import { CliError, EXIT_INTERRUPTED, EXIT_OK, EXIT_SCRIPT_FAILED, UsageError } from '../errors';
import { runLocal } from './run-local';
import { runDeployedTask } from './run-task';
import { decodeLogTail, info, type Io, printLog, printOutcome, progress, style } from '../output';
import { applyOverrides, parseParamOverrides, readParamsFile } from '../params';
import { describeValue, parametersMatch, resolveString, type ScriptDefinition, selectScript } from '../template';

/** Time, beyond the script's timeout, to wait for Lambda's answer before giving up on it. */
const ANSWER_MARGIN_SECONDS = 60;

export async function run(options: RunOptions, io: Io): Promise<number> {
  if (options.local) return runLocal(options, io);
  // Mistakes in the command line first, before any call.
  const overrides = parseParamOverrides(options.params);
  const file = options.paramsFile !== undefined ? readParamsFile(options.paramsFile) : undefined;

  const aws = new Aws({ profile: options.profile, region: options.region ?? regionOfArn(options.stack!) });
  try {
    const stack = await readStack(aws, options.stack!);
    const script = selectScript(stack.scripts, options.script, `stack ${stack.stackName}`);
    if (script.kind === 'task') return await runDeployedTask(aws, stack, script, options, io, overrides, file);
    if (options.noWait) throw new UsageError(`--no-wait is for container tasks: ${script.id} is a Lambda script, and Lambda runs it while the command waits.`, 'run');
    const { fn, physicalId } = deployedFunction(stack, script);

    let payload: string;
    let source: string;
    if (file) {
      payload = file.text;
      source = `--params-file ${options.paramsFile}`;
    } else {
      payload = recordedParameters(await readRecord(aws, stack, physicalId), stack, script, physicalId);
      if (!parametersMatch(script.properties[PROP_PARAMETERS], payload, stack.resolver)) {
        throw new CliError(`the parameters recorded for script ${script.id} are not those of the deployed template: its last deployment ` +
          `could not record them (the provider's log says why). Pass them with --params-file FILE, or deploy the stack again.`);
      }
      source = 'the last deployment';
    }
    if (overrides.length) {
      payload = JSON.stringify(applyOverrides(JSON.parse(payload), overrides));
      source += ` with ${overrides.length} --param override${overrides.length > 1 ? 's' : ''}`;
    }

    const context: ScriptContext & { requestType: 'Manual' } = {
      trigger: script.trigger,
      requestType: 'Manual',
      stackId: stack.stackId,
      stackName: stack.stackName,
      logicalResourceId: script.logicalId,
      physicalResourceId: physicalId,
      region: stack.region,
    };
    if (options.dryRun) {
      io.stdout.write(JSON.stringify({ functionName: fn, event: JSON.parse(payload), clientContext: { custom: context } }, null, 2) + '\n');
      info(io, `dry run: script ${script.id} (function ${fn}) was not invoked. Parameters: ${source}.`);
      return EXIT_OK;
    }

    const timeoutSeconds = script.timeoutSeconds ?? MAX_SCRIPT_TIMEOUT_SECONDS;
    const logGroup = resolveString(script.properties[PROP_LOG_GROUP_NAME], stack.resolver) ?? `/aws/lambda/${fn}`;
    info(io, style(io, 'dim', `Parameters: ${source}.`));
    const started = Date.now();
    const spinner = progress(io, `Running script ${script.id} (function ${fn}, timeout ${timeoutSeconds} s)`);
    const interrupted = () => {
      spinner.stop();
      info(io, `\nInterrupted: the script goes on running in Lambda until it ends or times out (${timeoutSeconds} s). Its log: ${logGroup}`);
      process.exit(EXIT_INTERRUPTED);
    };
    process.once('SIGINT', interrupted);
    let out: InvokeCommandOutput;
    try {
      out = await aws.call<InvokeCommandOutput>(aws.lambda((timeoutSeconds + ANSWER_MARGIN_SECONDS) * 1000), new InvokeCommand({
        FunctionName: fn,
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
        Payload: Buffer.from(payload, 'utf8'),
        ClientContext: encodeClientContext(context),
      }), { action: 'lambda:InvokeFunction', on: `function ${fn}` }, (error) => {
        if (error?.name === 'ResourceNotFoundException') {
          throw new CliError(`the function of script ${script.id}, ${fn}, does not exist (deleted outside CloudFormation?): deploy the stack again. Lambda said: ${error.message}`);
        }
        return undefined;
      });
    } finally {
      spinner.stop();
      process.removeListener('SIGINT', interrupted);
    }

    if (out.LogResult) {
      const { text, cut } = decodeLogTail(out.LogResult);
      printLog(io, `log tail of ${script.id}${cut ? ' (last 4 KB)' : ''}`, text);
    }
    const ok = printOutcome(io, {
      scriptId: script.id,
      payload: out.Payload ? Buffer.from(out.Payload).toString('utf8') : '',
      functionError: out.FunctionError,
      seconds: (Date.now() - started) / 1000,
      timeoutSeconds: script.timeoutSeconds,
    });
    const [, partition] = stack.stackId.split(':');
    const url = logsConsoleUrl(partition, stack.region, logGroup, out.$metadata.requestId);
    info(io, style(io, 'dim', `Full log: ${logGroup}${url ? `\n${url}` : ''}`));
    return ok ? EXIT_OK : EXIT_SCRIPT_FAILED;
  } finally {
    aws.destroy();
  }
}

/** The script's function, checked to be deployed, and the script's physical id. */
function deployedFunction(stack: DeployedStack, script: ScriptDefinition): { fn: string; physicalId: string } {
  const resource = stack.resources.get(script.logicalId);
  if (!isDeployed(resource)) {
    throw new CliError(`script ${script.id} is not deployed yet: its resource ${script.logicalId} is ${resource?.ResourceStatus ?? 'not created'} ` +
      `(stack ${stack.stackName} is ${stack.status}). Run it once its deployment has succeeded.`);
  }
  const fnResource = script.functionLogicalId ? stack.resources.get(script.functionLogicalId) : undefined;
  if (script.functionLogicalId && !isDeployed(fnResource)) {
    throw new CliError(`script ${script.id} is not deployed yet: its function ${script.functionLogicalId} is ${fnResource?.ResourceStatus ?? 'missing from the stack'} ` +
      `(stack ${stack.stackName} is ${stack.status}).`);
  }
  const fn = functionName(stack, script);
  if (!fn) throw new CliError(`cannot tell the function of script ${script.id}: its ScriptFunctionName is ${describeValue(script.properties.ScriptFunctionName)}.`);
  if (/_IN_PROGRESS$/.test(stack.status)) {
    throw new CliError(`stack ${stack.stackName} is ${stack.status}: run the script once that is done. A run now could race with the deployment's own ` +
      'run of the script, or get parameters about to change.');
  }
  return { fn, physicalId: resource!.PhysicalResourceId! };
}

/** The recorded parameters, or an error saying why there are none and what to do. */
function recordedParameters(state: RecordState, stack: DeployedStack, script: ScriptDefinition, physicalId: string): string {
  const name = recordParameterName(stack, physicalId);
  const fix = 'Deploy the stack with this version of cdk-deployment-script (every deployment records them), or pass the parameters with --params-file FILE.';
  switch (state.kind) {
    case 'recorded': return state.record.parameters;
    case 'none':
      throw new CliError(`no parameters are recorded for script ${script.id} (no SSM parameter ${name}): its last deployment was made with a ` +
        `version of cdk-deployment-script that did not record them, or the parameter was deleted. ${fix}`);
    case 'old':
      throw new CliError(`no parameters are recorded for script ${script.id}: the SSM parameter ${name} was written by an earlier version of ` +
        `cdk-deployment-script, which kept only the script's result. ${fix}`);
    case 'omitted':
      throw new CliError(`the parameters of the last deployment of script ${script.id} were not recorded: ${state.why === 'too large'
        ? 'they were too large for a standard SSM parameter (4 KB with the script\'s result)' : state.why}. Pass them with --params-file FILE.`);
    case 'newer':
      throw new CliError(`the SSM parameter ${name} holds a record of version ${state.version}, written by a newer version of cdk-deployment-script: upgrade this command.`);
    case 'unreadable':
      throw new CliError(`${state.why}. Pass the parameters with --params-file FILE.`);
  }
}
