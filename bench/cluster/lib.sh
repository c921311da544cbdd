# Shared by failover.sh, storm.sh and directory.sh: process bookkeeping, logging, bounded waits.
# Source it after setting OUT; a script may redefine log() afterwards.

# These scripts measure routing, takeover and failure detection, not authentication: nodes accept
# any controller token and serve the API without keys (development switches, never in production).
export PARKGATE_INSECURE_ACCEPT_ANY_TOKEN=true PARKGATE_INSECURE_NO_API_KEYS=true

PIDS=()            # everything the script started and has not stopped yet
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  local deadline=$((SECONDS + 15))
  for p in "${PIDS[@]}"; do
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
log() { echo "[$(date +%T.%3N)] $*" >&2; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 100 ms until it succeeds
wait_until() {
  local limit=$1 desc=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    if ((SECONDS >= deadline)); then log "TIMEOUT after ${limit}s waiting for: $desc"; return 1; fi
    sleep 0.1
  done
}

# forget PID: the script stopped it itself
forget() { local p=$1 q; local keep=(); for q in "${PIDS[@]}"; do [[ $q == "$p" ]] || keep+=("$q"); done; PIDS=("${keep[@]}"); }
