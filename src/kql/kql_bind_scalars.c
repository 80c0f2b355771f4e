/* SPDX-License-Identifier: MIT
 * Binder side of the scalar functions whose arguments are columns or tables
 * rather than values: pack_all(ignore_null_empty), bag_pack_columns(c1, ...),
 * estimate_data_size(* | c1, ...), column_names_of(T), and the window function
 * row_window_session. Each becomes a call of
 * a function body defined here (not in the name table) over the expanded
 * columns, or a constant. Called from kql_bind_call before the table lookup.
 * Owner: scalars. */
#include <string.h>

#include "kql/kql_bind.h"
#include "kql/fn_lib.h"

/* pack(flag, name1, value1, ...): a bag of the values; with flag true, null
 * values and empty strings are left out (pack_all(true),
 * emulator:pack-all-function-00). */
static kv_value kql_scx_pack_named(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  bool skip = args[0].type == KV_BOOL && !kv_is_null(args[0]) && args[0].u.b;
  kv_value bag = kv_dyn_bag();
  for (int i = 1; i + 1 < argc; i += 2) {
    kv_value v = args[i + 1];
    if (skip && kv_is_null(v)) continue;
    if (skip && kv_scalar_type(v) == KV_STRING) {
      kv_value u = kv_from_dynamic(v);
      bool empty = u.len == 0;
      kv_release(u);
      if (empty) continue;
    }
    kv_bag_set(bag, args[i].u.s, args[i].len, kv_to_dynamic(v));
  }
  return bag;
}

/* Bytes of a value for estimate_data_size: 8 for long, real, datetime and
 * timespan (the docs' example), 4 int, 1 bool, 16 guid/decimal, UTF-8 bytes
 * of a string. Dynamic values are not estimated (Kusto's internal size of
 * them is not documented). */
static kv_value kql_scx_estimate(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  int64_t total = 0;
  for (int i = 0; i < argc; i++) {
    kv_value v = args[i];
    switch (v.type) {
    case KV_BOOL: total += 1; break;
    case KV_INT: total += 4; break;
    case KV_LONG: case KV_REAL: case KV_DATETIME: case KV_TIMESPAN: total += 8; break;
    case KV_GUID: case KV_DECIMAL: total += 16; break;
    case KV_STRING: total += (int64_t)v.len; break;
    default:
      return kql_fn_fail(ctx, KV_LONG, "not supported yet: estimate_data_size() of a dynamic column");
    }
  }
  return kv_long(total);
}

static const kql_fn_def kql_scx_pack_def = {"pack_all", 0, -1, kql_scx_pack_named, NULL, 0};
static const kql_fn_def kql_scx_pack_columns_def = {"bag_pack_columns", 0, -1, kql_scx_pack_named,
                                                     NULL, 0};
static const kql_fn_def kql_scx_estimate_def = {"estimate_data_size", 0, -1, kql_scx_estimate, NULL,
                                                0};

static kql_expr *kql_scx_const(kv_value v, kv_type t, uint32_t pos) {
  kql_expr *e = kql_expr_new(KQL_E_CONST, t, pos);
  e->cval = v;
  e->is_const = true;
  return e;
}

static void kql_scx_addarg(kql_expr *e, kql_expr *a) {
  e->args = kv_realloc(e->args, sizeof(kql_expr *) * (size_t)(e->nargs + 1));
  e->args[e->nargs++] = a;
}

static kql_expr *kql_scx_call(const kql_fn_def *fn, kv_type t, uint32_t pos) {
  kql_expr *e = kql_expr_new(KQL_E_CALL, t, pos);
  e->fn = fn;
  return e;
}

/* Fills arg_const once every argument is in (the evaluator reads it). */
static kql_expr *kql_scx_finish(kql_expr *e) {
  e->arg_const = kv_calloc((size_t)(e->nargs ? e->nargs : 1), sizeof(bool));
  for (int i = 0; i < e->nargs; i++) e->arg_const[i] = e->args[i]->is_const;
  return e;
}

static void kql_scx_add_named(kql_expr *e, const char *name, kql_expr *val) {
  kql_scx_addarg(e, kql_scx_const(kv_string(name, strlen(name)), KV_STRING, val->pos));
  kql_scx_addarg(e, val);
}

static kql_expr *kql_scx_pack_all(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc) {
  if (!row) {
    kql_bind_fail(b, n->pos, "pack_all() needs the columns of a row");
    return NULL;
  }
  kql_expr *flag = kql_bind_expr(b, n->kids[0], row, sc);
  if (!flag) return NULL;
  if (!flag->is_const || (flag->type != KV_BOOL && flag->type != KV_DYNAMIC)) {
    kql_bind_fail(b, n->kids[0]->pos, "pack_all: ignore_null_empty must be a constant bool");
    kql_expr_free(flag);
    return NULL;
  }
  kql_expr *e = kql_scx_call(&kql_scx_pack_def, KV_DYNAMIC, n->pos);
  kql_scx_addarg(e, flag);
  for (int i = 0; i < row->count; i++)
    kql_scx_add_named(e, row->cols[i].name, kql_expr_col(i, row->cols[i].type, n->pos));
  return kql_scx_finish(e);
}

static kql_expr *kql_scx_pack_columns(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc) {
  kql_expr *e = kql_scx_call(&kql_scx_pack_columns_def, KV_DYNAMIC, n->pos);
  kql_scx_addarg(e, kql_scx_const(kv_bool(false), KV_BOOL, n->pos));
  for (int i = 0; i < n->nkids; i++) {
    kql_node *k = n->kids[i];
    if (k->kind != KQL_N_NAME) {
      kql_bind_fail(b, k->pos, "bag_pack_columns: arguments must be column names");
      kql_expr_free(e);
      return NULL;
    }
    kql_expr *v = kql_bind_expr(b, k, row, sc);
    if (!v) {
      kql_expr_free(e);
      return NULL;
    }
    kql_scx_add_named(e, k->name, v);
  }
  return kql_scx_finish(e);
}

static kql_expr *kql_scx_estimate_size(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc) {
  kql_expr *e = kql_scx_call(&kql_scx_estimate_def, KV_LONG, n->pos);
  for (int i = 0; i < n->nkids; i++) {
    kql_node *k = n->kids[i];
    if (k->kind == KQL_N_STAR) {
      for (int c = 0; row && c < row->count; c++)
        kql_scx_addarg(e, kql_expr_col(c, row->cols[c].type, k->pos));
      continue;
    }
    kql_expr *v = kql_bind_expr(b, k, row, sc);
    if (!v) {
      kql_expr_free(e);
      return NULL;
    }
    kql_scx_addarg(e, v);
  }
  return kql_scx_finish(e);
}

static kql_expr *kql_scx_column_names_of(kql_binder *b, kql_node *n, kql_scope *sc) {
  kql_pipe p;
  memset(&p, 0, sizeof p);
  if (kql_bind_tabular(b, n->kids[0], sc, &p)) {
    kql_pipe_free(&p);
    return NULL;
  }
  kv_value arr = kv_dyn_array();
  for (int i = 0; i < p.schema.count; i++) {
    kv_value s = kv_string(p.schema.cols[i].name, strlen(p.schema.cols[i].name));
    kv_array_push(arr, kv_to_dynamic(s));
    kv_release(s);
  }
  kql_pipe_free(&p);
  return kql_scx_const(arr, KV_DYNAMIC, n->pos);
}

/* row_window_session(expr, max_from_first, max_between [, restart]) as a
 * window node (kql_eval_session.c); datetime expr and timespan distances. */
static kql_expr *kql_scx_row_session(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc) {
  kql_expr *e = kql_expr_new(KQL_E_ROWWIN, KV_DATETIME, n->pos);
  e->op = KQL_ROWWIN_SESSION;
  for (int i = 0; i < n->nkids; i++) {
    kql_expr *a = kql_bind_expr(b, n->kids[i], row, sc);
    if (!a) {
      kql_expr_free(e);
      return NULL;
    }
    kql_scx_addarg(e, a);
  }
  kv_type t0 = e->args[0]->type, t1 = e->args[1]->type, t2 = e->args[2]->type;
  if (t0 != KV_DATETIME || t1 != KV_TIMESPAN || t2 != KV_TIMESPAN) {
    kql_bind_fail(b, n->pos, "not supported yet: row_window_session over %s with %s/%s distances",
                  kv_type_name(t0), kv_type_name(t1), kv_type_name(t2));
    kql_expr_free(e);
    return NULL;
  }
  return e;
}

/* Returns true when `n` is one of these calls (*out is then the bound
 * expression, or NULL after a bind error). */
bool kql_bind_scalars_call(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc, kql_expr **out) {
  const char *name = n->name;
  if (!strcmp(name, "pack_all") && n->nkids == 1) {
    *out = kql_scx_pack_all(b, n, row, sc);
    return true;
  }
  if (!strcmp(name, "bag_pack_columns") && n->nkids >= 1) {
    *out = kql_scx_pack_columns(b, n, row, sc);
    return true;
  }
  if (!strcmp(name, "estimate_data_size") && n->nkids >= 1) {
    *out = kql_scx_estimate_size(b, n, row, sc);
    return true;
  }
  if (!strcmp(name, "row_window_session") && (n->nkids == 3 || n->nkids == 4)) {
    *out = kql_scx_row_session(b, n, row, sc);
    return true;
  }
  if (!strcmp(name, "bin_auto")) {
    *out = kql_bind_bin_auto(b, n, row, sc);
    return true;
  }
  if (!strcmp(name, "column_names_of") && n->nkids == 1) {
    *out = kql_scx_column_names_of(b, n, sc);
    return true;
  }
  return false;
}
