# Shell helpers shared by bench/run and bench/cluster/*.sh: process bookkeeping, logging, bounded
# waits, the node's HTTP probes, /proc readings and the tools the harness needs.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"      (bench/cluster/lib.sh sources it for the cluster scripts)
#
# Sourcing defines functions and installs the EXIT/INT/TERM traps that stop what was spawned.
# Settings read at call time: API_KEY (sent as a bearer token by api/total when set) and
# WAIT_POLL_S (poll interval of wait_until, default 0.1 s).

# ---- processes -------------------------------------------------------------------------------------
PIDS=()   # everything started and not yet stopped; cleanup stops them on exit

# spawn VAR LOGFILE COMMAND...: starts COMMAND in the background (stdout and stderr into LOGFILE),
# registers it for cleanup and stores its PID in the variable named VAR.
# Environment for COMMAND: `spawn VAR LOG env A=1 B=2 java ...`.
spawn() {
  local _spawn_var=$1 _spawn_log=$2; shift 2
  "$@" > "$_spawn_log" 2>&1 &
  PIDS+=("$!")
  printf -v "$_spawn_var" '%s' "$!"
}

# forget PID: it was stopped (or waited for) by the caller
forget() {
  local p=$1 q keep=()
  for q in "${PIDS[@]}"; do [[ $q == "$p" ]] || keep+=("$q"); done
  PIDS=("${keep[@]}")
}

# stop_pid PID: TERM, then KILL after 15 s; reaps and forgets it
stop_pid() {
  local p=$1 deadline=$((SECONDS + 15))
  if kill -TERM "$p" 2>/dev/null; then
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
  forget "$p"
}

# stop PID...: stop_pid each, in order
stop() { local p; for p in "$@"; do stop_pid "$p"; done; }

# kill9 PID: the abrupt death a storm or failover measures; reaps and forgets it
kill9() { kill -KILL "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; forget "$1"; }

cleanup() {
  local p deadline=$((SECONDS + 15))
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- logging and waits -----------------------------------------------------------------------------
now() { date +%s.%N; }
log() { echo "[$(date +%T.%3N)] $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds; 1 after SECONDS
wait_until() {
  local limit=$1 desc=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    if ((SECONDS >= deadline)); then log "TIMEOUT after ${limit}s waiting for: $desc"; return 1; fi
    sleep "${WAIT_POLL_S:-0.1}"
  done
}

# ---- ports and the node's HTTP API -----------------------------------------------------------------
port_free() { ! ss -ltnH "sport = :$1" | grep -q .; }
listening() { ! port_free "$1"; }
ports_free() { local p; for p in "$@"; do port_free "$p" || return 1; done; }
# owns_port PID PORT: PID is alive and is what listens on PORT (not another harness's process that
# took the port between the start-up check and this process's bind)
owns_port() { kill -0 "$1" 2>/dev/null && ss -ltnpH "sport = :$2" | grep -q "pid=$1,"; }

# api PORT PATH: GET on 127.0.0.1:PORT, with the bearer API_KEY if set
api() { curl -s --max-time 5 ${API_KEY:+-H "Authorization: Bearer $API_KEY"} "http://127.0.0.1:$1$2"; }
ready() { curl -sf --max-time 1 "http://127.0.0.1:$1/health/ready" >/dev/null; }
# ready_by PID PORT: the node PID listens on PORT and is ready
ready_by() { owns_port "$1" "$2" && ready "$2"; }
node_id() { curl -s --max-time 1 "http://127.0.0.1:$1/health/ready" | grep -o '"node":"[^"]*"' | cut -d'"' -f4; }
# total PORT [NODE]: the directory's park count as PORT's node sees it (of NODE's parks only if given)
total() { api "$1" "/api/v1/parks?limit=1${2:+&node=$2}" | grep -o '"total":[0-9]*' | cut -d: -f2; }
# total_is PORT N [NODE]
total_is() { [[ "$(total "$1" "${3:-}")" == "$2" ]]; }
# established PORT: TCP connections accepted on the local PORT and established (the bare echo has no API)
established() { ss -tnH state established "( sport = :$1 )" | wc -l; }
established_is() { [[ "$(established "$1")" == "$2" ]]; }

# ---- /proc and the JVM -----------------------------------------------------------------------------
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks
# context switches of every thread of PID, voluntary and not, summed: "VOLUNTARY INVOLUNTARY"
ctx_switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2} END {print v + 0, n + 0}'
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
heap_used_kb() {   # after a full GC
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  jcmd "$1" GC.heap_info 2>/dev/null | grep -o 'total [0-9]*K, used [0-9]*K' | head -1 | sed -E 's/.*used ([0-9]+)K/\1/'
}

# ---- tools -----------------------------------------------------------------------------------------
# need_tools COMMAND:PACKAGE...: apt-get installs the packages of missing commands (CI has only a JDK)
need_tools() {
  local t missing=()
  for t in "$@"; do command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}"); done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} (apt-get)"
  (apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; }) \
    || die "needed and not installable: ${missing[*]}"
}
