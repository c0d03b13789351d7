// DeploymentProviders.configure: the stack's providers in the user's VPC, with the user's key on their logs and
// environments (issue 18: what a regulated user decides); bad input rejected, leaving the stack as it was.
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DeploymentProviders, DeploymentScript, DeploymentTask, ScriptTrigger } from '../lib';
import { ECHO_SCRIPT, newStack } from './support/template';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3');
const ENI_ACTIONS = [
  'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
];

function scriptAndTask(stack: Stack): void {
  new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
  new DeploymentTask(stack, 'Task', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc: new ec2.Vpc(stack, 'TaskVpc', { maxAzs: 1 }) });
}

/** The logical ids of the providers' functions: the runtime, the task provider's two, and the framework's four. */
function providerFunctions(template: Template): [string, any][] {
  return Object.entries(template.findResources('AWS::Lambda::Function'))
    .filter(([id]) => id.startsWith('DeploymentScriptProvider') || id.startsWith('DeploymentTaskProvider'));
}

/** Every statement of the template's roles and policies, inline or not. */
function statementsOf(template: Template, ids: string[]): any[] {
  const resources = { ...template.findResources('AWS::IAM::Role'), ...template.findResources('AWS::IAM::Policy') };
  return Object.entries(resources).filter(([id]) => ids.some((prefix) => id.startsWith(prefix))).flatMap(([, r]: [string, any]) => [
    ...(r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement),
    ...(r.Properties.PolicyDocument?.Statement ?? []),
  ]);
}

describe('DeploymentProviders.configure', () => {
  test('a VPC, its subnets and security group: every function of both providers runs there, with the network interface actions, no managed policy', () => {
    // GIVEN
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc });

    // WHEN
    DeploymentProviders.configure(stack, { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [sg] });
    scriptAndTask(stack);

    // THEN
    const template = Template.fromStack(stack);
    const functions = providerFunctions(template);
    expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'DeploymentScriptProviderframeworkonEvent', 'DeploymentScriptProviderRuntime',
      'DeploymentTaskProviderIsComplete', 'DeploymentTaskProviderOnEvent',
      'DeploymentTaskProviderframeworkisComplete', 'DeploymentTaskProviderframeworkonEvent',
      'DeploymentTaskProviderframeworkonTimeout',
    ].sort());
    const privateSubnets = vpc.privateSubnets.map((s) => stack.resolve(s.subnetId));
    for (const [, fn] of functions) {
      expect(fn.Properties.VpcConfig).toEqual({
        SecurityGroupIds: [{ 'Fn::GetAtt': [stack.getLogicalId(sg.node.defaultChild as any), 'GroupId'] }],
        SubnetIds: privateSubnets,
      });
    }
    // The network interface actions, on every provider role, and no AWSLambdaVPCAccessExecutionRole.
    const eni = statementsOf(template, ['DeploymentScriptProvider', 'DeploymentTaskProvider']).filter((s) => JSON.stringify(s.Action).includes('ec2:'));
    expect(eni.length).toBe(7);
    for (const statement of eni) { expect(statement).toEqual({ Effect: 'Allow', Action: ENI_ACTIONS, Resource: '*' }); }
    for (const [, role] of Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) => id.startsWith('DeploymentScriptProvider') || id.startsWith('DeploymentTaskProvider'))) {
      expect(JSON.stringify((role as any).Properties.ManagedPolicyArns ?? [])).not.toMatch(/AWSLambda/);
    }
  });

  test('a VPC alone: aws-cdk-lib gives each function a security group of its own in the private subnets', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    DeploymentProviders.configure(stack, { vpc });
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });

    const template = Template.fromStack(stack);
    for (const [, fn] of providerFunctions(template)) {
      expect(fn.Properties.VpcConfig.SubnetIds).toEqual(vpc.privateSubnets.map((s) => stack.resolve(s.subnetId)));
    }
    expect(Object.keys(template.findResources('AWS::EC2::SecurityGroup')).filter((id) => id.startsWith('DeploymentScriptProvider'))).toHaveLength(2);
  });

  test('a key: both log groups and every provider function\'s environment; the key lets CloudWatch Logs use it for this account\'s log groups', () => {
    // GIVEN
    const { stack } = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });

    // WHEN
    DeploymentProviders.configure(stack, { encryptionKey: key });
    scriptAndTask(stack);

    // THEN
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as any), 'Arn'] };
    const logGroups = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([id]) => id.includes('Provider'));
    expect(logGroups).toHaveLength(2);
    for (const [, group] of logGroups) { expect((group as any).Properties).toEqual({ KmsKeyId: keyArn, RetentionInDays: 365 }); }
    const functions = providerFunctions(template);
    expect(functions).toHaveLength(7);
    for (const [, fn] of functions) {
      expect(fn.Properties.KmsKeyArn).toEqual(keyArn);
      expect(fn.Properties.VpcConfig).toBeUndefined();
    }
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:*']] } } },
        }]),
      },
    });
    // A script's own function is the script's to set (environmentEncryption): the providers' key does not reach it.
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'cdk-deployment-script: Stack/Script (after:deploy)', KmsKeyArn: Match.absent() });
  });

  test('an imported key: a warning that its policy is the user\'s to write', () => {
    const { stack } = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    DeploymentProviders.configure(stack, { encryptionKey: key });
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });

    Annotations.fromStack(stack).hasWarning('/Stack', Match.stringLikeRegexp(
      "DeploymentProviders.configure\\(Stack\\): 'encryptionKey' Stack/Key is imported, so its policy cannot be changed here. Let the service principal logs.eu-west-1.amazonaws.com \\(the stack's region\\) use it"));
    expect(Template.fromStack(stack).findResources('AWS::Logs::LogGroup')).not.toEqual({});
  });

  test('an imported key in a stack of no set region: the warning names no token', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    DeploymentProviders.configure(stack, { encryptionKey: key });
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });

    const warnings = Annotations.fromStack(stack).findWarning('/Agnostic', Match.stringLikeRegexp('encryptionKey'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].entry.data)).toContain("Let the service principal logs.<region>.amazonaws.com (the stack's region) use it");
    expect(String(warnings[0].entry.data)).not.toMatch(/\$\{Token/);
  });

  test('without configure, no provider function is in a VPC or has a key: the templates of every other test', () => {
    const { stack } = newStack();
    scriptAndTask(stack);
    for (const [, fn] of providerFunctions(Template.fromStack(stack))) {
      expect(fn.Properties.VpcConfig).toBeUndefined();
      expect(fn.Properties.KmsKeyArn).toBeUndefined();
    }
  });

  test('settings are per stack: another stack of the app keeps the defaults', () => {
    const { app, stack } = newStack();
    DeploymentProviders.configure(stack, { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 }) });
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    const other = new Stack(app, 'Other', { env: { account: '111111111111', region: 'eu-west-1' } });
    new DeploymentScript(other, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });

    expect(providerFunctions(Template.fromStack(stack)).every(([, fn]) => fn.Properties.VpcConfig)).toBe(true);
    expect(providerFunctions(Template.fromStack(other)).some(([, fn]) => fn.Properties.VpcConfig)).toBe(false);
  });

  describe('bad input: named, with the fix, and the stack left as it was', () => {
    function rejectsCleanly(stack: Stack, configure: () => void, message: string): void {
      const before = stack.node.findAll().map((c) => c.node.path);
      expect(configure).toThrow(message);
      expect(stack.node.findAll().map((c) => c.node.path)).toEqual(before);
    }

    test.each(['DeploymentScript', 'DeploymentTask'])('after the stack\'s first %s: too late, it has its provider', (kind) => {
      const { stack } = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
      if (kind === 'DeploymentScript') {
        new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
      } else {
        new DeploymentTask(stack, 'Task', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc });
      }
      rejectsCleanly(stack, () => DeploymentProviders.configure(stack, { vpc }),
        `DeploymentProviders.configure(Stack): the stack already has the provider of its ${kind}s, created with its first ${kind}: `
        + 'call configure before the first DeploymentScript or DeploymentTask of the stack.');
    });

    test('twice for a stack: one call with every setting; the first call\'s settings stay', () => {
      const { stack } = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
      DeploymentProviders.configure(stack, { vpc });
      const key = new kms.Key(stack, 'Key');
      rejectsCleanly(stack, () => DeploymentProviders.configure(stack, { encryptionKey: key }),
        'DeploymentProviders.configure(Stack): the providers of the stack are configured already: give every setting in one call.');
      new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
      const functions = providerFunctions(Template.fromStack(stack));
      expect(functions.every(([, fn]) => fn.Properties.VpcConfig && !fn.Properties.KmsKeyArn)).toBe(true);
    });

    test.each<[string, (stack: Stack) => object, string]>([
      ['subnets without a VPC', () => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }),
        "'vpcSubnets' is given without 'vpc'. Give the VPC the providers run in, or remove 'vpcSubnets'."],
      ['security groups without a VPC', (stack) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345')] }),
        "'securityGroups' is given without 'vpc'. Give the VPC the providers run in, or remove 'securityGroups'."],
      ['an empty list of security groups', (stack) => ({ vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 }), securityGroups: [] }),
        "'securityGroups' is an empty list. Give at least one security group, or leave 'securityGroups' out for one per function."],
    ])('%s', (_name, props, message) => {
      const { stack } = newStack();
      const given = props(stack);
      rejectsCleanly(stack, () => DeploymentProviders.configure(stack, given), `DeploymentProviders.configure(Stack): ${message}`);
      // Nothing was recorded: a correct call afterwards is the first.
      DeploymentProviders.configure(stack, {});
    });

    test('a scope outside any stack', () => {
      const app = new App();
      expect(() => DeploymentProviders.configure(app, {})).toThrow(
        "DeploymentProviders.configure(the app): 'scope' is not in a stack. Give the stack whose providers to configure, or a construct of it.");
      const stage = new Stage(app, 'Beta');
      expect(() => DeploymentProviders.configure(stage, {})).toThrow("DeploymentProviders.configure(Beta): 'scope' is not in a stack.");
    });
  });
});
