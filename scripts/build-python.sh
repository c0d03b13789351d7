#!/usr/bin/env bash
# Builds the Python package (wheel and sdist) into dist/python with jsii-pacmak.
#
# Expects the compiled library and the runtime bundle (npm run compile && npm run bundle; scripts/test.sh does
# both first). Idempotent: the build is skipped when dist/python was built from the same inputs (every file
# `npm pack` would ship, the rosetta tablet, and jsii-pacmak's version), so a re-run costs about a second.
# FORCE=1 rebuilds anyway.
#
# jsii-pacmak builds in a virtual environment of its own and installs its build tools (setuptools, build,
# twine) from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist/python
for required in .jsii assets/runtime/index.js lib/index.js; do
  if [[ ! -f "$required" ]]; then
    echo "build-python: $required is missing: run 'npm run compile && npm run bundle' first." >&2
    exit 1
  fi
done

# The inputs: what the npm tarball embedded in the wheel holds, plus what shapes the generated code.
inputs=$(
  npm pack --dry-run --json --ignore-scripts 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const f of JSON.parse(s)[0].files)console.log(f.path)})' \
    | LC_ALL=C sort
)
fingerprint=$(
  {
    echo "jsii-pacmak $(node -p "require('jsii-pacmak/package.json').version")"
    # shellcheck disable=SC2086
    sha256sum $inputs
    if [[ -f .jsii.tabl.json ]]; then sha256sum .jsii.tabl.json; fi
  } | sha256sum | cut -d' ' -f1
)

if [[ "${FORCE:-}" != 1 && -f "$out/.fingerprint" && "$(cat "$out/.fingerprint")" == "$fingerprint" ]] \
  && compgen -G "$out/*.whl" >/dev/null && compgen -G "$out/*.tar.gz" >/dev/null; then
  echo "build-python: $out is current ($(cd "$out" && ls *.whl))"
  exit 0
fi

start=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/build-python.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# --force: our own fingerprint decides (pacmak's covers the assembly only, not the runtime bundle).
# --no-npmignore: the package's files come from package.json#files; pacmak must not write an .npmignore.
npx jsii-pacmak --targets python --outdir "$tmp" --force --no-npmignore >"$tmp/pacmak.log" 2>&1 || {
  grep -v '^!!' "$tmp/pacmak.log" >&2
  echo "build-python: jsii-pacmak failed" >&2
  exit 1
}
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp/python" "$out"
echo "$fingerprint" > "$out/.fingerprint"
echo "build-python: built $(cd "$out" && ls *.whl *.tar.gz | tr '\n' ' ')in $((SECONDS - start))s"
