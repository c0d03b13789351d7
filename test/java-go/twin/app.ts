// The TypeScript twin of the Java app (test/java-go/java/app) and of the Go app (test/java-go/go/app): the same
// stack, construct for construct, with a script written in Java (a jar on Runtime.JAVA_21) and two in Go (a
// `bootstrap` binary on Runtime.PROVIDED_AL2023). Keep the three in step: test/java-go/test_twins.py asserts that
// they synthesize the same template, up to asset hashes.
//   node test/python/run-ts.cjs test/java-go/twin/app.ts <outdir> <java script .jar> <go script folder>
import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { DeploymentScript, RunPolicy, ScriptTrigger } from '../../../lib';
import { writeTemplates } from '../../support/write-templates';

// Nested JSON types, and a camelCase key: parameters are the script's event, delivered as written. The keys are in
// alphabetical order, the order a Go app's template has them in: a Go map has no order, and jsii's Go runtime
// sends it sorted (encoding/json), so that a Go app's template is the same at every synth.
const PARAMETERS = { apiURL: 'https://example.com/', b: true, l: ['a', 2], n: 1, o: { k: 'v' } };

export function build(app: cdk.App, javaJar: string, goFolder: string): cdk.Stack[] {
  const stack = new cdk.Stack(app, 'JavaGoScripts', { env: { account: '111111111111', region: 'eu-west-1' } });
  const bucket = new s3.Bucket(stack, 'myBucket');
  const table = new dynamodb.Table(stack, 'myTable', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  const queue = new sqs.Queue(stack, 'myQueue');

  const migrate = new DeploymentScript(stack, 'migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    code: lambda.Code.fromAsset(javaJar),
    handler: 'example.Migrate::handleRequest',
    runtime: lambda.Runtime.JAVA_21,
    memorySize: 512,
    parameters: PARAMETERS,
    environment: { LOG_LEVEL: 'debug' },
    connectTo: [bucket, table, queue],
    timeout: cdk.Duration.minutes(5),
  });
  const seed = new DeploymentScript(stack, 'seed', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    code: lambda.Code.fromAsset(goFolder),
    handler: 'bootstrap',
    runtime: lambda.Runtime.PROVIDED_AL2023,
    parameters: { table: table.tableName },
    runAfter: [migrate],
    runPolicy: RunPolicy.ON_SCRIPT_CHANGE,
  });
  seed.connectTo(table, { name: 'USERS' });
  new ssm.StringParameter(stack, 'checked', { stringValue: seed.getResult('checked') });

  new DeploymentScript(stack, 'cleanup', {
    trigger: ScriptTrigger.BEFORE_DELETE,
    code: lambda.Code.fromAsset(goFolder),
    handler: 'bootstrap',
    runtime: lambda.Runtime.PROVIDED_AL2023,
    connectTo: [bucket],
  });
  return [stack];
}

export function main([outdir, javaJar, goFolder]: string[]): void {
  writeTemplates(build(new cdk.App(), javaJar, goFolder), outdir);
}
