import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import { BatchJobTarget, CustomTarget, DeploymentScript, ScriptTrigger, SesAccess, UserPoolTarget } from '../../../lib';
import { ECHO_SCRIPT } from '../../support/template';
import { allowStatement, connectStack, scriptConnectedTo, scriptStatements, scriptVariables } from './support';

/** Expects `create` to throw `message` and to leave no construct named `id` behind. */
function expectRejected(stack: Stack, id: string, create: () => unknown, message: string | RegExp): void {
  expect(create).toThrow(message);
  expect(stack.node.tryFindChild(id)).toBeUndefined();
}

const JOB_DEFINITION_ARN = 'arn:aws:batch:eu-west-1:111111111111:job-definition/Job:1';
const JOB_QUEUE_ARN = 'arn:aws:batch:eu-west-1:111111111111:job-queue/Queue';

describe('SesAccess', () => {
  test('an identity given as a token is accepted as is', () => {
    // GIVEN
    const stack = connectStack();
    const identity = new ses.EmailIdentity(stack, 'Identity', { identity: ses.Identity.domain('example.com') });

    // WHEN
    const script = scriptConnectedTo(stack, [new SesAccess(stack, 'ses', { identities: [identity.emailIdentityName] })]);

    // THEN
    expect(scriptStatements(script)[0].Resource[0]).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:111111111111:identity/', stack.resolve(identity.emailIdentityName)]],
    });
  });

  test('an empty list of identities is rejected', () => {
    const stack = connectStack();
    expectRejected(stack, 'ses', () => new SesAccess(stack, 'ses', { identities: [] }),
      "SesAccess Stack/ses: 'identities' is empty, so the script could send from no identity. "
      + "Give the domains or addresses it sends from, e.g. identities: ['example.com'], or leave 'identities' out to allow every identity of the account.");
  });

  test.each([
    ['an ARN', 'arn:aws:ses:eu-west-1:111111111111:identity/example.com'],
    ['an empty name', ''],
    ['a path', 'identity/example.com'],
  ])('an identity given as %s is rejected', (_what, identity) => {
    const stack = connectStack();
    expectRejected(stack, 'ses', () => new SesAccess(stack, 'ses', { identities: ['example.com', identity] }),
      `SesAccess Stack/ses: identity ${JSON.stringify(identity)} is not the name of an SES identity. `
      + "Give a verified domain or email address by name, e.g. 'example.com' or 'noreply@example.com'.");
  });
});

describe('BatchJobTarget', () => {
  function imported(stack: Stack) {
    return {
      jobDefinition: batch.EcsJobDefinition.fromJobDefinitionArn(stack, 'Definition', JOB_DEFINITION_ARN),
      jobQueue: batch.JobQueue.fromJobQueueArn(stack, 'Queue', JOB_QUEUE_ARN),
    };
  }

  test('without a state machine: no STATE_MACHINE_ARN and no Step Functions statement', () => {
    // GIVEN
    const stack = connectStack();

    // WHEN
    const script = scriptConnectedTo(stack, [new BatchJobTarget(stack, 'job', imported(stack))]);

    // THEN
    expect(Object.keys(scriptVariables(script))).toEqual(['STP_JOB_JOB_DEFINITION_ARN', 'STP_JOB_JOB_QUEUE_ARN']);
    expect(scriptStatements(script).flatMap((s) => s.Action)).toEqual(['batch:SubmitJob', 'batch:TerminateJob']);
  });

  test.each([
    ['a missing jobDefinition', (stack: Stack) => ({ ...imported(stack), jobDefinition: undefined }),
      "'jobDefinition' is missing. Give a batch.IJobDefinition, e.g. an EcsJobDefinition or EcsJobDefinition.fromJobDefinitionArn(…)."],
    // The L1 itself: its static fromJobDefinitionArn of aws-cdk-lib 2.230 is gone from 2.278.
    ['an L1 reference as jobDefinition', (stack: Stack) => ({ ...imported(stack), jobDefinition: new batch.CfnJobDefinition(stack, 'L1', { type: 'container' }) }),
      "'jobDefinition' has no 'jobDefinitionArn'. Give a batch.IJobDefinition, e.g. an EcsJobDefinition or EcsJobDefinition.fromJobDefinitionArn(…)."],
    ['a missing jobQueue', (stack: Stack) => ({ ...imported(stack), jobQueue: undefined }),
      "'jobQueue' is missing. Give a batch.IJobQueue, e.g. a JobQueue or JobQueue.fromJobQueueArn(…)."],
    ['a bucket as stateMachine', (stack: Stack) => ({ ...imported(stack), stateMachine: new s3.Bucket(stack, 'NotAMachine') }),
      "'stateMachine' has no 'stateMachineArn'. Give an sfn.IStateMachine, e.g. a StateMachine or StateMachine.fromStateMachineArn(…), or leave it out."],
  ])('%s is rejected', (_what, props, message) => {
    const stack = connectStack();
    expectRejected(stack, 'job', () => new BatchJobTarget(stack, 'job', props(stack) as any), `BatchJobTarget Stack/job: ${message}`);
  });
});

describe('UserPoolTarget', () => {
  test('a client of the given imported pool, by the same id, is accepted', () => {
    // GIVEN
    const stack = connectStack();
    const pool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'eu-west-1_abc');
    const client = new cognito.UserPoolClient(stack, 'Client', { userPool: cognito.UserPool.fromUserPoolId(stack, 'Same', 'eu-west-1_abc') });

    // WHEN
    const script = scriptConnectedTo(stack, [new UserPoolTarget(stack, 'auth', { userPool: pool, client })]);

    // THEN
    expect(scriptVariables(script)).toMatchObject({ STP_AUTH_ID: 'eu-west-1_abc', STP_AUTH_CLIENT_ID: stack.resolve(client.userPoolClientId) });
  });

  test('a pool that is not even an object is rejected', () => {
    const stack = connectStack();
    expectRejected(stack, 'auth', () => new UserPoolTarget(stack, 'auth', { userPool: 'eu-west-1_abc' as any }),
      "UserPoolTarget Stack/auth: 'userPool' is string, not a cognito.IUserPool. Give a UserPool or an imported one (UserPool.fromUserPoolId, UserPool.fromUserPoolArn).");
  });

  test('a missing pool is rejected', () => {
    const stack = connectStack();
    expectRejected(stack, 'auth', () => new UserPoolTarget(stack, 'auth', {} as any),
      "UserPoolTarget Stack/auth: 'userPool' is missing, not a cognito.IUserPool. Give a UserPool or an imported one (UserPool.fromUserPoolId, UserPool.fromUserPoolArn).");
  });

  test('a pool that is not a user pool is rejected', () => {
    const stack = connectStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    expectRejected(stack, 'auth', () => new UserPoolTarget(stack, 'auth', { userPool: bucket as any }),
      "UserPoolTarget Stack/auth: 'userPool' is Stack/Bucket, not a cognito.IUserPool. Give a UserPool or an imported one (UserPool.fromUserPoolId, UserPool.fromUserPoolArn).");
  });

  test('a client that is not a user pool client is rejected', () => {
    const stack = connectStack();
    const pool = new cognito.UserPool(stack, 'Pool');
    const bucket = new s3.Bucket(stack, 'Bucket');
    expectRejected(stack, 'auth', () => new UserPoolTarget(stack, 'auth', { userPool: pool, client: bucket as any }),
      "UserPoolTarget Stack/auth: 'client' is Stack/Bucket, not a cognito.IUserPoolClient. "
      + 'Give a client of the pool (userPool.addClient(), UserPoolClient.fromUserPoolClientId), or leave it out.');
  });

  test.each([
    ['both defined in the app', (stack: Stack) => ({ own: new cognito.UserPool(stack, 'Own'), other: new cognito.UserPool(stack, 'Other') })],
    ['both imported by id', (stack: Stack) => ({
      own: cognito.UserPool.fromUserPoolId(stack, 'Own', 'eu-west-1_own'),
      other: cognito.UserPool.fromUserPoolId(stack, 'Other', 'eu-west-1_other'),
    })],
  ])('a client of another pool is rejected (%s)', (_how, pools) => {
    const stack = connectStack();
    const { own, other } = pools(stack);
    const client = new cognito.UserPoolClient(stack, 'Client', { userPool: own });
    expectRejected(stack, 'auth', () => new UserPoolTarget(stack, 'auth', { userPool: other, client }),
      'UserPoolTarget Stack/auth: client Stack/Client belongs to another user pool than Stack/Other. Give the pool the client was created for.');
  });
});

describe('CustomTarget', () => {
  test('with connections, a port and a VPC: the script joins the VPC and the security group admits it on the port', () => {
    // GIVEN
    const stack = connectStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, maxAzs: 2 });
    const sg = new ec2.SecurityGroup(stack, 'ServiceSg', { vpc });

    // WHEN
    const script = scriptConnectedTo(stack, [new CustomTarget(stack, 'legacyService', {
      vpc, connections: sg, port: ec2.Port.tcp(8080), variables: { URL: 'http://legacy.internal:8080' },
    })]);

    // THEN
    expect(script.vpc).toBe(vpc);
    expect(scriptVariables(script)).toStrictEqual({ STP_LEGACY_SERVICE_URL: 'http://legacy.internal:8080' });
    expect(scriptStatements(script)).toEqual([]);
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080,
      GroupId: stack.resolve(sg.securityGroupId),
      SourceSecurityGroupId: stack.resolve(script.connections.securityGroups[0].securityGroupId),
      Description: 'from DeploymentScript Stack/Script (connectTo)',
    }, 1);
  });

  test('the rule\'s description keeps only the characters EC2 accepts', () => {
    // GIVEN
    const stack = connectStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, maxAzs: 2 });
    const target = new CustomTarget(stack, 'legacyService', { vpc, connections: new ec2.SecurityGroup(stack, 'ServiceSg', { vpc }), port: ec2.Port.tcp(8080) });

    // WHEN
    new DeploymentScript(stack, 'seed "v2" é', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: [target] });

    // THEN
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080, Description: 'from DeploymentScript Stack/seed _v2_ _ (connectTo)',
    }, 1);
  });

  test('without a port, the default port of the connections is opened', () => {
    // GIVEN
    const stack = connectStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, maxAzs: 2 });
    const sg = new ec2.SecurityGroup(stack, 'ServiceSg', { vpc });
    const connections = new ec2.Connections({ securityGroups: [sg], defaultPort: ec2.Port.tcp(5432) });

    // WHEN
    scriptConnectedTo(stack, [new CustomTarget(stack, 'legacyDb', { vpc, connections })]);

    // THEN
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { FromPort: 5432, ToPort: 5432 }, 1);
  });

  test('a statement on "*" is allowed with a warning', () => {
    // GIVEN
    const stack = connectStack();

    // WHEN
    const target = new CustomTarget(stack, 'anything', { statements: [new iam.PolicyStatement({ actions: ['ssm:DescribeParameters'], resources: ['*'] })] });
    const script = scriptConnectedTo(stack, [target]);

    // THEN
    expect(scriptStatements(script)).toEqual([allowStatement(['ssm:DescribeParameters'], ['*'])]);
    Annotations.fromStack(stack).hasWarning('/Stack/anything', Match.stringLikeRegexp(
      'A statement of CustomTarget Stack/anything allows ssm:DescribeParameters on every resource \\("\\*"\\)\\. Scope it to the target\'s ARNs\\.'));
  });

  test.each([
    ['nothing', {}, "it gives the script nothing. Give 'statements', 'variables', 'vpc' or 'connections'."],
    ['empty lists', { statements: [], variables: {} }, "it gives the script nothing. Give 'statements', 'variables', 'vpc' or 'connections'."],
    ['a variable name not in upper snake case', { variables: { apiUrl: 'x' } },
      "variable name 'apiUrl' is not in upper snake case (it becomes STP_<NAME>_<VARIABLE>). Name it 'API_URL'."],
    ['a variable name that cannot be fixed by case', { variables: { '2nd': 'x' } },
      "variable name '2nd' is not in upper snake case (it becomes STP_<NAME>_<VARIABLE>). Name it like 'API_URL'."],
    ['a variable that is not a string', { variables: { PORT: 8080 } },
      "variable 'PORT' is 8080, not a string. Give a string (numbers with String(…) or Token.asString(…))."],
    ['a port without connections', { variables: { A: 'b' }, port: ec2.Port.tcp(8080) },
      "'port' (8080) is given without 'connections'. Give the security group (or construct) whose port the script connects to."],
  ])('%s is rejected', (_what, props, message) => {
    const stack = connectStack();
    expectRejected(stack, 'custom', () => new CustomTarget(stack, 'custom', props as any), `CustomTarget Stack/custom: ${message}`);
  });

  test('connections without a default port, and no port, are rejected', () => {
    const stack = connectStack();
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc: new ec2.Vpc(stack, 'Vpc') });
    expectRejected(stack, 'custom', () => new CustomTarget(stack, 'custom', { connections: sg }),
      "CustomTarget Stack/custom: 'connections' has no default port. Give the 'port' the script connects to, e.g. port: ec2.Port.tcp(8080).");
  });
});
