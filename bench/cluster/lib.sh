# Shared by failover.sh, storm.sh and directory.sh: bench/lib.sh (process bookkeeping, logging,
# bounded waits, the node's HTTP probes; the helpers bench/run uses too) plus the cluster scripts'
# development auth switches. Source it after setting OUT; a script may redefine log() afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# These scripts measure routing, takeover and failure detection, not authentication: nodes accept
# any controller token and serve the API without keys (development switches, never in production).
export PARKGATE_INSECURE_ACCEPT_ANY_TOKEN=true PARKGATE_INSECURE_NO_API_KEYS=true

