/* SPDX-License-Identifier: MIT
 * Binder of top-hitters N of Key [by Weight]: Kusto approximates the N most
 * frequent (or heaviest) keys; we compute them exactly, which is always a
 * valid answer: summarize approximate_count_Key = count() (or
 * approximate_sum_Weight = sum(Weight)) by Key | top N by it desc. Stage: binder. */
#include "kql/kql_scanops.h"

#include <string.h>

static const char *kql_th_name(kql_binder *b, const char *prefix, kql_node *n) {
  const char *base = n->kind == KQL_N_NAME ? n->name : "";
  kv_buf buf;
  kv_buf_init(&buf);
  kv_buf_printf(&buf, "%s%s", prefix, base);
  const char *r = kql_arena_strdup(b->a, buf.data, buf.len);
  kv_buf_free(&buf);
  return r;
}

int kql_bind_top_hitters(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  kql_node *key = op->kids[1];
  bool weighted = op->nkids > 2;
  kql_node *w = weighted ? op->kids[2] : NULL;
  if (key->kind != KQL_N_NAME || (w && w->kind != KQL_N_NAME))
    return kql_bind_fail(b, op->pos, "not supported yet: top-hitters of an expression (use a column)");
  const char *name = weighted ? kql_th_name(b, "approximate_sum_", w) : kql_th_name(b, "approximate_count_", key);
  kql_node *agg = kql_scx_node(b, KQL_N_CALL, op->pos, weighted ? "sum" : "count");
  if (weighted) kql_node_add(b->a, agg, w);
  kql_node *as = kql_scx_node(b, KQL_N_ASSIGN, op->pos, name);
  kql_node_add(b->a, as, agg);
  kql_node *aggs = kql_scx_node(b, KQL_N_CLAUSE, op->pos, "aggs");
  kql_node_add(b->a, aggs, as);
  kql_node *by = kql_scx_node(b, KQL_N_CLAUSE, op->pos, "by");
  kql_node_add(b->a, by, key);
  kql_node *sum = kql_scx_node(b, KQL_N_OP, op->pos, "summarize");
  kql_node_add(b->a, sum, aggs);
  kql_node_add(b->a, sum, by);
  if (kql_bind_op(b, sum, sc, p)) return -1;
  kql_node *top = kql_scx_node(b, KQL_N_OP, op->pos, "top");
  kql_node_add(b->a, top, op->kids[0]);
  kql_node *sk = kql_node_new(b->a, KQL_N_SORTKEY, op->pos);
  sk->name = "";
  sk->flags = KQL_SK_DESC;
  kql_node_add(b->a, sk, kql_scx_node(b, KQL_N_NAME, op->pos, name));
  kql_node_add(b->a, top, sk);
  return kql_bind_op(b, top, sc, p);
}
