#!/usr/bin/env bash
# One long fuzzing run of one target, as recorded in fuzz/RESULTS.md:
#
#   fuzz/long_run.sh TARGET SECONDS [RUNS]
#
# Runs `cargo fuzz run` (stable toolchain with RUSTC_BOOTSTRAP=1, no
# sanitizer, one fuzzing process at nice 19) until SECONDS have passed or
# RUNS inputs (default 10,000,000) were executed, whichever comes first, with
# the target's dictionary when it has one and its corpus in
# fuzz/corpus/TARGET. libFuzzer's log goes to fuzz/logs/TARGET-<time>.log;
# the last lines printed are the figures for the table (executions, exec/s,
# coverage, corpus size) and any failing input in fuzz/artifacts/TARGET/.
set -euo pipefail

target=${1:?usage: fuzz/long_run.sh TARGET SECONDS [RUNS]}
seconds=${2:?usage: fuzz/long_run.sh TARGET SECONDS [RUNS]}
runs=${3:-10000000}

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
logs="$fuzz_dir/logs"
mkdir -p "$logs" "$fuzz_dir/corpus/$target"
dict=()
if [[ -f "$fuzz_dir/dicts/$target.dict" ]]; then
    dict=("-dict=$fuzz_dir/dicts/$target.dict")
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work="$logs/$target-$stamp"
mkdir -p "$work"

start=$(date +%s)
# -jobs=1 -workers=1: libFuzzer runs the fuzzer in one child process whose
# output is fuzz-0.log in the current directory (hence the cd).
(
    cd "$work"
    RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run --fuzz-dir "$fuzz_dir" -s none "$target" -- \
        -max_total_time="$seconds" -runs="$runs" -jobs=1 -workers=1 \
        -print_final_stats=1 "${dict[@]}"
) > "$work/cargo-fuzz.out" 2>&1 || true
end=$(date +%s)

log="$work/fuzz-0.log"
echo "target=$target wall=$((end - start))s log=$log"
grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" || true
grep -E 'ERROR: libFuzzer|panicked at|SUMMARY|Test unit written' "$log" || true
# Failing inputs written by this run only.
find "$fuzz_dir/artifacts/$target" -type f -newermt "@$start" 2>/dev/null || true
