import { randomUUID } from 'crypto';
import { CfnResource, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { PROP_RUN_TOKEN } from '../lambda-runtime/shared/consts';
import { bindTarget, TargetBinding, upperSnakeCase } from './connect';
import { suppressConnectFindings } from './private/nag';
import { findSecretReference, secretReferenceError } from './private/parameters';
import { AnalysisValue, ScriptRegistry } from './private/registry';
import {
  checkRunAfter, checkRunBefore, environmentSource, markDeploymentScript, planVariables, ScriptCompute, ScriptResourceSpec,
} from './private/script-support';
import { ScriptVariables } from './private/variables';
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

/**
 * What every kind of deployment script shares, whatever runs its code (a Lambda function: `DeploymentScript`; a
 * container task: `DeploymentTask`): its trigger and re-run policy, its custom resource, which runs after every other
 * resource of the stack, its ordering against the other scripts of the stack, and `connectTo`.
 */
export abstract class DeploymentScriptBase extends Construct implements IDeploymentScript, ec2.IConnectable {
  public readonly trigger: ScriptTrigger;

  /** The re-run policy in force. */
  public readonly runPolicy: RunPolicy;

  private readonly options: DeploymentScriptOptions;
  private readonly orderedAfter: DeploymentScriptBase[] = [];
  private compute?: ScriptCompute;
  private variables?: ScriptVariables;
  private customResource?: CustomResource;

  protected constructor(scope: Construct, id: string, props: DeploymentScriptOptions) {
    super(scope, id);
    markDeploymentScript(this);
    this.options = props;
    this.trigger = props.trigger;
    this.runPolicy = props.runPolicy ?? RunPolicy.ON_STACK_CHANGE;
  }

  /** The script's custom resource. */
  public get resource(): CustomResource {
    if (!this.customResource) { throw new Error(`${this.node.path} has no custom resource yet: it is still being constructed.`); }
    return this.customResource;
  }

  /** The principal the script's code runs as. */
  public get grantPrincipal(): iam.IPrincipal {
    return this.started().grantPrincipal;
  }

  /** The VPC the script runs in, if any. */
  public get vpc(): ec2.IVpc | undefined {
    return this.started().vpc;
  }

  /** The script's network connections. Only a script in a VPC has them. */
  public get connections(): ec2.Connections {
    return this.started().connections();
  }

  /** Adds a statement to the script's role. */
  public addToRolePolicy(statement: iam.PolicyStatement): void {
    this.started().addToRolePolicy(statement);
  }

  /**
   * Connects the script to a resource: least-privilege permissions, network access when the target lives
   * in a VPC, and the `STP_<NAME>_<VARIABLE>` environment variables. A target in a VPC can only be added
   * here if the script already runs in that VPC (give it `vpc`, or list the target in the `connectTo` prop).
   */
  public connectTo(target: IConstruct, options: ConnectOptions = {}): void {
    const { kind, noun } = this.started();
    const binding = bindTarget(target, this.node.path, kind);
    const variables = this.ledger().connect(target, binding, options.name ?? upperSnakeCase(target.node.id), this.vpc, noun);
    this.applyBinding(target, binding, variables);
  }

  /**
   * Runs this script after the given scripts of the same stack.
   *
   * On stack deletion the order is reversed: a `BEFORE_DELETE` script that runs after another is deleted,
   * and so runs, before it.
   */
  public runAfter(...scripts: IDeploymentScript[]): void {
    const { kind, noun } = this.started();
    checkRunAfter(`${kind} ${this.node.path}`, noun, Stack.of(this), scripts);
    for (const script of scripts) {
      const other = script as unknown as DeploymentScriptBase;
      if (other === this) {
        throw new Error(`${kind} ${this.node.path} cannot run after itself.`);
      }
      const cycle = other.pathTo(this);
      if (cycle) {
        throw new Error(`${kind} ${this.node.path} cannot run after ${other.node.path}: that would make a cycle (${[this, ...cycle].map((s) => s.node.path).join(' -> ')}). Remove one of the orderings.`);
      }
      if (!this.orderedAfter.includes(other)) { this.orderedAfter.push(other); }
    }
  }

  /**
   * Deploys the given constructs of the same stack only after this script has run: their resources depend on
   * the script (and are deleted before it).
   */
  public runBefore(...constructs: IConstruct[]): void {
    const kind = this.started().kind;
    const resources = checkRunBefore(`${kind} ${this.node.path}`, Stack.of(this), constructs);
    const own = resources.find((resource) => resource.node.scopes.includes(this));
    if (own) {
      throw new Error(`${kind} ${this.node.path} cannot run before its own resource ${own.node.path}.`);
    }
    // The construct-level dependency: public on every aws-cdk-lib of the peer range, where CfnResource#addDependency
    // is deprecated on the newest and its replacement (addResourceDependency) missing on the oldest.
    for (const resource of resources) { resource.node.addDependency(this.resource.node.defaultChild as CfnResource); }
  }

  /**
   * Called by the subclass once what runs the code exists: creates the custom resource, registers it with its
   * provider and the stack's analysis, then applies `connectTo`, `runAfter` and `runBefore`.
   *
   * @internal
   */
  protected _start(compute: ScriptCompute, spec: ScriptResourceSpec): void {
    this.compute = compute;
    const { variables, connected } = planVariables(compute.kind, compute.noun, this.node.path, this.options, compute.environmentTarget,
      spec.bindings, compute.vpc, spec.otherVariables);
    this.variables = variables;

    const registry = ScriptRegistry.of(this);
    const runToken = this.runToken(registry);
    const properties = spec.properties;
    this.customResource = new CustomResource(this, 'Default', {
      serviceToken: spec.serviceToken,
      resourceType: spec.resourceType,
      properties: runToken === undefined ? properties : { ...properties, [PROP_RUN_TOKEN]: runToken },
    });
    const cfn = this.customResource.node.defaultChild as CfnResource;
    cfn.addOverride('DependsOn', new AnalysisValue(registry, (analysis) => {
      const dependsOn = analysis.dependsOn(cfn);
      return dependsOn.length > 0 ? dependsOn : undefined;
    }, undefined));

    const stack = Stack.of(this);
    this.node.addValidation({
      validate: () => {
        const secret = findSecretReference(stack.resolve(spec.parameters));
        return secret ? [secretReferenceError(this.node.path, secret, compute.kind)] : [];
      },
    });

    for (const [target, binding, targetVariables] of connected) { this.applyBinding(target, binding, targetVariables); }
    this.runAfter(...spec.runAfter ?? []);
    this.runBefore(...spec.runBefore ?? []);
    // Last: once registered, the provider refers to the script's code, which a failed construction must not leave behind.
    spec.register({
      kind: compute.kind,
      resource: cfn,
      scope: this,
      runAfter: () => this.orderedAfter.map((other) => other.resource.node.defaultChild as CfnResource),
      properties: () => ({ ...properties, ServiceToken: spec.serviceToken }),
    });
  }

  /**
   * Records a variable set by the subclass (`addEnvironment`, a container's secrets), after checking that its name is
   * valid and not taken. `source` says where it comes from, in messages about clashes.
   *
   * @internal
   */
  protected _claimVariable(key: string, source: string): void {
    this.ledger().claim(key, source);
  }

  /**
   * Adds an environment variable; throws if it is already set or its name is reserved.
   *
   * @internal
   */
  protected _addEnvironment(key: string, value: string): void {
    this._claimVariable(key, environmentSource(this.started().noun));
    this.started().setVariable(key, value);
  }

  private ledger(): ScriptVariables {
    if (!this.variables) { throw new Error(`${this.node.path} is still being constructed.`); }
    return this.variables;
  }

  private started(): ScriptCompute {
    if (!this.compute) { throw new Error(`${this.node.path} is still being constructed.`); }
    return this.compute;
  }

  /** Gives the script what connecting to `target` means, once its variables are checked and recorded. */
  private applyBinding(target: IConstruct, binding: TargetBinding, variables: Array<[string, string]>): void {
    for (const [key, value] of variables) { this.started().setVariable(key, value); }
    const role = this.started().role;
    for (const statement of binding.statements ?? []) { this.addToRolePolicy(statement); }
    suppressConnectFindings(role, target.node.path, binding.kind, binding.statements ?? []);
    binding.grant?.(this);
    for (const rule of binding.ingress ?? []) { this.allowTo(rule.peer, rule.port, rule.description); }
    if (binding.onBind && role) { binding.onBind(role); }
  }

  /**
   * Lets the script reach `peer` on `port`. The ingress rule is created from the script's side: across stacks,
   * aws-cdk-lib then puts it in the script's stack, which already depends on the target's, instead of making the
   * two stacks depend on each other. An egress rule is only needed, and only added, where the script's security
   * group does not allow all outbound traffic.
   */
  private allowTo(peer: ec2.IConnectable, port: ec2.Port, description: string): void {
    for (const ours of this.connections.securityGroups) {
      for (const theirs of peer.connections.securityGroups) {
        theirs.addIngressRule(ours, port, description, true);
        if (!ours.allowAllOutbound) { ours.addEgressRule(theirs, port, description); }
      }
    }
  }

  /** The chain of `runAfter` orderings from this script to `target`, if there is one. */
  private pathTo(target: DeploymentScriptBase): DeploymentScriptBase[] | undefined {
    for (const next of this.orderedAfter) {
      if (next === target) { return [this, target]; }
      const rest = next.pathTo(target);
      if (rest) { return [this, ...rest]; }
    }
    return undefined;
  }

  private runToken(registry: ScriptRegistry): string | undefined {
    if (this.trigger !== ScriptTrigger.AFTER_DEPLOY) { return undefined; }
    const cfn = () => this.resource.node.defaultChild as CfnResource;
    switch (this.runPolicy) {
      case RunPolicy.ON_STACK_CHANGE: return AnalysisValue.string(registry, (analysis) => analysis.stackHash);
      case RunPolicy.ON_SCRIPT_CHANGE: return AnalysisValue.string(registry, (analysis) => analysis.scriptHash(cfn()));
      case RunPolicy.EVERY_DEPLOYMENT: return randomUUID();
      case RunPolicy.ONCE: return undefined;
    }
  }
}
