/* SPDX-License-Identifier: MIT
 * buildschema(dynamic) aggregate: the union type of all values. A bag
 * becomes {key: schema}, an array {"`indexer`": element schema}, a scalar
 * its type name ("long", "double", "string", ...); a slot seen with several
 * kinds becomes an array of them, objects first, then the names sorted
 * (the engine's order, emulator: buildschema-aggregation-function-00).
 * Nulls add nothing; no value at all gives null. */
#include <stdlib.h>
#include <string.h>

#include "kql/agg_lib.h"

#define KQL_AGG_SIZE(n, type) const size_t kql_agg_##n##_size = sizeof(type)
#define KQL_BS_MAX_DEPTH 64

typedef struct kql_bs_node kql_bs_node;
struct kql_bs_node {
  bool has_bag;
  size_t nkeys, cap;
  char **keys;
  size_t *key_lens;
  kql_bs_node **vals;
  kql_bs_node *indexer; /* array element schema (has_array) */
  bool has_array;
  unsigned scalars;     /* bit per scalar name (kql_bs_names order) */
};

/* sorted: output order of the scalar names */
static const char *const kql_bs_names[] = {"bool", "datetime", "decimal", "double", "guid",
                                           "int", "long", "string", "timespan"};

static int kql_bs_name_of(kv_type t) {
  switch (t) {
    case KV_BOOL: return 0;
    case KV_DATETIME: return 1;
    case KV_DECIMAL: return 2;
    case KV_REAL: return 3;
    case KV_GUID: return 4;
    case KV_INT: return 5;
    case KV_LONG: return 6;
    case KV_STRING: return 7;
    case KV_TIMESPAN: return 8;
    default: return -1;
  }
}

static void kql_bs_free(kql_bs_node *n) {
  if (!n) return;
  for (size_t i = 0; i < n->nkeys; i++) {
    free(n->keys[i]);
    kql_bs_free(n->vals[i]);
  }
  free(n->keys);
  free(n->key_lens);
  free(n->vals);
  kql_bs_free(n->indexer);
  free(n);
}

static void kql_bs_add(kql_bs_node *n, kv_value v, int depth) {
  if (depth > KQL_BS_MAX_DEPTH) return;
  if (kv_is_bag(v)) {
    n->has_bag = true;
    for (size_t k = 0; k < kv_bag_count(v); k++) {
      const char *key;
      size_t kl;
      kv_value item = kv_bag_entry(v, k, &key, &kl);
      size_t at = n->nkeys;
      for (size_t i = 0; i < n->nkeys; i++)
        if (n->key_lens[i] == kl && !memcmp(n->keys[i], key, kl)) at = i;
      if (at == n->nkeys) {
        if (n->nkeys == n->cap) {
          n->cap = n->cap ? n->cap * 2 : 4;
          n->keys = kv_realloc(n->keys, sizeof *n->keys * n->cap);
          n->key_lens = kv_realloc(n->key_lens, sizeof *n->key_lens * n->cap);
          n->vals = kv_realloc(n->vals, sizeof *n->vals * n->cap);
        }
        n->keys[at] = kv_strndup(key, kl);
        n->key_lens[at] = kl;
        n->vals[at] = kv_calloc(1, sizeof(kql_bs_node));
        n->nkeys++;
      }
      kql_bs_add(n->vals[at], item, depth + 1);
    }
    return;
  }
  if (kv_is_array(v)) {
    n->has_array = true;
    if (!n->indexer) n->indexer = kv_calloc(1, sizeof(kql_bs_node));
    size_t c = kv_array_count(v);
    for (size_t i = 0; i < c; i++) kql_bs_add(n->indexer, kv_array_get(v, i), depth + 1);
    return;
  }
  if (kv_is_null(v)) return;
  int k = kql_bs_name_of(kv_scalar_type(v));
  if (k >= 0) n->scalars |= 1u << k;
}

static kv_value kql_bs_value(const kql_bs_node *n) {
  kv_value items[16];
  int count = 0;
  if (n->has_bag) {
    kv_value bag = kv_dyn_bag();
    for (size_t i = 0; i < n->nkeys; i++) kv_bag_set(bag, n->keys[i], n->key_lens[i], kql_bs_value(n->vals[i]));
    items[count++] = bag;
  }
  if (n->has_array) {
    kv_value bag = kv_dyn_bag();
    kv_bag_set(bag, "`indexer`", 9, kql_bs_value(n->indexer));
    items[count++] = bag;
  }
  for (int k = 0; k < (int)(sizeof kql_bs_names / sizeof kql_bs_names[0]); k++)
    if (n->scalars & (1u << k)) items[count++] = kv_to_dynamic(kv_string_borrowed(kql_bs_names[k], strlen(kql_bs_names[k])));
  if (count == 0) return kv_dyn_null();
  if (count == 1) return items[0];
  kv_value arr = kv_dyn_array();
  for (int i = 0; i < count; i++) kv_array_push(arr, items[i]);
  return arr;
}

typedef struct {
  kql_bs_node *root;
} kql_bs_state;
KQL_AGG_SIZE(buildschema, kql_bs_state);

void kql_agg_buildschema_init(void *st, const kv_type *types, const kv_value *consts, int argc) {
  (void)st;
  (void)types;
  (void)consts;
  (void)argc;
}

void kql_agg_buildschema_add(void *st, const kv_value *args, int argc) {
  kql_bs_state *s = st;
  if (argc < 1 || kv_is_null(args[0])) return;
  if (!s->root) s->root = kv_calloc(1, sizeof(kql_bs_node));
  kql_bs_add(s->root, args[0], 0);
}

kv_value kql_agg_buildschema_result(void *st) {
  kql_bs_state *s = st;
  return s->root ? kql_bs_value(s->root) : kv_dyn_null();
}

void kql_agg_buildschema_destroy(void *st) {
  kql_bs_state *s = st;
  kql_bs_free(s->root);
  s->root = NULL;
}
