import { Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { SesAccess, UserPoolTarget } from '../../../lib';
import {
  allowStatement, connectStack, identityStatements, scriptConnectedLater, scriptConnectedTo, scriptStatements, scriptVariables,
} from './support';

describe('connectTo() method', () => {
  test('a target connected with a name gets variables under that name', () => {
    // GIVEN
    const stack = connectStack();
    const bucket = new s3.Bucket(stack, 'myBucket');

    // WHEN
    const script = scriptConnectedLater(stack, bucket, { name: 'OTHER' });

    // THEN
    expect(scriptVariables(script)).toStrictEqual({
      STP_OTHER_NAME: stack.resolve(bucket.bucketName),
      STP_OTHER_ARN: stack.resolve(bucket.bucketArn),
    });
    expect(scriptStatements(script).map((s) => s.Action)).toEqual([['s3:ListBucket'], expect.arrayContaining(['s3:GetObject', 's3:PutObject'])]);
  });

  test('a target connected without a name is named after its construct id', () => {
    // GIVEN
    const stack = connectStack();
    const topic = sns.Topic.fromTopicArn(stack, 'alertsTopic', 'arn:aws:sns:eu-west-1:111111111111:Alerts');

    // WHEN
    const script = scriptConnectedLater(stack, topic);

    // THEN
    expect(scriptVariables(script)).toStrictEqual({
      STP_ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:Alerts',
      STP_ALERTS_TOPIC_NAME: 'Alerts',
    });
    expect(scriptStatements(script)).toHaveLength(1);
  });
});

describe('variable names', () => {
  test.each([
    ['myBucket', 'STP_MY_BUCKET_NAME'],
    ['uploads', 'STP_UPLOADS_NAME'],
    ['myBucket2', 'STP_MY_BUCKET2_NAME'],
    ['bucket2Main', 'STP_BUCKET2_MAIN_NAME'],
    ['myHTTPBucket', 'STP_MY_HTTP_BUCKET_NAME'],
    ['my-bucket.v2', 'STP_MY_BUCKET_V2_NAME'],
  ])('a bucket with id %s gives %s', (id, variable) => {
    // GIVEN
    const stack = connectStack();
    const bucket = s3.Bucket.fromBucketArn(stack, id, 'arn:aws:s3:::some-bucket');

    // WHEN
    const script = scriptConnectedTo(stack, [bucket]);

    // THEN
    expect(scriptVariables(script)).toHaveProperty([variable], 'some-bucket');
  });

  test('two targets of the same kind keep their own statements and variables', () => {
    // GIVEN
    const stack = connectStack();
    const first = sqs.Queue.fromQueueArn(stack, 'first', 'arn:aws:sqs:eu-west-1:111111111111:First');
    const second = sqs.Queue.fromQueueArn(stack, 'second', 'arn:aws:sqs:eu-west-1:111111111111:Second');

    // WHEN
    const script = scriptConnectedTo(stack, [first, second]);

    // THEN
    expect(scriptStatements(script).map((s) => s.Resource)).toEqual([
      ['arn:aws:sqs:eu-west-1:111111111111:First'],
      ['arn:aws:sqs:eu-west-1:111111111111:Second'],
    ]);
    expect(scriptVariables(script)).toMatchObject({ STP_FIRST_NAME: 'First', STP_SECOND_NAME: 'Second' });
  });
});

describe('what connectTo does not know', () => {
  test('a construct of no known kind is rejected with the fix first, its public type, and a pointer to the list', () => {
    // GIVEN
    const stack = connectStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const parameter = new ssm.StringParameter(stack, 'Flags', { stringValue: 'on' });

    // WHEN / THEN
    const message = "DeploymentScript Stack/Script: to connect to Stack/Flags (aws_ssm.StringParameter), wrap it in a CustomTarget with the statements, variables and port it needs: connectTo knows no such target. The README lists the targets it knows (connectTo).";
    expect(() => scriptConnectedTo(stack, [parameter])).toThrow(message);
    expect(message.length).toBeLessThan(300);
    expect(() => scriptConnectedTo(stack, [vpc])).toThrow('to connect to Stack/Vpc (aws_ec2.Vpc), wrap it in a CustomTarget');
  });

  test('a class of the app\'s own, without jsii type information, is named by its class name', () => {
    class Gadget extends Construct {}
    const stack = connectStack();
    expect(() => scriptConnectedTo(stack, [new Gadget(stack, 'Gadget')])).toThrow('to connect to Stack/Gadget (Gadget), wrap it in a CustomTarget');
  });

  test('an imported user pool client, whose pool cannot be found, is rejected with the way out', () => {
    // GIVEN
    const stack = connectStack();
    const client = cognito.UserPoolClient.fromUserPoolClientId(stack, 'webClient', 'abc123');

    // WHEN / THEN
    expect(() => scriptConnectedTo(stack, [client])).toThrow(
      "DeploymentScript Stack/Script: connectTo cannot find the user pool of client Stack/webClient: an imported client (UserPoolClient.fromUserPoolClientId) carries only its own id. "
      + "Connect to a UserPoolTarget instead: new UserPoolTarget(this, 'Auth', { userPool, client }).",
    );
  });
});

describe('least privilege', () => {
  test('a script connected to every kind of target has no identity statement on "*"', () => {
    // GIVEN
    const stack = connectStack();
    const key = new kms.Key(stack, 'Key');
    const pool = new cognito.UserPool(stack, 'Pool');
    const targets = [
      new s3.Bucket(stack, 'Bucket', { encryptionKey: key }),
      new dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.KEYS_ONLY,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: key,
      }),
      new events.EventBus(stack, 'Bus'),
      new lambda.Function(stack, 'Function', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('//') }),
      pool,
      pool.addClient('Client'),
      new sns.Topic(stack, 'Topic', { masterKey: key }),
      new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key }),
      new sfn.StateMachine(stack, 'Flow', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) }),
      new kinesis.Stream(stack, 'Stream', { encryptionKey: key }),
      new opensearch.Domain(stack, 'Search', { version: opensearch.EngineVersion.OPENSEARCH_2_11 }),
      new SesAccess(stack, 'Ses'),
      new UserPoolTarget(stack, 'Auth', { userPool: pool }),
    ];

    // WHEN
    const script = scriptConnectedTo(stack, targets);

    // THEN
    const statements = identityStatements(stack);
    expect(scriptStatements(script).length).toBeGreaterThanOrEqual(targets.length);
    expect(statements.filter((s) => s.Resource.includes('*'))).toEqual([]);
    // Resource policies are not identity policies: a key policy's "*" means the key itself.
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Resource: '*' })]) },
    });
  });
});

describe('OpenSearch domain in a VPC', () => {
  function domainInVpc(securityGroups?: (stack: Stack) => ec2.ISecurityGroup[]) {
    const stack = connectStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, maxAzs: 2 });
    const domain = new opensearch.Domain(stack, 'search', {
      version: opensearch.EngineVersion.OPENSEARCH_2_11,
      vpc,
      vpcSubnets: [{ subnets: [vpc.privateSubnets[0]] }],
      securityGroups: securityGroups?.(stack),
      capacity: { dataNodes: 1, multiAzWithStandbyEnabled: false },
    });
    return { stack, vpc, domain };
  }

  test('the script joins the domain\'s VPC and the domain admits it on 443', () => {
    // GIVEN
    const { stack, vpc, domain } = domainInVpc();

    // WHEN
    const script = scriptConnectedTo(stack, [domain]);

    // THEN
    expect(script.vpc).toBe(vpc);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-deployment-script: Stack/Script (after:deploy)',
      VpcConfig: { SubnetIds: stack.resolve(vpc.privateSubnets.map((s) => s.subnetId)) },
    });
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      GroupId: stack.resolve(domain.connections.securityGroups[0].securityGroupId),
      SourceSecurityGroupId: stack.resolve(script.connections.securityGroups[0].securityGroupId),
      Description: 'from DeploymentScript Stack/Script (connectTo)',
    }, 1);
    expect(scriptStatements(script)).toEqual([
      allowStatement(['es:ESHttp*'], [stack.resolve(domain.domainArn), { 'Fn::Join': ['', [stack.resolve(domain.domainArn), '/*']] }]),
    ]);
  });

  test('with imported security groups the VPC is unknown: a script given the VPC is admitted', () => {
    // GIVEN
    const { stack, vpc, domain } = domainInVpc((scope) => [ec2.SecurityGroup.fromSecurityGroupId(scope, 'Imported', 'sg-0123456789abcdef0', { mutable: true })]);

    // WHEN
    const script = scriptConnectedTo(stack, [domain], { vpc });

    // THEN
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      GroupId: 'sg-0123456789abcdef0',
      SourceSecurityGroupId: stack.resolve(script.connections.securityGroups[0].securityGroupId),
    }, 1);
  });

  test('with imported security groups and no VPC for the script, the error says to give one', () => {
    // GIVEN
    const { stack, domain } = domainInVpc((scope) => [ec2.SecurityGroup.fromSecurityGroupId(scope, 'Imported', 'sg-0123456789abcdef0')]);

    // WHEN / THEN
    expect(() => scriptConnectedTo(stack, [domain])).toThrow(/is not in a VPC, so it has no security group to connect: give it a 'vpc'/);
  });
});
