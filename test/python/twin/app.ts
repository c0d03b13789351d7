// The TypeScript twin of test/python/python_app.py: the same app, construct for construct. Keep the two in
// step: test/python/test_python_app.py asserts that both synthesize the same templates.
//   node test/python/run-ts.cjs test/python/twin/app.ts <outdir>
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AccessLevel, Connect, DeploymentScript, RunPolicy, ScriptTrigger } from '../../../lib';
import { writeTemplates } from '../../support/write-templates';

const SCRIPTS = path.join(__dirname, '..', '..', 'fixtures', 'python');

const CHECK_SCHEMA = path.join(__dirname, '..', '..', 'fixtures', 'python-entry', 'check_schema.py');

const PARAMETERS = { n: 1, b: true, l: ['a', 2], o: { k: 'v' }, apiURL: 'https://example.com/' };

export function build(app: cdk.App): cdk.Stack[] {
  const stack = new cdk.Stack(app, 'PythonScripts', { env: { account: '111111111111', region: 'eu-west-1' } });
  const bucket = new s3.Bucket(stack, 'myBucket');
  const table = new dynamodb.Table(stack, 'myTable', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  const queue = new sqs.Queue(stack, 'myQueue');

  const migrate = new DeploymentScript(stack, 'migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    code: lambda.Code.fromAsset(SCRIPTS),
    handler: 'script.handler',
    runtime: lambda.Runtime.PYTHON_3_13,
    parameters: PARAMETERS,
    environment: { LOG_LEVEL: 'debug' },
    connectTo: [bucket, table, queue],
    timeout: cdk.Duration.minutes(5),
  });
  const seed = new DeploymentScript(stack, 'seed', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    code: lambda.Code.fromAsset(SCRIPTS),
    handler: 'script.handler',
    runtime: lambda.Runtime.PYTHON_3_13,
    parameters: { table: table.tableName },
    runAfter: [migrate],
    runPolicy: RunPolicy.ON_SCRIPT_CHANGE,
  });
  seed.connectTo(table, { name: 'USERS' });
  new ssm.StringParameter(stack, 'checked', { stringValue: seed.getResult('checked') });

  new DeploymentScript(stack, 'cleanup', {
    trigger: ScriptTrigger.BEFORE_DELETE,
    code: lambda.Code.fromAsset(SCRIPTS),
    handler: 'script.handler',
    runtime: lambda.Runtime.PYTHON_3_13,
    connectTo: [bucket],
  });

  new DeploymentScript(stack, 'checkSchema', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    entry: CHECK_SCHEMA,
    parameters: { table: 'users' },
    connectTo: [Connect.readOnly(table), Connect.to(queue, { access: AccessLevel.READ, name: 'JOBS' })],
  });
  return [stack];
}

export function main([outdir]: string[]): void {
  writeTemplates(build(new cdk.App()), outdir);
}
