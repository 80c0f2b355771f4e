/* SPDX-License-Identifier: MIT
 * Element-wise series functions over dynamic arrays (a scalar argument is
 * broadcast): series_add/subtract/multiply/divide/pow, comparisons
 * (series_equals, _greater, ...), unary math (series_abs, _sign, _floor,
 * _ceiling, _exp, _log, trig), and series_sum/series_magnitude. Integer
 * inputs keep integer results for + - * (emulator:series-add-function-00);
 * division and unary math give reals. Owner: kqllib. */
#include <math.h>

#include "kql/fn_lib.h"

static size_t kql_series_len(const kv_value *args, int argc) {
  size_t n = 0;
  bool any = false;
  for (int i = 0; i < argc; i++)
    if (kv_is_array(args[i])) {
      size_t c = kv_array_count(args[i]);
      if (!any || c > n) n = c;
      any = true;
    }
  return any ? n : (size_t)-1;
}

static kv_value kql_series_at(kv_value v, size_t i) {
  if (kv_is_array(v)) return i < kv_array_count(v) ? kv_array_get(v, i) : kv_dyn_null();
  return v;
}

static kv_value kql_series_binary(const kv_value *args, kv_arith_op op) {
  size_t n = kql_series_len(args, 2);
  if (n == (size_t)-1) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < n; i++) {
    kv_value a = kv_from_dynamic(kql_series_at(args[0], i)), b = kv_from_dynamic(kql_series_at(args[1], i));
    kv_value r;
    if (op == KV_OP_DIV) {
      double x, y;
      r = kv_num_real(a, &x) && kv_num_real(b, &y) ? kv_real(x / y) : kv_dyn_null();
    } else {
      r = kv_arith(op, a, b);
    }
    kv_array_push(out, r);
    kv_release(a);
    kv_release(b);
  }
  return out;
}

KQL_FN(series_add) { return kql_series_binary(args, KV_OP_ADD); }
KQL_FN(series_subtract) { return kql_series_binary(args, KV_OP_SUB); }
KQL_FN(series_multiply) { return kql_series_binary(args, KV_OP_MUL); }
KQL_FN(series_divide) { return kql_series_binary(args, KV_OP_DIV); }

KQL_FN(series_pow) {
  size_t n = kql_series_len(args, 2);
  if (n == (size_t)-1) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < n; i++) {
    double x, y;
    bool ok = kv_num_real(kql_series_at(args[0], i), &x) && kv_num_real(kql_series_at(args[1], i), &y);
    kv_array_push(out, ok ? kv_real(pow(x, y)) : kv_dyn_null());
  }
  return out;
}

static kv_value kql_series_cmp(const kv_value *args, kv_cmp_op op) {
  size_t n = kql_series_len(args, 2);
  if (n == (size_t)-1) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < n; i++) {
    int t = kv_cmp(op, kql_series_at(args[0], i), kql_series_at(args[1], i));
    kv_array_push(out, t < 0 ? kv_dyn_null() : kv_bool(t == 1));
  }
  return out;
}

KQL_FN(series_equals) { return kql_series_cmp(args, KV_CMP_EQ); }
KQL_FN(series_not_equals) { return kql_series_cmp(args, KV_CMP_NE); }
KQL_FN(series_greater) { return kql_series_cmp(args, KV_CMP_GT); }
KQL_FN(series_greater_equals) { return kql_series_cmp(args, KV_CMP_GE); }
KQL_FN(series_less) { return kql_series_cmp(args, KV_CMP_LT); }
KQL_FN(series_less_equals) { return kql_series_cmp(args, KV_CMP_LE); }

static kv_value kql_series_unary(kv_value arr, double (*f)(double)) {
  if (!kv_is_array(arr)) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < kv_array_count(arr); i++) {
    double x;
    kv_array_push(out, kv_num_real(kv_array_get(arr, i), &x) ? kv_real(f(x)) : kv_dyn_null());
  }
  return out;
}

KQL_FN(series_abs) { return kql_series_unary(args[0], fabs); }
KQL_FN(series_floor) { return kql_series_unary(args[0], floor); }
KQL_FN(series_ceiling) { return kql_series_unary(args[0], ceil); }
KQL_FN(series_exp) { return kql_series_unary(args[0], exp); }
KQL_FN(series_log) { return kql_series_unary(args[0], log); }
KQL_FN(series_sin) { return kql_series_unary(args[0], sin); }
KQL_FN(series_cos) { return kql_series_unary(args[0], cos); }
KQL_FN(series_tan) { return kql_series_unary(args[0], tan); }
KQL_FN(series_asin) { return kql_series_unary(args[0], asin); }
KQL_FN(series_acos) { return kql_series_unary(args[0], acos); }
KQL_FN(series_atan) { return kql_series_unary(args[0], atan); }

/* series_sign keeps integers integral (emulator:series-sign-function-00). */
KQL_FN(series_sign) {
  if (!kv_is_array(args[0])) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < kv_array_count(args[0]); i++) {
    kv_value e = kv_array_get(args[0], i);
    kv_type t = kv_scalar_type(e);
    double x;
    if (kv_is_null(e) || !kv_num_real(e, &x)) {
      kv_array_push(out, kv_dyn_null());
    } else if (t == KV_INT || t == KV_LONG) {
      kv_array_push(out, kv_long(x > 0 ? 1 : x < 0 ? -1 : 0));
    } else {
      kv_array_push(out, kv_real(isnan(x) ? x : x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0));
    }
  }
  return out;
}

KQL_FN(series_sum) {
  if (!kv_is_array(args[0])) return kv_null(KV_REAL);
  double s = 0, x;
  for (size_t i = 0; i < kv_array_count(args[0]); i++)
    if (kv_num_real(kv_array_get(args[0], i), &x)) s += x;
  return kv_real(s);
}

KQL_FN(series_magnitude) {
  if (!kv_is_array(args[0])) return kv_null(KV_REAL);
  double s = 0, x;
  for (size_t i = 0; i < kv_array_count(args[0]); i++)
    if (kv_num_real(kv_array_get(args[0], i), &x)) s += x * x;
  return kv_real(sqrt(s));
}
