/* SPDX-License-Identifier: MIT
 * Statistical aggregates: stdev/variance (sample and population, with -if),
 * covariance, and percentile(s)/percentilew(s) by nearest rank over the
 * exact sample (Kusto answers small inputs exactly: percentile(v, 50) of
 * [10, 20] is 10, agent-aggregation-0036.2; weighted ranks match
 * emulator:percentilesw-aggregation-function-01). Percentile state keeps
 * up to 65,536 values per group exactly, then a uniform reservoir sample of
 * that size (approximate, bounded memory for live streams).
 * Owner: kqllib. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/agg_lib.h"

#define KQL_AGG_SIZE(n, type) const size_t kql_agg_##n##_size = sizeof(type)
#define KQL_NO_DESTROY(n) \
  void kql_agg_##n##_destroy(void *st) { (void)st; }

/* ---- variance family (Welford) ---- */

typedef struct {
  int64_t n;
  double mean;
  double m2;
} kql_var_state;
KQL_AGG_SIZE(stdev, kql_var_state);
KQL_AGG_SIZE(stdevp, kql_var_state);
KQL_AGG_SIZE(variance, kql_var_state);
KQL_AGG_SIZE(variancep, kql_var_state);
KQL_AGG_SIZE(stdevif, kql_var_state);
KQL_AGG_SIZE(stdevpif, kql_var_state);
KQL_AGG_SIZE(varianceif, kql_var_state);
KQL_AGG_SIZE(variancepif, kql_var_state);

static void kql_var_add(kql_var_state *s, kv_value v) {
  double x;
  if (!kv_num_real(v, &x)) return;
  s->n++;
  double d = x - s->mean;
  s->mean += d / (double)s->n;
  s->m2 += d * (x - s->mean);
}

/* Kusto rounds variances (and covariances) to 10 decimal places, and stdev
 * is the square root of that rounded value: variance(1..10) ==
 * 9.1666666667 and stdev(1..10) == sqrt(9.1666666667) == 3.027650354102996
 * (fuzz agent-aggregation-0009; emulator welch-test-function-00 shows the
 * same 10-digit values). */
static double kql_round10(double v) {
  if (!isfinite(v) || fabs(v) >= 1e5) return v;
  return round(v * 1e10) / 1e10;
}

/* Empty input gives 0 (emulator:summarize-operator-04), one value gives 0. */
static double kql_var_value(const kql_var_state *s, bool population) {
  if (s->n < 2) return 0.0;
  return kql_round10(s->m2 / (double)(population ? s->n : s->n - 1));
}

#define KQL_VAR_AGG(name, pop, root, pred)                                                               \
  void kql_agg_##name##_init(void *st, const kv_type *types, const kv_value *consts, int argc) {}        \
  void kql_agg_##name##_add(void *st, const kv_value *args, int argc) {                                 \
    if (pred && (argc < 2 || kv_truth(args[1]) != 1)) return;                                           \
    kql_var_add(st, args[0]);                                                                           \
  }                                                                                                     \
  kv_value kql_agg_##name##_result(void *st) {                                                          \
    double v = kql_var_value(st, pop);                                                                  \
    return kv_real(root ? sqrt(v) : v);                                                                 \
  }                                                                                                     \
  KQL_NO_DESTROY(name)

KQL_VAR_AGG(stdev, false, true, false)
KQL_VAR_AGG(stdevp, true, true, false)
KQL_VAR_AGG(variance, false, false, false)
KQL_VAR_AGG(variancep, true, false, false)
KQL_VAR_AGG(stdevif, false, true, true)
KQL_VAR_AGG(stdevpif, true, true, true)
KQL_VAR_AGG(varianceif, false, false, true)
KQL_VAR_AGG(variancepif, true, false, true)

/* ---- covariance ---- */

typedef struct {
  int64_t n;
  double mx, my, c;
} kql_cov_state;
KQL_AGG_SIZE(covariance, kql_cov_state);
KQL_AGG_SIZE(covariancep, kql_cov_state);
KQL_AGG_SIZE(covarianceif, kql_cov_state);
KQL_AGG_SIZE(covariancepif, kql_cov_state);

static void kql_cov_add(kql_cov_state *s, kv_value a, kv_value b) {
  double x, y;
  if (!kv_num_real(a, &x) || !kv_num_real(b, &y)) return;
  s->n++;
  double dx = x - s->mx;
  s->mx += dx / (double)s->n;
  s->my += (y - s->my) / (double)s->n;
  s->c += dx * (y - s->my);
}

#define KQL_COV_AGG(name, pop, pred)                                                                   \
  void kql_agg_##name##_init(void *st, const kv_type *types, const kv_value *consts, int argc) {}      \
  void kql_agg_##name##_add(void *st, const kv_value *args, int argc) {                               \
    if (argc < 2 || (pred && (argc < 3 || kv_truth(args[2]) != 1))) return;                           \
    kql_cov_add(st, args[0], args[1]);                                                                \
  }                                                                                                   \
  kv_value kql_agg_##name##_result(void *st) {                                                        \
    kql_cov_state *s = st;                                                                            \
    if (s->n < 2) return kv_real(0.0);                                                                \
    return kv_real(kql_round10(s->c / (double)(pop ? s->n : s->n - 1)));                              \
  }                                                                                                   \
  KQL_NO_DESTROY(name)

KQL_COV_AGG(covariance, false, false)
KQL_COV_AGG(covariancep, true, false)
KQL_COV_AGG(covarianceif, false, true)
KQL_COV_AGG(covariancepif, true, true)

/* ---- percentiles ---- */

enum { KQL_PCT_MAX = 64 };
/* Values kept exactly per group (24 bytes each: 1.5 MB); beyond, a sample. */
#define KQL_PCT_KEEP ((size_t)65536)

typedef struct {
  double r;  /* real kinds */
  int64_t i; /* integral kinds and datetime/timespan */
  int64_t w; /* weight */
} kql_pct_item;

typedef struct {
  kv_type type;
  bool weighted;
  bool as_array;   /* result is one dynamic array (percentiles_array, percentiles) */
  bool single;     /* percentile(): one scalar */
  int first_p;     /* argument index of the first percentage */
  int np;
  bool have_p;
  double p[KQL_PCT_MAX];
  kql_pct_item *items;
  size_t count, cap;
  uint64_t seen; /* values offered (>= count once sampling) */
  uint64_t rng;  /* reservoir sampling state */
} kql_pct_state;
KQL_AGG_SIZE(percentile, kql_pct_state);
KQL_AGG_SIZE(percentiles, kql_pct_state);
KQL_AGG_SIZE(percentiles_array, kql_pct_state);
KQL_AGG_SIZE(percentilew, kql_pct_state);
KQL_AGG_SIZE(percentilesw, kql_pct_state);
KQL_AGG_SIZE(percentilesw_array, kql_pct_state);

static bool kql_pct_is_int(kv_type t) {
  return t == KV_INT || t == KV_LONG || t == KV_DATETIME || t == KV_TIMESPAN;
}

/* Reads the percentages from args first_p.. (numbers or one dynamic array). */
static void kql_pct_read_p(kql_pct_state *s, const kv_value *vals, int argc) {
  s->np = 0;
  for (int i = s->first_p; i < argc && s->np < KQL_PCT_MAX; i++) {
    kv_value v = vals[i];
    double p;
    if (kv_is_array(v)) {
      for (size_t k = 0; k < kv_array_count(v) && s->np < KQL_PCT_MAX; k++)
        if (kv_num_real(kv_array_get(v, k), &p)) s->p[s->np++] = p;
    } else if (kv_num_real(v, &p)) {
      s->p[s->np++] = p;
    }
  }
  s->have_p = s->np > 0;
}

static void kql_pct_init(void *st, const kv_type *types, const kv_value *consts, int argc, bool weighted,
                         bool as_array, bool single) {
  kql_pct_state *s = st;
  s->type = argc > 0 ? types[0] : KV_REAL;
  s->weighted = weighted;
  s->as_array = as_array;
  s->single = single;
  s->first_p = weighted ? 2 : 1;
  s->rng = UINT64_C(0x9E3779B97F4A7C15);
  if (consts) kql_pct_read_p(s, consts, argc);
}

static void kql_pct_add(kql_pct_state *s, const kv_value *args, int argc) {
  if (!s->have_p) kql_pct_read_p(s, args, argc);
  kv_value v = args[0];
  if (kv_is_null(v)) return;
  kql_pct_item it = {0, 0, 1};
  if (kql_pct_is_int(kv_scalar_type(v)) && kql_pct_is_int(s->type)) {
    it.i = v.u.i;
  } else if (!kv_num_real(v, &it.r) || isnan(it.r)) {
    return;
  }
  if (s->weighted) {
    int64_t w;
    if (argc < 2 || !kv_num_long(args[1], &w) || w <= 0) return;
    it.w = w;
  }
  s->seen++;
  if (s->count == KQL_PCT_KEEP) {
    /* Bounded memory on endless streams: past KQL_PCT_KEEP values keep a
     * uniform reservoir sample (Vitter's algorithm R, deterministic
     * xorshift), so results become approximate as Kusto's t-digest is. */
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    uint64_t j = s->rng % s->seen;
    if (j < KQL_PCT_KEEP) s->items[j] = it;
    return;
  }
  if (s->count == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    s->items = kv_realloc(s->items, s->cap * sizeof *s->items);
  }
  s->items[s->count++] = it;
}

static int kql_pct_cmp_i(const void *a, const void *b) {
  const kql_pct_item *x = a, *y = b;
  return (x->i > y->i) - (x->i < y->i);
}

static int kql_pct_cmp_r(const void *a, const void *b) {
  const kql_pct_item *x = a, *y = b;
  return (x->r > y->r) - (x->r < y->r);
}

static kv_value kql_pct_make(const kql_pct_state *s, const kql_pct_item *it) {
  switch (s->type) {
  case KV_INT: return kv_int((int32_t)it->i);
  case KV_LONG: return kv_long(it->i);
  case KV_DATETIME: return kv_datetime(it->i);
  case KV_TIMESPAN: return kv_timespan(it->i);
  case KV_DECIMAL: return kv_decimal(it->r);
  default: return kv_real(it->r);
  }
}

static kv_value kql_pct_null(const kql_pct_state *s) {
  return s->type == KV_DYNAMIC ? kv_dyn_null() : kv_null(s->type);
}

/* Nearest rank: the smallest value whose cumulative weight reaches
 * ceil(p/100 * total) (at least 1). */
static kv_value kql_pct_pick(const kql_pct_state *s, double p, int64_t total) {
  if (!s->count) return kql_pct_null(s);
  if (p < 0) p = 0;
  if (p > 100) p = 100;
  double want = ceil(p / 100.0 * (double)total - 1e-9);
  if (want < 1) want = 1;
  int64_t acc = 0;
  for (size_t i = 0; i < s->count; i++) {
    acc += s->items[i].w;
    if ((double)acc >= want) return kql_pct_make(s, &s->items[i]);
  }
  return kql_pct_make(s, &s->items[s->count - 1]);
}

static kv_value kql_pct_result(kql_pct_state *s) {
  bool ints = kql_pct_is_int(s->type);
  if (s->count) qsort(s->items, s->count, sizeof *s->items, ints ? kql_pct_cmp_i : kql_pct_cmp_r);
  int64_t total = 0;
  for (size_t i = 0; i < s->count; i++) total += s->items[i].w;
  if (s->single) return s->np ? kql_pct_pick(s, s->p[0], total) : kql_pct_null(s);
  kv_value arr = kv_dyn_array();
  for (int k = 0; k < s->np; k++) kv_array_push(arr, kql_pct_pick(s, s->p[k], total));
  return arr;
}

static void kql_pct_destroy(kql_pct_state *s) {
  free(s->items);
  s->items = NULL;
  s->count = s->cap = 0;
}

#define KQL_PCT_AGG(name, weighted, as_array, single)                                             \
  void kql_agg_##name##_init(void *st, const kv_type *types, const kv_value *consts, int argc) { \
    kql_pct_init(st, types, consts, argc, weighted, as_array, single);                           \
  }                                                                                              \
  void kql_agg_##name##_add(void *st, const kv_value *args, int argc) { kql_pct_add(st, args, argc); } \
  kv_value kql_agg_##name##_result(void *st) { return kql_pct_result(st); }                      \
  void kql_agg_##name##_destroy(void *st) { kql_pct_destroy(st); }

KQL_PCT_AGG(percentile, false, false, true)
KQL_PCT_AGG(percentiles, false, false, false)
KQL_PCT_AGG(percentiles_array, false, true, false)
KQL_PCT_AGG(percentilew, true, false, true)
KQL_PCT_AGG(percentilesw, true, false, false)
KQL_PCT_AGG(percentilesw_array, true, true, false)
