/**
 * A result as CloudFormation attributes, for both kinds: the object a Lambda script returns, the object a container
 * task prints on its result line (lambda-runtime/task/result.ts).
 */
import { MAX_RESULT_BYTES } from './consts';
import { reportableError } from './reason';
import { keepHead } from './text';

export interface ResultData {
  /** The custom resource's `Data`: attributes readable with `Fn::GetAtt`. */
  readonly data?: Record<string, string>;
  /** What the result was, for the log. */
  readonly note: string;
}

/**
 * The attributes of a result. Only a JSON object has any: each top-level value becomes one attribute, strings as
 * they are and anything else as JSON, since CloudFormation attributes are strings. `who` starts the error of a result
 * too large (`Deployment script <id> returned`, `Deployment task <id> printed`).
 */
export function resultData(payload: string, who: string): ResultData {
  if (payload.trim() === '') return { note: 'returned nothing: no attributes' };
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { note: `returned a payload that is not JSON (${payload.length} characters): no attributes` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { note: `returned ${kind}, not an object: no attributes` };
  }

  const data: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) data[key] = typeof v === 'string' ? v : JSON.stringify(v);
  const keys = Object.keys(data);
  if (keys.length === 0) return { note: 'returned an empty object: no attributes' };

  const size = Buffer.byteLength(JSON.stringify(data), 'utf8');
  if (size > MAX_RESULT_BYTES) {
    const largest = keys
      .map((key) => ({ key, bytes: Buffer.byteLength(JSON.stringify({ [key]: data[key] }), 'utf8') - 2 }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 5)
      .map(({ key, bytes }) => `${keepHead(key, 60)} (${bytes} bytes)`);
    throw reportableError(
      `${who} ${keys.length} attribute(s) taking ${size} bytes as JSON; ` +
      `at most ${MAX_RESULT_BYTES} fit, because CloudFormation caps the whole custom resource response at 4096 bytes. ` +
      `Largest: ${largest.join(', ')}. Return less: store large results elsewhere (e.g. S3 or SSM Parameter Store) and return where.`,
    );
  }
  return { data, note: `returned attributes ${keys.join(', ')} (${size} bytes)` };
}
