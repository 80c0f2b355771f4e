/* SPDX-License-Identifier: MIT
 * series_seasonal(series, period) with an explicit period: each point gets
 * the median of all points of the same phase, without detrending
 * (emulator:series-seasonal-function-01). Without a period (or -1) the
 * period is detected (kql_series_detect_period); when none is found, or the
 * period is 0, the seasonal component is all zeros
 * (emulator:series-seasonal-function-00). Owner: series. */
#include <stdlib.h>

#include "kql/fn_series_more.h"

/* Autocorrelation score a detected period must reach: separates the three
 * series of emulator:series-seasonal-function-00 (periods 6 and 5 found,
 * none in [1,3,5,2,4,6] x 2). */
#define KQL_SEASONAL_THRESHOLD 0.5

static int kql_dbl_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

KQL_FN(series_seasonal) {
  double *d = NULL, *tmp = NULL;
  size_t n = 0;
  int64_t period = 0;
  kv_value out = kv_dyn_null();
  bool ok = (argc < 2 || kv_is_null(args[1]) || kql_arg_long(args[1], &period)) && period >= -1 &&
            kql_series_doubles(args[0], &d, &n);
  if (ok && (argc < 2 || kv_is_null(args[1]) || period == -1))
    period = (int64_t)kql_series_detect_period(d, n, KQL_SEASONAL_THRESHOLD);
  double *med = NULL;
  size_t p = ok && period > 0 ? (size_t)period : 0;
  if (p > n) p = n; /* a period longer than the series: each point is its own phase */
  if (ok && p > 0) {
    tmp = malloc((n / p + 1) * sizeof *tmp);
    med = malloc(p * sizeof *med);
    ok = tmp && med;
  }
  if (ok) {
    /* one median per phase: O(n log n) whatever the period */
    for (size_t k = 0; k < p; k++) {
      size_t c = 0;
      for (size_t j = k; j < n; j += p) tmp[c++] = d[j];
      qsort(tmp, c, sizeof *tmp, kql_dbl_cmp);
      med[k] = c % 2 ? tmp[c / 2] : (tmp[c / 2 - 1] + tmp[c / 2]) / 2.0;
    }
    out = kv_dyn_array();
    for (size_t i = 0; i < n; i++) kv_array_push(out, kv_real(p ? med[i % p] : 0.0));
  }
  free(med);
  free(d);
  free(tmp);
  return ok ? out : kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: series_seasonal() on this input (null or non-numeric elements, bad period)");
}
