/* SPDX-License-Identifier: MIT
 * Binder for mv-apply: the expansions (mv-expand's naming and typing rules),
 * the per-row table schema, and a trial binding of the sub-query over an
 * empty table to learn its result columns. Output = the outer columns that
 * were not expanded and are not in the sub-query's result, then the result
 * (Kusto docs, mv-apply; emulator: mv-apply-operator-01..07). */
#include "kql/kql_op_ext.h"

#include <stdlib.h>
#include <string.h>

#define KQL_MVA_SRC "$mv_apply_rows"
#define KQL_MVA_MAX 16

static const char *kql_mva_itemindex(kql_binder *b, kql_node *op, int *rc) {
  const char *idx = NULL;
  *rc = 0;
  if (!op->params) return NULL;
  for (int i = 0; i < op->params->nkids; i++) {
    kql_node *pa = op->params->kids[i];
    if (!strncmp(pa->name, "hint.", 5)) continue;
    kql_node *v = pa->kids[0];
    if (!strcmp(pa->name, "with_itemindex") && v->kind == KQL_N_NAME) {
      idx = v->name;
      continue;
    }
    *rc = kql_bind_fail(b, pa->pos, "not supported yet: mv-apply parameter %s", pa->name);
    return NULL;
  }
  return idx;
}

/* Appends x and its parents to the set *v (n used, *cap allocated); returns n. */
static int kql_mva_add_scopes(kql_scope *x, kql_scope ***v, int n, int *cap) {
  for (; x; x = x->parent) {
    bool seen = false;
    for (int i = 0; i < n && !seen; i++) seen = (*v)[i] == x;
    if (seen) continue;
    if (n == *cap) {
      *cap *= 2;
      *v = kv_realloc(*v, sizeof(kql_scope *) * (size_t)*cap);
    }
    (*v)[n++] = x;
  }
  return n;
}

int kql_bind_mv_apply(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  int rc;
  const char *idx = kql_mva_itemindex(b, op, &rc);
  if (rc) return -1;
  kql_node *items[KQL_MVA_MAX];
  int nx = 0;
  int64_t limit = -1;
  kql_node *on = NULL;
  for (int i = 0; i < op->nkids; i++) {
    kql_node *k = op->kids[i];
    if (kql_node_is(k, "limit")) {
      if (!kql_node_const_long(b, k->kids[0], sc, &limit)) return -1;
      if (limit < 0) return kql_bind_fail(b, k->pos, "mv-apply: limit must not be negative");
    } else if (kql_node_is(k, "on")) {
      on = k;
    } else if (kql_node_is(k, "on-pipe")) {
      return kql_bind_fail(b, k->pos, "not supported yet: an mv-apply sub-query with its own source");
    } else if (nx == KQL_MVA_MAX) {
      return kql_bind_fail(b, k->pos, "not supported yet: more than %d mv-apply columns", KQL_MVA_MAX);
    } else {
      items[nx++] = k;
    }
  }
  if (!on || on->nkids == 0 || nx == 0) return kql_bind_fail(b, op->pos, "mv-apply: missing columns or sub-query");
  int outer = p->schema.count;
  kv_schema sub = {0};
  int *sub_src = kv_malloc(sizeof(int) * (size_t)(outer + nx + 1));
  for (int c = 0; c < outer; c++) {
    kql_schema_add(b, &sub, p->schema.cols[c].name, p->schema.cols[c].type);
    sub_src[c] = c;
  }
  kql_expr **exprs = kv_calloc((size_t)nx, sizeof(kql_expr *));
  kv_type *types = kv_malloc(sizeof(kv_type) * (size_t)nx);
  rc = 0;
  for (int k = 0; k < nx && rc == 0; k++) {
    kql_node *it = items[k]->kids[0];
    const char *name = NULL;
    kql_node *en = it;
    if (it->kind == KQL_N_ASSIGN && !it->flags) {
      name = it->name;
      en = it->kids[0];
    } else if (it->kind == KQL_N_NAME) {
      name = it->name;
    } else {
      rc = kql_bind_fail(b, it->pos, "not supported yet: mv-apply of an expression without a name");
      break;
    }
    exprs[k] = kql_bind_expr(b, en, &p->schema, sc);
    if (!exprs[k]) {
      rc = -1;
      break;
    }
    if (exprs[k]->type != KV_DYNAMIC) {
      rc = kql_bind_fail(b, en->pos, "mv-apply: the expression must be dynamic, not %s", kv_type_name(exprs[k]->type));
      break;
    }
    types[k] = KV_DYNAMIC;
    if (items[k]->nkids > 1) {
      kql_node *ty = items[k]->kids[1];
      if (ty->kind != KQL_N_TYPEOF || !kql_type_from_word(ty->name, &types[k])) {
        rc = kql_bind_fail(b, ty->pos, "not supported yet: this mv-apply target type");
        break;
      }
    }
    int at = kql_schema_find(&sub, name, strlen(name));
    if (at < 0) {
      kql_schema_add(b, &sub, name, types[k]);
      at = sub.count - 1;
    } else {
      sub.cols[at].type = types[k];
    }
    sub_src[at] = -1 - k;
  }
  if (rc == 0 && idx) {
    int at = kql_schema_find(&sub, idx, strlen(idx));
    if (at < 0) {
      kql_schema_add(b, &sub, idx, KV_LONG);
      at = sub.count - 1;
    } else {
      sub.cols[at].type = KV_LONG;
    }
    sub_src[at] = -1000;
  }
  /* the sub-query as a pipe over the per-row table */
  kql_node *root = NULL;
  kv_schema res = {0};
  int colnum = 0;
  if (rc == 0) {
    root = kql_node_new(b->a, KQL_N_NAME, op->pos);
    root->name = KQL_MVA_SRC;
    root->name_len = (uint32_t)strlen(KQL_MVA_SRC);
    for (int i = 0; i < on->nkids; i++) {
      kql_node *pipe = kql_node_new(b->a, KQL_N_PIPE, on->kids[i]->pos);
      kql_node_add(b->a, pipe, root);
      kql_node_add(b->a, pipe, on->kids[i]);
      root = pipe;
    }
    colnum = b->colnum; /* each row's binding must name columns the same way */
    kql_table *empty = kql_table_new(&sub);
    kql_pipe dp;
    memset(&dp, 0, sizeof dp);
    if (kql_bind_tabular(b, root, kql_table_scope(b->a, sc, KQL_MVA_SRC, empty), &dp) != 0) rc = -1;
    else res = dp.schema;
    kql_pipe_free(&dp);
    kql_table_free(empty);
  }
  if (rc != 0) {
    for (int k = 0; k < nx; k++) kql_expr_free(exprs[k]);
    free(exprs);
    free(types);
    free(sub_src);
    return -1;
  }
  /* output: untouched outer columns the result does not redefine, then the result */
  kv_schema out = {0};
  int *out_src = kv_malloc(sizeof(int) * (size_t)(outer + res.count + 1));
  for (int c = 0; c < outer; c++) {
    if (sub_src[c] != c) continue;
    const char *nm = p->schema.cols[c].name;
    if (kql_schema_find(&res, nm, strlen(nm)) >= 0) continue;
    out_src[out.count] = c;
    kql_schema_add(b, &out, nm, p->schema.cols[c].type);
  }
  for (int j = 0; j < res.count; j++) {
    out_src[out.count] = -1 - j;
    kql_schema_add(b, &out, res.cols[j].name, res.cols[j].type);
  }
  /* the binder releases let constants when it is done; re-binding needs them */
  int nheld = 0;
  for (kql_ent *e = b->all; e; e = e->all_next) nheld++;
  kv_value *held = kv_calloc((size_t)(nheld ? nheld : 1), sizeof(kv_value));
  nheld = 0;
  for (kql_ent *e = b->all; e; e = e->all_next) held[nheld++] = kv_retain(e->cval);
  /* 'as' inside a let bound again per row adds names to that let's scope:
   * the op restores these lists after each row (the names live in its arena) */
  int cap = 8, nsc = 0;
  kql_scope **scopes = kv_malloc(sizeof(kql_scope *) * (size_t)cap);
  nsc = kql_mva_add_scopes(sc, &scopes, nsc, &cap);
  for (kql_ent *e = b->all; e; e = e->all_next) nsc = kql_mva_add_scopes(e->scope, &scopes, nsc, &cap);
  kql_mvapply_spec s;
  memset(&s, 0, sizeof s);
  s.scopes = scopes;
  s.heads = kv_calloc((size_t)(nsc ? nsc : 1), sizeof(kql_ent *));
  s.nscopes = nsc;
  s.q = b->q;
  s.scope = sc;
  s.root = root;
  s.src_name = KQL_MVA_SRC;
  s.sub = sub;
  s.sub_src = sub_src;
  s.exprs = exprs;
  s.types = types;
  s.nx = nx;
  s.limit = limit;
  s.res = res;
  s.out_src = out_src;
  s.ncols = out.count;
  s.held = held;
  s.nheld = nheld;
  s.pos = op->pos;
  s.colnum = colnum;
  kql_pipe_append(p, kql_op_mv_apply_new(&b->q->ex, &s));
  p->schema = out;
  return 0;
}
