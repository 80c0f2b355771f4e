/* SPDX-License-Identifier: MIT
 * Math, rounding/binning and bitwise functions: abs, ceiling, floor/bin,
 * bin_at, round, sqrt, pow, exp*, log*, sign, pi, rand, isnan/isinf/
 * isfinite, trigonometry, binary_*, bitset_count_ones, and Rx.KQL's ntohs.
 * bin() aligns to 0 (numbers, timespans) and to 0001-01-01 (datetimes),
 * which is Kusto's alignment. Owner: kqllib. */
#include <math.h>

#include "kql/fn_lib.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static kv_value kql_real_fn(kv_value v, double (*f)(double)) {
  double r;
  if (!kql_arg_real(v, &r)) return kv_null(KV_REAL);
  return kv_real(f(r));
}

/* abs keeps the kind: abs(int) is int (fuzz t1-type-casts-coercion-0013). */
KQL_FN(abs) {
  kv_value v = args[0];
  if (kv_is_null(v)) return kv_retain(v);
  switch (kv_scalar_type(v)) {
  case KV_INT: return kv_int((int32_t)(v.u.i < 0 ? 0u - (uint32_t)v.u.i : (uint32_t)v.u.i));
  case KV_LONG: return kv_long((int64_t)(v.u.i < 0 ? 0u - (uint64_t)v.u.i : (uint64_t)v.u.i));
  case KV_TIMESPAN: return kv_timespan(v.u.i < 0 ? -v.u.i : v.u.i);
  case KV_DECIMAL: return kv_decimal(fabs(v.u.r));
  default: return kql_real_fn(v, fabs);
  }
}

/* ceiling(0) is real (emulator:ceiling-function-00). */
KQL_FN(ceiling) { return kql_real_fn(args[0], ceil); }
KQL_FN(sqrt) { return kql_real_fn(args[0], sqrt); }
KQL_FN(exp) { return kql_real_fn(args[0], exp); }
KQL_FN(exp2) { return kql_real_fn(args[0], exp2); }
static double kql_exp10(double x) { return pow(10.0, x); }
KQL_FN(exp10) { return kql_real_fn(args[0], kql_exp10); }
KQL_FN(log) { return kql_real_fn(args[0], log); }
KQL_FN(log2) { return kql_real_fn(args[0], log2); }
KQL_FN(log10) { return kql_real_fn(args[0], log10); }
KQL_FN(sin) { return kql_real_fn(args[0], sin); }
KQL_FN(cos) { return kql_real_fn(args[0], cos); }
KQL_FN(tan) { return kql_real_fn(args[0], tan); }
KQL_FN(asin) { return kql_real_fn(args[0], asin); }
KQL_FN(acos) { return kql_real_fn(args[0], acos); }
KQL_FN(atan) { return kql_real_fn(args[0], atan); }
static double kql_cot(double x) { return 1.0 / tan(x); }
KQL_FN(cot) { return kql_real_fn(args[0], kql_cot); }
static double kql_degrees(double x) { return x * 180.0 / M_PI; }
static double kql_radians(double x) { return x * M_PI / 180.0; }
KQL_FN(degrees) { return kql_real_fn(args[0], kql_degrees); }
KQL_FN(radians) { return kql_real_fn(args[0], kql_radians); }
KQL_FN(gamma) { return kql_real_fn(args[0], tgamma); }
KQL_FN(loggamma) { return kql_real_fn(args[0], lgamma); }
KQL_FN(erf) { return kql_real_fn(args[0], erf); }
KQL_FN(erfc) { return kql_real_fn(args[0], erfc); }

KQL_FN(atan2) {
  double y, x;
  if (!kql_arg_real(args[0], &y) || !kql_arg_real(args[1], &x)) return kv_null(KV_REAL);
  return kv_real(atan2(y, x));
}

KQL_FN(pow) {
  double x, y;
  if (!kql_arg_real(args[0], &x) || !kql_arg_real(args[1], &y)) return kv_null(KV_REAL);
  return kv_real(pow(x, y));
}

KQL_FN(pi) { return kv_real(M_PI); }

/* sign() is real for every input (emulator:sign-function-00). */
KQL_FN(sign) {
  double r;
  if (!kql_arg_real(args[0], &r)) return kv_null(KV_REAL);
  if (isnan(r)) return kv_real(r);
  return kv_real(r > 0 ? 1.0 : r < 0 ? -1.0 : 0.0);
}

/* round(x[, digits]): half away from zero, as .NET's MidpointRounding
 * that Kusto documents (round(2.5) == 3). */
KQL_FN(round) {
  kv_value v = args[0];
  int64_t digits = 0;
  if (argc > 1 && !kql_arg_long(args[1], &digits)) return kv_null(KV_REAL);
  if (kv_is_null(v)) return kv_retain(v);
  kv_type t = kv_scalar_type(v);
  if (t == KV_INT || t == KV_LONG) {
    if (digits >= 0) return kv_long(v.u.i);
    double p = pow(10.0, (double)-digits);
    return kv_long((int64_t)(round((double)v.u.i / p) * p));
  }
  double r;
  if (!kql_arg_real(v, &r)) return kv_null(KV_REAL);
  if (digits > 15) digits = 15;
  if (digits < -15) digits = -15;
  double p = pow(10.0, (double)digits);
  double out = round(r * p) / p;
  return t == KV_DECIMAL ? kv_decimal(out) : kv_real(out);
}

KQL_FN(isnan) {
  double r;
  if (!kql_arg_real(args[0], &r)) return kv_null(KV_BOOL); /* fuzz type-casts-coercion-0032.3 */
  return kv_bool(isnan(r));
}

KQL_FN(isinf) {
  double r;
  if (!kql_arg_real(args[0], &r)) return kv_null(KV_BOOL); /* fuzz type-casts-coercion-0032.3 */
  return kv_bool(isinf(r));
}

KQL_FN(isfinite) {
  double r;
  if (!kql_arg_real(args[0], &r)) return kv_null(KV_BOOL); /* fuzz type-casts-coercion-0032.3 */
  return kv_bool(isfinite(r));
}

/* ---- rand: xorshift64* seeded from the query clock ---- */

static uint64_t kql_rand_state;

static double kql_rand01(int64_t seed) {
  if (!kql_rand_state) kql_rand_state = ((uint64_t)seed * UINT64_C(0x9E3779B97F4A7C15)) | 1u;
  uint64_t x = kql_rand_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  kql_rand_state = x;
  return (double)((x * UINT64_C(0x2545F4914F6CDD1D)) >> 11) / 9007199254740992.0;
}

/* rand() -> real in [0, 1); rand(N) -> long in [0, N). */
KQL_FN(rand) {
  double u = kql_rand01(ctx ? ctx->now_ticks : 1);
  if (argc > 0) {
    int64_t n;
    if (!kql_arg_long(args[0], &n) || n <= 0) return kv_null(KV_LONG);
    return kv_long((int64_t)(u * (double)n));
  }
  return kv_real(u);
}

/* ---- bin / floor / bin_at ---- */

static int64_t kql_floor_div64(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

KQL_RT(bin) {
  if (argc < 2) return KV_TYPE_COUNT;
  switch (t[0]) {
  case KV_DATETIME:
  case KV_TIMESPAN: return t[0];
  case KV_INT:
  case KV_LONG: return t[1] == KV_REAL || t[1] == KV_DECIMAL ? t[1] : KV_LONG;
  case KV_REAL:
  case KV_DECIMAL:
  case KV_DYNAMIC: return t[0];
  default: return KV_TYPE_COUNT;
  }
}

KQL_RT(floor) {
  if (argc == 1) return KV_REAL;
  return kql_rt_bin(t, argc);
}

/* Bins v to `size` relative to `origin` (ticks or value of the same kind). */
static kv_value kql_bin_impl(kv_value v, kv_value size, const int64_t *origin_i, const double *origin_r) {
  if (kv_is_null(v) || kv_is_null(size)) {
    kv_type t = kv_scalar_type(v);
    if (t == KV_INT) t = KV_LONG;
    return t == KV_DYNAMIC ? kv_dyn_null() : kv_null(t);
  }
  kv_type t = kv_scalar_type(v), st = kv_scalar_type(size);
  if (t == KV_DATETIME || t == KV_TIMESPAN || ((t == KV_INT || t == KV_LONG) && (st == KV_INT || st == KV_LONG))) {
    int64_t s;
    if (!kv_num_long(size, &s)) {
      double sr;
      if (!kv_num_real(size, &sr) || !(sr >= 1)) return kv_null(t == KV_INT ? KV_LONG : t);
      s = (int64_t)sr;
    }
    if (s <= 0) return kv_null(t == KV_INT ? KV_LONG : t);
    int64_t o = origin_i ? *origin_i : 0;
    int64_t r = kql_floor_div64((int64_t)((uint64_t)v.u.i - (uint64_t)o), s) * s + o;
    if (t == KV_DATETIME) return r < 0 ? kv_null(KV_DATETIME) : kv_datetime(r);
    if (t == KV_TIMESPAN) return kv_timespan(r);
    return kv_long(r);
  }
  double x, s;
  if (!kv_num_real(v, &x) || !kv_num_real(size, &s) || !(s > 0)) return kv_null(KV_REAL);
  double o = origin_r ? *origin_r : 0;
  double r = floor((x - o) / s) * s + o;
  return t == KV_DECIMAL ? kv_decimal(r) : kv_real(r);
}

KQL_FN(bin) { return kql_bin_impl(args[0], args[1], NULL, NULL); }

KQL_FN(floor) {
  if (argc == 1) return kql_real_fn(args[0], floor);
  return kql_bin_impl(args[0], args[1], NULL, NULL);
}

/* bin_at(6.5, 2.5, 7) == 4.5; bin_at(1h, 1d, 12h) == -12:00:00
 * (emulator:bin-at-function-00/01). */
KQL_FN(bin_at) {
  if (kv_is_null(args[2])) return kql_bin_impl(args[0], args[1], NULL, NULL);
  int64_t oi;
  double orr;
  kv_type t = kv_scalar_type(args[0]);
  if (t == KV_DATETIME || t == KV_TIMESPAN || t == KV_INT || t == KV_LONG) {
    if (kv_num_long(args[2], &oi)) return kql_bin_impl(args[0], args[1], &oi, NULL);
  }
  if (!kv_num_real(args[2], &orr)) return kv_null(KV_REAL);
  kv_value x = kv_to_real(args[0]);
  kv_value r = kql_bin_impl(x, args[1], NULL, &orr);
  kv_release(x);
  return r;
}

/* ---- bitwise ---- */

static bool kql_two_longs(const kv_value *args, int64_t *a, int64_t *b) {
  return kv_num_long(args[0], a) && kv_num_long(args[1], b);
}

KQL_FN(binary_and) {
  int64_t a, b;
  return kql_two_longs(args, &a, &b) ? kv_long(a & b) : kv_null(KV_LONG);
}
KQL_FN(binary_or) {
  int64_t a, b;
  return kql_two_longs(args, &a, &b) ? kv_long(a | b) : kv_null(KV_LONG);
}
KQL_FN(binary_xor) {
  int64_t a, b;
  return kql_two_longs(args, &a, &b) ? kv_long(a ^ b) : kv_null(KV_LONG);
}
KQL_FN(binary_not) {
  int64_t a;
  return kv_num_long(args[0], &a) ? kv_long(~a) : kv_null(KV_LONG);
}
/* Shift counts wrap modulo 64 as .NET's << does. */
KQL_FN(binary_shift_left) {
  int64_t a, b;
  if (!kql_two_longs(args, &a, &b)) return kv_null(KV_LONG);
  return kv_long((int64_t)((uint64_t)a << (b & 63)));
}
KQL_FN(binary_shift_right) {
  int64_t a, b;
  if (!kql_two_longs(args, &a, &b)) return kv_null(KV_LONG);
  return kv_long(a >> (b & 63));
}
KQL_FN(bitset_count_ones) {
  int64_t a;
  if (!kv_num_long(args[0], &a)) return kv_null(KV_LONG);
  uint64_t u = (uint64_t)a;
  int64_t n = 0;
  while (u) {
    u &= u - 1;
    n++;
  }
  return kv_long(n);
}

/* Rx.KQL's ntohs: swaps the two bytes of a 16-bit network-order value
 * (TCP/IP ETW events carry ports big-endian). */
KQL_FN(ntohs) {
  int64_t a;
  if (!kql_arg_long(args[0], &a)) return kv_null(KV_INT);
  uint32_t u = (uint32_t)a & 0xFFFFu;
  return kv_int((int32_t)(((u & 0xFFu) << 8) | (u >> 8)));
}
