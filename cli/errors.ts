/** Exit codes of the command line. */
export const EXIT_OK = 0;
/** The script ran and failed (threw, returned an error, timed out). */
export const EXIT_SCRIPT_FAILED = 1;
/** The command line is wrong: unknown command or option, missing or malformed value. */
export const EXIT_USAGE = 2;
/** The command could not do its work: unknown stack or script, no credentials, access denied, unreachable endpoint… */
export const EXIT_ERROR = 3;

/**
 * `run --local` of a container task with no container engine that answers (docker, podman): the command printed what it
 * would run instead, for the user to run by hand.
 */
export const EXIT_NO_CONTAINER_ENGINE = 4;

/**
 * Interrupted (Ctrl-C) while a script or task ran: a deployed one goes on running where it runs, a local one is
 * stopped. 128 + SIGINT, as a shell reports a command that SIGINT ended.
 */
export const EXIT_INTERRUPTED = 130;

/** An error the command line reports as it is (no stack trace), with its exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_ERROR) {
    super(message);
    this.name = 'CliError';
  }
}

/** A mistake in the command line: reported with a pointer to `--help`. */
export class UsageError extends CliError {
  constructor(message: string, readonly command?: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}
