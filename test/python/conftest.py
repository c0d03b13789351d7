"""Fixtures of the Python tests: the Python app's templates, its TypeScript twin's, and a place to write them."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_TS = ROOT / "test" / "python" / "run-ts.cjs"


def run_ts(module: str, *args: str) -> None:
    """Runs `main(args)` of a TypeScript module of the tests with node (see run-ts.cjs)."""
    result = subprocess.run(
        ["node", str(RUN_TS), str(ROOT / module), *args],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"node {module} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}", pytrace=False)


def read_templates(directory: Path) -> dict:
    return {path.name: json.loads(path.read_text()) for path in sorted(directory.glob("*.template.json"))}


@pytest.fixture(scope="session")
def templates_dir() -> Path:
    """Where the tests write the templates they synthesize (cfn-lint reads them there too)."""
    directory = Path(os.environ.get("TEMPLATES_DIR", ROOT / "test-reports" / "templates"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _fresh(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.template.json"):
        old.unlink()
    return directory


@pytest.fixture(scope="session")
def python_app():
    """The Python app (python_app.py), synthesized once: its stacks by name."""
    import aws_cdk as cdk

    import python_app as app_module

    app = cdk.App()
    return {stack.stack_name: stack for stack in app_module.build(app)}


@pytest.fixture(scope="session")
def python_templates(python_app, templates_dir) -> dict:
    """The Python app's templates, as `<stack>.template.json` → JSON, also written to templates_dir/python-app."""
    from aws_cdk.assertions import Template

    out = _fresh(templates_dir / "python-app")
    templates = {}
    for name, stack in python_app.items():
        template = Template.from_stack(stack).to_json()
        templates[f"{name}.template.json"] = template
        (out / f"{name}.template.json").write_text(json.dumps(template, indent=1) + "\n")
    return templates


@pytest.fixture(scope="session")
def twin_templates(templates_dir) -> dict:
    """The TypeScript twin's templates (twin/app.ts), synthesized with node into templates_dir/typescript-twin."""
    out = _fresh(templates_dir / "typescript-twin")
    run_ts("test/python/twin/app.ts", str(out))
    return read_templates(out)
