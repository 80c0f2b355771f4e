#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Cross-checks the rows of cases.txt marked `py` against Python's re module
# (an independent implementation; flags re.ASCII so \d \w \s \b are ASCII as
# in RE2). Offsets are converted from Python's code point offsets to UTF-8
# byte offsets. Run by hand when editing the table: python3 check_cases_with_python.py
import re
import sys
import os


def unescape(s):
    out = bytearray()
    i = 0
    b = s.encode("utf-8")
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            e = chr(b[i + 1])
            if e == "n":
                out.append(10); i += 2; continue
            if e == "t":
                out.append(9); i += 2; continue
            if e == "r":
                out.append(13); i += 2; continue
            if e == "\\":
                out.append(0x5C); i += 2; continue
            if e == "x" and i + 3 < len(b) + 0:
                try:
                    out.append(int(b[i + 2:i + 4].decode(), 16)); i += 4; continue
                except ValueError:
                    pass
        out.append(c)
        i += 1
    return bytes(out)


def byte_off(text, cp_off):
    return len(text[:cp_off].encode("utf-8"))


def fmt(m, text, ngroups):
    parts = []
    for g in range(ngroups):
        if m.start(g) < 0:
            parts.append("(?,?)")
        else:
            parts.append("(%d,%d)" % (byte_off(text, m.start(g)), byte_off(text, m.end(g))))
    return "".join(parts)


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.txt")
    bad = checked = 0
    for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        if f[0] not in ("M", "A") or f[-1] != "py":
            continue
        pat, flags, subj, want = f[1], f[2], f[3], f[4]
        fl = re.ASCII
        if "i" in flags: fl |= re.IGNORECASE
        if "m" in flags: fl |= re.MULTILINE
        if "s" in flags: fl |= re.DOTALL
        text = unescape(subj).decode("utf-8")
        try:
            rx = re.compile(pat, fl)
        except re.error as e:
            bad += 1
            print("cases.txt:%d: /%s/ python cannot compile it (%s): mark the row re2" % (lineno, pat, e))
            continue
        if f[0] == "M":
            m = rx.search(text)
            ng = 1 if want == "-" else want.count("(")
            got = fmt(m, text, ng) if m else "-"
        else:
            got = "|".join(fmt(m, text, 1) for m in rx.finditer(text)) or "-"
        checked += 1
        if got != want:
            bad += 1
            print("cases.txt:%d: /%s/ python says %s, table says %s" % (lineno, pat, got, want))
    print("%d checked against python, %d differ" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
