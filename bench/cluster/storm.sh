#!/usr/bin/env bash
# Reconnect storm on one parkgate node, and memory per idle controller session.
#
#   bench/cluster/storm.sh [REPS] [GATES]      (defaults 3 and 10000; jar: $JAR, default /tmp/pg-bench/parkgate.jar)
#
# One node (HTTP 18091, controllers 18291, -Xmx512m). Memory with 0 sessions (jcmd GC.run, then
# GC.heap_info and VmRSS), then one simulator with GATES gates (prefix g) and memory with GATES idle
# sessions. Then REPS times: kill -9 the simulator, start a new one with the same gates at once, and
# measure (load.py storm-wait) from the new simulator's start until total == GATES, every session in
# the directory is a new one, and 200 random parks all answer a fee query with 200.
# SIMS (env, default 1): the gates are split over SIMS simulator processes (prefixes g, h, ...); the
# initial connect then ramps (one simulator after the other), every storm kills and restarts them all.
# DEADLINE (env, default 300 s) bounds each storm; if the initial connect does not complete in
# time, the script records a thread dump and memory and exits 2.
# Output: /tmp/pg-bench/storm-GATES/ (node and simulator logs, storm-N.json, memory.txt).
set -euo pipefail

REPS=${1:-3}
GATES=${2:-10000}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${JAR:-/tmp/pg-bench/parkgate.jar}
OUT=${OUT:-/tmp/pg-bench/storm-$GATES}
SIMS=${SIMS:-1}           # simulator processes sharing the gates (prefixes g, h, ...)
DEADLINE=${DEADLINE:-300}   # seconds allowed for each connect / reconnect storm
HTTP_PORT=18091
DEV_PORT=18291

# 10k sockets per process: ask for 65536, settle for the hard limit if that is lower
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if (( $(ulimit -n) < GATES + 2000 )); then echo "open files limit $(ulimit -n) too low for $GATES gates" >&2; exit 1; fi

rm -rf "$OUT"; mkdir -p "$OUT"
# shared helpers (bench/lib.sh): PIDS, cleanup traps, now, log, wait_until, forget, ready, total, total_is, ports_free
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# memory LABEL: full GC, then heap used/committed (GC.heap_info) and RSS of the node
memory() {
  local label=$1
  jcmd "$NODE_PID" GC.run > /dev/null
  local heap; heap=$(jcmd "$NODE_PID" GC.heap_info)
  echo "$heap" > "$OUT/heap-$label.txt"
  local used committed rss
  used=$(echo "$heap" | grep -o 'total [0-9]*K, used [0-9]*K' | head -1 | sed -E 's/total ([0-9]+)K, used ([0-9]+)K/\2/')
  committed=$(echo "$heap" | grep -o 'total [0-9]*K, used [0-9]*K' | head -1 | sed -E 's/total ([0-9]+)K, used ([0-9]+)K/\1/')
  rss=$(grep VmRSS "/proc/$NODE_PID/status" | awk '{print $2}')
  echo "$label sessions=$(total "$HTTP_PORT") heap_used_kb=$used heap_committed_kb=$committed rss_kb=$rss" | tee -a "$OUT/memory.txt" >&2
}

PREFIXES=(g h i j k l m n)
PREFIX_LIST=$(IFS=,; echo "${PREFIXES[*]:0:$SIMS}")
SIM_PIDS=()
start_sim() {   # start_sim N [K]: simulator K (default: all SIMS of them) with GATES/SIMS gates each; sets SIM_T
  SIM_T=$(now)
  local k
  for k in $(seq "${2:-0}" "${3:-$((SIMS - 1))}"); do
    java -Xmx1g -jar "$JAR" simulate --port "$DEV_PORT" --gates "$((GATES / SIMS))" --prefix "${PREFIXES[$k]}" \
      > "$OUT/sim$1-${PREFIXES[$k]}.log" 2>&1 &
    SIM_PIDS+=($!); PIDS+=($!)
  done
}
kill_sims() { local p; kill -KILL "${SIM_PIDS[@]}"; for p in "${SIM_PIDS[@]}"; do wait "$p" 2>/dev/null || true; forget "$p"; done; SIM_PIDS=(); }

wait_until 90 "ports free" ports_free "$HTTP_PORT" "$DEV_PORT"
log "ulimit -n $(ulimit -n); node log $OUT/node.log"
java -Xmx512m -jar "$JAR" run --http-port "$HTTP_PORT" --device-port "$DEV_PORT" \
  --max-controller-connections "$((GATES + 1000))" --max-controller-connections-per-source "$((GATES + 1000))" \
  --cluster-name "bench-$RANDOM-storm" > "$OUT/node.log" 2>&1 &
NODE_PID=$!; PIDS+=($!)
wait_until 60 "node ready" ready "$HTTP_PORT"
# warm the HTTP path a little (the 0-session baseline should not include lazy class loading of the API)
for i in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/v1/parks/g$i/fee"; done
memory idle-0

# initial connect: with SIMS > 1 the simulators start one after the other (each once the previous
# one's gates are all online), a ramp instead of one storm
for k in $(seq 0 $((SIMS - 1))); do
  start_sim 0 "$k" "$k"
  [[ $k == 0 ]] && T_INITIAL=$SIM_T
  if ! wait_until "$DEADLINE" "$((GATES / SIMS * (k + 1))) sessions (initial connect)" total_is "$HTTP_PORT" "$((GATES / SIMS * (k + 1)))"; then
    log "initial connect did not complete: directory total $(total "$HTTP_PORT"); simulator: $(grep -h 'gates online' "$OUT"/sim0-*.log | tail -1 | cut -c60-)"
    jcmd "$NODE_PID" Thread.print > "$OUT/threads-initial-timeout.txt" 2>&1 || true
    memory "stuck"
    exit 2
  fi
done
SIM_T=$T_INITIAL
log "initial connect of $GATES gates: $(python3 -c "import time;print(round(time.time()-$SIM_T,3))") s (bash poll, 100 ms)"
python3 "$HERE/load.py" storm-wait --port "$HTTP_PORT" --gates "$GATES" --since "$SIM_T" --prefix "$PREFIX_LIST" --deadline "$DEADLINE" > "$OUT/storm-0.json"
log "initial: $(cat "$OUT/storm-0.json" | cut -c1-200)"
memory "idle-$GATES"

for rep in $(seq 1 "$REPS"); do
  kill_sims
  start_sim "$rep"
  python3 "$HERE/load.py" storm-wait --port "$HTTP_PORT" --gates "$GATES" --since "$SIM_T" --prefix "$PREFIX_LIST" --seed "$rep" --deadline "$DEADLINE" \
    > "$OUT/storm-$rep.json"
  log "storm $rep: $(cut -c1-300 "$OUT/storm-$rep.json")"
done
memory "idle-$GATES-after-storms"
grep -n -E 'ERROR|Exception|WARN' "$OUT/node.log" | grep -v -E 'c\.h\.(cp\.CPSubsystem|i\.impl\.Node)|different cluster-name|ClusterJoinManager' > "$OUT/node-warnings.txt" || true
log "$(wc -l < "$OUT/node-warnings.txt") WARN/ERROR/Exception lines in the node log; $(grep -c 'session open' "$OUT/node.log") session opens, $(grep -c 'session close' "$OUT/node.log") closes"
python3 - "$OUT" "$REPS" <<'PY'
import json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{out}/storm-{i}.json")) for i in range(1, reps + 1)]
for key in ("total_reached_s", "all_sessions_new_s", "sample_all_200_s"):
    v = [r[key] for r in runs if r[key] is not None]
    print(key, v, "median", statistics.median(v) if v else None)
PY
