import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { resultParametersArnOf, stackArnOf } from './provider-support';

/*
 * Suppressions of cdk-nag findings on the resources this library creates, written as the `cdk_nag` metadata that
 * cdk-nag reads from each CfnResource, so the library does not depend on cdk-nag. Each suppression names one
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

/** The managed policy aws-cdk-lib gives every function's role so that it can write its logs. */
export const BASIC_EXECUTION_ROLE = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/**
 * Adds suppressions to the `cdk_nag` metadata of a resource, keeping those already there (the user's too). Rules
 * with the same id and reason are one rule whose findings add up, so that a suppression repeated for each script
 * of a stack stays one entry.
 */
export function addNagSuppressions(resource: CfnResource, suppressions: NagSuppression[]): void {
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
}

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

/**
 * The provider's own findings: its runtime function (this library's) and the Provider framework's function
 * (aws-cdk-lib's), their roles and policies. Call once, when the provider is created.
 */
export function suppressProviderFindings(runtimeFunction: lambda.Function, provider: IConstruct): void {
  const stack = Stack.of(runtimeFunction);
  suppressPinnedRuntime(runtimeFunction, "The provider's runtime");
  // The provider's roles hold their statements inline (lib/private/provider.ts): the findings are the roles'.
  const runtimeRole = cfnOf(runtimeFunction.role);
  if (runtimeRole) {
    // The same ARNs as the provider's statements.
    const stackArn = stackArnOf(stack);
    const resultsArn = resultParametersArnOf(stack);
    addNagSuppressions(runtimeRole, [{
      id: 'AwsSolutions-IAM4',
      reason: "The runtime's role writes the runtime's logs with AWSLambdaBasicExecutionRole, as every aws-cdk-lib function does.",
      appliesTo: [BASIC_EXECUTION_ROLE],
    }, {
      id: 'AwsSolutions-IAM5',
      reason: "cloudformation:DescribeStacks on this stack only: the wildcard stands for the stack id's unique suffix, unknown until the stack exists.",
      appliesTo: [`Resource::${flatten(stack.resolve(stackArn))}`],
    }, {
      id: 'AwsSolutions-IAM5',
      reason: "The parameters where the runtime keeps the results of this stack's scripts, one per script, under this stack's own prefix.",
      appliesTo: [`Resource::${flatten(stack.resolve(resultsArn))}`],
    }]);
  }

  const framework = provider.node.tryFindChild('framework-onEvent');
  if (framework instanceof lambda.Function) {
    const frameworkFunction = framework.node.defaultChild as CfnResource;
    addNagSuppressions(frameworkFunction, [{
      id: 'AwsSolutions-L1',
      reason: "aws-cdk-lib's custom resource Provider framework chooses the runtime of its own function; it follows aws-cdk-lib upgrades.",
    }]);
    const frameworkRole = cfnOf(framework.role);
    if (frameworkRole) {
      addNagSuppressions(frameworkRole, [{
        id: 'AwsSolutions-IAM4',
        reason: "The Provider framework's role writes the framework's logs with AWSLambdaBasicExecutionRole, as aws-cdk-lib sets it up.",
        appliesTo: [BASIC_EXECUTION_ROLE],
      }, {
        id: 'AwsSolutions-IAM5',
        reason: "The Provider framework invokes this library's runtime function, named exactly; the wildcard is any version or alias of it (aws-cdk-lib's grantInvoke).",
        appliesTo: [`Resource::${flatten(stack.resolve(runtimeFunction.functionArn))}:*`],
      }]);
    }
  }
}

/**
 * The wildcards of the statements `connectTo` gives a script for one target (a bucket's objects, a table's
 * indexes): the library chose them as the narrowest for what the target is used for, so it answers for them.
 * Call after the statements were added to the script's role. Statements the user adds (`iamRoleStatements`,
 * `addToRolePolicy`) are the user's, and not covered.
 */
export function suppressConnectFindings(role: iam.IRole | undefined, targetPath: string, kind: string, statements: iam.PolicyStatement[]): void {
  const policy = defaultPolicyOf(role);
  if (!role || !policy) { return; }
  const stack = Stack.of(role);
  const findings = new Set<string>();
  for (const statement of statements) {
    const json = stack.resolve(statement.toStatementJson());
    if (json.Effect !== 'Allow') { continue; }
    for (const action of [json.Action ?? []].flat() as string[]) {
      if (action.includes('*')) { findings.add(`Action::${action}`); }
    }
    for (const resource of [json.Resource ?? []].flat()) {
      const flat = flatten(resource);
      if (flat.includes('*')) { findings.add(`Resource::${flat}`); }
    }
  }
  if (findings.size === 0) { return; }
  addNagSuppressions(policy, [{
    id: 'AwsSolutions-IAM5',
    reason: `connectTo ${targetPath} (${kind}): the least privilege for what the script does with it, on that target only.`,
    appliesTo: [...findings].sort(),
  }]);
}

function cfnOf(construct: IConstruct | undefined): CfnResource | undefined {
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
