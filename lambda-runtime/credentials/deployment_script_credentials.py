"""The handler of a Python script connected to a database with credentials read at run time.

Fills the connection strings in os.environ from the database's secret (one GetSecretValue per secret and run),
then calls the script's own handler, named by DEPLOYMENT_SCRIPT_HANDLER. Added by cdk-deployment-script to the
script's asset; the same rules as lambda-runtime/credentials/fill.ts. It logs nothing: a failure is raised, naming
the secret and the cause, never a value.
"""
import importlib
import json
import os
import re
from urllib.parse import quote

CREDENTIALS_ENV = "DEPLOYMENT_SCRIPT_CREDENTIALS"
SCRIPT_HANDLER_ENV = "DEPLOYMENT_SCRIPT_HANDLER"
USERNAME_PLACEHOLDER = "${username}"
PASSWORD_PLACEHOLDER = "${password}"

HINTS = {
    "ResourceNotFoundException": "the secret does not exist (deleted, or scheduled for deletion)",
    "InvalidRequestException": "the secret cannot be read now (scheduled for deletion?)",
    "AccessDeniedException": "the script's role may not read it: connectTo grants secretsmanager:GetSecretValue "
    "and kms:Decrypt on the secret's key; a policy denies it",
    "DecryptionFailure": "the secret's KMS key cannot decrypt it: is the key disabled, or does its key policy deny "
    "the script's role?",
    "KMSDisabledException": "the secret's KMS key is disabled",
}


class DatabaseAccessError(Exception):
    """Why the credentials could not be given: names the secret and the cause, never a value."""


_client = None
_templates = {}
_handler = None


def escape_for(template, value):
    if template.startswith("sqlserver://") or template.startswith("jdbc:sqlserver:"):
        return "{" + value.replace("}", "}}") + "}" if re.search(r"[;{}=\s]", value) else value
    if template.startswith("jdbc:oracle:"):
        return value if re.fullmatch(r"[A-Za-z0-9_$#]*", value) else '"' + value + '"'
    # encodeURIComponent's set: what stays as it is in a URL's user information and a query value
    return quote(value, safe="-_.!~*'()")


def fill_template(template, username, password):
    return (template.replace(USERNAME_PLACEHOLDER, escape_for(template, username))
            .replace(PASSWORD_PLACEHOLDER, escape_for(template, password)))


def _read_secret(secret_id):
    global _client
    if _client is None:
        import boto3  # in every Lambda Python runtime
        _client = boto3.client("secretsmanager")
    return _client.get_secret_value(SecretId=secret_id).get("SecretString")


def secret_label(secret_id):
    """How messages name a secret: its name, then its ARN (see fill.ts)."""
    match = re.search(r":secret:(.+?)(?:-[A-Za-z0-9]{6})?$", secret_id)
    return f"'{match.group(1)}' ({secret_id})" if match else f"'{secret_id}'"


def _error_name(error):
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return code
    return type(error).__name__


def fill_credentials(env, read_secret=None):
    read_secret = read_secret or _read_secret
    manifest = json.loads(env.get(CREDENTIALS_ENV) or "{}")
    for arn_variable, variables in manifest.items():
        secret_id = env.get(arn_variable)
        names = ", ".join(variables)
        if not secret_id:
            raise DatabaseAccessError(f"{arn_variable}, the database secret of {names}, is not set")
        try:
            secret_string = read_secret(secret_id)
        except Exception as error:  # the service's error: its name and message hold no secret value
            name = _error_name(error)
            hint = f" ({HINTS[name]})" if name in HINTS else ""
            raise DatabaseAccessError(
                f"could not read the database secret {secret_label(secret_id)} for {names}: {name}: {error}{hint}") from None
        try:
            secret = json.loads(secret_string or "")
        except ValueError:
            secret = None
        if not isinstance(secret, dict):
            raise DatabaseAccessError(
                f"the database secret {secret_label(secret_id)} does not hold a JSON object (its SecretString), "
                "so it gives no user and password") from None
        for key in ("username", "password"):
            if not isinstance(secret.get(key), str):
                raise DatabaseAccessError(f"the database secret {secret_label(secret_id)} has no '{key}' string among its JSON keys")
        for variable in variables:
            template = _templates.setdefault(variable, env.get(variable, ""))
            env[variable] = fill_template(template, secret["username"], secret["password"])


def _script_handler():
    global _handler
    if _handler is None:
        name = os.environ.get(SCRIPT_HANDLER_ENV, "")
        module_name, _, function = name.rpartition(".")
        if not module_name:
            raise DatabaseAccessError(f"{SCRIPT_HANDLER_ENV} is {name!r}, not '<module>.<function>'")
        _handler = getattr(importlib.import_module(module_name), function)
    return _handler


def handler(event, context):
    fill_credentials(os.environ)
    return _script_handler()(event, context)
