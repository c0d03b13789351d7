import { App, CfnDynamicReference, CfnDynamicReferenceService, Duration, Lazy, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DeploymentScript, DeploymentScriptProps, RunPolicy, ScriptTrigger } from '../lib';
import { ECHO_SCRIPT, newStack, PYTHON_SCRIPT_DIR } from './support/template';

const base: DeploymentScriptProps = { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT };

/** Expects the props to be rejected, and nothing at all to be left in the stack. */
function rejects(props: Partial<DeploymentScriptProps> | ((stack: Stack) => Partial<DeploymentScriptProps>), message: string | RegExp) {
  const { stack } = newStack();
  const extra = typeof props === 'function' ? props(stack) : props;
  const before = stack.node.findAll().length;
  expect(() => new DeploymentScript(stack, 'Script', { ...base, ...extra } as DeploymentScriptProps)).toThrow(message);
  expect(stack.node.findAll().length).toBe(before);
}

describe('bad input is rejected at construction, naming the prop, the value and the fix, leaving nothing behind', () => {
  test.each<[string, Partial<DeploymentScriptProps>, string | RegExp]>([
    ['unknown trigger', { trigger: 'after:everything' as any },
      'DeploymentScript Stack/Script: \'trigger\' is "after:everything". Use ScriptTrigger.AFTER_DEPLOY or ScriptTrigger.BEFORE_DELETE.'],
    ['unknown run policy', { runPolicy: 'sometimes' as any },
      'DeploymentScript Stack/Script: \'runPolicy\' is "sometimes". Use one of RunPolicy.ON_STACK_CHANGE, RunPolicy.EVERY_DEPLOYMENT, RunPolicy.ON_SCRIPT_CHANGE, RunPolicy.ONCE.'],
    ['both entry and code', { code: lambda.Code.fromInline('x'), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X },
      /both 'entry' \(.*echo\.ts\) and 'code' are given\. Give 'entry' for a script bundled with esbuild, or 'code' with 'handler' and 'runtime' for prebuilt code, not both\./],
    ['neither entry nor code', { entry: undefined },
      "DeploymentScript Stack/Script: neither 'entry' nor 'code' is given. Give 'entry' (a .ts or .js file, bundled with esbuild) or 'code' with 'handler' and 'runtime' (prebuilt code in any language)."],
    ['code without handler', { entry: undefined, code: lambda.Code.fromAsset(PYTHON_SCRIPT_DIR), runtime: lambda.Runtime.PYTHON_3_13 },
      "'code' is given without 'handler'. Add the handler Lambda calls, e.g. handler: 'script.handler'."],
    ['code without runtime', { entry: undefined, code: lambda.Code.fromAsset(PYTHON_SCRIPT_DIR), handler: 'script.handler' },
      "'code' is given without 'runtime'. Add the Lambda runtime of the code, e.g. runtime: Runtime.PYTHON_3_13."],
    ['entry with a non-Node runtime', { runtime: lambda.Runtime.PYTHON_3_13 },
      "'runtime' is python3.13 with 'entry', which is bundled for Node.js. Use a Node.js runtime, or give prebuilt 'code' for python3.13."],
    ['bundling without entry', { entry: undefined, code: lambda.Code.fromAsset(PYTHON_SCRIPT_DIR), handler: 'script.handler', runtime: lambda.Runtime.PYTHON_3_13, bundling: { minify: true } },
      "'bundling' is given without 'entry': it only applies to a script bundled from 'entry'. Remove it."],
    ['a timeout over 14 minutes', { timeout: Duration.minutes(15) },
      "'timeout' is 15 minutes, over the 14 minutes a script may run (the Provider framework waits 15 minutes at most). Lower it, split the work into scripts that runAfter one another, or run it as a DeploymentTask, which may run 55 minutes."],
    ['logGroup and logRetention', { logRetention: logs.RetentionDays.ONE_DAY, logGroup: logs.LogGroup.fromLogGroupName(new Stack(), 'L', 'l') },
      "both 'logGroup' and 'logRetention' are given. Set the retention on your log group, or give only 'logRetention' to have one created."],
    ['vpcSubnets without vpc', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
      "'vpcSubnets' is given without 'vpc'. Give the VPC the script runs in, or remove 'vpcSubnets'."],
    ['a duplicate environment key cannot come from one object, but a reserved one can', { environment: { AWS_REGION: 'eu-west-1' } },
      "DeploymentScript Stack/Script: environment variable 'AWS_REGION' is reserved by AWS Lambda. Choose another name: Lambda sets this one itself."],
    ['a Lambda-reserved name', { environment: { _HANDLER: 'x' } }, "environment variable '_HANDLER' is not a valid name"],
    ['LAMBDA_TASK_ROOT', { environment: { LAMBDA_TASK_ROOT: 'x' } }, "environment variable 'LAMBDA_TASK_ROOT' is reserved by AWS Lambda"],
    ['the library\'s prefix', { environment: { DEPLOYMENT_SCRIPT_TRIGGER: 'x' } },
      "environment variable 'DEPLOYMENT_SCRIPT_TRIGGER' starts with 'DEPLOYMENT_SCRIPT_', which is reserved for this library. Choose another name."],
    ['a one-letter name', { environment: { X: '1' } },
      "DeploymentScript Stack/Script: environment variable 'X' is one character long, and Lambda takes names of two characters or more. Give it a longer name."],
    ['an invalid name', { environment: { 'MY-VAR': 'x' } }, "environment variable 'MY-VAR' is not a valid name. Use letters, digits and underscores, starting with a letter."],
    ['a SecretValue in parameters', { parameters: { db: { password: SecretValue.unsafePlainText('hunter2') } } },
      'DeploymentScript Stack/Script: parameters.db.password is a SecretValue. Pass secrets to the script through `environment` instead: parameters are written to the template in clear text.'],
    ['an unwrapped SecretValue in a string', { parameters: { url: `postgres://u:${SecretValue.secretsManager('db').unsafeUnwrap()}@h/db` } },
      'parameters.url holds a secret reference ("{{resolve:secretsmanager:db:SecretString:::}}"). Pass secrets to the script through `environment` instead'],
    ['a SecretValue as a string', { parameters: { password: SecretValue.ssmSecure('/db/password').toString() } },
      'parameters.password holds a SecretValue. Pass secrets to the script through `environment` instead'],
    ['a secretsmanager reference', { parameters: { list: ['ok', '{{resolve:secretsmanager:db:SecretString:password}}'] } },
      'parameters.list[1] is a secret reference ("{{resolve:secretsmanager:db:SecretString:password}}"). Pass secrets to the script through `environment` instead'],
    ['an ssm-secure reference', { parameters: { p: '{{resolve:ssm-secure:/app/key:1}}' } }, 'parameters.p is a secret reference'],
    ['a function', { parameters: { f: (() => 1) as any } },
      'parameters.f is a function, which JSON cannot represent. Pass strings, numbers, booleans, null, arrays and plain objects only.'],
    ['undefined', { parameters: { u: undefined } }, 'parameters.u is undefined, which JSON drops. Remove the key, or pass null.'],
    ['NaN', { parameters: { n: [1, NaN] } }, 'parameters.n[1] is NaN, which JSON cannot represent. Pass a finite number, a string or null.'],
    ['Infinity', { parameters: { n: Infinity } }, 'parameters.n is Infinity, which JSON cannot represent'],
    ['a Date', { parameters: { when: new Date(0) } },
      'parameters.when is an instance of Date, not a plain object. Convert it to strings, numbers, booleans, arrays and plain objects (a Date to an ISO string, for example).'],
    ['a bigint', { parameters: { big: BigInt(1) as any } }, 'parameters.big is a bigint, which JSON cannot represent'],
  ])('%s', (_name, props, message) => rejects(props, message));

  test('a circular structure', () => {
    const loop: any = { a: {} };
    loop.a.back = loop;
    rejects({ parameters: loop }, 'parameters.a.back refers back to one of its own parents. Pass a tree: JSON cannot represent a circular structure.');
  });

  test('securityGroups with allowAllOutbound', () => {
    rejects((stack) => {
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
      return { vpc, securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })], allowAllOutbound: false };
    }, "both 'securityGroups' and 'allowAllOutbound' are given. Configure outbound rules on your security groups instead.");
  });

  test('a repeated value is fine: it is not a cycle', () => {
    const shared = { k: 'v' };
    const { stack } = newStack();
    expect(() => new DeploymentScript(stack, 'Script', { ...base, parameters: { a: shared, b: shared, runPolicy: RunPolicy.ONCE } })).not.toThrow();
  });
});

describe('bad input found once the app is complete is rejected at synth', () => {
  test('a secret reference behind a lazy value', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const ref = new CfnDynamicReference(CfnDynamicReferenceService.SECRETS_MANAGER, 'db:SecretString:password');
    new DeploymentScript(stack, 'Script', { ...base, parameters: { nested: { value: Lazy.string({ produce: () => ref.toString() }) } } });
    expect(() => app.synth()).toThrow(/DeploymentScript Stack\/Script: parameters hold a secret reference \("\{\{resolve:secretsmanager:db:SecretString:password\}\}"\)\. Pass secrets to the script through `environment` instead/);
  });

  test('a secret reference produced by a lazy value from another construct', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'db');
    new DeploymentScript(stack, 'Script', { ...base, parameters: { password: Lazy.string({ produce: () => secret.secretValueFromJson('password').unsafeUnwrap() }) } });
    expect(() => app.synth()).toThrow(/parameters hold a secret reference \("\{\{resolve:secretsmanager:arn:/);
  });

  test('secrets are welcome in environment', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const secret = new secretsmanager.Secret(stack, 'Secret');
    new DeploymentScript(stack, 'Script', { ...base, environment: { PASSWORD: secret.secretValueFromJson('password').unsafeUnwrap() } });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('bad calls', () => {
  test('addEnvironment with a key already set, or reserved', () => {
    const { stack } = newStack();
    const script = new DeploymentScript(stack, 'Script', { ...base, environment: { ALPHA: '1' } });
    expect(() => script.addEnvironment('ALPHA', '2')).toThrow("DeploymentScript Stack/Script: environment variable 'ALPHA' is set twice. Set each variable once: remove one of them or give it another name.");
    expect(() => script.addEnvironment('AWS_LAMBDA_EXEC_WRAPPER', '/x')).toThrow("environment variable 'AWS_LAMBDA_EXEC_WRAPPER' is reserved by AWS Lambda");
  });

  test('connections of a script outside any VPC', () => {
    const { stack } = newStack();
    const script = new DeploymentScript(stack, 'Script', base);
    expect(() => script.connections).toThrow("DeploymentScript Stack/Script is not in a VPC, so it has no security group to connect: give it a 'vpc'.");
  });
});
