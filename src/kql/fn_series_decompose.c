/* SPDX-License-Identifier: MIT
 * Seasonal decomposition and anomaly scoring: series_decompose,
 * series_decompose_anomalies, series_decompose_forecast, series_outliers and
 * the automatic period of series_seasonal. Follows the documented steps:
 * seasonal = per-phase median, trend from the deseasoned series (avg,
 * linefit or none) over the training points, baseline = seasonal + trend,
 * residual = x - baseline; anomalies are Tukey scores of the residual.
 * Owner: series. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_series_more.h"

static int kql_dcmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

static double kql_median_sorted(const double *v, size_t c) {
  return c % 2 ? v[c / 2] : (v[c / 2 - 1] + v[c / 2]) / 2.0;
}

/* Percentile of sorted v (0..100) with linear interpolation between ranks. */
static double kql_pct_sorted(const double *v, size_t c, double p) {
  if (c == 1) return v[0];
  double r = p / 100.0 * (double)(c - 1);
  size_t lo = (size_t)floor(r);
  if (lo >= c - 1) return v[c - 1];
  double f = r - (double)lo;
  return v[lo] + (v[lo + 1] - v[lo]) * f;
}

/* Autocorrelation of the linearly detrended series at lag p (biased). */
static double kql_acf(const double *r, size_t n, size_t p, double den) {
  double s = 0;
  for (size_t i = 0; i + p < n; i++) s += r[i] * r[i + p];
  return den > 0 ? s / den : 0.0;
}

size_t kql_series_detect_period(const double *d, size_t n, double threshold) {
  if (n < 8) return 0;
  double *r = malloc(n * sizeof *r);
  if (!r) return 0;
  double mx = ((double)n - 1) / 2.0, my = 0, sxy = 0, sxx = 0, den = 0;
  for (size_t i = 0; i < n; i++) my += d[i];
  my /= (double)n;
  for (size_t i = 0; i < n; i++) {
    sxy += ((double)i - mx) * (d[i] - my);
    sxx += ((double)i - mx) * ((double)i - mx);
  }
  double slope = sxx > 0 ? sxy / sxx : 0;
  for (size_t i = 0; i < n; i++) {
    r[i] = d[i] - my - slope * ((double)i - mx);
    den += r[i] * r[i];
  }
  /* candidates: at least 4 points, at most half the series (and a bounded
   * amount of work on huge series); the best local peak of the ACF */
  size_t maxp = n / 2, budget = (size_t)50000000 / n;
  if (maxp > budget) maxp = budget;
  size_t best = 0;
  double *acf = maxp >= 4 ? malloc((maxp + 2) * sizeof *acf) : NULL;
  if (acf) {
    for (size_t p = 3; p <= maxp + 1 && p < n; p++) acf[p] = kql_acf(r, n, p, den);
    double best_score = threshold;
    for (size_t p = 4; p <= maxp; p++) {
      double next = p + 1 < n && p + 1 <= maxp ? acf[p + 1] : -1;
      if (acf[p] >= acf[p - 1] && acf[p] >= next && acf[p] >= best_score && (acf[p] > best_score || !best)) {
        best_score = acf[p];
        best = p;
      }
    }
    free(acf);
  }
  free(r);
  return best;
}

/* Per-phase median of d[0..ntrain) laid over n points; false on no memory. */
static bool kql_seasonal(const double *d, size_t ntrain, size_t n, size_t p, double *out) {
  double *tmp = malloc((ntrain / p + 2) * sizeof *tmp);
  double *ph = malloc(p * sizeof *ph);
  if (!tmp || !ph) {
    free(tmp);
    free(ph);
    return false;
  }
  for (size_t k = 0; k < p; k++) {
    size_t c = 0;
    for (size_t j = k; j < ntrain; j += p) tmp[c++] = d[j];
    if (c) {
      qsort(tmp, c, sizeof *tmp, kql_dcmp);
      ph[k] = kql_median_sorted(tmp, c);
    } else {
      ph[k] = 0;
    }
  }
  for (size_t i = 0; i < n; i++) out[i] = ph[i % p];
  free(tmp);
  free(ph);
  return true;
}

enum { KQL_TREND_AVG, KQL_TREND_LINEFIT, KQL_TREND_NONE, KQL_TREND_BAD };

static int kql_trend_kind(kv_value v, int dflt) {
  if (kv_is_null(v) || (kv_scalar_type(v) == KV_STRING && v.len == 0)) return dflt;
  if (kv_scalar_type(v) != KV_STRING) return KQL_TREND_BAD;
  if (v.len == 3 && !memcmp(v.u.s, "avg", 3)) return KQL_TREND_AVG;
  if (v.len == 7 && !memcmp(v.u.s, "linefit", 7)) return KQL_TREND_LINEFIT;
  if (v.len == 4 && !memcmp(v.u.s, "none", 4)) return KQL_TREND_NONE;
  return KQL_TREND_BAD;
}

typedef struct kql_decomp {
  double *seasonal, *trend, *baseline, *residual;
} kql_decomp;

static void kql_decomp_free(kql_decomp *c) {
  free(c->seasonal);
  free(c->trend);
  free(c->baseline);
  free(c->residual);
}

/* seasonality: -1 detect, 0 none, > 0 period; test points are left out of
 * the fit and only extrapolated. false on a bad argument or no memory. */
static bool kql_decompose(const double *d, size_t n, int64_t seasonality, int trend, int64_t test_points,
                          double threshold, kql_decomp *c) {
  memset(c, 0, sizeof *c);
  if (test_points < 0 || (uint64_t)test_points >= n || trend == KQL_TREND_BAD || seasonality < -1) return false;
  size_t ntrain = n - (size_t)test_points;
  c->seasonal = calloc(n, sizeof(double));
  c->trend = calloc(n, sizeof(double));
  c->baseline = malloc(n * sizeof(double));
  c->residual = malloc(n * sizeof(double));
  if (!c->seasonal || !c->trend || !c->baseline || !c->residual) goto fail;
  size_t p = 0;
  if (seasonality == -1) p = kql_series_detect_period(d, ntrain, threshold);
  else if (seasonality > 0 && (uint64_t)seasonality <= ntrain) p = (size_t)seasonality;
  if (p > 1 && !kql_seasonal(d, ntrain, n, p, c->seasonal)) goto fail;
  if (trend == KQL_TREND_AVG) {
    double s = 0;
    for (size_t i = 0; i < ntrain; i++) s += d[i] - c->seasonal[i];
    for (size_t i = 0; i < n; i++) c->trend[i] = s / (double)ntrain;
  } else if (trend == KQL_TREND_LINEFIT) {
    /* x = 1..ntrain as series_fit_line, extrapolated over the test points */
    double mx = ((double)ntrain + 1) / 2.0, my = 0, sxy = 0, sxx = 0;
    for (size_t i = 0; i < ntrain; i++) my += d[i] - c->seasonal[i];
    my /= (double)ntrain;
    for (size_t i = 0; i < ntrain; i++) {
      double x = (double)(i + 1) - mx;
      sxy += x * (d[i] - c->seasonal[i] - my);
      sxx += x * x;
    }
    double slope = sxx > 0 ? sxy / sxx : 0, icpt = my - slope * mx;
    for (size_t i = 0; i < n; i++) c->trend[i] = slope * (double)(i + 1) + icpt;
  }
  for (size_t i = 0; i < n; i++) {
    c->baseline[i] = c->seasonal[i] + c->trend[i];
    c->residual[i] = d[i] - c->baseline[i];
  }
  return true;
fail:
  kql_decomp_free(c);
  return false;
}

static kv_value kql_darr(const double *v, size_t n) {
  kv_value a = kv_dyn_array();
  for (size_t i = 0; i < n; i++) kv_array_push(a, kv_real(v[i]));
  return a;
}

static bool kql_opt_long(const kv_value *args, int argc, int i, int64_t dflt, int64_t *out) {
  *out = dflt;
  if (argc <= i || kv_is_null(args[i])) return true;
  return kql_arg_long(args[i], out);
}

static bool kql_opt_real(const kv_value *args, int argc, int i, double dflt, double *out) {
  *out = dflt;
  if (argc <= i || kv_is_null(args[i])) return true;
  kv_type t = kv_scalar_type(args[i]);
  return (t == KV_INT || t == KV_LONG || t == KV_REAL || t == KV_DECIMAL) && kv_num_real(args[i], out) &&
         isfinite(*out);
}

static kv_value kql_dec_unsupported(kql_fn_ctx *ctx, const char *name) {
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: %s() with these arguments (null, non-numeric or out-of-range)",
                     name);
}

/* series_decompose(x [, seasonality, trend, test_points, seasonality_threshold])
 * -> [baseline, seasonal, trend, residual] */
KQL_FN(series_decompose_t) {
  double *d = NULL, thr;
  size_t n;
  int64_t seas, tp;
  kql_decomp c;
  if (!kql_opt_long(args, argc, 1, -1, &seas) || !kql_opt_long(args, argc, 3, 0, &tp) ||
      !kql_opt_real(args, argc, 4, 0.6, &thr) || !kql_series_doubles(args[0], &d, &n) || n < 2 ||
      !kql_decompose(d, n, seas, kql_trend_kind(argc > 2 ? args[2] : kv_null(KV_STRING), KQL_TREND_AVG), tp, thr, &c)) {
    free(d);
    return kql_dec_unsupported(ctx, "series_decompose");
  }
  kv_value out = kv_dyn_array();
  kv_array_push(out, kql_darr(c.baseline, n));
  kv_array_push(out, kql_darr(c.seasonal, n));
  kv_array_push(out, kql_darr(c.trend, n));
  kv_array_push(out, kql_darr(c.residual, n));
  kql_decomp_free(&c);
  free(d);
  return out;
}

/* Tukey scores of v (n points) against the [lo, hi] percentiles; false on no memory. */
static bool kql_tukey(const double *v, size_t n, double plo, double phi, double *score) {
  double *s = malloc(n * sizeof *s);
  if (!s) return false;
  memcpy(s, v, n * sizeof *s);
  qsort(s, n, sizeof *s, kql_dcmp);
  double qlo = kql_pct_sorted(s, n, plo), qhi = kql_pct_sorted(s, n, phi), iqr = qhi - qlo;
  for (size_t i = 0; i < n; i++) {
    if (!(iqr > 0)) score[i] = 0;
    else if (v[i] > qhi) score[i] = (v[i] - qhi) / iqr;
    else if (v[i] < qlo) score[i] = (v[i] - qlo) / iqr;
    else score[i] = 0;
  }
  free(s);
  return true;
}

/* kind: "tukey" (25/75) or "ctukey" (min/max percentiles, default 10/90). */
static bool kql_outlier_kind(kv_value k, double *plo, double *phi, bool *custom) {
  *custom = true;
  if (kv_is_null(k) || (kv_scalar_type(k) == KV_STRING && k.len == 0)) return true;
  if (kv_scalar_type(k) != KV_STRING) return false;
  if (k.len == 6 && !memcmp(k.u.s, "ctukey", 6)) return true;
  if (k.len == 5 && !memcmp(k.u.s, "tukey", 5)) {
    *plo = 25;
    *phi = 75;
    *custom = false;
    return true;
  }
  return false;
}

/* series_decompose_anomalies(x [, threshold, seasonality, trend, test_points,
 * method, seasonality_threshold]) -> [ad_flag, ad_score, baseline] */
KQL_FN(series_decompose_anomalies_t) {
  double *d = NULL, *score = NULL, thr, sthr, plo = 10, phi = 90;
  size_t n;
  int64_t seas, tp;
  bool custom;
  kql_decomp c;
  memset(&c, 0, sizeof c);
  if (!kql_opt_real(args, argc, 1, 1.5, &thr) || !kql_opt_long(args, argc, 2, -1, &seas) ||
      !kql_opt_long(args, argc, 4, 0, &tp) || !kql_opt_real(args, argc, 6, 0.6, &sthr) ||
      !kql_outlier_kind(argc > 5 ? args[5] : kv_null(KV_STRING), &plo, &phi, &custom) ||
      !kql_series_doubles(args[0], &d, &n) || n < 2 ||
      !kql_decompose(d, n, seas, kql_trend_kind(argc > 3 ? args[3] : kv_null(KV_STRING), KQL_TREND_LINEFIT), tp,
                     sthr, &c))
    goto bad;
  score = malloc(n * sizeof *score);
  size_t ntrain = n - (size_t)tp;
  if (!score || !kql_tukey(c.residual, ntrain, plo, phi, score)) goto bad;
  kv_value flag = kv_dyn_array(), sc = kv_dyn_array();
  for (size_t i = 0; i < n; i++) {
    double s = i < ntrain ? score[i] : 0.0;
    kv_array_push(flag, kv_long(s > thr ? 1 : s < -thr ? -1 : 0));
    kv_array_push(sc, kv_real(s));
  }
  kv_value out = kv_dyn_array();
  kv_array_push(out, flag);
  kv_array_push(out, sc);
  kv_array_push(out, kql_darr(c.baseline, n));
  kql_decomp_free(&c);
  free(d);
  free(score);
  return out;
bad:
  kql_decomp_free(&c);
  free(d);
  free(score);
  return kql_dec_unsupported(ctx, "series_decompose_anomalies");
}

/* series_decompose_forecast(x, points [, seasonality, trend, seasonality_threshold]):
 * the baseline of a decomposition that leaves the last `points` out. */
KQL_FN(series_decompose_forecast) {
  double *d = NULL, sthr;
  size_t n;
  int64_t points, seas;
  kql_decomp c;
  if (!kql_opt_long(args, argc, 1, 0, &points) || !kql_opt_long(args, argc, 2, -1, &seas) ||
      !kql_opt_real(args, argc, 4, 0.6, &sthr) || !kql_series_doubles(args[0], &d, &n) || n < 2 ||
      !kql_decompose(d, n, seas, kql_trend_kind(argc > 3 ? args[3] : kv_null(KV_STRING), KQL_TREND_LINEFIT), points,
                     sthr, &c)) {
    free(d);
    return kql_dec_unsupported(ctx, "series_decompose_forecast");
  }
  kv_value out = kql_darr(c.baseline, n);
  kql_decomp_free(&c);
  free(d);
  return out;
}

/* series_outliers(x [, kind, ignore_val, min_percentile, max_percentile]) */
KQL_FN(series_outliers) {
  double *d = NULL, *score = NULL, plo = 10, phi = 90;
  size_t n;
  bool custom;
  if (argc > 2 && !kv_is_null(args[2])) goto bad; /* ignore_val: not implemented */
  if (!kql_outlier_kind(argc > 1 ? args[1] : kv_null(KV_STRING), &plo, &phi, &custom)) goto bad;
  if (custom && (!kql_opt_real(args, argc, 3, 10, &plo) || !kql_opt_real(args, argc, 4, 90, &phi))) goto bad;
  if (plo < 2 || phi > 98 || plo >= phi) goto bad;
  if (!kql_series_doubles(args[0], &d, &n)) goto bad;
  kv_value out = kv_dyn_array();
  if (n) {
    score = malloc(n * sizeof *score);
    if (!score || !kql_tukey(d, n, plo, phi, score)) {
      kv_release(out);
      goto bad;
    }
    for (size_t i = 0; i < n; i++) kv_array_push(out, kv_real(score[i]));
  }
  free(d);
  free(score);
  return out;
bad:
  free(d);
  free(score);
  return kql_dec_unsupported(ctx, "series_outliers");
}

KQL_FN(series_decompose) { return kql_series_first(kql_fn_series_decompose_t(ctx, args, argc), KV_DYNAMIC); }
KQL_FN(series_decompose_anomalies) {
  return kql_series_first(kql_fn_series_decompose_anomalies_t(ctx, args, argc), KV_DYNAMIC);
}
