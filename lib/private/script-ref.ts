import { Construct } from 'constructs';

/** A kind of deployment script: how messages name it, and what runs its code. */
export interface ScriptKind {
  /** The class: how messages name a script of this kind. */
  readonly kind: 'DeploymentScript' | 'DeploymentTask';
  /** The word for one, in sentences: 'script' or 'task'. */
  readonly noun: 'script' | 'task';
  /** Whether the code runs on AWS Lambda, which refuses some environment variable names. */
  readonly lambda: boolean;
}

/** A Lambda function: `DeploymentScript`. */
export const LAMBDA_SCRIPT: ScriptKind = { kind: 'DeploymentScript', noun: 'script', lambda: true };

/** A container task on Fargate: `DeploymentTask`. */
export const CONTAINER_TASK: ScriptKind = { kind: 'DeploymentTask', noun: 'task', lambda: false };

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

  constructor(kind: ScriptKind, public readonly path: string) {
    this.kind = kind.kind;
    this.noun = kind.noun;
    this.lambda = kind.lambda;
  }

  /** How messages name the script: `<kind> <path>`. */
  public get where(): string {
    return `${this.kind} ${this.path}`;
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
