#!/usr/bin/env bash
# The Python side of the tests: builds the wheel (scripts/build-python.sh), installs it into the cached test venv
# (scripts/setup-python.sh), and runs pytest over test/python: a Python app synthesized and compared with its
# TypeScript twin, and cfn-lint over every template the tests and examples synthesize.
#
# Expects `npm run compile && npm run bundle` done (scripts/test.sh does it first). Extra directories of
# templates for cfn-lint: CFN_LINT_TEMPLATE_DIRS (colon-separated), e.g. what jest dumped.
set -euo pipefail
cd "$(dirname "$0")/.."
# The project's Node.js 24: the Python package's jsii kernel runs on the first `node` on PATH.
source scripts/node-env.sh

start=$SECONDS
python=$(bash scripts/setup-python.sh | tail -1)
# Absolute, but not through realpath: the venv's python is a symlink to the interpreter it was made from.
[[ "$python" == /* ]] || python="$PWD/$python"
bash scripts/build-python.sh

wheel=$(ls dist/python/*.whl)
wheel_stamp=$(sha256sum "$wheel" | cut -d' ' -f1)
venv=$(dirname "$(dirname "$python")")
if [[ "$(cat "$venv/.wheel-stamp" 2>/dev/null)" != "$wheel_stamp" ]]; then
  "$python" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel"
  echo "$wheel_stamp" > "$venv/.wheel-stamp"
fi
echo "python tests: ready in $((SECONDS - start))s"

# pytest's summary line is its last line; exit code 5 (no test collected) is a failure here.
set +e
(cd test/python && "$python" -m pytest)
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no test: failing." >&2
  exit 1
fi
exit $rc
