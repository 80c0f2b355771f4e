/* SPDX-License-Identifier: MIT
 * Streaming scan operator: Kusto's step state machine. Each input row is
 * checked against the steps from last to first; a step matches by taking
 * over the previous step's state (check 1) or by extending its own active
 * sequence (check 2; the first step always may). State is one record per
 * step per step, so memory does not grow with the input. */
#include "kql/kql_scanops.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  bool active;
  int64_t match_id;
  kv_value *recs; /* (k+1) * ncore values for step k */
} kql_scan_state;

typedef struct {
  kql_op base;
  int in_cols, ncore, nsteps;
  bool match_id;
  kv_type *types;
  kv_value *empty;
  kql_scan_step *steps;
  kql_scan_state *st;
  kv_value *wide; /* ncore * (1 + nsteps): borrowed values while evaluating */
  kv_value *row;  /* the current input row extended by the declared defaults (owned) */
  kv_value *ext;  /* row after a step's assignments (owned) + match id */
  int64_t next_id;
} kql_op_scan;

/* Points the step blocks of the wide row at the records of state s (k+1
 * records) or at the empty record (s NULL or beyond its records). */
static void kql_scan_fill(kql_op_scan *o, const kql_scan_state *s, int nrec) {
  int n = o->ncore;
  for (int j = 0; j < o->nsteps; j++) {
    const kv_value *src = (s && s->active && j < nrec) ? s->recs + (size_t)j * (size_t)n : o->empty;
    memcpy(o->wide + (size_t)(j + 1) * (size_t)n, src, sizeof(kv_value) * (size_t)n);
  }
}

static int kql_scan_eval_cond(kql_op_scan *o, int k) {
  kql_xrow r;
  memset(&r, 0, sizeof r);
  r.vals = o->wide;
  r.ncols = o->ncore * (1 + o->nsteps);
  kql_ectx c = kql_ectx_for_row(o->base.ex, &r);
  int t = kql_eval_truth(o->steps[k].cond, &c);
  return o->base.ex->failed ? -1 : t;
}

/* ext = row + step k's assignments (all evaluated on the same wide row). */
static int kql_scan_extend(kql_op_scan *o, int k) {
  kql_xrow r;
  memset(&r, 0, sizeof r);
  r.vals = o->wide;
  r.ncols = o->ncore * (1 + o->nsteps);
  kql_ectx c = kql_ectx_for_row(o->base.ex, &r);
  for (int i = 0; i < o->ncore; i++) {
    kv_release(o->ext[i]);
    o->ext[i] = kv_retain(o->row[i]);
  }
  const kql_scan_step *st = &o->steps[k];
  for (int a = 0; a < st->nassign; a++) {
    kv_value v = kql_owned(kql_eval(st->assign[a], &c));
    if (o->base.ex->failed) {
      kv_release(v);
      return -1;
    }
    int col = st->assign_col[a];
    kv_value cv = (v.type == o->types[col] || o->types[col] == KV_DYNAMIC) && !kv_is_null(v)
                      ? kv_retain(v)
                      : kv_convert(v, o->types[col]);
    if (o->types[col] == KV_DYNAMIC && v.type != KV_DYNAMIC) {
      kv_release(cv);
      cv = kv_to_dynamic(v);
    }
    kv_release(v);
    kv_release(o->ext[col]);
    o->ext[col] = cv;
  }
  return 0;
}

static int kql_scan_output(kql_op_scan *o, int64_t id) {
  int n = o->ncore;
  if (o->match_id) o->ext[n] = kv_long(id);
  return kql_op_push_vals(o->base.next, o->ext, o->base.ncols);
}

static void kql_scan_set_rec(kql_op_scan *o, kql_scan_state *s, int k) {
  kv_value *dst = s->recs + (size_t)k * (size_t)o->ncore;
  for (int i = 0; i < o->ncore; i++) {
    kv_release(dst[i]);
    dst[i] = kv_retain(o->ext[i]);
  }
}

static void kql_scan_clear(kql_op_scan *o, int k) {
  kql_scan_state *s = &o->st[k];
  for (size_t i = 0; i < (size_t)(k + 1) * (size_t)o->ncore; i++) {
    kv_release(s->recs[i]);
    s->recs[i] = kv_null(KV_BOOL);
  }
  s->active = false;
}

static int kql_scan_push(kql_op *op, const kql_xrow *row) {
  kql_op_scan *o = (kql_op_scan *)op;
  int n = o->ncore;
  for (int i = 0; i < n; i++) {
    kv_release(o->row[i]);
    o->row[i] = i < o->in_cols ? kql_owned(kv_retain(kql_xrow_get(row, i))) : kv_retain(o->empty[i]);
  }
  memcpy(o->wide, o->row, sizeof(kv_value) * (size_t)n);
  for (int k = o->nsteps - 1; k >= 0; k--) {
    bool matched = false;
    if (k > 0 && o->st[k - 1].active) { /* check 1: take over the previous step's state */
      kql_scan_fill(o, &o->st[k - 1], k);
      int t = kql_scan_eval_cond(o, k);
      if (t < 0) return -1;
      if (t) {
        if (kql_scan_extend(o, k)) return -1;
        kql_scan_clear(o, k);
        kql_scan_state *prev = &o->st[k - 1], *cur = &o->st[k];
        memcpy(cur->recs, prev->recs, sizeof(kv_value) * (size_t)k * (size_t)n);
        for (size_t i = 0; i < (size_t)k * (size_t)n; i++) prev->recs[i] = kv_null(KV_BOOL);
        prev->active = false;
        cur->active = true;
        cur->match_id = prev->match_id;
        kql_scan_set_rec(o, cur, k);
        if (o->steps[k].output != 2 && kql_scan_output(o, cur->match_id)) return -1;
        matched = true;
      }
    }
    if (!matched && (o->st[k].active || k == 0)) { /* check 2: extend the own sequence */
      kql_scan_fill(o, &o->st[k], k + 1);
      int t = kql_scan_eval_cond(o, k);
      if (t < 0) return -1;
      if (t) {
        if (kql_scan_extend(o, k)) return -1;
        kql_scan_state *cur = &o->st[k];
        if (!cur->active) { /* the first step starts a new sequence */
          cur->active = true;
          cur->match_id = o->next_id++;
        }
        kql_scan_set_rec(o, cur, k);
        if (o->steps[k].output == 0 && kql_scan_output(o, cur->match_id)) return -1;
      }
    }
  }
  return 0;
}

static int kql_scan_finish(kql_op *op) { return op->next ? kql_op_finish(op->next) : 0; }

static void kql_scan_destroy(kql_op *op) {
  kql_op_scan *o = (kql_op_scan *)op;
  for (int k = 0; k < o->nsteps; k++) {
    kql_scan_clear(o, k);
    free(o->st[k].recs);
    kql_expr_free(o->steps[k].cond);
    for (int a = 0; a < o->steps[k].nassign; a++) kql_expr_free(o->steps[k].assign[a]);
    free(o->steps[k].assign);
    free(o->steps[k].assign_col);
  }
  for (int i = 0; i < o->ncore; i++) {
    kv_release(o->empty[i]);
    kv_release(o->row[i]);
    kv_release(o->ext[i]);
  }
  free(o->st);
  free(o->steps);
  free(o->empty);
  free(o->types);
  free(o->wide);
  free(o->row);
  free(o->ext);
}

static const kql_op_vt kql_scan_vt = {"scan", kql_scan_push, kql_scan_finish, NULL, kql_scan_destroy};

kql_op *kql_op_scan_new(kql_exec *ex, int in_cols, int ncore, kv_type *types, kv_value *empty,
                        kql_scan_step *steps, int nsteps, bool match_id) {
  kql_op_scan *o = kv_calloc(1, sizeof *o);
  o->base.vt = &kql_scan_vt;
  o->base.ex = ex;
  o->base.ncols = ncore + (match_id ? 1 : 0);
  o->in_cols = in_cols;
  o->ncore = ncore;
  o->nsteps = nsteps;
  o->match_id = match_id;
  o->types = types;
  o->empty = empty;
  o->steps = steps;
  o->st = kv_calloc((size_t)nsteps, sizeof(kql_scan_state));
  for (int k = 0; k < nsteps; k++) {
    o->st[k].recs = kv_calloc((size_t)(k + 1) * (size_t)ncore + 1, sizeof(kv_value));
    for (size_t i = 0; i < (size_t)(k + 1) * (size_t)ncore; i++) o->st[k].recs[i] = kv_null(KV_BOOL);
  }
  o->wide = kv_calloc((size_t)ncore * (size_t)(1 + nsteps) + 1, sizeof(kv_value));
  o->row = kv_calloc((size_t)ncore + 1, sizeof(kv_value));
  o->ext = kv_calloc((size_t)ncore + 2, sizeof(kv_value));
  for (int i = 0; i < ncore + 1; i++) {
    o->row[i] = kv_null(KV_BOOL);
    o->ext[i] = kv_null(KV_BOOL);
  }
  return &o->base;
}
