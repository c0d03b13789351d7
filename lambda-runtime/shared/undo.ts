/**
 * Undo on rollback (`undoOnRollback`, docs/DESIGN.md#lifecycle), as both runtimes do it: which run a rollback request
 * undoes, and whether that run is to be called back. The call itself (invoking a function, starting a task) is each
 * runtime's own.
 *
 * Only a run that this deployment really made is undone. A run that succeeded records in the script's stored record
 * (lambda-runtime/shared/stored-result.ts) a marker: the hash of the properties it ran with. A Create or Update that
 * does not run the script writes the record without it, and a run that fails writes no record at all: a failed run
 * must leave nothing half done, and an undo is for work that was completed. A rollback request undoes the run whose
 * properties it names (a rollback Update's `OldResourceProperties`, a Delete's `ResourceProperties`), and only when the
 * marker is that run's; the marker is removed before the call, so that a repeated request never calls twice.
 */
import { createHash } from 'node:crypto';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describeError } from './request';
import { readRecord, SSMClient, storeValue } from './stored-result';

export type Properties = Record<string, unknown>;

/** The marker of a run: the sha256 (hex) of the canonical JSON of the properties it ran with. */
export function runMarker(properties: Properties): string {
  return createHash('sha256').update(canonicalJson(properties)).digest('hex');
}

/** JSON with the keys of every object sorted: the same properties give the same text, whatever their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value == 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Properties)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The properties of the run that a rollback request undoes: a rollback Update's old properties, a Delete's own. */
export function undoneProperties(event: CloudFormationCustomResourceEvent): Properties {
  return (event.RequestType === 'Update' ? event.OldResourceProperties : event.ResourceProperties) ?? {};
}

/**
 * Whether the run with `properties` is to be called back: its marker is in the stored record `name`, which this
 * removes first (keeping the rest of the record), so that no later request calls it again. Logs why not; never throws:
 * when the record cannot be read or the marker cannot be removed, the run is not called back (a second call could
 * undo twice), and the rollback goes on.
 */
export async function claimUndo(ssm: SSMClient, name: string, properties: Properties, who: string): Promise<boolean> {
  try {
    const [record, secret] = await readRecord(ssm, name) ?? [];
    if (!record?.undo || record.undo !== runMarker(properties)) {
      console.log(`${who} is not called back: the run being rolled back was not made by this deployment (the run policy skipped it, `
        + 'or it failed), or it was undone already');
      return false;
    }
    await storeValue(ssm, name, JSON.stringify({ ...record, undo: undefined }), secret!);
    console.log(`${who}: calling it back to undo the run being rolled back (its marker in ${name} removed first)`);
    return true;
  } catch (error) {
    console.error(`${who} is not called back, its rollback not undone: reading or updating its stored record ${name} failed: `
      + `${describeError(error)} (the rollback goes on)`);
    return false;
  }
}
