#!/bin/sh
# SPDX-License-Identifier: MIT
# Header-only scan benchmark of the ETL reader. Extracts net.4.5.x86.etl.zip
# (26.5 MB uncompressed PerfView trace, 185,961 records) once into a temp dir,
# makes N copies, and scans them (a) merged in time order through a glob,
# (b) in file order, (c) the compressed net.4.5.2.x64 trace; compares with
# the time `cat` needs for the same bytes. Reports wall and CPU time (the
# machine may be shared) and peak RSS for 1 vs N copies (memory must stay flat
# in file order; in time order it grows with the streams open at once).
# Usage: bench/etl/run.sh [N] [BUILD_DIR]   (BUILD_DIR: a Release build, no sanitizers)
set -eu
N=${1:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${2:-$ROOT/build-bench-etl}
if [ ! -x "$BUILD/bench/etl/bench_etl_scan" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DE2K_SANITIZE=OFF >/dev/null
  ninja -C "$BUILD" -j2 bench_etl_scan >/dev/null
fi
BIN=$BUILD/bench/etl/bench_etl_scan
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
unzip -q -o "$ROOT/tests/data/etl/perfview/net.4.5.x86.etl.zip" PerfViewData.etl -d "$TMP"
unzip -q -o "$ROOT/tests/data/etl/perfview/net.4.5.2.x64.etl.zip" net.4.5.2.x64.etl -d "$TMP"
mkdir "$TMP/copies"
i=1
while [ "$i" -le "$N" ]; do
  cp "$TMP/PerfViewData.etl" "$TMP/copies/copy_$i.etl"
  i=$((i + 1))
done
cat "$TMP"/copies/*.etl > /dev/null # warm the page cache
rss() { # peak RSS in KB of a command (GNU time when available)
  if [ -x /usr/bin/time ]; then /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; else echo "?"; fi
}
echo "== cat of $N copies ($(du -sh "$TMP/copies" | cut -f1))"
/usr/bin/env time -p cat "$TMP"/copies/*.etl 2>&1 >/dev/null | tr '\n' ' '; echo
echo "== 1 file, time order"
"$BIN" "$TMP/PerfViewData.etl"
echo "== $N copies via glob, time order (k-way merge of $N x 4 per-CPU streams; identical timestamps interleave)"
"$BIN" "$TMP/copies/*.etl"
echo "== $N copies via glob, file order"
"$BIN" --file-order "$TMP/copies/*.etl"
echo "== compressed net.4.5.2.x64.etl (359 XPRESS buffers), time order"
"$BIN" "$TMP/net.4.5.2.x64.etl"
echo "== peak RSS (KB): file order 1 copy / $N copies; time order 1 copy / $N copies"
echo "$(rss "$BIN" --file-order "$TMP/PerfViewData.etl") / $(rss "$BIN" --file-order "$TMP/copies/*.etl"); $(rss "$BIN" "$TMP/PerfViewData.etl") / $(rss "$BIN" "$TMP/copies/*.etl")"
