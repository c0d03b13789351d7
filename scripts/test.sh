#!/usr/bin/env bash
# Every test of the project: the one command the README and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

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

echo "== jest"
npx jest --ci
