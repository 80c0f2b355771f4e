#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# For every .etl / .etl.zip under the data dir, `etw2kusto file:X format:json`
# (EventData written straight by the decoder) must be byte-identical to
# `etw2kusto file:X format:json query:T` (EventData built as a value bag and
# serialised by kv_to_json). Two independent code paths checking each other;
# also guards the value-model fast paths (static bag keys, inline slots).
# Usage: test_json_paths.py ETW2KUSTO DATA_DIR
import hashlib
import os
import subprocess
import sys


def digest(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, hashlib.sha256(p.stdout).hexdigest(), len(p.stdout), p.stderr


def main():
    exe, data = sys.argv[1], sys.argv[2]
    samples = []
    for root, _dirs, files in os.walk(data):
        for f in files:
            if f.endswith(".etl") or f.endswith(".etl.zip"):
                samples.append(os.path.join(root, f))
    samples.sort()
    passed = failed = 0
    for s in samples:
        fast = digest([exe, "file:" + s, "format:json"])
        vals = digest([exe, "file:" + s, "format:json", "query:T"])
        if fast[0] == 0 and vals[0] == 0 and fast[1] == vals[1] and fast[2] > 0:
            passed += 1
        else:
            failed += 1
            print("FAIL %s: rc %d/%d, %d/%d bytes, sha %s/%s" %
                  (s, fast[0], vals[0], fast[2], vals[2], fast[1][:12], vals[1][:12]))
            sys.stdout.write(vals[3].decode("utf-8", "replace")[:400])
    if not samples:
        failed += 1
        print("FAIL: no samples under " + data)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
