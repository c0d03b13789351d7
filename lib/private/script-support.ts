import { CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import type { DeploymentScriptOptions, IDeploymentScript } from '../deployment-script-base';
import { bindTarget, TargetBinding, upperSnakeCase } from '../connect';
import { RunPolicy } from '../run-policy';
import { ScriptTrigger } from '../script-trigger';
import { EnvironmentTarget } from './environment';
import { ParametersOwner, validateParameters } from './parameters';
import { ScriptEntry } from './stack-analysis';
import { DEFAULT_VARIABLE_PREFIX, ScriptVariables } from './variables';

/** The kinds of deployment script, by class name: how messages name them. */
export type ScriptKind = ParametersOwner;

/** A connectTo target and what connecting to it gives. */
export type Bindings = ReadonlyArray<readonly [IConstruct, TargetBinding]>;

/**
 * What runs a deployment script's code (a Lambda function, a container task): how `DeploymentScriptBase` reaches it to
 * apply `connectTo`, `addEnvironment` and `addToRolePolicy`.
 */
export interface ScriptCompute {
  readonly kind: ScriptKind;
  /** 'script' or 'task', for messages. */
  readonly noun: string;
  /** The VPC the code runs in, if any. */
  readonly vpc?: ec2.IVpc;
  readonly grantPrincipal: iam.IPrincipal;
  /** The role the code runs with, for targets that bind resources to it. */
  readonly role?: iam.IRole;
  /** Which variable names the code's environment accepts. */
  readonly environmentTarget: EnvironmentTarget;
  /** The code's security groups; throws, naming the fix, when it runs in no VPC. */
  connections(): ec2.Connections;
  addToRolePolicy(statement: iam.PolicyStatement): void;
  /** Sets one environment variable of the code (checked and recorded by the caller). */
  setVariable(key: string, value: string): void;
}

/** The custom resource of a deployment script, and how it joins its provider and the stack's analysis. */
export interface ScriptResourceSpec {
  readonly serviceToken: string;
  readonly resourceType: string;
  /** The custom resource's properties, without the service token and the run token. */
  readonly properties: { [key: string]: any };
  /** The `parameters` prop, checked for secrets once the app is resolved. */
  readonly parameters: { [key: string]: any };
  /** Registers the script with its provider (grants) and the stack's analysis. */
  readonly register: (entry: ScriptEntry) => void;
  readonly bindings: Bindings;
  /** Variables set otherwise than through `environment` (a container's secrets), with where they come from. */
  readonly otherVariables?: ReadonlyArray<readonly [string, string]>;
  readonly runAfter?: IDeploymentScript[];
  readonly runBefore?: IConstruct[];
}

/** Binds each target; throws, naming the target, for a target of no known kind. */
export function bindAll(targets: IConstruct[] | undefined, path: string, kind: ScriptKind): Bindings {
  return (targets ?? []).map((target) => [target, bindTarget(target, path, kind)] as const);
}

/** Where a variable from the `environment` prop or `addEnvironment` comes from, in messages about clashes. */
export function environmentSource(noun: string): string {
  return `the ${noun}'s environment`;
}

/**
 * The ledger of a script's variables, filled from its props: `environment`, the variables set otherwise (a container's
 * secrets), then each connectTo target's. Throws, naming the prop and the fix, at the first that cannot be set. Run
 * on the props before the script is created, so that bad input leaves nothing behind, and again by the script itself.
 */
export function planVariables(kind: ScriptKind, noun: string, path: string, props: DeploymentScriptOptions, target: EnvironmentTarget,
  bindings: Bindings, vpc: ec2.IVpc | undefined, otherVariables: ReadonlyArray<readonly [string, string]> = []) {
  const variables = new ScriptVariables(`${kind} ${path}`, path, props.variablePrefix ?? DEFAULT_VARIABLE_PREFIX, target);
  for (const key of Object.keys(props.environment ?? {})) { variables.claim(key, environmentSource(noun)); }
  for (const [key, source] of otherVariables) { variables.claim(key, source); }
  const connected = bindings.map(([connectTarget, binding]) =>
    [connectTarget, binding, variables.connect(connectTarget, binding, upperSnakeCase(connectTarget.node.id), vpc, noun)] as const);
  return { variables, connected };
}

/** Checks that `scripts` are deployment scripts of `stack`; `where` names the script (`<kind> <path>`) in messages. */
export function checkRunAfter(where: string, noun: string, stack: Stack, scripts: readonly IConstruct[]): void {
  for (const script of scripts) {
    if (!isAnyDeploymentScript(script)) {
      throw new Error(`${where}: runAfter takes deployment scripts, got ${script.node.path}. To deploy a construct after the ${noun}, use runBefore.`);
    }
    if (Stack.of(script) !== stack) {
      throw new Error(`${where} cannot run after ${script.node.path}: it is in another stack (${Stack.of(script).node.path}). `
        + 'Scripts are ordered within a stack; order stacks with stack.addDependency().');
    }
  }
}

/** Checks that `constructs` are of `stack` and have resources to order; returns those resources. */
export function checkRunBefore(where: string, stack: Stack, constructs: readonly IConstruct[]): CfnResource[] {
  return constructs.flatMap((construct) => {
    if (Stack.of(construct) !== stack) {
      throw new Error(`${where} cannot run before ${construct.node.path}: it is in another stack (${Stack.of(construct).node.path}). `
        + 'Order stacks with stack.addDependency().');
    }
    const resources = construct.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource);
    if (resources.length === 0) {
      throw new Error(`${where} cannot run before ${construct.node.path}: it has no CloudFormation resource to order.`);
    }
    return resources;
  });
}

/** The VPC the targets live in, if any; throws if they live in different VPCs. */
export function inferVpc(kind: ScriptKind, noun: string, path: string, bindings: Bindings): ec2.IVpc | undefined {
  let found: [IConstruct, ec2.IVpc] | undefined;
  for (const [target, binding] of bindings) {
    if (!binding.vpc) { continue; }
    if (found && found[1].vpcId !== binding.vpc.vpcId) {
      throw new Error(`${kind} ${path}: connectTo targets live in different VPCs (${found[0].node.path} in ${found[1].node.path}, `
        + `${target.node.path} in ${binding.vpc.node.path}). A ${noun} runs in one VPC: give 'vpc' and connect to targets of that VPC only.`);
    }
    found = found ?? [target, binding.vpc];
  }
  return found?.[1];
}

/** The path a construct will have once created as `id` in `scope`. */
export function pathOf(scope: Construct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** Checks `trigger` and `runPolicy`, the first props every deployment script checks. */
export function validateTriggerAndPolicy(fail: (message: string) => never, props: DeploymentScriptOptions): void {
  if (!Object.values(ScriptTrigger).includes(props.trigger)) {
    fail(`'trigger' is ${JSON.stringify(props.trigger)}. Use ScriptTrigger.AFTER_DEPLOY or ScriptTrigger.BEFORE_DELETE.`);
  }
  if (props.runPolicy !== undefined && !Object.values(RunPolicy).includes(props.runPolicy)) {
    fail(`'runPolicy' is ${JSON.stringify(props.runPolicy)}. Use one of RunPolicy.${Object.keys(RunPolicy).join(', RunPolicy.')}.`);
  }
  if (props.runPolicy !== undefined && props.trigger === ScriptTrigger.BEFORE_DELETE) {
    fail(`'runPolicy' is RunPolicy.${Object.entries(RunPolicy).find(([, value]) => value === props.runPolicy)![0]} on a BEFORE_DELETE script, which runs `
      + 'only when the stack is deleted: a re-run policy decides which deployments run an AFTER_DEPLOY script again. Remove \'runPolicy\'.');
  }
}

/**
 * Checks `parameters`, `environment`, `connectTo` (its targets bound in `input`: binding is pure), `variablePrefix`,
 * `runAfter` and `runBefore`, the last props every deployment script checks before it is created, so that a script
 * that cannot be created leaves nothing behind. `input.vpc` is the VPC the script will run in.
 */
export function validateInputs(kind: ScriptKind, noun: string, scope: Construct, path: string, props: DeploymentScriptOptions,
  target: EnvironmentTarget, input: { bindings: Bindings; vpc?: ec2.IVpc; otherVariables?: ReadonlyArray<readonly [string, string]> }): void {
  validateParameters(path, props.parameters ?? {}, Stack.of(scope), kind);
  planVariables(kind, noun, path, props, target, input.bindings, input.vpc, input.otherVariables);
  const stack = Stack.of(scope);
  checkRunAfter(`${kind} ${path}`, noun, stack, props.runAfter ?? []);
  checkRunBefore(`${kind} ${path}`, stack, props.runBefore ?? []);
}

const BASE_SYMBOL = Symbol.for('cdk-deployment-script.DeploymentScriptBase');

/** Marks a construct as a deployment script of any kind (robust to several copies of the library). */
export function markDeploymentScript(script: IConstruct): void {
  Object.defineProperty(script, BASE_SYMBOL, { value: true });
}

/** Whether `x` is a deployment script of any kind (`DeploymentScript`, `DeploymentTask`). */
export function isAnyDeploymentScript(x: unknown): boolean {
  return x !== null && typeof x === 'object' && BASE_SYMBOL in x;
}

/**
 * What a stack holds before a deployment script is created in `scope`. If the script's construction fails after it
 * joined the tree (a check only aws-cdk-lib makes, an esbuild error), `withdraw` takes the script out again, with what
 * it added to the stack itself (a provider created for it), so that a caller who catches the error still has the
 * app it had.
 */
export function stackChildrenOf(scope: Construct): Set<IConstruct> {
  return new Set(Stack.of(scope).node.children);
}

/** Takes a script whose construction failed out of the tree, with the stack's children created since `before`. */
export function withdraw(script: Construct, before: Set<IConstruct>): void {
  const stack = Stack.of(script);
  script.node.scope?.node.tryRemoveChild(script.node.id);
  for (const child of stack.node.children) {
    if (!before.has(child)) { stack.node.tryRemoveChild(child.node.id); }
  }
}
