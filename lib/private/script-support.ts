import { CfnResource, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { bindTarget, connectOptionsOf, RunTimeCredentials, TargetBinding, upperSnakeCase } from '../connect';
import { PROP_RETRY_ATTEMPTS, PROP_RETRY_BACKOFF_SECONDS, PROP_UNDO_ON_ROLLBACK } from '../../lambda-runtime/shared/consts';
import { DeploymentScriptOptions } from '../deployment-script-options';
import { RetryOptions } from '../retry-options';
import { RunPolicy } from '../run-policy';
import { ScriptTrigger } from '../script-trigger';
import { validateParameters } from './parameters';
import { ScriptRef } from './script-ref';
import { ScriptEntry } from './stack-analysis';
import { DEFAULT_VARIABLE_PREFIX, ScriptVariables } from './variables';

/** A connectTo target, what connecting to it gives, and its name if given (`Connect.to(target, { name })`). */
export type Bindings = ReadonlyArray<readonly [IConstruct, TargetBinding, string?]>;

/** Variables set otherwise than through `environment` (a container's secrets), with where they come from. */
export type OtherVariables = ReadonlyArray<readonly [string, string]>;

/**
 * What runs a deployment script's code (a Lambda function, a container task): how `DeploymentScriptBase` reaches it to
 * apply `connectTo`, `addEnvironment` and `addToRolePolicy`.
 */
export interface ScriptCompute {
  /** The VPC the code runs in, if any. */
  readonly vpc?: ec2.IVpc;
  readonly grantPrincipal: iam.IPrincipal;
  /** The role the code runs with, for targets that bind resources to it. */
  readonly role?: iam.IRole;
  /** The code's security groups; throws, naming the fix, when it runs in no VPC. */
  connections(): ec2.Connections;
  addToRolePolicy(statement: iam.PolicyStatement): void;
  /** Sets one environment variable of the code (checked and recorded by the caller). */
  setVariable(key: string, value: string): void;
  /**
   * Gives the code a secret's values when it runs, never in its configuration (the variables are checked and
   * recorded by the caller; `nameOf` names them); throws, naming the fix, where the code cannot receive them.
   */
  addRunTimeCredentials(credentials: RunTimeCredentials, nameOf: (variable: string) => string, target: IConstruct): void;
}

/**
 * The custom resource of a deployment script, as far as its kind decides it, and how it joins its provider and the
 * stack's analysis. What every kind shares (trigger, parameters, run policy, timeout) the base writes itself.
 */
export interface ScriptResourceSpec {
  readonly serviceToken: string;
  readonly resourceType: string;
  /**
   * The kind's own properties: `first` before the shared ones, `then` after them. The order of a resource's
   * properties is part of its template, so each stays where it has always been.
   */
  readonly properties: { readonly first?: { [key: string]: any }; readonly then?: { [key: string]: any } };
  /** How long the script may run, its kind's default applied. */
  readonly timeout: Duration;
  /** Registers the script with its provider (grants) and the stack's analysis. */
  readonly register: (entry: ScriptEntry) => void;
  /** The connectTo targets of the props, bound once before the script was created. */
  readonly bindings: Bindings;
  readonly otherVariables?: OtherVariables;
}

/** The longest CloudFormation waits for a custom resource to answer: its `ServiceTimeout` takes 1 to 3600 seconds. */
const MAX_SERVICE_TIMEOUT_SECONDS = 3600;

/** The wait after the first failed attempt of a script that takes retries, when `retry.backoff` is not given. */
const DEFAULT_RETRY_BACKOFF = Duration.seconds(10);

/**
 * Checks `retry`: attempts and a back-off that the runtime can honour. Only settings that can never give a second
 * attempt are refused: attempts that add up to more than the provider's time are accepted, since a transient failure
 * (a refused connection) fails in seconds, not at the timeout; the runtime starts an attempt only when it fits.
 */
export function validateRetry(script: ScriptRef, props: DeploymentScriptOptions, timeout: Duration): void {
  const retry = props.retry;
  if (retry === undefined) { return; }
  const { attempts } = retry;
  if (Token.isUnresolved(attempts) || !Number.isInteger(attempts) || attempts < 2) {
    script.fail(`'retry.attempts' is ${Token.isUnresolved(attempts) ? 'a token' : attempts}. It counts every run of the ${script.noun}, the first `
      + `included, and must be known at synth: give a whole number, 2 or more (e.g. retry: { attempts: 3 }), or leave 'retry' out for no retries.`);
  }
  const backoff = retry.backoff ?? DEFAULT_RETRY_BACKOFF;
  if (Token.isUnresolved(backoff.toMilliseconds())) { return; }
  if (backoff.toMilliseconds() % 1000 !== 0) {
    script.fail(`'retry.backoff' is ${backoff.toHumanString()}: the wait between attempts is a whole number of seconds. Give e.g. Duration.seconds(10).`);
  }
  const seconds = Token.isUnresolved(timeout.toSeconds()) ? undefined : timeout.toSeconds();
  if (seconds !== undefined && seconds + backoff.toSeconds() > script.attemptsLimitSeconds) {
    script.fail(`'retry.backoff' is ${backoff.toHumanString()}: after it, a second attempt, which may run for the ${script.noun}'s timeout `
      + `(${timeout.toHumanString()}), can never end within the ${Duration.seconds(script.attemptsLimitSeconds).toHumanString()} that all the `
      + `attempts of a ${script.kind} may take, so it would never start. Lower 'retry.backoff' or 'timeout'.`);
  }
}

/** The custom resource properties of `retry` (lambda-runtime/shared/retry.ts reads them); none without retries. */
export function retryProperties(retry: RetryOptions | undefined): { [key: string]: string } {
  if (retry === undefined) { return {}; }
  return {
    [PROP_RETRY_ATTEMPTS]: String(retry.attempts),
    [PROP_RETRY_BACKOFF_SECONDS]: String((retry.backoff ?? DEFAULT_RETRY_BACKOFF).toSeconds()),
  };
}

/**
 * How long a script may run in all, in seconds: its timeout; with retries, every attempt to its timeout and the waits
 * between them, as far as the time its runtime has allows. `undefined` when a token hides it.
 */
export function runSecondsOf(script: ScriptRef, props: DeploymentScriptOptions, timeout: Duration): number | undefined {
  const seconds = Token.isUnresolved(timeout.toSeconds()) ? undefined : timeout.toSeconds();
  const retry = props.retry;
  if (seconds === undefined || retry === undefined) { return seconds; }
  const backoff = (retry.backoff ?? DEFAULT_RETRY_BACKOFF).toSeconds();
  if (Token.isUnresolved(backoff)) { return script.attemptsLimitSeconds; }
  let total = seconds;
  for (let attempt = 1; attempt < retry.attempts && total < script.attemptsLimitSeconds; attempt++) {
    total += backoff * 2 ** (attempt - 1) + seconds + script.retryMarginSeconds;
  }
  return Math.min(total, script.attemptsLimitSeconds);
}

/**
 * The custom resource's `ServiceTimeout`: the script's timeout (all its attempts, with retries) and what its provider
 * needs around it, so that a provider that never answers fails the deployment in minutes, not after CloudFormation's
 * hour. A given `serviceTimeout` that cannot fit the script's own limit is rejected, naming the fix.
 */
export function serviceTimeoutOf(script: ScriptRef, props: DeploymentScriptOptions, timeout: Duration): Duration {
  const seconds = runSecondsOf(script, props, timeout);
  const least = seconds === undefined ? undefined : Math.min(seconds + script.answerMarginSeconds, MAX_SERVICE_TIMEOUT_SECONDS);
  const given = props.serviceTimeout;
  if (given === undefined) {
    return Duration.seconds(least ?? MAX_SERVICE_TIMEOUT_SECONDS);
  }
  if (Token.isUnresolved(given.toMilliseconds())) { return given; }
  const givenMilliseconds = given.toMilliseconds();
  if (givenMilliseconds % 1000 !== 0 || givenMilliseconds > MAX_SERVICE_TIMEOUT_SECONDS * 1000) {
    script.fail(`'serviceTimeout' is ${given.toHumanString()}. CloudFormation waits a whole number of seconds, an hour at most: `
      + 'give at most Duration.hours(1), or leave it out.');
  }
  if (least !== undefined && givenMilliseconds < least * 1000) {
    const runs = props.retry ? `the time its ${props.retry.attempts} attempts may take (${Duration.seconds(seconds!).toHumanString()})` : `the ${script.noun}'s timeout (${timeout.toHumanString()})`;
    script.fail(`'serviceTimeout' is ${given.toHumanString()}, less than ${runs} plus the `
      + `${script.answerMarginSeconds / 60} minutes its provider needs around it: CloudFormation would fail the resource while the ${script.noun} `
      + `still runs. Give at least ${Duration.seconds(least).toHumanString()}, or lower 'timeout'.`);
  }
  return given;
}

/**
 * Binds each target (a `Connect` at its access level, under its name); throws, naming the target, for a target of no
 * known kind or a level it cannot honour.
 */
export function bindAll(targets: IConstruct[] | undefined, script: ScriptRef): Bindings {
  return (targets ?? []).map((entry) => {
    const { target, options } = connectOptionsOf(entry);
    return [target, bindTarget(target, script, options.access), options.name] as const;
  });
}

/** Where a variable from the `environment` prop or `addEnvironment` comes from, in messages about clashes. */
export function environmentSource(script: ScriptRef): string {
  return `the ${script.noun}'s environment`;
}

/**
 * The ledger of a script's variables, filled from its props: `environment`, the variables set otherwise (a container's
 * secrets), then each connectTo target's. Throws, naming the prop and the fix, at the first that cannot be set. Run
 * on the props before the script is created, so that bad input leaves nothing behind, and again by the script itself.
 */
export function planVariables(script: ScriptRef, props: DeploymentScriptOptions, bindings: Bindings, vpc: ec2.IVpc | undefined,
  otherVariables: OtherVariables = []) {
  const variables = new ScriptVariables(script, props.variablePrefix ?? DEFAULT_VARIABLE_PREFIX);
  for (const key of Object.keys(props.environment ?? {})) { variables.claim(key, environmentSource(script)); }
  for (const [key, source] of otherVariables) { variables.claim(key, source); }
  const connected = bindings.map(([target, binding, name]) =>
    [target, binding, variables.connect(target, binding, name ?? upperSnakeCase(target.node.id), vpc)] as const);
  return { variables, connected };
}

/** Checks that `others` are deployment scripts of `stack`, which `script` can run after. */
export function checkRunAfter(script: ScriptRef, stack: Stack, others: readonly IConstruct[]): void {
  for (const other of others) {
    if (!isAnyDeploymentScript(other)) {
      script.fail(`runAfter takes deployment scripts, got ${other.node.path}. To deploy a construct after the ${script.noun}, use runBefore.`);
    }
    if (Stack.of(other) !== stack) {
      throw new Error(`${script.where} cannot run after ${other.node.path}: it is in another stack (${Stack.of(other).node.path}). `
        + 'Scripts are ordered within a stack; order stacks with stack.addDependency().');
    }
  }
}

/** Checks that `constructs` are of `stack` and have resources to order; returns those resources. */
export function checkRunBefore(script: ScriptRef, stack: Stack, constructs: readonly IConstruct[]): CfnResource[] {
  const where = script.where;
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
export function inferVpc(script: ScriptRef, bindings: Bindings): ec2.IVpc | undefined {
  let found: [IConstruct, ec2.IVpc] | undefined;
  for (const [target, binding] of bindings) {
    if (!binding.vpc) { continue; }
    if (found && found[1].vpcId !== binding.vpc.vpcId) {
      script.fail(`connectTo targets live in different VPCs (${found[0].node.path} in ${found[1].node.path}, `
        + `${target.node.path} in ${binding.vpc.node.path}). A ${script.noun} runs in one VPC: give 'vpc' and connect to targets of that VPC only.`);
    }
    found = found ?? [target, binding.vpc];
  }
  return found?.[1];
}

/** Checks `trigger` and `runPolicy`, the first props every deployment script checks. */
export function validateTriggerAndPolicy(script: ScriptRef, props: DeploymentScriptOptions): void {
  const fail = (message: string) => script.fail(message);
  if (!Object.values(ScriptTrigger).includes(props.trigger)) {
    fail(`'trigger' is ${JSON.stringify(props.trigger)}. Use ScriptTrigger.AFTER_DEPLOY or ScriptTrigger.BEFORE_DELETE.`);
  }
  if (props.runPolicy !== undefined && !Object.values(RunPolicy).includes(props.runPolicy)) {
    fail(`'runPolicy' is ${JSON.stringify(props.runPolicy)}. Use one of RunPolicy.${Object.keys(RunPolicy).join(', RunPolicy.')}.`);
  }
  validateUndoOnRollback(script, props);
  if (props.runPolicy !== undefined && props.trigger === ScriptTrigger.BEFORE_DELETE) {
    fail(`'runPolicy' is RunPolicy.${Object.entries(RunPolicy).find(([, value]) => value === props.runPolicy)![0]} on a BEFORE_DELETE script, which runs `
      + 'only when the stack is deleted: a re-run policy decides which deployments run an AFTER_DEPLOY script again. Remove \'runPolicy\'.');
  }
}

/** Checks `undoOnRollback`: only an `AFTER_DEPLOY` script has a deployment to roll back. */
export function validateUndoOnRollback(script: ScriptRef, props: DeploymentScriptOptions): void {
  if (props.undoOnRollback === undefined) { return; }
  if (typeof props.undoOnRollback !== 'boolean') {
    script.fail(`'undoOnRollback' is ${JSON.stringify(props.undoOnRollback)}. Give true or false, known at synth.`);
  }
  if (props.undoOnRollback && props.trigger === ScriptTrigger.BEFORE_DELETE) {
    script.fail(`'undoOnRollback' is true on a BEFORE_DELETE ${script.noun}, which runs only when the stack is deleted, and a deletion does not `
      + `roll back. Remove 'undoOnRollback', or make it an AFTER_DEPLOY ${script.noun} to undo its run when its deployment rolls back.`);
  }
}

/** The custom resource property of `undoOnRollback`; none unless it is true, so that other templates do not change. */
export function undoProperties(props: DeploymentScriptOptions): { [key: string]: string } {
  return props.undoOnRollback ? { [PROP_UNDO_ON_ROLLBACK]: 'true' } : {};
}

/**
 * Checks `parameters`, `environment`, `connectTo` (its targets bound in `input`: binding is pure), `variablePrefix`,
 * `runAfter` and `runBefore`, the last props every deployment script checks before it is created, so that a script
 * that cannot be created leaves nothing behind. `input.vpc` is the VPC the script will run in.
 */
export function validateInputs(script: ScriptRef, scope: Construct, props: DeploymentScriptOptions,
  input: { bindings: Bindings; vpc?: ec2.IVpc; otherVariables?: OtherVariables }): void {
  const stack = Stack.of(scope);
  // aws-cdk-lib builds a logical id from the path below the stack, leaving out 'Default': the custom resource's own id.
  if (script.path.slice(stack.node.path.length).split('/').filter((id) => id !== '').every((id) => id === 'Default')) {
    script.fail("its id is 'Default', which aws-cdk-lib leaves out of logical ids, and so is its custom resource's: "
      + 'the resource would have no logical id. Give the script another id.');
  }
  validateParameters(script, props.parameters ?? {}, stack);
  planVariables(script, props, input.bindings, input.vpc, input.otherVariables);
  checkRunAfter(script, stack, props.runAfter ?? []);
  checkRunBefore(script, stack, props.runBefore ?? []);
  validateRetry(script, props, script.timeoutOf(props.timeout));
  serviceTimeoutOf(script, props, script.timeoutOf(props.timeout));
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
