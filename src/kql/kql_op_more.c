/* SPDX-License-Identifier: MIT
 * Row-multiplying and combining operators: mv-expand, parse (simple and
 * regex, through kql_regex), union (stream + tables), join/lookup against an
 * in-memory right table with a hash index on the keys. The left side streams;
 * right-side leftovers (rightouter/fullouter/rightanti/rightsemi) are emitted
 * at finish. */
#include "kql/kql_int.h"

#include <stdlib.h>
#include <string.h>

static int kql_next_finish(kql_op *op) { return op->next ? kql_op_finish(op->next) : 0; }

/* ---- mv-expand ---- */
typedef struct {
  kql_op base;
  int *cols;         /* output column replaced/filled by expansion k */
  kql_expr **exprs;  /* owned, one per expansion */
  kv_type *to_types;
  int nx;
  int64_t limit;
  int index_col;     /* with_itemindex output column or -1 */
  int in_cols;
  int *map;
  kv_value *vals;
  bool bag_array;    /* kind=array / bagexpansion=array: bag entries as [key, value] */
} kql_op_mvx;

size_t kql_mvexpand_count(kv_value v) {
  if (kv_is_array(v)) return kv_array_count(v);
  if (kv_is_bag(v)) return kv_bag_count(v);
  return 1; /* a scalar (or null) expands to itself once */
}

kv_value kql_mvexpand_item(kv_value v, size_t i, bool bag_array) {
  if (kv_is_array(v)) return i < kv_array_count(v) ? kv_retain(kv_array_get(v, i)) : kv_dyn_null();
  if (kv_is_bag(v)) {
    if (i >= kv_bag_count(v)) return kv_dyn_null();
    const char *k;
    size_t kl;
    kv_value x = kv_bag_entry(v, i, &k, &kl);
    if (bag_array) { /* emulator: mv-expand-operator-02 */
      kv_value a = kv_dyn_array();
      kv_array_push(a, kv_string(k, kl));
      kv_array_push(a, kv_retain(x));
      return a;
    }
    kv_value b = kv_dyn_bag();
    kv_bag_set(b, k, kl, kv_retain(x));
    return b;
  }
  return i == 0 ? kv_retain(v) : kv_dyn_null();
}

static int kql_mvx_push(kql_op *op, const kql_xrow *row) {
  kql_op_mvx *m = (kql_op_mvx *)op;
  kql_ectx c = kql_ectx_for_row(op->ex, row);
  kv_value src[16];
  size_t n = 0;
  for (int k = 0; k < m->nx; k++) {
    src[k] = kql_eval(m->exprs[k], &c);
    size_t l = kql_mvexpand_count(src[k]);
    if (l > n) n = l;
  }
  int rc = op->ex->failed ? -1 : 0;
  if (m->limit >= 0 && (int64_t)n > m->limit) n = (size_t)m->limit;
  for (size_t i = 0; i < n && rc == 0; i++) {
    for (int k = 0; k < m->nx; k++) {
      kv_value it = kql_mvexpand_item(src[k], i, m->bag_array);
      if (m->to_types[k] != KV_DYNAMIC) {
        kv_value cv = kv_convert(it, m->to_types[k]);
        kv_release(it);
        it = cv;
      }
      m->vals[m->cols[k]] = it;
    }
    if (m->index_col >= 0) m->vals[m->index_col] = kv_long((int64_t)i);
    kql_xrow out;
    memset(&out, 0, sizeof out);
    out.parent = row;
    out.map = m->map;
    out.vals = m->vals;
    out.ncols = op->ncols;
    rc = kql_op_push(op->next, &out);
    for (int k = 0; k < m->nx; k++) {
      kv_release(m->vals[m->cols[k]]);
      m->vals[m->cols[k]] = kv_null(KV_DYNAMIC);
    }
  }
  for (int k = 0; k < m->nx; k++) kv_release(src[k]);
  return rc;
}

static void kql_mvx_destroy(kql_op *op) {
  kql_op_mvx *m = (kql_op_mvx *)op;
  for (int k = 0; k < m->nx; k++) kql_expr_free(m->exprs[k]);
  free(m->exprs);
  free(m->cols);
  free(m->to_types);
  free(m->map);
  free(m->vals);
}
static const kql_op_vt kql_mvx_vt = {"mv-expand", kql_mvx_push, kql_next_finish, NULL,
                                     kql_mvx_destroy};

/* cols[k] = output column of expansion k; exprs passed via the map trick:
 * the caller gives exprs in `to_types`' companion array through kql_op_mvexpand_set. */
kql_op *kql_op_mvexpand_new(kql_exec *ex, int ncols, int *cols, kv_type *to_types, int nx,
                            int64_t limit, int index_col) {
  kql_op_mvx *m = kv_calloc(1, sizeof *m);
  m->base.vt = &kql_mvx_vt;
  m->base.ex = ex;
  m->base.ncols = ncols;
  m->cols = cols;
  m->to_types = to_types;
  m->nx = nx;
  m->limit = limit;
  m->index_col = index_col;
  m->exprs = kv_calloc((size_t)(nx ? nx : 1), sizeof(kql_expr *));
  m->map = kv_malloc(sizeof(int) * (size_t)ncols);
  m->vals = kv_calloc((size_t)ncols, sizeof(kv_value));
  for (int i = 0; i < ncols; i++) m->map[i] = i;
  for (int k = 0; k < nx; k++) m->map[cols[k]] = -1;
  if (index_col >= 0) m->map[index_col] = -1;
  return &m->base;
}

void kql_op_mvexpand_set_expr(kql_op *op, int k, kql_expr *e) {
  ((kql_op_mvx *)op)->exprs[k] = e;
}

void kql_op_mvexpand_set_bag_array(kql_op *op) { ((kql_op_mvx *)op)->bag_array = true; }

/* ---- parse ---- */
typedef struct {
  kql_op base;
  kql_expr *src;
  kql_regex *re;
  int *group_col; /* per regex group (1-based index - 1): output column or -1 */
  kv_type *group_type;
  int ngroups;
  bool where_mode;
  bool relaxed;     /* kind=relaxed: a value that does not convert is null on its own */
  int *map;
  kv_value *vals;
  kql_regex_span *spans;
} kql_op_parse;

static int kql_parse_push(kql_op *op, const kql_xrow *row) {
  kql_op_parse *p = (kql_op_parse *)op;
  kql_ectx c = kql_ectx_for_row(op->ex, row);
  kv_value s = kql_eval(p->src, &c);
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t len;
  const char *str = kv_str_view(s, &tmp, &len);
  bool ok = kql_regex_search(p->re, str, len, 0, p->spans, p->ngroups + 1, op->ex->scratch);
  int rc = 0;
  bool all_ok = ok;
  if (ok) {
    for (int g = 0; g < p->ngroups; g++) {
      int col = p->group_col[g];
      if (col < 0) continue;
      kql_regex_span sp = p->spans[g + 1];
      kv_value v;
      if (sp.start == KQL_REGEX_NPOS) v = kv_null(p->group_type[g]);
      else {
        kv_value t = kv_string(str + sp.start, sp.end - sp.start);
        if (p->group_type[g] == KV_STRING) v = t;
        else {
          v = kv_convert(t, p->group_type[g]);
          kv_release(t);
          if (kv_is_null(v)) all_ok = false;
        }
      }
      kv_release(p->vals[col]);
      p->vals[col] = v;
    }
  }
  /* simple: a typed value that does not convert fails the whole row, as no
   * match does (emulator: parse-where-operator-01); relaxed keeps the rest */
  if (!ok || (!all_ok && !p->relaxed && !p->where_mode)) {
    for (int g = 0; g < p->ngroups; g++) {
      int col = p->group_col[g];
      if (col < 0) continue;
      kv_release(p->vals[col]);
      p->vals[col] = kv_null(p->group_type[g]);
    }
  }
  kv_buf_free(&tmp);
  kv_release(s);
  if (!p->where_mode || all_ok) {
    kql_xrow out;
    memset(&out, 0, sizeof out);
    out.parent = row;
    out.map = p->map;
    out.vals = p->vals;
    out.ncols = op->ncols;
    rc = kql_op_push(op->next, &out);
  }
  for (int g = 0; g < p->ngroups; g++) {
    int col = p->group_col[g];
    if (col < 0) continue;
    kv_release(p->vals[col]);
    p->vals[col] = kv_null(KV_DYNAMIC);
  }
  return rc;
}

static void kql_parse_destroy(kql_op *op) {
  kql_op_parse *p = (kql_op_parse *)op;
  kql_expr_free(p->src);
  kql_regex_free(p->re);
  free(p->group_col);
  free(p->group_type);
  free(p->map);
  free(p->vals);
  free(p->spans);
}
static const kql_op_vt kql_parse_vt = {"parse", kql_parse_push, kql_next_finish, NULL,
                                       kql_parse_destroy};

void kql_op_parse_set_relaxed(kql_op *op) { ((kql_op_parse *)op)->relaxed = true; }

kql_op *kql_op_parse_new(kql_exec *ex, int in_cols, int ncols, kql_expr *src,
                         kql_parse_item *items, int nitems, kql_regex *re, int *group_col,
                         int ngroups, bool where_mode) {
  kql_op_parse *p = kv_calloc(1, sizeof *p);
  p->base.vt = &kql_parse_vt;
  p->base.ex = ex;
  p->base.ncols = ncols;
  p->src = src;
  p->re = re;
  p->group_col = group_col;
  p->ngroups = ngroups;
  p->where_mode = where_mode;
  p->group_type = kv_calloc((size_t)(ngroups ? ngroups : 1), sizeof(kv_type));
  for (int g = 0; g < ngroups; g++) {
    p->group_type[g] = KV_STRING;
    for (int i = 0; i < nitems; i++)
      if (items[i].kind == 1 && items[i].col == group_col[g]) p->group_type[g] = items[i].type;
  }
  p->map = kv_malloc(sizeof(int) * (size_t)ncols);
  p->vals = kv_calloc((size_t)ncols, sizeof(kv_value));
  for (int i = 0; i < ncols; i++) p->map[i] = i < in_cols ? i : -1;
  for (int g = 0; g < ngroups; g++)
    if (group_col[g] >= 0) p->map[group_col[g]] = -1;
  p->spans = kv_calloc((size_t)ngroups + 1, sizeof(kql_regex_span));
  return &p->base;
}

/* ---- union: input rows mapped, then each table's rows ---- */
typedef struct {
  kql_op base;
  int *map_in;
  kql_table **tables;
  int **maps;
  int ntables;
  kv_value *vals;
} kql_op_union;

static int kql_union_push(kql_op *op, const kql_xrow *row) {
  kql_op_union *u = (kql_op_union *)op;
  for (int i = 0; i < op->ncols; i++)
    u->vals[i] = u->map_in[i] >= 0 ? kql_xrow_get(row, u->map_in[i]) : kv_null(KV_DYNAMIC);
  return kql_op_push_vals(op->next, u->vals, op->ncols);
}
static int kql_union_finish(kql_op *op) {
  kql_op_union *u = (kql_op_union *)op;
  for (int t = 0; t < u->ntables; t++) {
    kql_table *tb = u->tables[t];
    for (size_t r = 0; r < tb->nrows; r++) {
      kv_value *src = kql_table_row(tb, r);
      for (int i = 0; i < op->ncols; i++)
        u->vals[i] = u->maps[t][i] >= 0 ? src[u->maps[t][i]] : kv_null(KV_DYNAMIC);
      int rc = kql_op_push_vals(op->next, u->vals, op->ncols);
      if (rc) return rc;
    }
  }
  return kql_next_finish(op);
}
static void kql_union_destroy(kql_op *op) {
  kql_op_union *u = (kql_op_union *)op;
  free(u->map_in);
  for (int t = 0; t < u->ntables; t++) free(u->maps[t]);
  free(u->maps);
  free(u->tables);
  free(u->vals);
}
static const kql_op_vt kql_union_vt = {"union", kql_union_push, kql_union_finish, NULL,
                                       kql_union_destroy};
kql_op *kql_op_union_new(kql_exec *ex, int ncols, const int *map_in, kql_table **tables,
                         int **maps, int ntables, bool input_first) {
  (void)input_first;
  kql_op_union *u = kv_calloc(1, sizeof *u);
  u->base.vt = &kql_union_vt;
  u->base.ex = ex;
  u->base.ncols = ncols;
  u->map_in = (int *)map_in;
  u->tables = tables;
  u->maps = maps;
  u->ntables = ntables;
  u->vals = kv_calloc((size_t)(ncols ? ncols : 1), sizeof(kv_value));
  return &u->base;
}

/* ---- join / lookup ---- */
typedef struct {
  kql_op base;
  int kind;
  kql_table *right;
  int *lkeys, *rkeys;
  int nkeys;
  int left_cols;
  int *right_out; /* right columns in the output (after the left ones) */
  int nright_out;
  kv_type *out_types;
  bool is_lookup;
  /* hash index of right rows */
  size_t nb;
  int64_t *heads; /* bucket -> first row or -1 */
  int64_t *chain; /* row -> next row or -1 */
  uint64_t *rhash;
  bool *rnull;    /* right row has a null key */
  bool *matched;
  /* innerunique: left keys already seen */
  kql_table *seen;
  kv_value *vals;
  kv_value *kb;
} kql_op_join;

static uint64_t kql_join_hash(const kv_value *k, int n) {
  uint64_t h = 0x84222325cbf29ce4ULL;
  for (int i = 0; i < n; i++) h = (h ^ kv_hash(k[i])) * 0x100000001b3ULL;
  return h;
}

/* Kusto's join matches null keys with each other (fuzz: null-and-edge-0006) */
static bool kql_join_keq(kv_value a, kv_value b) { return kv_same(a, b); }

static int kql_join_out(kql_op_join *j, const kql_xrow *left, const kv_value *rrow) {
  kql_op *op = &j->base;
  int c = 0;
  bool left_only = j->kind == KQL_JOIN_LEFTSEMI || j->kind == KQL_JOIN_LEFTANTI;
  bool right_only = j->kind == KQL_JOIN_RIGHTSEMI || j->kind == KQL_JOIN_RIGHTANTI;
  if (!right_only)
    for (int i = 0; i < j->left_cols; i++)
      j->vals[c++] = left ? kql_xrow_get(left, i) : kv_null(j->out_types[i]);
  if (!left_only)
    for (int i = 0; i < j->nright_out; i++) {
      kv_type t = j->out_types[c];
      j->vals[c++] = rrow ? rrow[j->right_out[i]] : kv_null(t);
    }
  return kql_op_push_vals(op->next, j->vals, c);
}

static int kql_join_probe(kql_op *op, const kql_xrow *row);

/* innerunique keeps the first left row of each key (emulator:
 * join-innerunique-00..02; in -03 the engine filtered the left side first). */
static int kql_join_push(kql_op *op, const kql_xrow *row) { return kql_join_probe(op, row); }

static int kql_join_probe(kql_op *op, const kql_xrow *row) {
  kql_op_join *j = (kql_op_join *)op;
  bool has_null = false;
  for (int k = 0; k < j->nkeys; k++) {
    j->kb[k] = kql_xrow_get(row, j->lkeys[k]);
  }
  uint64_t h = kql_join_hash(j->kb, j->nkeys);
  if (j->kind == KQL_JOIN_INNERUNIQUE && !has_null) {
    /* only the first left row of each key joins */
    for (size_t r = 0; r < j->seen->nrows; r++) {
      kv_value *s = kql_table_row(j->seen, r);
      int k = 0;
      for (; k < j->nkeys; k++)
        if (!kv_same(s[k], j->kb[k])) break;
      if (k == j->nkeys) return 0;
    }
  }
  int rc = 0;
  bool any = false;
  if (!has_null) {
    for (int64_t r = j->heads[h & (j->nb - 1)]; r >= 0 && rc == 0; r = j->chain[r]) {
      if (j->rhash[r] != h) continue;
      kv_value *rr = kql_table_row(j->right, (size_t)r);
      int k = 0;
      for (; k < j->nkeys; k++)
        if (!kql_join_keq(j->kb[k], rr[j->rkeys[k]])) break;
      if (k < j->nkeys) continue;
      any = true;
      j->matched[r] = true;
      switch (j->kind) {
        case KQL_JOIN_LEFTSEMI:
        case KQL_JOIN_LEFTANTI:
        case KQL_JOIN_RIGHTSEMI:
        case KQL_JOIN_RIGHTANTI:
          break;
        default:
          rc = kql_join_out(j, row, rr);
      }
      if (j->kind == KQL_JOIN_LEFTSEMI || j->kind == KQL_JOIN_LEFTANTI) break;
    }
  }
  if (j->kind == KQL_JOIN_INNERUNIQUE && !has_null && any) kql_table_add_row(j->seen, j->kb);
  if (j->kind == KQL_JOIN_INNERUNIQUE && !has_null && !any) {
    /* a key without a match still counts as seen (no later row would match either) */
  }
  if (rc) return rc;
  if (j->kind == KQL_JOIN_LEFTSEMI && any) rc = kql_join_out(j, row, NULL);
  else if (j->kind == KQL_JOIN_LEFTANTI && !any) rc = kql_join_out(j, row, NULL);
  else if ((j->kind == KQL_JOIN_LEFTOUTER || j->kind == KQL_JOIN_FULLOUTER) && !any)
    rc = kql_join_out(j, row, NULL);
  return rc;
}

static int kql_join_finish(kql_op *op) {
  kql_op_join *j = (kql_op_join *)op;

  if (j->kind == KQL_JOIN_RIGHTOUTER || j->kind == KQL_JOIN_FULLOUTER ||
      j->kind == KQL_JOIN_RIGHTANTI || j->kind == KQL_JOIN_RIGHTSEMI) {
    for (size_t r = 0; r < j->right->nrows; r++) {
      bool m = j->matched[r];
      bool emit = j->kind == KQL_JOIN_RIGHTSEMI ? m : !m;
      if (!emit) continue;
      int rc = kql_join_out(j, NULL, kql_table_row(j->right, r));
      if (rc) return rc;
    }
  }
  return kql_next_finish(op);
}

static void kql_join_destroy(kql_op *op) {
  kql_op_join *j = (kql_op_join *)op;
  free(j->lkeys);
  free(j->rkeys);
  free(j->right_out);
  free(j->out_types);
  free(j->heads);
  free(j->chain);
  free(j->rhash);
  free(j->rnull);
  free(j->matched);
  kql_table_free(j->seen);
  free(j->vals);
  free(j->kb);
}
static const kql_op_vt kql_join_vt = {"join", kql_join_push, kql_join_finish, NULL,
                                      kql_join_destroy};

kql_op *kql_op_join_new(kql_exec *ex, int kind, kql_table *right, int *lkeys, int *rkeys,
                        int nkeys, int left_cols, int *right_out, int nright_out,
                        kv_type *out_types, bool is_lookup) {
  kql_op_join *j = kv_calloc(1, sizeof *j);
  j->base.vt = &kql_join_vt;
  j->base.ex = ex;
  j->kind = kind;
  j->right = right;
  j->lkeys = lkeys;
  j->rkeys = rkeys;
  j->nkeys = nkeys;
  j->left_cols = left_cols;
  j->right_out = right_out;
  j->nright_out = nright_out;
  j->out_types = out_types;
  j->is_lookup = is_lookup;
  bool left_only = kind == KQL_JOIN_LEFTSEMI || kind == KQL_JOIN_LEFTANTI;
  bool right_only = kind == KQL_JOIN_RIGHTSEMI || kind == KQL_JOIN_RIGHTANTI;
  j->base.ncols = (right_only ? 0 : left_cols) + (left_only ? 0 : nright_out);
  size_t n = right->nrows;
  j->nb = 16;
  while (j->nb < n * 2) j->nb *= 2;
  j->heads = kv_malloc(sizeof(int64_t) * j->nb);
  for (size_t i = 0; i < j->nb; i++) j->heads[i] = -1;
  j->chain = kv_malloc(sizeof(int64_t) * (n ? n : 1));
  j->rhash = kv_malloc(sizeof(uint64_t) * (n ? n : 1));
  j->rnull = kv_calloc(n ? n : 1, sizeof(bool));
  j->matched = kv_calloc(n ? n : 1, sizeof(bool));
  j->kb = kv_calloc((size_t)(nkeys ? nkeys : 1), sizeof(kv_value));
  for (size_t r = n; r-- > 0;) {
    kv_value *row = kql_table_row(right, r);
    for (int k = 0; k < nkeys; k++) {
      j->kb[k] = row[rkeys[k]];
      if (kv_is_null(j->kb[k])) j->rnull[r] = true;
    }
    uint64_t h = kql_join_hash(j->kb, nkeys);
    j->rhash[r] = h;
    j->chain[r] = j->heads[h & (j->nb - 1)];
    j->heads[h & (j->nb - 1)] = (int64_t)r;
  }
  kv_column *kc = kv_calloc((size_t)(nkeys ? nkeys : 1), sizeof(kv_column));
  for (int k = 0; k < nkeys; k++) {
    kc[k].name = "k";
    kc[k].type = KV_DYNAMIC;
  }
  kv_schema ks = {kc, nkeys};
  j->seen = kql_table_new(&ks);
  free(kc);
  j->vals = kv_calloc((size_t)(j->base.ncols + left_cols + 1), sizeof(kv_value));
  return &j->base;
}
