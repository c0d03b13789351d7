#!/usr/bin/env bash
# Every test of the project: the one command the README and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything below runs on the project's Node.js 24 (.tools/node/, from scripts/setup.sh); fails if it is not there.
source scripts/node-env.sh
echo "== Node.js $(node --version), $(command -v node)"
# A deprecated aws-cdk-lib API called while a stack is synthesized throws, in every process that synthesizes (the
# cdk CLI's apps, the Python package's jsii kernel); jest's own processes record the warnings instead and fail
# the test (test/support/no-deprecations.ts).
export JSII_DEPRECATED=fail

echo "== build: jsii compile and runtime bundle"
npm run --silent compile
npm run --silent bundle

echo "== typecheck: runtime, tests and examples"
npm run --silent typecheck

echo "== API.md is current"
api_tmp=$(mktemp -d)
trap 'rm -rf "$api_tmp"' EXIT
npx jsii-docgen -o "$api_tmp/API.md"
if ! diff -q API.md "$api_tmp/API.md" >/dev/null; then
  diff -u API.md "$api_tmp/API.md" | head -40 || true
  echo "API.md is stale: run 'npm run docgen' and commit the result." >&2
  exit 1
fi

echo "== README examples compile (jsii-rosetta, strict)"
npx jsii-rosetta extract --strict --fail --compile --output "$api_tmp/tablet.json" .jsii

echo "== README's Python examples are rosetta's translations"
python3 scripts/check-readme-python.py --cache-from "$api_tmp/tablet.json" README.md

# Every template the jest tests synthesize is kept for cfn-lint, which the Python step runs.
templates=$PWD/test-reports/templates/jest
rm -rf "$templates"

echo "== jest: constructs, runtime, command line, checkers"
CFN_LINT_DUMP_DIR=$templates npx jest --ci --testPathIgnorePatterns '<rootDir>/test/e2e/' '<rootDir>/test/quickstart/'

# Their templates are not given to cfn-lint: that would double the Python step, for templates that differ from
# the minimum's in what aws-cdk-lib itself writes.
echo "== jest: the construct tests against the newest aws-cdk-lib of the peer range (jest.peer-newest.config.js)"
npx jest --ci -c jest.peer-newest.config.js

echo "== jest: end to end (one at a time: the harness answers CloudFormation's callbacks on port 443)"
CFN_LINT_DUMP_DIR=$templates npx jest --ci --runInBand test/e2e

echo "== Python: the wheel, a Python app against its TypeScript twin, cfn-lint over every template"
CFN_LINT_TEMPLATE_DIRS=$templates bash scripts/test-python.sh

echo "== Java and Go: the Maven and Go packages, a Java app and a Go app against their TypeScript twin"
bash scripts/test-java-go.sh

echo "== README quick start, TypeScript and Python, as written up to run --local (cdk init installs from npm and PyPI)"
npx jest --ci --runInBand test/quickstart
