/* SPDX-License-Identifier: MIT
 * Queries with several result tables (kql_results.h): the public accessors,
 * the tee operator that feeds one input row to several chains (batch
 * statements and fork branches over the input stream), and the end of such a
 * query: table 0 first, then every other table, each announced through the
 * table-start callback. */
#include "kql/kql_results.h"

#include <stdlib.h>
#include <string.h>

int kql_query_result_count(const kql_query *q) { return q->nresults ? q->nresults : 1; }

const char *kql_query_result_name(const kql_query *q, int i) {
  if (q->nresults && i >= 0 && i < q->nresults) return q->results[i].name;
  return "Table_0";
}

const kv_schema *kql_query_result_schema(const kql_query *q, int i) {
  if (q->nresults && i >= 0 && i < q->nresults) return &q->results[i].schema;
  return &q->schema;
}

void kql_query_set_table_start(kql_query *q, kql_table_fn fn, void *ud) {
  q->on_table = fn;
  q->on_table_ud = ud;
}

/* ---- tee ---- */
typedef struct {
  kql_op base;
  kql_op **kids;
  bool *done; /* the child asked to stop */
  int nkids;
} kql_op_tee;

static int kql_tee_push(kql_op *op, const kql_xrow *row) {
  kql_op_tee *t = (kql_op_tee *)op;
  int live = 0;
  for (int i = 0; i < t->nkids; i++) {
    if (t->done[i]) continue;
    int rc = kql_op_push(t->kids[i], row);
    if (rc < 0) return rc;
    if (rc > 0) t->done[i] = true;
    else live++;
  }
  return live ? 0 : 1;
}

static int kql_tee_finish(kql_op *op) {
  kql_op_tee *t = (kql_op_tee *)op;
  for (int i = 0; i < t->nkids; i++) {
    int rc = kql_op_finish(t->kids[i]);
    if (rc < 0) return rc;
  }
  return 0;
}

static int kql_tee_tick(kql_op *op, int64_t now) {
  kql_op_tee *t = (kql_op_tee *)op;
  for (int i = 0; i < t->nkids; i++) {
    if (t->done[i]) continue;
    int rc = kql_op_tick(t->kids[i], now);
    if (rc < 0) return rc;
  }
  return 0;
}

static void kql_tee_destroy(kql_op *op) {
  kql_op_tee *t = (kql_op_tee *)op;
  for (int i = 0; i < t->nkids; i++) kql_op_free_chain(t->kids[i]);
  free(t->kids);
  free(t->done);
}

static const kql_op_vt kql_tee_vt = {"tee", kql_tee_push, kql_tee_finish, kql_tee_tick,
                                     kql_tee_destroy};

kql_op *kql_op_tee_new(kql_exec *ex, int ncols, kql_op **children, int nchildren) {
  kql_op_tee *t = kv_calloc(1, sizeof *t);
  t->base.vt = &kql_tee_vt;
  t->base.ex = ex;
  t->base.ncols = ncols;
  t->kids = children;
  t->nkids = nchildren;
  t->done = kv_calloc((size_t)(nchildren ? nchildren : 1), sizeof(bool));
  return &t->base;
}

void kql_op_tee_add(kql_op *tee, kql_op *child) {
  kql_op_tee *t = (kql_op_tee *)tee;
  t->kids = kv_realloc(t->kids, sizeof(kql_op *) * (size_t)(t->nkids + 1));
  t->done = kv_realloc(t->done, sizeof(bool) * (size_t)(t->nkids + 1));
  t->kids[t->nkids] = child;
  t->done[t->nkids] = false;
  t->nkids++;
}

/* ---- end of a query with several results ---- */
static int kql_results_emit_table(kql_query *q, const kql_table *t) {
  int n = t->schema.count;
  for (size_t r = 0; r < t->nrows; r++) {
    if (!q->ex.emit) return 0;
    if (q->ex.emit(q->ex.emit_ud, kql_table_row(t, r), n)) return 1;
  }
  return 0;
}

int kql_results_finish(kql_query *q) {
  if (q->head) {
    int rc = kql_op_finish(q->head);
    if (rc < 0 || q->ex.failed) return -1;
    if (rc > 0) return rc;
  }
  for (int i = 0; i < q->nresults; i++) {
    kql_result *r = &q->results[i];
    if (i > 0 && q->on_table && q->on_table(q->on_table_ud, i)) return 1;
    if (r->streams || !r->out) continue;
    int rc = kql_results_emit_table(q, r->out);
    if (rc) return rc;
  }
  return 0;
}

void kql_results_free(kql_query *q) {
  free(q->results); /* tables belong to q->tables, names and schemas to the arena */
  q->results = NULL;
  q->nresults = 0;
}
