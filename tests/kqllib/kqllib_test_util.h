/* SPDX-License-Identifier: MIT
 * Helpers for the kqllib tests: build argument values, call a function or
 * aggregate by name through the public tables, and render results as JSON
 * for comparison with expected text taken from the corpus. */
#ifndef E2K_TESTS_KQLLIB_TEST_UTIL_H
#define E2K_TESTS_KQLLIB_TEST_UTIL_H

#include "kql/kql_fn.h"
#include "value/kv_ops.h"

kv_value tu_s(const char *s);         /* string */
kv_value tu_l(int64_t v);             /* long */
kv_value tu_i(int32_t v);             /* int */
kv_value tu_r(double v);              /* real */
kv_value tu_dt(const char *iso);      /* datetime from text */
kv_value tu_ts(const char *text);     /* timespan from text */
kv_value tu_j(const char *json);      /* dynamic from JSON */
kv_value tu_null(kv_type t);

/* Calls `name` with argc owned args (released after the call). Returns the
 * result rendered as JSON into a static buffer ("<no such function>" when
 * unknown); *type receives the result's kv type. */
const char *tu_call(const char *name, kv_type *type, int argc, ...);
/* Same for an aggregate over rows: rows[r*argc + a]; consts may be NULL. */
const char *tu_agg(const char *name, kv_type *type, int argc, int nrows, kv_value *rows, const kv_value *consts);
/* JSON rendering of a value (static buffer). */
const char *tu_json(kv_value v);

#endif
