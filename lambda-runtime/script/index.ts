import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import {
  ACCESS_DENIED_RETRY_SECONDS,
  MAX_SCRIPT_TIMEOUT_SECONDS,
  PROP_FUNCTION_NAME,
  PROP_LOG_GROUP_NAME,
  PROP_PARAMETERS,
  PROP_SECRET_RESULT,
  PROP_TIMEOUT_SECONDS,
  PROP_TRIGGER,
  PROP_UNDO_ON_ROLLBACK,
} from '../shared/consts';
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { encodeClientContext, invokeScript, LambdaClient } from '../shared/invoke';
import { CloudFormationClient, decideRequest, describeError, failOrLog, foreignRequest, receiveRequest, retryDelayMs } from '../shared/request';
import { buildFailureReason, reportableError } from '../shared/reason';
import { afterFailure, readRetry } from '../shared/retry';
import { resultToData } from './result';
import { type Data, deleteStoredResult, readStoredResult, resultParameterName, SSMClient, storeResult } from '../shared/stored-result';
import { claimUndo, runMarker, undoneProperties } from '../shared/undo';

export interface HandlerResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Data;
  /** A secret result: CloudFormation masks the attributes, the Provider framework logs them redacted. */
  readonly NoEcho?: boolean;
}

export interface HandlerOptions {
  /** Waits between retries of Invoke and PutParameter (tests make it instant). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly lambdaClient?: LambdaClient;
  readonly cloudFormationClient?: CloudFormationClient;
  readonly ssmClient?: SSMClient;
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
  let ssmClient = options.ssmClient;
  const ssm = () => (ssmClient ??= new SSMClient({}));

  return async function handler(event: CloudFormationCustomResourceEvent, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<HandlerResponse> {
    const [physicalResourceId, stackName, region] = receiveRequest(event);
    const resultParameter = resultParameterName(stackName, physicalResourceId);
    try {
      const response = await respond(event, context, physicalResourceId, stackName, region, resultParameter);
      return secretResult(event) ? { ...response, NoEcho: true } : response;
    } finally {
      // Every Delete forgets the stored result, whatever the stack's status and whether the script ran: the
      // resource is gone. It never fails the Delete (nothing may block a deletion). Another stack's request touches
      // nothing.
      if (event.RequestType === 'Delete' && !foreignRequest(event)) await forgetResult(resultParameter);
    }
  };

  async function respond(
    event: CloudFormationCustomResourceEvent,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
    physicalResourceId: string,
    stackName: string,
    region: string,
    resultParameter: string,
  ): Promise<HandlerResponse> {
    const props: Record<string, string | undefined> = event.ResourceProperties ?? {};
    const logicalId = event.LogicalResourceId;
    const who = `Deployment script ${logicalId}`;
    const parameters = props[PROP_PARAMETERS] ?? '{}';

    cloudformation ??= new CloudFormationClient({});
    const { decision } = await decideRequest(cloudformation, event, who, sleep);

    if (decision.action === 'skip') {
      // Before anything else, and before a Delete forgets the stored record: the marker of the run is in it.
      if (decision.undo) await undo(event, physicalResourceId, stackName, region, resultParameter);
      let data: Data | undefined;
      if (decision.keepResult) {
        try {
          data = await readStoredResult(ssm(), resultParameter);
          console.log(`stored result ${resultParameter}: ${data ? Object.keys(data).join(', ') : 'none'}`);
        } catch (error) {
          const message = `${who} did not run (${decision.why}) and could not keep its attributes: ` +
            `reading the SSM parameter ${resultParameter} failed: ${describeError(error)}`;
          if (decision.keepResult.failureFails) throw reportableError(message + ssmHint(error, 'GetParameter'));
          console.error(message + ' (answering without attributes rather than failing)');
          return { PhysicalResourceId: physicalResourceId }; // and no record over a value that could not be read
        }
      }
      // A Create or Update that does not run the script (a before:delete script, run policy "once", a rollback)
      // still records its parameters, for a run by hand; failing to is only logged, never fails the request.
      if (event.RequestType !== 'Delete') await keepResult(resultParameter, data, parameters, logicalId, context, false, secretResult(event));
      return { PhysicalResourceId: physicalResourceId, ...(data ? { Data: data } : {}) };
    }

    try {
      // Each attempt may run for the script's timeout (Lambda stops it there).
      const attemptMs = (positiveNumber(props[PROP_TIMEOUT_SECONDS]) ?? MAX_SCRIPT_TIMEOUT_SECONDS) * 1000;
      const retry = readRetry(props);
      for (let attempt = 1; ; attempt++) {
        const [out, payload, error] = await callScript(event, props, physicalResourceId, stackName, region, context);
        if (error) {
          // A script that takes retries runs again after a wait, while a whole attempt fits in the runtime's time.
          const next = afterFailure(retry, attempt, context.getRemainingTimeInMillis() - REPORT_MARGIN_MS, attemptMs);
          if ('wait' in next) {
            console.log(`attempt ${attempt} failed (${describeError(`${error.errorType}: ${error.errorMessage}`.slice(0, 300))}): attempt ${attempt + 1} in ${next.wait / 1000} s`);
            await sleep(next.wait);
            continue;
          }
          throw reportableError(failureReason(event, props, out, error, next.note));
        }
        if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };

        const result = resultToData(payload, logicalId);
        console.log(`script ${result.note}`);
        // Only a result with attributes must be stored (or a later rollback or "once" update would lose them): without,
        // a failure to record is only logged, as before records, when the template reads none of the attributes.
        // A script to undo on rollback: the marker of this run, which a rollback of this deployment looks for.
        const marker = props[PROP_UNDO_ON_ROLLBACK] === 'true' ? runMarker(props) : undefined;
        await keepResult(resultParameter, result.data, parameters, logicalId, context, !!result.data, secretResult(event), marker);
        return { PhysicalResourceId: physicalResourceId, ...(result.data ? { Data: result.data } : {}) };
      }
    } catch (error) {
      return failOrLog(error, who, decision.failureFails, { PhysicalResourceId: physicalResourceId });
    }
  }

  /**
   * Records a successful Create or Update: the result of its run (empty when it returned nothing or did not run),
   * for the updates that do not run the script, and its parameters, for runs by hand. `fails`: a failure to
   * store fails the request (else it is only logged). `secret`: stored as a SecureString.
   */
  async function keepResult(name: string, data: Data | undefined, parameters: string, logicalId: string,
    context: Pick<Context, 'getRemainingTimeInMillis'>, fails: boolean, secret: boolean, marker?: string): Promise<void> {
    const start = now();
    for (let attempt = 1; ; attempt++) {
      try {
        await storeResult(ssm(), name, data ?? {}, parameters, secret, marker);
        return console.log(`stored the result in ${name}`);
      } catch (error) {
        // A policy statement added moments ago (an upgrade of this library) may not have propagated yet.
        const delay = retryDelayMs(attempt);
        if (errorName(error) === 'AccessDeniedException' && now() + delay - start <= ACCESS_DENIED_RETRY_SECONDS * 1000 &&
          context.getRemainingTimeInMillis() - delay >= REPORT_MARGIN_MS) {
          console.log(`PutParameter: AccessDeniedException, retrying in ${delay} ms`);
          await sleep(delay);
          continue;
        }
        const message = `storing its result in the SSM parameter ${name} failed: ${describeError(error)}${ssmHint(error, 'PutParameter')}`;
        // Without it, a later rollback or "once" update would answer with stale attributes or none.
        if (fails) throw reportableError(`Deployment script ${logicalId} ran, but ${message}`);
        return console.error(`${message} (ignored)`);
      }
    }
  }

  /**
   * Calls the script back to undo the run that a rollback request names (lambda-runtime/shared/undo.ts), when this
   * deployment made it: the same function, the parameters of that run, the context of every run with `rollback`.
   * Once: no retries. Logs what happens and never throws: an undo never fails nor blocks a rollback.
   */
  async function undo(event: CloudFormationCustomResourceEvent, physicalResourceId: string, stackName: string, region: string,
    resultParameter: string): Promise<void> {
    const who = `Deployment script ${event.LogicalResourceId}`;
    const props = undoneProperties(event) as Properties;
    if (!await claimUndo(ssm(), resultParameter, props, who)) return;
    const failed = `${who}: the call that undoes its run failed, and the rollback goes on`;
    try {
      const [out, , error] = await callScript(event, props, physicalResourceId, stackName, region, undefined);
      if (error) console.error(`${failed}. ${failureReason(event, props, out, error)}`);
    } catch (error) {
      console.error(`${failed}: ${describeError(error)}`);
    }
  }

  /**
   * Invokes the script that `props` name, with their parameters and the request's context; without `context` (the
   * runtime's time), the call that undoes a run, told `rollback`, which is not tried again when Lambda refuses or
   * throttles it. Returns Lambda's answer, the payload, and the script's error if it failed.
   */
  async function callScript(event: CloudFormationCustomResourceEvent, props: Properties, physicalResourceId: string, stackName: string,
    region: string, context: Pick<Context, 'getRemainingTimeInMillis'> | undefined): Promise<[InvokeCommandOutput, string, ScriptError?]> {
    const functionName = props[PROP_FUNCTION_NAME];
    if (!functionName) throw reportableError(`Deployment script ${event.LogicalResourceId}: the ${PROP_FUNCTION_NAME} property is missing.`);
    lambda ??= new LambdaClient({ maxAttempts: 1 }); // an SDK-level retry could run a migration twice
    const client = lambda;
    const out = await invokeScript((command) => client.send(command), {
      logicalResourceId: event.LogicalResourceId,
      functionName,
      payload: props[PROP_PARAMETERS] ?? '{}',
      clientContext: encodeClientContext({
        trigger: props[PROP_TRIGGER] ?? '',
        requestType: event.RequestType,
        stackId: event.StackId,
        stackName,
        logicalResourceId: event.LogicalResourceId,
        physicalResourceId,
        region,
        ...context ? {} : { rollback: true },
      }),
      reserveMs: (positiveNumber(props[PROP_TIMEOUT_SECONDS]) ?? MAX_SCRIPT_TIMEOUT_SECONDS) * 1000 + REPORT_MARGIN_MS,
    }, { now, sleep, remainingMs: () => context?.getRemainingTimeInMillis() ?? 0 });
    const payload = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    console.log(`script ${functionName} (version ${out.ExecutedVersion ?? '?'}, request ${out.$metadata.requestId ?? '?'}) ${out.FunctionError ? `failed (${out.FunctionError})` : 'succeeded'}`);
    return [out, payload, out.FunctionError ? parseError(payload, out.FunctionError) : undefined];
  }

  /** Deletes a stored result; logs, never throws. */
  async function forgetResult(name: string): Promise<void> {
    try {
      if (await deleteStoredResult(ssm(), name)) console.log(`deleted the stored result ${name}`);
    } catch (error) {
      console.error(`could not delete the stored result ${name}: ${describeError(error)} (ignored)`);
    }
  }
}

export const handler = createHandler();

type Properties = Record<string, string | undefined>;
type ScriptError = { errorType: string; errorMessage: string };

/** What CloudFormation shows (or the log says) of a failed call: the error, the end of the script's log, where the rest is. */
function failureReason(event: CloudFormationCustomResourceEvent, props: Properties, out: InvokeCommandOutput, error: ScriptError, attempts?: string): string {
  const functionName = props[PROP_FUNCTION_NAME] ?? '';
  return buildFailureReason({
    logicalResourceId: event.LogicalResourceId,
    stackId: event.StackId,
    ...error,
    logResult: out.LogResult,
    // Without a log group of its own, a function logs to Lambda's `/aws/lambda/<function name>`.
    logGroupName: props[PROP_LOG_GROUP_NAME] ?? `/aws/lambda/${functionName.split(':')[6] ?? functionName}`,
    scriptRequestId: out.$metadata.requestId,
    timeoutSeconds: positiveNumber(props[PROP_TIMEOUT_SECONDS]),
    attempts,
  });
}

/** A script's error payload: `{errorType, errorMessage, trace?}` from Lambda's runtimes, anything from others. */
function parseError(payload: string, functionError: string): ScriptError {
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

/** Whether the script's result is secret (SecureString, NoEcho): the construct's `secretResult`. */
function secretResult(event: CloudFormationCustomResourceEvent): boolean {
  return event.ResourceProperties?.[PROP_SECRET_RESULT] === 'true';
}

function errorName(error: unknown): string | undefined {
  return (error as Error | undefined)?.name;
}

/** What to do about an SSM error, when it is a missing permission. */
function ssmHint(error: unknown, action: string): string {
  return errorName(error) === 'AccessDeniedException' ? `. The provider's role needs ssm:${action} on it.` : '';
}


function positiveNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : undefined;
}
