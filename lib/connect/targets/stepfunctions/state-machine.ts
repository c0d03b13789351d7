import { Arn, ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AccessLevel } from '../../access-level';
import { byAccess, READ_OR_WRITE, TargetAdapter } from '../../core/adapter';
import { allow, arnBeside, splitArnText } from '../../core/iam';
import { hasMembers } from '../../core/members';

/** On the state machine: start an execution, list its executions. */
export const STATE_MACHINE_ACTIONS = ['states:StartExecution', 'states:ListExecutions'];

/** On the state machine's executions (`…:execution:<name>:*`): IAM checks these on the execution's ARN. */
export const EXECUTION_ACTIONS = ['states:DescribeExecution', 'states:StopExecution'];

/** Read only (`AccessLevel.READ`), on the state machine: list its executions. */
export const READ_STATE_MACHINE_ACTIONS = ['states:ListExecutions'];

/** Read only, on its executions: describe them. */
export const READ_EXECUTION_ACTIONS = ['states:DescribeExecution'];

/** The state machine's name: an attribute of the L2, read from the ARN of an imported one. */
export function stateMachineName(stateMachine: sfn.IStateMachine): string {
  const arn = stateMachine.stateMachineArn;
  return (stateMachine as Partial<sfn.StateMachine>).stateMachineName
    ?? splitArnText(arn)?.resourceName
    ?? Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
}

/**
 * The statements that start, list, describe and stop the executions of `stateMachine`; read only (`AccessLevel.READ`),
 * that list and describe them.
 */
export function stateMachineStatements(stateMachine: sfn.IStateMachine, access: AccessLevel = AccessLevel.READ_WRITE): iam.PolicyStatement[] {
  return [
    allow(byAccess(access, READ_STATE_MACHINE_ACTIONS, STATE_MACHINE_ACTIONS), [stateMachine.stateMachineArn]),
    allow(byAccess(access, READ_EXECUTION_ACTIONS, EXECUTION_ACTIONS), [executionArns(stateMachine)]),
  ];
}

/** The ARNs of every execution of `stateMachine`. */
function executionArns(stateMachine: sfn.IStateMachine): string {
  return arnBeside(stateMachine, stateMachine.stateMachineArn, {
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachineName(stateMachine)}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

export const STATE_MACHINE_ADAPTER: TargetAdapter = {
  kind: 'Step Functions state machine (sfn.IStateMachine)',
  matches: (target) => hasMembers(target, ['stateMachineArn'], ['grantStartExecution']),
  levels: () => READ_OR_WRITE,
  bind: (target, _script, access) => {
    const stateMachine = target as sfn.IStateMachine;
    return {
      kind: 'Step Functions state machine',
      statements: stateMachineStatements(stateMachine, access),
      variables: { ARN: stateMachine.stateMachineArn, NAME: stateMachineName(stateMachine) },
    };
  },
};
