#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the bundled sample: decode the seed's Kernel-Network TCP
# trace and print it locally, then run the seed's pre-processing query (net
# flow by destination address per second) over it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-node
scripts/build.sh
TRACE=tests/data/etl/Tx/KernelNetwork.etl
echo
echo "== etw2kusto file:$TRACE   (first 15 events; the full run prints all 8924) =="
./build/etw2kusto "file:$TRACE" format:table 'query:EtwTcp | take 15 | project TimeCreated, Provider, EventId, EventName, ProcessId, EventData'
echo
echo "== etw2kusto file:$TRACE query:examples/TraficByIP.csl   (the seed's net-flow query) =="
cat examples/TraficByIP.csl
echo
./build/etw2kusto "file:$TRACE" query:examples/TraficByIP.csl format:table | head -25
