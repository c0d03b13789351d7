/**
 * Lambda, locally: each invocation of a function runs its handler from its code directory in a child process
 * (Node.js for `nodejs*` runtimes, python3 for `python*`), with the environment Lambda gives it, and answers as
 * Lambda's Invoke does: the handler's JSON result; for an error `X-Amz-Function-Error: Unhandled` and the
 * runtime's error payload; the whole log of the invocation (`START`, the function's output with the runtime's
 * line prefixes, `END`, `REPORT`), of which `LogType: Tail` returns the last 4 KB; and at the function's
 * `Timeout`, the process killed and `Sandbox.Timedout` returned.
 *
 * A fresh process per invocation: every invocation is a cold start, which Lambda may always do. With `keepWarm`, a
 * Node.js function's process stays after it answered, as Lambda keeps a sandbox, and takes the function's next
 * invocation when idle (a busy one gets another, as concurrent invocations do): its modules, clients and connections
 * loaded once. An update of the function, its deletion and `close()` end them.
 *
 * Faults below the function's code: `kill` ends the process of each of the next invocations as it starts (SIGKILL, as
 * Lambda ends a sandbox that ran out of memory), `hang` stops it (SIGSTOP: a function blocked on a call that never
 * returns, until its `Timeout`). Either applies to every invocation until `revive` (or `count` of them): the harness
 * does not replay Lambda's two retries of a failed asynchronous invocation, so a fault meant to outlast them applies to
 * every invocation, as a function that fails on every attempt does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { outcome, type LambdaOutcome, type RecordedInvocation, type ScriptBehaviour } from '../../support/fake-aws';

const ROOT = join(__dirname, '..', '..', '..');
const RUNTIMES = join(__dirname, 'runtimes');

/** Lambda's limits on a synchronous invocation's request and response. */
export const MAX_PAYLOAD_BYTES = 6_291_456;
export const MAX_RESPONSE_BYTES = 6_291_556;
/** Lambda's limit on the environment variables of a function. */
export const MAX_ENVIRONMENT_BYTES = 4096;

const RESERVED_VARIABLES = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export interface FunctionConfiguration {
  readonly functionName: string;
  readonly functionArn: string;
  /** The region the function is in (`AWS_REGION`). */
  readonly region: string;
  /** `module.function`, as Lambda's `Handler`. */
  readonly handler: string;
  /** Lambda's runtime identifier, e.g. `nodejs22.x`, `python3.13`. */
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The function's own variables (`Environment.Variables`), resolved. */
  readonly environment: Readonly<Record<string, string>>;
  /** The directory Lambda would extract the deployment package to (`/var/task`). */
  readonly codeDirectory: string;
  /** `LoggingConfig.LogFormat`. @default 'Text' */
  readonly logFormat?: string;
  /** `LoggingConfig.ApplicationLogLevel` (JSON format only). */
  readonly applicationLogLevel?: string;
  readonly logGroupName: string;
  /** The function's logical id in its stack, for messages. */
  readonly logicalId?: string;
}

/** One invocation, as it ran. */
export interface Invocation {
  readonly functionName: string;
  readonly logicalId?: string;
  readonly requestId: string;
  readonly invocationType: string;
  /** The event, as sent. */
  readonly payload: string;
  /** The client context, decoded. */
  readonly clientContext?: unknown;
  /** What Invoke returned as the payload. */
  readonly response: string;
  /** `X-Amz-Function-Error`, when the function failed. */
  readonly functionError?: string;
  /** The whole log of the invocation, from `START` to `REPORT`. */
  readonly log: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  /** The error's type, when the function failed. */
  errorType(): string | undefined;
}

/**
 * The harness's time: real time plus the waits it skipped. A Step Functions waiter's retry interval (10 s between
 * two questions whether a task has stopped) passes at once, and every function invoked afterwards sees its
 * `Date.now()` moved on by it, as a function invoked that much later would.
 */
export class HarnessClock {
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Lets `ms` pass without waiting. */
  skip(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface LambdaEmulatorOptions {
  /** Where invocation files and logs go. */
  readonly workDirectory: string;
  /** Variables every function gets beside Lambda's own: credentials, endpoints, trusted CAs. */
  readonly baseEnvironment: () => Record<string, string>;
  readonly region: () => string;
}

/** A function's process: one invocation's, or a warm one's that takes several. */
interface Sandbox {
  readonly child: ChildProcess;
  /** Where its output goes: an invocation's log is what it wrote meanwhile. */
  readonly logFile: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The next outcome it writes on fd 3 (one a line when warm; the whole of it otherwise); undefined once fd 3 ended. */
  next(): Promise<string | undefined>;
}

export class LambdaEmulator {
  /** Every invocation that ran, in the order they finished. */
  readonly invocations: Invocation[] = [];
  /** The time functions see. */
  readonly clock = new HarnessClock();
  /** Whether Node.js functions' processes stay between invocations (see above). */
  keepWarm = false;
  private readonly idle = new Map<string, Sandbox[]>();
  private readonly functions = new Map<string, FunctionConfiguration>();
  private readonly faults = new Map<string, LambdaOutcome[]>();
  private readonly processFaults = new Map<string, { kind: 'kill' | 'hang'; remaining: number }>();
  private readonly sdkPath: string;

  constructor(private readonly options: LambdaEmulatorOptions) {
    // The AWS SDK for JavaScript v3 is part of Lambda's Node.js runtimes (/var/runtime/node_modules), and
    // nothing else is: only its packages are put on NODE_PATH, so that a script that forgot to bundle a
    // dependency fails here as it would in Lambda.
    this.sdkPath = join(options.workDirectory, 'lambda-runtime-node_modules');
    mkdirSync(this.sdkPath, { recursive: true });
    for (const scope of ['@aws-sdk', '@smithy']) {
      const link = join(this.sdkPath, scope);
      if (!existsSync(link)) symlinkSync(join(ROOT, 'node_modules', scope), link, 'dir');
    }
  }

  /** Creates (or updates) a function, as CloudFormation's `AWS::Lambda::Function` does; throws Lambda's errors. */
  register(config: FunctionConfiguration): void {
    if (!config.runtime.startsWith('nodejs') && !config.runtime.startsWith('python')) {
      throw new Error(`the harness runs nodejs* and python* functions, not ${config.runtime} (${config.functionName})`);
    }
    const reserved = Object.keys(config.environment).filter((key) => RESERVED_VARIABLES.has(key));
    if (reserved.length > 0) {
      throw new Error(`InvalidParameterValueException: Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`);
    }
    const size = Object.entries(config.environment).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (size > MAX_ENVIRONMENT_BYTES) {
      throw new Error(`InvalidParameterValueException: Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${size} bytes`);
    }
    checkNoNodeModulesAbove(config.codeDirectory);
    this.functions.set(config.functionName, config);
    this.endIdle(config.functionName);
  }

  /** Deletes a function: invoking it answers ResourceNotFoundException. */
  unregister(functionName: string): void {
    this.functions.delete(functionName);
    this.faults.delete(functionName);
    this.processFaults.delete(functionName);
    this.endIdle(functionName);
  }

  /** Ends the warm processes: when the harness closes. */
  close(): void {
    for (const name of [...this.idle.keys()]) this.endIdle(name);
  }

  /** The function a name, ARN or partial ARN designates. */
  find(nameOrArn: string): FunctionConfiguration | undefined {
    return this.functions.get(functionKey(nameOrArn));
  }

  /** Answers the next Invoke requests for the function with these service errors, before running it again. */
  injectFaults(functionName: string, ...outcomes: LambdaOutcome[]): void {
    this.faults.set(functionKey(functionName), [...this.faults.get(functionKey(functionName)) ?? [], ...outcomes]);
  }

  /**
   * The next `count` invocations of the function (all of them by default) are killed as their process starts: Invoke
   * reports `Runtime.ExitError` (signal: killed), and nothing the function would have done happens.
   */
  kill(functionName: string, count = Infinity): void {
    this.processFaults.set(functionKey(functionName), { kind: 'kill', remaining: count });
  }

  /**
   * The next `count` invocations of the function (all of them by default) hang as their process starts: nothing happens
   * until the function's `Timeout` ends it (`Sandbox.Timedout`), or the caller aborts the invocation.
   */
  hang(functionName: string, count = Infinity): void {
    this.processFaults.set(functionKey(functionName), { kind: 'hang', remaining: count });
  }

  /** Ends `kill` and `hang`: the next invocations run. */
  revive(functionName: string): void {
    this.processFaults.delete(functionKey(functionName));
  }

  /** The invocations of one function. */
  invocationsOf(functionName: string): Invocation[] {
    const key = functionKey(functionName);
    return this.invocations.filter((i) => i.functionName === key);
  }

  /** How the fake AWS endpoint answers Invoke: by running the function. */
  readonly behaviour: ScriptBehaviour = async (request: RecordedInvocation): Promise<LambdaOutcome> => {
    const config = this.find(request.functionName);
    if (!config) {
      return outcome.serviceError(404, 'ResourceNotFoundException', `Function not found: arn:aws:lambda:${this.options.region()}:123456789012:function:${functionKey(request.functionName)}`);
    }
    const fault = this.faults.get(config.functionName)?.shift();
    if (fault) return fault;
    if (request.payload.length > MAX_PAYLOAD_BYTES) {
      return outcome.serviceError(413, 'RequestTooLargeException', `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`);
    }
    const payload = request.payload.length === 0 ? '{}' : request.payload.toString('utf8');
    try {
      JSON.parse(payload);
    } catch {
      return outcome.serviceError(400, 'InvalidRequestContentException', 'Could not parse request body into json: Could not parse payload into json');
    }
    const invocation = await this.invoke(config.functionName, payload, {
      requestId: request.requestId,
      invocationType: request.invocationType,
      clientContext: request.clientContext,
    });
    return outcome.emulated(invocation.response, invocation.log, invocation.functionError);
  };

  /** Runs one invocation of a function. */
  async invoke(functionName: string, payload: string, options: InvokeOptions = {}): Promise<Invocation> {
    const config = this.find(functionName);
    if (!config) throw new Error(`ResourceNotFoundException: Function not found: ${functionName}`);
    const requestId = options.requestId ?? randomUUID();
    const dir = join(this.options.workDirectory, 'invocations');
    mkdirSync(dir, { recursive: true });
    const invocationFile = join(dir, `${requestId}.json`);
    const logFile = join(dir, `${requestId}.log`);
    const start = Date.now();
    const deadline = start + config.timeoutSeconds * 1000;
    writeFileSync(invocationFile, JSON.stringify({
      requestId,
      payload,
      clientContext: options.clientContext === undefined ? null : JSON.stringify(options.clientContext),
      deadline,
      clockOffsetMs: this.clock.offsetMs,
      invokedFunctionArn: config.functionArn,
      logFormat: config.logFormat ?? 'Text',
      // E2E_HARNESS_LOG_ALL=1 keeps what a function's log level would drop: to see why a framework call failed.
      applicationLogLevel: process.env.E2E_HARNESS_LOG_ALL ? 'TRACE' : config.applicationLogLevel,
    }));

    const node = config.runtime.startsWith('nodejs');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      LAMBDA_TASK_ROOT: config.codeDirectory,
      LAMBDA_RUNTIME_DIR: RUNTIMES,
      _HANDLER: config.handler,
      AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: config.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: config.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: `${new Date(start).toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
      AWS_REGION: config.region,
      AWS_DEFAULT_REGION: config.region,
      ...this.options.baseEnvironment(),
      ...(node ? {
        NODE_PATH: [this.sdkPath, config.codeDirectory].join(':'),
        // Lambda runs nodejs22.x and later on Node.js 22+, where the SDK has nothing to warn about; this machine's
        // Node.js may be older, and the warning would land in every log tail.
        ...(Number(process.versions.node.split('.')[0]) < 22 ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } : {}),
      } : { PYTHONPATH: config.codeDirectory, PYTHONDONTWRITEBYTECODE: '1' }),
      ...config.environment,
    };
    const [command, args] = node
      ? [process.execPath, [join(RUNTIMES, 'node-runtime.js'), invocationFile]]
      : ['python3', ['-u', join(RUNTIMES, 'python_runtime.py'), invocationFile]];

    const warm = this.keepWarm && node;
    let sandbox = warm ? this.idle.get(config.functionName)?.shift() : undefined;
    // Where this invocation's output starts in the process's log: taken before the process has the invocation, which
    // a warm one may run and log at once, before this process is scheduled again.
    let logStart = 0;
    if (sandbox) {
      logStart = statSync(sandbox.logFile).size;
      sandbox.child.stdin!.write(`${invocationFile}\n`);
    } else {
      sandbox = startSandbox(command, warm ? [...args, '--warm'] : args, config.codeDirectory, env, warm ? join(dir, `sandbox-${requestId}.log`) : logFile, warm);
    }
    const { child, exited } = sandbox;
    const fault = this.takeProcessFault(config.functionName);
    if (fault === 'kill') child.kill('SIGKILL');
    if (fault === 'hang') child.kill('SIGSTOP');
    const abort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', abort, { once: true });
    if (options.signal?.aborted) abort();
    type Settled = { kind: 'result'; message: { payload: string; functionError?: string } } | { kind: 'timeout' } | { kind: 'exit'; code: number | null; signal: string | null };
    const settled = await new Promise<Settled>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, deadline - Date.now()));
      void sandbox.next().then((text) => {
        if (text) {
          clearTimeout(timer);
          resolve({ kind: 'result', message: JSON.parse(text) });
          return;
        }
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          resolve({ kind: 'exit', code, signal });
        });
      });
    });
    options.signal?.removeEventListener('abort', abort);
    const alive = child.exitCode === null && child.signalCode === null;
    if (warm && alive && settled.kind === 'result') {
      // Lambda freezes the sandbox when the handler answers, and may hand it the next invocation.
      this.idle.set(config.functionName, [...this.idle.get(config.functionName) ?? [], sandbox]);
    } else {
      // The harness ends the process (and its log).
      if (alive) child.kill('SIGKILL');
      await exited;
    }
    const durationMs = Date.now() - start;

    let response: string;
    let functionError: string | undefined;
    let platformError = '';
    const timestamp = new Date().toISOString();
    if (settled.kind === 'result') {
      response = settled.message.payload;
      functionError = settled.message.functionError;
      if (Buffer.byteLength(response, 'utf8') > MAX_RESPONSE_BYTES) {
        response = JSON.stringify({ errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, errorType: 'Function.ResponseSizeTooLarge' });
        functionError = 'Unhandled';
      }
    } else if (settled.kind === 'timeout') {
      const seconds = config.timeoutSeconds.toFixed(2);
      response = JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds` });
      functionError = 'Unhandled';
      platformError = `${timestamp} ${requestId} Task timed out after ${seconds} seconds\n`;
    } else {
      const status = settled.signal ? `signal: ${settled.signal === 'SIGKILL' ? 'killed' : settled.signal}` : `exit status ${settled.code}`;
      response = JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${status}` });
      functionError = 'Unhandled';
      platformError = `RequestId: ${requestId} Error: Runtime exited with error: ${status}\nRuntime.ExitError\n`;
    }

    const output = readFileSync(sandbox.logFile).subarray(logStart).toString('utf8');
    const json = (config.logFormat ?? 'Text') === 'JSON';
    const status = settled.kind === 'timeout' ? 'timeout' : settled.kind === 'exit' ? 'error' : undefined;
    const report = `Duration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${config.memorySize} MB\tMax Memory Used: 64 MB`;
    const log = json
      ? `${JSON.stringify({ time: new Date(start).toISOString(), type: 'platform.start', record: { requestId, version: '$LATEST' } })}\n` +
        output + platformError +
        `${JSON.stringify({ time: timestamp, type: 'platform.report', record: { requestId, metrics: { durationMs, billedDurationMs: Math.ceil(durationMs), memorySizeMB: config.memorySize, maxMemoryUsedMB: 64 }, ...(status ? { status } : {}) } })}\n`
      : `START RequestId: ${requestId} Version: $LATEST\n` +
        output + (output === '' || output.endsWith('\n') ? '' : '\n') + platformError +
        `END RequestId: ${requestId}\n` +
        `REPORT RequestId: ${requestId}\t${report}\t${status ? `Status: ${status}\t` : ''}\n`;

    const invocation: Invocation = {
      functionName: config.functionName,
      logicalId: config.logicalId,
      requestId,
      invocationType: options.invocationType ?? 'RequestResponse',
      payload,
      clientContext: options.clientContext,
      response,
      functionError,
      log,
      durationMs,
      timedOut: settled.kind === 'timeout',
      errorType: () => {
        if (!functionError) return undefined;
        try {
          return JSON.parse(response).errorType;
        } catch {
          return undefined;
        }
      },
    };
    this.invocations.push(invocation);
    return invocation;
  }

  private endIdle(functionName: string): void {
    for (const sandbox of this.idle.get(functionName) ?? []) sandbox.child.kill('SIGKILL');
    this.idle.delete(functionName);
  }

  private takeProcessFault(functionName: string): 'kill' | 'hang' | undefined {
    const fault = this.processFaults.get(functionName);
    if (!fault) return undefined;
    if (--fault.remaining <= 0) this.processFaults.delete(functionName);
    return fault.kind;
  }
}

export interface InvokeOptions {
  readonly requestId?: string;
  readonly invocationType?: string;
  readonly clientContext?: unknown;
  /** Ends the invocation's process when aborted (it is reported as killed): for a caller that stopped waiting. */
  readonly signal?: AbortSignal;
}

/** Starts a function's process, its output to `logFile`, its outcomes read from fd 3. */
function startSandbox(command: string, args: string[], cwd: string, env: Record<string, string>, logFile: string, warm: boolean): Sandbox {
  const logFd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env, stdio: [warm ? 'pipe' : 'ignore', logFd, logFd, 'pipe'] });
  closeSync(logFd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  child.stdin?.on('error', () => undefined); // a process that died meanwhile: its exit tells
  const outcomes: Array<string | undefined> = [];
  const readers: Array<(text: string | undefined) => void> = [];
  const deliver = (text: string | undefined) => {
    const reader = readers.shift();
    if (reader) reader(text);
    else outcomes.push(text);
  };
  let pending = '';
  child.stdio[3]!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    if (!warm) return;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      deliver(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  });
  child.stdio[3]!.on('end', () => {
    if (pending) deliver(pending);
    pending = '';
    deliver(undefined);
  });
  return {
    child,
    logFile,
    exited,
    next: () => (outcomes.length > 0 ? Promise.resolve(outcomes.shift()) : new Promise((resolve) => readers.push(resolve))),
  };
}

/** The key a function is known by: its name, whether given as a name, an ARN or a partial ARN. */
export function functionKey(nameOrArn: string): string {
  const afterFunction = /(?:^|:)function:(.+)$/.exec(nameOrArn)?.[1] ?? nameOrArn;
  return afterFunction.split(':')[0];
}

/**
 * Lambda has only the deployment package and its runtime's modules: a package directory inside a project
 * would let Node.js find the project's node_modules and hide a missing dependency. Synthesize elsewhere.
 */
function checkNoNodeModulesAbove(directory: string): void {
  for (let dir = dirname(directory); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) {
      throw new Error(`the code of a function is in ${directory}, below ${dir}, which has a node_modules that Lambda would not have: synthesize the app into a directory outside the project (e.g. under os.tmpdir())`);
    }
  }
}
