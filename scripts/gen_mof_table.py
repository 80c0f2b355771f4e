#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Generates src/decode/dec_mof_table.c (kernel MOF class layouts as C data)
# from MOF class definitions: PerfView's kerneltraceeventparser.mof plus
# tests/data/decode_b/mof/kernel-extra.mof (newer versions). Run:
#   python3 scripts/gen_mof_table.py tests/data/decode_b/mof/kerneltraceeventparser.mof \
#       tests/data/decode_b/mof/kernel-extra.mof > src/decode/dec_mof_table.c
# Owner: decode part B. Only the MOF subset these files use is understood:
# [qualifiers] class Name:Parent { [qualifiers] type Name[n]; ... };
import re
import sys

# DEC_IN_* / DEC_OUT_* numbers (src/decode/dec_schema.h)
IN = dict(UNICODESTRING=1, ANSISTRING=2, INT8=3, UINT8=4, INT16=5, UINT16=6, INT32=7, UINT32=8,
          INT64=9, UINT64=10, BOOLEAN=13, BINARY=14, GUID=15, POINTER=16, FILETIME=17,
          COUNTEDSTRING=300, COUNTEDANSISTRING=301, REVCOUNTED=302, REVCOUNTEDANSI=303,
          NONNULL=304, NONNULLANSI=305, UNICODECHAR=306, SIZET=308, WBEMSID=310)
OUT = dict(NULL=0, STRING=1, BOOLEAN=13, HEXBINARY=15, HEXINT32=18, HEXINT64=19, PORT=22, IPV4=23,
           IPV6=24, UNSIGNEDLONG=10, NOPRINT=301)

INTS = {'uint8': ('UINT8', 1), 'sint8': ('INT8', 1), 'uint16': ('UINT16', 2), 'sint16': ('INT16', 2),
        'uint32': ('UINT32', 4), 'sint32': ('INT32', 4), 'uint64': ('UINT64', 8), 'sint64': ('INT64', 8)}


def strip_comments(t):
    t = re.sub(r'/\*.*?\*/', '', t, flags=re.S)
    return re.sub(r'//[^\n]*', '', t)


def split_qualifiers(q):
    """'A, B("x"), C{1,2} : amended' -> list of (name, args) at depth 0."""
    out, depth, cur, instr = [], 0, '', False
    for ch in q:
        if ch == '"':
            instr = not instr
        if not instr:
            if ch in '({':
                depth += 1
            elif ch in ')}':
                depth -= 1
            elif ch == ',' and depth == 0:
                out.append(cur)
                cur = ''
                continue
        cur += ch
    if cur.strip():
        out.append(cur)
    res = {}
    for item in out:
        item = re.sub(r':\s*amended', '', item).strip()
        m = re.match(r'(\w+)\s*(?:[({](.*)[)}])?$', item, re.S)
        if not m:
            continue
        name, args = m.group(1).lower(), m.group(2)
        vals = re.findall(r'"((?:[^"\\]|\\.)*)"|([-\w.]+)', args or '')
        res[name] = [a if a else b for a, b in vals]
    return res


def parse(text):
    text = strip_comments(text)
    classes = []
    pos = 0
    pat = re.compile(r'(\[(?:[^\[\]"]|"[^"]*")*\])?\s*class\s+(\w+)\s*(?::\s*(\w+))?\s*\{(.*?)\}\s*;', re.S)
    for m in pat.finditer(text):
        quals = split_qualifiers(m.group(1)[1:-1]) if m.group(1) else {}
        body = m.group(4)
        props = []
        for pm in re.finditer(r'(\[(?:[^\[\]"]|"[^"]*")*\])?\s*(\w+)\s+(\w+)\s*(\[\s*(\d*)\s*\])?\s*;', body, re.S):
            pq = split_qualifiers(pm.group(1)[1:-1]) if pm.group(1) else {}
            props.append(dict(q=pq, type=pm.group(2), name=pm.group(3),
                              array=pm.group(4) is not None, n=int(pm.group(5)) if pm.group(5) else 0))
        classes.append(dict(name=m.group(2), parent=m.group(3), q=quals, props=props))
    return classes


def field(p, names):
    q, t, n = p['q'], p['type'].lower(), p['name']
    ext = (q.get('extension') or [''])[0].lower()
    fmt = (q.get('format') or [''])[0].lower()
    term = (q.get('stringtermination') or ['nullterminated'])[0].lower()
    f = dict(name=n, inn=0, out=0, len_kind=0, length=0, count_kind=0, count=0)
    if ext == 'sid':
        f['inn'] = IN['WBEMSID']
    elif ext in ('ipaddr', 'ipaddrv4'):
        f['inn'], f['out'] = IN['UINT32'], OUT['IPV4']
    elif ext == 'ipaddrv6':
        f['inn'], f['out'], f['len_kind'], f['length'] = IN['BINARY'], OUT['IPV6'], 1, 16
    elif ext == 'port':
        f['inn'], f['out'] = IN['UINT16'], OUT['PORT']
    elif ext == 'guid':
        f['inn'] = IN['GUID']
    elif ext == 'sizet':
        f['inn'], f['out'] = IN['SIZET'], OUT['UNSIGNEDLONG']
    elif ext == 'wmitime':
        f['inn'] = IN['UINT64']  # raw trace-clock timestamp (etw-decoding.md 5.2)
    elif ext == 'filetime':
        f['inn'] = IN['FILETIME']
    elif t == 'string':
        wide = fmt == 'w'
        f['inn'] = {'nullterminated': IN['UNICODESTRING'] if wide else IN['ANSISTRING'],
                    'counted': IN['COUNTEDSTRING'] if wide else IN['COUNTEDANSISTRING'],
                    'reversecounted': IN['REVCOUNTED'] if wide else IN['REVCOUNTEDANSI'],
                    'notcounted': IN['NONNULL'] if wide else IN['NONNULLANSI']}.get(term)
        if f['inn'] is None:
            raise SystemExit('unknown StringTermination %s in %s' % (term, n))
    elif t == 'char16':
        if p['array'] and p['n']:
            f['inn'], f['len_kind'], f['length'] = IN['UNICODESTRING'], 1, p['n']
            return f
        f['inn'] = IN['UNICODECHAR']
    elif t == 'boolean':
        f['inn'], f['out'] = IN['UINT8'], OUT['BOOLEAN']
    elif t in INTS:
        if 'pointer' in q or 'pointertype' in q:
            f['inn'] = IN['POINTER']
        else:
            f['inn'] = IN[INTS[t][0]]
            # format("x") is a display hint; process/thread ids stay numbers
            # so they join with the ProcessId/ThreadId columns (docs).
            if re.search(r'(Id|ID|TTID|PID)$', n):
                fmt = ''
            if fmt == 'x' and t in ('uint32', 'sint32'):
                f['out'] = OUT['HEXINT32']
            elif fmt == 'x' and t in ('uint64', 'sint64'):
                f['out'] = OUT['HEXINT64']
        if t == 'uint8' and p['array'] and p['n'] and 'restofevent' not in q:
            f['inn'], f['out'], f['len_kind'], f['length'] = IN['BINARY'], OUT['HEXBINARY'], 1, p['n']
            return f
    elif t == 'object':
        raise SystemExit('object without a known extension: %s (%s)' % (n, ext))
    else:
        raise SystemExit('unknown MOF type %s for %s' % (t, n))
    if ext == 'noprint':
        f['out'] = OUT['NOPRINT']
    size_is = (q.get('wmisizeis') or [None])[0]
    if size_is:
        if size_is not in names:
            raise SystemExit('WmiSizeIs(%s) names no earlier field in %s' % (size_is, n))
        f['count_kind'], f['count'] = 2, names.index(size_is)
    elif p['array'] and 'restofevent' in q:
        f['count_kind'] = 3  # as many elements as the rest of the payload holds
    elif p['array']:
        cnt = p['n'] or int((q.get('max') or ['0'])[0] or 0)
        if not cnt:
            raise SystemExit('array without size: %s' % n)
        f['count_kind'], f['count'] = 1, cnt
    return f


def guid_bytes(g):
    g = g.strip('{}')
    a, b, c, d, e = g.split('-')
    raw = bytes.fromhex(a)[::-1] + bytes.fromhex(b)[::-1] + bytes.fromhex(c)[::-1] + bytes.fromhex(d + e)
    return ', '.join('0x%02x' % x for x in raw)


def main():
    classes = []
    for path in sys.argv[1:]:
        classes += parse(open(path, encoding='utf-8', errors='replace').read())
    by = {c['name']: c for c in classes}

    def inherited(c, key):
        while c:
            if key in c['q']:
                return c['q'][key]
            c = by.get(c['parent'])
        return None

    rows = []
    for c in classes:
        types = c['q'].get('eventtype')
        if not types:
            continue
        guid = inherited(c, 'guid')
        if not guid:
            continue
        guid = guid[0]
        # No EventVersion anywhere up the chain: the class applies to any
        # version (255 = wildcard, see dec_mof.c).
        ev = inherited(c, 'eventversion')
        ver = int(ev[0]) if ev else 255
        task = (inherited(c, 'displayname') or [c['name']])[0]
        names = c['q'].get('eventtypename') or []
        fields, seen = [], []
        for p in c['props']:
            fields.append(field(p, seen))
            seen.append(p['name'])
        ops = [int(t) for t in types]
        rows.append(dict(cls=c['name'], guid=guid, ver=ver, task=task, ops=ops,
                         names=[names[i] if i < len(names) else str(ops[i]) for i in range(len(ops))],
                         fields=fields))
    print('/* SPDX-License-Identifier: MIT')
    print(' * GENERATED by scripts/gen_mof_table.py from tests/data/decode_b/mof/')
    print(' * kerneltraceeventparser.mof (PerfView, MIT) and kernel-extra.mof: the kernel')
    print(' * MOF class layouts as data. Do not edit; edit the .mof files and rerun. */')
    print('#include "decode/dec_mof.h"\n')
    for i, r in enumerate(rows):
        print('static const dec_mof_field_def mof_f%d[] = {' % i)
        for f in r['fields']:
            print('  {"%s", %d, %d, %d, %d, %d, %d},' % (f['name'], f['inn'], f['out'], f['len_kind'],
                                                       f['length'], f['count_kind'], f['count']))
        if not r['fields']:
            print('  {0, 0, 0, 0, 0, 0, 0},')
        print('};')
        print('static const uint8_t mof_o%d[] = {%s};' % (i, ', '.join(str(o) for o in r['ops'])))
        print('static const char *const mof_n%d[] = {%s};' % (i, ', '.join('"%s"' % n for n in r['names'])))
    print('\nconst dec_mof_class_def dec_mof_classes[] = {')
    for i, r in enumerate(rows):
        print('  {{%s}, "%s", "%s", %d, mof_o%d, mof_n%d, %d, mof_f%d, %d}, /* %s */' % (
            guid_bytes(r['guid']), r['task'], r['cls'], r['ver'], i, i, len(r['ops']), i,
            len(r['fields']), r['guid'].strip('{}').lower()))
    print('};')
    print('const size_t dec_mof_class_count = %d;' % len(rows))


main()
