#!/usr/bin/env bash
# Runs a command beside a private, throwaway PostgreSQL cluster with PostGIS, then removes the cluster.
#
#   scripts/with-postgres.sh swift test
#
# The cluster lives in a temporary folder and listens on a Unix socket only (no TCP port to collide
# with); the command gets LAPAK_TEST_POSTGRES_URL (postgres://lapak@localhost:PORT/lapak?host=FOLDER).
# A template database `lapak_template` already has the postgis and btree_gist extensions, so a test can
# make a fresh database of its own in milliseconds. As root, the server runs as the `postgres` user
# (initdb refuses root).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL is not installed (initdb not found under /usr/lib/postgresql); run scripts/install-system-packages.sh" >&2
  exit 1
fi

folder=$(mktemp -d /tmp/lapak-pg.XXXXXX)
chmod 755 "$folder"
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$folder"
  as_server=(runuser -u postgres --)
fi
port=5432
cleanup() {
  "${as_server[@]}" "$bindir/pg_ctl" -D "$folder/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap cleanup EXIT

"${as_server[@]}" "$bindir/initdb" -D "$folder/data" -U lapak --auth=trust -E UTF8 --no-locale >"$folder/initdb.log" 2>&1 \
  || { cat "$folder/initdb.log" >&2; exit 1; }
# Throwaway data: no fsync. Enough connections for parallel tests, each with its own pool.
"${as_server[@]}" "$bindir/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w \
  -o "-k $folder -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null || { cat "$folder/server.log" >&2; exit 1; }
psql=("$bindir/psql" -h "$folder" -p "$port" -U lapak -v ON_ERROR_STOP=1 -q)
"${psql[@]}" -d postgres -c "CREATE DATABASE lapak" -c "CREATE DATABASE lapak_template"
"${psql[@]}" -d lapak_template -c "CREATE EXTENSION postgis" -c "CREATE EXTENSION btree_gist" \
  || { echo "PostGIS is missing: install postgresql-15-postgis-3 (scripts/install-system-packages.sh)" >&2; exit 1; }

export LAPAK_TEST_POSTGRES_URL="postgres://lapak@localhost:$port/lapak?host=$folder"
"$@"
