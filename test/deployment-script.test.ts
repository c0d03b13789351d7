import { App, CfnResource, Duration, Size, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as consts from '../lambda-runtime/shared/consts';
import { DeploymentScript, RunPolicy, ScriptTrigger } from '../lib';
import { ECHO_SCRIPT, newStack, PYTHON_SCRIPT_DIR, scriptIds } from './support/template';

describe('DeploymentScript', () => {
  test('the README\'s first example synthesizes: a custom resource carrying the script, its parameters and its trigger', () => {
    // GIVEN
    const { stack } = newStack();
    const api = new apigwv2.HttpApi(stack, 'myHttpApi');
    const topic = new sns.Topic(stack, 'Topic');

    // WHEN
    new DeploymentScript(stack, 'testApiMethods', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: ECHO_SCRIPT,
      parameters: { apiURL: api.url, testPaths: ['my/path/1', 'my/path/2'] },
      environment: { LOG_LEVEL: 'debug' },
      iamRoleStatements: [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] })],
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties(consts.RESOURCE_TYPE, {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeploymentScriptProvider'), 'Arn'] },
      [consts.PROP_TRIGGER]: 'after:deploy',
      [consts.PROP_RUN_POLICY]: 'on-stack-change',
      [consts.PROP_FUNCTION_NAME]: { Ref: Match.stringLikeRegexp('^testApiMethodsFunction') },
      [consts.PROP_PARAMETERS]: {
        'Fn::Join': ['', Match.arrayWith([
          '{"apiURL":"https://',
          { Ref: Match.stringLikeRegexp('^myHttpApi') },
          Match.stringLikeRegexp('/","testPaths":\\["my/path/1","my/path/2"\\]}$'),
        ])],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-deployment-script: Stack/testApiMethods (after:deploy)',
      Environment: { Variables: { LOG_LEVEL: 'debug' } },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^Topic') } }] },
      Roles: [{ Ref: Match.stringLikeRegexp('^testApiMethodsFunctionServiceRole') }],
    });
  });

  test('parameters travel as one JSON document with their types', () => {
    const { stack } = newStack();
    new DeploymentScript(stack, 'Script', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: ECHO_SCRIPT,
      parameters: { n: 1, b: true, l: ['a', 2], o: { k: 'v' }, z: null },
    });
    const [id] = scriptIds(Template.fromStack(stack));
    const props = Template.fromStack(stack).toJSON().Resources[id].Properties;
    expect(typeof props[consts.PROP_PARAMETERS]).toBe('string');
    expect(JSON.parse(props[consts.PROP_PARAMETERS])).toStrictEqual({ n: 1, b: true, l: ['a', 2], o: { k: 'v' }, z: null });
  });

  test('no parameters send an empty object', () => {
    const { stack } = newStack();
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.BEFORE_DELETE, entry: ECHO_SCRIPT });
    Template.fromStack(stack).hasResourceProperties(consts.RESOURCE_TYPE, {
      [consts.PROP_PARAMETERS]: '{}',
      [consts.PROP_TRIGGER]: 'before:delete',
    });
  });

  test('defaults: Node.js 24, handler "handler", 10 minutes, 1024 MB, Lambda\'s log group, no VPC', () => {
    const { stack } = newStack();
    const script = new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Timeout: 600,
      MemorySize: 1024,
      VpcConfig: Match.absent(),
      LoggingConfig: Match.absent(),
      EphemeralStorage: Match.absent(),
      Architectures: Match.absent(),
    });
    template.hasResourceProperties(consts.RESOURCE_TYPE, {
      [consts.PROP_TIMEOUT_SECONDS]: '600',
      [consts.PROP_LOG_GROUP_NAME]: Match.absent(),
    });
    // The provider's log group only.
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    // The script's role has no managed policy: its own policy lets it write Lambda's log group of the function, only.
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), Policies: Match.absent() });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:/aws/lambda/', { Ref: Match.stringLikeRegexp('^ScriptFunction') }, ':*']] },
        }],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^ScriptFunctionServiceRole') }],
    });
    // The script runs once it may write its log: the provider's runtime waits for the policy.
    template.hasResource('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('runs the deployment scripts') },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ScriptLogPolicy')]),
    });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    expect(script.runPolicy).toBe(RunPolicy.ON_STACK_CHANGE);
    expect(script.trigger).toBe(ScriptTrigger.AFTER_DEPLOY);
  });

  test('every function prop reaches the script\'s function', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc });
    const role = new iam.Role(stack, 'MyRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const logGroup = new logs.LogGroup(stack, 'Logs');
    new DeploymentScript(stack, 'Script', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      entry: ECHO_SCRIPT,
      handler: 'default',
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: Duration.minutes(14),
      memorySize: 2048,
      ephemeralStorageSize: Size.gibibytes(2),
      architecture: lambda.Architecture.ARM_64,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [sg],
      logGroup,
      role,
      description: 'migrate the database',
      bundling: { minify: true },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.default',
      Runtime: 'nodejs22.x',
      Timeout: 840,
      MemorySize: 2048,
      EphemeralStorage: { Size: 2048 },
      Architectures: ['arm64'],
      Description: 'migrate the database',
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyRole'), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^Logs') } },
      VpcConfig: {
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Sg'), 'GroupId'] }],
        SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') }]),
      },
    });
    template.hasResourceProperties(consts.RESOURCE_TYPE, {
      [consts.PROP_LOG_GROUP_NAME]: { Ref: Match.stringLikeRegexp('^Logs') },
      [consts.PROP_TIMEOUT_SECONDS]: '840',
    });
  });

  test('logRetention creates a retained log group for the script', () => {
    const { stack } = newStack();
    new DeploymentScript(stack, 'Script', {
      trigger: ScriptTrigger.BEFORE_DELETE,
      entry: ECHO_SCRIPT,
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ScriptLogGroup') } },
    });
  });

  test('a script in a VPC gets its own security group and is IConnectable', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    const script = new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, vpc, allowAllOutbound: false });
    const other = new ec2.SecurityGroup(stack, 'Db', { vpc });
    other.connections.allowFrom(script, ec2.Port.tcp(5432));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScriptFunctionSecurityGroup'), 'GroupId'] },
    });
    // What AWSLambdaVPCAccessExecutionRole would give, in a policy of the script's own that the function waits for.
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          Effect: 'Allow',
          Resource: '*',
        }],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^ScriptFunctionServiceRole') }],
    });
    template.hasResource('AWS::Lambda::Function', {
      Properties: { VpcConfig: Match.anyValue() },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ScriptVpcAccessPolicy')]),
    });
  });

  test('prebuilt code in another runtime: a Python script', () => {
    const { stack } = newStack();
    new DeploymentScript(stack, 'Script', {
      trigger: ScriptTrigger.AFTER_DEPLOY,
      code: lambda.Code.fromAsset(PYTHON_SCRIPT_DIR),
      handler: 'script.handler',
      runtime: lambda.Runtime.PYTHON_3_13,
      parameters: { table: 'users' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.13',
      Handler: 'script.handler',
      Timeout: 600,
    });
  });

  test('IGrantable: other constructs grant to the script', () => {
    const { stack } = newStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    const script = new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    bucket.grantRead(script);
    script.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:eu-west-1:111111111111:q'] }));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) }),
          Match.objectLike({ Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:111111111111:q' }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^ScriptFunctionServiceRole') }],
    });
  });

  test('addEnvironment adds a variable', () => {
    const { stack } = newStack();
    const script = new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, environment: { ALPHA: '1' } });
    expect(script.addEnvironment('BRAVO', '2')).toBe(script);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { ALPHA: '1', BRAVO: '2' } },
    });
  });

  test('getResult reads an attribute of the custom resource', () => {
    const { stack } = newStack();
    const script = new DeploymentScript(stack, 'Seed', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    new CfnResource(stack, 'Consumer', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: script.getResult('tenantId') } });
    const template = Template.fromStack(stack);
    const [id] = scriptIds(template);
    template.hasResourceProperties('AWS::SSM::Parameter', { Value: { 'Fn::GetAtt': [id, 'tenantId'] } });
  });

  test('the custom resource keeps its construct id and type: a change would replace users\' resources', () => {
    const { stack } = newStack();
    const script = new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    expect(script.resource.node.id).toBe('Default');
    expect(script.scriptFunction.node.id).toBe('Function');
    expect(stack.node.tryFindChild('DeploymentScriptProvider')).toBeDefined();
    expect(consts.RESOURCE_TYPE).toBe('Custom::DeploymentScript');
    // A script at the top of a stack keeps its construct id as logical id; deeper ones get a path hash.
    expect(scriptIds(Template.fromStack(stack))).toEqual(['Script']);
  });
});

test('bundling.sourceMap: NODE_OPTIONS=--enable-source-maps, unless the script sets NODE_OPTIONS; nothing without it', () => {
  const nodeOptions = (props: Partial<ConstructorParameters<typeof DeploymentScript>[2]>) => {
    const { stack } = newStack();
    const script = new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, ...props });
    const fn = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(script.scriptFunction.node.defaultChild as CfnResource)];
    return fn.Properties.Environment?.Variables?.NODE_OPTIONS;
  };
  expect(nodeOptions({ bundling: { sourceMap: true } })).toBe('--enable-source-maps');
  expect(nodeOptions({ bundling: { sourceMap: true }, environment: { NODE_OPTIONS: '--max-old-space-size=512' } })).toBe('--max-old-space-size=512');
  expect(nodeOptions({ bundling: { sourceMap: false } })).toBeUndefined();
  expect(nodeOptions({})).toBeUndefined();
});

test('a managed policy the user attaches to the script\'s role stays; AWS Lambda\'s two are replaced by scoped statements', () => {
  // GIVEN
  const { stack } = newStack();
  const inVpc = new DeploymentScript(stack, 'Script', {
    trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 }),
  });

  // WHEN: aws-cdk-lib attached both of Lambda's to the role it created; attaching one again adds nothing (the same ARN).
  const role = inVpc.scriptFunction.role as iam.Role;
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'));
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'));

  // THEN
  const arn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${name}`]] });
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: Match.anyValue(),
    ManagedPolicyArns: [arn('ReadOnlyAccess')],
  });
});

describe('the per-stack provider', () => {
  test('is shared by all the scripts of a stack', () => {
    const { stack } = newStack();
    for (const id of ['One', 'Two', 'Three']) {
      new DeploymentScript(stack, id, { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    }
    const template = Template.fromStack(stack);
    const tokens = Object.values(template.findResources(consts.RESOURCE_TYPE)).map((r) => JSON.stringify(r.Properties.ServiceToken));
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] }, 1);
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Handler: 'framework.onEvent' }, 1);
  });

  test('knows its stack: the runtime serves only requests whose StackId is the stack\'s', () => {
    const { stack } = newStack();
    new DeploymentScript(stack, 'One', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: { [consts.ENV_PROVIDER_STACK_ID]: { Ref: 'AWS::StackId' } } },
    });
  });

  test('may invoke the stack\'s scripts, describe this stack and keep results under its own prefix, nothing more', () => {
    const { stack } = newStack();
    new DeploymentScript(stack, 'One', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    new DeploymentScript(stack, 'Two', { trigger: ScriptTrigger.BEFORE_DELETE, entry: ECHO_SCRIPT });
    const template = Template.fromStack(stack);
    // All in the runtime's role: no separate policy resource.
    const documents = runtimePolicies(template.toJSON());
    expect(documents.map((d) => d.kind)).toEqual(['AWS::IAM::Role']);
    const statements = documents.flatMap((d) => d.document.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      { Action: 'cloudformation:DescribeStacks', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudformation:eu-west-1:111111111111:stack/Stack/*']] } },
    ]));
    expect(statements).toEqual(expect.arrayContaining([{
      Action: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/cdk-deployment-script/Stack/*']] },
    }]));
    // Each script's function, by its own ARN: not its versions or aliases (the runtime invokes a function by name).
    const functions = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x' } }))
      .filter((id) => !id.startsWith('DeploymentScriptProvider'));
    expect(statements.filter((s: any) => s.Action === 'lambda:InvokeFunction')).toEqual([{
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: functions.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
    }]);
    expect(functions.join(' ')).toMatch(/^One\S+ Two\S+$/);
    expect(statements.map((s: any) => JSON.stringify(s.Action)).sort()).toEqual([
      '"cloudformation:DescribeStacks"', '"lambda:InvokeFunction"', '["ssm:GetParameter","ssm:PutParameter","ssm:DeleteParameter"]',
      '["logs:CreateLogStream","logs:PutLogEvents"]',
    ].sort());
    // Its log: the provider's log group, no managed policy.
    expect(statements).toEqual(expect.arrayContaining([{
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DeploymentScriptProviderLogs/), 'Arn'] },
    }]));
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });

  test.each([false, true])('many scripts: every function named once, in statements IAM can split (minimizePolicies: %s)', (minimize) => {
    const app = new App({ context: { '@aws-cdk/aws-iam:minimizePolicies': minimize } });
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const count = 160;
    const code = lambda.Code.fromInline('exports.handler = async () => ({});');
    // One role for all: the stack holds 160 scripts within CloudFormation's 500 resources (a role the library creates
    // adds two, with its log policy).
    const role = new iam.Role(stack, 'ScriptRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    for (let i = 0; i < count; i++) {
      new DeploymentScript(stack, `Script${i}`, { trigger: ScriptTrigger.AFTER_DEPLOY, code, handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X, role });
    }
    const template = Template.fromStack(stack).toJSON();
    const documents = runtimePolicies(template);
    // The role holds the first 60 inline; the rest overflow into its default policy and the managed policies
    // aws-cdk-lib splits it into.
    expect(documents[0].kind).toBe('AWS::IAM::Role');
    expect(documents.slice(1).map((d) => d.kind)).toEqual(expect.arrayContaining(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']));
    const invoked = documents.flatMap((d) => d.document.Statement).filter((s: any) => s.Action === 'lambda:InvokeFunction').flatMap((s: any) => s.Resource);
    const named = invoked.map((r: any) => r['Fn::GetAtt'][0]).sort();
    const functions = Object.keys(template.Resources).filter((id) => /^Script\d+Function[0-9A-F]{8}$/.test(id)).sort();
    expect(functions).toHaveLength(count);
    expect(named).toEqual(functions);
    // IAM counts a role's inline policies together, resolved: with every function's ARN as long as one can be
    // (64 characters of name, the longest partition and region), they stay under its 10,240 characters.
    const longest = 'arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:' + 'f'.repeat(64);
    const resolved = JSON.stringify(documents[0].document, (_key, value) => (value?.['Fn::GetAtt'] ? longest : value?.['Fn::Join'] ? longest : value));
    expect(resolved.length).toBeLessThan(10240);
    expect(resolved.length).toBeGreaterThan(7000);
  });

  test('stacks get a provider each', () => {
    const { app, stack } = newStack('A');
    const other = new (stack.constructor as any)(app, 'B');
    new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    new DeploymentScript(other, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    expect(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'framework.onEvent' } })).not.toEqual({});
    expect(Template.fromStack(other).findResources('AWS::Lambda::Function', { Properties: { Handler: 'framework.onEvent' } })).not.toEqual({});
  });

  test('a construct already named like the provider is reported', () => {
    const { stack } = newStack();
    new s3.Bucket(stack, 'DeploymentScriptProvider');
    expect(() => new DeploymentScript(stack, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT }))
      .toThrow(/Stack already has a construct named 'DeploymentScriptProvider': rename it/);
  });
});

/** The policy documents of the provider's runtime role: its inline policies first, then the policies attached to it. */
function runtimePolicies(template: any): Array<{ kind: string; document: any }> {
  const [roleId, role] = Object.entries<any>(template.Resources)
    .find(([id, r]) => id.startsWith('DeploymentScriptProviderRuntimeRole') && r.Type === 'AWS::IAM::Role')!;
  const attached = Object.values<any>(template.Resources)
    .filter((r) => ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(r.Type) && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .map((r) => ({ kind: r.Type, document: r.Properties.PolicyDocument }));
  return [...(role.Properties.Policies ?? []).map((p: any) => ({ kind: 'AWS::IAM::Role', document: p.PolicyDocument })), ...attached];
}
