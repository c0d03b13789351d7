/**
 * What the stack's two providers share (lib/private/provider.ts for Lambda scripts, lib/private/task-provider.ts for
 * container tasks), and their cdk-nag suppressions (lib/private/nag.ts): the lookup of the one provider of a stack,
 * and the ARNs their statements name.
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { RESULT_PARAMETER_PREFIX } from '../../lambda-runtime/shared/consts';

/**
 * The stack's provider under `id` if it exists; throws if the stack holds another construct under that id. Called
 * before a script or task is created too, so that a taken id leaves nothing behind. `serves` ends the message: what
 * the library uses the id for.
 */
export function existingProvider<T extends IConstruct>(stack: Stack, id: string, isProvider: (construct: IConstruct) => construct is T,
  serves: string): T | undefined {
  const existing = stack.node.tryFindChild(id);
  if (existing && !isProvider(existing)) {
    throw new Error(`${stack.node.path} already has a construct named '${id}': rename it, this library uses that id for ${serves}.`);
  }
  return existing as T | undefined;
}

/** The stack, whatever its id's unique suffix: what a runtime reads the status of (DescribeStacks). */
export function stackArnOf(stack: Stack): string {
  return stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${stack.stackName}/*` });
}

/** The SSM parameters where the scripts' runtime keeps the results of the stack's scripts (RESULT_PARAMETER_PREFIX). */
export function resultParametersArnOf(stack: Stack): string {
  return stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${RESULT_PARAMETER_PREFIX.slice(1)}${stack.stackName}/*` });
}

/**
 * How long the providers' log groups keep their functions' logs: a year, the least that audit-trail rules (PCI DSS
 * 10.7) ask of a log.
 */
export const PROVIDER_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/** What `DeploymentProviders.configure` sets for a stack's providers (lib/deployment-providers.ts). */
export interface ProviderSettings {
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  readonly encryptionKey?: kms.IKey;
}

/** The settings of each stack's providers, by stack: set once, before the providers exist. */
const SETTINGS = new WeakMap<Stack, ProviderSettings>();

/** Records the settings of the stack's providers; `fail` throws if the stack has them already. */
export function configureProviders(stack: Stack, settings: ProviderSettings, fail: (message: string) => never): void {
  if (SETTINGS.has(stack)) {
    fail('the providers of the stack are configured already: give every setting in one call.');
  }
  SETTINGS.set(stack, { ...settings, securityGroups: settings.securityGroups ? [...settings.securityGroups] : undefined });
}

/** The settings of the stack's providers: those `DeploymentProviders.configure` gave, or none. */
export function providerSettingsOf(stack: Stack): ProviderSettings {
  return SETTINGS.get(stack) ?? {};
}
