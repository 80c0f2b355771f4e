/* SPDX-License-Identifier: MIT
 * dcount/dcountif: HyperLogLog with Kusto's accuracy levels (0..4 ->
 * 2^12, 2^14, 2^16, 2^17, 2^18 registers; default 1 = 2^14, ~0.8% error).
 * Small sets are kept exactly as a sorted-free hash list (HLL++'s sparse
 * idea: counts are exact, bar 64-bit hash collisions, until the list would
 * outgrow the registers); the dense estimate uses Ertl's improved raw
 * estimator (arXiv:1702.01284), which needs no bias tables.
 * Owner: kqllib. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/agg_lib.h"

#define KQL_AGG_SIZE(n, type) const size_t kql_agg_##n##_size = sizeof(type)

struct kql_hll {
  int p;             /* register index bits */
  uint8_t *regs;     /* 2^p registers once dense, else NULL */
  uint64_t *sparse;  /* distinct hashes while small (open addressing, 0 = empty) */
  size_t sparse_count, sparse_cap; /* cap: power of two */
  bool has_zero;     /* the hash value 0 was seen (0 marks empty slots) */
};

static const int kql_hll_bits[5] = {12, 14, 16, 17, 18};

kql_hll *kql_hll_new(int accuracy) {
  if (accuracy < 0) accuracy = 0;
  if (accuracy > 4) accuracy = 4;
  kql_hll *h = kv_calloc(1, sizeof *h);
  h->p = kql_hll_bits[accuracy];
  return h;
}

static void kql_hll_dense_add(kql_hll *h, uint64_t x) {
  int q = 64 - h->p;
  size_t idx = (size_t)(x >> q);
  uint64_t w = x << h->p; /* the remaining q bits, left-aligned */
  int rho = 1;
  while (rho <= q && !(w & UINT64_C(0x8000000000000000))) {
    w <<= 1;
    rho++;
  }
  if (rho > q + 1) rho = q + 1;
  if (h->regs[idx] < rho) h->regs[idx] = (uint8_t)rho;
}

static void kql_hll_densify(kql_hll *h) {
  h->regs = kv_calloc((size_t)1 << h->p, 1);
  for (size_t i = 0; i < h->sparse_cap; i++)
    if (h->sparse[i]) kql_hll_dense_add(h, h->sparse[i]);
  if (h->has_zero) kql_hll_dense_add(h, 0);
  free(h->sparse);
  h->sparse = NULL;
  h->sparse_cap = h->sparse_count = 0;
}

static void kql_hll_sparse_insert(uint64_t *tab, size_t cap, uint64_t x, size_t *count) {
  size_t at = (size_t)(x ^ (x >> 29)) & (cap - 1);
  while (tab[at]) {
    if (tab[at] == x) return;
    at = (at + 1) & (cap - 1);
  }
  tab[at] = x;
  (*count)++;
}

void kql_hll_add_hash(kql_hll *h, uint64_t x) {
  if (h->regs) {
    kql_hll_dense_add(h, x);
    return;
  }
  if (x == 0) {
    h->has_zero = true;
    return;
  }
  /* Stay exact while the hash list costs no more than the registers would. */
  size_t limit = ((size_t)1 << h->p) / 8;
  if (h->sparse_count + 1 > limit) {
    kql_hll_densify(h);
    kql_hll_dense_add(h, x);
    return;
  }
  if ((h->sparse_count + 1) * 2 > h->sparse_cap) {
    size_t ncap = h->sparse_cap ? h->sparse_cap * 2 : 64;
    uint64_t *nt = kv_calloc(ncap, sizeof *nt);
    size_t n = 0;
    for (size_t i = 0; i < h->sparse_cap; i++)
      if (h->sparse[i]) kql_hll_sparse_insert(nt, ncap, h->sparse[i], &n);
    free(h->sparse);
    h->sparse = nt;
    h->sparse_cap = ncap;
    h->sparse_count = n;
  }
  kql_hll_sparse_insert(h->sparse, h->sparse_cap, x, &h->sparse_count);
}

static double kql_hll_sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0, z = x, zp;
  do {
    x *= x;
    zp = z;
    z += x * y;
    y += y;
  } while (z != zp);
  return z;
}

static double kql_hll_tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, zp;
  do {
    x = sqrt(x);
    zp = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != zp);
  return z / 3.0;
}

uint64_t kql_hll_estimate(const kql_hll *h) {
  if (!h->regs) return (uint64_t)h->sparse_count + (h->has_zero ? 1u : 0u);
  int q = 64 - h->p;
  size_t m = (size_t)1 << h->p;
  uint64_t c[66] = {0};
  for (size_t i = 0; i < m; i++) c[h->regs[i]]++;
  double dm = (double)m;
  double z = dm * kql_hll_tau(1.0 - (double)c[q + 1] / dm);
  for (int k = q; k >= 1; k--) z = 0.5 * (z + (double)c[k]);
  z += dm * kql_hll_sigma((double)c[0] / dm);
  double e = (dm * dm / (2.0 * log(2.0))) / z;
  return (uint64_t)llround(e);
}

void kql_hll_free(kql_hll *h) {
  if (!h) return;
  free(h->regs);
  free(h->sparse);
  free(h);
}

/* ---- the aggregates ---- */

typedef struct {
  kql_hll *hll;
  int accuracy;
  int pred_idx;
} kql_dcount_state;
KQL_AGG_SIZE(dcount, kql_dcount_state);
KQL_AGG_SIZE(dcountif, kql_dcount_state);

static void kql_dcount_init(kql_dcount_state *s, const kv_value *consts, int argc, int acc_idx, int pred_idx) {
  int64_t a;
  s->accuracy = 1;
  s->pred_idx = pred_idx;
  if (consts && acc_idx < argc && kv_num_long(consts[acc_idx], &a) && a >= 0 && a <= 4) s->accuracy = (int)a;
}

static void kql_dcount_add(kql_dcount_state *s, const kv_value *args, int argc) {
  if (s->pred_idx >= 0 && (s->pred_idx >= argc || kv_truth(args[s->pred_idx]) != 1)) return;
  if (kv_is_null(args[0])) return;
  if (!s->hll) s->hll = kql_hll_new(s->accuracy);
  kql_hll_add_hash(s->hll, kv_hash(args[0]));
}

static kv_value kql_dcount_result(kql_dcount_state *s) {
  return kv_long(s->hll ? (int64_t)kql_hll_estimate(s->hll) : 0);
}

static void kql_dcount_destroy(kql_dcount_state *s) {
  kql_hll_free(s->hll);
  s->hll = NULL;
}

void kql_agg_dcount_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_dcount_init(st, consts, argc, 1, -1);
}
void kql_agg_dcount_add(void *st, const kv_value *args, int argc) { kql_dcount_add(st, args, argc); }
kv_value kql_agg_dcount_result(void *st) { return kql_dcount_result(st); }
void kql_agg_dcount_destroy(void *st) { kql_dcount_destroy(st); }

void kql_agg_dcountif_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_dcount_init(st, consts, argc, 2, 1);
}
void kql_agg_dcountif_add(void *st, const kv_value *args, int argc) { kql_dcount_add(st, args, argc); }
kv_value kql_agg_dcountif_result(void *st) { return kql_dcount_result(st); }
void kql_agg_dcountif_destroy(void *st) { kql_dcount_destroy(st); }

/* ---- sketch access for hll()/hll_merge()/dcount_hll() (agg_sketch.c, fn_sketch.c) ---- */
int kql_hll_precision(const kql_hll *h) { return h->p; }

const uint8_t *kql_hll_registers(const kql_hll *h) { return h->regs; }

size_t kql_hll_hashes(const kql_hll *h, uint64_t *out, size_t cap) {
  size_t n = 0;
  if (h->regs) return 0;
  if (h->has_zero && n < cap) out[n++] = 0;
  for (size_t i = 0; i < h->sparse_cap && n < cap; i++)
    if (h->sparse[i]) out[n++] = h->sparse[i];
  return n;
}

size_t kql_hll_hash_count(const kql_hll *h) {
  return h->regs ? 0 : h->sparse_count + (h->has_zero ? 1u : 0u);
}

void kql_hll_merge_registers(kql_hll *h, const uint8_t *regs) {
  if (!h->regs) kql_hll_densify(h);
  size_t m = (size_t)1 << h->p;
  for (size_t i = 0; i < m; i++)
    if (h->regs[i] < regs[i]) h->regs[i] = regs[i];
}
