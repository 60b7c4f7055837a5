#!/usr/bin/env bash
# Starts NexusAI Hub on this machine (`make run`): registry, stats and gateway in one process
# (nexus-hub), with their data under ./data. Stop it with Ctrl-C.
set -euo pipefail

BUILD_DIR="${BUILD_DIR:-build}"
DATA_DIR="${NEXUS_DATA_DIR:-./data}"
HUB="${BUILD_DIR}/bin/nexus-hub"
CTL="${BUILD_DIR}/bin/nexusctl"
LISTEN="${NEXUS_GATEWAY_LISTEN:-127.0.0.1:8001}"

if [[ ! -x "${HUB}" ]]; then
  echo "run-local: ${HUB} is missing; run 'make build' first" >&2
  exit 1
fi

mkdir -p "${DATA_DIR}"
chmod 0700 "${DATA_DIR}"
umask 077
if [[ ! -s "${DATA_DIR}/master.key" ]]; then
  head -c 32 /dev/urandom | base64 > "${DATA_DIR}/master.key"
  chmod 0600 "${DATA_DIR}/master.key"
  echo "run-local: created ${DATA_DIR}/master.key (keep it: it decrypts the upstream keys)"
fi
if [[ ! -s "${DATA_DIR}/admin.token" ]]; then
  printf 'nxa-%s\n' "$(head -c 24 /dev/urandom | base64 | tr -d '=+/' | head -c 32)" \
    > "${DATA_DIR}/admin.token"
  chmod 0600 "${DATA_DIR}/admin.token"
fi
ADMIN_TOKEN="$(tr -d '\n' < "${DATA_DIR}/admin.token")"

WEB_ROOT="${NEXUS_WEB_ROOT:-}"
if [[ -z "${WEB_ROOT}" ]]; then
  for candidate in "${BUILD_DIR}/web" "${BUILD_DIR}/web/dist" "web"; do
    if [[ -f "${candidate}/index.html" ]]; then WEB_ROOT="${candidate}"; break; fi
  done
fi

cat <<INFO

  NexusAI Hub
  console:          http://${LISTEN}/
  OpenAI base URL:  http://${LISTEN}/v1
  admin token:      ${ADMIN_TOKEN}

  Add a provider, a model and a client key (in another terminal):
    ${CTL} providers add --name openai --base-url https://api.openai.com/v1 --api-key-stdin
    ${CTL} models add --provider openai --name gpt-4o-mini
    ${CTL} keys create --name me
  then call the gateway with the printed key:
    curl http://${LISTEN}/v1/chat/completions -H "Authorization: Bearer \$NEXUS_KEY" -H 'Content-Type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'

INFO

export NEXUS_DATA_DIR="${DATA_DIR}"
export NEXUS_MASTER_KEY_FILE="${NEXUS_MASTER_KEY_FILE:-${DATA_DIR}/master.key}"
export NEXUS_ADMIN_TOKEN="${ADMIN_TOKEN}"
export NEXUS_GATEWAY_LISTEN="${LISTEN}"
export NEXUS_WEB_ROOT="${WEB_ROOT}"
exec "${HUB}"
