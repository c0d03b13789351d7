#!/usr/bin/env bash
# Builds what a release publishes, with jsii-pacmak, into dist/ as pacmak lays it out:
#   dist/js      the npm tarball
#   dist/python  the wheel and the sdist
#   dist/java    the Maven artefacts (jar, sources, javadoc, pom), as a Maven repository
#   dist/go      the Go module
#   bash scripts/package.sh [js|python|java|go ...]   (default: all four; `npm run package`)
#
# Expects the compiled library and the runtime bundle (npm run compile && npm run bundle; scripts/test.sh does
# both first). First it refreshes the rosetta tablet .jsii.tabl.json (jsii-rosetta extract, strict: every example
# compiles), which the npm package ships and pacmak reads: the Java and Go packages' docs carry rosetta's Java and
# Go translations of the TypeScript examples, and Construct Hub finds them in the npm package. Each target is
# idempotent: it is skipped when dist/<target> was built from the same inputs (every file `npm pack` would ship,
# the tablet among them, and jsii-pacmak's version), so a re-run costs a few seconds. FORCE=1 rebuilds anyway.
#
# jsii-pacmak installs build tools for python (setuptools, build, twine from PyPI, in a virtual environment of its
# own) and runs Maven for java (the jsii runtime, aws-cdk-lib and constructs from Maven Central, into ~/.m2).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh

all=(js python java go)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")
for target in "${targets[@]}"; do
  if [[ " ${all[*]} " != *" $target "* ]]; then
    echo "package: unknown target '$target' (one of: ${all[*]})" >&2
    exit 2
  fi
done
for required in .jsii assets/runtime/index.js lib/index.js; do
  if [[ ! -f "$required" ]]; then
    echo "package: $required is missing: run 'npm run compile && npm run bundle' first." >&2
    exit 1
  fi
done

# The tablet: rosetta's own cache (the tablet it rewrites) makes this a few seconds when no example changed.
npx jsii-rosetta extract --strict .jsii >/dev/null 2>&1 || {
  npx jsii-rosetta extract --strict .jsii 2>&1 | grep -v '^!!' >&2
  echo "package: jsii-rosetta could not compile the examples (above)." >&2
  exit 1
}

# The inputs: what the npm tarball (embedded in every other package) holds, plus what shapes the generated code.
inputs=$(
  npm pack --dry-run --json --ignore-scripts 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const f of JSON.parse(s)[0].files)console.log(f.path)})' \
    | LC_ALL=C sort
)
if ! grep -qx '.jsii.tabl.json' <<<"$inputs"; then
  echo "package: .jsii.tabl.json is not in the npm package (package.json#files)." >&2
  exit 1
fi
fingerprint_of() {
  {
    echo "target $1"
    echo "jsii-pacmak $(node -p "require('jsii-pacmak/package.json').version")"
    # shellcheck disable=SC2086
    sha256sum $inputs scripts/readme-for-packages.mjs
    [[ $1 != python ]] || sha256sum scripts/python-launcher.py scripts/python-package-launcher.py
  } | sha256sum | cut -d' ' -f1
}
# What each target's folder holds when it is complete.
built() {
  case $1 in
    js) compgen -G "dist/js/*.tgz" ;;
    python) compgen -G "dist/python/*.whl" && compgen -G "dist/python/*.tar.gz" ;;
    java) [[ -n "$(find dist/java -name '*.jar' -print -quit 2>/dev/null)" ]] ;;
    go) compgen -G "dist/go/*/go.mod" ;;
  esac >/dev/null
}

stale=()
for target in "${targets[@]}"; do
  if [[ "${FORCE:-}" != 1 && "$(cat "dist/$target/.fingerprint" 2>/dev/null)" == "$(fingerprint_of "$target")" ]] \
    && built "$target"; then
    echo "package: dist/$target is current"
  else
    stale+=("$target")
  fi
done
[[ ${#stale[@]} -gt 0 ]] || exit 0

start=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# pacmak packages a copy of what npm ships, whose assembly's README leaves out the Python examples that rosetta
# makes from the TypeScript before them (scripts/readme-for-packages.mjs): PyPI, Maven, Go and Construct Hub show
# each example once, in their language. README.md itself, on GitHub and npm, keeps both.
stage=$tmp/stage
while IFS= read -r file; do
  mkdir -p "$stage/$(dirname "$file")"
  cp -p "$file" "$stage/$file"
done <<<"$inputs"
node scripts/readme-for-packages.mjs .jsii > "$stage/.jsii"
ln -s "$PWD/node_modules" "$stage/node_modules"
# --force: our own fingerprint decides (pacmak's covers the assembly only, not the runtime bundle).
# --no-npmignore: the package's files come from package.json#files; pacmak must not write an .npmignore.
# --rosetta-unknown-snippets fail: an example missing from the tablet fails the build rather than shipping as
# TypeScript in a Java or Go package.
# --maven-local-repository: Maven's usual cache, ~/.m2 (pacmak's default is a new folder each run, which would
# download aws-cdk-lib and the rest again every time).
npx jsii-pacmak "$stage" --targets "${stale[@]}" --outdir "$tmp" --force --no-npmignore \
  --rosetta-tablet .jsii.tabl.json --rosetta-unknown-snippets fail \
  --maven-local-repository "${MAVEN_LOCAL_REPOSITORY:-$HOME/.m2/repository}" >"$tmp/pacmak.log" 2>&1 || {
  grep -v '^!!' "$tmp/pacmak.log" >&2
  echo "package: jsii-pacmak failed (targets: ${stale[*]})" >&2
  exit 1
}
# The Python package's command runs the command line's bundle with node, as npm's does, not through the jsii kernel
# (seconds slower): scripts/python-package-launcher.py rewrites the wheel and the sdist.
if [[ " ${stale[*]} " == *" python "* ]]; then
  python3 scripts/python-package-launcher.py "$tmp/python" >/dev/null
fi
mkdir -p dist
for target in "${stale[@]}"; do
  rm -rf "dist/$target"
  mv "$tmp/$target" "dist/$target"
  fingerprint_of "$target" > "dist/$target/.fingerprint"
done
echo "package: built dist/{$(IFS=,; echo "${stale[*]}")} in $((SECONDS - start))s"
