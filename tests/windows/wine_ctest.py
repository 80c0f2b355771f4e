#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Runs every CTest test of a mingw build directory (build-win) under Wine.
# Tests whose command is a target already start with the emulator (wine);
# tests driven by a Python/shell harness get each *.exe argument replaced by a
# tiny wrapper script that runs it with wine, so harnesses (KQL corpus runner,
# Kusto upload tests, CLI tests) drive the Windows binaries unchanged.
# Usage: wine_ctest.py BUILD_DIR [--exclude REGEX] [--timeout SECONDS]
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--exclude", default="")
    ap.add_argument("--timeout", type=int, default=1500)
    args = ap.parse_args()
    wine = shutil.which("wine")
    if not wine:
        print("SKIP: wine is not installed")
        return 77
    # Start a persistent wineserver and the prefix's services with null
    # stdio first: services started by a test's first process would inherit
    # its output pipes and keep the harness waiting for EOF forever.
    wineserver = shutil.which("wineserver") or "wineserver"
    subprocess.run([wineserver, "-p"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    subprocess.run([wine, "cmd", "/c", "exit"], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    info = json.loads(subprocess.run(["ctest", "--show-only=json-v1"], cwd=args.build,
                                     check=True, capture_output=True, text=True).stdout)
    wrap_dir = tempfile.mkdtemp(prefix="e2k-winewrap.")
    wrappers = {}

    def wrap(path):
        if path not in wrappers:
            name = os.path.basename(path)[:-4]
            w = os.path.join(wrap_dir, name)
            if os.path.exists(w):
                w = os.path.join(wrap_dir, f"{name}_{len(wrappers)}")
            with open(w, "w") as f:
                f.write(f'#!/bin/sh\nexec "{wine}" "{path}" "$@"\n')
            os.chmod(w, os.stat(w).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            wrappers[path] = w
        return wrappers[path]

    results = []
    excl = re.compile(args.exclude) if args.exclude else None
    for t in info.get("tests", []):
        name = t["name"]
        if excl and excl.search(name):
            results.append((name, "EXCLUDED", 0.0, ""))
            continue
        cmd = list(t.get("command") or [])
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        if not cmd:
            results.append((name, "FAIL", 0.0, "no command"))
            continue
        if os.path.basename(cmd[0]) not in ("wine", "wine64"):
            cmd = [wrap(a) if a.endswith(".exe") and os.path.isfile(a) else a for a in cmd]
        env = dict(os.environ)
        for kv in props.get("ENVIRONMENT", []) or []:
            k, _, v = kv.partition("=")
            env[k] = v
        cwd = props.get("WORKING_DIRECTORY", args.build)
        timeout = float(props.get("TIMEOUT", args.timeout) or args.timeout)
        skip_rc = props.get("SKIP_RETURN_CODE")
        start = time.time()
        try:
            p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=timeout,
                               stdin=subprocess.DEVNULL)
            rc, out = p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            rc, out = None, ((e.stdout or b"") + (e.stderr or b"")).decode("utf-8", "replace")
        took = time.time() - start
        will_fail = str(props.get("WILL_FAIL", "")).upper() in ("1", "ON", "TRUE", "YES")
        if rc is None:
            status = "TIMEOUT"
        elif skip_rc is not None and rc == int(skip_rc):
            status = "SKIP"
        elif (rc == 0) != will_fail:
            status = "PASS"
        else:
            status = "FAIL"
        results.append((name, status, took, out))
        print(f"{status:8} {name} ({took:.1f} s)", flush=True)
        if status in ("FAIL", "TIMEOUT"):
            tail = out.strip().splitlines()[-25:]
            print("\n".join("    " + line for line in tail), flush=True)
    shutil.rmtree(wrap_dir, ignore_errors=True)
    passed = sum(1 for r in results if r[1] == "PASS")
    failed = [r[0] for r in results if r[1] in ("FAIL", "TIMEOUT")]
    skipped = sum(1 for r in results if r[1] in ("SKIP", "EXCLUDED"))
    print(f"wine ctest: {passed} passed, {len(failed)} failed, {skipped} skipped/excluded"
          + (f"; failed: {' '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
