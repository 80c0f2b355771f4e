/* SPDX-License-Identifier: MIT
 * reduce by Expr [with threshold=T, characters="..."] and kind=source:
 * groups strings by the SLCT clustering the Kusto docs cite (Vaarandi): a
 * word (by position) is frequent when it occurs in more than (1 - T) * N of
 * the N rows; rows with the same frequent words form a cluster, kept when it
 * has more than (1 - T) * N rows; the rest is "others". The pattern is the
 * first row with each infrequent word (and the separator before it) as '*'.
 * The mapping of T and the separator handling are inferred from the docs'
 * statements and the engine's output in the corpus (reduce-operator-02/03);
 * Kusto calls its result approximate. Stage: binder (eager). */
#include "kql/kql_scanops.h"

#include <stdlib.h>
#include <string.h>

#define KQL_RD_MAX_WORDS 256 /* words per value taken into account */

typedef struct {
  const char *s;
  size_t len;
  int pos;
  size_t count;
  size_t next; /* hash chain */
} kql_rd_word;

typedef struct {
  kql_rd_word *w;
  size_t n, cap;
  size_t *head;
  size_t nb;
} kql_rd_words;

static size_t kql_rd_find(kql_rd_words *ws, const char *s, size_t len, int pos, bool add) {
  uint64_t h = kv_hash_bytes(s, len, (uint64_t)pos * 0x9E3779B97F4A7C15ULL);
  size_t bkt = (size_t)(h & (ws->nb - 1));
  for (size_t i = ws->head[bkt]; i != (size_t)-1; i = ws->w[i].next)
    if (ws->w[i].pos == pos && ws->w[i].len == len && !memcmp(ws->w[i].s, s, len)) return i;
  if (!add) return (size_t)-1;
  if (ws->n == ws->cap) {
    ws->cap = ws->cap ? ws->cap * 2 : 256;
    ws->w = kv_realloc(ws->w, sizeof(kql_rd_word) * ws->cap);
  }
  kql_rd_word *e = &ws->w[ws->n];
  e->s = s;
  e->len = len;
  e->pos = pos;
  e->count = 0;
  e->next = ws->head[bkt];
  ws->head[bkt] = ws->n;
  return ws->n++;
}

/* Splits s into words: [start, len] pairs (at most KQL_RD_MAX_WORDS). */
static int kql_rd_split(const char *s, size_t len, const bool *sep, size_t *st, size_t *ln) {
  int n = 0;
  size_t i = 0;
  while (i < len && n < KQL_RD_MAX_WORDS) {
    while (i < len && sep[(unsigned char)s[i]]) i++;
    if (i >= len) break;
    size_t b = i;
    while (i < len && !sep[(unsigned char)s[i]]) i++;
    st[n] = b;
    ln[n] = i - b;
    n++;
  }
  return n;
}

static const char *kql_rd_param(kql_binder *b, kql_node *with, const char *name, kql_scope *sc,
                                kv_value *out) {
  if (!with) return NULL;
  for (int i = 0; i < with->nkids; i++) {
    kql_node *a = with->kids[i];
    if (a->kind != KQL_N_ASSIGN || strcmp(a->name, name)) continue;
    kql_expr *x = kql_bind_expr(b, a->kids[0], NULL, sc);
    if (!x) return "error";
    if (!x->is_const) {
      kql_expr_free(x);
      kql_bind_fail(b, a->pos, "reduce: %s must be a constant", name);
      return "error";
    }
    *out = kv_retain(x->cval);
    kql_expr_free(x);
    return "ok";
  }
  return NULL;
}

int kql_bind_reduce(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  bool source_kind = false;
  if (op->params) {
    for (int i = 0; i < op->params->nkids; i++) {
      kql_node *pa = op->params->kids[i];
      if (!strcmp(pa->name, "kind") && pa->kids[0]->kind == KQL_N_NAME && !strcmp(pa->kids[0]->name, "source"))
        source_kind = true;
      else if (strncmp(pa->name, "hint.", 5))
        return kql_bind_fail(b, pa->pos, "not supported yet: reduce parameter %s", pa->name);
    }
  }
  kql_node *with = op->nkids > 1 ? op->kids[1] : NULL;
  for (int i = 0; with && i < with->nkids; i++)
    if (with->kids[i]->kind != KQL_N_ASSIGN ||
        (strcmp(with->kids[i]->name, "threshold") && strcmp(with->kids[i]->name, "characters")))
      return kql_bind_fail(b, with->kids[i]->pos, "reduce: expected threshold= or characters=");
  double threshold = 0.1;
  bool sep[256];
  for (int c = 0; c < 256; c++) sep[c] = !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 128);
  kv_value v = kv_null(KV_REAL);
  const char *r = kql_rd_param(b, with, "threshold", sc, &v);
  if (r && !strcmp(r, "error")) return -1;
  if (r) {
    bool ok = kv_num_real(v, &threshold);
    kv_release(v);
    if (!ok || !(threshold >= 0 && threshold <= 1))
      return kql_bind_fail(b, op->pos, "reduce: threshold must be a number between 0 and 1");
  }
  r = kql_rd_param(b, with, "characters", sc, &v);
  if (r && !strcmp(r, "error")) return -1;
  if (r) {
    if (kv_scalar_type(v) != KV_STRING) {
      kv_release(v);
      return kql_bind_fail(b, op->pos, "reduce: characters must be a string");
    }
    memset(sep, 0, sizeof sep);
    for (size_t i = 0; i < v.len; i++) sep[(unsigned char)v.u.s[i]] = true;
    kv_release(v);
  }
  /* the values: input | extend $rk = tostring(Expr) */
  kql_table *src = kql_pipe_materialize(b, p, op->pos);
  if (!src) return -1;
  kql_node *ts = kql_scx_node(b, KQL_N_CALL, op->kids[0]->pos, "tostring");
  kql_node_add(b->a, ts, op->kids[0]);
  kql_node *as = kql_scx_node(b, KQL_N_ASSIGN, op->kids[0]->pos, "$rk");
  kql_node_add(b->a, as, ts);
  kql_node *ext = kql_scx_node(b, KQL_N_OP, op->pos, "extend");
  kql_node_add(b->a, ext, as);
  kql_table *t = kql_scx_run_op(b, ext, sc, src, op->pos);
  if (!t) return -1;
  int kc = t->schema.count - 1;
  size_t n = t->nrows;
  double support = (1.0 - threshold) * (double)n;
  /* pass 1: word counts */
  kql_rd_words ws;
  memset(&ws, 0, sizeof ws);
  ws.nb = 1024;
  while (ws.nb < n * 4 && ws.nb < ((size_t)1 << 22)) ws.nb *= 2;
  ws.head = kv_malloc(sizeof(size_t) * ws.nb);
  for (size_t i = 0; i < ws.nb; i++) ws.head[i] = (size_t)-1;
  size_t st[KQL_RD_MAX_WORDS], ln[KQL_RD_MAX_WORDS];
  for (size_t row = 0; row < n; row++) {
    kv_value s = kql_table_row(t, row)[kc];
    int nw = kql_rd_split(s.u.s, s.len, sep, st, ln);
    for (int k = 0; k < nw; k++) {
      size_t id = kql_rd_find(&ws, s.u.s + st[k], ln[k], k, true); /* may move ws.w */
      ws.w[id].count++;
    }
  }
  /* pass 2: clusters keyed by the frequent words (as word ids) */
  size_t *cluster = kv_malloc(sizeof(size_t) * (n ? n : 1)); /* row -> cluster, -1 = others */
  size_t *cfirst = kv_malloc(sizeof(size_t) * (n ? n : 1));
  size_t *ccount = kv_calloc(n ? n : 1, sizeof(size_t));
  size_t nc = 0;
  kv_buf key, *keys = kv_calloc(n ? n : 1, sizeof(kv_buf));
  size_t *chead = kv_malloc(sizeof(size_t) * ws.nb), *cnext = kv_malloc(sizeof(size_t) * (n ? n : 1));
  for (size_t i = 0; i < ws.nb; i++) chead[i] = (size_t)-1;
  kv_buf_init(&key);
  for (size_t row = 0; row < n; row++) {
    kv_value s = kql_table_row(t, row)[kc];
    int nw = kql_rd_split(s.u.s, s.len, sep, st, ln);
    key.len = 0;
    for (int k = 0; k < nw; k++) {
      size_t id = kql_rd_find(&ws, s.u.s + st[k], ln[k], k, false);
      if ((double)ws.w[id].count > support) kv_buf_append(&key, (const char *)&id, sizeof id);
    }
    cluster[row] = (size_t)-1;
    if (!key.len) continue;
    size_t kb = (size_t)(kv_hash_bytes(key.data, key.len, 7) & (ws.nb - 1)), c;
    for (c = chead[kb]; c != (size_t)-1; c = cnext[c])
      if (keys[c].len == key.len && !memcmp(keys[c].data, key.data, key.len)) break;
    if (c == (size_t)-1) {
      c = nc++;
      kv_buf_init(&keys[c]);
      kv_buf_append(&keys[c], key.data, key.len);
      cfirst[c] = row;
      cnext[c] = chead[kb];
      chead[kb] = c;
    }
    ccount[c]++;
    cluster[row] = c;
  }
  /* patterns of the clusters that are large enough */
  char **pat = kv_calloc(nc ? nc : 1, sizeof(char *));
  size_t others = 0;
  for (size_t row = 0; row < n; row++)
    if (cluster[row] != (size_t)-1 && (double)ccount[cluster[row]] <= support) cluster[row] = (size_t)-1;
  for (size_t row = 0; row < n; row++)
    if (cluster[row] == (size_t)-1) others++;
  for (size_t c = 0; c < nc; c++) {
    if ((double)ccount[c] <= support) continue;
    kv_value s = kql_table_row(t, cfirst[c])[kc];
    int nw = kql_rd_split(s.u.s, s.len, sep, st, ln);
    kv_buf pb;
    kv_buf_init(&pb);
    size_t at = 0;
    bool star = false;
    for (int k = 0; k < nw; k++) {
      size_t id = kql_rd_find(&ws, s.u.s + st[k], ln[k], k, false);
      if ((double)ws.w[id].count > support) {
        kv_buf_append(&pb, s.u.s + at, st[k] + ln[k] - at); /* separator + word */
        star = false;
      } else if (!star) {
        kv_buf_putc(&pb, '*');
        star = true;
      }
      at = st[k] + ln[k];
    }
    if (!star) kv_buf_append(&pb, s.u.s + at, s.len - at);
    pat[c] = kv_malloc(pb.len + 1);
    memcpy(pat[c], pb.data ? pb.data : "", pb.len);
    pat[c][pb.len] = 0;
    kv_buf_free(&pb);
  }
  kv_schema out = {0};
  kql_table *res;
  if (source_kind) { /* every row with its pattern */
    for (int i = 0; i < kc; i++) kql_schema_add(b, &out, t->schema.cols[i].name, t->schema.cols[i].type);
    kql_schema_add(b, &out, kql_unique_name(b, &out, "Pattern"), KV_STRING);
    res = kql_table_new(&out);
    kv_value *rowv = kv_calloc((size_t)kc + 1, sizeof(kv_value));
    for (size_t row = 0; row < n; row++) {
      memcpy(rowv, kql_table_row(t, row), sizeof(kv_value) * (size_t)kc);
      const char *ps = cluster[row] == (size_t)-1 ? "others" : pat[cluster[row]];
      rowv[kc] = kv_string_borrowed(ps, strlen(ps));
      kql_table_add_row(res, rowv);
    }
    free(rowv);
  } else {
    kql_schema_add(b, &out, "Pattern", KV_STRING);
    kql_schema_add(b, &out, "Count", KV_LONG);
    kql_schema_add(b, &out, "Representative", KV_STRING);
    res = kql_table_new(&out);
    for (size_t c = 0; c < nc; c++) {
      if (!pat[c]) continue;
      kv_value rv[3] = {kv_string_borrowed(pat[c], strlen(pat[c])), kv_long((int64_t)ccount[c]),
                        kql_table_row(t, cfirst[c])[kc]};
      kql_table_add_row(res, rv);
    }
    if (others) {
      kv_value rv[3] = {kv_string_borrowed("others", 6), kv_long((int64_t)others), kv_string_borrowed("", 0)};
      kql_table_add_row(res, rv);
    }
  }
  kql_scx_own_table(b, res);
  for (size_t c = 0; c < nc; c++) {
    free(pat[c]);
    kv_buf_free(&keys[c]);
  }
  free(pat);
  free(keys);
  free(chead);
  free(cnext);
  kv_buf_free(&key);
  free(cluster);
  free(cfirst);
  free(ccount);
  free(ws.w);
  free(ws.head);
  kql_scx_pipe_table(b, p, res);
  return 0;
}
