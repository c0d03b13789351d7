/**
 * `run` of a deployed task takes the parameters of the deployed template, resolved against the stack: a resource's
 * physical id, a template parameter's value at the last deployment (DescribeStacks, the resolved value of an SSM
 * parameter type), another stack's export (ListExports); and asks with --param for what the stack cannot tell (an
 * attribute, a dynamic reference, a NoEcho parameter). Against the loopback fake, on an app synthesized for real.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { DeploymentTask, ScriptTrigger } from '../../lib';
import { FakeAws, type RecordedRequest } from '../support/fake-aws';
import { DeployedApp, ensureBin, runCli, STACK_ID, STACK_NAME } from './support';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

let dir: string;
let fake: FakeAws;
let app: DeployedApp;
let template: any;
/** The name CDK gave the export of the shared bucket's name. */
let exportName: string;
/** The pages of exports the command read. */
let exportPages = 0;

beforeAll(async () => {
  ensureBin();
  dir = mkdtempSync(join(tmpdir(), 'cli-task-params-'));
  const cdkApp = new App({ outdir: join(dir, 'cdk.out'), context: { 'aws:cdk:enable-path-metadata': true } });
  const shared = new Stack(cdkApp, 'Shared');
  const sharedBucket = new s3.Bucket(shared, 'Uploads');
  const stack = new Stack(cdkApp, STACK_NAME);
  const local = new s3.Bucket(stack, 'Data');
  new DeploymentTask(stack, 'Migrate', {
    trigger: ScriptTrigger.AFTER_DEPLOY,
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/php:8.3-cli'),
    parameters: {
      env: new CfnParameter(stack, 'Env', { default: 'dev' }).valueAsString,
      color: ssm.StringParameter.valueForStringParameter(stack, '/app/color'),
      shared: sharedBucket.bucketName,
      local: local.bucketName,
      arn: local.bucketArn,
      flag: ssm.StringParameter.valueForStringParameter(stack, '/app/flag', 3),
      hidden: new CfnParameter(stack, 'Hidden', { noEcho: true, default: 'x' }).valueAsString,
    },
  });
  cdkApp.synth();
  template = JSON.parse(readFileSync(join(dir, 'cdk.out', `${STACK_NAME}.template.json`), 'utf8'));
  exportName = JSON.stringify(template.Resources.Migrate.Properties.Parameters).match(/"Fn::ImportValue":"([^"]+)"/)![1];
  fake = await FakeAws.start();
  app = new DeployedApp(fake, template);
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const colorParameter = () => Object.keys(template.Parameters).find((name) => template.Parameters[name].Type === 'AWS::SSM::Parameter::Value<String>')!;

/** What CloudFormation answers: the stack with its parameters' values, and the region's exports, two to a page. */
function deployWithParameters(exports: Array<[string, string]>): void {
  app.deploy();
  exportPages = 0;
  const parameters: Array<[string, string, string?]> = [['Env', 'prod'], [colorParameter(), '/app/color', 'blue'], ['Hidden', '****']];
  fake.addRoute((request: RecordedRequest) => {
    const form = new URLSearchParams(request.body.toString('utf8'));
    const metadata = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
    if (form.get('Action') === 'DescribeStacks') {
      const members = parameters.map(([key, value, resolved]) =>
        `<member><ParameterKey>${key}</ParameterKey><ParameterValue>${value}</ParameterValue>${resolved ? `<ResolvedValue>${resolved}</ResolvedValue>` : ''}</member>`).join('');
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks><member><StackId>${STACK_ID}</StackId><StackName>${STACK_NAME}</StackName>` +
          `<CreationTime>2024-01-01T00:00:00.000Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Parameters>${members}</Parameters>` +
          `</member></Stacks></DescribeStacksResult>${metadata}</DescribeStacksResponse>`,
      };
    }
    if (form.get('Action') === 'ListExports') {
      exportPages++;
      const start = Number(form.get('NextToken') ?? 0);
      const page = exports.slice(start, start + 2).map(([name, value]) =>
        `<member><ExportingStackId>arn:aws:cloudformation:us-east-1:123456789012:stack/Shared/1</ExportingStackId><Name>${name}</Name><Value>${value}</Value></member>`).join('');
      const next = start + 2 < exports.length ? `<NextToken>${start + 2}</NextToken>` : '';
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: `<ListExportsResponse xmlns="${XMLNS}"><ListExportsResult><Exports>${page}</Exports>${next}</ListExportsResult>${metadata}</ListExportsResponse>`,
      };
    }
    return undefined;
  });
}

const cli = (...args: string[]) => runCli(args, { env: fake.env() });

beforeEach(() => fake.reset());

test('what the stack cannot tell is asked for, by name; what it can is not', async () => {
  deployWithParameters([['Other:Export', 'x'], ['Another:Export', 'y'], [exportName, 'shared-uploads-bucket']]);
  const { code, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate', '--dry-run');
  expect(code).toBe(3);
  expect(stderr).toContain('error: task Migrate of CliStack takes parameters that cannot be read back from the deployed stack');
  const asked = [...stderr.matchAll(/^ {4}(\w+) {2}← (.*)$/gm)].map((m) => [m[1], m[2]]);
  expect(asked).toEqual([
    ['arn', expect.stringMatching(/^Fn::GetAtt Data[0-9A-F]{8}\.Arn$/)],
    ['flag', 'a dynamic reference to ssm ({{resolve:ssm:/app/flag:3}})'],
    ['hidden', 'Ref Hidden'],
  ]);
});

test('given those, the task runs with the parameters of the last deployment', async () => {
  deployWithParameters([['Other:Export', 'x'], ['Another:Export', 'y'], [exportName, 'shared-uploads-bucket']]);
  fake.ecs.plan({ runningPolls: 0, stop: { exitCode: 0 } });
  const { code, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate', '--param', 'arn=arn:aws:s3:::data', '--param', 'flag=on', '--param', 'hidden=h');
  expect(stderr).toContain('✔ task Migrate succeeded');
  expect(code).toBe(0);
  const [call] = fake.ecs.callsOf('RunTask');
  const environment = Object.fromEntries(call.input.overrides.containerOverrides[0].environment.map((v: any) => [v.name, v.value]));
  expect(JSON.parse(environment.DEPLOYMENT_SCRIPT_PARAMETERS)).toEqual({
    env: 'prod',
    color: 'blue',
    shared: 'shared-uploads-bucket',
    local: app.physicalId(Object.keys(template.Resources).find((id) => id.startsWith('Data'))!),
    arn: 'arn:aws:s3:::data',
    flag: 'on',
    hidden: 'h',
  });
  // Exports are read until the one the task imports is found.
  expect(exportPages).toBe(2);
});

test('an export that is gone is asked for like the rest', async () => {
  deployWithParameters([['Other:Export', 'x']]);
  const { code, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate', '--param', 'arn=a', '--param', 'flag=on', '--param', 'hidden=h', '--dry-run');
  expect(code).toBe(3);
  expect(stderr).toContain(`    shared  ← Fn::ImportValue "${exportName}"\n`);
});

describe('the parameters its last run recorded', () => {
  /** What the task's provider recorded with its last successful run: the template's parameters, resolved. */
  const lastRun = () => JSON.stringify({
    env: 'prod', color: 'blue', shared: 'shared-uploads-bucket',
    local: app.physicalId(Object.keys(template.Resources).find((id) => id.startsWith('Data'))!),
    arn: 'arn:aws:s3:::recorded-data', flag: 'on', hidden: 'h',
  });
  const environmentOf = (call: any) => Object.fromEntries(call.input.overrides.containerOverrides[0].environment.map((v: any) => [v.name, v.value]));

  test('are the parameters of the run: attributes and dynamic references included, nothing asked, no export read', async () => {
    deployWithParameters([[exportName, 'shared-uploads-bucket']]);
    app.record('Migrate', { v: 1, data: {}, parameters: lastRun() });
    fake.ecs.plan({ runningPolls: 0, stop: { exitCode: 0 } });
    const { code, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate', '--param', 'flag=off');
    expect(stderr).toContain('Parameters: the last deployment with 1 --param override.');
    expect(code).toBe(0);
    expect(JSON.parse(environmentOf(fake.ecs.callsOf('RunTask')[0]).DEPLOYMENT_SCRIPT_PARAMETERS)).toEqual({ ...JSON.parse(lastRun()), flag: 'off' });
    expect(exportPages).toBe(0);
    expect(fake.ssmCallsOf('GetParameter').map((c) => c.input)).toEqual([{ Name: `/cdk-deployment-script/${STACK_NAME}/Migrate`, WithDecryption: true }]);
  });

  test('a secret result\'s record, a SecureString, is read decrypted', async () => {
    deployWithParameters([[exportName, 'shared-uploads-bucket']]);
    app.record('Migrate', { v: 1, data: { token: 's3cr3t' }, parameters: lastRun() }, 'SecureString');
    const { code, stdout } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate', '--dry-run');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).event).toEqual(JSON.parse(lastRun()));
  });

  test('a record that is not of the deployed template is not used: the template is, and the command says why', async () => {
    deployWithParameters([[exportName, 'shared-uploads-bucket']]);
    app.record('Migrate', { v: 1, data: {}, parameters: '{"env":"prod","old":"shape"}' });
    const { code, stderr } = await cli('run', '--stack', STACK_NAME, '--script', 'Migrate', '--param', 'arn=a', '--param', 'flag=on', '--param', 'hidden=h', '--dry-run');
    expect(code).toBe(0);
    expect(stderr).toContain('Parameters: the deployed template, resolved against the stack (the recorded ones are not those of the deployed template: its last deployment could not record them).');
  });
});
