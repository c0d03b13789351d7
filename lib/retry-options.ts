import { Duration } from 'aws-cdk-lib';

/**
 * Retries of a deployment script whose run fails, for failures that a later run may not meet (a database created
 * moments ago that refuses its first connections). A script is retried only when it asks to be: a migration that is
 * not idempotent must not run twice.
 *
 * Each attempt may run for the script's `timeout`. All attempts and the waits between them must fit in the time the
 * provider has: about 14 minutes for a `DeploymentScript` (the Provider framework's 15), 55 minutes for a
 * `DeploymentTask` (CloudFormation's hour, less starting and stopping the task). An attempt that could not run to its
 * `timeout` in the time left is not started, and the failure says so. A task is started again after a non-zero exit,
 * a failure to start (an image not pulled, no capacity) or its timeout.
 */
export interface RetryOptions {
  /**
   * How many times the script runs at most, the first run included: 2 at least.
   */
  readonly attempts: number;

  /**
   * The wait after the first failed attempt; each later wait is twice the one before (10 s, 20 s, 40 s…). A whole
   * number of seconds.
   *
   * @default Duration.seconds(10)
   */
  readonly backoff?: Duration;
}
