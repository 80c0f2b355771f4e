#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Exploratory fuzzing, outside the test suite: every libFuzzer target (or the
# ones named) runs for SECONDS with a random seed, growing a scratch corpus in
# build-fuzz/explore/<name>. Crashes land in build-fuzz/explore/<name>-crash-*;
# fix them and copy the input into fuzz/corpus/<name>/regress-<what> so the
# deterministic suite stage replays it forever.
#   scripts/fuzz.sh [--seconds N] [target ...]     e.g. scripts/fuzz.sh --seconds 600 fuzz_kql
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=300
if [ "${1:-}" = "--seconds" ]; then SECONDS_EACH=$2; shift 2; fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DE2K_FUZZ=ON >/dev/null
ninja -C build-fuzz -j "${E2K_JOBS:-2}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
status=0
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  dir=build-fuzz/explore/$name
  mkdir -p "$dir"
  echo "== $t: ${SECONDS_EACH}s, random seed"
  if ! build-fuzz/fuzz/"$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="build-fuzz/explore/$name-" "$dir" "fuzz/corpus/$name" \
       >"build-fuzz/explore/$name.log" 2>&1; then
    echo "   FOUND a problem: see build-fuzz/explore/$name.log and build-fuzz/explore/$name-*"
    status=1
  else
    grep -E "stat::number_of_executed_units" "build-fuzz/explore/$name.log" || true
  fi
done
exit $status
