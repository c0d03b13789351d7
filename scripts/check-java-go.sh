#!/usr/bin/env bash
# Checks that the tools of the Java and Go packages are on PATH: Java 17 or later, Maven, and Go 1.26 or later
# (test/java-go's Go script needs 1.26: aws-lambda-go's go.mod asks for it). This kind of machine has them; the
# check says what is missing instead of letting a build fail halfway. Run by scripts/setup.sh and by
# scripts/test-java-go.sh.
set -euo pipefail

missing=()
java_version=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1 || true)
[[ -n "$java_version" && "$java_version" -ge 17 ]] || missing+=("Java 17 or later (java: ${java_version:-not found})")
command -v mvn >/dev/null || missing+=("Maven 3.8 or later (mvn: not found)")
go_version=$(go env GOVERSION 2>/dev/null || true)
go_minor=$(sed -n 's/^go1\.\([0-9]*\).*/\1/p' <<<"$go_version")
[[ -n "$go_minor" && "$go_minor" -ge 26 ]] || missing+=("Go 1.26 or later (go: ${go_version:-not found})")

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "The Java and Go packages' build and tests (scripts/package.sh java go, scripts/test-java-go.sh) need:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "Install them from your distribution (Debian: openjdk-17-jdk-headless and maven; Go: an official Go release) and put them on PATH." >&2
  exit 1
fi
echo "Java $java_version, $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), $go_version"
