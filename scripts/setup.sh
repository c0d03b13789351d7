#!/usr/bin/env bash
# The setup command: everything the build and the tests need on a fresh machine.
#   - the npm packages, exactly as locked;
#   - PostgreSQL's server programs, for the end-to-end tests (Debian's packages, installed only if missing);
#   - the Python test environment (.venv-test/: pytest, cfn-lint, aws-cdk-lib from PyPI), reused when current.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci
bash scripts/setup-postgres.sh
bash scripts/setup-python.sh >/dev/null
