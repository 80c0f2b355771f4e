#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of etw2kusto's command line: options, errors and exit
codes, output formats, row counts and histograms against the independent
reference facts in tests/data/etl/EXPECTED.json, time order, and the seed's
net-flow query. Usage: test_cli.py ETW2KUSTO_BINARY TESTS_DATA_DIR"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

BIN, DATA = sys.argv[1], sys.argv[2]
ETL = os.path.join(DATA, "etl")
EXPECTED = json.load(open(os.path.join(ETL, "EXPECTED.json")))["files"]
passed = failed = 0

COLUMNS = ["TimeCreated", "Provider", "ProviderId", "EventId", "Version", "Level", "Opcode", "Task",
           "Keywords", "Channel", "EventName", "ProcessId", "ThreadId", "ProcessorNumber", "ActivityId",
           "RelatedActivityId", "EventData"]
DT_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, file=sys.stderr)


def run(*args, timeout=600):
    p = subprocess.run([BIN, *args], capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def json_rows(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_usage_errors():
    rc, out, err = run("--help")
    check(rc == 0 and "file:" in out and "cluster" in out, "--help lists options")
    rc, out, err = run("bogus:1")
    check(rc == 2, "unknown key exits 2 (got %d)" % rc)
    check(err.count("\n") == 1 and err.startswith("etw2kusto: unknown option 'bogus'"), "one-line unknown-key error: %r" % err)
    rc, out, err = run("notkeyvalue")
    check(rc == 2 and "key:value" in err, "bare word is a usage error")
    rc, out, err = run()
    check(rc == 2 and "nothing to do" in err, "no arguments: usage error")
    rc, out, err = run("format:xml", "query:print 1")
    check(rc == 2 and "format" in err, "bad format value")
    rc, out, err = run("file:/nonexistent/x.etl")
    check(rc == 3 and err.startswith("etw2kusto: ") and "/nonexistent/x.etl" in err, "missing file exits 3 naming it: %r" % err)
    rc, out, err = run("file:" + os.path.join(ETL, "nomatch*.etl"))
    check(rc == 3 and "nomatch" in err, "glob matching nothing exits 3: %r" % err)
    with tempfile.NamedTemporaryFile(suffix=".etl", delete=False) as f:
        f.write(b"this is not an etl file at all" * 100)
        name = f.name
    rc, out, err = run("file:" + name)
    check(rc == 3 and name in err, "non-ETL file exits 3 naming it: %r" % err)
    os.unlink(name)
    rc, out, err = run("file:" + os.path.join(ETL, "Tx/KernelNetwork.etl"), "session:x")
    check(rc == 2, "two sources is a usage error")


def test_query_errors():
    rc, out, err = run("query:print x = 1 +", "format:json")
    check(rc == 4, "bad query exits 4 (got %d)" % rc)
    check(re.search(r"query:1:\d+:", err) is not None, "query error names line:column: %r" % err)
    check("^" in err, "query error has a caret line: %r" % err)
    # A runtime error that depends on the data names the operator's line:column too.
    rc, out, err = run("file:" + os.path.join(ETL, "Tx/KernelNetwork.etl"),
                       "query:T\n| partition by TimeCreated (take 1)", "format:json")
    check(rc == 1, "runtime query error exits 1 (got %d)" % rc)
    lines = err.splitlines()
    check(len(lines) == 3 and lines[0].startswith("etw2kusto: query:2:3: partition:") and
          lines[1] == "| partition by TimeCreated (take 1)" and lines[2] == "  ^",
          "runtime error with line:column and caret: %r" % err)


def test_json_rows_kernel_network():
    path = os.path.join(ETL, "Tx/KernelNetwork.etl")
    rc, out, err = run("file:" + path, "format:json")
    check(rc == 0, "KernelNetwork json exit 0: %s" % err[:300])
    rows = json_rows(out)
    exp = EXPECTED["Tx/KernelNetwork.etl"]
    check(len(rows) == exp["events"], "row count %d == EXPECTED %d" % (len(rows), exp["events"]))
    if not rows:
        return
    check(list(rows[0].keys()) == COLUMNS, "column names and order: %s" % list(rows[0].keys()))
    check(all(DT_RE.match(r["TimeCreated"]) for r in rows), "TimeCreated canonical ISO-8601 with 7 digits and Z")
    check(all(GUID_RE.match(r["ProviderId"]) for r in rows), "ProviderId lower-case guid without braces")
    times = [r["TimeCreated"] for r in rows]
    check(times == sorted(times), "rows in time order")
    check(times[0] == exp["first_event_utc"], "first event time %s == %s" % (times[0], exp["first_event_utc"]))
    # histogram of provider/event id vs the reference facts
    hist = {}
    for r in rows:
        if r["ProviderId"] == "7dd42a49-5329-4832-8dfd-43d979153a88":
            hist[str(r["EventId"])] = hist.get(str(r["EventId"]), 0) + 1
    check(hist == exp["events_by_provider"]["7dd42a49-5329-4832-8dfd-43d979153a88"], "event-id histogram matches EXPECTED")


def test_every_sample_count():
    for key, exp in sorted(EXPECTED.items()):
        if exp.get("kind") != "etl":
            continue
        spec = os.path.join(ETL, key)
        rc, out, err = run("file:" + spec, "format:json", 'query:T | count')
        rows = json_rows(out) if rc == 0 else []
        n = rows[0].get("Count") if rows else None
        check(rc == 0 and n == exp["events"], "%s: count %s == %d (rc %d, %s)" % (key, n, exp["events"], rc, err.strip()[:200]))


def test_csv_and_out_file():
    path = os.path.join(ETL, "Tx/HTTP_Server.etl")
    with tempfile.TemporaryDirectory() as d:
        outp = os.path.join(d, "x.csv")
        rc, out, err = run("file:" + path, "format:csv", "out:" + outp)
        check(rc == 0 and out == "", "csv to out: file, nothing on stdout")
        rows = list(csv.reader(io.StringIO(open(outp, encoding="utf-8").read())))
        check(rows and rows[0] == COLUMNS, "csv header row")
        check(len(rows) - 1 == EXPECTED["Tx/HTTP_Server.etl"]["events"], "csv row count")


def test_standalone_query():
    rc, out, err = run("query:print a = 1, b = 'x'", "format:json", "schema:true")
    lines = out.splitlines()
    check(rc == 0 and lines and lines[0] == "#schema a:long,b:string", "schema line: %r %s" % (lines[:1], err))
    check(len(lines) == 2 and json.loads(lines[1]) == {"a": 1, "b": "x"}, "print row: %r" % lines[1:])
    with tempfile.NamedTemporaryFile("w", suffix=".kql", delete=False) as f:
        f.write("// comment line\nrange x from 1 to 5 step 1\n| summarize s = sum(x)\n")
        name = f.name
    rc, out, err = run("query:" + name, "format:json")
    check(rc == 0 and json_rows(out) == [{"s": 15}], "query from .kql file: %r %s" % (out, err))
    os.unlink(name)


def test_seed_netflow_query():
    path = os.path.join(ETL, "Tx/KernelNetwork.etl")
    q = os.path.join(os.path.dirname(DATA), "..", "examples", "TraficByIP.csl")
    rc, out, err = run("file:" + path, "query:" + q, "format:json")
    rows = json_rows(out)
    check(rc == 0 and rows, "seed query runs: %s" % err[:300])
    if not rows:
        return
    check(set(rows[0].keys()) == {"daddr", "TimeCreated", "c"}, "net-flow columns: %s" % list(rows[0].keys()))
    total = sum(r["c"] for r in rows)
    want = EXPECTED["Tx/KernelNetwork.etl"]["events_by_provider"]["7dd42a49-5329-4832-8dfd-43d979153a88"]["11"]
    check(total == want, "sum of c %d == number of EventId 11 events %d" % (total, want))
    ip = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
    check(all(isinstance(r["daddr"], str) and ip.match(r["daddr"]) for r in rows), "daddr is dotted IPv4 text")
    check(all(r["TimeCreated"].endswith(".0000000Z") for r in rows), "bin(TimeCreated, 1s) aligned to seconds")


def test_stats_report():
    """stats:true: one row per event type with counts that add up to the
    trace's events (EXPECTED.json); WPP messages are counted per message number,
    named by the TMF's message ids (#typev NAME NUMBER in the TMF file)."""
    path = os.path.join(ETL, "Tx/KernelNetwork.etl")
    rc, out, err = run("file:" + path, "stats:true", "format:json")
    rows = json_rows(out)
    check(rc == 0 and rows, "stats runs: %s" % err[:300])
    total = sum(r["Events"] for r in rows)
    check(total == EXPECTED["Tx/KernelNetwork.etl"]["events"], "stats counts every event: %d" % total)
    check(all(r["Decoded"] + r["Undecoded"] == r["Events"] for r in rows), "decoded + undecoded = events")
    net = [r for r in rows if r["ProviderId"] == "7dd42a49-5329-4832-8dfd-43d979153a88" and r["EventId"] == 11]
    want = EXPECTED["Tx/KernelNetwork.etl"]["events_by_provider"]["7dd42a49-5329-4832-8dfd-43d979153a88"]["11"]
    check(len(net) == 1 and net[0]["Events"] == want and net[0]["Decoded"] == want and net[0]["Source"] == "manifest",
          "Kernel-Network id 11 row: %s" % net)
    wpp = os.path.join(ETL, "findneedle/wppmisc-sample.etl")
    tmf = os.path.join(ETL, "findneedle/tmf")
    rc, out, err = run("file:" + wpp, "tmf:" + tmf, "stats:true", "format:json")
    rows = [r for r in json_rows(out) if r["Source"] == "wpp"]
    got = sorted((r["EventId"], r["EventName"], r["Events"]) for r in rows)
    check(got == [(10, "WppMiscEmitter_cpp14", 1), (11, "WppMiscEmitter_cpp15", 1)], "WPP stats per message: %s" % got)


def test_bag_unpack_on_the_stream():
    """evaluate bag_unpack over a trace (the input stream) with a declared
    schema streams: same values as reading the slots one by one, one row per
    Kernel-Network id 11 event (EXPECTED.json); without a schema it says what
    to write instead."""
    path = os.path.join(ETL, "Tx/KernelNetwork.etl")
    rc, out, err = run("file:" + path, "format:json", "query:T | where EventId == 11 | project TimeCreated, EventData"
                       " | evaluate bag_unpack(EventData) : (*, daddr:string, dport:long, size:long)")
    unpacked = json_rows(out)
    rc2, out2, err2 = run("file:" + path, "format:json", "query:T | where EventId == 11 | project TimeCreated,"
                          " daddr = tostring(EventData.daddr), dport = tolong(EventData.dport), size = tolong(EventData.size)")
    members = json_rows(out2)
    want = EXPECTED["Tx/KernelNetwork.etl"]["events_by_provider"]["7dd42a49-5329-4832-8dfd-43d979153a88"]["11"]
    check(rc == 0 and rc2 == 0 and len(unpacked) == want, "bag_unpack streams %d rows (want %d): %s" % (len(unpacked), want, err[:200]))
    check(unpacked == members, "bag_unpack with a schema equals member access")
    check(unpacked and list(unpacked[0].keys()) == ["TimeCreated", "daddr", "dport", "size"], "declared columns, in order")
    rc, out, err = run("file:" + path, "format:json", "query:T | evaluate bag_unpack(EventData)")
    check(rc == 4 and "output schema" in err and "EventData.name" in err, "no schema on the stream: a clear error: %s" % err[:300])


def test_several_result_tables():
    """A batch of statements and a fork over the input stream (docs/cli.md): one
    table per statement / branch, each after a {"$table": name} line; every
    statement sees every event (EXPECTED.json counts); csv marks tables with
    '#table name'; an upload refuses several tables before reading input."""
    path = os.path.join(ETL, "Tx/KernelNetwork.etl")
    exp = EXPECTED["Tx/KernelNetwork.etl"]
    n11 = exp["events_by_provider"]["7dd42a49-5329-4832-8dfd-43d979153a88"]["11"]
    q = ("query:T | count; T | where EventId == 11 | count | as Net;"
         " T | fork (take 2 | project EventId) Ids=(where EventId == 11 | summarize n = count())")
    rc, out, err = run("file:" + path, "format:json", q)
    lines = json_rows(out)
    names = [l["$table"] for l in lines if list(l) == ["$table"]]
    check(rc == 0 and names == ["Table_0", "Net", "Table_2", "Ids"], "table markers in order: %r %s" % (names, err[:200]))
    check(len(lines) == 9 and lines[1] == {"Count": exp["events"]} and lines[3] == {"Count": n11},
          "batch statements each read every event: %r" % lines[:4])
    check(len(lines) == 9 and len(lines[5]) == 1 and "EventId" in lines[5] and lines[8] == {"n": n11},
          "fork branches share the rows: %r" % lines[4:])
    rc, out, err = run("file:" + path, "format:json", "query:let m = materialize(T | take 3 | extend g = new_guid()"
                       " | project g); m | take 1; m | take 1")
    rows = [l for l in json_rows(out) if list(l) != ["$table"]]
    check(rc == 0 and len(rows) == 2 and rows[0] == rows[1], "materialize() over the stream is computed once: %r %s" % (rows, err[:200]))
    rc, out, err = run("query:print a = 1; print b = 'x', c = 2", "format:csv")
    check(rc == 0 and out.splitlines() == ["#table Table_0", "a", "1", "#table Table_1", "b,c", "x,2"],
          "csv tables: %r %s" % (out, err[:200]))
    rc, out, err = run("query:print a = 1; print b = 2", "cluster:https://example.kusto.windows.net",
                       "database:d", "table:t")
    check(rc == 2 and "result tables" in err, "upload of several tables refused: %d %s" % (rc, err[:200]))
def kernel_network_as_datatable():
    """The header columns of KernelNetwork.etl as a KQL datatable literal,
    built from the tool's plain json rows (no query): the table-mode truth."""
    path = os.path.join(ETL, "Tx/KernelNetwork.etl")
    rc, out, err = run("file:" + path, "format:json")
    rows = json_rows(out)
    vals = []
    for r in rows:
        pid = "long(null)" if r["ProcessId"] is None else str(r["ProcessId"])
        vals.append("datetime(%s), %d, %s, %s" % (r["TimeCreated"], r["EventId"], pid, json.dumps(r["EventName"])))
    return rc, len(rows), ("datatable(TimeCreated:datetime, EventId:int, ProcessId:long, EventName:string)[\n"
                           + ",\n".join(vals) + "]")


def test_table_operators_on_the_stream():
    """Operators that need their whole input (partition, top-nested, reduce,
    invoke, evaluate plug-ins, getschema) run over the input stream: the rows
    are buffered to end of input; so do queries that read the stream twice or
    use it as a sub-query (the whole query runs over the buffered stream). Each query over the trace must give the rows
    the same query gives over the same rows loaded as a let-bound datatable,
    and the per-EventId counts must match EXPECTED.json's histogram."""
    path = os.path.join(ETL, "Tx/KernelNetwork.etl")
    rc, n, table = kernel_network_as_datatable()
    exp = EXPECTED["Tx/KernelNetwork.etl"]
    check(rc == 0 and n == exp["events"], "datatable truth has every event: %d" % n)
    hist = {int(k): v for k, v in exp["events_by_provider"]["7dd42a49-5329-4832-8dfd-43d979153a88"].items()}
    hist[0] = hist.get(0, 0) + exp["header_types"]["SYSTEM64"]  # the logfile header record is EventId 0
    cols = "project TimeCreated, EventId, ProcessId, EventName"
    fn = "let f = (t:(*), k:long) { t | top-nested k of EventName by max(TimeCreated) };\n"
    t0, t1 = "datetime(2012-06-19)", "datetime(2012-06-20)"
    queries = [
        "partition by EventId (summarize c = count(), p = dcount(ProcessId))",
        "partition by EventId (top 2 by TimeCreated desc)",
        "top-nested 3 of EventId by count(), top-nested 2 of ProcessId by count()",
        "top-nested of EventName by c = count() | order by EventName asc",
        "reduce by EventName",
        "where EventId != 11 | reduce by EventName with threshold=0.5",
        fn + "T | where EventId != 11 | invoke f(2)",
        "evaluate session_count(EventId, TimeCreated, %s, %s, 10s, 20s)" % (t0, t1),
        "evaluate sliding_window_counts(EventId, TimeCreated, %s, %s, 10s, 30s)" % (t0, t1),
        "evaluate activity_counts_metrics(ProcessId, TimeCreated, %s, %s, 5s)" % (t0, t1),
        "evaluate rolling_percentile(EventId, 50, TimeCreated, 5s, 3)",
        "evaluate rows_near(EventId == 29, 2)",
        "getschema",
    ]
    # queries that need the whole stream as a table (read twice, sub-query): the
    # query runs over the buffered stream; they name only the truth's columns
    whole = [
        "let s = T | where EventId == 10 | summarize a = count() by ProcessId;\n"
        "let r = T | where EventId == 11 | summarize b = count() by ProcessId;\n"
        "s | join kind=fullouter r on ProcessId | project ProcessId, ProcessId1, a, b | order by ProcessId asc, ProcessId1 asc",
        "T | where EventId in ((T | summarize c = count() by EventId | where c > 100 | project EventId))"
        " | summarize n = count(), t = max(TimeCreated) by EventId | order by EventId asc",
        "range x from 1 to 2 step 1 | extend n = toscalar(T | where EventId != 11 | count)",
        "T | project EventId, ProcessId | as X | where EventId == 10"
        " | join kind=inner (X | where EventId == 11 | summarize n = count() by ProcessId) on ProcessId | count",
    ]
    for q in queries + whole:
        body = q if q.startswith("let ") or q in whole else "T | " + q
        stream_q = body if q in whole else body.replace("T | ", "T | " + cols + " | ", 1)
        with tempfile.TemporaryDirectory() as d:
            sq, tq = os.path.join(d, "s.kql"), os.path.join(d, "t.kql")
            open(sq, "w").write(stream_q)
            open(tq, "w").write("let T = " + table + ";\n" + body)
            rc1, out1, err1 = run("file:" + path, "query:" + sq, "format:json")
            rc2, out2, err2 = run("query:" + tq, "format:json")
        got, want = json_rows(out1), json_rows(out2)
        check(rc1 == 0 and rc2 == 0 and got, "%s: runs on the stream and on the table: %s / %s" % (q, err1[:200], err2[:200]))
        check(got == want, "%s: stream rows == table rows (%d vs %d)" % (q, len(got), len(want)))
    # against the reference histogram, over the full event rows
    rc, out, err = run("file:" + path, "format:json", "query:T | partition by EventId (summarize c = count() by EventId)")
    got = {r["EventId"]: r["c"] for r in json_rows(out)}
    check(rc == 0 and got == hist, "partition: per-EventId counts == EXPECTED: %s %s" % (got, err[:200]))
    rc, out, err = run("file:" + path, "format:json", "query:T | top-nested 3 of EventId by count()")
    top3 = sorted(hist.items(), key=lambda kv: -kv[1])[:3]
    got = [(r["EventId"], r["aggregated_EventId"]) for r in json_rows(out)]
    check(rc == 0 and got == top3, "top-nested 3 == EXPECTED's largest: %s vs %s" % (got, top3))
    rc, out, err = run("file:" + path, "format:json", "query:let f = (t:(*)) { t | summarize n = count() }; T | invoke f()")
    check(rc == 0 and json_rows(out) == [{"n": exp["events"]}], "invoke on the stream counts every event: %s" % out[:100])
    rc, out, err = run("file:" + path, "format:json", "query:range x from 1 to 1 step 1"
                       " | extend a = toscalar(T | where EventId != 11 | count), b = toscalar(T | where EventId == 29 | count)")
    check(rc == 0 and json_rows(out) == [{"x": 1, "a": exp["events"] - hist[11], "b": hist[29]}],
          "toscalar over the stream == EXPECTED counts: %s %s" % (out[:100], err[:200]))
    # payload values are buffered too (owned copies): same answers as the streaming summarize
    pairs = [("T | where EventId in (10, 11) | partition by EventId (summarize n = dcount(tostring(EventData.daddr)),"
              " s = sum(tolong(EventData.size)) | extend k = 1) | order by s asc",
              "T | where EventId in (10, 11) | summarize n = dcount(tostring(EventData.daddr)),"
              " s = sum(tolong(EventData.size)) by EventId | project n, s, k = 1 | order by s asc"),
             ("T | top-nested 3 of d = tostring(EventData.daddr) by c = count() | order by d asc",
              "T | summarize c = count() by d = tostring(EventData.daddr) | top 3 by c | order by d asc")]
    for buffered, streamed in pairs:
        rc1, out1, err1 = run("file:" + path, "format:json", "query:" + buffered)
        rc2, out2, err2 = run("file:" + path, "format:json", "query:" + streamed)
        check(rc1 == 0 and rc2 == 0 and json_rows(out1) and json_rows(out1) == json_rows(out2),
              "%s == %s: %s %s / %s" % (buffered, streamed, out1[:200], err1[:200], out2[:200]))


for t in [test_usage_errors, test_query_errors, test_json_rows_kernel_network, test_every_sample_count,
          test_csv_and_out_file, test_standalone_query, test_seed_netflow_query, test_stats_report,
          test_bag_unpack_on_the_stream, test_table_operators_on_the_stream, test_several_result_tables]:
    before = failed
    try:
        t()
    except Exception as e:  # a crash of the test itself is a failure, not a skip
        check(False, "%s raised %r" % (t.__name__, e))
    if failed != before:
        print("FAILED:", t.__name__, file=sys.stderr)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
