/* SPDX-License-Identifier: MIT
 * Simple aggregates: count, countif, sum(if), avg(if), min/max(if),
 * take_any(if), arg_max/arg_min, binary_all_*. Null inputs are skipped
 * except by count(x), which counts rows (emulator:summarize-operator-08).
 * Owner: kqllib. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/agg_lib.h"

#define KQL_AGG_SIZE(n, type) const size_t kql_agg_##n##_size = sizeof(type)
#define KQL_NO_DESTROY(n) \
  void kql_agg_##n##_destroy(void *st) { (void)st; }

/* ---- count / countif ---- */

typedef struct {
  int64_t n;
} kql_count_state;
KQL_AGG_SIZE(count, kql_count_state);
KQL_AGG_SIZE(countif, kql_count_state);

void kql_agg_count_init(void *st, const kv_type *types, const kv_value *consts, int argc) {}
void kql_agg_count_add(void *st, const kv_value *args, int argc) { ((kql_count_state *)st)->n++; }
kv_value kql_agg_count_result(void *st) { return kv_long(((kql_count_state *)st)->n); }
KQL_NO_DESTROY(count)

void kql_agg_countif_init(void *st, const kv_type *types, const kv_value *consts, int argc) {}
void kql_agg_countif_add(void *st, const kv_value *args, int argc) {
  if (argc >= 1 && kv_truth(args[0]) == 1) ((kql_count_state *)st)->n++;
}
kv_value kql_agg_countif_result(void *st) { return kv_long(((kql_count_state *)st)->n); }
KQL_NO_DESTROY(countif)

/* ---- sum / sumif / avg / avgif ---- */

typedef struct {
  kv_type type; /* argument type */
  int64_t isum; /* int, long, timespan (wrapping, as Kusto's long sum) */
  double rsum;  /* real, decimal, dynamic */
  int64_t n;    /* non-null values seen */
} kql_sum_state;
KQL_AGG_SIZE(sum, kql_sum_state);
KQL_AGG_SIZE(sumif, kql_sum_state);
KQL_AGG_SIZE(avg, kql_sum_state);
KQL_AGG_SIZE(avgif, kql_sum_state);

static void kql_sum_init(void *st, const kv_type *types, int argc) {
  kql_sum_state *s = st;
  s->type = argc > 0 ? types[0] : KV_LONG;
}

static void kql_sum_add(kql_sum_state *s, kv_value v) {
  if (kv_is_null(v)) return;
  kv_type t = kv_scalar_type(v);
  double r;
  if ((t == KV_INT || t == KV_LONG || t == KV_TIMESPAN || t == KV_DATETIME) && s->type != KV_REAL &&
      s->type != KV_DECIMAL && s->type != KV_DYNAMIC) {
    s->isum = (int64_t)((uint64_t)s->isum + (uint64_t)v.u.i);
    s->n++;
  } else if (kv_num_real(v, &r)) {
    s->rsum += r;
    s->n++;
  }
}

static kv_value kql_sum_value(kql_sum_state *s) {
  switch (s->type) {
  case KV_INT:
  case KV_LONG: return kv_long(s->isum);
  case KV_TIMESPAN: return kv_timespan(s->isum);
  case KV_DECIMAL: return kv_decimal(s->rsum);
  default: return kv_real(s->rsum);
  }
}

void kql_agg_sum_init(void *st, const kv_type *types, const kv_value *consts, int argc) { kql_sum_init(st, types, argc); }
void kql_agg_sum_add(void *st, const kv_value *args, int argc) { kql_sum_add(st, args[0]); }
kv_value kql_agg_sum_result(void *st) { return kql_sum_value(st); }
KQL_NO_DESTROY(sum)

void kql_agg_sumif_init(void *st, const kv_type *types, const kv_value *consts, int argc) { kql_sum_init(st, types, argc); }
void kql_agg_sumif_add(void *st, const kv_value *args, int argc) {
  if (argc >= 2 && kv_truth(args[1]) == 1) kql_sum_add(st, args[0]);
}
kv_value kql_agg_sumif_result(void *st) { return kql_sum_value(st); }
KQL_NO_DESTROY(sumif)

static kv_value kql_avg_value(kql_sum_state *s) {
  switch (s->type) {
  case KV_INT:
  case KV_LONG:
    if (!s->n) return kv_real(NAN);
    return kv_real((double)s->isum / (double)s->n);
  case KV_TIMESPAN:
    if (!s->n) return kv_null(KV_TIMESPAN);
    return kv_timespan(s->isum / s->n);
  case KV_DATETIME:
    if (!s->n) return kv_null(KV_DATETIME);
    return kv_datetime(s->isum / s->n);
  case KV_DECIMAL:
    if (!s->n) return kv_null(KV_DECIMAL);
    return kv_decimal(s->rsum / (double)s->n);
  default:
    /* avg over no rows is NaN (emulator:summarize-operator-04). */
    if (!s->n) return kv_real(NAN);
    return kv_real(s->rsum / (double)s->n);
  }
}

/* Datetime averages need the mean of large tick counts: sum offsets from
 * the first value instead would be exact, but ticks fit well in the wrapping
 * sum for the ranges ETW produces (a few years). */
void kql_agg_avg_init(void *st, const kv_type *types, const kv_value *consts, int argc) { kql_sum_init(st, types, argc); }
void kql_agg_avg_add(void *st, const kv_value *args, int argc) { kql_sum_add(st, args[0]); }
kv_value kql_agg_avg_result(void *st) { return kql_avg_value(st); }
KQL_NO_DESTROY(avg)

void kql_agg_avgif_init(void *st, const kv_type *types, const kv_value *consts, int argc) { kql_sum_init(st, types, argc); }
void kql_agg_avgif_add(void *st, const kv_value *args, int argc) {
  if (argc >= 2 && kv_truth(args[1]) == 1) kql_sum_add(st, args[0]);
}
kv_value kql_agg_avgif_result(void *st) { return kql_avg_value(st); }
KQL_NO_DESTROY(avgif)

/* ---- min / max (and -if) ---- */

typedef struct {
  kv_type type;
  bool has;
  kv_value best; /* owned */
} kql_ext_state;
KQL_AGG_SIZE(min, kql_ext_state);
KQL_AGG_SIZE(max, kql_ext_state);
KQL_AGG_SIZE(minif, kql_ext_state);
KQL_AGG_SIZE(maxif, kql_ext_state);

static void kql_ext_init(void *st, const kv_type *types, int argc) {
  ((kql_ext_state *)st)->type = argc > 0 ? types[0] : KV_LONG;
}

static bool kql_is_nan(kv_value v) {
  double r;
  kv_type t = kv_scalar_type(v);
  return (t == KV_REAL || t == KV_DECIMAL) && kv_num_real(v, &r) && isnan(r);
}

/* A NaN wins and sticks: max/min over values with a NaN are NaN
 * (fuzz agent-aggregation-0002.2, 0023.3). */
static void kql_ext_add(kql_ext_state *s, kv_value v, int sign) {
  if (kv_is_null(v)) return;
  if (s->has && kql_is_nan(s->best)) return;
  if (s->has && !kql_is_nan(v) && kv_order(v, s->best, true) * sign <= 0) return;
  kv_value owned = kv_retain(v);
  if (s->has) kv_release(s->best);
  s->best = owned;
  s->has = true;
}

static kv_value kql_ext_result(kql_ext_state *s) {
  if (!s->has) return s->type == KV_DYNAMIC ? kv_dyn_null() : kv_null(s->type);
  return kv_retain(s->best);
}

static void kql_ext_destroy(kql_ext_state *s) {
  if (s->has) kv_release(s->best);
  s->has = false;
}

void kql_agg_min_init(void *st, const kv_type *types, const kv_value *consts, int argc) { kql_ext_init(st, types, argc); }
void kql_agg_min_add(void *st, const kv_value *args, int argc) { kql_ext_add(st, args[0], -1); }
kv_value kql_agg_min_result(void *st) { return kql_ext_result(st); }
void kql_agg_min_destroy(void *st) { kql_ext_destroy(st); }

void kql_agg_max_init(void *st, const kv_type *types, const kv_value *consts, int argc) { kql_ext_init(st, types, argc); }
void kql_agg_max_add(void *st, const kv_value *args, int argc) { kql_ext_add(st, args[0], 1); }
kv_value kql_agg_max_result(void *st) { return kql_ext_result(st); }
void kql_agg_max_destroy(void *st) { kql_ext_destroy(st); }

void kql_agg_minif_init(void *st, const kv_type *types, const kv_value *consts, int argc) { kql_ext_init(st, types, argc); }
void kql_agg_minif_add(void *st, const kv_value *args, int argc) {
  if (argc >= 2 && kv_truth(args[1]) == 1) kql_ext_add(st, args[0], -1);
}
kv_value kql_agg_minif_result(void *st) { return kql_ext_result(st); }
void kql_agg_minif_destroy(void *st) { kql_ext_destroy(st); }

void kql_agg_maxif_init(void *st, const kv_type *types, const kv_value *consts, int argc) { kql_ext_init(st, types, argc); }
void kql_agg_maxif_add(void *st, const kv_value *args, int argc) {
  if (argc >= 2 && kv_truth(args[1]) == 1) kql_ext_add(st, args[0], 1);
}
kv_value kql_agg_maxif_result(void *st) { return kql_ext_result(st); }
void kql_agg_maxif_destroy(void *st) { kql_ext_destroy(st); }

/* ---- row-capturing aggregates: take_any, arg_max, arg_min ---- */

typedef struct {
  int argc;
  int key_argc; /* arguments that belong to the output (take_anyif drops the predicate) */
  bool has;
  kv_type type0;
  kv_value *vals; /* owned copies of the chosen row's arguments */
} kql_row_state;
KQL_AGG_SIZE(take_any, kql_row_state);
KQL_AGG_SIZE(take_anyif, kql_row_state);
KQL_AGG_SIZE(arg_max, kql_row_state);
KQL_AGG_SIZE(arg_min, kql_row_state);

static void kql_row_init(void *st, const kv_type *types, int argc, int key_argc) {
  kql_row_state *s = st;
  s->argc = argc;
  s->key_argc = key_argc;
  s->type0 = argc > 0 ? types[0] : KV_DYNAMIC;
}

static void kql_row_capture(kql_row_state *s, const kv_value *args) {
  if (!s->vals) s->vals = kv_calloc((size_t)(s->key_argc ? s->key_argc : 1), sizeof(kv_value));
  for (int i = 0; i < s->key_argc; i++) {
    kv_value owned = kv_retain(args[i]);
    if (s->has) kv_release(s->vals[i]);
    s->vals[i] = owned;
  }
  s->has = true;
}

/* One argument: the value itself; several: the kql_fn.h array convention. */
static kv_value kql_row_result(kql_row_state *s) {
  if (s->key_argc == 1) {
    if (!s->has) return s->type0 == KV_DYNAMIC ? kv_dyn_null() : kv_null(s->type0);
    return kv_retain(s->vals[0]);
  }
  kv_value arr = kv_dyn_array();
  for (int i = 0; i < s->key_argc; i++) kv_array_push(arr, s->has ? kv_retain(s->vals[i]) : kv_dyn_null());
  return arr;
}

static void kql_row_destroy(kql_row_state *s) {
  if (s->has)
    for (int i = 0; i < s->key_argc; i++) kv_release(s->vals[i]);
  free(s->vals);
  s->vals = NULL;
  s->has = false;
}

static bool kql_is_empty_value(kv_value v) {
  return kv_is_null(v) || (kv_scalar_type(v) == KV_STRING && v.len == 0);
}

/* take_any prefers a non-null, non-empty first argument. */
static void kql_take_any_add(kql_row_state *s, const kv_value *args) {
  if (s->has && !kql_is_empty_value(s->vals[0])) return;
  if (s->has && kql_is_empty_value(args[0])) return;
  kql_row_capture(s, args);
}

void kql_agg_take_any_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_row_init(st, types, argc, argc);
}
void kql_agg_take_any_add(void *st, const kv_value *args, int argc) { kql_take_any_add(st, args); }
kv_value kql_agg_take_any_result(void *st) { return kql_row_result(st); }
void kql_agg_take_any_destroy(void *st) { kql_row_destroy(st); }

void kql_agg_take_anyif_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_row_init(st, types, argc, 1);
}
void kql_agg_take_anyif_add(void *st, const kv_value *args, int argc) {
  if (argc >= 2 && kv_truth(args[1]) == 1) kql_take_any_add(st, args);
}
kv_value kql_agg_take_anyif_result(void *st) { return kql_row_result(st); }
void kql_agg_take_anyif_destroy(void *st) { kql_row_destroy(st); }

/* The first NaN row wins and sticks, for arg_max and arg_min alike
 * (fuzz agent-aggregation-0001.3). */
static void kql_arg_ext_add(kql_row_state *s, const kv_value *args, int sign) {
  /* A group whose keys are all null still yields its first row
   * (emulator:arg-max-aggregation-function-02: Banana, null, Yellow). */
  if (kv_is_null(args[0])) {
    if (!s->has) kql_row_capture(s, args);
    return;
  }
  if (s->has && kv_is_null(s->vals[0])) {
    kql_row_capture(s, args);
    return;
  }
  if (s->has && kql_is_nan(s->vals[0])) return;
  if (s->has && !kql_is_nan(args[0]) && kv_order(args[0], s->vals[0], true) * sign <= 0) return;
  kql_row_capture(s, args);
}

/* arg_max/arg_min always use the array convention, even with one argument. */
static kv_value kql_arg_ext_result(kql_row_state *s) {
  kv_value arr = kv_dyn_array();
  for (int i = 0; i < s->key_argc; i++) kv_array_push(arr, s->has ? kv_retain(s->vals[i]) : kv_dyn_null());
  return arr;
}

void kql_agg_arg_max_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_row_init(st, types, argc, argc);
}
void kql_agg_arg_max_add(void *st, const kv_value *args, int argc) { kql_arg_ext_add(st, args, 1); }
kv_value kql_agg_arg_max_result(void *st) { return kql_arg_ext_result(st); }
void kql_agg_arg_max_destroy(void *st) { kql_row_destroy(st); }

void kql_agg_arg_min_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_row_init(st, types, argc, argc);
}
void kql_agg_arg_min_add(void *st, const kv_value *args, int argc) { kql_arg_ext_add(st, args, -1); }
kv_value kql_agg_arg_min_result(void *st) { return kql_arg_ext_result(st); }
void kql_agg_arg_min_destroy(void *st) { kql_row_destroy(st); }

/* ---- binary_all_and / or / xor ---- */

typedef struct {
  bool has;
  int64_t acc;
} kql_bits_state;
KQL_AGG_SIZE(binary_all_and, kql_bits_state);
KQL_AGG_SIZE(binary_all_or, kql_bits_state);
KQL_AGG_SIZE(binary_all_xor, kql_bits_state);

static void kql_bits_add(kql_bits_state *s, kv_value v, int op) {
  int64_t x;
  if (!kv_num_long(v, &x)) return;
  if (!s->has) {
    s->acc = x;
    s->has = true;
    return;
  }
  if (op == 0) s->acc &= x;
  else if (op == 1) s->acc |= x;
  else s->acc ^= x;
}

static kv_value kql_bits_result(kql_bits_state *s) { return s->has ? kv_long(s->acc) : kv_null(KV_LONG); }

void kql_agg_binary_all_and_init(void *st, const kv_type *types, const kv_value *consts, int argc) {}
void kql_agg_binary_all_and_add(void *st, const kv_value *args, int argc) { kql_bits_add(st, args[0], 0); }
kv_value kql_agg_binary_all_and_result(void *st) { return kql_bits_result(st); }
KQL_NO_DESTROY(binary_all_and)
void kql_agg_binary_all_or_init(void *st, const kv_type *types, const kv_value *consts, int argc) {}
void kql_agg_binary_all_or_add(void *st, const kv_value *args, int argc) { kql_bits_add(st, args[0], 1); }
kv_value kql_agg_binary_all_or_result(void *st) { return kql_bits_result(st); }
KQL_NO_DESTROY(binary_all_or)
void kql_agg_binary_all_xor_init(void *st, const kv_type *types, const kv_value *consts, int argc) {}
void kql_agg_binary_all_xor_add(void *st, const kv_value *args, int argc) { kql_bits_add(st, args[0], 2); }
kv_value kql_agg_binary_all_xor_result(void *st) { return kql_bits_result(st); }
KQL_NO_DESTROY(binary_all_xor)
