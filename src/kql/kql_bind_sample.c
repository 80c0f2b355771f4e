/* SPDX-License-Identifier: MIT
 * Binders of sample N (reservoir operator, kql_op_sample.c) and
 * sample-distinct N of Expr (the first N distinct values, in input order:
 * Kusto picks any N distinct values, so any choice is a valid answer).
 * Stage: binder. */
#include "kql/kql_scanops.h"

#include <string.h>

int kql_bind_sample(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  int64_t n;
  if (!kql_node_const_long(b, op->kids[0], sc, &n)) return -1;
  if (n < 0) return kql_bind_fail(b, op->kids[0]->pos, "sample: the row count must not be negative");
  kql_pipe_append(p, kql_op_sample_new(&b->q->ex, p->schema.count, n));
  return 0;
}

/* sample-distinct N of Expr == distinct Expr | take N (distinct keeps first-seen order). */
int kql_bind_sample_distinct(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  int64_t n;
  if (!kql_node_const_long(b, op->kids[0], sc, &n)) return -1;
  if (n < 0) return kql_bind_fail(b, op->kids[0]->pos, "sample-distinct: the count must not be negative");
  kql_node *d = kql_scx_node(b, KQL_N_OP, op->pos, "distinct");
  kql_node_add(b->a, d, op->kids[1]);
  if (kql_bind_op(b, d, sc, p)) return -1;
  kql_node *t = kql_scx_node(b, KQL_N_OP, op->pos, "take");
  kql_node_add(b->a, t, op->kids[0]);
  return kql_bind_op(b, t, sc, p);
}
