#!/usr/bin/env bash
# The public site served from PostgreSQL: `lapak web` (release build) with database.url over the 16,000-business
# sample imported into a throwaway PostGIS cluster, driven by wrk as run.sh drives the SQLite site.
#
#   swift build -c release --product lapak      # at the top level
#   scripts/with-postgres.sh Benchmarks/site/postgres.sh [seconds per run, default 15]
#
# Prints wrk's latency distribution and requests/s for a search page made anew each time (no page cache) and
# for the API's random 1 km bbox: answered from the snapshot made from PostgreSQL, each asking PostgreSQL for the
# registry's version (one round trip) and a search page for its names (pg_trgm).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lapak="${LAPAK:-$root/.build/release/lapak}"
seconds="${1:-15}"
port="${LAPAK_BENCH_PORT:-18490}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$lapak" ] || { echo "build first: swift build -c release --product lapak" >&2; exit 1; }
[ -n "${LAPAK_TEST_POSTGRES_URL:-}" ] || { echo "run inside scripts/with-postgres.sh" >&2; exit 1; }

work="$(mktemp -d /tmp/lapak-site-pg-bench-XXXXXX)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export LAPAK_DATABASE_URL="$LAPAK_TEST_POSTGRES_URL" LAPAK_LOG_LEVEL=warning LAPAK_WEB_PORT="$port"
"$lapak" sample --count 16000 --seed 2026 -o "$work/sample.csv" >/dev/null
"$lapak" import "$work/sample.csv" >/dev/null
"$lapak" web >"$work/web.log" 2>&1 &
server=$!
for _ in $(seq 300); do grep -q "site on" "$work/web.log" 2>/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
curl -s -o /dev/null "$base/"
sleep 2  # the first snapshot

echo "== PostgreSQL: a directory search page, each query new (never answered from the page cache)"
wrk -t2 -c8 -d"${seconds}s" --latency -s "$here/search-page-new.lua" "$base"

echo "== PostgreSQL: /api/businesses for a random 1 km bbox, 8 connections"
wrk -t2 -c8 -d"${seconds}s" --latency -s "$here/bbox-1km.lua" "$base"

echo "== PostgreSQL: bbox throughput, 64 connections"
wrk -t2 -c64 -d"${seconds}s" --latency -s "$here/bbox-1km.lua" "$base"
