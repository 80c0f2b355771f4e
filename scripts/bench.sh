#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmarks (make bench): each bench/<area>/run.sh prints its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DE2K_TESTS=OFF >/dev/null
ninja -C build-bench
for r in bench/*/run.sh; do
  echo "== $r =="
  bash "$r" build-bench
done
