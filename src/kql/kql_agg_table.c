/* SPDX-License-Identifier: MIT
 * The one table of KQL aggregates: name, arity, state size, callbacks and
 * result type. The summarize operator finds aggregates only through
 * kql_agg_lookup. Bodies live in agg_*.c (agg_lib.h). Owner: kqllib. */
#include "kql/kql_fn.h"

#include <string.h>

#include "kql/agg_lib.h"

/* sum(int) is long (type-casts-coercion-0054), sum(real) real,
 * sum(timespan) timespan. */
static kv_type kql_art_sum(const kv_type *t, int argc) {
  if (argc < 1) return KV_TYPE_COUNT;
  switch (t[0]) {
  case KV_INT:
  case KV_LONG: return KV_LONG;
  case KV_REAL:
  case KV_DYNAMIC: return KV_REAL;
  case KV_DECIMAL: return KV_DECIMAL;
  case KV_TIMESPAN: return KV_TIMESPAN;
  default: return KV_TYPE_COUNT;
  }
}

/* avg is real for numbers (type-casts-coercion-0054). */
static kv_type kql_art_avg(const kv_type *t, int argc) {
  if (argc < 1) return KV_TYPE_COUNT;
  switch (t[0]) {
  case KV_INT:
  case KV_LONG:
  case KV_REAL:
  case KV_DYNAMIC: return KV_REAL;
  case KV_DECIMAL: return KV_DECIMAL;
  case KV_TIMESPAN: return KV_TIMESPAN;
  case KV_DATETIME: return KV_DATETIME;
  default: return KV_TYPE_COUNT;
  }
}

static kv_type kql_art_long(const kv_type *t, int argc) { return KV_LONG; }
static kv_type kql_art_real(const kv_type *t, int argc) { return KV_REAL; }
static kv_type kql_art_dynamic(const kv_type *t, int argc) { return KV_DYNAMIC; }
static kv_type kql_art_arg0(const kv_type *t, int argc) { return argc > 0 ? t[0] : KV_TYPE_COUNT; }
/* take_any(a, b, ...) uses the kql_fn.h array convention. */
static kv_type kql_art_row(const kv_type *t, int argc) {
  if (argc < 1) return KV_TYPE_COUNT;
  return argc == 1 ? t[0] : KV_DYNAMIC;
}

#define A(nm, lo, hi, rt)                                                                              \
  {                                                                                                    \
    #nm, lo, hi, 0, kql_agg_##nm##_init, kql_agg_##nm##_add, kql_agg_##nm##_result,                     \
        kql_agg_##nm##_destroy, kql_art_##rt                                                           \
  }
#define ALIAS(nm, impl, lo, hi, rt)                                                                    \
  {                                                                                                    \
    #nm, lo, hi, 0, kql_agg_##impl##_init, kql_agg_##impl##_add, kql_agg_##impl##_result,               \
        kql_agg_##impl##_destroy, kql_art_##rt                                                         \
  }

/* state_size is filled from kql_agg_<n>_size at first lookup (sizes are
 * extern constants in other files, not constant expressions here). */
static kql_agg_def kql_agg_table[] = {
    A(count, 0, 1, long),
    A(countif, 1, 1, long),
    A(sum, 1, 1, sum),
    A(sumif, 2, 2, sum),
    A(avg, 1, 1, avg),
    A(avgif, 2, 2, avg),
    A(min, 1, 1, arg0),
    A(max, 1, 1, arg0),
    A(minif, 2, 2, arg0),
    A(maxif, 2, 2, arg0),
    A(take_any, 1, -1, row),
    ALIAS(any, take_any, 1, -1, row),
    A(take_anyif, 2, 2, arg0),
    ALIAS(anyif, take_anyif, 2, 2, arg0),
    A(arg_max, 1, -1, dynamic),
    A(arg_min, 1, -1, dynamic),
    A(dcount, 1, 2, long),
    A(dcountif, 2, 3, long),
    A(count_distinct, 1, 1, long),
    A(count_distinctif, 2, 2, long),
    A(make_list, 1, 2, dynamic),
    ALIAS(makelist, make_list, 1, 2, dynamic),
    A(make_list_if, 2, 3, dynamic),
    A(make_list_with_nulls, 1, 2, dynamic),
    A(make_set, 1, 2, dynamic),
    ALIAS(makeset, make_set, 1, 2, dynamic),
    A(make_set_if, 2, 3, dynamic),
    A(make_bag, 1, 2, dynamic),
    A(make_bag_if, 2, 3, dynamic),
    A(stdev, 1, 1, real),
    A(stdevp, 1, 1, real),
    A(stdevif, 2, 2, real),
    A(stdevpif, 2, 2, real),
    A(variance, 1, 1, real),
    A(variancep, 1, 1, real),
    A(varianceif, 2, 2, real),
    A(variancepif, 2, 2, real),
    A(covariance, 2, 2, real),
    A(covariancep, 2, 2, real),
    A(covarianceif, 3, 3, real),
    A(covariancepif, 3, 3, real),
    A(percentile, 2, 2, arg0),
    A(percentiles, 2, -1, dynamic),
    A(percentiles_array, 2, -1, dynamic),
    A(percentilew, 3, 3, arg0),
    A(percentilesw, 3, -1, dynamic),
    A(percentilesw_array, 3, -1, dynamic),
    A(binary_all_and, 1, 1, long),
    A(binary_all_or, 1, 1, long),
    A(binary_all_xor, 1, 1, long),
    /* sketches (agg_sketch.c, agg_buildschema.c; rows owned by plugins) */
    A(hll, 1, 2, dynamic),
    A(hll_if, 2, 3, dynamic),
    A(hll_merge, 1, 2, dynamic),
    A(tdigest, 1, 2, dynamic),
    A(tdigest_merge, 1, 1, dynamic),
    ALIAS(merge_tdigest, tdigest_merge, 1, 1, dynamic),
    A(buildschema, 1, 1, dynamic),
};

#define KQL_AGG_COUNT (sizeof kql_agg_table / sizeof kql_agg_table[0])

static size_t kql_agg_size_of(const char *name) {
#define S(nm) \
  if (strcmp(name, #nm) == 0) return kql_agg_##nm##_size;
  S(count) S(countif) S(sum) S(sumif) S(avg) S(avgif) S(min) S(max) S(minif) S(maxif) S(take_any)
  S(take_anyif) S(arg_max) S(arg_min) S(dcount) S(dcountif) S(count_distinct) S(count_distinctif)
  S(make_list) S(make_list_if) S(make_list_with_nulls) S(make_set) S(make_set_if) S(make_bag)
  S(make_bag_if) S(stdev) S(stdevp) S(stdevif) S(stdevpif) S(variance) S(variancep) S(varianceif)
  S(variancepif) S(covariance) S(covariancep) S(covarianceif) S(covariancepif) S(percentile)
  S(percentiles) S(percentiles_array) S(percentilew) S(percentilesw) S(percentilesw_array)
  S(binary_all_and) S(binary_all_or) S(binary_all_xor)
  S(hll) S(hll_if) S(hll_merge) S(tdigest) S(tdigest_merge) S(buildschema) /* sketches */
#undef S
  if (strcmp(name, "any") == 0) return kql_agg_take_any_size;
  if (strcmp(name, "anyif") == 0) return kql_agg_take_anyif_size;
  if (strcmp(name, "makelist") == 0) return kql_agg_make_list_size;
  if (strcmp(name, "makeset") == 0) return kql_agg_make_set_size;
  if (strcmp(name, "merge_tdigest") == 0) return kql_agg_tdigest_merge_size;
  return 0;
}

const kql_agg_def *kql_agg_lookup(const char *name, size_t len) {
  for (size_t i = 0; i < KQL_AGG_COUNT; i++) {
    kql_agg_def *d = &kql_agg_table[i];
    if (strlen(d->name) == len && memcmp(d->name, name, len) == 0) {
      /* Benign if two queries compile concurrently: both write the same value. */
      if (!d->state_size) d->state_size = kql_agg_size_of(d->name);
      return d;
    }
  }
  return NULL;
}

size_t kql_agg_count(void) { return KQL_AGG_COUNT; }

const kql_agg_def *kql_agg_at(size_t idx) {
  if (idx >= KQL_AGG_COUNT) return NULL;
  return kql_agg_lookup(kql_agg_table[idx].name, strlen(kql_agg_table[idx].name));
}
