/* SPDX-License-Identifier: MIT
 * A query that reads the input stream more than once (a self-join of the
 * stream, `in (T | ...)`, `toscalar(T | ...)`) runs over the buffered stream:
 * compiling binds it with the stream's name standing for an empty table (the
 * result columns; mistakes found now), the rows are kept as they come, and at
 * end of input the query is bound and run over them, as over a let table.
 * Blocking: memory grows with the input. Stage: binder + operator. */
#include "kql/kql_bind.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  kql_op base;
  kql_query *q;
  kql_node *root;      /* the query's syntax (query arena) */
  const char *name;    /* the stream's name in the query */
  kv_schema res;       /* result columns of the compile-time binding */
  kql_table *rows;     /* the buffered stream */
  kv_value *vals;      /* one input row */
} kql_op_qbuf;

static int kql_qbuf_push(kql_op *op, const kql_xrow *row) {
  kql_op_qbuf *m = (kql_op_qbuf *)op;
  /* input columns the query never reads come as nulls (kql_colneed.c): not decoded */
  for (int c = 0; c < m->rows->schema.count; c++) m->vals[c] = kql_xrow_get(row, c);
  kql_table_add_row(m->rows, m->vals);
  return 0;
}

/* Binds the query again over the rows (the binding installs its own chain,
 * source and result schema in q: they are swapped back afterwards) and runs
 * it; its emitter writes to the query's output. */
static int kql_qbuf_finish(kql_op *op) {
  kql_op_qbuf *m = (kql_op_qbuf *)op;
  kql_query *q = m->q;
  kql_exec *ex = op->ex;
  kql_op *head = q->head, *emit = q->emit;
  kv_schema schema = q->schema;
  kql_src_kind kind = q->src_kind;
  kql_table *src = q->src_table;
  kv_value from = q->range_from, to = q->range_to, step = q->range_step;
  int snap = q->ntables;
  kql_error err;
  memset(&err, 0, sizeof err);
  kql_scope *rows = kql_table_scope(&q->arena, NULL, m->name, m->rows); /* outside the statements */
  int rc = kql_bind_query_scoped(q, m->root, &err, rows, m->name, NULL, NULL);
  kql_op *run = rc == 0 ? q->head : NULL;
  if (rc != 0) {
    kql_exec_fail_with(ex, &err);
  } else if (!kql_schema_same(&q->schema, &m->res)) {
    rc = kql_exec_fail(ex, 0, "not supported yet: reading the input stream twice when the result columns depend on the data");
  } else {
    rc = kql_run_source(ex, q->src_kind, q->src_table, q->range_from, q->range_to, q->range_step, run);
  }
  kql_op_free_chain(run);
  /* a range source's bounds of this binding (ours are nulls: see below) */
  kv_release(q->range_from);
  kv_release(q->range_to);
  kv_release(q->range_step);
  q->head = head;
  q->emit = emit;
  q->schema = schema;
  q->src_kind = kind;
  q->src_table = src;
  q->range_from = from;
  q->range_to = to;
  q->range_step = step;
  for (int i = snap; i < q->ntables; i++) kql_table_free(q->tables[i]);
  if (q->ntables > snap) q->ntables = snap;
  return ex->failed ? -1 : rc;
}

static void kql_qbuf_destroy(kql_op *op) {
  kql_op_qbuf *m = (kql_op_qbuf *)op;
  kql_table_free(m->rows);
  free(m->vals);
}

static const kql_op_vt kql_qbuf_vt = {"buffered query", kql_qbuf_push, kql_qbuf_finish, NULL, kql_qbuf_destroy};

int kql_bind_query_buffered(kql_query *q, kql_node *root, kql_error *err, const char *input_name) {
  memset(err, 0, sizeof *err);
  kql_table *empty = kql_table_new(q->input);
  q->tables = kv_realloc(q->tables, sizeof(kql_table *) * (size_t)(q->ntables + 1));
  q->tables[q->ntables++] = empty;
  if (kql_bind_query_scoped(q, root, err, kql_table_scope(&q->arena, NULL, input_name, empty), input_name, NULL, NULL) != 0)
    return -1;
  /* keep the result columns; the rows come at end of input */
  kql_op_free_chain(q->head);
  kv_release(q->range_from);
  kv_release(q->range_to);
  kv_release(q->range_step);
  q->range_from = q->range_to = q->range_step = kv_null(KV_LONG);
  kql_op_qbuf *m = kv_calloc(1, sizeof *m);
  m->base.vt = &kql_qbuf_vt;
  m->base.ex = &q->ex;
  m->base.ncols = q->schema.count;
  m->q = q;
  m->root = root;
  m->name = input_name;
  m->res = q->schema;
  m->rows = kql_table_new(q->input);
  m->vals = kv_calloc((size_t)(q->input->count ? q->input->count : 1), sizeof(kv_value));
  q->head = &m->base;
  q->emit = NULL;
  q->src_kind = KQL_SRC_INPUT;
  q->src_table = NULL;
  return 0;
}
