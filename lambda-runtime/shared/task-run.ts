/**
 * What a task's run is made of: its settings, read from the custom resource's properties, and the RunTask request
 * that starts it, with the run's context and parameters in the container's environment. Shared by the task runtime
 * (lambda-runtime/task/) and the command line's `run` of a task, so that a run by hand is the deployment's run.
 */
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import {
  MAX_TASK_OVERRIDES_CHARACTERS,
  PROP_ASSIGN_PUBLIC_IP,
  PROP_CLUSTER,
  PROP_CONTAINER_NAME,
  PROP_LOG_GROUP_NAME,
  PROP_LOG_STREAM_PREFIX,
  PROP_PLATFORM_VERSION,
  PROP_SECURITY_GROUPS,
  PROP_SUBNETS,
  PROP_TASK_DEFINITION,
  PROP_TIMEOUT_SECONDS,
  TASK_ENV_LOGICAL_RESOURCE_ID,
  TASK_ENV_PARAMETERS,
  TASK_ENV_PHYSICAL_RESOURCE_ID,
  TASK_ENV_REGION,
  TASK_ENV_REQUEST_TYPE,
  TASK_ENV_STACK_ID,
  TASK_ENV_STACK_NAME,
  TASK_ENV_TRIGGER,
  TASK_STARTED_BY,
} from './consts';
import { reportableError } from './reason';

/** The task's settings, from the custom resource's properties. */
export interface TaskSettings {
  readonly taskDefinition: string;
  readonly cluster: string;
  readonly containerName: string;
  readonly subnets: string[];
  readonly securityGroups: string[];
  readonly assignPublicIp: 'ENABLED' | 'DISABLED';
  readonly platformVersion?: string;
  readonly logGroupName?: string;
  readonly logStreamPrefix?: string;
  readonly timeoutSeconds: number;
}

/** What the container learns about its run, beside its parameters. */
export interface TaskContext {
  readonly trigger: string;
  readonly requestType: string;
  readonly stackId: string;
  readonly stackName: string;
  readonly region: string;
  readonly logicalResourceId: string;
  readonly physicalResourceId: string;
}

/** The default timeout, should the property be missing (the construct always sets it). */
const DEFAULT_TIMEOUT_SECONDS = 30 * 60;

/** Reads the task's settings; throws a reportable error naming a missing property. */
export function readSettings(props: Record<string, unknown>, logicalResourceId: string): TaskSettings {
  const text = (name: string): string => {
    const value = props[name];
    if (typeof value !== 'string' || value === '') {
      throw reportableError(`Deployment task ${logicalResourceId} did not run: the ${name} property is missing.`);
    }
    return value;
  };
  const list = (name: string): string[] => {
    const value = props[name];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw reportableError(`Deployment task ${logicalResourceId} did not run: the ${name} property is not a list of strings.`);
    }
    return value;
  };
  const timeout = Number(props[PROP_TIMEOUT_SECONDS]);
  const optional = (name: string) => (typeof props[name] === 'string' && props[name] !== '' ? props[name] as string : undefined);
  return {
    taskDefinition: text(PROP_TASK_DEFINITION),
    cluster: text(PROP_CLUSTER),
    containerName: text(PROP_CONTAINER_NAME),
    subnets: list(PROP_SUBNETS),
    securityGroups: list(PROP_SECURITY_GROUPS),
    assignPublicIp: props[PROP_ASSIGN_PUBLIC_IP] === 'ENABLED' ? 'ENABLED' : 'DISABLED',
    platformVersion: optional(PROP_PLATFORM_VERSION),
    logGroupName: optional(PROP_LOG_GROUP_NAME),
    logStreamPrefix: optional(PROP_LOG_STREAM_PREFIX),
    timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_SECONDS,
  };
}

/** The container's variables that carry the run: its context, and its parameters as the exact JSON. */
export function contextVariables(context: TaskContext, parameters: string): Array<{ name: string; value: string }> {
  return [
    { name: TASK_ENV_PARAMETERS, value: parameters },
    { name: TASK_ENV_TRIGGER, value: context.trigger },
    { name: TASK_ENV_REQUEST_TYPE, value: context.requestType },
    { name: TASK_ENV_STACK_ID, value: context.stackId },
    { name: TASK_ENV_STACK_NAME, value: context.stackName },
    { name: TASK_ENV_REGION, value: context.region },
    { name: TASK_ENV_LOGICAL_RESOURCE_ID, value: context.logicalResourceId },
    { name: TASK_ENV_PHYSICAL_RESOURCE_ID, value: context.physicalResourceId },
  ];
}

/**
 * The RunTask request of one run. `clientToken` makes it idempotent: a retried request starts no second task.
 * Throws a reportable error when the parameters cannot fit in RunTask's overrides.
 */
export function runTaskInput(settings: TaskSettings, context: TaskContext, parameters: string, clientToken: string): RunTaskCommandInput {
  const overrides = { containerOverrides: [{ name: settings.containerName, environment: contextVariables(context, parameters) }] };
  const size = Buffer.byteLength(JSON.stringify(overrides), 'utf8');
  if (size > MAX_TASK_OVERRIDES_CHARACTERS) {
    throw reportableError(
      `Deployment task ${context.logicalResourceId} did not run: its parameters (${Buffer.byteLength(parameters, 'utf8')} bytes as JSON) and context take ` +
      `${size} characters in RunTask's container overrides, and ECS accepts ${MAX_TASK_OVERRIDES_CHARACTERS}. ` +
      'Pass large data another way: put it in an S3 object or an SSM parameter and pass its name in parameters.',
    );
  }
  return {
    cluster: settings.cluster,
    taskDefinition: settings.taskDefinition,
    launchType: 'FARGATE',
    ...(settings.platformVersion ? { platformVersion: settings.platformVersion } : {}),
    count: 1,
    startedBy: TASK_STARTED_BY,
    clientToken: clientToken.slice(0, 64),
    networkConfiguration: {
      awsvpcConfiguration: { subnets: settings.subnets, securityGroups: settings.securityGroups, assignPublicIp: settings.assignPublicIp },
    },
    overrides,
  };
}

/** The task's id: the last part of its ARN (`arn:aws:ecs:<region>:<account>:task/<cluster>/<id>`). */
export function taskId(taskArn: string): string {
  return taskArn.split('/').pop() ?? taskArn;
}

/** The awslogs stream of the task's container: `<prefix>/<container>/<task id>`. */
export function logStreamName(settings: TaskSettings, taskArn: string): string | undefined {
  return settings.logStreamPrefix ? `${settings.logStreamPrefix}/${settings.containerName}/${taskId(taskArn)}` : undefined;
}
