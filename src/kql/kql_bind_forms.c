/* SPDX-License-Identifier: MIT
 * Syntax rewrites for a few query forms, done on the tree before the
 * ordinary binder sees it: distinct * (all columns), where * has "x" (the
 * predicate over every column), T | invoke f(args) (= f(T, args)), and union
 * legs with wildcard names (View*) or, under isfuzzy=true, unknown tables.
 * Stage: binder. The input tree is never modified; rewrites are copies. */
#include "kql/kql_scanops.h"

#include <string.h>

/* distinct *: every column, by name, in schema order. */
kql_node *kql_scx_star_names(kql_binder *b, kql_node *op, const kv_schema *row) {
  kql_node *c = kql_scx_node(b, KQL_N_OP, op->pos, op->name);
  c->end = op->end;
  for (int i = 0; i < row->count; i++) {
    kql_node *n = kql_scx_node(b, KQL_N_NAME, op->kids[0]->pos, row->cols[i].name);
    kql_node_add(b->a, c, n);
  }
  return c;
}

static kql_node *kql_scx_copy(kql_binder *b, const kql_node *n) {
  kql_node *c = kql_arena_alloc(b->a, sizeof *c);
  *c = *n;
  c->kids = NULL;
  c->nkids = c->cap = 0;
  return c;
}

/* where: `* op x` becomes (c1 op x) or (c2 op x) ..., non-string columns via tostring(). */
kql_node *kql_scx_star_pred(kql_binder *b, kql_node *n, const kv_schema *row, int depth) {
  if (!n || depth > 100) return n;
  if (n->kind == KQL_N_BINARY && n->nkids == 2 && n->kids[0]->kind == KQL_N_STAR) {
    kql_node *acc = NULL;
    for (int i = 0; i < row->count; i++) {
      kql_node *col = kql_scx_node(b, KQL_N_NAME, n->kids[0]->pos, row->cols[i].name);
      if (row->cols[i].type != KV_STRING) {
        kql_node *ts = kql_scx_node(b, KQL_N_CALL, n->kids[0]->pos, "tostring");
        kql_node_add(b->a, ts, col);
        col = ts;
      }
      kql_node *e = kql_scx_copy(b, n);
      kql_node_add(b->a, e, col);
      kql_node_add(b->a, e, n->kids[1]);
      if (!acc) {
        acc = e;
      } else {
        kql_node *o = kql_scx_node(b, KQL_N_BINARY, n->pos, "or");
        kql_node_add(b->a, o, acc);
        kql_node_add(b->a, o, e);
        acc = o;
      }
    }
    if (!acc) {
      acc = kql_node_new(b->a, KQL_N_LIT, n->pos);
      acc->lit = kv_bool(false);
    }
    kql_node *par = kql_node_new(b->a, KQL_N_PAREN, n->pos);
    kql_node_add(b->a, par, acc);
    return par;
  }
  if ((n->kind == KQL_N_BINARY && (kql_node_is(n, "and") || kql_node_is(n, "or"))) ||
      n->kind == KQL_N_PAREN || (n->kind == KQL_N_CALL && kql_node_is(n, "not"))) {
    kql_node *c = kql_scx_copy(b, n);
    for (int i = 0; i < n->nkids; i++) kql_node_add(b->a, c, kql_scx_star_pred(b, n->kids[i], row, depth + 1));
    return c;
  }
  return n;
}

static kql_ent *kql_scx_lookup(kql_scope *sc, const char *name) {
  for (; sc; sc = sc->parent)
    for (kql_ent *e = sc->ents; e; e = e->next)
      if (!strcmp(e->name, name)) return e;
  return NULL;
}

/* The leftmost source of a tabular expression (T in T | a | b). */
static kql_node *kql_scx_source(kql_node *n) {
  for (int d = 0; n && d < 400; d++) {
    if ((n->kind == KQL_N_PIPE || n->kind == KQL_N_PAREN) && n->nkids) n = n->kids[0];
    else return n;
  }
  return n;
}

/* T | invoke f(a, b) is f(T, a, b). */
int kql_bind_invoke(kql_binder *b, kql_node *pipe, kql_scope *sc, kql_pipe *p) {
  kql_node *op = pipe->kids[1];
  if (op->nkids != 1 || op->kids[0]->kind != KQL_N_CALL)
    return kql_bind_fail(b, op->pos, "invoke: expected a function call");
  kql_node *fn = op->kids[0];
  kql_ent *e = kql_scx_lookup(sc, fn->name);
  if (!e || e->kind != KQL_ENT_FUNC)
    return kql_bind_fail(b, fn->pos, "not supported yet: invoke of '%s' (only let-defined functions)", fn->name);
  kql_node *call = kql_scx_copy(b, fn);
  kql_node_add(b->a, call, pipe->kids[0]);
  for (int i = 0; i < fn->nkids; i++) kql_node_add(b->a, call, fn->kids[i]);
  return kql_bind_tabular(b, call, sc, p);
}

static bool kql_scx_wild(const char *pat, const char *s) {
  if (!*pat) return !*s;
  if (*pat == '*') {
    for (;; s++) {
      if (kql_scx_wild(pat + 1, s)) return true;
      if (!*s) return false;
    }
  }
  return *s == *pat && kql_scx_wild(pat + 1, s + 1);
}

static bool kql_scx_is_table_ent(const kql_ent *e) {
  return e->kind == KQL_ENT_TABULAR || (e->kind == KQL_ENT_FUNC && e->node->kids[0]->nkids == 0);
}

/* Appends a NAME leg for every let-bound table or view matching pat, in
 * definition order (outer scopes first). */
static void kql_scx_expand(kql_binder *b, kql_node *u, kql_node *leg, kql_scope *sc, int depth) {
  if (!sc || depth > 400) return;
  kql_scx_expand(b, u, leg, sc->parent, depth + 1);
  kql_ent *list[256];
  int n = 0;
  for (kql_ent *e = sc->ents; e && n < 256; e = e->next) list[n++] = e;
  for (int i = n - 1; i >= 0; i--) {
    kql_ent *e = list[i];
    if (!kql_scx_is_table_ent(e) || !kql_scx_wild(leg->name, e->name)) continue;
    if (kql_scx_lookup(sc, e->name) != e) continue; /* shadowed by a later let */
    kql_node_add(b->a, u, kql_scx_node(b, KQL_N_NAME, leg->pos, e->name));
  }
}

static bool kql_scx_fuzzy(kql_node *op) {
  if (!op->params) return false;
  for (int i = 0; i < op->params->nkids; i++) {
    kql_node *pa = op->params->kids[i];
    if (strcmp(pa->name, "isfuzzy") || !pa->nkids) continue;
    kql_node *v = pa->kids[0];
    return (v->kind == KQL_N_LIT && v->lit.type == KV_BOOL && v->lit.u.b) ||
           (v->kind == KQL_N_NAME && !strcmp(v->name, "true"));
  }
  return false;
}

/* Union legs with View* expanded and, with isfuzzy=true and no input stream,
 * legs over unknown tables dropped. Returns op itself when nothing changes. */
kql_node *kql_scx_union_legs(kql_binder *b, kql_node *op, kql_scope *sc) {
  bool fuzzy = kql_scx_fuzzy(op), change = false;
  for (int i = 0; i < op->nkids; i++) {
    kql_node *leg = op->kids[i];
    if (leg->kind == KQL_N_NAME && leg->flags == 2) change = true;
    kql_node *s = kql_scx_source(leg);
    if (fuzzy && !b->q->input && s && s->kind == KQL_N_NAME && s->flags != 2 && !kql_scx_lookup(sc, s->name))
      change = true;
  }
  if (!change) return op;
  kql_node *u = kql_scx_copy(b, op);
  for (int i = 0; i < op->nkids; i++) {
    kql_node *leg = op->kids[i];
    if (leg->kind == KQL_N_NAME && leg->flags == 2) {
      kql_scx_expand(b, u, leg, sc, 0);
      continue;
    }
    kql_node *s = kql_scx_source(leg);
    if (fuzzy && !b->q->input && s && s->kind == KQL_N_NAME && s->flags != 2 && !kql_scx_lookup(sc, s->name))
      continue;
    kql_node_add(b->a, u, leg);
  }
  return u;
}
