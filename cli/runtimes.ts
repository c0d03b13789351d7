/**
 * The code that runs a script locally, in a child process, as Lambda's runtimes would: it loads the handler
 * from the function's code directory, calls it with the event and a Lambda-like context, and writes the
 * outcome, as one JSON document, to file descriptor 3:
 * `{"ok":true,"payload":"<the result as JSON>"}` or `{"ok":false,"error":{"errorType","errorMessage","trace"}}`.
 * The script's own output (stdout, stderr) is its log. The configuration comes on stdin, as JSON:
 * `{dir, handler, event, timeoutMs, context: {functionName, …, clientContext: {custom}}}`.
 *
 * Kept as source text, so that the bundled command line carries them; run with `node -e` and `python3 -c`.
 */

export const NODE_BOOTSTRAP = String.raw`'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
let sent = false;
function send(message) {
  if (sent) return;
  sent = true;
  fs.writeSync(3, JSON.stringify(message));
}
function errorOf(error, type) {
  const isError = error instanceof Error;
  return {
    errorType: type || (isError ? error.name : typeof error),
    errorMessage: isError ? error.message : String(error),
    trace: isError && typeof error.stack === 'string' ? error.stack.split('\n') : [],
  };
}
function named(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}
process.on('uncaughtException', (error) => { send({ ok: false, error: errorOf(error) }); process.exit(1); });
process.on('unhandledRejection', (error) => { send({ ok: false, error: errorOf(error, 'Runtime.UnhandledPromiseRejection') }); process.exit(1); });

async function load(dir, handler) {
  const slash = handler.lastIndexOf('/');
  const base = handler.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot < 1) throw named('Runtime.MalformedHandlerName', 'Bad handler ' + handler + ': it must be <file>.<function>');
  const modulePath = path.resolve(dir, handler.slice(0, slash + 1) + base.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => modulePath + ext).find((f) => fs.existsSync(f));
  if (!file) throw named('Runtime.ImportModuleError', "Error: Cannot find module '" + path.relative(dir, modulePath) + "'");
  let mod;
  if (file.endsWith('.mjs')) {
    mod = await import(pathToFileURL(file).href);
  } else {
    try {
      mod = require(file);
    } catch (error) {
      if (!error || error.code !== 'ERR_REQUIRE_ESM') throw error;
      mod = await import(pathToFileURL(file).href);
    }
  }
  let fn = mod;
  for (const name of base.slice(dot + 1).split('.')) fn = fn == null ? undefined : fn[name];
  if (typeof fn !== 'function') throw named('Runtime.HandlerNotFound', base + ' is undefined or not exported');
  return fn;
}

async function main(config) {
  process.chdir(config.dir);
  let fn;
  try {
    fn = await load(config.dir, config.handler);
  } catch (error) {
    send({ ok: false, error: errorOf(error, error && /^Runtime\./.test(error.name) ? error.name : 'Runtime.ImportModuleError') });
    return process.exit(0);
  }
  const deadline = Date.now() + config.timeoutMs;
  const c = config.context;
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
    done: (error, result) => (error ? context.fail(error) : context.succeed(result)),
    succeed: (result) => finish(result),
    fail: (error) => { send({ ok: false, error: errorOf(error) }); process.exit(0); },
  };
  let result;
  try {
    result = await new Promise((resolve, reject) => {
      const callback = (error, value) => (error ? reject(error) : resolve(value));
      const returned = fn(config.event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (fn.length < 3) resolve(returned);
    });
  } catch (error) {
    send({ ok: false, error: errorOf(error) });
    return process.exit(0);
  }
  finish(result);
}

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

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  main(JSON.parse(Buffer.concat(chunks).toString('utf8'))).catch((error) => {
    send({ ok: false, error: errorOf(error) });
    process.exit(1);
  });
});
`;

export const PYTHON_BOOTSTRAP = String.raw`
import importlib, json, os, sys, time, traceback

config = json.loads(sys.stdin.read())


def send(message):
    os.write(3, json.dumps(message).encode("utf-8"))


def error_of(error, error_type=None):
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != "<string>"]
    return {
        "errorType": error_type or type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_list(frames),
    }


class ClientContext:
    def __init__(self, custom):
        self.custom = custom
        self.env = None
        self.client = None


class Context:
    def __init__(self, c, deadline):
        self.function_name = c["functionName"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = c["invokedFunctionArn"]
        self.memory_limit_in_mb = str(c["memoryLimitInMB"])
        self.aws_request_id = c["awsRequestId"]
        self.log_group_name = c["logGroupName"]
        self.log_stream_name = c["logStreamName"]
        self.identity = None
        self.client_context = ClientContext(c["clientContext"]["custom"])
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))

    def log(self, message):
        sys.stdout.write(str(message))


def main():
    os.chdir(config["dir"])
    sys.path.insert(0, config["dir"])
    handler = config["handler"]
    if "." not in handler:
        return send({"ok": False, "error": {"errorType": "Runtime.MalformedHandlerName", "errorMessage": "Bad handler '%s': it must be <module>.<function>" % handler, "stackTrace": []}})
    module_name, function_name = handler.rsplit(".", 1)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as error:
        error_info = error_of(error, "Runtime.ImportModuleError")
        error_info["errorMessage"] = "Unable to import module '%s': %s" % (module_name, error)
        return send({"ok": False, "error": error_info})
    fn = getattr(module, function_name, None)
    if not callable(fn):
        return send({"ok": False, "error": {"errorType": "Runtime.HandlerNotFound", "errorMessage": "Handler '%s' missing on module '%s'" % (function_name, module_name), "stackTrace": []}})
    context = Context(config["context"], time.time() + config["timeoutMs"] / 1000.0)
    try:
        result = fn(config["event"], context)
    except Exception as error:
        return send({"ok": False, "error": error_of(error)})
    try:
        payload = json.dumps(result)
    except Exception as error:
        return send({"ok": False, "error": error_of(error, "Runtime.MarshalError")})
    send({"ok": True, "payload": payload})


main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
`;
