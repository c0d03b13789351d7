#!/usr/bin/env bash
# Installs the PostgreSQL server that the e2e tests start (test/e2e/harness/postgres.ts runs private clusters
# with initdb and pg_ctl from /usr/lib/postgresql/<version>/bin). Debian/Ubuntu, idempotent: does nothing when
# a server is installed already. No cluster is created or started here: the tests start their own.
set -euo pipefail

installed() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null
}

if installed; then
  echo "PostgreSQL server found: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "No PostgreSQL server and no apt-get: install PostgreSQL's server programs (initdb, pg_ctl, postgres) and set PG_BIN to their directory." >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

# The package would create and start a 'main' cluster on port 5432; the tests need none.
"${sudo[@]}" mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' | "${sudo[@]}" tee /etc/postgresql-common/createcluster.d/e2e-no-main-cluster.conf >/dev/null

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql openssl >/dev/null

installed || { echo "apt-get installed postgresql, but no /usr/lib/postgresql/*/bin/initdb was found" >&2; exit 1; }
echo "PostgreSQL server installed: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
