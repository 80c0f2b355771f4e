/* SPDX-License-Identifier: MIT
 * Collecting aggregates: make_list(_if, _with_nulls), make_set(_if),
 * make_bag(_if), count_distinct(if). Lists keep arrival order, sets keep
 * first-arrival order (agent-aggregation-0003), bags keep the first value of
 * a key (agent-aggregation-0004.2). Nulls are skipped except by
 * make_list_with_nulls. Owner: kqllib. */
#include <stdlib.h>
#include <string.h>

#include "kql/agg_lib.h"

#define KQL_AGG_SIZE(n, type) const size_t kql_agg_##n##_size = sizeof(type)

/* Kusto's default and maximum element count for make_list/make_set. */
#define KQL_COLLECT_DEFAULT_MAX 1048576

/* ---- a hash set of values (kv_same / kv_hash) ---- */

typedef struct {
  kv_value *items; /* owned */
  uint64_t *hashes;
  size_t count, cap;
  uint32_t *slots; /* 0 = empty, else item index + 1 */
  size_t nslots;   /* power of two */
} kql_vset;

static void kql_vset_grow(kql_vset *s) {
  size_t n = s->nslots ? s->nslots * 2 : 16;
  free(s->slots);
  s->slots = kv_calloc(n, sizeof *s->slots);
  s->nslots = n;
  for (size_t i = 0; i < s->count; i++) {
    size_t at = (size_t)s->hashes[i] & (n - 1);
    while (s->slots[at]) at = (at + 1) & (n - 1);
    s->slots[at] = (uint32_t)(i + 1);
  }
}

/* Adds a copy of v; returns false if an equal value is already present. */
static bool kql_vset_add(kql_vset *s, kv_value v) {
  uint64_t h = kv_hash(v);
  if (s->nslots) {
    size_t at = (size_t)h & (s->nslots - 1);
    while (s->slots[at]) {
      size_t idx = s->slots[at] - 1;
      if (s->hashes[idx] == h && kv_same(s->items[idx], v)) return false;
      at = (at + 1) & (s->nslots - 1);
    }
  }
  if (s->count == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 8;
    s->items = kv_realloc(s->items, s->cap * sizeof *s->items);
    s->hashes = kv_realloc(s->hashes, s->cap * sizeof *s->hashes);
  }
  s->items[s->count] = kv_retain(v);
  s->hashes[s->count] = h;
  s->count++;
  if (s->count * 2 > s->nslots) {
    kql_vset_grow(s);
  } else {
    size_t at = (size_t)h & (s->nslots - 1);
    while (s->slots[at]) at = (at + 1) & (s->nslots - 1);
    s->slots[at] = (uint32_t)s->count;
  }
  return true;
}

static void kql_vset_free(kql_vset *s) {
  for (size_t i = 0; i < s->count; i++) kv_release(s->items[i]);
  free(s->items);
  free(s->hashes);
  free(s->slots);
  memset(s, 0, sizeof *s);
}

/* ---- lists ---- */

typedef struct {
  bool started;
  int64_t max;
  bool keep_nulls;
  int pred_idx; /* argument index of the predicate, or -1 */
  kv_value arr; /* dynamic array, created lazily */
  kql_vset set; /* make_set only */
  int64_t distinct; /* count_distinct: kept in set.count */
} kql_coll_state;
KQL_AGG_SIZE(make_list, kql_coll_state);
KQL_AGG_SIZE(make_list_if, kql_coll_state);
KQL_AGG_SIZE(make_list_with_nulls, kql_coll_state);
KQL_AGG_SIZE(make_set, kql_coll_state);
KQL_AGG_SIZE(make_set_if, kql_coll_state);
KQL_AGG_SIZE(make_bag, kql_coll_state);
KQL_AGG_SIZE(make_bag_if, kql_coll_state);
KQL_AGG_SIZE(count_distinct, kql_coll_state);
KQL_AGG_SIZE(count_distinctif, kql_coll_state);

static void kql_coll_init(kql_coll_state *s, const kv_value *consts, int argc, int pred_idx, int max_idx) {
  s->max = KQL_COLLECT_DEFAULT_MAX;
  s->pred_idx = pred_idx;
  int64_t m;
  if (consts && max_idx >= 0 && max_idx < argc && kv_num_long(consts[max_idx], &m) && m > 0) s->max = m;
}

static bool kql_coll_pass(kql_coll_state *s, const kv_value *args, int argc) {
  if (s->pred_idx < 0) return true;
  return s->pred_idx < argc && kv_truth(args[s->pred_idx]) == 1;
}

static void kql_coll_destroy(kql_coll_state *s) {
  if (s->started) kv_release(s->arr);
  s->started = false;
  kql_vset_free(&s->set);
}

static kv_value kql_list_result(kql_coll_state *s) { return s->started ? kv_retain(s->arr) : kv_dyn_array(); }

/* make_list skips typed nulls (null-and-edge-0035.2) but keeps a dynamic
 * null, and a dynamic array contributes its elements: make_list over
 * [1,2], [3,4] is [1,2,3,4] and over null, [5] is [null,5]
 * (fuzz agent-aggregation-0029.3, 0039.3). */
static void kql_list_add(kql_coll_state *s, const kv_value *args, int argc) {
  if (!kql_coll_pass(s, args, argc)) return;
  kv_value v = args[0];
  if (kv_is_null(v) && v.type != KV_DYNAMIC && !s->keep_nulls) return;
  if (!s->started) {
    s->arr = kv_dyn_array();
    s->started = true;
  }
  if (kv_is_array(v)) {
    for (size_t i = 0; i < kv_array_count(v); i++) {
      if ((int64_t)kv_array_count(s->arr) >= s->max) return;
      kv_array_push(s->arr, kv_retain(kv_array_get(v, i)));
    }
    return;
  }
  if ((int64_t)kv_array_count(s->arr) >= s->max) return;
  kv_array_push(s->arr, kv_retain(v));
}

void kql_agg_make_list_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, consts, argc, -1, 1);
}
void kql_agg_make_list_add(void *st, const kv_value *args, int argc) { kql_list_add(st, args, argc); }
kv_value kql_agg_make_list_result(void *st) { return kql_list_result(st); }
void kql_agg_make_list_destroy(void *st) { kql_coll_destroy(st); }

void kql_agg_make_list_if_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, consts, argc, 1, 2);
}
void kql_agg_make_list_if_add(void *st, const kv_value *args, int argc) { kql_list_add(st, args, argc); }
kv_value kql_agg_make_list_if_result(void *st) { return kql_list_result(st); }
void kql_agg_make_list_if_destroy(void *st) { kql_coll_destroy(st); }

void kql_agg_make_list_with_nulls_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, consts, argc, -1, 1);
  ((kql_coll_state *)st)->keep_nulls = true;
}
void kql_agg_make_list_with_nulls_add(void *st, const kv_value *args, int argc) { kql_list_add(st, args, argc); }
kv_value kql_agg_make_list_with_nulls_result(void *st) { return kql_list_result(st); }
void kql_agg_make_list_with_nulls_destroy(void *st) { kql_coll_destroy(st); }

/* ---- sets ---- */

static void kql_set_add_one(kql_coll_state *s, kv_value v) {
  if (kv_is_null(v)) return;
  if ((int64_t)s->set.count >= s->max) return;
  kql_vset_add(&s->set, v);
}

/* A dynamic array argument contributes its elements (make_set flattens). */
static void kql_set_add(kql_coll_state *s, const kv_value *args, int argc) {
  if (!kql_coll_pass(s, args, argc)) return;
  kv_value v = args[0];
  if (kv_is_array(v)) {
    for (size_t i = 0; i < kv_array_count(v); i++) kql_set_add_one(s, kv_array_get(v, i));
    return;
  }
  kql_set_add_one(s, v);
}

static kv_value kql_set_result(kql_coll_state *s) {
  kv_value arr = kv_dyn_array();
  for (size_t i = 0; i < s->set.count; i++) kv_array_push(arr, kv_retain(s->set.items[i]));
  return arr;
}

void kql_agg_make_set_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, consts, argc, -1, 1);
}
void kql_agg_make_set_add(void *st, const kv_value *args, int argc) { kql_set_add(st, args, argc); }
kv_value kql_agg_make_set_result(void *st) { return kql_set_result(st); }
void kql_agg_make_set_destroy(void *st) { kql_coll_destroy(st); }

void kql_agg_make_set_if_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, consts, argc, 1, 2);
}
void kql_agg_make_set_if_add(void *st, const kv_value *args, int argc) { kql_set_add(st, args, argc); }
kv_value kql_agg_make_set_if_result(void *st) { return kql_set_result(st); }
void kql_agg_make_set_if_destroy(void *st) { kql_coll_destroy(st); }

/* ---- count_distinct (exact) ---- */

static void kql_cd_add(kql_coll_state *s, const kv_value *args, int argc) {
  if (!kql_coll_pass(s, args, argc) || kv_is_null(args[0])) return;
  kql_vset_add(&s->set, args[0]);
}

void kql_agg_count_distinct_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, NULL, argc, -1, -1);
}
void kql_agg_count_distinct_add(void *st, const kv_value *args, int argc) { kql_cd_add(st, args, argc); }
kv_value kql_agg_count_distinct_result(void *st) { return kv_long((int64_t)((kql_coll_state *)st)->set.count); }
void kql_agg_count_distinct_destroy(void *st) { kql_coll_destroy(st); }

void kql_agg_count_distinctif_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, NULL, argc, 1, -1);
}
void kql_agg_count_distinctif_add(void *st, const kv_value *args, int argc) { kql_cd_add(st, args, argc); }
kv_value kql_agg_count_distinctif_result(void *st) {
  return kv_long((int64_t)((kql_coll_state *)st)->set.count);
}
void kql_agg_count_distinctif_destroy(void *st) { kql_coll_destroy(st); }

/* ---- bags ---- */

static void kql_bag_add(kql_coll_state *s, const kv_value *args, int argc) {
  if (!kql_coll_pass(s, args, argc)) return;
  kv_value v = args[0];
  if (!kv_is_bag(v)) return;
  if (!s->started) {
    s->arr = kv_dyn_bag();
    s->started = true;
  }
  for (size_t i = 0; i < kv_bag_count(v); i++) {
    const char *k;
    size_t kl;
    kv_value e = kv_bag_entry(v, i, &k, &kl);
    if (kv_bag_has(s->arr, k, kl)) continue;
    if ((int64_t)kv_bag_count(s->arr) >= s->max) return;
    kv_bag_set(s->arr, k, kl, kv_retain(e));
  }
}

static kv_value kql_bag_result(kql_coll_state *s) { return s->started ? kv_retain(s->arr) : kv_dyn_bag(); }

void kql_agg_make_bag_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, consts, argc, -1, 1);
}
void kql_agg_make_bag_add(void *st, const kv_value *args, int argc) { kql_bag_add(st, args, argc); }
kv_value kql_agg_make_bag_result(void *st) { return kql_bag_result(st); }
void kql_agg_make_bag_destroy(void *st) { kql_coll_destroy(st); }

void kql_agg_make_bag_if_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  kql_coll_init(st, consts, argc, 1, 2);
}
void kql_agg_make_bag_if_add(void *st, const kv_value *args, int argc) { kql_bag_add(st, args, argc); }
kv_value kql_agg_make_bag_if_result(void *st) { return kql_bag_result(st); }
void kql_agg_make_bag_if_destroy(void *st) { kql_coll_destroy(st); }
