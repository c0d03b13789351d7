/**
 * Who connects to a target, as the adapters see it: built once by the script before it exists (a `ScriptRef` is
 * one), so that every message an adapter raises names the script by its real class.
 */
export interface ConnectingScript {
  /** The class: how messages name it. */
  readonly kind: 'DeploymentScript' | 'DeploymentTask';
  /** The word for one, in sentences. */
  readonly noun: 'script' | 'task';
  /** The script's construct path. */
  readonly path: string;
  /** How messages name the script: `<kind> <path>`. */
  readonly where: string;
  /**
   * The placeholders the script's code replaces with a secret's user and password when it runs (a Lambda function's);
   * absent: the code gets them in variables of their own (a container's ECS secrets).
   */
  readonly credentialPlaceholders?: CredentialPlaceholders;
}

/** Placeholders for a user name and password in a connection string. */
export interface CredentialPlaceholders {
  readonly user: string;
  readonly password: string;
}

/** A `ConnectingScript` of the given kind at `path`. */
export function connectingScript(kind: ConnectingScript['kind'], path: string): ConnectingScript {
  return { kind, noun: kind === 'DeploymentTask' ? 'task' : 'script', path, where: `${kind} ${path}` };
}

/** An error about connecting `script`: `<kind> <path>: <message>`. */
export function connectError(script: ConnectingScript, message: string): Error {
  return new Error(`${script.where}: ${message}`);
}
