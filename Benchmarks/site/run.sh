#!/usr/bin/env bash
# The public site under load (issue 14): `lapak web` (release build) on 127.0.0.1 over the 16,000-business
# sample, driven by wrk (Debian's `wrk`). Every request stays on loopback; each run is bounded in time.
#
#   swift build -c release --product lapak      # at the top level
#   Benchmarks/site/run.sh [seconds per run, default 15]
#
# From PostgreSQL instead (the sample imported into the cluster, `lapak web` with database.url; the bot's part is
# left out, its workers have a benchmark of their own, CrowdProbe --scenario workers):
#
#   scripts/with-postgres.sh sh -c 'LAPAK_DATABASE_URL=$LAPAK_TEST_POSTGRES_URL Benchmarks/site/run.sh 10'
#
# Prints wrk's latency distribution (p50/p75/p90/p99) and requests/s for: a directory search page (the same
# ten searches, so after the first round from the page cache; then each one new, made every time), the API
# for a 1 km bbox, the whole city as GeoJSON (and its gzipped size), and bbox throughput with 64 connections.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lapak="${LAPAK:-$root/.build/release/lapak}"
seconds="${1:-15}"
port="${LAPAK_BENCH_PORT:-18480}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$lapak" ] || { echo "build first: swift build -c release --product lapak" >&2; exit 1; }

work="$(mktemp -d /tmp/lapak-site-bench-XXXXXX)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export LAPAK_DATABASE_PATH="$work/lapak.sqlite" LAPAK_LOG_LEVEL=warning LAPAK_WEB_PORT="$port"
"$lapak" sample --count 16000 --seed 2026 -o "$work/sample.csv" >/dev/null
"$lapak" import "$work/sample.csv" >/dev/null
"$lapak" web >"$work/web.log" 2>&1 &
server=$!
for _ in $(seq 300); do grep -q "site on" "$work/web.log" 2>/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"

echo "== the whole city as GeoJSON (/api/kota.geojson)"
curl -s -o "$work/city.json" "$base/api/kota.geojson"
curl -s -H "Accept-Encoding: gzip" -o "$work/city.json.gz" "$base/api/kota.geojson"
echo "size: $(stat -c %s "$work/city.json") bytes, gzipped $(stat -c %s "$work/city.json.gz") bytes"
echo "first request after a change (made anew):"
sqlite3 "$LAPAK_DATABASE_PATH" "UPDATE business SET updated_at = updated_at + 1 WHERE id = 1" 2>/dev/null || true  # SQLite only
curl -s -o /dev/null -H "Accept-Encoding: gzip" -w "  %{time_total} s\n" "$base/api/kota.geojson"
wrk -t2 -c4 -d"${seconds}s" --latency -H "Accept-Encoding: gzip" "$base/api/kota.geojson"

echo "== a directory search page (10 searches in turn)"
wrk -t2 -c8 -d"${seconds}s" --latency -s "$here/search-page.lua" "$base"

echo "== a directory search page, each query new (never answered from the page cache)"
wrk -t2 -c8 -d"${seconds}s" --latency -s "$here/search-page-new.lua" "$base"

echo "== /api/businesses for a random 1 km bbox, 8 connections"
wrk -t2 -c8 -d"${seconds}s" --latency -s "$here/bbox-1km.lua" "$base"

echo "== bbox throughput, 64 connections"
wrk -t2 -c64 -d"${seconds}s" --latency -s "$here/bbox-1km.lua" "$base"

# The bot's reply latency while the site is under the bbox load: CrowdProbe's 200-citizen burst against the
# real `lapak run` (which serves the site on $botport), with wrk on that same process meanwhile.
probe="$root/Benchmarks/.build/release/CrowdProbe"
if [ -n "${LAPAK_DATABASE_URL:-}" ]; then
  echo "(the site was served from PostgreSQL: the bot's part is left out)"
elif [ -x "$probe" ]; then
  botport=$((port + 1))
  echo "== the bot's replies, quiet (CrowdProbe burst)"
  (cd "$root/Benchmarks" && "$probe" --scenario burst --lapak "$lapak" --bot-env "LAPAK_WEB_PORT=$botport" 2>/dev/null | tail -1)
  echo "== the bot's replies while wrk loads its site (bbox, 64 connections)"
  (
    for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$botport/healthz" && break; sleep 0.1; done
    wrk -t2 -c64 -d40s --latency -s "$here/bbox-1km.lua" "http://127.0.0.1:$botport" >"$work/wrk-during-burst.txt"
  ) &
  loader=$!
  (cd "$root/Benchmarks" && "$probe" --scenario burst --lapak "$lapak" --bot-env "LAPAK_WEB_PORT=$botport" 2>/dev/null | tail -1)
  wait "$loader" || true
  grep -E "Requests/sec|99%|50%" "$work/wrk-during-burst.txt" || true
else
  echo "(CrowdProbe not built: cd Benchmarks && swift build -c release --product CrowdProbe, for the bot's latency under load)"
fi
