import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { ACCESS_DENIED_RETRY_SECONDS, CLIENT_CONTEXT_KEY } from './consts';
import { retryDelayMs } from './request';
import { reportableError } from './reason';

// The handler creates its clients from the modules that send their commands: one require of each AWS SDK package in
// the bundle.
export { LambdaClient };

/** Lambda rejects a client context longer than this (base64). */
export const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** What a script learns about its run from the invocation's client context, beside its parameters. */
export interface ScriptContext {
  readonly trigger: string;
  readonly requestType: string;
  readonly stackId: string;
  readonly stackName: string;
  readonly logicalResourceId: string;
  readonly physicalResourceId: string;
  readonly region: string;
  /** The call undoes a run because its deployment rolls back (`undoOnRollback`); absent on every other run. */
  readonly rollback?: true;
}

/** The base64 client context of a script's invocation. */
export function encodeClientContext(context: ScriptContext): string {
  const encode = (value: object) => Buffer.from(JSON.stringify({ [CLIENT_CONTEXT_KEY]: value }), 'utf8').toString('base64');
  const full = encode(context);
  if (full.length <= MAX_CLIENT_CONTEXT_BYTES) return full;
  // CloudFormation bounds every field, so this only guards against the unforeseen: keep what identifies the run.
  const { trigger, requestType, logicalResourceId, region, stackId, rollback } = context;
  return encode({ trigger, requestType, logicalResourceId: logicalResourceId.slice(0, 255), region, stackId: stackId.slice(0, 1024), rollback });
}

/**
 * Errors worth retrying: a role that IAM has not yet propagated, and throttling. Nothing else, because the
 * script may not be idempotent (a migration) and any other failure may come after it started.
 */
const RETRYABLE = new Set(['AccessDeniedException', 'TooManyRequestsException']);

export interface InvokeRequest {
  readonly logicalResourceId: string;
  readonly functionName: string;
  /** The script's event: the `Parameters` JSON exactly as given. */
  readonly payload: string;
  readonly clientContext: string;
  /** Time to keep for the script itself: retries stop before the runtime's remaining time falls below it. */
  readonly reserveMs: number;
}

export interface InvokeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** The runtime's remaining time (`context.getRemainingTimeInMillis()`). */
  remainingMs(): number;
}

export type SendInvoke = (command: InvokeCommand) => Promise<InvokeCommandOutput>;

/** Invokes the script once, retrying only errors that prove it did not start, for a bounded time. */
export async function invokeScript(send: SendInvoke, request: InvokeRequest, clock: InvokeClock): Promise<InvokeCommandOutput> {
  const command = new InvokeCommand({
    FunctionName: request.functionName,
    InvocationType: 'RequestResponse',
    LogType: 'Tail',
    Payload: Buffer.from(request.payload, 'utf8'),
    ClientContext: request.clientContext,
  });
  const start = clock.now();
  const giveUpAt = start + ACCESS_DENIED_RETRY_SECONDS * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(command);
    } catch (error) {
      const name = (error as Error)?.name ?? 'Error';
      const delay = retryDelayMs(attempt);
      if (RETRYABLE.has(name) && clock.now() + delay <= giveUpAt && clock.remainingMs() - delay >= request.reserveMs) {
        console.log(`invoke attempt ${attempt} failed with ${name}: retrying in ${delay} ms`);
        await clock.sleep(delay);
        continue;
      }
      const seconds = Math.round((clock.now() - start) / 1000);
      const tries = attempt > 1 ? ` (${attempt} attempts over ${seconds} s)` : '';
      const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      // A 4xx is Lambda refusing the request, so the script did not start. A 5xx or no answer at all (a lost
      // connection, a timeout) may come after the script started, or even finished: say no more than is known.
      if (status === undefined || status >= 500) {
        const answer = status === undefined ? `no answer came from Lambda (${name})` : `Lambda answered ${name} (HTTP ${status})`;
        throw reportableError(
          `Deployment script ${request.logicalResourceId}: ${answer} while invoking the script function ${request.functionName}` +
          `${tries}: ${(error as Error)?.message}: the script may have run. Its log tells whether it did.`,
        );
      }
      throw reportableError(
        `Deployment script ${request.logicalResourceId} did not run: the provider could not invoke the script function ` +
        `${request.functionName}${tries}: ${name}: ${(error as Error)?.message}${HINTS[name] ?? ''}`,
      );
    }
  }
}

const HINTS: Record<string, string> = {
  AccessDeniedException: '. The provider\'s role needs lambda:InvokeFunction on the script; a role created moments ago may not have propagated yet: retry the deployment.',
  TooManyRequestsException: '. The script\'s concurrency is exhausted (its reserved concurrency or the account\'s limit).',
};
