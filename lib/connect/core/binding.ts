import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The connecting script once its code exists, for the grants of a binding: bindings are computed before the
 * script exists (its VPC may be inferred from them), and applied after.
 */
export interface ScriptInPlace {
  /** The script's construct: the scope of resources made for it (a database user of its role). */
  readonly scope: Construct;
  /** The VPC the script runs in, if any. */
  readonly vpc?: ec2.IVpc;
}

/**
 * What connecting a script to one target gives it. Produced by a target adapter, applied by
 * `DeploymentScript.connectTo`.
 */
export interface TargetBinding {
  /** A description of the target's kind for messages, e.g. 'S3 bucket'. */
  readonly kind: string;

  /**
   * Statements for the script's role, scoped to the target.
   * @default - none
   */
  readonly statements?: iam.PolicyStatement[];

  /**
   * Grants that need the script as grantee (e.g. `secret.grantRead(script)`, which also grants the key), and
   * checks that need the script in place (the VPC it runs in).
   * @default - none
   */
  readonly grant?: (grantee: iam.IGrantable, script: ScriptInPlace) => void;

  /**
   * Variables without prefix and name: `{ ARN: …, NAME: … }` becomes `STP_<NAME>_ARN`, `STP_<NAME>_NAME`.
   * @default - none
   */
  readonly variables?: { [variable: string]: string };

  /**
   * Credentials the script gets from a secret when it runs, never in its configuration (a database's user and
   * password): how the kind of script receives them is the script's business (`ScriptCompute.addRunTimeCredentials`).
   * @default - none
   */
  readonly runTimeCredentials?: RunTimeCredentials;

  /**
   * The VPC the target lives in; the script must run in it.
   * @default - the target is reached over the AWS APIs, outside any VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Network access to open from the script's security group to the target's.
   * @default - none
   */
  readonly ingress?: Array<{ readonly peer: ec2.IConnectable; readonly port: ec2.Port; readonly description: string }>;
}

/**
 * A secret whose values a script receives when it runs. A Lambda function's code fills `filled` (variables holding the
 * user and password placeholders) from it; a container gets `fromSecret` as ECS secrets, read when the task starts.
 * Variable names are without prefix and target name, as in `TargetBinding.variables`.
 */
export interface RunTimeCredentials {
  readonly secret: secretsmanager.ISecret;
  /** The variable that holds the secret's ARN. */
  readonly secretArnVariable: string;
  /** Variables (among `variables`) whose values hold the placeholders, for code that fills them when it runs. */
  readonly filled: string[];
  /** Variables that a container gets from the secret's JSON keys: variable → key. */
  readonly fromSecret: { readonly [variable: string]: string };
}
