/* SPDX-License-Identifier: MIT
 * Binder of top-nested: the input is run into a table, each level k becomes
 * `summarize agg_k by key_1..key_k` over it, and the levels are then joined
 * top-down: under every kept parent the N best children by agg_k (desc
 * unless asc; ties: the later group first). Output: key_1, agg_1, key_2,
 * agg_2, ... one row per kept leaf, parents in order. Stage: binder (eager,
 * so not on the live input stream). */
#include "kql/kql_scanops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KQL_TN_MAX_LEVELS 32

typedef struct {
  kql_table *r;   /* summarize result: keys 0..k, then the aggregate */
  size_t *head, *next, nb; /* rows chained by the hash of their first k keys */
  int k;
  int64_t n;      /* -1 = all */
  bool asc;
  const char *key_name, *agg_name;
} kql_tn_level;

/* Rows of a table indexed by the hash of their first m columns. */
typedef struct {
  kql_table *t;
  int m;
  size_t *head, *next, nb;
} kql_tn_set;

typedef struct {
  kql_tn_level *lv;
  int nlv;
  kql_table *out;
  kv_value *path; /* 2 * nlv values being built (borrowed) */
  bool failed;
  /* with others= on the last level: collect mode fills sel (kept leaves'
   * keys) and par (their parents' keys); emit mode appends, after each
   * parent's leaves, the row of oth (parent keys, aggregate) if any */
  bool collect;
  kql_table *sel, *par;
  kql_tn_set *oth;
  kv_value others; /* the others key, converted to the level's key type */
} kql_tn_ctx;

static uint64_t kql_tn_hash_row(const kv_value *v, int m, size_t stride) {
  uint64_t h = 1469598103934665603ULL;
  for (int j = 0; j < m; j++) h = (h ^ kv_hash(v[(size_t)j * stride])) * 1099511628211ULL;
  return h;
}

static void kql_tn_set_build(kql_tn_set *s, kql_table *t, int m) {
  s->t = t;
  s->m = m;
  s->nb = 64;
  while (s->nb < t->nrows * 2 && s->nb < ((size_t)1 << 22)) s->nb *= 2;
  s->head = kv_malloc(sizeof(size_t) * s->nb);
  s->next = kv_malloc(sizeof(size_t) * (t->nrows ? t->nrows : 1));
  for (size_t i = 0; i < s->nb; i++) s->head[i] = (size_t)-1;
  for (size_t i = t->nrows; i > 0; i--) {
    size_t h = (size_t)(kql_tn_hash_row(kql_table_row(t, i - 1), m, 1) & (s->nb - 1));
    s->next[i - 1] = s->head[h];
    s->head[h] = i - 1;
  }
}

/* The first row whose first m columns equal v[0], v[stride], ... or NULL. */
static const kv_value *kql_tn_set_find(const kql_tn_set *s, const kv_value *v, size_t stride) {
  size_t h = (size_t)(kql_tn_hash_row(v, s->m, stride) & (s->nb - 1));
  for (size_t i = s->head[h]; i != (size_t)-1; i = s->next[i]) {
    const kv_value *row = kql_table_row(s->t, i);
    bool ok = true;
    for (int j = 0; j < s->m && ok; j++) ok = kv_same(row[j], v[(size_t)j * stride]);
    if (ok) return row;
  }
  return NULL;
}

static void kql_tn_set_free(kql_tn_set *s) {
  free(s->head);
  free(s->next);
}

static size_t kql_tn_hash(const kv_value *keys, int k, size_t nb) {
  uint64_t h = 1469598103934665603ULL;
  for (int j = 0; j < k; j++) h = (h ^ kv_hash(keys[j * 2])) * 1099511628211ULL;
  return (size_t)(h & (nb - 1));
}

static void kql_tn_index(kql_tn_level *l) {
  size_t nr = l->r->nrows;
  l->nb = 64;
  while (l->nb < nr * 2 && l->nb < ((size_t)1 << 22)) l->nb *= 2;
  l->head = kv_malloc(sizeof(size_t) * l->nb);
  l->next = kv_malloc(sizeof(size_t) * (nr ? nr : 1));
  for (size_t i = 0; i < l->nb; i++) l->head[i] = (size_t)-1;
  kv_value *tmp = kv_calloc((size_t)(2 * l->k + 1), sizeof(kv_value));
  for (size_t i = nr; i > 0; i--) { /* chains in row order */
    const kv_value *row = kql_table_row(l->r, i - 1);
    for (int j = 0; j < l->k; j++) tmp[2 * j] = row[j];
    size_t h = kql_tn_hash(tmp, l->k, l->nb);
    l->next[i - 1] = l->head[h];
    l->head[h] = i - 1;
  }
  free(tmp);
}

/* Sorts idx[0..n) by the level's aggregate; merge sort (stable, no globals). */
static int kql_tn_cmp(const kql_tn_level *l, size_t a, size_t b) {
  kv_value va = kql_table_row(l->r, a)[l->k + 1], vb = kql_table_row(l->r, b)[l->k + 1];
  int c = kv_sort_compare(va, vb, !l->asc, l->asc);
  if (c) return c;
  return a < b ? 1 : (a > b ? -1 : 0); /* ties: the later group first */
}
static void kql_tn_sort(const kql_tn_level *l, size_t *idx, size_t *tmp, size_t n) {
  if (n < 2) return;
  size_t h = n / 2;
  kql_tn_sort(l, idx, tmp, h);
  kql_tn_sort(l, idx + h, tmp, n - h);
  size_t i = 0, j = h, o = 0;
  while (i < h && j < n) tmp[o++] = kql_tn_cmp(l, idx[i], idx[j]) <= 0 ? idx[i++] : idx[j++];
  while (i < h) tmp[o++] = idx[i++];
  while (j < n) tmp[o++] = idx[j++];
  memcpy(idx, tmp, sizeof(size_t) * n);
}

static void kql_tn_walk(kql_tn_ctx *c, int k) {
  if (c->failed) return;
  if (k == c->nlv) {
    if (!c->collect) kql_table_add_row(c->out, c->path);
    return;
  }
  kql_tn_level *l = &c->lv[k];
  size_t first = l->head[kql_tn_hash(c->path, k, l->nb)], cap = 0;
  for (size_t i = first; i != (size_t)-1; i = l->next[i]) cap++;
  size_t *idx = kv_malloc(sizeof(size_t) * (cap ? cap : 1));
  size_t *tmp = kv_malloc(sizeof(size_t) * (cap ? cap : 1));
  size_t m = 0;
  for (size_t i = first; i != (size_t)-1; i = l->next[i]) {
    const kv_value *row = kql_table_row(l->r, i); /* a child of the current path? */
    bool ok = true;
    for (int j = 0; j < k && ok; j++) ok = kv_same(row[j], c->path[2 * j]);
    if (ok) idx[m++] = i;
  }
  kql_tn_sort(l, idx, tmp, m);
  size_t take = (l->n >= 0 && (uint64_t)l->n < m) ? (size_t)l->n : m;
  bool last_others = c->sel && k == c->nlv - 1;
  if (last_others && c->collect) { /* parent keys, then each kept leaf's keys */
    kv_value keys[KQL_TN_MAX_LEVELS + 1];
    for (int j = 0; j < k; j++) keys[j] = c->path[2 * j];
    if (k) kql_table_add_row(c->par, keys);
    for (size_t i = 0; i < take; i++) {
      keys[k] = kql_table_row(l->r, idx[i])[k];
      kql_table_add_row(c->sel, keys);
    }
  }
  for (size_t i = 0; i < take && !c->failed; i++) {
    const kv_value *row = kql_table_row(l->r, idx[i]);
    c->path[2 * k] = row[k];
    c->path[2 * k + 1] = row[k + 1];
    kql_tn_walk(c, k + 1);
  }
  if (last_others && !c->collect) {
    const kv_value *o = kql_tn_set_find(c->oth, c->path, 2);
    if (o) {
      c->path[2 * k] = c->others;
      c->path[2 * k + 1] = o[k];
      kql_table_add_row(c->out, c->path);
    }
  }
  free(idx);
  free(tmp);
}

/* summarize $tn_agg = <level k's aggregate> by <by> over t. */
static kql_table *kql_tn_summarize(kql_binder *b, kql_node *op, int k, kql_node *by, kql_scope *sc,
                                   kql_table *t) {
  kql_node *aggs = kql_scx_node(b, KQL_N_CLAUSE, op->pos, "aggs");
  kql_node *agg = op->kids[k]->kids[3]->kids[0];
  kql_node *as = kql_scx_node(b, KQL_N_ASSIGN, agg->pos, "$tn_agg");
  kql_node_add(b->a, as, agg->kind == KQL_N_ASSIGN ? agg->kids[0] : agg);
  kql_node_add(b->a, aggs, as);
  kql_node *sum = kql_scx_node(b, KQL_N_OP, op->pos, "summarize");
  kql_node_add(b->a, sum, aggs);
  kql_node_add(b->a, sum, by);
  return kql_scx_run_op(b, sum, sc, t, op->pos);
}

static kql_node *kql_tn_name(kql_binder *b, uint32_t pos, int j) {
  char buf[16];
  snprintf(buf, sizeof buf, "$o%d", j);
  return kql_scx_node(b, KQL_N_NAME, pos, kql_arena_strdup(b->a, buf, strlen(buf)));
}

/* with others= on the last level L: the aggregate, per kept parent, over the
 * input rows whose level-L value was not kept (docs: "the aggregation over
 * all records that didn't make it to the top"). Runs the collect walk and
 * prepares c->oth and c->others for the emitting walk. */
static int kql_tn_others(kql_binder *b, kql_node *op, kql_scope *sc, kql_table *src, kql_tn_level *lv,
                         int nlv, kql_tn_ctx *c, kql_tn_set *oth) {
  int L = nlv - 1, ns = src->schema.count;
  kql_node *cexpr = op->kids[L]->kids[2]->kids[0];
  kql_expr *ce = kql_bind_expr(b, cexpr, NULL, sc);
  if (!ce) return -1;
  if (!ce->is_const) {
    kql_expr_free(ce);
    return kql_bind_fail(b, cexpr->pos, "top-nested: others= needs a constant");
  }
  c->others = kv_convert(ce->cval, lv[L].r->schema.cols[L].type);
  kql_expr_free(ce);
  /* E = input | extend $o0 = key0, ..., $oL = keyL */
  kql_node *ext = kql_scx_node(b, KQL_N_OP, op->pos, "extend");
  for (int j = 0; j <= L; j++) {
    kql_node *kn = op->kids[j]->kids[1]->kids[0];
    kql_node *as = kql_scx_node(b, KQL_N_ASSIGN, kn->pos, kql_tn_name(b, kn->pos, j)->name);
    kql_node_add(b->a, as, kn->kind == KQL_N_ASSIGN ? kn->kids[0] : kn);
    kql_node_add(b->a, ext, as);
  }
  kql_table *e = kql_scx_run_op(b, ext, sc, src, op->pos);
  if (!e) return -1;
  if (e->schema.count != ns + L + 1) return kql_bind_fail(b, op->pos, "not supported yet: these top-nested keys");
  kv_schema ks = {0}, ps = {0};
  for (int j = 0; j <= L; j++) {
    kql_schema_add(b, &ks, e->schema.cols[ns + j].name, e->schema.cols[ns + j].type);
    if (j < L) kql_schema_add(b, &ps, e->schema.cols[ns + j].name, e->schema.cols[ns + j].type);
  }
  c->sel = kql_table_new(&ks);
  kql_scx_own_table(b, c->sel);
  c->par = kql_table_new(L ? &ps : &ks);
  kql_scx_own_table(b, c->par);
  c->collect = true;
  kql_tn_walk(c, 0);
  c->collect = false;
  kql_tn_set S, P;
  kql_tn_set_build(&S, c->sel, L + 1);
  kql_tn_set_build(&P, c->par, L);
  kql_table *f = kql_table_new(&e->schema);
  kql_scx_own_table(b, f);
  for (size_t r = 0; r < e->nrows; r++) {
    const kv_value *row = kql_table_row(e, r);
    if ((L == 0 || kql_tn_set_find(&P, row + ns, 1)) && !kql_tn_set_find(&S, row + ns, 1))
      kql_table_add_row(f, row);
  }
  kql_tn_set_free(&S);
  kql_tn_set_free(&P);
  kql_table *ro;
  if (f->nrows == 0) { /* nothing left out: no others rows */
    kv_schema os = {0};
    for (int j = 0; j <= L; j++) kql_schema_add(b, &os, ks.cols[j].name, ks.cols[j].type);
    ro = kql_table_new(&os);
    kql_scx_own_table(b, ro);
  } else {
    kql_node *by = kql_scx_node(b, KQL_N_CLAUSE, op->pos, "by");
    for (int j = 0; j < L; j++) kql_node_add(b->a, by, kql_tn_name(b, op->pos, j));
    ro = kql_tn_summarize(b, op, L, by, sc, f);
    if (!ro) return -1;
  }
  kql_tn_set_build(oth, ro, L);
  c->oth = oth;
  return 0;
}

int kql_bind_top_nested(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  int nlv = op->nkids;
  if (nlv > KQL_TN_MAX_LEVELS) return kql_bind_fail(b, op->pos, "top-nested: too many levels");
  kql_tn_level lv[KQL_TN_MAX_LEVELS];
  memset(lv, 0, sizeof lv);
  for (int k = 0; k < nlv; k++) {
    kql_node *L = op->kids[k];
    if (L->kids[2]->nkids && k != nlv - 1)
      return kql_bind_fail(b, L->kids[2]->pos, "not supported yet: top-nested with others= above the last level");
    lv[k].k = k;
    lv[k].asc = L->flags == 1;
    lv[k].n = -1;
    if (L->kids[0]->nkids) {
      int64_t n;
      if (!kql_node_const_long(b, L->kids[0]->kids[0], sc, &n)) return -1;
      lv[k].n = n < 0 ? 0 : n;
    }
  }
  kql_table *src = kql_pipe_materialize(b, p, op->pos);
  if (!src) return -1;
  kv_schema out = {0};
  for (int k = 0; k < nlv; k++) {
    kql_node *by = kql_scx_node(b, KQL_N_CLAUSE, op->pos, "by");
    for (int j = 0; j <= k; j++) kql_node_add(b->a, by, op->kids[j]->kids[1]->kids[0]);
    lv[k].r = kql_tn_summarize(b, op, k, by, sc, src);
    if (!lv[k].r) {
      for (int j = 0; j < k; j++) {
        free(lv[j].head);
        free(lv[j].next);
      }
      return -1;
    }
    kql_tn_index(&lv[k]);
    if (lv[k].r->schema.count != k + 2) {
      for (int j = 0; j <= k; j++) {
        free(lv[j].head);
        free(lv[j].next);
      }
      return kql_bind_fail(b, op->pos, "not supported yet: this top-nested aggregate");
    }
    const char *kn = lv[k].r->schema.cols[k].name;
    kql_schema_add(b, &out, kql_unique_name(b, &out, kn), lv[k].r->schema.cols[k].type);
    const char *an;
    kql_node *agg = op->kids[k]->kids[3]->kids[0];
    if (agg->kind == KQL_N_ASSIGN) {
      an = agg->name;
    } else {
      kv_buf buf;
      kv_buf_init(&buf);
      kv_buf_printf(&buf, "aggregated_%s", kn);
      an = kql_arena_strdup(b->a, buf.data, buf.len);
      kv_buf_free(&buf);
    }
    kql_schema_add(b, &out, kql_unique_name(b, &out, an), lv[k].r->schema.cols[k + 1].type);
  }
  kql_table *t = kql_table_new(&out);
  kql_scx_own_table(b, t);
  kql_tn_ctx c;
  memset(&c, 0, sizeof c);
  c.lv = lv;
  c.nlv = nlv;
  c.out = t;
  c.path = kv_calloc((size_t)(2 * nlv + 1), sizeof(kv_value));
  kql_tn_set oth;
  memset(&oth, 0, sizeof oth);
  int rc = 0;
  if (op->kids[nlv - 1]->kids[2]->nkids) rc = kql_tn_others(b, op, sc, src, lv, nlv, &c, &oth);
  if (rc == 0) kql_tn_walk(&c, 0);
  kql_tn_set_free(&oth);
  kv_release(c.others);
  free(c.path);
  for (int k = 0; k < nlv; k++) {
    free(lv[k].head);
    free(lv[k].next);
  }
  if (rc) return -1;
  kql_scx_pipe_table(b, p, t);
  p->serialized = false;
  return 0;
}
