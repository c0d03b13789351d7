import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as consts from '../lambda-runtime/shared/consts';
import { DeploymentScript, DeploymentScriptProps, RunPolicy, ScriptTrigger } from '../lib';
import { ECHO_SCRIPT } from './support/template';

interface Variant {
  readonly bucketVersioned?: boolean;
  readonly environment?: { [key: string]: string };
  readonly parameters?: { [key: string]: any };
  readonly otherScriptEnv?: string;
  readonly otherScriptParameters?: { [key: string]: any };
  /** Metadata of the bucket's resource, as checkers and cfn-init read it. */
  readonly bucketMetadata?: { [key: string]: any };
}

/** Synthesizes a fresh app and returns the script's RunToken (undefined when it has none). */
function runToken(policy: RunPolicy | undefined, variant: Variant = {}, trigger = ScriptTrigger.AFTER_DEPLOY): string | undefined {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const bucket = new s3.Bucket(stack, 'Bucket', { versioned: variant.bucketVersioned });
  for (const [key, value] of Object.entries(variant.bucketMetadata ?? {})) { (bucket.node.defaultChild as CfnResource).addMetadata(key, value); }
  const props: DeploymentScriptProps = {
    trigger,
    entry: ECHO_SCRIPT,
    runPolicy: policy,
    environment: variant.environment,
    parameters: variant.parameters,
  };
  new DeploymentScript(stack, 'Script', props);
  new DeploymentScript(stack, 'Other', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, environment: { VERSION: variant.otherScriptEnv ?? '1' }, parameters: variant.otherScriptParameters });
  return Template.fromStack(stack).toJSON().Resources.Script.Properties[consts.PROP_RUN_TOKEN];
}

describe('re-run policies', () => {
  test('ON_STACK_CHANGE is the default', () => {
    expect(runToken(undefined)).toEqual(runToken(RunPolicy.ON_STACK_CHANGE));
  });

  test('ON_STACK_CHANGE: reproducible, and changed by any change of the stack', () => {
    const base = runToken(RunPolicy.ON_STACK_CHANGE);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(runToken(RunPolicy.ON_STACK_CHANGE)).toEqual(base);
    expect(runToken(RunPolicy.ON_STACK_CHANGE, { bucketVersioned: true })).not.toEqual(base);
    expect(runToken(RunPolicy.ON_STACK_CHANGE, { environment: { EXTRA: '1' } })).not.toEqual(base);
    expect(runToken(RunPolicy.ON_STACK_CHANGE, { otherScriptEnv: '2' })).not.toEqual(base);
    expect(runToken(RunPolicy.ON_STACK_CHANGE, { otherScriptParameters: { batch: 2 } })).not.toEqual(base);
  });

  test('a checker\'s suppression is no change of the stack; other metadata is (cfn-init reads its own)', () => {
    const base = runToken(RunPolicy.ON_STACK_CHANGE);
    const suppressed = { rules_to_suppress: [{ id: 'AwsSolutions-S1', reason: 'Access logs go to the central account.' }] };
    expect(runToken(RunPolicy.ON_STACK_CHANGE, { bucketMetadata: { cdk_nag: suppressed } })).toEqual(base);
    expect(runToken(RunPolicy.ON_STACK_CHANGE, { bucketMetadata: { checkov: { skip: [{ id: 'CKV_AWS_18', comment: 'central logs' }] } } })).toEqual(base);
    expect(runToken(RunPolicy.ON_STACK_CHANGE, { bucketMetadata: { 'AWS::CloudFormation::Init': { config: { commands: {} } } } })).not.toEqual(base);
    expect(runToken(RunPolicy.ON_STACK_CHANGE, { bucketMetadata: { cdk_nag: suppressed, 'AWS::CloudFormation::Init': { config: {} } } }))
      .toEqual(runToken(RunPolicy.ON_STACK_CHANGE, { bucketMetadata: { 'AWS::CloudFormation::Init': { config: {} } } }));
  });

  test('ON_SCRIPT_CHANGE: changed by the script\'s own configuration only', () => {
    const base = runToken(RunPolicy.ON_SCRIPT_CHANGE);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(runToken(RunPolicy.ON_SCRIPT_CHANGE)).toEqual(base);
    expect(runToken(RunPolicy.ON_SCRIPT_CHANGE, { environment: { EXTRA: '1' } })).not.toEqual(base);
    expect(runToken(RunPolicy.ON_SCRIPT_CHANGE, { bucketVersioned: true })).toEqual(base);
    expect(runToken(RunPolicy.ON_SCRIPT_CHANGE, { otherScriptEnv: '2' })).toEqual(base);
    expect(runToken(RunPolicy.ON_SCRIPT_CHANGE, { otherScriptParameters: { batch: 2 } })).toEqual(base);
  });

  test('EVERY_DEPLOYMENT: a fresh value at each synthesis', () => {
    const first = runToken(RunPolicy.EVERY_DEPLOYMENT);
    expect(first).toBeDefined();
    expect(runToken(RunPolicy.EVERY_DEPLOYMENT)).not.toEqual(first);
  });

  test('ONCE: no run token, so only a change of the script\'s properties sends an update, which does not run it', () => {
    expect(runToken(RunPolicy.ONCE)).toBeUndefined();
  });

  test('BEFORE_DELETE scripts carry no run token: updates never run them', () => {
    expect(runToken(undefined as any, {}, ScriptTrigger.BEFORE_DELETE)).toBeUndefined();
  });

  test('a re-run policy on a BEFORE_DELETE script is rejected: it has no meaning there', () => {
    for (const policy of [RunPolicy.ON_STACK_CHANGE, RunPolicy.EVERY_DEPLOYMENT, RunPolicy.ON_SCRIPT_CHANGE, RunPolicy.ONCE]) {
      expect(() => runToken(policy, {}, ScriptTrigger.BEFORE_DELETE)).toThrow(
        new RegExp(`DeploymentScript Stack/Script: 'runPolicy' is RunPolicy\\.[A-Z_]+ on a BEFORE_DELETE script, which runs only when the stack is deleted: `
          + "a re-run policy decides which deployments run an AFTER_DEPLOY script again\\. Remove 'runPolicy'\\."));
    }
  });

  test('the policy reaches the runtime', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, runPolicy: RunPolicy.ONCE });
    Template.fromStack(stack).hasResourceProperties(consts.RESOURCE_TYPE, { [consts.PROP_RUN_POLICY]: 'once' });
  });

  test('enum values are the runtime\'s constants', () => {
    expect(ScriptTrigger.AFTER_DEPLOY).toBe(consts.TRIGGER_AFTER_DEPLOY);
    expect(ScriptTrigger.BEFORE_DELETE).toBe(consts.TRIGGER_BEFORE_DELETE);
    expect([RunPolicy.ON_STACK_CHANGE, RunPolicy.EVERY_DEPLOYMENT, RunPolicy.ON_SCRIPT_CHANGE, RunPolicy.ONCE]).toEqual([
      consts.RUN_POLICY_ON_STACK_CHANGE, consts.RUN_POLICY_EVERY_DEPLOYMENT, consts.RUN_POLICY_ON_SCRIPT_CHANGE, consts.RUN_POLICY_ONCE,
    ]);
  });
});
