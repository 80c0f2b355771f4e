#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite from a clean checkout on Debian 12: set-up, the
# ASan+UBSan test build (gcc) with every CTest case, a -Werror clang build,
# the fuzz targets for a bounded time each, and the Windows cross build with
# its Wine tests. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${E2K_JOBS:-2}
scripts/setup.sh

echo "== 1/4 gcc ASan+UBSan build and tests =="
cmake -S . -B build-test -G Ninja -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DE2K_SANITIZE=ON >/dev/null
ninja -C build-test -j "$JOBS"
(cd build-test && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest -j "$JOBS" --output-on-failure --timeout 1500)

echo "== 2/4 clang -Werror build =="
cmake -S . -B build-clang -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build-clang -j "$JOBS"

echo "== 3/4 fuzz targets (kept corpus + fixed-seed mutation runs; exploration is make fuzz) =="
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DE2K_FUZZ=ON \
  ${E2K_FUZZ_SECONDS:+-DE2K_FUZZ_SECONDS="$E2K_FUZZ_SECONDS"} >/dev/null
ninja -C build-fuzz -j "$JOBS"
(cd build-fuzz && ctest -j "$JOBS" --output-on-failure)

echo "== 4/4 Windows build (mingw-w64) and Wine tests =="
# Under Wine, two suites are left out (docs/windows.md says why): the KQL
# corpus (one Wine process per case: ~10 min) and kusto_e2e (its fake `az`
# is a shell script that cmd.exe cannot run). Both run natively in stage 1.
if [ -x scripts/windows-test.sh ]; then
  E2K_WINE_CTEST_EXCLUDE="${E2K_WINE_CTEST_EXCLUDE-^(kql_corpus|kusto_e2e)$}" \
    scripts/windows-test.sh --linux-bin "$PWD/build-clang/etw2kusto"
else
  echo "windows: scripts/windows-test.sh missing"; exit 1
fi
echo "== all test stages passed =="
