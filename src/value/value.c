/* SPDX-License-Identifier: MIT
 * Core of the value model: memory entry points, constructors, reference
 * counting, dynamic arrays and property bags. Depends on libc only.
 * Reference counts are not atomic: a value is never shared between threads
 * (the uploader thread receives serialised bytes, not values). */
#include "value/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- memory: one policy, abort on exhaustion ---- */

static void kv_out_of_memory(size_t n) {
  fprintf(stderr, "etw2kusto: out of memory (allocating %zu bytes)\n", n);
  abort();
}

void *kv_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) kv_out_of_memory(n);
  return p;
}

void *kv_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) kv_out_of_memory(SIZE_MAX);
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) kv_out_of_memory(count * size);
  return p;
}

void *kv_realloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) kv_out_of_memory(n);
  return q;
}

char *kv_strndup(const char *s, size_t len) {
  char *d = kv_malloc(len + 1);
  if (len) memcpy(d, s, len);
  d[len] = '\0';
  return d;
}

/* ---- heap objects ---- */

/* A refcounted string: the value's u.s points at `data`. */
typedef struct kv_heapstr {
  uint32_t refs;
  uint32_t len;
  char data[];
} kv_heapstr;

typedef struct kv_bag_slot {
  const char *key;        /* NUL-terminated; owned (freed with the bag) unless key_static */
  uint32_t key_len : 31;
  uint32_t key_static : 1; /* set by kv_bag_set_static_key: storage outlives the bag */
  uint32_t hash;
  kv_value val;            /* owned */
} kv_bag_slot;

struct kv_array {
  uint32_t refs;
  size_t count;
  size_t cap;
  kv_value *items;
};

struct kv_bag {
  uint32_t refs;
  size_t count;
  size_t cap;
  kv_bag_slot *entries; /* insertion order */
  int32_t *index;        /* open-addressing slots -> entry idx, or NULL for small bags */
  size_t index_cap;      /* power of two */
  /* kv_dyn_bag_sized(n): the first n slots live in the bag's own block
   * (entries == inline_slots until the bag outgrows them). */
  kv_bag_slot inline_slots[];
};

/* Largest reservation kv_dyn_bag_sized honours; more entries still fit
 * (the bag grows as usual), they just cost a second block. */
enum { KV_BAG_RESERVE_MAX = 1024 };

static kv_heapstr *kv_str_header(const char *data) {
  return (kv_heapstr *)(void *)((char *)data - offsetof(kv_heapstr, data));
}

/* ---- constructors ---- */

static kv_value kv_make(kv_type t) {
  kv_value v;
  memset(&v, 0, sizeof v);
  v.type = (uint8_t)t;
  return v;
}


kv_value kv_guid(const uint8_t g[16]) {
  kv_value v = kv_make(KV_GUID);
  memcpy(v.u.g, g, 16);
  return v;
}

kv_value kv_string(const char *s, size_t len) {
  if (len > UINT32_MAX - 1) len = UINT32_MAX - 1; /* values hold 32-bit lengths */
  kv_heapstr *h = kv_malloc(sizeof(kv_heapstr) + len + 1);
  h->refs = 1;
  h->len = (uint32_t)len;
  if (len) memcpy(h->data, s, len);
  h->data[len] = '\0';
  kv_value v = kv_make(KV_STRING);
  v.flags = KV_F_HEAP;
  v.len = (uint32_t)len;
  v.u.s = h->data;
  return v;
}

kv_value kv_cstring(const char *s) { return kv_string(s, strlen(s)); }


kv_value kv_string_take(char *buf, size_t len) {
  /* The builder's buffer has no refcount header, so we copy once; callers
   * still save the intermediate string building. */
  kv_value v = kv_string(buf, len);
  free(buf);
  return v;
}


kv_value kv_dyn_array(void) {
  kv_array *a = kv_calloc(1, sizeof *a);
  a->refs = 1;
  kv_value v = kv_make(KV_DYNAMIC);
  v.dyn = KV_DYN_ARRAY;
  v.u.arr = a;
  return v;
}

kv_value kv_dyn_bag_sized(size_t n) {
  if (n > KV_BAG_RESERVE_MAX) n = KV_BAG_RESERVE_MAX;
  /* One block for the bag header and its first n entries: a bag built once
   * per event costs one malloc instead of two. */
  kv_bag *b = kv_malloc(sizeof *b + n * sizeof(kv_bag_slot));
  b->refs = 1;
  b->count = 0;
  b->cap = n;
  b->entries = n ? b->inline_slots : NULL;
  b->index = NULL;
  b->index_cap = 0;
  kv_value v = kv_make(KV_DYNAMIC);
  v.dyn = KV_DYN_BAG;
  v.u.bag = b;
  return v;
}

kv_value kv_dyn_bag(void) { return kv_dyn_bag_sized(0); }

kv_value kv_to_dynamic(kv_value v) {
  if (v.type == KV_DYNAMIC) return kv_retain(v);
  if (v.flags & KV_F_NULL) return kv_dyn_null();
  kv_value d = kv_retain(v);
  d.dyn = d.type;
  d.type = KV_DYNAMIC;
  return d;
}

kv_value kv_from_dynamic(kv_value v) {
  if (v.type != KV_DYNAMIC || v.dyn >= KV_DYN_NULL) return kv_retain(v);
  kv_value s = kv_retain(v);
  s.type = s.dyn;
  s.dyn = 0;
  return s;
}

kv_type kv_scalar_type(kv_value v) {
  if (v.type != KV_DYNAMIC) return (kv_type)v.type;
  if (v.dyn >= KV_DYN_NULL) return KV_DYNAMIC;
  return (kv_type)v.dyn;
}

/* ---- reference counting ---- */

static bool kv_holds_string(kv_value v) {
  return v.type == KV_STRING || (v.type == KV_DYNAMIC && (v.dyn == KV_STRING || v.dyn == KV_DYN_RAWJSON));
}

kv_value kv_retain(kv_value v) {
  if (kv_holds_string(v)) {
    if (v.flags & KV_F_HEAP) {
      kv_str_header(v.u.s)->refs++;
    } else if (v.flags & KV_F_BORROWED) {
      kv_value c = kv_string(v.u.s, v.len);
      c.type = v.type;
      c.dyn = v.dyn;
      return c;
    }
    return v;
  }
  if (v.type == KV_DYNAMIC) {
    if (v.dyn == KV_DYN_ARRAY) v.u.arr->refs++;
    else if (v.dyn == KV_DYN_BAG) v.u.bag->refs++;
  }
  return v;
}

kv_value kv_own(kv_value v) { return kv_retain(v); }

static void kv_array_destroy(kv_array *a) {
  for (size_t i = 0; i < a->count; i++) kv_release(a->items[i]);
  free(a->items);
  free(a);
}

static void kv_bag_destroy(kv_bag *b) {
  for (size_t i = 0; i < b->count; i++) {
    if (!b->entries[i].key_static) free((char *)b->entries[i].key);
    kv_release(b->entries[i].val);
  }
  if (b->entries != b->inline_slots) free(b->entries);
  free(b->index);
  free(b);
}

void kv_release(kv_value v) {
  if (kv_holds_string(v)) {
    if (v.flags & KV_F_HEAP) {
      kv_heapstr *h = kv_str_header(v.u.s);
      if (--h->refs == 0) free(h);
    }
    return;
  }
  if (v.type != KV_DYNAMIC) return;
  if (v.dyn == KV_DYN_ARRAY) {
    if (--v.u.arr->refs == 0) kv_array_destroy(v.u.arr);
  } else if (v.dyn == KV_DYN_BAG) {
    if (--v.u.bag->refs == 0) kv_bag_destroy(v.u.bag);
  }
}

/* Owned item -> the dynamic form a container stores, moving the reference
 * (same result as kv_to_dynamic + kv_release without touching the count).
 * Borrowed strings must have been copied by the caller. */
static kv_value kv_dynamic_take(kv_value owned) {
  if (owned.type == KV_DYNAMIC) return owned;
  if (owned.flags & KV_F_NULL) {
    kv_release(owned);
    return kv_dyn_null();
  }
  owned.dyn = owned.type;
  owned.type = KV_DYNAMIC;
  return owned;
}

/* ---- arrays ---- */

void kv_array_push(kv_value arr, kv_value item) {
  if (!kv_is_array(arr)) {
    kv_release(item);
    return;
  }
  kv_array *a = arr.u.arr;
  if (a->count == a->cap) {
    a->cap = a->cap ? a->cap * 2 : 4;
    a->items = kv_realloc(a->items, a->cap * sizeof *a->items);
  }
  /* A dynamic array holds dynamic elements; borrowed strings must be owned. */
  kv_value owned = (item.flags & KV_F_BORROWED) ? kv_retain(item) : item;
  a->items[a->count++] = kv_dynamic_take(owned);
}

size_t kv_array_count(kv_value arr) { return kv_is_array(arr) ? arr.u.arr->count : 0; }

kv_value kv_array_get(kv_value arr, size_t idx) {
  if (!kv_is_array(arr) || idx >= arr.u.arr->count) return kv_dyn_null();
  return arr.u.arr->items[idx];
}

/* ---- bags ---- */

static uint32_t kv_key_hash(const char *k, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) {
    h ^= (uint8_t)k[i];
    h *= 16777619u;
  }
  return h;
}

enum { KV_BAG_INDEX_MIN = 12 };
#define KV_BAG_KEY_MAX ((size_t)0x7FFFFFFF)

static void kv_bag_reindex(kv_bag *b) {
  size_t cap = 16;
  while (cap < b->count * 2) cap *= 2;
  free(b->index);
  b->index = kv_malloc(cap * sizeof *b->index);
  for (size_t i = 0; i < cap; i++) b->index[i] = -1;
  b->index_cap = cap;
  for (size_t i = 0; i < b->count; i++) {
    size_t s = b->entries[i].hash & (cap - 1);
    while (b->index[s] >= 0) s = (s + 1) & (cap - 1);
    b->index[s] = (int32_t)i;
  }
}

static long kv_bag_find(const kv_bag *b, const char *key, size_t len, uint32_t h) {
  if (b->index) {
    size_t s = h & (b->index_cap - 1);
    while (b->index[s] >= 0) {
      const kv_bag_slot *e = &b->entries[b->index[s]];
      if (e->hash == h && e->key_len == len && memcmp(e->key, key, len) == 0) return b->index[s];
      s = (s + 1) & (b->index_cap - 1);
    }
    return -1;
  }
  for (size_t i = 0; i < b->count; i++) {
    const kv_bag_slot *e = &b->entries[i];
    if (e->hash == h && e->key_len == len && memcmp(e->key, key, len) == 0) return (long)i;
  }
  return -1;
}

/* Shared by kv_bag_set and kv_bag_set_static_key; static_key means `key`
 * is NUL-terminated storage that outlives the bag (not copied, not freed). */
static void kv_bag_put(kv_value bag, const char *key, size_t key_len, kv_value item, bool static_key) {
  if (!kv_is_bag(bag)) {
    kv_release(item);
    return;
  }
  kv_bag *b = bag.u.bag;
  if (key_len > KV_BAG_KEY_MAX) key_len = KV_BAG_KEY_MAX; /* slots hold 31-bit lengths */
  kv_value owned = kv_dynamic_take((item.flags & KV_F_BORROWED) ? kv_retain(item) : item);
  uint32_t h = kv_key_hash(key, key_len);
  long at = kv_bag_find(b, key, key_len, h);
  if (at >= 0) {
    kv_release(b->entries[at].val);
    b->entries[at].val = owned;
    return;
  }
  if (b->count == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 8;
    if (b->entries == b->inline_slots) { /* outgrew the reserved slots: move out */
      kv_bag_slot *e = kv_malloc(cap * sizeof *e);
      memcpy(e, b->entries, b->count * sizeof *e);
      b->entries = e;
    } else {
      b->entries = kv_realloc(b->entries, cap * sizeof *b->entries);
    }
    b->cap = cap;
  }
  kv_bag_slot *e = &b->entries[b->count++];
  e->key = static_key ? key : kv_strndup(key, key_len);
  e->key_len = (uint32_t)key_len;
  e->key_static = static_key;
  e->hash = h;
  e->val = owned;
  if (b->count >= KV_BAG_INDEX_MIN && (!b->index || b->count * 2 > b->index_cap)) {
    kv_bag_reindex(b);
  } else if (b->index) {
    size_t s = h & (b->index_cap - 1);
    while (b->index[s] >= 0) s = (s + 1) & (b->index_cap - 1);
    b->index[s] = (int32_t)(b->count - 1);
  }
}

void kv_bag_set(kv_value bag, const char *key, size_t key_len, kv_value item) {
  kv_bag_put(bag, key, key_len, item, false);
}

void kv_bag_set_static_key(kv_value bag, const char *key, size_t key_len, kv_value item) {
  /* Entries hand out NUL-terminated keys: a key without its NUL at key[len]
   * (a truncated name) is copied like kv_bag_set does. */
  kv_bag_put(bag, key, key_len, item, key_len <= KV_BAG_KEY_MAX && key[key_len] == '\0');
}

size_t kv_bag_count(kv_value bag) { return kv_is_bag(bag) ? bag.u.bag->count : 0; }

kv_value kv_bag_get(kv_value bag, const char *key, size_t key_len) {
  if (!kv_is_bag(bag)) return kv_dyn_null();
  long at = kv_bag_find(bag.u.bag, key, key_len, kv_key_hash(key, key_len));
  return at >= 0 ? bag.u.bag->entries[at].val : kv_dyn_null();
}

bool kv_bag_has(kv_value bag, const char *key, size_t key_len) {
  return kv_is_bag(bag) && kv_bag_find(bag.u.bag, key, key_len, kv_key_hash(key, key_len)) >= 0;
}

kv_value kv_bag_entry(kv_value bag, size_t idx, const char **key, size_t *key_len) {
  if (!kv_is_bag(bag) || idx >= bag.u.bag->count) {
    if (key) *key = "";
    if (key_len) *key_len = 0;
    return kv_dyn_null();
  }
  const kv_bag_slot *e = &bag.u.bag->entries[idx];
  if (key) *key = e->key;
  if (key_len) *key_len = e->key_len;
  return e->val;
}

bool kv_bag_remove(kv_value bag, const char *key, size_t key_len) {
  if (!kv_is_bag(bag)) return false;
  kv_bag *b = bag.u.bag;
  long at = kv_bag_find(b, key, key_len, kv_key_hash(key, key_len));
  if (at < 0) return false;
  if (!b->entries[at].key_static) free((char *)b->entries[at].key);
  kv_release(b->entries[at].val);
  memmove(&b->entries[at], &b->entries[at + 1], (b->count - (size_t)at - 1) * sizeof *b->entries);
  b->count--;
  if (b->index) kv_bag_reindex(b);
  return true;
}
