/* SPDX-License-Identifier: MIT
 * Binder dispatch for the scan family of operators (see kql_scanops.h) and
 * the helpers they share: running an operator eagerly over an in-memory
 * table, table-backed pipes and scope entries, and the `distinct *` rewrite.
 * Stage: binder. Never reads the input stream twice. */
#include "kql/kql_scanops.h"

#include <stdlib.h>
#include <string.h>

int kql_bind_scanops(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  if (op->kind != KQL_N_OP) return 1;
  if (kql_node_is(op, "scan")) return kql_bind_scan(b, op, sc, p);
  if (kql_node_is(op, "partition")) return kql_bind_partition(b, op, sc, p);
  if (kql_node_is(op, "sample")) return kql_bind_sample(b, op, sc, p);
  if (kql_node_is(op, "sample-distinct")) return kql_bind_sample_distinct(b, op, sc, p);
  if (kql_node_is(op, "top-nested")) return kql_bind_top_nested(b, op, sc, p);
  if (kql_node_is(op, "top-hitters")) return kql_bind_top_hitters(b, op, sc, p);
  if (kql_node_is(op, "reduce")) return kql_bind_reduce(b, op, sc, p);
  return 1;
}

void kql_scx_own_table(kql_binder *b, kql_table *t) {
  kql_query *q = b->q;
  q->tables = kv_realloc(q->tables, sizeof(kql_table *) * (size_t)(q->ntables + 1));
  q->tables[q->ntables++] = t;
}

void kql_scx_pipe_table(kql_binder *b, kql_pipe *p, kql_table *t) {
  kql_pipe_free(p);
  const char *leg = p->leg_name;
  memset(p, 0, sizeof *p);
  p->from = p->to = p->step = kv_null(KV_LONG);
  p->kind = KQL_SRC_TABLE;
  p->table = t;
  p->leg_name = leg;
  for (int i = 0; i < t->schema.count; i++)
    kql_schema_add(b, &p->schema, t->schema.cols[i].name, t->schema.cols[i].type);
}

kql_node *kql_scx_node(kql_binder *b, kql_nkind kind, uint32_t pos, const char *name) {
  kql_node *n = kql_node_new(b->a, kind, pos);
  n->name = name;
  n->name_len = (uint32_t)strlen(name);
  return n;
}

kql_table *kql_scx_run_op(kql_binder *b, kql_node *op, kql_scope *sc, kql_table *src, uint32_t pos) {
  kql_pipe q;
  memset(&q, 0, sizeof q);
  kql_scx_pipe_table(b, &q, src);
  if (kql_bind_op(b, op, sc, &q)) {
    kql_pipe_free(&q);
    return NULL;
  }
  kql_table *t = kql_pipe_materialize(b, &q, pos);
  if (t == src) { /* the operator added nothing: still a distinct table for the caller */
    kql_table *c = kql_table_new(&src->schema);
    for (size_t r = 0; r < src->nrows; r++) kql_table_add_row(c, kql_table_row(src, r));
    kql_scx_own_table(b, c);
    t = c;
  }
  return t;
}

void kql_scx_scope_table(kql_binder *b, kql_scope *sc, const char *name, kql_table *t) {
  kql_ent *e = kql_arena_alloc(b->a, sizeof *e);
  memset(e, 0, sizeof *e);
  e->name = name;
  e->kind = KQL_ENT_TABULAR;
  e->cval = kv_null(KV_DYNAMIC);
  e->table = t;
  e->next = sc->ents;
  sc->ents = e;
}

bool kql_scx_uses_window(const kql_expr *e) {
  if (!e) return false;
  if (e->kind == KQL_E_PREVNEXT || e->kind == KQL_E_ROWNUM || e->kind == KQL_E_ROWCUMSUM ||
      e->kind == KQL_E_ROWWIN)
    return true;
  for (int i = 0; i < e->nargs; i++)
    if (kql_scx_uses_window(e->args[i])) return true;
  return false;
}
