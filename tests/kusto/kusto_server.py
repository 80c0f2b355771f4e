# SPDX-License-Identifier: MIT
# Kusto protocol test server (Python 3 stdlib only), bound to 127.0.0.1:
# engine + data-management endpoints that answer like the service
# (kusto-protocol.md: v1/v2 responses, OneApiErrors, .get ingestion resources,
# streaming ingest with gzip, bearer-token checks), a fake Entra ID / IMDS /
# App Service token endpoint, fault injection, and a DM loop that drains
# Azurite's ready queue. It ingests what it receives so tests read rows back.
import argparse
import base64
import csv
import datetime as dt
import email.utils
import gzip
import hashlib
import hmac
import io
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AZURITE_ACCOUNT = "devstoreaccount1"
# Microsoft's public, documented Azurite development key (not a secret).
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
STREAM_MAX = 4 * 1024 * 1024
TICKS_PER_SEC = 10_000_000
EPOCH0 = dt.datetime(1, 1, 1)


# ---------------------------------------------------------------- values

def norm_datetime(v):
    """Kusto's canonical datetime text, 7 fractional digits."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return None
    s = str(v).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z?$", s)
    if not m:
        return None
    frac = (m.group(7) or "").ljust(7, "0")
    return "%s-%s-%sT%s:%s:%s.%sZ" % (m.group(1), m.group(2), m.group(3), m.group(4), m.group(5),
                                        m.group(6), frac)


def convert(v, typ):
    if v is None:
        return None
    try:
        if typ in ("long", "int"):
            if isinstance(v, bool):
                return int(v)
            if isinstance(v, (int, float)):
                return int(v)
            return int(str(v))
        if typ in ("real", "decimal"):
            if isinstance(v, str):
                return {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}.get(v, float(v))
            return float(v)
        if typ == "bool":
            if isinstance(v, bool):
                return v
            if isinstance(v, str):
                return v.lower() == "true"
            return bool(v)
        if typ == "datetime":
            return norm_datetime(v)
        if typ == "string":
            return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
        if typ == "guid":
            return str(v).lower()
        if typ == "dynamic":
            if isinstance(v, str):
                try:
                    return json.loads(v)
                except ValueError:
                    return v
            return v
        return v if isinstance(v, str) else str(v)
    except (ValueError, TypeError):
        return None


def dotnet_type(t):
    return {"string": "String", "long": "Int64", "int": "Int32", "real": "Double", "bool": "Boolean",
            "datetime": "DateTime", "timespan": "TimeSpan", "guid": "Guid", "dynamic": "Object",
            "decimal": "Decimal"}.get(t, "String")


def v1_table(cols, rows, name="Table_0"):
    return {"TableName": name,
            "Columns": [{"ColumnName": c, "DataType": dotnet_type(t), "ColumnType": t} for c, t in cols],
            "Rows": rows}


def one_api_error(code, message, permanent, typ="Kusto.Data.Exceptions.KustoBadRequestException"):
    return {"error": {"code": code, "message": message, "@type": typ, "@message": message,
                      "@context": {"timestamp": dt.datetime.utcnow().isoformat() + "Z",
                                   "serviceAlias": "E2KTEST", "activityId": str(uuid.uuid4())},
                      "@permanent": permanent}}


# ---------------------------------------------------------------- state

class State:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.tables = {}          # (db, table) -> {"cols": [(n, t)], "doc": str, "rows": [], "maps": {}}
        self.faults = []          # rules, see add_fault
        self.log = []             # request records
        self.static_tokens = set(args.token or [])
        self.issued = {}          # token -> expiry epoch
        self.require_auth = not args.no_auth
        self.token_lifetime = args.token_lifetime
        self.app_id = args.app_id
        self.app_secret = args.app_secret
        self.identity_header = args.identity_header
        self.streaming = args.streaming      # "on" | "off404" | "offpolicy"
        self.counter = 0
        self.device_polls = {}
        self.azurite = None
        self.ingest_count = 0
        self.discard = args.discard
        self.discarded_rows = 0
        self.queued_count = 0

    def table(self, db, name, create=False):
        key = (db, name)
        if key not in self.tables and create:
            self.tables[key] = {"cols": [], "doc": "", "rows": [], "maps": {}}
        return self.tables.get(key)

    def new_token(self, flow):
        with self.lock:
            self.counter += 1
            tok = "fake-%s-%d-%s" % (flow, self.counter, uuid.uuid4().hex[:8])
            self.issued[tok] = time.time() + self.token_lifetime
            return tok

    def token_ok(self, tok):
        with self.lock:
            if tok in self.static_tokens:
                return True
            exp = self.issued.get(tok)
            return exp is not None and exp > time.time()

    def take_fault(self, where):
        with self.lock:
            for f in self.faults:
                if f["count"] != 0 and f["where"] in (where, "any"):
                    if f["count"] > 0:
                        f["count"] -= 1
                    return dict(f)
        return None


ST = None


# ---------------------------------------------------------------- mgmt parsing

NAME_RE = r"(\['(?:[^'\\]|\\.)*'\]|\[\"(?:[^\"\\]|\\.)*\"\]|[A-Za-z_][\w]*)"


def unquote_name(n):
    if n.startswith("['") or n.startswith('["'):
        return re.sub(r"\\(.)", r"\1", n[2:-2])
    return n


def parse_columns(text):
    cols = []
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        cur += ch
    if cur.strip():
        parts.append(cur)
    for p in parts:
        m = re.match(r"^\s*" + NAME_RE + r"\s*:\s*(\w+)\s*$", p)
        if not m:
            raise ValueError("bad column '%s'" % p.strip())
        t = m.group(2).lower()
        t = {"int64": "long", "int32": "int", "double": "real", "boolean": "bool", "date": "datetime",
             "uniqueid": "guid", "time": "timespan"}.get(t, t)
        if t not in ("bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "guid",
                     "dynamic"):
            raise ValueError("unknown type '%s'" % t)
        cols.append((unquote_name(m.group(1)), t))
    return cols


def kusto_string_literal(s):
    s = s.strip()
    if len(s) >= 2 and s[0] in "'\"" and s[-1] == s[0]:
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), s[1:-1])
    raise ValueError("expected a string literal")


class MgmtError(Exception):
    def __init__(self, status, code, msg, permanent=True, typ="Kusto.Data.Exceptions.KustoBadRequestException"):
        super().__init__(msg)
        self.status, self.code, self.msg, self.permanent, self.typ = status, code, msg, permanent, typ


def run_mgmt(db, csl, is_dm, base_urls):
    csl = csl.strip()
    low = csl.lower()
    with ST.lock:
        if low.startswith(".show version"):
            return [v1_table([("BuildVersion", "string"), ("BuildTime", "datetime"), ("ServiceType", "string"),
                              ("ProductVersion", "string")],
                             [["1.0.0.0", "2026-01-01T00:00:00Z", "DataManagement" if is_dm else "Engine",
                               "E2KTest"]])]
        if low.startswith(".get ingestion resources"):
            if not is_dm:
                raise MgmtError(400, "BadRequest", "Cannot get ingestion resources from this service endpoint. "
                                "The appropriate endpoint is most likely 'ingest-...'", True,
                                "Kusto.Common.Svc.Exceptions.AdminCommandWrongEndpointException")
            if not ST.azurite:
                raise MgmtError(400, "BadRequest", "this test server runs without Azurite", True)
            # fault "badsas": hand out SAS URLs whose signature Azurite rejects (rotated keys)
            bad = ST.take_fault("resources") is not None
            return [v1_table([("ResourceTypeName", "string"), ("StorageRoot", "string")],
                             ST.azurite.resources(bad))]
        if low.startswith(".get kusto identity token"):
            if not is_dm:
                raise MgmtError(400, "BadRequest", "wrong endpoint", True,
                                "Kusto.Common.Svc.Exceptions.AdminCommandWrongEndpointException")
            return [v1_table([("AuthorizationContext", "string")], [["e2k-identity-token"]])]
        if is_dm:
            raise MgmtError(400, "BadRequest", "command not supported on the data management endpoint", True)
        m = re.match(r"^\.show\s+tables\s*(?:\((.*)\))?\s*$", csl, re.S | re.I)
        if m:
            names = None
            if m.group(1):
                names = [unquote_name(x.strip()) for x in m.group(1).split(",")]
            rows = [[t, d, "", v["doc"]] for (d, t), v in sorted(ST.tables.items()) if d == db and
                    (names is None or t in names)]
            return [v1_table([("TableName", "string"), ("DatabaseName", "string"), ("Folder", "string"),
                              ("DocString", "string")], rows)]
        m = re.match(r"^\.(create-merge|create)\s+table\s+" + NAME_RE + r"\s*\((.*?)\)\s*(?:with\s*\((.*)\))?\s*$",
                     csl, re.S | re.I)
        if m and " ingestion " not in low:
            kind, name, coltext, props = m.group(1).lower(), unquote_name(m.group(2)), m.group(3), m.group(4)
            try:
                cols = parse_columns(coltext)
            except ValueError as e:
                raise MgmtError(400, "BadRequest_SyntaxError", "Syntax error: %s" % e, True)
            t = ST.table(db, name)
            if t is None:
                t = ST.table(db, name, create=True)
                t["cols"] = list(cols)
            else:
                have = dict(t["cols"])
                for c, ty in cols:
                    if c in have and have[c] != ty:
                        raise MgmtError(400, "BadRequest_BadColumnType",
                                        "column '%s' already exists with type %s" % (c, have[c]), True)
                    if c not in have:
                        if kind == "create":
                            raise MgmtError(400, "BadRequest_TableSchemaMismatch", "schema differs", True)
                        t["cols"].append((c, ty))
            if props:
                pm = re.search(r"docstring\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')", props, re.I)
                if pm:
                    t["doc"] = kusto_string_literal(pm.group(1))
            schema = {"Name": name, "OrderedColumns": [{"Name": c, "Type": "System." + dotnet_type(ty),
                                                        "CslType": ty} for c, ty in t["cols"]]}
            return [v1_table([("TableName", "string"), ("Schema", "string"), ("DatabaseName", "string"),
                              ("Folder", "string"), ("DocString", "string")],
                             [[name, json.dumps(schema), db, "", t["doc"]]])]
        m = re.match(r"^\.(create-or-alter|create|alter)\s+table\s+" + NAME_RE +
                     r"\s+ingestion\s+(json|csv)\s+mapping\s+(\"[^\"]*\"|'[^']*')\s+(.*)$", csl, re.S | re.I)
        if m:
            name, kind, mname, text = unquote_name(m.group(2)), m.group(3).lower(), m.group(4)[1:-1], m.group(5)
            t = ST.table(db, name)
            if t is None:
                raise MgmtError(400, "BadRequest_EntityNotFound", "Table '%s' was not found" % name, True)
            try:
                mapping = json.loads(kusto_string_literal(text))
            except ValueError as e:
                raise MgmtError(400, "BadRequest_SyntaxError", "mapping is not valid: %s" % e, True)
            t["maps"][mname] = (kind, mapping)
            return [v1_table([("Name", "string"), ("Kind", "string"), ("Mapping", "string"),
                              ("LastUpdatedOn", "datetime"), ("Database", "string"), ("Table", "string")],
                             [[mname, kind, json.dumps(mapping), "2026-01-01T00:00:00Z", db, name]])]
        m = re.match(r"^\.clear\s+table\s+" + NAME_RE + r"\s+data\s*$", csl, re.I)
        if m:
            t = ST.table(db, unquote_name(m.group(1)))
            if t is None:
                raise MgmtError(400, "BadRequest_EntityNotFound", "Table was not found", True)
            t["rows"] = []
            return [v1_table([("Status", "string")], [["Success"]])]
        m = re.match(r"^\.drop\s+table\s+" + NAME_RE + r"(\s+ifexists)?\s*$", csl, re.I)
        if m:
            key = (db, unquote_name(m.group(1)))
            if key not in ST.tables and not m.group(2):
                raise MgmtError(400, "BadRequest_EntityNotFound", "Table was not found", True)
            ST.tables.pop(key, None)
            return [v1_table([("TableName", "string"), ("DatabaseName", "string")],
                             [[t, d] for (d, t) in ST.tables if d == db])]
        m = re.match(r"^\.show\s+table\s+" + NAME_RE + r"\s+cslschema\s*$", csl, re.I)
        if m:
            name = unquote_name(m.group(1))
            t = ST.table(db, name)
            if t is None:
                raise MgmtError(400, "BadRequest_EntityNotFound", "Table was not found", True)
            return [v1_table([("TableName", "string"), ("Schema", "string"), ("DatabaseName", "string"),
                              ("Folder", "string"), ("DocString", "string")],
                             [[name, ",".join("%s:%s" % c for c in t["cols"]), db, "", t["doc"]]])]
        m = re.match(r"^\.alter\s+table\s+" + NAME_RE + r"\s+docstring\s+(.*)$", csl, re.S | re.I)
        if m:
            t = ST.table(db, unquote_name(m.group(1)))
            if t is None:
                raise MgmtError(400, "BadRequest_EntityNotFound", "Table was not found", True)
            t["doc"] = kusto_string_literal(m.group(2))
            return [v1_table([("Status", "string")], [["Success"]])]
        m = re.match(r"^\.alter\s+table\s+" + NAME_RE + r"\s+policy\s+streamingingestion\s+(enable|disable)\s*$",
                     csl, re.I)
        if m:
            return [v1_table([("Status", "string")], [["Success"]])]
        m = re.match(r"^\.ingest\s+inline\s+into\s+table\s+" + NAME_RE + r"[^<]*<\|\s*(.*)$", csl, re.S | re.I)
        if m:
            t = ST.table(db, unquote_name(m.group(1)))
            if t is None:
                raise MgmtError(400, "BadRequest_EntityNotFound", "Table was not found", True)
            ingest_records(t, m.group(2).encode(), "csv", None)
            return [v1_table([("ExtentId", "guid")], [[str(uuid.uuid4())]])]
    raise MgmtError(400, "BadRequest_SyntaxError", "Syntax error: unsupported command '%s'" % csl[:60], True)


# ---------------------------------------------------------------- ingestion

def json_path_get(obj, path):
    m = re.match(r"^\$\.(\w+)$", path) or re.match(r"^\$\['((?:[^'\\]|\\.)*)'\]$", path) or \
        re.match(r'^\$\["((?:[^"\\]|\\.)*)"\]$', path)
    if not m:
        return None
    key = re.sub(r"\\(.)", r"\1", m.group(1))
    return obj.get(key) if isinstance(obj, dict) else None


def parse_records(data, fmt):
    text = data.decode("utf-8")
    fmt = fmt.lower()
    if fmt == "json":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if fmt == "multijson":
        dec = json.JSONDecoder()
        out, i = [], 0
        while i < len(text):
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
            if i >= len(text):
                break
            obj, i = dec.raw_decode(text, i)
            if isinstance(obj, list):
                out.extend(obj)
            else:
                out.append(obj)
        return out
    if fmt == "csv":
        return [row for row in csv.reader(io.StringIO(text)) if row]
    raise ValueError("unsupported format %s" % fmt)


def ingest_records(t, data, fmt, mapping_name):
    recs = parse_records(data, fmt)
    mapping = None
    if mapping_name:
        if mapping_name not in t["maps"]:
            raise MgmtError(400, "BadRequest_MappingReferenceWasNotFound",
                            "Mapping reference '%s' was not found" % mapping_name, True)
        mapping = t["maps"][mapping_name][1]
    coltypes = dict(t["cols"])
    rows = []
    for r in recs:
        row = {}
        if isinstance(r, list):  # csv: by ordinal
            for i, (c, ty) in enumerate(t["cols"]):
                row[c] = convert(r[i] if i < len(r) and r[i] != "" else None, ty)
        elif mapping:
            for e in mapping:
                c = e.get("column") or e.get("Column")
                path = e.get("path") or (e.get("Properties") or {}).get("Path")
                if c in coltypes:
                    row[c] = convert(json_path_get(r, path), coltypes[c])
        else:  # identity mapping: same-name properties
            for c, ty in t["cols"]:
                row[c] = convert(r.get(c), ty)
        for c, _ in t["cols"]:
            row.setdefault(c, None)
        rows.append(row)
    t["rows"].extend(rows)
    return len(rows)


# ---------------------------------------------------------------- Azurite (storage emulator) client

class Azurite:
    def __init__(self, blob, queue):
        self.blob, self.queue = blob.rstrip("/"), queue.rstrip("/")
        self.key = base64.b64decode(AZURITE_KEY)
        self.container = "e2k-ingest-temp"
        self.ready = "readyforaggregation-secured"

    def _shared_key(self, method, url, headers, body=b""):
        u = urllib.parse.urlsplit(url)
        hdr = dict(headers)
        hdr["x-ms-date"] = email.utils.formatdate(usegmt=True)
        hdr["x-ms-version"] = "2021-08-06"
        if method in ("PUT", "POST"):
            # urllib would add a form Content-Type that the signature must cover
            hdr.setdefault("Content-Type", "application/octet-stream")
        clen = str(len(body)) if body else ""
        std = [method, hdr.get("Content-Encoding", ""), "", clen, "", hdr.get("Content-Type", ""), "", "", "", "",
               "", ""]
        xms = "".join("%s:%s\n" % (k.lower(), v) for k, v in sorted(hdr.items(), key=lambda kv: kv[0].lower())
                      if k.lower().startswith("x-ms-"))
        res = "/" + AZURITE_ACCOUNT + u.path
        q = urllib.parse.parse_qs(u.query)
        for k in sorted(q, key=str.lower):
            res += "\n%s:%s" % (k.lower(), ",".join(sorted(q[k])))
        sts = "\n".join(std) + "\n" + xms + res
        sig = base64.b64encode(hmac.new(self.key, sts.encode(), hashlib.sha256).digest()).decode()
        hdr["Authorization"] = "SharedKey %s:%s" % (AZURITE_ACCOUNT, sig)
        req = urllib.request.Request(url, data=body if method in ("PUT", "POST") else None, method=method,
                                     headers=hdr)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def setup(self):
        self._shared_key("PUT", "%s/%s/%s?restype=container" % (self.blob, AZURITE_ACCOUNT, self.container),
                         {"Content-Length": "0"})
        for qn in (self.ready, "failedingestions", "successfulingestions"):
            self._shared_key("PUT", "%s/%s/%s" % (self.queue, AZURITE_ACCOUNT, qn), {"Content-Length": "0"})

    def _sas(self, kind, name, perms):
        st = (dt.datetime.utcnow() - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        se = (dt.datetime.utcnow() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        sv = "2019-12-12"
        if kind == "blob":
            sts = "\n".join([perms, st, se, "/blob/%s/%s" % (AZURITE_ACCOUNT, name), "", "", "", sv, "c", "", "", "",
                             "", "", ""])
            extra = "&sr=c"
        else:
            sts = "\n".join([perms, st, se, "/queue/%s/%s" % (AZURITE_ACCOUNT, name), "", "", "", sv])
            extra = ""
        sig = base64.b64encode(hmac.new(self.key, sts.encode(), hashlib.sha256).digest()).decode()
        return "sv=%s&st=%s&se=%s%s&sp=%s&sig=%s" % (sv, urllib.parse.quote(st), urllib.parse.quote(se), extra, perms,
                                                    urllib.parse.quote(sig, safe=""))

    def resources(self, bad=False):
        def sas(kind, name, perms):
            t = self._sas(kind, name, perms)
            return t.replace("&sig=", "&sig=AAAA") if bad else t
        q = lambda n, p: "%s/%s/%s?%s" % (self.queue, AZURITE_ACCOUNT, n, sas("queue", n, p))
        return [["SecuredReadyForAggregationQueue", q(self.ready, "a")],
                ["FailedIngestionsQueue", q("failedingestions", "rp")],
                ["SuccessfulIngestionsQueue", q("successfulingestions", "rp")],
                ["TempStorage", "%s/%s/%s?%s" % (self.blob, AZURITE_ACCOUNT, self.container,
                                                 sas("blob", self.container, "rw"))],
                ["IngestionsStatusTable", "http://127.0.0.1:1/devstoreaccount1/ingestionsstatus"]]

    def drain_once(self):
        st, body = self._shared_key("GET", "%s/%s/%s/messages?numofmessages=32&visibilitytimeout=30" % (
            self.queue, AZURITE_ACCOUNT, self.ready), {})
        if st != 200:
            return 0
        text = body.decode()
        n = 0
        for m in re.finditer(r"<QueueMessage>(.*?)</QueueMessage>", text, re.S):
            part = m.group(1)
            mid = re.search(r"<MessageId>(.*?)</MessageId>", part).group(1)
            pop = re.search(r"<PopReceipt>(.*?)</PopReceipt>", part).group(1)
            msg_text = re.search(r"<MessageText>(.*?)</MessageText>", part, re.S).group(1)
            ok = self.handle_message(msg_text)
            self._shared_key("DELETE", "%s/%s/%s/messages/%s?popreceipt=%s" % (
                self.queue, AZURITE_ACCOUNT, self.ready, mid, urllib.parse.quote(pop, safe="")), {})
            n += 1 if ok else 0
        return n

    def handle_message(self, text):
        try:
            msg = json.loads(base64.b64decode(text))
        except ValueError:
            log_event({"kind": "dm", "error": "message is not base64 JSON"})
            return False
        props = msg.get("AdditionalProperties") or {}
        rec = {"kind": "dm", "message": {k: v for k, v in msg.items() if k != "BlobPath"},
               "blob": msg.get("BlobPath", "").split("?")[0]}
        if props.get("authorizationContext") != "e2k-identity-token":
            rec["error"] = "bad authorizationContext"
            log_event(rec)
            return False
        try:
            with urllib.request.urlopen(msg["BlobPath"], timeout=10) as r:
                data = r.read()
        except Exception as e:  # noqa: BLE001 - test peer logs every failure
            rec["error"] = "blob download failed: %s" % e
            log_event(rec)
            return False
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        with ST.lock:
            t = ST.table(msg.get("DatabaseName"), msg.get("TableName"))
            if t is None:
                rec["error"] = "table not found"
                log_event(rec)
                return False
            try:
                rec["rows"] = ingest_records(t, data, props.get("format", "csv"),
                                             props.get("ingestionMappingReference"))
                ST.queued_count += 1
            except (MgmtError, ValueError) as e:
                rec["error"] = str(e)
        log_event(rec)
        return "error" not in rec


def log_event(rec):
    with ST.lock:
        rec["t"] = time.time()
        ST.log.append(rec)


# ---------------------------------------------------------------- HTTP handlers

def read_body(h):
    if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
        out = b""
        while True:
            line = h.rfile.readline().strip()
            size = int(line.split(b";")[0], 16)
            if size == 0:
                h.rfile.readline()
                break
            out += h.rfile.read(size)
            h.rfile.readline()
        return out
    n = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(n) if n else b""


class Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    role = "engine"

    def log_message(self, fmt, *a):
        pass

    def send(self, status, obj=None, raw=None, ctype="application/json; charset=utf-8", headers=None):
        body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        rid = self.headers.get("x-ms-client-request-id")
        if rid:
            self.send_header("x-ms-client-request-id", rid)
        self.send_header("x-ms-activity-id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def reset_connection(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def record(self, extra):
        rec = {"role": self.role, "method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()}}
        rec.update(extra)
        log_event(rec)

    def apply_fault(self, where):
        """Returns True when the fault produced the whole response."""
        f = ST.take_fault(where)
        if not f:
            return False, None
        if f.get("delay_ms"):
            time.sleep(f["delay_ms"] / 1000.0)
        if f.get("action") == "reset" and not f.get("after"):
            self.record({"fault": "reset"})
            self.reset_connection()
            return True, f
        if f.get("action") == "status" and not f.get("after"):
            st = f.get("status", 500)
            hdr = {}
            if f.get("retry_after") is not None:
                hdr["Retry-After"] = str(f["retry_after"])
            self.record({"fault": st})
            if st == 401:
                self.send(401, raw=b"", ctype="text/plain")
            else:
                self.send(st, one_api_error(f.get("code", "General_InternalServerError" if st >= 500 else
                                                  "General_ThrottledIngestion" if st == 429 else "BadRequest"),
                                            f.get("message", "injected fault"), f.get("permanent", False)),
                          headers=hdr)
            return True, f
        return False, f

    def check_auth(self):
        if not ST.require_auth:
            return True
        a = self.headers.get("Authorization", "")
        if a.startswith("Bearer ") and ST.token_ok(a[7:]):
            return True
        self.record({"denied": True})
        self.send(401, raw=b"", ctype="text/plain")
        return False


class KustoHandler(Base):
    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/v1/rest/auth/metadata":
            self.record({})
            return self.send(200, {"AzureAD": {"LoginEndpoint": "https://login.microsoftonline.com",
                                               "LoginMfaRequired": False,
                                               "KustoClientAppId": "db662dc1-0cfe-4e1c-a843-19a68e65be58",
                                               "KustoClientRedirectUri": "https://microsoft/kustoclient",
                                               "KustoServiceResourceId": "https://kusto.kusto.windows.net",
                                               "FirstPartyAuthorityUrl": "https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a"},
                                   "dSTS": {"CloudEndpointSuffix": "windows.net"}})
        if u.path.startswith("/test/"):
            return self.control("GET", u, b"")
        self.send(404, one_api_error("NotFound", "no such endpoint", True))

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        body = read_body(self)
        if u.path.startswith("/test/"):
            return self.control("POST", u, body)
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            try:
                body = gzip.decompress(body)
            except OSError:
                return self.send(400, one_api_error("BadRequest", "body is not valid gzip", True))
        where = {"/v1/rest/mgmt": "mgmt", "/v1/rest/query": "query", "/v2/rest/query": "query"}.get(u.path)
        if u.path.startswith("/v1/rest/ingest/"):
            where = "ingest"
        if where is None:
            return self.send(404, one_api_error("NotFound", "no such endpoint", True))
        if where == "mgmt" and self.role == "dm":
            where = "dm"
        if not self.check_auth():
            return
        done, fault = self.apply_fault(where)
        if done:
            return
        if where == "ingest":
            return self.stream_ingest(u, body, fault)
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.send(400, one_api_error("BadRequest", "body is not JSON", True))
        db, csl = req.get("db") or "", req.get("csl") or ""
        self.record({"db": db, "csl": csl})
        try:
            if where in ("mgmt", "dm"):
                tables = run_mgmt(db, csl, self.role == "dm", None)
                return self.send(200, {"Tables": tables})
            return self.query(u.path, db, csl)
        except MgmtError as e:
            return self.send(e.status, one_api_error(e.code, e.msg, e.permanent, e.typ))

    def stream_ingest(self, u, body, fault):
        parts = u.path.split("/")
        if len(parts) < 6:
            return self.send(400, one_api_error("BadRequest", "missing database or table", True))
        db, table = urllib.parse.unquote(parts[4]), urllib.parse.unquote(parts[5])
        q = dict(urllib.parse.parse_qsl(u.query))
        self.record({"db": db, "table": table, "raw_len": len(body), "query": q})
        if ST.streaming == "off404":
            return self.send(404, one_api_error("NotFound", "Streaming ingestion is not enabled on this cluster",
                                                True))
        if ST.streaming == "offpolicy":
            return self.send(400, one_api_error("BadRequest_StreamingIngestionPolicyNotEnabled",
                                                "Streaming ingestion policy is not enabled for the table", True))
        if ST.discard:  # benchmark mode: count rows, store nothing
            with ST.lock:
                ST.discarded_rows += body.count(b"\n")
                ST.ingest_count += 1
            return self.send(200, {"Tables": [v1_table([("ConsumedRecordsCount", "long")], [[body.count(b"\n")]])]})
        if len(body) > STREAM_MAX:
            return self.send(413, one_api_error("Stream_InputStreamTooLarge", "stream exceeds 4 MB", True))
        with ST.lock:
            t = ST.table(db, table)
            if t is None:
                return self.send(400, one_api_error("BadRequest_TableNotExist", "Table '%s' not found" % table,
                                                    True))
            try:
                n = ingest_records(t, body, q.get("streamFormat", "csv"), q.get("mappingName"))
            except MgmtError as e:
                return self.send(e.status, one_api_error(e.code, e.msg, e.permanent))
            except ValueError as e:
                return self.send(400, one_api_error("BadRequest_InvalidFormat", str(e), True))
            ST.ingest_count += 1
        if fault and fault.get("after"):
            # the rows are in, but the client never learns it (lost ack)
            if fault.get("action") == "reset":
                self.record({"fault": "reset-after-ingest"})
                return self.reset_connection()
            return self.send(fault.get("status", 500), one_api_error("General_InternalServerError",
                                                                     "injected after ingest", False))
        self.send(200, {"Tables": [v1_table([("ConsumedRecordsCount", "long"), ("UpdatePolicyStatus", "string"),
                                             ("UpdatePolicyFailureCode", "string"),
                                             ("UpdatePolicyFailureReason", "string")],
                                            [[n, "Inactive", "Unknown", None]])]})

    def query(self, path, db, csl):
        m = re.match(r"^\s*" + NAME_RE + r"\s*(?:\|\s*(count|take\s+(\d+)))?\s*$", csl, re.I)
        if not m:
            raise MgmtError(400, "General_BadRequest", "Semantic error: unsupported query in test server", True,
                            "Kusto.Data.Exceptions.SemanticException")
        with ST.lock:
            t = ST.table(db, unquote_name(m.group(1)))
            if t is None:
                raise MgmtError(400, "General_BadRequest", "Semantic error: 'table' operator: Failed to resolve "
                                "table expression named '%s'" % m.group(1), True,
                                "Kusto.Data.Exceptions.SemanticException")
            if m.group(2) and m.group(2).lower() == "count":
                cols, rows = [("Count", "long")], [[len(t["rows"])]]
            else:
                cols = list(t["cols"])
                sel = t["rows"][: int(m.group(3))] if m.group(3) else t["rows"]
                rows = [[r.get(c) for c, _ in cols] for r in sel]
        if path.startswith("/v1/"):
            return self.send(200, {"Tables": [v1_table(cols, rows, "Table_0")]})
        partial = ST.take_fault("partial") is not None
        if partial:
            # 200 OK that is not a success (kusto-protocol.md 1.5): an error object
            # inside the rows and DataSetCompletion.HasErrors
            rows = rows[:1] + [{"OneApiErrors": [one_api_error(
                "LimitsExceeded", "Query result set has exceeded the internal record count limit", True,
                "Kusto.Data.Exceptions.KustoServicePartialQueryFailureLimitsExceededException")]}]
        now = dt.datetime.utcnow().isoformat() + "Z"
        frames = [{"FrameType": "DataSetHeader", "IsProgressive": False, "Version": "v2.0",
                   "IsFragmented": False, "ErrorReportingPlacement": "EndOfTable"},
                  {"FrameType": "DataTable", "TableId": 0, "TableKind": "QueryProperties",
                   "TableName": "@ExtendedProperties",
                   "Columns": [{"ColumnName": "TableId", "ColumnType": "int"},
                               {"ColumnName": "Key", "ColumnType": "string"},
                               {"ColumnName": "Value", "ColumnType": "dynamic"}],
                   "Rows": [[1, "Visualization", "{\"Visualization\":null}"]]},
                  {"FrameType": "DataTable", "TableId": 1, "TableKind": "PrimaryResult", "TableName": "PrimaryResult",
                   "Columns": [{"ColumnName": c, "ColumnType": ty} for c, ty in cols], "Rows": rows},
                  {"FrameType": "DataTable", "TableId": 2, "TableKind": "QueryCompletionInformation",
                   "TableName": "QueryCompletionInformation",
                   "Columns": [{"ColumnName": n, "ColumnType": ty} for n, ty in (
                       ("Timestamp", "datetime"), ("ClientRequestId", "string"), ("ActivityId", "guid"),
                       ("SubActivityId", "guid"), ("ParentActivityId", "guid"), ("Level", "int"),
                       ("LevelName", "string"), ("StatusCode", "int"), ("StatusCodeName", "string"),
                       ("EventType", "int"), ("EventTypeName", "string"), ("Payload", "string"))],
                   "Rows": [[now, self.headers.get("x-ms-client-request-id", ""), str(uuid.uuid4()),
                             str(uuid.uuid4()), str(uuid.uuid4()), 4, "Info", 0, "S_OK (0)", 4,
                             "QueryInfo", "{\"Count\":1,\"Text\":\"Query completed successfully\"}"]]},
                  {"FrameType": "DataSetCompletion", "HasErrors": partial, "Cancelled": False}]
        if partial:
            frames[-1]["OneApiErrors"] = rows[-1]["OneApiErrors"]
        return self.send(200, frames)

    def control(self, method, u, body):
        q = dict(urllib.parse.parse_qsl(u.query))
        with ST.lock:
            if u.path == "/test/rows":
                t = ST.table(q.get("db", ""), q.get("table", ""))
                return self.send(200, {"exists": t is not None, "columns": t["cols"] if t else [],
                                       "doc": t["doc"] if t else "", "maps": list(t["maps"]) if t else [],
                                       "rows": t["rows"] if t else []})
            if u.path == "/test/log":
                return self.send(200, ST.log)
            if u.path == "/test/fault":
                f = json.loads(body)
                f.setdefault("count", 1)
                f.setdefault("where", "ingest")
                ST.faults.append(f)
                return self.send(200, {"ok": True})
            if u.path == "/test/clear_faults":
                ST.faults = []
                return self.send(200, {"ok": True})
            if u.path == "/test/streaming":
                ST.streaming = q.get("mode", "on")
                return self.send(200, {"ok": True})
            if u.path == "/test/expire_tokens":
                ST.issued = {k: 0 for k in ST.issued}
                return self.send(200, {"ok": True})
            if u.path == "/test/table":  # seed a table (tests of the reset rule)
                spec = json.loads(body)
                t = ST.table(spec["db"], spec["table"], create=True)
                t["cols"] = [tuple(c) for c in spec["columns"]]
                t["doc"] = spec.get("doc", "")
                t["rows"] = spec.get("rows", [])
                return self.send(200, {"ok": True})
            if u.path == "/test/stats":
                return self.send(200, {"streaming_ingests": ST.ingest_count, "queued_ingests": ST.queued_count,
                                       "discarded_rows": ST.discarded_rows})
        return self.send(404, {"error": "unknown control path"})


class DmHandler(KustoHandler):
    role = "dm"


class AuthHandler(Base):
    """Fake Entra ID (v2 token + device code), IMDS and App Service MSI."""
    role = "auth"

    def form(self, body):
        return dict(urllib.parse.parse_qsl(body.decode()))

    def token_response(self, flow, v1_style=False):
        tok = ST.new_token(flow)
        if v1_style:
            return {"access_token": tok, "client_id": "msi-client", "expires_in": str(ST.token_lifetime),
                    "expires_on": str(int(time.time()) + ST.token_lifetime), "ext_expires_in": str(ST.token_lifetime),
                    "not_before": str(int(time.time())), "resource": "https://kusto.kusto.windows.net",
                    "token_type": "Bearer"}
        return {"token_type": "Bearer", "expires_in": ST.token_lifetime, "ext_expires_in": ST.token_lifetime,
                "access_token": tok, "refresh_token": "refresh-" + tok}

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        done, _ = self.apply_fault("token")
        if done:
            return
        if u.path.rstrip("/") == "/metadata/identity/oauth2/token":
            self.record({"flow": "imds", "query": q})
            if self.headers.get("Metadata") != "true":
                return self.send(400, {"error": "invalid_request", "error_description": "Required metadata header not specified"})
            return self.send(200, self.token_response("imds", True))
        if u.path == "/msi/token":
            self.record({"flow": "appservice", "query": q})
            if self.headers.get("X-IDENTITY-HEADER") != ST.identity_header:
                return self.send(401, {"error": "unauthorized", "error_description": "bad X-IDENTITY-HEADER"})
            r = self.token_response("appservice", True)
            return self.send(200, r)
        if u.path.endswith("/.well-known/openid-configuration"):
            tenant = u.path.split("/")[1]
            base = "http://127.0.0.1:%d/%s" % (self.server.server_port, tenant)
            return self.send(200, {"token_endpoint": base + "/oauth2/v2.0/token",
                                   "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                                   "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
                                   "issuer": base + "/v2.0", "response_types_supported": ["code", "id_token"],
                                   "subject_types_supported": ["pairwise"],
                                   "id_token_signing_alg_values_supported": ["RS256"],
                                   "jwks_uri": base + "/discovery/v2.0/keys"})
        self.send(404, {"error": "not_found"})

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        body = read_body(self)
        done, _ = self.apply_fault("token")
        if done:
            return
        f = self.form(body)
        if u.path.endswith("/oauth2/v2.0/devicecode"):
            code = "dev-" + uuid.uuid4().hex[:10]
            with ST.lock:
                ST.device_polls[code] = 0
            self.record({"flow": "devicecode", "form": {k: v for k, v in f.items()}})
            return self.send(200, {"user_code": "E2KTEST1", "device_code": code,
                                   "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 60,
                                   "interval": 1, "message": "To sign in, use a web browser to open the page "
                                   "https://microsoft.com/devicelogin and enter the code E2KTEST1 to authenticate."})
        if u.path.endswith("/oauth2/v2.0/token"):
            grant = f.get("grant_type", "")
            safe = {k: ("***" if k in ("client_secret",) else v) for k, v in f.items()}
            self.record({"flow": "token", "grant": grant, "form": safe, "tenant": u.path.split("/")[1]})
            if grant == "client_credentials":
                if f.get("client_id") != ST.app_id or f.get("client_secret") != ST.app_secret:
                    return self.send(401, {"error": "invalid_client",
                                           "error_description": "AADSTS7000215: Invalid client secret provided."})
                return self.send(200, self.token_response("secret"))
            if grant in ("device_code", "urn:ietf:params:oauth:grant-type:device_code"):
                code = f.get("device_code")
                with ST.lock:
                    if code not in ST.device_polls:
                        return self.send(400, {"error": "expired_token", "error_description": "unknown code"})
                    ST.device_polls[code] += 1
                    polls = ST.device_polls[code]
                if polls < 2:
                    return self.send(400, {"error": "authorization_pending",
                                           "error_description": "AADSTS70016: pending"})
                return self.send(200, self.token_response("device"))
            if grant == "refresh_token":
                return self.send(200, self.token_response("refresh"))
            return self.send(400, {"error": "unsupported_grant_type", "error_description": grant})
        self.send(404, {"error": "not_found"})


def serve(handler, port=0):
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    # clients that time out or are reset on purpose leave broken pipes: not errors here
    srv.handle_error = lambda request, client_address: None
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    global ST
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--token", action="append", help="static bearer token accepted forever")
    ap.add_argument("--no-auth", action="store_true", help="accept requests without a token")
    ap.add_argument("--token-lifetime", type=int, default=3600)
    ap.add_argument("--app-id", default="e2k-app")
    ap.add_argument("--app-secret", default="e2k-secret")
    ap.add_argument("--identity-header", default="e2k-identity-header")
    ap.add_argument("--streaming", default="on", choices=["on", "off404", "offpolicy"])
    ap.add_argument("--azurite-blob", help="Azurite blob endpoint, e.g. http://127.0.0.1:10000")
    ap.add_argument("--azurite-queue", help="Azurite queue endpoint")
    ap.add_argument("--discard", action="store_true", help="benchmark: accept streaming rows without storing")
    ap.add_argument("--ports-file", help="write {engine,dm,auth} ports as JSON here")
    args = ap.parse_args()
    ST = State(args)
    if args.azurite_blob and args.azurite_queue:
        ST.azurite = Azurite(args.azurite_blob, args.azurite_queue)
        ST.azurite.setup()

        def drain():
            while True:
                try:
                    ST.azurite.drain_once()
                except Exception as e:  # noqa: BLE001
                    log_event({"kind": "dm", "error": "drain: %s" % e})
                time.sleep(0.2)
        threading.Thread(target=drain, daemon=True).start()
    eng, dm, auth = serve(KustoHandler), serve(DmHandler), serve(AuthHandler)
    ports = {"engine": eng.server_port, "dm": dm.server_port, "auth": auth.server_port}
    if args.ports_file:
        with open(args.ports_file + ".tmp", "w") as f:
            json.dump(ports, f)
        import os
        os.replace(args.ports_file + ".tmp", args.ports_file)
    print(json.dumps(ports), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
