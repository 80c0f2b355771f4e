#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end throughput of the etw2kusto binary (make bench): the large
# PerfView sample (26.5 MB, 185,961 events) repeated N times through file:
# globs, for (a) a header-only query, (b) full JSON-lines output with
# EventData decoded, (c) the seed's query. Prints events/s, MB/s, peak RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
N=${E2K_BENCH_COPIES:-8}
exec python3 bench/cli/bench_cli.py "$BUILD/etw2kusto" "$N"
