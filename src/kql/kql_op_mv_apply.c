/* SPDX-License-Identifier: MIT
 * mv-apply operator: for each input row, expands the arrays (mv-expand's
 * rules) into a small table, runs the sub-query over it and emits the
 * untouched outer columns next to each result row. Operators have no reset,
 * so the sub-query is bound afresh for every row, in a scratch arena that is
 * freed with the row; cost grows with the sub-query, not with the input. */
#include "kql/kql_op_ext.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  kql_op base;
  kql_mvapply_spec s;
  kv_value *vals;   /* one output row */
  kv_value *cells;  /* one per-row table row */
} kql_op_mva;

/* The per-row table: outer columns, expanded elements, item index. */
static kql_table *kql_mva_expand(kql_op_mva *m, const kql_xrow *row) {
  kql_exec *ex = m->base.ex;
  kql_ectx c = kql_ectx_for_row(ex, row);
  kv_value arr[16];
  size_t n = 0;
  for (int k = 0; k < m->s.nx; k++) {
    arr[k] = kql_eval(m->s.exprs[k], &c);
    size_t l = kql_mvexpand_count(arr[k]);
    if (l > n) n = l;
  }
  if (m->s.limit >= 0 && (int64_t)n > m->s.limit) n = (size_t)m->s.limit;
  kql_table *t = kql_table_new(&m->s.sub);
  for (size_t i = 0; i < n && !ex->failed; i++) {
    for (int col = 0; col < m->s.sub.count; col++) {
      int src = m->s.sub_src[col];
      if (src >= 0) {
        m->cells[col] = kv_retain(kql_xrow_get(row, src));
      } else if (src == -1000) {
        m->cells[col] = kv_long((int64_t)i);
      } else {
        int k = -1 - src;
        kv_value it = kql_mvexpand_item(arr[k], i, false);
        if (m->s.types[k] != KV_DYNAMIC) {
          kv_value cv = kv_convert(it, m->s.types[k]);
          kv_release(it);
          it = cv;
        }
        m->cells[col] = it;
      }
    }
    kql_table_add_row(t, m->cells);
    for (int col = 0; col < m->s.sub.count; col++) kv_release(m->cells[col]);
  }
  for (int k = 0; k < m->s.nx; k++) kv_release(arr[k]);
  return t;
}

static int kql_mva_push(kql_op *op, const kql_xrow *row) {
  kql_op_mva *m = (kql_op_mva *)op;
  kql_exec *ex = op->ex;
  kql_query *q = m->s.q;
  kql_table *t = kql_mva_expand(m, row);
  if (ex->failed) {
    kql_table_free(t);
    return -1;
  }
  /* bind the sub-query over this row's table, in a scratch arena */
  kql_arena scratch;
  memset(&scratch, 0, sizeof scratch);
  kql_error err;
  memset(&err, 0, sizeof err);
  kql_binder rb;
  kql_binder_init(&rb, q, &scratch, &err);
  rb.input_used = true; /* the input stream cannot be re-read per row */
  rb.colnum = m->s.colnum;
  kql_scope *rs = kql_table_scope(&scratch, m->s.scope, m->s.src_name, t);
  int snap = q->ntables;
  for (int i = 0; i < m->s.nscopes; i++) m->s.heads[i] = m->s.scopes[i]->ents;
  kql_pipe pp;
  memset(&pp, 0, sizeof pp);
  int rc = 0;
  kql_table *res = NULL;
  if (kql_bind_tabular(&rb, m->s.root, rs, &pp) != 0) {
    kql_pipe_free(&pp);
    rc = kql_exec_fail_with(ex, &err);
  } else if (!kql_schema_same(&pp.schema, &m->s.res)) {
    kql_pipe_free(&pp);
    rc = kql_exec_fail(ex, m->s.pos, "mv-apply: the sub-query's result columns differ between rows");
  } else {
    res = kql_pipe_materialize(&rb, &pp, m->s.pos);
    if (!res) rc = kql_exec_fail_with(ex, &err);
  }
  for (size_t r = 0; res && rc == 0 && r < res->nrows; r++) {
    kv_value *rr = kql_table_row(res, r);
    for (int i = 0; i < op->ncols; i++) {
      int s = m->s.out_src[i];
      m->vals[i] = s >= 0 ? kql_xrow_get(row, s) : rr[-1 - s];
    }
    rc = kql_op_push_vals(op->next, m->vals, op->ncols);
  }
  /* tables made while running this row (the result, sub-query joins) */
  bool t_freed = false;
  for (int i = snap; i < q->ntables; i++) {
    if (q->tables[i] == t) t_freed = true;
    kql_table_free(q->tables[i]);
  }
  if (q->ntables > snap) q->ntables = snap;
  if (!t_freed) kql_table_free(t); /* also when the result is this very table */
  for (kql_ent *e = rb.all; e; e = e->all_next) kv_release(e->cval);
  for (int i = 0; i < m->s.nscopes; i++) m->s.scopes[i]->ents = m->s.heads[i];
  kql_arena_free(&scratch);
  return rc;
}

static int kql_mva_finish(kql_op *op) { return op->next ? kql_op_finish(op->next) : 0; }

static void kql_mva_destroy(kql_op *op) {
  kql_op_mva *m = (kql_op_mva *)op;
  for (int k = 0; k < m->s.nx; k++) kql_expr_free(m->s.exprs[k]);
  free(m->s.exprs);
  free(m->s.types);
  free(m->s.sub_src);
  free(m->s.out_src);
  for (int i = 0; i < m->s.nheld; i++) kv_release(m->s.held[i]);
  free(m->s.held);
  free(m->s.scopes);
  free(m->s.heads);
  free(m->vals);
  free(m->cells);
}

static const kql_op_vt kql_mva_vt = {"mv-apply", kql_mva_push, kql_mva_finish, NULL, kql_mva_destroy};

kql_op *kql_op_mv_apply_new(kql_exec *ex, const kql_mvapply_spec *spec) {
  kql_op_mva *m = kv_calloc(1, sizeof *m);
  m->base.vt = &kql_mva_vt;
  m->base.ex = ex;
  m->base.ncols = spec->ncols;
  m->s = *spec;
  m->vals = kv_calloc((size_t)(spec->ncols ? spec->ncols : 1), sizeof(kv_value));
  m->cells = kv_calloc((size_t)(spec->sub.count ? spec->sub.count : 1), sizeof(kv_value));
  return &m->base;
}
