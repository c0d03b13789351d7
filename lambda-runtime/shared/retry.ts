/**
 * Retries of a script that asked for them (`retry` on the construct: the RetryAttempts and RetryBackoffSeconds
 * properties): after a failed attempt, whether to start the next, and after how long. The first wait is the back-off,
 * doubling after each attempt. An attempt is started only when it can run to its own timeout in the time left, so that
 * no attempt is cut short by the runtime's end: a failure then reports the attempts made and why no more were.
 */
import { PROP_RETRY_ATTEMPTS, PROP_RETRY_BACKOFF_SECONDS } from './consts';

/** The retry settings of a script: total attempts (2 at least) and the first wait. */
export type RetrySettings = [attempts: number, backoffSeconds: number];

/** The retry settings of the custom resource's properties; `undefined` when the script takes no retries. */
export function readRetry(props: Record<string, unknown>): RetrySettings | undefined {
  const attempts = Number(props[PROP_RETRY_ATTEMPTS]);
  const backoff = Number(props[PROP_RETRY_BACKOFF_SECONDS] ?? 0);
  return Number.isInteger(attempts) && attempts > 1 ? [attempts, Number.isFinite(backoff) && backoff > 0 ? backoff : 0] : undefined;
}

/**
 * After attempt `attempt` (1-based) failed: the wait before the next (`wait`), or why there is none (`note`, to follow
 * "failed" in the reason; empty without retries). `leftMs`: the time left for the script's attempts; `attemptMs`: what
 * one attempt may take (its timeout).
 */
export function afterFailure(retry: RetrySettings | undefined, attempt: number, leftMs: number, attemptMs: number):
{ wait: number } | { note: string } {
  if (!retry) return { note: '' };
  const [attempts, backoffSeconds] = retry;
  if (attempt >= attempts) return { note: ` after ${attempts} attempts` };
  const wait = backoffSeconds * 1000 * 2 ** (attempt - 1);
  if (wait + attemptMs <= leftMs) return { wait };
  return {
    note: ` after ${attempt} of ${attempts} attempts (attempt ${attempt + 1} was not started: a ${wait / 1000} s wait and its ` +
      `${attemptMs / 1000} s timeout do not fit in the ${Math.max(0, Math.floor(leftMs / 1000))} s left)`,
  };
}
