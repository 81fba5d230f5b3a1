#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer's coverage instrumentation (stable
# rustc codegen flags, as cargo-fuzz passes them) and runs each for FUZZ_SECS
# seconds on the committed seeds plus the corpus grown by earlier runs.
# Prints cases run per target and exits non-zero if any input crashed
# (the input is kept under target/fuzz/artifacts/<target>/).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECS:-10}
triple=$(rustc -vV | sed -n 's/^host: //p')
# --target keeps the instrumentation off build scripts and proc macros.
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing" \
  cargo build -q --profile fuzz -p boardingpass-fuzz --bins --target "$triple" --target-dir target/fuzz
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' tests/fuzz/Cargo.toml | grep -v '^boardingpass-fuzz$')
total=0 crashed=0
for t in $targets; do
  corpus=target/fuzz/corpus/$t artifacts=target/fuzz/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  log=target/fuzz/$t.log
  status=0
  "target/fuzz/$triple/fuzz/$t" "$corpus" tests/fuzz/seeds/$t -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  total=$((total + ${runs:-0}))
  if [ "$status" -ne 0 ]; then
    crashed=$((crashed + 1))
    echo "fuzz $t: CRASH after ${runs:-?} cases (exit $status); input in $artifacts/, log $log"
    grep -E 'panicked|ERROR|SUMMARY' "$log" | head -5 || true
  else
    echo "fuzz $t: ${runs:-0} cases in ${secs}s, no crash"
  fi
done
echo "fuzz: $(echo $targets | wc -w) targets, $total cases, $crashed crashing"
[ "$crashed" -eq 0 ]
