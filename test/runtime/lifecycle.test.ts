import {
  RUN_POLICY_EVERY_DEPLOYMENT,
  RUN_POLICY_ON_SCRIPT_CHANGE,
  RUN_POLICY_ON_STACK_CHANGE,
  RUN_POLICY_ONCE,
  TRIGGER_AFTER_DEPLOY,
  TRIGGER_BEFORE_DELETE,
} from '../../lambda-runtime/shared/consts';
import { decide, describeDecision, type Decision, type RequestType } from '../../lambda-runtime/shared/lifecycle';

const POLICIES = [RUN_POLICY_ON_STACK_CHANGE, RUN_POLICY_EVERY_DEPLOYMENT, RUN_POLICY_ON_SCRIPT_CHANGE, RUN_POLICY_ONCE];

type Expected = 'run, failure fails' | 'run, failure logged' | 'nothing' | 'fail';

function summary(decision: Decision): Expected {
  if (decision.action === 'run') return decision.failureFails ? 'run, failure fails' : 'run, failure logged';
  return decision.action === 'skip' ? 'nothing' : 'fail';
}

// The table of docs/DESIGN.md#lifecycle, one row per (request, status), expected outcome per trigger. `once` differs
// only on Update in UPDATE_IN_PROGRESS, listed below.
const TABLE: Array<[RequestType, string, Expected, Expected]> = [
  //   request   stack status                                     AFTER_DEPLOY            BEFORE_DELETE
  ['Create', 'CREATE_IN_PROGRESS', 'run, failure fails', 'nothing'],
  ['Update', 'UPDATE_IN_PROGRESS', 'run, failure fails', 'nothing'],
  ['Update', 'UPDATE_ROLLBACK_IN_PROGRESS', 'nothing', 'nothing'],
  ['Delete', 'DELETE_IN_PROGRESS', 'nothing', 'run, failure logged'],
  ['Delete', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'nothing', 'nothing'],
  ['Delete', 'ROLLBACK_IN_PROGRESS', 'nothing', 'nothing'],
  ['Delete', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'nothing', 'nothing'],
];

const ROWS = TABLE.flatMap(([requestType, status, afterDeploy, beforeDelete]) =>
  POLICIES.flatMap((runPolicy) => {
    const once = runPolicy === RUN_POLICY_ONCE && requestType === 'Update';
    return [
      [requestType, status, TRIGGER_AFTER_DEPLOY, runPolicy, once ? 'nothing' : afterDeploy],
      [requestType, status, TRIGGER_BEFORE_DELETE, runPolicy, beforeDelete],
    ] as Array<[RequestType, string, string, string, Expected]>;
  }),
);

describe('decide: the lifecycle table', () => {
  test.each(ROWS)('%s in %s, %s, policy %s: %s', (requestType, stackStatus, trigger, runPolicy, expected) => {
    expect(summary(decide({ requestType, trigger, runPolicy, stackStatus }))).toBe(expected);
  });
});

describe('decide: beyond the table', () => {
  test.each<[RequestType, string | undefined, string, Expected]>([
    // An unreadable status: nothing is guessed. A Create or Update fails without running (it may be a rollback, or
    // not this stack's); a Delete must never be blocked.
    ['Create', undefined, TRIGGER_AFTER_DEPLOY, 'fail'],
    ['Update', undefined, TRIGGER_AFTER_DEPLOY, 'fail'],
    ['Delete', undefined, TRIGGER_BEFORE_DELETE, 'nothing'],
    ['Delete', undefined, TRIGGER_AFTER_DEPLOY, 'nothing'],
    ['Update', undefined, TRIGGER_BEFORE_DELETE, 'nothing'],
    ['Create', undefined, TRIGGER_BEFORE_DELETE, 'nothing'],
    // A script added by an update is created while the stack updates.
    ['Create', 'UPDATE_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'run, failure fails'],
    // A Create while the stack rolls back (not expected from CloudFormation) does nothing.
    ['Create', 'ROLLBACK_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'nothing'],
    ['Create', 'UPDATE_ROLLBACK_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'nothing'],
    ['Update', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'nothing'],
    // A stack imported into or being created by a change set is still a forward deployment.
    ['Create', 'IMPORT_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'run, failure fails'],
    ['Update', 'IMPORT_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'run, failure fails'],
    ['Update', 'IMPORT_ROLLBACK_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'nothing'],
    // An allow-list: a status the table does not name runs nothing (a Create or Update fails, saying what it saw).
    ['Create', 'REVIEW_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'fail'],
    ['Create', 'UPDATE_COMPLETE', TRIGGER_AFTER_DEPLOY, 'fail'],
    ['Update', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'fail'],
    ['Update', 'REFACTOR_IN_PROGRESS', TRIGGER_AFTER_DEPLOY, 'fail'],
    ['Delete', 'DELETE_FAILED', TRIGGER_BEFORE_DELETE, 'nothing'],
    ['Delete', 'DELETE_COMPLETE', TRIGGER_BEFORE_DELETE, 'nothing'],
    ['Delete', 'UPDATE_IN_PROGRESS', TRIGGER_BEFORE_DELETE, 'nothing'],
    // An unknown trigger fails a create or update, and never a delete.
    ['Create', 'CREATE_IN_PROGRESS', 'after:lunch', 'fail'],
    ['Update', 'UPDATE_IN_PROGRESS', 'after:lunch', 'fail'],
    ['Delete', 'DELETE_IN_PROGRESS', 'after:lunch', 'nothing'],
  ])('%s in %s, %s: %s', (requestType, stackStatus, trigger, expected) => {
    expect(summary(decide({ requestType, trigger, runPolicy: RUN_POLICY_ON_STACK_CHANGE, stackStatus }))).toBe(expected);
  });

  test.each<[RequestType, string | undefined, string]>([
    ['Create', 'UPDATE_COMPLETE', 'the stack status UPDATE_COMPLETE is not one this runtime knows, and a script runs on Create only in CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, IMPORT_IN_PROGRESS'],
    ['Update', undefined, 'the stack status could not be read, and a script runs on Update only in CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, IMPORT_IN_PROGRESS'],
    ['Delete', 'DELETE_FAILED', 'the stack status DELETE_FAILED is not one this runtime knows, so it is unknown whether the stack is being deleted: the script did not run'],
    ['Delete', undefined, 'the stack status could not be read, so it is unknown whether the stack is being deleted: the script did not run'],
  ])('a %s in a status it does not know (%s) says what it saw', (requestType, stackStatus, why) => {
    const trigger = requestType === 'Delete' ? TRIGGER_BEFORE_DELETE : TRIGGER_AFTER_DEPLOY;
    expect(decide({ requestType, trigger, stackStatus }).why).toBe(why);
  });

  test('run policy "once" still runs on Create and a before:delete script on deletion', () => {
    expect(summary(decide({ requestType: 'Create', trigger: TRIGGER_AFTER_DEPLOY, runPolicy: RUN_POLICY_ONCE, stackStatus: 'CREATE_IN_PROGRESS' }))).toBe('run, failure fails');
    expect(summary(decide({ requestType: 'Delete', trigger: TRIGGER_BEFORE_DELETE, runPolicy: RUN_POLICY_ONCE, stackStatus: 'DELETE_IN_PROGRESS' }))).toBe('run, failure logged');
  });

  test('a missing run policy behaves as running on every update', () => {
    expect(summary(decide({ requestType: 'Update', trigger: TRIGGER_AFTER_DEPLOY, stackStatus: 'UPDATE_IN_PROGRESS' }))).toBe('run, failure fails');
  });

  // An Update that does not run an after:deploy script answers with the stored result of its last run.
  test.each<[string, string, 'strict' | 'lenient' | 'none']>([
    ['UPDATE_ROLLBACK_IN_PROGRESS', RUN_POLICY_ON_STACK_CHANGE, 'lenient'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', RUN_POLICY_ONCE, 'lenient'],
    ['IMPORT_ROLLBACK_IN_PROGRESS', RUN_POLICY_ON_SCRIPT_CHANGE, 'lenient'],
    ['UPDATE_IN_PROGRESS', RUN_POLICY_ONCE, 'strict'],
    ['UPDATE_IN_PROGRESS', RUN_POLICY_EVERY_DEPLOYMENT, 'none'],
  ])('Update in %s, policy %s: keeps the stored result %s', (stackStatus, runPolicy, expected) => {
    const decision = decide({ requestType: 'Update', trigger: TRIGGER_AFTER_DEPLOY, runPolicy, stackStatus });
    const keep = decision.action === 'skip' ? decision.keepResult : undefined;
    expect(keep === undefined ? 'none' : keep.failureFails ? 'strict' : 'lenient').toBe(expected);
  });

  test('only an Update of an after:deploy script keeps the stored result', () => {
    const others = [
      ...ROWS.filter(([requestType, , trigger]) => requestType !== 'Update' || trigger !== TRIGGER_AFTER_DEPLOY),
    ].map(([requestType, stackStatus, trigger, runPolicy]) => decide({ requestType, stackStatus, trigger, runPolicy }));
    others.push(decide({ requestType: 'Create', trigger: TRIGGER_AFTER_DEPLOY, stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' }));
    expect(others.filter((d) => d.action === 'skip' && d.keepResult)).toEqual([]);
  });

  test('the log line says when the stored result is returned', () => {
    const rollback = { requestType: 'Update' as const, trigger: TRIGGER_AFTER_DEPLOY, stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' };
    expect(describeDecision(rollback, decide(rollback))).toMatch(/-> skip: the stack is rolling back; returns the stored result of the last run \(a failure to read it is only logged\)$/);
    const once = { ...rollback, runPolicy: RUN_POLICY_ONCE, stackStatus: 'UPDATE_IN_PROGRESS' };
    expect(describeDecision(once, decide(once))).toMatch(/-> skip: run policy "once" runs only on create; returns the stored result of the last run$/);
  });

  test('the log line names the request, trigger, status and decision', () => {
    const input = { requestType: 'Update' as const, trigger: TRIGGER_AFTER_DEPLOY, runPolicy: RUN_POLICY_ONCE, stackStatus: 'UPDATE_IN_PROGRESS' };
    const line = describeDecision(input, decide(input));
    expect(line).toMatch(/Update/);
    expect(line).toMatch(/after:deploy/);
    expect(line).toMatch(/UPDATE_IN_PROGRESS/);
    expect(line).toMatch(/skip: run policy "once"/);
    expect(line).not.toMatch(/\n/);
  });
});

describe('decide: undo on rollback (UndoOnRollback)', () => {
  // Where an after:deploy script that asks is called back: the rollback Update of a failed update, and the Delete of a
  // script that the failed deployment created. Every such decision is a skip: nothing runs forward, nothing fails.
  const UNDOING: Array<[RequestType, string]> = [
    ['Update', 'UPDATE_ROLLBACK_IN_PROGRESS'],
    ['Delete', 'ROLLBACK_IN_PROGRESS'],
    ['Delete', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'],
  ];
  const undoes = (decision: Decision) => decision.action === 'skip' && decision.undo === true;

  test.each(UNDOING)('%s in %s: undo, as a skip', (requestType, stackStatus) => {
    const decision = decide({ requestType, trigger: TRIGGER_AFTER_DEPLOY, runPolicy: RUN_POLICY_ON_STACK_CHANGE, stackStatus, undoOnRollback: true });
    expect(undoes(decision)).toBe(true);
    // The rollback Update still answers with the stored result, and may not fail on it.
    expect(decision.action === 'skip' && decision.keepResult).toEqual(requestType === 'Update' ? { failureFails: false } : undefined);
    // Without the property, the same request does not undo.
    expect(undoes(decide({ requestType, trigger: TRIGGER_AFTER_DEPLOY, stackStatus }))).toBe(false);
  });

  test('nowhere else: not on a before:delete script, not outside those rollbacks, not in an unknown status', () => {
    const others = [
      ...ROWS.map(([requestType, stackStatus, trigger, runPolicy]) => ({ requestType, stackStatus, trigger, runPolicy }))
        .filter(({ requestType, stackStatus, trigger }) =>
          trigger !== TRIGGER_AFTER_DEPLOY || !UNDOING.some(([r, s]) => r === requestType && s === stackStatus)),
      { requestType: 'Create' as const, trigger: TRIGGER_AFTER_DEPLOY, stackStatus: 'ROLLBACK_IN_PROGRESS' },
      { requestType: 'Update' as const, trigger: TRIGGER_AFTER_DEPLOY, stackStatus: 'IMPORT_ROLLBACK_IN_PROGRESS' },
      { requestType: 'Update' as const, trigger: TRIGGER_AFTER_DEPLOY, stackStatus: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' },
      { requestType: 'Delete' as const, trigger: TRIGGER_AFTER_DEPLOY, stackStatus: undefined },
      { requestType: 'Delete' as const, trigger: TRIGGER_AFTER_DEPLOY, stackStatus: 'DELETE_FAILED' },
    ].map((input) => decide({ ...input, undoOnRollback: true }));
    expect(others.length).toBeGreaterThan(20);
    expect(others.filter(undoes)).toEqual([]);
  });

  test('the log line says so', () => {
    const input = { requestType: 'Delete' as const, trigger: TRIGGER_AFTER_DEPLOY, stackStatus: 'ROLLBACK_IN_PROGRESS', undoOnRollback: true };
    expect(describeDecision(input, decide(input)))
      .toMatch(/-> skip: its deployment rolls back; undo if this deployment ran it$/);
  });
});
