/**
 * `run --stack S --script ID` of a container task: runs it as the deployment does (lambda-runtime/task/): ECS
 * RunTask with the deployed task definition, cluster and network configuration, the run's context and parameters
 * in the container's environment; then waits for it to stop, stopping it at its timeout, and shows its exit code,
 * stop reason and log tail. The parameters are those the task's provider recorded with its last successful run (in
 * the task's SSM parameter, as for a script), when they are the deployed template's; otherwise those of the deployed
 * template, resolved against the stack (its resources' physical ids, its template parameters' values, the exports it
 * imports), and what cannot be resolved there (an attribute, a dynamic reference) must be given.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTasksCommand, type DescribeTasksCommandOutput, RunTaskCommand, type RunTaskCommandOutput, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import {
  PROP_ASSIGN_PUBLIC_IP, PROP_CLUSTER, PROP_CONTAINER_NAME, PROP_LOG_GROUP_NAME, PROP_LOG_STREAM_PREFIX, PROP_PARAMETERS,
  PROP_PLATFORM_VERSION, PROP_SECRET_RESULT, PROP_SECURITY_GROUPS, PROP_SUBNETS, PROP_TASK_DEFINITION, PROP_TIMEOUT_SECONDS,
} from '../../lambda-runtime/shared/consts';
import { logStreamConsoleUrl } from '../../lambda-runtime/shared/reason';
import { lastLogLines, maskSecretResult } from '../../lambda-runtime/shared/task-logs';
import { TIMEOUT_STOP_REASON, taskOutcome } from '../../lambda-runtime/shared/task-outcome';
import { logStreamName, readSettings, runTaskInput, type TaskContext, taskId, type TaskSettings } from '../../lambda-runtime/shared/task-run';
import type { RunOptions } from '../args';
import type { Aws } from '../aws';
import { type DeployedStack, isDeployed, readExports, readRecord, type RecordState } from '../deployed';
import { CliError, EXIT_INTERRUPTED, EXIT_OK, EXIT_SCRIPT_FAILED } from '../errors';
import { info, type Io, printLog, progress, style } from '../output';
import { applyOverrides, type ParamOverride } from '../params';
import { describeValue, importedNames, isObject, localParameters, parametersMatch, resolveString, type ScriptDefinition, unresolvedPaths } from '../template';

/** How long to wait between two DescribeTasks: soon at first (a task that fails to start), then every 5 s. */
const POLL_MS = [1000, 2000, 3000, 5000];

export async function runDeployedTask(aws: Aws, stack: DeployedStack, script: ScriptDefinition, options: RunOptions, io: Io,
  overrides: readonly ParamOverride[], file: { text: string } | undefined): Promise<number> {
  const settings = deployedSettings(stack, script);
  const physicalId = stack.resources.get(script.logicalId)!.PhysicalResourceId!;
  let parameters: string;
  const record = file ? undefined : await readRecord(aws, stack, physicalId);
  if (file) {
    parameters = file.text;
  } else if (record?.kind === 'recorded' && parametersMatch(script.properties[PROP_PARAMETERS], record.record.parameters, stack.resolver)) {
    parameters = record.record.parameters;
    if (overrides.length) parameters = JSON.stringify(applyOverrides(JSON.parse(parameters), overrides));
    info(io, style(io, 'dim', `Parameters: the last deployment${overrides.length ? ` with ${overrides.length} --param override${overrides.length > 1 ? 's' : ''}` : ''}.`));
  } else {
    const where = `task ${script.id} of ${stack.stackName}`;
    const property = script.properties[PROP_PARAMETERS];
    info(io, style(io, 'dim', `Parameters: the deployed template, resolved against the stack (${whyNotRecorded(record!)}).`));
    const exports = await readExports(aws, importedNames(property));
    const resolver = { ...stack.resolver, importValue: (name: string) => exports.get(name) };
    const template = localParameters(property, resolver, where);
    const event = applyOverrides(template.value, overrides);
    const missing = unresolvedPaths(event, template.unresolved);
    if (missing.length) {
      throw new CliError(`${where} takes parameters that cannot be read back from the deployed stack, and no run of the task recorded them:\n` +
        missing.map(({ path, what }) => `    ${path}  ← ${what}`).join('\n') +
        `\nGive them with --param (e.g. ${missing.slice(0, 3).map(({ path }) => `--param ${path}=…`).join(' ')}), or all of them with --params-file FILE.`);
    }
    parameters = JSON.stringify(event);
  }
  if (file && overrides.length) parameters = JSON.stringify(applyOverrides(JSON.parse(parameters), overrides));
  const context: TaskContext = {
    trigger: script.trigger,
    requestType: 'Manual',
    stackId: stack.stackId,
    stackName: stack.stackName,
    region: stack.region,
    logicalResourceId: script.logicalId,
    physicalResourceId: physicalId,
  };
  const input = reportable(() => runTaskInput(settings, context, parameters, `cli-${randomUUID()}`));
  if (options.dryRun) {
    io.stdout.write(JSON.stringify({ runTask: input, event: JSON.parse(parameters) }, null, 2) + '\n');
    info(io, `dry run: task ${script.id} was not started.`);
    return EXIT_OK;
  }

  const started = await aws.call<RunTaskCommandOutput>(aws.ecs, new RunTaskCommand(input), { action: 'ecs:RunTask', on: `task definition ${settings.taskDefinition}` });
  const task = started.tasks?.[0];
  if (!task?.taskArn) {
    const failure = started.failures?.[0];
    throw new CliError(`ECS did not start task ${script.id}: ${failure ? `${failure.reason ?? 'no reason'}${failure.detail ? ` (${failure.detail})` : ''}${failure.arn ? ` for ${failure.arn}` : ''}` : 'RunTask returned no task'}.`);
  }
  const stream = logStreamName(settings, task.taskArn);
  const followCommand = `cdk-deployment-script logs --stack ${stack.stackName} --script ${script.id} --follow${stack.region ? ` --region ${stack.region}` : ''}`;
  if (options.noWait) {
    io.stdout.write(JSON.stringify({ taskArn: task.taskArn, cluster: settings.cluster, logGroup: settings.logGroupName, logStream: stream }, null, 2) + '\n');
    info(io, `Started task ${script.id}: ${task.taskArn}\nFollow its log: ${followCommand}`);
    return EXIT_OK;
  }
  return waitForTask(aws, stack, script, settings, task.taskArn, io, followCommand);
}

/** Why the recorded parameters of a task's last run are not the ones `run` takes. */
function whyNotRecorded(record: RecordState): string {
  switch (record.kind) {
    case 'recorded': return 'the recorded ones are not those of the deployed template: its last deployment could not record them';
    case 'omitted': return `its last run could not record them: ${record.why}`;
    case 'newer': return `they were recorded by a newer version of cdk-deployment-script, version ${record.version} of the record`;
    case 'unreadable': return record.why;
    default: return 'no run of the task recorded them';
  }
}

/** Polls the task until it stops (stopping it at its timeout, as the deployment does), then reports. */
async function waitForTask(aws: Aws, stack: DeployedStack, script: ScriptDefinition, settings: TaskSettings, taskArn: string, io: Io, followCommand: string): Promise<number> {
  const start = Date.now();
  const deadline = start + settings.timeoutSeconds * 1000;
  const spinner = progress(io, `Running task ${script.id} (${taskId(taskArn)}, timeout ${settings.timeoutSeconds} s)`);
  const interrupted = () => {
    spinner.stop();
    info(io, `\nInterrupted: the task goes on running in ECS until it stops or you stop it (${taskArn}). Its log: ${followCommand}`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.once('SIGINT', interrupted);
  let last: Task | undefined;
  let stopRequested = false;
  try {
    for (let poll = 0; ; poll++) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS[Math.min(poll, POLL_MS.length - 1)]));
      const out = await aws.call<DescribeTasksCommandOutput>(aws.ecs, new DescribeTasksCommand({ cluster: settings.cluster, tasks: [taskArn] }),
        { action: 'ecs:DescribeTasks', on: `task ${taskArn}` });
      last = out.tasks?.[0];
      if (!last) throw new CliError(`ECS no longer knows task ${taskArn} (${out.failures?.[0]?.reason ?? 'no reason'}).`);
      if (last.lastStatus === 'STOPPED') break;
      if (!stopRequested && Date.now() >= deadline) {
        stopRequested = true;
        await aws.call(aws.ecs, new StopTaskCommand({ cluster: settings.cluster, task: taskArn, reason: TIMEOUT_STOP_REASON }), { action: 'ecs:StopTask', on: `task ${taskArn}` });
      }
    }
  } finally {
    spinner.stop();
    process.removeListener('SIGINT', interrupted);
  }
  const outcome = taskOutcome(last, settings.containerName, settings.timeoutSeconds);
  const container = last.containers?.find((c) => c.name === settings.containerName) ?? last.containers?.[0];
  const stream = logStreamName(settings, taskArn);
  if (settings.logGroupName && stream) {
    const lines = await lastLogLines(aws.logs, settings.logGroupName, stream);
    const shown = script.properties[PROP_SECRET_RESULT] === 'true' ? lines.map(maskSecretResult) : lines;
    printLog(io, `log tail of ${script.id}`, shown.slice(-40).join('\n'));
  }
  io.stdout.write(JSON.stringify({
    taskArn, exitCode: container?.exitCode ?? null, stopCode: last.stopCode ?? null, stoppedReason: last.stoppedReason ?? null,
  }, null, 2) + '\n');
  const took = `${((Date.now() - start) / 1000).toFixed(1)} s`;
  const url = settings.logGroupName && stream ? logStreamConsoleUrl(stack.stackId.split(':')[1], stack.region, settings.logGroupName, stream) : undefined;
  const log = settings.logGroupName ? style(io, 'dim', `Full log: ${settings.logGroupName}${stream ? ` ${stream}` : ''}${url ? `\n${url}` : ''}`) : '';
  if (outcome.state === 'succeeded') {
    info(io, `${style(io, 'green', '✔')} task ${script.id} succeeded in ${took} (exit code 0)`);
    if (log) info(io, log);
    return EXIT_OK;
  }
  const message = outcome.state === 'failed' ? outcome.message : 'it did not stop';
  info(io, `${style(io, 'red', '✘')} task ${script.id} ${style(io, 'bold', 'failed')} after ${took}: ${message}`);
  if (last.stoppedReason) info(io, `Stop reason: ${last.stopCode ?? '?'}: ${last.stoppedReason}`);
  if (log) info(io, log);
  return EXIT_SCRIPT_FAILED;
}

/**
 * The task's settings as the deployment reads them, from the deployed template's properties resolved against the
 * stack: a reference to a resource is its physical id (a cluster's name, a subnet's or security group's id).
 */
function deployedSettings(stack: DeployedStack, script: ScriptDefinition): TaskSettings {
  const resource = stack.resources.get(script.logicalId);
  if (!isDeployed(resource)) {
    throw new CliError(`task ${script.id} is not deployed yet: its resource ${script.logicalId} is ${resource?.ResourceStatus ?? 'not created'} ` +
      `(stack ${stack.stackName} is ${stack.status}). Run it once its deployment has succeeded.`);
  }
  const definitionId = script.taskDefinitionLogicalId;
  const definition = definitionId ? stack.resources.get(definitionId) : undefined;
  if (definitionId && !isDeployed(definition)) {
    throw new CliError(`task ${script.id} has no deployed task definition: its resource ${definitionId} is ${definition?.ResourceStatus ?? 'missing from the stack'} ` +
      `(stack ${stack.stackName} is ${stack.status}). Deploy the stack, then run the task.`);
  }
  if (/_IN_PROGRESS$/.test(stack.status)) {
    throw new CliError(`stack ${stack.stackName} is ${stack.status}: run the task once that is done. A run now could race with the deployment's own ` +
      'run of the task, or get parameters about to change.');
  }
  const value = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(value);
    const resolved = resolveString(v, stack.resolver);
    if (resolved !== undefined) return resolved;
    const att: unknown = isObject(v) ? v['Fn::GetAtt'] : undefined;
    if (!Array.isArray(att) || typeof att[0] !== 'string' || !['Arn', 'GroupId'].includes(String(att[1]))) return v;
    // A cluster's name (RunTask takes it for the ARN), a security group's id.
    return stack.resources.get(att[0])?.PhysicalResourceId ?? v;
  };
  const props: Record<string, unknown> = {};
  for (const name of [PROP_TASK_DEFINITION, PROP_CLUSTER, PROP_CONTAINER_NAME, PROP_SUBNETS, PROP_SECURITY_GROUPS, PROP_ASSIGN_PUBLIC_IP,
    PROP_PLATFORM_VERSION, PROP_LOG_GROUP_NAME, PROP_LOG_STREAM_PREFIX, PROP_TIMEOUT_SECONDS]) {
    props[name] = value(script.properties[name]);
  }
  if (typeof props[PROP_TASK_DEFINITION] !== 'string') {
    throw new CliError(`task ${script.id} has no deployed task definition: its TaskDefinition is ${describeValue(script.properties[PROP_TASK_DEFINITION])}, which the stack does not resolve.`);
  }
  return reportable(() => readSettings(props, script.logicalId));
}

/** The shared floor throws errors meant for CloudFormation; here they are the command's. */
function reportable<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(String((error as Error).message ?? error).replace(/^Deployment task /, 'task '));
  }
}
