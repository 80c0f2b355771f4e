/* SPDX-License-Identifier: MIT
 * Functions that return several columns (series_stats, series_fit_line,
 * series_decompose, ...) in extend and project: `extend f(x)` adds every
 * output as f_x_<suffix>; `extend (a, b) = f(x)` names the first outputs
 * (project also keeps the unnamed rest under their default names). The
 * operator node is rewritten before binding: each output becomes an item
 * `name = <cast>(f$(args)[i])`, where f$ is the body returning all outputs
 * as a dynamic array. Owner: series. */
#include "kql/kql_make_series.h"

#include <stdio.h>
#include <string.h>

typedef struct kql_tuple_fn {
  const char *name;
  const char *body; /* table name of the tuple body */
  const char *const *suffix;
  const char *const *cast; /* per output: conversion function, NULL = dynamic */
  int nout;
} kql_tuple_fn;

static const char *const kql_sfx_stats[] = {"min", "min_idx", "max", "max_idx", "avg", "stdev", "variance"};
static const char *const kql_cast_stats[] = {"toreal", "tolong", "toreal", "tolong", "toreal", "toreal", "toreal"};
static const char *const kql_sfx_line[] = {"rsquare", "slope", "variance", "rvariance", "interception", "line_fit"};
static const char *const kql_cast_line[] = {"toreal", "toreal", "toreal", "toreal", "toreal", NULL};
static const char *const kql_sfx_2lines[] = {"rsquare", "split_idx", "variance", "rvariance", "line_fit",
                                             "right_rsquare", "right_slope", "right_interception",
                                             "right_variance", "right_rvariance", "left_rsquare", "left_slope",
                                             "left_interception", "left_variance", "left_rvariance"};
static const char *const kql_cast_2lines[] = {"toreal", "tolong", "toreal", "toreal", NULL,
                                              "toreal", "toreal", "toreal", "toreal", "toreal",
                                              "toreal", "toreal", "toreal", "toreal", "toreal"};
static const char *const kql_sfx_poly[] = {"rsquare", "coefficients", "variance", "rvariance", "poly_fit"};
static const char *const kql_cast_poly[] = {"toreal", NULL, "toreal", "toreal", NULL};
static const char *const kql_sfx_dec[] = {"baseline", "seasonal", "trend", "residual"};
static const char *const kql_sfx_ad[] = {"ad_flag", "ad_score", "baseline"};
static const char *const kql_cast_dyn[] = {NULL, NULL, NULL, NULL};

static const kql_tuple_fn kql_tuple_fns[] = {
    {"series_stats", "series_stats$", kql_sfx_stats, kql_cast_stats, 7},
    {"series_fit_line", "series_fit_line$", kql_sfx_line, kql_cast_line, 6},
    {"series_fit_2lines", "series_fit_2lines$", kql_sfx_2lines, kql_cast_2lines, 15},
    {"series_fit_poly", "series_fit_poly$", kql_sfx_poly, kql_cast_poly, 5},
    {"series_decompose", "series_decompose$", kql_sfx_dec, kql_cast_dyn, 4},
    {"series_decompose_anomalies", "series_decompose_anomalies$", kql_sfx_ad, kql_cast_dyn, 3},
};

static const kql_tuple_fn *kql_tuple_find(const kql_node *n) {
  if (n->kind != KQL_N_CALL || n->flags) return NULL;
  for (size_t i = 0; i < sizeof kql_tuple_fns / sizeof kql_tuple_fns[0]; i++)
    if (!strcmp(n->name, kql_tuple_fns[i].name)) return &kql_tuple_fns[i];
  return NULL;
}

static kql_node *kql_tp_node(kql_binder *b, kql_nkind kind, const char *name, uint32_t pos) {
  kql_node *n = kql_node_new(b->a, kind, pos);
  n->name = name;
  n->name_len = (uint32_t)strlen(name);
  return n;
}

/* name = cast(body(args)[i]) */
static kql_node *kql_tp_item(kql_binder *b, const kql_tuple_fn *f, kql_node *call, int i, const char *name) {
  kql_node *body = kql_tp_node(b, KQL_N_CALL, f->body, call->pos);
  body->end = call->end;
  for (int k = 0; k < call->nkids; k++) kql_node_add(b->a, body, call->kids[k]);
  kql_node *ix = kql_tp_node(b, KQL_N_INDEX, "", call->pos);
  kql_node_add(b->a, ix, body);
  kql_node *lit = kql_node_new(b->a, KQL_N_LIT, call->pos);
  lit->lit = kv_long(i);
  kql_node_add(b->a, ix, lit);
  kql_node *e = ix;
  if (f->cast[i]) {
    e = kql_tp_node(b, KQL_N_CALL, f->cast[i], call->pos);
    kql_node_add(b->a, e, ix);
  }
  kql_node *as = kql_tp_node(b, KQL_N_ASSIGN, name, call->pos);
  as->end = call->end;
  kql_node_add(b->a, as, e);
  return as;
}

/* f_<arg>_<suffix>: the first argument's column name, as Kusto names them. */
static const char *kql_tp_default_name(kql_binder *b, const kql_tuple_fn *f, kql_node *call, int i) {
  const char *arg = call->nkids && call->kids[0]->kind == KQL_N_NAME ? call->kids[0]->name : "";
  size_t len = strlen(f->name) + strlen(arg) + strlen(f->suffix[i]) + 3;
  char *s = kql_arena_alloc(b->a, len);
  snprintf(s, len, "%s_%s_%s", f->name, arg, f->suffix[i]);
  return s;
}

kql_node *kql_bind_tuple_rewrite(kql_binder *b, kql_node *op, bool is_project) {
  bool any = false;
  for (int i = 0; i < op->nkids; i++) {
    kql_node *it = op->kids[i];
    if ((it->kind == KQL_N_ASSIGN && it->flags == 1) || kql_tuple_find(it)) any = true;
  }
  if (!any) return op;
  kql_node *n = kql_arena_alloc(b->a, sizeof *n);
  *n = *op;
  n->kids = NULL;
  n->nkids = n->cap = 0;
  for (int i = 0; i < op->nkids; i++) {
    kql_node *it = op->kids[i];
    const kql_tuple_fn *f = NULL;
    if (it->kind == KQL_N_ASSIGN && it->flags == 1) {
      kql_node *call = it->kids[0];
      f = kql_tuple_find(call);
      if (!f) {
        kql_bind_fail(b, it->pos, "not supported yet: tuple assignment from this expression");
        return NULL;
      }
      int nnames = it->nkids; /* kids[0] is the call, kids[1..] the names after the first */
      if (nnames > f->nout) {
        kql_bind_fail(b, it->pos, "%s returns %d values, not %d", f->name, f->nout, nnames);
        return NULL;
      }
      for (int k = 0; k < f->nout; k++) {
        const char *name;
        if (k == 0) name = it->name;
        else if (k < nnames) name = it->kids[k]->name;
        else if (is_project) name = kql_tp_default_name(b, f, call, k);
        else break;
        kql_node_add(b->a, n, kql_tp_item(b, f, call, k, name));
      }
      continue;
    }
    f = kql_tuple_find(it);
    if (f) {
      for (int k = 0; k < f->nout; k++) kql_node_add(b->a, n, kql_tp_item(b, f, it, k, kql_tp_default_name(b, f, it, k)));
      continue;
    }
    kql_node_add(b->a, n, it);
  }
  return n;
}
