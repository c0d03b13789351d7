// A stack that uses every feature of the library, as a user would write it: the subject of the cdk-nag test and
// one of the templates cfn-lint checks (test/lint/stacks.ts).
import * as path from 'path';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { CustomTarget, DeploymentScript, RunPolicy, ScriptTrigger } from '../../lib';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** The scripts of the example stack, by construct id. */
export const EXAMPLE_SCRIPTS = ['migrate', 'seed', 'smokeTest', 'announce', 'cleanup'];

export function exampleStack(app: App, id = 'Example'): Stack {
  const stack = new Stack(app, id, { env: { account: '111111111111', region: 'eu-west-1' } });

  // What the scripts use: a database in a VPC, and resources reached through the AWS APIs.
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const database = new rds.DatabaseCluster(stack, 'myDatabase', {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_5 }),
    writer: rds.ClusterInstance.serverlessV2('writer'),
    serverlessV2MinCapacity: 0.5,
    serverlessV2MaxCapacity: 2,
    vpc,
    defaultDatabaseName: 'app',
  });
  const bucket = new s3.Bucket(stack, 'myBucket', { enforceSSL: true });
  const table = new dynamodb.TableV2(stack, 'myTable', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
  });
  const queue = new sqs.Queue(stack, 'myQueue', { enforceSSL: true });
  const topic = new sns.Topic(stack, 'myTopic', { enforceSSL: true });
  const bus = new events.EventBus(stack, 'myBus');
  const flags = new ssm.StringParameter(stack, 'flags', { stringValue: '{}' });
  const service = new sqs.Queue(stack, 'needsSchema', { enforceSSL: true });

  // An entry bundled with esbuild, in the VPC of its database, with every option of the function.
  const migrate = new DeploymentScript(stack, 'migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    entry: path.join(FIXTURES, 'scripts', 'echo.ts'),
    handler: 'handler',
    bundling: { minify: true },
    parameters: { n: 1, b: true, l: ['a', 2], o: { k: 'v' }, bucket: bucket.bucketName },
    environment: { LOG_LEVEL: 'debug' },
    connectTo: [database, bucket, table],
    iamRoleStatements: [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] })],
    timeout: Duration.minutes(14),
    memorySize: 2048,
    ephemeralStorageSize: Size.mebibytes(1024),
    architecture: lambda.Architecture.ARM_64,
    logRetention: logs.RetentionDays.ONE_MONTH,
    description: 'Migrates the database',
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    runPolicy: RunPolicy.ON_STACK_CHANGE,
  });
  migrate.runBefore(service);

  // Prebuilt Python code, ordered after the migration, its result used by another resource.
  const seed = new DeploymentScript(stack, 'seed', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    code: lambda.Code.fromAsset(path.join(FIXTURES, 'python')),
    handler: 'script.handler',
    runtime: lambda.Runtime.PYTHON_3_13,
    connectTo: [queue, topic, bus],
    runAfter: [migrate],
    runPolicy: RunPolicy.ON_SCRIPT_CHANGE,
  });
  seed.connectTo(new CustomTarget(stack, 'featureFlags', {
    statements: [new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [flags.parameterArn] })],
    variables: { PARAMETER_NAME: flags.parameterName },
  }));
  new ssm.StringParameter(stack, 'checked', { stringValue: seed.getResult('checked') });

  // The two other run policies; a security group and subnets of the user's own.
  const group = new ec2.SecurityGroup(stack, 'scriptGroup', { vpc, allowAllOutbound: false });
  const smokeTest = new DeploymentScript(stack, 'smokeTest', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    entry: path.join(FIXTURES, 'scripts', 'echo.ts'),
    runPolicy: RunPolicy.EVERY_DEPLOYMENT,
    vpc,
    securityGroups: [group],
  });
  smokeTest.runAfter(seed);
  const logGroup = new logs.LogGroup(stack, 'scriptLogs', { retention: logs.RetentionDays.ONE_WEEK });
  new DeploymentScript(stack, 'announce', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    entry: path.join(FIXTURES, 'scripts', 'echo.ts'),
    runPolicy: RunPolicy.ONCE,
    logGroup,
    connectTo: [topic],
  });

  // Before deletion, with a role of the user's own.
  const role = new iam.Role(stack, 'cleanupRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
  });
  new DeploymentScript(stack, 'cleanup', {
    trigger: ScriptTrigger.BEFORE_DELETE,
    entry: path.join(FIXTURES, 'scripts', 'echo.ts'),
    connectTo: [bucket],
    role,
  });
  return stack;
}
