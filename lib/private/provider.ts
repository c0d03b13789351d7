import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { suppressLibraryRolePolicy, suppressProviderFindings } from './nag';
import { ENV_PROVIDER_STACK_ID, RUNTIME_TIMEOUT_SECONDS } from '../../lambda-runtime/shared/consts';
import { logStatement, vpcAccessStatement } from './lambda-logs';
import { existingProvider, PROVIDER_LOG_RETENTION, providerSettingsOf, resultParametersArnOf, stackArnOf } from './provider-support';
import { ScriptRegistry } from './registry';
import { ScriptEntry, StackAnalysis } from './stack-analysis';
import { LAMBDA_SCRIPT } from './script-ref';

/** Where the build puts the bundled runtime handler (scripts/bundle-runtime.mjs). */
const RUNTIME_ASSET = path.join(__dirname, '..', '..', 'assets', 'runtime');

/**
 * The construct id of the per-stack provider. Part of the public contract: changing it replaces the
 * provider's functions and every script's service token.
 */
export const PROVIDER_ID = 'DeploymentScriptProvider';

/** How many script functions one statement of the runtime's policy names. */
const FUNCTIONS_PER_INVOKE_STATEMENT = 10;

/**
 * How many of those statements the runtime's role holds inline: 60 functions. IAM allows a role 10,240 characters
 * of inline policies; a function's ARN is at most about 125 characters (64 of them its name), so 60 ARNs and the
 * runtime's other statements stay under 8,500.
 */
const INLINE_INVOKE_STATEMENTS = 6;

/**
 * The one custom resource provider of a stack, shared by all its deployment scripts: aws-cdk-lib's
 * Provider framework in front of this library's runtime function, which decides whether a request runs the
 * script, invokes it and reports.
 */
export class DeploymentScriptProvider extends Construct {
  /** Returns the stack's provider, creating it on first use. */
  public static of(scope: IConstruct): DeploymentScriptProvider {
    const stack = Stack.of(scope);
    return DeploymentScriptProvider.existingIn(stack) ?? new DeploymentScriptProvider(stack, PROVIDER_ID);
  }

  /**
   * The stack's provider if it exists; throws if the stack holds another construct under the provider's id. Called
   * before a script is created too, so that a taken id leaves nothing behind.
   */
  public static existingIn(stack: Stack): DeploymentScriptProvider | undefined {
    return existingProvider(stack, PROVIDER_ID, (c): c is DeploymentScriptProvider => c instanceof DeploymentScriptProvider, 'its provider');
  }

  public readonly serviceToken: string;
  public readonly runtimeFunction: lambda.Function;
  private readonly registry: ScriptRegistry;
  private readonly runtimeRole: InlinePolicyRole;
  private invokeStatement?: iam.PolicyStatement;
  private invokeStatementSize = 0;
  private invokeStatements = 0;

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    const stack = scope;
    this.registry = ScriptRegistry.of(stack);
    this.registry.excludeFromHash(this);

    // Where the functions run and the key of their log and environments: DeploymentProviders.configure.
    const settings = providerSettingsOf(stack);
    const network = { vpc: settings.vpc, vpcSubnets: settings.vpcSubnets, securityGroups: settings.securityGroups };

    // The provider's functions log to one log group, kept for a year; each role may write to it, and to nothing else.
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: PROVIDER_LOG_RETENTION, encryptionKey: settings.encryptionKey });

    // The provider's roles hold their statements in the role itself, as aws-cdk-lib's CustomResourceProvider does:
    // no separate policy resource, and each function depends on its role alone.
    this.runtimeRole = new InlinePolicyRole(this, 'RuntimeRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    this.runtimeRole.addToPrincipalPolicy(logStatement(logGroup.logGroupArn));
    this.runtimeFunction = new lambda.Function(this, 'Runtime', {
      description: 'cdk-deployment-script: runs the deployment scripts of this stack',
      code: lambda.Code.fromAsset(RUNTIME_ASSET),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(RUNTIME_TIMEOUT_SECONDS),
      role: this.runtimeRole,
      logGroup,
      ...network,
      environmentEncryption: settings.encryptionKey,
      // The runtime serves only requests of this stack: another stack's custom resource may name the provider too.
      environment: { [ENV_PROVIDER_STACK_ID]: stack.stackId },
    });
    // The runtime reads the stack's status to tell a deployment from its rollback, and a stack deletion
    // from the removal of one script.
    this.runtimeRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudformation:DescribeStacks'],
      resources: [stackArnOf(stack)],
    }));

    // The runtime keeps each script's result in a parameter, so that an update that does not run the script
    // (the rollback of a failed update, RunPolicy.ONCE) can answer with the attributes CloudFormation holds.
    this.runtimeRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
      resources: [resultParametersArnOf(stack)],
    }));

    const frameworkRole = new InlinePolicyRole(this, 'FrameworkRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    frameworkRole.addToPrincipalPolicy(logStatement(logGroup.logGroupArn));
    // In a VPC, Lambda manages the functions' network interfaces with their roles, before it creates them: in the roles.
    if (settings.vpc) {
      for (const role of [this.runtimeRole, frameworkRole]) { role.addToPrincipalPolicy(vpcAccessStatement()); }
    }
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.runtimeFunction,
      frameworkOnEventRole: frameworkRole,
      logGroup,
      ...network,
      providerFunctionEnvEncryption: settings.encryptionKey,
    });
    suppressProviderFindings(this.runtimeFunction, provider, logGroup, settings);
    this.serviceToken = provider.serviceToken;

    this.node.addValidation({ validate: () => this.registry.errorsOf(LAMBDA_SCRIPT.kind) });
  }

  /**
   * Registers a script: the runtime may invoke its function, and the stack's analysis takes it into account. The
   * runtime waits for the script's log policy, if it has one (it names the function, which cannot wait for it): a
   * script runs once it may write its log, and the scripts' analysis finds the policy behind the provider.
   */
  public register(script: ScriptEntry, scriptFunction: lambda.IFunction, logPolicy?: iam.Policy): void {
    this.registry.register(script);
    if (logPolicy) { this.runtimeFunction.node.defaultChild!.node.addDependency(logPolicy); }
    suppressLibraryRolePolicy(scriptFunction.role, scriptFunction.role?.node.scope === scriptFunction);
    // The runtime invokes a script's function by its name, never a version or alias: the function's own ARN is all
    // it may invoke (aws-cdk-lib's grantInvoke would add `<arn>:*` too). The ARNs share statements, a few to each,
    // so that a stack with many scripts has a short policy, still small enough to split into IAM's size limits.
    // The first statements stay in the role's inline policy; past them, a stack with many scripts would outgrow
    // IAM's limit on a role's inline policies, so the rest go to the role's default policy, which aws-cdk-lib splits
    // into managed policies as it grows.
    if (!this.invokeStatement || this.invokeStatementSize === FUNCTIONS_PER_INVOKE_STATEMENT) {
      this.invokeStatement = new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'] });
      if (this.invokeStatements < INLINE_INVOKE_STATEMENTS) {
        this.runtimeRole.addToPrincipalPolicy(this.invokeStatement);
      } else {
        this.runtimeRole.addToDefaultPolicy(this.invokeStatement);
      }
      this.invokeStatements++;
      this.invokeStatementSize = 0;
    }
    this.invokeStatement.addResources(scriptFunction.functionArn);
    this.invokeStatementSize++;
  }

  /** The analysis of the stack's finished template (shared with its container tasks: lib/private/registry.ts). */
  public analyze(): StackAnalysis {
    return this.registry.analyze();
  }
}

/**
 * A role whose statements live in its own inline policy instead of a separate `AWS::IAM::Policy`: one resource
 * less, and a function using it depends on the role alone. An inline policy is not split when it grows past IAM's
 * size limit: statements without a bound go to `addToDefaultPolicy`.
 */
class InlinePolicyRole extends iam.Role {
  private readonly document: iam.PolicyDocument;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    const document = new iam.PolicyDocument();
    super(scope, id, { ...props, inlinePolicies: { Permissions: document } });
    this.document = document;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    // An app that customizes its roles (iam.Role.customizeRoles) gets the policy reported as for any role.
    if ((this as any)._precreatedRole) { return super.addToPrincipalPolicy(statement); }
    this.document.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }

  /** Adds to the role's default policy, which aws-cdk-lib splits into managed policies past IAM's size limits. */
  public addToDefaultPolicy(statement: iam.PolicyStatement): void {
    super.addToPrincipalPolicy(statement);
  }
}

