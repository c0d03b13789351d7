#!/usr/bin/env bash
# The Java and Go side of the tests: builds the Java and Go packages (scripts/package.sh java go), a script in
# each language (a jar for Runtime.JAVA_21, a Go `bootstrap` for Runtime.PROVIDED_AL2023), then synthesizes the
# same stack from a Java app, a Go app and their TypeScript twin (test/java-go/), and has pytest compare the three
# templates up to asset hashes (test/java-go/test_twins.py).
#
# Expects `npm run compile && npm run bundle` done (scripts/test.sh does it first), and Java 17+, Maven and Go
# 1.26+ on PATH (scripts/check-java-go.sh). Downloads go to their usual caches: ~/.m2 for Maven, Go's module and
# build caches (go env GOMODCACHE GOCACHE); the first run fetches about 0.6 GB, a later one nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh

bash scripts/check-java-go.sh

step() { printf '%s: %s in %ss\n' "test-java-go" "$1" "$((SECONDS - step_start))"; step_start=$SECONDS; }
start=$SECONDS
step_start=$SECONDS

bash scripts/package.sh js java go
step "packages"

root=$PWD
build=$root/test-reports/java-go
out=$build/templates
rm -rf "$out"
mkdir -p "$out" "$build/go-script"

# The scripts, as a user builds them (test/java-go/{java,go}/script).
mvn -B -q -Dstyle.color=never -f test/java-go/java/script/pom.xml package
jar=$root/test/java-go/java/script/target/migrate.jar
step "Java script (mvn package)"
(cd test/java-go/go/script && GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -tags lambda.norpc -o "$build/go-script/bootstrap")
go_folder=$build/go-script
step "Go script (go build)"

node test/python/run-ts.cjs test/java-go/twin/app.ts "$out/typescript" "$jar" "$go_folder"
step "TypeScript twin"

# The library's jar comes from dist/java (a Maven repository, the app's file repository); Maven keeps a copy in
# ~/.m2 and, the version being the same, would not look at a rebuilt one again: that copy goes first.
cds_version=$(node -p "require('./package.json').version")
group_path=$(node -p "require('./package.json').jsii.targets.java.maven.groupId.replace(/\./g, '/')")
rm -rf "${MAVEN_LOCAL_REPOSITORY:-$HOME/.m2/repository}/$group_path"
mvn -B -q -Dstyle.color=never -f test/java-go/java/app/pom.xml \
  -Dcds.version="$cds_version" \
  -Dcdk.version="$(node -p "require('aws-cdk-lib/package.json').version")" \
  -Dconstructs.version="$(node -p "require('constructs/package.json').version")" \
  compile exec:java -Dexec.args="$out/java $jar $go_folder"
step "Java app (mvn compile exec:java)"

# The library's module comes from dist/go through the replace directive of test/java-go/go/app/go.mod; aws-cdk-go
# must be the aws-cdk-lib that the TypeScript twin uses.
cdk_go=$(cd test/java-go/go/app && go list -m -f '{{.Version}}' github.com/aws/aws-cdk-go/awscdk/v2)
if [[ "$cdk_go" != "v$(node -p "require('aws-cdk-lib/package.json').version")" ]]; then
  echo "test-java-go: test/java-go/go/app/go.mod has aws-cdk-go $cdk_go, node_modules has aws-cdk-lib" \
    "$(node -p "require('aws-cdk-lib/package.json').version"): make them the same (go get, go mod tidy there)." >&2
  exit 1
fi
(cd test/java-go/go/app && go run . "$out/go" "$jar" "$go_folder")
step "Go app (go run)"

# What Construct Hub shows of the npm package for Java and Go: jsii-docgen, run as Construct Hub runs it, on the
# package installed from dist/js's tarball, whose rosetta tablet must translate every example (the package has no
# fixture for rosetta to compile them again with). The package is unpacked outside the repository: jsii-docgen
# (`npm run docgen`) reads every .jsii under the project and would document this copy too.
rm -rf "$build/construct-hub" # where earlier versions of this script unpacked it
docs=$(mktemp -d "${TMPDIR:-/tmp}/cds-construct-hub.XXXXXX")
trap 'rm -rf "$docs"' EXIT
mkdir -p "$docs/node_modules/cdk-deployment-script/node_modules"
tar xzf dist/js/*.tgz -C "$docs/node_modules/cdk-deployment-script" --strip-components=1
for dependency in aws-cdk-lib constructs; do
  ln -s "$root/node_modules/$dependency" "$docs/node_modules/cdk-deployment-script/node_modules/$dependency"
done
for language in java go; do
  (cd "$docs/node_modules/cdk-deployment-script" && "$root/node_modules/.bin/jsii-docgen" -l "$language" --readme -o "$docs/$language.md" 2>&1 | grep -v '^!!' || true)
done
step "Construct Hub's Java and Go pages (jsii-docgen)"

python=$(bash scripts/setup-python.sh | tail -1)
[[ "$python" == /* ]] || python="$root/$python"
echo "test-java-go: ready in $((SECONDS - start))s"
# pytest's exit code 5 (no test collected) is a failure here.
set +e
(cd test/java-go && TWIN_TEMPLATES="$out" CONSTRUCT_HUB_DOCS="$docs" "$python" -m pytest -p no:cacheprovider -ra)
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no test: failing." >&2
  exit 1
fi
exit $rc
