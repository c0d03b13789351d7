# Runs a Python script locally, in a child process, as Lambda's Python runtime would (the command line's
# `run --local`, cli/lambda-local.ts): it imports the handler from the function's code directory, calls it with the
# event and a Lambda-like context, and writes the outcome, as one JSON document, to file descriptor 3:
# {"ok": true, "payload": "<the result as JSON>"} or {"ok": false, "error": {"errorType", "errorMessage", "stackTrace"}}.
# The script's own output is its log. The configuration comes on stdin, as JSON (see cli/bootstrap/node.cjs).
#
# scripts/bundle-cli.mjs puts this file's text into the bundled command line, which runs it with `python3 -c`
# (so its frames are "<string>", left out of a script's trace): the standard library only.
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
