#!/bin/sh
# SPDX-License-Identifier: MIT
# Full payload decoding benchmark: bench_decode on the two large PerfView
# samples, value path (EventData bag + kv_to_json), value build only
# (--nojson, what the KQL path pays) and the decoder's direct-JSON fast path
# (--fast). Prints bench_decode's line (CPU time and events/s: the machine
# may be shared, so CPU time is the figure to compare).
# Usage: bench/decode/run.sh [BUILD_DIR] [REPEAT]   (BUILD_DIR: Release, no sanitizers)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-bench}
REPEAT=${2:-5}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=$BUILD/bench/decode/bench_decode
if [ ! -x "$BIN" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$BUILD" -j2 bench_decode >/dev/null
fi
for f in net.4.5.x86.etl.zip net.4.5.2.x64.etl.zip; do
  for mode in value nojson fast; do
    case $mode in value) opt= ;; nojson) opt=--nojson ;; fast) opt=--fast ;; esac
    printf '%-22s %-7s ' "$f" "$mode"
    # shellcheck disable=SC2086
    "$BIN" --repeat "$REPEAT" $opt "$ROOT/tests/data/etl/perfview/$f" 2>&1
  done
done
