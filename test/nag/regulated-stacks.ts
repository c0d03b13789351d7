// The stacks that regulated users' checkers run over (issue 18): cdk-nag's four packs and checkov must find nothing on
// what the library creates that is not fixed, the user's decision (a prop), or suppressed with a reason. Each stack is
// written as a user would write it; the user's own resources (the VPC, the database…) are the user's business.
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DeploymentProviders, DeploymentScript, DeploymentTask, RunPolicy, ScriptTrigger } from '../../lib';

const ECHO = path.join(__dirname, '..', 'fixtures', 'scripts', 'echo.ts');
/** An image built from a Dockerfile: pushed to the CDK's ECR repository, which the task's execution role pulls from. */
const APP_IMAGE = path.join(__dirname, '..', '..', 'examples', 'container-migrate', 'app');
const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A stack of the checked set, and the construct ids of what the library creates in it (beside its providers). */
export interface RegulatedStack {
  readonly stack: Stack;
  /** The scripts and tasks, by construct id: what is under them is the library's. */
  readonly scripts: string[];
}

function database(stack: Stack, vpc: ec2.IVpc): rds.DatabaseInstance {
  return new rds.DatabaseInstance(stack, 'myDatabase', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
    vpc,
    storageEncrypted: true,
  });
}

/** An AFTER_DEPLOY script connected to a database, a bucket, a table and a queue. */
export function connectStack(app: App): RegulatedStack {
  const stack = new Stack(app, 'Connect', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  new DeploymentScript(stack, 'migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    entry: ECHO,
    connectTo: [
      database(stack, vpc),
      new s3.Bucket(stack, 'myBucket', { enforceSSL: true }),
      new dynamodb.TableV2(stack, 'myTable', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } }),
      new sqs.Queue(stack, 'myQueue', { enforceSSL: true }),
    ],
  });
  return { stack, scripts: ['migrate'] };
}

/** A BEFORE_DELETE script in a VPC. */
export function beforeDeleteStack(app: App): RegulatedStack {
  const stack = new Stack(app, 'BeforeDelete', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  new DeploymentScript(stack, 'cleanup', {
    trigger: ScriptTrigger.BEFORE_DELETE,
    entry: ECHO,
    vpc,
  });
  return { stack, scripts: ['cleanup'] };
}

/** A DeploymentTask connected to a database. */
export function taskStack(app: App): RegulatedStack {
  const stack = new Stack(app, 'Task', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  new DeploymentTask(stack, 'migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3'),
    command: ['sh', '-c', 'echo migrated'],
    connectTo: [database(stack, vpc)],
  });
  return { stack, scripts: ['migrate'] };
}

/** A DeploymentTask with every option, the cluster and roles of its own included. */
export function taskEveryOptionStack(app: App): RegulatedStack {
  const stack = new Stack(app, 'TaskEveryOption', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const key = new kms.Key(stack, 'myKey', { enableKeyRotation: true });
  const bucket = new s3.Bucket(stack, 'myBucket', { enforceSSL: true, encryptionKey: key });
  const queue = new sqs.Queue(stack, 'myQueue', { enforceSSL: true, encryptionMasterKey: key });
  const first = new DeploymentTask(stack, 'schema', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    image: ecs.ContainerImage.fromAsset(APP_IMAGE),
    connectTo: [database(stack, vpc)],
  });
  new DeploymentTask(stack, 'seed', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3'),
    command: ['sh', '-c', 'echo seeded'],
    parameters: { n: 1 },
    environment: { LOG_LEVEL: 'debug' },
    connectTo: [bucket, queue],
    variablePrefix: 'SEED_',
    runPolicy: RunPolicy.ON_SCRIPT_CHANGE,
    runAfter: [first],
    iamRoleStatements: [new iam.PolicyStatement({ actions: ['sqs:GetQueueUrl'], resources: [queue.queueArn] })],
    timeout: Duration.minutes(30),
    retry: { attempts: 2 },
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    cpu: 512,
    memoryLimitMiB: 1024,
    logRetention: logs.RetentionDays.ONE_YEAR,
    platformVersion: ecs.FargatePlatformVersion.LATEST,
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
  });
  return { stack, scripts: ['schema', 'seed'] };
}

/**
 * What a user under HIPAA or PCI DSS decides for everything: the providers in the VPC with a key of the user's
 * (DeploymentProviders.configure), a script in the VPC with the key on its environment, a task logging to a log group
 * of the user's, with the key, kept a year.
 */
export function everythingDecidedStack(app: App): RegulatedStack {
  const stack = new Stack(app, 'EverythingDecided', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const key = new kms.Key(stack, 'myKey', { enableKeyRotation: true });
  DeploymentProviders.configure(stack, { vpc, encryptionKey: key });
  new DeploymentScript(stack, 'migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO, vpc, environmentEncryption: key });
  new DeploymentTask(stack, 'seed', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3'),
    command: ['sh', '-c', 'echo seeded'],
    vpc,
    logGroup: new logs.LogGroup(stack, 'seedLogs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR }),
  });
  return { stack, scripts: ['migrate', 'seed'] };
}

/** The checked set, in one app. */
export function regulatedStacks(app: App): RegulatedStack[] {
  return [connectStack(app), beforeDeleteStack(app), taskStack(app), taskEveryOptionStack(app), everythingDecidedStack(app)];
}
