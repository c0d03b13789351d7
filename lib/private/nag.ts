import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { VPC_ACCESS_ACTIONS } from './lambda-logs';
import { ProviderSettings, resultParametersArnOf, stackArnOf } from './provider-support';

/*
 * Suppressions of cdk-nag findings on the resources this library creates, written as the `cdk_nag` metadata that
 * cdk-nag 2 reads from each CfnResource and the acknowledgments cdk-nag 3 reads from its construct, so the library
 * does not depend on cdk-nag. Each suppression names one
 * rule, the exact findings it covers (`applies_to`) and why: a user running cdk-nag sees a finding of ours only
 * where the choice is theirs (the runtime, role and permissions of their own script).
 */

/** A rule suppressed on a resource, as cdk-nag reads it. */
export interface NagSuppression {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding does not apply (cdk-nag asks for 10 characters at least). */
  readonly reason: string;
  /** The findings of the rule it covers, exactly as cdk-nag words them. Omit only for a rule without findings. */
  readonly appliesTo?: string[];
}

/**
 * Adds suppressions to the `cdk_nag` metadata of a resource, keeping those already there (the user's too). Rules
 * with the same id and reason are one rule whose findings add up, so that a suppression repeated for each script
 * of a stack stays one entry.
 */
export function addNagSuppressions(resource: CfnResource, suppressions: NagSuppression[]): void {
  if (!writesSuppressions(resource)) { return; }
  const rules: any[] = [...(resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [])];
  for (const { id, reason, appliesTo } of suppressions) {
    const same = rules.find((rule) => rule.id === id && rule.reason === reason);
    if (!same) {
      rules.push(appliesTo ? { id, reason, applies_to: [...appliesTo] } : { id, reason });
    } else if (appliesTo && same.applies_to) {
      same.applies_to = [...new Set([...same.applies_to, ...appliesTo])];
    }
  }
  resource.addMetadata('cdk_nag', { rules_to_suppress: rules });
  // cdk-nag 3 reads acknowledgments (aws-cdk-lib's Validations.of(resource).acknowledge, whose metadata this is, written
  // directly: the class is newer than the aws-cdk-lib the library needs), one for each finding.
  const acknowledged: { [id: string]: string } = {};
  for (const { id, reason, appliesTo } of suppressions) {
    for (const finding of appliesTo ? appliesTo.map((f) => `${id}[${f}]`) : [id]) { acknowledged[finding] = reason; }
  }
  resource.node.addMetadata(ACKNOWLEDGED_RULES, acknowledged);
}

/** The metadata of aws-cdk-lib's `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`, which cdk-nag 3 reads. */
const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';

/**
 * The finding that a function of this library is not on the newest Lambda runtime aws-cdk-lib knows (AwsSolutions-L1
 * on aws-cdk-lib releases newer than the runtime the library chose). The library's runtimes are pinned, each on a
 * runtime Lambda supports: a runtime that moved with aws-cdk-lib would change the provider's functions (or, for a
 * script's default, the script itself, and run it again) on an upgrade of aws-cdk-lib alone.
 */
export function suppressPinnedRuntime(fn: lambda.Function, whose: string): void {
  addNagSuppressions(fn.node.defaultChild as CfnResource, [{
    id: 'AwsSolutions-L1',
    reason: `${whose} is pinned to ${fn.runtime.name}, which Lambda supports, so that upgrading aws-cdk-lib alone does not change it; `
      + 'the library moves it in its own releases.',
  }]);
}

/** The packs besides AwsSolutions whose rules of the same name the library answers alike. */
const COMPLIANCE_PACKS = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];

/** The rules of those packs that PCI DSS 3.2.1 does not have (the library writes no suppression it cannot need). */
const NOT_IN_PCI = new Set(['LambdaConcurrency', 'LambdaDLQ']);

/** A rule of HIPAA Security, NIST 800-53 R5 and PCI DSS 3.2.1, in each of them that has it. */
function inEveryPack(rule: string, reason: string): NagSuppression[] {
  return COMPLIANCE_PACKS.filter((pack) => !(pack === 'PCI.DSS.321' && NOT_IN_PCI.has(rule))).map((pack) => ({ id: `${pack}-${rule}`, reason }));
}

/**
 * The context key that leaves the suppressions out of the template and the cloud assembly (`false`), for an app
 * that no checker reads: they are about a third of the template of a stack of scripts. README "## cdk-nag".
 */
export const SUPPRESSIONS_CONTEXT = 'cdk-deployment-script:suppressions';

/** Whether the app wants the suppressions written: unless its context says `false` (cdk.json gives a boolean, `-c` a string). */
function writesSuppressions(resource: CfnResource): boolean {
  const value = resource.node.tryGetContext(SUPPRESSIONS_CONTEXT);
  return value !== false && value !== 'false';
}

/** A check of checkov skipped on a resource, as checkov reads it from the resource's `Metadata`. */
interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/** Adds checks to the `checkov` metadata of a resource (`skip`), keeping those already there. */
export function addCheckovSkips(resource: CfnResource, skips: CheckovSkip[]): void {
  if (!writesSuppressions(resource)) { return; }
  const skip: CheckovSkip[] = [...(resource.getMetadata('checkov')?.skip ?? [])];
  for (const entry of skips) {
    if (!skip.some((s) => s.id === entry.id)) { skip.push(entry); }
  }
  resource.addMetadata('checkov', { skip });
}

/**
 * Why a function of the provider has no reserved concurrency or dead-letter queue and, unless the providers are
 * configured with them (`DeploymentProviders.configure`), no VPC or customer-managed key; in a VPC, why its role's
 * network interface statement is on `Resource: "*"`.
 */
function suppressProviderFunction(fn: lambda.Function, invokedBy: string, settings: ProviderSettings): void {
  const resource = fn.node.defaultChild as CfnResource;
  const concurrency = `${invokedBy}, for the custom resources of this stack only: a few requests a deployment, never a load to reserve capacity for.`;
  const dlq = `${invokedBy}; a request that fails is answered to CloudFormation, which fails the resource: a queued event would never be answered.`;
  const vpc = 'It calls only AWS APIs (CloudFormation, Lambda, SSM, ECS) and the response URL CloudFormation gives: it reaches nothing in a VPC.';
  const env = "Its environment holds the stack's id and the ARNs of the provider's functions, no secret.";
  addNagSuppressions(resource, [
    ...inEveryPack('LambdaConcurrency', concurrency),
    ...inEveryPack('LambdaDLQ', dlq),
    ...settings.vpc ? [] : inEveryPack('LambdaInsideVPC', vpc),
  ]);
  addCheckovSkips(resource, [
    { id: 'CKV_AWS_115', comment: concurrency },
    { id: 'CKV_AWS_116', comment: dlq },
    ...settings.vpc ? [] : [{ id: 'CKV_AWS_117', comment: vpc }],
    ...settings.encryptionKey ? [] : [{ id: 'CKV_AWS_173', comment: env }],
  ]);
  if (settings.vpc) { suppressVpcAccess(cfnOf(fn.role?.node.tryFindChild('DefaultPolicy')) ?? cfnOf(fn.role)); }
}

/** Why the network interface statement of a function in a VPC is on `Resource: "*"`, on its policy or role. */
function suppressVpcAccess(resource: CfnResource | undefined): void {
  if (!resource) { return; }
  const reason = `Lambda manages the network interfaces of a function in a VPC with its role; EC2 grants ${VPC_ACCESS_ACTIONS.join(', ')} only on Resource '*'.`;
  addNagSuppressions(resource, [{ id: 'AwsSolutions-IAM5', reason, appliesTo: ['Resource::*'] }]);
  addCheckovSkips(resource, [{ id: 'CKV_AWS_111', comment: reason }]);
}

/** Why the policies of a role the library created for its own use are the role's own (inline). */
function suppressInlinePolicies(policy: IConstruct | undefined): void {
  const resource = cfnOf(policy);
  if (!resource) { return; }
  // Short: it is written on each script's policies.
  addNagSuppressions(resource, inEveryPack('IAMNoInlinePolicy', "The library's role's own policy, deleted with it."));
}

/** The framework's invoke statements: a function of the library, named exactly, any version or alias of it. */
function invokeFindings(functions: lambda.IFunction[]): string[] {
  return functions.map((fn) => `Resource::${flatten(Stack.of(fn).resolve(fn.functionArn))}:*`);
}

/** Why the provider's log group has no customer-managed key, unless it has one. */
function suppressProviderLogGroup(logGroup: logs.LogGroup, settings: ProviderSettings): void {
  if (settings.encryptionKey) { return; }
  const resource = logGroup.node.defaultChild as CfnResource;
  const reason = "The provider's log: request ids, stack statuses and the failure reasons CloudFormation shows too, encrypted by CloudWatch Logs.";
  addNagSuppressions(resource, inEveryPack('CloudWatchLogGroupEncrypted', reason));
  addCheckovSkips(resource, [{ id: 'CKV_AWS_158', comment: reason }]);
}

/**
 * The provider's own findings: its runtime function (this library's) and the Provider framework's function
 * (aws-cdk-lib's), their roles and policies, and their log group. Call once, when the provider is created.
 */
export function suppressProviderFindings(runtimeFunction: lambda.Function, provider: IConstruct, logGroup: logs.LogGroup,
  settings: ProviderSettings): void {
  const stack = Stack.of(runtimeFunction);
  suppressPinnedRuntime(runtimeFunction, "The provider's runtime");
  suppressProviderFunction(runtimeFunction, 'Invoked by the Provider framework', settings);
  suppressProviderLogGroup(logGroup, settings);
  // The provider's roles hold their statements inline (lib/private/provider.ts): the findings are the roles'.
  const runtimeRole = cfnOf(runtimeFunction.role);
  if (runtimeRole) {
    suppressInlinePolicies(runtimeFunction.role);
    addNagSuppressions(runtimeRole, [...stackFindings(stack), ...resultFindings(stack)]);
  }

  const framework = provider.node.tryFindChild('framework-onEvent');
  if (framework instanceof lambda.Function) {
    const frameworkFunction = framework.node.defaultChild as CfnResource;
    addNagSuppressions(frameworkFunction, [FRAMEWORK_RUNTIME]);
    suppressProviderFunction(framework, 'Invoked by CloudFormation', settings);
    const frameworkRole = cfnOf(framework.role);
    if (frameworkRole) {
      suppressInlinePolicies(framework.role);
      addNagSuppressions(frameworkRole, [{ id: 'AwsSolutions-IAM5', reason: FRAMEWORK_INVOKE, appliesTo: invokeFindings([runtimeFunction]) }]);
    }
  }
}

const FRAMEWORK_RUNTIME: NagSuppression = {
  id: 'AwsSolutions-L1',
  reason: "aws-cdk-lib's custom resource Provider framework chooses the runtime of its own function; it follows aws-cdk-lib upgrades.",
};
const FRAMEWORK_INVOKE = "The Provider framework invokes this library's runtime function, named exactly; the wildcard is any version or alias of it (aws-cdk-lib's grantInvoke).";

/** DescribeStacks on the stack, whatever its id's suffix. */
function stackFindings(stack: Stack): NagSuppression[] {
  return [{
    id: 'AwsSolutions-IAM5',
    reason: "cloudformation:DescribeStacks on this stack only: the wildcard stands for the stack id's unique suffix, unknown until the stack exists.",
    appliesTo: [`Resource::${flatten(stack.resolve(stackArnOf(stack)))}`],
  }];
}

/** The parameters of the scripts' results. */
function resultFindings(stack: Stack): NagSuppression[] {
  return [{
    id: 'AwsSolutions-IAM5',
    reason: "The parameters where the runtime keeps the results of this stack's scripts, one per script, under this stack's own prefix.",
    appliesTo: [`Resource::${flatten(stack.resolve(resultParametersArnOf(stack)))}`],
  }];
}

/**
 * The task provider's own findings: its two functions (this library's), the Provider framework's three and its
 * waiter state machine (aws-cdk-lib's), their roles, and the log group. Call once, when the provider is created.
 */
export function suppressTaskProviderFindings(taskProvider: DeploymentTaskProviderFunctions, provider: IConstruct, logGroup: logs.LogGroup,
  settings: ProviderSettings): void {
  const stack = Stack.of(provider);
  const { onEventFunction, isCompleteFunction } = taskProvider;
  suppressProviderLogGroup(logGroup, settings);
  for (const fn of [onEventFunction, isCompleteFunction]) {
    suppressPinnedRuntime(fn, "The task provider's runtime");
    suppressProviderFunction(fn, 'Invoked by the Provider framework', settings);
    suppressInlinePolicies(fn.role?.node.tryFindChild('DefaultPolicy'));
  }
  addNagSuppressions(defaultPolicyOf(onEventFunction.role)!, [...stackFindings(stack), ...resultFindings(stack)]);
  addNagSuppressions(defaultPolicyOf(isCompleteFunction.role)!, resultFindings(stack));

  for (const fn of provider.node.children.filter((c): c is lambda.Function => c instanceof lambda.Function)) {
    addNagSuppressions(fn.node.defaultChild as CfnResource, [FRAMEWORK_RUNTIME]);
    suppressProviderFunction(fn, fn.node.id === 'framework-onEvent' ? 'Invoked by CloudFormation' : "Invoked by the framework's waiter state machine", settings);
    suppressInlinePolicies(fn.role?.node.tryFindChild('DefaultPolicy'));
    addNagSuppressions(defaultPolicyOf(fn.role)!, [{
      id: 'AwsSolutions-IAM5', reason: FRAMEWORK_INVOKE, appliesTo: invokeFindings([onEventFunction, isCompleteFunction]),
    }]);
  }

  const waiter = provider.node.tryFindChild('waiter-state-machine');
  const stateMachine = cfnOf(waiter);
  if (waiter && stateMachine) {
    const frameworkFunctions = ['framework-isComplete', 'framework-onTimeout']
      .map((id) => provider.node.tryFindChild(id)).filter((c): c is lambda.Function => c instanceof lambda.Function);
    const waiterRole = waiter.node.tryFindChild('Role');
    suppressInlinePolicies(waiterRole?.node.tryFindChild('DefaultPolicy'));
    const waiterPolicy = cfnOf(waiterRole?.node.tryFindChild('DefaultPolicy'));
    if (waiterPolicy) {
      addNagSuppressions(waiterPolicy, [{
        id: 'AwsSolutions-IAM5',
        reason: "The Provider framework's waiter invokes the framework's own isComplete and onTimeout functions, named exactly; the wildcard is any version or alias of them.",
        appliesTo: invokeFindings(frameworkFunctions),
      }]);
    }
    const reason = "aws-cdk-lib's Provider framework waiter only calls the framework's isComplete function until the task stops; "
      + "those functions log each call. Logging the state machine would need logs:*LogDelivery on Resource '*'.";
    addNagSuppressions(stateMachine, [
      { id: 'AwsSolutions-SF1', reason },
      { id: 'AwsSolutions-SF2', reason: "aws-cdk-lib's Provider framework waiter: a loop of one function, traced by that function's log." },
    ]);
  }
}

/** What `suppressTaskProviderFindings` reads of the task provider. */
export interface DeploymentTaskProviderFunctions {
  readonly onEventFunction: lambda.Function;
  readonly isCompleteFunction: lambda.Function;
}

/** The statement that lets the task provider describe and stop the tasks of a cluster. */
export function suppressTaskClusterFinding(isCompleteFunction: lambda.Function, taskArns: string): void {
  const policy = defaultPolicyOf(isCompleteFunction.role);
  if (!policy) { return; }
  addNagSuppressions(policy, [{
    id: 'AwsSolutions-IAM5',
    reason: "ecs:DescribeTasks and ecs:StopTask on the tasks of one cluster the stack's tasks run in, on the condition of that cluster: a task's id is known only once it runs.",
    appliesTo: [`Resource::${flatten(Stack.of(isCompleteFunction).resolve(taskArns))}`],
  }]);
}

/** The policies the library gives the role it creates for a script's function (lib/deployment-script.ts). */
export interface ScriptPolicies {
  /** The statements on the script's log group. */
  readonly logPolicy?: iam.Policy;
  /** The network interface actions of a script in a VPC. */
  readonly vpcPolicy?: iam.Policy;
}

/**
 * A script's function: what the library answers for (its invocation, its role's own policies); what the user decides
 * (the runtime, a VPC, the key of its environment, the statements the user adds) stays reported.
 */
export function suppressScriptFindings(fn: lambda.Function, policies: ScriptPolicies): void {
  const resource = fn.node.defaultChild as CfnResource;
  // Short: they are written on each script.
  const concurrency = "Run by the stack's provider only, never twice at once.";
  const dlq = 'Invoked synchronously by the provider, which reports failures.';
  addNagSuppressions(resource, [...inEveryPack('LambdaConcurrency', concurrency), ...inEveryPack('LambdaDLQ', dlq)]);
  addCheckovSkips(resource, [{ id: 'CKV_AWS_115', comment: concurrency }, { id: 'CKV_AWS_116', comment: dlq }]);
  const { logPolicy, vpcPolicy } = policies;
  suppressInlinePolicies(logPolicy);
  suppressInlinePolicies(vpcPolicy);
  const logResource = cfnOf(logPolicy);
  if (logPolicy && logResource) {
    const json = Stack.of(fn).resolve(logPolicy.document.toJSON());
    const wildcards = (json?.Statement ?? []).flatMap((statement: any) => [statement.Resource].flat())
      .map(flatten).filter((flat: string) => flat.includes('*'));
    if (wildcards.length > 0) {
      addNagSuppressions(logResource, [{
        id: 'AwsSolutions-IAM5',
        reason: "The streams of the script's own log group.",
        appliesTo: wildcards.map((flat: string) => `Resource::${flat}`),
      }]);
    }
  }
  suppressVpcAccess(cfnOf(vpcPolicy));
}

/**
 * The wildcards of the statements `connectTo` gives a script for one target (a bucket's objects, a table's
 * indexes): the library chose them as the narrowest for what the target is used for, so it answers for them.
 * Call after the statements were added to the script's role. Statements the user adds (`iamRoleStatements`,
 * `addToRolePolicy`) are the user's, and not covered.
 */
export function suppressConnectFindings(role: iam.IRole | undefined, targetPath: string, kind: string, statements: iam.PolicyStatement[]): void {
  if (!role) { return; }
  const stack = Stack.of(role);
  suppressStatementFindings(role, targetPath, kind, statements.map((statement) => stack.resolve(statement.toStatementJson())));
}

/**
 * The wildcards of the role's default policy: before a grant of `connectTo` (a target's key), so that
 * `suppressGrantFindings` finds those the grant added.
 */
export function policyFindingsOf(role: iam.IRole | undefined): Set<string> {
  const policy = role?.node.tryFindChild('DefaultPolicy');
  if (!role || !(policy instanceof iam.Policy) || policy.document.isEmpty) { return new Set(); }
  return wildcardsOf(Stack.of(role).resolve(policy.document.toJSON())?.Statement ?? []);
}

/** The wildcards a grant of `connectTo` added to the role's default policy, beside those it held before. */
export function suppressGrantFindings(role: iam.IRole | undefined, targetPath: string, kind: string, before: Set<string>): void {
  const policy = defaultPolicyOf(role);
  if (!role || !policy) { return; }
  const added = [...policyFindingsOf(role)].filter((finding) => !before.has(finding));
  suppressLibraryRolePolicy(role);
  suppressWildcards(policy, targetPath, kind, added);
}

function suppressStatementFindings(role: iam.IRole, targetPath: string, kind: string, statements: any[]): void {
  const policy = defaultPolicyOf(role);
  if (!policy) { return; }
  suppressLibraryRolePolicy(role);
  suppressWildcards(policy, targetPath, kind, [...wildcardsOf(statements)]);
}

/** The wildcards of resolved statements, as cdk-nag's IAM5 words them. */
function wildcardsOf(statements: any[]): Set<string> {
  const findings = new Set<string>();
  for (const json of statements) {
    if (json.Effect !== 'Allow') { continue; }
    for (const action of [json.Action ?? []].flat() as string[]) {
      if (action.includes('*')) { findings.add(`Action::${action}`); }
    }
    for (const resource of [json.Resource ?? []].flat()) {
      const flat = flatten(resource);
      if (flat.includes('*')) { findings.add(`Resource::${flat}`); }
    }
  }
  return findings;
}

function suppressWildcards(policy: CfnResource, targetPath: string, kind: string, findings: string[]): void {
  if (findings.length === 0) { return; }
  addNagSuppressions(policy, [{
    id: 'AwsSolutions-IAM5',
    reason: `connectTo ${targetPath} (${kind}): the least privilege for what the script does with it, on that target only.`,
    appliesTo: [...findings].sort(),
  }]);
}

/** The roles the library created and holds (a script's function's, a task's task and execution roles). */
const LIBRARY_ROLES = new WeakSet<IConstruct>();

/**
 * Records that the library created `role` for a script or task (the user gave none), and suppresses
 * IAMNoInlinePolicy on its default policy, now and whenever `connectTo` adds to it: the role and its policy are the
 * library's. The statements in it stay reported where the user wrote them.
 */
export function suppressLibraryRolePolicy(role: iam.IRole | undefined, created?: boolean): void {
  if (!role) { return; }
  if (created) { LIBRARY_ROLES.add(role); }
  if (LIBRARY_ROLES.has(role)) { suppressInlinePolicies(role.node.tryFindChild('DefaultPolicy')); }
}

/**
 * A task's definition: the container's variables are the library's (parameters, connection settings) and the user's
 * `environment`; secrets reach the container through `secrets`, which ECS reads when the task starts.
 */
export function suppressTaskDefinitionFindings(taskDefinition: IConstruct): void {
  const resource = cfnOf(taskDefinition);
  if (!resource) { return; }
  addNagSuppressions(resource, [{
    id: 'AwsSolutions-ECS2',
    reason: "The variables hold the task's parameters and connection settings (hosts, ports, names); the library passes secrets, "
      + "a database's password included, through the container's secrets, which ECS reads from Secrets Manager when the task starts.",
  }]);
}

/**
 * The execution role the task definition created pulls the task's image from ECR: aws-cdk-lib's `grantPull` gives it
 * `ecr:GetAuthorizationToken`, which ECR grants only on `Resource: "*"`.
 */
export function suppressExecutionRoleFindings(executionRole: iam.IRole | undefined): void {
  const policy = defaultPolicyOf(executionRole);
  if (!executionRole || !policy || !LIBRARY_ROLES.has(executionRole)) { return; }
  const statements = [Stack.of(policy).resolve((policy as iam.CfnPolicy).policyDocument)?.Statement ?? []].flat();
  const pulls = statements.some((statement: any) => [statement.Action].flat().includes('ecr:GetAuthorizationToken') && statement.Resource === '*');
  if (!pulls) { return; }
  const reason = "The task's execution role pulls its image from ECR (aws-cdk-lib's grantPull): ECR grants ecr:GetAuthorizationToken only on Resource '*'.";
  addNagSuppressions(policy, [{ id: 'AwsSolutions-IAM5', reason, appliesTo: ['Resource::*'] }]);
}

/** The CloudFormation resource of a construct, if it is one of the app's own. */
export function cfnOf(construct: IConstruct | undefined): CfnResource | undefined {
  const child = construct?.node.defaultChild;
  return CfnResource.isCfnResource(child) ? child : undefined;
}

/** The policy where `addToPrincipalPolicy` puts a role's statements, if the role is the app's own. */
function defaultPolicyOf(role: iam.IRole | undefined): CfnResource | undefined {
  return cfnOf(role?.node.tryFindChild('DefaultPolicy') ?? undefined);
}

/**
 * A resolved CloudFormation value as cdk-nag words it in a finding: `{ 'Fn::GetAtt': ['Fn', 'Arn'] }` is
 * `<Fn.Arn>`, `{ Ref: 'AWS::Partition' }` is `<AWS::Partition>`, joins are joined (cdk-nag's
 * flattenCfnReference).
 */
export function flatten(value: any): string {
  if (value === undefined) { return ''; }
  if (typeof value === 'string') { return value.replace(/\$\{/g, '<').replace(/\}/g, '>'); }
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'];
    return (items as any[]).map(flatten).join(delimiter);
  }
  if (value['Fn::Sub']) { return flatten(value['Fn::Sub']); }
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue']) { return flatten(value['Fn::ImportValue']); }
  if (value.Ref) { return `<${flatten(value.Ref)}>`; }
  return JSON.stringify(value);
}
