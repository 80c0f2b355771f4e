/* SPDX-License-Identifier: MIT
 * Linear filters on series: series_fir (finite impulse response, optional
 * normalization and centering) and series_iir (recursive filter with
 * numerator and denominator coefficients). Outputs are reals; inputs with
 * null elements are "not supported yet". Owner: series. */
#include <math.h>
#include <stdlib.h>

#include "kql/fn_series_more.h"

static kv_value kql_filter_unsupported(kql_fn_ctx *ctx, const char *name) {
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: %s() on this input", name);
}

/* series_fir(x, filter [, normalize [, center=false]]): y[i] = sum_k f[k] *
 * x[i-k] with zeros before the start; normalize divides by sum(f) and
 * defaults to true unless f has a negative coefficient; center shifts by
 * (m-1)/2 (emulator:series-fir-function-00, -01). */
KQL_FN(series_fir) {
  double *x = NULL, *f = NULL;
  size_t n, m;
  kv_value out = kv_dyn_null();
  bool ok = kql_series_doubles(args[0], &x, &n) && kql_series_doubles(args[1], &f, &m) && m > 0;
  bool any_neg = false, normalize = false, center = false;
  double fsum = 0;
  for (size_t k = 0; ok && k < m; k++) {
    any_neg |= f[k] < 0;
    fsum += f[k];
  }
  normalize = !any_neg;
  if (ok && argc > 2 && !kv_is_null(args[2])) {
    int t = kv_truth(args[2]);
    ok = t >= 0;
    normalize = t == 1;
  }
  if (ok && argc > 3 && !kv_is_null(args[3])) {
    int t = kv_truth(args[3]);
    ok = t >= 0;
    center = t == 1;
  }
  /* Kusto yields null for a normalized filter with negative taps; an
   * even-length centered filter's alignment is not pinned down. */
  if (ok && ((normalize && (any_neg || fsum == 0)) || (center && m % 2 == 0))) ok = false;
  if (ok) {
    size_t shift = center ? (m - 1) / 2 : 0;
    out = kv_dyn_array();
    for (size_t i = 0; i < n; i++) {
      size_t j = i + shift; /* output i is the causal filter's output j */
      double s = 0;
      for (size_t k = 0; k < m && k <= j; k++)
        if (j - k < n) s += f[k] * x[j - k];
      kv_array_push(out, kv_real(normalize ? s / fsum : s));
    }
  }
  free(x);
  free(f);
  return ok ? out : kql_filter_unsupported(ctx, "series_fir");
}

/* series_iir(x, numerators b, denominators a): a[0]*y[i] = sum_k b[k]*x[i-k]
 * - sum_{k>=1} a[k]*y[i-k] (emulator:series-iir-function-00: b=[1],
 * a=[1,-1] is a running sum). */
KQL_FN(series_iir) {
  double *x = NULL, *b = NULL, *a = NULL, *y = NULL;
  size_t n, nb, na;
  kv_value out = kv_dyn_null();
  bool ok = kql_series_doubles(args[0], &x, &n) && kql_series_doubles(args[1], &b, &nb) &&
            kql_series_doubles(args[2], &a, &na) && nb > 0 && na > 0 && a[0] != 0;
  if (ok && n > 0) {
    y = malloc(n * sizeof *y);
    ok = y != NULL;
  }
  if (ok) {
    out = kv_dyn_array();
    for (size_t i = 0; i < n; i++) {
      double s = 0;
      for (size_t k = 0; k < nb && k <= i; k++) s += b[k] * x[i - k];
      for (size_t k = 1; k < na && k <= i; k++) s -= a[k] * y[i - k];
      y[i] = s / a[0];
      kv_array_push(out, kv_real(y[i]));
    }
  }
  free(x);
  free(b);
  free(a);
  free(y);
  return ok ? out : kql_filter_unsupported(ctx, "series_iir");
}
