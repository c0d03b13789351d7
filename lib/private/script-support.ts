import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import type { DeploymentScriptOptions, IDeploymentScript } from '../deployment-script-base';
import { bindTarget, TargetBinding } from '../connect';
import { RunPolicy } from '../run-policy';
import { ScriptTrigger } from '../script-trigger';
import { EnvironmentTarget, validateEnvironmentKey } from './environment';
import { ParametersOwner, validateParameters } from './parameters';
import { ScriptEntry } from './stack-analysis';

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
export function bindAll(targets: IConstruct[] | undefined, path: string): Bindings {
  return (targets ?? []).map((target) => [target, bindTarget(target, path)] as const);
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
}

/**
 * Checks `parameters`, `connectTo` and `environment`, the last props every deployment script checks. Binding is pure:
 * done here too so that a target that cannot be connected leaves nothing behind.
 */
export function validateInputs(kind: ScriptKind, noun: string, scope: Construct, path: string, props: DeploymentScriptOptions,
  target: EnvironmentTarget): void {
  validateParameters(path, props.parameters ?? {}, Stack.of(scope), kind);
  inferVpc(kind, noun, path, bindAll(props.connectTo, path));
  const environment: { [key: string]: string } = {};
  for (const [key, value] of Object.entries(props.environment ?? {})) {
    validateEnvironmentKey(path, key, environment, target);
    environment[key] = value;
  }
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
