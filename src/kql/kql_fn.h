/* SPDX-License-Identifier: MIT
 * The contract between the KQL engine (binder, operators) and the library of
 * scalar functions and aggregates. One table each (kql_fn_table.c,
 * kql_agg_table.c), looked up by name at bind time; the engine never names a
 * function in its own code (except operators' syntax like bin in summarize,
 * which still calls through this table).
 *
 * Ownership: args are borrowed; a function returns a new reference. */
#ifndef E2K_KQL_KQL_FN_H
#define E2K_KQL_KQL_FN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kql/kql.h"
#include "value/value.h"

/* Per-call context. `site_state` is a per-call-site slot (NULL at first) where
 * a function may cache work derived from constant arguments, e.g. a compiled
 * regex; `site_free` is called on it when the query is freed. */
typedef struct kql_fn_ctx {
  void **site_state;
  void (**site_free)(void *state);
  const bool *arg_is_constant; /* per argument: true when the binder proved it constant */
  kql_error *err;              /* set message (and return a null) on a runtime error */
  int64_t now_ticks;           /* now() for the whole query (fixed at compile time) */
} kql_fn_ctx;

typedef kv_value (*kql_scalar_fn)(kql_fn_ctx *ctx, const kv_value *args, int argc);

/* Result type from argument types; return KV_TYPE_COUNT to reject the call
 * (the binder then reports "function f: wrong argument types"). */
typedef kv_type (*kql_result_type_fn)(const kv_type *arg_types, int argc);

enum {
  KQL_FN_NONDETERMINISTIC = 0x1, /* rand(), new_guid(): never constant-folded */
  KQL_FN_NEEDS_CONST_ARG1 = 0x2  /* second argument must be a constant (e.g. regex) */
};

typedef struct kql_fn_def {
  const char *name;
  int min_args;
  int max_args;                /* -1 = variadic */
  kql_scalar_fn fn;
  kql_result_type_fn result_type;
  unsigned flags;
} kql_fn_def;

/* Case-sensitive lookup (KQL function names are case-sensitive). NULL if unknown. */
const kql_fn_def *kql_fn_lookup(const char *name, size_t len);

/* Aggregates: state lives in a block of `state_size` bytes owned by the
 * summarize operator (zeroed before init). */
typedef struct kql_agg_def {
  const char *name;
  int min_args;
  int max_args;
  size_t state_size;
  /* Called once per group with the argument types (and constant args, e.g. the
   * percentile or dcount accuracy, already evaluated; NULL if not constant). */
  void (*init)(void *state, const kv_type *arg_types, const kv_value *const_args, int argc);
  void (*add)(void *state, const kv_value *args, int argc);
  kv_value (*result)(void *state); /* new reference */
  void (*destroy)(void *state);    /* may be NULL */
  kql_result_type_fn result_type;
} kql_agg_def;

/* Multi-column aggregates (convention agreed between kql core and the
 * library, owner of this comment: kqllib):
 *   arg_max(x, c1, c2, ...), arg_min(...): the binder expands `*` to all input
 *   columns and passes args = [x, c1, c2, ...]. result() returns a dynamic
 *   array [x, c1, c2, ...] of kv_to_dynamic()-wrapped values (a null becomes
 *   a dynamic null); the operator unwraps each element with kv_from_dynamic()
 *   and converts it to that argument's bind type (kv_convert) for its own
 *   output column. result_type() says KV_DYNAMIC; the operator names and
 *   types the columns (x -> max_x / arg_max naming rules are the core's).
 *   percentiles(x, p1, p2, ...): result() returns a dynamic array with one
 *   element per p (same wrapping); each element becomes a column of x's type
 *   (real for avg-like cases as Kusto does), named by the core.
 *   percentiles_array(x, p...) is a single dynamic column and needs nothing.
 *   take_any(a, b, ...) with more than one argument (and take_any(*)) uses
 *   the same array convention; with one argument it returns the value.
 *   make_list/make_set: a dynamic array argument contributes its elements
 *   (Kusto flattens), see agg_collect.c.
 * Aggregates skip null inputs where Kusto does (sum, avg, min, max, dcount,
 * make_*), but count(x) counts every row (emulator:summarize-operator-08). */
const kql_agg_def *kql_agg_lookup(const char *name, size_t len);

#endif
