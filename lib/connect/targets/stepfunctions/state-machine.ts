import { Arn, ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TargetAdapter } from '../../core/adapter';
import { allow, arnBeside, splitArnText } from '../../core/iam';
import { hasMembers } from '../../core/members';

/** On the state machine: start an execution, list its executions. */
export const STATE_MACHINE_ACTIONS = ['states:StartExecution', 'states:ListExecutions'];

/** On the state machine's executions (`…:execution:<name>:*`): IAM checks these on the execution's ARN. */
export const EXECUTION_ACTIONS = ['states:DescribeExecution', 'states:StopExecution'];

/** The state machine's name: an attribute of the L2, read from the ARN of an imported one. */
export function stateMachineName(stateMachine: sfn.IStateMachine): string {
  const arn = stateMachine.stateMachineArn;
  return (stateMachine as Partial<sfn.StateMachine>).stateMachineName
    ?? splitArnText(arn)?.resourceName
    ?? Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
}

/** The statements that start, list, describe and stop the executions of `stateMachine`. */
export function stateMachineStatements(stateMachine: sfn.IStateMachine): iam.PolicyStatement[] {
  return [
    allow(STATE_MACHINE_ACTIONS, [stateMachine.stateMachineArn]),
    allow(EXECUTION_ACTIONS, [executionArns(stateMachine)]),
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
  bind: (target) => {
    const stateMachine = target as sfn.IStateMachine;
    return {
      kind: 'Step Functions state machine',
      statements: stateMachineStatements(stateMachine),
      variables: { ARN: stateMachine.stateMachineArn, NAME: stateMachineName(stateMachine) },
    };
  },
};
