#!/usr/bin/env bash
# Side-by-side benchmark of the provenance server, memory-mapped index and in-memory mode, against
# DuckDB and pyarrow on the same Parquet files (see docs/performance.md). Not part of the test suite.
#
#   bench/run.sh [--scale N] [--small-scale N] [--seed S] [--rounds N] [--calls N] [--seconds S]
#                [--cgroup-limit BYTES]
#
# Builds the jars if needed, generates the synthetic databases under bench/data/ if missing (at
# --scale, default 10, and at --small-scale, default 1, for the start time's scale ratio), runs
# the peers, builds the index (timed), measures starts to SERVING, runs the Java driver --rounds
# times against an in-memory and a mapped server running side by side (every phase measures them
# in turn), then cold lookups after evicting the index from the page cache, the mapped server inside a memory cgroup of half the in-memory
# server's resident size (or --cgroup-limit), and JMH in both modes; prints the tables and writes
# bench/results/latest.json and bench/results/latest.png. Needs root (vmtouch -e, cgroup v1).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=10
SMALL_SCALE=1
SEED=1
ROUNDS=3
CALLS=20000
SECONDS_PER_RUN=5
CGROUP_LIMIT=""
usage="usage: bench/run.sh [--scale N] [--small-scale N] [--seed S] [--rounds N] [--calls N] [--seconds S] [--cgroup-limit BYTES]"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --small-scale) SMALL_SCALE="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --calls) CALLS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --cgroup-limit) CGROUP_LIMIT="$2"; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAVA_OPTS=(--add-opens=java.base/java.nio=ALL-UNNAMED --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
# Both modes get the same JVM: a small heap, and direct memory enough for the in-memory database.
SERVER_JVM=(-Xmx4g -XX:MaxDirectMemorySize=20g)
SERVER_JAR=flight-server/target/provenance-server.jar
BENCH_JAR=bench/target/provenance-bench.jar
DB="bench/data/scale-$SCALE-seed-$SEED"
INDEX="$DB-index"
SMALL_DB="bench/data/scale-$SMALL_SCALE-seed-$SEED"
SMALL_INDEX="$SMALL_DB-index"
QUERIES="$DB-queries"
OUT="bench/out/scale-$SCALE"
rm -rf "$OUT"
mkdir -p "$OUT" bench/results

log() { echo "[bench] $*" >&2; }
now_ms() { date +%s%3N; }
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }

if [ "$(id -u)" != 0 ]; then
  log "run as root: the cold and cgroup phases evict files from the page cache and create a memory cgroup"
  exit 2
fi
if ! command -v vmtouch > /dev/null; then
  log "installing vmtouch (evicts files from the page cache)"
  apt-get install -y -q vmtouch > /dev/null
fi
if ! python3 -c "import duckdb, pyarrow, matplotlib, numpy" 2>/dev/null; then
  log "installing the Python peers"
  PIP_RETRIES=0 PIP_TIMEOUT=5 python3 -m pip install -q -r requirements-dev.txt -c constraints.txt
fi

newest_source=$(find pom.xml */pom.xml provenance-proto/src flight-server/src bench/src -type f -newer "$BENCH_JAR" 2>/dev/null | head -1 || true)
if [ ! -f "$SERVER_JAR" ] || [ ! -f "$BENCH_JAR" ] || [ -n "$newest_source" ]; then
  log "building the server and the benchmark jars"
  mvn -B -q -ntp -Pbench -DskipTests package -pl bench -am
fi

generate() {  # SCALE DIRECTORY
  if [ ! -f "$2/_synthetic.json" ]; then
    log "generating the synthetic database at scale $1 into $2"
    rm -rf "$2"
    local start; start=$(now_ms)
    "$JAVA" "${JAVA_OPTS[@]}" -Xmx4g -jar "$SERVER_JAR" gen-synthetic "$2" --scale "$1" --seed "$SEED" >&2
    echo "{\"seconds\": $(( $(now_ms) - start ))e-3}" > "$2-generation.json"
  fi
}
generate "$SCALE" "$DB"
generate "$SMALL_SCALE" "$SMALL_DB"
if [ ! -f "$QUERIES/cold.txt" ]; then
  log "preparing the SWHID lists"
  python3 bench/peers.py prepare "$DB" "$QUERIES" > "$OUT/prepare.json"
fi

# --- servers: NAME -> process id, gRPC/Flight port, metrics port; logs and snapshots in $OUT/NAME.*
declare -A PID PORT METRICS_PORT
CGROUP=""
cleanup() {
  for name in "${!PID[@]}"; do
    kill "${PID[$name]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "$CGROUP" ] && [ -d "$CGROUP" ]; then
    rmdir "$CGROUP" || log "could not remove the cgroup $CGROUP"
  fi
}
trap cleanup EXIT

# start_server NAME CGROUP_DIR JAVA_ARGS...: starts the server in the background (inside the memory
# cgroup CGROUP_DIR unless it is empty), listening on free loopback ports; JAVA_ARGS end with
# `-jar JAR serve ...`. The launch time is written to $OUT/NAME.launch_ms.
start_server() {
  local name=$1 cgroup=$2
  shift 2
  PORT[$name]=$(free_port)
  METRICS_PORT[$name]=$(free_port)
  now_ms > "$OUT/$name.launch_ms"
  if [ -n "$cgroup" ]; then
    # shellcheck disable=SC2016 # $$ and $0 are the inner shell's
    sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cgroup" "$JAVA" "${JAVA_OPTS[@]}" "$@" \
      --bind "127.0.0.1:${PORT[$name]}" --metrics-bind "127.0.0.1:${METRICS_PORT[$name]}" > "$OUT/$name.log" 2>&1 &
  else
    "$JAVA" "${JAVA_OPTS[@]}" "$@" \
      --bind "127.0.0.1:${PORT[$name]}" --metrics-bind "127.0.0.1:${METRICS_PORT[$name]}" > "$OUT/$name.log" 2>&1 &
  fi
  PID[$name]=$!
}

wait_serving() {  # NAME: until the server logs that it serves (polled every 10 ms), or exit 1 if it dies
  local name=$1
  while ! grep -qs "serving on" "$OUT/$name.log"; do
    if ! kill -0 "${PID[$name]}" 2>/dev/null; then
      log "the server $name exited:"
      cat "$OUT/$name.log" >&2
      exit 1
    fi
    sleep 0.01
  done
}

snapshot() {  # NAME WHEN: the server's /proc status and stat, and its Prometheus metrics
  local name=$1 when=$2
  cp "/proc/${PID[$name]}/status" "$OUT/$name.$when.status"
  cp "/proc/${PID[$name]}/stat" "$OUT/$name.$when.stat"
  curl -sf "http://127.0.0.1:${METRICS_PORT[$name]}/metrics" > "$OUT/$name.$when.metrics"
}

stop_server() {  # NAME
  local name=$1
  kill "${PID[$name]}"
  wait "${PID[$name]}" || true
  unset "PID[$name]"
}

target() {  # NAME...: the Java driver's arguments that name these running servers
  for name in "$@"; do
    echo "--server=$name=${PORT[$name]}"
  done
}

driver() {  # OUT_JSON DRIVER_ARGS...: the Java driver (given servers with `target NAME...`)
  local out=$1
  shift
  "$JAVA" "${JAVA_OPTS[@]}" -Xmx4g -jar "$BENCH_JAR" --queries "$QUERIES" --out "$out" \
    --calls "$CALLS" --seconds "$SECONDS_PER_RUN" "$@" 2> >(grep -v "^WARNING" >&2)
}

jvm_start() {  # FILE: milliseconds the JVM takes to run `provenance-server.jar --version`, written to FILE
  local start
  start=$(now_ms)
  "$JAVA" "${JAVA_OPTS[@]}" "${SERVER_JVM[@]}" -jar "$SERVER_JAR" --version > /dev/null
  echo "$(( $(now_ms) - start ))" > "$1"
}

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

# --- index build, timed from a fresh directory (the Parquet files are in the page cache, as for
# the in-memory server's load below)
for scale in "$SMALL_SCALE" "$SCALE"; do
  db="bench/data/scale-$scale-seed-$SEED"
  log "index: building $db-index"
  rm -rf "$db-index"
  start=$(now_ms)
  /usr/bin/time -o "$OUT/index-$scale.time" -f '"user_s": %U, "sys_s": %S, "minor_faults": %R, "major_faults": %F' \
    "$JAVA" "${JAVA_OPTS[@]}" "${SERVER_JVM[@]}" -jar "$SERVER_JAR" index "$db" "$db-index" > "$OUT/index-$scale.log" 2>&1 \
    || { cat "$OUT/index-$scale.log" >&2; exit 1; }
  echo "{\"seconds\": $(( $(now_ms) - start ))e-3, \"disk_bytes\": $(du -s --block-size=1 "$db-index" | cut -f1)," \
    "\"apparent_bytes\": $(du -s --apparent-size --block-size=1 "$db-index" | cut -f1), $(cat "$OUT/index-$scale.time")}" \
    > "$OUT/index-$scale.json"
done

# --- start to SERVING, mapped, at both scales, with the index evicted from the page cache (a
# restart on another node: "cold"), cached (a restart in place: "warm"), and evicted with a JDK AOT
# cache of the server's classes ("aot": -XX:AOTCache, trained once on a start at the small scale);
# right before each start, in the same state, the JVM's own start (`--version`)
log "starts: training a JDK AOT cache on a mapped start at scale $SMALL_SCALE"
start_server aot-training "" "${SERVER_JVM[@]}" -XX:AOTCacheOutput="$OUT/server.aot" \
  -jar "$SERVER_JAR" serve --database "$SMALL_DB" --index "$SMALL_INDEX"
wait_serving aot-training
stop_server aot-training
log "starts: mapped at scale $SCALE and $SMALL_SCALE, index evicted, cached, evicted with the AOT cache; $ROUNDS rounds"
for round in $(seq 1 "$ROUNDS"); do
  for cache in cold warm aot; do
    for scale in "$SCALE" "$SMALL_SCALE"; do
      db="bench/data/scale-$scale-seed-$SEED"
      if [ "$cache" = warm ]; then vmtouch -q -t "$db-index"; else vmtouch -q -e "$db-index"; fi
      aot=()
      if [ "$cache" = aot ]; then aot=(-XX:AOTCache="$OUT/server.aot" -XX:AOTMode=on); fi
      name="start-mapped-$scale-$cache-$round"
      jvm_start "$OUT/$name.jvm_ms"
      start_server "$name" "" "${SERVER_JVM[@]}" "${aot[@]}" -jar "$SERVER_JAR" serve --database "$db" --index "$db-index"
      wait_serving "$name"
      snapshot "$name" after_start
      stop_server "$name"
    done
  done
done
log "starts: in memory at scale $SMALL_SCALE"
jvm_start "$OUT/start-memory-small.jvm_ms"
start_server start-memory-small "" "${SERVER_JVM[@]}" -jar "$SERVER_JAR" serve --database "$SMALL_DB"
wait_serving start-memory-small
snapshot start-memory-small after_start
stop_server start-memory-small

# --- warm: both modes side by side, the driver alternating between them
log "starting the in-memory server at scale $SCALE"
jvm_start "$OUT/memory.jvm_ms"
start_server memory "" "${SERVER_JVM[@]}" -jar "$SERVER_JAR" serve --database "$DB"
wait_serving memory
snapshot memory after_start
grep -o "loaded .*serving on" "$OUT/memory.log" >&2
log "starting the mapped server at scale $SCALE (index in the page cache)"
vmtouch -q -t "$INDEX"
start_server mapped "" "${SERVER_JVM[@]}" -jar "$SERVER_JAR" serve --database "$DB" --index "$INDEX"
wait_serving mapped
snapshot mapped after_start
grep -o "mapped .*serving on" "$OUT/mapped.log" >&2

log "Java driver: loopback TCP and grpc-java's floor"
driver "$OUT/floor.json" --phases tcp,grpc-floor
log "Java driver: warming both servers up (not measured)"
driver "$OUT/warm-up.json" $(target memory mapped) --phases latency,flight-bulk,doget --calls 2000 --table "$TABLE"
snapshot memory before_rounds
snapshot mapped before_rounds
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="memory mapped"; else order="mapped memory"; fi
  log "Java driver, round $round of $ROUNDS: both servers in turn ($order)"
  # shellcheck disable=SC2086 # $order is two names
  driver "$OUT/ours-$round.json" $(target $order) --phases latency,throughput,grpc-bulk,flight-bulk,doget --table "$TABLE"
done
snapshot memory after_rounds
snapshot mapped after_rounds
log "pyarrow.flight against both servers in turn: reads $TABLE, bulk provenance"
python3 bench/peers.py flight-read "$TABLE" "memory=${PORT[memory]}" "mapped=${PORT[mapped]}" > "$OUT/pyarrow_flight.json"
python3 bench/peers.py flight-bulk "$QUERIES" "memory=${PORT[memory]}" "mapped=${PORT[mapped]}" > "$OUT/pyarrow_flight_bulk.json"
driver "$OUT/answers.json" $(target memory mapped) --phases answers --answers-dir "$OUT"
snapshot memory after_bench
snapshot mapped after_bench
stop_server mapped
stop_server memory

# --- cold: a new mapped server on an evicted index; DuckDB on evicted Parquet files
log "cold: this machine's disk, one random 4 KiB read at a time"
python3 bench/peers.py disk-latency "$INDEX/nodes.sha1_git" > "$OUT/disk_latency.json"
log "cold: WhereIsOne on random known contents, after a warm-up on the others, index paged out"
vmtouch -q -e "$INDEX"
start_server cold "" "${SERVER_JVM[@]}" -jar "$SERVER_JAR" serve --database "$DB" --index "$INDEX"
wait_serving cold
snapshot cold after_start
cp "/proc/${PID[cold]}/maps" "$OUT/cold.maps"
# the warm-up over, the driver runs the eviction command; it then starts perf (if installed) to
# record the address of every major page fault of the cold lookups, to attribute them to the index files
evict="python3 bench/peers.py evict ${PID[cold]} $INDEX > $OUT/cold.evict.json"
if command -v perf > /dev/null; then
  evict+=" && { perf record -q -e major-faults -c 1 -d -p ${PID[cold]} -o $OUT/cold.perf.data > /dev/null 2>&1 &"
  evict+=" echo \$! > $OUT/cold.perf.pid; sleep 0.5; }"
fi
driver "$OUT/cold.json" $(target cold) --phases cold --server-pid "${PID[cold]}" --cold-evict "$evict"
if [ -f "$OUT/cold.perf.pid" ]; then
  kill -INT "$(cat "$OUT/cold.perf.pid")"
  while kill -0 "$(cat "$OUT/cold.perf.pid")" 2> /dev/null; do sleep 0.1; done
  perf script -i "$OUT/cold.perf.data" -F addr > "$OUT/cold.fault_addresses" 2> /dev/null
fi
snapshot cold after_bench
stop_server cold
log "cold: DuckDB point queries, Parquet files evicted before each"
python3 bench/peers.py duckdb-cold "$DB" "$QUERIES" > "$OUT/duckdb_cold.json"

# --- the mapped server in a memory cgroup (v1) limited to half the in-memory server's resident
# memory (unless --cgroup-limit), sized as the chart's entrypoint sizes the JVM (docker/entrypoint.sh); its pages are
# evicted first, so that the cgroup is charged for every page it reads
memory_rss_kib=$(awk '$1 == "VmRSS:" { print $2 }' "$OUT/memory.after_start.status")
limit=${CGROUP_LIMIT:-$(( memory_rss_kib * 1024 / 2 ))}
parent="/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)"
CGROUP="${parent%/}/provenance-bench-$$"
log "cgroup: the mapped server in $CGROUP, memory.limit_in_bytes = $limit"
mkdir "$CGROUP"
echo "$limit" > "$CGROUP/memory.limit_in_bytes"
echo "$limit" > "$OUT/cgroup.limit_bytes"
vmtouch -q -e "$INDEX"
start_server cgroup "$CGROUP" -XX:MaxRAMPercentage=10 -XX:MaxDirectMemorySize=$(( limit / 1048576 * 70 / 100 ))m \
  -XX:+ExitOnOutOfMemoryError -jar "$SERVER_JAR" serve --database "$DB" --index "$INDEX"
wait_serving cgroup
snapshot cgroup after_start
# every table read once first (more bytes than the limit), so that the figures after it are taken
# while the group's page cache is full and the kernel evicts pages within the limit
driver "$OUT/ours-cgroup.json" $(target cgroup) --phases doget-all,latency,flight-bulk,doget --table "$TABLE"
driver "$OUT/answers-cgroup.json" $(target cgroup) --phases answers --answers-dir "$OUT"
snapshot cgroup after_bench
for file in memory.max_usage_in_bytes memory.failcnt memory.oom_control memory.stat; do
  cp "$CGROUP/$file" "$OUT/cgroup.$file"
done
stop_server cgroup
rmdir "$CGROUP"
CGROUP=""

log "JMH: index lookups, in memory and mapped"
vmtouch -q -t "$INDEX"
"$JAVA" "${JAVA_OPTS[@]}" -cp "$BENCH_JAR" org.openjdk.jmh.Main IndexLookupBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s \
  -rf json -rff "$OUT/jmh.json" \
  -jvmArgsAppend "${JAVA_OPTS[*]} ${SERVER_JVM[*]} -Dbench.database=$DB -Dbench.index=$INDEX -Dbench.queries=$QUERIES" \
  > "$OUT/jmh.log" 2>&1 || { tail -30 "$OUT/jmh.log" >&2; exit 1; }

python3 bench/report.py --scale "$SCALE" --small-scale "$SMALL_SCALE" --seed "$SEED" --db "$DB" --out-dir "$OUT" \
  --json bench/results/latest.json --png bench/results/latest.png
