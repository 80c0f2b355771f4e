#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# KQL conformance runner: runs every case of the corpus files (tests/data/kql)
# through a real executable and compares with the real engine's expected
# output, per the corpus README (multiset unless row_order_significant, reals
# to 1e-9 relative, canonical datetime/timespan/guid, names and types).
# Prints pass / fail / not-supported / error counts per file, writes a
# per-case report, and exits non-zero when a pass-rate floor is not met.
#
#   run_corpus.py --exe PATH [--cli] --data DIR --report FILE
#                 [--floor cases_emulator.jsonl=0.5 ...] [--max-wrong N]
#
# --cli: PATH is etw2kusto, run as `etw2kusto query:<file> format:json schema:true`;
# otherwise PATH is tests/kql/kql_run (`kql_run --schema <file>`).
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile

TICKS = 10_000_000


def parse_datetime(s):
    m = re.match(r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?Z?$', s.strip())
    if not m:
        return None
    import datetime as dt
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hh = int(m.group(4) or 0)
    mi = int(m.group(5) or 0)
    ss = int(m.group(6) or 0)
    frac = (m.group(7) or '')[:7].ljust(7, '0')
    try:
        days = (dt.date(y, mo, d) - dt.date(1, 1, 1)).days
    except ValueError:
        return None
    return ((days * 86400 + hh * 3600 + mi * 60 + ss) * TICKS) + int(frac)


def parse_timespan(s):
    m = re.match(r'^(-)?(?:(\d+)\.)?(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$', s.strip())
    if not m:
        return None
    sign = -1 if m.group(1) else 1
    d = int(m.group(2) or 0)
    frac = (m.group(6) or '')[:7].ljust(7, '0')
    t = ((d * 86400 + int(m.group(3)) * 3600 + int(m.group(4)) * 60 + int(m.group(5))) * TICKS) + int(frac)
    return sign * t


class Real:
    __slots__ = ('v',)

    def __init__(self, v):
        self.v = v

    def __eq__(self, o):
        if not isinstance(o, Real):
            return False
        a, b = self.v, o.v
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) or abs(a - b) < 1e-12

    def __hash__(self):
        return 0

    def __repr__(self):
        return 'R(%.9g)' % self.v


def to_real(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return Real(float(v))
    if isinstance(v, str):
        t = v.strip()
        if t in ('NaN', 'nan'):
            return Real(float('nan'))
        if t in ('Infinity', 'inf', '+Infinity', '∞'):
            return Real(float('inf'))
        if t in ('-Infinity', '-inf', '-∞'):
            return Real(float('-inf'))
        try:
            return Real(float(t))
        except ValueError:
            return ('badreal', v)
    return ('badreal', v)


def norm_dyn(v):
    """Canonical dynamic: numbers as Real, dicts as sorted tuples."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return Real(float(v))
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return ('list', tuple(norm_dyn(x) for x in v))
    if isinstance(v, dict):
        return ('dict', tuple(sorted((k, norm_dyn(x)) for k, x in v.items())))
    return v


def norm_dyn_set(v):
    if isinstance(v, tuple) and v and v[0] == 'list':
        return ('set', tuple(sorted((repr(x) for x in v[1]))))
    return v


H3_LISTS = re.compile(r'\b(?:geo_h3cell_neighbors|geo_polygon_to_h3cells)\s*\(')


def is_point(x):
    return (isinstance(x, tuple) and len(x) == 2 and x[0] == 'list' and len(x[1]) == 2 and
            all(isinstance(c, Real) for c in x[1]))


def norm_unordered_deep(v):
    """Results built from geo_h3cell_neighbors / geo_polygon_to_h3cells lists. Their element
    order is not part of Kusto's contract: the docs list a cell's neighbours in H3's ring-walk
    order while the engine returns another, and for one polygon the docs, the engine and the
    H3 library give the same 13 cells in three orders. So every list of strings or objects
    compares as a multiset, and a closed ring of points as the same ring from any vertex
    (a union of cells starts its outline where its input list starts)."""
    if isinstance(v, tuple) and v and v[0] == 'dict':
        return ('dict', tuple((k, norm_unordered_deep(x)) for k, x in v[1]))
    if not (isinstance(v, tuple) and v and v[0] == 'list'):
        return v
    items = [norm_unordered_deep(x) for x in v[1]]
    if len(items) >= 4 and all(is_point(x) for x in items) and items[0] == items[-1]:
        pts = items[:-1]
        k = min(range(len(pts)), key=lambda i: repr(pts[i]))
        return ('ring', tuple(pts[k:] + pts[:k]))
    if items and all(isinstance(x, (str, tuple)) for x in items) and not any(is_point(x) for x in items):
        return ('set', tuple(sorted(items, key=repr)))
    return ('list', tuple(items))


def norm(v, t, loco=False):
    if v is None:
        return None
    if loco and isinstance(v, str) and t not in ('string',):
        if (v == '' and t != 'dynamic') or v == '(null)':
            return None  # KustoLoco's dump prints nulls as "(null)"
    if t == 'bool':
        if isinstance(v, str):
            return v.strip().lower() in ('true', '1')
        return bool(v)
    if t in ('int', 'long', 'int|long'):
        if isinstance(v, str):
            try:
                return Real(float(v))
            except ValueError:
                return ('badint', v)
        if isinstance(v, bool):
            return Real(float(v))
        return Real(float(v))
    if t in ('real', 'decimal'):
        return to_real(v)
    if t == 'datetime':
        if isinstance(v, str):
            x = parse_datetime(v)
            return ('dt', x) if x is not None else ('baddt', v)
        return ('baddt', v)
    if t == 'timespan':
        if isinstance(v, str):
            x = parse_timespan(v)
            return ('ts', x) if x is not None else ('badts', v)
        return ('badts', v)
    if t == 'guid':
        return str(v).lower()
    if t == 'string':
        return v if isinstance(v, str) else json.dumps(v)
    if t == 'dynamic':
        if loco and isinstance(v, str):
            try:
                v = json.loads(v)
            except ValueError:
                pass
        return norm_dyn(v)
    return v


class FuzzBoolText:
    """Expected top-level dynamic "true"/"false" of the fuzz corpus: upstream printed a
    dynamic bool as that string (gettype() in the same row says "bool",
    dynamic-json-0024) and a dynamic string "true" the same way (type-casts-coercion-0043.3),
    so either matches."""
    __slots__ = ('s',)

    def __init__(self, s):
        self.s = s

    def __eq__(self, o):
        return o == self.s or (isinstance(o, bool) and o == (self.s == 'true'))

    def __hash__(self):
        return 0

    def __repr__(self):
        return 'B?%s' % self.s


_UNESC = {'\\': '\\', 'n': '\n', 't': '\t', 'r': '\r', '"': '"', "'": "'"}


def unescape_once(s):
    return re.sub(r'\\(.)', lambda m: _UNESC.get(m.group(1), m.group(0)), s)


class FuzzText:
    """Expected string of the fuzz corpus. Upstream passed the engine's text through
    one round of backslash unescaping (string-ops-0015.2: "double\\\\slash" has
    strlen 13 in the same row but is stored with one backslash; 0017.3: a literal
    backslash-n is stored as a newline), so our text matches either as is or after
    the same unescaping."""
    __slots__ = ('s',)

    def __init__(self, s):
        self.s = s

    def __eq__(self, o):
        return isinstance(o, str) and (o == self.s or unescape_once(o) == self.s)

    def __hash__(self):
        return 0

    def __repr__(self):
        return repr(self.s)


def loco_row(r, ncols):
    """KustoLoco's expected text joins cells with '; ' and the corpus split on that,
    so trailing empty cells come out glued as 'x;' or ';' (substring_Scalar:
    'b; ;' is b, '', '')."""
    r = list(r)
    while len(r) < ncols and r and isinstance(r[-1], str) and r[-1].endswith(';'):
        last = r.pop()
        r += [last[:-1].rstrip(), '']
    return r


class Apart(str):
    """A compare() verdict counted apart as 'random': neither pass nor fail."""


RANDOM = Apart('rows follow rand(): columns and types checked')
ENGINE_NAME = Apart('values match; a column name holds an engine-generated GUID')


def draws_random(query):
    """True when a case the corpus marks nondeterministic calls rand(). Such cases are
    compared by row count (and columns); when the count differs it follows the draws
    themselves (123 of a million random points near a line, reduce's clusters of
    random strings), which no engine can reproduce, so the case is counted apart as
    'random', neither pass nor fail."""
    return re.search(r'\brand\s*\(', query) is not None


def partition_is_last_order(query):
    """True when a `partition` comes after the query's last sort: the operator's result
    is the union of its subqueries' results, and a union's row order is unspecified
    (scan-operator-04 sorts, then partitions by user)."""
    last_sort = -1
    for m in re.finditer(r'\b(?:sort|order)\s+by\b|\|\s*top\b', query):
        last_sort = m.start()
    m = None
    for m in re.finditer(r'\|\s*partition\b', query):
        pass
    if not m or m.start() < last_sort and not inside_parens_after(query, m.start(), last_sort):
        return False
    return True


def inside_parens_after(query, start, pos):
    """True when pos lies inside the first parenthesised subquery after start."""
    i = query.find('(', start)
    if i < 0 or pos < i:
        return False
    depth = 0
    for j in range(i, len(query)):
        if query[j] == '(':
            depth += 1
        elif query[j] == ')':
            depth -= 1
            if depth == 0:
                return pos < j
    return True


def sort_key_columns(query, cols):
    """Column indexes of the query's last `sort by`/`order by` when every key is a plain
    column name, else None."""
    m = None
    for m in re.finditer(r'\b(?:sort|order)\s+by\s+([^|]*)$', query.strip(), re.S):
        pass
    if not m:
        return None
    idx = []
    for item in m.group(1).split(','):
        words = item.strip().split()
        if not words or words[0] not in cols:
            return None
        idx.append(cols.index(words[0]))
    return idx


def compare_sorted_runs(on, en, keys):
    """Kusto's sort is not stable: rows with equal keys may come in any order, so
    compare runs of equal keys as multisets (joins-lookup-union-0030)."""
    i = 0
    while i < len(en):
        j = i
        while j < len(en) and all(en[j][k] == en[i][k] for k in keys):
            j += 1
        want = list(en[i:j])
        for r in on[i:j]:
            for w, e in enumerate(want):
                if r == e:
                    del want[w]
                    break
            else:
                return 'row %d: %s not among the expected rows with the same sort key %s' % (i, r, want[:3])
        i = j
    return None


def row_key(r):
    return repr(r)


def run_case(exe, cli, qfile):
    if cli:
        cmd = [exe, 'query:' + qfile, 'format:json', 'schema:true']
    else:
        cmd = [exe, '--schema', qfile]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None, None, 'timeout', -999
    return p.stdout.decode('utf-8', 'replace'), None, p.stderr.decode('utf-8', 'replace'), p.returncode


def parse_output(out):
    """Columns, types and rows of the first result table. A query with several
    result tables (batches, fork; docs/cli.md) starts each with a line
    {"$table": name}; the corpus keeps the first table's rows
    (materialize-function-01, series-fit-poly-function-00)."""
    lines = [l for l in out.split('\n') if l.strip()]
    cols, types, rows = None, None, []
    tables = 0
    for l in lines:
        if l.startswith('{"$table":'):
            t = json.loads(l)
            if isinstance(t, dict) and list(t) == ['$table']:
                tables += 1
                if tables > 1:
                    break
                continue
        if l.startswith('#schema'):
            spec = l[len('#schema'):].strip()
            cols, types = [], []
            if spec:
                for part in spec.split(','):
                    n, _, ty = part.rpartition(':')
                    cols.append(n)
                    types.append(ty)
            continue
        v = json.loads(l)
        if isinstance(v, dict):
            v = [v.get(c) for c in cols]
        rows.append(v)
    return cols, types, rows


GUID_IN_NAME = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')


def engine_named(cols, exp_cols):
    """True when the column names differ only where the expected name holds a GUID: the
    engine names some computed columns after an internal variable it makes per run
    (make_list(toint(d[k])) is list_d___obj_<guid> there, list_ in Kusto.Language's
    naming and ours), which no engine can reproduce. The values are still compared; a
    case that differs only so is counted as 'random'."""
    return len(cols) == len(exp_cols) and all(
        a == b or GUID_IN_NAME.search(b) for a, b in zip(cols, exp_cols))


def compare(case, cols, types, rows, loco):
    diff = compare_named(case, cols, types, rows, loco)
    exp_cols = case.get('expected_columns') or []
    if diff is None and cols != exp_cols:
        return ENGINE_NAME
    return diff


def compare_named(case, cols, types, rows, loco):
    exp_cols = case.get('expected_columns') or []
    exp_types = case.get('expected_types') or []
    notes = case.get('notes') or []
    coarse = any(n.startswith('types_coarse') for n in notes)
    if cols != exp_cols and not engine_named(cols, exp_cols):
        return 'columns %s != expected %s' % (cols, exp_cols)
    for i, et in enumerate(exp_types):
        if i >= len(types):
            break
        ot = types[i]
        if et == 'int|long':
            if ot not in ('int', 'long'):
                return 'type of %s: %s != %s' % (cols[i], ot, et)
        elif et == 'real' and ot == 'decimal' and coarse:
            pass  # the fuzz corpus never says decimal: gettype() there gives "decimal"
                  # for columns it types real (type-casts-coercion-0012.3); values are compared
        elif et != ot and not loco:
            return 'type of %s: %s != %s' % (cols[i], ot, et)
    exp_rows = case.get('expected_rows') or []
    if 'possibly_nondeterministic_or_approximate' in notes:
        if re.search(r'\b(now|ago)\s*\(', case.get('query', '')):
            return None  # the row count itself follows the clock (range-operator-02: from startofmonth(now()))
        if len(rows) != len(exp_rows) and draws_random(case.get('query', '')):
            return RANDOM
        if len(rows) != len(exp_rows):
            return 'row count %d != %d (approximate case)' % (len(rows), len(exp_rows))
        return None
    tlist = exp_types if exp_types else (types or [])
    setcols = set()
    q = case.get('query', '')
    if 'make_set' in q or 'set_union' in q or 'bag_keys' in q:
        setcols = {i for i, t in enumerate(tlist) if t == 'dynamic'}
    h3cols = {i for i, t in enumerate(tlist) if t == 'dynamic'} if H3_LISTS.search(q) else set()

    def nrow(r, is_loco, expected=False):
        out = []
        if is_loco:
            r = loco_row(r, len(tlist))
        for i, v in enumerate(r):
            t = tlist[i] if i < len(tlist) else 'dynamic'
            x = norm(v, t, is_loco)
            if i in setcols:
                x = norm_dyn_set(x)
            if i in h3cols:
                x = norm_unordered_deep(x)
            if expected and coarse and isinstance(x, str):
                if t == 'string':
                    x = FuzzText(x)
                elif t == 'dynamic' and x in ('true', 'false'):
                    x = FuzzBoolText(x)
            out.append(x)
        return out

    en = [nrow(r, loco, True) for r in exp_rows]
    on = [nrow(r, False) for r in rows]
    if 'rows_incomplete_sample_only' in notes:
        for r in en:
            if r not in on:
                return 'sample row %s missing' % (r,)
        return None
    if len(en) != len(on):
        return 'row count %d != expected %d' % (len(on), len(en))
    if 'row_order_significant' in notes and not partition_is_last_order(case.get('query', '')):
        keys = sort_key_columns(case.get('query', ''), cols)
        for i, (a, b) in enumerate(zip(on, en)):
            if a != b:
                if keys is not None:
                    return compare_sorted_runs(on, en, keys)
                return 'row %d: %s != expected %s' % (i, a, b)
        return None
    remaining = list(en)
    for r in on:
        for j, e in enumerate(remaining):
            if r == e:
                del remaining[j]
                break
        else:
            return 'unexpected row %s (expected one of %s)' % (r, remaining[:3])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--exe', required=True)
    ap.add_argument('--cli', action='store_true')
    ap.add_argument('--data', required=True)
    ap.add_argument('--report', required=True)
    ap.add_argument('--files', default='cases_emulator.jsonl,cases_fuzz_dev.jsonl,cases_kustoloco.jsonl')
    ap.add_argument('--floor', action='append', default=[])
    ap.add_argument('--max-wrong', type=int, default=-1)
    ap.add_argument('--filter', default='')
    args = ap.parse_args()
    floors = {}
    for f in args.floor:
        k, _, v = f.partition('=')
        floors[k] = float(v)
    ok = True
    total_wrong = 0
    with open(args.report, 'w', encoding='utf-8') as rep, tempfile.TemporaryDirectory() as td:
        for fname in args.files.split(','):
            loco = 'kustoloco' in fname
            counts = {'pass': 0, 'fail': 0, 'not-supported': 0, 'error': 0, 'random': 0}
            n = 0
            with open(os.path.join(args.data, fname), encoding='utf-8') as f:
                for line in f:
                    if not line.strip():
                        continue
                    case = json.loads(line)
                    if args.filter and args.filter not in case['id']:
                        continue
                    n += 1
                    qf = os.path.join(td, 'q.kql')
                    with open(qf, 'w', encoding='utf-8') as w:
                        w.write(case['query'])
                    out, _, err, rc = run_case(args.exe, args.cli, qf)
                    status, msg = None, ''
                    if case.get('expect_error'):
                        if rc != 0:
                            status = 'pass'
                        else:
                            status, msg = 'fail', 'expected an error, the query ran'
                    elif rc != 0:
                        if rc == -999:
                            status, msg = 'error', 'timeout'
                        elif 'not supported yet' in (err or ''):
                            status, msg = 'not-supported', err.strip().split('\n')[0]
                        else:
                            status, msg = 'error', (err or '').strip().split('\n')[0][:300] or ('exit %d' % rc)
                    else:
                        try:
                            cols, types, rows = parse_output(out)
                        except Exception as e:  # malformed output: a tool error, not an answer
                            cols, diff = None, 'bad output: %s' % e
                        if cols is not None:
                            diff = compare(case, cols, types or [], rows, loco)
                        if cols is None:
                            status, msg = 'error', diff[:400]
                        elif diff is None:
                            status = 'pass'
                        elif isinstance(diff, Apart):
                            status, msg = 'random', str(diff)
                        else:
                            status, msg = 'fail', diff[:400]
                    counts[status] += 1
                    rep.write(json.dumps({'file': fname, 'id': case['id'], 'status': status,
                                          'message': msg}) + '\n')
            rate = counts['pass'] / n if n else 0.0
            wrong = counts['fail']
            if not loco:
                total_wrong += wrong
            print('%-24s %4d cases: pass %4d (%.1f%%)  fail %4d  not-supported %4d  error %4d  random %d' %
                  (fname, n, counts['pass'], rate * 100, counts['fail'], counts['not-supported'],
                   counts['error'], counts['random']))
            if fname in floors and rate + 1e-9 < floors[fname]:
                print('  FLOOR NOT MET: %.3f < %.3f' % (rate, floors[fname]))
                ok = False
    print('report: %s' % args.report)
    if args.max_wrong >= 0 and total_wrong > args.max_wrong:
        print('TOO MANY WRONG ANSWERS: %d > %d' % (total_wrong, args.max_wrong))
        ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
