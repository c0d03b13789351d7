/**
 * When a deployment script runs.
 */
export enum ScriptTrigger {
  /**
   * At the end of a deployment, after every other resource of the stack is deployed.
   *
   * A failure fails the deployment, and CloudFormation rolls the stack back. The rollback does not run the
   * script again.
   */
  AFTER_DEPLOY = 'after:deploy',

  /**
   * When the stack is deleted, before any other resource of the stack is deleted.
   *
   * A failure is reported in the script's log and deletion continues: a script never blocks deletion. The
   * script runs only if it was part of the stack's last deployment.
   */
  BEFORE_DELETE = 'before:delete',
}
