/* SPDX-License-Identifier: MIT
 * Binder for parse-kv: Expr as (Key:type, ...) [with (options)]. Options
 * (Kusto docs, parse-kv): pair_delimiter + kv_delimiter, quote (one or two
 * characters, repeatable), escape (one character, repeatable), greedy=true,
 * or regex (exactly two capture groups: key, value). Keys become columns
 * after the input's (an existing column of that name is replaced). */
#include "kql/kql_op_ext.h"

#include <stdlib.h>
#include <string.h>

/* The option's value as a string literal, or NULL after an error. */
static const char *kql_pkv_str(kql_binder *b, kql_node *v, const char *opt, size_t *len) {
  if (v->kind != KQL_N_LIT || v->lit.type != KV_STRING) {
    kql_bind_fail(b, v->pos, "parse-kv: %s needs a string literal", opt);
    return NULL;
  }
  *len = v->str_len;
  return v->str ? v->str : "";
}

static char *kql_pkv_dup(const char *s, size_t n) {
  char *d = kv_malloc(n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

static void kql_pkv_spec_free(kql_parse_kv_spec *s) {
  kql_expr_free(s->src);
  for (int k = 0; k < s->nkeys; k++) free(s->keys[k]);
  free(s->keys);
  free(s->types);
  free(s->cols);
  free(s->pair_delim);
  free(s->kv_delim);
  free(s->quotes);
  free(s->escapes);
  kql_regex_free(s->re);
}

/* Reads the with(...) options into s; returns 0 or -1. */
static int kql_pkv_options(kql_binder *b, kql_node *w, kql_parse_kv_spec *s) {
  int nopt = w ? w->nkids : 0;
  s->quotes = kv_malloc((size_t)(2 * nopt + 2));
  s->escapes = kv_malloc((size_t)(nopt + 1));
  const char *regex = NULL;
  size_t regex_len = 0;
  uint32_t regex_pos = w ? w->pos : 0;
  for (int i = 0; i < nopt; i++) {
    kql_node *a = w->kids[i];
    if (a->kind != KQL_N_ASSIGN || a->nkids != 1)
      return kql_bind_fail(b, a->pos, "parse-kv: expected name=value in with (...)");
    kql_node *v = a->kids[0];
    size_t n = 0;
    const char *t;
    if (!strcmp(a->name, "greedy")) {
      if (v->kind != KQL_N_LIT || v->lit.type != KV_BOOL)
        return kql_bind_fail(b, v->pos, "parse-kv: greedy needs true or false");
      s->greedy = v->lit.u.b;
      continue;
    }
    if (!(t = kql_pkv_str(b, v, a->name, &n))) return -1;
    if (!strcmp(a->name, "pair_delimiter") || !strcmp(a->name, "kv_delimiter")) {
      char **dst = a->name[0] == 'p' ? &s->pair_delim : &s->kv_delim;
      if (n == 0) return kql_bind_fail(b, v->pos, "parse-kv: %s must not be empty", a->name);
      free(*dst);
      *dst = kql_pkv_dup(t, n);
    } else if (!strcmp(a->name, "quote")) {
      if (n < 1 || n > 2) return kql_bind_fail(b, v->pos, "parse-kv: quote takes one or two characters");
      s->quotes[2 * s->nquotes] = t[0];
      s->quotes[2 * s->nquotes + 1] = t[n - 1];
      s->nquotes++;
    } else if (!strcmp(a->name, "escape")) {
      if (n != 1) return kql_bind_fail(b, v->pos, "parse-kv: escape takes one character");
      s->escapes[s->nescapes++] = t[0];
    } else if (!strcmp(a->name, "regex")) {
      regex = t;
      regex_len = n;
      regex_pos = v->pos;
    } else {
      return kql_bind_fail(b, a->pos, "parse-kv: unknown option '%s'", a->name);
    }
  }
  if (regex) {
    if (s->pair_delim || s->kv_delim || s->nquotes || s->nescapes || s->greedy)
      return kql_bind_fail(b, w->pos, "parse-kv: regex cannot be combined with other options");
    kql_regex_error rerr;
    if (kql_regex_compile(regex, regex_len, 0, &s->re, &rerr) != 0)
      return kql_bind_fail(b, regex_pos, "parse-kv: invalid regex: %s", rerr.message);
    if (kql_regex_group_count(s->re) != 2)
      return kql_bind_fail(b, regex_pos, "parse-kv: the regex needs exactly two capture groups (key, value)");
    s->mode = KQL_PKV_REGEX;
    return 0;
  }
  if (!s->pair_delim != !s->kv_delim)
    return kql_bind_fail(b, w->pos, "parse-kv: pair_delimiter and kv_delimiter go together");
  if (!s->pair_delim && s->greedy)
    return kql_bind_fail(b, w->pos, "parse-kv: greedy needs pair_delimiter and kv_delimiter");
  s->mode = s->pair_delim ? KQL_PKV_DELIMS : KQL_PKV_FREE;
  return 0;
}

int kql_bind_parse_kv(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  if (op->params) return kql_bind_fail(b, op->params->pos, "parse-kv takes no parameters");
  if (op->nkids < 2) return kql_bind_fail(b, op->pos, "parse-kv: missing 'as (keys)'");
  kql_node *keys = op->kids[1];
  kql_node *w = op->nkids > 2 ? op->kids[2] : NULL;
  kql_parse_kv_spec s;
  memset(&s, 0, sizeof s);
  s.nkeys = keys->nkids;
  s.keys = kv_calloc((size_t)(s.nkeys ? s.nkeys : 1), sizeof(char *));
  s.types = kv_calloc((size_t)(s.nkeys ? s.nkeys : 1), sizeof(kv_type));
  s.cols = kv_calloc((size_t)(s.nkeys ? s.nkeys : 1), sizeof(int));
  for (int k = 0; k < s.nkeys; k++) s.keys[k] = kql_pkv_dup(keys->kids[k]->name, keys->kids[k]->name_len);
  if (kql_pkv_options(b, w, &s)) {
    kql_pkv_spec_free(&s);
    return -1;
  }
  s.src = kql_bind_expr(b, op->kids[0], &p->schema, sc);
  if (!s.src) {
    kql_pkv_spec_free(&s);
    return -1;
  }
  if (s.src->type != KV_STRING && s.src->type != KV_DYNAMIC) {
    kv_type t = s.src->type;
    kql_pkv_spec_free(&s);
    return kql_bind_fail(b, op->kids[0]->pos, "parse-kv: the expression must be a string, not %s", kv_type_name(t));
  }
  kv_schema out = {0};
  for (int c = 0; c < p->schema.count; c++) kql_schema_add(b, &out, p->schema.cols[c].name, p->schema.cols[c].type);
  for (int k = 0; k < s.nkeys; k++) {
    kql_node *cd = keys->kids[k];
    if (!kql_type_from_word(cd->str, &s.types[k])) {
      kql_pkv_spec_free(&s);
      return kql_bind_fail(b, cd->pos, "unknown type '%s'", cd->str);
    }
    for (int j = 0; j < k; j++)
      if (!strcmp(s.keys[j], s.keys[k])) {
        kql_bind_fail(b, cd->pos, "parse-kv: key '%s' is listed twice", s.keys[k]);
        kql_pkv_spec_free(&s); /* after the message: it names a key the spec owns */
        return -1;
      }
    int at = kql_schema_find(&out, cd->name, cd->name_len);
    if (at < 0) {
      kql_schema_add(b, &out, cd->name, s.types[k]);
      at = out.count - 1;
    } else {
      out.cols[at].type = s.types[k];
    }
    s.cols[k] = at;
  }
  s.in_cols = p->schema.count;
  s.ncols = out.count;
  kql_pipe_append(p, kql_op_parse_kv_new(&b->q->ex, &s));
  p->schema = out;
  return 0;
}
