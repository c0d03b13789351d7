/**
 * `logs --stack S [--script ID] [--follow] [--since 10m]`: the log lines of a stack's scripts and tasks, from
 * CloudWatch Logs (FilterLogEvents on each one's log group), oldest first, each after its script's id — to watch a
 * migration from a second terminal while `cdk deploy` runs.
 */
import { FilterLogEventsCommand, type FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { PROP_LOG_GROUP_NAME, PROP_LOG_STREAM_PREFIX, PROP_SECRET_RESULT } from '../../lambda-runtime/shared/consts';
import { maskSecretResult } from '../../lambda-runtime/shared/task-logs';
import { sanitize } from '../../lambda-runtime/shared/text';
import type { LogsOptions } from '../args';
import { Aws, regionOfArn } from '../aws';
import { functionName, readStack } from '../deployed';
import { CliError, EXIT_OK, UsageError } from '../errors';
import { info, type Io, style } from '../output';
import { resolveString, type ScriptDefinition, selectScript } from '../template';

/** How often --follow asks for new lines. */
const FOLLOW_INTERVAL_MS = 2000;
const DEFAULT_SINCE = '10m';

/** Where one script's or task's log lines are. */
interface LogSource {
  readonly id: string;
  readonly logGroupName: string;
  /** A task's streams start with its prefix (`<prefix>/<container>/<task id>`). */
  readonly streamPrefix?: string;
  /** A task whose result is secret: its result line is not shown. */
  readonly secretResult?: boolean;
}

export async function logs(options: LogsOptions, io: Io): Promise<number> {
  const since = parseSince(options.since ?? DEFAULT_SINCE, Date.now());
  const aws = new Aws({ profile: options.profile, region: options.region ?? regionOfArn(options.stack) });
  try {
    const stack = await readStack(aws, options.stack);
    if (stack.scripts.length === 0) {
      throw new CliError(`stack ${stack.stackName} has no deployment scripts nor container tasks: there are no logs to show.`);
    }
    const scripts = options.script ? [selectScript(stack.scripts, options.script, `stack ${stack.stackName}`)] : stack.scripts;
    const sources = scripts.map((script) => logSource(script, (value) => resolveString(value, stack.resolver), functionName(stack, script)))
      .filter((source): source is LogSource => source !== undefined);
    if (sources.length === 0) throw new CliError(`cannot tell the log group of ${scripts.map((s) => s.id).join(', ')} in stack ${stack.stackName}.`);
    const width = Math.max(...sources.map((s) => s.id.length));
    const seen = new Set<string>();
    const missing = new Set<string>();
    let from = since;
    for (;;) {
      const events = (await Promise.all(sources.map((source) => readEvents(aws, source, from, missing, io)))).flat()
        .filter((event) => !seen.has(event.id))
        .sort((a, b) => a.timestamp - b.timestamp);
      for (const event of events) {
        seen.add(event.id);
        const time = new Date(event.timestamp).toISOString().slice(11, 19);
        for (const raw of sanitize(event.message).replace(/\n+$/, '').split('\n')) {
          const line = event.secretResult ? maskSecretResult(raw) : raw;
          io.stdout.write(`${style(io, 'dim', time)} ${style(io, 'cyan', event.source.padEnd(width))}  ${line}\n`);
        }
        from = Math.max(from, event.timestamp);
      }
      if (!options.follow) {
        if (seen.size === 0) info(io, `No log lines since ${new Date(since).toISOString()} (${scripts.length === 1 ? scripts[0].id : `${sources.length} scripts`}). Try --since 1d, or --follow.`);
        return EXIT_OK;
      }
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS));
    }
  } finally {
    aws.destroy();
  }
}

/** A script's log group: its `LogGroupName`, else Lambda's default group of its function; a task's, with its stream prefix. */
function logSource(script: ScriptDefinition, resolve: (value: unknown) => string | undefined, fn: string | undefined): LogSource | undefined {
  const group = resolve(script.properties[PROP_LOG_GROUP_NAME]) ?? (script.kind === 'script' && fn ? `/aws/lambda/${fn}` : undefined);
  if (!group) return undefined;
  const prefix = script.kind === 'task' ? resolve(script.properties[PROP_LOG_STREAM_PREFIX]) : undefined;
  return {
    id: script.id, logGroupName: group, streamPrefix: prefix ? `${prefix}/` : undefined,
    secretResult: script.kind === 'task' && script.properties[PROP_SECRET_RESULT] === 'true',
  };
}

interface Event {
  readonly id: string;
  readonly source: string;
  readonly timestamp: number;
  readonly message: string;
  readonly secretResult?: boolean;
}

/** The events of one log group from `from` on, every page. A group that does not exist yet has none (said once). */
async function readEvents(aws: Aws, source: LogSource, from: number, missing: Set<string>, io: Io): Promise<Event[]> {
  const events: Event[] = [];
  let nextToken: string | undefined;
  do {
    const out = await aws.call<FilterLogEventsCommandOutput | 'missing'>(aws.logs, new FilterLogEventsCommand({
      logGroupName: source.logGroupName,
      logStreamNamePrefix: source.streamPrefix,
      startTime: from,
      nextToken,
    }), { action: 'logs:FilterLogEvents', on: `log group ${source.logGroupName}` }, (error) => (error?.name === 'ResourceNotFoundException' ? 'missing' : undefined));
    if (out === 'missing') {
      if (!missing.has(source.logGroupName)) info(io, style(io, 'dim', `(${source.id}: no log group ${source.logGroupName} yet: it has not run)`));
      missing.add(source.logGroupName);
      return events;
    }
    for (const event of out.events ?? []) {
      events.push({
        id: event.eventId ?? `${event.logStreamName}/${event.timestamp}/${event.message}`, source: source.id, timestamp: event.timestamp ?? 0,
        message: event.message ?? '', secretResult: source.secretResult,
      });
    }
    nextToken = out.nextToken;
  } while (nextToken);
  return events;
}

/** `--since`: a duration back from `now` (`30s`, `10m`, `2h`, `1d`) or a date; epoch milliseconds. */
export function parseSince(since: string, now: number): number {
  const duration = /^(\d+)\s*(s|m|h|d)$/.exec(since.trim());
  if (duration) return now - Number(duration[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 's' | 'm' | 'h' | 'd'];
  const date = Date.parse(since);
  if (/^\d{4}-\d\d-\d\d/.test(since) && !Number.isNaN(date)) return date;
  throw new UsageError(`--since '${since}' is neither a duration (30s, 10m, 2h, 1d) nor a date (2025-03-01T10:00Z).`, 'logs');
}
