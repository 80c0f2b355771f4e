/* SPDX-License-Identifier: MIT
 * beta_cdf(x, a, b), beta_inv(p, a, b) and welch_test(m1, v1, n1, m2, v2, n2)
 * over the regularized incomplete beta function I_x(a, b) (Lentz's continued
 * fraction, with the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) past the mean).
 * Edge answers follow the engine: x outside [0,1] -> NaN, p outside [0,1]
 * -> null, a negative alpha gives beta_cdf 1.0 / beta_inv NaN
 * (emulator:beta-cdf-function-00, beta-inv-function-00). welch_test is the
 * two-sided p-value of Welch's t-test (emulator:welch-test-function-00).
 * Owner: scalars. */
#include <math.h>

#include "kql/fn_scalars.h"

/* Continued fraction for I_x(a,b) (modified Lentz); bounded iterations. */
static double kql_betacf(double a, double b, double x) {
  const double tiny = 1e-300;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 1000; m++) {
    int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1) < 1e-16) break;
  }
  return h;
}

/* Regularized incomplete beta I_x(a, b) for x in [0, 1]. */
static double kql_ibeta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return bt * kql_betacf(a, b, x) / a;
  return 1 - bt * kql_betacf(b, a, 1 - x) / b;
}

static bool kql_real3(const kv_value *args, double *x, double *a, double *b) {
  for (int i = 0; i < 3; i++)
    if (kv_is_null(args[i])) return false;
  return kql_arg_real(args[0], x) && kql_arg_real(args[1], a) && kql_arg_real(args[2], b);
}

KQL_FN(beta_cdf) {
  (void)ctx; (void)argc;
  double x, a, b;
  if (!kql_real3(args, &x, &a, &b)) return kv_null(KV_REAL);
  if (isnan(x) || isnan(a) || isnan(b) || x < 0 || x > 1) return kv_real(NAN);
  return kv_real(kql_ibeta(x, a, b));
}

KQL_FN(beta_inv) {
  (void)ctx; (void)argc;
  double p, a, b;
  if (!kql_real3(args, &p, &a, &b)) return kv_null(KV_REAL);
  if (isnan(p) || p < 0 || p > 1) return kv_null(KV_REAL);
  if (isnan(a) || isnan(b) || a <= 0 || b <= 0 || isinf(a) || isinf(b)) return kv_real(NAN);
  /* I_x is increasing in x: bisection to the last bit (at most 200 steps). */
  double lo = 0, hi = 1;
  for (int i = 0; i < 200 && hi - lo > 0; i++) {
    double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (kql_ibeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return kv_real(lo + (hi - lo) / 2);
}

KQL_FN(welch_test) {
  (void)ctx; (void)argc;
  double v[6];
  for (int i = 0; i < 6; i++)
    if (kv_is_null(args[i]) || !kql_arg_real(args[i], &v[i])) return kv_null(KV_REAL);
  double m1 = v[0], s1 = v[1] / v[2], m2 = v[3], s2 = v[4] / v[5];
  double se = s1 + s2;
  double t = (m1 - m2) / sqrt(se);
  double df = se * se / (s1 * s1 / (v[2] - 1) + s2 * s2 / (v[5] - 1));
  if (!isfinite(t) || !isfinite(df) || df <= 0) return kv_real(NAN);
  return kv_real(kql_ibeta(df / (df + t * t), df / 2, 0.5));
}
