/* SPDX-License-Identifier: MIT
 * Sketch aggregates: hll(x [, accuracy]), hll_if(x, pred [, accuracy]),
 * hll_merge(sketch), tdigest(x [, weight]), tdigest_merge(sketch) (alias
 * merge_tdigest). hll hashes values exactly as dcount() does, so
 * dcount_hll(hll(x)) == dcount(x). No row at all gives a null sketch. */
#include "kql/kql_sketch.h"

#include <stdlib.h>
#include <string.h>

#define KQL_AGG_SIZE(n, type) const size_t kql_agg_##n##_size = sizeof(type)

typedef struct {
  kql_hll *hll;
  int accuracy;
  int pred_idx;
  bool seen;
  bool bad; /* hll_merge: a value was not a sketch */
} kql_hllagg_state;
KQL_AGG_SIZE(hll, kql_hllagg_state);
KQL_AGG_SIZE(hll_if, kql_hllagg_state);
KQL_AGG_SIZE(hll_merge, kql_hllagg_state);

static void kql_hllagg_init(kql_hllagg_state *s, const kv_value *consts, int argc, int acc_idx, int pred_idx) {
  int64_t a;
  s->accuracy = 1;
  s->pred_idx = pred_idx;
  if (consts && acc_idx < argc && kv_num_long(consts[acc_idx], &a) && a >= 0 && a <= 4) s->accuracy = (int)a;
}

static void kql_hllagg_add(kql_hllagg_state *s, const kv_value *args, int argc) {
  s->seen = true;
  if (s->pred_idx >= 0 && (s->pred_idx >= argc || kv_truth(args[s->pred_idx]) != 1)) return;
  if (!s->hll) s->hll = kql_hll_new(s->accuracy);
  if (kv_is_null(args[0])) return;
  kql_hll_add_hash(s->hll, kv_hash(args[0]));
}

static kv_value kql_hllagg_result(kql_hllagg_state *s) {
  if (!s->seen || s->bad) return kv_dyn_null();
  if (!s->hll) s->hll = kql_hll_new(s->accuracy);
  return kql_sketch_hll_encode(s->hll);
}

static void kql_hllagg_destroy(kql_hllagg_state *s) {
  kql_hll_free(s->hll);
  s->hll = NULL;
}

void kql_agg_hll_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  (void)types;
  kql_hllagg_init(st, consts, argc, 1, -1);
}
void kql_agg_hll_add(void *st, const kv_value *args, int argc) { kql_hllagg_add(st, args, argc); }
kv_value kql_agg_hll_result(void *st) { return kql_hllagg_result(st); }
void kql_agg_hll_destroy(void *st) { kql_hllagg_destroy(st); }

void kql_agg_hll_if_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  (void)types;
  kql_hllagg_init(st, consts, argc, 2, 1);
}
void kql_agg_hll_if_add(void *st, const kv_value *args, int argc) { kql_hllagg_add(st, args, argc); }
kv_value kql_agg_hll_if_result(void *st) { return kql_hllagg_result(st); }
void kql_agg_hll_if_destroy(void *st) { kql_hllagg_destroy(st); }

void kql_agg_hll_merge_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  (void)types;
  kql_hllagg_init(st, consts, argc, 1, -1);
}
void kql_agg_hll_merge_add(void *st, const kv_value *args, int argc) {
  kql_hllagg_state *s = st;
  (void)argc;
  s->seen = true;
  if (!kql_sketch_hll_merge(&s->hll, args[0])) s->bad = true;
}
kv_value kql_agg_hll_merge_result(void *st) { return kql_hllagg_result(st); }
void kql_agg_hll_merge_destroy(void *st) { kql_hllagg_destroy(st); }

/* ---- t-digest ---- */
typedef struct {
  kql_tdigest td;
  bool seen;
  bool bad;
  bool weighted;
} kql_tdagg_state;
KQL_AGG_SIZE(tdigest, kql_tdagg_state);
KQL_AGG_SIZE(tdigest_merge, kql_tdagg_state);

void kql_agg_tdigest_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_tdagg_state *s = st;
  (void)consts;
  kql_td_init(&s->td, argc > 0 ? types[0] : KV_REAL);
  s->weighted = argc > 1;
}
void kql_agg_tdigest_add(void *st, const kv_value *args, int argc) {
  kql_tdagg_state *s = st;
  s->seen = true;
  double w = 1.0;
  if (s->weighted) {
    int64_t wl;
    if (argc < 2 || !kv_num_long(args[1], &wl) || wl <= 0) return;
    w = (double)wl;
  }
  kql_td_add(&s->td, args[0], w);
}
kv_value kql_agg_tdigest_result(void *st) {
  kql_tdagg_state *s = st;
  if (!s->seen || s->bad) return kv_dyn_null();
  return kql_td_encode(&s->td);
}
void kql_agg_tdigest_destroy(void *st) { kql_td_free(&((kql_tdagg_state *)st)->td); }

void kql_agg_tdigest_merge_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_tdagg_state *s = st;
  (void)types;
  (void)consts;
  (void)argc;
  kql_td_init(&s->td, KV_TYPE_COUNT);
}
void kql_agg_tdigest_merge_add(void *st, const kv_value *args, int argc) {
  kql_tdagg_state *s = st;
  (void)argc;
  s->seen = true;
  if (!kql_td_merge(&s->td, args[0])) s->bad = true;
}
kv_value kql_agg_tdigest_merge_result(void *st) {
  kql_tdagg_state *s = st;
  if (!s->seen || s->bad) return kv_dyn_null();
  if (s->td.type == KV_TYPE_COUNT) s->td.type = KV_REAL;
  return kql_td_encode(&s->td);
}
void kql_agg_tdigest_merge_destroy(void *st) { kql_td_free(&((kql_tdagg_state *)st)->td); }
