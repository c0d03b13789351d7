/**
 * The command line's grammar: `cdk-deployment-script <command> [options]`, parsed with node's `util.parseArgs`
 * (strict: an unknown option is an error, not something silently ignored).
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export const PROGRAM = 'cdk-deployment-script';

export type Command = 'list' | 'run';

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
  readonly python?: string;
}

export type Invocation =
  | { readonly kind: 'help'; readonly command?: Command }
  | { readonly kind: 'version' }
  | { readonly kind: 'list'; readonly options: ListOptions }
  | { readonly kind: 'run'; readonly options: RunOptions };

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
    'python': { type: 'string' },
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
  if (env.length > 0 && !local) {
    throw new UsageError('--env is only for --local: a deployed script runs with the environment it was deployed with.', command);
  }
  if (values.python !== undefined && !local) throw new UsageError('--python is only for --local.', command);
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
      python: nonEmpty(values.python, '--python', command),
    },
  };
}

function commandName(name: string): Command {
  if (name === 'list' || name === 'run') return name;
  if (name.startsWith('-')) throw new UsageError(`unknown option '${name}' before the command. Commands: list, run.`);
  throw new UsageError(`unknown command '${name}'. Commands: list, run.`);
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
     unreachable endpoint, missing asset, …)`;

export const HELP: Record<'main' | Command, string> = {
  main: `${PROGRAM}: list, run and try the deployment scripts of AWS CDK apps (cdk-deployment-script).

Usage:
  ${PROGRAM} list --stack STACK [--json]
  ${PROGRAM} list --local [--app cdk.out] [--json]
  ${PROGRAM} run --stack STACK --script ID [--param KEY=VALUE]... [--params-file FILE] [--dry-run]
  ${PROGRAM} run --local [--app cdk.out] [--stack STACK] --script ID [--env KEY=VALUE]... [--param KEY=VALUE]...
  ${PROGRAM} help [COMMAND]
  ${PROGRAM} --version

Commands:
  list   the deployment scripts of a deployed stack (or of a synthesized app, with --local)
  run    run a deployed script now, with the parameters of the last deployment; or, with --local,
         run a script of a synthesized app on this machine, as Lambda would

Examples:
  ${PROGRAM} list --stack my-stack
  ${PROGRAM} run --stack my-stack --script migrate
  ${PROGRAM} run --stack my-stack --script seed --param tenants.max=10 --param dryRun=true
  ${PROGRAM} run --local --script migrate --env DATABASE_URL=postgresql://localhost:5432/dev

Run '${PROGRAM} help list' or '${PROGRAM} help run' for each command's options.

${COMMON_HELP}

${EXIT_CODES}`,

  list: `Usage:
  ${PROGRAM} list --stack STACK [--json]
  ${PROGRAM} list --local [--app cdk.out] [--stack STACK] [--json]

Lists the deployment scripts of a deployed stack: each script's id (its construct path in the stack) and
logical id, its trigger, its Lambda function, the status of its last deployment (with the reason when it
failed), and whether the parameters of that deployment are recorded for 'run'.

With --local, lists the scripts of a synthesized cloud assembly instead (no AWS call): their runtime,
handler, and the environment variables and parameters only known after deployment.

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
  ${PROGRAM} run --local [--app cdk.out] [--stack STACK] --script ID [--env KEY=VALUE]...
                 [--param KEY=VALUE]... [--params-file FILE] [--python CMD] [--dry-run]

Runs a deployed script now: invokes its Lambda function with the parameters of the stack's last
deployment, resolved (as the provider recorded them, in the SSM parameter
/cdk-deployment-script/<stack name>/<script's physical id>), and the same client context a deployment
gives it, with requestType "Manual". Prints the script's result as JSON on stdout and the tail of its log
on stderr; exits 1 when the script fails.

With --local, runs a script of a synthesized cloud assembly (cdk synth) on this machine instead, as Lambda
would: its bundled code, its handler, its environment and the parameters of the template, in a child
process (node for Node.js runtimes, python3 for Python ones) with a Lambda-like context, within the
function's timeout. Values only known after deployment (references to other resources, secrets) must be
given: --env for environment variables, --param for parameters. Your own AWS credentials and region are
passed on. Nothing is deployed and no AWS call is made by the command itself.

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
  -e, --env KEY=VALUE     (--local) set or override an environment variable of the script; repeatable
  --python CMD            (--local) the Python interpreter (default: python3.X of the runtime, python3)

Examples:
  ${PROGRAM} run --stack my-stack --script migrate
  ${PROGRAM} run --stack my-stack --script seed --param count=100 --param 'tags=["demo"]'
  ${PROGRAM} run --stack my-stack --script cleanup --params-file cleanup.json --dry-run
  ${PROGRAM} run --local --script migrate --env STP_MY_DATABASE_CONNECTION_STRING=postgresql://localhost/dev

${COMMON_HELP}

${EXIT_CODES}`,
};
