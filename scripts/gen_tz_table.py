#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Generates src/kql/fn_timezone_data.c (the time-zone table of
# datetime_utc_to_local / datetime_local_to_utc / datetime_list_timezones)
# from compiled tzdata (TZif v2+ files, e.g. Debian's tzdata under
# /usr/share/zoneinfo; IANA tz database, public domain). Run:
#   python3 scripts/gen_tz_table.py --tzdata-version 2025b-0+deb12u2 > src/kql/fn_timezone_data.c
# The zone names and their order are Kusto's own list: the expected result of
# the corpus case emulator:datetime-list-timezones-00 (tests/data/kql/
# cases_emulator.jsonl). Per zone it keeps every UTC-offset change of the
# TZif's 64-bit data (changes of only the abbreviation or the DST flag are
# dropped) and the POSIX TZ footer, parsed, for instants after the last one.
# Zones with identical data (links) share one entry. Standard library only.
# Owner: scalars.
import argparse
import json
import os
import struct
import sys

CASE_ID = 'emulator:datetime-list-timezones-00'
YEAR1 = -62135596800      # 0001-01-01T00:00:00Z in Unix seconds
YEAR10000 = 253402300800  # 10000-01-01T00:00:00Z


def kusto_names(cases_path):
    with open(cases_path, encoding='utf-8') as f:
        for line in f:
            case = json.loads(line)
            if case.get('id') == CASE_ID:
                names = case['expected_rows'][0][0]
                if names != sorted(names) or len(set(names)) != len(names):
                    sys.exit('zone list is not sorted and unique; the C lookup relies on it')
                return names
    sys.exit('case %s not found in %s' % (CASE_ID, cases_path))


def read_tzif(path):
    """(initial offset, [(utc seconds, offset)], footer) from the v2+ data."""
    with open(path, 'rb') as f:
        d = f.read()
    if d[:4] != b'TZif' or d[4:5] not in (b'2', b'3', b'4'):
        sys.exit('%s: not a TZif v2+ file' % path)

    def header(o):
        return struct.unpack('>6l', d[o + 20:o + 44])

    isut, isstd, leap, timecnt, typecnt, charcnt = header(0)
    o = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
    if d[o:o + 4] != b'TZif':
        sys.exit('%s: no second (64-bit) header' % path)
    isut, isstd, leap, timecnt, typecnt, charcnt = header(o)
    if leap:
        sys.exit('%s: leap-second ("right/") data is not expected' % path)
    o += 44
    times = struct.unpack('>%dq' % timecnt, d[o:o + 8 * timecnt])
    o += 8 * timecnt
    idx = d[o:o + timecnt]
    o += timecnt
    types = [struct.unpack('>lBB', d[o + 6 * i:o + 6 * i + 6])[0] for i in range(typecnt)]
    o += 6 * typecnt + charcnt + isstd + isut
    footer = d[o:].decode('ascii')
    if not footer.startswith('\n') or not footer.endswith('\n'):
        sys.exit('%s: bad footer' % path)
    footer = footer.strip('\n')
    # RFC 8536 3.2: type 0 holds before the first transition.
    initial = types[0]
    trans = []
    cur = initial
    for t, i in zip(times, idx):
        off = types[i]
        if t < YEAR1:
            initial = cur = off
            continue
        if t >= YEAR10000:
            break
        if off != cur:
            trans.append((t, off))
            cur = off
    return initial, trans, footer


def parse_posix(tz):
    """POSIX TZ string (RFC 8536 3.3 extensions) -> (std, dst or None, start, end).
    Offsets are seconds east of UTC; start/end are (kind, a, b, c, secs)."""
    pos = [0]

    def name():
        if tz[pos[0]:pos[0] + 1] == '<':
            e = tz.index('>', pos[0])
            pos[0] = e + 1
        else:
            s = pos[0]
            while pos[0] < len(tz) and tz[pos[0]].isalpha():
                pos[0] += 1
            if pos[0] - s < 3:
                sys.exit('bad zone name in %r' % tz)

    def hms(allow_sign=True):
        sign = 1
        if pos[0] < len(tz) and tz[pos[0]] in '+-':
            if not allow_sign:
                sys.exit('sign not allowed in %r' % tz)
            sign = -1 if tz[pos[0]] == '-' else 1
            pos[0] += 1
        parts = []
        while True:
            s = pos[0]
            while pos[0] < len(tz) and tz[pos[0]].isdigit():
                pos[0] += 1
            if s == pos[0]:
                sys.exit('number expected in %r' % tz)
            parts.append(int(tz[s:pos[0]]))
            if len(parts) < 3 and tz[pos[0]:pos[0] + 1] == ':':
                pos[0] += 1
                continue
            break
        parts += [0] * (3 - len(parts))
        return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])

    def when():
        c = tz[pos[0]:pos[0] + 1]
        if c == 'M':
            pos[0] += 1
            m, w, dw = tz[pos[0]:].split('/')[0].split(',')[0].split('.')
            pos[0] += len(m) + len(w) + len(dw) + 2
            r = ['M', int(m), int(w), int(dw), 0]
            if not (1 <= r[1] <= 12 and 1 <= r[2] <= 5 and 0 <= r[3] <= 6):
                sys.exit('bad M rule in %r' % tz)
        elif c == 'J':
            pos[0] += 1
            s = pos[0]
            while pos[0] < len(tz) and tz[pos[0]].isdigit():
                pos[0] += 1
            r = ['J', 0, 0, 0, int(tz[s:pos[0]])]
            if not 1 <= r[4] <= 365:
                sys.exit('bad J rule in %r' % tz)
        else:
            s = pos[0]
            while pos[0] < len(tz) and tz[pos[0]].isdigit():
                pos[0] += 1
            r = ['D', 0, 0, 0, int(tz[s:pos[0]] or 'x')]
            if not 0 <= r[4] <= 365:
                sys.exit('bad day rule in %r' % tz)
        secs = 7200
        if tz[pos[0]:pos[0] + 1] == '/':
            pos[0] += 1
            secs = hms()
        if abs(secs) > 167 * 3600:
            sys.exit('rule time out of range in %r' % tz)
        return tuple(r + [secs])

    name()
    std = -hms()
    if pos[0] == len(tz):
        return std, None, None, None
    name()
    dst = std + 3600
    if pos[0] < len(tz) and tz[pos[0]] != ',':
        dst = -hms()
    if tz[pos[0]:pos[0] + 1] != ',':
        sys.exit('no rule in %r (default rules are not supported)' % tz)
    pos[0] += 1
    start = when()
    if tz[pos[0]:pos[0] + 1] != ',':
        sys.exit('no end rule in %r' % tz)
    pos[0] += 1
    end = when()
    if pos[0] != len(tz):
        sys.exit('trailing text in %r' % tz)
    return std, dst, start, end


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--zoneinfo', default='/usr/share/zoneinfo')
    ap.add_argument('--cases', default=os.path.join(os.path.dirname(__file__), '..', 'tests',
                                                    'data', 'kql', 'cases_emulator.jsonl'))
    ap.add_argument('--tzdata-version', required=True,
                    help='version of the tzdata the files come from, for the header')
    a = ap.parse_args()

    names = kusto_names(a.cases)
    zones, zone_of, rules, rule_of, offsets, offset_of = [], {}, [], {}, [], {}
    name_zone = []
    for n in names:
        initial, trans, footer = read_tzif(os.path.join(a.zoneinfo, n))
        rule = parse_posix(footer)
        if rule not in rule_of:
            rule_of[rule] = len(rules)
            rules.append((footer, rule))
        # fn_timezone.c keeps at most 8 changes of a 4-day window, rule included
        for i in range(len(trans) - 4):
            if trans[i + 4][0] - trans[i][0] < 4 * 86400:
                sys.exit('%s: more than 4 changes within 4 days' % n)
        key = (initial, tuple(trans), rule_of[rule])
        if key not in zone_of:
            zone_of[key] = len(zones)
            zones.append(key)
        for _, off in trans:
            if off not in offset_of:
                offset_of[off] = len(offsets)
                offsets.append(off)
        name_zone.append((n, zone_of[key]))

    out = []
    w = out.append
    w('/* SPDX-License-Identifier: MIT')
    w(' * GENERATED by scripts/gen_tz_table.py from compiled tzdata %s (Debian' % a.tzdata_version)
    w(' * package tzdata, TZif files; the IANA tz database is public domain) and')
    w(' * Kusto\'s zone list (corpus case %s). Do not' % CASE_ID)
    w(' * edit; rerun the generator. %d names, %d distinct zones, %d offset changes. */'
      % (len(names), len(zones), sum(len(z[1]) for z in zones)))
    w('#include "kql/fn_timezone_data.h"')
    w('')
    w('/* Distinct UTC offsets (seconds east) that transitions switch to. */')
    w('const int32_t kql_tz_offsets[] = {')
    for i in range(0, len(offsets), 10):
        w('    ' + ', '.join(str(x) for x in offsets[i:i + 10]) + ',')
    w('};')
    w('')
    w('/* Offset changes of all zones, zone by zone: Unix seconds (UTC) and the')
    w(' * index in kql_tz_offsets of the offset from then on. */')
    w('const int64_t kql_tz_times[] = {')
    firsts, total = [], 0
    for z in zones:
        firsts.append(total)
        total += len(z[1])
        ts = [str(t) for t, _ in z[1]]
        for i in range(0, len(ts), 8):
            w('    ' + ', '.join(ts[i:i + 8]) + ',')
    if total == 0:
        w('    0,')
    w('};')
    w('')
    w('const uint16_t kql_tz_time_offset[] = {')
    for z in zones:
        ix = [str(offset_of[off]) for _, off in z[1]]
        for i in range(0, len(ix), 20):
            w('    ' + ', '.join(ix[i:i + 20]) + ',')
    if total == 0:
        w('    0,')
    w('};')
    w('')
    w('/* POSIX TZ footers, parsed: std, dst (seconds east), has_dst, start and')
    w(' * end as {kind, month, week, weekday, day, seconds}. */')
    w('const kql_tz_rule kql_tz_rules[] = {')

    def when_c(x):
        if x is None:
            return '{0, 0, 0, 0, 0, 0}'
        return "{'%s', %d, %d, %d, %d, %d}" % x
    for footer, (std, dst, start, end) in rules:
        w('    {%d, %d, %d, %s, %s}, /* %s */' % (std, dst if dst is not None else std,
                                              1 if dst is not None else 0,
                                              when_c(start), when_c(end), footer))
    w('};')
    w('')
    w('/* {first change, count, offset before the first change, footer rule} */')
    w('const kql_tz_zone kql_tz_zones[] = {')
    for z, first in zip(zones, firsts):
        w('    {%d, %d, %d, %d},' % (first, len(z[1]), z[0], z[2]))
    w('};')
    w('')
    w('/* Kusto\'s zone names in its order (ordinal, as datetime_list_timezones')
    w(' * returns them) and their zone. */')
    w('const kql_tz_name kql_tz_names[] = {')
    for n, zi in name_zone:
        w('    {"%s", %d},' % (n, zi))
    w('};')
    w('')
    w('const size_t kql_tz_name_count = sizeof kql_tz_names / sizeof kql_tz_names[0];')
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
