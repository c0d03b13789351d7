// The stacks whose templates cfn-lint checks (test/python/test_cfn_lint.py): every prop, every run policy,
// ordering, a VPC, a BEFORE_DELETE script, the connectTo targets of aws-cdk-lib, an environment-agnostic stack
// and a nested stack, beside the example stack of the cdk-nag test.
//   node test/python/run-ts.cjs test/lint/stacks.ts <outdir>
import * as path from 'path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DeploymentScript, RunPolicy, ScriptTrigger } from '../../lib';
import { exampleStack } from '../nag/example-stack';
import { writeTemplates } from '../support/write-templates';

const ECHO = path.join(__dirname, '..', 'fixtures', 'scripts', 'echo.ts');

export function build(app: App): Stack[] {
  const example = exampleStack(app, 'LintExample');

  // No env: ARNs and names made of pseudo parameters.
  const agnostic = new Stack(app, 'LintAgnostic');
  const queue = new sqs.Queue(agnostic, 'myQueue');
  for (const runPolicy of Object.values(RunPolicy)) {
    new DeploymentScript(agnostic, `script-${runPolicy}`, { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO, runPolicy, connectTo: [queue] });
  }
  new DeploymentScript(agnostic, 'onDelete', { trigger: ScriptTrigger.BEFORE_DELETE, entry: ECHO });

  // More targets, imported ones, a database instance in a VPC, and a nested stack to run after.
  const targets = new Stack(app, 'LintTargets', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(targets, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const database = new rds.DatabaseInstance(targets, 'myDatabase', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
    vpc,
    databaseName: 'app',
  });
  const nested = new NestedStack(targets, 'Nested');
  new s3.Bucket(nested, 'nestedBucket');
  const machine = new sfn.StateMachine(targets, 'myMachine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(targets, 'Pass')) });
  const first = new DeploymentScript(targets, 'first', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    entry: ECHO,
    connectTo: [
      database,
      s3.Bucket.fromBucketName(targets, 'importedBucket', 'some-bucket'),
      dynamodb.Table.fromTableName(targets, 'importedTable', 'some-table'),
      new events.EventBus(targets, 'myBus'),
      new kinesis.Stream(targets, 'myStream'),
      machine,
      lambda.Function.fromFunctionName(targets, 'importedFunction', 'some-function'),
    ],
  });
  const second = new DeploymentScript(targets, 'second', { trigger: ScriptTrigger.BEFORE_DELETE, entry: ECHO, runAfter: [first] });
  second.runBefore(new sqs.Queue(targets, 'afterScripts'));
  return [example, agnostic, targets, nested];
}

export function main([outdir]: string[]): void {
  writeTemplates(build(new App()), outdir);
}
