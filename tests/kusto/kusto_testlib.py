# SPDX-License-Identifier: MIT
# Shared helpers for the Kusto end-to-end tests: start/stop the protocol test
# server (and Azurite) on 127.0.0.1, generate typed rows with their expected
# Kusto text forms computed here (independent of the C serialiser), run the
# C driver with a scrubbed environment, and read rows back for comparison.
import datetime as dt
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77
EPOCH0 = dt.datetime(1, 1, 1)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("CHECK FAILED: %s" % what, flush=True)
        return cond

    def report(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    def __init__(self, *extra):
        self.tmp = tempfile.mkdtemp(prefix="e2k-kusto-srv-")
        pf = os.path.join(self.tmp, "ports.json")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "kusto_server.py"), "--ports-file", pf]
                                     + list(extra), stdout=subprocess.DEVNULL, stderr=None)
        for _ in range(200):
            if os.path.exists(pf):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("kusto_server.py exited early")
            time.sleep(0.05)
        with open(pf) as f:
            self.ports = json.load(f)
        self.engine = "http://127.0.0.1:%d" % self.ports["engine"]
        self.dm = "http://127.0.0.1:%d" % self.ports["dm"]
        self.auth = "http://127.0.0.1:%d" % self.ports["auth"]

    def get(self, path):
        with urllib.request.urlopen(self.engine + path, timeout=10) as r:
            return json.loads(r.read())

    def post(self, path, obj=None):
        data = json.dumps(obj or {}).encode()
        req = urllib.request.Request(self.engine + path, data=data, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def fault(self, **f):
        return self.post("/test/fault", f)

    def rows(self, db, table):
        return self.get("/test/rows?db=%s&table=%s" % (db, table))

    def log(self):
        return self.get("/test/log")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------ rows and their expected forms

SCHEMA = [("Timestamp", "datetime"), ("Provider", "string"), ("Id", "long"), ("Level", "int"),
          ("Ratio", "real"), ("Flag", "bool"), ("Activity", "guid"), ("Props", "dynamic"),
          ("Duration", "timespan"), ("Weird Name-1", "string")]


def ticks_to_text(t):
    d = EPOCH0 + dt.timedelta(microseconds=t // 10)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%07dZ" % (t % 10_000_000)


def timespan_text(t):
    neg = t < 0
    t = abs(t)
    days, rem = divmod(t, 864_000_000_000)
    secs, frac = divmod(rem, 10_000_000)
    s = "%02d:%02d:%02d" % (secs // 3600, secs // 60 % 60, secs % 60)
    if frac:
        s += ".%07d" % frac
    if days:
        s = "%d.%s" % (days, s)
    return ("-" if neg else "") + s


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def make_rows(n, seed=1, start_id=0):
    """Returns (tsv_lines, expected) where expected rows are dicts of the
    values Kusto would store, computed independently of the C code."""
    rnd = random.Random(seed)
    lines, exp = [], []
    base = 638_000_000_000_000_000  # 2022-ish in ticks
    names = ["Microsoft-Windows-Kernel-Network", "Prov\"quote", "tab\there", "line\nbreak", "ünïcødé ✓",
             "back\\slash", ""]
    for i in range(n):
        ts = base + rnd.randrange(0, 10 ** 15)
        prov = names[i % len(names)] + ("" if i % 3 else "-%d" % i)
        rid = start_id + i
        lvl = rnd.randrange(-5, 6)
        ratio = rnd.choice([0.0, 1.5, -2.25, 1e-300, 123456.789, rnd.random()])
        flag = bool(i % 2)
        gid = "%08x-%04x-%04x-%04x-%012x" % (rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(16),
                                              rnd.getrandbits(16), rnd.getrandbits(48))
        props = {"i": i, "s": "v%d" % (i % 7), "a": [1, "x", None, True], "o": {"k": 2.5}}
        dur = rnd.randrange(0, 3 * 864_000_000_000)
        weird = "w%d" % i
        nulls = (i % 11 == 5)
        fields = [
            "\\N" if nulls else str(ts), esc(prov), "\\N" if nulls else str(rid), str(lvl),
            "\\N" if nulls else repr(ratio), "true" if flag else "false", gid,
            esc(json.dumps(props, separators=(",", ":"))), str(dur), esc(weird)]
        lines.append("\t".join(fields))
        exp.append({"Timestamp": None if nulls else ticks_to_text(ts), "Provider": prov,
                    "Id": None if nulls else rid, "Level": lvl, "Ratio": None if nulls else ratio,
                    "Flag": flag, "Activity": gid, "Props": props, "Duration": timespan_text(dur),
                    "Weird Name-1": weird})
    return lines, exp


def write_tsv(path, lines, schema=SCHEMA):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\t".join("%s:%s" % c for c in schema) + "\n")
        for ln in lines:
            f.write(ln + "\n")


def canon(row):
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def compare_rows(ck, got_rows, expected, what, allow_dups=0):
    """Every expected row present with equal content; extra rows only as
    duplicates of expected rows, at most allow_dups of them."""
    got = {}
    for r in got_rows:
        got[canon(r)] = got.get(canon(r), 0) + 1
    want = {}
    for r in expected:
        want[canon(r)] = want.get(canon(r), 0) + 1
    missing = [k for k in want if got.get(k, 0) < want[k]]
    unknown = [k for k in got if k not in want]
    dups = sum(got[k] - want[k] for k in got if k in want and got[k] > want[k])
    ck.check(not missing, "%s: %d expected rows missing (e.g. %s)" % (what, len(missing), missing[:1]))
    ck.check(not unknown, "%s: %d rows that were never produced (e.g. %s)" % (what, len(unknown), unknown[:1]))
    ck.check(dups <= allow_dups, "%s: %d duplicate rows, allowed %d" % (what, dups, allow_dups))
    return dups


def clean_env(tmp, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AZURE_", "IDENTITY_", "IMDS_", "MSI_", "E2K_KUSTO"))}
    env["HOME"] = tmp
    env["XDG_STATE_HOME"] = os.path.join(tmp, "state")
    # never let a managed-identity probe leave the host
    env["IMDS_ENDPOINT"] = "http://127.0.0.1:%d" % free_port()
    env["E2K_KUSTO_BACKOFF_MS"] = "100"
    env["NO_PROXY"] = "*"
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env.pop(k, None)
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
    return env


def run_driver(driver, tsv, args, env, timeout=180):
    t0 = time.time()
    p = subprocess.run([driver, tsv] + args, env=env, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.time() - t0


# ------------------------------------------------------------ node / Azurite

NODE_MODULES = os.path.join(HERE, "node_modules")


def node_available(ck_name, packages):
    """Returns a reason string when node or a package is missing, else None."""
    if not shutil.which("node"):
        return "node is not installed (scripts/setup-node.sh installs it)"
    for p in packages:
        if not os.path.isdir(os.path.join(NODE_MODULES, p)):
            return "npm package %s missing: run scripts/setup-node.sh (npm ci --prefix tests/kusto)" % p
    return None


class Azurite:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="e2k-azurite-")
        self.blob_port, self.queue_port, self.table_port = free_port(), free_port(), free_port()
        exe = os.path.join(NODE_MODULES, ".bin", "azurite")
        self.proc = subprocess.Popen(
            [exe, "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--location", self.tmp,
             "--blobHost", "127.0.0.1", "--blobPort", str(self.blob_port),
             "--queueHost", "127.0.0.1", "--queuePort", str(self.queue_port),
             "--tableHost", "127.0.0.1", "--tablePort", str(self.table_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.blob = "http://127.0.0.1:%d" % self.blob_port
        self.queue = "http://127.0.0.1:%d" % self.queue_port
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.queue_port), 0.2).close()
                socket.create_connection(("127.0.0.1", self.blob_port), 0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Azurite did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def wait_rows(srv, db, table, n, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        t = srv.rows(db, table)
        if len(t["rows"]) >= n:
            return t
        time.sleep(0.2)
    return srv.rows(db, table)
