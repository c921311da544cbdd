#!/usr/bin/env bash
# Thread-dump probe of a reconnect storm (bench/notes.md, h): runs `bench/run h` without writing the
# docs, and takes a jstack of the node every 1.5 s (14 dumps) from the start of the first storm into
# $OUT (default /tmp/storm-threads). Then counts, per dump, the threads in vertx-hazelcast's
# subscription operations and the plain "Thread-N" threads Hazelcast starts for callbacks when the
# ForkJoin common pool has parallelism 1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-/tmp/storm-threads}
rm -rf "$OUT"; mkdir -p "$OUT"
BENCH_NO_DOC=1 "$ROOT/bench/run" h > "$OUT/bench.log" 2>&1 &
bench=$!
for i in $(seq 1 600); do grep -q "g: heap" "$OUT/bench.log" 2>/dev/null && break; sleep 0.5; done
pid=$(pgrep -f "parkgate.jar.* run --http-port" | head -1)
for i in $(seq 1 14); do jstack "$pid" > "$OUT/js-$i.txt" 2>/dev/null || true; sleep 1.5; done
wait "$bench" || true
grep "storm" "$OUT/bench.log" || true
for i in $(seq 1 14); do
  f=$OUT/js-$i.txt
  echo "js-$i: SubsMapHelper.remove=$(grep -c 'SubsMapHelper.remove' "$f") put=$(grep -c 'SubsMapHelper.put' "$f") Thread-N=$(grep -c '^"Thread-' "$f")"
done
