#!/usr/bin/env bash
# The tokenizer benchmark, one command: tests/bench/tokenizer/run.sh [build dir] [runs]
# Builds the native bench binary, installs the npm peers (pinned by package-lock.json) next to
# it, builds the 1 MB corpora and prints the side-by-side table, everything pinned to CPU 1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
build="$(cd "${1:-$root/build}" 2>/dev/null && pwd || echo "${1:-$root/build}")"
runs="${2:-7}"

if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" --target tokenizer_bench
work="$build/tokenizer-bench"
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
node "$here/make_corpus.mjs" "$here/corpus/zh_en_mixed.txt" "$work/zh_en_mixed_1mb.txt"
node "$here/make_corpus.mjs" "$here/corpus/en_prose.txt" "$work/en_prose_1mb.txt"
node "$here/make_corpus.mjs" "$here/corpus/zh_en_mixed.txt" "$work/zh_en_scrambled_1mb.txt" \
  --scramble-han
cd "$work"
taskset -c 1 node "$here/bench.mjs" "$build/bin/tokenizer_bench" "$runs" \
  "$work/zh_en_mixed_1mb.txt" "$work/en_prose_1mb.txt" "$work/zh_en_scrambled_1mb.txt"
