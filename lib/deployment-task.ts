import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as consts from '../lambda-runtime/shared/consts';
import { DeploymentScriptBase } from './deployment-script-base';
import { DeploymentScriptOptions } from './deployment-script-options';
import { fargateSize } from './private/fargate-size';
import {
  bindAll, Bindings, inferVpc, stackChildrenOf, validateInputs, validateTriggerAndPolicy, withdraw,
} from './private/script-support';
import { CONTAINER_TASK, ScriptRef } from './private/script-ref';
import { DeploymentTaskProvider } from './private/task-provider';

/**
 * Properties of a `DeploymentTask`: a one-off ECS Fargate task that runs a command in a container image (your
 * application's own image, for instance) as part of a CloudFormation deployment.
 */
export interface DeploymentTaskProps extends DeploymentScriptOptions {
  /**
   * The container image, e.g. `ContainerImage.fromAsset('app')` (your application's image, built from its
   * Dockerfile at deploy time) or `ContainerImage.fromEcrRepository(repo, tag)`.
   */
  readonly image: ecs.ContainerImage;

  /**
   * The command the container runs (Docker's `CMD`), e.g. `['php', 'artisan', 'migrate', '--force']`. The task
   * succeeds when the command exits with code 0.
   *
   * @default - the image's own `CMD`
   */
  readonly command?: string[];

  /**
   * The ECS cluster the task runs in.
   *
   * @default - one cluster per stack, created for the stack's tasks
   */
  readonly cluster?: ecs.ICluster;

  /**
   * CPU units of the task (256 is a quarter of a vCPU). Fargate accepts only some pairs of `cpu` and
   * `memoryLimitMiB`: see "Task CPU and memory" in the Amazon ECS developer guide.
   *
   * @default - 256, or with `memoryLimitMiB` the fewest CPU units Fargate pairs with that memory
   */
  readonly cpu?: number;

  /**
   * Memory of the task, in MiB. Checked at synth against `cpu`: Fargate accepts only some pairs.
   *
   * @default - 512, or with `cpu` the least memory Fargate pairs with those CPU units
   */
  readonly memoryLimitMiB?: number;

  /**
   * Secrets of the container, as environment variables that ECS reads from Secrets Manager or SSM Parameter Store
   * when the task starts: they appear neither in the template nor in the task definition. The task's execution role
   * may read them.
   *
   * @default - no secrets
   */
  readonly secrets?: { [name: string]: ecs.Secret };

  /**
   * The role the container runs with (its AWS credentials). `connectTo`, `iamRoleStatements` and grants
   * (`bucket.grantRead(task)`) add to it.
   *
   * @default - a new role with no permissions
   */
  readonly taskRole?: iam.IRole;

  /**
   * Whether the task gets a public IP address: needed in a public subnet to pull the image and write its log
   * without a NAT gateway or VPC endpoints.
   *
   * @default false
   */
  readonly assignPublicIp?: boolean;

  /**
   * The log group of the container's output. Several tasks may share one: each writes to its own streams,
   * `<construct id>/task/<task id>`.
   *
   * @default - a log group for the task, kept forever (or see `logRetention`) and retained when the stack is deleted
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the task's logs are kept, in the log group created for it.
   *
   * @default - logs are kept forever
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The Fargate platform version.
   *
   * @default - the latest
   */
  readonly platformVersion?: ecs.FargatePlatformVersion;

  /**
   * The operating system and CPU architecture of the image, e.g. ARM64 for an image built on an Apple silicon Mac.
   *
   * @default - Linux on X86_64
   */
  readonly runtimePlatform?: ecs.RuntimePlatform;

  /**
   * Whether the task's result (its `DEPLOYMENT_SCRIPT_RESULT` line) is secret: the provider stores it as an SSM
   * `SecureString` and answers CloudFormation with `NoEcho`, so that the attributes are masked in CloudFormation's API
   * and console and in the provider's logs, and a failure reason never shows the line. The line stays in the
   * container's own log group: keep that log from those who may not read the secret. `getResult` still passes the
   * attributes to other resources; a resource that shows its properties (an output, a tag, an environment) shows them.
   *
   * @default false
   */
  readonly secretResult?: boolean;
}

/**
 * Runs a command in a container as part of a CloudFormation deployment: a one-off ECS Fargate task, for work that
 * needs your application's own image (its migrations and their command), or that runs longer than a Lambda function
 * may (up to 55 minutes).
 *
 * Its triggers, parameters, ordering, re-run policies and `connectTo` are those of a `DeploymentScript`. The command's
 * exit code decides: 0 succeeds; anything else, a task that fails to start, or one that runs into its `timeout` fails
 * the deployment (`AFTER_DEPLOY`) with the task's last log lines, or is logged (`BEFORE_DELETE`). The container learns
 * its run from environment variables: `DEPLOYMENT_SCRIPT_PARAMETERS` (the parameters, as JSON),
 * `DEPLOYMENT_SCRIPT_TRIGGER`, `DEPLOYMENT_SCRIPT_REQUEST_TYPE`, `DEPLOYMENT_SCRIPT_STACK_ID` and others. It returns a
 * result by printing `DEPLOYMENT_SCRIPT_RESULT {"key":"value"}` as its last log line: `getResult('key')` reads it.
 *
 * A custom resource, served by one provider per stack (`DeploymentTaskProvider`), starts the task and waits for it.
 */
export class DeploymentTask extends DeploymentScriptBase {
  /**
   * The longest timeout a task may have: CloudFormation waits an hour at most for a custom resource, and starting
   * and stopping the task take some of it.
   */
  public static readonly MAX_TIMEOUT = Duration.seconds(consts.MAX_TASK_TIMEOUT_SECONDS);

  /** Whether `x` is a `DeploymentTask`. */
  public static isDeploymentTask(x: any): x is DeploymentTask {
    return x !== null && typeof x === 'object' && TASK_SYMBOL in x;
  }

  /** The task definition of the task. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;

  /** The task's container (named `task`). */
  public readonly container: ecs.ContainerDefinition;

  /** The cluster the task runs in. */
  public readonly cluster: ecs.ICluster;

  /** The log group of the container's output. */
  public readonly logGroup: logs.ILogGroup;

  /** How long the task may run. */
  public readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: DeploymentTaskProps) {
    // Checked before the construct joins the tree: bad input leaves nothing behind.
    const script = ScriptRef.of(CONTAINER_TASK, scope, id);
    const checked = validateProps(script, scope, props);
    const before = stackChildrenOf(scope);
    super(scope, id, props);
    Object.defineProperty(this, TASK_SYMBOL, { value: true });
    try {
      const { bindings, vpc, size } = checked;
      this.timeout = script.timeoutOf(props.timeout);
      const assignPublicIp = props.assignPublicIp ?? false;
      const subnets = vpc.selectSubnets(props.vpcSubnets ?? (assignPublicIp ? { subnetType: ec2.SubnetType.PUBLIC } : {}));
      if (!assignPublicIp && subnets.subnets.length > 0 && subnets.subnets.every((subnet) => vpc.publicSubnets.includes(subnet))) {
        Annotations.of(this).addWarningV2('cdk-deployment-script:taskInPublicSubnetWithoutPublicIp',
          `${script.where} runs in public subnets without a public IP address: it can pull its image and write its log `
          + 'only through VPC endpoints. Set assignPublicIp: true, or select private subnets with egress (vpcSubnets).');
      }
      const securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc,
        description: `cdk-deployment-script: ${this.node.path}`,
        allowAllOutbound: true,
      })];
      const connections = new ec2.Connections({ securityGroups });

      this.logGroup = props.logGroup ?? new logs.LogGroup(this, 'LogGroup', {
        retention: props.logRetention ?? logs.RetentionDays.INFINITE,
        // The log of a BEFORE_DELETE run outlives the stack.
        removalPolicy: RemovalPolicy.RETAIN,
      });

      this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
        cpu: size.cpu,
        memoryLimitMiB: size.memory,
        taskRole: props.taskRole,
        runtimePlatform: props.runtimePlatform,
      });
      const streamPrefix = logStreamPrefix(id);
      this.container = this.taskDefinition.addContainer('Container', {
        containerName: CONTAINER_NAME,
        image: props.image,
        command: props.command,
        environment: { ...props.environment },
        secrets: props.secrets,
        essential: true,
        logging: ecs.LogDrivers.awsLogs({ streamPrefix, logGroup: this.logGroup }),
      });
      for (const statement of props.iamRoleStatements ?? []) { this.taskDefinition.addToTaskRolePolicy(statement); }
      // The execution role pulls the image, writes the log and reads the secrets: the provider passes it to ECS.
      this.taskDefinition.obtainExecutionRole();

      const provider = DeploymentTaskProvider.of(this);
      this.cluster = props.cluster ?? clusterOf(this, provider.defaultCluster(), vpc);
      const taskRole = this.taskDefinition.taskRole;
      const container = this.container;
      this._start(script, {
        vpc,
        grantPrincipal: taskRole.grantPrincipal,
        role: taskRole,
        connections: () => connections,
        addToRolePolicy: (statement) => this.taskDefinition.addToTaskRolePolicy(statement),
        setVariable: (key, value) => container.addEnvironment(key, value),
        // ECS reads them when the task starts (its execution role may read the secret): never in the task definition.
        addRunTimeCredentials: (credentials, nameOf) => {
          for (const [variable, key] of Object.entries(credentials.fromSecret)) {
            container.addSecret(nameOf(variable), ecs.Secret.fromSecretsManager(credentials.secret, key));
          }
        },
      }, {
        serviceToken: provider.serviceToken,
        resourceType: consts.TASK_RESOURCE_TYPE,
        properties: {
          then: {
            [consts.PROP_TASK_DEFINITION]: this.taskDefinition.taskDefinitionArn,
            [consts.PROP_CLUSTER]: this.cluster.clusterArn,
            [consts.PROP_CONTAINER_NAME]: CONTAINER_NAME,
            [consts.PROP_SUBNETS]: subnets.subnetIds,
            [consts.PROP_SECURITY_GROUPS]: securityGroups.map((group) => group.securityGroupId),
            [consts.PROP_ASSIGN_PUBLIC_IP]: assignPublicIp ? 'ENABLED' : 'DISABLED',
            ...(props.platformVersion !== undefined ? { [consts.PROP_PLATFORM_VERSION]: props.platformVersion } : {}),
            [consts.PROP_LOG_GROUP_NAME]: this.logGroup.logGroupName,
            [consts.PROP_LOG_STREAM_PREFIX]: streamPrefix,
            ...props.secretResult ? { [consts.PROP_SECRET_RESULT]: 'true' } : {},
          },
        },
        timeout: this.timeout,
        register: (entry) => provider.register(entry, {
          taskDefinition: this.taskDefinition, cluster: this.cluster, logGroup: this.logGroup, retries: props.retry !== undefined,
          secretResult: props.secretResult === true,
        }),
        bindings,
        otherVariables: secretVariables(props),
      });

      const parameters = props.parameters ?? {};
      this.node.addValidation({ validate: () => this.validateOverrides(script, parameters) });
    } catch (error) {
      // What only aws-cdk-lib checks fails here: the task leaves the tree as it found it.
      withdraw(this, before);
      throw error;
    }
  }

  /**
   * Adds an environment variable to the container. Throws if the variable is already set or its name is reserved.
   */
  public addEnvironment(key: string, value: string): DeploymentTask {
    this._addEnvironment(key, value);
    return this;
  }

  /**
   * Adds a secret to the container: an environment variable that ECS reads when the task starts. Throws if the
   * variable is already set or its name is reserved.
   */
  public addSecret(key: string, secret: ecs.Secret): DeploymentTask {
    this._claimVariable(key, SECRETS_SOURCE);
    this.container.addSecret(key, secret);
    return this;
  }

  /**
   * An attribute of the task's result: the value of `key` in the JSON object of the line
   * `DEPLOYMENT_SCRIPT_RESULT {"key":"value"}` that the container prints, read from its log when it exits with code 0
   * (a string; other values JSON-encoded). Use it in other resources to pass on what the task created.
   */
  public getResult(key: string): string {
    return this._getResult(key, 'the object of the DEPLOYMENT_SCRIPT_RESULT line the container prints');
  }

  /** RunTask's overrides carry the parameters: parameters known at synth that cannot fit fail now rather than at deploy time. */
  private validateOverrides(script: ScriptRef, parameters: { [key: string]: any }): string[] {
    const json = Stack.of(this).resolve(Stack.of(this).toJsonString(parameters));
    if (typeof json !== 'string') { return []; } // holds references: checked at deploy time
    const size = Buffer.byteLength(json, 'utf8');
    // The context variables take about 1 KB at most (the longest stack ARN, logical and physical ids).
    const room = consts.MAX_TASK_OVERRIDES_CHARACTERS - 1200;
    return size > room
      ? [script.error(`parameters take ${size} bytes as JSON. A task receives them in RunTask's container overrides, `
        + `which hold ${consts.MAX_TASK_OVERRIDES_CHARACTERS} characters with the run's context: keep parameters under ${room} bytes, `
        + 'and pass large data another way (an S3 object or an SSM parameter whose name you pass).').message]
      : [];
  }
}

const TASK_SYMBOL = Symbol.for('cdk-deployment-script.DeploymentTask');

/** The name of the task's container, in its log streams (`<prefix>/task/<task id>`) and in RunTask's overrides. */
const CONTAINER_NAME = 'task';

const SECRETS_SOURCE = "the task's secrets";


/** The awslogs stream prefix: the construct id, with what a log stream name cannot hold replaced. */
function logStreamPrefix(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'task';
}

/** The stack's default cluster, as an `ICluster` in the task's VPC. */
function clusterOf(task: Construct, cluster: ecs.CfnCluster, vpc: ec2.IVpc): ecs.ICluster {
  return ecs.Cluster.fromClusterAttributes(task, 'Cluster', {
    clusterName: cluster.ref,
    clusterArn: cluster.attrArn,
    vpc,
    securityGroups: [],
  });
}

/** The VPC of a cluster, when it knows it (an imported cluster may not). */
function vpcOfCluster(cluster: ecs.ICluster): ec2.IVpc | undefined {
  try {
    return cluster.vpc;
  } catch {
    return undefined;
  }
}

/** Checks the props that must be right before anything is created; returns the bindings and the task's VPC. */
function validateProps(script: ScriptRef, scope: Construct, props: DeploymentTaskProps): { bindings: Bindings; vpc: ec2.IVpc; size: { cpu: number; memory: number } } {
  const fail = (message: string): never => script.fail(message);
  validateTriggerAndPolicy(script, props);
  if (props.image === undefined) {
    fail("'image' is missing. Give the container image, e.g. image: ecs.ContainerImage.fromAsset('app') for your application's Dockerfile.");
  }
  if (props.timeout !== undefined && !Token.isUnresolved(props.timeout.toSeconds())) {
    const seconds = props.timeout.toSeconds();
    if (seconds > consts.MAX_TASK_TIMEOUT_SECONDS) {
      fail(`'timeout' is ${props.timeout.toHumanString()}, over the ${consts.MAX_TASK_TIMEOUT_SECONDS / 60} minutes a task may run `
        + '(CloudFormation waits an hour at most for a custom resource, and starting and stopping the task take some of it). '
        + 'Lower it, or split the work into tasks that runAfter one another.');
    }
    if (seconds < 60) {
      fail(`'timeout' is ${props.timeout.toHumanString()}: a task needs a minute at least (starting it takes some of it).`);
    }
  }
  if (props.logGroup !== undefined && props.logRetention !== undefined) {
    fail("both 'logGroup' and 'logRetention' are given. Set the retention on your log group, or give only 'logRetention' to have one created.");
  }
  for (const key of ['cpu', 'memoryLimitMiB'] as const) {
    const value = props[key];
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value <= 0)) {
      fail(`'${key}' is ${value}. Give a positive whole number (see "Task CPU and memory" in the Amazon ECS developer guide).`);
    }
  }
  // Values known only at deploy time are left to Fargate.
  const size = [props.cpu, props.memoryLimitMiB].some((value) => value !== undefined && Token.isUnresolved(value))
    ? { cpu: props.cpu ?? 256, memory: props.memoryLimitMiB ?? 512 }
    : fargateSize(fail, props.cpu, props.memoryLimitMiB);
  for (const name of Object.keys(props.secrets ?? {})) {
    if (props.environment && name in props.environment) {
      fail(`'${name}' is both in 'environment' and in 'secrets'. Set each variable once.`);
    }
  }

  const bindings = bindAll(props.connectTo, script);
  const targetVpc = inferVpc(script, bindings);
  const vpc = props.vpc ?? targetVpc ?? (props.cluster ? vpcOfCluster(props.cluster) : undefined);
  if (!vpc) {
    return fail("a Fargate task runs in a VPC, and none is known. Give 'vpc', a 'cluster' that knows its VPC, or connect the task to a target in a VPC.");
  }
  validateInputs(script, scope, props, { bindings, vpc, otherVariables: secretVariables(props) });
  DeploymentTaskProvider.existingIn(Stack.of(scope));
  return { bindings, vpc, size };
}

/** The variables a task's `secrets` set, with where they come from (for messages about clashes). */
function secretVariables(props: DeploymentTaskProps): Array<readonly [string, string]> {
  return Object.keys(props.secrets ?? {}).map((name) => [name, SECRETS_SOURCE] as const);
}
