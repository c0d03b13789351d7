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
 *
 * The same parameter records the `Parameters` of the last successful Create or Update, whether it ran the script
 * or not (a `before:delete` script, run policy `once`, a rollback), so that the command line
 * (`cdk-deployment-script run`) can run the script by hand with the parameters of the last deployment. The
 * value is a versioned record, `{"v":1,"data":{…},"parameters":"<the Parameters string exactly>"}`; when that
 * would not fit the standard tier's 4 KB, `parameters` gives way to `"parametersOmitted":"too large"`.
 * Runtimes before records stored the `Data` object alone: it is still read (as version 0, without parameters).
 *
 * A script that asks to be undone on rollback (`undoOnRollback`) has the record of a run that succeeded also hold
 * `"undo":"<hash of the properties of that run>"` (lambda-runtime/shared/undo.ts); a Create or Update that does not
 * run the script writes the record without it. Readers that do not know the field ignore it; it is never dropped to
 * fit the 4 KB: `parameters` gives way first.
 * Parameters cannot hold secrets (the construct rejects them at synth), so recording them adds none here.
 */
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { RESULT_PARAMETER_PREFIX } from './consts';

// The handler creates its clients from the modules that send their commands: one require of each AWS SDK package in
// the bundle.
export { SSMClient };

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

/** What the parameter holds: the result of the last run and the parameters of the last deployment. */
export interface StoredRecord {
  /** The record's version: 1; 0 for the plain `Data` object of runtimes before records. */
  readonly v: number;
  /** The attributes of the last run; empty when it returned none. */
  readonly data: Data;
  /** The `Parameters` property of the last successful Create or Update, exactly as CloudFormation sent it. */
  readonly parameters?: string;
  /** Why `parameters` is missing from a version 1 record (`too large`). */
  readonly parametersOmitted?: string;
  /** The hash of the properties of the last run, when it succeeded and is to be undone on rollback. */
  readonly undo?: string;
}

/** The largest value of a standard-tier parameter. */
export const MAX_RECORD_BYTES = 4096;

/** The stored result; `undefined` when there is none. Throws when it cannot be read or is not a result. */
export async function readStoredResult(ssm: SSMClient, name: string): Promise<Data | undefined> {
  const data = (await readRecord(ssm, name))?.[0].data;
  return data && Object.keys(data).length ? data : undefined;
}

/**
 * The stored record and whether it is a `SecureString`; `undefined` when there is none. Throws when it cannot be read
 * or is not a record.
 */
export async function readRecord(ssm: SSMClient, name: string): Promise<[StoredRecord, boolean] | undefined> {
  let parameter;
  try {
    // A secret result is a SecureString; the decryption is asked for every parameter (a String ignores it).
    parameter = (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const record = parseRecord(parameter?.Value);
  if (!record) throw new Error(`the parameter ${name} does not hold a JSON object of strings`);
  return [record, parameter?.Type === 'SecureString'];
}

/**
 * Stores the record of a successful Create or Update: its result `data` (at most MAX_RESULT_BYTES as JSON)
 * and its `parameters`, unless they would make the record larger than a standard parameter's 4 KB. A `secret`
 * result is a `SecureString`, encrypted with SSM's AWS-managed key (`aws/ssm`), whose key policy admits the
 * account's callers through SSM: the provider's role needs no KMS permission.
 */
export async function storeResult(ssm: SSMClient, name: string, data: Data, parameters: string, secret = false, undo?: string): Promise<void> {
  await storeValue(ssm, name, recordValue(data, parameters, undo), secret);
}

/** Writes a parameter's value, a `SecureString` when `secret`. */
export async function storeValue(ssm: SSMClient, name: string, value: string, secret: boolean): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: secret ? 'SecureString' : 'String', Tier: 'Standard', Overwrite: true }));
}

/** The JSON of a version 1 record; `undo`: the marker of a run to undo on rollback. */
export function recordValue(data: Data, parameters: string, undo?: string): string {
  const value = JSON.stringify({ v: 1, data, parameters, undo });
  return Buffer.byteLength(value) > MAX_RECORD_BYTES ? JSON.stringify({ v: 1, data, parametersOmitted: 'too large', undo }) : value;
}

/**
 * A stored value, read: a record (`v` is a number), or the plain `Data` object older runtimes stored (whose
 * values are all strings, so never a number `v`). `undefined` when it is neither.
 */
export function parseRecord(value: string | undefined): StoredRecord | undefined {
  try {
    const parsed = JSON.parse(value ?? '');
    const record = typeof parsed?.v == 'number' ? parsed : { v: 0, data: parsed };
    const data: unknown = record.data;
    if (data && typeof data == 'object' && !Array.isArray(data) && Object.values(data).every((v) => typeof v == 'string')) return record;
  } catch {
    // not JSON
  }
  return undefined;
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
