#!/usr/bin/env python3
"""Checks that each Python example of the docs is rosetta's translation of the TypeScript example before it.

For every ```ts block of the given markdown files (default: README.md and docs/*.md) that is followed by a
```python block, the Python block must equal jsii-rosetta's Python translation of the TypeScript, modulo
whitespace and trailing commas (compared token by token, comments included). The translations come from
`jsii-rosetta extract --strict --fail --compile`, run on a copy of the assembly whose README is the given files,
with the project's fixture (rosetta/default.ts-fixture) and `package.json#jsiiRosetta`. With `--cache-from` a
tablet of an earlier run (scripts/test.sh's), rosetta runs only if that tablet lacks one of the examples.

Exits 1 and prints, for each difference, the diff and the Python that the markdown should show.
"""
import argparse
import difflib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
IGNORED = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}


def pairs(path: Path):
    """(line, typescript, python) for each ```ts block directly followed by a ```python block."""
    text = path.read_text()
    blocks = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]
    for (lang, body, start, end), (next_lang, next_body, next_start, _) in zip(blocks, blocks[1:]):
        if lang in ("ts", "typescript") and next_lang == "python" and not text[end:next_start].strip():
            yield text.count("\n", 0, start) + 1, body, next_body


def tokens(source: str) -> list:
    """Python tokens without layout, and without a comma that closes a bracket."""
    out = [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in IGNORED]
    return [tok for i, tok in enumerate(out) if not (tok == (tokenize.OP, ",") and i + 1 < len(out) and out[i + 1][1] in ")]}")]


def translate(markdown_files: list, cache_from, package_json: Path) -> dict:
    """TypeScript source → rosetta's Python, for every snippet of the files and of the assembly's docs."""
    with tempfile.TemporaryDirectory(prefix="rosetta-check-") as tmp:
        pkg = Path(tmp)
        assembly = json.loads((ROOT / ".jsii").read_text())
        assembly["readme"] = {"markdown": "\n\n".join(path.read_text() for path in markdown_files)}
        (pkg / ".jsii").write_text(json.dumps(assembly))
        shutil.copy(package_json, pkg / "package.json")
        shutil.copytree(ROOT / "rosetta", pkg / "rosetta")
        for name in ("node_modules", "lib", "lambda-runtime", "assets"):
            os.symlink(ROOT / name, pkg / name)
        tablet = pkg / "tablet.json"
        command = ["npx", "jsii-rosetta", "extract", "--strict", "--fail", "--compile", "--output", str(tablet)]
        if cache_from:
            command += ["--cache-from", str(Path(cache_from).resolve())]
        result = subprocess.run([*command, ".jsii"], cwd=pkg, capture_output=True, text=True)
        if result.returncode != 0:
            noise = re.compile(r"^(!!|npm warn)")
            print("\n".join(line for line in (result.stdout + result.stderr).splitlines() if not noise.match(line)))
            sys.exit("check-readme-python: jsii-rosetta could not compile the examples (above).")
        snippets = json.loads(tablet.read_text())["snippets"].values()
        return {s["translations"]["$"]["source"].strip(): s["translations"]["python"]["source"] for s in snippets}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--cache-from", help="a tablet of an earlier `jsii-rosetta extract`, to reuse")
    parser.add_argument("--package-json", type=Path, default=ROOT / "package.json")
    args = parser.parse_args()
    files = [f.resolve() for f in args.files] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

    found = [(path, *pair) for path in files for pair in pairs(path)]
    if not found:
        print("check-readme-python: no TypeScript example followed by a Python one: nothing checked.", file=sys.stderr)
        return 1
    # A tablet that already translates every example (scripts/test.sh's, when README.md holds them all) is enough.
    translations = {}
    if args.cache_from:
        snippets = json.loads(Path(args.cache_from).read_text())["snippets"].values()
        translations = {s["translations"]["$"]["source"].strip(): s["translations"]["python"]["source"] for s in snippets}
    if any(typescript.strip() not in translations for _, _, typescript, _ in found):
        translations = translate(files, args.cache_from, args.package_json)

    failures = 0
    for path, line, typescript, python in found:
        where = f"{path.relative_to(ROOT)}:{line}"
        expected = translations.get(typescript.strip())
        if expected is None:
            failures += 1
            print(f"{where}: rosetta has no translation of this TypeScript example")
            continue
        try:
            same = tokens(python) == tokens(expected)
        except (tokenize.TokenError, IndentationError, SyntaxError) as error:
            same = False
            print(f"{where}: the Python block does not tokenize: {error}")
        if not same:
            failures += 1
            diff = difflib.unified_diff(python.rstrip().splitlines(), expected.rstrip().splitlines(),
                                        "shown", "rosetta", lineterm="")
            print(f"{where}: the Python example is not rosetta's translation of the TypeScript before it.\n"
                  + "\n".join(diff)
                  + f"\nShow rosetta's:\n```python\n{expected.rstrip()}\n```\n")
    print(f"check-readme-python: {len(found) - failures} of {len(found)} Python examples are rosetta's translations.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
