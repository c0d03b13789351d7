#!/usr/bin/env bash
# Creates the Python test environment .venv-test/ (pytest, cfn-lint, aws-cdk-lib and constructs from PyPI),
# or reuses it when its requirements did not change. Prints the venv's python on the last line.
#
# aws-cdk-lib and constructs are pinned to the versions in node_modules, so that a Python app and its
# TypeScript twin synthesize with the same library. The library's own wheel is not installed here: it changes
# with every build, and scripts/test-python.sh installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${VENV_TEST_DIR:-.venv-test}
python=${PYTHON:-python3}

cdk_version=$(node -p "require('aws-cdk-lib/package.json').version")
constructs_version=$(node -p "require('constructs/package.json').version")
requirements=$(
  grep -v '^\s*#' test/python/requirements.txt | sed '/^\s*$/d'
  echo "aws-cdk-lib==$cdk_version"
  echo "constructs==$constructs_version"
)
# The stamp covers the requirements and the interpreter: a change of either rebuilds the venv.
stamp=$(printf '%s\n%s\n' "$requirements" "$("$python" -c 'import sys; print(sys.version)')" | sha256sum | cut -d' ' -f1)

if [[ -f "$venv/.stamp" && "$(cat "$venv/.stamp")" == "$stamp" && -x "$venv/bin/python" ]]; then
  echo "python test venv: $venv is current" >&2
else
  echo "python test venv: creating $venv (aws-cdk-lib==$cdk_version, constructs==$constructs_version)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  printf '%s\n' "$requirements" > "$venv/requirements.lock.txt"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$venv/requirements.lock.txt"
  echo "$stamp" > "$venv/.stamp"
fi
echo "$venv/bin/python"
