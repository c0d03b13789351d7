/**
 * What a task's state means for the deployment: still running, succeeded, or failed and why; for the
 * deployment (lambda-runtime/task/) and for a run by hand (the command line).
 */
import type { Task } from '@aws-sdk/client-ecs';
import { MAX_TASK_TIMEOUT_SECONDS } from './consts';
import { sanitize } from './text';

/** The reason the provider gives StopTask when a task runs into its timeout; found again in `stoppedReason`. */
export const TIMEOUT_STOP_REASON = 'cdk-deployment-script: the task ran into its timeout';

export type TaskOutcome =
  | { readonly state: 'running' }
  | { readonly state: 'succeeded' }
  /** `started`: whether the container ran (so that it may have written a log). */
  | { readonly state: 'failed'; readonly message: string; readonly started: boolean };

/**
 * The outcome of a described task. The essential container's exit code decides, once the task has stopped: 0
 * succeeds; a task stopped at its timeout fails whatever the code (the command did not finish).
 */
export function taskOutcome(task: Task, containerName: string, timeoutSeconds: number): TaskOutcome {
  if (task.lastStatus !== 'STOPPED') return { state: 'running' };
  const container = task.containers?.find((c) => c.name === containerName) ?? task.containers?.[0];
  const stoppedReason = clean(task.stoppedReason);
  const containerReason = clean(container?.reason);

  if (stoppedReason?.startsWith(TIMEOUT_STOP_REASON)) {
    return { state: 'failed', message: timeoutMessage(timeoutSeconds), started: true };
  }
  if (container?.exitCode === 0) return { state: 'succeeded' };
  if (typeof container?.exitCode === 'number') {
    // A task stopped from outside (StopTask, a Spot interruption) ends with SIGTERM's 143: say who stopped it.
    const stoppedBy = task.stopCode && task.stopCode !== 'EssentialContainerExited'
      ? ` when the task was stopped (${task.stopCode}: ${stoppedReason ?? 'no reason given'})` : '';
    return { state: 'failed', message: `the command exited with code ${container.exitCode}${containerReason ? ` (${containerReason})` : ''}${stoppedBy}.`, started: true };
  }
  const reasons = [stoppedReason, containerReason && containerReason !== stoppedReason ? containerReason : undefined].filter(Boolean).join('; ');
  if (task.stopCode === 'TaskFailedToStart' || !task.startedAt) {
    return { state: 'failed', message: `the task failed to start (${task.stopCode ?? 'no stop code'}): ${reasons || 'no reason given'}${hint(reasons)}`, started: false };
  }
  return { state: 'failed', message: `the task stopped (${task.stopCode ?? 'no stop code'}) before its command finished: ${reasons || 'no reason given'}`, started: true };
}

/** The message of a task stopped at its timeout. */
export function timeoutMessage(timeoutSeconds: number): string {
  return `timed out after ${timeoutSeconds} seconds (its timeout): the provider stopped the task. Raise the task's \`timeout\` ` +
    `(at most ${MAX_TASK_TIMEOUT_SECONDS / 60} minutes), or split the work into tasks that runAfter one another.`;
}

/** What to do about the usual reasons a task cannot start. */
function hint(reasons: string): string {
  if (/CannotPullContainerError|ResourceInitializationError/.test(reasons)) {
    return '. The task pulls its image and reads its secrets over the network: run it in subnets with a route to ECR and ' +
      'Secrets Manager (a NAT gateway, VPC endpoints, or a public subnet with assignPublicIp: true).';
  }
  return '';
}

function clean(text: string | undefined): string | undefined {
  const cleaned = text === undefined ? undefined : sanitize(text).replace(/\s+/g, ' ').trim();
  return cleaned || undefined;
}
