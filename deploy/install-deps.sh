#!/usr/bin/env bash
# Installs the Debian 12 packages NexusAI Hub needs to build, test and run, skipping those already
# present. Usage: deploy/install-deps.sh [build|runtime|all] (default: all).
# Works as root or through sudo; apt-get update runs only when something is missing.
set -euo pipefail

profile="${1:-all}"

runtime_pkgs=(
  libgrpc++1.51 libprotobuf32 libsqlite3-0 libsodium23 libcpp-httplib0.11 libpcre2-8-0
  libabsl20220623 ca-certificates
)
build_pkgs=(
  build-essential cmake ninja-build pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libcpp-httplib-dev libsqlitecpp-dev libsqlite3-dev libsodium-dev libabsl-dev
  nlohmann-json3-dev libpcre2-dev libssl-dev
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev llvm lld
)
test_pkgs=(
  sqlite3 curl procps python3 python3-yaml binutils chromium openssl
)

case "$profile" in
  runtime) wanted=("${runtime_pkgs[@]}") ;;
  build) wanted=("${runtime_pkgs[@]}" "${build_pkgs[@]}") ;;
  all) wanted=("${runtime_pkgs[@]}" "${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|runtime|all]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# Node.js may come from another packaging that bundles npm: judge it by its commands.
if [[ "$profile" != runtime ]] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo)
else
  echo "install-deps: missing ${missing[*]} and not root (no sudo either)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
