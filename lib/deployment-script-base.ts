import { randomUUID } from 'crypto';
import { CfnResource, CustomResource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { PROP_PARAMETERS, PROP_RUN_POLICY, PROP_RUN_TOKEN, PROP_TIMEOUT_SECONDS, PROP_TRIGGER } from '../lambda-runtime/shared/consts';
import { bindTarget, ConnectOptions, connectOptionsOf, TargetBinding, upperSnakeCase } from './connect';
import { DeploymentScriptOptions, IDeploymentScript } from './deployment-script-options';
import { policyFindingsOf, suppressConnectFindings, suppressGrantFindings } from './private/nag';
import { findSecretReference, secretReferenceError } from './private/parameters';
import { AnalysisValue, ScriptRegistry } from './private/registry';
import { ScriptRef } from './private/script-ref';
import {
  checkRunAfter, checkRunBefore, environmentSource, markDeploymentScript, planVariables, retryProperties, ScriptCompute, ScriptResourceSpec,
  serviceTimeoutOf, undoProperties,
} from './private/script-support';
import { ConnectedVariables, ScriptVariables } from './private/variables';
import { RunPolicy } from './run-policy';
import { ScriptTrigger } from './script-trigger';

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
  private started?: { readonly script: ScriptRef; readonly compute: ScriptCompute; readonly variables: ScriptVariables };
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

  /**
   * An attribute of the result, for both kinds' `getResult`: refused where no result can exist, so that the mistake
   * shows at synth rather than as a resource CloudFormation fails. `example`: how the script or task gives the key.
   *
   * @internal
   */
  protected _getResult(key: string, example: string): string {
    const where = this.started?.script.where ?? this.node.path;
    const fail = (message: string): never => { throw new Error(`${where}: getResult(${JSON.stringify(key)}) ${message}`); };
    const noun = this.started?.script.noun ?? 'script';
    if (this.trigger === ScriptTrigger.BEFORE_DELETE) {
      fail(`reads the result of a BEFORE_DELETE ${noun}, which runs only when the stack is deleted: on create and update it `
        + `does not run and has no result, so CloudFormation would fail the resource that reads it. Return the result from an AFTER_DEPLOY ${noun}.`);
    }
    if (Token.isUnresolved(key) || key === '') {
      fail(`needs the name of a top-level key of ${example}, known at synth, e.g. getResult('tenantId').`);
    }
    return this.resource.getAttString(key);
  }

  /** The principal the script's code runs as. */
  public get grantPrincipal(): iam.IPrincipal {
    return this.compute().grantPrincipal;
  }

  /** The VPC the script runs in, if any. */
  public get vpc(): ec2.IVpc | undefined {
    return this.compute().vpc;
  }

  /** The script's network connections. Only a script in a VPC has them. */
  public get connections(): ec2.Connections {
    return this.compute().connections();
  }

  /** Adds a statement to the script's role. */
  public addToRolePolicy(statement: iam.PolicyStatement): void {
    this.compute().addToRolePolicy(statement);
  }

  /**
   * Connects the script to a resource: least-privilege permissions, network access when the target lives
   * in a VPC, and the `STP_<NAME>_<VARIABLE>` environment variables. A target in a VPC can only be added
   * here if the script already runs in that VPC (give it `vpc`, or list the target in the `connectTo` prop).
   *
   * `options.access` narrows what the script may do: `AccessLevel.READ` gives no write or delete permission.
   */
  public connectTo(target: IConstruct, options: ConnectOptions = {}): void {
    const { script, variables } = this.state();
    // A `Connect` given here too: its options, with those given here over them.
    const { target: construct, options: { name, access } } = connectOptionsOf(target, options);
    const binding = bindTarget(construct, script, access);
    this.applyBinding(construct, binding, variables.connect(construct, binding, name ?? upperSnakeCase(construct.node.id), this.vpc));
  }

  /**
   * Runs this script after the given scripts of the same stack.
   *
   * On stack deletion the order is reversed: a `BEFORE_DELETE` script that runs after another is deleted,
   * and so runs, before it.
   */
  public runAfter(...scripts: IDeploymentScript[]): void {
    const { script } = this.state();
    checkRunAfter(script, Stack.of(this), scripts);
    for (const other of scripts as unknown as DeploymentScriptBase[]) {
      if (other === this) {
        throw new Error(`${script.where} cannot run after itself.`);
      }
      const cycle = other.pathTo(this);
      if (cycle) {
        throw new Error(`${script.where} cannot run after ${other.node.path}: that would make a cycle (${[this, ...cycle].map((s) => s.node.path).join(' -> ')}). Remove one of the orderings.`);
      }
      if (!this.orderedAfter.includes(other)) { this.orderedAfter.push(other); }
    }
  }

  /**
   * Deploys the given constructs of the same stack only after this script has run: their resources depend on
   * the script (and are deleted before it).
   */
  public runBefore(...constructs: IConstruct[]): void {
    const { script } = this.state();
    const resources = checkRunBefore(script, Stack.of(this), constructs);
    const own = resources.find((resource) => resource.node.scopes.includes(this));
    if (own) {
      throw new Error(`${script.where} cannot run before its own resource ${own.node.path}.`);
    }
    // The construct-level dependency: public on every aws-cdk-lib of the peer range, where CfnResource#addDependency
    // is deprecated on the newest and its replacement (addResourceDependency) missing on the oldest.
    for (const resource of resources) { resource.node.addDependency(this.resource.node.defaultChild as CfnResource); }
  }

  /**
   * Called by the subclass once what runs the code exists: creates the custom resource with the properties every
   * kind shares (trigger, parameters, run policy, timeout) around the kind's own, applies `connectTo`, `runAfter`
   * and `runBefore`, and registers the script with its provider and the stack's analysis.
   *
   * @internal
   */
  protected _start(script: ScriptRef, compute: ScriptCompute, spec: ScriptResourceSpec): void {
    const options = this.options;
    const { variables, connected } = planVariables(script, options, spec.bindings, compute.vpc, spec.otherVariables);
    this.started = { script, compute, variables };

    const stack = Stack.of(this);
    const parameters = options.parameters ?? {};
    const properties = {
      ...spec.properties.first,
      [PROP_TRIGGER]: this.trigger,
      [PROP_PARAMETERS]: stack.toJsonString(parameters),
      [PROP_RUN_POLICY]: this.runPolicy,
      ...spec.properties.then,
      [PROP_TIMEOUT_SECONDS]: String(spec.timeout.toSeconds()),
      ...retryProperties(options.retry),
      ...undoProperties(options),
    };
    const registry = ScriptRegistry.of(this);
    const runToken = this.runToken(registry);
    this.customResource = new CustomResource(this, 'Default', {
      serviceToken: spec.serviceToken,
      serviceTimeout: serviceTimeoutOf(script, options, spec.timeout),
      resourceType: spec.resourceType,
      properties: runToken === undefined ? properties : { ...properties, [PROP_RUN_TOKEN]: runToken },
    });
    const cfn = this.customResource.node.defaultChild as CfnResource;
    cfn.addOverride('DependsOn', new AnalysisValue(registry, (analysis) => {
      const dependsOn = analysis.dependsOn(cfn);
      return dependsOn.length > 0 ? dependsOn : undefined;
    }, undefined));

    this.node.addValidation({
      validate: () => {
        const secret = findSecretReference(stack.resolve(parameters));
        return secret ? [secretReferenceError(script, secret)] : [];
      },
    });

    for (const [target, binding, targetVariables] of connected) { this.applyBinding(target, binding, targetVariables); }
    this.runAfter(...options.runAfter ?? []);
    this.runBefore(...options.runBefore ?? []);
    // Last: once registered, the provider refers to the script's code, which a failed construction must not leave behind.
    spec.register({
      kind: script.kind,
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
    this.state().variables.claim(key, source);
  }

  /**
   * Adds an environment variable; throws if it is already set or its name is reserved.
   *
   * @internal
   */
  protected _addEnvironment(key: string, value: string): void {
    this._claimVariable(key, environmentSource(this.state().script));
    this.compute().setVariable(key, value);
  }

  private state() {
    if (!this.started) { throw new Error(`${this.node.path} is still being constructed.`); }
    return this.started;
  }

  private compute(): ScriptCompute {
    return this.state().compute;
  }

  /** Gives the script what connecting to `target` means, once its variables are checked and recorded. */
  private applyBinding(target: IConstruct, binding: TargetBinding, variables: ConnectedVariables): void {
    // First: it throws where the code cannot receive them, before the script is changed.
    if (binding.runTimeCredentials) { this.compute().addRunTimeCredentials(binding.runTimeCredentials, variables.nameOf, target); }
    for (const [key, value] of variables.environment) { this.compute().setVariable(key, value); }
    const role = this.compute().role;
    for (const statement of binding.statements ?? []) { this.addToRolePolicy(statement); }
    suppressConnectFindings(role, target.node.path, binding.kind, binding.statements ?? []);
    if (binding.grant) {
      // A grant's statements (a target's key) are the library's too.
      const before = policyFindingsOf(role);
      binding.grant(this, { scope: this, vpc: this.vpc });
      suppressGrantFindings(role, target.node.path, binding.kind, before);
    }
    for (const rule of binding.ingress ?? []) { this.allowTo(rule.peer, rule.port, rule.description); }
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
