/** `--param KEY=VALUE`, `--params-file FILE`, `--env KEY[=VALUE]` and `--env-file FILE`. */
import { readFileSync, readSync, statSync } from 'node:fs';
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

/** Lambda accepts at most 6 MB of payload for a synchronous invocation: a larger file cannot be an event. */
export const MAX_PARAMS_FILE_BYTES = 6 * 1024 * 1024;

/**
 * The parameters of `--params-file` (`-`: stdin): the text exactly, and parsed. Must be a JSON object, of at most
 * what Lambda accepts; a file that is not JSON is a usage error. A larger file is refused before it is read whole.
 */
export function readParamsFile(file: string): { text: string; value: Record<string, unknown> } {
  let text: string;
  try {
    const size = file === '-' ? 0 : statSync(file).size;
    if (size > MAX_PARAMS_FILE_BYTES) {
      throw new UsageError(`--params-file ${file} is ${size} bytes: an event may take at most ${MAX_PARAMS_FILE_BYTES} bytes (6 MB, what Lambda accepts).`, 'run');
    }
    text = file === '-' ? readStdin(MAX_PARAMS_FILE_BYTES, file) : readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read --params-file ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--params-file ${file} is not JSON: ${(error as Error).message}`, 'run');
  }
  if (!isObject(value)) throw new UsageError(`--params-file ${file} must hold a JSON object (the script's parameters), not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`, 'run');
  return { text: text.trim(), value };
}

/** Standard input, read up to `max` bytes: more is refused without reading the rest. */
function readStdin(max: number, file: string): string {
  const chunks: Buffer[] = [];
  let size = 0;
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EOF') break;
      throw error;
    }
    if (n === 0) break;
    size += n;
    if (size > max) throw new UsageError(`--params-file ${file}: more than ${max} bytes on stdin: an event may take at most 6 MB (what Lambda accepts).`, 'run');
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The variables of `--env-file` files, then of `--env` (a later one wins): `--env KEY=VALUE`, or `--env KEY`, which
 * takes KEY from `callerEnv` (this shell's environment).
 */
export function parseEnv(env: readonly string[], envFiles: readonly string[] = [], callerEnv: Readonly<NodeJS.ProcessEnv> = {}): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of envFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read --env-file ${file}: ${(error as Error).message}`);
    }
    for (const [key, value] of parseDotenv(text, file)) out.set(key, value);
  }
  for (const item of env) {
    const eq = item.indexOf('=');
    if (eq < 0 && ENV_NAME.test(item)) {
      const value = callerEnv[item];
      if (value === undefined) throw new UsageError(`--env ${item}: ${item} is not set in this shell's environment (give a value: --env ${item}=…).`, 'run');
      out.set(item, value);
      continue;
    }
    if (eq <= 0) throw new UsageError(`--env '${item}' is not KEY=VALUE nor the name of a variable of this shell (e.g. --env DATABASE_URL=postgresql://localhost/dev, --env AWS_PROFILE).`, 'run');
    out.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return out;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A dotenv file: `KEY=VALUE` lines, an optional `export ` before the key, blank lines and `#` comments; a value in
 * single quotes is taken as it is, in double quotes with `\n`, `\t`, `\"` and `\\` escapes (and may span lines),
 * unquoted up to a ` #` comment, trimmed. A line that is none of these is a usage error, naming the line.
 */
export function parseDotenv(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(#.*)?$/.test(line)) continue;
    // A double-quoted value may span lines: a value's error names the line it starts on, unless it is on a later one.
    const start = i;
    const bad = (why: string, at = start) => {
      const shown = lines[at].length > 60 ? lines[at].slice(0, 59) + '…' : lines[at];
      return new UsageError(`--env-file ${file}, line ${at + 1}: ${why}: ${JSON.stringify(shown)}. Each line is KEY=VALUE (dotenv).`, 'run');
    };
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw bad('not KEY=VALUE');
    const key = match[1];
    let rest = match[2];
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw bad('a single quote is not closed');
      value = rest.slice(1, end);
      rest = rest.slice(end + 1);
    } else if (rest.startsWith('"')) {
      let body = rest.slice(1);
      let end = closingQuote(body);
      while (end < 0 && i + 1 < lines.length) {
        body += '\n' + lines[++i];
        end = closingQuote(body);
      }
      if (end < 0) throw bad('a double quote is not closed');
      value = body.slice(0, end).replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? c);
      rest = body.slice(end + 1);
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
      rest = '';
    }
    if (!/^\s*(#.*)?$/.test(rest)) throw bad('text after the closing quote', i);
    out.set(key, value);
  }
  return out;
}

function closingQuote(body: string): number {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') i++;
    else if (body[i] === '"') return i;
  }
  return -1;
}
