/* SPDX-License-Identifier: MIT
 * series_seasonal(series, period) with an explicit period: each point gets
 * the median of all points of the same phase, without detrending
 * (emulator:series-seasonal-function-01). Automatic period detection
 * (no period, or -1) is "not supported yet". Owner: series. */
#include <stdlib.h>

#include "kql/fn_series_more.h"

static int kql_dbl_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

KQL_FN(series_seasonal) {
  double *d = NULL, *tmp = NULL;
  size_t n;
  int64_t period = 0;
  kv_value out = kv_dyn_null();
  bool ok = argc > 1 && kql_arg_long(args[1], &period) && period > 0 && kql_series_doubles(args[0], &d, &n);
  if (ok && n > 0) {
    tmp = malloc(n * sizeof *tmp);
    ok = tmp != NULL;
  }
  if (ok) {
    size_t p = (size_t)period;
    out = kv_dyn_array();
    for (size_t i = 0; i < n; i++) {
      size_t c = 0;
      for (size_t j = i % p; j < n; j += p) tmp[c++] = d[j];
      qsort(tmp, c, sizeof *tmp, kql_dbl_cmp);
      double med = c % 2 ? tmp[c / 2] : (tmp[c / 2 - 1] + tmp[c / 2]) / 2.0;
      kv_array_push(out, kv_real(med));
    }
  }
  free(d);
  free(tmp);
  return ok ? out : kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: series_seasonal() without an explicit period");
}
