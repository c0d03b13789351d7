/**
 * The result of a script's last run, kept in SSM Parameter Store. CloudFormation keeps a custom resource's
 * attributes only as long as each response repeats them: an Update answered without `Data` drops them, and
 * whatever reads them with `Fn::GetAtt` then fails. So an Update that does not run the script (the rollback of
 * a failed update, run policy `once`) answers with the result stored by the last run.
 *
 * The stored result is the latest successful run's, which is what the world now looks like: a rollback does
 * not undo what the script did, so when the failed update's own run succeeded, the rollback returns that run's
 * attributes rather than those the resource had before the update. (So if that run returned fewer attributes
 * than the restored template reads, the rollback still lacks them: keeping the result before it too would
 * take a second parameter.)
 */
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { RESULT_PARAMETER_PREFIX } from './consts';

export type Data = Record<string, string>;

/**
 * The parameter that keeps a script's result: `/cdk-deployment-script/<stack name>/<physical resource id>`.
 * Stack names and logical ids (this runtime's physical ids) hold only letters, digits and hyphens, which stay
 * as they are; any other character (not expected from CloudFormation) becomes `_` and the hex of its UTF-8
 * bytes, so each part stays one level of the name and two resources never share a parameter.
 */
export function resultParameterName(stackName: string, physicalResourceId: string): string {
  return RESULT_PARAMETER_PREFIX + escapePart(stackName) + '/' + escapePart(physicalResourceId);
}

function escapePart(part: string): string {
  return part.replace(/[^A-Za-z0-9-]/gu, (char) =>
    [...Buffer.from(char, 'utf8')].map((byte) => '_' + byte.toString(16).toUpperCase().padStart(2, '0')).join(''));
}

/** The stored result; `undefined` when there is none. Throws when it cannot be read or is not a result. */
export async function readStoredResult(ssm: SSMClient, name: string): Promise<Data | undefined> {
  let value: string | undefined;
  try {
    value = (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const data = parseData(value);
  if (!data) throw new Error(`the parameter ${name} does not hold a JSON object of strings`);
  return Object.keys(data).length ? data : undefined;
}

/** Stores `data` (at most MAX_RESULT_BYTES as JSON, so it fits a standard parameter's 4 KB). */
export async function storeResult(ssm: SSMClient, name: string, data: Data): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: name, Value: JSON.stringify(data), Type: 'String', Tier: 'Standard', Overwrite: true }));
}

/** Deletes the stored result; `false` when there was none. */
export async function deleteStoredResult(ssm: SSMClient, name: string): Promise<boolean> {
  try {
    await ssm.send(new DeleteParameterCommand({ Name: name }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ParameterNotFound';
}

function parseData(value: string | undefined): Data | undefined {
  try {
    const data: unknown = JSON.parse(value ?? '');
    if (data && typeof data === 'object' && !Array.isArray(data) && Object.values(data).every((v) => typeof v === 'string')) return data as Data;
  } catch {
    // not JSON
  }
  return undefined;
}
