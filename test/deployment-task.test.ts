import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as consts from '../lambda-runtime/shared/consts';
import { DeploymentScript, DeploymentTask, DeploymentTaskProps, RunPolicy, ScriptTrigger } from '../lib';
import { render } from './connect/network/helpers';
import { assertAcyclic, directDependencies, ECHO_SCRIPT, newStack, transitiveDependencies } from './support/template';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/php:8.3-cli');

function withVpc(): { app: App; stack: Stack; vpc: ec2.Vpc } {
  const { app, stack } = newStack();
  return { app, stack, vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) };
}

function task(scope: Construct, id: string, props: Partial<DeploymentTaskProps> & { vpc?: ec2.IVpc } = {}): DeploymentTask {
  return new DeploymentTask(scope, id, { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, ...props });
}

function logicalId(stack: Stack, c: Construct): string {
  return stack.resolve((c.node.defaultChild as CfnResource).logicalId);
}

/** The only resource of `type` whose logical id starts with `prefix`, with its id. */
function only(template: Template, type: string, prefix = ''): { id: string; resource: any } {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) { throw new Error(`expected one ${type} starting with '${prefix}', found ${found.map(([id]) => id).join(', ') || 'none'}`); }
  return { id: found[0][0], resource: found[0][1] };
}

/** The task's container definition, with its environment as a map of rendered values. */
function container(template: Template, prefix = 'Migrate'): { definition: any; environment: Record<string, string> } {
  const definition = only(template, 'AWS::ECS::TaskDefinition', prefix).resource.Properties.ContainerDefinitions[0];
  const environment = Object.fromEntries((definition.Environment ?? []).map((v: any) => [v.Name, render(v.Value)]));
  return { definition, environment };
}

/** The statements of the policies attached to the role whose logical id starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => String(r.Ref).startsWith(rolePrefix)))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('DeploymentTask', () => {
  test('defaults: a Fargate task of the image in the VPC\'s private subnets, its own security group, log group and cluster', () => {
    // GIVEN
    const { stack, vpc } = withVpc();

    // WHEN
    const migrate = task(stack, 'Migrate', { vpc, command: ['php', 'artisan', 'migrate', '--force'], parameters: { n: 1, b: true, l: ['a', 2] } });

    // THEN
    const template = Template.fromStack(stack);
    const taskDefinition = only(template, 'AWS::ECS::TaskDefinition', 'Migrate');
    const securityGroup = only(template, 'AWS::EC2::SecurityGroup', 'Migrate');
    const logGroup = only(template, 'AWS::Logs::LogGroup', 'Migrate');
    const cluster = only(template, 'AWS::ECS::Cluster');
    expect(cluster.id).toMatch(/^DeploymentTaskProviderCluster/);
    template.hasResource(consts.TASK_RESOURCE_TYPE, {
      Properties: {
        ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeploymentTaskProviderframeworkonEvent'), 'Arn'] },
        [consts.PROP_TRIGGER]: 'after:deploy',
        [consts.PROP_PARAMETERS]: '{"n":1,"b":true,"l":["a",2]}',
        [consts.PROP_RUN_POLICY]: 'on-stack-change',
        [consts.PROP_RUN_TOKEN]: Match.stringLikeRegexp('^[0-9a-f]{64}$'),
        [consts.PROP_TASK_DEFINITION]: { Ref: taskDefinition.id },
        [consts.PROP_CLUSTER]: { 'Fn::GetAtt': [cluster.id, 'Arn'] },
        [consts.PROP_CONTAINER_NAME]: 'task',
        [consts.PROP_SUBNETS]: vpc.privateSubnets.map((s) => ({ Ref: logicalId(stack, s as ec2.Subnet) })),
        [consts.PROP_SECURITY_GROUPS]: [{ 'Fn::GetAtt': [securityGroup.id, 'GroupId'] }],
        [consts.PROP_ASSIGN_PUBLIC_IP]: 'DISABLED',
        [consts.PROP_PLATFORM_VERSION]: Match.absent(),
        [consts.PROP_LOG_GROUP_NAME]: { Ref: logGroup.id },
        [consts.PROP_LOG_STREAM_PREFIX]: 'Migrate',
        [consts.PROP_TIMEOUT_SECONDS]: '1800',
      },
    });
    expect(taskDefinition.resource.Properties).toMatchObject({
      Cpu: '256',
      Memory: '512',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: [{
        Name: 'task',
        Image: 'public.ecr.aws/docker/library/php:8.3-cli',
        Command: ['php', 'artisan', 'migrate', '--force'],
        Essential: true,
        LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: logGroup.id }, 'awslogs-stream-prefix': 'Migrate' } },
      }],
    });
    // Kept forever, and kept when the stack is deleted: the log of a BEFORE_DELETE run outlives the stack.
    expect(logGroup.resource.Properties?.RetentionInDays).toBeUndefined();
    expect(logGroup.resource.DeletionPolicy).toBe('Retain');
    expect(securityGroup.resource.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' }]);
    expect(migrate.timeout.toMinutes()).toBe(30);
    expect(migrate.runPolicy).toBe(RunPolicy.ON_STACK_CHANGE);
    expect(migrate.vpc).toBe(vpc);
    expect(DeploymentTask.isDeploymentTask(migrate)).toBe(true);
    expect(DeploymentScript.isDeploymentScript(migrate)).toBe(false);
    // Tasks need no Lambda script provider.
    expect(stack.node.tryFindChild('DeploymentScriptProvider')).toBeUndefined();
    template.resourceCountIs(consts.RESOURCE_TYPE, 0);
  });

  test('every prop reaches the task', () => {
    // GIVEN
    const { stack, vpc } = withVpc();
    const cluster = new ecs.Cluster(stack, 'MyCluster', { vpc });
    const role = new iam.Role(stack, 'MyRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const group = new ec2.SecurityGroup(stack, 'MyGroup', { vpc });
    const logGroup = new logs.LogGroup(stack, 'MyLogs');
    const secret = new secretsmanager.Secret(stack, 'MySecret');
    const queue = new sqs.Queue(stack, 'Queue');

    // WHEN
    task(stack, 'Migrate', {
      vpc,
      cluster,
      command: ['migrate'],
      cpu: 1024,
      memoryLimitMiB: 2048,
      secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret, 'password') },
      environment: { LOG_LEVEL: 'debug', AWS_MAX_ATTEMPTS: '5' },
      taskRole: role,
      assignPublicIp: true,
      securityGroups: [group],
      logGroup,
      timeout: Duration.minutes(55),
      platformVersion: ecs.FargatePlatformVersion.VERSION1_4,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      iamRoleStatements: [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] })],
      runPolicy: RunPolicy.ONCE,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ECS::Cluster', 1); // the user's: none created
    template.resourceCountIs('AWS::Logs::LogGroup', 2); // the user's, and the provider's functions'
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1); // the user's
    template.hasResourceProperties(consts.TASK_RESOURCE_TYPE, {
      [consts.PROP_TRIGGER]: 'after:deploy',
      [consts.PROP_RUN_POLICY]: 'once',
      [consts.PROP_RUN_TOKEN]: Match.absent(),
      [consts.PROP_CLUSTER]: { 'Fn::GetAtt': [logicalId(stack, cluster), 'Arn'] },
      [consts.PROP_SUBNETS]: vpc.publicSubnets.map((s) => ({ Ref: logicalId(stack, s as ec2.Subnet) })),
      [consts.PROP_SECURITY_GROUPS]: [{ 'Fn::GetAtt': [logicalId(stack, group), 'GroupId'] }],
      [consts.PROP_ASSIGN_PUBLIC_IP]: 'ENABLED',
      [consts.PROP_PLATFORM_VERSION]: '1.4.0',
      [consts.PROP_LOG_GROUP_NAME]: { Ref: logicalId(stack, logGroup) },
      [consts.PROP_TIMEOUT_SECONDS]: '3300',
    });
    const taskDefinition = only(template, 'AWS::ECS::TaskDefinition', 'Migrate').resource.Properties;
    expect(taskDefinition).toMatchObject({
      Cpu: '1024',
      Memory: '2048',
      TaskRoleArn: { 'Fn::GetAtt': [logicalId(stack, role), 'Arn'] },
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    const { definition, environment } = container(template);
    expect(definition.Command).toEqual(['migrate']);
    expect(environment).toEqual({ LOG_LEVEL: 'debug', AWS_MAX_ATTEMPTS: '5' });
    expect(definition.Secrets).toEqual([{ Name: 'DB_PASSWORD', ValueFrom: { 'Fn::Join': ['', [{ Ref: logicalId(stack, secret) }, ':password::']] } }]);
    expect(definition.LogConfiguration.Options['awslogs-group']).toEqual({ Ref: logicalId(stack, logGroup) });
    // The task role gets the statements; the execution role reads the secret.
    expect(statementsOf(template, logicalId(stack, role))).toContainEqual(expect.objectContaining({ Action: 'sqs:SendMessage' }));
    const executionRole = only(template, 'AWS::IAM::Role', 'MigrateTaskDefinitionExecutionRole').id;
    expect(statementsOf(template, executionRole)).toContainEqual(expect.objectContaining({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: { Ref: logicalId(stack, secret) },
    }));
  });

  test('the provider may run, pass, describe and stop the tasks of the stack, read their logs and this stack, keep their results, nothing more', () => {
    const { stack, vpc } = withVpc();
    const one = task(stack, 'One', { vpc });
    const two = task(stack, 'Two', { vpc });

    const template = Template.fromStack(stack);
    const cluster = only(template, 'AWS::ECS::Cluster').id;
    const onEvent = statementsOf(template, 'DeploymentTaskProviderOnEventServiceRole');
    const isComplete = statementsOf(template, 'DeploymentTaskProviderIsCompleteServiceRole');
    const onCluster = { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [cluster, 'Arn'] } } };
    const roles = (t: DeploymentTask) => [
      { 'Fn::GetAtt': [logicalId(stack, t.taskDefinition.taskRole as iam.Role), 'Arn'] },
      { 'Fn::GetAtt': [logicalId(stack, t.taskDefinition.executionRole as iam.Role), 'Arn'] },
    ];
    const results = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/cdk-deployment-script/Stack/*']] };
    // Each function writes the provider's log group, and no other: no managed policy.
    const providerLogs = { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DeploymentTaskProviderLogs/), 'Arn'] } };
    expect(onEvent).toEqual([
      { Action: 'cloudformation:DescribeStacks', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudformation:eu-west-1:111111111111:stack/Stack/*']] } },
      { Action: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'], Effect: 'Allow', Resource: results },
      providerLogs,
      ...[one, two].flatMap((t) => [
        { Action: 'ecs:RunTask', Condition: onCluster, Effect: 'Allow', Resource: { Ref: logicalId(stack, t.taskDefinition) } },
        { Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }, Effect: 'Allow', Resource: roles(t) },
      ]),
    ]);
    // One cluster shared: one statement for it.
    expect(isComplete).toEqual([
      { Action: 'ssm:PutParameter', Effect: 'Allow', Resource: results },
      providerLogs,
      {
        Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
        Condition: onCluster,
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:eu-west-1:111111111111:task/', { Ref: cluster }, '/*']] },
      },
      ...[one, two].map((t) => ({ Action: 'logs:GetLogEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(stack, t.logGroup as logs.LogGroup), 'Arn'] } })),
    ]);
    // The asynchronous framework: isComplete every 10 seconds, for an hour at most.
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"IntervalSeconds":10,"MaxAttempts":360,"BackoffRate":1')])] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.onEvent', Runtime: 'nodejs24.x', Timeout: 120 });
    // onEvent serves only requests whose StackId is the stack's.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.onEvent',
      Environment: { Variables: { [consts.ENV_PROVIDER_STACK_ID]: { Ref: 'AWS::StackId' } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.isComplete', Runtime: 'nodejs24.x', Timeout: 60 });
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('AWSLambdaBasicExecutionRole');
    // The default cluster reports its tasks' use of CPU, memory and network.
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  test('retry: the attempts reach the runtime and let isComplete start the later attempts; a task without keeps its resource', () => {
    const { stack, vpc } = withVpc();
    const plain = task(stack, 'Plain', { vpc });
    const retried = task(stack, 'Retried', { vpc, timeout: Duration.minutes(10), retry: { attempts: 3 } });
    const many = task(stack, 'Many', { vpc, timeout: Duration.minutes(20), retry: { attempts: 5 } });

    const template = Template.fromStack(stack);
    const properties = (t: DeploymentTask) => template.toJSON().Resources[logicalId(stack, t.resource)].Properties;
    expect(Object.keys(properties(plain))).not.toContain(consts.PROP_RETRY_ATTEMPTS);
    expect(properties(plain).ServiceTimeout).toBe('2100');
    // What ServiceTimeout makes of them: test/retry.test.ts.
    expect(properties(retried)).toMatchObject({ [consts.PROP_RETRY_ATTEMPTS]: '3', [consts.PROP_RETRY_BACKOFF_SECONDS]: '10', [consts.PROP_TIMEOUT_SECONDS]: '600' });

    const isComplete = statementsOf(template, 'DeploymentTaskProviderIsCompleteServiceRole');
    const runTask = isComplete.filter((statement) => statement.Action === 'ecs:RunTask').map((statement) => statement.Resource);
    expect(runTask).toEqual([{ Ref: logicalId(stack, retried.taskDefinition) }, { Ref: logicalId(stack, many.taskDefinition) }]);
    expect(isComplete.filter((statement) => statement.Action === 'iam:PassRole')).toHaveLength(2);
  });

  test('secretResult: SecretResult on its custom resource only when set; isComplete may read results again only then', () => {
    const { stack, vpc } = withVpc();
    const plain = task(stack, 'Plain', { vpc });
    const secret = task(stack, 'Secret', { vpc, secretResult: true });
    task(stack, 'AlsoSecret', { vpc, secretResult: true });

    const template = Template.fromStack(stack);
    const properties = (t: DeploymentTask) => template.toJSON().Resources[logicalId(stack, t.resource)].Properties;
    expect(Object.keys(properties(plain))).not.toContain(consts.PROP_SECRET_RESULT);
    expect(properties(secret)[consts.PROP_SECRET_RESULT]).toBe('true');
    const reads = statementsOf(template, 'DeploymentTaskProviderIsCompleteServiceRole').filter((statement) => statement.Action === 'ssm:GetParameter');
    expect(reads).toEqual([{
      Action: 'ssm:GetParameter',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/cdk-deployment-script/Stack/*']] },
    }]);
  });

  test('addEnvironment, addSecret, addToRolePolicy and grants reach the container and its task role', () => {
    const { stack, vpc } = withVpc();
    const bucket = new s3.Bucket(stack, 'Bucket');
    const secret = new secretsmanager.Secret(stack, 'Secret');
    const migrate = task(stack, 'Migrate', { vpc, environment: { ALPHA: '1' } });

    expect(migrate.addEnvironment('BRAVO', '2')).toBe(migrate);
    expect(migrate.addSecret('TOKEN', ecs.Secret.fromSecretsManager(secret))).toBe(migrate);
    migrate.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['arn:aws:sns:eu-west-1:111111111111:topic'] }));
    bucket.grantRead(migrate);

    const template = Template.fromStack(stack);
    const { definition, environment } = container(template);
    expect(environment).toEqual({ ALPHA: '1', BRAVO: '2' });
    expect(definition.Secrets).toEqual([{ Name: 'TOKEN', ValueFrom: { Ref: logicalId(stack, secret) } }]);
    const statements = statementsOf(template, logicalId(stack, migrate.taskDefinition.taskRole as iam.Role));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish' }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'] }));

    expect(() => migrate.addEnvironment('ALPHA', '3')).toThrow("DeploymentTask Stack/Migrate: environment variable 'ALPHA' is set twice. Set each variable once: remove one of them or give it another name.");
    expect(() => migrate.addEnvironment('TOKEN', '3')).toThrow("DeploymentTask Stack/Migrate: environment variable 'TOKEN' is already set by the task's secrets. Choose another name.");
    expect(() => migrate.addSecret('BRAVO', ecs.Secret.fromSecretsManager(secret))).toThrow("DeploymentTask Stack/Migrate: environment variable 'BRAVO' is already set by the task's environment. Choose another name.");
    expect(() => migrate.addEnvironment('DEPLOYMENT_SCRIPT_PARAMETERS', 'x')).toThrow("DeploymentTask Stack/Migrate: environment variable 'DEPLOYMENT_SCRIPT_PARAMETERS' starts with 'DEPLOYMENT_SCRIPT_', which is reserved for this library. Choose another name.");
  });

  test('one provider and one cluster per stack, shared by its tasks; none in a stack without tasks', () => {
    const app = new App();
    const one = new Stack(app, 'One');
    const vpc = new ec2.Vpc(one, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const a = task(one, 'A', { vpc, assignPublicIp: true });
    const b = task(one, 'B', { vpc, assignPublicIp: true });
    const two = new Stack(app, 'Two');
    new DeploymentScript(two, 'Script', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });

    const template = Template.fromStack(one);
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(a.cluster.clusterArn).toBe(b.cluster.clusterArn);
    expect(one.node.findChild('DeploymentTaskProvider')).toBeDefined();
    expect(two.node.tryFindChild('DeploymentTaskProvider')).toBeUndefined();
    Template.fromStack(two).resourceCountIs(consts.TASK_RESOURCE_TYPE, 0);
    Template.fromStack(two).resourceCountIs('AWS::ECS::Cluster', 0);
  });

  test('the VPC: given, else of the connectTo targets, else of the cluster', () => {
    const { stack, vpc } = withVpc();
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const byCluster = task(stack, 'ByCluster', { cluster });
    expect(byCluster.vpc).toBe(vpc);
    const imported = ecs.Cluster.fromClusterArn(stack, 'Imported', 'arn:aws:ecs:eu-west-1:111111111111:cluster/existing');
    const byArn = task(stack, 'ByArn', { cluster: imported, vpc });
    expect(byArn.vpc).toBe(vpc);
    Template.fromStack(stack).hasResourceProperties(consts.TASK_RESOURCE_TYPE, { [consts.PROP_CLUSTER]: 'arn:aws:ecs:eu-west-1:111111111111:cluster/existing' });
  });

  test('getResult reads an attribute of the task\'s custom resource, which another resource can use', () => {
    // GIVEN
    const { stack, vpc } = withVpc();
    const seed = task(stack, 'Seed', { vpc });

    // WHEN
    new CfnResource(stack, 'Consumer', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: seed.getResult('tenantId') } });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SSM::Parameter', { Value: { 'Fn::GetAtt': [logicalId(stack, seed.resource), 'tenantId'] } });
  });

  test('getResult of a BEFORE_DELETE task, or without a key, is refused at synth', () => {
    const { stack, vpc } = withVpc();
    const cleanup = task(stack, 'Cleanup', { vpc, trigger: ScriptTrigger.BEFORE_DELETE });
    expect(() => cleanup.getResult('count')).toThrow('DeploymentTask Stack/Cleanup: getResult("count") reads the result of a BEFORE_DELETE task, which runs only when the stack is deleted');
    expect(() => task(stack, 'Seed', { vpc }).getResult('')).toThrow(
      'DeploymentTask Stack/Seed: getResult("") needs the name of a top-level key of the object of the DEPLOYMENT_SCRIPT_RESULT line the container prints');
  });

  test('a task in public subnets without a public IP is warned about', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    task(stack, 'Migrate', { vpc });
    Annotations.fromStack(stack).hasWarning('/Stack/Migrate', Match.stringLikeRegexp('runs in public subnets without a public IP address.*assignPublicIp: true.*\\[ack: cdk-deployment-script:taskInPublicSubnetWithoutPublicIp\\]'));
  });
});

describe('connectTo', () => {
  test('a PostgreSQL instance: variables in the container, ingress from the task\'s security group on 5432, the task in the database\'s VPC', () => {
    // GIVEN: the database in a VPC that the task is not given
    const { stack, vpc } = withVpc();
    const myDatabase = new rds.DatabaseInstance(stack, 'myDatabase', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
      vpc,
      databaseName: 'app',
    });

    // WHEN
    const migrate = task(stack, 'Migrate', { connectTo: [myDatabase] });

    // THEN
    const template = Template.fromStack(stack);
    const db = logicalId(stack, myDatabase);
    const secret = only(template, 'AWS::SecretsManager::SecretTargetAttachment').id;
    const { definition, environment } = container(template);
    expect(Object.keys(environment).sort()).toEqual([
      'STP_MY_DATABASE_CONNECTION_STRING', 'STP_MY_DATABASE_DB_NAME', 'STP_MY_DATABASE_HOST',
      'STP_MY_DATABASE_JDBC_CONNECTION_STRING', 'STP_MY_DATABASE_PORT', 'STP_MY_DATABASE_SECRET_ARN',
    ]);
    expect(environment.STP_MY_DATABASE_HOST).toBe(`\${${db}.Endpoint.Address}`);
    expect(environment.STP_MY_DATABASE_PORT).toBe('5432');
    expect(environment.STP_MY_DATABASE_DB_NAME).toBe('app');
    // The credentials come as ECS secrets, read when the task starts: the task definition holds neither them nor a reference.
    expect(environment.STP_MY_DATABASE_CONNECTION_STRING).toBe(`postgresql://\${${db}.Endpoint.Address}:5432/app`);
    expect(JSON.stringify(definition)).not.toContain('{{resolve:');
    expect((definition.Secrets as Array<{ Name: string }>).map((s) => s.Name).sort()).toEqual(['STP_MY_DATABASE_PASSWORD', 'STP_MY_DATABASE_USERNAME']);

    // Ingress on the database's security group from the task's, on 5432.
    const taskGroup = only(template, 'AWS::EC2::SecurityGroup', 'Migrate').id;
    const dbGroup = only(template, 'AWS::EC2::SecurityGroup', 'myDatabaseSecurityGroup').id;
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [dbGroup, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [taskGroup, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
    });
    // The task runs in the database's VPC: its security group, and the VPC's private subnets.
    expect(only(template, 'AWS::EC2::SecurityGroup', 'Migrate').resource.Properties.VpcId).toEqual({ Ref: logicalId(stack, vpc) });
    template.hasResourceProperties(consts.TASK_RESOURCE_TYPE, {
      [consts.PROP_SUBNETS]: vpc.privateSubnets.map((s) => ({ Ref: logicalId(stack, s as ec2.Subnet) })),
    });
    expect(migrate.vpc).toBe(vpc);
    // The task role may read the database's secret.
    expect(statementsOf(template, logicalId(stack, migrate.taskDefinition.taskRole as iam.Role))).toContainEqual(expect.objectContaining({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: { Ref: secret },
    }));
    // The task runs after the database, and after the ingress that admits it.
    const taskId = logicalId(stack, migrate.resource);
    expect(transitiveDependencies(template, taskId).has(db)).toBe(true);
    const ingress = only(template, 'AWS::EC2::SecurityGroupIngress').id;
    expect(transitiveDependencies(template, taskId).has(ingress)).toBe(true);
  });

  test('the task is an IConnectable: db.connections.allowDefaultPortFrom(task) admits its security group', () => {
    const { stack, vpc } = withVpc();
    const db = new rds.DatabaseInstance(stack, 'db', { engine: rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_4_7 }), vpc });
    const migrate = task(stack, 'Migrate', { vpc });
    db.connections.allowDefaultPortFrom(migrate);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^dbSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MigrateSecurityGroup'), 'GroupId'] },
      FromPort: { 'Fn::GetAtt': [logicalId(stack, db), 'Endpoint.Port'] },
    });
  });
});

describe('ordering and analysis, together with Lambda scripts', () => {
  test('tasks and Lambda scripts run after every resource, and never wait for each other unless ordered', () => {
    const { stack, vpc } = withVpc();
    const migrate = task(stack, 'Migrate', { vpc });
    const smoke = new DeploymentScript(stack, 'Smoke', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    new s3.Bucket(stack, 'DefinedAfter');

    const template = Template.fromStack(stack);
    const all = Object.keys(template.toJSON().Resources);
    for (const [self, other] of [[migrate, smoke], [smoke, migrate]] as const) {
      const id = logicalId(stack, self.resource);
      const reached = transitiveDependencies(template, id);
      expect(all.filter((r) => r !== id && r !== logicalId(stack, other.resource) && !reached.has(r))).toEqual([]);
      expect(reached.has(logicalId(stack, other.resource))).toBe(false);
    }
    assertAcyclic(template);
  });

  test('runAfter both ways: a task after a script, a script after a task; runBefore holds resources back', () => {
    const { stack, vpc } = withVpc();
    const schema = new DeploymentScript(stack, 'Schema', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
    const migrate = task(stack, 'Migrate', { vpc, runAfter: [schema] });
    const seed = new DeploymentScript(stack, 'Seed', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, runAfter: [migrate] });
    const report = task(stack, 'Report', { vpc });
    report.runAfter(seed);
    const service = new sqs.Queue(stack, 'Service');
    migrate.runBefore(service);

    const template = Template.fromStack(stack);
    expect(directDependencies(template, 'Migrate').has('Schema')).toBe(true);
    expect(directDependencies(template, 'Seed').has('Migrate')).toBe(true);
    expect(directDependencies(template, 'Report').has('Seed')).toBe(true);
    expect(directDependencies(template, logicalId(stack, service)).has('Migrate')).toBe(true);
    expect(transitiveDependencies(template, 'Schema').has('Migrate')).toBe(false);
    expect(transitiveDependencies(template, 'Migrate').has(logicalId(stack, service))).toBe(false);
    assertAcyclic(template);
  });

  test('a cycle across kinds is reported at the call that would close it', () => {
    const { stack, vpc } = withVpc();
    const a = task(stack, 'A', { vpc });
    const b = new DeploymentScript(stack, 'B', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT, runAfter: [a] });
    expect(() => a.runAfter(b)).toThrow('DeploymentTask Stack/A cannot run after Stack/B: that would make a cycle (Stack/A -> Stack/B -> Stack/A). Remove one of the orderings.');
    expect(() => a.runAfter(a)).toThrow('DeploymentTask Stack/A cannot run after itself.');
    expect(() => a.runAfter(new s3.Bucket(stack, 'Bucket') as any)).toThrow('DeploymentTask Stack/A: runAfter takes deployment scripts, got Stack/Bucket. To deploy a construct after the task, use runBefore.');
  });

  test('a dependency cycle through a reference is reported at synth, naming the task', () => {
    const { app, stack, vpc } = withVpc();
    const bucket = new s3.Bucket(stack, 'Used');
    const t = task(stack, 'T', { vpc, parameters: { bucket: bucket.bucketName } });
    t.runBefore(bucket);
    expect(() => app.synth()).toThrow(/\[Stack\/DeploymentTaskProvider\] DeploymentTask Stack\/T: its resources depend on each other in a cycle \(T -> Used[0-9A-F]{8} -> T\)/);
  });

  test('one stack hash for all: a change of a task\'s image re-runs the stack\'s scripts; the providers are left out', () => {
    const runTokens = (image: string, withTask = true) => {
      const { stack, vpc } = withVpc();
      if (withTask) { task(stack, 'Migrate', { vpc, image: ecs.ContainerImage.fromRegistry(image), runPolicy: RunPolicy.ON_SCRIPT_CHANGE }); }
      new DeploymentScript(stack, 'Smoke', { trigger: ScriptTrigger.AFTER_DEPLOY, entry: ECHO_SCRIPT });
      const resources = Template.fromStack(stack).toJSON().Resources;
      return { script: resources.Smoke.Properties[consts.PROP_RUN_TOKEN], task: resources.Migrate?.Properties[consts.PROP_RUN_TOKEN] };
    };
    const base = runTokens('app:1');
    expect(runTokens('app:1')).toEqual(base);
    const changed = runTokens('app:2');
    expect(changed.script).not.toEqual(base.script);
    expect(changed.task).not.toEqual(base.task);
    expect(base.task).toMatch(/^[0-9a-f]{64}$/);
  });

  test('ON_SCRIPT_CHANGE: a task re-runs on a change of its own configuration only', () => {
    const token = (command: string, bucketVersioned: boolean) => {
      const { stack, vpc } = withVpc();
      new s3.Bucket(stack, 'Bucket', { versioned: bucketVersioned });
      task(stack, 'Migrate', { vpc, command: [command], runPolicy: RunPolicy.ON_SCRIPT_CHANGE });
      return Template.fromStack(stack).toJSON().Resources.Migrate.Properties[consts.PROP_RUN_TOKEN];
    };
    expect(token('migrate', false)).toEqual(token('migrate', true));
    expect(token('migrate', false)).not.toEqual(token('seed', false));
  });

  test('EVERY_DEPLOYMENT and BEFORE_DELETE run tokens, as for scripts', () => {
    const tokenOf = (props: Partial<DeploymentTaskProps>) => {
      const { stack, vpc } = withVpc();
      task(stack, 'Migrate', { vpc, ...props });
      return Template.fromStack(stack).toJSON().Resources.Migrate.Properties[consts.PROP_RUN_TOKEN];
    };
    expect(tokenOf({ runPolicy: RunPolicy.EVERY_DEPLOYMENT })).not.toEqual(tokenOf({ runPolicy: RunPolicy.EVERY_DEPLOYMENT }));
    expect(tokenOf({ trigger: ScriptTrigger.BEFORE_DELETE })).toBeUndefined();
  });
});

describe('bad input is rejected at construction, naming the prop, the value and the fix, leaving nothing behind', () => {
  function rejects(props: (stack: Stack, vpc: ec2.Vpc) => Partial<DeploymentTaskProps>, message: string | RegExp) {
    const { stack, vpc } = withVpc();
    const extra = props(stack, vpc);
    const before = stack.node.findAll().length;
    expect(() => new DeploymentTask(stack, 'Migrate', { trigger: ScriptTrigger.AFTER_DEPLOY, image: IMAGE, vpc, ...extra } as DeploymentTaskProps)).toThrow(message);
    expect(stack.node.findAll().length).toBe(before);
  }

  test.each<[string, (stack: Stack, vpc: ec2.Vpc) => Partial<DeploymentTaskProps>, string | RegExp]>([
    ['unknown trigger', () => ({ trigger: 'after:everything' as any }),
      'DeploymentTask Stack/Migrate: \'trigger\' is "after:everything". Use ScriptTrigger.AFTER_DEPLOY or ScriptTrigger.BEFORE_DELETE.'],
    ['unknown run policy', () => ({ runPolicy: 'sometimes' as any }), /'runPolicy' is "sometimes"\. Use one of RunPolicy\.ON_STACK_CHANGE/],
    ['no image', () => ({ image: undefined }), "DeploymentTask Stack/Migrate: 'image' is missing. Give the container image, e.g. image: ecs.ContainerImage.fromAsset('app') for your application's Dockerfile."],
    ['a timeout over 55 minutes', () => ({ timeout: Duration.minutes(56) }),
      "DeploymentTask Stack/Migrate: 'timeout' is 56 minutes, over the 55 minutes a task may run (CloudFormation waits an hour at most for a custom resource, and starting and stopping the task take some of it). Lower it, or split the work into tasks that runAfter one another."],
    ['a timeout under a minute', () => ({ timeout: Duration.seconds(30) }), "'timeout' is 30 seconds: a task needs a minute at least (starting it takes some of it)."],
    ['logGroup and logRetention', (stack) => ({ logGroup: new logs.LogGroup(stack, 'L'), logRetention: logs.RetentionDays.ONE_DAY }), /both 'logGroup' and 'logRetention' are given/],
    ['a fractional cpu', () => ({ cpu: 0.5 }), "'cpu' is 0.5. Give a positive whole number"],
    ['a variable both in environment and secrets', (stack) => ({ environment: { TOKEN: 'x' }, secrets: { TOKEN: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'S')) } }),
      "DeploymentTask Stack/Migrate: 'TOKEN' is both in 'environment' and in 'secrets'. Set each variable once."],
    ['the library\'s prefix', () => ({ environment: { DEPLOYMENT_SCRIPT_TRIGGER: 'x' } }),
      "DeploymentTask Stack/Migrate: environment variable 'DEPLOYMENT_SCRIPT_TRIGGER' starts with 'DEPLOYMENT_SCRIPT_', which is reserved for this library. Choose another name."],
    ['a secret named with the library\'s prefix', (stack) => ({ secrets: { DEPLOYMENT_SCRIPT_X: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'S')) } }),
      "environment variable 'DEPLOYMENT_SCRIPT_X' starts with 'DEPLOYMENT_SCRIPT_'"],
    ['a secret in parameters', () => ({ parameters: { password: '{{resolve:secretsmanager:db:SecretString:password}}' } }),
      'DeploymentTask Stack/Migrate: parameters.password is a secret reference ("{{resolve:secretsmanager:db:SecretString:password}}"). Pass secrets to the task through `secrets` (or `environment`) instead: parameters are written to the template in clear text.'],
    ['a target of another VPC than the task\'s', (stack) => ({
      connectTo: [new rds.DatabaseInstance(stack, 'db', { engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }), vpc: new ec2.Vpc(stack, 'Other', { maxAzs: 2, natGateways: 1 }) })],
    }), 'DeploymentTask Stack/Migrate: connectTo target Stack/db (RDS database instance) lives in Stack/Other, and the task runs in Stack/Vpc. Run the task in the VPC of the targets it connects to.'],
    ['one attempt', () => ({ retry: { attempts: 1 } }),
      "DeploymentTask Stack/Migrate: 'retry.attempts' is 1. It counts every run of the task, the first included, and must be known at synth: give a whole number, 2 or more (e.g. retry: { attempts: 3 }), or leave 'retry' out for no retries."],
    ['a back-off that leaves no room for a second attempt', () => ({ timeout: Duration.minutes(50), retry: { attempts: 2, backoff: Duration.minutes(6) } }),
      "DeploymentTask Stack/Migrate: 'retry.backoff' is 6 minutes: after it, a second attempt, which may run for the task's timeout (50 minutes), can never end within the 55 minutes that all the attempts of a DeploymentTask may take, so it would never start. Lower 'retry.backoff' or 'timeout'."],
  ])('%s', (_name, props, message) => rejects(props, message));

  test('no VPC to run in', () => {
    const { stack } = newStack();
    const before = stack.node.findAll().length;
    expect(() => task(stack, 'Migrate')).toThrow("DeploymentTask Stack/Migrate: a Fargate task runs in a VPC, and none is known. Give 'vpc', a 'cluster' that knows its VPC, or connect the task to a target in a VPC.");
    const cluster = ecs.Cluster.fromClusterArn(stack, 'Imported', 'arn:aws:ecs:eu-west-1:111111111111:cluster/existing');
    expect(() => task(stack, 'Migrate', { cluster })).toThrow(/a Fargate task runs in a VPC, and none is known/);
    expect(stack.node.findAll().length).toBe(before + 1);
  });

  test('parameters known at synth that cannot fit in RunTask\'s overrides are rejected at synth', () => {
    const { app, stack, vpc } = withVpc();
    task(stack, 'Migrate', { vpc, parameters: { blob: 'x'.repeat(7000) } });
    expect(() => app.synth()).toThrow(/DeploymentTask Stack\/Migrate: parameters take 7011 bytes as JSON\. A task receives them in RunTask's container overrides, which hold 8192 characters with the run's context: keep parameters under 6992 bytes/);
  });

  test('a construct named like the provider is an error that says why', () => {
    const { stack, vpc } = withVpc();
    new s3.Bucket(stack, 'DeploymentTaskProvider');
    expect(() => task(stack, 'Migrate', { vpc })).toThrow(/Stack already has a construct named 'DeploymentTaskProvider': rename it/);
  });
});
