#!/usr/bin/env bash
# Memory per retained payment record (docs/operations.md, sizing): one parkgate node with the
# cluster payment store, N payments POSTed to parks that are offline (each answered 202 and kept
# pending until its validity ends), heap in use after a full GC before and after; prints the
# difference per record. One node holds no backups: in a cluster each record is held twice
# (owner + one backup), so budget twice the figure across the cluster.
#   JAR=target/parkgate.jar N=20000 bench/probes/payment-memory.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/bench/lib.sh"
JAR=${JAR:-$ROOT/target/parkgate.jar}
N=${N:-20000}
WORK=$(mktemp -d /tmp/parkgate-paymem.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
PORT=18296
PARKGATE_TOKEN_SECRET=paymem-paymem-paymem-0123456789 PARKGATE_INSECURE_NO_API_KEYS=true \
  PARKGATE_CLUSTER_NAME=paymem-$$ java -Xms1g -Xmx1g -XX:+UseG1GC -jar "$JAR" run --http-port $PORT \
  --controller-port off --bind-host 127.0.0.1 > "$WORK/node.log" 2>&1 & PIDS+=($!)
NODE=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.5; done
python3 - "$PORT" 200 <<'PY' >/dev/null   # warm the paths once (not counted)
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for i in range(int(sys.argv[2])):
    c.request("POST", f"/api/v1/parks/warm{i % 100}/payments?timeoutMs=1", json.dumps(
        {"paymentId": f"warm-{i}", "amount": 800, "validForS": 3600}), {"content-type": "application/json"})
    c.getresponse().read()
PY
before=$(heap_used_kb "$NODE")
python3 - "$PORT" "$N" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
codes = {}
for i in range(int(sys.argv[2])):
    c.request("POST", f"/api/v1/parks/p{i % 1000}/payments?timeoutMs=1", json.dumps(
        {"paymentId": f"pay-{i:08d}", "amount": 800, "plate": "ABC123", "validForS": 3600}),
        {"content-type": "application/json"})
    r = c.getresponse(); r.read(); codes[r.status] = codes.get(r.status, 0) + 1
print("answers:", codes, file=sys.stderr)
PY
after=$(heap_used_kb "$NODE")
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(java -version 2>&1 | head -1)"
echo "payments: $N; heap used after GC: before ${before} KiB, after ${after} KiB; per record: $(( (after - before) * 1024 / N )) bytes"
