import { Duration, Lazy, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as consts from '../lambda-runtime/shared/consts';
import { DeploymentScriptBase } from './deployment-script-base';
import { DeploymentScriptOptions } from './deployment-script-options';
import { DeploymentScriptProvider } from './private/provider';
import { pythonEntryFunction, validatePythonEntry } from './private/python-entry';
import { checkNodeEntry } from './private/node-entry';
import { shimHandler, withNodeShim } from './private/credentials-shim';
import { parametersSizeError } from './private/parameters';
import { LAMBDA_SCRIPT, ScriptRef } from './private/script-ref';
import {
  bindAll, Bindings, inferVpc, stackChildrenOf, validateInputs, validateTriggerAndPolicy, withdraw,
} from './private/script-support';
import { PythonBundlingOptions } from './python-bundling-options';
import { dropLambdaManagedPolicies, lambdaLogGroupStatement, logStatement, vpcAccessStatement } from './private/lambda-logs';
import { ScriptPolicies, suppressPinnedRuntime, suppressScriptFindings } from './private/nag';

/**
 * Properties of a `DeploymentScript`.
 *
 * Give either `entry` (a TypeScript or JavaScript file, bundled with esbuild, or a Python file) or `code` with
 * `handler` and `runtime` (prebuilt code for any Lambda runtime).
 */
export interface DeploymentScriptProps extends DeploymentScriptOptions {
  /**
   * The script's entry file: a `.ts` or `.js` file, bundled with esbuild by `NodejsFunction`; or a `.py` file, run
   * on a Python runtime, whose asset is the file's folder (see `pythonBundling`: what it includes, and the
   * `requirements.txt` beside the file, installed at synth). A relative path is resolved from the current directory.
   *
   * @default - none: give `code` instead
   */
  readonly entry?: string;

  /**
   * The name of the exported handler. With a `.ts`/`.js` `entry`, the exported function's name (use `'default'` for
   * `export default`); with a `.py` `entry`, the function's name in the file (`'main'` is `<file>.main`), or with a
   * dot, Lambda's handler string as it is; with `code`, Lambda's handler string (e.g. `'script.handler'`).
   *
   * @default 'handler' with `entry` (`<file>.handler` with a `.py` entry); required with `code`
   */
  readonly handler?: string;

  /**
   * Bundling options for an `entry` script. With `sourceMap: true`, the script's environment gets
   * `NODE_OPTIONS=--enable-source-maps` (unless `environment` sets `NODE_OPTIONS`), so that a stack trace names the
   * script's own files, in Lambda and with `run --local`.
   *
   * @default - NodejsFunction's defaults: minified off, source maps off, the AWS SDK v3 not bundled
   */
  readonly bundling?: nodejs.BundlingOptions;

  /**
   * The lock file of the `entry` script's dependencies.
   *
   * @default - the nearest `package-lock.json`, `yarn.lock`, `pnpm-lock.yaml` or `bun.lockb` above the entry
   */
  readonly depsLockFilePath?: string;

  /**
   * The project root of an `entry` script.
   *
   * @default - the directory of the lock file
   */
  readonly projectRoot?: string;

  /**
   * How a `.py` `entry` is packaged: files left out, Docker, pip's environment.
   *
   * @default - the folder less Python's caches and `.venv`; a `requirements.txt` beside the file installed by pip on
   * this machine when there is one, else in Docker
   */
  readonly pythonBundling?: PythonBundlingOptions;

  /**
   * The script's prebuilt code, for a script in any language (give `handler` and `runtime` with it).
   *
   * @default - none: give `entry` instead
   */
  readonly code?: lambda.Code;

  /**
   * The Lambda runtime of the script. Required with `code`; with a `.py` `entry`, a Python runtime.
   *
   * @default Runtime.NODEJS_24_X with a `.ts`/`.js` `entry`; Runtime.PYTHON_3_14 with a `.py` `entry`
   */
  readonly runtime?: lambda.Runtime;

  /**
   * Memory of the script's function. Lambda gives CPU in proportion.
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * The size of the script's `/tmp`.
   *
   * @default Size.mebibytes(512)
   */
  readonly ephemeralStorageSize?: Size;

  /**
   * The instruction set of the script's function.
   *
   * @default Architecture.X86_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Whether the security group created for the script allows all outbound traffic. Only with `vpc` and
   * without `securityGroups`.
   *
   * @default true
   */
  readonly allowAllOutbound?: boolean;

  /**
   * The log group of the script. Several scripts may share one.
   *
   * @default - Lambda's own `/aws/lambda/<function name>`, kept forever (or see `logRetention`)
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the script's logs are kept. Creates a log group for the script, retained when the stack is
   * deleted so that the logs of a `BEFORE_DELETE` run survive.
   *
   * @default - logs are kept forever
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The execution role of the script's function.
   *
   * @default - a new role that may write the script's logs
   */
  readonly role?: iam.IRole;

  /**
   * The customer-managed KMS key that encrypts the script function's environment variables at rest.
   *
   * @default - Lambda's AWS-managed key (`aws/lambda`)
   */
  readonly environmentEncryption?: kms.IKey;

  /**
   * Whether the script's result is secret: the runtime stores it as an SSM `SecureString` and answers CloudFormation
   * with `NoEcho`, so that the attributes are masked in CloudFormation's API and console and in the Provider
   * framework's log. `getResult` still passes them to other resources; a resource that shows its properties (an
   * output, a tag, a function's environment) shows them.
   *
   * @default false
   */
  readonly secretResult?: boolean;

  /**
   * A description of the script's function.
   *
   * @default - one naming the construct and its trigger
   */
  readonly description?: string;
}

/**
 * Runs your code as part of a CloudFormation deployment: after every resource of the stack is deployed
 * (`ScriptTrigger.AFTER_DEPLOY`; a failure fails the deployment and rolls the stack back), or before the
 * stack's resources are deleted (`ScriptTrigger.BEFORE_DELETE`; a failure never blocks deletion).
 *
 * The script is a Lambda function; a custom resource, served by one provider per stack, invokes it.
 */
export class DeploymentScript extends DeploymentScriptBase {
  /** The longest timeout a script may have: the Provider framework waits for it 15 minutes at most. */
  public static readonly MAX_TIMEOUT = Duration.seconds(consts.MAX_SCRIPT_TIMEOUT_SECONDS);

  /** Whether `x` is a `DeploymentScript`. */
  public static isDeploymentScript(x: any): x is DeploymentScript {
    return x !== null && typeof x === 'object' && SCRIPT_SYMBOL in x;
  }

  /** The script's function. */
  public readonly scriptFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: DeploymentScriptProps) {
    // Checked before the construct joins the tree: bad input leaves nothing behind.
    const script = ScriptRef.of(LAMBDA_SCRIPT, scope, id);
    const { bindings, vpc } = validateProps(script, scope, props);
    const before = stackChildrenOf(scope);
    super(scope, id, props);
    Object.defineProperty(this, SCRIPT_SYMBOL, { value: true });
    try {
      this.scriptFunction = this.build(script, props, bindings, vpc);
    } catch (error) {
      // What only aws-cdk-lib checks (or esbuild finds) fails here: the script leaves the tree as it found it.
      withdraw(this, before);
      throw error;
    }
  }

  /** Creates the script's function and custom resource; returns the function. */
  private build(script: ScriptRef, props: DeploymentScriptProps, bindings: Bindings, vpc: ec2.IVpc | undefined): lambda.Function {
    const timeout = script.timeoutOf(props.timeout);

    const logGroup = props.logGroup ?? (props.logRetention !== undefined
      ? new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention })
      : undefined);

    const common: lambda.FunctionOptions = {
      description: props.description ?? `cdk-deployment-script: ${this.node.path} (${props.trigger})`,
      timeout,
      memorySize: props.memorySize ?? 1024,
      ephemeralStorageSize: props.ephemeralStorageSize,
      architecture: props.architecture,
      environment: { ...props.environment },
      environmentEncryption: props.environmentEncryption,
      initialPolicy: props.iamRoleStatements,
      vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      allowAllOutbound: props.allowAllOutbound,
      logGroup,
      role: props.role,
    };
    // An entry script connected to a database whose credentials it reads when it runs gets the library's shim as its
    // handler, which fills them in and calls the script's own (named in its environment).
    const shim = props.entry !== undefined && bindings.some(([, binding]) => binding.runTimeCredentials !== undefined);
    const manifest: { [secretArnVariable: string]: string[] } = {};
    if (shim) {
      (common.environment as { [key: string]: string })[consts.CREDENTIALS_ENV] = Lazy.string({ produce: () => JSON.stringify(manifest) });
    }
    const withShim = <T extends { readonly handler: string }>(fn: T, language: 'node' | 'python'): T => {
      if (!shim) { return fn; }
      (common.environment as { [key: string]: string })[consts.SCRIPT_HANDLER_ENV] = fn.handler;
      return { ...fn, handler: shimHandler(language) };
    };
    // Source maps bundled are of use only when Node.js reads them: NODE_OPTIONS as aws-cdk-lib's NodejsFunction docs
    // have the user set it, unless the script sets NODE_OPTIONS itself. run --local passes it on, as Lambda does.
    const nodeEntry = props.entry !== undefined && !props.entry.endsWith('.py');
    if (nodeEntry && props.bundling?.sourceMap === true && props.environment?.NODE_OPTIONS === undefined) {
      (common.environment as { [key: string]: string }).NODE_OPTIONS = '--enable-source-maps';
    }
    const nodeHandler = props.handler ?? 'handler';
    const scriptFunction = props.entry?.endsWith('.py')
      ? new lambda.Function(this, 'Function', { ...common, ...withShim(pythonEntryFunction(this, props, shim), 'python') })
      : props.entry !== undefined ? new nodejs.NodejsFunction(this, 'Function', {
        ...common,
        entry: props.entry,
        // NodejsFunction takes a handler with a dot as it is.
        ...withShim({ handler: shim && !nodeHandler.includes('.') ? `index.${nodeHandler}` : nodeHandler }, 'node'),
        runtime: props.runtime ?? lambda.Runtime.NODEJS_24_X,
        bundling: shim ? withNodeShim(props.bundling) : props.bundling,
        depsLockFilePath: props.depsLockFilePath,
        projectRoot: props.projectRoot,
      })
      : new lambda.Function(this, 'Function', {
        ...common,
        code: props.code!,
        handler: props.handler!,
        runtime: props.runtime!,
      });

    if (props.entry !== undefined && props.runtime === undefined) {
      suppressPinnedRuntime(scriptFunction, "The script's default runtime");
    }
    const ownPolicies = props.role === undefined ? this.scopeRole(scriptFunction, logGroup, vpc !== undefined) : {};
    suppressScriptFindings(scriptFunction, ownPolicies);

    const provider = DeploymentScriptProvider.of(this);
    this._start(script, {
      vpc,
      grantPrincipal: scriptFunction.grantPrincipal,
      role: scriptFunction.role,
      connections: () => {
        if (!scriptFunction.isBoundToVpc) {
          throw new Error(`${script.where} is not in a VPC, so it has no security group to connect: give it a 'vpc'.`);
        }
        return scriptFunction.connections;
      },
      addToRolePolicy: (statement) => scriptFunction.addToRolePolicy(statement),
      setVariable: (key, value) => scriptFunction.addEnvironment(key, value),
      addRunTimeCredentials: (credentials, nameOf, target) => {
        if (props.entry !== undefined && !shim) {
          script.fail(`connectTo(${target.node.path}) gives the script the database's credentials when it runs, which takes code the library adds to the script's bundle `
            + "when it is created. List the database in the 'connectTo' prop instead, or, to have CloudFormation embed them in the function's configuration, "
            + "wrap it in a DatabaseTarget with credentials: DatabaseCredentials.EMBEDDED.");
        }
        // Prebuilt code reads the secret itself (SECRET_ARN) and fills the placeholders.
        if (shim) { manifest[nameOf(credentials.secretArnVariable)] = credentials.filled.map(nameOf); }
      },
    }, {
      serviceToken: provider.serviceToken,
      resourceType: consts.RESOURCE_TYPE,
      properties: {
        first: { [consts.PROP_FUNCTION_NAME]: scriptFunction.functionName },
        // Without it, the runtime reports Lambda's own log group of the function.
        then: {
          ...logGroup ? { [consts.PROP_LOG_GROUP_NAME]: logGroup.logGroupName } : {},
          ...props.secretResult ? { [consts.PROP_SECRET_RESULT]: 'true' } : {},
        },
      },
      timeout,
      register: (entry) => provider.register(entry, scriptFunction, ownPolicies.logPolicy),
      bindings,
    });
    const parameters = props.parameters ?? {};
    this.node.addValidation({ validate: () => [parametersSizeError(script, Stack.of(this), parameters)].filter((e): e is string => e !== undefined) });
    return scriptFunction;
  }

  /**
   * The role aws-cdk-lib created for the script's function gets, instead of AWSLambdaBasicExecutionRole and
   * AWSLambdaVPCAccessExecutionRole, statements on the script's own log group and, in a VPC, the network interface
   * actions Lambda needs, in policies of their own (the role's default policy holds the user's and `connectTo`'s
   * statements). Returns the policies.
   */
  private scopeRole(scriptFunction: lambda.Function, logGroup: logs.ILogGroup | undefined, inVpc: boolean): ScriptPolicies {
    const role = scriptFunction.role;
    if (!role) { return {}; }
    dropLambdaManagedPolicies(role);
    let vpcPolicy: iam.Policy | undefined;
    if (inVpc) {
      // Lambda creates the function's network interfaces with the role: the function waits for the policy.
      vpcPolicy = new iam.Policy(this, 'VpcAccessPolicy', { roles: [role], statements: [vpcAccessStatement()] });
      scriptFunction.node.defaultChild!.node.addDependency(vpcPolicy);
    }
    const logPolicy = new iam.Policy(this, 'LogPolicy', {
      roles: [role],
      statements: [logGroup ? logStatement(logGroup.logGroupArn) : lambdaLogGroupStatement(scriptFunction)],
    });
    return { logPolicy, vpcPolicy };
  }

  /**
   * Adds an environment variable to the script. Throws if the variable is already set or its name is
   * reserved.
   */
  public addEnvironment(key: string, value: string): DeploymentScript {
    this._addEnvironment(key, value);
    return this;
  }

  /**
   * An attribute of the script's result: the value of `key` in the JSON object the script returned (a
   * string; other values JSON-encoded). Use it in other resources to pass on what the script created.
   */
  public getResult(key: string): string {
    return this._getResult(key, 'the object the script returns');
  }
}

const SCRIPT_SYMBOL = Symbol.for('cdk-deployment-script.DeploymentScript');

/** Checks the props that must be right before anything is created; returns the bindings and the script's VPC. */
function validateProps(script: ScriptRef, scope: Construct, props: DeploymentScriptProps): { bindings: Bindings; vpc?: ec2.IVpc } {
  const fail = (message: string): never => script.fail(message);
  validateTriggerAndPolicy(script, props);
  if (props.entry !== undefined && props.code !== undefined) {
    fail(`both 'entry' (${props.entry}) and 'code' are given. Give 'entry' for a script bundled with esbuild, or 'code' with 'handler' and 'runtime' for prebuilt code, not both.`);
  }
  if (props.entry === undefined && props.code === undefined) {
    fail("neither 'entry' nor 'code' is given. Give 'entry' (a .ts or .js file, bundled with esbuild) or 'code' with 'handler' and 'runtime' (prebuilt code in any language).");
  }
  if (props.code !== undefined) {
    if (props.handler === undefined) {
      fail("'code' is given without 'handler'. Add the handler Lambda calls, e.g. handler: 'script.handler'.");
    }
    if (props.runtime === undefined) {
      fail("'code' is given without 'runtime'. Add the Lambda runtime of the code, e.g. runtime: Runtime.PYTHON_3_13.");
    }
  }
  if (props.entry?.endsWith('.py') || props.pythonBundling !== undefined) {
    validatePythonEntry(script, scope, props);
  }
  if (props.entry?.endsWith('.py')) {
    // checked above
  } else if (props.entry !== undefined) {
    if (props.runtime !== undefined && props.runtime.family !== lambda.RuntimeFamily.NODEJS) {
      fail(`'runtime' is ${props.runtime.name} with 'entry', which is bundled for Node.js. Use a Node.js runtime, or give prebuilt 'code' for ${props.runtime.name}.`);
    }
  } else {
    for (const key of ['bundling', 'depsLockFilePath', 'projectRoot'] as const) {
      if (props[key] !== undefined) { fail(`'${key}' is given without 'entry': it only applies to a script bundled from 'entry'. Remove it.`); }
    }
  }
  if (props.timeout !== undefined && !Token.isUnresolved(props.timeout.toMilliseconds())) {
    const milliseconds = props.timeout.toMilliseconds();
    if (milliseconds > consts.MAX_SCRIPT_TIMEOUT_SECONDS * 1000) {
      fail(`'timeout' is ${props.timeout.toHumanString()}, over the ${consts.MAX_SCRIPT_TIMEOUT_SECONDS / 60} minutes a script may run (the Provider framework waits 15 minutes at most). `
        + `Lower it, split the work into scripts that runAfter one another, or run it as a DeploymentTask, which may run ${consts.MAX_TASK_TIMEOUT_SECONDS / 60} minutes.`);
    }
    if (milliseconds < 1000 || milliseconds % 1000 !== 0) {
      fail(`'timeout' is ${props.timeout.toHumanString()}: Lambda takes a whole number of seconds, 1 at least. Give e.g. Duration.minutes(5).`);
    }
  }
  if (props.memorySize !== undefined && !Token.isUnresolved(props.memorySize)
    && (!Number.isInteger(props.memorySize) || props.memorySize < 128 || props.memorySize > 10240)) {
    fail(`'memorySize' is ${props.memorySize}. Lambda gives a function 128 to 10240 MB: give a whole number of MB in that range.`);
  }
  const storageMiB = props.ephemeralStorageSize?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (storageMiB !== undefined && !Token.isUnresolved(storageMiB) && (storageMiB < 512 || storageMiB > 10240)) {
    fail(`'ephemeralStorageSize' is ${storageMiB} MiB. Lambda gives a function's /tmp 512 to 10240 MiB: give a size in that range.`);
  }
  if (props.logGroup !== undefined && props.logRetention !== undefined) {
    fail("both 'logGroup' and 'logRetention' are given. Set the retention on your log group, or give only 'logRetention' to have one created.");
  }
  if (props.vpc === undefined) {
    for (const key of ['vpcSubnets', 'securityGroups', 'allowAllOutbound'] as const) {
      if (props[key] !== undefined) { fail(`'${key}' is given without 'vpc'. Give the VPC the script runs in, or remove '${key}'.`); }
    }
  }
  if (props.securityGroups !== undefined && props.allowAllOutbound !== undefined) {
    fail("both 'securityGroups' and 'allowAllOutbound' are given. Configure outbound rules on your security groups instead.");
  }
  if (props.entry !== undefined && !props.entry.endsWith('.py')) {
    checkNodeEntry(script, scope, { entry: props.entry, depsLockFilePath: props.depsLockFilePath, bundling: props.bundling });
  }
  const bindings = bindAll(props.connectTo, script);
  const vpc = props.vpc ?? inferVpc(script, bindings);
  validateInputs(script, scope, props, { bindings, vpc });
  DeploymentScriptProvider.existingIn(Stack.of(scope));
  return { bindings, vpc };
}
