/* SPDX-License-Identifier: MIT
 * Missing-value filling on series: series_fill_const, series_fill_forward,
 * series_fill_backward, series_fill_linear. "Missing" means null, or equal
 * to a non-null missing_value_placeholder argument (then a null element is
 * "not supported yet": the corpus does not say how Kusto treats it).
 * Owner: series. */
#include <math.h>
#include <stdlib.h>

#include "kql/fn_series_more.h"

/* Per-element missing flags; false when the input is not supported. */
static bool kql_fill_missing(kv_value arr, const kv_value *placeholder, bool *miss, size_t n) {
  double ph = 0;
  bool have_ph = placeholder && !kv_is_null(*placeholder);
  if (have_ph && !kv_num_real(*placeholder, &ph)) return false;
  for (size_t i = 0; i < n; i++) {
    kv_value e = kv_array_get(arr, i);
    if (!have_ph) {
      miss[i] = kv_is_null(e);
    } else {
      double x;
      if (kv_is_null(e)) return false;
      miss[i] = kv_num_real(e, &x) && x == ph;
    }
  }
  return true;
}

static kv_value kql_fill_unsupported(kql_fn_ctx *ctx, const char *name) {
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: %s() on this input", name);
}

/* Allocates the flags (at least one byte so an empty array is fine). */
static bool *kql_fill_flags(kv_value arr, const kv_value *placeholder, size_t *n) {
  if (!kv_is_array(arr)) return NULL;
  *n = kv_array_count(arr);
  bool *miss = calloc(*n ? *n : 1, sizeof *miss);
  if (miss && !kql_fill_missing(arr, placeholder, miss, *n)) {
    free(miss);
    miss = NULL;
  }
  return miss;
}

/* series_fill_const(series, constant [, placeholder]): the constant goes in
 * as given (emulator:series-fill-const-function-00 keeps 0.0 and -1). */
KQL_FN(series_fill_const) {
  size_t n;
  bool *miss = kql_fill_flags(args[0], argc > 2 ? &args[2] : NULL, &n);
  if (!miss) return kql_fill_unsupported(ctx, "series_fill_const");
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < n; i++) kv_array_push(out, kv_retain(miss[i] ? args[1] : kv_array_get(args[0], i)));
  free(miss);
  return out;
}

/* Forward (dir = +1) or backward (dir = -1) carry of the last seen value;
 * missing values before the first seen one stay as they are
 * (emulator:series-fill-forward-function-00, -backward-function-00). */
static kv_value kql_fill_carry(kql_fn_ctx *ctx, const kv_value *args, int argc, int dir, const char *name) {
  size_t n;
  bool *miss = kql_fill_flags(args[0], argc > 1 ? &args[1] : NULL, &n);
  if (!miss) return kql_fill_unsupported(ctx, name);
  kv_value *vals = calloc(n ? n : 1, sizeof *vals);
  if (!vals) {
    free(miss);
    return kql_fill_unsupported(ctx, name);
  }
  bool have = false;
  kv_value last = kv_dyn_null();
  for (size_t k = 0; k < n; k++) {
    size_t i = dir > 0 ? k : n - 1 - k;
    kv_value e = kv_array_get(args[0], i);
    if (!miss[i]) {
      last = e;
      have = true;
    }
    vals[i] = miss[i] && have ? last : e;
  }
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < n; i++) kv_array_push(out, kv_retain(vals[i]));
  free(vals);
  free(miss);
  return out;
}

KQL_FN(series_fill_forward) { return kql_fill_carry(ctx, args, argc, 1, "series_fill_forward"); }
KQL_FN(series_fill_backward) { return kql_fill_carry(ctx, args, argc, -1, "series_fill_backward"); }

/* series_fill_linear(series [, placeholder [, fill_edges=true [, constant=0.0]]]):
 * interior gaps are interpolated; an all-integer series gives integers
 * truncated toward zero (73.5 -> 73 in emulator:series-fill-linear-function-00);
 * an all-missing series becomes the constant (0.0 by default). */
KQL_FN(series_fill_linear) {
  size_t n;
  bool *miss = kql_fill_flags(args[0], argc > 1 ? &args[1] : NULL, &n);
  if (!miss) return kql_fill_unsupported(ctx, "series_fill_linear");
  bool edges = true;
  if (argc > 2) {
    int t = kv_truth(args[2]);
    if (t < 0) {
      free(miss);
      return kql_fill_unsupported(ctx, "series_fill_linear");
    }
    edges = t == 1;
  }
  kv_value constant = argc > 3 ? args[3] : kv_real(0.0);
  bool all_int = true, any = false;
  double *y = calloc(n ? n : 1, sizeof *y);
  if (!y) {
    free(miss);
    return kql_fill_unsupported(ctx, "series_fill_linear");
  }
  for (size_t i = 0; i < n; i++) {
    if (miss[i]) continue;
    kv_value e = kv_array_get(args[0], i);
    kv_type t = kv_scalar_type(e);
    if (!(t == KV_INT || t == KV_LONG || t == KV_REAL || t == KV_DECIMAL) || !kv_num_real(e, &y[i])) {
      free(y);
      free(miss);
      return kql_fill_unsupported(ctx, "series_fill_linear");
    }
    if (t != KV_INT && t != KV_LONG) all_int = false;
    any = true;
  }
  kv_value out = kv_dyn_array();
  size_t prev = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    kv_value e = kv_array_get(args[0], i);
    if (!miss[i]) {
      prev = i;
      kv_array_push(out, kv_retain(e));
      continue;
    }
    if (!any) {
      kv_array_push(out, kv_retain(constant));
      continue;
    }
    size_t next = i + 1;
    while (next < n && miss[next]) next++;
    double v;
    if (prev != (size_t)-1 && next < n) {
      v = y[prev] + (y[next] - y[prev]) * (double)(i - prev) / (double)(next - prev);
    } else if (!edges) {
      kv_array_push(out, kv_retain(e));
      continue;
    } else {
      v = prev != (size_t)-1 ? y[prev] : y[next];
    }
    kv_array_push(out, all_int ? kv_long((int64_t)trunc(v)) : kv_real(v));
  }
  free(y);
  free(miss);
  return out;
}
