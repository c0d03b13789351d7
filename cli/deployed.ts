/**
 * A deployed stack's scripts, as CloudFormation knows them: `DescribeStacks` (the stack's id and status),
 * `ListStackResources` (each resource's physical id and status) and `GetTemplate` (each script's properties),
 * and the record the runtime keeps in SSM for each script (lambda-runtime/shared/stored-result.ts).
 */
import {
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
  GetTemplateCommand,
  type GetTemplateCommandOutput,
  ListExportsCommand,
  type ListExportsCommandOutput,
  ListStackResourcesCommand,
  type ListStackResourcesCommandOutput,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, type GetParameterCommandOutput } from '@aws-sdk/client-ssm';
import { PROP_FUNCTION_NAME } from '../lambda-runtime/shared/consts';
import { parseRecord, resultParameterName, type StoredRecord } from '../lambda-runtime/shared/stored-result';
import type { Aws, AwsError } from './aws';
import { CliError } from './errors';
import { findScripts, type Resolver, resolveString, type ScriptDefinition, type Template } from './template';

export interface DeployedStack {
  readonly stackId: string;
  readonly stackName: string;
  readonly status: string;
  readonly region: string;
  readonly resources: ReadonlyMap<string, StackResourceSummary>;
  readonly template: Template;
  readonly scripts: readonly ScriptDefinition[];
  /**
   * Resolves `Ref` to pseudo parameters (from the stack's ARN), to the template's parameters (the values of the last
   * deployment, as DescribeStacks has them; not those with NoEcho) and to the stack's resources (their physical ids).
   */
  readonly resolver: Resolver;
}

/** Reads a deployed stack: by name or ARN. */
export async function readStack(aws: Aws, stack: string): Promise<DeployedStack> {
  const cfn = aws.cloudformation;
  const where = `stack ${stack}`;
  const described = await aws.call<DescribeStacksCommandOutput | 'missing'>(cfn, new DescribeStacksCommand({ StackName: stack }),
    { action: 'cloudformation:DescribeStacks', on: where }, (error) => (isMissingStack(error) ? 'missing' : undefined));
  if (described === 'missing') throw missingStack(stack, await aws.region());
  const summary = described.Stacks?.[0];
  if (!summary?.StackId || !summary.StackName) throw new CliError(`DescribeStacks returned no stack for ${stack}.`);
  if (summary.StackStatus === 'DELETE_COMPLETE') throw new CliError(`stack ${stack} was deleted (DELETE_COMPLETE): it has no scripts to list or run.`);

  const stackId = summary.StackId;
  const resources = new Map<string, StackResourceSummary>();
  let nextToken: string | undefined;
  do {
    const page: ListStackResourcesCommandOutput = await aws.call(cfn, new ListStackResourcesCommand({ StackName: stackId, NextToken: nextToken }),
      { action: 'cloudformation:ListStackResources', on: where });
    for (const resource of page.StackResourceSummaries ?? []) {
      if (resource.LogicalResourceId) resources.set(resource.LogicalResourceId, resource);
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const got = await aws.call<GetTemplateCommandOutput>(cfn, new GetTemplateCommand({ StackName: stackId }), { action: 'cloudformation:GetTemplate', on: where });
  let template: Template;
  try {
    template = JSON.parse(got.TemplateBody ?? '');
  } catch {
    throw new CliError(`the template of stack ${stack} is not JSON (a YAML template?): this command reads the JSON templates AWS CDK deploys.`);
  }

  const [, partition = 'aws', , region = '', account = ''] = stackId.split(':');
  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::Partition': partition,
    'AWS::StackName': summary.StackName,
    'AWS::StackId': stackId,
    'AWS::URLSuffix': region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com',
  };
  // A parameter of an SSM type has the value it resolved to in ResolvedValue; NoEcho ones are shown as ****.
  const parameters = new Map((summary.Parameters ?? [])
    .filter((p) => p.ParameterKey && !isNoEcho(template.Parameters?.[p.ParameterKey]?.NoEcho))
    .map((p) => [p.ParameterKey!, p.ResolvedValue ?? p.ParameterValue] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
  return {
    stackId,
    stackName: summary.StackName,
    status: summary.StackStatus ?? 'UNKNOWN',
    region,
    resources,
    template,
    scripts: findScripts(template),
    resolver: { ref: (name) => pseudo[name] ?? parameters.get(name) ?? resources.get(name)?.PhysicalResourceId },
  };
}

function isNoEcho(value: boolean | string | undefined): boolean {
  return value === true || String(value).toLowerCase() === 'true';
}

/**
 * The values of the exports `names` (other stacks' outputs, read with `Fn::ImportValue`), from ListExports. An
 * export cannot change while a stack imports it, so its value now is the one the last deployment read.
 */
export async function readExports(aws: Aws, names: readonly string[]): Promise<ReadonlyMap<string, string>> {
  const values = new Map<string, string>();
  if (!names.length) return values;
  let nextToken: string | undefined;
  do {
    const page: ListExportsCommandOutput = await aws.call(aws.cloudformation, new ListExportsCommand({ NextToken: nextToken }),
      { action: 'cloudformation:ListExports', on: 'the exports of the region' });
    for (const { Name, Value } of page.Exports ?? []) if (Name && Value !== undefined && names.includes(Name)) values.set(Name, Value);
    nextToken = page.NextToken;
  } while (nextToken && values.size < names.length);
  return values;
}

function isMissingStack(error: AwsError): boolean {
  return /^ValidationError$/.test(error?.name ?? '') && /does not exist/.test(error?.message ?? '');
}

function missingStack(stack: string, region: string | undefined): CliError {
  return new CliError(`stack ${stack} does not exist${region ? ` in ${region}` : ''}: check --stack, and --region and --profile (the stack's region and account).`);
}

/** The name of a script's Lambda function in the deployed stack, if it can be told. */
export function functionName(stack: DeployedStack, script: ScriptDefinition): string | undefined {
  return resolveString(script.properties[PROP_FUNCTION_NAME], stack.resolver);
}

/** What a script's SSM parameter holds, for `run`. */
export type RecordState =
  | { readonly kind: 'recorded'; readonly record: StoredRecord & { readonly parameters: string } }
  /** A version 1 record without parameters (`parametersOmitted`). */
  | { readonly kind: 'omitted'; readonly why: string }
  /** A plain `Data` object, stored by a runtime before records. */
  | { readonly kind: 'old' }
  /** A record of a later version than this command knows. */
  | { readonly kind: 'newer'; readonly version: number }
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly why: string };

export function recordParameterName(stack: DeployedStack, physicalId: string): string {
  return resultParameterName(stack.stackName, physicalId);
}

/** Reads the record of a script's last deployment. Throws a `CliError` when SSM cannot be asked. */
export async function readRecord(aws: Aws, stack: DeployedStack, physicalId: string): Promise<RecordState> {
  const name = recordParameterName(stack, physicalId);
  // A secret result's record is a SecureString, which SSM answers encrypted unless asked to decrypt (a String ignores
  // it); its key is SSM's AWS-managed one, which whoever may read the parameter may use through SSM.
  const out = await aws.call<GetParameterCommandOutput | 'missing'>(aws.ssm, new GetParameterCommand({ Name: name, WithDecryption: true }),
    { action: 'ssm:GetParameter', on: `parameter ${name}` },
    (error) => (error?.name === 'ParameterNotFound' ? 'missing' : undefined));
  if (out === 'missing') return { kind: 'none' };
  const record = parseRecord(out.Parameter?.Value);
  if (!record) return { kind: 'unreadable', why: `the parameter ${name} does not hold a record` };
  if (record.v === 0) return { kind: 'old' };
  if (record.v > 1 && typeof record.parameters !== 'string') return { kind: 'newer', version: record.v };
  if (typeof record.parameters === 'string') return { kind: 'recorded', record: record as StoredRecord & { parameters: string } };
  return { kind: 'omitted', why: typeof record.parametersOmitted === 'string' ? record.parametersOmitted : 'unknown' };
}

/** Statuses of a resource that exists and can be used. */
export function isDeployed(resource: StackResourceSummary | undefined): boolean {
  const status = resource?.ResourceStatus ?? '';
  return !!resource?.PhysicalResourceId && !/^(CREATE_IN_PROGRESS|CREATE_FAILED|DELETE_)/.test(status);
}
