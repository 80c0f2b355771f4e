/* SPDX-License-Identifier: MIT
 * Kusto arithmetic (+ - * / % and unary minus) with Kusto's result typing:
 * int op int is long (fuzz type-casts-0003), long overflow wraps
 * (type-casts-0035.3), integer division by zero is null (type-casts-0029.3),
 * integer % is never negative (type-casts-coercion-0000.2), datetime/timespan
 * arithmetic in 100 ns ticks. Owner: kqllib. */
#include "value/kv_ops.h"

#include <math.h>

static bool kv_is_int_kind(kv_type t) { return t == KV_INT || t == KV_LONG; }

kv_type kv_arith_type(kv_arith_op op, kv_type a, kv_type b) {
  if (a >= KV_TYPE_COUNT || b >= KV_TYPE_COUNT) return KV_TYPE_COUNT;
  if (a == KV_DYNAMIC || b == KV_DYNAMIC) {
    kv_type o = a == KV_DYNAMIC ? b : a;
    if (o == KV_DYNAMIC || kv_type_is_numeric(o) || o == KV_DATETIME || o == KV_TIMESPAN) return KV_DYNAMIC;
    return KV_TYPE_COUNT;
  }
  if (kv_type_is_numeric(a) && kv_type_is_numeric(b)) {
    if (a == KV_DECIMAL || b == KV_DECIMAL) return KV_DECIMAL;
    if (a == KV_REAL || b == KV_REAL) return KV_REAL;
    return KV_LONG;
  }
  switch (op) {
  case KV_OP_ADD:
    if ((a == KV_DATETIME && b == KV_TIMESPAN) || (a == KV_TIMESPAN && b == KV_DATETIME)) return KV_DATETIME;
    if (a == KV_TIMESPAN && b == KV_TIMESPAN) return KV_TIMESPAN;
    return KV_TYPE_COUNT;
  case KV_OP_SUB:
    if (a == KV_DATETIME && b == KV_TIMESPAN) return KV_DATETIME;
    if (a == KV_DATETIME && b == KV_DATETIME) return KV_TIMESPAN;
    if (a == KV_TIMESPAN && b == KV_TIMESPAN) return KV_TIMESPAN;
    return KV_TYPE_COUNT;
  case KV_OP_MUL:
    if (a == KV_TIMESPAN && kv_type_is_numeric(b)) return KV_TIMESPAN;
    if (b == KV_TIMESPAN && kv_type_is_numeric(a)) return KV_TIMESPAN;
    return KV_TYPE_COUNT;
  case KV_OP_DIV:
    if (a == KV_TIMESPAN && kv_type_is_numeric(b)) return KV_TIMESPAN;
    if (a == KV_TIMESPAN && b == KV_TIMESPAN) return KV_REAL;
    return KV_TYPE_COUNT;
  case KV_OP_MOD:
    if (a == KV_TIMESPAN && b == KV_TIMESPAN) return KV_TIMESPAN;
    if (a == KV_TIMESPAN && kv_is_int_kind(b)) return KV_TIMESPAN;
    return KV_TYPE_COUNT;
  }
  return KV_TYPE_COUNT;
}

static kv_value kv_long_op(kv_arith_op op, int64_t x, int64_t y, bool *is_null) {
  uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
  *is_null = false;
  switch (op) {
  case KV_OP_ADD: return kv_long((int64_t)(ux + uy));
  case KV_OP_SUB: return kv_long((int64_t)(ux - uy));
  case KV_OP_MUL: return kv_long((int64_t)(ux * uy));
  case KV_OP_DIV:
    if (y == 0 || (x == INT64_MIN && y == -1)) break;
    return kv_long(x / y);
  case KV_OP_MOD:
    if (y == 0) break;
    if (y == -1 || y == 1) return kv_long(0);
    /* Kusto's % is never negative: -7 % 3 == 2, -7 % -3 == 2, 7 % -3 == 1
     * (fuzz type-casts-coercion-0000.2). */
    {
      int64_t r = x % y;
      if (r < 0) r += y < 0 ? -y : y;
      return kv_long(r);
    }
  }
  *is_null = true;
  return kv_null(KV_LONG);
}

static double kv_real_op(kv_arith_op op, double x, double y) {
  switch (op) {
  case KV_OP_ADD: return x + y;
  case KV_OP_SUB: return x - y;
  case KV_OP_MUL: return x * y;
  case KV_OP_DIV: return x / y;
  case KV_OP_MOD: {
    /* never negative, as for integers: (-5.5) % 3.0 == 0.5, 5.5 % -3.0 == 2.5
     * (fuzz type-casts-coercion-0035.2) */
    double r = fmod(x, y);
    if (r < 0) r += fabs(y);
    return r;
  }
  }
  return NAN;
}

/* Rounds a tick count computed in double back to int64 (null when out of range). */
static bool kv_ticks_from_real(double t, int64_t *out) {
  if (!(t > -9.2e18 && t < 9.2e18)) return false;
  *out = (int64_t)llround(t);
  return true;
}

static kv_value kv_arith_typed(kv_arith_op op, kv_value a, kv_value b, kv_type ta, kv_type tb, kv_type rt) {
  bool n;
  int64_t t;
  double x, y;
  switch (rt) {
  case KV_LONG: return kv_long_op(op, a.u.i, b.u.i, &n);
  case KV_REAL:
    if (ta == KV_TIMESPAN && tb == KV_TIMESPAN) {
      /* 1d / 1h == 24.0 (type-casts-0027.2: real) */
      return kv_real((double)a.u.i / (double)b.u.i);
    }
    kv_num_real(a, &x);
    kv_num_real(b, &y);
    return kv_real(kv_real_op(op, x, y));
  case KV_DECIMAL: {
    kv_num_real(a, &x);
    kv_num_real(b, &y);
    double r = kv_real_op(op, x, y);
    if (!isfinite(r)) return kv_null(KV_DECIMAL); /* decimal has no inf/nan */
    return kv_decimal(r);
  }
  case KV_DATETIME: {
    kv_value l = kv_long_op(op, a.u.i, b.u.i, &n);
    if (l.u.i < 0 || l.u.i > INT64_C(3155378975999999999)) return kv_null(KV_DATETIME);
    return kv_datetime(l.u.i);
  }
  case KV_TIMESPAN:
    if (ta == KV_TIMESPAN && tb == KV_TIMESPAN) {
      kv_value l = kv_long_op(op, a.u.i, b.u.i, &n);
      return n ? kv_null(KV_TIMESPAN) : kv_timespan(l.u.i);
    }
    if (ta == KV_DATETIME && tb == KV_DATETIME) return kv_timespan((int64_t)((uint64_t)a.u.i - (uint64_t)b.u.i));
    if (op == KV_OP_MUL) {
      kv_value span = ta == KV_TIMESPAN ? a : b;
      kv_value num = ta == KV_TIMESPAN ? b : a;
      kv_type nt = ta == KV_TIMESPAN ? tb : ta;
      if (kv_is_int_kind(nt)) return kv_timespan((int64_t)((uint64_t)span.u.i * (uint64_t)num.u.i));
      kv_num_real(num, &y);
      return kv_ticks_from_real((double)span.u.i * y, &t) ? kv_timespan(t) : kv_null(KV_TIMESPAN);
    }
    if (op == KV_OP_DIV) {
      kv_num_real(b, &y);
      if (y == 0) return kv_null(KV_TIMESPAN);
      return kv_ticks_from_real((double)a.u.i / y, &t) ? kv_timespan(t) : kv_null(KV_TIMESPAN);
    }
    if (op == KV_OP_MOD) {
      kv_value l = kv_long_op(op, a.u.i, b.u.i, &n);
      return n ? kv_null(KV_TIMESPAN) : kv_timespan(l.u.i);
    }
    return kv_null(KV_TIMESPAN);
  default: return kv_null(rt);
  }
}

kv_value kv_arith(kv_arith_op op, kv_value a, kv_value b) {
  bool dyn = a.type == KV_DYNAMIC || b.type == KV_DYNAMIC;
  kv_type ta = kv_scalar_type(a), tb = kv_scalar_type(b);
  kv_type rt = kv_arith_type(op, ta, tb);
  if (dyn) {
    /* Dynamic operands: compute on the unwrapped scalars, wrap the result. */
    if (rt == KV_TYPE_COUNT || rt == KV_DYNAMIC || kv_is_null(a) || kv_is_null(b)) return kv_dyn_null();
    kv_value r = kv_arith_typed(op, a, b, ta, tb, rt);
    kv_value d = kv_to_dynamic(r);
    kv_release(r);
    return d;
  }
  if (rt == KV_TYPE_COUNT) return kv_null(KV_LONG);
  if (kv_is_null(a) || kv_is_null(b)) return kv_null(rt);
  return kv_arith_typed(op, a, b, ta, tb, rt);
}

kv_value kv_negate(kv_value a) {
  if (a.type == KV_DYNAMIC) {
    if (kv_is_null(a)) return kv_dyn_null();
    if (a.dyn >= KV_DYN_NULL) return kv_dyn_null(); /* -[1,2] / -{}: no number to negate */
    kv_value s = kv_from_dynamic(a);
    kv_value r = kv_negate(s);
    kv_release(s);
    kv_value d = kv_to_dynamic(r);
    kv_release(r);
    return d;
  }
  if (kv_is_null(a)) return kv_null((kv_type)a.type);
  switch ((kv_type)a.type) {
  case KV_INT: return kv_int((int32_t)(0u - (uint32_t)a.u.i));
  case KV_LONG: return kv_long((int64_t)(0u - (uint64_t)a.u.i));
  case KV_TIMESPAN: return kv_timespan((int64_t)(0u - (uint64_t)a.u.i));
  case KV_REAL: return kv_real(-a.u.r);
  case KV_DECIMAL: return kv_decimal(-a.u.r);
  default: return kv_null((kv_type)a.type);
  }
}
