# SPDX-License-Identifier: MIT
# Queued ingestion end to end: Azurite (npm, 127.0.0.1, temp dir) is the
# real blob + queue service; the test server's DM hands out service-SAS URLs
# and drains the ready queue. Covers ingest:queued, the automatic fallback
# when streaming is disabled (404 and policy codes) and batches over the
# 4 MiB streaming limit. Skips (77) only when node/Azurite are not installed.
import argparse
import base64
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kusto_testlib import (SKIP, Azurite, Checks, Server, clean_env, compare_rows, make_rows,  # noqa: E402
                           node_available, run_driver, wait_rows, write_tsv)

DB = "QDb"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    a = ap.parse_args()
    why = node_available("queued", ["azurite"])
    if why:
        print("SKIP: %s" % why)
        return SKIP
    ck = Checks()
    tmp = tempfile.mkdtemp(prefix="e2k-kq-")
    az = Azurite()
    try:
        for name, streaming, more, nrows in (("Queued", "on", ["ingest:queued"], 600),
                                            ("Off404", "off404", [], 600),
                                            ("OffPolicy", "offpolicy", [], 600),
                                            ("Big", "on", ["batch_kb:8000"], 20000),
                                            ("Rotated", "on", ["ingest:queued"], 300)):
            srv = Server("--no-auth", "--streaming", streaming, "--azurite-blob", az.blob, "--azurite-queue",
                         az.queue)
            try:
                if name == "Rotated":  # first resources carry a rejected SAS: 403, re-read, retry
                    srv.fault(where="resources", action="badsas", count=1)
                lines, exp = make_rows(nrows, seed=len(name))
                tsv = os.path.join(tmp, name + ".tsv")
                write_tsv(tsv, lines)
                args = ["cluster:" + srv.engine, "ingest_uri:" + srv.dm, "database:" + DB, "table:" + name,
                        "auth:none", "journal:" + os.path.join(tmp, "j")] + more
                rc, out, err, _ = run_driver(a.driver, tsv, args, clean_env(tmp))
                ck.check(rc == 0, "%s: rc %d %s %s" % (name, rc, out[-400:], err[-300:]))
                t = wait_rows(srv, DB, name, nrows)
                ck.check(len(t["rows"]) == nrows, "%s: %d rows after the DM drained, got %d" % (
                    name, nrows, len(t["rows"])))
                compare_rows(ck, t["rows"], exp, name)
                log = srv.log()
                dm = [r for r in log if r.get("kind") == "dm"]
                ck.check(dm and all("error" not in r for r in dm), "%s: DM ingested every message: %s" % (
                    name, [r.get("error") for r in dm if "error" in r][:2]))
                ck.check("queued " in out and "queued 0)" not in out, "%s: summary counts queued batches: %s" % (
                    name, out[-200:]))
                for r in dm[:1]:
                    m = r["message"]
                    props = m["AdditionalProperties"]
                    ck.check(props.get("format") == "json" and props.get("ingestionMappingReference") ==
                             "etw2kusto_json", "%s: message format + mapping reference" % name)
                    ck.check(m.get("DatabaseName") == DB and m.get("TableName") == name and
                             isinstance(m.get("RawDataSize"), int) and m["RawDataSize"] > 0,
                             "%s: message names db/table/raw size" % name)
                    ck.check(r["blob"].endswith(".json.gz"), "%s: gzip blob name %s" % (name, r["blob"]))
                mgmt = [r.get("csl") for r in log if r.get("role") == "dm"]
                ck.check(".get ingestion resources" in mgmt and ".get kusto identity token" in mgmt,
                         "%s: DM resources requested on the ingest endpoint" % name)
                if name == "Rotated":
                    ck.check(mgmt.count(".get ingestion resources") >= 2, "Rotated: resources re-read after 403")
                    ck.check("retries 0 " not in out, "Rotated: the 403 was retried: %s" % out[-200:])
                if name == "Big":
                    ing = [r for r in log if r.get("path", "").startswith("/v1/rest/ingest/")]
                    ck.check(all(r["raw_len"] <= 4 * 1024 * 1024 for r in ing),
                             "Big: no streaming request above 4 MiB")
            finally:
                srv.stop()
        _ = base64
    finally:
        az.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return ck.report()


if __name__ == "__main__":
    sys.exit(main())
