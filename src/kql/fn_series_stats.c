/* SPDX-License-Identifier: MIT
 * Whole-series statistics: series_stats_dynamic, series_fit_line_dynamic,
 * series_product, series_dot_product, series_cosine_similarity,
 * series_pearson_correlation. Arrays with null or non-numeric elements are
 * reported "not supported yet" rather than guessed. Owner: series. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_series_more.h"

bool kql_series_doubles(kv_value v, double **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!kv_is_array(v)) return false;
  size_t c = kv_array_count(v);
  if (c == 0) return true;
  double *d = malloc(c * sizeof *d);
  if (!d) return false;
  for (size_t i = 0; i < c; i++) {
    kv_value e = kv_array_get(v, i);
    kv_type t = kv_scalar_type(e);
    bool numeric = t == KV_INT || t == KV_LONG || t == KV_REAL || t == KV_DECIMAL;
    if (kv_is_null(e) || !numeric || !kv_num_real(e, &d[i])) {
      free(d);
      return false;
    }
  }
  *out = d;
  *n = c;
  return true;
}

static kv_value kql_series_unsupported(kql_fn_ctx *ctx, kv_type t, const char *name) {
  return kql_fn_fail(ctx, t, "not supported yet: %s() on this input (null, non-numeric or mismatched series)",
                     name);
}

static void kql_bag_put_real(kv_value bag, const char *key, double r) {
  kv_bag_set(bag, key, strlen(key), kv_real(r));
}

/* Sample variance (n - 1), as Kusto reports (emulator:series-stats-dynamic-function-00). */
static double kql_series_var(const double *d, size_t n, double *mean) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += d[i];
  double m = s / (double)n, q = 0;
  for (size_t i = 0; i < n; i++) q += (d[i] - m) * (d[i] - m);
  *mean = m;
  return n > 1 ? q / (double)(n - 1) : 0.0;
}

KQL_FN(series_stats_dynamic) {
  double *d;
  size_t n;
  if (argc > 1) {
    /* ignore_nonfinite=false is the default; true is not implemented. */
    int t = kv_truth(args[1]);
    if (t != 0) return kql_series_unsupported(ctx, KV_DYNAMIC, "series_stats_dynamic");
  }
  if (!kql_series_doubles(args[0], &d, &n) || n < 2) {
    free(d);
    return kql_series_unsupported(ctx, KV_DYNAMIC, "series_stats_dynamic");
  }
  size_t imin = 0, imax = 0;
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (d[i] < d[imin]) imin = i;
    if (d[i] > d[imax]) imax = i;
    sum += d[i];
  }
  double mean, var = kql_series_var(d, n, &mean);
  kv_value bag = kv_dyn_bag();
  kql_bag_put_real(bag, "min", d[imin]);
  kv_bag_set(bag, "min_idx", 7, kv_long((int64_t)imin));
  kql_bag_put_real(bag, "max", d[imax]);
  kv_bag_set(bag, "max_idx", 7, kv_long((int64_t)imax));
  kql_bag_put_real(bag, "avg", mean);
  kql_bag_put_real(bag, "stdev", sqrt(var));
  kql_bag_put_real(bag, "variance", var);
  kql_bag_put_real(bag, "sum", sum);
  kv_bag_set(bag, "len", 3, kv_long((int64_t)n));
  free(d);
  return bag;
}

/* Least squares over x = 1..n (emulator:series-fit-line-dynamic-function-00:
 * line_fit[0] = interception + slope); variance and rvariance use n - 1. */
KQL_FN(series_fit_line_dynamic) {
  double *d;
  size_t n;
  if (!kql_series_doubles(args[0], &d, &n) || n < 2) {
    free(d);
    return kql_series_unsupported(ctx, KV_DYNAMIC, "series_fit_line_dynamic");
  }
  double mx = ((double)n + 1.0) / 2.0, my, sxy = 0, sxx = 0;
  double var = kql_series_var(d, n, &my);
  for (size_t i = 0; i < n; i++) {
    double x = (double)(i + 1) - mx;
    sxy += x * (d[i] - my);
    sxx += x * x;
  }
  double slope = sxy / sxx, icpt = my - slope * mx, rss = 0, syy = var * (double)(n - 1);
  kv_value fit = kv_dyn_array();
  for (size_t i = 0; i < n; i++) {
    double f = slope * (double)(i + 1) + icpt;
    rss += (d[i] - f) * (d[i] - f);
    kv_array_push(fit, kv_real(f));
  }
  kv_value bag = kv_dyn_bag();
  kql_bag_put_real(bag, "slope", slope);
  kql_bag_put_real(bag, "interception", icpt);
  kql_bag_put_real(bag, "rsquare", syy > 0 ? 1.0 - rss / syy : NAN);
  kql_bag_put_real(bag, "variance", var);
  kql_bag_put_real(bag, "rvariance", rss / (double)(n - 1));
  kv_bag_set(bag, "line_fit", 8, fit);
  free(d);
  if (syy <= 0) {
    kv_release(bag);
    return kql_series_unsupported(ctx, KV_DYNAMIC, "series_fit_line_dynamic");
  }
  return bag;
}

KQL_FN(series_product) {
  double *d;
  size_t n;
  if (!kql_series_doubles(args[0], &d, &n)) return kql_series_unsupported(ctx, KV_REAL, "series_product");
  double p = 1.0;
  for (size_t i = 0; i < n; i++) p *= d[i];
  free(d);
  return kv_real(p);
}

/* Two series of equal length, or a series and a numeric scalar that is
 * broadcast (emulator:series-dot-product-function-01). */
static bool kql_series_pair(const kv_value *args, double **a, double **b, size_t *n) {
  size_t na, nb;
  *a = *b = NULL;
  if (!kql_series_doubles(args[0], a, &na)) return false;
  if (kv_is_array(args[1])) {
    if (!kql_series_doubles(args[1], b, &nb) || nb != na) goto fail;
  } else {
    double s;
    kv_type t = kv_scalar_type(args[1]);
    if (kv_is_null(args[1]) || !(t == KV_INT || t == KV_LONG || t == KV_REAL) || !kv_num_real(args[1], &s))
      goto fail;
    if (na) {
      *b = malloc(na * sizeof **b);
      if (!*b) goto fail;
      for (size_t i = 0; i < na; i++) (*b)[i] = s;
    }
  }
  *n = na;
  if (na == 0) goto fail;
  return true;
fail:
  free(*a);
  free(*b);
  *a = *b = NULL;
  return false;
}

KQL_FN(series_dot_product) {
  double *a, *b;
  size_t n;
  if (!kql_series_pair(args, &a, &b, &n)) return kql_series_unsupported(ctx, KV_REAL, "series_dot_product");
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  free(a);
  free(b);
  return kv_real(s);
}

KQL_FN(series_cosine_similarity) {
  double *a, *b;
  size_t n;
  if (argc > 2 || !kql_series_pair(args, &a, &b, &n))
    return kql_series_unsupported(ctx, KV_REAL, "series_cosine_similarity");
  double s = 0, qa = 0, qb = 0;
  for (size_t i = 0; i < n; i++) {
    s += a[i] * b[i];
    qa += a[i] * a[i];
    qb += b[i] * b[i];
  }
  free(a);
  free(b);
  if (qa == 0 || qb == 0) return kql_series_unsupported(ctx, KV_REAL, "series_cosine_similarity");
  return kv_real(s / (sqrt(qa) * sqrt(qb)));
}

KQL_FN(series_pearson_correlation) {
  double *a, *b;
  size_t n;
  if (!kv_is_array(args[1]) || !kql_series_pair(args, &a, &b, &n))
    return kql_series_unsupported(ctx, KV_REAL, "series_pearson_correlation");
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= (double)n;
  mb /= (double)n;
  for (size_t i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  free(a);
  free(b);
  if (n < 2 || saa == 0 || sbb == 0) return kql_series_unsupported(ctx, KV_REAL, "series_pearson_correlation");
  return kv_real(sab / sqrt(saa * sbb));
}
