import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { ConnectOptions, DeploymentScript, DeploymentScriptProps, ScriptTrigger } from '../../../lib';
import { ECHO_SCRIPT, newStack } from '../../support/template';

/** An IAM statement as the template holds it, with `Action` and `Resource` always lists. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
}

/**
 * A stack for connection tests. The script's bundle is not built: these tests read the template, and
 * esbuild would only slow them down.
 */
export function connectStack(): Stack {
  const { stack } = newStack();
  stack.node.setContext('aws:cdk:bundling-stacks', []);
  return stack;
}

/** A script of `stack` connected to `targets` through the `connectTo` prop. */
export function scriptConnectedTo(stack: Stack, targets: IConstruct[], props: Partial<DeploymentScriptProps> = {}): DeploymentScript {
  return new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: targets, ...props });
}

/** A script of `stack` connected to `target` with the `connectTo()` method. */
export function scriptConnectedLater(stack: Stack, target: IConstruct, options?: ConnectOptions): DeploymentScript {
  const script = new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
  script.connectTo(target, options);
  return script;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function normalize(statement: any): Statement {
  return { Effect: statement.Effect, Action: asList(statement.Action) as string[], Resource: asList(statement.Resource) };
}

/** Sorts statements, so that tests compare what is granted, not the order it was added in. */
export function sorted(statements: Statement[]): Statement[] {
  return [...statements].map(normalize).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** The statements of every policy attached to the script's role. */
export function scriptStatements(script: DeploymentScript): Statement[] {
  const stack = Stack.of(script);
  const roleRef = stack.resolve(script.scriptFunction.role!.roleName);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  // Not the script's own log and VPC policies (test/deployment-script.test.ts): what connectTo gives.
  const own = ['LogPolicy', 'VpcAccessPolicy'].map((id) => script.node.tryFindChild(id)?.node.defaultChild)
    .filter((c): c is CfnElement => c !== undefined).map((c) => stack.resolve(c.logicalId));
  return Object.entries(policies)
    .filter(([id]) => !own.includes(id))
    .map(([, policy]) => policy)
    .filter((policy: any) => JSON.stringify(policy.Properties.Roles).includes(JSON.stringify(roleRef)))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement.map(normalize));
}

/** The environment variables of the script's function. */
export function scriptVariables(script: DeploymentScript): Record<string, unknown> {
  const stack = Stack.of(script);
  const id: string = stack.resolve(script.scriptFunction.functionName).Ref;
  const fn = Template.fromStack(stack).toJSON().Resources[id];
  return fn.Properties.Environment?.Variables ?? {};
}

/** Every identity-policy statement of the template (policies, inline role policies, managed policies). */
export function identityStatements(stack: Stack): Statement[] {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  const out: Statement[] = [];
  for (const resource of Object.values(resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      out.push(...props.PolicyDocument.Statement.map(normalize));
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of props.Policies ?? []) { out.push(...policy.PolicyDocument.Statement.map(normalize)); }
    }
  }
  return out;
}

/** A statement as the template holds it. */
export function allowStatement(actions: string[], resources: unknown[]): Statement {
  return { Effect: 'Allow', Action: actions, Resource: resources };
}
