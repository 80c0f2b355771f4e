/* SPDX-License-Identifier: MIT
 * Binder for make-series. The operator is built from two stages: a plain
 * summarize of the aggregates by the group keys plus the axis bin
 * (bin_at(axis, step, from), or bin(axis, step) without `from`), then the
 * blocking series builder of kql_op_make_series.c, which lays the bins out
 * on the axis and fills the gaps with the defaults. Owner: series. */
#include "kql/kql_make_series.h"

#include <stdlib.h>
#include <string.h>

static kql_node *kql_ms_node(kql_binder *b, kql_nkind kind, const char *name, uint32_t pos) {
  kql_node *n = kql_node_new(b->a, kind, pos);
  n->name = name;
  n->name_len = (uint32_t)strlen(name);
  return n;
}

/* Evaluates a constant operand (from, to, step, default); false after an error. */
static bool kql_ms_const(kql_binder *b, kql_node *n, kql_scope *sc, const kv_schema *row, const char *what,
                         kv_value *out) {
  kql_expr *e = kql_bind_expr(b, n, row, sc);
  if (!e) return false;
  if (!e->is_const) {
    kql_expr_free(e);
    kql_bind_fail(b, n->pos, "not supported yet: a make-series %s that is not a constant", what);
    return false;
  }
  *out = kv_retain(e->cval);
  kql_expr_free(e);
  return true;
}

static bool kql_ms_integral(kv_type t) {
  return t == KV_INT || t == KV_LONG || t == KV_DATETIME || t == KV_TIMESPAN;
}

/* Reads from/to/step into the axis description; false after an error. */
static bool kql_ms_axis_bounds(kql_binder *b, kql_node *op, kql_scope *sc, const kv_schema *row,
                               kql_ms_axis *ax) {
  kql_node *from = op->kids[2], *to = op->kids[3], *stepn = op->kids[4];
  kv_value vstep = kv_null(KV_LONG), vfrom = kv_null(KV_LONG), vto = kv_null(KV_LONG);
  bool ok = false;
  if (stepn->nkids != 1) {
    kql_bind_fail(b, op->pos, "make-series: missing step");
    return false;
  }
  if (!kql_ms_const(b, stepn->kids[0], sc, row, "step", &vstep)) goto out;
  if (from->nkids && !kql_ms_const(b, from->kids[0], sc, row, "'from'", &vfrom)) goto out;
  if (to->nkids && !kql_ms_const(b, to->kids[0], sc, row, "'to'", &vto)) goto out;
  ax->has_from = from->nkids && !kv_is_null(vfrom);
  ax->has_to = to->nkids && !kv_is_null(vto);
  kv_type st = kv_scalar_type(vstep);
  ax->is_real = !kql_ms_integral(ax->type) || !kql_ms_integral(st);
  if (kv_is_null(vstep)) {
    kql_bind_fail(b, stepn->kids[0]->pos, "make-series: the step must not be null");
    goto out;
  }
  if (ax->is_real) {
    if (!kv_num_real(vstep, &ax->r_step) || !(ax->r_step > 0) || ax->r_step > 1e300) {
      kql_bind_fail(b, stepn->kids[0]->pos, "make-series: the step must be a positive number");
      goto out;
    }
    if ((ax->has_from && !kv_num_real(vfrom, &ax->r_from)) || (ax->has_to && !kv_num_real(vto, &ax->r_to))) {
      kql_bind_fail(b, op->pos, "make-series: 'from' and 'to' must be numbers like the axis");
      goto out;
    }
  } else {
    if (!kv_num_long(vstep, &ax->i_step) || ax->i_step <= 0) {
      kql_bind_fail(b, stepn->kids[0]->pos, "make-series: the step must be positive");
      goto out;
    }
    if ((ax->has_from && !kv_num_long(vfrom, &ax->i_from)) || (ax->has_to && !kv_num_long(vto, &ax->i_to))) {
      kql_bind_fail(b, op->pos, "make-series: 'from' and 'to' must have the axis type");
      goto out;
    }
  }
  ok = true;
out:
  kv_release(vstep);
  kv_release(vfrom);
  kv_release(vto);
  return ok;
}

int kql_bind_make_series(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  if (op->nkids != 6) return kql_bind_fail(b, op->pos, "make-series: malformed operator");
  kql_node *aggs = op->kids[0], *on = op->kids[1], *by = op->kids[5];
  bool nonempty = false;
  if (op->params) {
    for (int i = 0; i < op->params->nkids; i++) {
      kql_node *pa = op->params->kids[i];
      if (!strncmp(pa->name, "hint.", 5)) continue;
      if (!strcmp(pa->name, "kind") && pa->nkids == 1 && pa->kids[0]->kind == KQL_N_NAME &&
          !strcmp(pa->kids[0]->name, "nonempty")) {
        nonempty = true;
        continue;
      }
      return kql_bind_fail(b, pa->pos, "not supported yet: make-series parameter %s", pa->name);
    }
  }
  kql_node *axis = on->kids[0];
  if (axis->kind != KQL_N_NAME)
    return kql_bind_fail(b, axis->pos, "not supported yet: a make-series axis that is not a column");
  int axcol = kql_schema_find(&p->schema, axis->name, axis->name_len);
  if (axcol < 0) return kql_bind_fail(b, axis->pos, "make-series: unknown axis column '%s'", axis->name);
  kql_ms_axis ax;
  memset(&ax, 0, sizeof ax);
  ax.type = p->schema.cols[axcol].type;
  if (!kql_ms_integral(ax.type) && ax.type != KV_REAL && ax.type != KV_DECIMAL)
    return kql_bind_fail(b, axis->pos, "make-series: the axis must be numeric, datetime or timespan, not %s",
                         kv_type_name(ax.type));
  if (!kql_ms_axis_bounds(b, op, sc, &p->schema, &ax)) return -1;
  const char *axis_name = axis->name;
  int naggs = aggs->nkids;
  kv_value *defaults = kv_calloc((size_t)(naggs ? naggs : 1), sizeof(kv_value));
  for (int a = 0; a < naggs; a++) defaults[a] = kv_long(0);
  for (int a = 0; a < naggs; a++) {
    kql_node *it = aggs->kids[a];
    if (it->nkids > 1 && !kql_ms_const(b, it->kids[1], sc, &p->schema, "default", &defaults[a])) goto fail;
  }
  /* stage 1: summarize aggs by keys, bin */
  kql_node *sum = kql_ms_node(b, KQL_N_OP, "summarize", op->pos);
  sum->str = "";
  kql_node *saggs = kql_ms_node(b, KQL_N_CLAUSE, "aggs", aggs->pos);
  for (int a = 0; a < naggs; a++) kql_node_add(b->a, saggs, aggs->kids[a]->kids[0]);
  kql_node *sby = kql_ms_node(b, KQL_N_CLAUSE, "by", by->pos);
  for (int i = 0; i < by->nkids; i++) kql_node_add(b->a, sby, by->kids[i]);
  kql_node *call = kql_ms_node(b, KQL_N_CALL, ax.has_from ? "bin_at" : "bin", axis->pos);
  kql_node_add(b->a, call, axis);
  kql_node_add(b->a, call, op->kids[4]->kids[0]);
  if (ax.has_from) kql_node_add(b->a, call, op->kids[2]->kids[0]);
  kql_node *paren = kql_ms_node(b, KQL_N_PAREN, "", axis->pos); /* keeps summarize from streaming bins */
  kql_node_add(b->a, paren, call);
  kql_node *bin = kql_ms_node(b, KQL_N_ASSIGN, "__ms_bin", axis->pos);
  kql_node_add(b->a, bin, paren);
  kql_node_add(b->a, sby, bin);
  kql_node_add(b->a, sum, saggs);
  kql_node_add(b->a, sum, sby);
  if (kql_bind_op(b, sum, sc, p)) goto fail;
  int nby = by->nkids;
  if (p->schema.count != nby + 1 + naggs) {
    kql_bind_fail(b, op->pos, "not supported yet: make-series with an aggregate of several columns");
    goto fail;
  }
  /* stage 2: the series builder */
  kv_schema out = {0};
  kv_type *by_types = kv_malloc(sizeof(kv_type) * (size_t)(nby ? nby : 1));
  for (int i = 0; i < nby; i++) {
    by_types[i] = p->schema.cols[i].type;
    kql_schema_add(b, &out, p->schema.cols[i].name, by_types[i]);
  }
  for (int a = 0; a < naggs; a++) {
    kv_column *c = &p->schema.cols[nby + 1 + a];
    kv_value d = defaults[a];
    if (!kv_is_null(d) && c->type != KV_DYNAMIC && kv_scalar_type(d) != c->type) {
      kv_value u = kv_from_dynamic(d);
      kv_value cv = kv_convert(u, c->type);
      kv_release(u);
      if (!kv_is_null(cv)) {
        kv_release(d);
        defaults[a] = cv;
      } else {
        kv_release(cv);
      }
    }
    kql_schema_add(b, &out, kql_unique_name(b, &out, c->name), KV_DYNAMIC);
  }
  kql_schema_add(b, &out, kql_unique_name(b, &out, axis_name), KV_DYNAMIC);
  kql_pipe_append(p, kql_op_make_series_new(&b->q->ex, nby, naggs, defaults, &ax, nonempty, by_types));
  free(by_types);
  p->schema = out;
  return 0;
fail:
  for (int a = 0; a < naggs; a++) kv_release(defaults[a]);
  free(defaults);
  return -1;
}
