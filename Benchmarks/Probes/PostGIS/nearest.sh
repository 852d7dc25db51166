#!/usr/bin/env bash
# PostGIS nearest-5 with a kind, as PostgresRegistry.nearest asks it (13 rows: the page and its tie margin), at 16,000 and 1,000,000 businesses:
# p50/p99 of the query as a client on the same machine sees it (pgbench over the Unix socket, one client,
# per-query latencies logged). The schema is Lapak's own (`lapak migrate`); the rows are synthetic.
#
#   Benchmarks/Probes/PostGIS/nearest.sh            # 16000 and 1000000
#   Benchmarks/Probes/PostGIS/nearest.sh 16000      # one size
#
# Needs a built `lapak` (swift build --product lapak) and PostgreSQL with PostGIS (make deps).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
if [ -z "${LAPAK_TEST_POSTGRES_URL:-}" ]; then exec "$root/scripts/with-postgres.sh" "$0" "$@"; fi
lapak="${LAPAK_BIN:-$root/.build/debug/lapak}"
seconds="${SECONDS_PER_SIZE:-15}"
folder="${LAPAK_TEST_POSTGRES_URL##*host=}"
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
psql=("$bindir/psql" -h "$folder" -U lapak -v ON_ERROR_STOP=1 -q)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(16000 1000000)
for n in "${sizes[@]}"; do
  db="bench_$n"
  "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE lapak_template"
  LAPAK_DATABASE_URL="postgres://lapak@localhost:5432/$db?host=$folder" "$lapak" migrate >/dev/null
  # 16,000 over Bontang (0.27 x 0.22 degrees); a million over a region 64 times its area with the same
  # 16 kinds, so that a kind's neighbours are about as dense as in a large city.
  if [ "$n" -le 16000 ]; then south=-0.02; span_lat=0.27; west=117.38; span_lon=0.22; else south=-1.0; span_lat=2.16; west=116.0; span_lon=1.76; fi
  "${psql[@]}" -d "$db" <<SQL
SELECT setseed(0.16);
INSERT INTO business (registry_id, name, category, mode, latitude, longitude, halal, verified, created_at, updated_at)
SELECT 'B' || i, 'Usaha ' || i, 'kind-' || (1 + (random() * 15)::int), 'menetap',
       $south + random() * $span_lat, $west + random() * $span_lon, random() < 0.5, true, 0, 0
FROM generate_series(1, $n) AS i;
INSERT INTO place (business_id, category, halal, geom)
SELECT id, category, halal, ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography FROM business;
VACUUM ANALYZE;
SQL
  cat >"$work/nearest.sql" <<SQL
\set lat_m random(0, 1000000)
\set lon_m random(0, 1000000)
\set kind random(1, 16)
SELECT b.id, b.registry_id, b.name, ST_Y(p.geom::geometry), ST_X(p.geom::geometry),
       ST_Distance(p.geom, ST_SetSRID(ST_MakePoint($west + :lon_m * $span_lon / 1000000.0, $south + :lat_m * $span_lat / 1000000.0), 4326)::geography, false)
FROM place p JOIN business b ON b.id = p.business_id
WHERE p.category = 'kind-' || :kind AND (NOT false OR p.halal) AND (p.expires_at IS NULL OR p.expires_at > 0)
ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint($west + :lon_m * $span_lon / 1000000.0, $south + :lat_m * $span_lat / 1000000.0), 4326)::geography
LIMIT 13;
SQL
  (cd "$work" && "$bindir/pgbench" -h "$folder" -U lapak -n -f nearest.sql -T "$seconds" -c 1 -M prepared -l --log-prefix="log_$n" "$db" >"$work/summary_$n" 2>&1)
  python3 - "$n" "$work"/log_"$n"* <<'PY'
import sys, statistics
n = sys.argv[1]
latencies = sorted(int(line.split()[2]) for path in sys.argv[2:] for line in open(path))
def pct(p): return latencies[min(len(latencies) - 1, int(p * len(latencies)))] / 1000.0
print(f"PostGIS nearest-5 with a kind at {int(n):,} businesses: {len(latencies):,} queries, p50 {pct(0.50):.3f} ms, p99 {pct(0.99):.3f} ms, max {latencies[-1]/1000.0:.3f} ms")
PY
  "${psql[@]}" -d "$db" -c "EXPLAIN (COSTS OFF) SELECT p.business_id FROM place p WHERE p.category = 'kind-3' ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(117.5, 0.1), 4326)::geography LIMIT 13" | sed -n '1,8p'
  "${psql[@]}" -d postgres -c "DROP DATABASE $db"
done
