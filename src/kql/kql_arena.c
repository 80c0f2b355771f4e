/* SPDX-License-Identifier: MIT
 * Bump allocator for the KQL syntax tree and binder structures: one free
 * for the whole query. Aborts on out-of-memory through kv_malloc. */
#include "kql/kql_ast.h"

#include <stdlib.h>
#include <string.h>

struct kql_arena_chunk {
  kql_arena_chunk *next;
  size_t used;
  size_t cap;
  /* data follows, aligned */
};

#define KQL_ARENA_ALIGN 16
#define KQL_ARENA_HDR ((sizeof(kql_arena_chunk) + KQL_ARENA_ALIGN - 1) & ~(size_t)(KQL_ARENA_ALIGN - 1))

void *kql_arena_alloc(kql_arena *a, size_t n) {
  n = (n + KQL_ARENA_ALIGN - 1) & ~(size_t)(KQL_ARENA_ALIGN - 1);
  if (n == 0) n = KQL_ARENA_ALIGN;
  kql_arena_chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > 16384 ? n : 16384;
    c = kv_malloc(KQL_ARENA_HDR + cap);
    c->next = a->head;
    c->used = 0;
    c->cap = cap;
    a->head = c;
  }
  char *p = (char *)c + KQL_ARENA_HDR + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *kql_arena_strdup(kql_arena *a, const char *s, size_t len) {
  char *p = kql_arena_alloc(a, len + 1);
  if (len) memcpy(p, s, len);
  p[len] = 0;
  return p;
}

void kql_arena_free(kql_arena *a) {
  kql_arena_chunk *c = a->head;
  while (c) {
    kql_arena_chunk *n = c->next;
    free(c);
    c = n;
  }
  a->head = NULL;
}
