/**
 * Which deployments run an `AFTER_DEPLOY` script again after it first ran.
 *
 * A script always runs when it is first created. CloudFormation sends its custom resource an update only
 * when the resource's properties change, so each policy decides what goes into those properties.
 */
export enum RunPolicy {
  /**
   * Run on every deployment that changes the stack.
   *
   * The script's custom resource carries a hash of the rest of the stack's synthesized template, so any
   * change to the stack (a new version of the script, a changed resource, a new parameter) runs it again,
   * and a deployment without changes does not. Synthesis stays reproducible and `cdk diff` is clean when
   * nothing changed. The library's own resources are left out of the hash, so upgrading this library does
   * not re-run scripts.
   */
  ON_STACK_CHANGE = 'on-stack-change',

  /**
   * Run on every deployment.
   *
   * The custom resource carries a fresh value at every synthesis, so every `cdk deploy` creates a change
   * set that runs the script, even when nothing else changed. `cdk diff` always shows the script as
   * changed.
   */
  EVERY_DEPLOYMENT = 'every-deployment',

  /**
   * Run when the script itself changes: its code, its configuration (runtime, environment, memory...) or
   * its parameters. This is how aws-cdk-lib's triggers behave.
   */
  ON_SCRIPT_CHANGE = 'on-script-change',

  /**
   * Run once, when the script is created, and never on an update.
   */
  ONCE = 'once',
}
