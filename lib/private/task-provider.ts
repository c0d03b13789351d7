import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { ENV_PROVIDER_STACK_ID, TASK_QUERY_INTERVAL_SECONDS, TASK_TOTAL_TIMEOUT_SECONDS } from '../../lambda-runtime/shared/consts';
import { dropLambdaManagedPolicies, logStatement, vpcAccessStatement } from './lambda-logs';
import { existingProvider, PROVIDER_LOG_RETENTION, providerSettingsOf, resultParametersArnOf, stackArnOf } from './provider-support';
import { ScriptRegistry } from './registry';
import { ScriptEntry } from './stack-analysis';
import { CONTAINER_TASK } from './script-ref';
import { suppressExecutionRoleFindings, suppressLibraryRolePolicy, suppressTaskClusterFinding, suppressTaskDefinitionFindings, suppressTaskProviderFindings } from './nag';

/** Where the build puts the bundled task runtime (scripts/bundle-runtime.mjs): `index.onEvent`, `index.isComplete`. */
const TASK_RUNTIME_ASSET = path.join(__dirname, '..', '..', 'assets', 'task-runtime');

/**
 * The construct id of the per-stack provider of container tasks. Part of the public contract: changing it replaces
 * the provider's functions and every task's service token.
 */
export const TASK_PROVIDER_ID = 'DeploymentTaskProvider';


/** What the provider must be allowed to do for one task. */
export interface TaskGrants {
  readonly taskDefinition: ecs.TaskDefinition;
  readonly cluster: ecs.ICluster;
  readonly logGroup: logs.ILogGroup;
  /** Whether the task takes retries: isComplete then starts the later attempts, and needs what onEvent has to start one. */
  readonly retries?: boolean;
  /**
   * Whether the task's result is secret: isComplete then reads it again for an update that does not run the task, so
   * that onEvent's answer (the waiter's input, kept in Step Functions' history) does not carry it.
   */
  readonly secretResult?: boolean;
}

/**
 * The one custom resource provider of a stack's container tasks: aws-cdk-lib's Provider framework, asynchronous, in
 * front of this library's task runtime. `onEvent` decides whether the request runs the task (lambda-runtime/shared/lifecycle.ts,
 * as for Lambda scripts) and starts it with RunTask; `isComplete`, asked every TASK_QUERY_INTERVAL_SECONDS, waits for
 * it to stop, stops it at its timeout, and reports. Created with the stack's first task.
 */
export class DeploymentTaskProvider extends Construct {
  /** Returns the stack's task provider, creating it on first use. */
  public static of(scope: IConstruct): DeploymentTaskProvider {
    const stack = Stack.of(scope);
    return DeploymentTaskProvider.existingIn(stack) ?? new DeploymentTaskProvider(stack, TASK_PROVIDER_ID);
  }

  /**
   * The stack's provider if it exists; throws if the stack holds another construct under the provider's id. Called
   * before a script is created too, so that a taken id leaves nothing behind.
   */
  public static existingIn(stack: Stack): DeploymentTaskProvider | undefined {
    return existingProvider(stack, TASK_PROVIDER_ID, (c): c is DeploymentTaskProvider => c instanceof DeploymentTaskProvider,
      'the provider of its container tasks');
  }

  public readonly serviceToken: string;
  /** Starts a task (RunTask) when the request runs it. */
  public readonly onEventFunction: lambda.Function;
  /** Waits for the task to stop (DescribeTasks), stops it at its timeout (StopTask), reads its last log lines. */
  public readonly isCompleteFunction: lambda.Function;
  private readonly registry: ScriptRegistry;
  private cluster?: ecs.CfnCluster;
  private readonly granted = new Set<string>();

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    const stack = scope;
    this.registry = ScriptRegistry.of(stack);
    this.registry.excludeFromHash(this);

    // Where the functions run and the key of their log and environments: DeploymentProviders.configure.
    const settings = providerSettingsOf(stack);
    const network = { vpc: settings.vpc, vpcSubnets: settings.vpcSubnets, securityGroups: settings.securityGroups };

    // The provider's functions log to one log group, kept for a year; each role may write to it, and to nothing else.
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: PROVIDER_LOG_RETENTION, encryptionKey: settings.encryptionKey });
    const code = lambda.Code.fromAsset(TASK_RUNTIME_ASSET);
    const common = {
      code,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      logGroup,
      ...network,
      environmentEncryption: settings.encryptionKey,
    };
    this.onEventFunction = new lambda.Function(this, 'OnEvent', {
      ...common,
      description: 'cdk-deployment-script: starts the container tasks of this stack',
      handler: 'index.onEvent',
      // DescribeStacks, then RunTask, retried for 30 seconds while a new role propagates.
      timeout: Duration.minutes(2),
      // onEvent serves only requests of this stack: another stack's custom resource may name the provider too.
      environment: { [ENV_PROVIDER_STACK_ID]: stack.stackId },
    });
    this.isCompleteFunction = new lambda.Function(this, 'IsComplete', {
      ...common,
      description: 'cdk-deployment-script: waits for the container tasks of this stack',
      handler: 'index.isComplete',
      timeout: Duration.minutes(1),
    });
    // onEvent reads the stack's status to tell a deployment from its rollback, and a stack deletion from the removal
    // of one task.
    this.onEventFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['cloudformation:DescribeStacks'],
      resources: [stackArnOf(stack)],
    }));
    // Each task's result is kept in a parameter (as a script's): isComplete stores it when the task succeeds, onEvent
    // answers with it when an update does not run the task, records the parameters of a skipped run, and forgets it on
    // Delete.
    this.onEventFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
      resources: [resultParametersArnOf(stack)],
    }));
    this.isCompleteFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ssm:PutParameter'],
      resources: [resultParametersArnOf(stack)],
    }));

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.onEventFunction,
      isCompleteHandler: this.isCompleteFunction,
      queryInterval: Duration.seconds(TASK_QUERY_INTERVAL_SECONDS),
      totalTimeout: Duration.seconds(TASK_TOTAL_TIMEOUT_SECONDS),
      logGroup,
      ...network,
      providerFunctionEnvEncryption: settings.encryptionKey,
    });
    // Each function's role (aws-cdk-lib's, the framework's included) writes the provider's log group only; in a VPC,
    // it manages the function's network interfaces, which Lambda does with the role before it creates the function.
    const functions = [this.onEventFunction, this.isCompleteFunction, ...provider.node.children.filter((c): c is lambda.Function => c instanceof lambda.Function)];
    for (const fn of functions) {
      dropLambdaManagedPolicies(fn.role);
      fn.addToRolePolicy(logStatement(logGroup.logGroupArn));
      if (settings.vpc) { fn.addToRolePolicy(vpcAccessStatement()); }
    }
    suppressTaskProviderFindings(this, provider, logGroup, settings);
    this.serviceToken = provider.serviceToken;

    this.node.addValidation({ validate: () => this.registry.errorsOf(CONTAINER_TASK.kind) });
  }

  /**
   * The ECS cluster of the stack's tasks that are given none, created on first use. A cluster is free, and Fargate
   * tasks of any VPC can run in it.
   */
  public defaultCluster(): ecs.CfnCluster {
    // With Container Insights: the tasks' CPU, memory and network, for a task that runs out of them.
    this.cluster ??= new ecs.CfnCluster(this, 'Cluster', { clusterSettings: [{ name: 'containerInsights', value: 'enabled' }] });
    return this.cluster;
  }

  /** Registers a task: the provider may run, describe and stop it and read its log; the analysis takes it into account. */
  public register(task: ScriptEntry, grants: TaskGrants): void {
    this.registry.register(task);
    const stack = Stack.of(this);
    const { taskDefinition, cluster, logGroup } = grants;
    const onCluster = { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
    const roles = [taskDefinition.taskRole, taskDefinition.executionRole].filter((role): role is iam.IRole => role !== undefined);
    // The roles the task definition created (the user gave none) are the library's, as is the task definition.
    for (const role of roles) { suppressLibraryRolePolicy(role, role.node.scope === taskDefinition); }
    suppressTaskDefinitionFindings(taskDefinition);
    suppressExecutionRoleFindings(taskDefinition.executionRole);
    // isComplete starts the later attempts of a task that takes retries.
    for (const starter of grants.retries ? [this.onEventFunction, this.isCompleteFunction] : [this.onEventFunction]) {
      starter.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [taskDefinition.taskDefinitionArn],
        conditions: onCluster,
      }));
      starter.addToRolePolicy(new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: roles.map((role) => role.roleArn),
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }));
    }
    // Tasks share clusters and log groups: one statement each.
    const clusterKey = stack.resolve(cluster.clusterArn);
    if (this.once(`cluster:${JSON.stringify(clusterKey)}`)) {
      const tasks = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` });
      this.isCompleteFunction.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
        resources: [tasks],
        conditions: onCluster,
      }));
      suppressTaskClusterFinding(this.isCompleteFunction, tasks);
    }
    if (this.once(`logs:${JSON.stringify(stack.resolve(logGroup.logGroupArn))}`)) {
      this.isCompleteFunction.addToRolePolicy(new iam.PolicyStatement({
        actions: ['logs:GetLogEvents'],
        resources: [logGroup.logGroupArn],
      }));
    }
    if (grants.secretResult && this.once('secret-results')) {
      this.isCompleteFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [resultParametersArnOf(stack)] }));
    }
  }

  private once(key: string): boolean {
    if (this.granted.has(key)) { return false; }
    this.granted.add(key);
    return true;
  }
}
