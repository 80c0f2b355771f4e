/* SPDX-License-Identifier: MIT
 * `L | join kind=innerunique (R) on k | where p`: Kusto pushes the parts of p
 * that read only left columns to the left side, before innerunique keeps one
 * left row per key, so the row kept is one that passes the filter (documented
 * for join kind=innerunique; emulator:join-innerunique-03). Binder rewrite:
 * the left-only conjuncts are bound as a `where` ahead of the join; the whole
 * filter still runs after it (applying a filter twice changes nothing). */
#include "kql/kql_bind.h"

#include <string.h>

/* Calls whose value depends on the row set around a row, or on a query of
 * their own: never moved. */
static bool kql_pd_row_bound(const char *fn) {
  static const char *const names[] = {"row_number", "row_rank_dense", "row_rank_min", "row_cumsum",
                                      "prev",       "next",           "toscalar",     "rand",
                                      "row_window_session", NULL};
  for (int i = 0; names[i]; i++)
    if (!strcmp(fn, names[i])) return true;
  return false;
}

/* true when every column name in n is a column of `left` and nothing in it
 * depends on rows other than its own. */
static bool kql_pd_left_only(const kql_node *n, const kv_schema *left, int depth) {
  if (!n || depth > 64) return false;
  switch (n->kind) {
    case KQL_N_LIT:
    case KQL_N_TYPEDLIT:
      return true;
    case KQL_N_NAME:
      return n->name[0] != '$' && kql_schema_find(left, n->name, n->name_len) >= 0;
    case KQL_N_CALL:
      if (n->flags || kql_pd_row_bound(n->name)) return false;
      break;
    case KQL_N_MEMBER:
      return kql_pd_left_only(n->kids[0], left, depth + 1);
    case KQL_N_BINARY:
    case KQL_N_UNARY:
    case KQL_N_INDEX:
    case KQL_N_IN:
    case KQL_N_BETWEEN:
    case KQL_N_PAREN:
      break;
    default:
      return false; /* sub-queries, typeof, '*', ... */
  }
  for (int i = 0; i < n->nkids; i++)
    if (!kql_pd_left_only(n->kids[i], left, depth + 1)) return false;
  return true;
}

/* Appends the left-only conjuncts of p (split at top-level `and`) to *acc. */
static void kql_pd_collect(kql_binder *b, kql_node *p, const kv_schema *left, kql_node **acc, int depth) {
  while (p->kind == KQL_N_PAREN && p->nkids == 1) p = p->kids[0];
  if (depth < 64 && p->kind == KQL_N_BINARY && !strcmp(p->name, "and")) {
    kql_pd_collect(b, p->kids[0], left, acc, depth + 1);
    kql_pd_collect(b, p->kids[1], left, acc, depth + 1);
    return;
  }
  if (!kql_pd_left_only(p, left, 0)) return;
  if (!*acc) {
    *acc = p;
    return;
  }
  kql_node *and = kql_node_new(b->a, KQL_N_BINARY, p->pos);
  and->name = "and";
  and->name_len = 3;
  kql_node_add(b->a, and, *acc);
  kql_node_add(b->a, and, p);
  *acc = and;
}

static bool kql_pd_is_innerunique(const kql_node *op) {
  if (!op->params) return true; /* the default kind */
  for (int i = 0; i < op->params->nkids; i++) {
    const kql_node *pa = op->params->kids[i];
    if (strcmp(pa->name, "kind") != 0) continue;
    const kql_node *v = pa->kids[0];
    return v->kind == KQL_N_NAME && !strcmp(v->name, "innerunique");
  }
  return true;
}

int kql_bind_pushdown(kql_binder *b, kql_node *n, kql_scope *sc, kql_pipe *p) {
  kql_node *w = n->kids[1];
  kql_node *inner = n->kids[0];
  if (!(kql_node_is(w, "where") || kql_node_is(w, "filter")) || w->nkids != 1) return 1;
  if (inner->kind != KQL_N_PIPE || !kql_node_is(inner->kids[1], "join")) return 1;
  if (!kql_pd_is_innerunique(inner->kids[1])) return 1;
  if (kql_bind_tabular(b, inner->kids[0], sc, p)) return -1;
  kql_node *pred = NULL;
  kql_pd_collect(b, w->kids[0], &p->schema, &pred, 0);
  if (pred) {
    kql_node *lw = kql_node_new(b->a, KQL_N_OP, w->pos);
    lw->name = "where";
    lw->name_len = 5;
    kql_node_add(b->a, lw, pred);
    if (kql_bind_op(b, lw, sc, p)) return -1;
  }
  if (kql_bind_op(b, inner->kids[1], sc, p)) return -1;
  return kql_bind_op(b, w, sc, p);
}
