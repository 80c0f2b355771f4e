/* SPDX-License-Identifier: MIT
 * KQL expression evaluator: walks bound expressions (kql_int.h) over one
 * row. Operators follow Kusto's rules through kv_ops.h (arithmetic typing,
 * null propagation, comparisons, string predicates); function calls go
 * through the function table. Column values are fetched lazily through the
 * row view, so an unevaluated branch never touches its columns. */
#include "kql/kql_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kql/kql_parse.h"

kv_value kql_xrow_get(const kql_xrow *r, int col) {
  for (;;) {
    if (r->input) {
      if (!r->have[col]) {
        r->cache[col] = r->input->get(r->input, col);
        r->have[col] = 1;
      }
      return r->cache[col];
    }
    if (r->map && r->map[col] >= 0) {
      col = r->map[col];
      r = r->parent;
      continue;
    }
    return r->vals[col];
  }
}

int kql_exec_fail(kql_exec *ex, uint32_t pos, const char *fmt, ...) {
  if (ex->failed) return -1;
  ex->failed = true;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (ex->err) kql_error_at(ex->err, ex->src ? ex->src : "", ex->src_len, pos, "%s", msg);
  return -1;
}

int kql_exec_fail_with(kql_exec *ex, const kql_error *e) {
  if (ex->failed) return -1;
  ex->failed = true;
  if (ex->err) *ex->err = *e;
  return -1;
}

/* Borrowed column value as an owned-or-borrowed value the caller may release. */
static kv_value kql_eval_col(const kql_xrow *r, int col) {
  kv_value v = kql_xrow_get(r, col);
  if (v.type == KV_STRING && (v.flags & KV_F_BORROWED)) return v; /* release is a no-op */
  return kv_retain(v);
}

static kv_value kql_eval_strop(const kql_expr *e, kql_ectx *c) {
  kv_value a = kql_eval(e->args[0], c);
  kv_value b = kql_eval(e->args[1], c);
  kv_buf ta, tb;
  kv_buf_init(&ta);
  kv_buf_init(&tb);
  size_t al = 0, bl = 0;
  const char *as = kv_str_view(a, &ta, &al);
  const char *bs = kv_str_view(b, &tb, &bl);
  bool r = false;
  switch (e->op) {
    case KQL_SO_CONTAINS: r = kv_str_contains(as, al, bs, bl, e->cs); break;
    case KQL_SO_HAS: r = kv_str_has(as, al, bs, bl, e->cs); break;
    case KQL_SO_HASPREFIX: r = kv_str_hasprefix(as, al, bs, bl, e->cs); break;
    case KQL_SO_HASSUFFIX: r = kv_str_hassuffix(as, al, bs, bl, e->cs); break;
    case KQL_SO_STARTSWITH: r = kv_str_startswith(as, al, bs, bl, e->cs); break;
    case KQL_SO_ENDSWITH: r = kv_str_endswith(as, al, bs, bl, e->cs); break;
    case KQL_SO_EQ: r = kv_str_eq(as, al, bs, bl, e->cs); break;
    default: break;
  }
  kv_buf_free(&ta);
  kv_buf_free(&tb);
  kv_release(a);
  kv_release(b);
  return kv_bool(e->neg ? !r : r);
}

/* One candidate of an `in` list against lhs; arrays are searched element-wise. */
static bool kql_eval_in_one(kv_value lhs, kv_value item, bool ci) {
  if (kv_is_array(item)) {
    size_t n = kv_array_count(item);
    for (size_t i = 0; i < n; i++)
      if (kql_eval_in_one(lhs, kv_array_get(item, i), ci)) return true;
    return false;
  }
  if (ci) {
    kv_buf ta, tb;
    kv_buf_init(&ta);
    kv_buf_init(&tb);
    size_t al, bl;
    const char *as = kv_str_view(lhs, &ta, &al);
    const char *bs = kv_str_view(item, &tb, &bl);
    bool r = kv_str_eq(as, al, bs, bl, false);
    kv_buf_free(&ta);
    kv_buf_free(&tb);
    return r;
  }
  if (kv_is_null(lhs) || kv_is_null(item)) return false;
  kv_type lt = kv_scalar_type(lhs), it = kv_scalar_type(item);
  if (lt == KV_STRING || it == KV_STRING) {
    if (lt != it) return false;
  }
  return kv_cmp(KV_CMP_EQ, lhs, item) == 1;
}

static kv_value kql_eval_member(kv_value base, const char *name, size_t len) {
  if (kv_is_bag(base)) return kv_retain(kv_bag_get(base, name, len));
  return kv_dyn_null();
}

static kv_value kql_eval_index(kv_value base, kv_value idx) {
  kv_type it = kv_scalar_type(idx);
  if (kv_is_null(idx)) return kv_dyn_null();
  if (it == KV_STRING) {
    if (!kv_is_bag(base)) return kv_dyn_null();
    kv_value s = kv_from_dynamic(idx);
    kv_value r = kv_retain(kv_bag_get(base, s.u.s, s.len));
    kv_release(s);
    return r;
  }
  int64_t i;
  if (!kv_num_long(idx, &i) || !kv_is_array(base)) return kv_dyn_null();
  int64_t n = (int64_t)kv_array_count(base);
  if (i < 0) i += n;
  if (i < 0 || i >= n) return kv_dyn_null();
  return kv_retain(kv_array_get(base, (size_t)i));
}

/* A column or constant operand without taking a reference (the row owns
 * the column value for the duration of the push). */
static bool kql_cmp_operand(const kql_expr *e, const kql_ectx *c, kv_value *out) {
  if (e->kind == KQL_E_CONST) *out = e->cval;
  else if (e->kind == KQL_E_COL && c->row) *out = kql_xrow_get(c->row, e->col);
  else return false;
  return true;
}

/* kv_cmp's answer (1, 0, or -1 for null) when both operands are columns or
 * constants: `where EventId == 11`, the filter users put first on a stream.
 * The borrowed values spare the evaluator's references, and two integers
 * compare directly. *done is false for any other operand. */
static int kql_cmp_borrowed(const kql_expr *e, const kql_ectx *c, bool *done) {
  kv_value a, b;
  *done = e->nargs == 2 && kql_cmp_operand(e->args[0], c, &a) && kql_cmp_operand(e->args[1], c, &b);
  if (!*done) return -1;
  if (!kv_is_null(a) && !kv_is_null(b) && (a.type == KV_INT || a.type == KV_LONG) &&
      (b.type == KV_INT || b.type == KV_LONG)) {
    int64_t x = a.u.i, y = b.u.i;
    switch ((kv_cmp_op)e->op) {
      case KV_CMP_EQ: return x == y;
      case KV_CMP_NE: return x != y;
      case KV_CMP_LT: return x < y;
      case KV_CMP_LE: return x <= y;
      case KV_CMP_GT: return x > y;
      case KV_CMP_GE: return x >= y;
    }
  }
  return kv_cmp((kv_cmp_op)e->op, a, b);
}

kv_value kql_eval(const kql_expr *e, kql_ectx *c) {
  switch (e->kind) {
    case KQL_E_CONST:
      return kv_retain(e->cval);
    case KQL_E_COL:
      return kql_eval_col(c->row, e->col);
    case KQL_E_CALL: {
      kv_value argv_small[8];
      kv_value *argv = e->nargs <= 8 ? argv_small : kv_malloc(sizeof(kv_value) * (size_t)e->nargs);
      for (int i = 0; i < e->nargs; i++) argv[i] = kql_eval(e->args[i], c);
      kql_error ferr;
      ferr.message[0] = 0;
      ferr.line = ferr.column = 0;
      kql_fn_ctx fc;
      fc.site_state = (void **)&e->site_state;
      fc.site_free = (void (**)(void *)) & e->site_free;
      fc.arg_is_constant = e->arg_const;
      fc.err = &ferr;
      fc.now_ticks = c->ex->now_ticks;
      kv_value r = e->fn->fn(&fc, argv, e->nargs);
      for (int i = 0; i < e->nargs; i++) kv_release(argv[i]);
      if (argv != argv_small) free(argv);
      if (ferr.message[0]) { /* "f: why", unless the function already named itself */
        size_t nl = strlen(e->fn->name);
        bool named = !strncmp(ferr.message, e->fn->name, nl) && (ferr.message[nl] == ':' || ferr.message[nl] == '(');
        kql_exec_fail(c->ex, e->pos, "%s%s%s", named ? "" : e->fn->name, named ? "" : ": ", ferr.message);
      }
      if (e->type != KV_DYNAMIC && r.type != e->type && !kv_is_null(r)) {
        kv_value r2 = kv_convert(r, e->type);
        kv_release(r);
        r = r2;
      } else if (e->type != KV_DYNAMIC && r.type != e->type) {
        kv_release(r);
        r = kv_null(e->type);
      }
      return r;
    }
    case KQL_E_ARITH: {
      kv_value a = kql_eval(e->args[0], c);
      kv_value b = kql_eval(e->args[1], c);
      kv_value r = kv_arith((kv_arith_op)e->op, a, b);
      kv_release(a);
      kv_release(b);
      return r;
    }
    case KQL_E_NEG: {
      kv_value a = kql_eval(e->args[0], c);
      kv_value r = kv_negate(a);
      kv_release(a);
      return r;
    }
    case KQL_E_CMP: {
      bool done;
      int r = kql_cmp_borrowed(e, c, &done);
      if (!done) {
        kv_value a = kql_eval(e->args[0], c);
        kv_value b = kql_eval(e->args[1], c);
        r = kv_cmp((kv_cmp_op)e->op, a, b);
        kv_release(a);
        kv_release(b);
      }
      return r < 0 ? kv_null(KV_BOOL) : kv_bool(r == 1);
    }
    case KQL_E_STROP:
      return kql_eval_strop(e, c);
    case KQL_E_AND: {
      kv_value a = kql_eval(e->args[0], c);
      int ta = kv_truth(a);
      kv_release(a);
      if (ta == 0) return kv_bool(false);
      kv_value b = kql_eval(e->args[1], c);
      int tb = kv_truth(b);
      kv_release(b);
      if (tb == 0) return kv_bool(false);
      if (ta < 0 || tb < 0) return kv_null(KV_BOOL);
      return kv_bool(true);
    }
    case KQL_E_OR: {
      kv_value a = kql_eval(e->args[0], c);
      int ta = kv_truth(a);
      kv_release(a);
      if (ta == 1) return kv_bool(true);
      kv_value b = kql_eval(e->args[1], c);
      int tb = kv_truth(b);
      kv_release(b);
      if (tb == 1) return kv_bool(true);
      if (ta < 0 || tb < 0) return kv_null(KV_BOOL);
      return kv_bool(false);
    }
    case KQL_E_IN: {
      kv_value lhs = kql_eval(e->args[0], c);
      bool found = false;
      for (int i = 1; i < e->nargs && !found; i++) {
        kv_value it = kql_eval(e->args[i], c);
        found = kql_eval_in_one(lhs, it, e->op == 1);
        kv_release(it);
      }
      kv_release(lhs);
      return kv_bool(e->neg ? !found : found);
    }
    case KQL_E_HASANY: {
      kv_value lhs = kql_eval(e->args[0], c);
      kv_buf tl;
      kv_buf_init(&tl);
      size_t ll;
      const char *ls = kv_str_view(lhs, &tl, &ll);
      bool any = false, all = true;
      int nitems = 0;
      for (int i = 1; i < e->nargs; i++) {
        kv_value it = kql_eval(e->args[i], c);
        size_t n = kv_is_array(it) ? kv_array_count(it) : 1;
        for (size_t k = 0; k < n; k++) {
          kv_value x = kv_is_array(it) ? kv_array_get(it, k) : it;
          kv_buf tx;
          kv_buf_init(&tx);
          size_t xl;
          const char *xs = kv_str_view(x, &tx, &xl);
          bool h = kv_str_has(ls, ll, xs, xl, e->cs);
          kv_buf_free(&tx);
          nitems++;
          if (h) any = true;
          else all = false;
        }
        kv_release(it);
      }
      kv_buf_free(&tl);
      kv_release(lhs);
      return kv_bool(e->op == 0 ? any : (all && nitems > 0));
    }
    case KQL_E_BETWEEN: {
      kv_value x = kql_eval(e->args[0], c);
      kv_value lo = kql_eval(e->args[1], c);
      kv_value hi = kql_eval(e->args[2], c);
      if (kv_scalar_type(x) == KV_DATETIME && kv_scalar_type(hi) == KV_TIMESPAN) {
        kv_value h2 = kv_add(lo, hi);
        kv_release(hi);
        hi = h2;
      }
      int a = kv_cmp(KV_CMP_GE, x, lo);
      int b = kv_cmp(KV_CMP_LE, x, hi);
      kv_release(x);
      kv_release(lo);
      kv_release(hi);
      if (a < 0 || b < 0) return kv_null(KV_BOOL);
      bool r = a == 1 && b == 1;
      return kv_bool(e->neg ? !r : r);
    }
    case KQL_E_MEMBER: {
      kv_value b = kql_eval(e->args[0], c);
      kv_value r = kql_eval_member(b, e->name, e->name_len);
      kv_release(b);
      return r;
    }
    case KQL_E_INDEX: {
      kv_value b = kql_eval(e->args[0], c);
      kv_value i = kql_eval(e->args[1], c);
      kv_value r = kql_eval_index(b, i);
      kv_release(b);
      kv_release(i);
      return r;
    }
    case KQL_E_REGEX: {
      kv_value a = kql_eval(e->args[0], c);
      kv_buf t;
      kv_buf_init(&t);
      size_t l;
      const char *s = kv_str_view(a, &t, &l);
      bool r = kql_regex_match(e->re, s, l, c->ex->scratch);
      kv_buf_free(&t);
      kv_release(a);
      return kv_bool(r);
    }
    case KQL_E_ROWNUM:
      return kv_long(c->rownum);
    case KQL_E_PREVNEXT: {
      if (!c->win_rows) return kv_null(e->type);
      int64_t off = 1;
      if (e->nargs > 1) {
        kv_value o = kql_eval(e->args[1], c);
        if (!kv_num_long(o, &off)) off = 1;
        kv_release(o);
      }
      int64_t idx = (int64_t)c->win_idx + (e->op < 0 ? -off : off);
      if (idx < 0 || idx >= (int64_t)c->win_count) {
        if (e->nargs > 2) return kql_eval(e->args[2], c);
        return kv_null(e->type);
      }
      /* evaluate args[0] over the other row */
      kql_xrow other;
      memset(&other, 0, sizeof other);
      other.vals = c->win_rows[idx];
      other.ncols = c->row->ncols;
      kql_ectx c2 = *c;
      c2.row = &other;
      c2.win_idx = (size_t)idx;
      c2.rownum = c->rownum + (idx - (int64_t)c->win_idx);
      return kql_eval(e->args[0], &c2);
    }
    case KQL_E_PACKALL: {
      kv_value bag = kv_dyn_bag();
      const kv_schema *s = e->row_schema;
      for (int i = 0; i < s->count; i++) {
        kv_value v = kql_xrow_get(c->row, i);
        kv_bag_set(bag, s->cols[i].name, strlen(s->cols[i].name), kv_to_dynamic(v));
      }
      return bag;
    }
    case KQL_E_ROWCUMSUM: {
      /* the accumulator lives in the node: window rows are evaluated in order */
      kql_expr *me = (kql_expr *)e;
      if (c->win_idx == 0 && c->win_rows) {
        kv_release(me->cval);
        me->cval = kv_null(e->type);
      }
      if (e->nargs > 1) {
        kv_value r = kql_eval(e->args[1], c);
        if (kv_truth(r) == 1) {
          kv_release(me->cval);
          me->cval = kv_null(e->type);
        }
        kv_release(r);
      }
      kv_value x = kql_eval(e->args[0], c);
      kv_value acc;
      if (kv_is_null(x)) acc = kv_retain(me->cval);
      else if (kv_is_null(me->cval)) acc = kv_convert(x, e->type);
      else acc = kv_add(me->cval, x);
      kv_release(x);
      kv_release(me->cval);
      me->cval = kv_retain(acc);
      if (kv_is_null(acc)) {
        kv_release(acc);
        return e->type == KV_TIMESPAN ? kv_timespan(0) : e->type == KV_REAL ? kv_real(0) : kv_long(0);
      }
      return acc;
    }
    case KQL_E_ROWWIN: {
      if (e->op == KQL_ROWWIN_SESSION) return kql_eval_row_session(e, c);
      kql_expr *me = (kql_expr *)e;
      bool restart = c->win_idx == 0;
      if (e->nargs > 1) {
        kv_value r = kql_eval(e->args[1], c);
        if (kv_truth(r) == 1) restart = true;
        kv_release(r);
      }
      if (e->op == 0) {
        int64_t start = 1;
        if (e->nargs > 0 && e->args[0]->is_const) kv_num_long(e->args[0]->cval, &start);
        me->wcount = restart ? start : me->wcount + 1;
        return kv_long(me->wcount);
      }
      kv_value term = kql_owned(kql_eval(e->args[0], c));
      if (restart) {
        me->wcount = 1;
        me->wpos = 1;
      } else {
        me->wpos++;
        if (!kv_same(term, me->wprev)) me->wcount = e->op == 1 ? me->wcount + 1 : me->wpos;
      }
      kv_release(me->wprev);
      me->wprev = term;
      return kv_long(me->wcount);
    }
    case KQL_E_CAST: {
      kv_value a = kql_eval(e->args[0], c);
      kv_value r = kv_convert(a, e->type);
      kv_release(a);
      return r;
    }
    case KQL_E_EQ_CI: {
      kv_value a = kql_eval(e->args[0], c);
      kv_value b = kql_eval(e->args[1], c);
      kv_buf ta, tb;
      kv_buf_init(&ta);
      kv_buf_init(&tb);
      size_t al, bl;
      const char *as = kv_str_view(a, &ta, &al);
      const char *bs = kv_str_view(b, &tb, &bl);
      bool r = kv_str_eq(as, al, bs, bl, false);
      kv_buf_free(&ta);
      kv_buf_free(&tb);
      kv_release(a);
      kv_release(b);
      return kv_bool(e->op ? !r : r);
    }
  }
  return kv_null(KV_DYNAMIC);
}

int kql_eval_truth(const kql_expr *e, kql_ectx *c) {
  if (e->kind == KQL_E_CMP) {
    bool done;
    int r = kql_cmp_borrowed(e, c, &done);
    if (done) return r == 1;
  }
  kv_value v = kql_eval(e, c);
  int t = kv_truth(v);
  kv_release(v);
  return t == 1;
}

void kql_expr_free(kql_expr *e) {
  if (!e) return;
  for (int i = 0; i < e->nargs; i++) kql_expr_free(e->args[i]);
  free(e->args);
  free(e->arg_const);
  if (e->site_free && e->site_state) e->site_free(e->site_state);
  kql_regex_free(e->re);
  kv_release(e->cval);
  kv_release(e->wprev);
  free(e);
}
