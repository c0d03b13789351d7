"""cfn-lint over every template the tests and examples synthesize: no error, and no warning on the library's
own custom resources. Other warnings are reported (pytest's warnings summary), not failed.

Two groups of templates, each its own test:
- "stacks": the Python app and its TypeScript twin, and the stacks of test/lint/stacks.ts (every prop, run
  policy, ordering, VPC, BEFORE_DELETE, connectTo targets, the cdk-nag example stack);
- "jest": every template the jest tests read, dumped by test/support/dump-templates.ts into the directories
  listed in CFN_LINT_TEMPLATE_DIRS (colon-separated; scripts/test.sh sets it). Skipped without it.
The configuration, with the rules ignored and why, is .cfnlintrc.yaml at the root.
"""
import json
import os
import re
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, run_ts

SCRIPT_TYPE = "Custom::DeploymentScript"
# E3006 "Resource type 'X' does not exist in <region>" cannot apply to a third-party type of the CloudFormation
# registry (MongoDB::Atlas::DatabaseUser, which connectTo of a MongoDB Atlas cluster creates): cfn-lint knows
# AWS's own types only, and a third-party type exists in an account once it is activated there.
NOT_APPLICABLE = re.compile(r"^Resource type '(?!AWS::|Custom::)[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+' does not exist in ")


@pytest.fixture(scope="module")
def groups(templates_dir, python_templates, twin_templates) -> dict:
    out = templates_dir / "lint"
    for old in out.glob("*.template.json"):
        old.unlink()
    run_ts("test/lint/stacks.ts", str(out))
    listed = [Path(d) for d in os.environ.get("CFN_LINT_TEMPLATE_DIRS", "").split(":") if d]
    found = {
        "stacks": [templates_dir / "python-app", templates_dir / "typescript-twin", out],
        "jest": listed,
    }
    return {name: sorted(str(f.resolve()) for d in dirs for f in d.glob("*.template.json")) for name, dirs in found.items()}


@pytest.fixture(scope="module")
def matches(groups) -> list:
    """cfn-lint's findings over all the templates, in one run (it takes seconds to start)."""
    files = [f for group in groups.values() for f in group]
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--format", "json", "--", *files],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    # cfn-lint exits with a bit mask of the levels it found (2 errors, 4 warnings, 8 informational); 1 is a crash.
    if result.returncode & 1 or not result.stdout.strip():
        pytest.fail(f"cfn-lint did not run ({result.returncode}):\n{result.stdout}\n{result.stderr}", pytrace=False)
    out = json.loads(result.stdout)
    for match in out:
        match["Filename"] = str(Path(ROOT, match["Filename"]).resolve())
    return out


def describe(match: dict) -> str:
    start = match["Location"]["Start"]
    return f"{match['Rule']['Id']} {os.path.relpath(match['Filename'], ROOT)}:{start['LineNumber']}: {match['Message']}"


@pytest.mark.parametrize("group", ["stacks", "jest"])
def test_no_error(group, groups, matches):
    files = set(groups[group])
    if group == "jest" and not files:
        # Through scripts/test.sh the directories are given and must hold jest's templates; alone, there are none.
        assert not os.environ.get("CFN_LINT_TEMPLATE_DIRS"), "CFN_LINT_TEMPLATE_DIRS is set, but holds no template"
        pytest.skip("CFN_LINT_TEMPLATE_DIRS lists no template: run through scripts/test.sh")
    assert group != "stacks" or len(files) >= 6, f"too few templates to lint: {sorted(files)}"
    errors = [describe(m) for m in matches
              if m["Filename"] in files and m["Level"] == "Error" and not NOT_APPLICABLE.match(m["Message"])]
    if errors:
        pytest.fail(f"cfn-lint errors in the {group} templates ({len(files)}):\n" + "\n".join(errors), pytrace=False)


def test_no_warning_on_the_library_custom_resources(matches):
    ours = []
    for match in matches:
        path = match["Location"].get("Path") or []
        if match["Level"] != "Warning" or len(path) < 2 or path[0] != "Resources":
            continue
        template = json.loads(Path(match["Filename"]).read_text())
        if template["Resources"].get(path[1], {}).get("Type") == SCRIPT_TYPE:
            ours.append(describe(match))
    if ours:
        pytest.fail("cfn-lint warnings on deployment scripts' custom resources:\n" + "\n".join(ours), pytrace=False)


def test_report_warnings(groups, matches):
    """Always passes: reports what cfn-lint warned about, by rule, in pytest's warnings summary."""
    total = sum(len(files) for files in groups.values())
    counts = Counter((m["Rule"]["Id"], m["Rule"]["ShortDescription"]) for m in matches if m["Level"] != "Error")
    for (rule, text), count in sorted(counts.items()):
        example = next(describe(m) for m in matches if m["Rule"]["Id"] == rule)
        warnings.warn_explicit(f"{rule} ({text}): {count} in {total} templates, e.g. {example}", UserWarning, "cfn-lint", 0)
