import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as consts from '../lambda-runtime/shared/consts';
import { DeploymentScript, ScriptTrigger } from '../lib';
import { assertAcyclic, directDependencies, ECHO_SCRIPT, newStack, PYTHON_SCRIPT_DIR, transitiveDependencies } from './support/template';

const script = (scope: Construct, id: string, trigger = ScriptTrigger.AFTER_DEPLOY) =>
  new DeploymentScript(scope, id, { trigger, entry: ECHO_SCRIPT });

function logicalId(stack: Stack, c: Construct): string {
  return stack.resolve((c.node.defaultChild as CfnResource).logicalId);
}

describe('after everything', () => {
  test('the custom resource depends on every other resource, including those defined after it', () => {
    // GIVEN
    const { stack } = newStack();
    new s3.Bucket(stack, 'Before');
    const nested = new Construct(stack, 'Deep');
    script(nested, 'Script');

    // WHEN: resources defined after the script, some depending on each other
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    new ec2.SecurityGroup(stack, 'Sg', { vpc });
    new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    new sqs.Queue(stack, 'Queue', { deadLetterQueue: { queue: new sqs.Queue(stack, 'Dlq'), maxReceiveCount: 3 } });

    // THEN
    const template = Template.fromStack(stack);
    const [id] = Object.keys(template.findResources(consts.RESOURCE_TYPE));
    const all = Object.keys(template.toJSON().Resources).filter((r) => r !== id);
    expect(all.length).toBeGreaterThan(25);
    const reached = transitiveDependencies(template, id);
    expect(all.filter((r) => !reached.has(r))).toEqual([]);
    assertAcyclic(template);
  });

  test('DependsOn lists only what is not implied: short on large stacks, nothing already referenced', () => {
    const { stack } = newStack();
    const s = script(stack, 'Script');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3, natGateways: 3 });
    for (let i = 0; i < 20; i++) { new s3.Bucket(stack, `Bucket${i}`); }
    new ec2.SecurityGroup(stack, 'Sg', { vpc });

    const resource = Template.fromStack(stack).toJSON().Resources[logicalId(stack, s.resource)];
    // The VPC's subnets, routes and gateways follow from a few of its resources.
    expect(resource.DependsOn.filter((d: string) => d.startsWith('Vpc')).length).toBeLessThan(12);
    expect(resource.DependsOn.filter((d: string) => d.startsWith('Bucket'))).toHaveLength(20);
    const referenced = JSON.stringify(resource.Properties);
    for (const dep of resource.DependsOn) { expect(referenced).not.toContain(`"${dep}"`); }
  });

  test('a resource that uses the script\'s result comes after it, without a cycle', () => {
    const { stack } = newStack();
    const seed = script(stack, 'Seed');
    const consumer = new CfnResource(stack, 'Consumer', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: seed.getResult('id') } });
    new CfnResource(stack, 'Downstream', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: consumer.ref } });
    new s3.Bucket(stack, 'Unrelated');

    const template = Template.fromStack(stack);
    assertAcyclic(template);
    const deps = transitiveDependencies(template, 'Seed');
    expect(deps.has('Consumer')).toBe(false);
    expect(deps.has('Downstream')).toBe(false);
    expect(deps.has(logicalId(stack, stack.node.findChild('Unrelated') as Construct))).toBe(true);
    expect(transitiveDependencies(template, 'Downstream').has('Seed')).toBe(true);
  });

  test('two scripts whose results feed resources that the other would depend on stay acyclic', () => {
    const { stack } = newStack();
    const a = script(stack, 'A');
    const b = script(stack, 'B');
    new CfnResource(stack, 'UsesA', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: a.getResult('x') } });
    new CfnResource(stack, 'UsesB', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: b.getResult('x') } });
    const template = Template.fromStack(stack);
    assertAcyclic(template);
  });

  test('the provider is deployed before its scripts without being listed; a cycle through the function it invokes is still found', () => {
    const { stack } = newStack();
    const s = script(stack, 'S');
    const template = Template.fromStack(stack);
    const id = logicalId(stack, s.resource);
    const provider = Object.keys(template.toJSON().Resources).filter((r) => r.startsWith('DeploymentScriptProvider'));
    expect(provider).toHaveLength(5);
    expect((template.toJSON().Resources[id].DependsOn ?? []).filter((d: string) => provider.includes(d))).toEqual([]);
    const reached = transitiveDependencies(template, id);
    expect(provider.filter((r) => !reached.has(r))).toEqual([]);
    assertAcyclic(template);

    // The provider invokes the script's function; the function's environment uses a queue that waits for the script.
    const other = newStack();
    const queue = new sqs.Queue(other.stack, 'Queue');
    const t = script(other.stack, 'T');
    t.addEnvironment('QUEUE_URL', queue.queueUrl);
    t.runBefore(queue);
    expect(() => other.app.synth()).toThrow(/DeploymentScript Stack\/T: its resources depend on each other in a cycle \(T -> TFunction[0-9A-F]{8} -> Queue[0-9A-F]{8} -> T\)/);
  });

  test('with many scripts, a script lists none of the others\' resources: the provider, which invokes them all, implies them', () => {
    const { stack } = newStack();
    const scripts = Array.from({ length: 12 }, (_, i) => new DeploymentScript(stack, `S${i}`, {
      trigger: ScriptTrigger.AFTER_DEPLOY, code: lambda.Code.fromAsset(PYTHON_SCRIPT_DIR), handler: 'script.handler', runtime: lambda.Runtime.PYTHON_3_13,
    }));
    new s3.Bucket(stack, 'Bucket');
    const resources = Template.fromStack(stack).toJSON().Resources;
    for (const s of scripts) {
      expect(resources[logicalId(stack, s.resource)].DependsOn).toEqual([expect.stringMatching(/^Bucket/)]);
    }
  });

  test('scripts do not depend on each other unless ordered', () => {
    const { stack } = newStack();
    script(stack, 'A');
    script(stack, 'B');
    const template = Template.fromStack(stack);
    expect(transitiveDependencies(template, 'A').has('B')).toBe(false);
    expect(transitiveDependencies(template, 'B').has('A')).toBe(false);
  });

  test('resources with a condition are not depended upon (CloudFormation rejects it)', () => {
    const { stack } = newStack();
    script(stack, 'Script');
    const bucket = new s3.Bucket(stack, 'Maybe');
    const condition = new (require('aws-cdk-lib').CfnCondition)(stack, 'IsProd', { expression: require('aws-cdk-lib').Fn.conditionEquals(require('aws-cdk-lib').Aws.REGION, 'eu-west-1') });
    (bucket.node.defaultChild as CfnResource).cfnOptions.condition = condition;
    const template = Template.fromStack(stack);
    expect(directDependencies(template, 'Script').has(logicalId(stack, bucket))).toBe(false);
  });

  test('resources of nested stacks are left to the nested stack resource', () => {
    const { stack } = newStack();
    script(stack, 'Script');
    const nested = new (require('aws-cdk-lib').NestedStack)(stack, 'Nested');
    new s3.Bucket(nested, 'Inner');
    const template = Template.fromStack(stack);
    const nestedId = Object.keys(template.findResources('AWS::CloudFormation::Stack'))[0];
    expect(transitiveDependencies(template, 'Script').has(nestedId)).toBe(true);
  });
});

describe('ordering between scripts', () => {
  test('runAfter as a prop and as a method', () => {
    const { stack } = newStack();
    const migrate = script(stack, 'Migrate');
    const seed = new DeploymentScript(stack, 'Seed', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, runAfter: [migrate] });
    const smoke = script(stack, 'Smoke');
    smoke.runAfter(seed);

    const template = Template.fromStack(stack);
    expect(directDependencies(template, 'Seed').has('Migrate')).toBe(true);
    expect(directDependencies(template, 'Smoke').has('Seed')).toBe(true);
    expect(transitiveDependencies(template, 'Migrate').has('Seed')).toBe(false);
    assertAcyclic(template);
  });

  test('a cycle is reported at the call that would close it', () => {
    const { stack } = newStack();
    const a = script(stack, 'A');
    const b = script(stack, 'B');
    const c = script(stack, 'C');
    b.runAfter(a);
    c.runAfter(b);
    expect(() => a.runAfter(c)).toThrow('DeploymentScript Stack/A cannot run after Stack/C: that would make a cycle (Stack/A -> Stack/C -> Stack/B -> Stack/A). Remove one of the orderings.');
    expect(() => a.runAfter(a)).toThrow('DeploymentScript Stack/A cannot run after itself.');
  });

  test('scripts of other stacks cannot be ordered against', () => {
    const app = new App();
    const one = new Stack(app, 'One');
    const two = new Stack(app, 'Two');
    const a = script(one, 'A');
    expect(() => new DeploymentScript(two, 'B', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, runAfter: [a] }))
      .toThrow('DeploymentScript Two/B cannot run after One/A: it is in another stack (One). Scripts are ordered within a stack; order stacks with stack.addDependency().');
  });

  test('runAfter takes only deployment scripts', () => {
    const { stack } = newStack();
    const a = script(stack, 'A');
    expect(() => a.runAfter(new s3.Bucket(stack, 'B') as any)).toThrow(/runAfter takes deployment scripts, got Stack\/B. To deploy a construct after the script, use runBefore/);
  });
});

describe('runBefore', () => {
  test('the given constructs are deployed after the script, and the script does not wait for them', () => {
    const { stack } = newStack();
    const service = new Construct(stack, 'Service');
    const queue = new sqs.Queue(service, 'Queue');
    const table = new dynamodb.Table(service, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const migrate = new DeploymentScript(stack, 'Migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, runBefore: [queue] });
    migrate.runBefore(table);

    const template = Template.fromStack(stack);
    for (const c of [queue, table]) {
      expect(directDependencies(template, logicalId(stack, c)).has('Migrate')).toBe(true);
      expect(transitiveDependencies(template, 'Migrate').has(logicalId(stack, c))).toBe(false);
    }
    assertAcyclic(template);
  });

  test('errors: another stack, nothing to order, the script\'s own resources, a cycle through a reference', () => {
    const app = new App();
    const one = new Stack(app, 'One');
    const two = new Stack(app, 'Two');
    const s = script(one, 'S');
    expect(() => s.runBefore(new s3.Bucket(two, 'B'))).toThrow('DeploymentScript One/S cannot run before Two/B: it is in another stack (Two). Order stacks with stack.addDependency().');
    expect(() => s.runBefore(new Construct(one, 'Empty'))).toThrow('DeploymentScript One/S cannot run before One/Empty: it has no CloudFormation resource to order.');
    expect(() => s.runBefore(s.scriptFunction)).toThrow(/DeploymentScript One\/S cannot run before its own resource One\/S\/Function/);

    // A resource the script's parameters refer to cannot also wait for the script.
    const bucket = new s3.Bucket(one, 'Used');
    const t = new DeploymentScript(one, 'T', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, parameters: { bucket: bucket.bucketName } });
    t.runBefore(bucket);
    expect(() => app.synth()).toThrow(/DeploymentScript One\/T: its resources depend on each other in a cycle \(T -> Used[0-9A-F]{8} -> T\)/);
  });
});

test('a reference to another stack is not taken for a resource of the script\'s stack with the same logical id', () => {
  // GIVEN two stacks, each with a bucket at the same path (so, the same logical id)
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const env = { account: '111111111111', region: 'eu-west-1' };
  const data = new Stack(app, 'Data', { env });
  const shared = new s3.Bucket(data, 'Shared');
  const stack = new Stack(app, 'App', { env });
  const local = new s3.Bucket(stack, 'Shared');
  // WHEN a resource of the script's stack uses the other stack's bucket
  const reader = new sqs.Queue(stack, 'Reader', { queueName: shared.bucketName });
  const s = script(stack, 'Script');

  // THEN the script waits for both: the reader does not stand for the local bucket, which it does not use
  const template = Template.fromStack(stack).toJSON();
  expect(JSON.stringify(template.Resources[logicalId(stack, reader)].Properties)).toContain('Fn::ImportValue');
  expect(template.Resources[logicalId(stack, s.resource)].DependsOn).toEqual(expect.arrayContaining([logicalId(stack, local), logicalId(stack, reader)]));
});
