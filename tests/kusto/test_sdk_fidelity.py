# SPDX-License-Identifier: MIT
# Fidelity test: the official Kusto Node SDKs (npm azure-kusto-data 7.0.4,
# azure-kusto-ingest 7.0.1) run sdk_fidelity.mjs against our test server and
# Azurite; every step must succeed and the server must hold exactly the rows
# the SDK sent. Proves the server speaks the protocol the real service does,
# so the C uploader's tests against it mean something. Skips (77) only when
# node or the npm packages are not installed.
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kusto_testlib import HERE, SKIP, Azurite, Checks, Server, clean_env, node_available  # noqa: E402


def main():
    why = node_available("sdk", ["azurite", "azure-kusto-data", "azure-kusto-ingest"])
    if why:
        print("SKIP: %s" % why)
        return SKIP
    ck = Checks()
    tmp = tempfile.mkdtemp(prefix="e2k-sdk-")
    az = Azurite()
    srv = Server("--token", "sdk-token", "--azurite-blob", az.blob, "--azurite-queue", az.queue)
    try:
        env = clean_env(tmp, E2K_ENGINE=srv.engine, E2K_DM=srv.dm, NODE_OPTIONS=None)
        p = subprocess.run(["node", os.path.join(HERE, "sdk_fidelity.mjs")], env=env, cwd=HERE,
                           capture_output=True, text=True, timeout=180)
        ck.check(p.returncode == 0, "node exited %d: %s" % (p.returncode, p.stderr[-800:]))
        last = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
        res = json.loads(last[-1]) if last else {"steps": []}
        for s in res["steps"]:
            ck.check(s["ok"], "SDK step '%s': %s" % (s["name"], s["detail"]))
            print("  %-45s %s %s" % (s["name"], "ok" if s["ok"] else "FAILED", json.dumps(s["detail"])[:120]))
        ck.check(len(res["steps"]) == 14, "all 14 SDK steps ran (%d)" % len(res["steps"]))
        t = srv.rows("SdkDb", "Events")
        ck.check(len(t["rows"]) == 8, "server holds the 8 rows the SDK sent, got %d" % len(t["rows"]))
        levels = sorted(r["Level"] for r in t["rows"])
        ck.check(levels == sorted(["Info", "Warn", "Info", "Error", "Info", "Warn", "Info", "Warn"]),
                 "row contents arrived: %s" % levels)
        ck.check(any(r["Timestamp"] == "2026-01-01T00:00:03.0000000Z" and r["Props"] == {"a": 1}
                     for r in t["rows"]), "mapping applied to the JSON rows")
        log = srv.log()
        ck.check(any(r.get("path") == "/v1/rest/auth/metadata" for r in log), "SDK fetched cloud metadata")
        ing = [r for r in log if r.get("path", "").startswith("/v1/rest/ingest/")]
        ck.check(ing and all(r["headers"].get("content-encoding") == "gzip" for r in ing),
                 "SDK streaming bodies were gzip")
        ck.check(len([r for r in ing if r.get("fault") == 500]) == 2, "managed streaming retried past two 500s")
        dm = [r for r in log if r.get("kind") == "dm"]
        ck.check(dm and all("error" not in r for r in dm), "DM drained the SDK's queue message: %s" % dm[:1])
    finally:
        srv.stop()
        az.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return ck.report()


if __name__ == "__main__":
    sys.exit(main())
