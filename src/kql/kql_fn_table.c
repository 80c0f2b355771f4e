/* SPDX-License-Identifier: MIT
 * The one table of KQL scalar functions: name, arity, body, result-type
 * callback, flags. The binder finds functions only through kql_fn_lookup.
 * Bodies live in fn_*.c (fn_lib.h); regex functions come from fn_regex.h
 * (owned by the regex engineer, who adds their rows below).
 * Owner: kqllib. */
#include "kql/kql_fn.h"

#include <string.h>

#include "kql/fn_lib.h"

#define F(nm, lo, hi, body, rt, fl) {#nm, lo, hi, kql_fn_##body, kql_rt_##rt, fl}
#define FN(nm, lo, hi, rt) F(nm, lo, hi, nm, rt, 0)
#define ND KQL_FN_NONDETERMINISTIC

static const kql_fn_def kql_fn_table[] = {
    /* conversion */
    FN(tostring, 1, 1, string),
    FN(toint, 1, 1, int),
    FN(tolong, 1, 1, long),
    FN(toreal, 1, 1, real),
    F(todouble, 1, 1, toreal, real, 0),
    FN(todecimal, 1, 1, decimal),
    FN(tobool, 1, 1, boolean),
    F(toboolean, 1, 1, tobool, boolean, 0),
    FN(todatetime, 1, 1, datetime),
    FN(totimespan, 1, 1, timespan),
    F(totime, 1, 1, totimespan, timespan, 0),
    FN(toguid, 1, 1, guid),
    FN(todynamic, 1, 1, dynamic),
    F(toobject, 1, 1, todynamic, dynamic, 0),
    F(parse_json, 1, 1, todynamic, dynamic, 0),
    FN(gettype, 1, 1, string),
    FN(dynamic_to_json, 1, 1, string),
    /* conditional */
    FN(iff, 3, 3, iff),
    F(iif, 3, 3, iff, iff, 0),
    FN(case, 3, -1, case),
    FN(coalesce, 1, -1, common),
    FN(isnull, 1, 1, boolean),
    FN(isnotnull, 1, 1, boolean),
    F(notnull, 1, 1, isnotnull, boolean, 0),
    FN(isempty, 1, 1, boolean),
    FN(isnotempty, 1, 1, boolean),
    F(notempty, 1, 1, isnotempty, boolean, 0),
    FN(max_of, 1, -1, common),
    FN(min_of, 1, -1, common),
    FN(not, 1, 1, boolean),
    /* KQLLIB-MORE-ROWS */
};

const kql_fn_def *kql_fn_lookup(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof kql_fn_table / sizeof kql_fn_table[0]; i++) {
    const char *n = kql_fn_table[i].name;
    if (strlen(n) == len && memcmp(n, name, len) == 0) return &kql_fn_table[i];
  }
  return NULL;
}

/* Table iteration for tests and `--help`-style listings. */
size_t kql_fn_count(void) { return sizeof kql_fn_table / sizeof kql_fn_table[0]; }
const kql_fn_def *kql_fn_at(size_t idx) {
  return idx < kql_fn_count() ? &kql_fn_table[idx] : NULL;
}
