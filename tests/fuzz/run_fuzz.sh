#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: run_fuzz.sh BINARY SOURCE_DIR WORK_DIR SECONDS
# [libFuzzer flags...]. The target's name is BINARY without "fuzz_". It starts from the committed
# seeds (SOURCE_DIR/corpus/NAME) plus what earlier runs found (WORK_DIR/corpus/NAME, where new
# inputs go), uses SOURCE_DIR/NAME.dict when present, and leaves a crashing input in
# WORK_DIR/artifacts/. Exits non-zero on any crash, leak, sanitizer report or timeout, and prints
# the final line with the executions, coverage (cov) and features (ft), and the corpus size.
set -euo pipefail
binary=$1 source_dir=$2 work_dir=$3 seconds=$4
shift 4
name=$(basename "$binary")
name=${name#fuzz_}
corpus=$work_dir/corpus/$name
artifacts=$work_dir/artifacts
mkdir -p "$corpus" "$artifacts"
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192
      -print_final_stats=1 -artifact_prefix="$artifacts/$name-")
[[ -f $source_dir/$name.dict ]] && args+=(-dict="$source_dir/$name.dict")
log=$work_dir/$name.log
set +e
"$binary" "${args[@]}" "$@" "$corpus" "$source_dir/corpus/$name" >"$log" 2>&1
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
  tail -n 60 "$log"
  echo "fuzz $name: FAILED (exit $rc); input in $artifacts/"
  exit 1
fi
final=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1)
runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
echo "fuzz $name: ${runs:-?} runs in ${seconds}s, corpus $(ls "$corpus" | wc -l) files; $final"
