/**
 * Names shared by the constructs (lib/), the runtimes (lambda-runtime/script/, lambda-runtime/task/) and the command
 * line (cli/), so that they can never disagree (docs/DESIGN.md#contract). Changing any value here changes deployed
 * custom resources: treat them as a public contract. The package ships this file compiled, for lib/.
 */

/** CloudFormation resource type of a deployment script's custom resource. */
export const RESOURCE_TYPE = 'Custom::DeploymentScript';

/** Custom resource properties, as the runtime reads them from `ResourceProperties`. */
export const PROP_FUNCTION_NAME = 'ScriptFunctionName';
export const PROP_TRIGGER = 'Trigger';
export const PROP_PARAMETERS = 'Parameters';
export const PROP_RUN_POLICY = 'RunPolicy';
export const PROP_RUN_TOKEN = 'RunToken';
export const PROP_LOG_GROUP_NAME = 'LogGroupName';
export const PROP_TIMEOUT_SECONDS = 'TimeoutSeconds';
/**
 * A script's retries (`retry`), written only when it takes some: the total number of attempts, and the wait after the
 * first failed attempt in seconds (doubling after each). `TimeoutSeconds` bounds each attempt.
 */
export const PROP_RETRY_ATTEMPTS = 'RetryAttempts';
export const PROP_RETRY_BACKOFF_SECONDS = 'RetryBackoffSeconds';
/**
 * An `AFTER_DEPLOY` script or task that asks to be called again when the deployment that ran it rolls back
 * (`undoOnRollback`): `"true"`, written only when asked, so that the templates of other scripts do not change.
 */
export const PROP_UNDO_ON_ROLLBACK = 'UndoOnRollback';

/**
 * Environment variable of the providers' runtime functions: the ARN of the stack they serve (`AWS::StackId`). The
 * runtimes act only on requests whose `StackId` is this one: a custom resource of another stack that names a provider
 * as its service token would otherwise run its scripts with that stack's parameters.
 */
export const ENV_PROVIDER_STACK_ID = 'PROVIDER_STACK_ID';

/** Values of the `Trigger` property. */
export const TRIGGER_AFTER_DEPLOY = 'after:deploy';
export const TRIGGER_BEFORE_DELETE = 'before:delete';

/** Values of the `RunPolicy` property. */
export const RUN_POLICY_ON_STACK_CHANGE = 'on-stack-change';
export const RUN_POLICY_EVERY_DEPLOYMENT = 'every-deployment';
export const RUN_POLICY_ON_SCRIPT_CHANGE = 'on-script-change';
export const RUN_POLICY_ONCE = 'once';

/**
 * The longest a Lambda script may run. The Provider framework's function that waits for our runtime has a
 * fixed 15 minute timeout; the runtime needs the rest for reading the stack, retrying a not-yet-propagated
 * role and reporting.
 */
export const MAX_SCRIPT_TIMEOUT_SECONDS = 14 * 60;

/** Timeout of the runtime function: below the Provider framework's 15 minutes, above the script's bound. */
export const RUNTIME_TIMEOUT_SECONDS = 14 * 60 + 50;

/** How long the runtime retries an `AccessDeniedException` from Invoke (a freshly created role). */
export const ACCESS_DENIED_RETRY_SECONDS = 30;

/**
 * The most bytes (UTF-8, JSON-escaped) the runtime's error message may take. The Provider framework appends
 * a log group line, and the response also carries the stack id, request id and resource ids; CloudFormation
 * rejects a response body over 4096 bytes.
 */
export const MAX_REASON_BYTES = 2500;

/**
 * Environment variable prefix reserved for the library's own use (the context of container tasks and the
 * command line); users cannot set variables that start with it.
 */
export const RESERVED_ENV_PREFIX = 'DEPLOYMENT_SCRIPT_';

/** The key of the client context object that carries the run's context to a Lambda script. */
export const CLIENT_CONTEXT_KEY = 'custom';

/**
 * The client context field (a JSON boolean, `true`) that tells a Lambda script its call undoes a run because the
 * deployment that made it rolls back (`undoOnRollback`); absent on every other run.
 */
export const CONTEXT_ROLLBACK = 'rollback';

/**
 * The most bytes (UTF-8 JSON) a script's result may take as the custom resource's `Data`. CloudFormation caps
 * the whole response at 4096 bytes, which also carries the ids and the framework's fields.
 */
export const MAX_RESULT_BYTES = 2000;

/**
 * Prefix of the SSM parameters (String, standard tier) in which the runtime keeps the result of each
 * script's last run, so that an update that does not run the script (the rollback of a failed update, run
 * policy `once`) answers with the same attributes. One parameter per script, named
 * `<prefix><stack name>/<physical resource id>` (`resultParameterName` in lambda-runtime/stored-result.ts);
 * the provider's role reads, writes and deletes `parameter<prefix><stack name>/*`.
 */
export const RESULT_PARAMETER_PREFIX = '/cdk-deployment-script/';

/*
 * Container tasks (`DeploymentTask`): a one-off ECS Fargate task instead of a Lambda function, served by their own
 * provider (lib/private/task-provider.ts, lambda-runtime/task/). The trigger, parameters, run policy and run token
 * properties are the same as a script's (PROP_TRIGGER, PROP_PARAMETERS, PROP_RUN_POLICY, PROP_RUN_TOKEN,
 * PROP_LOG_GROUP_NAME, PROP_TIMEOUT_SECONDS).
 */

/** CloudFormation resource type of a container task's custom resource. */
export const TASK_RESOURCE_TYPE = 'Custom::DeploymentTask';

/** Custom resource properties of a container task, as the task runtime reads them from `ResourceProperties`. */
export const PROP_TASK_DEFINITION = 'TaskDefinition';
export const PROP_CLUSTER = 'Cluster';
export const PROP_CONTAINER_NAME = 'ContainerName';
export const PROP_SUBNETS = 'Subnets';
export const PROP_SECURITY_GROUPS = 'SecurityGroups';
export const PROP_ASSIGN_PUBLIC_IP = 'AssignPublicIp';
export const PROP_PLATFORM_VERSION = 'PlatformVersion';
export const PROP_LOG_STREAM_PREFIX = 'LogStreamPrefix';

/**
 * The longest a container task may run. The Provider framework's waiter gives up after TASK_TOTAL_TIMEOUT_SECONDS
 * (one hour, also CloudFormation's longest wait for a custom resource); the rest is for starting the task, and for
 * stopping it at its timeout.
 */
export const MAX_TASK_TIMEOUT_SECONDS = 55 * 60;

/** How long the Provider framework waits for a task's custom resource at most (its `totalTimeout`). */
export const TASK_TOTAL_TIMEOUT_SECONDS = 60 * 60;

/** How often the Provider framework asks whether a task has stopped (its `queryInterval`). */
export const TASK_QUERY_INTERVAL_SECONDS = 10;

/** The `startedBy` of the tasks the provider runs, which finds them in the ECS console and API (`ListTasks`). */
export const TASK_STARTED_BY = 'cdk-deployment-script';

/**
 * RunTask accepts at most this many characters of `overrides` (JSON formatting included); the run's context and
 * parameters travel there, as environment variables of the container.
 */
export const MAX_TASK_OVERRIDES_CHARACTERS = 8192;

/**
 * The environment variables through which a container task learns its run (the counterpart of a Lambda
 * script's event and client context). All start with RESERVED_ENV_PREFIX.
 */
export const TASK_ENV_PARAMETERS = 'DEPLOYMENT_SCRIPT_PARAMETERS';
export const TASK_ENV_TRIGGER = 'DEPLOYMENT_SCRIPT_TRIGGER';
export const TASK_ENV_REQUEST_TYPE = 'DEPLOYMENT_SCRIPT_REQUEST_TYPE';
export const TASK_ENV_STACK_ID = 'DEPLOYMENT_SCRIPT_STACK_ID';
export const TASK_ENV_STACK_NAME = 'DEPLOYMENT_SCRIPT_STACK_NAME';
export const TASK_ENV_REGION = 'DEPLOYMENT_SCRIPT_REGION';
export const TASK_ENV_LOGICAL_RESOURCE_ID = 'DEPLOYMENT_SCRIPT_LOGICAL_RESOURCE_ID';
export const TASK_ENV_PHYSICAL_RESOURCE_ID = 'DEPLOYMENT_SCRIPT_PHYSICAL_RESOURCE_ID';
/** `true` on the call that undoes a run when its deployment rolls back (`undoOnRollback`); absent on every other run. */
export const TASK_ENV_ROLLBACK = 'DEPLOYMENT_SCRIPT_ROLLBACK';

/**
 * A Lambda script connected to a database with credentials read at run time (`DatabaseCredentials.AT_RUN_TIME`):
 * its connection strings hold these placeholders, which the library's shim (lambda-runtime/credentials/) replaces
 * with the database secret's user and password, escaped for each string, before the script's handler runs.
 */
export const USERNAME_PLACEHOLDER = '${username}';
export const PASSWORD_PLACEHOLDER = '${password}';

/**
 * The variables the shim fills, as JSON: `{"<variable holding the secret's ARN>": ["<variable>", …]}`. Names only:
 * the ARNs are in the variables they name.
 */
export const CREDENTIALS_ENV = 'DEPLOYMENT_SCRIPT_CREDENTIALS';

/** The script's own handler (`index.handler`, `migrate.main`), which the shim calls once the variables are filled. */
export const SCRIPT_HANDLER_ENV = 'DEPLOYMENT_SCRIPT_HANDLER';

/** The shim's module, added to the script's code: `<module>.handler` is the function's handler. */
export const CREDENTIALS_SHIM_NODE_MODULE = 'deployment-script-credentials';
export const CREDENTIALS_SHIM_PYTHON_MODULE = 'deployment_script_credentials';

/**
 * The property that marks a script's result secret: the runtime stores it as a `SecureString` and answers with
 * `NoEcho`, so that CloudFormation and the Provider framework's log show its attributes masked.
 */
export const PROP_SECRET_RESULT = 'SecretResult';
