#!/usr/bin/env bash
# Node death (kill -9) in a 3-node parkgate cluster, measured with real processes.
#
#   bench/cluster/failover.sh [REPS]        (default 3; jar: $JAR, default /tmp/pg-bench/parkgate.jar)
#
# Per repetition (a fresh cluster each time, cluster name bench-$RANDOM-rN):
#   3 nodes (HTTP 18081-18083, controllers 18281-18283, -Xmx512m), lbproxy.py on 18280 round-robin
#   over the 3 controller ports, 3 simulators x 100 gates (prefixes n1- n2- n3-) all through the proxy;
#   load.py: 100 req/s of fee queries (timeoutMs=2000) into node 1's HTTP, round-robin over the
#   300 parks; after >= 10 s of load, kill -9 node 3, then measure
#     (a) until GET /api/v1/parks?node=<node3> on node 1 and on node 2 reports total 0,
#     (b) until every one of the 300 parks answers 200 again: node 3's 100 parks are probed every 250 ms
#         until each answered 200 three times in a row (load.py failover); the other 200 parks from the
#         load (first 200 after a park's last failure); (b) is the later of the two
#     (c) the load's answers for node 3's parks during the window (status/error counts, max latency).
# Output: /tmp/pg-bench/failover/rN/ (node logs, CSVs, report.json); summary in
# /tmp/pg-bench/failover/reports.jsonl and on stdout.
set -euo pipefail

REPS=${1:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${JAR:-/tmp/pg-bench/parkgate.jar}
OUT=${OUT:-/tmp/pg-bench/failover}
HTTP_PORTS=(18081 18082 18083)
DEV_PORTS=(18281 18282 18283)
PROXY_PORT=18280
TIMEOUT_MS=2000
RATE=100

mkdir -p "$OUT"
: > "$OUT/reports.jsonl"

# shared helpers (bench/lib.sh): PIDS, cleanup traps, now, log, wait_until, forget, stop_pid, ready,
# total, total_is, ports_free, node_id
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all_total_is() { local p; for p in "${HTTP_PORTS[@]}"; do total_is "$p" "$1" || return 1; done; }

# warm: the load has >= $2 answers and its last 300 were all 200 within 100 ms (JIT warm, no backlog)
warm() {
  [[ -s $1 ]] || return 1
  python3 - "$1" "$2" <<'PY'
import sys
rows = [l.split(",") for l in open(sys.argv[1]).read().splitlines()[1:]]
last = rows[-300:]
ok = len(rows) >= int(sys.argv[2]) and all(r[2] == "200" and float(r[4]) < 100 for r in last)
sys.exit(0 if ok else 1)
PY
}

for rep in $(seq 1 "$REPS"); do
  R="$OUT/r$rep"; rm -rf "$R"; mkdir -p "$R"
  NAME="bench-$RANDOM-r$rep"
  log "=== repetition $rep: cluster $NAME, files in $R"
  wait_until 90 "ports free" ports_free "${HTTP_PORTS[@]}" "${DEV_PORTS[@]}" "$PROXY_PORT"

  NODE_PIDS=()
  for i in 0 1 2; do
    java -Xmx512m -Dlogback.configurationFile="$HERE/logback-bench.xml" -jar "$JAR" run --http-port "${HTTP_PORTS[$i]}" --device-port "${DEV_PORTS[$i]}" \
      --cluster-name "$NAME" > "$R/node$((i + 1)).log" 2>&1 &
    NODE_PIDS+=($!); PIDS+=($!)
    # node 1 first, so that it is the oldest member (Hazelcast master) and the others join it
    if ((i == 0)); then wait_until 60 "node 1 ready" ready "${HTTP_PORTS[0]}"; fi
  done
  for p in "${HTTP_PORTS[@]}"; do wait_until 60 "node on $p ready" ready "$p"; done

  python3 "$HERE/lbproxy.py" --listen "$PROXY_PORT" \
    --backend "127.0.0.1:${DEV_PORTS[0]}" --backend "127.0.0.1:${DEV_PORTS[1]}" --backend "127.0.0.1:${DEV_PORTS[2]}" \
    > "$R/proxy.log" 2>&1 &
  PROXY_PID=$!; PIDS+=($!)
  wait_until 10 "proxy listening" grep -q listening "$R/proxy.log"

  SIM_PIDS=()
  : > "$R/parks.txt"
  for s in 1 2 3; do
    java -Xmx256m -jar "$JAR" simulate --port "$PROXY_PORT" --gates 100 --prefix "n$s-" > "$R/sim$s.log" 2>&1 &
    SIM_PIDS+=($!); PIDS+=($!)
    for g in $(seq 1 100); do echo "n$s-$g"; done >> "$R/parks.txt"
  done
  # every node's view of the directory must list all 300 parks (this also proves the 3 formed one cluster)
  wait_until 90 "300 parks in every node's view" all_total_is 300
  DEAD_ID=$(node_id "${HTTP_PORTS[2]}")
  for i in 1 2 3; do echo "node$i $(node_id "${HTTP_PORTS[$((i - 1))]}") parks=$(total "${HTTP_PORTS[0]}" "$(node_id "${HTTP_PORTS[$((i - 1))]}")")"; done > "$R/nodes.txt"
  cat "$R/nodes.txt" >&2

  python3 "$HERE/load.py" load --port "${HTTP_PORTS[0]}" --parks "$R/parks.txt" --out "$R/load.csv" \
    --rate "$RATE" --timeout-ms "$TIMEOUT_MS" --duration 600 > "$R/load.log" 2>&1 &
  LOAD_PID=$!; PIDS+=($!)
  # warm-up: >= 10 s of load, and the last 300 answers all 200 within 100 ms (at most 120 s)
  wait_until 120 "warm load" warm "$R/load.csv" 1000 || log "WARNING: load not warm, measuring anyway"
  curl -s "http://127.0.0.1:${HTTP_PORTS[0]}/api/v1/parks?node=$DEAD_ID&limit=1000" \
    | grep -o '"parkId":"[^"]*"' | cut -d'"' -f4 > "$R/dead_parks.txt"
  echo "loadavg before kill: $(cat /proc/loadavg)" >> "$R/nodes.txt"
  log "node 3 ($DEAD_ID) holds $(wc -l < "$R/dead_parks.txt") parks; kill -9 ${NODE_PIDS[2]} (by load.py failover)"

  # load.py failover: warm connections, start the directory pollers on nodes 1 and 2, kill -9 node 3,
  # probe each of node 3's parks (every 250 ms, first wave spread over 250 ms) until it answers 200
  # three times in a row; the other 200 parks are covered by the load (each asked every 3 s)
  python3 "$HERE/load.py" failover --port "${HTTP_PORTS[0]}" --parks "$R/parks.txt" --out "$R/probe.csv" \
    --timeout-ms "$TIMEOUT_MS" --deadline 60 --kill-pid "${NODE_PIDS[2]}" --dead-node "$DEAD_ID" \
    --probe-parks "$R/dead_parks.txt" \
    --dir-port "${HTTP_PORTS[0]}" --dir-port "${HTTP_PORTS[1]}" > "$R/probe.json" 2> "$R/probe.err"
  wait "${NODE_PIDS[2]}" 2>/dev/null || true; forget "${NODE_PIDS[2]}"
  KILL_T=$(python3 -c "import json;print(json.load(open('$R/probe.json'))['kill_unix'])")
  # Hazelcast removing the member: node 1's first "Removing Member" line after the kill
  MEMBER_T=$(python3 - "$R/node1.log" "$KILL_T" <<'PY'
import datetime, re, sys
path, kill = sys.argv[1], float(sys.argv[2])
day = datetime.datetime.fromtimestamp(kill).date()
for line in open(path, errors="replace"):
    m = re.match(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) ", line)
    if m and "Removing Member" in line:
        t = datetime.datetime.combine(day, datetime.time(*map(int, m.groups()[:3]), int(m.group(4)) * 1000)).timestamp()
        if t >= kill - 1:
            print(t)
            break
PY
)
  # keep the load running 10 s past the last recovery to catch late failures, then stop it
  END_T=$(python3 -c "import json,time;s=json.load(open('$R/probe.json'));print((s['all_ok_unix'] or time.time())+10)")
  wait_until 90 "10 s of load after recovery" python3 -c "import time,sys;sys.exit(time.time()<$END_T)"
  stop_pid "$LOAD_PID"

  python3 "$HERE/load.py" report --run "$rep" --load "$R/load.csv" --probe "$R/probe.json" \
    --probe-csv "$R/probe.csv" --dead-parks "$R/dead_parks.txt" --timeout-ms "$TIMEOUT_MS" \
    ${MEMBER_T:+--member-removed "$MEMBER_T"} > "$R/report.json"
  cat "$R/report.json" >> "$OUT/reports.jsonl"
  python3 -m json.tool "$R/report.json" >&2

  for p in "${SIM_PIDS[@]}"; do stop_pid "$p"; done
  stop_pid "$PROXY_PID"
  stop_pid "${NODE_PIDS[1]}"
  stop_pid "${NODE_PIDS[0]}"
  grep -n -E 'ERROR|Exception|WARN' "$R"/node*.log | grep -v -E 'c\.h\.(cp\.CPSubsystem|i\.c\.i\.ClusterJoinManager|i\.impl\.Node)|hazelcast\.cluster - .*different cluster-name' > "$R/node-warnings.txt" || true
  log "repetition $rep done: $(wc -l < "$R/node-warnings.txt") WARN/ERROR/Exception lines in node logs"
done

python3 "$HERE/load.py" summary --reports "$OUT/reports.jsonl"
