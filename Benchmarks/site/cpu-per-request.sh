#!/usr/bin/env bash
# CPU per answer of the public site: the server process's user+sys time over a run, divided by the
# requests it answered. On a shared machine this is steadier than wall-clock latency, which other
# builds inflate. Same data and scripts as run.sh (16,000 businesses, release build).
#
#   Benchmarks/site/cpu-per-request.sh [seconds per run, default 10]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lapak="${LAPAK:-$root/.build/release/lapak}"
seconds="${1:-10}"
port="${LAPAK_BENCH_PORT:-18482}"
[ -x "$lapak" ] || { echo "build first: swift build -c release --product lapak" >&2; exit 1; }
work="$(mktemp -d /tmp/lapak-site-cpu-XXXXXX)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export LAPAK_DATABASE_PATH="$work/lapak.sqlite" LAPAK_LOG_LEVEL=warning LAPAK_WEB_PORT="$port"
"$lapak" sample --count 16000 --seed 2026 -o "$work/sample.csv" >/dev/null
"$lapak" import "$work/sample.csv" >/dev/null
"$lapak" web >"$work/web.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "site on" "$work/web.log" 2>/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
ticks=$(getconf CLK_TCK)

# One connection: requests one after another, so the figure is the cost of an answer, not of contention.
measure() {
  local name="$1" script="$2"
  local before after requests
  before=$(awk '{print $14 + $15}' "/proc/$server/stat")
  requests=$(wrk -t1 -c1 -d"${seconds}s" -s "$script" "$base" | awk '/requests in/ {print $1}')
  after=$(awk '{print $14 + $15}' "/proc/$server/stat")
  awk -v n="$requests" -v t="$((after - before))" -v hz="$ticks" -v name="$name" \
    'BEGIN { printf "%s: %d requests, %.0f µs of server CPU each\n", name, n, t / hz / n * 1e6 }'
}
measure "directory search page (10 searches in turn)" "$here/search-page.lua"
measure "directory search page, each query new (no page cache hit)" "$here/search-page-new.lua"
measure "/api/businesses, random 1 km bbox" "$here/bbox-1km.lua"
