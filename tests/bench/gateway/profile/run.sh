#!/usr/bin/env bash
# Profiles nexus-gateway on the production path (registry and stats as their own processes, a real
# client key, routing and accounting on) against the shared harness's mock upstream, for a fixed
# number of requests, so instruction counts compare across builds whatever else the machine runs.
#   tests/bench/gateway/profile/run.sh [BUILD_DIR]
# Env: MODES ("json stream"), REQUESTS (200), CONNECTIONS (1), WARMUP (50 requests),
#      TOOL (callgrind | perf | none), OUT (directory for the profiles; default a temp dir),
#      BENCH (../shared/bench), BENCH_WORK (/tmp/nexus-bench).
# Prints "<mode>: <instructions>/request" for callgrind (and leaves callgrind.<mode>.out in OUT), or
# the gateway's CPU time (user+sys) per request for TOOL=none.
set -euo pipefail

root="$(cd "$(dirname "$0")/../../../.." && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(cd "${1:-$root/build}" && pwd)/bin"
bench="${BENCH:-$root/../shared/bench}"
export BENCH_WORK="${BENCH_WORK:-/tmp/nexus-bench}"
modes="${MODES:-json stream}"
requests="${REQUESTS:-200}"
connections="${CONNECTIONS:-1}"
warmup="${WARMUP:-50}"
tool="${TOOL:-callgrind}"
work="$(mktemp -d "${TMPDIR:-/tmp}/nexus-profile-XXXXXX")"
out="${OUT:-$work/out}"
mkdir -p "$out"
registry_port=51151
stats_port=51152
gateway_port=18111
pids=()
upstream_started=0
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ $upstream_started == 1 ]]; then "$bench/upstream.sh" stop > /dev/null || true; fi
  rm -rf "$work/data"
}
trap cleanup EXIT

if ! "$bench/upstream.sh" status > /dev/null 2>&1; then
  "$bench/upstream.sh" start > /dev/null
  upstream_started=1
fi
mkdir -p "$work/data"
export NEXUS_DATA_DIR="$work/data" NEXUS_MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
export NEXUS_REGISTRY_ADDR="127.0.0.1:$registry_port" NEXUS_STATS_ADDR="127.0.0.1:$stats_port"
export NEXUS_ADMIN_TOKEN="profile-admin-token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$bin/nexus-registry" --listen "$NEXUS_REGISTRY_ADDR" > "$work/registry.log" 2>&1 & pids+=($!)
"$bin/nexus-stats" --listen "$NEXUS_STATS_ADDR" > "$work/stats.log" 2>&1 & pids+=($!)
for addr in "$NEXUS_REGISTRY_ADDR" "$NEXUS_STATS_ADDR"; do
  for _ in $(seq 50); do "$bin/nexus-health" grpc "$addr" 2>/dev/null && break; sleep 0.1; done
done
echo profile-upstream-key | "$bin/nexusctl" providers add --name mock \
  --base-url http://127.0.0.1:18080/v1 --api-key-stdin > /dev/null
"$bin/nexusctl" models add --provider mock --name gpt-4o-mini > /dev/null
key="$("$bin/nexusctl" --json keys create --name profile |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"

gateway=("$bin/nexus-gateway" "--listen=127.0.0.1:$gateway_port" "--data_dir=$work/data"
         "--log_level=warning")
url="http://127.0.0.1:$gateway_port/v1/chat/completions"
drive() { python3 "$here/drive.py" "$url" "$key" --connections "$connections" "$@" > /dev/null; }
wait_up() {
  for _ in $(seq 300); do
    curl -s -o /dev/null "http://127.0.0.1:$gateway_port/healthz" && return 0
    sleep 0.1
  done
  echo "gateway did not start" >&2
  return 1
}

for mode in $modes; do
  case "$tool" in
    callgrind)
      valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/callgrind.$mode.out" \
        "${gateway[@]}" > "$work/gateway.$mode.log" 2>&1 &
      ;;
    perf)
      perf record -e cpu-clock -F 4000 -g -o "$out/perf.$mode.data" -- "${gateway[@]}" \
        > "$work/gateway.$mode.log" 2>&1 &
      ;;
    *) "${gateway[@]}" > "$work/gateway.$mode.log" 2>&1 & ;;
  esac
  pid=$!
  pids+=($pid)
  wait_up
  drive --mode "$mode" --requests "$warmup"
  [[ $tool == callgrind ]] && callgrind_control -i on "$pid" > /dev/null
  start_cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  drive --mode "$mode" --requests "$requests"
  end_cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  [[ $tool == callgrind ]] && callgrind_control -i off "$pid" > /dev/null
  kill -INT "$pid"
  wait "$pid" || true
  if [[ $tool == callgrind ]]; then
    total=$(callgrind_annotate "$out/callgrind.$mode.out" 2>/dev/null |
      awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    echo "$mode: $((total / requests)) instructions/request ($requests requests, $connections connection(s))"
  elif [[ $tool == none ]]; then
    ticks=$(getconf CLK_TCK)
    echo "$mode: $(( (end_cpu - start_cpu) * 1000000 / ticks / requests )) us CPU/request" \
      "(user+sys, $requests requests, $connections connection(s))"
  fi
done
echo "profiles in $out"
