import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import {
  AccessLevel, BatchJobTarget, Connect, CustomTarget, DeploymentScript, DeploymentTask, ScriptTrigger, SesAccess, UpstashRedis,
  UserPoolTarget,
} from '../../../lib';
import { nagFindings } from '../../support/nag';
import { ECHO_SCRIPT } from '../../support/template';
import {
  allowStatement as allow, connectStack, scriptConnectedLater, scriptConnectedTo, scriptStatements, scriptVariables, sorted, Statement,
} from './support';

// What AccessLevel.READ grants, written out here rather than imported, so that a change to it fails a test.
const WRITES = /:(Put|Delete|Update|BatchWrite|Send|Purge|Publish|Subscribe$|Unsubscribe|ConfirmSubscription|Start|Stop|Submit|Terminate|Invoke|ESHttpPost|ESHttpPut|ESHttpDelete|ESHttpPatch|Abort|Change|Encrypt|ReEncrypt|GenerateDataKey|\*$)/;

function join(...parts: unknown[]): unknown {
  return { 'Fn::Join': ['', parts] };
}

/** Every action of the statements. */
function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => s.Action);
}

describe('AccessLevel.READ: a read-only S3 bucket', () => {
  test.each([
    ['in the connectTo prop, Connect.readOnly', (stack: Stack, bucket: IConstruct) => scriptConnectedTo(stack, [Connect.readOnly(bucket)])],
    ['in the connectTo prop, Connect.to', (stack: Stack, bucket: IConstruct) => scriptConnectedTo(stack, [Connect.to(bucket, { access: AccessLevel.READ })])],
    ['with the connectTo() method', (stack: Stack, bucket: IConstruct) => scriptConnectedLater(stack, bucket, { access: AccessLevel.READ })],
  ])('%s: list and get, no write or delete action, on the bucket or its key', (_title, connect) => {
    // GIVEN
    const stack = connectStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'reports', { encryptionKey: key });
    const arn = stack.resolve(bucket.bucketArn);

    // WHEN
    const script = connect(stack, bucket);

    // THEN
    const statements = scriptStatements(script);
    expect(sorted(statements.filter((s) => JSON.stringify(s).includes('reports') || JSON.stringify(s).includes('Key'))))
      .toEqual(sorted([
        allow(['s3:ListBucket'], [arn]),
        allow(['s3:GetObject', 's3:GetObjectTagging'], [join(arn, '/*')]),
        allow(['kms:Decrypt'], [stack.resolve(key.keyArn)]),
      ]));
    expect(actionsOf(statements).filter((action) => /^(s3|kms):/.test(action) && WRITES.test(action))).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['s3:GetObject', 's3:GetObjectTagging'] })]) },
    });
    // The variables do not depend on the level.
    expect(scriptVariables(script)).toEqual({ STP_REPORTS_NAME: stack.resolve(bucket.bucketName), STP_REPORTS_ARN: arn });
  });

  test('AccessLevel.READ_WRITE given explicitly is the default: the same template', () => {
    const given = connectStack();
    scriptConnectedTo(given, [Connect.to(new s3.Bucket(given, 'reports'), { access: AccessLevel.READ_WRITE })]);
    const defaulted = connectStack();
    scriptConnectedTo(defaulted, [new s3.Bucket(defaulted, 'reports')]);
    expect(Template.fromStack(given).toJSON()).toEqual(Template.fromStack(defaulted).toJSON());
  });
});

interface ReadCase {
  readonly title: string;
  /** The target and the statements a read-only script gets, every one. */
  readonly given: (stack: Stack, r: (value: string) => any) => { target: IConstruct; statements: Statement[] };
}

const READ_CASES: ReadCase[] = [
  {
    title: 'DynamoDB table with a stream and a customer-managed key: get, query, scan, describe; read the stream; decrypt',
    given: (stack, r) => {
      const key = new kms.Key(stack, 'Key');
      const table = new dynamodb.Table(stack, 'orders', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.NEW_IMAGE,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: key,
      });
      const arn = r(table.tableArn);
      return {
        target: table,
        statements: [
          allow(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'], [arn, join(arn, '/index/*')]),
          allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'], [r(table.tableStreamArn!)]),
          allow(['kms:Decrypt', 'kms:DescribeKey'], [r(key.keyArn)]),
        ],
      };
    },
  },
  {
    title: 'SQS queue with a customer-managed key: its attributes and URL only (receiving would change it), no key',
    given: (stack, r) => {
      const queue = new sqs.Queue(stack, 'jobs', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: new kms.Key(stack, 'Key') });
      return { target: queue, statements: [allow(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], [r(queue.queueArn)])] };
    },
  },
  {
    title: 'SNS topic with a customer-managed key: its subscriptions and attributes, no key',
    given: (stack, r) => {
      const topic = new sns.Topic(stack, 'alerts', { masterKey: new kms.Key(stack, 'Key') });
      return { target: topic, statements: [allow(['sns:ListSubscriptionsByTopic', 'sns:GetTopicAttributes'], [r(topic.topicArn)])] };
    },
  },
  {
    title: 'Kinesis stream with a customer-managed key: the actions of grantRead; decrypt',
    given: (stack, r) => {
      const key = new kms.Key(stack, 'Key');
      const stream = new kinesis.Stream(stack, 'events', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key });
      return {
        target: stream,
        statements: [
          allow(['kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards', 'kinesis:SubscribeToShard',
            'kinesis:DescribeStream', 'kinesis:ListStreams', 'kinesis:DescribeStreamConsumer'], [r(stream.streamArn)]),
          allow(['kms:Decrypt'], [r(key.keyArn)]),
        ],
      };
    },
  },
  {
    title: 'Step Functions state machine (imported): list and describe its executions',
    given: (stack) => ({
      target: sfn.StateMachine.fromStateMachineArn(stack, 'pipeline', 'arn:aws:states:eu-west-1:222222222222:stateMachine:Pipeline'),
      statements: [
        allow(['states:ListExecutions'], ['arn:aws:states:eu-west-1:222222222222:stateMachine:Pipeline']),
        allow(['states:DescribeExecution'], ['arn:aws:states:eu-west-1:222222222222:execution:Pipeline:*']),
      ],
    }),
  },
  {
    title: 'OpenSearch domain (imported): HTTP GET and HEAD',
    given: (stack, r) => {
      const domain = opensearch.Domain.fromDomainEndpoint(stack, 'search', 'https://search-logs-abc.eu-west-1.es.amazonaws.com');
      return { target: domain, statements: [allow(['es:ESHttpGet', 'es:ESHttpHead'], [r(domain.domainArn), r(`${domain.domainArn}/*`)])] };
    },
  },
  {
    title: 'Cognito user pool: describe, get, list, admin get and list',
    given: (stack, r) => {
      const pool = new cognito.UserPool(stack, 'users');
      return { target: pool, statements: [allow(COGNITO_READ, [r(pool.userPoolArn)])] };
    },
  },
  {
    title: 'Cognito user pool client of the app: as for its pool',
    given: (stack, r) => {
      const pool = new cognito.UserPool(stack, 'users');
      return { target: pool.addClient('web'), statements: [allow(COGNITO_READ, [r(pool.userPoolArn)])] };
    },
  },
  {
    title: 'UserPoolTarget: as for its pool',
    given: (stack) => {
      const userPool = cognito.UserPool.fromUserPoolArn(stack, 'Pool', 'arn:aws:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_abc');
      return {
        target: new UserPoolTarget(stack, 'auth', { userPool }),
        statements: [allow(COGNITO_READ, ['arn:aws:cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_abc'])],
      };
    },
  },
  {
    title: 'BatchJobTarget with a state machine: list and describe its executions, submit nothing',
    given: (stack) => ({
      target: new BatchJobTarget(stack, 'nightlyJob', {
        jobDefinition: batch.EcsJobDefinition.fromJobDefinitionArn(stack, 'Definition', 'arn:aws:batch:eu-west-1:222222222222:job-definition/Imported:3'),
        jobQueue: batch.JobQueue.fromJobQueueArn(stack, 'Queue', 'arn:aws:batch:eu-west-1:222222222222:job-queue/Imported'),
        stateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'RunJob', 'arn:aws:states:eu-west-1:222222222222:stateMachine:RunJob'),
      }),
      statements: [
        allow(['states:ListExecutions'], ['arn:aws:states:eu-west-1:222222222222:stateMachine:RunJob']),
        allow(['states:DescribeExecution'], ['arn:aws:states:eu-west-1:222222222222:execution:RunJob:*']),
      ],
    }),
  },
];

const COGNITO_READ = ['cognito-idp:Describe*', 'cognito-idp:Get*', 'cognito-idp:List*', 'cognito-idp:AdminGet*', 'cognito-idp:AdminList*'];

describe('AccessLevel.READ on every target that has it', () => {
  test.each(READ_CASES)('$title', ({ given }) => {
    // GIVEN
    const stack = connectStack();
    const expected = given(stack, (value) => stack.resolve(value));

    // WHEN
    const script = scriptConnectedTo(stack, [Connect.readOnly(expected.target)]);

    // THEN: the library's statements are the target's (the others are the script's own: its logs).
    const own = scriptStatements(script).filter((s) => !JSON.stringify(s).includes('logs:'));
    expect(sorted(own)).toEqual(sorted(expected.statements));
    expect(actionsOf(own).filter((action) => !action.startsWith('cognito-idp:') && WRITES.test(action))).toEqual([]);
  });

  test('a read-only OpenSearch domain in a VPC is still reached on 443', () => {
    const stack = connectStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const domain = new opensearch.Domain(stack, 'search', {
      version: opensearch.EngineVersion.OPENSEARCH_2_11, vpc, vpcSubnets: [{ subnets: [vpc.privateSubnets[0]] }],
    });
    scriptConnectedTo(stack, [Connect.readOnly(domain)]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 443, ToPort: 443 });
  });
});

describe('Connect in the connectTo prop', () => {
  test('a name and a level, and an inner Connect\'s options kept where the outer gives none', () => {
    const stack = connectStack();
    const bucket = new s3.Bucket(stack, 'reports');
    const script = scriptConnectedTo(stack, [Connect.readOnly(Connect.to(bucket, { name: 'ARCHIVE' }))]);
    expect(Object.keys(scriptVariables(script)).sort()).toEqual(['STP_ARCHIVE_ARN', 'STP_ARCHIVE_NAME']);
    expect(actionsOf(scriptStatements(script))).not.toContain('s3:PutObject');
  });

  test('stands for its target: a child of it that creates no resource, in every jsii language a construct', () => {
    const stack = connectStack();
    const bucket = new s3.Bucket(stack, 'reports');
    const connect = Connect.readOnly(bucket);
    expect(connect.node.scope).toBe(bucket);
    expect(Connect.readOnly(bucket).node.id).toBe('Connect1');
    expect(connect.node.findAll().filter((c) => c instanceof CfnResource)).toEqual([]);
    expect(connect.target).toBe(bucket);
    expect(connect.options).toEqual({ access: AccessLevel.READ });
  });

  test('the connectTo() method\'s options over a Connect\'s', () => {
    const stack = connectStack();
    const script = scriptConnectedLater(stack, Connect.readOnly(new s3.Bucket(stack, 'reports')), { name: 'OUT', access: AccessLevel.READ_WRITE });
    expect(actionsOf(scriptStatements(script))).toContain('s3:PutObject');
    expect(Object.keys(scriptVariables(script)).sort()).toEqual(['STP_OUT_ARN', 'STP_OUT_NAME']);
  });
});

/** Expects `create` to throw `message` and to leave the app as it was. */
function rejectsCleanly(app: App, create: () => unknown, message: string): void {
  const treeOf = () => app.node.findAll().map((c) => c.node.path).sort();
  const before = treeOf();
  expect(create).toThrow(message);
  expect(treeOf()).toEqual(before);
}

interface Rejection {
  readonly title: string;
  readonly target: (stack: Stack, vpc: ec2.IVpc) => IConstruct;
  /** The message after `<kind> <path>: `. */
  readonly message: string;
}

const REJECTIONS: Rejection[] = [
  {
    title: 'an event bus: put events only',
    target: (stack) => new events.EventBus(stack, 'bus'),
    message: "'access' of connectTo target Stack/bus (EventBridge event bus) is AccessLevel.READ, which it cannot honour: its only level is AccessLevel.READ_WRITE (events:PutEvents). Leave 'access' out.",
  },
  {
    title: 'a function: invoke only',
    target: (stack) => lambda.Function.fromFunctionArn(stack, 'fn', 'arn:aws:lambda:eu-west-1:111111111111:function:Fn'),
    message: "'access' of connectTo target Stack/fn (Lambda function) is AccessLevel.READ, which it cannot honour: its only level is AccessLevel.READ_WRITE (lambda:InvokeFunction, lambda:InvokeFunctionUrl). Leave 'access' out.",
  },
  {
    title: 'SES access: sending',
    target: (stack) => new SesAccess(stack, 'ses'),
    message: "'access' of connectTo target Stack/ses (SES access) is AccessLevel.READ, which it cannot honour: its only level is AccessLevel.READ_WRITE (ses:*). Leave 'access' out.",
  },
  {
    title: 'a CustomTarget: its own statements',
    target: (stack) => new CustomTarget(stack, 'flags', {
      statements: [new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: ['arn:aws:ssm:eu-west-1:111111111111:parameter/flags'] })],
    }),
    message: "'access' of connectTo target Stack/flags (custom target) is AccessLevel.READ, which it cannot honour: its only level is AccessLevel.READ_WRITE (ssm:GetParameter). Leave 'access' out.",
  },
  {
    title: 'a BatchJobTarget without a state machine: nothing to read',
    target: (stack) => new BatchJobTarget(stack, 'job', {
      jobDefinition: batch.EcsJobDefinition.fromJobDefinitionArn(stack, 'Definition', 'arn:aws:batch:eu-west-1:111111111111:job-definition/Job:1'),
      jobQueue: batch.JobQueue.fromJobQueueArn(stack, 'Queue', 'arn:aws:batch:eu-west-1:111111111111:job-queue/Queue'),
    }),
    message: "'access' of connectTo target Stack/job (Batch job) is AccessLevel.READ, which it cannot honour: its only level is AccessLevel.READ_WRITE (batch:SubmitJob, batch:TerminateJob). Leave 'access' out.",
  },
  {
    title: 'a database: its user\'s rights, not IAM\'s',
    target: (stack, vpc) => new rds.DatabaseInstance(stack, 'db', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc }),
    message: "'access' of connectTo target Stack/db (RDS database instance) is AccessLevel.READ, which it cannot honour: its only level is AccessLevel.READ_WRITE "
      + "(network access and the target's own credentials, whose rights are not IAM's to narrow). Leave 'access' out, and give the script credentials that may only read (a read-only database user).",
  },
  {
    title: 'Upstash: the credentials given',
    target: (stack) => new UpstashRedis(stack, 'cache', { host: 'eu1-example.upstash.io', password: 'p', restToken: 't', restUrl: 'https://eu1-example.upstash.io' }),
    message: "'access' of connectTo target Stack/cache (Upstash Redis) is AccessLevel.READ, which it cannot honour: its only level is AccessLevel.READ_WRITE",
  },
];

describe('a level a target cannot honour is rejected at synth, naming the prop, the value and the levels it has, leaving nothing behind', () => {
  const world = () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    stack.node.setContext('aws:cdk:bundling-stacks', []);
    return { app, stack, vpc: new ec2.Vpc(stack, 'Vpc') };
  };
  const script = (stack: Stack, vpc: ec2.IVpc, connectTo: IConstruct[]) =>
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, vpc, connectTo });
  const task = (stack: Stack, vpc: ec2.IVpc, connectTo: IConstruct[]) =>
    new DeploymentTask(stack, 'Task', { trigger: ScriptTrigger.AFTER_DEPLOY, image: ecs.ContainerImage.fromRegistry('busybox'), vpc, connectTo });

  test.each(REJECTIONS)('$title: a DeploymentScript and a DeploymentTask, in the prop and with connectTo()', ({ target, message }) => {
    const { app, stack, vpc } = world();
    const t = target(stack, vpc);
    const readOnly = Connect.readOnly(t);
    rejectsCleanly(app, () => script(stack, vpc, [readOnly]), `DeploymentScript Stack/Script: ${message}`);
    rejectsCleanly(app, () => task(stack, vpc, [readOnly]), `DeploymentTask Stack/Task: ${message}`);

    const later = script(stack, vpc, []);
    const template = () => JSON.stringify(Template.fromStack(stack).toJSON());
    const before = template();
    expect(() => later.connectTo(t, { access: AccessLevel.READ })).toThrow(`DeploymentScript Stack/Script: ${message}`);
    expect(template()).toEqual(before);
  });

  test('a value that is no level: the levels the target has', () => {
    const { app, stack, vpc } = world();
    const bucket = new s3.Bucket(stack, 'reports');
    const bus = new events.EventBus(stack, 'bus');
    const readOnlyBucket = Connect.to(bucket, { access: 'READ_ONLY' as AccessLevel });
    const readBus = Connect.to(bus, { access: 'read' as AccessLevel });
    rejectsCleanly(app, () => script(stack, vpc, [readOnlyBucket]),
      "DeploymentScript Stack/Script: 'access' of connectTo target Stack/reports (S3 bucket) is \"READ_ONLY\". Give AccessLevel.READ or AccessLevel.READ_WRITE, or leave 'access' out.");
    rejectsCleanly(app, () => task(stack, vpc, [readBus]),
      "DeploymentTask Stack/Task: 'access' of connectTo target Stack/bus (EventBridge event bus) is \"read\". Give AccessLevel.READ_WRITE, or leave 'access' out.");
  });
});

describe('cdk-nag: the suppressions cover exactly the read-only statements', () => {
  test('no AwsSolutions-IAM5 finding on the script\'s policy; the suppression names only what READ grants', () => {
    // GIVEN
    const stack = connectStack();
    const bucket = new s3.Bucket(stack, 'reports');
    const pool = new cognito.UserPool(stack, 'users');
    const table = new dynamodb.Table(stack, 'orders', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });

    // WHEN
    const script = scriptConnectedTo(stack, [Connect.readOnly(bucket), Connect.readOnly(pool), Connect.readOnly(table)]);
    const findings = nagFindings(stack.node.root as App, AwsSolutionsChecks);

    // THEN
    const policy = script.scriptFunction.role!.node.findChild('DefaultPolicy').node.defaultChild as any;
    expect(findings.filter((f) => f.path === `/${policy.node.path}` && f.rule === 'AwsSolutions-IAM5')).toEqual([]);
    const suppressed = (policy.getMetadata('cdk_nag').rules_to_suppress as any[])
      .filter((rule) => rule.reason.startsWith('connectTo '))
      .flatMap((rule) => rule.applies_to as string[]);
    const b = stack.getLogicalId(bucket.node.defaultChild as any);
    const t = stack.getLogicalId(table.node.defaultChild as any);
    expect(suppressed.sort()).toEqual([
      `Resource::<${b}.Arn>/*`,
      `Resource::<${t}.Arn>/index/*`,
      ...COGNITO_READ.map((action) => `Action::${action}`),
    ].sort());
  });
});
