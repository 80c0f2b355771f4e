/* SPDX-License-Identifier: MIT
 * Binder of the scan operator: declared columns with their defaults, steps
 * with conditions and assignments, and `Step.Column` references to the scan
 * state, which are rewritten to columns of a wider row (see kql_op_scan_new).
 * Stage: binder. Semantics: Kusto's scan operator documentation. */
#include "kql/kql_scanops.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  kql_node **steps;
  int nsteps;
} kql_scan_names;

/* Copy of expression n where Step.Col becomes the column name "Step.Col". */
static kql_node *kql_scan_rewrite(kql_binder *b, kql_node *n, const kql_scan_names *sn, int depth) {
  if (!n || depth > 200) return n;
  if (n->kind == KQL_N_MEMBER && n->nkids == 1 && n->kids[0]->kind == KQL_N_NAME) {
    for (int i = 0; i < sn->nsteps; i++) {
      if (strcmp(sn->steps[i]->str, n->kids[0]->name) != 0) continue;
      kv_buf buf;
      kv_buf_init(&buf);
      kv_buf_printf(&buf, "%s.%s", sn->steps[i]->str, n->name);
      kql_node *c = kql_node_new(b->a, KQL_N_NAME, n->pos);
      c->end = n->end;
      c->name = kql_arena_strdup(b->a, buf.data, buf.len);
      c->name_len = (uint32_t)buf.len;
      kv_buf_free(&buf);
      return c;
    }
  }
  if (n->nkids == 0) return n;
  kql_node *c = kql_arena_alloc(b->a, sizeof *c);
  *c = *n;
  c->kids = kql_arena_alloc(b->a, sizeof(kql_node *) * (size_t)n->nkids);
  c->cap = n->nkids;
  for (int i = 0; i < n->nkids; i++) c->kids[i] = kql_scan_rewrite(b, n->kids[i], sn, depth + 1);
  return c;
}

static kql_expr *kql_scan_expr(kql_binder *b, kql_node *n, const kv_schema *wide,
                               const kql_scan_names *sn, kql_scope *sc) {
  kql_expr *e = kql_bind_expr(b, kql_scan_rewrite(b, n, sn, 0), wide, sc);
  if (e && kql_scx_uses_window(e)) {
    kql_expr_free(e);
    kql_bind_fail(b, n->pos, "scan: row_number/prev/next/row_cumsum cannot be used in a scan step");
    return NULL;
  }
  return e;
}

static void kql_scan_steps_free(kql_scan_step *st, int n) {
  for (int i = 0; i < n; i++) {
    kql_expr_free(st[i].cond);
    for (int k = 0; k < st[i].nassign; k++) kql_expr_free(st[i].assign[k]);
    free(st[i].assign);
    free(st[i].assign_col);
  }
  free(st);
}

int kql_bind_scan(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  kql_node *decl = op->kids[0];
  int in_cols = p->schema.count;
  int ncore = in_cols + decl->nkids;
  kql_scan_names sn = {op->kids + 1, op->nkids - 1};
  if (sn.nsteps < 1) return kql_bind_fail(b, op->pos, "scan: at least one step is required");
  if (sn.nsteps > 64) return kql_bind_fail(b, op->pos, "not supported yet: scan with more than 64 steps");
  for (int i = 0; i < sn.nsteps; i++)
    for (int j = 0; j < i; j++)
      if (!strcmp(sn.steps[i]->str, sn.steps[j]->str))
        return kql_bind_fail(b, sn.steps[i]->pos, "scan: step name '%s' is used twice", sn.steps[i]->str);
  /* core schema: input then declared columns */
  kv_schema core = {0};
  for (int i = 0; i < in_cols; i++) kql_schema_add(b, &core, p->schema.cols[i].name, p->schema.cols[i].type);
  kv_type *types = kv_calloc((size_t)ncore, sizeof(kv_type));
  kv_value *empty = kv_calloc((size_t)ncore, sizeof(kv_value));
  for (int i = 0; i < in_cols; i++) {
    types[i] = p->schema.cols[i].type;
    empty[i] = kv_null(types[i]);
  }
  int rc = 0;
  for (int i = 0; i < decl->nkids && rc == 0; i++) {
    kql_node *cd = decl->kids[i];
    int c = in_cols + i;
    empty[c] = kv_null(KV_DYNAMIC);
    if (!kql_type_from_word(cd->str, &types[c])) {
      rc = kql_bind_fail(b, cd->pos, "unknown type '%s'", cd->str);
      break;
    }
    empty[c] = kv_null(types[c]);
    if (kql_schema_find(&core, cd->name, cd->name_len) >= 0) {
      rc = kql_bind_fail(b, cd->pos, "scan: column '%s' is already defined", cd->name);
      break;
    }
    kql_schema_add(b, &core, cd->name, types[c]);
    if (cd->nkids) {
      kql_expr *d = kql_bind_expr(b, cd->kids[0], NULL, sc);
      if (!d) {
        rc = -1;
        break;
      }
      if (!d->is_const) {
        kql_expr_free(d);
        rc = kql_bind_fail(b, cd->kids[0]->pos, "scan: a declared default must be a constant");
        break;
      }
      empty[c] = kv_convert(d->cval, types[c]);
      kql_expr_free(d);
    }
  }
  /* the wide row: core, then one block per step named Step.Col */
  kv_schema wide = {0};
  for (int i = 0; rc == 0 && i < ncore; i++) kql_schema_add(b, &wide, core.cols[i].name, core.cols[i].type);
  for (int s = 0; rc == 0 && s < sn.nsteps; s++) {
    for (int i = 0; i < ncore; i++) {
      kv_buf buf;
      kv_buf_init(&buf);
      kv_buf_printf(&buf, "%s.%s", sn.steps[s]->str, core.cols[i].name);
      kql_schema_add(b, &wide, kql_arena_strdup(b->a, buf.data, buf.len), core.cols[i].type);
      kv_buf_free(&buf);
    }
  }
  kql_scan_step *steps = kv_calloc((size_t)sn.nsteps, sizeof(kql_scan_step));
  for (int s = 0; rc == 0 && s < sn.nsteps; s++) {
    kql_node *st = sn.steps[s];
    if (st->flags == 1) {
      rc = kql_bind_fail(b, st->pos, "not supported yet: scan step output=last");
      break;
    }
    steps[s].output = st->flags;
    steps[s].cond = kql_scan_expr(b, st->kids[0], &wide, &sn, sc);
    if (!steps[s].cond) {
      rc = -1;
      break;
    }
    if (steps[s].cond->type != KV_BOOL && steps[s].cond->type != KV_DYNAMIC) {
      rc = kql_bind_fail(b, st->kids[0]->pos, "scan: a step condition must be bool, not %s",
                         kv_type_name(steps[s].cond->type));
      break;
    }
    int na = st->nkids - 1;
    steps[s].assign = kv_calloc((size_t)(na ? na : 1), sizeof(kql_expr *));
    steps[s].assign_col = kv_calloc((size_t)(na ? na : 1), sizeof(int));
    for (int k = 0; k < na; k++) {
      kql_node *as = st->kids[1 + k];
      int col = kql_schema_find(&core, as->name, as->name_len);
      if (col < in_cols) {
        rc = kql_bind_fail(b, as->pos, "scan: '%s' is not a declared column", as->name);
        break;
      }
      kql_expr *v = kql_scan_expr(b, as->kids[0], &wide, &sn, sc);
      if (!v) {
        rc = -1;
        break;
      }
      steps[s].assign[k] = v;
      steps[s].assign_col[k] = col;
      steps[s].nassign = k + 1;
    }
  }
  bool mid = op->str && op->str[0];
  if (rc == 0 && mid && kql_schema_find(&core, op->str, strlen(op->str)) >= 0)
    rc = kql_bind_fail(b, op->pos, "scan: column '%s' is already defined", op->str);
  if (rc != 0) {
    kql_scan_steps_free(steps, sn.nsteps);
    for (int i = 0; i < ncore; i++) kv_release(empty[i]);
    free(empty);
    free(types);
    return -1;
  }
  kv_schema out = core;
  if (mid) kql_schema_add(b, &out, op->str, KV_LONG);
  kql_pipe_append(p, kql_op_scan_new(&b->q->ex, in_cols, ncore, types, empty, steps, sn.nsteps, mid));
  p->schema = out;
  p->serialized = true;
  return 0;
}
