/* SPDX-License-Identifier: MIT
 * Streaming operators without grouping state: where, column maps (extend,
 * project and friends, incl. the serialized-window form for row_number /
 * prev / next), take, count, the output emitter, the table collector used
 * for eager sub-queries, and the table source. */
#include "kql/kql_int.h"

#include <stdlib.h>
#include <string.h>

int kql_op_push(kql_op *op, const kql_xrow *row) { return op->vt->push(op, row); }
int kql_op_finish(kql_op *op) { return op->vt->finish(op); }
int kql_op_tick(kql_op *op, int64_t now) {
  for (; op; op = op->next)
    if (op->vt->tick) return op->vt->tick(op, now);
  return 0;
}
void kql_op_free_chain(kql_op *op) {
  while (op) {
    kql_op *n = op->next;
    if (op->vt->destroy) op->vt->destroy(op);
    free(op);
    op = n;
  }
}
int kql_op_push_vals(kql_op *op, const kv_value *vals, int ncols) {
  kql_xrow r;
  memset(&r, 0, sizeof r);
  r.vals = vals;
  r.ncols = ncols;
  return kql_op_push(op, &r);
}
static int kql_op_next_finish(kql_op *op) { return op->next ? kql_op_finish(op->next) : 0; }

static kv_value *kql_row_materialize(const kql_xrow *row, int n) {
  kv_value *v = kv_malloc(sizeof(kv_value) * (size_t)(n ? n : 1));
  for (int i = 0; i < n; i++) v[i] = kv_retain(kql_xrow_get(row, i));
  return v;
}
static void kql_row_release(kv_value *v, int n) {
  if (!v) return;
  for (int i = 0; i < n; i++) kv_release(v[i]);
  free(v);
}

/* ---- where ---- */
typedef struct {
  kql_op base;
  kql_expr *pred;
} kql_op_where;

static int kql_where_push(kql_op *op, const kql_xrow *row) {
  kql_op_where *w = (kql_op_where *)op;
  kql_ectx c = kql_ectx_for_row(op->ex, row);
  int t = kql_eval_truth(w->pred, &c);
  if (op->ex->failed) return -1;
  return t ? kql_op_push(op->next, row) : 0;
}
static void kql_where_destroy(kql_op *op) { kql_expr_free(((kql_op_where *)op)->pred); }
static const kql_op_vt kql_where_vt = {"where", kql_where_push, kql_op_next_finish, NULL,
                                       kql_where_destroy};
kql_op *kql_op_where_new(kql_exec *ex, kql_expr *pred, int ncols) {
  kql_op_where *w = kv_calloc(1, sizeof *w);
  w->base.vt = &kql_where_vt;
  w->base.ex = ex;
  w->base.ncols = ncols;
  w->pred = pred;
  return &w->base;
}

/* ---- column map (extend/project/rename/reorder/away/keep/serialize) ---- */
typedef struct {
  kql_op base;
  int *src;
  kql_expr **exprs;
  kv_value *vals;
  bool window;
  int in_cols;
  kv_value **rows; /* window mode: buffered input rows */
  size_t nrows, cap;
  int64_t rownum;
} kql_op_map;

static int kql_map_emit(kql_op_map *m, const kql_xrow *row, kql_ectx *c) {
  kql_op *op = &m->base;
  for (int i = 0; i < op->ncols; i++) {
    m->vals[i] = m->src[i] >= 0 ? kv_null(KV_DYNAMIC) : kql_eval(m->exprs[i], c);
  }
  kql_xrow out;
  memset(&out, 0, sizeof out);
  out.parent = row;
  out.map = m->src;
  out.vals = m->vals;
  out.ncols = op->ncols;
  int rc = op->ex->failed ? -1 : kql_op_push(op->next, &out);
  for (int i = 0; i < op->ncols; i++) {
    kv_release(m->vals[i]);
    m->vals[i] = kv_null(KV_DYNAMIC);
  }
  return rc;
}

static int kql_map_push(kql_op *op, const kql_xrow *row) {
  kql_op_map *m = (kql_op_map *)op;
  if (m->window) {
    if (m->nrows == m->cap) {
      m->cap = m->cap ? m->cap * 2 : 64;
      m->rows = kv_realloc(m->rows, sizeof(kv_value *) * m->cap);
    }
    m->in_cols = row->ncols;
    m->rows[m->nrows++] = kql_row_materialize(row, row->ncols);
    return 0;
  }
  kql_ectx c = kql_ectx_for_row(op->ex, row);
  c.rownum = ++m->rownum;
  return kql_map_emit(m, row, &c);
}

static int kql_map_finish(kql_op *op) {
  kql_op_map *m = (kql_op_map *)op;
  if (m->window) {
    for (size_t i = 0; i < m->nrows; i++) {
      kql_xrow r;
      memset(&r, 0, sizeof r);
      r.vals = m->rows[i];
      r.ncols = m->in_cols;
      kql_ectx c;
      memset(&c, 0, sizeof c);
      c.ex = op->ex;
      c.row = &r;
      c.win_rows = (const kv_value *const *)m->rows;
      c.win_count = m->nrows;
      c.win_idx = i;
      c.rownum = (int64_t)i + 1;
      int rc = kql_map_emit(m, &r, &c);
      if (rc) return rc;
    }
  }
  return kql_op_next_finish(op);
}

static void kql_map_destroy(kql_op *op) {
  kql_op_map *m = (kql_op_map *)op;
  for (int i = 0; i < op->ncols; i++) kql_expr_free(m->exprs[i]);
  free(m->exprs);
  free(m->src);
  free(m->vals);
  for (size_t i = 0; i < m->nrows; i++) kql_row_release(m->rows[i], m->in_cols);
  free(m->rows);
}
static const kql_op_vt kql_map_vt = {"map", kql_map_push, kql_map_finish, NULL, kql_map_destroy};
kql_op *kql_op_map_new(kql_exec *ex, int ncols, int *src, kql_expr **exprs, bool window) {
  kql_op_map *m = kv_calloc(1, sizeof *m);
  m->base.vt = &kql_map_vt;
  m->base.ex = ex;
  m->base.ncols = ncols;
  m->src = src;
  m->exprs = exprs;
  m->window = window;
  m->vals = kv_calloc((size_t)(ncols ? ncols : 1), sizeof(kv_value));
  return &m->base;
}

/* ---- take ---- */
typedef struct {
  kql_op base;
  int64_t n;
  int64_t seen;
} kql_op_take;
static int kql_take_push(kql_op *op, const kql_xrow *row) {
  kql_op_take *t = (kql_op_take *)op;
  if (t->seen >= t->n) return 0;
  t->seen++;
  return kql_op_push(op->next, row);
}
static const kql_op_vt kql_take_vt = {"take", kql_take_push, kql_op_next_finish, NULL, NULL};
kql_op *kql_op_take_new(kql_exec *ex, int64_t n, int ncols) {
  kql_op_take *t = kv_calloc(1, sizeof *t);
  t->base.vt = &kql_take_vt;
  t->base.ex = ex;
  t->base.ncols = ncols;
  t->n = n < 0 ? 0 : n;
  return &t->base;
}

/* ---- count ---- */
typedef struct {
  kql_op base;
  int64_t n;
} kql_op_count;
static int kql_count_push(kql_op *op, const kql_xrow *row) {
  (void)row;
  ((kql_op_count *)op)->n++;
  return 0;
}
static int kql_count_finish(kql_op *op) {
  kv_value v = kv_long(((kql_op_count *)op)->n);
  int rc = kql_op_push_vals(op->next, &v, 1);
  if (rc) return rc;
  return kql_op_next_finish(op);
}
static const kql_op_vt kql_count_vt = {"count", kql_count_push, kql_count_finish, NULL, NULL};
kql_op *kql_op_count_new(kql_exec *ex) {
  kql_op_count *c = kv_calloc(1, sizeof *c);
  c->base.vt = &kql_count_vt;
  c->base.ex = ex;
  c->base.ncols = 1;
  return &c->base;
}

/* ---- emit (terminal) ---- */
typedef struct {
  kql_op base;
  kv_value *vals;
} kql_op_emit;
static int kql_emit_push(kql_op *op, const kql_xrow *row) {
  kql_op_emit *e = (kql_op_emit *)op;
  for (int i = 0; i < op->ncols; i++) e->vals[i] = kql_xrow_get(row, i);
  if (!op->ex->emit) return 0;
  return op->ex->emit(op->ex->emit_ud, e->vals, op->ncols) ? 1 : 0;
}
static int kql_emit_finish(kql_op *op) {
  (void)op;
  return 0;
}
static void kql_emit_destroy(kql_op *op) { free(((kql_op_emit *)op)->vals); }
static const kql_op_vt kql_emit_vt = {"emit", kql_emit_push, kql_emit_finish, NULL,
                                      kql_emit_destroy};
kql_op *kql_op_emit_new(kql_exec *ex, int ncols) {
  kql_op_emit *e = kv_calloc(1, sizeof *e);
  e->base.vt = &kql_emit_vt;
  e->base.ex = ex;
  e->base.ncols = ncols;
  e->vals = kv_calloc((size_t)(ncols ? ncols : 1), sizeof(kv_value));
  return &e->base;
}

/* ---- collect into a table (terminal) ---- */
typedef struct {
  kql_op base;
  kql_table *t;
  kv_value *vals;
} kql_op_collect;
static int kql_collect_push(kql_op *op, const kql_xrow *row) {
  kql_op_collect *c = (kql_op_collect *)op;
  for (int i = 0; i < op->ncols; i++) c->vals[i] = kql_xrow_get(row, i);
  kql_table_add_row(c->t, c->vals);
  return 0;
}
static void kql_collect_destroy(kql_op *op) { free(((kql_op_collect *)op)->vals); }
static const kql_op_vt kql_collect_vt = {"collect", kql_collect_push, kql_emit_finish, NULL,
                                         kql_collect_destroy};
kql_op *kql_op_collect_new(kql_exec *ex, kql_table *into) {
  kql_op_collect *c = kv_calloc(1, sizeof *c);
  c->base.vt = &kql_collect_vt;
  c->base.ex = ex;
  c->base.ncols = into->schema.count;
  c->t = into;
  c->vals = kv_calloc((size_t)(into->schema.count ? into->schema.count : 1), sizeof(kv_value));
  return &c->base;
}

/* ---- tables ---- */
kql_table *kql_table_new(const kv_schema *schema) {
  kql_table *t = kv_calloc(1, sizeof *t);
  t->schema.count = schema->count;
  t->schema.cols = kv_calloc((size_t)(schema->count ? schema->count : 1), sizeof(kv_column));
  for (int i = 0; i < schema->count; i++) {
    t->schema.cols[i].name = kv_strndup(schema->cols[i].name, strlen(schema->cols[i].name));
    t->schema.cols[i].type = schema->cols[i].type;
  }
  return t;
}
void kql_table_add_row(kql_table *t, const kv_value *vals) {
  size_t n = (size_t)t->schema.count;
  if (t->nrows == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 16;
    t->cells = kv_realloc(t->cells, sizeof(kv_value) * t->cap * (n ? n : 1));
  }
  kv_value *r = t->cells + t->nrows * n;
  for (size_t i = 0; i < n; i++) r[i] = kv_retain(vals[i]);
  t->nrows++;
}
void kql_table_free(kql_table *t) {
  if (!t) return;
  size_t n = (size_t)t->schema.count;
  for (size_t i = 0; i < t->nrows * n; i++) kv_release(t->cells[i]);
  free(t->cells);
  for (int i = 0; i < t->schema.count; i++) free((char *)t->schema.cols[i].name);
  free(t->schema.cols);
  free(t);
}

/* ---- sort / top ---- */
typedef struct {
  kv_value *row;
  kv_value *keys;
  size_t seq;
} kql_sort_item;
typedef struct {
  kql_op base;
  kql_sortkey *keys;
  int nkeys;
  int64_t limit;
  kql_sort_item *items;
  size_t n, cap;
  size_t next_seq; /* arrival number (ties keep input order) */
  int in_cols;
} kql_op_sort;

static const kql_op_sort *kql_sort_cmp_ctx;
static int kql_sort_cmp(const void *a, const void *b) {
  const kql_sort_item *x = a, *y = b;
  const kql_op_sort *s = kql_sort_cmp_ctx;
  for (int k = 0; k < s->nkeys; k++) {
    int r = kv_sort_compare(x->keys[k], y->keys[k], s->keys[k].desc, s->keys[k].nulls_first);
    if (r) return r;
  }
  return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : 0;
}
/* top N: once 2N + 1024 rows are held, keep only the best N (memory and
 * time stay O(N) per row instead of sorting every input row at the end). */
static void kql_sort_prune(kql_op_sort *s) {
  kql_sort_cmp_ctx = s;
  qsort(s->items, s->n, sizeof(kql_sort_item), kql_sort_cmp);
  for (size_t i = (size_t)s->limit; i < s->n; i++) {
    kql_row_release(s->items[i].row, s->base.ncols);
    kql_row_release(s->items[i].keys, s->nkeys);
  }
  s->n = (size_t)s->limit;
}
static int kql_sort_push(kql_op *op, const kql_xrow *row) {
  kql_op_sort *s = (kql_op_sort *)op;
  if (s->limit >= 0 && s->limit < ((int64_t)1 << 40) && s->n >= (size_t)s->limit * 2 + 1024)
    kql_sort_prune(s);
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->items = kv_realloc(s->items, sizeof(kql_sort_item) * s->cap);
  }
  kql_sort_item *it = &s->items[s->n];
  kql_ectx c = kql_ectx_for_row(op->ex, row);
  it->keys = kv_malloc(sizeof(kv_value) * (size_t)(s->nkeys ? s->nkeys : 1));
  for (int k = 0; k < s->nkeys; k++) it->keys[k] = kql_owned(kql_eval(s->keys[k].e, &c));
  it->row = kql_row_materialize(row, op->ncols);
  it->seq = s->next_seq++;
  s->n++;
  return op->ex->failed ? -1 : 0;
}
static int kql_sort_finish(kql_op *op) {
  kql_op_sort *s = (kql_op_sort *)op;
  kql_sort_cmp_ctx = s;
  if (s->n > 1) qsort(s->items, s->n, sizeof(kql_sort_item), kql_sort_cmp);
  size_t lim = s->limit >= 0 && (size_t)s->limit < s->n ? (size_t)s->limit : s->n;
  for (size_t i = 0; i < lim; i++) {
    int rc = kql_op_push_vals(op->next, s->items[i].row, op->ncols);
    if (rc) return rc;
  }
  return kql_op_next_finish(op);
}
static void kql_sort_destroy(kql_op *op) {
  kql_op_sort *s = (kql_op_sort *)op;
  for (size_t i = 0; i < s->n; i++) {
    kql_row_release(s->items[i].row, op->ncols);
    kql_row_release(s->items[i].keys, s->nkeys);
  }
  free(s->items);
  for (int k = 0; k < s->nkeys; k++) kql_expr_free(s->keys[k].e);
  free(s->keys);
}
static const kql_op_vt kql_sort_vt = {"sort", kql_sort_push, kql_sort_finish, NULL,
                                      kql_sort_destroy};
kql_op *kql_op_sort_new(kql_exec *ex, int ncols, kql_sortkey *keys, int nkeys, int64_t limit) {
  kql_op_sort *s = kv_calloc(1, sizeof *s);
  s->base.vt = &kql_sort_vt;
  s->base.ex = ex;
  s->base.ncols = ncols;
  s->keys = keys;
  s->nkeys = nkeys;
  s->limit = limit;
  return &s->base;
}

/* ---- table source: emits its rows at finish, then finishes ---- */
typedef struct {
  kql_op base;
  kql_table *t;
} kql_op_tsrc;
static int kql_tsrc_push(kql_op *op, const kql_xrow *row) { return kql_op_push(op->next, row); }
static int kql_tsrc_finish(kql_op *op) {
  kql_op_tsrc *s = (kql_op_tsrc *)op;
  for (size_t i = 0; i < s->t->nrows; i++) {
    int rc = kql_op_push_vals(op->next, kql_table_row(s->t, i), s->t->schema.count);
    if (rc) return rc;
  }
  return kql_op_next_finish(op);
}
static const kql_op_vt kql_tsrc_vt = {"table", kql_tsrc_push, kql_tsrc_finish, NULL, NULL};
kql_op *kql_op_table_source_new(kql_exec *ex, kql_table *t) {
  kql_op_tsrc *s = kv_calloc(1, sizeof *s);
  s->base.vt = &kql_tsrc_vt;
  s->base.ex = ex;
  s->base.ncols = t->schema.count;
  s->t = t;
  return &s->base;
}

/* ---- running a non-input source through a chain ---- */
int kql_run_source(kql_exec *ex, kql_src_kind kind, kql_table *t, kv_value from, kv_value to,
                   kv_value step, kql_op *head) {
  int rc = 0;
  if (kind == KQL_SRC_TABLE) {
    for (size_t i = 0; i < t->nrows && rc == 0; i++)
      rc = kql_op_push_vals(head, kql_table_row(t, i), t->schema.count);
  } else if (kind == KQL_SRC_RANGE) {
    kv_value cur = kv_retain(from);
    int64_t guard = 0;
    for (;;) {
      int dir = 1;
      kv_value zero = kv_long(0);
      int neg = kv_cmp(KV_CMP_LT, step, zero);
      if (neg == 1) dir = -1;
      int cont = kv_cmp(dir > 0 ? KV_CMP_LE : KV_CMP_GE, cur, to);
      if (cont != 1) break;
      rc = kql_op_push_vals(head, &cur, 1);
      if (rc) break;
      kv_value nx = kv_add(cur, step);
      kv_release(cur);
      cur = nx;
      if (kv_cmp(KV_CMP_EQ, step, zero) == 1 || kv_is_null(cur)) break;
      if (++guard > ex->max_range_rows) {
        rc = kql_exec_fail(ex, 0, "range: more than %lld rows", (long long)ex->max_range_rows);
        break;
      }
    }
    kv_release(cur);
  }
  if (rc < 0) return rc;
  if (rc > 0) return rc;
  return kql_op_finish(head);
}
