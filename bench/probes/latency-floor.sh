#!/usr/bin/env bash
# Latency floor probe (bench/notes.md, e): one parkgate node with 1,000 simulated gates, then three
# wrk streams of 8 connections pacing 16 ms (~470 req/s): offline parks alone, healthy parks alone,
# and offline parks next to the full closed-loop c load (50 connections). Prints wrk's p99 of each.
# Compare with the same paced stream against the bare Vert.x server: bench/probes/latency-floor.sh --ceiling
#   JAR=target/parkgate.jar NODE_GC=-XX:+UseG1GC bench/probes/latency-floor.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAR=${JAR:-$ROOT/target/parkgate.jar}
WORK=$(mktemp -d /tmp/parkgate-floor.XXXXXX)
export BENCH_LUA_DIR=$ROOT/bench/wrk
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
ulimit -n "$(ulimit -Hn)"
SECRET=floorprobe-floorprobe-floorprobe-1234
paced() {   # paced PREFIX -> p99 line of an 8 s paced wrk stream
  BENCH_DELAY_MS=16 wrk -t2 -c8 -d8s --latency -s "$BENCH_LUA_DIR/parks-paced.lua" "$URL" -- "$1" 1 1000 2>&1 \
    | grep -E '^ +99%|Requests/sec' | tr -s ' ' | tr '\n' ' '; echo
}
wait_for() { local i; for i in $(seq 1 120); do eval "$1" && return 0; sleep 0.5; done; echo "timed out: $1" >&2; exit 1; }

if [[ ${1:-} == --ceiling ]]; then
  mkdir -p "$WORK/classes"; javac -d "$WORK/classes" -cp "$JAR" "$ROOT/bench/java/Ceiling.java"
  java -Xms512m -Xmx1g -cp "$JAR:$WORK/classes" Ceiling 18197 > "$WORK/ceiling.log" 2>&1 & PIDS+=($!)
  URL=http://127.0.0.1:18197
  wait_for "curl -sf $URL/ >/dev/null"
  wrk -t2 -c50 -d8s -s "$BENCH_LUA_DIR/parks.lua" "$URL" -- g 1 1000 > /dev/null 2>&1   # warm-up
  for i in 1 2 3; do echo "ceiling, paced alone: $(paced g)"; done
  exit 0
fi

PARKGATE_TOKEN_SECRET=$SECRET PARKGATE_INSECURE_NO_API_KEYS=true PARKGATE_CLUSTER_NAME=floor-$$ \
  java -Xms512m -Xmx1g ${NODE_GC:--XX:+UseG1GC} -Xlog:gc:file="$WORK/gc.log" -jar "$JAR" run --http-port 18196 \
  --device-port 18396 --bind-host 127.0.0.1 > "$WORK/node.log" 2>&1 & PIDS+=($!)
URL=http://127.0.0.1:18196
wait_for "curl -sf $URL/health/ready >/dev/null"
PARKGATE_TOKEN_SECRET=$SECRET java -Xmx1g -jar "$JAR" simulate --port 18396 --gates 1000 --prefix g > "$WORK/sim.log" 2>&1 & PIDS+=($!)
wait_for "[ \"\$(curl -s '$URL/api/v1/parks?limit=1' | jq -r .total)\" = 1000 ]"
wrk -t2 -c50 -d10s -s "$BENCH_LUA_DIR/parks.lua" "$URL" -- g 1 1000 > /dev/null 2>&1   # warm-up
echo "offline parks, paced alone: $(paced off)"
echo "healthy parks, paced alone: $(paced g)"
wrk -t2 -c50 -d8s -s "$BENCH_LUA_DIR/parks.lua" "$URL" -- g 1 1000 > "$WORK/main.out" 2>&1 & main=$!
echo "offline parks, paced, next to the full c load: $(paced off)"
wait "$main" || true
echo "GC pauses (node): $(grep -c Pause "$WORK/gc.log"), longest $(grep -o '[0-9.]*ms' "$WORK/gc.log" | sort -n | tail -1); work dir $WORK"
