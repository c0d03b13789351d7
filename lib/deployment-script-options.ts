import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { RetryOptions } from './retry-options';
import { RunPolicy } from './run-policy';
import { ScriptTrigger } from './script-trigger';

/**
 * A deployment script: code that runs as part of a CloudFormation deployment.
 */
export interface IDeploymentScript extends IConstruct, iam.IGrantable {
  /** When the script runs. */
  readonly trigger: ScriptTrigger;

  /**
   * Runs this script after the given scripts of the same stack.
   *
   * On stack deletion the order is reversed: a `BEFORE_DELETE` script that runs after another is deleted,
   * and so runs, before it.
   */
  runAfter(...scripts: IDeploymentScript[]): void;
}

/**
 * What every deployment script takes, whatever runs its code.
 */
export interface DeploymentScriptOptions {
  /**
   * When the script runs: after every resource of the stack is deployed, or before the stack's resources
   * are deleted.
   */
  readonly trigger: ScriptTrigger;

  /**
   * The script's event: a JSON object, delivered to the script exactly, with its types (a number stays a
   * number, nested arrays and objects stay intact). Values may hold tokens (`api.url`, `bucket.bucketName`),
   * resolved at deploy time. A `DeploymentTask`'s container gets the same JSON document in the environment
   * variable `DEPLOYMENT_SCRIPT_PARAMETERS`.
   *
   * Parameters are written to the template in clear text: a secret (a `SecretValue`, or a
   * `{{resolve:secretsmanager:…}}` or `{{resolve:ssm-secure:…}}` reference) is rejected. Pass secrets
   * through `environment`.
   *
   * @default {} - the script's event is an empty object
   */
  readonly parameters?: { [key: string]: any };

  /**
   * Environment variables of the script. Secrets are allowed (e.g.
   * `secret.secretValueFromJson('password').unsafeUnwrap()`): they stay CloudFormation dynamic references
   * in the template.
   *
   * @default - no environment variables
   */
  readonly environment?: { [key: string]: string };

  /**
   * Resources the script uses. For each, the script gets least-privilege permissions, network access when
   * the target lives in a VPC (the script joins that VPC), and environment variables named
   * `STP_<NAME>_<VARIABLE>` (e.g. `STP_MY_BUCKET_NAME`), where `<NAME>` is the target's construct id in
   * upper snake case. List `Connect.readOnly(target)` for a target the script only reads, and
   * `Connect.to(target, { name, access })` to give a target another name or access level.
   *
   * @default - no connections
   */
  readonly connectTo?: IConstruct[];

  /**
   * The prefix of the variables that `connectTo` sets.
   *
   * @default 'STP_'
   */
  readonly variablePrefix?: string;

  /**
   * Which deployments run an `AFTER_DEPLOY` script again.
   *
   * @default RunPolicy.ON_STACK_CHANGE
   */
  readonly runPolicy?: RunPolicy;

  /**
   * Scripts of the same stack that must run before this one (migrate, then seed).
   *
   * @default - no order between this script and the others of the stack
   */
  readonly runAfter?: IDeploymentScript[];

  /**
   * Constructs of the same stack that must be deployed only after this script has run (e.g. the service
   * that needs the migrated database). Their resources depend on the script, so they are deployed after it
   * and deleted before it.
   *
   * @default - the script runs after every resource of the stack
   */
  readonly runBefore?: IConstruct[];

  /**
   * IAM statements added to the script's role (a container task's task role).
   *
   * @default - the script may only write its logs
   */
  readonly iamRoleStatements?: iam.PolicyStatement[];

  /**
   * How long the script may run. A script that runs longer fails the deployment with a message saying it
   * timed out. At most 14 minutes for a `DeploymentScript`, 55 minutes for a `DeploymentTask`.
   *
   * @default Duration.minutes(10) for a `DeploymentScript`, Duration.minutes(30) for a `DeploymentTask`
   */
  readonly timeout?: Duration;

  /**
   * Runs the script again when it fails, for failures that a later run may not meet (a database created moments ago
   * that refuses its first connections). Only for a script that can run twice: a migration that is not idempotent
   * must not. `timeout` bounds each attempt; all attempts and the waits between them must fit in the provider's time
   * (about 14 minutes for a `DeploymentScript`, 55 for a `DeploymentTask`): an attempt that would not is not started.
   *
   * @default - no retries: a failed run fails the deployment (`AFTER_DEPLOY`), or is logged (`BEFORE_DELETE`)
   */
  readonly retry?: RetryOptions;

  /**
   * Calls an `AFTER_DEPLOY` script once more when the deployment that ran it rolls back (a later script or resource
   * failed), so that it can undo its work: a migration runs its "down" step, a seed removes what it added. The call
   * gets the parameters of the run it undoes and is told it is a rollback: `rollback: true` in a script's client
   * context, `DEPLOYMENT_SCRIPT_ROLLBACK=true` in a task's environment. It is made only when that deployment really ran the script and the run succeeded, at most once; a failure
   * or timeout of it is logged and never fails or blocks the rollback. Ordered scripts are undone in reverse order.
   *
   * @default false - a rollback does not call the script
   */
  readonly undoOnRollback?: boolean;

  /**
   * How long CloudFormation waits for the script's custom resource to answer before it fails the resource
   * (CloudFormation's `ServiceTimeout`), should the provider never answer (killed, out of memory, unable to post
   * its response). At least `timeout` and what the provider needs around it; at most an hour.
   *
   * @default - `timeout` plus 2 minutes for a `DeploymentScript`, plus 5 minutes for a `DeploymentTask` (at most an
   * hour), instead of CloudFormation's hour
   */
  readonly serviceTimeout?: Duration;

  /**
   * The VPC the script runs in.
   *
   * @default - a `DeploymentScript` runs outside any VPC, unless a `connectTo` target lives in one; a
   * `DeploymentTask` runs in the VPC of its `connectTo` targets, else of its `cluster`
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in the VPC the script runs. A `DeploymentScript` requires `vpc` with it.
   *
   * @default - the VPC's private subnets with egress (a `DeploymentTask` with `assignPublicIp`: its public subnets)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the script. A `DeploymentScript` requires `vpc` with them.
   *
   * @default - a new security group that allows all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}
