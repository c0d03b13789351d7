#!/usr/bin/env bash
# The setup command: everything the build and the tests need on a fresh machine. Idempotent; a re-run that has
# nothing to do takes about a second.
#   - Node.js 24 into .tools/node/ (the platform package its package-lock.json locks, fetched with the machine's
#     npm); the build and the tests run on it (scripts/node-env.sh), and so does everything below;
#   - the npm packages, exactly as locked, and .tools/aws-cdk-lib-newest's (the newest aws-cdk-lib of the peer
#     range, for jest.peer-newest.config.js);
#   - PostgreSQL's server programs, for the end-to-end tests (Debian's packages, installed only if missing);
#   - the Python test environment (.venv-test/: pytest, cfn-lint, aws-cdk-lib from PyPI), reused when current;
#   - checkov from PyPI in .tools/checkov/, reused when current;
#   - a check that Java 17+, Maven and Go 1.26+ are on PATH, for the Java and Go packages (scripts/check-java-go.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# `npm ci` into $1, unless its node_modules was installed from the same lock file by the same node.
install_locked() {
  local dir=$1 stamp
  stamp="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) $(node --version)"
  if [[ -f "$dir/node_modules/.setup-stamp" && "$(cat "$dir/node_modules/.setup-stamp")" == "$stamp" ]]; then
    echo "npm packages of $dir/ are current"
    return
  fi
  npm ci --prefix "$dir" --no-audit --no-fund
  echo "$stamp" > "$dir/node_modules/.setup-stamp"
}

if ! command -v npm >/dev/null; then
  echo "setup: npm is needed to fetch Node.js 24: install Node.js (with npm) from your distribution first." >&2
  exit 1
fi
install_locked .tools/node
mkdir -p .tools/bin
ln -sfn ../node/node_modules/.bin/node .tools/bin/node
source scripts/node-env.sh
echo "Node.js $(node --version), npm $(npm --version)"
install_locked .
install_locked .tools/aws-cdk-lib-newest

bash scripts/setup-postgres.sh
bash scripts/setup-python.sh >/dev/null

# checkov, for test/nag/checkov.test.ts, in a venv of its own (.tools/checkov/): it pins packaging<24, which the
# project's Python test environment does not take. Reused while its version is the one below.
checkov_version=3.3.30
if [[ "$(cat .tools/checkov/.setup-stamp 2>/dev/null)" != "$checkov_version" ]]; then
  rm -rf .tools/checkov
  python3 -m venv .tools/checkov
  .tools/checkov/bin/python -m pip install --quiet --disable-pip-version-check "checkov==$checkov_version"
  echo '*' > .tools/checkov/.gitignore
  echo "$checkov_version" > .tools/checkov/.setup-stamp
else
  echo "checkov $checkov_version in .tools/checkov/ is current"
fi
# Java, Maven and Go are not installed here, only checked: this kind of machine has them.
bash scripts/check-java-go.sh
