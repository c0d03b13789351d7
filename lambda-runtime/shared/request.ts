import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { PROP_RUN_POLICY, PROP_TRIGGER } from './consts';
import { decide, describeDecision, type Decision, type LifecycleInput } from './lifecycle';

// The handler creates its clients from the modules that send their commands: one require of each AWS SDK package in
// the bundle.
export { CloudFormationClient };

/**
 * What both runtimes (Lambda scripts and container tasks) do first with a request: read the stack's status, which
 * tells a deployment from its rollback and a stack deletion from the removal of one script, and decide from it.
 */
export interface RequestDecision {
  readonly input: LifecycleInput;
  readonly decision: Decision;
  /** Why the status could not be read, when it could not. */
  readonly statusError?: unknown;
}

export async function decideRequest(cloudformation: CloudFormationClient, event: CloudFormationCustomResourceEvent): Promise<RequestDecision> {
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
  return { input, decision, statusError };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
