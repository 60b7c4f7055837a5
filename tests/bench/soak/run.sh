#!/usr/bin/env bash
# Soak run: nexus-registry, nexus-stats, nexus-fake-upstream and nexus-gateway on loopback, then
# nexus-soak-driver drives a mix of JSON calls, SSE streams and clients that hang up mid-stream
# for N minutes, sampling the gateway's RSS and open descriptors every second into a CSV.
#
#   tests/bench/soak/run.sh <build dir> [minutes]     (default 3; build the binaries first:
#   cmake --build <build dir> --target nexus-gateway nexus-registry nexus-stats \
#         nexus-fake-upstream nexus-soak-driver)
#
# Prints the RSS slope of the load phase (least-squares, KB/min) and the descriptor count when
# idle after the warm-up and at the end; exits non-zero when a call failed, descriptors leaked
# (more than NEXUS_SOAK_MAX_FD_GROWTH, default 8) or the slope exceeds NEXUS_SOAK_MAX_RSS_SLOPE
# (default 512 KB/min). Other knobs: NEXUS_SOAK_CLIENTS (8), NEXUS_SOAK_WARMUP (60s),
# NEXUS_SOAK_STREAM_PERCENT (45), NEXUS_SOAK_HANGUP_PERCENT (15); SOAK_OUT=<dir> keeps the CSV
# and logs there (default: a temporary directory, printed at the end).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 <build dir> [minutes]" >&2
  exit 2
fi
BIN="$(cd "$1" && pwd)/bin"
MINUTES="${2:-3}"
OUT="${SOAK_OUT:-$(mktemp -d /tmp/nexus-soak.XXXXXX)}"
mkdir -p "$OUT"
for binary in nexus-registry nexus-stats nexus-gateway nexus-fake-upstream nexus-soak-driver; do
  [[ -x "$BIN/$binary" ]] || { echo "missing $BIN/$binary (build it first)" >&2; exit 2; }
done

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$name did not start; see $OUT/$name.log" >&2
  exit 1
}

PIDS=()
cleanup() {
  # Only the processes this script started, by pid.
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

REGISTRY_PORT=$(free_port)
STATS_PORT=$(free_port)
UPSTREAM_PORT=$(free_port)
GATEWAY_PORT=$(free_port)
DATA="$OUT/data"
mkdir -p "$DATA"

NEXUS_REGISTRY_LISTEN="127.0.0.1:$REGISTRY_PORT" NEXUS_DATA_DIR="$DATA/registry" \
  NEXUS_MASTER_KEY="$(head -c 32 /dev/urandom | base64)" \
  NEXUS_ADMIN_TOKEN="nxa-soak-admin-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  "$BIN/nexus-registry" >"$OUT/registry.log" 2>&1 &
PIDS+=($!)
NEXUS_STATS_LISTEN="127.0.0.1:$STATS_PORT" NEXUS_DATA_DIR="$DATA/stats" \
  "$BIN/nexus-stats" >"$OUT/stats.log" 2>&1 &
PIDS+=($!)
# Streams of ten events 10 ms apart: long enough for clients to hang up in the middle.
"$BIN/nexus-fake-upstream" --port="$UPSTREAM_PORT" --event_delay_ms=10 \
  --pieces='The| soak| run| keeps| the| gateway| busy| for| a| while.' \
  >"$OUT/upstream.log" 2>&1 &
PIDS+=($!)
wait_port "$REGISTRY_PORT" registry
wait_port "$STATS_PORT" stats
wait_port "$UPSTREAM_PORT" upstream
NEXUS_GATEWAY_LISTEN="127.0.0.1:$GATEWAY_PORT" NEXUS_REGISTRY_ADDR="127.0.0.1:$REGISTRY_PORT" \
  NEXUS_STATS_ADDR="127.0.0.1:$STATS_PORT" NEXUS_DATA_DIR="$DATA/gateway" \
  NEXUS_LOG_LEVEL=warning "$BIN/nexus-gateway" >"$OUT/gateway.log" 2>&1 &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")
wait_port "$GATEWAY_PORT" gateway

echo "soak: ${MINUTES} min on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); output in $OUT"
status=0
"$BIN/nexus-soak-driver" --registry_addr="127.0.0.1:$REGISTRY_PORT" \
  --gateway_port="$GATEWAY_PORT" --gateway_pid="$GATEWAY_PID" \
  --upstream_url="http://127.0.0.1:$UPSTREAM_PORT/v1" --csv="$OUT/soak.csv" \
  --duration="${MINUTES}m" || status=$?
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
  echo "FAIL: the gateway exited during the run; see $OUT/gateway.log" >&2
  status=1
fi
echo "csv: $OUT/soak.csv  logs: $OUT/*.log"
exit "$status"
