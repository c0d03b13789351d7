import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TargetAdapter } from '../../core/adapter';
import { allow } from '../../core/iam';
import { hasMembers } from '../../core/members';

/**
 * Invoke, directly or through the function's URL (a URL with IAM auth checks `InvokeFunctionUrl`). What an invocation
 * changes is the function's to decide, so it takes `AccessLevel.READ_WRITE` only (the adapter declares no levels).
 */
export const FUNCTION_ACTIONS = ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'];

export const FUNCTION_ADAPTER: TargetAdapter = {
  kind: 'Lambda function (lambda.IFunction)',
  matches: (target) => hasMembers(target, ['functionArn', 'functionName'], ['grantInvoke']),
  bind: (target) => {
    const fn = target as lambda.IFunction;
    return {
      kind: 'Lambda function',
      // `<arn>:*` admits the function's versions and aliases.
      statements: [allow(FUNCTION_ACTIONS, [fn.functionArn, `${fn.functionArn}:*`])],
      variables: { ARN: fn.functionArn },
    };
  },
};
