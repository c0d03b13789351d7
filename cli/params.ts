/** `--param KEY=VALUE`, `--params-file FILE` and `--env KEY=VALUE`. */
import { readFileSync } from 'node:fs';
import { UsageError, CliError } from './errors';
import { isObject } from './template';

export interface ParamOverride {
  /** The key, split at unescaped dots: `a.b` sets `b` in `a`; `a\.b` sets the key `a.b`. */
  readonly path: readonly string[];
  readonly value: unknown;
}

/**
 * Parses `--param` values: `KEY=VALUE`, VALUE parsed as JSON when it parses (`3`, `true`, `null`, `["a"]`,
 * `"3"`), else taken as a string.
 */
export function parseParamOverrides(params: readonly string[]): ParamOverride[] {
  return params.map((param) => {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param '${param}' is not KEY=VALUE (e.g. --param count=3, --param db.host=localhost).`, 'run');
    const key = param.slice(0, eq);
    const raw = param.slice(eq + 1);
    const path = splitKey(key);
    if (path.some((part) => part === '')) throw new UsageError(`--param '${param}': the key '${key}' has an empty part.`, 'run');
    return { path, value: parseValue(raw) };
  });
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function splitKey(key: string): string[] {
  const parts: string[] = [''];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === '\\' && key[i + 1] === '.') {
      parts[parts.length - 1] += '.';
      i++;
    } else if (key[i] === '.') {
      parts.push('');
    } else {
      parts[parts.length - 1] += key[i];
    }
  }
  return parts;
}

/**
 * Applies the overrides to `event` (a copy), creating the objects a dotted key goes through. An index into an
 * array (`list.0`) sets that element.
 */
export function applyOverrides(event: unknown, overrides: readonly ParamOverride[]): unknown {
  if (overrides.length === 0) return event;
  const root: unknown = structuredClone(event);
  if (!isObject(root)) throw new CliError('--param needs the parameters to be a JSON object; they are not.');
  for (const { path, value } of overrides) {
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i];
      const last = i === path.length - 1;
      if (Array.isArray(node)) {
        const index = Number(key);
        if (!/^\d+$/.test(key) || index > node.length) {
          throw new CliError(`--param ${path.join('.')}: '${path.slice(0, i).join('.')}' is an array of ${node.length}, and '${key}' is not an index into it.`);
        }
        if (last) {
          node[index] = value;
        } else {
          if (!isObject(node[index]) && !Array.isArray(node[index])) node[index] = {};
          node = node[index] as Record<string, unknown> | unknown[];
        }
      } else {
        if (last) {
          node[key] = value;
        } else {
          if (!isObject(node[key]) && !Array.isArray(node[key])) node[key] = {};
          node = node[key] as Record<string, unknown> | unknown[];
        }
      }
    }
  }
  return root;
}

/** The parameters of `--params-file` (`-`: stdin): the text exactly, and parsed. Must be a JSON object. */
export function readParamsFile(file: string): { text: string; value: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --params-file ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--params-file ${file} is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(value)) throw new CliError(`--params-file ${file} must hold a JSON object (the script's parameters), not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`);
  return { text: text.trim(), value };
}

/** `--env KEY=VALUE` values, in order (a later one wins). */
export function parseEnv(env: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of env) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env '${item}' is not KEY=VALUE (e.g. --env DATABASE_URL=postgresql://localhost/dev).`, 'run');
    out.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return out;
}
