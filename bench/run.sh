#!/usr/bin/env bash
# Side-by-side benchmark of the provenance server against DuckDB and pyarrow on the same Parquet
# files (see README, "Performance"). Not part of the test suite.
#
#   bench/run.sh [--scale N] [--seed S] [--calls N] [--seconds S]
#
# Builds the jars if needed, generates the synthetic database under bench/data/ if missing, runs
# the peers, starts the server, runs the Java driver and JMH, then prints one table and writes
# bench/results/latest.json and bench/results/latest.png.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=10
SEED=1
CALLS=20000
SECONDS_PER_RUN=5
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --calls) CALLS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    *) echo "usage: bench/run.sh [--scale N] [--seed S] [--calls N] [--seconds S]" >&2; exit 2 ;;
  esac
done

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAVA_OPTS=(--add-opens=java.base/java.nio=ALL-UNNAMED --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
SERVER_JAR=flight-server/target/provenance-server.jar
BENCH_JAR=bench/target/provenance-bench.jar
DB="bench/data/scale-$SCALE-seed-$SEED"
QUERIES="$DB-queries"
OUT="bench/out/scale-$SCALE"
mkdir -p "$OUT" bench/results

log() { echo "[bench] $*" >&2; }

if ! python3 -c "import duckdb, pyarrow, matplotlib, numpy" 2>/dev/null; then
  log "installing the Python peers"
  PIP_RETRIES=0 PIP_TIMEOUT=5 python3 -m pip install -q -r requirements-dev.txt -c constraints.txt
fi

newest_source=$(find pom.xml */pom.xml provenance-proto/src flight-server/src bench/src -type f -newer "$BENCH_JAR" 2>/dev/null | head -1 || true)
if [ ! -f "$SERVER_JAR" ] || [ ! -f "$BENCH_JAR" ] || [ -n "$newest_source" ]; then
  log "building the server and the benchmark jars"
  mvn -B -q -ntp -Pbench -DskipTests package -pl bench -am
fi

if [ ! -f "$DB/_synthetic.json" ]; then
  log "generating the synthetic database at scale $SCALE into $DB"
  rm -rf "$DB"
  start=$(date +%s%N)
  "$JAVA" "${JAVA_OPTS[@]}" -Xmx4g -jar "$SERVER_JAR" gen-synthetic "$DB" --scale "$SCALE" --seed "$SEED" >&2
  echo "{\"seconds\": $(( ($(date +%s%N) - start) / 1000000 ))e-3}" > "$DB-generation.json"
fi
if [ ! -f "$QUERIES/bulk.txt" ]; then
  log "preparing the SWHID lists"
  python3 bench/peers.py prepare "$DB" "$QUERIES" > "$OUT/prepare.json"
fi

log "touching 12 GiB of memory once, so that no measured program pays the first touch"
python3 bench/peers.py touch-memory 12 > "$OUT/touch_memory.json"
log "peers: pyarrow load"
python3 bench/peers.py load "$DB" > "$OUT/pyarrow_load.json"
TABLE=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['largest_table'])" "$OUT/pyarrow_load.json")
log "peers: pyarrow reads $TABLE"
python3 bench/peers.py read-table "$DB" "$TABLE" > "$OUT/pyarrow_read.json"
log "peers: DuckDB point queries"
python3 bench/peers.py duckdb-point "$DB" "$QUERIES" > "$OUT/duckdb_point.json"
log "peers: DuckDB bulk join"
python3 bench/peers.py duckdb-bulk "$DB" "$QUERIES" > "$OUT/duckdb_bulk.json"

PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
log "starting the server on 127.0.0.1:$PORT"
"$JAVA" "${JAVA_OPTS[@]}" -Xmx4g -XX:MaxDirectMemorySize=20g -jar "$SERVER_JAR" serve --database "$DB" \
  --bind "127.0.0.1:$PORT" > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 3600); do
  grep -q "serving on" "$OUT/server.log" && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
  sleep 0.5
done
grep "serving on" "$OUT/server.log" >&2
grep -E "^(VmRSS|VmHWM)" "/proc/$SERVER/status" > "$OUT/server_rss.txt"

log "Java driver (gRPC and Flight clients)"
"$JAVA" "${JAVA_OPTS[@]}" -Xmx4g -jar "$BENCH_JAR" --port "$PORT" --queries "$QUERIES" --out "$OUT/ours.json" \
  --table "$TABLE" --calls "$CALLS" --seconds "$SECONDS_PER_RUN" 2> >(grep "bench-driver" >&2)
log "pyarrow.flight reads $TABLE from the server"
python3 bench/peers.py flight-read "$PORT" "$TABLE" > "$OUT/pyarrow_flight.json"
log "pyarrow.flight bulk provenance"
python3 bench/peers.py flight-bulk "$PORT" "$QUERIES" > "$OUT/pyarrow_flight_bulk.json"
grep -E "^(VmRSS|VmHWM)" "/proc/$SERVER/status" > "$OUT/server_rss_after.txt"
kill "$SERVER"
wait "$SERVER" || true
trap - EXIT

log "JMH: index lookups"
"$JAVA" "${JAVA_OPTS[@]}" -cp "$BENCH_JAR" org.openjdk.jmh.Main IndexLookupBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s \
  -rf json -rff "$OUT/jmh.json" \
  -jvmArgsAppend "${JAVA_OPTS[*]} -Xmx4g -XX:MaxDirectMemorySize=20g -Dbench.database=$DB -Dbench.queries=$QUERIES" \
  > "$OUT/jmh.log" 2>&1 || { tail -30 "$OUT/jmh.log" >&2; exit 1; }

python3 bench/report.py --scale "$SCALE" --seed "$SEED" --db "$DB" --out-dir "$OUT" \
  --json bench/results/latest.json --png bench/results/latest.png
