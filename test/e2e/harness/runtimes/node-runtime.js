'use strict';
/**
 * Lambda's Node.js runtime for one invocation, as the harness runs it in a child process: loads the handler
 * from LAMBDA_TASK_ROOT as `_HANDLER` names it, formats console output as the runtime does (text:
 * `<time>\t<request id>\t<LEVEL>\t<message>` with the message's newlines as `\r`; JSON when the function's
 * LoggingConfig says so, filtered by its application log level), calls the handler with the event and a
 * context (client context decoded, remaining time counting down to the timeout), and writes the outcome to
 * fd 3: the payload, or the error as the runtime reports it (`{errorType, errorMessage, trace}`, and the
 * `Invoke Error` log line). The parent process owns the timeout and the START/END/REPORT lines.
 *
 * Warm (`--warm`), as a Lambda sandbox kept between invocations: the handler's module stays loaded; each outcome is
 * one line on fd 3, after which the runtime reads the next invocation's file name from stdin (one a line).
 *
 * Usage: node node-runtime.js <invocation.json> [--warm]
 */
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { pathToFileURL } = require('node:url');

const warm = process.argv[3] === '--warm';
const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };
const realNow = Date.now;
let invocation, requestId, jsonLogs, minLevel, started, finished;

/** Takes up an invocation: what the log lines, the clock and the context of this one say. */
function begin(file) {
  invocation = JSON.parse(fs.readFileSync(file, 'utf8'));
  requestId = invocation.requestId;
  jsonLogs = invocation.logFormat === 'JSON';
  minLevel = jsonLogs ? LEVELS[String(invocation.applicationLogLevel || 'INFO').toUpperCase()] ?? LEVELS.INFO : LEVELS.TRACE;
  started = Date.now();
  finished = false;
}
begin(process.argv[2]);
// The harness's clock (lambda.ts, HarnessClock): waits it skips (a waiter's retry interval) move the function's
// Date.now() on, so that a deadline an earlier invocation computed passes as it would have in Lambda.
if (invocation.clockOffsetMs || warm) Date.now = () => realNow() + (invocation.clockOffsetMs || 0);

function write(level, message) {
  if (LEVELS[level] < minLevel) return;
  const timestamp = new Date().toISOString();
  const line = jsonLogs
    ? JSON.stringify({ timestamp, level, requestId, message })
    : `${timestamp}\t${requestId}\t${level}\t${message.replace(/\n/g, '\r')}`;
  process.stdout.write(line + '\n');
}

for (const [method, level] of [['trace', 'TRACE'], ['debug', 'DEBUG'], ['info', 'INFO'], ['log', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['fatal', 'FATAL']]) {
  console[method] = (...args) => write(level, util.format(...args));
}

/** The runtime's error payload (Errors.toRapidResponse). */
function toRapidResponse(error) {
  if (error instanceof Error || (error && typeof error === 'object' && 'stack' in error && 'message' in error)) {
    return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/** The runtime's log form of an error (Errors.toFormatted). */
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => {
      if (value instanceof Error) {
        const out = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
        if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
        return out;
      }
      return value;
    });
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

function finish(outcome) {
  if (finished) return;
  finished = true;
  const text = JSON.stringify({ ...outcome, durationMs: Date.now() - started });
  if (!warm) {
    fs.writeSync(3, text);
    fs.closeSync(3);
    return;
  }
  fs.writeSync(3, `${text}\n`);
  waitForNext();
}

/** Warm: the next invocation's file, from stdin, which holds the process only meanwhile: a callback handler's empty event loop still tells. */
let stdinLines;
function waitForNext() {
  if (!stdinLines) {
    stdinLines = require('node:readline').createInterface({ input: process.stdin });
    stdinLines.on('line', (file) => {
      stdinLines.pause();
      process.stdin.unref();
      begin(file);
      void run();
    });
    stdinLines.on('close', () => process.exit(0));
  }
  process.stdin.ref();
  stdinLines.resume();
}

function fail(kind, error, rapid = toRapidResponse(error)) {
  console.error(kind, toFormatted(error));
  finish({ functionError: 'Unhandled', payload: JSON.stringify(rapid) });
}

function succeed(result) {
  let payload;
  try {
    payload = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    fail('Invoke Error', error, { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${error.message}`, trace: [] });
    return;
  }
  finish({ payload });
}

process.on('uncaughtException', (error) => {
  fail('Uncaught Exception', error);
  process.exit(129);
});
process.on('unhandledRejection', (reason) => {
  const error = new Error(`${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`);
  error.name = 'Runtime.UnhandledPromiseRejection';
  fail('Unhandled Promise Rejection', error);
  process.exit(128);
});

async function loadHandler() {
  const handlerString = process.env._HANDLER;
  const root = process.env.LAMBDA_TASK_ROOT;
  const dot = handlerString.lastIndexOf('.');
  const moduleName = handlerString.slice(0, dot);
  const functionPath = handlerString.slice(dot + 1).split('.');
  const base = path.resolve(root, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) {
    const error = new Error(`Cannot find module '${moduleName}'\nRequire stack:\n- /var/runtime/index.mjs`);
    error.name = 'Runtime.ImportModuleError';
    throw error;
  }
  let module;
  try {
    module = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  } catch (error) {
    if (error && error.code === 'ERR_REQUIRE_ESM') {
      module = await import(pathToFileURL(file).href);
    } else {
      const wrapped = new Error(`${error && error.name}: ${error && error.message}`);
      wrapped.name = 'Runtime.UserCodeSyntaxError';
      if (!(error instanceof SyntaxError)) wrapped.name = 'Runtime.ImportModuleError';
      wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${String(error && error.stack).split('\n').slice(1).join('\n')}`;
      throw wrapped;
    }
  }
  let handler = module;
  for (const key of functionPath) handler = handler == null ? undefined : handler[key];
  if (typeof handler !== 'function') {
    const error = new Error(`${handlerString} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return handler;
}

function createContext() {
  const clientContext = invocation.clientContext ? JSON.parse(invocation.clientContext) : undefined;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: invocation.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext,
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadline - realNow()),
  };
  return context;
}

let loaded;
async function run() {
  let handler;
  try {
    loaded ??= loadHandler();
    handler = await loaded;
  } catch (error) {
    fail('Init Error', error);
    if (warm) process.exit(1);
    return;
  }
  const event = JSON.parse(invocation.payload);
  const context = createContext();
  // A callback handler answers when it calls back (after the event loop empties, unless told not to wait); one
  // that neither calls back nor returns a promise answers null once the event loop is empty.
  let called;
  const deliver = () => {
    if (called && called.error !== undefined && called.error !== null) fail('Invoke Error', called.error);
    else succeed(called ? called.result : null);
  };
  const callback = (error, result) => {
    if (called) return;
    called = { error, result };
    if (!context.callbackWaitsForEmptyEventLoop) deliver();
  };
  context.done = callback;
  context.succeed = (result) => callback(null, result);
  context.fail = (error) => callback(error || 'handled');
  try {
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') {
      returned.then(succeed, (error) => fail('Invoke Error', error));
    } else {
      process.once('beforeExit', deliver);
    }
  } catch (error) {
    fail('Invoke Error', error);
  }
}
void run();
