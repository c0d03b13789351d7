// Every error a DeploymentTask raises names it as a DeploymentTask: the checks it shares with DeploymentScript (the
// base construct, parameters, variables, ordering, connectTo) once defaulted to "DeploymentScript".
import { Duration, Lazy, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DeploymentScript, DeploymentTask, DeploymentTaskProps, RunPolicy, ScriptTrigger } from '../lib';
import { ECHO_SCRIPT, newStack } from './support/template';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest');
const NAMED = /^DeploymentTask Stack\/Migrate[: ]/;

function world() {
  const { app, stack } = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc');
  return { app, stack, vpc };
}

const task = (stack: Stack, vpc: ec2.IVpc, props: Partial<DeploymentTaskProps> = {}) =>
  new DeploymentTask(stack, 'Migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc, ...props } as DeploymentTaskProps);

/** The message `act` throws. */
function messageOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('every error about a DeploymentTask starts with "DeploymentTask <path>"', () => {
  test.each<[string, (stack: Stack, vpc: ec2.Vpc) => Partial<DeploymentTaskProps>]>([
    ['trigger', () => ({ trigger: 'sometimes' as any })],
    ['runPolicy', () => ({ runPolicy: 'often' as any })],
    ['runPolicy on BEFORE_DELETE', () => ({ trigger: ScriptTrigger.BEFORE_DELETE, runPolicy: RunPolicy.ONCE })],
    ['timeout', () => ({ timeout: Duration.hours(2) })],
    ['cpu', () => ({ cpu: 300 })],
    ['memory', () => ({ cpu: 256, memoryLimitMiB: 8192 })],
    ['an environment variable name', () => ({ environment: { 'NOT-A-NAME': 'x' } })],
    ['the library\'s variable prefix', () => ({ environment: { DEPLOYMENT_SCRIPT_X: 'x' } })],
    ['a parameter that JSON cannot hold', () => ({ parameters: { when: new Date(0) } })],
    ['a secret in parameters', () => ({ parameters: { password: SecretValue.unsafePlainText('x') } })],
    ['variablePrefix', () => ({ variablePrefix: '1_' })],
    ['two targets with one name', (stack) => ({ connectTo: [new s3.Bucket(stack, 'files'), new s3.Bucket(new Construct(stack, 'Other'), 'files')] })],
    ['a variable set twice', (stack) => ({ connectTo: [new s3.Bucket(stack, 'files')], environment: { STP_FILES_NAME: 'x' } })],
    ['a target in another VPC', (stack) => ({
      connectTo: [new rds.DatabaseInstance(stack, 'db', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Elsewhere') })],
    })],
    ['a target of no known kind', (stack) => ({ connectTo: [new ssm.StringParameter(stack, 'Flag', { stringValue: 'x' })] })],
    ['runAfter on a bucket', (stack) => ({ runAfter: [new s3.Bucket(stack, 'B') as any] })],
    ['runAfter across stacks', (stack) => ({
      runAfter: [new DeploymentScript(new Stack(stack.node.root as any, 'Two'), 'S', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT })],
    })],
    ['runBefore across stacks', (stack) => ({ runBefore: [new s3.Bucket(new Stack(stack.node.root as any, 'Three'), 'B')] })],
    ['runBefore on what has no resource', (stack) => ({ runBefore: [new Construct(stack, 'Empty')] })],
  ])('%s', (_name, props) => {
    const { stack, vpc } = world();
    const extra = props(stack, vpc);
    expect(messageOf(() => task(stack, vpc, extra))).toMatch(NAMED);
  });

  test('a construct holding the provider\'s id', () => {
    const { stack, vpc } = world();
    new s3.Bucket(stack, 'DeploymentTaskProvider');
    expect(messageOf(() => task(stack, vpc))).toMatch(/DeploymentTaskProvider/);
  });

  test('methods: addEnvironment, addSecret, connectTo, runAfter, runBefore', () => {
    const { stack, vpc } = world();
    const migrate = task(stack, vpc, { environment: { LEVEL: 'x' } });
    const other = task(new Stack(stack.node.root as any, 'Four'), new ec2.Vpc(stack, 'V2'));
    const outside = new rds.DatabaseInstance(stack, 'db', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'V3') });
    const calls: Array<() => unknown> = [
      () => migrate.addEnvironment('LEVEL', 'y'),
      () => migrate.addEnvironment('DEPLOYMENT_SCRIPT_Y', 'y'),
      () => migrate.addSecret('LEVEL', ecs.Secret.fromSsmParameter(ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'P', { parameterName: '/p' }))),
      () => migrate.connectTo(outside),
      () => migrate.connectTo(new s3.Bucket(stack, 'files'), { name: 'lower' }),
      () => migrate.runAfter(migrate),
      () => migrate.runAfter(other),
      () => migrate.runBefore(migrate.taskDefinition),
      () => migrate.runBefore(new Construct(stack, 'Empty')),
    ];
    for (const call of calls) { expect(messageOf(call)).toMatch(NAMED); }
  });

  test('found at synth: oversized parameters and a secret behind a lazy value', () => {
    const big = world();
    task(big.stack, big.vpc, { parameters: { blob: 'x'.repeat(8000) } });
    expect(messageOf(() => big.app.synth())).toMatch(/\[Stack\/Migrate\] DeploymentTask Stack\/Migrate: parameters take/);

    const lazy = world();
    task(lazy.stack, lazy.vpc, { parameters: { p: Lazy.string({ produce: () => '{{resolve:secretsmanager:db:SecretString:password}}' }) } });
    expect(messageOf(() => lazy.app.synth())).toMatch(/\[Stack\/Migrate\] DeploymentTask Stack\/Migrate: parameters hold a secret reference/);
  });
});
