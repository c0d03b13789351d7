/**
 * What reaches a script and what comes back, end to end: parameters with their JSON types and deploy-time
 * tokens, the run's context in the client context (Node.js and Python), the result as attributes that other
 * resources read through CloudFormation, and the retry of an invoke refused while IAM propagates.
 */
import { join } from 'node:path';
import { CfnOutput } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { DeploymentScript, ScriptTrigger } from '../../lib';
import { outcome } from '../support/fake-aws';
import { ECHO_SCRIPT } from '../support/template';
import type { Harness } from './harness';
import { recorder, RunLog, scriptIds, startHarness, synth } from './support';

jest.setTimeout(120_000);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
}, 15 * 60_000);
afterEach(() => {
  harness.onResource = undefined;
});
afterAll(async () => {
  await harness?.close();
});

test('parameters reach a bundled TypeScript script intact, tokens resolved at deploy time, with the run\'s context', async () => {
  let bucketId = '';
  const assembly = synth((stack) => {
    const bucket = new s3.Bucket(stack, 'Uploads');
    bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    new DeploymentScript(stack, 'Echo', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: ECHO_SCRIPT, // bundled with esbuild by NodejsFunction, as users' scripts are
      parameters: { n: 1, b: true, l: ['a', 2], o: { k: 'v' }, z: null, s: 'ünïcødé "quoted"', bucket: bucket.bucketName },
    });
  }, 'Parameters');
  const stack = harness.stack(assembly);

  const created = await stack.create();

  expect(created.status).toBe('CREATE_COMPLETE');
  const echoed = JSON.parse(String(stack.attribute('Echo', 'event')));
  expect(echoed).toStrictEqual({ n: 1, b: true, l: ['a', 2], o: { k: 'v' }, z: null, s: 'ünïcødé "quoted"', bucket: stack.physicalId(bucketId) });
  expect(stack.physicalId(bucketId)).toMatch(/^parameters-uploads/);
  // The context travels beside the event, in the invocation's client context.
  expect(JSON.parse(String(stack.attribute('Echo', 'context')))).toStrictEqual({
    trigger: 'after:deploy',
    requestType: 'Create',
    stackId: stack.stackId,
    stackName: 'Parameters',
    logicalResourceId: 'Echo',
    physicalResourceId: 'Echo',
    region: 'eu-west-1',
  });
  // The event is exactly the parameters: nothing added.
  const functionName = stack.physicalId(scriptIds(assembly, 'Parameters', 'Echo').fn);
  expect(JSON.parse(harness.lambda.invocationsOf(functionName)[0].payload)).toStrictEqual(echoed);
  await stack.delete();
});

test('a Python script gets its parameters and context.client_context.custom, and returns attributes', async () => {
  const runs = new RunLog();
  const stack = harness.stack(synth((stack) => {
    new DeploymentScript(stack, 'CheckSchema', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      code: lambda.Code.fromAsset(join(__dirname, 'fixtures', 'python-recorder')),
      handler: 'recorder.handler',
      runtime: lambda.Runtime.PYTHON_3_13,
      parameters: { table: 'users', n: 2, b: false, l: [1, 'x'], result: { checked: 'users', columns: 3 } },
      environment: { RECORD_FILE: runs.file, SCRIPT_NAME: 'CheckSchema' },
    });
  }, 'PythonParameters'));

  expect((await stack.create()).status).toBe('CREATE_COMPLETE');

  const [run] = runs.runs() as any[];
  expect(run.event).toStrictEqual({ table: 'users', n: 2, b: false, l: [1, 'x'], result: { checked: 'users', columns: 3 } });
  expect(run.context).toMatchObject({ trigger: 'after:deploy', requestType: 'Create', stackName: 'PythonParameters', logicalResourceId: 'CheckSchema' });
  expect(run.remainingMs).toBeGreaterThan(590_000); // the default timeout: 10 minutes
  expect(stack.attribute('CheckSchema', 'checked')).toBe('users');
  expect(stack.attribute('CheckSchema', 'columns')).toBe('3');
  await stack.delete();
});

test('a result\'s values become attributes that other resources read, deployed after the script', async () => {
  const runs = new RunLog();
  let parameterId = '';
  const stack = harness.stack(synth((stack) => {
    const seed = recorder(stack, 'Seed', runs, {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      parameters: { result: { tenantId: 't-42', count: 3, nested: { a: [1] }, flag: true } },
    });
    const parameter = new ssm.StringParameter(stack, 'Tenant', { stringValue: seed.getResult('tenantId') });
    parameterId = stack.getLogicalId(parameter.node.defaultChild as ssm.CfnParameter);
    new CfnOutput(stack, 'Count', { value: seed.getResult('count') });
  }, 'Results'));

  const created = await stack.create();

  expect(created.status).toBe('CREATE_COMPLETE');
  expect(created.exchangesOf('Seed')[0].response?.Data).toStrictEqual({ tenantId: 't-42', count: '3', nested: '{"a":[1]}', flag: 'true' });
  // CloudFormation resolved Fn::GetAtt Seed.tenantId into the parameter, which exists in SSM with it.
  expect(stack.properties(parameterId).Value).toBe('t-42');
  expect(harness.aws.parameter(stack.physicalId(parameterId))?.value).toBe('t-42');
  expect(stack.outputs()).toEqual({ Count: '3' });
  const order = created.events.filter((e) => e.status === 'CREATE_COMPLETE').map((e) => e.logicalId);
  expect(order.indexOf(parameterId)).toBeGreaterThan(order.indexOf('Seed'));
  await stack.delete();
});

test('an invoke refused while the new role propagates (AccessDeniedException twice) is retried, and the script runs once', async () => {
  const runs = new RunLog();
  const assembly = synth((stack) => {
    recorder(stack, 'Fresh', runs, { trigger: ScriptTrigger.AFTER_DEPLOY });
  }, 'Propagation');
  const functionId = scriptIds(assembly, 'Propagation', 'Fresh').fn;
  harness.onResource = (event) => {
    if (event.action === 'Create' && event.logicalId === functionId) {
      harness.lambda.injectFaults(event.physicalId, outcome.accessDenied(), outcome.accessDenied());
    }
  };
  const stack = harness.stack(assembly);

  const created = await stack.create();

  expect(created.status).toBe('CREATE_COMPLETE');
  expect(runs.summary()).toEqual(['Fresh Create']);
  const functionName = stack.physicalId(functionId);
  expect(harness.aws.invocationsOf(functionName)).toHaveLength(3);
  expect(harness.lambda.invocationsOf(functionName)).toHaveLength(1);
  expect(created.exchangesOf('Fresh')[0].response?.Status).toBe('SUCCESS');
  const runtime = harness.lambda.invocations.filter((i) => i.logicalId?.startsWith('DeploymentScriptProviderRuntime')).at(-1)!;
  expect(runtime.log).toContain('invoke attempt 1 failed with AccessDeniedException: retrying in 1000 ms');
  expect(runtime.log).toContain('invoke attempt 2 failed with AccessDeniedException: retrying in 2000 ms');
  await stack.delete();
});

test('a secret result: stored as a SecureString, answered with NoEcho; other resources still read its attributes', async () => {
  const assembly = synth((stack) => {
    const script = new DeploymentScript(stack, 'Echo', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: ECHO_SCRIPT,
      parameters: { token: 'tok-123' },
      secretResult: true,
    });
    new ssm.StringParameter(stack, 'Reader', { stringValue: script.getResult('event') });
  }, 'SecretResult');
  const stack = harness.stack(assembly);

  const created = await stack.create();

  expect(created.status).toBe('CREATE_COMPLETE');
  const [exchange] = created.exchangesOf('Echo', 'Create');
  expect(exchange.response?.NoEcho).toBe(true);
  expect(JSON.parse(String(stack.attribute('Echo', 'event')))).toEqual({ token: 'tok-123' });
  const stored = harness.aws.parameterNames().filter((name) => name.startsWith('/cdk-deployment-script/SecretResult/')).map((name) => harness.aws.parameter(name)!);
  expect(stored.map((p) => [p.type, p.value.includes('tok-123')])).toEqual([['SecureString', true]]);
  await stack.delete();
});
