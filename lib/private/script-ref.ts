import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  MAX_TASK_TIMEOUT_SECONDS, PASSWORD_PLACEHOLDER, RUNTIME_TIMEOUT_SECONDS, USERNAME_PLACEHOLDER,
} from '../../lambda-runtime/shared/consts';
import type { CredentialPlaceholders } from '../connect';

/** A kind of deployment script: how messages name it, and what runs its code. */
export interface ScriptKind {
  /** The class: how messages name a script of this kind. */
  readonly kind: 'DeploymentScript' | 'DeploymentTask';
  /** The word for one, in sentences: 'script' or 'task'. */
  readonly noun: 'script' | 'task';
  /** Whether the code runs on AWS Lambda, which refuses some environment variable names. */
  readonly lambda: boolean;
  /**
   * What the provider needs beyond the script's own timeout before it answers CloudFormation: for a script, the
   * Provider framework's start, reading the stack's status, the retries of a role not yet usable (30 seconds) and
   * the answer; for a task, starting the container, stopping it at its timeout (ECS waits 30 seconds for it to exit)
   * and the waiter's 10-second polls.
   */
  readonly answerMarginSeconds: number;
  /** How long a script of this kind may run when `timeout` is not given. */
  readonly defaultTimeoutSeconds: number;
  /**
   * How long all the attempts of a script that takes retries may take, the waits between them included: the time of
   * the runtime that runs them (a script's runtime function; a task's waiter, less the margin to stop the last one).
   */
  readonly attemptsLimitSeconds: number;
  /**
   * What each attempt after the first adds to the provider's time beyond its timeout and wait: for a task, the poll
   * that sees it stop, the poll that starts the next, and stopping it at its timeout; a script's are invoked at once.
   */
  readonly retryMarginSeconds: number;
  /**
   * How the connection strings of a database whose credentials are read at run time hold them, for the code to fill
   * in; absent: they hold none, and the credentials come in variables of their own (a container's ECS secrets).
   */
  readonly credentialPlaceholders?: CredentialPlaceholders;
}

/** A Lambda function: `DeploymentScript`. */
export const LAMBDA_SCRIPT: ScriptKind = {
  kind: 'DeploymentScript', noun: 'script', lambda: true, answerMarginSeconds: 120, defaultTimeoutSeconds: 600,
  attemptsLimitSeconds: RUNTIME_TIMEOUT_SECONDS, retryMarginSeconds: 0,
  credentialPlaceholders: { user: USERNAME_PLACEHOLDER, password: PASSWORD_PLACEHOLDER },
};

/** A container task on Fargate: `DeploymentTask`. */
export const CONTAINER_TASK: ScriptKind = {
  kind: 'DeploymentTask', noun: 'task', lambda: false, answerMarginSeconds: 300, defaultTimeoutSeconds: 1800,
  attemptsLimitSeconds: MAX_TASK_TIMEOUT_SECONDS, retryMarginSeconds: 60,
};

/**
 * One deployment script as the code that checks and wires it sees it: its kind and its construct path, known before
 * the construct exists. Built once, before `super()`, and handed to every collaborator that raises errors about it, so
 * that each message starts the same way: `DeploymentTask Stack/Migrate: …`.
 */
export class ScriptRef implements ScriptKind {
  /** The script that will be created as `id` in `scope`. */
  public static of(kind: ScriptKind, scope: Construct, id: string): ScriptRef {
    return new ScriptRef(kind, scope.node.path ? `${scope.node.path}/${id}` : id);
  }

  public readonly kind: ScriptKind['kind'];
  public readonly noun: ScriptKind['noun'];
  public readonly lambda: boolean;
  public readonly answerMarginSeconds: number;
  public readonly defaultTimeoutSeconds: number;
  public readonly attemptsLimitSeconds: number;
  public readonly retryMarginSeconds: number;
  public readonly credentialPlaceholders?: CredentialPlaceholders;

  constructor(kind: ScriptKind, public readonly path: string) {
    this.kind = kind.kind;
    this.noun = kind.noun;
    this.lambda = kind.lambda;
    this.answerMarginSeconds = kind.answerMarginSeconds;
    this.defaultTimeoutSeconds = kind.defaultTimeoutSeconds;
    this.attemptsLimitSeconds = kind.attemptsLimitSeconds;
    this.retryMarginSeconds = kind.retryMarginSeconds;
    this.credentialPlaceholders = kind.credentialPlaceholders;
  }

  /** How messages name the script: `<kind> <path>`. */
  public get where(): string {
    return `${this.kind} ${this.path}`;
  }

  /** The script's timeout: the `timeout` prop, or its kind's default. */
  public timeoutOf(given: Duration | undefined): Duration {
    return given ?? Duration.seconds(this.defaultTimeoutSeconds);
  }

  /** An error about the script: `<kind> <path>: <message>`. */
  public error(message: string): Error {
    return new Error(`${this.where}: ${message}`);
  }

  /** Throws an error about the script. */
  public fail(message: string): never {
    throw this.error(message);
  }
}
