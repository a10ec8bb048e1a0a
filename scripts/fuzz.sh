#!/usr/bin/env bash
# Fuzzes every parser that reads outside input — CSV, vCard, the query language, phone
# numbers, the ODBC row mapping (fuzz/fuzz_targets/) — with cargo-fuzz (libFuzzer, nightly
# Rust), each target for SECONDS on its corpus in fuzz/corpus/. Ends with one line:
#   fuzz: 5 targets, N runs in S s, 0 crashes
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]      ./test runs 15 s per target
#   KEEP=1 scripts/fuzz.sh 600               a long run; new inputs minimised into fuzz/corpus/
#
# A crash, a hang (over 10 s for one input) or an input needing over 2 GB stops its target
# and leaves the input in fuzz/artifacts/TARGET/; `cargo +nightly fuzz run TARGET FILE`
# replays it. docs/fuzzing.md has the long runs' figures.
source "$(dirname "$0")/tools.sh"

SECONDS_EACH="${1:-15}"
shift || true
ensure_fuzzer
cd "$ROOT/fuzz"
TARGETS=("$@")
[ "${#TARGETS[@]}" -gt 0 ] || mapfile -t TARGETS < <(cargo +nightly fuzz list)
FUZZ_TARGET_DIR="$(target_dir)/fuzz"
say "building the fuzz targets (nightly, libFuzzer)"
# No sanitizer: the targets are safe Rust, and debug assertions (on with -O) catch overflow.
cargo +nightly fuzz build -O --sanitizer none --target-dir "$FUZZ_TARGET_DIR"
bin_dir="$FUZZ_TARGET_DIR/$(rustc -vV | awk '/^host:/ { print $2 }')/release"

total_runs=0 total_seconds=0 crashes=0
for target in "${TARGETS[@]}"; do
  work="$(mktemp -d)"
  mkdir -p "artifacts/$target" "corpus/$target"
  set +e
  "$bin_dir/$target" "$work" "corpus/$target" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" >"$work.log" 2>&1
  status=$?
  set -e
  runs="$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$work.log")"
  cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$work.log" | tail -1)"
  corpus="$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$work.log" | tail -1)"
  if [ "$status" != 0 ]; then
    crashes=$((crashes + 1))
    # The panic's message and place, then libFuzzer's summary (the input, in base64 too).
    grep -m1 -A3 "panicked at" "$work.log" || true
    grep -A3 "^SUMMARY\|Test unit written" "$work.log" || tail -20 "$work.log"
    echo "$target: FAILED after ${runs:-?} runs; the input is in fuzz/artifacts/$target/"
  else
    echo "$target: ${runs:-0} runs in ${SECONDS_EACH} s, ${cov:-cov ?}, ${corpus:-corp ?}, no crash"
  fi
  total_runs=$((total_runs + ${runs:-0}))
  total_seconds=$((total_seconds + SECONDS_EACH))
  if [ "${KEEP:-0}" = 1 ] && [ "$status" = 0 ]; then
    # Keep only the inputs that add coverage, so the corpus stays small enough to commit.
    merged="$(mktemp -d)"
    "$bin_dir/$target" -merge=1 "$merged" "corpus/$target" "$work" >/dev/null 2>&1
    rm -rf "corpus/$target" && mv "$merged" "corpus/$target"
  fi
  rm -rf "$work" "$work.log"
done
echo "fuzz: ${#TARGETS[@]} targets, $total_runs runs in $total_seconds s, $crashes crashes"
[ "$crashes" = 0 ]
