/* SPDX-License-Identifier: MIT
 * parse-kv operator: extracts the listed keys from a text as typed columns
 * (Kusto docs, parse-kv): with pair/kv delimiters (quotes, escapes, greedy
 * values), with any non-alphanumeric character as delimiter, or with a
 * two-group regex. The first occurrence of a key wins; keys and unquoted
 * values are trimmed; a missing key gives "" (string) or null. Streams. */
#include "kql/kql_op_ext.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  kql_op base;
  kql_parse_kv_spec s;
  int *map;
  kv_value *vals;
  bool *found;
  kql_regex_span spans[3];
} kql_op_pkv;

static bool kql_pkv_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void kql_pkv_trim(const char **s, size_t *n) {
  while (*n && kql_pkv_space(**s)) {
    (*s)++;
    (*n)--;
  }
  while (*n && kql_pkv_space((*s)[*n - 1])) (*n)--;
}

/* Stores key -> value (first occurrence only), converting to the key's type. */
static void kql_pkv_put(kql_op_pkv *m, const char *k, size_t kl, const char *v, size_t vl) {
  kql_pkv_trim(&k, &kl);
  for (int i = 0; i < m->s.nkeys; i++) {
    if (m->found[i] || strlen(m->s.keys[i]) != kl || memcmp(m->s.keys[i], k, kl) != 0) continue;
    m->found[i] = true;
    kv_value t = kv_string(v, vl);
    int col = m->s.cols[i];
    if (m->s.types[i] == KV_STRING) {
      m->vals[col] = t;
    } else {
      m->vals[col] = kv_convert(t, m->s.types[i]);
      kv_release(t);
    }
    return;
  }
}

static bool kql_pkv_at(const char *s, size_t len, size_t i, const char *d, size_t dl) {
  return dl && i + dl <= len && memcmp(s + i, d, dl) == 0;
}

/* Open quote at s[i]: its index in the quote pairs, or -1. */
static int kql_pkv_quote(const kql_op_pkv *m, char c) {
  for (int q = 0; q < m->s.nquotes; q++)
    if (m->s.quotes[2 * q] == c) return q;
  return -1;
}

static bool kql_pkv_is_escape(const kql_op_pkv *m, char c) {
  for (int e = 0; e < m->s.nescapes; e++)
    if (m->s.escapes[e] == c) return true;
  return false;
}

/* Reads a quoted run starting after the open quote at *i; appends the
 * unescaped text to out and leaves *i after the close quote (or at end). */
static void kql_pkv_quoted(const kql_op_pkv *m, const char *s, size_t len, size_t *i, char close, kv_buf *out) {
  size_t p = *i;
  while (p < len && s[p] != close) {
    if (kql_pkv_is_escape(m, s[p]) && p + 1 < len) p++;
    kv_buf_putc(out, s[p]);
    p++;
  }
  *i = p < len ? p + 1 : p;
}

/* Index of the next pair delimiter at or after i (len when none). */
static size_t kql_pkv_next_pd(const char *s, size_t len, size_t i, const char *pd, size_t pdl) {
  for (; i < len; i++)
    if (kql_pkv_at(s, len, i, pd, pdl)) return i;
  return len;
}

static void kql_pkv_delims(kql_op_pkv *m, const char *s, size_t len) {
  const char *pd = m->s.pair_delim, *kd = m->s.kv_delim;
  size_t pdl = strlen(pd), kdl = strlen(kd);
  kv_buf key, val;
  kv_buf_init(&key);
  kv_buf_init(&val);
  size_t i = 0;
  while (i < len) {
    while (i < len && kql_pkv_space(s[i]) && !kql_pkv_at(s, len, i, pd, pdl)) i++;
    if (i >= len) break;
    if (kql_pkv_at(s, len, i, pd, pdl)) {
      i += pdl;
      continue;
    }
    /* key: quoted, or up to the kv delimiter (a pair delimiter first: no pair) */
    key.len = 0;
    int q = kql_pkv_quote(m, s[i]);
    if (q >= 0) {
      i++;
      kql_pkv_quoted(m, s, len, &i, m->s.quotes[2 * q + 1], &key);
      while (i < len && !kql_pkv_at(s, len, i, kd, kdl) && !kql_pkv_at(s, len, i, pd, pdl)) i++;
    } else {
      size_t st = i;
      while (i < len && !kql_pkv_at(s, len, i, kd, kdl) && !kql_pkv_at(s, len, i, pd, pdl)) i++;
      kv_buf_append(&key, s + st, i - st);
    }
    if (!kql_pkv_at(s, len, i, kd, kdl)) continue; /* no kv delimiter: not a pair */
    i += kdl;
    while (i < len && kql_pkv_space(s[i]) && !kql_pkv_at(s, len, i, pd, pdl)) i++;
    val.len = 0;
    q = i < len ? kql_pkv_quote(m, s[i]) : -1;
    if (q >= 0) {
      i++;
      kql_pkv_quoted(m, s, len, &i, m->s.quotes[2 * q + 1], &val);
      i = kql_pkv_next_pd(s, len, i, pd, pdl);
      kql_pkv_put(m, key.data ? key.data : "", key.len, val.data ? val.data : "", val.len);
      continue;
    }
    size_t st = i;
    size_t end = kql_pkv_next_pd(s, len, i, pd, pdl);
    /* greedy: following segments without a kv delimiter extend the value */
    while (m->s.greedy && end < len) {
      size_t nx = end + pdl;
      size_t nend = kql_pkv_next_pd(s, len, nx, pd, pdl);
      bool has_kd = false;
      for (size_t j = nx; j < nend && !has_kd; j++) has_kd = kql_pkv_at(s, len, j, kd, kdl);
      if (has_kd) break;
      end = nend;
    }
    const char *v = s + st;
    size_t vl = end - st;
    kql_pkv_trim(&v, &vl);
    kql_pkv_put(m, key.data ? key.data : "", key.len, v, vl);
    i = end;
  }
  kv_buf_free(&key);
  kv_buf_free(&val);
}

static bool kql_pkv_word(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* No delimiters given: words are alphanumeric runs; a listed key word takes
 * the next word (or quoted run) as its value. */
static void kql_pkv_free(kql_op_pkv *m, const char *s, size_t len) {
  kv_buf val;
  kv_buf_init(&val);
  size_t i = 0;
  while (i < len) {
    if (!kql_pkv_word((unsigned char)s[i])) {
      i++;
      continue;
    }
    size_t ks = i;
    while (i < len && kql_pkv_word((unsigned char)s[i])) i++;
    size_t kl = i - ks;
    bool listed = false;
    for (int k = 0; k < m->s.nkeys && !listed; k++)
      listed = !m->found[k] && strlen(m->s.keys[k]) == kl && memcmp(m->s.keys[k], s + ks, kl) == 0;
    if (!listed) continue;
    size_t j = i;
    while (j < len && !kql_pkv_word((unsigned char)s[j]) && kql_pkv_quote(m, s[j]) < 0) j++;
    if (j >= len) break;
    int q = kql_pkv_quote(m, s[j]);
    val.len = 0;
    if (q >= 0) {
      j++;
      kql_pkv_quoted(m, s, len, &j, m->s.quotes[2 * q + 1], &val);
      kql_pkv_put(m, s + ks, kl, val.data ? val.data : "", val.len);
    } else {
      size_t vs = j;
      while (j < len && kql_pkv_word((unsigned char)s[j])) j++;
      kql_pkv_put(m, s + ks, kl, s + vs, j - vs);
    }
    i = j;
  }
  kv_buf_free(&val);
}

static void kql_pkv_regex(kql_op_pkv *m, const char *s, size_t len) {
  kql_regex_iter it;
  kql_regex_iter_init(&it, m->s.re, s, len, m->base.ex->scratch);
  size_t guard = 0;
  while (guard++ <= len && kql_regex_iter_next(&it, m->spans, 3)) {
    kql_regex_span k = m->spans[1], v = m->spans[2];
    if (k.start == KQL_REGEX_NPOS || v.start == KQL_REGEX_NPOS) continue;
    const char *vp = s + v.start;
    size_t vl = v.end - v.start;
    kql_pkv_trim(&vp, &vl);
    kql_pkv_put(m, s + k.start, k.end - k.start, vp, vl);
  }
}

static int kql_pkv_push(kql_op *op, const kql_xrow *row) {
  kql_op_pkv *m = (kql_op_pkv *)op;
  kql_ectx c = kql_ectx_for_row(op->ex, row);
  kv_value src = kql_eval(m->s.src, &c);
  if (op->ex->failed) {
    kv_release(src);
    return -1;
  }
  for (int k = 0; k < m->s.nkeys; k++) m->found[k] = false;
  if (!kv_is_null(src)) {
    kv_buf tmp;
    kv_buf_init(&tmp);
    size_t len;
    const char *s = kv_str_view(src, &tmp, &len);
    if (m->s.mode == KQL_PKV_DELIMS) kql_pkv_delims(m, s, len);
    else if (m->s.mode == KQL_PKV_FREE) kql_pkv_free(m, s, len);
    else kql_pkv_regex(m, s, len);
    kv_buf_free(&tmp);
  }
  kv_release(src);
  for (int k = 0; k < m->s.nkeys; k++)
    if (!m->found[k])
      m->vals[m->s.cols[k]] = m->s.types[k] == KV_STRING ? kv_string("", 0) : kv_null(m->s.types[k]);
  kql_xrow out;
  memset(&out, 0, sizeof out);
  out.parent = row;
  out.map = m->map;
  out.vals = m->vals;
  out.ncols = op->ncols;
  int rc = kql_op_push(op->next, &out);
  for (int k = 0; k < m->s.nkeys; k++) {
    kv_release(m->vals[m->s.cols[k]]);
    m->vals[m->s.cols[k]] = kv_null(KV_DYNAMIC);
  }
  return rc;
}

static int kql_pkv_finish(kql_op *op) { return op->next ? kql_op_finish(op->next) : 0; }

static void kql_pkv_destroy(kql_op *op) {
  kql_op_pkv *m = (kql_op_pkv *)op;
  kql_expr_free(m->s.src);
  for (int k = 0; k < m->s.nkeys; k++) free(m->s.keys[k]);
  free(m->s.keys);
  free(m->s.types);
  free(m->s.cols);
  free(m->s.pair_delim);
  free(m->s.kv_delim);
  free(m->s.quotes);
  free(m->s.escapes);
  kql_regex_free(m->s.re);
  free(m->map);
  free(m->vals);
  free(m->found);
}

static const kql_op_vt kql_pkv_vt = {"parse-kv", kql_pkv_push, kql_pkv_finish, NULL, kql_pkv_destroy};

kql_op *kql_op_parse_kv_new(kql_exec *ex, const kql_parse_kv_spec *spec) {
  kql_op_pkv *m = kv_calloc(1, sizeof *m);
  m->base.vt = &kql_pkv_vt;
  m->base.ex = ex;
  m->base.ncols = spec->ncols;
  m->s = *spec;
  int n = spec->ncols ? spec->ncols : 1;
  m->map = kv_malloc(sizeof(int) * (size_t)n);
  m->vals = kv_calloc((size_t)n, sizeof(kv_value));
  for (int i = 0; i < spec->ncols; i++) m->map[i] = i < spec->in_cols ? i : -1;
  for (int k = 0; k < spec->nkeys; k++) m->map[spec->cols[k]] = -1;
  m->found = kv_calloc((size_t)(spec->nkeys ? spec->nkeys : 1), sizeof(bool));
  return &m->base;
}
