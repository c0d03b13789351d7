"""A Java app and a Go app with DeploymentScript synthesize what their TypeScript twin does.

scripts/test-java-go.sh builds the packages and the scripts, runs the three apps (java/app, go/app, twin/app.ts)
and gives their cloud assemblies' templates here: $TWIN_TEMPLATES/{typescript,java,go}/*.template.json.
"""
import difflib
import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
from normalise import asset_hashes, normalise  # noqa: E402

SCRIPT = "Custom::DeploymentScript"
FUNCTION = "AWS::Lambda::Function"
SCRIPT_DESCRIPTION = re.compile(r"^cdk-deployment-script: (\S+ \((?:after:deploy|before:delete)\))$")


def templates(language: str) -> dict:
    directory = Path(os.environ["TWIN_TEMPLATES"]) / language
    found = {path.name: json.loads(path.read_text()) for path in sorted(directory.glob("*.template.json"))}
    assert found, f"no template in {directory}: did the {language} app run?"
    return found


def functions(template: dict) -> dict:
    """The scripts' functions, by their description's "<path> (<trigger>)" (the provider's runtime is left out)."""
    found = {}
    for resource in template["Resources"].values():
        match = SCRIPT_DESCRIPTION.match(str(resource.get("Properties", {}).get("Description", "")))
        if resource["Type"] == FUNCTION and match:
            found[match.group(1)] = resource["Properties"]
    return found


def test_the_twin_has_a_java_script_and_go_scripts():
    (template,) = templates("typescript").values()
    scripts = functions(template)
    assert sorted(scripts) == ["JavaGoScripts/cleanup (before:delete)", "JavaGoScripts/migrate (after:deploy)",
                               "JavaGoScripts/seed (after:deploy)"]
    migrate = scripts["JavaGoScripts/migrate (after:deploy)"]
    assert (migrate["Runtime"], migrate["Handler"], migrate["MemorySize"]) == ("java21", "example.Migrate::handleRequest", 512)
    seed = scripts["JavaGoScripts/seed (after:deploy)"]
    assert (seed["Runtime"], seed["Handler"]) == ("provided.al2023", "bootstrap")
    parameters = [r["Properties"]["Parameters"] for r in template["Resources"].values() if r["Type"] == SCRIPT]
    assert '{"apiURL":"https://example.com/","b":true,"l":["a",2],"n":1,"o":{"k":"v"}}' in parameters


@pytest.mark.parametrize("language", ["java", "go"])
def test_the_app_synthesizes_what_its_typescript_twin_does(language):
    theirs, typescript = templates(language), templates("typescript")
    assert sorted(theirs) == sorted(typescript), f"the {language} app and its TypeScript twin have different stacks"
    for name in sorted(theirs):
        # Identical assets (same script files, same runtime bundle) give identical hashes: nothing is normalised.
        same_assets = asset_hashes(theirs[name]) == asset_hashes(typescript[name])
        theirs_n = normalise(theirs[name], run_tokens=not same_assets)
        typescript_n = normalise(typescript[name], run_tokens=not same_assets)
        if theirs_n != typescript_n:
            diff = "\n".join(difflib.unified_diff(
                json.dumps(typescript_n, indent=1, sort_keys=True).splitlines(),
                json.dumps(theirs_n, indent=1, sort_keys=True).splitlines(),
                f"typescript/{name}", f"{language}/{name}", lineterm="", n=4,
            ))
            pytest.fail(f"{name}: the {language} app and its TypeScript twin differ"
                        f"{'' if same_assets else ' (asset hashes normalised)'}:\n{diff}", pytrace=False)


# Rosetta's mark on an example it could not compile: a guess, with untyped props in Go.
NOT_COMPILED = "automatically generated from non-compiling source"


@pytest.mark.parametrize("language, example", [
    ("java", 'DeploymentScript.Builder.create(this, "migrate")'),
    ("go", 'cdkdeploymentscript.NewDeploymentScript(this, jsii.String("migrate"), &DeploymentScriptProps{'),
])
def test_construct_hub_shows_the_readme_examples_translated(language, example):
    page = Path(os.environ["CONSTRUCT_HUB_DOCS"]) / f"{language}.md"
    assert page.is_file(), f"jsii-docgen wrote no {page}: see its output above"
    text = page.read_text()
    assert example in text, f"the README's Java and Go example is not translated to {language} on {page}"
    assert NOT_COMPILED not in text, f"{page} has examples rosetta could not compile: is .jsii.tabl.json in the npm package?"
    # The README's hand-written Python of that example is rosetta's translation: the packages leave it out.
    assert "memory_size=512" not in text, f"{page} shows the README's Python example after the {language} one"


def test_the_go_module_readme_has_go_examples():
    readme = Path(__file__).resolve().parents[2] / "dist" / "go" / "cdkdeploymentscript" / "README.md"
    text = readme.read_text()
    assert "cdkdeploymentscript.NewDeploymentScript(" in text and "```ts" not in text
    assert NOT_COMPILED not in text
    assert "memory_size=512" not in text, "the Go module's README shows the README's Python examples"
