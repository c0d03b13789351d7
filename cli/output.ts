/**
 * What the command line writes: results on stdout, everything for humans (progress, logs, errors) on stderr, so
 * that `run … > result.json` and `list --json | jq` work.
 */
import { isTimeout } from '../lambda-runtime/shared/reason';
import { sanitize } from '../lambda-runtime/shared/text';

export interface Io {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Colours on stderr. */
  readonly color: boolean;
  /** Colours on stdout. */
  readonly stdoutColor: boolean;
}

export function createIo(color: boolean | undefined, env: NodeJS.ProcessEnv = process.env): Io {
  const auto = (stream: NodeJS.WriteStream) =>
    env.NO_COLOR ? false : env.FORCE_COLOR && env.FORCE_COLOR !== '0' ? true : stream.isTTY === true && env.TERM !== 'dumb';
  return { stdout: process.stdout, stderr: process.stderr, color: color ?? auto(process.stderr), stdoutColor: color ?? auto(process.stdout) };
}

/** The same, writing what is meant for stderr to stdout (a human-readable listing is a command's result). */
export function toStdout(io: Io): Io {
  return { ...io, stderr: io.stdout, color: io.stdoutColor };
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof CODES;

export function style(io: Io, name: Style, text: string): string {
  const [on, off] = CODES[name];
  return io.color ? `\x1b[${on}m${text}\x1b[${off}m` : text;
}

export function info(io: Io, text: string): void {
  io.stderr.write(text + '\n');
}

/** A table with a header row, columns padded to their widest cell. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Shows that something is under way on stderr: a spinner with the seconds elapsed when stderr is a terminal;
 * otherwise one line, once (a log file gets no carriage returns).
 */
export function progress(io: Io, text: string): { stop(): void } {
  const start = Date.now();
  if (!io.stderr.isTTY) {
    info(io, `${text}…`);
    return { stop: () => undefined };
  }
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  const draw = () => {
    const seconds = Math.floor((Date.now() - start) / 1000);
    io.stderr.write(`\r\x1b[K${style(io, 'cyan', frames[frame++ % frames.length])} ${text}… ${style(io, 'dim', `${seconds}s`)}`);
  };
  draw();
  const timer = setInterval(draw, 100);
  return {
    stop: () => {
      clearInterval(timer);
      io.stderr.write('\r\x1b[K');
    },
  };
}

/** Text a terminal shows safely: colours (SGR sequences) kept only when `keepColors`, other controls removed. */
export function terminalText(text: string, keepColors: boolean): string {
  if (!keepColors) return sanitize(text);
  const SGR = /\x1b\[[0-9;]*m/g;
  const kept: string[] = [];
  const marked = text.replace(SGR, (sequence) => `\u0000${kept.push(sequence) - 1}\u0000`);
  // sanitize() drops NUL, so the placeholders use a private-use character instead.
  const safe = sanitize(marked.replace(/\u0000(\d+)\u0000/g, '\ue000$1\ue000'));
  return safe.replace(/\ue000(\d+)\ue000/g, (_, i) => kept[Number(i)]);
}

/** The log of a run, on stderr, between two rules. */
export function printLog(io: Io, title: string, text: string): void {
  const body = terminalText(text, io.color).replace(/\n+$/, '');
  if (!body.trim()) return;
  info(io, style(io, 'dim', `── ${title} ──`));
  info(io, body);
  info(io, style(io, 'dim', '──'));
}

/** The decoded `LogResult` of an Invoke: its last 4 KB, the first line dropped when the cut made it partial. */
export function decodeLogTail(logResult: string): { text: string; cut: boolean } {
  const bytes = Buffer.from(logResult, 'base64');
  const text = bytes.toString('utf8');
  if (bytes.length < 4096 || text.startsWith('START RequestId:')) return { text, cut: false };
  const newline = text.indexOf('\n');
  return { text: newline < 0 ? text : text.slice(newline + 1), cut: true };
}

export interface ScriptOutcome {
  readonly scriptId: string;
  /** The response payload: the script's result as JSON, or its error. */
  readonly payload: string;
  /** Lambda's `FunctionError` (`Unhandled`, `Handled`), when the script failed. */
  readonly functionError?: string;
  readonly seconds: number;
  readonly timeoutSeconds?: number;
}

/**
 * Prints the outcome of a run: the result as pretty JSON on stdout, or the error on stderr. Returns whether
 * the script succeeded.
 */
export function printOutcome(io: Io, outcome: ScriptOutcome): boolean {
  const took = `${outcome.seconds.toFixed(1)} s`;
  if (!outcome.functionError) {
    io.stdout.write(prettyJson(outcome.payload) + '\n');
    info(io, `${style(io, 'green', '✔')} script ${outcome.scriptId} succeeded in ${took}`);
    return true;
  }
  const error = parseError(outcome.payload, outcome.functionError);
  const message = isTimeout(error.errorType, error.errorMessage)
    ? `timed out${outcome.timeoutSeconds ? ` after ${outcome.timeoutSeconds} seconds (its timeout)` : ''}`
    : `${error.errorType}: ${error.errorMessage}`;
  info(io, `${style(io, 'red', '✘')} script ${outcome.scriptId} ${style(io, 'bold', 'failed')} after ${took}: ${terminalText(message, false)}`);
  const trace = error.trace.filter((line) => !line.startsWith(`${error.errorType}: `)).slice(0, 20);
  if (trace.length) info(io, style(io, 'dim', trace.map((line) => terminalText(line.replace(/\n$/, ''), false)).join('\n')));
  return false;
}

function prettyJson(payload: string): string {
  if (payload.trim() === '') return 'null';
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

/** An error payload: `{errorType, errorMessage, trace | stackTrace}` from Lambda's runtimes, anything from others. */
export function parseError(payload: string, functionError: string): { errorType: string; errorMessage: string; trace: string[] } {
  try {
    const value = JSON.parse(payload);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const errorMessage = typeof value.errorMessage === 'string' ? value.errorMessage : JSON.stringify(value.errorMessage ?? value);
      const rawTrace: unknown = value.trace ?? value.stackTrace;
      const trace = Array.isArray(rawTrace) ? rawTrace.filter((line): line is string => typeof line === 'string') : [];
      return { errorType: typeof value.errorType === 'string' ? value.errorType : functionError, errorMessage, trace };
    }
  } catch {
    // not JSON: the raw payload
  }
  return { errorType: functionError, errorMessage: payload || '(no error message)', trace: [] };
}
