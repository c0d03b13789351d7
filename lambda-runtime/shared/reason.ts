import { MAX_REASON_BYTES, MAX_SCRIPT_TIMEOUT_SECONDS } from './consts';
import { redact } from './redact';
import { jsonBytes, keepHead, keepLastLines, sanitize } from './text';

/** Lambda returns at most this many bytes of log in an Invoke response's `LogResult`. */
const LOG_TAIL_BYTES = 4096;
const LOG_HEADER = 'Last log lines:';

const CONSOLE_HOSTS: Record<string, string> = {
  'aws': 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

export interface ScriptFailure {
  readonly logicalResourceId: string;
  /** The stack's ARN: gives the partition and region of the console link. */
  readonly stackId: string;
  readonly errorType: string;
  readonly errorMessage: string;
  /** The Invoke response's `LogResult`: base64 of the last 4 KB of the script's log. */
  readonly logResult?: string;
  readonly logGroupName?: string;
  /** The script invocation's request id, which finds its log events. */
  readonly scriptRequestId?: string;
  /** The script's configured timeout. */
  readonly timeoutSeconds?: number;
  /** After "failed", the attempts of a script that takes retries (lambda-runtime/shared/retry.ts). */
  readonly attempts?: string;
}

/**
 * The reason CloudFormation shows for a failed script: what failed, the end of its log, where the full log
 * is. The error message (head kept) and the log (last lines kept) are cut to fit `maxBytes` as CloudFormation
 * counts them; the rest is always kept.
 */
export function buildFailureReason(failure: ScriptFailure, maxBytes: number = MAX_REASON_BYTES): string {
  const prefix = `Deployment script ${sanitize(failure.logicalResourceId)} failed${failure.attempts ?? ''}: `;
  const errorType = keepHead(sanitize(failure.errorType || 'Error'), 200);
  const message = isTimeout(failure.errorType, failure.errorMessage)
    ? timeoutMessage(failure.timeoutSeconds ?? parseTimedOutSeconds(failure.errorMessage))
    : failure.errorMessage; // cleaned by fitReason
  const error = `${errorType}: ${message}`;
  const log = failure.logResult ? cleanLogTail(failure.logResult) : [];
  return fitReason(prefix, error, log, locationLines(failure), maxBytes);
}

/**
 * A failure reason made of `prefix` + `error` on the first line, then `Last log lines:` and the `log` lines, then the
 * `footer` lines (where the full log is). The error and the log are cleaned first (escape sequences, credentials:
 * `clean`), so that no cut falls inside what is removed; then the error (head kept) and the log (last lines kept) are
 * cut to fit `maxBytes` as CloudFormation counts them; the prefix and the footer are always kept, but for the footer's
 * lines after its first when they would leave the rest under 200 bytes. Shared by Lambda scripts and container tasks.
 */
export function fitReason(prefix: string, errorText: string, logLines: readonly string[], footerLines: readonly string[], maxBytes: number = MAX_REASON_BYTES): string {
  // Only the head of a huge error can be shown: cleaning more of it would only cost time.
  const error = clean(errorText.slice(0, 16 * maxBytes));
  const log = logLines.map(clean).filter((line) => line.trim() !== '');
  const compose = (err: string, lines: readonly string[], footer: readonly string[]) =>
    [prefix + err, ...(lines.length ? [LOG_HEADER, ...lines] : []), ...footer].join('\n');
  const room = (footer: readonly string[]) => maxBytes - 2 - jsonBytes(compose('', [], footer)); // 2: the quotes

  let footer = footerLines;
  // Only an absurdly long log group name gets here: its link would take most of the reason.
  if (room(footer) < 200) footer = footer.slice(0, 1);
  const budget = room(footer);

  const headerBytes = jsonBytes(LOG_HEADER) + 2;
  const logBytes = log.length ? headerBytes + log.reduce((sum, line) => sum + jsonBytes(line) + 2, 0) : 0;
  // The error message may take all the room the log leaves, and at least half of it.
  const errorRoom = Math.max(Math.floor(budget / 2), budget - logBytes);
  const err = keepHead(error, errorRoom);
  const lines = log.length ? keepLastLines(log, budget - jsonBytes(err) - headerBytes) : [];

  const reason = compose(err, lines, footer);
  return jsonBytes(reason) + 2 <= maxBytes ? reason : keepHead(reason, maxBytes - 2);
}

/** A Lambda timeout, as the Invoke response reports it (newer and older runtimes). */
export function isTimeout(errorType: string | undefined, errorMessage: string | undefined): boolean {
  return errorType === 'Sandbox.Timedout' || (errorMessage ?? '').includes('Task timed out after');
}

function parseTimedOutSeconds(errorMessage: string): number | undefined {
  const match = /Task timed out after ([\d.]+) seconds/.exec(errorMessage);
  return match ? Math.round(Number(match[1])) : undefined;
}

function timeoutMessage(seconds: number | undefined): string {
  const after = seconds === undefined ? '' : ` after ${seconds} seconds`;
  return `timed out${after} (its timeout). Raise the script's \`timeout\` (at most ${MAX_SCRIPT_TIMEOUT_SECONDS / 60} minutes), ` +
    'or move long-running work elsewhere (e.g. a container task or a Step Functions state machine the script starts).';
}

/**
 * The readable lines of an Invoke `LogResult`: decoded, without the first line when the 4 KB cut made it
 * partial, without Lambda's platform lines, escape sequences, control characters and blank lines. Node and
 * Python runtimes' `<time>\t<request id>\t` line prefix is dropped: the console link finds the times, and
 * every byte of the reason counts.
 */
export function cleanLogTail(logResult: string): string[] {
  const bytes = Buffer.from(logResult, 'base64');
  const text = bytes.toString('utf8');
  const readable = (part: string) => sanitize(part)
    .split('\n')
    .map((line) => line.replace(RUNTIME_PREFIX, '$1').trimEnd())
    .filter((line) => line.trim() !== '' && !PLATFORM_LINE.test(line))
    .flatMap(compactErrorReport);
  if (bytes.length < LOG_TAIL_BYTES || text.startsWith('START RequestId:')) return readable(text);
  const newline = text.indexOf('\n');
  const lines = newline < 0 ? [] : readable(text.slice(newline + 1));
  // When the cut line is all there is (one huge last line, e.g. the runtime's report of a huge error), its
  // end is better than nothing. The cut may have split a UTF-8 sequence: drop what the decoder replaced.
  if (lines.length > 0) return lines;
  const partial = readable((newline < 0 ? text : text.slice(0, newline)).replace(/^\ufffd+/, '').replace(PARTIAL_ESCAPE, ''));
  return partial.length ? ['…' + partial.join('\n')] : [];
}

/**
 * What the byte cut may leave of an escape sequence at the start of the tail: the end of a CSI's introducer (raw or
 * JSON-escaped: `b[0m`, `01b[31m`), or the end of an OSC up to its terminator (the rest of a hyperlink's URL).
 */
const PARTIAL_ESCAPE = /^(?:(?:\\*u?0{0,2}1?[bB]|\\*x?1[bB]|\\*0?33)\[[0-?]*[ -/]*[@-~]|\S*?(?:\x07|\\+(?:u0007|x07)|(?:\x1b|\\+u001[bB])\\+))/;

const NODE_ERROR_REPORT = /^ERROR\t(Invoke Error|Uncaught Exception|Unhandled Promise Rejection) \t(\{.*\})$/;

/**
 * Lambda's Node runtime reports an error as one JSON line holding the message twice (message and stack);
 * the reason's first line already has the message, so only the top of the stack is kept.
 */
function compactErrorReport(line: string): string[] {
  const match = NODE_ERROR_REPORT.exec(line);
  if (!match) return [line];
  try {
    const { errorType, stack } = JSON.parse(match[2]);
    if (!Array.isArray(stack)) return [line];
    const frames = stack.filter((frame): frame is string => typeof frame === 'string' && /^\s+at /.test(frame));
    return [`ERROR\t${match[1]}: ${errorType} (message above)`, ...frames.slice(0, 5).map(sanitize)];
  } catch {
    return [line];
  }
}

const PLATFORM_LINE = /^(?:START|END|REPORT) RequestId:|^INIT_START |^\{"time":"[^"]*","type":"platform\./;
const RUNTIME_PREFIX =
  /^(\[[A-Z]+\]\t)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\t[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\t/;

function locationLines(failure: ScriptFailure): string[] {
  if (!failure.logGroupName) return [];
  const [, partition, , region] = failure.stackId.split(':');
  const url = logsConsoleUrl(partition, region, failure.logGroupName, failure.scriptRequestId);
  return [`Full log: ${failure.logGroupName}`, ...(url ? [url] : [])];
}

/** A CloudWatch console link to one log stream; `undefined` for unknown partitions. */
export function logStreamConsoleUrl(partition: string | undefined, region: string | undefined, logGroupName: string, logStreamName: string): string | undefined {
  const group = logsConsoleUrl(partition, region, logGroupName);
  // The console's own double encoding of the fragment, as in logsConsoleUrl.
  return group && `${group}/log-events/${encodeURIComponent(logStreamName).replace(/%/g, '$25')}`;
}

/** A CloudWatch console link to a log group, filtered to one request id; `undefined` for unknown partitions. */
export function logsConsoleUrl(partition: string | undefined, region: string | undefined, logGroupName: string, requestId?: string): string | undefined {
  const host = partition ? CONSOLE_HOSTS[partition] : undefined;
  if (!host || !region) return undefined;
  // The console's own double encoding of the fragment.
  const encode = (x: string) => encodeURIComponent(x).replace(/%/g, '$25');
  const filter = requestId ? `/log-events$3FfilterPattern$3D${encode(`"${requestId}"`)}` : '';
  return `https://${host}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${encode(logGroupName)}${filter}`;
}

/** Text fit for a failure reason or the runtime's log: without escape sequences, control characters and credentials. */
export function clean(text: string): string {
  return redact(sanitize(text));
}

/** An error whose message CloudFormation can show as it is; see `reportableError`. */
export class ReportableError extends Error {}

/**
 * An error to fail the request with. Its stack is one line because the Lambda Node runtime sends
 * `stack.split('\n')` as the trace and the Provider framework appends all but the first element to the
 * reason: a real stack would add lines and bytes the reason cannot afford.
 */
export function reportableError(message: string): ReportableError {
  const text = clean(message);
  const error = new ReportableError(keepHead(text, MAX_REASON_BYTES - 2));
  error.stack = `Error: ${keepHead(text.split('\n')[0], 200)}`;
  return error;
}
