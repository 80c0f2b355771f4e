/* SPDX-License-Identifier: MIT
 * Comparison, ordering, identity and hashing of values with Kusto's rules:
 * numbers compare by value across int/long/real/decimal, strings by bytes
 * (ordinal), dynamic scalars unwrap to their kind. Also type promotion.
 * Owner: kqllib. No allocation except deep JSON comparison of dynamics. */
#include "value/kv_ops.h"

#include <math.h>
#include <string.h>

/* Kind classes: values of different classes are never equal. */
enum { KV_CLS_NULL, KV_CLS_BOOL, KV_CLS_NUM, KV_CLS_STR, KV_CLS_DT, KV_CLS_TS, KV_CLS_GUID, KV_CLS_ARR, KV_CLS_BAG };

static int kv_type_class(kv_type t) {
  switch (t) {
  case KV_BOOL: return KV_CLS_BOOL;
  case KV_INT:
  case KV_LONG:
  case KV_REAL:
  case KV_DECIMAL: return KV_CLS_NUM;
  case KV_STRING: return KV_CLS_STR;
  case KV_DATETIME: return KV_CLS_DT;
  case KV_TIMESPAN: return KV_CLS_TS;
  case KV_GUID: return KV_CLS_GUID;
  default: return -1;
  }
}

static int kv_class(kv_value v) {
  if (kv_is_null(v)) return KV_CLS_NULL;
  int c = kv_type_class(kv_scalar_type(v));
  if (c >= 0) return c;
  return v.dyn == KV_DYN_ARRAY ? KV_CLS_ARR : KV_CLS_BAG;
}

static bool kv_is_integral_kind(kv_value v) {
  kv_type t = kv_scalar_type(v);
  return t == KV_INT || t == KV_LONG;
}

/* Compares two numbers; *unordered set when a NaN is involved. */
static int kv_num_cmp(kv_value a, kv_value b, bool *unordered) {
  *unordered = false;
  if (kv_is_integral_kind(a) && kv_is_integral_kind(b)) return (a.u.i > b.u.i) - (a.u.i < b.u.i);
  double x, y;
  kv_num_real(a, &x);
  kv_num_real(b, &y);
  if (isnan(x) || isnan(y)) {
    *unordered = true;
    return isnan(x) ? (isnan(y) ? 0 : -1) : 1;
  }
  return (x > y) - (x < y);
}

static int kv_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen) {
  size_t n = alen < blen ? alen : blen;
  int c = n ? memcmp(a, b, n) : 0;
  if (c) return c < 0 ? -1 : 1;
  return (alen > blen) - (alen < blen);
}

/* Ordering of two non-null values of the same class (arrays/bags: by JSON
 * text, which is deterministic and good enough for sorting dynamics). */
static int kv_same_class_cmp(kv_value a, kv_value b, int cls, bool *unordered) {
  *unordered = false;
  switch (cls) {
  case KV_CLS_BOOL: return (int)a.u.b - (int)b.u.b;
  case KV_CLS_NUM: return kv_num_cmp(a, b, unordered);
  case KV_CLS_STR: return kv_bytes_cmp(a.u.s, a.len, b.u.s, b.len);
  case KV_CLS_DT:
  case KV_CLS_TS: return (a.u.i > b.u.i) - (a.u.i < b.u.i);
  case KV_CLS_GUID: {
    /* Order by canonical text, which is what users see. */
    kv_buf x, y;
    kv_buf_init(&x);
    kv_buf_init(&y);
    kv_format_guid(&x, a.u.g);
    kv_format_guid(&y, b.u.g);
    int c = kv_bytes_cmp(x.data, x.len, y.data, y.len);
    kv_buf_free(&x);
    kv_buf_free(&y);
    return c;
  }
  default: {
    kv_buf x, y;
    kv_buf_init(&x);
    kv_buf_init(&y);
    kv_to_json(&x, a);
    kv_to_json(&y, b);
    int c = kv_bytes_cmp(x.data ? x.data : "", x.len, y.data ? y.data : "", y.len);
    kv_buf_free(&x);
    kv_buf_free(&y);
    return c;
  }
  }
}

int kv_cmp(kv_cmp_op op, kv_value a, kv_value b) {
  /* Fast path: two non-null typed integers (the filter hot path). */
  if ((a.type == KV_LONG || a.type == KV_INT) && (b.type == KV_LONG || b.type == KV_INT) &&
      !((a.flags | b.flags) & KV_F_NULL)) {
    int64_t x = a.u.i, y = b.u.i;
    switch (op) {
    case KV_CMP_EQ: return x == y;
    case KV_CMP_NE: return x != y;
    case KV_CMP_LT: return x < y;
    case KV_CMP_LE: return x <= y;
    case KV_CMP_GT: return x > y;
    default: return x >= y;
    }
  }
  int ca = kv_class(a), cb = kv_class(b);
  if (ca == KV_CLS_NULL || cb == KV_CLS_NULL || ca != cb) {
    /* null == x is false; null < x is null (null-and-edge-0002/0003/0004). */
    if (op == KV_CMP_EQ) return 0;
    if (op == KV_CMP_NE) return 1;
    return -1;
  }
  if (op == KV_CMP_EQ || op == KV_CMP_NE) {
    bool eq;
    if (ca == KV_CLS_ARR || ca == KV_CLS_BAG) {
      eq = kv_same(a, b);
    } else {
      bool unordered;
      int c = kv_same_class_cmp(a, b, ca, &unordered);
      eq = !unordered && c == 0;
    }
    return (op == KV_CMP_EQ) == eq;
  }
  if (ca == KV_CLS_ARR || ca == KV_CLS_BAG) return -1;
  bool unordered;
  int c = kv_same_class_cmp(a, b, ca, &unordered);
  if (unordered) return 0; /* IEEE: every ordered comparison with NaN is false */
  switch (op) {
  case KV_CMP_LT: return c < 0;
  case KV_CMP_LE: return c <= 0;
  case KV_CMP_GT: return c > 0;
  default: return c >= 0;
  }
}


bool kv_cmp_types_ok(kv_cmp_op op, kv_type a, kv_type b) {
  (void)op;
  if (a == KV_DYNAMIC || b == KV_DYNAMIC) return true;
  if (a >= KV_TYPE_COUNT || b >= KV_TYPE_COUNT) return false;
  return kv_type_class(a) == kv_type_class(b);
}

/* Sort rank of a non-null class, for mixed dynamic columns. */
int kv_order(kv_value a, kv_value b, bool nulls_first) {
  int ca = kv_class(a), cb = kv_class(b);
  if (ca == KV_CLS_NULL || cb == KV_CLS_NULL) {
    if (ca == cb) return 0;
    int a_first = ca == KV_CLS_NULL ? -1 : 1;
    return nulls_first ? a_first : -a_first;
  }
  if (ca != cb) return ca < cb ? -1 : 1;
  bool unordered;
  /* NaN sorts below every number (as .NET's double.CompareTo does). */
  return kv_same_class_cmp(a, b, ca, &unordered);
}

int kv_sort_compare(kv_value a, kv_value b, bool descending, bool nulls_first) {
  bool na = kv_is_null(a), nb = kv_is_null(b);
  if (na || nb) {
    if (na && nb) return 0;
    return (na ? -1 : 1) * (nulls_first ? 1 : -1);
  }
  int c = kv_order(a, b, nulls_first);
  return descending ? -c : c;
}

/* ---- identity ---- */

static bool kv_bag_same(kv_value a, kv_value b) {
  size_t n = kv_bag_count(a);
  if (n != kv_bag_count(b)) return false;
  for (size_t i = 0; i < n; i++) {
    const char *k;
    size_t kl;
    kv_value x = kv_bag_entry(a, i, &k, &kl);
    if (!kv_bag_has(b, k, kl)) return false;
    if (!kv_same(x, kv_bag_get(b, k, kl))) return false;
  }
  return true;
}

bool kv_same(kv_value a, kv_value b) {
  int ca = kv_class(a), cb = kv_class(b);
  if (ca != cb) return false;
  switch (ca) {
  case KV_CLS_NULL: return true;
  case KV_CLS_ARR: {
    size_t n = kv_array_count(a);
    if (n != kv_array_count(b)) return false;
    for (size_t i = 0; i < n; i++)
      if (!kv_same(kv_array_get(a, i), kv_array_get(b, i))) return false;
    return true;
  }
  case KV_CLS_BAG: return kv_bag_same(a, b);
  case KV_CLS_NUM: {
    bool unordered;
    int c = kv_num_cmp(a, b, &unordered);
    if (unordered) {
      double x, y;
      kv_num_real(a, &x);
      kv_num_real(b, &y);
      return isnan(x) && isnan(y); /* NaN groups with NaN */
    }
    return c == 0;
  }
  case KV_CLS_GUID: return memcmp(a.u.g, b.u.g, 16) == 0;
  default: {
    bool unordered;
    return kv_same_class_cmp(a, b, ca, &unordered) == 0;
  }
  }
}

static uint64_t kv_mix64(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

uint64_t kv_hash_bytes(const void *p, size_t len, uint64_t seed) {
  const unsigned char *s = p;
  uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
  size_t i = 0;
  /* 8 bytes at a time (assembled little-endian: no unaligned loads). */
  for (; i + 8 <= len; i += 8) {
    uint64_t w = 0;
    for (int k = 7; k >= 0; k--) w = (w << 8) | s[i + (size_t)k];
    h = (h ^ kv_mix64(w)) * UINT64_C(0x100000001b3);
  }
  uint64_t w = 0;
  for (size_t k = len; k > i; k--) w = (w << 8) | s[k - 1];
  h = (h ^ kv_mix64(w ^ (uint64_t)len)) * UINT64_C(0x100000001b3);
  return kv_mix64(h);
}

uint64_t kv_hash(kv_value v) {
  int cls = kv_class(v);
  uint64_t tag = (uint64_t)cls * UINT64_C(0x9e3779b97f4a7c15);
  switch (cls) {
  case KV_CLS_NULL: return kv_mix64(tag + 1);
  case KV_CLS_BOOL: return kv_mix64(tag + (v.u.b ? 2 : 3));
  case KV_CLS_NUM: {
    if (kv_is_integral_kind(v)) return kv_mix64(tag ^ (uint64_t)v.u.i);
    double r = v.u.r;
    if (isnan(r)) return kv_mix64(tag + 7);
    /* Integral reals hash like the equal long (kv_same(1, 1.0) is true). */
    if (r >= -9.2e18 && r <= 9.2e18 && r == floor(r)) return kv_mix64(tag ^ (uint64_t)(int64_t)r);
    uint64_t bits;
    memcpy(&bits, &r, sizeof bits);
    return kv_mix64(tag ^ bits);
  }
  case KV_CLS_STR: return kv_hash_bytes(v.u.s, v.len, tag);
  case KV_CLS_DT:
  case KV_CLS_TS: return kv_mix64(tag ^ (uint64_t)v.u.i);
  case KV_CLS_GUID: return kv_hash_bytes(v.u.g, 16, tag);
  case KV_CLS_ARR: {
    uint64_t h = tag;
    size_t n = kv_array_count(v);
    for (size_t i = 0; i < n; i++) h = kv_mix64(h * 31u + kv_hash(kv_array_get(v, i)));
    return kv_mix64(h + n);
  }
  default: {
    /* Bags: order-independent combination of (key, value) hashes. */
    uint64_t h = 0;
    size_t n = kv_bag_count(v);
    for (size_t i = 0; i < n; i++) {
      const char *k;
      size_t kl;
      kv_value e = kv_bag_entry(v, i, &k, &kl);
      h += kv_mix64(kv_hash_bytes(k, kl, 17) ^ kv_hash(e));
    }
    return kv_mix64(h ^ tag ^ n);
  }
  }
}

/* ---- types ---- */

bool kv_type_is_numeric(kv_type t) { return t == KV_INT || t == KV_LONG || t == KV_REAL || t == KV_DECIMAL; }

kv_type kv_common_type(kv_type a, kv_type b) {
  if (a == b) return a;
  if (a >= KV_TYPE_COUNT || b >= KV_TYPE_COUNT) return KV_TYPE_COUNT;
  if (a == KV_DYNAMIC || b == KV_DYNAMIC) return KV_DYNAMIC;
  if (kv_type_is_numeric(a) && kv_type_is_numeric(b)) {
    if (a == KV_DECIMAL || b == KV_DECIMAL) return KV_DECIMAL;
    if (a == KV_REAL || b == KV_REAL) return KV_REAL;
    return KV_LONG;
  }
  return KV_TYPE_COUNT;
}
