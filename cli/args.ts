/**
 * The command line's grammar: `cdk-deployment-script <command> [options]`, parsed with node's `util.parseArgs`
 * (strict: an unknown option is an error, not something silently ignored).
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export const PROGRAM = 'cdk-deployment-script';

export type Command = 'list' | 'run' | 'logs';

export interface CommonOptions {
  readonly profile?: string;
  readonly region?: string;
  readonly color?: boolean;
}

export interface ListOptions extends CommonOptions {
  readonly stack?: string;
  readonly json: boolean;
  readonly local: boolean;
  readonly app: string;
}

export interface RunOptions extends CommonOptions {
  readonly stack?: string;
  readonly script: string;
  readonly params: readonly string[];
  readonly paramsFile?: string;
  readonly dryRun: boolean;
  readonly local: boolean;
  readonly app: string;
  readonly env: readonly string[];
  readonly envFiles: readonly string[];
  readonly python?: string;
  /** (--local) refuse to run while a variable only known after deployment is unset. */
  readonly strict: boolean;
  /** (--local) run again whenever the cloud assembly changes. */
  readonly watch: boolean;
  /** (--local) run as the undo call of a rollback would (`undoOnRollback`): context `rollback: true`, requestType Update. */
  readonly rollback: boolean;
  /** (a deployed task) start it and return: do not wait for it to stop. */
  readonly noWait: boolean;
}

export interface LogsOptions extends CommonOptions {
  readonly stack: string;
  readonly script?: string;
  readonly follow: boolean;
  /** How far back to start: a duration (`10m`, `2h`, `1d`) or a date. */
  readonly since?: string;
}

export type Invocation =
  | { readonly kind: 'help'; readonly command?: Command }
  | { readonly kind: 'version' }
  | { readonly kind: 'list'; readonly options: ListOptions }
  | { readonly kind: 'run'; readonly options: RunOptions }
  | { readonly kind: 'logs'; readonly options: LogsOptions };

type Spec = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

const COMMON: Spec = {
  'profile': { type: 'string' },
  'region': { type: 'string' },
  'help': { type: 'boolean', short: 'h' },
  'no-color': { type: 'boolean' },
  'color': { type: 'boolean' },
};

const SPECS: Record<Command, Spec> = {
  list: {
    ...COMMON,
    stack: { type: 'string', short: 's' },
    json: { type: 'boolean' },
    local: { type: 'boolean' },
    app: { type: 'string', short: 'a' },
  },
  run: {
    ...COMMON,
    'stack': { type: 'string', short: 's' },
    'script': { type: 'string' },
    'param': { type: 'string', short: 'p', multiple: true },
    'params-file': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'local': { type: 'boolean' },
    'app': { type: 'string', short: 'a' },
    'env': { type: 'string', short: 'e', multiple: true },
    'env-file': { type: 'string', multiple: true },
    'python': { type: 'string' },
    'strict': { type: 'boolean' },
    'watch': { type: 'boolean' },
    'rollback': { type: 'boolean' },
    'no-wait': { type: 'boolean' },
  },
  logs: {
    ...COMMON,
    stack: { type: 'string', short: 's' },
    script: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    since: { type: 'string' },
  },
};

const DEFAULT_APP = 'cdk.out';

/** Parses `argv` (without `node` and the script). Throws a `UsageError` for anything malformed. */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { kind: 'help' };
  if (first === '--version' || first === '-v' || first === 'version') return { kind: 'version' };
  if (first === 'help') {
    if (rest[0] === undefined) return { kind: 'help' };
    return { kind: 'help', command: commandName(rest[0]) };
  }
  const command = commandName(first);
  const values = parse(command, rest);
  if (values.help) return { kind: 'help', command };

  const common: CommonOptions = {
    profile: nonEmpty(values.profile, '--profile', command),
    region: nonEmpty(values.region, '--region', command),
    color: values['no-color'] ? false : values.color ? true : undefined,
  };
  const local = values.local === true;
  const app = nonEmpty(values.app, '--app', command) ?? DEFAULT_APP;
  if (values.app !== undefined && !local) {
    throw new UsageError('--app is only for --local (a cloud assembly on this machine): add --local, or give --stack for a deployed stack.', command);
  }
  const stack = nonEmpty(values.stack, '--stack', command);

  if (command === 'logs') {
    if (stack === undefined) throw new UsageError('logs needs --stack STACK: the deployed stack whose scripts\' logs to show.', command);
    return {
      kind: 'logs',
      options: { ...common, stack, script: nonEmpty(values.script, '--script', command), follow: values.follow === true, since: nonEmpty(values.since, '--since', command) },
    };
  }
  if (command === 'list') {
    if (!local && stack === undefined) {
      throw new UsageError('list needs --stack STACK (a deployed stack), or --local [--app cdk.out] (a synthesized app).', command);
    }
    return { kind: 'list', options: { ...common, stack, json: values.json === true, local, app } };
  }

  const script = nonEmpty(values.script, '--script', command);
  if (script === undefined) throw new UsageError('run needs --script ID: the script to run (see the list command).', command);
  if (!local && stack === undefined) {
    throw new UsageError('run needs --stack STACK (a deployed stack), or --local (a script of a synthesized app, run on this machine).', command);
  }
  const env = (values.env as string[] | undefined) ?? [];
  const envFiles = ((values['env-file'] as string[] | undefined) ?? []).map((file) => nonEmpty(file, '--env-file', command)!);
  if ((env.length > 0 || envFiles.length > 0) && !local) {
    throw new UsageError(`${env.length ? '--env' : '--env-file'} is only for --local: a deployed script runs with the environment it was deployed with.`, command);
  }
  for (const option of ['python', 'strict', 'watch', 'rollback'] as const) {
    if (values[option] !== undefined && !local) throw new UsageError(`--${option} is only for --local.`, command);
  }
  if (values['no-wait'] !== undefined && local) throw new UsageError('--no-wait is only for a deployed task (run --stack): a local run always waits.', command);
  if (values.watch && values['dry-run']) throw new UsageError('--watch runs the script again and again: it does not go with --dry-run.', command);
  return {
    kind: 'run',
    options: {
      ...common,
      stack,
      script,
      params: (values.param as string[] | undefined) ?? [],
      paramsFile: nonEmpty(values['params-file'], '--params-file', command),
      dryRun: values['dry-run'] === true,
      local,
      app,
      env,
      envFiles,
      python: nonEmpty(values.python, '--python', command),
      strict: values.strict === true,
      watch: values.watch === true,
      rollback: values.rollback === true,
      noWait: values['no-wait'] === true,
    },
  };
}

function commandName(name: string): Command {
  if (name === 'list' || name === 'run' || name === 'logs') return name;
  if (name.startsWith('-')) throw new UsageError(`unknown option '${name}' before the command. Commands: list, run, logs.`);
  throw new UsageError(`unknown command '${name}'. Commands: list, run, logs.`);
}

function parse(command: Command, args: readonly string[]): Record<string, string | boolean | string[] | boolean[] | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: SPECS[command], strict: true, allowPositionals: true });
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument '${positionals[0]}'. Give values with options, e.g. --stack my-stack --script migrate.`, command);
    }
    return values;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(parseArgsMessage(error as Error & { code?: string }), command);
  }
}

/** node's parseArgs messages, shortened to what the user needs. */
function parseArgsMessage(error: Error & { code?: string }): string {
  const message = error.message.replace(/\. To specify an option argument starting with a dash use .*$/s, '.');
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown option '${option}'.`;
  }
  return message.replace(/^Option '(-\w, )?(--[\w-]+)[^']*'/, "Option '$2'");
}

function nonEmpty(value: unknown, name: string, command: Command): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${name} needs a value.`, command);
  return value;
}

const COMMON_HELP = `Common options:
  --profile NAME       the AWS profile to use (default: AWS_PROFILE, or the default profile)
  --region REGION      the AWS region (default: AWS_REGION, the profile's region, or the stack ARN's)
  --no-color           no colours (also: NO_COLOR=1); --color forces them
  -h, --help           this help

Credentials and endpoints are found as the AWS CLI and SDKs find them: environment variables, the shared
config and credentials files, SSO, container and instance roles; AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
are honoured.`;

const EXIT_CODES = `Exit codes:
  0  success
  1  the script ran and failed (threw, returned an error, timed out)
  2  the command line is wrong (unknown option, missing value)
  3  the command could not do its work (unknown stack or script, no credentials, access denied,
     unreachable endpoint, missing asset, a task without a deployed task definition, a stack without
     scripts for logs, …)
  4  run --local of a task with no container engine that answers (docker, podman: none on PATH, or its
     engine not running): it printed what it would run, for you to run by hand
  9  (npm's command) node itself refused an --env-file that does not exist: node reads that option
     wherever it is ("node: FILE: not found"); the pip package's command says so and exits 3
  127  no node to run the command (the pip package's launcher, or npm's #!/usr/bin/env node)
  130  interrupted (Ctrl-C) while a script or task ran: a deployed one goes on running, a local one is stopped`;

export const HELP: Record<'main' | Command, string> = {
  main: `${PROGRAM}: list, run and try the deployment scripts of AWS CDK apps (cdk-deployment-script).

Usage:
  ${PROGRAM} list --stack STACK [--json]
  ${PROGRAM} list --local [--app cdk.out] [--json]
  ${PROGRAM} run --stack STACK --script ID [--param KEY=VALUE]... [--params-file FILE] [--dry-run]
  ${PROGRAM} run --local [--app cdk.out] [--stack STACK] --script ID [--env KEY=VALUE]... [--param KEY=VALUE]...
  ${PROGRAM} logs --stack STACK [--script ID] [--follow] [--since 10m]
  ${PROGRAM} help [COMMAND]
  ${PROGRAM} --version

Commands:
  list   the deployment scripts and container tasks of a deployed stack (or of a synthesized app, with --local)
  run    run a deployed script or task now, with the parameters of the last deployment; or, with --local,
         run one of a synthesized app on this machine, as Lambda (or ECS) would
  logs   the log lines of a stack's scripts and tasks, each after its name; --follow to watch a deployment

Examples:
  ${PROGRAM} list --stack my-stack
  ${PROGRAM} run --stack my-stack --script migrate
  ${PROGRAM} run --stack my-stack --script seed --param tenants.max=10 --param dryRun=true
  ${PROGRAM} run --local --script migrate --env DATABASE_URL=postgresql://localhost:5432/dev

Run '${PROGRAM} help list', '${PROGRAM} help run' or '${PROGRAM} help logs' for each command's options.

${COMMON_HELP}

${EXIT_CODES}`,

  list: `Usage:
  ${PROGRAM} list --stack STACK [--json]
  ${PROGRAM} list --local [--app cdk.out] [--stack STACK] [--json]

Lists the deployment scripts (kind script) and container tasks (kind task) of a deployed stack: each one's id
(its construct path in the stack) and logical id, its trigger, what it runs (a Lambda function, a task definition), the status of its last deployment (with the reason when it
failed), and whether the parameters of that deployment are recorded for 'run'.

With --local, lists the scripts and tasks of a synthesized cloud assembly instead (no AWS call): their kind,
runtime (or container image), handler, and the environment variables and parameters only known after deployment.

Options:
  -s, --stack STACK    the stack's name or ARN (with --local: its name or artifact id, to pick one)
  --json               machine-readable output on stdout
  --local              read a cloud assembly on this machine instead of a deployed stack
  -a, --app DIR        the cloud assembly directory (default: cdk.out)

Examples:
  ${PROGRAM} list --stack my-stack
  ${PROGRAM} list --stack arn:aws:cloudformation:eu-west-1:123456789012:stack/my-stack/1a2b… --json
  ${PROGRAM} list --local --app cdk.out

${COMMON_HELP}

${EXIT_CODES}`,

  run: `Usage:
  ${PROGRAM} run --stack STACK --script ID [--param KEY=VALUE]... [--params-file FILE] [--dry-run]
  ${PROGRAM} run --local [--app cdk.out] [--stack STACK] --script ID [--env KEY[=VALUE]]... [--env-file FILE]
                 [--param KEY=VALUE]... [--params-file FILE] [--python CMD] [--strict] [--watch] [--rollback]
                 [--dry-run]

Runs a deployed script now: invokes its Lambda function with the parameters of the stack's last
deployment, resolved (as the provider recorded them, in the SSM parameter
/cdk-deployment-script/<stack name>/<its logical id>), and the same client context a deployment
gives it, with requestType "Manual". Prints the script's result as JSON on stdout and the tail of its log
on stderr; exits 1 when the script fails.

A container task (DeploymentTask) runs as the deployment runs it: ECS RunTask with its deployed task
definition, cluster and network configuration, and its parameters (those of the template, resolved against
the deployed stack: resources, template parameters, imports; give what it cannot tell, such as an attribute or a
dynamic reference, with --param). Progress goes to stderr while it runs; then
its exit code, stop reason and log tail; exits 1 when the task failed. --no-wait starts it and prints its ARN
and the logs command that follows it.

With --local, runs a script of a synthesized cloud assembly (cdk synth) on this machine instead, as Lambda
would: its bundled code, its handler, its environment and the parameters of the template, in a child
process (node for Node.js runtimes, python3 for Python ones) with a Lambda-like context, within the
function's timeout. Environment variables only known after deployment (references to other resources,
secrets) are left unset, and named on stderr (--strict refuses to run instead); give them with --env or
--env-file. Parameters only known after deployment must be given with --param. Your own AWS credentials and
region are passed on. Nothing is deployed and no AWS call is made by the command itself. A Node.js script
finds the AWS SDK (which Lambda provides, and bundles leave out) in the app's node_modules.
A task runs in its container image with docker or podman, when one is on PATH; else the command prints
what it would run (image, command, environment, secrets masked) and exits 4.

Options:
  -s, --stack STACK       the stack's name or ARN (with --local: optional, its name or artifact id)
  --script ID             the script: its id (construct path in the stack, e.g. migrate or Api/migrate)
                          or the logical id of its custom resource
  -p, --param KEY=VALUE   override one parameter; repeatable. VALUE is parsed as JSON when it parses
                          (3, true, null, ["a"], {"k":1}), else it is a string ('"3"' is the string 3).
                          A dotted KEY sets a nested value: --param db.port=5433
  --params-file FILE      the parameters as a JSON object, instead of the recorded (or template) ones;
                          '-' reads stdin. --param values apply on top
  --dry-run               print the event and the client context the script would get; run nothing
  --local                 run a script of a cloud assembly on this machine
  -a, --app DIR           the cloud assembly directory (default: cdk.out)
  -e, --env KEY=VALUE     (--local) set or override an environment variable of the script; repeatable.
                          --env KEY alone takes KEY's value from this shell's environment
  --env-file FILE         (--local) variables from a dotenv file (KEY=VALUE lines, # comments, quotes);
                          repeatable; --env applies on top
  --strict                (--local) run nothing while a variable only known after deployment is unset
  --watch                 (--local) run again whenever the cloud assembly changes (after each cdk synth);
                          and when a file of the app (the folder of cdk.json, as cdk.json's watch.include and
                          watch.exclude leave it) changes, run the app's cdk CLI (node_modules/.bin/cdk, else
                          cdk on PATH): cdk synth --quiet --output <the assembly>
  --rollback              (--local) run an after:deploy script or task as its undo call when a deployment
                          rolls back would (undoOnRollback): requestType Update and rollback: true in the
                          client context (DEPLOYMENT_SCRIPT_ROLLBACK=true in a container), the same parameters
  --python CMD            (--local) the Python interpreter (default: python3.X of the runtime, python3)
  --no-wait               (a deployed task) start it, print its ARN and how to follow it, and return

Examples:
  ${PROGRAM} run --stack my-stack --script migrate
  ${PROGRAM} run --stack my-stack --script seed --param count=100 --param 'tags=["demo"]'
  ${PROGRAM} run --stack my-stack --script cleanup --params-file cleanup.json --dry-run
  ${PROGRAM} run --local --script migrate --env STP_MY_DATABASE_CONNECTION_STRING=postgresql://localhost/dev
  ${PROGRAM} run --local --script migrate --rollback --env-file local.env

${COMMON_HELP}

${EXIT_CODES}`,

  logs: `Usage:
  ${PROGRAM} logs --stack STACK [--script ID] [--follow] [--since 10m]

Prints the log lines of the deployment scripts and container tasks of a deployed stack (CloudWatch Logs: each
script's log group, each task's), oldest first, each after its script's id, so that a migration can be
watched from a second terminal while 'cdk deploy' runs.

Options:
  -s, --stack STACK    the stack's name or ARN
  --script ID          only this script or task (its id, the end of it, or its logical id)
  -f, --follow         keep printing new lines as they come, until Ctrl-C
  --since WHEN         from when: a duration back from now (30s, 10m, 2h, 1d) or a date (2025-03-01T10:00Z);
                       default 10m

Examples:
  ${PROGRAM} logs --stack my-stack --follow
  ${PROGRAM} logs --stack my-stack --script migrate --since 2h

IAM actions: cloudformation:DescribeStacks, ListStackResources, GetTemplate; logs:FilterLogEvents.

${COMMON_HELP}

${EXIT_CODES}`,
};
