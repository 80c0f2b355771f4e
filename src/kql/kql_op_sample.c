/* SPDX-License-Identifier: MIT
 * sample N: a uniform random sample of N rows by reservoir sampling. Kusto's
 * choice is random; ours uses a fixed-seed generator so a query gives the same
 * rows on every run (tests can compare). Holds at most N rows; emits at finish. */
#include "kql/kql_scanops.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  kql_op base;
  int64_t n;
  kv_value **rows;
  size_t count, cap;
  uint64_t seen;
  uint64_t rng;
} kql_op_sample;

static uint64_t kql_sample_next(kql_op_sample *s) { /* xorshift64* */
  uint64_t x = s->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  s->rng = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static kv_value *kql_sample_copy(const kql_xrow *row, int n) {
  kv_value *v = kv_malloc(sizeof(kv_value) * (size_t)(n ? n : 1));
  for (int i = 0; i < n; i++) v[i] = kql_owned(kv_retain(kql_xrow_get(row, i)));
  return v;
}

static void kql_sample_drop(kv_value *v, int n) {
  for (int i = 0; i < n; i++) kv_release(v[i]);
  free(v);
}

static int kql_sample_push(kql_op *op, const kql_xrow *row) {
  kql_op_sample *s = (kql_op_sample *)op;
  s->seen++;
  if (s->n <= 0) return 0;
  if (s->count < (uint64_t)s->n) {
    if (s->count == s->cap) {
      s->cap = s->cap ? s->cap * 2 : 16;
      s->rows = kv_realloc(s->rows, sizeof(kv_value *) * s->cap);
    }
    s->rows[s->count++] = kql_sample_copy(row, op->ncols);
    return 0;
  }
  uint64_t j = kql_sample_next(s) % s->seen; /* keep the row with probability n/seen */
  if (j < (uint64_t)s->n) {
    kql_sample_drop(s->rows[j], op->ncols);
    s->rows[j] = kql_sample_copy(row, op->ncols);
  }
  return 0;
}

static int kql_sample_finish(kql_op *op) {
  kql_op_sample *s = (kql_op_sample *)op;
  for (size_t i = 0; i < s->count; i++)
    if (kql_op_push_vals(op->next, s->rows[i], op->ncols)) return -1;
  return kql_op_finish(op->next);
}

static void kql_sample_destroy(kql_op *op) {
  kql_op_sample *s = (kql_op_sample *)op;
  for (size_t i = 0; i < s->count; i++) kql_sample_drop(s->rows[i], op->ncols);
  free(s->rows);
}

static const kql_op_vt kql_sample_vt = {"sample", kql_sample_push, kql_sample_finish, NULL,
                                        kql_sample_destroy};

kql_op *kql_op_sample_new(kql_exec *ex, int ncols, int64_t n) {
  kql_op_sample *s = kv_calloc(1, sizeof *s);
  s->base.vt = &kql_sample_vt;
  s->base.ex = ex;
  s->base.ncols = ncols;
  s->n = n;
  s->rng = 0x9E3779B97F4A7C15ULL;
  return &s->base;
}
