import { RUN_POLICY_ONCE, TRIGGER_AFTER_DEPLOY, TRIGGER_BEFORE_DELETE } from './consts';

export type RequestType = 'Create' | 'Update' | 'Delete';

export interface LifecycleInput {
  readonly requestType: RequestType;
  /** The `Trigger` property. */
  readonly trigger: string;
  /** The `RunPolicy` property. */
  readonly runPolicy?: string;
  /** The stack's status from DescribeStacks; `undefined` when it could not be read. */
  readonly stackStatus?: string;
}

export type Decision =
  /** Run the script. `failureFails`: a script failure fails the request (else it is only logged). */
  | { readonly action: 'run'; readonly failureFails: boolean; readonly why: string }
  | {
    readonly action: 'skip';
    readonly why: string;
    /**
     * Answer with the result the script's last run stored (lambda-runtime/stored-result.ts): an Update that
     * does not run the script must still return its attributes, or CloudFormation drops them and whatever reads
     * them with `Fn::GetAtt` fails. `failureFails`: a failure to read it fails the request (else it is only
     * logged, and the request succeeds without attributes).
     */
    readonly keepResult?: { readonly failureFails: boolean };
  }
  /** Fail the request without running the script. */
  | { readonly action: 'fail'; readonly why: string };

/** Whether to run the script for this request: the lifecycle table of docs/DESIGN.md#lifecycle. */
export function decide(input: LifecycleInput): Decision {
  const { requestType, trigger, runPolicy, stackStatus } = input;
  const known = trigger === TRIGGER_AFTER_DEPLOY || trigger === TRIGGER_BEFORE_DELETE;

  if (requestType === 'Delete') {
    // Nothing may block a deletion, so Delete never fails, whatever the input.
    if (trigger !== TRIGGER_BEFORE_DELETE) return skip('an after:deploy script does not run on Delete');
    if (stackStatus === undefined) return skip('the stack status could not be read, so it is unknown whether the stack is being deleted');
    if (stackStatus === 'DELETE_IN_PROGRESS') {
      return { action: 'run', failureFails: false, why: 'the stack is being deleted' };
    }
    // UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: the script was removed or replaced; *ROLLBACK*: a failed
    // create or update is being undone. Neither deletes what the script needs.
    return skip('the stack is not being deleted');
  }

  if (!known) return { action: 'fail', why: `unknown trigger "${trigger}"` };
  if (trigger === TRIGGER_BEFORE_DELETE) return skip('a before:delete script runs only when its stack is deleted');

  if (requestType === 'Create') {
    // A Create has no rollback to confuse it with, so an unreadable status is taken as a forward deployment.
    if (stackStatus?.includes('ROLLBACK')) return skip('the stack is rolling back');
    return { action: 'run', failureFails: true, why: stackStatus === undefined ? 'created (stack status unknown: assuming a forward deployment)' : 'created' };
  }

  // Update
  if (stackStatus === undefined) {
    return { action: 'fail', why: 'the stack status could not be read, so an update cannot be told from the rollback of a failed update' };
  }
  // The rollback of a failed update sends Update with the old properties: running then would repeat the
  // script that just failed, or run the previous version of it. Nor may reading the stored result fail it: a
  // failed rollback leaves the stack in UPDATE_ROLLBACK_FAILED (only ContinueUpdateRollback gets it out),
  // whereas a rollback without attributes fails only if something reads them.
  if (stackStatus.includes('ROLLBACK')) return skip('the stack is rolling back', { failureFails: false });
  // A forward update that cannot return the attributes fails and rolls back, rather than losing them silently.
  if (runPolicy === RUN_POLICY_ONCE) return skip('run policy "once" runs only on create', { failureFails: true });
  return { action: 'run', failureFails: true, why: 'updated' };
}

function skip(why: string, keepResult?: { readonly failureFails: boolean }): Decision {
  return keepResult ? { action: 'skip', why, keepResult } : { action: 'skip', why };
}

/** One log line describing a decision. */
export function describeDecision(input: LifecycleInput, decision: Decision): string {
  const verdict = decision.action === 'run' ? `run${decision.failureFails ? '' : ' (a failure is only logged)'}` : decision.action;
  const keep = decision.action === 'skip' && decision.keepResult
    ? `; returns the stored result of the last run${decision.keepResult.failureFails ? '' : ' (a failure to read it is only logged)'}`
    : '';
  return `decision: ${input.requestType} ${input.trigger} policy=${input.runPolicy ?? '-'} status=${input.stackStatus ?? 'unknown'} -> ${verdict}: ${decision.why}${keep}`;
}
