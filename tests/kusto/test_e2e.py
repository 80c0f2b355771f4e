# SPDX-License-Identifier: MIT
# End-to-end tests of the Kusto uploader against the local protocol test
# server: every row produced is read back with equal content, under faults
# (429 + Retry-After, 500, resets, lost acks, slow replies, 401/token
# expiry, streaming disabled, permanent errors, crash and re-run), the reset
# rule, and each Entra ID flow against the fake token/IMDS endpoints.
import argparse
import os
import shutil
import stat
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kusto_testlib import (Checks, Server, clean_env, compare_rows, free_port, make_rows,  # noqa: E402
                           run_driver, write_tsv)

DB = "TestDb"


def base_args(srv, table, tmp, *more):
    return ["cluster:" + srv.engine, "database:" + DB, "table:" + table, "journal:" + os.path.join(tmp, "j")] + \
        list(more)


def scenario_basic(ck, drv, tmp):
    srv = Server("--token", "tok-1")
    try:
        lines, exp = make_rows(3000, seed=11)
        tsv = os.path.join(tmp, "basic.tsv")
        write_tsv(tsv, lines)
        rc, out, err, _ = run_driver(drv, tsv, base_args(srv, "Basic", tmp, "auth:token", "token:tok-1",
                                                          "batch_kb:64"), clean_env(tmp))
        ck.check(rc == 0, "basic: driver rc %d: %s %s" % (rc, out, err))
        t = srv.rows(DB, "Basic")
        ck.check(t["exists"], "basic: table created")
        ck.check(t["doc"] == "created by etw2kusto", "basic: docstring marker, got %r" % t["doc"])
        ck.check("etw2kusto_json" in t["maps"], "basic: json mapping created")
        ck.check([c[0] for c in t["columns"]][:3] == ["Timestamp", "Provider", "Id"], "basic: columns")
        ck.check(len(t["rows"]) == 3000, "basic: 3000 rows read back, got %d" % len(t["rows"]))
        compare_rows(ck, t["rows"], exp, "basic")
        ings = [r for r in srv.log() if r.get("role") == "engine" and r["path"].startswith("/v1/rest/ingest/")]
        ck.check(len(ings) > 5, "basic: several batches (batch_kb:64), got %d" % len(ings))
        ck.check(all(r["headers"].get("content-encoding") == "gzip" for r in ings), "basic: gzip bodies")
        ck.check(all(r["query"].get("mappingName") == "etw2kusto_json" for r in ings), "basic: mappingName")
        ck.check(all(r["headers"].get("authorization") == "Bearer tok-1" for r in ings), "basic: bearer token")
        ck.check("rows uploaded 3000" in out, "basic: summary names rows uploaded: %s" % out[-300:])
        ck.check(not os.listdir(os.path.join(tmp, "j")) or all(
            not f.endswith((".batch", ".open")) for d in os.listdir(os.path.join(tmp, "j"))
            for f in os.listdir(os.path.join(tmp, "j", d))), "basic: journal empty after success")
    finally:
        srv.stop()


def run_fault(ck, drv, tmp, name, faults, env_extra=None, allow_dups=0, expect_ambiguous=False, rows=800,
              more=()):
    srv = Server("--no-auth")
    try:
        for f in faults:
            srv.fault(**f)
        lines, exp = make_rows(rows, seed=hash(name) & 0xFFFF)
        tsv = os.path.join(tmp, name + ".tsv")
        write_tsv(tsv, lines)
        rc, out, err, secs = run_driver(drv, tsv, base_args(srv, name, tmp, "auth:none", "batch_kb:32", *more),
                                        clean_env(tmp, **(env_extra or {})))
        ck.check(rc == 0, "%s: driver rc %d: %s %s" % (name, rc, out[-500:], err[-500:]))
        t = srv.rows(DB, name)
        dups = compare_rows(ck, t["rows"], exp, name, allow_dups)
        if expect_ambiguous:
            ck.check("after ambiguous failures" in out and "0 after ambiguous" not in out,
                     "%s: summary counts ambiguous retries: %s" % (name, out[-300:]))
        return srv.log(), out, dups
    finally:
        srv.stop()


def scenario_faults(ck, drv, tmp):
    # 429 twice with Retry-After: 1 -> the client waits >= 1 s, no loss, no duplicates
    log, out, _ = run_fault(ck, drv, tmp, "Throttle", [dict(where="ingest", action="status", status=429,
                                                             retry_after=1, count=2)])
    ing = [r for r in log if r.get("path", "").startswith("/v1/rest/ingest/")]
    faulted = [r for r in ing if r.get("fault") == 429]
    ck.check(len(faulted) == 2, "throttle: two 429s served")
    if len(ing) >= 3:
        ck.check(ing[1]["t"] - ing[0]["t"] >= 0.95 and ing[2]["t"] - ing[1]["t"] >= 0.95,
                 "throttle: Retry-After honoured (gaps %.2f, %.2f)" % (ing[1]["t"] - ing[0]["t"],
                                                                      ing[2]["t"] - ing[1]["t"]))
    ck.check("retries 2" in out, "throttle: summary counts 2 retries: %s" % out[-300:])
    # 500 three times (transient)
    run_fault(ck, drv, tmp, "Err500", [dict(where="ingest", action="status", status=500, count=3)])
    # 503 on management commands during table setup
    run_fault(ck, drv, tmp, "MgmtBusy", [dict(where="mgmt", action="status", status=503, count=2)])
    # connection reset before the request is processed
    run_fault(ck, drv, tmp, "Reset", [dict(where="ingest", action="reset", count=2)], expect_ambiguous=True)
    # lost acknowledgement: rows committed, response lost -> one batch may be duplicated (documented)
    _, _, dups = run_fault(ck, drv, tmp, "LostAck", [dict(where="ingest", action="reset", after=True, count=1)],
                           allow_dups=10_000, expect_ambiguous=True)
    ck.check(dups > 0, "lost ack: the re-sent batch is duplicated as documented (dups %d)" % dups)
    # slow reply beyond the client timeout: timeout -> retry (ambiguous)
    run_fault(ck, drv, tmp, "Slow", [dict(where="ingest", action="none", delay_ms=2500, count=1)],
              env_extra={"E2K_KUSTO_TIMEOUT_MS": "1000"}, allow_dups=10_000, expect_ambiguous=True)
    # streaming disabled per table policy without queued resources: permanent, rows kept, re-run re-sends
    scenario_streaming_off_then_rerun(ck, drv, tmp)


def scenario_streaming_off_then_rerun(ck, drv, tmp):
    srv = Server("--no-auth", "--streaming", "offpolicy")
    try:
        lines, exp = make_rows(500, seed=5)
        tsv = os.path.join(tmp, "off.tsv")
        write_tsv(tsv, lines)
        args = base_args(srv, "Off", tmp, "auth:none", "batch_kb:32", "retries:2")
        rc, out, err, _ = run_driver(drv, tsv, args, clean_env(tmp))
        ck.check(rc != 0, "streaming off + no DM: the run fails")
        ck.check("kept in journal" in out + err, "streaming off: message says rows are kept: %s" % (out + err)[-400:])
        ck.check(len(srv.rows(DB, "Off")["rows"]) == 0, "streaming off: nothing ingested")
        srv.post("/test/streaming?mode=on")
        empty = os.path.join(tmp, "empty.tsv")
        write_tsv(empty, [])
        rc, out, err, _ = run_driver(drv, empty, args, clean_env(tmp))
        ck.check(rc == 0, "re-run: rc %d %s %s" % (rc, out[-400:], err[-300:]))
        ck.check("re-sending" in out, "re-run announces the re-send")
        t = srv.rows(DB, "Off")
        compare_rows(ck, t["rows"], exp, "re-run after streaming off")
        ck.check(len(t["rows"]) == 500, "re-run: 500 rows, got %d" % len(t["rows"]))
    finally:
        srv.stop()


def scenario_progress(ck, drv, tmp):
    """A slow live source: batches close on time (batch:2) and the uploaded-row
    count is printed every 10 s, then the summary."""
    srv = Server("--no-auth")
    try:
        lines, exp = make_rows(240, seed=31)
        tsv = os.path.join(tmp, "progress.tsv")
        write_tsv(tsv, lines)
        rc, out, err, secs = run_driver(drv, tsv, base_args(srv, "Progress", tmp, "auth:none", "batch:2",
                                                             "row_delay_ms:50", "tick_every:5"), clean_env(tmp))
        ck.check(rc == 0, "progress: rc %d %s" % (rc, err[-300:]))
        ck.check(secs >= 11, "progress: the run lasted %.1f s" % secs)
        lines_out = out.splitlines()
        nums = lines_out[1].split() if len(lines_out) > 1 else []
        ck.check(len(nums) >= 2 and all(n.isdigit() for n in nums), "progress: numbers line %r" % nums)
        ck.check(nums and int(nums[0]) > 0, "progress: rows uploaded within the first 10 s")
        ck.check(sum(int(n) for n in nums if n.isdigit()) == 240, "progress: numbers add up to 240: %r" % nums)
        ing = [r for r in srv.log() if r.get("path", "").startswith("/v1/rest/ingest/")]
        ck.check(len(ing) >= 4, "progress: batches closed every 2 s (%d batches)" % len(ing))
        compare_rows(ck, srv.rows(DB, "Progress")["rows"], exp, "progress")
    finally:
        srv.stop()


def scenario_permanent(ck, drv, tmp):
    srv = Server("--no-auth")
    try:
        srv.fault(where="ingest", action="status", status=400, code="BadRequest_InvalidFormat",
                  message="bad data", permanent=True, count=1)
        lines, exp = make_rows(100, seed=3)
        tsv = os.path.join(tmp, "perm.tsv")
        write_tsv(tsv, lines)
        args = base_args(srv, "Perm", tmp, "auth:none")
        rc, out, err, _ = run_driver(drv, tsv, args, clean_env(tmp))
        ck.check(rc != 0, "permanent: run fails")
        ck.check("BadRequest_InvalidFormat" in out + err, "permanent: message names the error: %s" % (out + err)[-300:])
        rc, out, err, _ = run_driver(drv, os.path.join(tmp, "empty.tsv"), args, clean_env(tmp))
        ck.check(rc == 0, "permanent: re-run succeeds")
        compare_rows(ck, srv.rows(DB, "Perm")["rows"], exp, "permanent then re-run")
    finally:
        srv.stop()


def scenario_crash(ck, drv, tmp):
    srv = Server("--no-auth")
    try:
        lines, exp = make_rows(1200, seed=21)
        tsv = os.path.join(tmp, "crash.tsv")
        write_tsv(tsv, lines)
        args = base_args(srv, "Crash", tmp, "auth:none", "batch:60")
        srv.fault(where="ingest", action="status", status=503, count=-1)  # cluster down
        rc, out, err, _ = run_driver(drv, tsv, args + ["crash_after:700", "tick_every:100"], clean_env(tmp))
        ck.check(rc == 3, "crash: driver exited as if killed (rc %d) %s" % (rc, err[-200:]))
        srv.post("/test/clear_faults")
        rc, out, err, _ = run_driver(drv, os.path.join(tmp, "empty.tsv"), args, clean_env(tmp))
        ck.check(rc == 0, "crash: re-run rc %d %s %s" % (rc, out[-300:], err[-300:]))
        compare_rows(ck, srv.rows(DB, "Crash")["rows"], exp[:700], "crash then re-run")
        # Ctrl-C path: interrupt, then re-run
        srv.fault(where="ingest", action="status", status=503, count=-1)
        lines2, exp2 = make_rows(300, seed=22, start_id=10_000)
        tsv2 = os.path.join(tmp, "intr.tsv")
        write_tsv(tsv2, lines2)
        rc, out, err, _ = run_driver(drv, tsv2, args + ["interrupt_after:300"], clean_env(tmp))
        ck.check(rc != 0 and "kept in journal" in out, "interrupt: reports rows kept: %s" % out[-300:])
        srv.post("/test/clear_faults")
        rc, out, err, _ = run_driver(drv, os.path.join(tmp, "empty.tsv"), args + ["reset:false"], clean_env(tmp))
        ck.check(rc == 0, "interrupt: re-run ok")
        compare_rows(ck, srv.rows(DB, "Crash")["rows"], exp[:700] + exp2, "interrupt then re-run")
    finally:
        srv.stop()


def scenario_reset(ck, drv, tmp):
    srv = Server("--no-auth")
    try:
        lines, exp = make_rows(50, seed=9)
        tsv = os.path.join(tmp, "reset.tsv")
        write_tsv(tsv, lines)
        old = {"Timestamp": None, "Provider": "old", "Id": 1, "Level": 0, "Ratio": None, "Flag": False,
               "Activity": "00000000-0000-0000-0000-000000000000", "Props": None, "Duration": None,
               "Weird Name-1": "old"}
        from kusto_testlib import SCHEMA
        srv.post("/test/table", {"db": DB, "table": "UserT", "columns": SCHEMA, "doc": "owned by a human",
                                 "rows": [old]})
        a = lambda t, *m: base_args(srv, t, tmp, "auth:none", *m)
        rc, out, _, _ = run_driver(drv, tsv, a("UserT"), clean_env(tmp))
        ck.check(rc == 0 and "not created by etw2kusto: rows kept" in out, "reset default on a user table keeps rows: %s" % out[:300])
        compare_rows(ck, srv.rows(DB, "UserT")["rows"], exp + [old], "user table kept")
        ck.check(srv.rows(DB, "UserT")["doc"] == "owned by a human", "user docstring untouched")
        rc, out, _, _ = run_driver(drv, tsv, a("UserT", "reset:true"), clean_env(tmp))
        ck.check(rc == 0 and "cleared (reset:true)" in out, "reset:true clears: %s" % out[:300])
        compare_rows(ck, srv.rows(DB, "UserT")["rows"], exp, "reset:true")
        rc, _, _, _ = run_driver(drv, tsv, a("OwnT"), clean_env(tmp))
        rc, out, _, _ = run_driver(drv, tsv, a("OwnT"), clean_env(tmp))
        ck.check("cleared (it was created by etw2kusto)" in out, "default clears own table: %s" % out[:300])
        compare_rows(ck, srv.rows(DB, "OwnT")["rows"], exp, "own table cleared by default")
        rc, out, _, _ = run_driver(drv, tsv, a("OwnT", "reset:false"), clean_env(tmp))
        ck.check("rows kept (reset:false)" in out, "reset:false keeps: %s" % out[:300])
        ck.check(len(srv.rows(DB, "OwnT")["rows"]) == 100, "reset:false appended")
    finally:
        srv.stop()


def scenario_auth(ck, drv, tmp):
    lines, exp = make_rows(40, seed=4)
    tsv = os.path.join(tmp, "auth.tsv")
    write_tsv(tsv, lines)
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    az = os.path.join(bindir, "az")
    with open(az, "w") as f:
        f.write("#!/bin/sh\n# stub Azure CLI for tests\necho \"$@\" >> \"%s/az.args\"\n"
                "echo '{\"accessToken\":\"azcli-token\",\"expiresOn\":\"2099-01-01 00:00:00.000000\","
                "\"expires_on\":4070908800,\"tokenType\":\"Bearer\"}'\n" % tmp)
    os.chmod(az, stat.S_IRWXU)
    path_with_az = bindir + os.pathsep + os.environ.get("PATH", "")
    path_without_az = "/usr/bin:/bin"

    srv = Server("--token", "azcli-token")
    try:
        def go(table, auth_args, env, want_rc=0):
            rc, out, err, _ = run_driver(drv, tsv, base_args(srv, table, tmp, *auth_args), env)
            ck.check(rc == want_rc, "auth %s: rc %d (want %d) %s %s" % (table, rc, want_rc, out[-300:], err[-300:]))
            return out + err

        authority = srv.auth
        go("Secret", ["auth:secret", "appid:e2k-app", "appkey:e2k-secret", "tenant:tenant1"],
           clean_env(tmp, AZURE_AUTHORITY_HOST=authority))
        go("EnvChain", [], clean_env(tmp, AZURE_AUTHORITY_HOST=authority, AZURE_CLIENT_ID="e2k-app",
                                     AZURE_CLIENT_SECRET="e2k-secret", AZURE_TENANT_ID="tenant1", PATH=path_without_az))
        msg = go("BadSecret", ["auth:secret", "appid:e2k-app", "appkey:wrong", "tenant:tenant1"],
                 clean_env(tmp, AZURE_AUTHORITY_HOST=authority), want_rc=1)
        ck.check("invalid_client" in msg and "wrong" not in msg, "bad secret: clear message without the secret")
        go("Imds", ["auth:msi"], clean_env(tmp, IMDS_ENDPOINT=authority))
        go("ImdsUai", ["auth:msi", "appid:uai-123"], clean_env(tmp, IMDS_ENDPOINT=authority))
        go("AppService", ["auth:msi"], clean_env(tmp, IDENTITY_ENDPOINT=authority + "/msi/token",
                                                 IDENTITY_HEADER="e2k-identity-header"))
        go("ImdsChain", [], clean_env(tmp, IMDS_ENDPOINT=authority, PATH=path_without_az))
        go("AzCli", ["auth:azcli"], clean_env(tmp, PATH=path_with_az))
        go("AzChain", [], clean_env(tmp, PATH=path_with_az))
        go("Device", ["auth:device", "tenant:tenant1"], clean_env(tmp, AZURE_AUTHORITY_HOST=authority))
        msg = go("Nothing", ["retries:1"], clean_env(tmp, PATH=path_without_az), want_rc=1)
        ck.check("client secret" in msg and "managed identity" in msg and "Azure CLI" in msg,
                 "default chain error lists what was tried: %s" % msg[-400:])
        go("NoToken", ["auth:none"], clean_env(tmp), want_rc=1)
        log = srv.log()
        grants = [r.get("grant") for r in log if r.get("flow") == "token"]
        ck.check("client_credentials" in grants, "secret flow hit the token endpoint")
        ck.check(any(g and "device_code" in g for g in grants), "device code flow polled the token endpoint")
        ck.check(any(r.get("flow") == "imds" and r["headers"].get("metadata") == "true" for r in log),
                 "IMDS called with Metadata: true")
        ck.check(any(r.get("flow") == "appservice" and r["query"].get("api-version") == "2019-08-01" for r in log),
                 "App Service endpoint called")
        ck.check(any(r.get("flow") == "imds" and r["query"].get("client_id") == "uai-123" for r in log),
                 "user-assigned identity: client_id sent to IMDS")
        with open(os.path.join(tmp, "az.args")) as f:
            azargs = f.read()
        ck.check("account get-access-token --output json --resource https://kusto.kusto.windows.net" in azargs,
                 "az called like the SDKs: %s" % azargs[:200])
        for t in ("Secret", "EnvChain", "Imds", "AppService", "ImdsChain", "AzCli", "AzChain", "Device"):
            compare_rows(ck, srv.rows(DB, t)["rows"], exp, "auth " + t)
        # token renewal: the service revokes every issued token; the next call gets 401 and a fresh token
        kusto_calls = [r for r in log if r.get("role") == "engine" and r.get("path", "").startswith("/v1/rest/")
                       and r.get("path") != "/v1/rest/auth/metadata"]
        ck.check(all(r["headers"].get("authorization", "").startswith("Bearer ") for r in kusto_calls
                     if not r.get("denied")), "all Kusto calls carried a bearer token")
    finally:
        srv.stop()
    # 401 from the service (token revoked): cached token dropped, a new one fetched, request retried
    srv = Server()
    try:
        srv.fault(where="ingest", action="status", status=401, count=1)
        rc, out, err, _ = run_driver(drv, tsv, base_args(srv, "Revoked", tmp, "auth:secret", "appid:e2k-app",
                                                          "appkey:e2k-secret", "tenant:t"),
                                     clean_env(tmp, AZURE_AUTHORITY_HOST=srv.auth))
        ck.check(rc == 0, "401 then fresh token: rc %d %s %s" % (rc, out[-300:], err[-300:]))
        log = srv.log()
        ck.check(any(r.get("fault") == 401 for r in log), "401: fault served")
        ck.check(len([r for r in log if r.get("flow") == "token"]) == 2, "401: exactly one extra token request")
        compare_rows(ck, srv.rows(DB, "Revoked")["rows"], exp, "401 then fresh token")
    finally:
        srv.stop()
    # short-lived tokens: renewed before expiry (lifetime 2 s < renewal window)
    srv = Server("--token-lifetime", "2")
    try:
        rc, out, err, _ = run_driver(drv, tsv, base_args(srv, "Renew", tmp, "auth:secret", "appid:e2k-app",
                                                          "appkey:e2k-secret", "tenant:t", "batch_kb:4"),
                                     clean_env(tmp, AZURE_AUTHORITY_HOST=srv.auth))
        ck.check(rc == 0, "renewal run ok: %s %s" % (out[-300:], err[-300:]))
        n_tok = len([r for r in srv.log() if r.get("flow") == "token"])
        ck.check(n_tok >= 2, "tokens near expiry are renewed (%d token requests)" % n_tok)
        srv.post("/test/expire_tokens")
    finally:
        srv.stop()


def scenario_cli(ck, drv, tmp, exe):
    """The real binary: etw2kusto cluster:... file:KernelNetwork.etl [query:...]
    uploads exactly the rows that `format:json` prints locally."""
    import json
    import subprocess
    if not exe or not os.path.exists(exe):
        print("SKIP cli: etw2kusto binary not given")
        return
    etl = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "etl", "Tx", "KernelNetwork.etl")
    queries = [None, "Etw | where EventId == 10 | project TimeCreated, EventName, PID=toint(EventData.PID), "
                     "size=tolong(EventData.size), daddr=tostring(EventData.daddr)",
               "Etw | where EventId in (10, 11) | summarize n=count(), bytes=sum(tolong(EventData.size)) "
               "by daddr=tostring(EventData.daddr)"]
    for qi, q in enumerate(queries):
        qa = ["query:" + q] if q else []
        local = subprocess.run([exe, "file:" + etl, "format:json"] + qa, capture_output=True, text=True,
                               env=clean_env(tmp), timeout=120)
        ck.check(local.returncode == 0, "cli local run %d: %s" % (qi, local.stderr[-300:]))
        want = [json.loads(ln) for ln in local.stdout.splitlines() if ln.strip()]
        for faults in ([], [dict(where="ingest", action="status", status=503, count=2),
                            dict(where="ingest", action="reset", count=1)]):
            srv = Server("--no-auth")
            try:
                for f in faults:
                    srv.fault(**f)
                table = "Cli%d%s" % (qi, "F" if faults else "")
                p = subprocess.run([exe, "cluster:" + srv.engine, "database:" + DB, "table:" + table, "auth:none",
                                    "file:" + etl, "journal:" + os.path.join(tmp, "j")] + qa,
                                   capture_output=True, text=True, env=clean_env(tmp), timeout=300)
                ck.check(p.returncode == 0, "cli upload %s: rc %d %s" % (table, p.returncode, p.stderr[-400:]))
                t = srv.rows(DB, table)
                ck.check(len(t["rows"]) == len(want) and len(want) > 0, "cli %s: %d rows uploaded, %d printed" % (
                    table, len(t["rows"]), len(want)))
                compare_rows(ck, t["rows"], want, "cli " + table)
                ck.check(t["doc"] == "created by etw2kusto", "cli %s: table created with marker" % table)
            finally:
                srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--etw2kusto", default="")
    a = ap.parse_args()
    ck = Checks()
    tmp = tempfile.mkdtemp(prefix="e2k-kusto-")
    try:
        write_tsv(os.path.join(tmp, "empty.tsv"), [])
        for name, fn in (("basic", scenario_basic), ("faults", scenario_faults), ("progress", scenario_progress),
                         ("permanent", scenario_permanent),
                         ("crash", scenario_crash), ("reset", scenario_reset), ("auth", scenario_auth),
                         ("cli", lambda c, d, t: scenario_cli(c, d, t, a.etw2kusto))):
            if a.only and name not in a.only.split(","):
                continue
            t0 = time.time()
            before = ck.failed
            fn(ck, a.driver, tmp)
            print("scenario %s: %s (%.1f s)" % (name, "ok" if ck.failed == before else "FAILED", time.time() - t0),
                  flush=True)
            shutil.rmtree(os.path.join(tmp, "j"), ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ck.report()


if __name__ == "__main__":
    sys.exit(main())
