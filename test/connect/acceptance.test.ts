import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DeploymentScript, ScriptTrigger } from '../../lib';
import { ECHO_SCRIPT } from '../support/template';
import { connectStack } from './aws-api/support';
import { VPC_ACCESS_ACTIONS } from '../../lib/private/lambda-logs';

/** The README's connectTo example, end to end in one stack: the targets and variable names it documents. */
describe('one script connected to the stack\'s resources', () => {
  // GIVEN
  const stack = connectStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
  const targets = [
    new s3.Bucket(stack, 'myBucket'),
    new dynamodb.Table(stack, 'myTable', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.NEW_IMAGE }),
    new sqs.Queue(stack, 'myQueue'),
    new sns.Topic(stack, 'myTopic'),
    new events.EventBus(stack, 'myEventBus'),
    new lambda.Function(stack, 'myFunction', { code: lambda.Code.fromInline('exports.handler = async () => 1'), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X }),
    new cognito.UserPool(stack, 'myUserPool'),
    new rds.DatabaseInstance(stack, 'myDatabase', { engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc }),
    s3.Bucket.fromBucketName(stack, 'importedBucket', 'existing-bucket'),
  ];

  // WHEN
  new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: targets });
  const template = Template.fromStack(stack);
  const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('Stack/Script') } }))[0];
  const variables = fn.Properties.Environment.Variables;

  test('the variable names the README documents', () => {
    expect(Object.keys(variables).filter((key) => key.startsWith('STP_')).sort()).toEqual([
      'STP_IMPORTED_BUCKET_ARN', 'STP_IMPORTED_BUCKET_NAME',
      'STP_MY_BUCKET_ARN', 'STP_MY_BUCKET_NAME',
      'STP_MY_DATABASE_CONNECTION_STRING', 'STP_MY_DATABASE_DB_NAME', 'STP_MY_DATABASE_HOST', 'STP_MY_DATABASE_JDBC_CONNECTION_STRING',
      'STP_MY_DATABASE_PORT', 'STP_MY_DATABASE_SECRET_ARN',
      'STP_MY_EVENT_BUS_ARN',
      'STP_MY_FUNCTION_ARN',
      'STP_MY_QUEUE_ARN', 'STP_MY_QUEUE_NAME', 'STP_MY_QUEUE_URL',
      'STP_MY_TABLE_ARN', 'STP_MY_TABLE_NAME', 'STP_MY_TABLE_STREAM_ARN',
      'STP_MY_TOPIC_ARN', 'STP_MY_TOPIC_NAME',
      'STP_MY_USER_POOL_ARN', 'STP_MY_USER_POOL_ID',
    ]);
    expect(variables.STP_IMPORTED_BUCKET_NAME).toBe('existing-bucket');
    // Beside them, what the script's handler needs to fill the database's credentials in when it runs.
    expect(Object.keys(variables).filter((key) => !key.startsWith('STP_')).sort()).toEqual(['DEPLOYMENT_SCRIPT_CREDENTIALS', 'DEPLOYMENT_SCRIPT_HANDLER']);
  });

  test('a connection string with placeholders the script fills from the secret when it runs, never a password', () => {
    const text = JSON.stringify(variables.STP_MY_DATABASE_CONNECTION_STRING);
    expect(text).toMatch(/^\{"Fn::Join":\["",\["postgresql:\/\/\$\{username\}:\$\{password\}@",/);
    expect(text).not.toContain('{{resolve:');
    expect(text).toContain('"Endpoint.Address"');
  });

  test('the script runs in the database\'s VPC and the database admits it on 5432', () => {
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual(expect.arrayContaining([{ Ref: expect.stringMatching(/^VpcPrivateSubnet1/) }]));
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^myDatabaseSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScriptFunctionSecurityGroup'), 'GroupId'] },
    });
    const inbound = [
      ...Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap((g) => g.Properties.SecurityGroupIngress ?? []),
      ...Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties),
    ];
    expect(inbound.length).toBeGreaterThan(0);
    expect(inbound.filter((rule: any) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0')).toEqual([]);
  });

  test('the expected actions, and no statement on Resource "*"', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = new Set(statements.flatMap((s: any) => [s.Action].flat()));
    for (const action of ['s3:ListBucket', 's3:PutObject', 'dynamodb:Query', 'dynamodb:DescribeStream', 'sqs:SendMessage', 'sqs:PurgeQueue',
      'sns:Publish', 'events:PutEvents', 'lambda:InvokeFunction', 'cognito-idp:*', 'secretsmanager:GetSecretValue']) {
      expect(actions).toContain(action);
    }
    // Only the network interface actions of the script's own VPC policy, which EC2 grants on "*" alone.
    for (const statement of statements) {
      if ([statement.Action].flat().every((action: string) => VPC_ACCESS_ACTIONS.includes(action))) { continue; }
      expect([statement.Resource].flat()).not.toContain('*');
    }
  });

  test('colliding names fail at synth, naming both', () => {
    const other = connectStack();
    const a = new s3.Bucket(other, 'data');
    const b = new sqs.Queue(other, 'Data');
    expect(() => new DeploymentScript(other, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, connectTo: [a, b] }))
      .toThrow("DeploymentScript Stack/Script: connectTo targets Stack/data and Stack/Data have the same name 'DATA'. Give one of them another name with connectTo(target, { name }).");
    const script = new DeploymentScript(other, 'Other', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, environment: { STP_DATA_NAME: 'x' } });
    expect(() => script.connectTo(a)).toThrow("variable 'STP_DATA_NAME' of connectTo target Stack/data is already set by the script's environment.");
  });
});
