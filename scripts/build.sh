#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Release build of etw2kusto into build/ (used by the demo and benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DE2K_TESTS=OFF >/dev/null
ninja -C build etw2kusto
