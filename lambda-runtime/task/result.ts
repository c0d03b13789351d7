/**
 * A container task's result. A container has no return value, and a Fargate task shares no filesystem with the
 * provider: what it has is its log. So the container prints one line, `DEPLOYMENT_SCRIPT_RESULT {"key":"value"}`, and
 * when the task has stopped with exit code 0 the runtime reads it from the task's awslogs stream. The object becomes
 * the custom resource's attributes exactly as a Lambda script's returned object does (lambda-runtime/shared/result-data.ts),
 * within the same MAX_RESULT_BYTES. A secret result (`SecretResult`) is never shown in what the runtime reports.
 */
import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { reportableError } from '../shared/reason';
import { resultData, type ResultData } from '../shared/result-data';
import { isResultLine, RESULT_MARKER } from '../shared/task-logs';
import { keepHead, sanitize } from '../shared/text';

/** How many of the stream's last events are searched for the result line. */
export const RESULT_SEARCH_EVENTS = 100;

/**
 * The JSON text of the last result line among the log's messages (the container's lines, oldest first), or
 * `undefined` when there is none. Read raw: the result is the container's own words, not a log line to clean.
 */
export function findResultLine(messages: readonly string[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const lines = messages[i].split('\n');
    for (let j = lines.length - 1; j >= 0; j--) {
      const line = lines[j].trim();
      if (isResultLine(line)) return line.slice(RESULT_MARKER.length).trim();
    }
  }
  return undefined;
}

/**
 * The attributes of a task's result line. A line that is there but holds no JSON object fails: the container meant
 * to return something, and whatever reads it would fail later with a less telling message.
 */
export function taskResultData(json: string | undefined, logicalId: string, secret = false): ResultData {
  if (json === undefined) return { note: `printed no ${RESULT_MARKER} line: no attributes` };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw reportableError(`Deployment task ${logicalId} printed a ${RESULT_MARKER} line that does not hold a JSON object: ` +
      `${secret ? '(not shown: the result is secret)' : sanitize(keepHead(json, 200)) || '(nothing)'}. Print one line: ${RESULT_MARKER} {"key":"value"}`);
  }
  return resultData(json, `Deployment task ${logicalId} printed`);
}

/** The last messages of the task's log stream; none when the stream does not exist. */
export async function readLogTail(logs: CloudWatchLogsClient, logGroupName: string, logStreamName: string): Promise<string[]> {
  try {
    const out = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: false, limit: RESULT_SEARCH_EVENTS }));
    return (out.events ?? []).map((event) => event.message ?? '');
  } catch (error) {
    if ((error as Error)?.name === 'ResourceNotFoundException') return [];
    throw error;
  }
}
