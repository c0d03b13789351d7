/**
 * The last lines a task's container wrote, from its awslogs stream, for the failure reason (task runtime) and
 * the log tail of a run by hand (command line).
 */
import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { keepTail, sanitize } from './text';

/** How many of the stream's last events are read: more than a reason can show. */
const EVENTS = 100;
/** Each event's end is kept: a reason has room for a few KB in all. */
const EVENT_TAIL_BYTES = 4096;

/**
 * The container's last log lines (escape sequences and control characters removed, blank lines dropped); none when
 * the stream does not exist (the container never started). A failure to read becomes one line saying why.
 */
export async function lastLogLines(logs: CloudWatchLogsClient, logGroupName: string, logStreamName: string): Promise<string[]> {
  try {
    const out = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: false, limit: EVENTS }));
    return cleanEvents((out.events ?? []).map((event) => event.message ?? ''));
  } catch (error) {
    const name = (error as Error)?.name ?? 'Error';
    if (name === 'ResourceNotFoundException') return [];
    return [`(the log could not be read: ${name}: ${sanitize(String((error as Error)?.message ?? error))})`];
  }
}

/** The readable lines of log events, in order. */
export function cleanEvents(messages: readonly string[]): string[] {
  return messages
    .map((message) => sanitize(keepTail(message, EVENT_TAIL_BYTES)))
    .flatMap((message) => message.split('\n'))
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
}

/** What starts a task's result line; the JSON object follows after a space (lambda-runtime/task/result.ts). */
export const RESULT_MARKER = 'DEPLOYMENT_SCRIPT_RESULT';

/** Whether a line of the container's log is a result line. */
export function isResultLine(text: string): boolean {
  const line = text.trim();
  return line === RESULT_MARKER || line.startsWith(`${RESULT_MARKER} `);
}

/**
 * The line, or in place of a secret result's line a note that it is not shown: it stays in the container's own log,
 * out of failure reasons and of what the command line prints.
 */
export function maskSecretResult(line: string): string {
  return isResultLine(line) ? `${RESULT_MARKER} (not shown: the result is secret)` : line;
}
