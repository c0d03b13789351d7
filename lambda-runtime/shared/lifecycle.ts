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
  /** The `UndoOnRollback` property is `"true"`: an after:deploy script asks to be called back on rollback. */
  readonly undoOnRollback?: boolean;
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
    /**
     * The deployment that ran the script rolls back, and the script asked to be called back (`undoOnRollback`): call
     * it once more, told it is a rollback, with the properties of the run being undone, if that run really happened
     * (lambda-runtime/shared/undo.ts). Whatever that call does, the request then answers as any skip does: an undo
     * never fails nor blocks a rollback. A skip, so that code which knows only run and skip never runs it forward.
     */
    readonly undo?: true;
  }
  /** Fail the request without running the script. */
  | { readonly action: 'fail'; readonly why: string };

/**
 * The stack statuses the decision knows (an allow-list): a status not listed here never runs a script, and says so.
 * A forward deployment creates and updates scripts in these (a change set that imports resources is one too):
 */
const DEPLOYING = ['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'IMPORT_IN_PROGRESS'];
/** A failed deployment being undone: nothing runs, and nothing may fail (a failed rollback strands the stack). */
const ROLLING_BACK = ['ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'IMPORT_ROLLBACK_IN_PROGRESS'];
/** A script removed or replaced by a successful update: its resource is deleted, the stack is not. */
const CLEANING_UP = ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'];
/** The stack itself is being deleted: the one status in which a before:delete script runs. */
const DELETING = 'DELETE_IN_PROGRESS';
/**
 * The rollbacks in which an after:deploy script with `undoOnRollback` undoes its run: an Update while a failed update
 * rolls back (the request carries the old properties; `OldResourceProperties` are the run's), and a Delete of a script
 * that the failed deployment created (a first deployment, or an update that added it): its `ResourceProperties` are the
 * run's.
 */
const [FIRST_ROLLBACK, UPDATE_ROLLBACK, UPDATE_ROLLBACK_CLEANUP] = ROLLING_BACK;

/** Whether to run the script for this request: the lifecycle table of docs/DESIGN.md#lifecycle. */
export function decide(input: LifecycleInput): Decision {
  const { requestType, trigger, runPolicy, stackStatus } = input;
  const known = trigger === TRIGGER_AFTER_DEPLOY || trigger === TRIGGER_BEFORE_DELETE;
  const status = stackStatus ?? '';
  const undo = trigger === TRIGGER_AFTER_DEPLOY && input.undoOnRollback === true;
  const unknown = stackStatus === undefined ? 'the stack status could not be read' : `the stack status ${stackStatus} is not one this runtime knows`;

  if (requestType === 'Delete') {
    // Nothing may block a deletion, so Delete never fails, whatever the input.
    if (undo && (status === FIRST_ROLLBACK || status === UPDATE_ROLLBACK_CLEANUP)) return skip('its deployment rolls back', undefined, true);
    if (trigger !== TRIGGER_BEFORE_DELETE) return skip('an after:deploy script does not run on Delete');
    if (status === DELETING) return { action: 'run', failureFails: false, why: 'the stack is being deleted' };
    // Cleanup after an update (the script was removed or replaced) and rollbacks delete the resource, not what the
    // script needs; anything else is not known to be a stack deletion.
    if (CLEANING_UP.includes(status) || ROLLING_BACK.includes(status)) return skip('the stack is not being deleted');
    return skip(`${unknown}, so it is unknown whether the stack is being deleted: the script did not run`);
  }

  if (!known) return { action: 'fail', why: `unknown trigger "${trigger}"` };
  if (trigger === TRIGGER_BEFORE_DELETE) return skip('a before:delete script runs only when its stack is deleted');

  // A rollback sends the old properties: running then would repeat the script that just failed, or run the previous
  // version of it. Nor may reading the stored result fail it: a failed rollback leaves the stack in
  // UPDATE_ROLLBACK_FAILED (only ContinueUpdateRollback gets it out), whereas a rollback without attributes fails
  // only if something reads them.
  if (ROLLING_BACK.includes(status)) {
    const update = requestType === 'Update';
    return skip('the stack is rolling back', update ? { failureFails: false } : undefined, undo && update && status === UPDATE_ROLLBACK);
  }
  // Neither a deployment nor its rollback as far as the runtime can tell: running could repeat or undo work, and
  // succeeding without running would hide that the script did not run. Failing is what harms least.
  if (!DEPLOYING.includes(status)) {
    return { action: 'fail', why: `${unknown}, and a script runs on ${requestType} only in ${DEPLOYING.join(', ')}` };
  }
  if (requestType === 'Create') return { action: 'run', failureFails: true, why: 'created' };
  // A forward update that cannot return the attributes fails and rolls back, rather than losing them silently.
  if (runPolicy === RUN_POLICY_ONCE) return skip('run policy "once" runs only on create', { failureFails: true });
  return { action: 'run', failureFails: true, why: 'updated' };
}

function skip(why: string, keepResult?: { readonly failureFails: boolean }, undo = false): Decision {
  return { action: 'skip', why, ...(keepResult ? { keepResult } : {}), ...(undo ? { undo: true as const } : {}) };
}

/** One log line describing a decision. */
export function describeDecision(input: LifecycleInput, decision: Decision): string {
  const verdict = decision.action === 'run' ? `run${decision.failureFails ? '' : ' (a failure is only logged)'}` : decision.action;
  const keep = decision.action === 'skip' && decision.keepResult
    ? `; returns the stored result of the last run${decision.keepResult.failureFails ? '' : ' (a failure to read it is only logged)'}`
    : '';
  const undo = decision.action === 'skip' && decision.undo ? '; undo if this deployment ran it' : '';
  return `decision: ${input.requestType} ${input.trigger} policy=${input.runPolicy ?? '-'} status=${input.stackStatus ?? 'unknown'} -> ${verdict}: ${decision.why}${keep}${undo}`;
}
