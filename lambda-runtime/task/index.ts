/**
 * The container tasks' runtime: the asynchronous Provider framework's `onEvent` (decide, then RunTask) and
 * `isComplete` (DescribeTasks until the task stops, StopTask at its timeout, then report). Bundled into
 * assets/task-runtime/index.js by scripts/bundle-runtime.mjs.
 *
 * Like the Lambda scripts' runtime, the handlers throw to fail (with a reason that fits CloudFormation's 4096 bytes)
 * and return to succeed; the framework answers CloudFormation.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  ACCESS_DENIED_RETRY_SECONDS, MAX_TASK_TIMEOUT_SECONDS, PROP_PARAMETERS, PROP_SECRET_RESULT, PROP_TRIGGER, PROP_UNDO_ON_ROLLBACK, TASK_ENV_ROLLBACK,
} from '../shared/consts';
import { decideRequest, describeError, failOrLog, receiveRequest, retryDelayMs } from '../shared/request';
import { fitReason, logStreamConsoleUrl, ReportableError, reportableError } from '../shared/reason';
import { afterFailure, readRetry } from '../shared/retry';
import { sanitize } from '../shared/text';
import { lastLogLines, maskSecretResult } from '../shared/task-logs';
import { TIMEOUT_STOP_REASON, type TaskOutcome, taskOutcome, timeoutMessage } from '../shared/task-outcome';
import { logStreamName, readSettings, runTaskInput, type TaskSettings } from '../shared/task-run';
import { type Data, deleteStoredResult, readStoredResult, resultParameterName, SSMClient, storeResult } from '../shared/stored-result';
import { claimUndo, runMarker, undoneProperties } from '../shared/undo';
import { findResultLine, readLogTail, taskResultData } from './result';

/**
 * The key of what `onEvent` tells `isComplete` about the task it started. The framework passes `onEvent`'s whole
 * answer on to `isComplete`, and only `PhysicalResourceId` and `Data` to CloudFormation.
 */
export const TASK_RUN_KEY = 'DeploymentTaskRun';

/** The task `onEvent` started, as `isComplete` reads it. */
export interface TaskRun {
  /** The task; none when attempt 1 did not start (`notStarted`). */
  readonly taskArn?: string;
  readonly cluster: string;
  /** When the task must be stopped (epoch milliseconds). */
  readonly deadline: number;
  /** Whether a failure fails the request (else it is only logged: a deletion never waits on it). */
  readonly failureFails: boolean;
  /**
   * The task undoes a run whose deployment rolls back (`undoOnRollback`): it runs with that run's properties, once, and
   * whatever it does the request succeeds.
   */
  readonly undo?: true;
  /**
   * Why attempt 1 of a task that takes retries did not start, when ECS refused it for a passing reason (no capacity,
   * throttling): a failed attempt, failed when onEvent saw it (`deadline` less the timeout), after which the retries go on.
   */
  readonly notStarted?: string;
}

/** A run whose task started. */
type StartedRun = TaskRun & { readonly taskArn: string };

/**
 * The key of what `onEvent` tells `isComplete` of a secret result it kept out of its answer (which the waiter's
 * execution input, in Step Functions' history, repeats): `isComplete` reads it again from SSM.
 */
export const STORED_RESULT_KEY = 'DeploymentTaskStoredResult';

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Data;
  /** A secret result (`SecretResult`): the framework logs the request redacted and answers with NoEcho. */
  readonly NoEcho?: boolean;
  readonly [TASK_RUN_KEY]?: TaskRun;
  /** A secret result to answer with, read again by isComplete; `failureFails`: whether failing to read it fails. */
  readonly [STORED_RESULT_KEY]?: { readonly failureFails: boolean };
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  /** The task's result (its `DEPLOYMENT_SCRIPT_RESULT` line): the framework passes it to CloudFormation. */
  readonly Data?: Data;
  readonly NoEcho?: boolean;
}

export interface TaskHandlerOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly ecsClient?: ECSClient;
  readonly logsClient?: CloudWatchLogsClient;
  readonly cloudFormationClient?: CloudFormationClient;
  readonly ssmClient?: SSMClient;
}

/** How long after StopTask the provider waits for the task to stop before failing without it. */
export const STOP_GRACE_MS = 3 * 60 * 1000;

/** The event `isComplete` receives: the request, with what `onEvent` answered. */
export type IsCompleteEvent = CloudFormationCustomResourceEvent & Partial<OnEventResponse>;

export function createTaskHandlers(options: TaskHandlerOptions = {}) {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  // Created on first use, so that configuration from the environment is read then; reused while warm.
  let ecsClient = options.ecsClient;
  let logsClient = options.logsClient;
  let cloudformation = options.cloudFormationClient;
  let ssmClient = options.ssmClient;
  const ecs = () => (ecsClient ??= new ECSClient({}));
  const logs = () => (logsClient ??= new CloudWatchLogsClient({}));
  const ssm = () => (ssmClient ??= new SSMClient({}));

  async function onEvent(event: CloudFormationCustomResourceEvent): Promise<OnEventResponse> {
    const [physicalResourceId, stackName] = receiveRequest(event);
    const resultParameter = resultParameterName(stackName, physicalResourceId);
    try {
      const response = await start(event, physicalResourceId, resultParameter);
      return secretResult(event) ? { ...response, NoEcho: true } : response;
    } finally {
      // Every Delete forgets the stored result, as a script's does; it never fails the Delete. (Another stack's request
      // names a parameter of that stack, which the provider's role may not touch.)
      if (event.RequestType === 'Delete') await forgetResult(resultParameter);
    }
  }

  async function start(event: CloudFormationCustomResourceEvent, physicalResourceId: string, resultParameter: string): Promise<OnEventResponse> {
    const props: Record<string, unknown> = event.ResourceProperties ?? {};
    const logicalId = event.LogicalResourceId;
    const who = `Deployment task ${logicalId}`;

    cloudformation ??= new CloudFormationClient({});
    const { decision } = await decideRequest(cloudformation, event, who);
    if (decision.action === 'skip') {
      // Before anything else, and before a Delete forgets the stored record: the marker of the run is in it.
      const undoRun = decision.undo ? await startUndo(event, physicalResourceId, resultParameter) : undefined;
      const undoing = undoRun ? { [TASK_RUN_KEY]: undoRun } : {};
      // An update that does not run the task (a rollback, run policy "once") answers with the last run's result, or
      // CloudFormation drops the attributes and whatever reads them fails.
      let data: Data | undefined;
      if (decision.keepResult) {
        try {
          data = await readStoredResult(ssm(), resultParameter);
          console.log(`stored result ${resultParameter}: ${data ? Object.keys(data).join(', ') : 'none'}`);
        } catch (error) {
          const message = `${who} did not run (${decision.why}) and could not keep its attributes: ` +
            `reading the SSM parameter ${resultParameter} failed: ${describeError(error)}`;
          if (decision.keepResult.failureFails) throw reportableError(message);
          console.error(`${message} (answering without attributes rather than failing)`);
          return { PhysicalResourceId: physicalResourceId, ...undoing };
        }
      }
      // Recorded for a run by hand with the last deployment's parameters; failing to is only logged.
      if (event.RequestType !== 'Delete') await keepResult(resultParameter, data, event, false);
      if (data && secretResult(event)) {
        return { PhysicalResourceId: physicalResourceId, [STORED_RESULT_KEY]: { failureFails: decision.keepResult!.failureFails }, ...undoing };
      }
      return { PhysicalResourceId: physicalResourceId, ...(data ? { Data: data } : {}), ...undoing };
    }

    try {
      const settings = readSettings(props, logicalId);
      let started: Pick<TaskRun, 'taskArn' | 'notStarted'>;
      try {
        started = { taskArn: (await runTask(attemptRequest(event, settings, physicalResourceId, 1), logicalId)).taskArn };
      } catch (error) {
        // A task that takes retries: ECS refused attempt 1 for a passing reason (it started nothing), so attempt 1
        // failed now, and isComplete starts attempt 2 after the back-off, as after any failed attempt.
        const { why, refused } = error as NotStarted;
        if (!refused || !readRetry(props)) throw error;
        started = { notStarted: why };
      }
      const deadline = now() + settings.timeoutSeconds * 1000;
      console.log(started.taskArn
        ? `started task ${started.taskArn} (timeout ${settings.timeoutSeconds} s, until ${new Date(deadline).toISOString()})`
        : `attempt 1 did not start: ${started.notStarted}`);
      return {
        PhysicalResourceId: physicalResourceId,
        [TASK_RUN_KEY]: { ...started, cluster: settings.cluster, deadline, failureFails: decision.failureFails },
      };
    } catch (error) {
      return failOrLog(error, `Deployment task ${logicalId}`, decision.failureFails, { PhysicalResourceId: physicalResourceId });
    }
  }

  /**
   * Asked every TASK_QUERY_INTERVAL_SECONDS with the same event (what onEvent answered): it keeps nothing between polls.
   * A task that takes retries (RetryAttempts) is found again at each poll, attempt after attempt: the first is the one
   * onEvent started; each later one is started by RunTask with a client token of its own (the request id and the
   * attempt), which ECS answers with the same task for a day, so that asking again starts nothing new. Attempt k + 1
   * is due when attempt k stopped (its `stoppedAt`) plus the back-off, and only when it can run to its timeout within
   * MAX_TASK_TIMEOUT_SECONDS of the first start: each poll takes the same decision from the same facts. An attempt 1
   * that ECS refused (`notStarted`) failed when onEvent saw it.
   */
  async function isComplete(event: IsCompleteEvent): Promise<IsCompleteResponse> {
    const run = event[TASK_RUN_KEY];
    const logicalId = event.LogicalResourceId;
    // onEvent started nothing (a request that does not run the task, or a failure that is only logged).
    const done = (): Promise<IsCompleteResponse> | IsCompleteResponse =>
      event[STORED_RESULT_KEY] ? storedSecretResult(event, event[STORED_RESULT_KEY].failureFails) : { IsComplete: true };
    if (!run) return done();
    if (run.undo) return await undoComplete(event, run as StartedRun) ? done() : { IsComplete: false };
    try {
      const props = event.ResourceProperties ?? {};
      const settings = readSettings(props, logicalId);
      const retry = readRetry(props);
      const attemptMs = settings.timeoutSeconds * 1000;
      const attemptsEnd = run.deadline - attemptMs + MAX_TASK_TIMEOUT_SECONDS * 1000;
      let current = run;
      for (let attempt = 1; ; attempt++) {
        // Without a task, attempt 1 did not start (notStarted).
        const stopped = current.taskArn ? await stoppedTask(current as StartedRun, settings, logicalId) : undefined;
        if (!stopped && current.taskArn) return { IsComplete: false };
        const outcome: TaskOutcome = stopped
          ? taskOutcome(stopped, settings.containerName, settings.timeoutSeconds)
          : { state: 'failed', message: run.notStarted!, started: false };
        if (outcome.state === 'succeeded') {
          console.log(`task ${current.taskArn} succeeded${retry ? ` (attempt ${attempt} of ${retry[0]})` : ''}`);
          if (event.RequestType === 'Delete') return { IsComplete: true };
          const data = await taskResult(event, settings, current.taskArn!);
          return { IsComplete: true, ...(data ? { Data: data } : {}), ...(secretResult(event) ? { NoEcho: true } : {}) };
        }
        if (outcome.state !== 'failed') return { IsComplete: false };
        // ECS always sets stoppedAt on a stopped task; the deadline is only a fallback that keeps the decision stable.
        const stoppedMs = stopped ? stopped.stoppedAt?.getTime() ?? current.deadline : current.deadline - attemptMs;
        const next = afterFailure(retry, attempt, attemptsEnd - stoppedMs, attemptMs);
        if ('note' in next) {
          console.log(`task ${current.taskArn ?? 'none'} failed${next.note}: ${outcome.message}`);
          throw reportableError(await failureReason(event, settings, current.taskArn, outcome.message, outcome.started, next.note));
        }
        const due = stoppedMs + next.wait;
        console.log(`attempt ${attempt} (task ${current.taskArn ?? 'none'}) failed: ${outcome.message}`);
        if (now() < due) {
          console.log(`attempt ${attempt + 1} in ${Math.ceil((due - now()) / 1000)} s`);
          return { IsComplete: false };
        }
        const task = await startAttempt(event, settings, attempt + 1, retry![0], outcome.message, attemptsEnd - attemptMs);
        if (!task) return { IsComplete: false };
        // The attempt's own timeout counts from its creation, which ECS gives again with the task at each poll.
        current = { ...run, taskArn: task.taskArn!, deadline: (task.createdAt?.getTime() ?? now()) + attemptMs };
      }
    } catch (error) {
      return failOrLog(error, `Deployment task ${logicalId}`, run.failureFails, { IsComplete: true });
    }
  }

  /**
   * Starts the task that undoes the run a rollback request names (lambda-runtime/shared/undo.ts), when this deployment
   * made it: that run's task definition and parameters, the context of every run with DEPLOYMENT_SCRIPT_ROLLBACK=true.
   * Once: no retries. Logs what happens and never throws: an undo never fails nor blocks a rollback.
   */
  async function startUndo(event: CloudFormationCustomResourceEvent, physicalResourceId: string, resultParameter: string): Promise<TaskRun | undefined> {
    const who = `Deployment task ${event.LogicalResourceId}`;
    const props = undoneProperties(event);
    if (!await claimUndo(ssm(), resultParameter, props, who)) return undefined;
    try {
      const settings = readSettings(props, event.LogicalResourceId);
      const request = attemptRequest({ ...event, ResourceProperties: props } as CloudFormationCustomResourceEvent, settings, physicalResourceId, 1);
      request.clientToken = `${event.RequestId}-undo`;
      request.overrides!.containerOverrides![0].environment!.push({ name: TASK_ENV_ROLLBACK, value: 'true' });
      const task = await runTask(request, event.LogicalResourceId);
      const deadline = now() + settings.timeoutSeconds * 1000;
      console.log(`started task ${task.taskArn} to undo the run being rolled back (timeout ${settings.timeoutSeconds} s)`);
      return { taskArn: task.taskArn!, cluster: settings.cluster, deadline, failureFails: false, undo: true };
    } catch (error) {
      console.error(`${who}: the task that undoes its run did not start, and the rollback goes on: ${describeError(error)}`);
      return undefined;
    }
  }

  /** Whether the task that undoes a run has ended (stopped at its timeout); logs how. Never throws. */
  async function undoComplete(event: IsCompleteEvent, run: StartedRun): Promise<boolean> {
    const who = `Deployment task ${event.LogicalResourceId}`;
    try {
      const settings = readSettings(undoneProperties(event), event.LogicalResourceId);
      const stopped = await stoppedTask(run, settings, event.LogicalResourceId);
      if (!stopped) return false;
      const outcome = taskOutcome(stopped, settings.containerName, settings.timeoutSeconds);
      if (outcome.state === 'succeeded') console.log(`${who}: the task that undoes its run (${run.taskArn}) succeeded`);
      if (outcome.state === 'failed') {
        const reason = await failureReason(event, settings, run.taskArn, outcome.message, outcome.started, '');
        console.error(`${who}: the task that undoes its run failed, and the rollback goes on. ${reason}`);
      }
    } catch (error) {
      console.error(`${who}: the task that undoes its run failed, and the rollback goes on: ${describeError(error)}`);
    }
    return true;
  }

  /**
   * The task once it has stopped; `undefined` while it runs (stopped at its deadline), is not listed yet, or cannot be
   * described for a passing reason.
   */
  async function stoppedTask(run: StartedRun, settings: TaskSettings, logicalId: string): Promise<Task | undefined> {
    try {
      const task = await describeTask(run, logicalId);
      if (task && taskOutcome(task, settings.containerName, settings.timeoutSeconds).state === 'running') {
        await enforceTimeout(run, task, settings, logicalId);
        return undefined;
      }
      return task;
    } catch (error) {
      // The task runs on: a passing failure (throttling, a 5xx after the SDK's retries) waits for the next poll.
      if (!isTransient(error) || now() >= run.deadline + STOP_GRACE_MS) throw error;
      console.log(`could not check task ${run.taskArn} (${describeError(error)}): asking again at the next poll`);
      return undefined;
    }
  }

  /**
   * Starts attempt `attempt` (2 or more) of a task that takes retries, or finds it again: RunTask with the attempt's
   * client token. `undefined` when it could not start for a passing reason (throttling, a 5xx, no capacity): the next
   * poll asks again with the same token, until `lastStart`, after which it could not run to its timeout in the time
   * left. `lastError`: how the attempt before failed, for the reason.
   */
  async function startAttempt(event: IsCompleteEvent, settings: TaskSettings, attempt: number, attempts: number,
    lastError: string, lastStart: number): Promise<Task | undefined> {
    const logicalId = event.LogicalResourceId;
    const request = attemptRequest(event, settings, event.PhysicalResourceId ?? logicalId, attempt);
    try {
      const task = await runTask(request, logicalId);
      console.log(`attempt ${attempt} of ${attempts}: task ${task.taskArn}`);
      return task;
    } catch (error) {
      const { why, passing } = error as NotStarted;
      if (why === undefined) throw error;
      if (!passing || now() > lastStart) {
        throw reportableError(`Deployment task ${logicalId} failed after ${attempt - 1} of ${attempts} attempts (attempt ${attempt} ` +
          `did not start${passing ? ` in time for its ${settings.timeoutSeconds} s timeout` : ''}: ${why}): ${lastError}`);
      }
      console.log(`attempt ${attempt} did not start (${why}): trying again at the next poll`);
      return undefined;
    }
  }

  /**
   * The result line of a task that succeeded, as attributes, stored for the updates that do not run the task. Without
   * a result, a failure to store is only logged: nothing can read what the task did not return.
   */
  async function taskResult(event: IsCompleteEvent, settings: TaskSettings, taskArn: string): Promise<Data | undefined> {
    const logicalId = event.LogicalResourceId;
    const stream = logStreamName(settings, taskArn);
    const messages = settings.logGroupName && stream ? await readLogTail(logs(), settings.logGroupName, stream) : [];
    const result = taskResultData(findResultLine(messages), logicalId, secretResult(event));
    console.log(`task ${result.note}`);
    // A task to undo on rollback: the marker of this run, which a rollback of this deployment looks for.
    const props = event.ResourceProperties ?? {};
    const marker = props[PROP_UNDO_ON_ROLLBACK] === 'true' ? runMarker(props) : undefined;
    await keepResult(storedResultName(event), result.data, event, !!result.data, marker);
    return result.data;
  }

  /** A secret result that onEvent kept out of its answer, read again (isComplete answers with it). */
  async function storedSecretResult(event: IsCompleteEvent, failureFails: boolean): Promise<IsCompleteResponse> {
    const name = storedResultName(event);
    try {
      const data = await readStoredResult(ssm(), name);
      return { IsComplete: true, ...(data ? { Data: data } : {}), NoEcho: true };
    } catch (error) {
      const message = `Deployment task ${event.LogicalResourceId} did not run and could not keep its attributes: ` +
        `reading the SSM parameter ${name} failed: ${describeError(error)}`;
      return failOrLog(reportableError(message), `Deployment task ${event.LogicalResourceId}`, failureFails,
        { IsComplete: true, NoEcho: true });
    }
  }

  /**
   * Records a successful Create or Update: its result and the request's parameters, a SecureString for a secret
   * result. `fails`: a failure to store fails the request. `marker`: the run's, for a task to undo on rollback.
   */
  async function keepResult(name: string, data: Data | undefined, event: CloudFormationCustomResourceEvent, fails: boolean,
    marker?: string): Promise<void> {
    try {
      await storeResult(ssm(), name, data ?? {}, parametersOf(event.ResourceProperties ?? {}), secretResult(event), marker);
      console.log(`stored the result in ${name}`);
    } catch (error) {
      const message = `storing its result in the SSM parameter ${name} failed: ${describeError(error)}`;
      if (fails) throw reportableError(`Deployment task ${event.LogicalResourceId} succeeded, but ${message}`);
      console.error(`${message} (ignored)`);
    }
  }

  /** Deletes a stored result; logs, never throws. */
  async function forgetResult(name: string): Promise<void> {
    try {
      if (await deleteStoredResult(ssm(), name)) console.log(`deleted the stored result ${name}`);
    } catch (error) {
      console.error(`could not delete the stored result ${name}: ${describeError(error)} (ignored)`);
    }
  }

  /**
   * Starts the task, retrying only what proves it did not start (a new role or policy not yet propagated). Throws a
   * reportable error saying why it did not start, marked `passing` when a later RunTask may not meet the cause, and
   * `refused` when it is also sure that nothing started (see NotStarted).
   */
  async function runTask(request: ReturnType<typeof runTaskInput>, logicalId: string): Promise<Task> {
    const start = now();
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await ecs().send(new RunTaskCommand(request));
        const task = out.tasks?.[0];
        if (task?.taskArn) return task;
        const failures = (out.failures ?? []).map((f) => `${f.arn ?? ''} ${f.reason ?? ''}${f.detail ? ` (${f.detail})` : ''}`.trim());
        throw notStarted(logicalId, `RunTask returned no task${failures.length ? `: ${failures.join('; ')}` : ''}.`,
          failures.some((f) => /capacity|RESOURCE:|AGENT/i.test(f)));
      } catch (error) {
        if (error instanceof ReportableError) throw error;
        const delay = retryDelayMs(attempt);
        if (isPropagationError(error) && now() + delay - start <= ACCESS_DENIED_RETRY_SECONDS * 1000) {
          console.log(`RunTask attempt ${attempt} failed with ${describeError(error)}: retrying in ${delay} ms`);
          await sleep(delay);
          continue;
        }
        // Passing with a 4xx status: throttled. After a 5xx or with no answer, the task may have started unseen.
        const passing = isTransient(error);
        throw notStarted(logicalId, `RunTask failed: ${describeError(error)}${runTaskHint(error)}`, passing,
          passing && ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500) < 500);
      }
    }
  }

  /** The task, or `undefined` while ECS does not list it yet. */
  async function describeTask(run: StartedRun, logicalId: string): Promise<Task | undefined> {
    const out = await ecs().send(new DescribeTasksCommand({ cluster: run.cluster, tasks: [run.taskArn] }));
    const task = out.tasks?.find((t) => t.taskArn === run.taskArn) ?? out.tasks?.[0];
    if (task) return task;
    const failure = out.failures?.[0];
    // Just after RunTask, ECS may not list the task yet; a task stopped long ago is no longer listed either.
    if (failure?.reason === 'MISSING' && now() < run.deadline) {
      console.log(`task ${run.taskArn} is not listed yet`);
      return undefined;
    }
    throw reportableError(`Deployment task ${logicalId}: DescribeTasks does not find the task ${run.taskArn}` +
      `${failure ? ` (${failure.reason ?? ''}${failure.detail ? `: ${failure.detail}` : ''})` : ''}, so its outcome is unknown.`);
  }

  /** Stops a task past its deadline; fails when it has not stopped STOP_GRACE_MS later. */
  async function enforceTimeout(run: StartedRun, task: Task, settings: TaskSettings, logicalId: string): Promise<void> {
    if (now() < run.deadline) return;
    if (task.desiredStatus !== 'STOPPED') {
      console.log(`task ${run.taskArn} ran into its timeout (${settings.timeoutSeconds} s): stopping it`);
      await ecs().send(new StopTaskCommand({ cluster: run.cluster, task: run.taskArn, reason: `${TIMEOUT_STOP_REASON} (${settings.timeoutSeconds} seconds)` }));
      return;
    }
    if (now() >= run.deadline + STOP_GRACE_MS) {
      throw reportableError(`Deployment task ${logicalId} failed: ${timeoutMessage(settings.timeoutSeconds)} ` +
        `It had not stopped ${STOP_GRACE_MS / 60000} minutes later (last status ${task.lastStatus ?? 'unknown'}): ${run.taskArn}`);
    }
  }

  /** The reason CloudFormation shows: what failed (after how many attempts), the container's last log lines, and where its full log is. */
  async function failureReason(event: IsCompleteEvent, settings: TaskSettings, taskArn: string | undefined, message: string,
    started: boolean, attempts: string): Promise<string> {
    const stream = taskArn && logStreamName(settings, taskArn);
    const logLines = started && settings.logGroupName && stream ? await lastLogLines(logs(), settings.logGroupName, stream) : [];
    // A secret result's line, printed before the command failed, stays in the container's own log only.
    const lines = secretResult(event) ? logLines.map(maskSecretResult) : logLines;
    const footer: string[] = [];
    if (settings.logGroupName && stream) {
      const [, partition, , region] = event.StackId.split(':');
      const url = logStreamConsoleUrl(partition, region, settings.logGroupName, stream);
      footer.push(`Full log: ${settings.logGroupName} ${stream}`, ...(url ? [url] : []));
    }
    return fitReason(`Deployment task ${sanitize(event.LogicalResourceId)} failed${attempts}: `, message, lines, footer);
  }

  return { onEvent, isComplete };
}

/**
 * The RunTask request of attempt `attempt` of a request's run (1: onEvent's): the same context and parameters each time,
 * and a client token of its own, so that asking again for an attempt starts no second task.
 */
function attemptRequest(event: CloudFormationCustomResourceEvent, settings: TaskSettings, physicalResourceId: string, attempt: number) {
  const props = event.ResourceProperties ?? {};
  // The stack's name and region, as receiveRequest reads them.
  const [, , , region = process.env.AWS_REGION ?? ''] = event.StackId.split(':');
  return runTaskInput(settings, {
    trigger: String(props[PROP_TRIGGER] ?? ''),
    requestType: event.RequestType,
    stackId: event.StackId,
    stackName: event.StackId.split('/')[1] ?? event.StackId,
    region,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId,
  }, parametersOf(props), attempt === 1 ? event.RequestId : `${event.RequestId}-${attempt}`);
}

/** Whether the task's result is secret (`SecretResult`): a SecureString, answered with NoEcho, never in a reason. */
function secretResult(event: CloudFormationCustomResourceEvent): boolean {
  return event.ResourceProperties?.[PROP_SECRET_RESULT] === 'true';
}

/** The SSM parameter of the task's result, from an isComplete event (onEvent's physical resource id in it). */
function storedResultName(event: IsCompleteEvent): string {
  const [, stackName] = event.StackId.split('/');
  return resultParameterName(stackName ?? event.StackId, event.PhysicalResourceId ?? event.LogicalResourceId);
}

/** The `Parameters` property: the JSON the container receives. */
function parametersOf(props: Record<string, unknown>): string {
  return typeof props[PROP_PARAMETERS] === 'string' ? props[PROP_PARAMETERS] as string : '{}';
}

/** An error of the service or the network that a later try may not meet: throttling, a 5xx, a lost connection. */
function isTransient(error: unknown): boolean {
  if (error instanceof ReportableError) return false;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  return !!e?.$retryable || (status !== undefined ? status >= 500 || status === 429 : true) ||
    /Throttl|TooManyRequests|ServerException|ServiceUnavailable/.test(e?.name ?? '');
}

/**
 * Why a task did not start. `passing`: for a reason a later RunTask may not meet (throttling, a 5xx, no capacity).
 * `refused`: ECS refused it (no capacity, throttling), so that surely nothing started; after a 5xx or a lost answer the
 * task may have started unseen, and only asking again with the same client token would find it.
 */
type NotStarted = ReportableError & { readonly why?: string; readonly passing?: boolean; readonly refused?: boolean };

function notStarted(logicalId: string, why: string, passing: boolean, refused = passing): NotStarted {
  return Object.assign(reportableError(`Deployment task ${logicalId} did not start: ${why}`), { why, passing, refused });
}

/** An error that may only mean that a role or policy created moments ago has not propagated yet. */
function isPropagationError(error: unknown): boolean {
  const name = (error as Error)?.name;
  const message = String((error as Error)?.message ?? '');
  return name === 'AccessDeniedException' || (name === 'ClientException' && /unable to assume the role/i.test(message));
}

function runTaskHint(error: unknown): string {
  switch ((error as Error)?.name) {
    case 'AccessDeniedException': return ". The provider's role needs ecs:RunTask on the task definition and iam:PassRole on the task's roles.";
    case 'PlatformTaskDefinitionIncompatibilityException': return ". Check the task's cpu, memoryLimitMiB and runtimePlatform against Fargate's.";
    default: return '';
  }
}


const handlers = createTaskHandlers();
export const onEvent = handlers.onEvent;
export const isComplete = handlers.isComplete;
