import { Annotations, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { PROVIDER_ID } from './private/provider';
import { configureProviders } from './private/provider-support';
import { TASK_PROVIDER_ID } from './private/task-provider';

/**
 * Settings of a stack's providers: the functions the library creates once per stack to run its `DeploymentScript`s
 * (aws-cdk-lib's Provider framework in front of the library's runtime) and its `DeploymentTask`s (the same, with a
 * waiter), and their log groups. A script's own function, role and log are set on the script.
 */
export interface DeploymentProvidersProps {
  /**
   * The VPC the providers' functions run in. They call AWS APIs (CloudFormation, Lambda, SSM; ECS and CloudWatch Logs
   * for tasks; Step Functions for the task provider's framework) and CloudFormation's response URL (Amazon S3): the
   * subnets must reach them, through a NAT gateway or VPC endpoints.
   *
   * @default - outside any VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in `vpc` the providers' functions run. Requires `vpc`.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the providers' functions. Requires `vpc`.
   *
   * @default - a security group for each function, allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * A customer-managed KMS key that encrypts the providers' log groups and their functions' environment variables.
   * CloudWatch Logs must be allowed to use the key: a key of the app gets a statement in its policy for the logs
   * service of the stack's region, on this account's log groups; an imported key's policy is yours to write.
   *
   * @default - the log groups are encrypted by CloudWatch Logs, the environments by a key AWS owns
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The providers of a stack's deployment scripts and container tasks.
 *
 * Each stack gets one provider for its `DeploymentScript`s and one for its `DeploymentTask`s, created with its first
 * script or task and shared by all of them. `configure` sets where their functions run and the key of their logs,
 * for every script and task of the stack, before the first is created:
 *
 * ```ts
 * const vpc = new ec2.Vpc(this, 'Vpc');
 * const key = new kms.Key(this, 'Key', { enableKeyRotation: true });
 * DeploymentProviders.configure(this, { vpc, encryptionKey: key });
 * new DeploymentScript(this, 'migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: 'scripts/migrate.ts', vpc });
 * ```
 */
export class DeploymentProviders {
  /**
   * Sets the providers' settings for the stack of `scope`. Call it once per stack, before the stack's first
   * `DeploymentScript` or `DeploymentTask`.
   *
   * @param scope a construct of the stack
   * @param props the providers' settings
   */
  public static configure(scope: IConstruct, props: DeploymentProvidersProps): void {
    if (!scope.node.scopes.some(Stack.isStack)) {
      throw new Error(`DeploymentProviders.configure(${scope.node.path || 'the app'}): 'scope' is not in a stack. Give the stack whose providers to configure, or a construct of it.`);
    }
    const stack = Stack.of(scope);
    const fail = (message: string): never => {
      throw new Error(`DeploymentProviders.configure(${stack.node.path}): ${message}`);
    };
    for (const [id, kind] of [[PROVIDER_ID, 'DeploymentScript'], [TASK_PROVIDER_ID, 'DeploymentTask']]) {
      if (stack.node.tryFindChild(id)) {
        fail(`the stack already has the provider of its ${kind}s, created with its first ${kind}: `
          + 'call configure before the first DeploymentScript or DeploymentTask of the stack.');
      }
    }
    if (props.vpc === undefined) {
      for (const key of ['vpcSubnets', 'securityGroups'] as const) {
        if (props[key] !== undefined) { fail(`'${key}' is given without 'vpc'. Give the VPC the providers run in, or remove '${key}'.`); }
      }
    }
    if (props.securityGroups !== undefined && props.securityGroups.length === 0) {
      fail("'securityGroups' is an empty list. Give at least one security group, or leave 'securityGroups' out for one per function.");
    }
    configureProviders(stack, props, fail);
    if (props.encryptionKey) {
      const key = props.encryptionKey;
      // CloudWatch Logs encrypts a log group with the key only if the key's policy lets it.
      if (!key.addToResourcePolicy(logsStatement(stack)).statementAdded) {
        const region = Token.isUnresolved(stack.region) ? '<region>' : stack.region;
        Annotations.of(stack).addWarningV2('cdk-deployment-script:providerKeyPolicy',
          `DeploymentProviders.configure(${stack.node.path}): 'encryptionKey' ${key.node.path} is imported, so its policy cannot be changed here. `
          + `Let the service principal logs.${region}.amazonaws.com (the stack's region) use it (kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, `
          + "kms:Describe*), or the providers' log groups fail to create.");
      }
    }
  }

  private constructor() {}
}

/** The statement of a key's policy that lets CloudWatch Logs encrypt this account's log groups in the stack's region. */
function logsStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      // The log groups' ARN, not one log group's: the key's policy cannot name a log group encrypted with the key
      // (each would wait for the other).
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
    },
  });
}
