#!/usr/bin/env bash
# Starts NexusAI Hub as three processes on this machine (`make run-apart`): nexus-registry,
# nexus-stats and nexus-gateway, the topology of deploy/docker-compose.yml without containers.
# Each keeps its files in its own directory under the data dir (default ./data):
#   registry/registry.db   stats/stats.db   gateway/spool/
# Ctrl-C or SIGTERM stops all three (gateway first); the exit code is 0 when all stopped cleanly.
#
# Settings (environment): BUILD_DIR (default build) or NEXUS_BIN_DIR, NEXUS_DATA_DIR,
# NEXUS_GATEWAY_LISTEN (127.0.0.1:8001), NEXUS_REGISTRY_ADDR (127.0.0.1:50051),
# NEXUS_STATS_ADDR (127.0.0.1:50052), NEXUS_WEB_ROOT. Every other NEXUS_* variable (log level,
# gRPC TLS, ...) reaches the three processes unchanged; see the README's configuration reference.
set -euo pipefail

BUILD_DIR="${BUILD_DIR:-build}"
BIN_DIR="${NEXUS_BIN_DIR:-${BUILD_DIR}/bin}"
DATA_DIR="${NEXUS_DATA_DIR:-./data}"
GATEWAY_LISTEN="${NEXUS_GATEWAY_LISTEN:-127.0.0.1:8001}"
REGISTRY_ADDR="${NEXUS_REGISTRY_ADDR:-127.0.0.1:50051}"
STATS_ADDR="${NEXUS_STATS_ADDR:-127.0.0.1:50052}"

for binary in nexus-registry nexus-stats nexus-gateway; do
  if [[ ! -x "${BIN_DIR}/${binary}" ]]; then
    echo "run-apart: ${BIN_DIR}/${binary} is missing; run 'make build' first" >&2
    exit 1
  fi
done

umask 077
mkdir -p "${DATA_DIR}/registry" "${DATA_DIR}/stats" "${DATA_DIR}/gateway"
chmod 0700 "${DATA_DIR}"
if [[ -z "${NEXUS_MASTER_KEY:-}" && -z "${NEXUS_MASTER_KEY_FILE:-}" ]]; then
  if [[ ! -s "${DATA_DIR}/master.key" ]]; then
    head -c 32 /dev/urandom | base64 > "${DATA_DIR}/master.key"
    echo "run-apart: created ${DATA_DIR}/master.key (keep it: it decrypts the upstream keys)"
  fi
  export NEXUS_MASTER_KEY_FILE="${DATA_DIR}/master.key"
fi
if [[ -z "${NEXUS_ADMIN_TOKEN:-}" ]]; then
  if [[ ! -s "${DATA_DIR}/admin.token" ]]; then
    printf 'nxa-%s\n' "$(head -c 24 /dev/urandom | base64 | tr -d '=+/' | head -c 32)" \
      > "${DATA_DIR}/admin.token"
  fi
  NEXUS_ADMIN_TOKEN="$(tr -d '\n' < "${DATA_DIR}/admin.token")"
fi

WEB_ROOT="${NEXUS_WEB_ROOT:-}"
if [[ -z "${WEB_ROOT}" ]]; then
  for candidate in "${BUILD_DIR}/web" "${BUILD_DIR}/web/dist" "web"; do
    if [[ -f "${candidate}/index.html" ]]; then WEB_ROOT="${candidate}"; break; fi
  done
fi

# Succeeds once host:port accepts TCP connections (gRPC, TLS or not); with an HTTP path, once
# GET path answers 200.
probe() {
  local host="$1" port="$2" path="$3"
  if [[ -z "${path}" ]]; then
    (exec 3<>"/dev/tcp/${host}/${port}") 2>/dev/null
    return
  fi
  local status
  # shellcheck disable=SC2016  # $0.. expand in the inner shell
  status="$(timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET %s HTTP/1.0\r\n\r\n" "$2" >&3 &&
    head -c 12 <&3' "${host}" "${port}" "${path}" 2>/dev/null)" || return 1
  [[ "${status}" == "HTTP/1."?" 200" ]]
}

# Waits until `name` (process `pid`) is ready at `address` (see probe) while it lives.
wait_ready() {
  local name="$1" pid="$2" address="$3" path="${4:-}"
  local host="${address%:*}" port="${address##*:}"
  host="${host#[}"; host="${host%]}"
  [[ -z "${host}" || "${host}" == 0.0.0.0 ]] && host=127.0.0.1
  [[ "${host}" == "::" ]] && host=::1
  for _ in $(seq 1 200); do
    if ! kill -0 "${pid}" 2>/dev/null; then
      echo "run-apart: ${name} exited during start-up (see its messages above)" >&2
      return 1
    fi
    if probe "${host}" "${port}" "${path}"; then return 0; fi
    sleep 0.1
  done
  echo "run-apart: ${name} is not ready on ${address} after 20 s" >&2
  return 1
}

pids=()
names=()
stopping=0

# Stops what is running, gateway first (it drains its requests into the services), and exits
# with 0 only when every process exited with 0.
stop_all() {
  local status="${1:-0}"
  stopping=1
  trap '' INT TERM
  local i code
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    code=0
    wait "${pids[i]}" || code=$?
    if [[ ${code} -ne 0 ]]; then
      echo "run-apart: ${names[i]} exited with ${code}" >&2
      status=1
    fi
  done
  exit "${status}"
}
trap 'stop_all 0' INT TERM

start() {
  local name="$1"
  shift
  env "$@" "${BIN_DIR}/${name}" &
  pids+=("$!")
  names+=("${name}")
}

start nexus-registry NEXUS_REGISTRY_LISTEN="${REGISTRY_ADDR}" \
  NEXUS_DATA_DIR="${DATA_DIR}/registry" NEXUS_ADMIN_TOKEN="${NEXUS_ADMIN_TOKEN}"
start nexus-stats NEXUS_STATS_LISTEN="${STATS_ADDR}" NEXUS_DATA_DIR="${DATA_DIR}/stats"
wait_ready nexus-registry "${pids[0]}" "${REGISTRY_ADDR}" || stop_all 1
wait_ready nexus-stats "${pids[1]}" "${STATS_ADDR}" || stop_all 1
# The gateway never sees the master key or the admin token: the registry holds both.
start nexus-gateway -u NEXUS_MASTER_KEY -u NEXUS_MASTER_KEY_FILE -u NEXUS_ADMIN_TOKEN \
  NEXUS_GATEWAY_LISTEN="${GATEWAY_LISTEN}" NEXUS_REGISTRY_ADDR="${REGISTRY_ADDR}" \
  NEXUS_STATS_ADDR="${STATS_ADDR}" NEXUS_DATA_DIR="${DATA_DIR}/gateway" \
  NEXUS_WEB_ROOT="${WEB_ROOT}"
wait_ready nexus-gateway "${pids[2]}" "${GATEWAY_LISTEN}" /healthz || stop_all 1

CTL="${BIN_DIR}/nexusctl"
cat <<INFO

  NexusAI Hub (three processes: registry ${REGISTRY_ADDR}, stats ${STATS_ADDR}, gateway)
  console:          http://${GATEWAY_LISTEN}/
  OpenAI base URL:  http://${GATEWAY_LISTEN}/v1
  admin token:      ${NEXUS_ADMIN_TOKEN}
  data:             ${DATA_DIR}/{registry,stats,gateway}
  pids:             registry ${pids[0]}, stats ${pids[1]}, gateway ${pids[2]}

  Add a provider, a model and a client key (in another terminal):
    ${CTL} --registry ${REGISTRY_ADDR} providers add --name openai --base-url https://api.openai.com/v1 --api-key-stdin
    ${CTL} --registry ${REGISTRY_ADDR} models add --provider openai --name gpt-4o-mini
    ${CTL} --registry ${REGISTRY_ADDR} keys create --name me
  Stop all three with Ctrl-C.

INFO

# Any process ending on its own brings the others down: a partial topology is not a service.
while true; do
  code=0
  wait -n "${pids[@]}" || code=$?
  [[ ${stopping} -eq 1 ]] && break
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
      echo "run-apart: ${names[i]} stopped unexpectedly (exit ${code}); stopping the others" >&2
      stop_all 1
    fi
  done
done
