/*
 * The log and VPC permissions of the functions this library creates, as statements scoped to what each function uses
 * instead of the AWS managed policies aws-cdk-lib attaches to the role it creates for a function
 * (AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole), whose statements are on `Resource: "*"`: a
 * function of the library may write only its own log group.
 */
import { ArnFormat, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The managed policies aws-cdk-lib gives the role it creates for a function, by name. */
const LAMBDA_MANAGED_POLICIES = ['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole'];

/**
 * What a function in a VPC needs of AWSLambdaVPCAccessExecutionRole: Lambda manages the function's network interfaces
 * with the function's role, and EC2 grants these actions only on `Resource: "*"`.
 */
export const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** What a function needs to write its log: the streams of its log group, and the group if Lambda creates it. */
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/**
 * Takes AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole off a role that aws-cdk-lib created for a
 * function of the library (the role keeps its construct path and logical id): the function gets scoped statements
 * instead (`logStatement`, `vpcAccessStatement`). Other managed policies of the role stay. Does nothing to a role that
 * is not the app's own resource (an imported role, or a role of `iam.Role.customizeRoles`).
 */
export function dropLambdaManagedPolicies(role: iam.IRole | undefined): void {
  const cfnRole = role?.node.defaultChild;
  if (!(cfnRole instanceof iam.CfnRole)) { return; }
  const original = cfnRole.managedPolicyArns;
  if (original === undefined) { return; }
  cfnRole.managedPolicyArns = Token.asList(Lazy.any({
    produce: () => {
      const arns = (Stack.of(cfnRole).resolve(original) ?? []) as unknown[];
      const kept = arns.filter((arn) => !LAMBDA_MANAGED_POLICIES.some((name) => JSON.stringify(arn).includes(`:iam::aws:policy/service-role/${name}"`)));
      return kept.length > 0 ? kept : undefined;
    },
  }));
}

/** Lets a function write its log to the log group `logGroupArn` (an ARN ending in `:*`, as `ILogGroup.logGroupArn`). */
export function logStatement(logGroupArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: LOG_ACTIONS, resources: [logGroupArn] });
}

/**
 * Lets a function write its log to Lambda's own log group, `/aws/lambda/<function name>`, which Lambda creates on the
 * first invocation. The statement names the function: it must not be in a policy the function depends on (the role's
 * default policy), or the template has a cycle.
 */
export function lambdaLogGroupStatement(fn: lambda.IFunction): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['logs:CreateLogGroup', ...LOG_ACTIONS],
    resources: [lambdaLogGroupArn(fn)],
  });
}

/** The ARN of Lambda's own log group of a function, with its streams: `…:log-group:/aws/lambda/<name>:*`. */
export function lambdaLogGroupArn(fn: lambda.IFunction): string {
  return Stack.of(fn).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: `/aws/lambda/${fn.functionName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** What a function in a VPC needs to manage its network interfaces (only ever granted on `*`). */
export function vpcAccessStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: VPC_ACCESS_ACTIONS, resources: ['*'] });
}
