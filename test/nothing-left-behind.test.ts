import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import { DeploymentScript, DeploymentScriptProps, DeploymentTask, DeploymentTaskProps, RunPolicy, ScriptTrigger } from '../lib';
import { MAX_SCRIPT_PARAMETERS_BYTES } from '../lib/private/parameters';
import { ECHO_SCRIPT, newStack } from './support/template';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest');

/** Every construct of the app, with what it depends on: what a caller who catches an error synthesizes. */
function treeOf(root: IConstruct): string[] {
  return root.node.findAll().map((c) => `${c.node.path} <- ${c.node.dependencies.map((d) => d.node.path).sort().join(',')}`).sort();
}

/** Expects `create` to throw `message` and to leave the app exactly as it was. */
function rejectsCleanly(app: App, create: () => unknown, message: string | RegExp): void {
  const before = treeOf(app);
  expect(create).toThrow(message);
  expect(treeOf(app)).toEqual(before);
}

/** A stack with a VPC and a database in it, and a second stack. */
function world() {
  const { app, stack } = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc');
  const otherVpc = new ec2.Vpc(stack, 'Other');
  const db = new rds.DatabaseInstance(stack, 'db', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: otherVpc });
  const other = new Stack(app, 'Two', { env: { account: '111111111111', region: 'eu-west-1' } });
  return { app, stack, vpc, db, other };
}

const script = (scope: IConstruct, props: Partial<DeploymentScriptProps> = {}) =>
  new DeploymentScript(scope as any, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, ...props } as DeploymentScriptProps);
const task = (scope: IConstruct, vpc: ec2.IVpc, props: Partial<DeploymentTaskProps> = {}) =>
  new DeploymentTask(scope as any, 'Task', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc, ...props } as DeploymentTaskProps);

describe('a script that cannot be created leaves the app as it was, and the message names the prop and the fix', () => {
  test('two connectTo targets with the same name', () => {
    const { app, stack, vpc } = world();
    const a = new s3.Bucket(stack, 'uploads');
    const nested = new s3.Bucket(new ec2.SecurityGroup(stack, 'Group', { vpc }), 'uploads');
    rejectsCleanly(app, () => script(stack, { connectTo: [a, nested] }),
      "DeploymentScript Stack/Script: connectTo targets Stack/uploads and Stack/Group/uploads have the same name 'UPLOADS'. Give one of them another name with connectTo(target, { name }).");
    rejectsCleanly(app, () => task(stack, vpc, { connectTo: [a, nested] }),
      "DeploymentTask Stack/Task: connectTo targets Stack/uploads and Stack/Group/uploads have the same name 'UPLOADS'.");
  });

  test('a target in another VPC than the script\'s', () => {
    const { app, stack, vpc, db } = world();
    rejectsCleanly(app, () => script(stack, { vpc, connectTo: [db] }),
      'DeploymentScript Stack/Script: connectTo target Stack/db (RDS database instance) lives in Stack/Other, and the script runs in Stack/Vpc. Run the script in the VPC of the targets it connects to.');
  });

  test('an environment variable that a connectTo target sets too', () => {
    const { app, stack } = world();
    const queue = new sqs.Queue(stack, 'jobs');
    rejectsCleanly(app, () => script(stack, { connectTo: [queue], environment: { STP_JOBS_URL: 'x' } }),
      "DeploymentScript Stack/Script: variable 'STP_JOBS_URL' of connectTo target Stack/jobs is already set by the script's environment.");
  });

  test.each([
    ['1X_', 'which cannot start an environment variable name'],
    ['MY-APP_', 'which cannot start an environment variable name'],
    ['DEPLOYMENT_SCRIPT_', "which starts with 'DEPLOYMENT_SCRIPT_', reserved for this library"],
    ['AWS_', "which starts with 'AWS_', reserved by AWS Lambda"],
  ])('variablePrefix %s', (prefix, problem) => {
    const { app, stack } = world();
    const queue = new sqs.Queue(stack, 'jobs');
    rejectsCleanly(app, () => script(stack, { connectTo: [queue], variablePrefix: prefix }),
      `DeploymentScript Stack/Script: 'variablePrefix' is ${JSON.stringify(prefix)}, ${problem}. Give letters, digits and underscores starting with a letter (the default is 'STP_'), or '' for none.`);
  });

  test('a container takes AWS_ variables, so a task may use that prefix; no prefix at all is fine for both', () => {
    const { stack, vpc } = world();
    const queue = new sqs.Queue(stack, 'jobs');
    task(stack, vpc, { connectTo: [queue], variablePrefix: 'AWS_' });
    const s = script(stack, { connectTo: [queue], variablePrefix: '' });
    expect(Template.fromStack(stack).toJSON().Resources[Stack.of(s).getLogicalId(s.scriptFunction.node.defaultChild as lambda.CfnFunction)]
      .Properties.Environment.Variables).toHaveProperty('JOBS_URL');
  });

  test('runAfter and runBefore across stacks, or on what cannot be ordered', () => {
    const { app, stack, other } = world();
    const there = new DeploymentScript(other, 'There', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    const bucket = new s3.Bucket(stack, 'Bucket');
    rejectsCleanly(app, () => script(stack, { runAfter: [there] }),
      'DeploymentScript Stack/Script cannot run after Two/There: it is in another stack (Two). Scripts are ordered within a stack; order stacks with stack.addDependency().');
    rejectsCleanly(app, () => script(stack, { runAfter: [bucket as any] }),
      'DeploymentScript Stack/Script: runAfter takes deployment scripts, got Stack/Bucket. To deploy a construct after the script, use runBefore.');
    const elsewhere = new s3.Bucket(other, 'B');
    rejectsCleanly(app, () => script(stack, { runBefore: [elsewhere] }),
      'DeploymentScript Stack/Script cannot run before Two/B: it is in another stack (Two). Order stacks with stack.addDependency().');
    const empty = new Construct(stack, 'Empty');
    rejectsCleanly(app, () => script(stack, { runBefore: [bucket, empty] }),
      'DeploymentScript Stack/Script cannot run before Stack/Empty: it has no CloudFormation resource to order.');
  });

  test('a runBefore that fails on its second construct adds no dependency to the first', () => {
    const { app, stack, other } = world();
    const bucket = new s3.Bucket(stack, 'Bucket');
    const s = script(stack);
    const elsewhere = new s3.Bucket(other, 'B');
    rejectsCleanly(app, () => s.runBefore(bucket, elsewhere), /cannot run before Two\/B: it is in another stack/);
  });

  test('a construct that holds the provider\'s id', () => {
    const { app, stack, vpc } = world();
    new s3.Bucket(stack, 'DeploymentScriptProvider');
    new s3.Bucket(stack, 'DeploymentTaskProvider');
    rejectsCleanly(app, () => script(stack), /Stack already has a construct named 'DeploymentScriptProvider': rename it/);
    rejectsCleanly(app, () => task(stack, vpc), /Stack already has a construct named 'DeploymentTaskProvider': rename it/);
  });

  test('the id Default directly in a stack, which would leave the custom resource without a logical id', () => {
    const { app, stack } = world();
    rejectsCleanly(app, () => new DeploymentScript(stack, 'Default', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT }),
      "DeploymentScript Stack/Default: its id is 'Default', which aws-cdk-lib leaves out of logical ids, and so is its custom resource's: "
      + 'the resource would have no logical id. Give the script another id.');
    new DeploymentScript(new Construct(stack, 'Migrations'), 'Default', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('a missing entry file', () => {
    const { app, stack } = world();
    rejectsCleanly(app, () => script(stack, { entry: 'scripts/missing.ts' }),
      `DeploymentScript Stack/Script: 'entry' is scripts/missing.ts, and there is no such file (${path.resolve('scripts/missing.ts')}). Give the path of the script's file, absolute or relative to the folder the app runs in (where cdk.json is).`);
  });

  test('a depsLockFilePath that does not exist', () => {
    const { app, stack } = world();
    rejectsCleanly(app, () => script(stack, { depsLockFilePath: 'nowhere/package-lock.json' }),
      "DeploymentScript Stack/Script: 'depsLockFilePath' is nowhere/package-lock.json, and there is no such file. Give the lock file of the app's dependencies");
  });

  test('no lock file above the folder the app runs in', () => {
    const { app, stack } = world();
    const cwd = process.cwd();
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-lock-'));
    try {
      process.chdir(empty);
      rejectsCleanly(app, () => script(stack),
        new RegExp(`'entry' .*echo\\.ts is bundled with esbuild, which needs the app's package lock file, and there is none in ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} or above`));
    } finally {
      process.chdir(cwd);
    }
  });

  test('what only aws-cdk-lib checks, after the script joined the tree, takes it out again with the provider made for it', () => {
    const { app, stack } = world();
    // A description over 256 characters: aws-cdk-lib's Function refuses it, inside the script.
    rejectsCleanly(app, () => script(stack, { code: lambda.Code.fromInline('x'), entry: undefined, handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X,
      description: 'x'.repeat(300) }), /description/i);
    expect(stack.node.tryFindChild('DeploymentScriptProvider')).toBeUndefined();
    // and the stack still synthesizes a script created afterwards
    script(stack);
    expect(Template.fromStack(stack).findResources('Custom::DeploymentScript')).not.toEqual({});
  });
});

describe('mistakes that would only fail at deploy time are caught at synth', () => {
  test.each<[string, Partial<DeploymentScriptProps>, string]>([
    ['a timeout of 0', { timeout: Duration.seconds(0) },
      "DeploymentScript Stack/Script: 'timeout' is 0 seconds: Lambda takes a whole number of seconds, 1 at least. Give e.g. Duration.minutes(5)."],
    ['a timeout of a fraction of a second', { timeout: Duration.millis(1500) },
      "DeploymentScript Stack/Script: 'timeout' is 1 second 500 millis: Lambda takes a whole number of seconds, 1 at least."],
    ['64 MB of memory', { memorySize: 64 },
      "DeploymentScript Stack/Script: 'memorySize' is 64. Lambda gives a function 128 to 10240 MB: give a whole number of MB in that range."],
    ['20 GB of memory', { memorySize: 20480 }, "'memorySize' is 20480. Lambda gives a function 128 to 10240 MB"],
    ['a fractional memory', { memorySize: 512.5 }, "'memorySize' is 512.5."],
    ['a /tmp too small', { ephemeralStorageSize: Size.mebibytes(256) },
      "DeploymentScript Stack/Script: 'ephemeralStorageSize' is 256 MiB. Lambda gives a function's /tmp 512 to 10240 MiB: give a size in that range."],
    ['a run policy on a BEFORE_DELETE script', { trigger: ScriptTrigger.BEFORE_DELETE, runPolicy: RunPolicy.ONCE },
      "DeploymentScript Stack/Script: 'runPolicy' is RunPolicy.ONCE on a BEFORE_DELETE script"],
  ])('%s', (_name, props, message) => {
    const { app, stack } = world();
    rejectsCleanly(app, () => script(stack, props), message);
  });

  test.each<[string, Partial<DeploymentTaskProps>, string]>([
    ['a cpu Fargate does not take', { cpu: 384 },
      "DeploymentTask Stack/Task: 'cpu' is 384, which Fargate does not take. Give one of 256, 512, 1024, 2048, 4096, 8192, 16384 (see \"Task CPU and memory\" in the Amazon ECS developer guide)."],
    ['a pair Fargate does not take', { cpu: 256, memoryLimitMiB: 4096 },
      "DeploymentTask Stack/Task: 'memoryLimitMiB' is 4096 with 'cpu' 256, a pair Fargate does not take. With 256 CPU units give 512, 1024 or 2048 MiB, or change 'cpu'"],
    ['1536 MiB with 256 CPU units', { cpu: 256, memoryLimitMiB: 1536 }, "'memoryLimitMiB' is 1536 with 'cpu' 256, a pair Fargate does not take."],
    ['a memory off the step', { cpu: 8192, memoryLimitMiB: 17408 },
      "With 8192 CPU units give 16384 to 61440 in steps of 4096 MiB"],
    ['a memory no CPU value takes', { memoryLimitMiB: 1000 },
      "DeploymentTask Stack/Task: 'memoryLimitMiB' is 1000, which Fargate takes with no CPU value."],
    ['a run policy on a BEFORE_DELETE task', { trigger: ScriptTrigger.BEFORE_DELETE, runPolicy: RunPolicy.EVERY_DEPLOYMENT },
      "DeploymentTask Stack/Task: 'runPolicy' is RunPolicy.EVERY_DEPLOYMENT on a BEFORE_DELETE script"],
  ])('%s', (_name, props, message) => {
    const { app, stack, vpc } = world();
    rejectsCleanly(app, () => task(stack, vpc, props), message);
  });

  test('a task given only cpu or only memory gets the smallest size Fargate pairs with it', () => {
    const sizes = (props: Partial<DeploymentTaskProps>) => {
      const { stack, vpc } = world();
      task(stack, vpc, props);
      const [definition] = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition')) as any[];
      return [definition.Properties.Cpu, definition.Properties.Memory];
    };
    expect(sizes({})).toEqual(['256', '512']);
    expect(sizes({ cpu: 1024 })).toEqual(['1024', '2048']);
    expect(sizes({ memoryLimitMiB: 8192 })).toEqual(['1024', '8192']);
    expect(sizes({ memoryLimitMiB: 1024 })).toEqual(['256', '1024']);
    expect(sizes({ cpu: 16384, memoryLimitMiB: 122880 })).toEqual(['16384', '122880']);
  });

  test('parameters too large for CloudFormation to hand to the script fail the synth, naming the size and the fix', () => {
    const { app, stack } = world();
    script(stack, { parameters: { blob: 'x'.repeat(MAX_SCRIPT_PARAMETERS_BYTES) } });
    expect(() => app.synth()).toThrow(new RegExp(`DeploymentScript Stack/Script: 'parameters' take ${MAX_SCRIPT_PARAMETERS_BYTES + 11} bytes as JSON, `
      + `over the ${MAX_SCRIPT_PARAMETERS_BYTES} that CloudFormation can hand to the script .*Pass large data another way`));
  });

  test('parameters just under the limit are fine', () => {
    const { stack } = world();
    script(stack, { parameters: { blob: 'x'.repeat(MAX_SCRIPT_PARAMETERS_BYTES - 11) } });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('getResult on a BEFORE_DELETE script, which has no result while other resources read it', () => {
    const { app, stack } = world();
    const cleanup = script(stack, { trigger: ScriptTrigger.BEFORE_DELETE });
    rejectsCleanly(app, () => cleanup.getResult('count'),
      'DeploymentScript Stack/Script: getResult("count") reads the result of a BEFORE_DELETE script, which runs only when the stack is deleted: on create and update it does not run and has no result, so CloudFormation would fail the resource that reads it. Return the result from an AFTER_DEPLOY script.');
  });

  test('getResult without a key', () => {
    const { stack } = world();
    expect(() => script(stack).getResult('')).toThrow("DeploymentScript Stack/Script: getResult(\"\") needs the name of a top-level key of the object the script returns, known at synth, e.g. getResult('tenantId').");
  });
});

describe('ServiceTimeout: a provider that never answers fails the resource in minutes, not after an hour', () => {
  const serviceTimeouts = (stack: Stack) => Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
    .filter((r) => r.Type === 'Custom::DeploymentScript' || r.Type === 'Custom::DeploymentTask')
    .map((r) => [r.Type, r.Properties.ServiceTimeout]);

  test('derived from each script\'s own timeout: 2 minutes more for a script, 5 for a task, an hour at most', () => {
    const { stack, vpc } = world();
    new DeploymentScript(stack, 'Usual', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    new DeploymentScript(stack, 'Longest', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, timeout: Duration.minutes(14) });
    new DeploymentTask(stack, 'Task', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc });
    new DeploymentTask(stack, 'LongTask', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc, timeout: Duration.minutes(55) });
    expect(serviceTimeouts(stack)).toEqual([
      ['Custom::DeploymentScript', '720'],
      ['Custom::DeploymentScript', '960'],
      ['Custom::DeploymentTask', '2100'],
      ['Custom::DeploymentTask', '3600'],
    ]);
  });

  test('a serviceTimeout given that fits is used', () => {
    const { stack } = world();
    script(stack, { timeout: Duration.minutes(1), serviceTimeout: Duration.minutes(20) });
    expect(serviceTimeouts(stack)).toEqual([['Custom::DeploymentScript', '1200']]);
  });

  test.each<[string, Partial<DeploymentScriptProps>, string]>([
    ['shorter than the script and its provider need', { timeout: Duration.minutes(10), serviceTimeout: Duration.minutes(11) },
      "DeploymentScript Stack/Script: 'serviceTimeout' is 11 minutes, less than the script's timeout (10 minutes) plus the 2 minutes its provider needs around it: CloudFormation would fail the resource while the script still runs. Give at least 12 minutes, or lower 'timeout'."],
    ['over an hour', { serviceTimeout: Duration.minutes(61) },
      "DeploymentScript Stack/Script: 'serviceTimeout' is 1 hour 1 minute. CloudFormation waits a whole number of seconds, an hour at most: give at most Duration.hours(1), or leave it out."],
    ['a fraction of a second', { serviceTimeout: Duration.millis(900500) }, "'serviceTimeout' is 15 minutes 500 millis. CloudFormation waits a whole number of seconds"],
  ])('%s', (_name, props, message) => {
    const { app, stack } = world();
    rejectsCleanly(app, () => script(stack, props), message);
  });

  test('a task: the default timeout of 30 minutes and 5 minutes around it', () => {
    const { app, stack, vpc } = world();
    rejectsCleanly(app, () => task(stack, vpc, { serviceTimeout: Duration.minutes(34) }),
      "DeploymentTask Stack/Task: 'serviceTimeout' is 34 minutes, less than the task's timeout (30 minutes) plus the 5 minutes its provider needs around it");
  });
});
