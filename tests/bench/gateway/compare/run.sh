#!/usr/bin/env bash
# Measures nexus-gateway with the shared harness (../shared/bench) side by side with the mock
# upstream alone, a plain nginx reverse proxy and (unless TARGETS says otherwise) a peer gateway.
# The production path: registry and stats run as their own processes (not pinned), the gateway is
# pinned by the harness to its core, with a real client key, routing and accounting on.
#   tests/bench/gateway/compare/run.sh [BUILD_DIR]      (env: TARGETS, DURATION, ROUNDS, BENCH)
set -euo pipefail

root="$(cd "$(dirname "$0")/../../../.." && pwd)"
bin="$(cd "${1:-$root/build}" && pwd)/bin"
bench="${BENCH:-$root/../shared/bench}"
targets="${TARGETS:-direct nginx-proxy portkey ours}"
work="$(mktemp -d "${TMPDIR:-/tmp}/nexus-compare-XXXXXX")"
registry_port=51051
stats_port=51052
gateway_port=18101
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export NEXUS_DATA_DIR="$work" NEXUS_MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
export NEXUS_REGISTRY_ADDR="127.0.0.1:$registry_port" NEXUS_STATS_ADDR="127.0.0.1:$stats_port"
export NEXUS_ADMIN_TOKEN="bench-admin-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$bin/nexus-registry" --listen "$NEXUS_REGISTRY_ADDR" > "$work/registry.log" 2>&1 & pids+=($!)
"$bin/nexus-stats" --listen "$NEXUS_STATS_ADDR" > "$work/stats.log" 2>&1 & pids+=($!)
for addr in "$NEXUS_REGISTRY_ADDR" "$NEXUS_STATS_ADDR"; do
  for _ in $(seq 50); do "$bin/nexus-health" grpc "$addr" 2>/dev/null && break; sleep 0.1; done
done

echo bench-upstream-key | "$bin/nexusctl" providers add --name mock \
  --base-url http://127.0.0.1:18080/v1 --api-key-stdin > /dev/null
"$bin/nexusctl" models add --provider mock --name gpt-4o-mini > /dev/null
key="$("$bin/nexusctl" --json keys create --name bench |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"

OURS_URL="http://127.0.0.1:$gateway_port" OURS_KEY="$key" \
OURS_CMD="$bin/nexus-gateway --listen=127.0.0.1:$gateway_port --data_dir=$work --log_level=warning" \
  "$bench/compare.sh" $targets
