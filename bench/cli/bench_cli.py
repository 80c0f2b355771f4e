#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs etw2kusto over N copies of the large PerfView sample and reports
events/s, MB/s and the peak RSS of each run (benchmark, not a test)."""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

binary, copies = sys.argv[1], int(sys.argv[2])
src_zip = "tests/data/etl/perfview/net.4.5.x86.etl.zip"
tmp = tempfile.mkdtemp(prefix="e2k-bench-")
with zipfile.ZipFile(src_zip) as z:
    member = [n for n in z.namelist() if n.lower().endswith(".etl")][0]
    first = os.path.join(tmp, "copy0.etl")
    with z.open(member) as f, open(first, "wb") as o:
        shutil.copyfileobj(f, o)
for i in range(1, copies):
    os.link(first, os.path.join(tmp, "copy%d.etl" % i))
size = os.path.getsize(first) * copies
glob = os.path.join(tmp, "copy*.etl")
events_per_copy = 185961


def measure(label, args, out=subprocess.DEVNULL):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([binary, "file:" + glob, *args], stdout=out, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ev = events_per_copy * copies
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    status = "ok" if p.returncode == 0 else "exit %d: %s" % (p.returncode, p.stderr.decode()[-200:])
    print("%-28s %8.2f s  %10.0f events/s  %7.1f MB/s  cpu %.2f s  peak RSS %d MB  (%s)" % (
        label, dt, ev / dt, size / 1e6 / dt, cpu, after.ru_maxrss // 1024, status))


def cat_time():
    t0 = time.perf_counter()
    for i in range(copies):
        with open(os.path.join(tmp, "copy%d.etl" % i), "rb") as f:
            while f.read(1 << 20):
                pass
    return time.perf_counter() - t0


print("input: %d copies of %s (%.1f MB, %d events)" % (copies, member, size / 1e6, events_per_copy * copies))
print("%-28s %8.2f s" % ("cat (read the bytes)", cat_time()))
measure("header-only: T | count", ["query:T | count", "format:json"])
measure("header filter + count by bin", ["query:T | where EventId == 1 | summarize count() by bin(TimeCreated, 1s)", "format:json"])
measure("full JSON lines + EventData", ["format:json"])
measure("EventData touched: seed query", ["query:examples/TraficByIP.csl", "format:json"])
shutil.rmtree(tmp)
