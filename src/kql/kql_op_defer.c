/* SPDX-License-Identifier: MIT
 * Deferred operator: buffers the input stream's rows into a table and, at end
 * of input, binds and runs the table form of the operator (partition,
 * top-nested, reduce, evaluate plug-ins...) over it, emitting its rows. A
 * blocking operator: memory grows with the buffered input. Input columns the
 * query never reads arrive as nulls (kql_colneed.c), so buffering does not
 * decode the event payload. */
#include "kql/kql_defer.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  kql_op base;
  kql_defer_spec s;
  kql_table *rows;  /* buffered input */
  kv_value *vals;   /* one input row */
} kql_op_defer;

static int kql_defer_push(kql_op *op, const kql_xrow *row) {
  kql_op_defer *d = (kql_op_defer *)op;
  if (!d->s.keep_rows) return 0;
  /* input columns the query never reads come as nulls (kql_colneed.c): not decoded */
  for (int c = 0; c < d->s.in.count; c++) d->vals[c] = kql_xrow_get(row, c);
  kql_table_add_row(d->rows, d->vals); /* retains: owned copies of borrowed values */
  return 0;
}

/* Binds the operator over the buffered rows, runs it and pushes its rows on.
 * The binding allocates in the query's arena (it happens once); the tables it
 * makes are freed when the rest of the chain has finished. */
static int kql_defer_finish(kql_op *op) {
  kql_op_defer *d = (kql_op_defer *)op;
  kql_exec *ex = op->ex;
  kql_query *q = d->s.q;
  kql_error err;
  memset(&err, 0, sizeof err);
  kql_binder rb;
  kql_binder_init(&rb, q, &q->arena, &err);
  rb.input_used = true; /* the stream has been read */
  rb.input_name = d->s.input_name;
  rb.colnum = d->s.colnum;
  int snap = q->ntables;
  kql_pipe pp;
  memset(&pp, 0, sizeof pp);
  pp.from = pp.to = pp.step = kv_null(KV_LONG);
  pp.kind = KQL_SRC_TABLE;
  pp.table = d->rows;
  pp.serialized = d->s.serialized;
  for (int i = 0; i < d->s.in.count; i++)
    kql_schema_add(&rb, &pp.schema, d->s.in.cols[i].name, d->s.in.cols[i].type);
  int rc = 0;
  kql_table *res = NULL;
  if (kql_bind_op(&rb, d->s.op, d->s.scope, &pp) != 0) {
    kql_pipe_free(&pp);
    rc = kql_exec_fail_with(ex, &err);
  } else if (!kql_schema_same(&pp.schema, &d->s.res)) {
    kql_pipe_free(&pp);
    rc = kql_exec_fail(ex, d->s.op->pos,
                       "not supported yet: %s over the input stream when its result columns depend on the data",
                       d->s.op->name);
  } else {
    res = kql_pipe_materialize(&rb, &pp, d->s.op->pos);
    if (!res) rc = kql_exec_fail_with(ex, &err);
  }
  for (size_t r = 0; res && rc == 0 && r < res->nrows; r++)
    rc = kql_op_push_vals(op->next, kql_table_row(res, r), op->ncols);
  if (rc == 0 && !ex->failed) rc = op->next ? kql_op_finish(op->next) : 0;
  /* the tables the binding made (the result, per-group tables, sub-queries) */
  for (int i = snap; i < q->ntables; i++) kql_table_free(q->tables[i]);
  if (q->ntables > snap) q->ntables = snap;
  kql_table_free(d->rows); /* never owned by the query, also when res is this table */
  d->rows = NULL;
  for (kql_ent *e = rb.all; e; e = e->all_next) kv_release(e->cval);
  return ex->failed ? -1 : rc;
}

static void kql_defer_destroy(kql_op *op) {
  kql_op_defer *d = (kql_op_defer *)op;
  kql_table_free(d->rows);
  for (int i = 0; i < d->s.nheld; i++) kv_release(d->s.held[i]);
  free(d->s.held);
  free(d->vals);
}

static const kql_op_vt kql_defer_vt = {"defer", kql_defer_push, kql_defer_finish, NULL, kql_defer_destroy};

kql_op *kql_op_defer_new(kql_exec *ex, const kql_defer_spec *spec) {
  kql_op_defer *d = kv_calloc(1, sizeof *d);
  d->base.vt = &kql_defer_vt;
  d->base.ex = ex;
  d->base.ncols = spec->res.count;
  d->s = *spec;
  d->rows = kql_table_new(&spec->in);
  d->vals = kv_calloc((size_t)(spec->in.count ? spec->in.count : 1), sizeof(kv_value));
  return &d->base;
}
