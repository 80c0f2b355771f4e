#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Runs etl_facts over every ETL sample listed in tests/data/etl/EXPECTED.json
# (plain files and 'zip!member' entries) and compares its facts exactly with
# the reference values (times within 5 microseconds). Also checks that the
# time-ordered stream has no event earlier than its predecessor and that no
# buffer/record was reported corrupt. Standard library only.
# Usage: check_expected.py ETL_FACTS DATA_DIR
import datetime
import json
import os
import subprocess
import sys

EXACT = ["events", "buffers", "compressed_buffers", "header_types", "events_by_provider",
         "kernel_hooks", "tracelogging_events", "wpp_events", "extended_items", "pointer_size",
         "os_version", "os_build", "clock_type", "perf_freq", "cpu_speed_mhz", "timer_resolution",
         "cpus", "log_file_mode", "logger_name", "events_lost", "buffer_size",
         "header_start_time_utc", "header_end_time_utc"]
TIMES = ["first_event_utc", "last_event_utc"]
TOLERANCE_US = 5


def parse_time(s):
    # "2015-10-24T09:21:41.6330301Z": keep 100 ns precision as an integer.
    base, frac = s.rstrip("Z").split(".")
    dt = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S")
    ticks = int((dt - datetime.datetime(1, 1, 1)).total_seconds()) * 10**7
    return ticks + int(frac.ljust(7, "0")[:7])


def run_facts(tool, spec, file_order=False):
    args = [tool] + (["--file-order"] if file_order else []) + [spec]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return json.loads(p.stdout), p.stderr


def main():
    tool, data = sys.argv[1], sys.argv[2]
    expected = json.load(open(os.path.join(data, "EXPECTED.json")))["files"]
    failures = 0
    checked = 0
    for key, exp in sorted(expected.items()):
        if exp.get("kind") != "etl":
            continue
        spec = os.path.join(data, key)
        try:
            got, stderr = run_facts(tool, spec)
        except Exception as e:  # noqa: BLE001 - report and go on
            print("FAIL %s: %s" % (key, e))
            failures += 1
            continue
        problems = []
        for f in EXACT:
            if f not in exp:
                continue
            if got.get(f) != exp[f]:
                problems.append("%s: got %r, expected %r" % (f, got.get(f), exp[f]))
        for f in TIMES:
            if f in exp:
                d = abs(parse_time(got[f]) - parse_time(exp[f]))
                if d > TOLERANCE_US * 10:
                    problems.append("%s: got %s, expected %s (off by %d x 100ns)" % (f, got[f], exp[f], d))
        for f in ("buffers_corrupt", "records_corrupt", "out_of_order"):
            if got.get(f) != 0:
                problems.append("%s: %r (expected 0)" % (f, got.get(f)))
        # Buffers' ProcessorNumber (u16 ProcessorIndex when BufferFlag 0x20): every
        # processor that owns a buffer in these samples owns at least one event.
        procs = exp.get("buffer_details", {}).get("processors_in_buffers")
        if procs is not None and got.get("processors_with_events") != procs:
            problems.append("processors: got %r, expected %r" % (got.get("processors_with_events"), procs))
        if got.get("stats_events") != got.get("events"):
            problems.append("stats.events %r != delivered %r" % (got.get("stats_events"), got.get("events")))
        if stderr.strip():
            problems.append("warnings: " + stderr.strip().splitlines()[0])
        checked += 1
        if problems:
            failures += 1
            print("FAIL %s" % key)
            for p in problems:
                print("    " + p)
        else:
            print("ok   %s (%d events)" % (key, got["events"]))
    # Whole archives: "x.zip" reads every .etl member (EXPECTED lists the members).
    for key, exp in sorted(expected.items()):
        if exp.get("kind") != "zip":
            continue
        members = [m for m in exp.get("members", {}) if m.lower().endswith(".etl")]
        want = sum(expected[key + "!" + m]["events"] for m in members if key + "!" + m in expected)
        checked += 1
        try:
            got, _ = run_facts(tool, os.path.join(data, key))
        except Exception as e:  # noqa: BLE001
            print("FAIL %s: %s" % (key, e))
            failures += 1
            continue
        if got["events"] != want or got["files"] != len(members):
            print("FAIL %s: %d events in %d files, expected %d in %d" % (key, got["events"], got["files"], want,
                                                                          len(members)))
            failures += 1
        else:
            print("ok   %s (%d events, %d .etl members)" % (key, want, len(members)))
    print("%d passed, %d failed" % (checked - failures, failures))
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
