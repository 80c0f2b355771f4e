/* SPDX-License-Identifier: MIT
 * Regressions and statistics over a whole series that Kusto returns as
 * several columns: series_stats, series_fit_line, series_fit_2lines,
 * series_fit_poly (and the _dynamic bags). Each "tuple" body returns a
 * dynamic array of its outputs in Kusto's column order; the binder spreads
 * it over columns (kql_bind_tuple.c). Owner: series. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_series_more.h"

static kv_value kql_fit_unsupported(kql_fn_ctx *ctx, const char *name) {
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: %s() on this input (null, non-numeric or too short)", name);
}

/* Least squares line over x = 1..n (Kusto's x axis, see series_fit_line_dynamic). */
typedef struct kql_line {
  double rsquare, slope, icpt, variance, rvariance, rss, syy;
} kql_line;

static void kql_fit_line(const double *d, size_t n, kql_line *o, double *fit) {
  double mx = ((double)n + 1.0) / 2.0, my = 0, sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; i++) my += d[i];
  my /= (double)n;
  for (size_t i = 0; i < n; i++) {
    double x = (double)(i + 1) - mx;
    sxy += x * (d[i] - my);
    sxx += x * x;
    syy += (d[i] - my) * (d[i] - my);
  }
  o->slope = sxx > 0 ? sxy / sxx : 0.0;
  o->icpt = my - o->slope * mx;
  double rss = 0;
  for (size_t i = 0; i < n; i++) {
    double f = o->slope * (double)(i + 1) + o->icpt;
    if (fit) fit[i] = f;
    rss += (d[i] - f) * (d[i] - f);
  }
  o->rss = rss;
  o->syy = syy;
  o->rsquare = syy > 0 ? 1.0 - rss / syy : 1.0;
  o->variance = n > 1 ? syy / (double)(n - 1) : 0.0;
  o->rvariance = n > 1 ? rss / (double)(n - 1) : 0.0;
}

static kv_value kql_fit_array(const double *v, size_t n) {
  kv_value a = kv_dyn_array();
  for (size_t i = 0; i < n; i++) kv_array_push(a, kv_real(v[i]));
  return a;
}

static void kql_push_real(kv_value arr, double r) { kv_array_push(arr, kv_real(r)); }

/* [min, min_idx, max, max_idx, avg, stdev, variance] */
KQL_FN(series_stats_t) {
  double *d;
  size_t n;
  if (argc > 1 && kv_truth(args[1]) != 0) return kql_fit_unsupported(ctx, "series_stats");
  if (!kql_series_doubles(args[0], &d, &n) || n < 2) {
    free(d);
    return kql_fit_unsupported(ctx, "series_stats");
  }
  size_t imin = 0, imax = 0;
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (d[i] < d[imin]) imin = i;
    if (d[i] > d[imax]) imax = i;
    sum += d[i];
  }
  double m = sum / (double)n, q = 0;
  for (size_t i = 0; i < n; i++) q += (d[i] - m) * (d[i] - m);
  double var = q / (double)(n - 1);
  kv_value out = kv_dyn_array();
  kql_push_real(out, d[imin]);
  kv_array_push(out, kv_long((int64_t)imin));
  kql_push_real(out, d[imax]);
  kv_array_push(out, kv_long((int64_t)imax));
  kql_push_real(out, m);
  kql_push_real(out, sqrt(var));
  kql_push_real(out, var);
  free(d);
  return out;
}

/* [rsquare, slope, variance, rvariance, interception, line_fit] */
KQL_FN(series_fit_line_t) {
  double *d, *fit;
  size_t n;
  if (!kql_series_doubles(args[0], &d, &n) || n < 2) {
    free(d);
    return kql_fit_unsupported(ctx, "series_fit_line");
  }
  fit = malloc(n * sizeof *fit);
  if (!fit) {
    free(d);
    return kql_fit_unsupported(ctx, "series_fit_line");
  }
  kql_line l;
  kql_fit_line(d, n, &l, fit);
  kv_value out = kv_dyn_array();
  kql_push_real(out, l.rsquare);
  kql_push_real(out, l.slope);
  kql_push_real(out, l.variance);
  kql_push_real(out, l.rvariance);
  kql_push_real(out, l.icpt);
  kv_array_push(out, kql_fit_array(fit, n));
  free(d);
  free(fit);
  return out;
}

/* Two segments [0, k) and [k, n), each of at least two points, each fitted
 * by series_fit_line on its own x = 1..len; the split with the smallest
 * total residual (largest total r-square) wins, the first on ties.
 * [rsquare, split_idx, variance, rvariance, line_fit, right_rsquare,
 *  right_slope, right_interception, right_variance, right_rvariance,
 *  left_rsquare, left_slope, left_interception, left_variance, left_rvariance] */
KQL_FN(series_fit_2lines_t) {
  double *d, *fit;
  size_t n;
  if (!kql_series_doubles(args[0], &d, &n) || n < 4) {
    free(d);
    return kql_fit_unsupported(ctx, "series_fit_2lines");
  }
  fit = malloc(n * sizeof *fit);
  if (!fit) {
    free(d);
    return kql_fit_unsupported(ctx, "series_fit_2lines");
  }
  kql_line all, bl, br;
  kql_fit_line(d, n, &all, NULL);
  /* prefix sums make every split O(1), so the scan is linear in n */
  double *ps = malloc((n + 1) * 3 * sizeof *ps);
  if (!ps) {
    free(d);
    free(fit);
    return kql_fit_unsupported(ctx, "series_fit_2lines");
  }
  double *py = ps, *pyy = ps + n + 1, *piy = ps + 2 * (n + 1);
  py[0] = pyy[0] = piy[0] = 0;
  for (size_t i = 0; i < n; i++) {
    py[i + 1] = py[i] + d[i];
    pyy[i + 1] = pyy[i] + d[i] * d[i];
    piy[i + 1] = piy[i] + (double)i * d[i];
  }
  size_t best = 2;
  double best_rss = INFINITY;
  for (size_t k = 2; k + 2 <= n; k++) {
    double rss = 0;
    for (int side = 0; side < 2; side++) {
      size_t s0 = side ? k : 0, e0 = side ? n : k;
      double L = (double)(e0 - s0), sy = py[e0] - py[s0], syy = pyy[e0] - pyy[s0];
      double sxy = (piy[e0] - piy[s0]) - ((double)s0 - 1.0) * sy; /* local x = i - s0 + 1 */
      double sx = L * (L + 1) / 2, sxx = L * (L + 1) * (2 * L + 1) / 6 - sx * sx / L;
      double cxy = sxy - sx * sy / L, cyy = syy - sy * sy / L;
      rss += cyy - (sxx > 0 ? cxy * cxy / sxx : 0);
    }
    if (isinf(best_rss) || rss < best_rss - 1e-12 * (fabs(best_rss) + 1)) {
      best_rss = rss;
      best = k;
    }
  }
  free(ps);
  kql_fit_line(d, best, &bl, fit);
  kql_fit_line(d + best, n - best, &br, fit + best);
  best_rss = bl.rss + br.rss;
  kv_value out = kv_dyn_array();
  kql_push_real(out, all.syy > 0 ? 1.0 - best_rss / all.syy : 1.0);
  kv_array_push(out, kv_long((int64_t)best));
  kql_push_real(out, all.variance);
  kql_push_real(out, best_rss / (double)(n - 1));
  kv_array_push(out, kql_fit_array(fit, n));
  const kql_line *side[2] = {&br, &bl};
  for (int s = 0; s < 2; s++) {
    kql_push_real(out, side[s]->rsquare);
    kql_push_real(out, side[s]->slope);
    kql_push_real(out, side[s]->icpt);
    kql_push_real(out, side[s]->variance);
    kql_push_real(out, side[s]->rvariance);
  }
  free(d);
  free(fit);
  return out;
}

static void kql_bag_real(kv_value bag, const char *k, kv_value v) {
  kv_value u = kv_from_dynamic(v);
  kv_bag_set(bag, k, strlen(k), u);
}

KQL_FN(series_fit_2lines_dynamic) {
  kv_value t = kql_fn_series_fit_2lines_t(ctx, args, argc);
  if (!kv_is_array(t)) return t;
  static const char *const top[] = {"rsquare", "split_idx", "variance", "rvariance", "line_fit"};
  static const char *const sub[] = {"rsquare", "slope", "interception", "variance", "rvariance"};
  kv_value bag = kv_dyn_bag();
  for (size_t i = 0; i < 5; i++) kql_bag_real(bag, top[i], kv_array_get(t, i));
  for (int s = 0; s < 2; s++) {
    kv_value b2 = kv_dyn_bag();
    for (size_t i = 0; i < 5; i++) kql_bag_real(b2, sub[i], kv_array_get(t, 5 + (size_t)s * 5 + i));
    kv_bag_set(bag, s == 0 ? "right" : "left", s == 0 ? 5 : 4, b2);
  }
  kv_release(t);
  return bag;
}

/* Solves the (m x m) system a * c = b in place by Gaussian elimination with
 * partial pivoting; false when singular. */
static bool kql_solve(double *a, double *b, int m) {
  for (int col = 0; col < m; col++) {
    int piv = col;
    for (int r = col + 1; r < m; r++)
      if (fabs(a[r * m + col]) > fabs(a[piv * m + col])) piv = r;
    if (!(fabs(a[piv * m + col]) > 1e-300)) return false;
    if (piv != col) {
      for (int k = 0; k < m; k++) {
        double t = a[col * m + k];
        a[col * m + k] = a[piv * m + k];
        a[piv * m + k] = t;
      }
      double t = b[col];
      b[col] = b[piv];
      b[piv] = t;
    }
    for (int r = col + 1; r < m; r++) {
      double f = a[r * m + col] / a[col * m + col];
      for (int k = col; k < m; k++) a[r * m + k] -= f * a[col * m + k];
      b[r] -= f * b[col];
    }
  }
  for (int r = m - 1; r >= 0; r--) {
    double s = b[r];
    for (int k = r + 1; k < m; k++) s -= a[r * m + k] * b[k];
    b[r] = s / a[r * m + r];
  }
  return true;
}

/* series_fit_poly(y [, x [, degree]]): least squares polynomial.
 * [rsquare, coefficients (highest power first), variance, rvariance, poly_fit] */
#define KQL_POLY_MAX_DEGREE 16
KQL_FN(series_fit_poly_t) {
  double *y = NULL, *x = NULL, *fit = NULL;
  size_t n = 0, nx = 0;
  int64_t deg = 1;
  kv_value out = kv_dyn_null();
  if (argc > 2 && !kv_is_null(args[2]) && !kql_arg_long(args[2], &deg)) goto bad;
  if (deg < 1 || deg > KQL_POLY_MAX_DEGREE) goto bad;
  if (!kql_series_doubles(args[0], &y, &n) || n < 2) goto bad;
  if (argc > 1 && !kv_is_null(args[1])) {
    if (!kql_series_doubles(args[1], &x, &nx) || nx != n) goto bad;
  } else {
    x = malloc(n * sizeof *x);
    if (!x) goto bad;
    for (size_t i = 0; i < n; i++) x[i] = (double)(i + 1);
  }
  int m = (int)deg + 1;
  double a[(KQL_POLY_MAX_DEGREE + 1) * (KQL_POLY_MAX_DEGREE + 1)], b[KQL_POLY_MAX_DEGREE + 1];
  double pw[2 * KQL_POLY_MAX_DEGREE + 1];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  for (size_t i = 0; i < n; i++) {
    pw[0] = 1;
    for (int k = 1; k < 2 * m - 1; k++) pw[k] = pw[k - 1] * x[i];
    for (int r = 0; r < m; r++) {
      for (int c = 0; c < m; c++) a[r * m + c] += pw[r + c];
      b[r] += pw[r] * y[i];
    }
  }
  if (!kql_solve(a, b, m)) goto bad; /* b[k] = coefficient of x^k */
  fit = malloc(n * sizeof *fit);
  if (!fit) goto bad;
  double my = 0, syy = 0, rss = 0;
  for (size_t i = 0; i < n; i++) my += y[i];
  my /= (double)n;
  for (size_t i = 0; i < n; i++) {
    double f = 0;
    for (int k = m - 1; k >= 0; k--) f = f * x[i] + b[k];
    fit[i] = f;
    rss += (y[i] - f) * (y[i] - f);
    syy += (y[i] - my) * (y[i] - my);
  }
  out = kv_dyn_array();
  kql_push_real(out, syy > 0 ? 1.0 - rss / syy : 1.0);
  kv_value co = kv_dyn_array();
  for (int k = m - 1; k >= 0; k--) kql_push_real(co, b[k]);
  kv_array_push(out, co);
  kql_push_real(out, syy / (double)(n - 1));
  kql_push_real(out, rss / (double)(n - 1));
  kv_array_push(out, kql_fit_array(fit, n));
  free(y);
  free(x);
  free(fit);
  return out;
bad:
  free(y);
  free(x);
  free(fit);
  return kql_fit_unsupported(ctx, "series_fit_poly");
}

kv_value kql_series_first(kv_value tuple, kv_type t) {
  if (!kv_is_array(tuple) || kv_array_count(tuple) == 0) return tuple;
  kv_value e = kv_array_get(tuple, 0);
  kv_value r = t == KV_DYNAMIC ? kv_retain(e) : kv_from_dynamic(e);
  kv_release(tuple);
  if (t != KV_DYNAMIC && r.type != t) {
    kv_value c = kv_convert(r, t);
    kv_release(r);
    r = c;
  }
  return r;
}

/* Used as a plain scalar, a tuple function gives its first output
 * (fuzz: agent-window-series-scan-0016.2, `extend fit = series_fit_line(s)`). */
KQL_FN(series_stats) { return kql_series_first(kql_fn_series_stats_t(ctx, args, argc), KV_REAL); }
KQL_FN(series_fit_line) { return kql_series_first(kql_fn_series_fit_line_t(ctx, args, argc), KV_REAL); }
KQL_FN(series_fit_2lines) { return kql_series_first(kql_fn_series_fit_2lines_t(ctx, args, argc), KV_REAL); }
KQL_FN(series_fit_poly) { return kql_series_first(kql_fn_series_fit_poly_t(ctx, args, argc), KV_REAL); }
