/**
 * The skeleton both runtimes' handlers share (lambda-runtime/script/ and lambda-runtime/task/): what they log of a
 * request and read from it, the decision whether it runs (docs/DESIGN.md#lifecycle), how a failure is reported, and
 * how long they wait before a retry. Each runtime keeps only its own work: invoking a script and keeping its result,
 * or starting a task and waiting for it.
 *
 * Plain functions over positional values: each bundle holds one user of them, and must stay within the bundles' limits
 * (test/runtime/bundle.test.ts), where minified code keeps the names of an object's properties.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ENV_PROVIDER_STACK_ID, PROP_RUN_POLICY, PROP_TRIGGER, PROP_UNDO_ON_ROLLBACK, TRIGGER_BEFORE_DELETE } from './consts';
import { decide, describeDecision, type Decision, type LifecycleInput } from './lifecycle';
import { clean, ReportableError, reportableError } from './reason';

// The handler creates its clients from the modules that send their commands: one require of each AWS SDK package in
// the bundle.
export { CloudFormationClient };

/** The ids a handler reads from a request's event. */
export type RequestIds = [
  /** The resource's physical id: its logical id, which a Create has yet to give it. */
  physicalResourceId: string,
  /** The stack's name, from its ARN. */
  stackName: string,
  /** The stack's region, from its ARN; the runtime's own when the ARN has none. */
  region: string,
];

/** Logs the request, without its ResponseURL, and reads its ids. */
export function receiveRequest(event: CloudFormationCustomResourceEvent): RequestIds {
  // The ResponseURL is a presigned URL: anyone holding it can answer for this resource.
  console.log('event', clean(JSON.stringify({ ...event, ResponseURL: '(redacted)' })));
  const [, , , region = process.env.AWS_REGION ?? ''] = event.StackId.split(':');
  return [
    event.RequestType === 'Create' ? event.LogicalResourceId : event.PhysicalResourceId,
    event.StackId.split('/')[1] ?? event.StackId,
    region,
  ];
}

/**
 * What both runtimes do first with a request: read the stack's status, which tells a deployment from its rollback
 * and a stack deletion from the removal of one script, and decide from it.
 */
export interface RequestDecision {
  readonly input: LifecycleInput;
  /** Run, or answer without running: a decision to fail is thrown. */
  readonly decision: Exclude<Decision, { readonly action: 'fail' }>;
}

/**
 * Why the request is not this provider's to serve, or `undefined` when it is. A provider serves only its own stack
 * (ENV_PROVIDER_STACK_ID, its `AWS::StackId`): a custom resource of another stack that names the provider as its
 * service token would otherwise run the stack's scripts with parameters of its own choosing.
 */
export function foreignRequest(event: CloudFormationCustomResourceEvent): string | undefined {
  const own = process.env[ENV_PROVIDER_STACK_ID];
  if (!own) return `the provider does not know which stack it serves (its ${ENV_PROVIDER_STACK_ID} environment variable is not set)`;
  return event.StackId === own ? undefined : `the request comes from the stack ${event.StackId}, and this provider serves only ${own}`;
}

/**
 * How many times the stack status is asked for, while the service throttles or fails, before it counts as unknown;
 * each read is the SDK's own few attempts. The waits between reads grow from 250 ms to 2 s: about 6 s in all.
 */
const STATUS_ATTEMPTS = 6;

/**
 * Decides whether the request runs; throws the reason CloudFormation shows when it fails without running. `who`
 * names what runs in messages: `Deployment script <logical id>`, `Deployment task <logical id>`. `sleep` waits
 * between the reads of a throttled stack status.
 */
export async function decideRequest(cloudformation: CloudFormationClient, event: CloudFormationCustomResourceEvent,
  who: string, sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))): Promise<RequestDecision> {
  const props: Record<string, unknown> = event.ResourceProperties ?? {};
  const trigger = String(props[PROP_TRIGGER] ?? '');
  const foreign = foreignRequest(event);
  if (foreign) {
    const refusal = `${who} did not run: refused, ${foreign}`;
    // Nothing may block a deletion, not even another stack's: its Delete succeeds, having done nothing.
    if (event.RequestType !== 'Delete') throw reportableError(`${refusal}.`);
    console.error(`${refusal} (the Delete succeeds without doing anything)`);
    return { input: { requestType: event.RequestType, trigger }, decision: { action: 'skip', why: 'refused: another stack\'s request' } };
  }

  let stackStatus: string | undefined;
  let statusError: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await cloudformation.send(new DescribeStacksCommand({ StackName: event.StackId }));
      stackStatus = out.Stacks?.[0]?.StackStatus;
      if (!stackStatus) throw new Error(`DescribeStacks returned no status for ${event.StackId}`);
      break;
    } catch (error) {
      const delay = Math.min(250 * 2 ** (attempt - 1), 2000);
      const retry = attempt < STATUS_ATTEMPTS && isTransient(error);
      console.log(`could not read the stack status: ${describeError(error)}${retry ? `: retrying in ${delay} ms` : ''}`);
      if (!retry) {
        statusError = error;
        break;
      }
      await sleep(delay);
    }
  }
  const input: LifecycleInput = {
    requestType: event.RequestType,
    trigger,
    runPolicy: typeof props[PROP_RUN_POLICY] === 'string' ? props[PROP_RUN_POLICY] as string : undefined,
    stackStatus,
    undoOnRollback: props[PROP_UNDO_ON_ROLLBACK] === 'true',
  };
  const decision = decide(input);
  console.log(describeDecision(input, decision));
  const cause = statusError ? ` (${describeError(statusError)})` : '';
  if (decision.action === 'fail') throw reportableError(`${who} did not run: ${decision.why}${cause}.`);
  if (statusError && event.RequestType === 'Delete' && trigger === TRIGGER_BEFORE_DELETE) {
    // The one case where not knowing the status may skip a run that was due: say so where the deletion is looked at.
    console.error(`${who} did not run: ${decision.why}${cause}. If the stack was being deleted, what the script cleans up is left as it is.`);
  }
  return { input, decision };
}

/**
 * An error that a later try may not meet: throttling, a 5xx, a lost or timed-out connection. Never one of the
 * runtime's own (a ReportableError).
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ReportableError) return false;
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return status >= 500 || status === 429 || [e?.name, e?.code].some((name) =>
    /^(?:Throttling(?:Exception)?|TooManyRequestsException|RequestLimitExceeded|TimeoutError|RequestTimeout(?:Exception)?|E(?:CONNRESET|CONNREFUSED|TIMEDOUT|PIPE|AI_AGAIN))$/
      .test(name ?? ''));
}

/**
 * Throws the error as a reportable one when a failure fails the request; otherwise (the stack is being deleted)
 * logs it and answers `otherwise`.
 */
export function failOrLog<T>(error: unknown, who: string, failureFails: boolean, otherwise: T): T {
  const reportable = error instanceof ReportableError
    ? error
    : reportableError(`${who} failed in the provider: ${describeError(error)}`);
  if (failureFails) {
    if (reportable !== error) console.error(clean(String((error as Error)?.stack ?? error))); // the real stack, for the log
    throw reportable;
  }
  // Nothing may block a stack's deletion: report in the log, then succeed.
  console.error(`${reportable.message}\n(the stack is being deleted: this failure does not stop the deletion)`);
  return otherwise;
}

/** The wait before retry number `attempt` (1-based) of a call that proved it did not start anything. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** (attempt - 1), 5000);
}

/** An error as a line of a message or the log: cleaned (escape sequences, credentials). */
export function describeError(error: unknown): string {
  return clean(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
