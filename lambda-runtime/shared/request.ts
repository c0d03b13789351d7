/**
 * The skeleton both runtimes' handlers share (lambda-runtime/script/ and lambda-runtime/task/): what they log of a
 * request and read from it, the decision whether it runs (docs/DESIGN.md#lifecycle), how a failure is reported, and
 * how long they wait before a retry. Each runtime keeps only its own work: invoking a script and keeping its result,
 * or starting a task and waiting for it.
 *
 * Plain functions over positional values: each bundle holds one user of them, and must stay under 15 KB
 * (test/runtime/bundle.test.ts), where minified code keeps the names of an object's properties.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { PROP_RUN_POLICY, PROP_TRIGGER } from './consts';
import { decide, describeDecision, type Decision, type LifecycleInput } from './lifecycle';
import { ReportableError, reportableError } from './reason';

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
  console.log('event', JSON.stringify({ ...event, ResponseURL: '(redacted)' }));
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
 * Decides whether the request runs; throws the reason CloudFormation shows when it fails without running. `who`
 * names what runs in messages: `Deployment script <logical id>`, `Deployment task <logical id>`.
 */
export async function decideRequest(cloudformation: CloudFormationClient, event: CloudFormationCustomResourceEvent,
  who: string): Promise<RequestDecision> {
  let stackStatus: string | undefined;
  let statusError: unknown;
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: event.StackId }));
    stackStatus = out.Stacks?.[0]?.StackStatus;
    if (!stackStatus) throw new Error(`DescribeStacks returned no status for ${event.StackId}`);
  } catch (error) {
    statusError = error;
    console.log(`could not read the stack status: ${describeError(error)}`);
  }
  const props: Record<string, unknown> = event.ResourceProperties ?? {};
  const input: LifecycleInput = {
    requestType: event.RequestType,
    trigger: String(props[PROP_TRIGGER] ?? ''),
    runPolicy: typeof props[PROP_RUN_POLICY] === 'string' ? props[PROP_RUN_POLICY] as string : undefined,
    stackStatus,
  };
  const decision = decide(input);
  console.log(describeDecision(input, decision));
  if (decision.action === 'fail') {
    const cause = statusError ? ` (${describeError(statusError)})` : '';
    throw reportableError(`${who} did not run: ${decision.why}${cause}.`);
  }
  return { input, decision };
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
    if (reportable !== error) console.error(error); // keep the real stack in the log
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

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
