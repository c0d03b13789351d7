import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { addNagSuppressions, flatten } from '../../lib/private/nag';
import { DeploymentScript, ScriptTrigger } from '../../lib';

const BASIC_EXECUTION_ROLE = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

function lambdaRole(stack: Stack): iam.Role {
  return new iam.Role(stack, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
  });
}

/** The AwsSolutions findings on the role and its policy. */
function nagErrors(app: App, stack: Stack): string[] {
  Aspects.of(app).add(new AwsSolutionsChecks());
  return Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('^AwsSolutions-'))
    .filter((m) => m.id.startsWith('/Stack/Role/'))
    .map((m) => String(m.entry.data).split(': ')[0]);
}

/** cdk-nag 2's API (aspects, NagSuppressions): test/nag/packs.test.ts runs cdk-nag 3 on the library's suppressions too. */
const describeNag2 = require('cdk-nag/package.json').version.startsWith('2.') ? describe : describe.skip;

describeNag2('the cdk_nag metadata the library writes', () => {
  test('cdk-nag reads it: the named finding is suppressed', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const role = lambdaRole(stack);
    addNagSuppressions(role.node.defaultChild as iam.CfnRole, [{ id: 'AwsSolutions-IAM4', reason: 'A reason long enough.', appliesTo: [BASIC_EXECUTION_ROLE] }]);
    expect(nagErrors(app, stack)).toEqual([]);
  });

  test('it is narrow: another finding of the same rule is still reported', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const role = lambdaRole(stack);
    addNagSuppressions(role.node.defaultChild as iam.CfnRole, [{ id: 'AwsSolutions-IAM4', reason: 'A reason long enough.', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess'] }]);
    expect(nagErrors(app, stack)).toEqual([`AwsSolutions-IAM4[${BASIC_EXECUTION_ROLE}]`]);
  });

  test("it keeps the user's own suppressions, and the user's keep the library's", () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const bucket = new s3.Bucket(stack, 'Bucket');
    const role = lambdaRole(stack);
    bucket.grantRead(role);
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    NagSuppressions.addResourceSuppressions(role, [{ id: 'AwsSolutions-IAM4', reason: 'The user says so, with reason.', appliesTo: [BASIC_EXECUTION_ROLE] }]);
    addNagSuppressions(policy, [{ id: 'AwsSolutions-IAM5', reason: 'The library says so, with reason.', appliesTo: ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*'] }]);
    NagSuppressions.addResourceSuppressions(policy, [{ id: 'AwsSolutions-IAM5', reason: 'The user says so, with reason.', appliesTo: ['Resource::<Bucket83908E77.Arn>/*'] }]);
    expect(nagErrors(app, stack)).toEqual([]);
    expect(policy.getMetadata('cdk_nag').rules_to_suppress).toHaveLength(2);
  });

  test('flatten words a value as cdk-nag does', () => {
    const values = [
      'arn:aws:s3:::bucket/*',
      { 'Fn::GetAtt': ['Fn1234', 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket1234', 'Arn'] }, '/*']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudformation:eu-west-1:1:stack/S/*']] },
      { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:*' },
      { 'Fn::ImportValue': 'Other:Export' },
      { 'Fn::Select': [0, ['a']] },
    ];
    for (const value of values) { expect(flatten(value)).toBe(flattenCfnReference(value)); }
  });

  test('an environment-agnostic stack: cdk-nag finds nothing on the provider', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new DeploymentScript(stack, 'Script', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
    });
    Aspects.of(app).add(new AwsSolutionsChecks());
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('^AwsSolutions-')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('^AwsSolutions-')),
    ].map((m) => `${m.id} ${String(m.entry.data).split(': ')[0]}`);
    expect(findings.filter((f) => f.startsWith('/Stack/DeploymentScriptProvider/'))).toEqual([]);
  });
});
