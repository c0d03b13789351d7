import { randomUUID } from 'crypto';
import { CfnResource, CustomResource, Duration, Lazy, Size, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import * as consts from '../lambda-runtime/consts';
import { bindTarget, TargetBinding, upperSnakeCase } from './connect';
import { validateEnvironmentKey } from './private/environment';
import { findSecretReference, secretReferenceError, validateParameters } from './private/parameters';
import { DeploymentScriptProvider } from './private/provider';
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
 * Options for connecting a script to one target.
 */
export interface ConnectOptions {
  /**
   * The target's name in the script's variables: `STP_<NAME>_<VARIABLE>`. Upper snake case.
   *
   * @default - the target's construct id in upper snake case (`myDatabase` → `MY_DATABASE`)
   */
  readonly name?: string;
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
   * resolved at deploy time.
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
   * upper snake case. Use `connectTo()` to give a target another name.
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
   * IAM statements added to the script's role.
   *
   * @default - the script may only write its logs
   */
  readonly iamRoleStatements?: iam.PolicyStatement[];

  /**
   * How long the script may run. A script that runs longer fails the deployment with a message saying it
   * timed out.
   *
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;

  /**
   * The VPC the script runs in.
   *
   * @default - the script runs outside any VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in the VPC the script runs. Requires `vpc`.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the script. Requires `vpc`.
   *
   * @default - a new security group that allows all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * Properties of a `DeploymentScript`.
 *
 * Give either `entry` (a TypeScript or JavaScript file, bundled with esbuild) or `code` with `handler` and
 * `runtime` (any Lambda runtime, e.g. a Python script).
 */
export interface DeploymentScriptProps extends DeploymentScriptOptions {
  /**
   * The script's entry file (TypeScript or JavaScript), bundled with esbuild by `NodejsFunction`.
   *
   * @default - none: give `code` instead
   */
  readonly entry?: string;

  /**
   * The name of the exported handler. With `entry`, the exported function's name (use `'default'` for
   * `export default`); with `code`, Lambda's handler string (e.g. `'script.handler'`).
   *
   * @default 'handler' with `entry`; required with `code`
   */
  readonly handler?: string;

  /**
   * Bundling options for an `entry` script.
   *
   * @default - NodejsFunction's defaults: minified off, source maps off, the AWS SDK v3 not bundled
   */
  readonly bundling?: nodejs.BundlingOptions;

  /**
   * The lock file of the `entry` script's dependencies.
   *
   * @default - the nearest `package-lock.json`, `yarn.lock`, `pnpm-lock.yaml` or `bun.lockb` above the entry
   */
  readonly depsLockFilePath?: string;

  /**
   * The project root of an `entry` script.
   *
   * @default - the directory of the lock file
   */
  readonly projectRoot?: string;

  /**
   * The script's prebuilt code, for a script in any language (give `handler` and `runtime` with it).
   *
   * @default - none: give `entry` instead
   */
  readonly code?: lambda.Code;

  /**
   * The Lambda runtime of the script. Required with `code`.
   *
   * @default Runtime.NODEJS_24_X with `entry`
   */
  readonly runtime?: lambda.Runtime;

  /**
   * Memory of the script's function. Lambda gives CPU in proportion.
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * The size of the script's `/tmp`.
   *
   * @default Size.mebibytes(512)
   */
  readonly ephemeralStorageSize?: Size;

  /**
   * The instruction set of the script's function.
   *
   * @default Architecture.X86_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Whether the security group created for the script allows all outbound traffic. Only with `vpc` and
   * without `securityGroups`.
   *
   * @default true
   */
  readonly allowAllOutbound?: boolean;

  /**
   * The log group of the script. Several scripts may share one.
   *
   * @default - Lambda's own `/aws/lambda/<function name>`, kept forever (or see `logRetention`)
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the script's logs are kept. Creates a log group for the script, retained when the stack is
   * deleted so that the logs of a `BEFORE_DELETE` run survive.
   *
   * @default - logs are kept forever
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The execution role of the script's function.
   *
   * @default - a new role that may write the script's logs
   */
  readonly role?: iam.IRole;

  /**
   * A description of the script's function.
   *
   * @default - one naming the construct and its trigger
   */
  readonly description?: string;
}

/**
 * Runs your code as part of a CloudFormation deployment: after every resource of the stack is deployed
 * (`ScriptTrigger.AFTER_DEPLOY`; a failure fails the deployment and rolls the stack back), or before the
 * stack's resources are deleted (`ScriptTrigger.BEFORE_DELETE`; a failure never blocks deletion).
 *
 * The script is a Lambda function; a custom resource, served by one provider per stack, invokes it.
 */
export class DeploymentScript extends Construct implements IDeploymentScript, ec2.IConnectable {
  /** The longest timeout a script may have: the Provider framework waits for it 15 minutes at most. */
  public static readonly MAX_TIMEOUT = Duration.seconds(consts.MAX_SCRIPT_TIMEOUT_SECONDS);

  /** Whether `x` is a `DeploymentScript`. */
  public static isDeploymentScript(x: any): x is DeploymentScript {
    return x !== null && typeof x === 'object' && SCRIPT_SYMBOL in x;
  }

  public readonly trigger: ScriptTrigger;

  /** The script's function. */
  public readonly scriptFunction: lambda.Function;

  /** The script's custom resource. */
  public readonly resource: CustomResource;

  public readonly grantPrincipal: iam.IPrincipal;

  /** The VPC the script runs in, if any. */
  public readonly vpc?: ec2.IVpc;

  /** The re-run policy in force. */
  public readonly runPolicy: RunPolicy;

  private readonly environment: { [key: string]: string } = {};
  /** Where each variable came from, for messages about clashes. */
  private readonly variableSources = new Map<string, string>();
  private readonly targetNames = new Map<string, string>();
  private readonly variablePrefix: string;
  private readonly orderedAfter: DeploymentScript[] = [];

  constructor(scope: Construct, id: string, props: DeploymentScriptProps) {
    // Checked before the construct joins the tree: bad input leaves nothing behind.
    super(scope, validateProps(scope, id, props) ?? id);
    Object.defineProperty(this, SCRIPT_SYMBOL, { value: true });
    Object.assign(this.environment, props.environment);
    for (const key of Object.keys(this.environment)) { this.variableSources.set(key, "the script's environment"); }
    this.variablePrefix = props.variablePrefix ?? 'STP_';
    const bindings = (props.connectTo ?? []).map((target) => [target, bindTarget(target, this.node.path)] as const);
    const vpc = props.vpc ?? inferVpc(this.node.path, bindings);
    this.vpc = vpc;

    this.trigger = props.trigger;
    this.runPolicy = props.runPolicy ?? RunPolicy.ON_STACK_CHANGE;
    const timeout = props.timeout ?? Duration.minutes(10);

    const logGroup = props.logGroup ?? (props.logRetention !== undefined
      ? new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention })
      : undefined);

    const common: lambda.FunctionOptions = {
      description: props.description ?? `cdk-deployment-script: ${this.node.path} (${props.trigger})`,
      timeout,
      memorySize: props.memorySize ?? 1024,
      ephemeralStorageSize: props.ephemeralStorageSize,
      architecture: props.architecture,
      environment: this.environment,
      initialPolicy: props.iamRoleStatements,
      vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      allowAllOutbound: props.allowAllOutbound,
      logGroup,
      role: props.role,
    };
    this.scriptFunction = props.entry !== undefined
      ? new nodejs.NodejsFunction(this, 'Function', {
        ...common,
        entry: props.entry,
        handler: props.handler ?? 'handler',
        runtime: props.runtime ?? lambda.Runtime.NODEJS_24_X,
        bundling: props.bundling,
        depsLockFilePath: props.depsLockFilePath,
        projectRoot: props.projectRoot,
      })
      : new lambda.Function(this, 'Function', {
        ...common,
        code: props.code!,
        handler: props.handler!,
        runtime: props.runtime!,
      });
    this.grantPrincipal = this.scriptFunction.grantPrincipal;

    const provider = DeploymentScriptProvider.of(this);
    const stack = Stack.of(this);
    const parameters = props.parameters ?? {};
    const properties: { [key: string]: any } = {
      [consts.PROP_FUNCTION_NAME]: this.scriptFunction.functionName,
      [consts.PROP_TRIGGER]: props.trigger,
      [consts.PROP_PARAMETERS]: stack.toJsonString(parameters),
      [consts.PROP_RUN_POLICY]: this.runPolicy,
      [consts.PROP_LOG_GROUP_NAME]: logGroup?.logGroupName ?? `/aws/lambda/${this.scriptFunction.functionName}`,
      [consts.PROP_TIMEOUT_SECONDS]: String(timeout.toSeconds()),
    };
    const runToken = this.runToken(provider);
    this.resource = new CustomResource(this, 'Default', {
      serviceToken: provider.serviceToken,
      resourceType: consts.RESOURCE_TYPE,
      properties: runToken === undefined ? properties : { ...properties, [consts.PROP_RUN_TOKEN]: runToken },
    });
    const cfn = this.resource.node.defaultChild as CfnResource;
    cfn.addOverride('DependsOn', Lazy.list({ produce: () => provider.analyze().dependsOn(cfn) }, { omitEmpty: true }));
    provider.register({
      resource: cfn,
      scope: this,
      runAfter: () => this.orderedAfter.map((other) => other.resource.node.defaultChild as CfnResource),
      properties: () => ({ ...properties, ServiceToken: provider.serviceToken }),
    }, this.scriptFunction);

    this.node.addValidation({
      validate: () => {
        const secret = findSecretReference(stack.resolve(parameters));
        return secret ? [secretReferenceError(this.node.path, secret)] : [];
      },
    });

    for (const [target, binding] of bindings) { this.applyBinding(target, binding, {}); }
    this.runAfter(...props.runAfter ?? []);
    this.runBefore(...props.runBefore ?? []);
  }

  /** The script's network connections. Only a script in a VPC has them. */
  public get connections(): ec2.Connections {
    if (!this.scriptFunction.isBoundToVpc) {
      throw new Error(`DeploymentScript ${this.node.path} is not in a VPC, so it has no security group to connect: give it a 'vpc'.`);
    }
    return this.scriptFunction.connections;
  }

  /**
   * Adds an environment variable to the script. Throws if the variable is already set or its name is
   * reserved.
   */
  public addEnvironment(key: string, value: string): DeploymentScript {
    const source = this.variableSources.get(key);
    if (source !== undefined && source !== "the script's environment") {
      throw new Error(`DeploymentScript ${this.node.path}: environment variable '${key}' is already set by ${source}. Choose another name.`);
    }
    validateEnvironmentKey(this.node.path, key, this.environment);
    this.environment[key] = value;
    this.variableSources.set(key, "the script's environment");
    this.scriptFunction.addEnvironment(key, value);
    return this;
  }

  /**
   * Connects the script to a resource: least-privilege permissions, network access when the target lives
   * in a VPC, and the `STP_<NAME>_<VARIABLE>` environment variables. A target in a VPC can only be added
   * here if the script already runs in that VPC (give it `vpc`, or list the target in the `connectTo` prop).
   */
  public connectTo(target: IConstruct, options: ConnectOptions = {}): void {
    this.applyBinding(target, bindTarget(target, this.node.path), options);
  }

  /** Adds a statement to the script's role. */
  public addToRolePolicy(statement: iam.PolicyStatement): void {
    this.scriptFunction.addToRolePolicy(statement);
  }

  /**
   * Runs this script after the given scripts of the same stack.
   *
   * On stack deletion the order is reversed: a `BEFORE_DELETE` script that runs after another is deleted,
   * and so runs, before it.
   */
  public runAfter(...scripts: IDeploymentScript[]): void {
    for (const script of scripts) {
      if (!DeploymentScript.isDeploymentScript(script)) {
        throw new Error(`DeploymentScript ${this.node.path}: runAfter takes deployment scripts, got ${script.node.path}. To deploy a construct after the script, use runBefore.`);
      }
      if (Stack.of(script) !== Stack.of(this)) {
        throw new Error(`DeploymentScript ${this.node.path} cannot run after ${script.node.path}: it is in another stack (${Stack.of(script).node.path}). `
          + 'Scripts are ordered within a stack; order stacks with stack.addDependency().');
      }
      if (script === this) {
        throw new Error(`DeploymentScript ${this.node.path} cannot run after itself.`);
      }
      const cycle = script.pathTo(this);
      if (cycle) {
        throw new Error(`DeploymentScript ${this.node.path} cannot run after ${script.node.path}: that would make a cycle (${[this, ...cycle].map((s) => s.node.path).join(' -> ')}). Remove one of the orderings.`);
      }
      if (!this.orderedAfter.includes(script)) { this.orderedAfter.push(script); }
    }
  }

  /**
   * Deploys the given constructs of the same stack only after this script has run: their resources depend on
   * the script (and are deleted before it).
   */
  public runBefore(...constructs: IConstruct[]): void {
    for (const construct of constructs) {
      if (Stack.of(construct) !== Stack.of(this)) {
        throw new Error(`DeploymentScript ${this.node.path} cannot run before ${construct.node.path}: it is in another stack (${Stack.of(construct).node.path}). `
          + 'Order stacks with stack.addDependency().');
      }
      const resources = construct.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource);
      if (resources.length === 0) {
        throw new Error(`DeploymentScript ${this.node.path} cannot run before ${construct.node.path}: it has no CloudFormation resource to order.`);
      }
      for (const resource of resources) {
        if (resource.node.scopes.includes(this)) {
          throw new Error(`DeploymentScript ${this.node.path} cannot run before its own resource ${resource.node.path}.`);
        }
        resource.addDependency(this.resource.node.defaultChild as CfnResource);
      }
    }
  }

  /**
   * An attribute of the script's result: the value of `key` in the JSON object the script returned (a
   * string; other values JSON-encoded). Use it in other resources to pass on what the script created.
   */
  public getResult(key: string): string {
    return this.resource.getAttString(key);
  }

  private applyBinding(target: IConstruct, binding: TargetBinding, options: ConnectOptions): void {
    const where = `DeploymentScript ${this.node.path}`;
    const name = options.name ?? upperSnakeCase(target.node.id);
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      throw new Error(`${where}: the name of connectTo target ${target.node.path} is '${name}'. Give a name in upper snake case starting with a letter, e.g. connectTo(target, { name: 'MAIN_DB' }).`);
    }
    const previous = this.targetNames.get(name);
    if (previous !== undefined) {
      throw new Error(`${where}: connectTo targets ${previous} and ${target.node.path} have the same name '${name}'. `
        + 'Give one of them another name with connectTo(target, { name }).');
    }
    if (binding.vpc) {
      if (!this.scriptFunction.isBoundToVpc) {
        throw new Error(`${where}: connectTo target ${target.node.path} (${binding.kind}) lives in a VPC, and the script does not. `
          + "List it in the 'connectTo' prop, so that the script joins its VPC, or give the script 'vpc'.");
      }
      const own = this.vpc;
      if (own && own.vpcId !== binding.vpc.vpcId) {
        throw new Error(`${where}: connectTo target ${target.node.path} (${binding.kind}) lives in ${binding.vpc.node.path}, and the script runs in ${own.node.path}. `
          + 'Run the script in the VPC of the targets it connects to.');
      }
    }
    const variables = Object.entries(binding.variables ?? {}).map(([variable, value]) => [`${this.variablePrefix}${name}_${variable}`, value] as const);
    for (const [key] of variables) {
      const source = this.variableSources.get(key);
      if (source !== undefined) {
        throw new Error(`${where}: variable '${key}' of connectTo target ${target.node.path} is already set by ${source}. `
          + 'Rename the environment variable, give the target another name with connectTo(target, { name }), or change variablePrefix.');
      }
      validateEnvironmentKey(this.node.path, key, {});
    }
    this.targetNames.set(name, target.node.path);
    for (const [key, value] of variables) {
      this.variableSources.set(key, `connectTo target ${target.node.path}`);
      this.environment[key] = value;
      this.scriptFunction.addEnvironment(key, value);
    }
    for (const statement of binding.statements ?? []) { this.addToRolePolicy(statement); }
    binding.grant?.(this);
    // Opened from the script's side: across stacks, aws-cdk-lib then puts the rule in the script's stack, which already
    // depends on the target's, instead of making the two stacks depend on each other.
    for (const rule of binding.ingress ?? []) { this.connections.allowTo(rule.peer, rule.port, rule.description); }
    if (binding.onBind) { binding.onBind(this.scriptFunction.role!); }
  }

  /** The chain of `runAfter` orderings from this script to `target`, if there is one. */
  private pathTo(target: DeploymentScript): DeploymentScript[] | undefined {
    for (const next of this.orderedAfter) {
      if (next === target) { return [this, target]; }
      const rest = next.pathTo(target);
      if (rest) { return [this, ...rest]; }
    }
    return undefined;
  }

  private runToken(provider: DeploymentScriptProvider): string | undefined {
    if (this.trigger !== ScriptTrigger.AFTER_DEPLOY) { return undefined; }
    const cfn = () => this.resource.node.defaultChild as CfnResource;
    switch (this.runPolicy) {
      case RunPolicy.ON_STACK_CHANGE: return Lazy.string({ produce: () => provider.analyze().stackHash });
      case RunPolicy.ON_SCRIPT_CHANGE: return Lazy.string({ produce: () => provider.analyze().scriptHash(cfn()) });
      case RunPolicy.EVERY_DEPLOYMENT: return randomUUID();
      case RunPolicy.ONCE: return undefined;
    }
  }
}

const SCRIPT_SYMBOL = Symbol.for('cdk-deployment-script.DeploymentScript');

/** The VPC the targets live in, if any; throws if they live in different VPCs. */
function inferVpc(path: string, bindings: ReadonlyArray<readonly [IConstruct, TargetBinding]>): ec2.IVpc | undefined {
  let found: [IConstruct, ec2.IVpc] | undefined;
  for (const [target, binding] of bindings) {
    if (!binding.vpc) { continue; }
    if (found && found[1].vpcId !== binding.vpc.vpcId) {
      throw new Error(`DeploymentScript ${path}: connectTo targets live in different VPCs (${found[0].node.path} in ${found[1].node.path}, `
        + `${target.node.path} in ${binding.vpc.node.path}). A script runs in one VPC: give 'vpc' and connect to targets of that VPC only.`);
    }
    found = found ?? [target, binding.vpc];
  }
  return found?.[1];
}

/** Checks the props that must be right before anything is created. */
function validateProps(scope: Construct, id: string, props: DeploymentScriptProps): undefined {
  const path = scope.node.path ? `${scope.node.path}/${id}` : id;
  const fail = (message: string): never => { throw new Error(`DeploymentScript ${path}: ${message}`); };
  if (!Object.values(ScriptTrigger).includes(props.trigger)) {
    fail(`'trigger' is ${JSON.stringify(props.trigger)}. Use ScriptTrigger.AFTER_DEPLOY or ScriptTrigger.BEFORE_DELETE.`);
  }
  if (props.runPolicy !== undefined && !Object.values(RunPolicy).includes(props.runPolicy)) {
    fail(`'runPolicy' is ${JSON.stringify(props.runPolicy)}. Use one of RunPolicy.${Object.keys(RunPolicy).join(', RunPolicy.')}.`);
  }
  if (props.entry !== undefined && props.code !== undefined) {
    fail(`both 'entry' (${props.entry}) and 'code' are given. Give 'entry' for a script bundled with esbuild, or 'code' with 'handler' and 'runtime' for prebuilt code, not both.`);
  }
  if (props.entry === undefined && props.code === undefined) {
    fail("neither 'entry' nor 'code' is given. Give 'entry' (a .ts or .js file, bundled with esbuild) or 'code' with 'handler' and 'runtime' (prebuilt code in any language).");
  }
  if (props.code !== undefined) {
    if (props.handler === undefined) {
      fail("'code' is given without 'handler'. Add the handler Lambda calls, e.g. handler: 'script.handler'.");
    }
    if (props.runtime === undefined) {
      fail("'code' is given without 'runtime'. Add the Lambda runtime of the code, e.g. runtime: Runtime.PYTHON_3_13.");
    }
  }
  if (props.entry !== undefined) {
    if (props.runtime !== undefined && props.runtime.family !== lambda.RuntimeFamily.NODEJS) {
      fail(`'runtime' is ${props.runtime.name} with 'entry', which is bundled for Node.js. Use a Node.js runtime, or give prebuilt 'code' for ${props.runtime.name}.`);
    }
  } else {
    for (const key of ['bundling', 'depsLockFilePath', 'projectRoot'] as const) {
      if (props[key] !== undefined) { fail(`'${key}' is given without 'entry': it only applies to a script bundled from 'entry'. Remove it.`); }
    }
  }
  if (props.timeout !== undefined && !Token.isUnresolved(props.timeout.toSeconds())
    && props.timeout.toSeconds() > consts.MAX_SCRIPT_TIMEOUT_SECONDS) {
    fail(`'timeout' is ${props.timeout.toHumanString()}, over the ${consts.MAX_SCRIPT_TIMEOUT_SECONDS / 60} minutes a script may run (the Provider framework waits 15 minutes at most). Lower it, or split the work into scripts that runAfter one another.`);
  }
  if (props.logGroup !== undefined && props.logRetention !== undefined) {
    fail("both 'logGroup' and 'logRetention' are given. Set the retention on your log group, or give only 'logRetention' to have one created.");
  }
  if (props.vpc === undefined) {
    for (const key of ['vpcSubnets', 'securityGroups', 'allowAllOutbound'] as const) {
      if (props[key] !== undefined) { fail(`'${key}' is given without 'vpc'. Give the VPC the script runs in, or remove '${key}'.`); }
    }
  }
  if (props.securityGroups !== undefined && props.allowAllOutbound !== undefined) {
    fail("both 'securityGroups' and 'allowAllOutbound' are given. Configure outbound rules on your security groups instead.");
  }
  validateParameters(path, props.parameters ?? {}, Stack.of(scope));
  // Binding is pure: done here too so that a target that cannot be connected leaves nothing behind.
  inferVpc(path, (props.connectTo ?? []).map((target) => [target, bindTarget(target, path)] as const));
  const environment: { [key: string]: string } = {};
  for (const [key, value] of Object.entries(props.environment ?? {})) {
    validateEnvironmentKey(path, key, environment);
    environment[key] = value;
  }
  return undefined;
}
