#!/usr/bin/env bash
# Directory consistency across membership changes (reproduces two findings of RESULTS.md).
#
#   bench/cluster/directory.sh           (jar: $JAR, default /tmp/pg-bench/parkgate.jar)
#
# Node A (HTTP 18101, controllers 18301) and node B (18102/18302), 50 gates on each (prefixes a-, b-,
# simulators connected straight to their node).
# 1. kill -9 node B together with its simulator (its controllers do not come back): node A's listing
#    of node B's parks and fee queries via A are sampled for 30 s.
# 2. Node C (18103/18303) joins: A's and C's listing totals and a fee query for a-1 via A and via C
#    are sampled for 10 s after C is ready.
# Output: /tmp/pg-bench/directory/ (logs, samples.txt).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${JAR:-/tmp/pg-bench/parkgate.jar}
OUT=${OUT:-/tmp/pg-bench/directory}
rm -rf "$OUT"; mkdir -p "$OUT"
NAME="bench-$RANDOM-dir"
# shared helpers (bench/lib.sh): spawn, cleanup traps, log, wait_until, ready, total, total_is, node_id
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log() { echo "[$(date +%T.%3N)] $*" | tee -a "$OUT/samples.txt" >&2; }
fee() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1/api/v1/parks/$2/fee?timeoutMs=2000"; }
node() {  # node NAME HTTP DEV
  spawn "PID_$1" "$OUT/node-$1.log" java -Xmx512m -Dlogback.configurationFile="$HERE/logback-bench.xml" -jar "$JAR" \
    run --http-port "$2" --device-port "$3" --cluster-name "$NAME"
}
sim() {  # sim NAME DEV PREFIX
  spawn "SIM_$1" "$OUT/sim-$1.log" java -Xmx256m -jar "$JAR" simulate --port "$2" --gates 50 --prefix "$3"
}

node A 18101 18301; wait_until 60 "A ready" ready 18101
node B 18102 18302; wait_until 60 "B ready" ready 18102
sim A 18301 a-; sim B 18302 b-
wait_until 60 "100 parks on A" total_is 18101 100
wait_until 60 "100 parks on B" total_is 18102 100
A=$(node_id 18101); B=$(node_id 18102)
log "A=$A B=$B; totals A=$(total 18101) B=$(total 18102); fee a-1 via B: $(fee 18102 a-1), b-1 via A: $(fee 18101 b-1)"

log "--- 1. kill -9 node B and its simulator (B's controllers do not come back)"
kill -KILL "$SIM_B" "$PID_B"
KILLED=$SECONDS
while ((SECONDS < KILLED + 30)); do
  log "+$((SECONDS - KILLED))s A lists $(total 18101 "$B") parks of B (total $(total 18101)); fee b-1 via A=$(fee 18101 b-1) a-1 via A=$(fee 18101 a-1)"
  sleep 3
done
grep -h "Removing Member" "$OUT/node-A.log" | cut -c1-200 | tee -a "$OUT/samples.txt" >&2 || true
grep -h "left the cluster" "$OUT"/node-*.log | tee -a "$OUT/samples.txt" >&2 || true

log "--- 2. node C joins (A still holds its 50 parks)"
node C 18103 18303; wait_until 60 "C ready" ready 18103
C_READY=$SECONDS
while ((SECONDS < C_READY + 10)); do
  log "totals A=$(total 18101) C=$(total 18103); parks of A listed by A=$(total 18101 "$A"); fee a-1 via A=$(fee 18101 a-1) via C=$(fee 18103 a-1)"
  sleep 1
done
grep -h "left the cluster" "$OUT"/node-*.log | tee -a "$OUT/samples.txt" >&2 || true
log "body of a fee query for a-1 via A: $(curl -s --max-time 5 "http://127.0.0.1:18101/api/v1/parks/a-1/fee")"
log "simulator A: $(grep 'gates online' "$OUT/sim-A.log" | tail -1 | cut -c60-)"
