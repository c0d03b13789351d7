import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';

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
   * Grants that need the script as grantee (e.g. `secret.grantRead(script)`, which also grants the key).
   * @default - none
   */
  readonly grant?: (grantee: iam.IGrantable) => void;

  /**
   * Variables without prefix and name: `{ ARN: …, NAME: … }` becomes `STP_<NAME>_ARN`, `STP_<NAME>_NAME`.
   * @default - none
   */
  readonly variables?: { [variable: string]: string };

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

  /**
   * Called once the script's function exists, for targets that create resources bound to the script's
   * role (e.g. a database user authenticated by the role).
   * @default - nothing
   */
  readonly onBind?: (role: iam.IRole) => void;
}
