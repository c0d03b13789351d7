"""Lambda's Python runtime for one invocation, as the harness runs it in a child process.

Imports the handler from LAMBDA_TASK_ROOT as _HANDLER names it, installs the runtime's logging format
(``[LEVEL]\\t<time>\\t<request id>\\t<message>``; print() output is left as it is), calls the handler with the
event and a context (``client_context.custom`` decoded, ``get_remaining_time_in_millis`` counting down to
the timeout), and writes the outcome to fd 3: the payload, or the error as the runtime reports it
(``{errorMessage, errorType, requestId, stackTrace}``, and the ``[ERROR]`` log lines). The parent process
owns the timeout and the START/END/REPORT lines.

Usage: python3 -u python_runtime.py <invocation.json>
"""
import importlib
import json
import logging
import os
import sys
import time
import traceback

START = time.time()

with open(sys.argv[1], encoding="utf-8") as f:
    INVOCATION = json.load(f)
REQUEST_ID = INVOCATION["requestId"]


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = REQUEST_ID
        return True


def install_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.formatter.converter = time.gmtime
    handler.terminator = ""
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    root.handlers = [handler]


class CognitoIdentity:
    cognito_identity_id = None
    cognito_identity_pool_id = None


class Client:
    def __init__(self, client):
        self.installation_id = client.get("installation_id")
        self.app_title = client.get("app_title")
        self.app_version_name = client.get("app_version_name")
        self.app_version_code = client.get("app_version_code")
        self.app_package_name = client.get("app_package_name")


class ClientContext:
    def __init__(self, value):
        self.client = Client(value["client"]) if value.get("client") else None
        self.custom = value.get("custom")
        self.env = value.get("env")


class LambdaContext:
    def __init__(self):
        self.aws_request_id = REQUEST_ID
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = INVOCATION["invokedFunctionArn"]
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = CognitoIdentity()
        raw = INVOCATION.get("clientContext")
        self.client_context = ClientContext(json.loads(raw)) if raw else None

    def get_remaining_time_in_millis(self):
        return max(0, int(INVOCATION["deadline"] - time.time() * 1000))


def finish(outcome):
    outcome["durationMs"] = int((time.time() - START) * 1000)
    with os.fdopen(3, "w", encoding="utf-8") as out:
        out.write(json.dumps(outcome))


def report_error(error_type, message, stack_trace):
    """The runtime's error: one log event (lines joined with \\r on stdout) and the payload."""
    description = "[ERROR] " + (f"{error_type}: {message}" if message else error_type)
    lines = [description, "Traceback (most recent call last):"]
    for element in stack_trace:
        lines += element.splitlines() if element else [""]
    sys.stdout.write("\r".join(lines) + "\n")
    payload = {"errorMessage": message, "errorType": error_type, "requestId": REQUEST_ID, "stackTrace": stack_trace}
    finish({"functionError": "Unhandled", "payload": json.dumps(payload)})


def user_error(error):
    frames = traceback.extract_tb(error.__traceback__)
    # The runtime's own frames are not the user's: drop this file's.
    frames = [frame for frame in frames if frame.filename != __file__]
    report_error(type(error).__name__, str(error), traceback.format_list(frames))


def main():
    install_logging()
    handler_string = os.environ["_HANDLER"]
    module_name, _, function_name = handler_string.rpartition(".")
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        report_error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}", [])
        return
    except SyntaxError as error:
        report_error("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}", [])
        return
    handler = getattr(module, function_name, None)
    if handler is None:
        report_error("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'", [])
        return
    try:
        result = handler(json.loads(INVOCATION["payload"]), LambdaContext())
    except Exception as error:  # the runtime reports any exception the handler raises
        user_error(error)
        return
    try:
        payload = json.dumps(result)
    except (TypeError, ValueError) as error:
        report_error("Runtime.MarshalError", f"Unable to marshal response: {error}", [])
        return
    finish({"payload": payload})


main()
