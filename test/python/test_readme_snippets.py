"""Every Python snippet of README.md runs in a Python CDK app, and the app synthesizes.

A snippet of app code runs in a stack of its own with the names the README takes for granted (`self`, the
aws_cdk modules, the library's classes), as rosetta/default.ts-fixture gives them to the TypeScript snippets.
A snippet that is a whole module (the quick start's stack file) is run as a module, and each stack class it
defines is synthesized. A snippet of script code (`def handler(event, context)`, under a `# scripts/x.py`
comment) is written where its comment says, so the snippets that use it bundle the README's own script.

The snippets run in one Python process, in a fresh folder that stands for an app's root: the README's own
scripts are there, a one-line handler for each other `scripts/*.py` a snippet names, and `app/Dockerfile` for
container images. A snippet that raises, or whose app synthesizes with an error, fails its test.
"""
import json
import re
import subprocess
import sys
import traceback
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
PATH_COMMENT = re.compile(r"\A#\s*([\w./-]+\.py)\s*$", re.M)
SCRIPT_FILE = re.compile(r"""["'](scripts/[\w./-]+\.py)["']""")
# Prebuilt code a snippet names (a jar, a folder with a Go binary): what the user's own build leaves.
ASSET_PATH = re.compile(r"""Code\.from_asset\(["']([\w./-]+)["']\)""")

# What every app-code snippet may use without importing it: rosetta's Python for default.ts-fixture's imports.
FIXTURE = """
from aws_cdk import Duration, Stack
import aws_cdk.aws_apigatewayv2 as apigwv2
import aws_cdk.aws_dynamodb as dynamodb
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_rds as rds
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_secretsmanager as secretsmanager
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sqs as sqs
import aws_cdk.aws_ssm as ssm
from constructs import Construct
from cdk_deployment_script import DeploymentProviders, DeploymentScript, RunPolicy, ScriptTrigger
"""


def python_blocks():
    """(line, source) of each ```python block of the README."""
    text = README.read_text()
    for match in FENCE.finditer(text):
        if match.group(1) == "python":
            yield text.count("\n", 0, match.start()) + 1, match.group(2)


def is_script(source: str) -> bool:
    return re.search(r"^def handler\(", source, re.M) is not None


def script_files() -> dict:
    """The README's own scripts, by the path in their first-line comment."""
    files = {}
    for _, source in python_blocks():
        found = PATH_COMMENT.match(source)
        if is_script(source) and found:
            files[found.group(1)] = source
    return files


APP_SNIPPETS = [pytest.param(source, id=f"README.md:{line}") for line, source in python_blocks() if not is_script(source)]
SCRIPT_SNIPPETS = [pytest.param(source, id=f"README.md:{line}") for line, source in python_blocks() if is_script(source)]


def test_the_readme_has_python_snippets_of_both_kinds():
    assert len(APP_SNIPPETS) >= 8 and len(SCRIPT_SNIPPETS) >= 2


BROKEN = 'DeploymentScript(self, "x", trigger=ScriptTrigger.AFTER_DEPLOY, entri="scripts/x.py")\n'


def run_snippet(source: str, outdir: str) -> None:
    """Runs one app-code snippet and synthesizes its app; raises what the snippet or the synthesis raises."""
    import aws_cdk as cdk
    from aws_cdk import cx_api

    app = cdk.App(outdir=outdir)
    code = compile(source, "README snippet", "exec")
    if re.search(r"^class \w+\(Stack\):", source, re.M):
        # A whole module: run it as one, then build each stack it defines, as its app.py would.
        module: dict = {"__name__": "readme_snippet"}
        exec(code, module)
        stacks = [value for value in module.values()
                  if isinstance(value, type) and issubclass(value, cdk.Stack) and value is not cdk.Stack]
        assert stacks, "the snippet defines no stack"
        for stack_class in stacks:
            stack_class(app, stack_class.__name__)
    else:
        namespace: dict = {}
        exec(FIXTURE, namespace)
        namespace["self"] = cdk.Stack(app, "Snippet")
        exec(code, namespace)
    assembly = app.synth()
    assert assembly.stacks, "nothing synthesized"
    errors = [f"{m.id}: {m.entry.data}" for stack in assembly.stacks for m in stack.messages
              if m.level == cx_api.SynthesisMessageLevel.ERROR]
    assert not errors, errors


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict:
    """What each app-code snippet raised (None: it synthesized), run in one app folder by one Python process.

    A child process, started in the folder: relative asset paths resolve from the directory of jsii's node
    process, which starts with the first use of aws_cdk and never changes directory after.
    """
    root = tmp_path_factory.mktemp("readme-app")
    for path, source in script_files().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(source)
    for _, source in python_blocks():
        for path in SCRIPT_FILE.findall(source):
            if not (root / path).exists():
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text("def handler(event, context):\n    return {}\n")
        for path in ASSET_PATH.findall(source):
            asset = root / path
            if asset.exists():
                continue
            asset.parent.mkdir(parents=True, exist_ok=True)
            if asset.suffix in (".jar", ".zip"):
                with zipfile.ZipFile(asset, "w") as jar:
                    jar.writestr("placeholder.class", b"")
            else:
                asset.mkdir()
                (asset / "bootstrap").write_text("")
    (root / "app").mkdir()
    (root / "app" / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/busybox\n")
    snippets = {f"README.md:{line}": source for line, source in python_blocks() if not is_script(source)}
    snippets["broken"] = BROKEN
    (root / "snippets.json").write_text(json.dumps(snippets))
    result = subprocess.run([sys.executable, __file__, str(root / "snippets.json"), str(root / "outcomes.json")],
                            cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"the snippets' runner failed:\n{result.stdout}\n{result.stderr}"
    return json.loads((root / "outcomes.json").read_text())


@pytest.mark.parametrize("source", APP_SNIPPETS)
def test_snippet_synthesizes(source, outcomes, request):
    snippet_id = request.node.callspec.id
    assert snippet_id in outcomes
    if outcomes[snippet_id] is not None:
        pytest.fail(f"{snippet_id} fails in a Python app:\n{source}\n{outcomes[snippet_id]}", pytrace=False)


def test_a_broken_snippet_fails(outcomes):
    """The harness itself: a snippet that gives a prop the construct does not have must not pass."""
    assert outcomes["broken"] is not None and "entri" in outcomes["broken"]


@pytest.mark.parametrize("source", SCRIPT_SNIPPETS)
def test_script_snippet_compiles_and_names_its_file(source):
    compile(source, "README script", "exec")
    assert PATH_COMMENT.match(source), "a script snippet starts with a comment naming its file (# scripts/x.py)"


def test_contents_link_to_headings():
    """The README's links to its own headings (the contents, the quick start's pointers) lead somewhere."""
    text = README.read_text()
    outside_code = FENCE.sub("", text)
    anchors, seen = set(), {}
    for heading in re.findall(r"^#{1,6} (.+)$", outside_code, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    links = re.findall(r"\]\(#([^)]+)\)", outside_code)
    assert links
    assert [link for link in links if link not in anchors] == []


def test_examples_are_listed():
    text = README.read_text()
    for example in sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir()):
        assert f"](examples/{example})" in text, f"README.md does not link examples/{example}"


def main(snippets_file: str, outcomes_file: str) -> None:
    outcomes = {}
    for number, (snippet_id, source) in enumerate(json.loads(Path(snippets_file).read_text()).items()):
        try:
            run_snippet(source, f"cdk.out.{number}")
            outcomes[snippet_id] = None
        except Exception:  # what the snippet raised is the test's failure message
            outcomes[snippet_id] = traceback.format_exc(limit=-3)
    Path(outcomes_file).write_text(json.dumps(outcomes))


if __name__ == "__main__":
    main(*sys.argv[1:])
