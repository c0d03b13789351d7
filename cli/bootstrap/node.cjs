// @ts-check
/*
 * Runs a Node.js script locally, in a child process, as Lambda's Node.js runtime would (the command line's
 * `run --local`, cli/lambda-local.ts): it loads the handler from the function's code directory, calls it with the
 * event and a Lambda-like context, and writes the outcome, as one JSON document, to file descriptor 3:
 * `{"ok":true,"payload":"<the result as JSON>"}` or `{"ok":false,"error":{"errorType","errorMessage","trace"}}`.
 * The script's own output (stdout, stderr) is its log. The configuration comes on stdin, as JSON:
 * `{dir, handler, event, timeoutMs, context: {functionName, …, clientContext: {custom}}}`.
 *
 * scripts/bundle-cli.mjs puts this file's text into the bundled command line, which runs it with `node -e`: it
 * must stand alone (node's own modules only).
 */
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
/**
 * @typedef {{ errorType: string, errorMessage: string, trace: string[] }} ErrorInfo
 * @typedef {{ ok: true, payload: string } | { ok: false, error: ErrorInfo }} Message
 * @typedef {{ functionName: string, invokedFunctionArn: string, memoryLimitInMB: number, awsRequestId: string,
 *   logGroupName: string, logStreamName: string, clientContext: unknown }} ContextConfig
 * @typedef {{ dir: string, handler: string, event: unknown, timeoutMs: number, context: ContextConfig }} Config
 * @typedef {(event: unknown, context: object, callback: (error: unknown, value?: unknown) => void) => unknown} Handler
 */

let sent = false;
/** @param {Message} message */
function send(message) {
  if (sent) return;
  sent = true;
  fs.writeSync(3, JSON.stringify(message));
}
/**
 * @param {unknown} error
 * @param {string} [type]
 * @returns {ErrorInfo}
 */
function errorOf(error, type) {
  const isError = error instanceof Error;
  return {
    errorType: type || (isError ? error.name : typeof error),
    errorMessage: isError ? error.message : String(error),
    trace: isError && typeof error.stack === 'string' ? error.stack.split('\n') : [],
  };
}
/**
 * @param {string} name
 * @param {string} message
 */
function named(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}
process.on('uncaughtException', (error) => { send({ ok: false, error: errorOf(error) }); process.exit(1); });
process.on('unhandledRejection', (error) => { send({ ok: false, error: errorOf(error, 'Runtime.UnhandledPromiseRejection') }); process.exit(1); });

/**
 * @param {string} dir
 * @param {string} handler
 * @returns {Promise<Handler>}
 */
async function load(dir, handler) {
  const slash = handler.lastIndexOf('/');
  const base = handler.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot < 1) throw named('Runtime.MalformedHandlerName', 'Bad handler ' + handler + ': it must be <file>.<function>');
  const modulePath = path.resolve(dir, handler.slice(0, slash + 1) + base.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => modulePath + ext).find((f) => fs.existsSync(f));
  if (!file) throw named('Runtime.ImportModuleError', "Error: Cannot find module '" + path.relative(dir, modulePath) + "'");
  /** @type {any} */
  let mod;
  if (file.endsWith('.mjs')) {
    mod = await import(pathToFileURL(file).href);
  } else {
    try {
      mod = require(file);
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error)?.code !== 'ERR_REQUIRE_ESM') throw error;
      mod = await import(pathToFileURL(file).href);
    }
  }
  let fn = mod;
  for (const name of base.slice(dot + 1).split('.')) fn = fn == null ? undefined : fn[name];
  if (typeof fn !== 'function') throw named('Runtime.HandlerNotFound', base + ' is undefined or not exported');
  return fn;
}

/** @param {Config} config */
async function main(config) {
  process.chdir(config.dir);
  /** @type {Handler} */
  let fn;
  try {
    fn = await load(config.dir, config.handler);
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    send({ ok: false, error: errorOf(error, /^Runtime\./.test(name) ? name : 'Runtime.ImportModuleError') });
    return process.exit(0);
  }
  const deadline = Date.now() + config.timeoutMs;
  const c = config.context;
  /** @type {Record<string, unknown> & { succeed(result: unknown): void, fail(error: unknown): void }} */
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: c.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: String(c.memoryLimitInMB),
    awsRequestId: c.awsRequestId,
    logGroupName: c.logGroupName,
    logStreamName: c.logStreamName,
    identity: undefined,
    clientContext: c.clientContext,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (/** @type {unknown} */ error, /** @type {unknown} */ result) => (error ? context.fail(error) : context.succeed(result)),
    succeed: (/** @type {unknown} */ result) => finish(result),
    fail: (/** @type {unknown} */ error) => { send({ ok: false, error: errorOf(error) }); process.exit(0); },
  };
  let result;
  try {
    result = await new Promise((resolve, reject) => {
      /** @type {(error: unknown, value?: unknown) => void} */
      const callback = (error, value) => (error ? reject(error) : resolve(value));
      const returned = /** @type {any} */ (fn(config.event, context, callback));
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (fn.length < 3) resolve(returned);
    });
  } catch (error) {
    send({ ok: false, error: errorOf(error) });
    return process.exit(0);
  }
  finish(result);
}

/** @param {unknown} result */
function finish(result) {
  let payload;
  try {
    payload = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    send({ ok: false, error: errorOf(error, 'Runtime.MarshalError') });
    return process.exit(0);
  }
  send({ ok: true, payload });
  process.exit(0);
}

/** @type {Buffer[]} */
const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  main(JSON.parse(Buffer.concat(chunks).toString('utf8'))).catch((error) => {
    send({ ok: false, error: errorOf(error) });
    process.exit(1);
  });
});
