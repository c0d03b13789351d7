"""A Python CDK app with DeploymentScript: what it synthesizes, and that it equals its TypeScript twin."""
import difflib
import json
import re
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from normalise import asset_hashes, normalise

SCRIPT = "Custom::DeploymentScript"
FUNCTION = "AWS::Lambda::Function"


@pytest.fixture(scope="module")
def template(python_app) -> Template:
    return Template.from_stack(python_app["PythonScripts"])


def script_resource(template: Template, construct_id: str) -> tuple:
    """The logical id and the resource of the script `construct_id`'s custom resource."""
    found = {
        logical_id: resource
        for logical_id, resource in template.find_resources(SCRIPT).items()
        if logical_id.startswith(construct_id)
    }
    assert len(found) == 1, f"expected one custom resource for {construct_id}, found {sorted(found)}"
    return next(iter(found.items()))


def test_a_script_in_python_is_prebuilt_code_with_handler_and_runtime(template):
    template.has_resource_properties(FUNCTION, {
        "Handler": "script.handler",
        "Runtime": "python3.13",
        "Code": {"S3Bucket": Match.any_value(), "S3Key": Match.string_like_regexp(r"^[0-9a-f]{64}\.zip$")},
        "Description": "cdk-deployment-script: PythonScripts/migrate (after:deploy)",
        "Timeout": 300,
    })
    # Three scripts, and the provider's runtime in Node.js beside them.
    assert len(template.find_resources(FUNCTION, {"Properties": {"Runtime": "python3.13"}})) == 3


def test_a_py_entry_runs_on_python_with_its_requirements_installed(python_app, template):
    functions = template.find_resources(FUNCTION, {"Properties": {"Handler": "check_schema.handler"}})
    assert len(functions) == 1
    (function,) = functions.values()
    assert function["Properties"]["Runtime"] == "python3.14"
    # The asset: the script's folder, and six from requirements.txt, installed by pip through the jsii kernel.
    outdir = Path(cdk.Stage.of(python_app["PythonScripts"]).outdir)
    asset = outdir / ("asset." + function["Properties"]["Code"]["S3Key"].removesuffix(".zip"))
    files = sorted(str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file())
    assert files == [
        "check_schema.py",
        "requirements.txt",
        "six-1.16.0.dist-info/LICENSE",
        "six-1.16.0.dist-info/METADATA",
        "six-1.16.0.dist-info/WHEEL",
        "six-1.16.0.dist-info/top_level.txt",
        "six.py",
    ]


def test_connect_to_sets_the_variables_and_the_permissions(template):
    template.has_resource_properties(FUNCTION, {
        "Description": Match.string_like_regexp("/migrate "),
        "Environment": {"Variables": {
            "LOG_LEVEL": "debug",
            "STP_MY_BUCKET_NAME": {"Ref": Match.string_like_regexp("^myBucket")},
            "STP_MY_BUCKET_ARN": {"Fn::GetAtt": [Match.string_like_regexp("^myBucket"), "Arn"]},
            "STP_MY_TABLE_NAME": {"Ref": Match.string_like_regexp("^myTable")},
            "STP_MY_TABLE_ARN": {"Fn::GetAtt": [Match.string_like_regexp("^myTable"), "Arn"]},
            "STP_MY_QUEUE_URL": {"Ref": Match.string_like_regexp("^myQueue")},
            "STP_MY_QUEUE_NAME": {"Fn::GetAtt": [Match.string_like_regexp("^myQueue"), "QueueName"]},
            "STP_MY_QUEUE_ARN": {"Fn::GetAtt": [Match.string_like_regexp("^myQueue"), "Arn"]},
        }},
    })
    # connect_to() with a name, as a method.
    template.has_resource_properties(FUNCTION, {
        "Description": Match.string_like_regexp("/seed "),
        "Environment": {"Variables": {"STP_USERS_NAME": {"Ref": Match.string_like_regexp("^myTable")}}},
    })
    template.has_resource_properties("AWS::IAM::Policy", {
        "PolicyDocument": {"Statement": Match.array_with([
            Match.object_like({
                "Action": "s3:ListBucket",
                "Effect": "Allow",
                "Resource": {"Fn::GetAtt": [Match.string_like_regexp("^myBucket"), "Arn"]},
            }),
        ])},
        "Roles": [{"Ref": Match.string_like_regexp("^migrateFunctionServiceRole")}],
    })


def test_connect_read_only_grants_no_write(template):
    template.has_resource_properties(FUNCTION, {
        "Handler": "check_schema.handler",
        "Environment": {"Variables": Match.object_like({
            "STP_MY_TABLE_NAME": {"Ref": Match.string_like_regexp("^myTable")},
            "STP_JOBS_URL": {"Ref": Match.string_like_regexp("^myQueue")},
        })},
    })
    policies = template.find_resources("AWS::IAM::Policy", {
        "Properties": {"Roles": [{"Ref": Match.string_like_regexp("^checkSchemaFunctionServiceRole")}]},
    })
    # The role's default policy (the connectTo statements) and the script's own log policy, nothing else.
    assert sorted(re.sub("[0-9A-F]{8}$", "", logical_id) for logical_id in policies) == [
        "checkSchemaFunctionServiceRoleDefaultPolicy", "checkSchemaLogPolicy"]
    actions_of = {
        logical_id: [a for s in policy["Properties"]["PolicyDocument"]["Statement"] for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
        for logical_id, policy in policies.items()
    }
    actions = next(a for logical_id, a in actions_of.items() if "DefaultPolicy" in logical_id)
    assert "dynamodb:Query" in actions and "sqs:GetQueueAttributes" in actions
    assert not [a for a in actions if a.split(":")[1].startswith(("Put", "Delete", "Update", "BatchWrite", "Send", "Receive", "Purge"))]
    log_actions = next(a for logical_id, a in actions_of.items() if "LogPolicy" in logical_id)
    assert sorted(log_actions) == ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def test_parameters_keep_their_json_types_and_their_keys(template):
    _, migrate = script_resource(template, "migrate")
    parameters = migrate["Properties"]["Parameters"]
    assert isinstance(parameters, str)
    # Python's True is JSON's true, and the camelCase key is not snake-cased on the way.
    assert json.loads(parameters) == {"n": 1, "b": True, "l": ["a", 2], "o": {"k": "v"}, "apiURL": "https://example.com/"}
    assert '"b":true' in parameters


def test_a_token_in_parameters_is_resolved_at_deploy_time(template):
    template.has_resource_properties(SCRIPT, {
        "Parameters": {"Fn::Join": ["", ['{"table":"', {"Ref": Match.string_like_regexp("^myTable")}, '"}']]},
    })


def test_trigger_run_policy_and_run_after(template):
    migrate_id, migrate = script_resource(template, "migrate")
    _, seed = script_resource(template, "seed")
    _, cleanup = script_resource(template, "cleanup")
    assert migrate["Properties"]["Trigger"] == "after:deploy"
    assert migrate["Properties"]["RunPolicy"] == "on-stack-change"
    assert seed["Properties"]["RunPolicy"] == "on-script-change"
    assert cleanup["Properties"]["Trigger"] == "before:delete"
    assert "RunToken" not in cleanup["Properties"]
    # run_after: the seed's custom resource is deployed after the migration's.
    assert migrate_id in seed["DependsOn"]
    assert migrate_id not in cleanup.get("DependsOn", [])


def test_a_result_is_an_attribute_of_the_script(template):
    seed_id, _ = script_resource(template, "seed")
    template.has_resource_properties("AWS::SSM::Parameter", {"Value": {"Fn::GetAtt": [seed_id, "checked"]}})


def test_the_python_app_synthesizes_what_its_typescript_twin_does(python_templates, twin_templates):
    assert sorted(python_templates) == sorted(twin_templates), "the two apps have different stacks"
    for name in sorted(python_templates):
        python, typescript = python_templates[name], twin_templates[name]
        # Identical assets (same files, same runtime bundle) give identical hashes: then nothing is normalised.
        same_assets = asset_hashes(python) == asset_hashes(typescript)
        python_n = normalise(python, run_tokens=not same_assets)
        typescript_n = normalise(typescript, run_tokens=not same_assets)
        if python_n != typescript_n:
            diff = "\n".join(difflib.unified_diff(
                json.dumps(typescript_n, indent=1, sort_keys=True).splitlines(),
                json.dumps(python_n, indent=1, sort_keys=True).splitlines(),
                f"typescript/{name}", f"python/{name}", lineterm="", n=4,
            ))
            pytest.fail(f"{name}: the Python app and its TypeScript twin differ"
                        f"{'' if same_assets else ' (asset hashes normalised)'}:\n{diff}", pytrace=False)
