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
  size_t n;
  int64_t period = 0;
  kv_value out = kv_dyn_null();
  bool ok = (argc < 2 || kv_is_null(args[1]) || kql_arg_long(args[1], &period)) && period >= -1 &&
            kql_series_doubles(args[0], &d, &n);
  if (ok && (argc < 2 || kv_is_null(args[1]) || period == -1))
    period = (int64_t)kql_series_detect_period(d, n, KQL_SEASONAL_THRESHOLD);
  if (ok && n > 0) {
    tmp = malloc(n * sizeof *tmp);
    ok = tmp != NULL;
  }
  if (ok) {
    size_t p = (size_t)period;
    out = kv_dyn_array();
    for (size_t i = 0; i < n && p == 0; i++) kv_array_push(out, kv_real(0.0));
    for (size_t i = 0; i < n && p > 0; i++) {
      size_t c = 0;
      for (size_t j = i % p; j < n; j += p) tmp[c++] = d[j];
      qsort(tmp, c, sizeof *tmp, kql_dbl_cmp);
      double med = c % 2 ? tmp[c / 2] : (tmp[c / 2 - 1] + tmp[c / 2]) / 2.0;
      kv_array_push(out, kv_real(med));
    }
  }
  free(d);
  free(tmp);
  return ok ? out : kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: series_seasonal() on this input (null or non-numeric elements, bad period)");
}
