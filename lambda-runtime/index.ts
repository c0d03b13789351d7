import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import {
  MAX_SCRIPT_TIMEOUT_SECONDS,
  PROP_FUNCTION_NAME,
  PROP_LOG_GROUP_NAME,
  PROP_PARAMETERS,
  PROP_RUN_POLICY,
  PROP_TIMEOUT_SECONDS,
  PROP_TRIGGER,
} from './consts';
import { encodeClientContext, invokeScript } from './invoke';
import { decide, describeDecision, type LifecycleInput } from './lifecycle';
import { buildFailureReason, ReportableError, reportableError } from './reason';
import { resultToData } from './result';

export interface HandlerResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

export interface HandlerOptions {
  /** Waits between invoke retries (tests make it instant). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly lambdaClient?: LambdaClient;
  readonly cloudFormationClient?: CloudFormationClient;
}

/** Time the runtime keeps, beyond the script's timeout, to report after the script. */
const REPORT_MARGIN_MS = 5000;

/** The Provider framework's onEvent handler for deployment scripts. */
export function createHandler(options: HandlerOptions = {}) {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  // Created on first use, so that configuration from the environment is read then; reused while warm.
  let lambda = options.lambdaClient;
  let cloudformation = options.cloudFormationClient;

  return async function handler(event: CloudFormationCustomResourceEvent, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<HandlerResponse> {
    // The ResponseURL is a presigned URL: anyone holding it can answer for this resource.
    console.log('event', JSON.stringify({ ...event, ResponseURL: '(redacted)' }));
    const physicalResourceId = event.RequestType === 'Create' ? event.LogicalResourceId : event.PhysicalResourceId;
    const props: Record<string, string | undefined> = event.ResourceProperties ?? {};
    const [, , , region = process.env.AWS_REGION ?? ''] = event.StackId.split(':');
    const stackName = event.StackId.split('/')[1] ?? event.StackId;
    const logicalId = event.LogicalResourceId;

    let stackStatus: string | undefined;
    let statusError: unknown;
    try {
      cloudformation ??= new CloudFormationClient({});
      const out = await cloudformation.send(new DescribeStacksCommand({ StackName: event.StackId }));
      stackStatus = out.Stacks?.[0]?.StackStatus;
      if (!stackStatus) throw new Error(`DescribeStacks returned no status for ${event.StackId}`);
    } catch (error) {
      statusError = error;
      console.log(`could not read the stack status: ${describeError(error)}`);
    }

    const input: LifecycleInput = {
      requestType: event.RequestType,
      trigger: props[PROP_TRIGGER] ?? '',
      runPolicy: props[PROP_RUN_POLICY],
      stackStatus,
    };
    const decision = decide(input);
    console.log(describeDecision(input, decision));

    if (decision.action === 'skip') return { PhysicalResourceId: physicalResourceId };
    if (decision.action === 'fail') {
      const cause = statusError ? ` (${describeError(statusError)})` : '';
      throw reportableError(`Deployment script ${logicalId} did not run: ${decision.why}${cause}.`);
    }

    try {
      const functionName = props[PROP_FUNCTION_NAME];
      if (!functionName) throw reportableError(`Deployment script ${logicalId}: the ${PROP_FUNCTION_NAME} property is missing.`);
      const timeoutSeconds = positiveNumber(props[PROP_TIMEOUT_SECONDS]);
      lambda ??= new LambdaClient({ maxAttempts: 1 }); // an SDK-level retry could run a migration twice
      const client = lambda;
      const out = await invokeScript((command) => client.send(command), {
        logicalResourceId: logicalId,
        functionName,
        payload: props[PROP_PARAMETERS] ?? '{}',
        clientContext: encodeClientContext({
          trigger: input.trigger,
          requestType: event.RequestType,
          stackId: event.StackId,
          stackName,
          logicalResourceId: logicalId,
          physicalResourceId,
          region,
        }),
        reserveMs: (timeoutSeconds ?? MAX_SCRIPT_TIMEOUT_SECONDS) * 1000 + REPORT_MARGIN_MS,
      }, { now, sleep, remainingMs: () => context.getRemainingTimeInMillis() });

      const scriptRequestId = out.$metadata.requestId;
      const payload = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
      console.log(`script ${functionName} (version ${out.ExecutedVersion ?? '?'}, request ${scriptRequestId ?? '?'}) ${out.FunctionError ? `failed (${out.FunctionError})` : 'succeeded'}`);

      if (out.FunctionError) {
        const { errorType, errorMessage } = parseError(payload, out.FunctionError);
        throw reportableError(buildFailureReason({
          logicalResourceId: logicalId,
          stackId: event.StackId,
          errorType,
          errorMessage,
          logResult: out.LogResult,
          logGroupName: props[PROP_LOG_GROUP_NAME],
          scriptRequestId,
          timeoutSeconds,
        }));
      }
      if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };

      const result = resultToData(payload, logicalId);
      console.log(`script ${result.note}`);
      return { PhysicalResourceId: physicalResourceId, ...(result.data ? { Data: result.data } : {}) };
    } catch (error) {
      const reportable = error instanceof ReportableError
        ? error
        : reportableError(`Deployment script ${logicalId} failed in the provider: ${describeError(error)}`);
      if (decision.failureFails) {
        if (reportable !== error) console.error(error); // keep the real stack in the log
        throw reportable;
      }
      // Nothing may block a stack's deletion: report in the log, then succeed.
      console.error(`${reportable.message}\n(the stack is being deleted: this failure does not stop the deletion)`);
      return { PhysicalResourceId: physicalResourceId };
    }
  };
}

export const handler = createHandler();

/** A script's error payload: `{errorType, errorMessage, trace?}` from Lambda's runtimes, anything from others. */
function parseError(payload: string, functionError: string): { errorType: string; errorMessage: string } {
  try {
    const value = JSON.parse(payload);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const errorMessage = typeof value.errorMessage === 'string' ? value.errorMessage : JSON.stringify(value.errorMessage ?? value);
      return { errorType: typeof value.errorType === 'string' ? value.errorType : functionError, errorMessage };
    }
  } catch {
    // not JSON: report the raw payload
  }
  return { errorType: functionError, errorMessage: payload || '(no error message)' };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function positiveNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : undefined;
}
