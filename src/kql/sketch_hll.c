/* SPDX-License-Identifier: MIT
 * hll sketches as dynamic values: ["hll", p, [hash, ...]] while the
 * HyperLogLog of agg_dcount.c is still an exact hash list, ["hll", p,
 * "registers"] (one character '0'+r per register) once dense. Decoding
 * merges into a live kql_hll so dcount_hll(hll_merge(...)) gives the same
 * estimate as dcount over the union. Sketches of different precision merge
 * at the lower one (dense registers are folded). Never trusts the input:
 * any malformed sketch is rejected. */
#include "kql/kql_sketch.h"

#include <stdlib.h>
#include <string.h>

static const int kql_sk_bits[5] = {12, 14, 16, 17, 18};

int kql_sketch_hll_level(int p) {
  for (int i = 0; i < 5; i++)
    if (kql_sk_bits[i] == p) return i;
  return -1;
}

kv_value kql_sketch_hll_encode(const kql_hll *h) {
  kv_value arr = kv_dyn_array();
  kv_array_push(arr, kv_to_dynamic(kv_string_borrowed("hll", 3)));
  int p = kql_hll_precision(h);
  kv_array_push(arr, kv_to_dynamic(kv_long(p)));
  const uint8_t *regs = kql_hll_registers(h);
  if (regs) {
    size_t m = (size_t)1 << p;
    char *s = kv_malloc(m + 1);
    for (size_t i = 0; i < m; i++) s[i] = (char)('0' + (regs[i] > 64 ? 64 : regs[i]));
    s[m] = 0;
    kv_value str = kv_string_take(s, m);
    kv_array_push(arr, kv_to_dynamic(str));
    kv_release(str);
  } else {
    size_t n = kql_hll_hash_count(h);
    uint64_t *hs = kv_malloc(sizeof *hs * (n + 1));
    n = kql_hll_hashes(h, hs, n);
    kv_value list = kv_dyn_array();
    for (size_t i = 0; i < n; i++) {
      int64_t x;
      memcpy(&x, &hs[i], sizeof x);
      kv_array_push(list, kv_to_dynamic(kv_long(x)));
    }
    free(hs);
    kv_array_push(arr, list);
  }
  return arr;
}

/* Folds 2^pf registers to 2^pt (pt < pf): the dropped index bits become the
 * leading bits of the remaining hash word. */
static void kql_sk_fold(const uint8_t *from, int pf, uint8_t *to, int pt) {
  int d = pf - pt;
  size_t m = (size_t)1 << pf;
  for (size_t i = 0; i < m; i++) {
    if (!from[i]) continue;
    size_t lo = i & (((size_t)1 << d) - 1);
    int rho;
    if (lo) {
      int top = 0;
      for (size_t x = lo; x > 1; x >>= 1) top++;
      rho = d - top;
    } else {
      rho = from[i] + d;
    }
    if (rho > 64 - pt + 1) rho = 64 - pt + 1;
    size_t j = i >> d;
    if (to[j] < rho) to[j] = (uint8_t)rho;
  }
}

/* Re-creates *h at precision p (lower than its own), keeping its contents. */
static void kql_sk_lower(kql_hll **h, int p) {
  kql_hll *nh = kql_hll_new(kql_sketch_hll_level(p));
  const uint8_t *regs = kql_hll_registers(*h);
  if (regs) {
    uint8_t *to = kv_calloc((size_t)1 << p, 1);
    kql_sk_fold(regs, kql_hll_precision(*h), to, p);
    kql_hll_merge_registers(nh, to);
    free(to);
  } else {
    size_t n = kql_hll_hash_count(*h);
    uint64_t *hs = kv_malloc(sizeof *hs * (n + 1));
    n = kql_hll_hashes(*h, hs, n);
    for (size_t i = 0; i < n; i++) kql_hll_add_hash(nh, hs[i]);
    free(hs);
  }
  kql_hll_free(*h);
  *h = nh;
}

bool kql_sketch_hll_merge(kql_hll **h, kv_value v) {
  if (kv_is_null(v) && !kv_is_array(v)) return true;
  if (!kv_is_array(v) || kv_array_count(v) != 3) return false;
  kv_value tag = kv_array_get(v, 0), pv = kv_array_get(v, 1), body = kv_array_get(v, 2);
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t tl = 0;
  const char *ts = kv_scalar_type(tag) == KV_STRING ? kv_str_view(tag, &tmp, &tl) : NULL;
  bool is_hll = ts && tl == 3 && !memcmp(ts, "hll", 3);
  kv_buf_free(&tmp);
  int64_t p = 0;
  if (!is_hll || !kv_num_long(pv, &p) || kql_sketch_hll_level((int)p) < 0) return false;
  const uint8_t *dense = NULL;
  size_t dense_len = 0;
  kv_buf rb;
  kv_buf_init(&rb);
  if (kv_scalar_type(body) == KV_STRING) {
    dense = (const uint8_t *)kv_str_view(body, &rb, &dense_len);
    if (!dense || dense_len != ((size_t)1 << p)) {
      kv_buf_free(&rb);
      return false;
    }
    for (size_t i = 0; i < dense_len; i++)
      if (dense[i] < '0' || dense[i] > '0' + 64 - p + 1) {
        kv_buf_free(&rb);
        return false;
      }
  } else if (!kv_is_array(body)) {
    return false;
  }
  if (!*h) *h = kql_hll_new(kql_sketch_hll_level((int)p));
  if (kql_hll_precision(*h) > p) kql_sk_lower(h, (int)p);
  int hp = kql_hll_precision(*h);
  if (dense) {
    size_t m = (size_t)1 << hp;
    uint8_t *regs = kv_calloc(m, 1);
    if (hp == p) {
      for (size_t i = 0; i < m; i++) regs[i] = (uint8_t)(dense[i] - '0');
    } else {
      uint8_t *from = kv_malloc(dense_len);
      for (size_t i = 0; i < dense_len; i++) from[i] = (uint8_t)(dense[i] - '0');
      kql_sk_fold(from, (int)p, regs, hp);
      free(from);
    }
    kql_hll_merge_registers(*h, regs);
    free(regs);
    kv_buf_free(&rb);
    return true;
  }
  size_t n = kv_array_count(body);
  for (size_t i = 0; i < n; i++) {
    int64_t x;
    if (!kv_num_long(kv_array_get(body, i), &x)) continue;
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    kql_hll_add_hash(*h, u);
  }
  return true;
}
