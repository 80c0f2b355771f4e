/* SPDX-License-Identifier: MIT
 * make-series, second half: a blocking operator that receives one row per
 * (group, bin) from a summarize, keeps them to end of input, then lays each
 * group's aggregates out on the axis [from, to) with `step`, filling bins
 * without rows with the aggregate's default. Output: group keys, one dynamic
 * array per aggregate, the axis array. Owner: series. */
#include "kql/kql_make_series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Kusto's documented limit on the points of one series. */
#define KQL_MS_MAX_POINTS ((int64_t)1 << 20)
/* Our own bound on the values one make-series emits (groups x points x
 * aggregates), so a query cannot make the engine spin for hours. */
#define KQL_MS_MAX_CELLS ((double)(1 << 24))

typedef struct {
  kql_op base;
  int nby, naggs, width;
  kv_value *defaults;
  kv_type *by_types;
  kql_ms_axis ax;
  bool nonempty;
  kv_value *rows; /* nrows * width owned values */
  size_t nrows, cap;
} kql_op_ms;

static int kql_ms_push(kql_op *op, const kql_xrow *row) {
  kql_op_ms *s = (kql_op_ms *)op;
  kv_value bin = kql_xrow_get(row, s->nby);
  if (kv_is_null(bin)) return 0; /* rows without an axis value belong to no bin */
  if (s->nrows == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 64;
    if (nc > SIZE_MAX / ((size_t)s->width * sizeof(kv_value))) return kql_exec_fail(op->ex, 0, "make-series: too many rows");
    s->rows = kv_realloc(s->rows, nc * (size_t)s->width * sizeof(kv_value));
    s->cap = nc;
  }
  kv_value *r = s->rows + s->nrows * (size_t)s->width;
  for (int c = 0; c < s->width; c++) r[c] = kv_retain(kql_xrow_get(row, c));
  s->nrows++;
  return 0;
}

static kv_value kql_ms_dyn(kv_value v) { return v.type == KV_DYNAMIC ? kv_retain(v) : kv_to_dynamic(v); }

/* Axis position of a bin value, in integral or real arithmetic. */
static bool kql_ms_bin_i(kv_value v, int64_t *out) {
  kv_value u = kv_from_dynamic(v);
  bool ok = !kv_is_null(u) && kv_num_long(u, out);
  kv_release(u);
  return ok;
}
static bool kql_ms_bin_r(kv_value v, double *out) {
  kv_value u = kv_from_dynamic(v);
  bool ok = !kv_is_null(u) && kv_num_real(u, out) && isfinite(*out);
  kv_release(u);
  return ok;
}

static kv_value kql_ms_axis_value(const kql_ms_axis *ax, int64_t i_start, double r_start, int64_t k) {
  if (ax->is_real) {
    double x = r_start + (double)k * ax->r_step;
    if (ax->type == KV_REAL || ax->type == KV_DECIMAL) return kv_real(x);
    return kv_convert(kv_real(x), ax->type);
  }
  int64_t x = (int64_t)((uint64_t)i_start + (uint64_t)k * (uint64_t)ax->i_step);
  switch (ax->type) {
    case KV_DATETIME: return kv_datetime(x);
    case KV_TIMESPAN: return kv_timespan(x);
    case KV_INT: return kv_int((int32_t)x);
    case KV_REAL:
    case KV_DECIMAL: return kv_real((double)x);
    default: return kv_long(x);
  }
}

/* Works out the first axis value and the number of points; false = no series. */
static int kql_ms_range(kql_op_ms *s, int64_t *i_start, double *r_start, int64_t *count) {
  const kql_ms_axis *ax = &s->ax;
  *count = 0;
  if (ax->is_real) {
    double lo = ax->r_from, hi = 0;
    bool any = false;
    for (size_t r = 0; r < s->nrows; r++) {
      double v;
      if (!kql_ms_bin_r(s->rows[r * (size_t)s->width + (size_t)s->nby], &v)) continue;
      if (!ax->has_from && (!any || v < lo)) lo = v;
      if (!any || v > hi) hi = v;
      any = true;
    }
    *r_start = lo;
    double n;
    if (ax->has_to) {
      n = (ax->r_to - lo) / ax->r_step;
      double rn = floor(n + 0.5);
      n = fabs(n - rn) < 1e-9 ? rn : ceil(n);
    } else {
      if (!any || hi < lo) return 0;
      n = floor((hi - lo) / ax->r_step + 1e-9) + 1;
    }
    if (!(n > 0)) return 0;
    if (n > (double)KQL_MS_MAX_POINTS) goto too_many;
    *count = (int64_t)n;
    return 0;
  }
  int64_t lo = ax->i_from, hi = 0;
  bool any = false;
  for (size_t r = 0; r < s->nrows; r++) {
    int64_t v;
    if (!kql_ms_bin_i(s->rows[r * (size_t)s->width + (size_t)s->nby], &v)) continue;
    if (!ax->has_from && (!any || v < lo)) lo = v;
    if (!any || v > hi) hi = v;
    any = true;
  }
  *i_start = lo;
  uint64_t n;
  if (ax->has_to) {
    if (ax->i_to <= lo) return 0;
    uint64_t d = (uint64_t)ax->i_to - (uint64_t)lo;
    n = (d - 1) / (uint64_t)ax->i_step + 1;
  } else {
    if (!any || hi < lo) return 0;
    n = ((uint64_t)hi - (uint64_t)lo) / (uint64_t)ax->i_step + 1;
  }
  if (n > (uint64_t)KQL_MS_MAX_POINTS) goto too_many;
  /* the last axis value must stay representable */
  if ((double)lo + (double)n * (double)ax->i_step > 9.2e18) goto too_many;
  *count = (int64_t)n;
  return 0;
too_many:
  return kql_exec_fail(s->base.ex, 0, "make-series: a series may not have more than %lld points",
                       (long long)KQL_MS_MAX_POINTS);
}

/* Index of a row's bin on the axis, or -1 when outside [0, count). */
static int64_t kql_ms_index(const kql_op_ms *s, kv_value bin, int64_t i_start, double r_start, int64_t count) {
  const kql_ms_axis *ax = &s->ax;
  int64_t k;
  if (ax->is_real) {
    double v;
    if (!kql_ms_bin_r(bin, &v)) return -1;
    double f = floor((v - r_start) / ax->r_step + 1e-9);
    if (!(f >= 0) || f >= (double)count) return -1;
    k = (int64_t)f;
  } else {
    int64_t v;
    if (!kql_ms_bin_i(bin, &v) || v < i_start) return -1;
    uint64_t q = ((uint64_t)v - (uint64_t)i_start) / (uint64_t)ax->i_step;
    if (q >= (uint64_t)count) return -1;
    k = (int64_t)q;
  }
  return k;
}

static bool kql_ms_same_group(const kql_op_ms *s, size_t a, size_t b) {
  const kv_value *ra = s->rows + a * (size_t)s->width, *rb = s->rows + b * (size_t)s->width;
  for (int c = 0; c < s->nby; c++)
    if (!kv_same(ra[c], rb[c])) return false;
  return true;
}

/* Emits one output row; `members` lists the group's input rows (NULL with
 * n = 0 for the kind=nonempty row of defaults, keys = NULL gives null keys). */
static int kql_ms_emit(kql_op_ms *s, const kv_value *keys, const size_t *members, size_t n,
                       kv_value axis_arr, int64_t i_start, double r_start, int64_t count,
                       int64_t *slot) {
  int ncols = s->nby + s->naggs + 1;
  kv_value *out = kv_calloc((size_t)ncols, sizeof(kv_value));
  for (int64_t k = 0; k < count; k++) slot[k] = -1;
  bool any = false;
  for (size_t m = 0; m < n; m++) {
    size_t r = members[m];
    int64_t k = kql_ms_index(s, s->rows[r * (size_t)s->width + (size_t)s->nby], i_start, r_start, count);
    if (k >= 0) {
      slot[k] = (int64_t)r;
      any = true;
    }
  }
  if (n && !any) { /* a group whose rows all fall outside the axis range has no series */
    free(out);
    return 0;
  }
  for (int c = 0; c < s->nby; c++) out[c] = keys ? kv_retain(keys[c]) : kv_null(s->by_types[c]);
  for (int a = 0; a < s->naggs; a++) {
    kv_value arr = kv_dyn_array();
    for (int64_t k = 0; k < count; k++) {
      kv_value v = slot[k] >= 0 ? s->rows[(size_t)slot[k] * (size_t)s->width + (size_t)(s->nby + 1 + a)]
                                : s->defaults[a];
      kv_array_push(arr, kql_ms_dyn(v));
    }
    out[s->nby + a] = arr;
  }
  out[ncols - 1] = kv_retain(axis_arr);
  int rc = kql_op_push_vals(s->base.next, out, ncols);
  for (int c = 0; c < ncols; c++) kv_release(out[c]);
  free(out);
  return rc;
}

static int kql_ms_finish(kql_op *op) {
  kql_op_ms *s = (kql_op_ms *)op;
  int64_t i_start = 0, count = 0;
  double r_start = 0;
  size_t *order = NULL, *gstart = NULL;
  int64_t *slot = NULL;
  kv_value axis_arr = kv_dyn_null();
  int rc = 0;
  if (s->nrows == 0 && !(s->nonempty && s->ax.has_from && s->ax.has_to)) goto done;
  if (kql_ms_range(s, &i_start, &r_start, &count)) return -1;
  if (count <= 0) goto done;
  axis_arr = kv_dyn_array();
  for (int64_t k = 0; k < count; k++)
    kv_array_push(axis_arr, kql_ms_dyn(kql_ms_axis_value(&s->ax, i_start, r_start, k)));
  slot = kv_malloc(sizeof(int64_t) * (size_t)count);
  if (s->nrows == 0) {
    rc = kql_ms_emit(s, NULL, NULL, 0, axis_arr, i_start, r_start, count, slot);
    goto done;
  }
  /* group rows by their keys, groups in order of first appearance */
  order = kv_malloc(sizeof(size_t) * s->nrows);
  gstart = kv_malloc(sizeof(size_t) * (s->nrows + 1));
  size_t nb = 64;
  while (nb < s->nrows * 2) nb *= 2;
  size_t *head = kv_malloc(sizeof(size_t) * nb); /* first row of the group + 1, 0 = empty */
  size_t *gid = kv_malloc(sizeof(size_t) * s->nrows);
  size_t *gcount = kv_calloc(s->nrows, sizeof(size_t));
  size_t *gfirst = kv_malloc(sizeof(size_t) * s->nrows);
  size_t ngroups = 0;
  memset(head, 0, sizeof(size_t) * nb);
  for (size_t r = 0; r < s->nrows; r++) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int c = 0; c < s->nby; c++) h = (h ^ kv_hash(s->rows[r * (size_t)s->width + (size_t)c])) * 0x100000001b3ULL;
    size_t i = (size_t)h & (nb - 1);
    for (;;) {
      if (!head[i]) {
        head[i] = r + 1;
        gid[r] = ngroups;
        gfirst[ngroups++] = r;
        break;
      }
      if (kql_ms_same_group(s, head[i] - 1, r)) {
        gid[r] = gid[head[i] - 1];
        break;
      }
      i = (i + 1) & (nb - 1);
    }
    gcount[gid[r]]++;
  }
  if ((double)ngroups * (double)count * (double)(s->naggs + 1) > KQL_MS_MAX_CELLS) {
    free(head);
    free(gid);
    free(gcount);
    free(gfirst);
    kql_exec_fail(op->ex, 0, "make-series: the result would have more than %.0f values", KQL_MS_MAX_CELLS);
    rc = -1;
    goto done;
  }
  gstart[0] = 0;
  for (size_t g = 0; g < ngroups; g++) gstart[g + 1] = gstart[g] + gcount[g];
  for (size_t g = 0; g < ngroups; g++) gcount[g] = gstart[g];
  for (size_t r = 0; r < s->nrows; r++) order[gcount[gid[r]]++] = r;
  for (size_t g = 0; g < ngroups && !rc; g++)
    rc = kql_ms_emit(s, s->rows + gfirst[g] * (size_t)s->width, order + gstart[g], gstart[g + 1] - gstart[g],
                     axis_arr, i_start, r_start, count, slot);
  free(head);
  free(gid);
  free(gcount);
  free(gfirst);
done:
  free(order);
  free(gstart);
  free(slot);
  kv_release(axis_arr);
  if (rc || op->ex->failed) return -1;
  return op->next ? kql_op_finish(op->next) : 0;
}

static void kql_ms_destroy(kql_op *op) {
  kql_op_ms *s = (kql_op_ms *)op;
  for (size_t i = 0; i < s->nrows * (size_t)s->width; i++) kv_release(s->rows[i]);
  free(s->rows);
  for (int a = 0; a < s->naggs; a++) kv_release(s->defaults[a]);
  free(s->defaults);
  free(s->by_types);
}

static const kql_op_vt kql_ms_vt = {"make-series", kql_ms_push, kql_ms_finish, NULL, kql_ms_destroy};

kql_op *kql_op_make_series_new(kql_exec *ex, int nby, int naggs, kv_value *defaults,
                               const kql_ms_axis *axis, bool nonempty, const kv_type *by_types) {
  kql_op_ms *s = kv_calloc(1, sizeof *s);
  s->base.vt = &kql_ms_vt;
  s->base.ex = ex;
  s->base.ncols = nby + naggs + 1;
  s->nby = nby;
  s->naggs = naggs;
  s->width = nby + 1 + naggs;
  s->defaults = defaults;
  s->by_types = kv_malloc(sizeof(kv_type) * (size_t)(nby ? nby : 1));
  for (int i = 0; i < nby; i++) s->by_types[i] = by_types[i];
  s->ax = *axis;
  s->nonempty = nonempty;
  return &s->base;
}
