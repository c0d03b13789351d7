"""The `cdk-deployment-script` command of the installed wheel: node runs the command line's bundle in the command's own
process (scripts/python-launcher.py), with no jsii kernel, and its arguments, stdin, output, exit code and signals are
node's.

Every run has a stand-in `jsii` module first on PYTHONPATH that leaves a marker when imported: the jsii kernel cannot
start without it (nor can the package's __init__, which loads the assembly into a kernel).
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = Path(sys.executable).parent / "cdk-deployment-script"
FIXTURE_SCRIPTS = Path(__file__).resolve().parents[1] / "fixtures" / "python"


@pytest.fixture()
def run(tmp_path):
    """Runs the command with the stand-in jsii, and fails the test if anything imported it."""
    shadow = tmp_path / "shadow"
    (shadow / "jsii").mkdir(parents=True)
    marker = tmp_path / "jsii-imported"
    (shadow / "jsii" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise ImportError('the command imported jsii')\n")

    def run_command(*args: str, env: dict = None, **kwargs) -> subprocess.CompletedProcess:
        environment = {**os.environ, "PYTHONPATH": str(shadow), "NO_COLOR": "1", **(env or {})}
        result = subprocess.run([str(COMMAND), *args], env=environment, capture_output=True, text=True,
                                timeout=60, check=False, **kwargs)
        assert not marker.exists(), f"the command imported jsii: {result.stderr}"
        return result

    return run_command


@pytest.fixture()
def fake_node(tmp_path) -> Path:
    """A `node` (given as JSII_NODE) that reports its pid, arguments and stdin, then does what FAKE_NODE says."""
    node = tmp_path / "fake-node"
    node.write_text("""#!/bin/sh
echo "pid $$"
for arg in "$@"; do printf 'arg <%s>\\n' "$arg"; done
echo "stdin <$(cat)>"
echo "to stderr" >&2
case "$FAKE_NODE" in
  exit=*) exit "${FAKE_NODE#exit=}" ;;
  signal=*) kill -s "${FAKE_NODE#signal=}" $$ ;;
esac
""")
    node.chmod(0o755)
    return node


def test_the_wheel_installs_the_launcher_and_the_bundle_beside_the_assembly():
    assert COMMAND.is_file(), f"{COMMAND}: the wheel installed no command"
    text = COMMAND.read_text()
    assert "os.execvp" in text and "invokeBinScript" not in text
    import importlib.util

    package = Path(importlib.util.find_spec("cdk_deployment_script").submodule_search_locations[0])
    bundle = package / "_jsii" / "bin" / "cdk-deployment-script.js"
    assert bundle.read_text().startswith("#!/usr/bin/env node")


def test_help_answers_without_the_jsii_kernel(run):
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("cdk-deployment-script: ")
    assert "Usage:" in result.stdout and "list --local" in result.stdout


def test_a_wrong_command_line_exits_2(run):
    result = run("--no-such-option")
    assert result.returncode == 2
    assert "--no-such-option" in result.stderr
    assert result.stdout == ""


@pytest.fixture(scope="module")
def synthesized_app(tmp_path_factory) -> str:
    """A cloud assembly with two scripts, synthesized by this Python (through the jsii kernel, as an app is)."""
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    from cdk_deployment_script import DeploymentScript, ScriptTrigger

    app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    stack = cdk.Stack(app, "CommandApp", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    for script_id, trigger in (("migrate", ScriptTrigger.AFTER_DEPLOY), ("cleanup", ScriptTrigger.BEFORE_DELETE)):
        DeploymentScript(stack, script_id, trigger=trigger, code=lambda_.Code.from_asset(str(FIXTURE_SCRIPTS)),
                         handler="script.handler", runtime=lambda_.Runtime.PYTHON_3_13)
    return app.synth().directory


def test_list_local_lists_the_scripts_of_a_synthesized_app(run, synthesized_app, tmp_path):
    result = run("list", "--local", "--app", synthesized_app, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # One row per script: STACK SCRIPT KIND LOGICAL-ID TRIGGER …
    rows = {cells[1]: cells for cells in map(str.split, result.stdout.splitlines()) if cells and cells[0] == "CommandApp"}
    assert rows["migrate"][4] == "after:deploy" and rows["cleanup"][4] == "before:delete", result.stdout


def test_list_local_of_a_folder_without_an_assembly_exits_3(run, tmp_path):
    result = run("list", "--local", "--app", str(tmp_path / "no-cdk.out"), cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stderr


def test_node_replaces_the_command_and_gets_its_arguments_and_stdin_unchanged(fake_node):
    arguments = ["run", "--param", "a b=c 'd' \"e\"", "", "--env", "$HOME", "ü"]
    process = subprocess.Popen([str(COMMAND), *arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "JSII_NODE": str(fake_node), "PYTHONPATH": "/nonexistent"})
    stdout, stderr = process.communicate("from stdin", timeout=60)
    assert process.returncode == 0, stderr
    lines = stdout.splitlines()
    # exec: node runs in the process the caller started, so signals sent to it and its exit status are node's.
    assert lines[0] == f"pid {process.pid}"
    assert lines[1] == "arg <-->"
    assert lines[2].startswith("arg <") and lines[2].endswith("/cdk_deployment_script/_jsii/bin/cdk-deployment-script.js>")
    assert lines[3:-1] == [f"arg <{a}>" for a in arguments]
    assert lines[-1] == "stdin <from stdin>"
    assert stderr == "to stderr\n"


def test_a_missing_env_file_is_the_commands_to_report_not_nodes(run, synthesized_app, tmp_path):
    # node itself exits 9 ("node: FILE: not found") on an `--env-file` it finds among its arguments, even after the
    # script's path, unless `--` comes first.
    result = run("run", "--local", "--app", synthesized_app, "--script", "migrate", "--env-file", "no-such.env",
                 cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert "cannot read --env-file no-such.env" in result.stderr


@pytest.mark.parametrize("code", [1, 3, 4, 42])
def test_the_exit_code_is_nodes(run, fake_node, code):
    result = run("list", env={"JSII_NODE": str(fake_node), "FAKE_NODE": f"exit={code}"}, input="")
    assert result.returncode == code


def test_a_signal_that_ends_node_ends_the_command(run, fake_node):
    result = run("logs", "--follow", env={"JSII_NODE": str(fake_node), "FAKE_NODE": "signal=TERM"}, input="")
    assert result.returncode == -signal.SIGTERM


def test_without_node_it_names_the_versions_and_exits_127(run, tmp_path):
    result = run("--help", env={"PATH": str(tmp_path / "empty"), "JSII_NODE": ""})
    assert result.returncode == 127
    assert "cannot run 'node'" in result.stderr and "Node.js 22 or 24" in result.stderr
    assert result.stdout == ""
