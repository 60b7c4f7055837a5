#!/usr/bin/env bash
# 1,000 concurrent slow SSE streams (one event every 100 ms) through nexus-gateway on the
# production path (registry, stats, a real key, routing and accounting on), against a slow
# upstream (slow_upstream.py: asyncio, large listen backlog) on loopback. Reports the gateway's
# RSS (idle, peak, after) and whether any stream failed or stalled; stops by itself.
#   tests/bench/gateway/slow_streams/run.sh [BUILD_DIR]
# Env: STREAMS (1000), EVENTS (50 per stream), INTERVAL_MS (100), RAMP_MS (0: all streams start
# at once; else evenly over this long), SUT_CPU (1; "" = no pinning).
set -euo pipefail

root="$(cd "$(dirname "$0")/../../../.." && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(cd "${1:-$root/build}" && pwd)/bin"
streams="${STREAMS:-1000}"
events="${EVENTS:-50}"
interval="${INTERVAL_MS:-100}"
ramp="${RAMP_MS:-0}"
sut_cpu="${SUT_CPU-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/nexus-slow-XXXXXX")"
registry_port=51251
stats_port=51252
gateway_port=18121
upstream_port=18122
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 16384

export NEXUS_DATA_DIR="$work" NEXUS_MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
export NEXUS_REGISTRY_ADDR="127.0.0.1:$registry_port" NEXUS_STATS_ADDR="127.0.0.1:$stats_port"
export NEXUS_ADMIN_TOKEN="slow-admin-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$bin/nexus-registry" --listen "$NEXUS_REGISTRY_ADDR" > "$work/registry.log" 2>&1 & pids+=($!)
"$bin/nexus-stats" --listen "$NEXUS_STATS_ADDR" > "$work/stats.log" 2>&1 & pids+=($!)
python3 "$here/slow_upstream.py" "$upstream_port" --events "$events" --interval-ms "$interval" \
  > "$work/upstream.log" 2>&1 &
upstream=$!
pids+=($!)
for addr in "$NEXUS_REGISTRY_ADDR" "$NEXUS_STATS_ADDR"; do
  for _ in $(seq 50); do "$bin/nexus-health" grpc "$addr" 2>/dev/null && break; sleep 0.1; done
done
echo slow-upstream-key | "$bin/nexusctl" providers add --name slow \
  --base-url "http://127.0.0.1:$upstream_port/v1" --api-key-stdin > /dev/null
"$bin/nexusctl" models add --provider slow --name slow-model > /dev/null
key="$("$bin/nexusctl" --json keys create --name slow |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"

pin=()
[[ -n $sut_cpu ]] && pin=(taskset -c "$sut_cpu")
"${pin[@]}" "$bin/nexus-gateway" "--listen=127.0.0.1:$gateway_port" "--data_dir=$work" \
  --log_level=warning > "$work/gateway.log" 2>&1 &
gateway=$!
pids+=($gateway)
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$gateway_port/healthz" && break
  sleep 0.1
done
sleep 1  # idle RSS after start-up settled
echo "load: $(uptime)"
status=0
python3 "$here/client.py" "http://127.0.0.1:$gateway_port/v1/chat/completions" "$key" \
  --streams "$streams" --events "$events" --interval-ms "$interval" --ramp-ms "$ramp" \
  --gateway-pid "$gateway" ||
  status=$?
echo "upstream CPU s: $(awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' \
  "/proc/$upstream/stat") (whole run)"
if [[ $status != 0 ]]; then
  echo "--- gateway log (last lines)"; tail -5 "$work/gateway.log"
  echo "--- upstream log (last lines)"; tail -5 "$work/upstream.log"
fi
exit $status
