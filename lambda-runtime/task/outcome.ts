/** The task's outcome moved to the floor (lambda-runtime/shared/task-outcome.ts), which the command line shares. */
export { TIMEOUT_STOP_REASON, taskOutcome, timeoutMessage, type TaskOutcome } from '../shared/task-outcome';
