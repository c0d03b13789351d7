"""A CDK app in Python that uses DeploymentScript as a Python user would.

Its TypeScript twin is test/python/twin/app.ts: keep the two in step, construct for construct.
test_python_app.py asserts what this app synthesizes, and that it equals what the twin synthesizes.
"""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from cdk_deployment_script import AccessLevel, Connect, DeploymentScript, RunPolicy, ScriptTrigger

# The script of every DeploymentScript here: test/fixtures/python/script.py, prebuilt code.
SCRIPTS = str(Path(__file__).resolve().parents[1] / "fixtures" / "python")

# A script given as a .py entry, with a requirements.txt beside it (six), installed by pip at synth.
CHECK_SCHEMA = str(Path(__file__).resolve().parents[1] / "fixtures" / "python-entry" / "check_schema.py")

# Nested JSON types, and a camelCase key: parameters are the script's event, delivered as written.
PARAMETERS = {"n": 1, "b": True, "l": ["a", 2], "o": {"k": "v"}, "apiURL": "https://example.com/"}


def build(app: cdk.App) -> list:
    stack = cdk.Stack(app, "PythonScripts", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    bucket = s3.Bucket(stack, "myBucket")
    table = dynamodb.Table(stack, "myTable",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
    )
    queue = sqs.Queue(stack, "myQueue")

    migrate = DeploymentScript(stack, "migrate",
        trigger=ScriptTrigger.AFTER_DEPLOY,
        code=lambda_.Code.from_asset(SCRIPTS),
        handler="script.handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        parameters=PARAMETERS,
        environment={"LOG_LEVEL": "debug"},
        connect_to=[bucket, table, queue],
        timeout=cdk.Duration.minutes(5),
    )
    seed = DeploymentScript(stack, "seed",
        trigger=ScriptTrigger.AFTER_DEPLOY,
        code=lambda_.Code.from_asset(SCRIPTS),
        handler="script.handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        parameters={"table": table.table_name},
        run_after=[migrate],
        run_policy=RunPolicy.ON_SCRIPT_CHANGE,
    )
    seed.connect_to(table, name="USERS")
    ssm.StringParameter(stack, "checked", string_value=seed.get_result("checked"))

    DeploymentScript(stack, "cleanup",
        trigger=ScriptTrigger.BEFORE_DELETE,
        code=lambda_.Code.from_asset(SCRIPTS),
        handler="script.handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        connect_to=[bucket],
    )

    DeploymentScript(stack, "checkSchema",
        trigger=ScriptTrigger.AFTER_DEPLOY,
        entry=CHECK_SCHEMA,
        parameters={"table": "users"},
        # Read only: a check gets no write or delete permission.
        connect_to=[Connect.read_only(table), Connect.to(queue, access=AccessLevel.READ, name="JOBS")],
    )
    return [stack]
