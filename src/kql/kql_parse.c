/* SPDX-License-Identifier: MIT
 * KQL recursive-descent parser: statements (let, set, declare, query),
 * pipelines of tabular operators, scalar expressions with Kusto's operator
 * precedence, and a syntax-only acceptance of management commands. Every
 * node carries byte positions; errors name the offending position. Operators
 * we do not execute (make-series, scan, ...) are parsed generically so the
 * binder can reject them with "not supported yet". */
#include "kql/kql_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kql/kql_lex.h"

typedef struct kql_parser {
  const char *src;
  size_t len;
  kql_arena *a;
  kql_token *toks;
  int ntoks;
  int i; /* current token index */
  int depth;
  int failed;
  int in_source;
  kql_error *err;
} kql_parser;

kql_node *kql_node_new(kql_arena *a, kql_nkind kind, uint32_t pos) {
  kql_node *n = kql_arena_alloc(a, sizeof *n);
  n->kind = kind;
  n->pos = pos;
  n->end = pos;
  n->name = "";
  n->str = "";
  n->lit = kv_null(KV_DYNAMIC);
  return n;
}

void kql_node_add(kql_arena *a, kql_node *n, kql_node *kid) {
  if (n->nkids == n->cap) {
    int nc = n->cap ? n->cap * 2 : 4;
    kql_node **k = kql_arena_alloc(a, sizeof(kql_node *) * (size_t)nc);
    if (n->nkids) memcpy(k, n->kids, sizeof(kql_node *) * (size_t)n->nkids);
    n->kids = k;
    n->cap = nc;
  }
  n->kids[n->nkids++] = kid;
  if (kid && kid->end > n->end) n->end = kid->end;
}

int kql_node_is(const kql_node *n, const char *name) { return n && strcmp(n->name, name) == 0; }

/* ---- token access ---- */
static kql_token *kql_p_tok(kql_parser *p, int ahead) {
  int k = p->i + ahead;
  if (k >= p->ntoks) k = p->ntoks - 1;
  return &p->toks[k];
}
#define TOK(p) kql_p_tok(p, 0)

static int kql_p_tok_is(const kql_token *t, kql_tk kind, const char *text) {
  if (t->kind != kind) return 0;
  size_t n = strlen(text);
  return t->text_len == n && memcmp(t->text, text, n) == 0 && !t->bracketed;
}
static int kql_p_punct(kql_parser *p, int ahead, const char *s) {
  return kql_p_tok_is(kql_p_tok(p, ahead), KQL_TK_PUNCT, s);
}
static int kql_p_word(kql_parser *p, int ahead, const char *s) {
  return kql_p_tok_is(kql_p_tok(p, ahead), KQL_TK_IDENT, s);
}
static uint32_t kql_p_prev_end(kql_parser *p) {
  if (p->i == 0) return 0;
  kql_token *t = &p->toks[p->i - 1];
  return t->pos + t->len;
}
static void kql_p_advance(kql_parser *p) {
  if (p->i < p->ntoks - 1) p->i++;
}

static void kql_p_fail(kql_parser *p, uint32_t pos, const char *fmt, ...) {
  if (p->failed) return;
  p->failed = 1;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  kql_error_at(p->err, p->src, p->len, pos, "%s", msg);
}

static void kql_p_fail_tok(kql_parser *p, const char *what) {
  kql_token *t = TOK(p);
  if (t->kind == KQL_TK_ERROR) {
    kql_p_fail(p, t->pos, "%.*s", (int)t->str_len, t->str);
  } else if (t->kind == KQL_TK_EOF) {
    kql_p_fail(p, kql_p_prev_end(p), "%s", what); /* just after the last token */
  } else {
    kql_p_fail(p, t->pos, "%s (found '%.*s')", what, (int)(t->len > 40 ? 40 : t->len),
               p->src + t->pos);
  }
}

static int kql_p_expect_punct(kql_parser *p, const char *s) {
  if (p->failed) return -1;
  if (!kql_p_punct(p, 0, s)) {
    char m[64];
    snprintf(m, sizeof m, "Expected: %s", s);
    kql_p_fail_tok(p, m);
    return -1;
  }
  kql_p_advance(p);
  return 0;
}

static kql_node *kql_p_node(kql_parser *p, kql_nkind kind) {
  kql_node *n = kql_node_new(p->a, kind, TOK(p)->pos);
  return n;
}
static void kql_p_finish(kql_parser *p, kql_node *n) {
  uint32_t e = kql_p_prev_end(p);
  if (e > n->end) n->end = e;
}
static void kql_p_set_name(kql_parser *p, kql_node *n, const kql_token *t) {
  n->name = kql_arena_strdup(p->a, t->text, t->text_len);
  n->name_len = t->text_len;
}

static int kql_p_enter(kql_parser *p) {
  if (++p->depth > KQL_PARSE_MAX_DEPTH) {
    kql_p_fail(p, TOK(p)->pos, "query is nested too deeply (limit %d)", KQL_PARSE_MAX_DEPTH);
    return -1;
  }
  return 0;
}

/* ---- forward declarations ---- */
static kql_node *kql_p_expr(kql_parser *p);
static kql_node *kql_p_pipe(kql_parser *p);
static kql_node *kql_p_query_body(kql_parser *p, int in_braces);
static kql_node *kql_p_name_pattern(kql_parser *p);
static kql_node *kql_p_table_ref(kql_parser *p);
static kql_node *kql_p_operator(kql_parser *p);
static kql_node *kql_p_clause(kql_parser *p, const char *name);
static int kql_p_assign_list(kql_parser *p, kql_node *into, int allow_empty);
static int kql_p_params(kql_parser *p, kql_node *op);
static int kql_p_expect_word(kql_parser *p, const char *w);
static int kql_p_skip_generic(kql_parser *p, kql_node *op);
static int kql_p_union_legs(kql_parser *p, kql_node *u);

static int kql_p_is_ident(kql_parser *p, int ahead) { return kql_p_tok(p, ahead)->kind == KQL_TK_IDENT; }

static int kql_p_reserved(const kql_token *t) {
  static const char *const r[] = {"and", "or", "by", "on", "with", "to", "from", "asc",
                                  "desc", "in", "in~", "between", "of", "typeof", "datetime",
                                  "dynamic", "timespan", "guid", "let", "hint", NULL};
  if (t->kind != KQL_TK_IDENT || t->bracketed) return 0;
  for (int k = 0; r[k]; k++)
    if (kql_p_tok_is(t, KQL_TK_IDENT, r[k])) return 1;
  return 0;
}

/* A name: identifier or bracketed identifier. */
static kql_node *kql_p_name(kql_parser *p) {
  if (p->failed) return NULL;
  if (!kql_p_is_ident(p, 0) || TOK(p)->text[0] == '!') {
    kql_p_fail_tok(p, "Expected: name");
    return NULL;
  }
  kql_node *n = kql_p_node(p, KQL_N_NAME);
  kql_p_set_name(p, n, TOK(p));
  n->flags = TOK(p)->bracketed;
  kql_p_advance(p);
  kql_p_finish(p, n);
  return n;
}

/* ---- scalar expressions ---- */

static const char *const kql_p_cmp_ops[] = {
    "==", "!=", "<>", "<", "<=", ">", ">=", "=~", "!~", NULL};
static const char *const kql_p_word_ops[] = {
    "contains", "!contains", "contains_cs", "!contains_cs", "has", "!has", "has_cs", "!has_cs",
    "hasprefix", "!hasprefix", "hasprefix_cs", "!hasprefix_cs", "hassuffix", "!hassuffix",
    "hassuffix_cs", "!hassuffix_cs", "startswith", "!startswith", "startswith_cs",
    "!startswith_cs", "endswith", "!endswith", "endswith_cs", "!endswith_cs", "like", "!like",
    "like_cs", "!like_cs", "has_any", "has_all", "has_any_cs", "has_all_cs", NULL};

static int kql_p_in_list(const char *const *list, const kql_token *t, kql_tk kind) {
  for (int k = 0; list[k]; k++)
    if (kql_p_tok_is(t, kind, list[k])) return 1;
  return 0;
}

/* Argument list after '(' ... ')': expressions, name=expr, '*', tabular. */
static int kql_p_args(kql_parser *p, kql_node *call) {
  if (kql_p_expect_punct(p, "(")) return -1;
  if (kql_p_punct(p, 0, ")")) {
    kql_p_advance(p);
    kql_p_finish(p, call);
    return 0;
  }
  for (;;) {
    kql_node *arg;
    if (kql_p_punct(p, 0, "*") && (kql_p_punct(p, 1, ",") || kql_p_punct(p, 1, ")"))) {
      arg = kql_p_node(p, KQL_N_STAR);
      kql_p_advance(p);
      kql_p_finish(p, arg);
    } else if (kql_p_is_ident(p, 0) && kql_p_punct(p, 1, "=")) {
      arg = kql_p_node(p, KQL_N_ASSIGN);
      kql_p_set_name(p, arg, TOK(p));
      kql_p_advance(p);
      kql_p_advance(p);
      kql_node *v = kql_p_pipe(p);
      if (!v) return -1;
      kql_node_add(p->a, arg, v);
    } else {
      arg = kql_p_pipe(p);
    }
    if (!arg) return -1;
    kql_node_add(p->a, call, arg);
    if (kql_p_punct(p, 0, ",")) {
      kql_p_advance(p);
      continue;
    }
    break;
  }
  if (kql_p_expect_punct(p, ")")) return -1;
  kql_p_finish(p, call);
  return 0;
}

/* Validates the body of a dynamic(...) literal: JSON-like values where
 * scalars may also be KQL literals (datetime(...), 1d, 'x'). */
static int kql_p_dyn_value(kql_parser *p, size_t *pos, size_t end, int depth) {
  kql_token t;
  kql_lex_next(p->src, end, *pos, p->a, &t);
  if (depth > 64) return -1;
  if (t.kind == KQL_TK_ERROR || t.kind == KQL_TK_EOF) return -1;
  *pos = t.pos + t.len;
  if (t.kind == KQL_TK_LONG && t.bracketed == 2) return -1; /* out of range without a minus */
  if (t.kind == KQL_TK_STRING) {
    for (;;) { /* "a" "b" concatenates */
      kql_token n2;
      kql_lex_next(p->src, end, *pos, p->a, &n2);
      if (n2.kind != KQL_TK_STRING) break;
      *pos = n2.pos + n2.len;
    }
    return 0;
  }
  if (t.kind == KQL_TK_STRING || t.kind == KQL_TK_LONG || t.kind == KQL_TK_REAL ||
      t.kind == KQL_TK_TIMESPAN || t.kind == KQL_TK_TYPED)
    return 0;
  if (t.kind == KQL_TK_IDENT && t.bracketed) return 0; /* ["x"] lexes as a bracketed name */
  if (t.kind == KQL_TK_IDENT)
    return (kql_p_tok_is(&t, KQL_TK_IDENT, "true") || kql_p_tok_is(&t, KQL_TK_IDENT, "false") ||
            kql_p_tok_is(&t, KQL_TK_IDENT, "null")) ? 0 : -1;
  if (kql_p_tok_is(&t, KQL_TK_PUNCT, "-") || kql_p_tok_is(&t, KQL_TK_PUNCT, "+")) {
    kql_lex_next(p->src, end, *pos, p->a, &t);
    if (t.kind != KQL_TK_LONG && t.kind != KQL_TK_REAL && t.kind != KQL_TK_TIMESPAN) return -1;
    *pos = t.pos + t.len;
    return 0;
  }
  int is_bag = kql_p_tok_is(&t, KQL_TK_PUNCT, "{");
  if (!is_bag && !kql_p_tok_is(&t, KQL_TK_PUNCT, "[")) return -1;
  const char *close = is_bag ? "}" : "]";
  kql_lex_next(p->src, end, *pos, p->a, &t);
  if (kql_p_tok_is(&t, KQL_TK_PUNCT, close)) {
    *pos = t.pos + t.len;
    return 0;
  }
  for (;;) {
    if (is_bag) {
      kql_lex_next(p->src, end, *pos, p->a, &t);
      if (t.kind != KQL_TK_STRING) return -1;
      *pos = t.pos + t.len;
      kql_lex_next(p->src, end, *pos, p->a, &t);
      if (!kql_p_tok_is(&t, KQL_TK_PUNCT, ":")) return -1;
      *pos = t.pos + t.len;
    }
    if (kql_p_dyn_value(p, pos, end, depth + 1)) return -1;
    kql_lex_next(p->src, end, *pos, p->a, &t);
    *pos = t.pos + t.len;
    if (kql_p_tok_is(&t, KQL_TK_PUNCT, ",")) continue;
    if (kql_p_tok_is(&t, KQL_TK_PUNCT, close)) return 0;
    return -1;
  }
}

static int kql_p_check_dynamic(kql_parser *p, const kql_token *t) {
  size_t st = t->pos;
  while (st < t->pos + t->len && p->src[st] != '(') st++;
  size_t end = t->pos + t->len - 1; /* the closing ')' */
  size_t pos = st + 1;
  if (kql_p_dyn_value(p, &pos, end, 0)) return -1;
  kql_token e;
  kql_lex_next(p->src, end, pos, p->a, &e);
  return e.kind == KQL_TK_EOF ? 0 : -1;
}

static kql_node *kql_p_primary(kql_parser *p) {
  if (p->failed) return NULL;
  kql_token *t = TOK(p);
  kql_node *n;
  switch (t->kind) {
    case KQL_TK_LONG:
      if (t->bracketed == 2 && !(p->i > 0 && kql_p_tok_is(&p->toks[p->i - 1], KQL_TK_PUNCT, "-"))) {
        kql_p_fail(p, t->pos, "integer literal out of range for long");
        return NULL;
      }
      n = kql_p_node(p, KQL_N_LIT);
      n->lit = kv_long(t->i);
      n->flags = t->bracketed == 2; /* -9223372036854775808 */
      kql_p_advance(p);
      kql_p_finish(p, n);
      return n;
    case KQL_TK_REAL:
      n = kql_p_node(p, KQL_N_LIT);
      n->lit = kv_real(t->r);
      kql_p_advance(p);
      kql_p_finish(p, n);
      return n;
    case KQL_TK_TIMESPAN:
      n = kql_p_node(p, KQL_N_LIT);
      n->lit = kv_timespan(t->i);
      kql_p_advance(p);
      kql_p_finish(p, n);
      return n;
    case KQL_TK_STRING: {
      n = kql_p_node(p, KQL_N_LIT);
      /* adjacent string literals concatenate */
      kv_buf b;
      kv_buf_init(&b);
      while (TOK(p)->kind == KQL_TK_STRING) {
        kv_buf_append(&b, TOK(p)->str, TOK(p)->str_len);
        kql_p_advance(p);
      }
      char *s = kql_arena_strdup(p->a, b.data ? b.data : "", b.len);
      n->lit = kv_string_borrowed(s, b.len);
      n->str = s;
      n->str_len = (uint32_t)b.len;
      kv_buf_free(&b);
      kql_p_finish(p, n);
      return n;
    }
    case KQL_TK_TYPED:
      if (kql_p_tok_is(t, KQL_TK_TYPED, "dynamic") && kql_p_check_dynamic(p, t)) {
        kql_p_fail(p, t->pos, "invalid dynamic literal");
        return NULL;
      }
      n = kql_p_node(p, KQL_N_TYPEDLIT);
      kql_p_set_name(p, n, t);
      n->str = t->str;
      n->str_len = t->str_len;
      kql_p_advance(p);
      kql_p_finish(p, n);
      return n;
    case KQL_TK_IDENT: {
      if (t->text[0] == '!') break;
      if (!t->bracketed && (kql_p_tok_is(t, KQL_TK_IDENT, "true") || kql_p_tok_is(t, KQL_TK_IDENT, "false"))) {
        n = kql_p_node(p, KQL_N_LIT);
        n->lit = kv_bool(t->text[0] == 't');
        kql_p_advance(p);
        kql_p_finish(p, n);
        return n;
      }
      if (!t->bracketed && kql_p_tok_is(t, KQL_TK_IDENT, "typeof") && kql_p_punct(p, 1, "(")) {
        n = kql_p_node(p, KQL_N_TYPEOF);
        kql_p_advance(p);
        kql_p_advance(p);
        int nitems = 0;
        for (;;) {
          if (kql_p_punct(p, 0, "*")) {
            if (!nitems) n->name = "*";
            kql_p_advance(p);
          } else if (kql_p_is_ident(p, 0) && kql_p_punct(p, 1, ":") && kql_p_is_ident(p, 2)) {
            n->name = "*";
            kql_p_advance(p);
            kql_p_advance(p);
            kql_p_advance(p);
          } else if (kql_p_is_ident(p, 0)) {
            if (!nitems) kql_p_set_name(p, n, TOK(p));
            kql_p_advance(p);
          } else {
            kql_p_fail_tok(p, "Expected: type");
            return NULL;
          }
          nitems++;
          if (kql_p_punct(p, 0, ",")) {
            kql_p_advance(p);
            continue;
          }
          break;
        }
        n->flags = nitems;
        if (kql_p_expect_punct(p, ")")) return NULL;
        kql_p_finish(p, n);
        return n;
      }
      /* token text is not NUL-terminated: reserved words compare by kind and length */
      if (kql_p_reserved(t) && !kql_p_tok_is(t, KQL_TK_IDENT, "typeof") && t->text[0] != 'd' &&
          !kql_p_tok_is(t, KQL_TK_IDENT, "timespan") && !kql_p_tok_is(t, KQL_TK_IDENT, "guid"))
        break;
      if (!t->bracketed && kql_p_punct(p, 1, "(")) {
        n = kql_p_node(p, KQL_N_CALL);
        kql_p_set_name(p, n, t);
        kql_p_advance(p);
        if (kql_p_args(p, n)) return NULL;
        return n;
      }
      if (kql_p_reserved(t)) break;
      return kql_p_name(p);
    }
    case KQL_TK_PUNCT:
      if (kql_p_punct(p, 0, "(")) {
        n = kql_p_node(p, KQL_N_PAREN);
        kql_p_advance(p);
        kql_node *e = kql_p_pipe(p);
        if (!e) return NULL;
        kql_node_add(p->a, n, e);
        if (kql_p_expect_punct(p, ")")) return NULL;
        kql_p_finish(p, n);
        return n;
      }
      if (kql_p_punct(p, 0, "*") && kql_p_tok(p, 1)->kind == KQL_TK_IDENT) { /* where * has "x" */
        n = kql_p_node(p, KQL_N_STAR);
        kql_p_advance(p);
        kql_p_finish(p, n);
        return n;
      }
      break;
    default:
      break;
  }
  kql_p_fail_tok(p, "Missing expression");
  return NULL;
}

static kql_node *kql_p_postfix(kql_parser *p) {
  kql_node *n = kql_p_primary(p);
  while (n && !p->failed) {
    if (kql_p_punct(p, 0, ".") && kql_p_punct(p, 1, "[")) { /* d.[expr] */
      kql_p_advance(p);
      continue;
    }
    if (kql_p_punct(p, 0, ".")) {
      kql_p_advance(p);
      kql_node *m = kql_node_new(p->a, KQL_N_MEMBER, n->pos);
      kql_node_add(p->a, m, n);
      if (kql_p_punct(p, 0, "*") || (kql_p_is_ident(p, 0) && kql_p_punct(p, 1, "*") &&
                                      kql_p_tok(p, 1)->pos == TOK(p)->pos + TOK(p)->len)) {
        kql_node *pat = kql_p_name_pattern(p); /* database("x").T* in union legs */
        if (!pat) return NULL;
        m->name = pat->name;
        m->name_len = pat->name_len;
        m->flags = 2;
        kql_p_finish(p, m);
        n = m;
        continue;
      }
      if (!kql_p_is_ident(p, 0) || TOK(p)->text[0] == '!') {
        kql_p_fail_tok(p, "Expected: name");
        return NULL;
      }
      kql_p_set_name(p, m, TOK(p));
      kql_p_advance(p);
      if (kql_p_punct(p, 0, "(")) { /* cluster('x').database('y') style */
        kql_node *c = kql_node_new(p->a, KQL_N_CALL, m->pos);
        c->name = m->name;
        c->name_len = m->name_len;
        c->flags = 2; /* method call: kids[0] is the receiver */
        kql_node_add(p->a, c, n);
        if (kql_p_args(p, c)) return NULL;
        n = c;
        continue;
      }
      kql_p_finish(p, m);
      n = m;
    } else if (kql_p_punct(p, 0, "[")) {
      kql_p_advance(p);
      kql_node *m = kql_node_new(p->a, KQL_N_INDEX, n->pos);
      kql_node_add(p->a, m, n);
      kql_node *e = kql_p_expr(p);
      if (!e) return NULL;
      kql_node_add(p->a, m, e);
      if (kql_p_expect_punct(p, "]")) return NULL;
      kql_p_finish(p, m);
      n = m;
    } else {
      break;
    }
  }
  return p->failed ? NULL : n;
}

static kql_node *kql_p_unary(kql_parser *p) {
  if (kql_p_enter(p)) return NULL;
  kql_node *r;
  if (kql_p_punct(p, 0, "-") || kql_p_punct(p, 0, "+")) {
    kql_node *n = kql_p_node(p, KQL_N_UNARY);
    n->name = kql_p_punct(p, 0, "-") ? "-" : "+";
    n->name_len = 1;
    kql_p_advance(p);
    kql_node *e = (kql_p_punct(p, 0, "-") || kql_p_punct(p, 0, "+")) ? NULL : kql_p_postfix(p);
    if (!e) {
      kql_p_fail_tok(p, "Missing expression");
      p->depth--;
      return NULL;
    }
    kql_node_add(p->a, n, e);
    r = n;
  } else {
    r = kql_p_postfix(p);
  }
  p->depth--;
  return r;
}

static kql_node *kql_p_binary_node(kql_parser *p, kql_node *l, const char *op, size_t oplen) {
  kql_node *n = kql_node_new(p->a, KQL_N_BINARY, l->pos);
  n->name = kql_arena_strdup(p->a, op, oplen);
  n->name_len = (uint32_t)oplen;
  kql_node_add(p->a, n, l);
  return n;
}

static kql_node *kql_p_mul(kql_parser *p) {
  kql_node *l = kql_p_unary(p);
  while (l && (kql_p_punct(p, 0, "*") || kql_p_punct(p, 0, "/") || kql_p_punct(p, 0, "%"))) {
    kql_node *n = kql_p_binary_node(p, l, TOK(p)->text, 1);
    kql_p_advance(p);
    kql_node *r = kql_p_unary(p);
    if (!r) return NULL;
    kql_node_add(p->a, n, r);
    l = n;
  }
  return l;
}

static kql_node *kql_p_add(kql_parser *p) {
  kql_node *l = kql_p_mul(p);
  while (l && (kql_p_punct(p, 0, "+") || kql_p_punct(p, 0, "-"))) {
    kql_node *n = kql_p_binary_node(p, l, TOK(p)->text, 1);
    kql_p_advance(p);
    kql_node *r = kql_p_mul(p);
    if (!r) return NULL;
    kql_node_add(p->a, n, r);
    l = n;
  }
  return l;
}

/* ( expr, expr, ... ) list for in / has_any; a single tabular expression is allowed. */
static int kql_p_paren_list(kql_parser *p, kql_node *n) {
  if (kql_p_expect_punct(p, "(")) return -1;
  if (kql_p_punct(p, 0, ")")) {
    kql_p_advance(p);
    kql_p_finish(p, n);
    return 0;
  }
  for (;;) {
    kql_node *e = kql_p_pipe(p);
    if (!e) return -1;
    kql_node_add(p->a, n, e);
    if (kql_p_punct(p, 0, ",")) {
      kql_p_advance(p);
      continue;
    }
    break;
  }
  if (kql_p_expect_punct(p, ")")) return -1;
  kql_p_finish(p, n);
  return 0;
}

static kql_node *kql_p_cmp(kql_parser *p) {
  kql_node *l = kql_p_add(p);
  while (l && !p->failed) {
    kql_token *t = TOK(p);
    if (kql_p_in_list(kql_p_cmp_ops, t, KQL_TK_PUNCT)) {
      kql_node *n = kql_p_binary_node(p, l, t->text, t->text_len);
      kql_p_advance(p);
      kql_node *r = kql_p_add(p);
      if (!r) return NULL;
      kql_node_add(p->a, n, r);
      l = n;
      continue;
    }
    if (t->kind != KQL_TK_IDENT || t->bracketed) break;
    if (kql_p_tok_is(t, KQL_TK_IDENT, "in") || kql_p_tok_is(t, KQL_TK_IDENT, "!in") ||
        kql_p_tok_is(t, KQL_TK_IDENT, "in~") || kql_p_tok_is(t, KQL_TK_IDENT, "!in~")) {
      kql_node *n = kql_node_new(p->a, KQL_N_IN, l->pos);
      kql_p_set_name(p, n, t);
      kql_node_add(p->a, n, l);
      kql_p_advance(p);
      if (kql_p_paren_list(p, n)) return NULL;
      l = n;
      continue;
    }
    if (kql_p_tok_is(t, KQL_TK_IDENT, "between") || kql_p_tok_is(t, KQL_TK_IDENT, "!between")) {
      kql_node *n = kql_node_new(p->a, KQL_N_BETWEEN, l->pos);
      kql_p_set_name(p, n, t);
      kql_node_add(p->a, n, l);
      kql_p_advance(p);
      if (kql_p_expect_punct(p, "(")) return NULL;
      kql_node *lo = kql_p_add(p);
      if (!lo) return NULL;
      if (kql_p_expect_punct(p, "..")) return NULL;
      kql_node *hi = kql_p_add(p);
      if (!hi) return NULL;
      if (kql_p_expect_punct(p, ")")) return NULL;
      kql_node_add(p->a, n, lo);
      kql_node_add(p->a, n, hi);
      kql_p_finish(p, n);
      l = n;
      continue;
    }
    if (kql_p_tok_is(t, KQL_TK_IDENT, "matches") && kql_p_word(p, 1, "regex")) {
      kql_node *n = kql_p_binary_node(p, l, "matches regex", 13);
      kql_p_advance(p);
      kql_p_advance(p);
      kql_node *r = kql_p_add(p);
      if (!r) return NULL;
      kql_node_add(p->a, n, r);
      l = n;
      continue;
    }
    if (kql_p_in_list(kql_p_word_ops, t, KQL_TK_IDENT)) {
      kql_node *n = kql_p_binary_node(p, l, t->text, t->text_len);
      kql_p_advance(p);
      if (strncmp(n->name, "has_a", 5) == 0) { /* has_any (list) */
        n->kind = KQL_N_IN;
        if (kql_p_paren_list(p, n)) return NULL;
      } else {
        kql_node *r = kql_p_add(p);
        if (!r) return NULL;
        kql_node_add(p->a, n, r);
      }
      l = n;
      continue;
    }
    break;
  }
  return p->failed ? NULL : l;
}

static kql_node *kql_p_and(kql_parser *p) {
  kql_node *l = kql_p_cmp(p);
  while (l && kql_p_word(p, 0, "and")) {
    kql_node *n = kql_p_binary_node(p, l, "and", 3);
    kql_p_advance(p);
    kql_node *r = kql_p_cmp(p);
    if (!r) return NULL;
    kql_node_add(p->a, n, r);
    l = n;
  }
  return l;
}

static kql_node *kql_p_expr(kql_parser *p) {
  if (p->failed) return NULL;
  if (kql_p_enter(p)) return NULL;
  kql_node *l = kql_p_and(p);
  while (l && kql_p_word(p, 0, "or")) {
    kql_node *n = kql_p_binary_node(p, l, "or", 2);
    kql_p_advance(p);
    kql_node *r = kql_p_and(p);
    if (!r) {
      l = NULL;
      break;
    }
    kql_node_add(p->a, n, r);
    l = n;
  }
  p->depth--;
  return p->failed ? NULL : l;
}

/* ---- tabular operators ---- */

static int kql_p_at_op_end(kql_parser *p) {
  kql_token *t = TOK(p);
  return t->kind == KQL_TK_EOF || kql_p_punct(p, 0, "|") || kql_p_punct(p, 0, ";") ||
         kql_p_punct(p, 0, ")") || kql_p_punct(p, 0, "}");
}

/* Keywords Kusto accepts as a column name only when bracketed (['first']):
 * the official parser reports KS228 for `print first=1`, the engine refuses
 * the query (fuzz: dynamic-json-0039, string-ops-0025.3). Bare references
 * such as `by`, `of`, `to`, `bool` or `guid` stay allowed. */
static int kql_p_needs_brackets(const kql_token *t) {
  static const char *const r[] = {
      "first", "last", "asc", "desc", "missing", "kind", "and", "or", "between", "project",
      "dynamic", "int", "long", "real", "string", "datetime", "timespan", "decimal", "like",
      "with_source", "withsource", "isfuzzy", "flags", "union", "bagexpansion", "simple",
      "relaxed", "time", NULL};
  if (t->kind != KQL_TK_IDENT || t->bracketed) return 0;
  for (int k = 0; r[k]; k++)
    if (kql_p_tok_is(t, KQL_TK_IDENT, r[k])) return 1;
  return 0;
}

/* name = expr | (a, b) = expr | expr */
static kql_node *kql_p_assign_or_expr(kql_parser *p) {
  if (kql_p_is_ident(p, 0) && TOK(p)->text[0] != '!' && kql_p_punct(p, 1, "=")) {
    kql_node *n = kql_p_node(p, KQL_N_ASSIGN);
    kql_p_set_name(p, n, TOK(p));
    kql_p_advance(p);
    kql_p_advance(p);
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, n, e);
    return n;
  }
  if (kql_p_punct(p, 0, "(")) { /* (a, b) = expr */
    int k = 1;
    int ok = 1;
    for (;; k += 2) {
      if (kql_p_tok(p, k)->kind != KQL_TK_IDENT) {
        ok = 0;
        break;
      }
      if (kql_p_punct(p, k + 1, ",")) continue;
      if (kql_p_punct(p, k + 1, ")")) break;
      ok = 0;
      break;
    }
    if (ok && kql_p_punct(p, k + 2, "=")) {
      kql_node *n = kql_p_node(p, KQL_N_ASSIGN);
      kql_p_advance(p);
      kql_node *names = kql_p_node(p, KQL_N_PARAMS);
      for (;;) {
        kql_node *nm = kql_p_name(p);
        if (!nm) return NULL;
        kql_node_add(p->a, names, nm);
        if (kql_p_punct(p, 0, ",")) {
          kql_p_advance(p);
          continue;
        }
        break;
      }
      kql_p_advance(p); /* ) */
      kql_p_advance(p); /* = */
      n->name = names->kids[0]->name;
      n->name_len = names->kids[0]->name_len;
      kql_node *e = kql_p_expr(p);
      if (!e) return NULL;
      kql_node_add(p->a, n, e);
      for (int j = 1; j < names->nkids; j++) kql_node_add(p->a, n, names->kids[j]);
      n->flags = 1; /* tuple */
      return n;
    }
  }
  return kql_p_expr(p);
}

static int kql_p_assign_list(kql_parser *p, kql_node *into, int allow_empty) {
  if (kql_p_at_op_end(p) || (allow_empty && kql_p_word(p, 0, "by"))) {
    if (allow_empty) return 0;
    kql_p_fail_tok(p, "Missing expression");
    return -1;
  }
  /* `with (kind=...)` option lists take keywords as names */
  int opts = into->kind == KQL_N_CLAUSE && !strcmp(into->name, "with");
  for (;;) {
    if (!opts && kql_p_needs_brackets(TOK(p)) && kql_p_punct(p, 1, "=")) {
      kql_p_fail(p, TOK(p)->pos, "The name '%.*s' needs to be bracketed as ['%.*s'] to be used in this context",
                 (int)TOK(p)->text_len, TOK(p)->text, (int)TOK(p)->text_len, TOK(p)->text);
      return -1;
    }
    kql_node *e = kql_p_assign_or_expr(p);
    if (!e) return -1;
    kql_node_add(p->a, into, e);
    if (kql_p_punct(p, 0, ",")) {
      kql_p_advance(p);
      continue;
    }
    return 0;
  }
}

static const char *const kql_p_param_names[] = {
    "kind", "hint", "withsource", "with_node_id", "with_source_id", "with_target_id", "cycles",
    "output", "with_component_id", "isfuzzy", "bagexpansion", "with_itemindex", "flags",
    "decodeblocks", "with_source", "bin_legacy", "materialized", "shufflekey", "strategy",
    "bagexpansion", NULL};

/* Operator parameters: kind=inner hint.strategy=shuffle withsource=T ... */
static int kql_p_params(kql_parser *p, kql_node *op) {
  while (kql_p_is_ident(p, 0) && !p->failed) {
    kql_token *t = TOK(p);
    int known = 0;
    for (int k = 0; kql_p_param_names[k]; k++)
      if (kql_p_tok_is(t, KQL_TK_IDENT, kql_p_param_names[k])) known = 1;
    if (!known) break;
    int k = 1;
    while (kql_p_punct(p, k, ".") && kql_p_tok(p, k + 1)->kind == KQL_TK_IDENT) k += 2;
    if (!kql_p_punct(p, k, "=")) break;
    kql_node *pa = kql_p_node(p, KQL_N_OPARG);
    uint32_t st = t->pos;
    uint32_t en = kql_p_tok(p, k - 1)->pos + kql_p_tok(p, k - 1)->len;
    pa->name = kql_arena_strdup(p->a, p->src + st, en - st);
    pa->name_len = en - st;
    for (int j = 0; j <= k; j++) kql_p_advance(p);
    kql_node *v;
    kql_token *vt = TOK(p);
    if (vt->kind == KQL_TK_IDENT) {
      v = kql_p_name(p);
    } else {
      v = kql_p_unary(p);
    }
    if (!v) return -1;
    kql_node_add(p->a, pa, v);
    if (!op->params) op->params = kql_node_new(p->a, KQL_N_CLAUSE, pa->pos);
    kql_node_add(p->a, op->params, pa);
  }
  return p->failed ? -1 : 0;
}

static kql_node *kql_p_sortkey(kql_parser *p) {
  kql_node *k = kql_p_node(p, KQL_N_SORTKEY);
  kql_node *e = kql_p_expr(p);
  if (!e) return NULL;
  kql_node_add(p->a, k, e);
  if (kql_p_word(p, 0, "asc")) {
    k->flags |= KQL_SK_ASC;
    kql_p_advance(p);
  } else if (kql_p_word(p, 0, "desc")) {
    k->flags |= KQL_SK_DESC;
    kql_p_advance(p);
  }
  if (kql_p_word(p, 0, "nulls")) {
    kql_p_advance(p);
    if (kql_p_word(p, 0, "first")) k->flags |= KQL_SK_NULLS_FIRST;
    else if (kql_p_word(p, 0, "last")) k->flags |= KQL_SK_NULLS_LAST;
    else {
      kql_p_fail_tok(p, "Expected: first or last");
      return NULL;
    }
    kql_p_advance(p);
  }
  kql_p_finish(p, k);
  return k;
}

static int kql_p_sort_list(kql_parser *p, kql_node *into) {
  for (;;) {
    kql_node *k = kql_p_sortkey(p);
    if (!k) return -1;
    kql_node_add(p->a, into, k);
    if (kql_p_punct(p, 0, ",")) {
      kql_p_advance(p);
      continue;
    }
    return 0;
  }
}

static int kql_p_expect_word(kql_parser *p, const char *w) {
  if (p->failed) return -1;
  if (!kql_p_word(p, 0, w)) {
    char m[64];
    snprintf(m, sizeof m, "Expected: %s", w);
    kql_p_fail_tok(p, m);
    return -1;
  }
  kql_p_advance(p);
  return 0;
}

/* Column name, optionally with a trailing wildcard ('Col*', '*'). */
static kql_node *kql_p_name_pattern(kql_parser *p) {
  kql_node *n;
  if (kql_p_punct(p, 0, "*")) {
    n = kql_p_node(p, KQL_N_NAME);
    n->name = "*";
    n->name_len = 1;
    n->flags = 2;
    kql_p_advance(p);
    /* '*suffix' */
    if (kql_p_is_ident(p, 0) && TOK(p)->pos == kql_p_prev_end(p)) {
      kv_buf b;
      kv_buf_init(&b);
      kv_buf_putc(&b, '*');
      kv_buf_append(&b, TOK(p)->text, TOK(p)->text_len);
      n->name = kql_arena_strdup(p->a, b.data, b.len);
      n->name_len = (uint32_t)b.len;
      kv_buf_free(&b);
      kql_p_advance(p);
    }
    kql_p_finish(p, n);
    return n;
  }
  n = kql_p_name(p);
  if (!n) return NULL;
  while (kql_p_punct(p, 0, "*") && TOK(p)->pos == kql_p_prev_end(p)) {
    kv_buf b;
    kv_buf_init(&b);
    kv_buf_append(&b, n->name, n->name_len);
    kv_buf_putc(&b, '*');
    kql_p_advance(p);
    if (kql_p_is_ident(p, 0) && TOK(p)->pos == kql_p_prev_end(p)) {
      kv_buf_append(&b, TOK(p)->text, TOK(p)->text_len);
      kql_p_advance(p);
    }
    n->name = kql_arena_strdup(p->a, b.data, b.len);
    n->name_len = (uint32_t)b.len;
    n->flags = 2;
    kv_buf_free(&b);
    kql_p_finish(p, n);
  }
  return n;
}

/* Skips an operator's tokens (balanced) up to the next top-level | ; ) } or end. */
static int kql_p_skip_generic(kql_parser *p, kql_node *op) {
  int depth = 0;
  for (;;) {
    kql_token *t = TOK(p);
    if (t->kind == KQL_TK_ERROR) {
      kql_p_fail_tok(p, "");
      return -1;
    }
    if (t->kind == KQL_TK_EOF) break;
    if (depth == 0 && (kql_p_punct(p, 0, "|") || kql_p_punct(p, 0, ";") ||
                       kql_p_punct(p, 0, ")") || kql_p_punct(p, 0, "}") || kql_p_punct(p, 0, "]")))
      break;
    if (kql_p_punct(p, 0, "(") || kql_p_punct(p, 0, "[") || kql_p_punct(p, 0, "{")) depth++;
    if (kql_p_punct(p, 0, ")") || kql_p_punct(p, 0, "]") || kql_p_punct(p, 0, "}")) depth--;
    kql_p_advance(p);
  }
  if (depth != 0) {
    kql_p_fail_tok(p, "Expected: )");
    return -1;
  }
  kql_p_finish(p, op);
  return 0;
}

/* A clause node (by/on/...) holding an expression list. */
static kql_node *kql_p_clause(kql_parser *p, const char *name) {
  kql_node *c = kql_p_node(p, KQL_N_CLAUSE);
  c->name = name;
  c->name_len = (uint32_t)strlen(name);
  return c;
}

/* Right side of join/lookup: (subquery) or a name. */
static kql_node *kql_p_table_ref(kql_parser *p) {
  if (kql_p_punct(p, 0, "(")) {
    kql_node *n = kql_p_node(p, KQL_N_PAREN);
    kql_p_advance(p);
    kql_node *e = kql_p_pipe(p);
    if (!e) return NULL;
    kql_node_add(p->a, n, e);
    if (kql_p_expect_punct(p, ")")) return NULL;
    kql_p_finish(p, n);
    return n;
  }
  return kql_p_postfix(p);
}

static int kql_p_union_legs(kql_parser *p, kql_node *u) {
  for (;;) {
    kql_node *leg;
    if (kql_p_punct(p, 0, "(")) {
      leg = kql_p_table_ref(p);
    } else if (kql_p_is_ident(p, 0) && (kql_p_punct(p, 1, "*") || kql_p_punct(p, 1, "(") ||
                                        kql_p_punct(p, 1, "."))) {
      if (kql_p_punct(p, 1, "*")) leg = kql_p_name_pattern(p);
      else leg = kql_p_postfix(p);
    } else {
      leg = kql_p_name_pattern(p);
    }
    if (!leg) return -1;
    kql_node_add(p->a, u, leg);
    if (kql_p_punct(p, 0, ",")) {
      kql_p_advance(p);
      continue;
    }
    return 0;
  }
}

static kql_node *kql_p_datatable(kql_parser *p) {
  kql_node *n = kql_p_node(p, KQL_N_DATATABLE);
  kql_p_advance(p);
  if (kql_p_params(p, n)) return NULL;
  kql_node *sch = kql_p_node(p, KQL_N_SCHEMA);
  if (kql_p_expect_punct(p, "(")) return NULL;
  for (;;) {
    kql_node *cd = kql_p_node(p, KQL_N_COLDEF);
    kql_node *nm = kql_p_name(p);
    if (!nm) return NULL;
    cd->name = nm->name;
    cd->name_len = nm->name_len;
    if (kql_p_expect_punct(p, ":")) return NULL;
    if (!kql_p_is_ident(p, 0)) {
      kql_p_fail_tok(p, "Expected: type");
      return NULL;
    }
    cd->str = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
    cd->str_len = TOK(p)->text_len;
    kql_p_advance(p);
    kql_p_finish(p, cd);
    kql_node_add(p->a, sch, cd);
    if (kql_p_punct(p, 0, ",")) {
      kql_p_advance(p);
      continue;
    }
    break;
  }
  if (kql_p_expect_punct(p, ")")) return NULL;
  kql_node_add(p->a, n, sch);
  if (kql_p_expect_punct(p, "[")) return NULL;
  if (!kql_p_punct(p, 0, "]")) {
    for (;;) {
      kql_node *e = kql_p_expr(p);
      if (!e) return NULL;
      kql_node *lit = e;
      if (lit->kind == KQL_N_UNARY) lit = lit->kids[0];
      if (lit->kind != KQL_N_LIT && lit->kind != KQL_N_TYPEDLIT) {
        kql_p_fail(p, e->pos, "datatable values must be literals");
        return NULL;
      }
      kql_node_add(p->a, n, e);
      if (kql_p_punct(p, 0, ",")) {
        kql_p_advance(p);
        if (kql_p_punct(p, 0, "]")) break; /* trailing comma */
        continue;
      }
      break;
    }
  }
  if (kql_p_expect_punct(p, "]")) return NULL;
  kql_p_finish(p, n);
  return n;
}


/* ---- graph operators (syntax only; the binder says "not supported yet") ---- */
static int kql_p_graph_node(kql_parser *p) {
  if (kql_p_expect_punct(p, "(")) return -1;
  if (kql_p_is_ident(p, 0)) kql_p_advance(p);
  return kql_p_expect_punct(p, ")");
}

/* -[e*1..3]-> | <-[e]- | -[e]- | --> | <-- | -- */
static int kql_p_graph_edge(kql_parser *p) {
  bool left = false;
  if (kql_p_punct(p, 0, "<")) {
    left = true;
    kql_p_advance(p);
  }
  if (kql_p_expect_punct(p, "-")) return -1;
  if (kql_p_punct(p, 0, "[")) {
    kql_p_advance(p);
    if (kql_p_is_ident(p, 0)) kql_p_advance(p);
    if (kql_p_punct(p, 0, "*")) {
      kql_p_advance(p);
      if (TOK(p)->kind != KQL_TK_LONG) {
        kql_p_fail_tok(p, "Expected: number");
        return -1;
      }
      kql_p_advance(p);
      if (kql_p_expect_punct(p, "..")) return -1;
      if (TOK(p)->kind != KQL_TK_LONG) {
        kql_p_fail_tok(p, "Expected: number");
        return -1;
      }
      kql_p_advance(p);
    }
    if (kql_p_expect_punct(p, "]")) return -1;
  }
  if (kql_p_expect_punct(p, "-")) return -1;
  if (!left && kql_p_punct(p, 0, ">")) kql_p_advance(p);
  return 0;
}

static int kql_p_graph_pattern(kql_parser *p) {
  for (;;) {
    if (kql_p_graph_node(p)) return -1;
    while (kql_p_punct(p, 0, "-") || kql_p_punct(p, 0, "<")) {
      if (kql_p_graph_edge(p)) return -1;
      if (kql_p_graph_node(p)) return -1;
    }
    if (kql_p_punct(p, 0, ",")) {
      kql_p_advance(p);
      continue;
    }
    return 0;
  }
}

static int kql_p_graph_op(kql_parser *p, kql_node *op) {
  const char *w = op->name;
  if (kql_p_params(p, op)) return -1;
  if (!strcmp(w, "graph-match") || !strcmp(w, "graph-shortest-paths")) {
    if (kql_p_graph_pattern(p)) return -1;
    if (kql_p_word(p, 0, "where")) {
      kql_p_advance(p);
      if (!kql_p_expr(p)) return -1;
    }
    if (kql_p_word(p, 0, "project")) {
      kql_p_advance(p);
      kql_node *tmp = kql_p_clause(p, "project");
      if (kql_p_assign_list(p, tmp, 0)) return -1;
    }
    return 0;
  }
  if (!strcmp(w, "make-graph")) {
    if (!kql_p_name(p)) return -1;
    if (kql_p_expect_punct(p, "-")) return -1;
    if (kql_p_expect_punct(p, "-")) return -1;
    if (kql_p_punct(p, 0, ">")) kql_p_advance(p);
    if (!kql_p_name(p)) return -1;
    if (kql_p_params(p, op)) return -1;
    if (kql_p_word(p, 0, "with")) {
      kql_p_advance(p);
      for (;;) {
        if (!kql_p_table_ref(p)) return -1;
        if (kql_p_expect_word(p, "on")) return -1;
        if (!kql_p_name(p)) return -1;
        if (kql_p_punct(p, 0, ",")) {
          kql_p_advance(p);
          continue;
        }
        break;
      }
    }
    if (kql_p_word(p, 0, "partitioned-by") || (kql_p_word(p, 0, "partitioned") && kql_p_punct(p, 1, "-"))) {
      while (!kql_p_punct(p, 0, "(") && TOK(p)->kind != KQL_TK_EOF) kql_p_advance(p);
      if (kql_p_expect_punct(p, "(")) return -1;
      if (!kql_p_pipe(p)) return -1;
      if (kql_p_expect_punct(p, ")")) return -1;
    }
    return 0;
  }
  if (!strcmp(w, "graph-to-table")) {
    for (;;) {
      if (!kql_p_word(p, 0, "nodes") && !kql_p_word(p, 0, "edges")) {
        kql_p_fail_tok(p, "Expected: nodes or edges");
        return -1;
      }
      kql_p_advance(p);
      if (kql_p_word(p, 0, "as")) {
        kql_p_advance(p);
        if (!kql_p_name(p)) return -1;
      }
      if (kql_p_params(p, op)) return -1;
      if (kql_p_punct(p, 0, ",")) {
        kql_p_advance(p);
        continue;
      }
      return 0;
    }
  }
  return kql_p_skip_generic(p, op);
}


/* partition (top 3 by x | project a): a sub-query that starts with an operator */
static int kql_p_starts_operator(kql_parser *p) {
  static const char *const ops[] = {"where", "filter", "extend", "project", "project-away",
                                    "project-keep", "project-rename", "project-reorder",
                                    "summarize", "count", "take", "limit", "top", "sort", "order",
                                    "distinct", "mv-expand", "parse", "parse-where", "as",
                                    "serialize", "scan", "make-series", "mv-apply", "lookup",
                                    "join", "union", "evaluate", "getschema", "sample", NULL};
  if (!kql_p_is_ident(p, 0) || TOK(p)->bracketed) return 0;
  if (kql_p_punct(p, 1, "|") || kql_p_punct(p, 1, ")") || kql_p_punct(p, 1, "(")) return 0;
  for (int i = 0; ops[i]; i++)
    if (kql_p_word(p, 0, ops[i])) return 1;
  return 0;
}

/* Search predicate (search operator only): terms are string literals, col:"x"
 * restricts a term to a column, everything else is an ordinary comparison.
 *   sor   := sand ('or' sand)*
 *   sand  := sunary ('and' sunary)*
 *   sunary:= 'not' '(' sor ')' | '(' sor ')' | name ':' primary | '*' | cmp */
static kql_node *kql_p_search_or(kql_parser *p);
static kql_node *kql_p_search_unary(kql_parser *p) {
  if (kql_p_word(p, 0, "not") && kql_p_punct(p, 1, "(")) {
    kql_node *n = kql_p_node(p, KQL_N_CALL);
    kql_p_set_name(p, n, TOK(p));
    kql_p_advance(p);
    kql_p_advance(p);
    kql_node *e = kql_p_search_or(p);
    if (!e) return NULL;
    kql_node_add(p->a, n, e);
    if (kql_p_expect_punct(p, ")")) return NULL;
    kql_p_finish(p, n);
    return n;
  }
  if (kql_p_punct(p, 0, "(")) {
    kql_node *n = kql_p_node(p, KQL_N_PAREN);
    kql_p_advance(p);
    kql_node *e = kql_p_search_or(p);
    if (!e) return NULL;
    kql_node_add(p->a, n, e);
    if (kql_p_expect_punct(p, ")")) return NULL;
    kql_p_finish(p, n);
    return n;
  }
  if (kql_p_is_ident(p, 0) && kql_p_punct(p, 1, ":")) {
    kql_node *l = kql_p_name(p);
    if (!l) return NULL;
    kql_node *n = kql_p_binary_node(p, l, ":", 1);
    kql_p_advance(p);
    kql_node *r = kql_p_primary(p);
    if (!r) return NULL;
    kql_node_add(p->a, n, r);
    kql_p_finish(p, n);
    return n;
  }
  if (kql_p_punct(p, 0, "*") && (kql_p_tok(p, 1)->kind == KQL_TK_EOF ||
                                 kql_p_punct(p, 1, "|") || kql_p_punct(p, 1, ")") ||
                                 kql_p_punct(p, 1, ";") || kql_p_word(p, 1, "and") ||
                                 kql_p_word(p, 1, "or"))) {
    kql_node *n = kql_p_node(p, KQL_N_STAR);
    kql_p_advance(p);
    kql_p_finish(p, n);
    return n;
  }
  return kql_p_cmp(p);
}
static kql_node *kql_p_search_and(kql_parser *p) {
  kql_node *l = kql_p_search_unary(p);
  while (l && kql_p_word(p, 0, "and")) {
    kql_node *n = kql_p_binary_node(p, l, "and", 3);
    kql_p_advance(p);
    kql_node *r = kql_p_search_unary(p);
    if (!r) return NULL;
    kql_node_add(p->a, n, r);
    l = n;
  }
  return l;
}
static kql_node *kql_p_search_or(kql_parser *p) {
  if (p->failed || kql_p_enter(p)) return NULL;
  kql_node *l = kql_p_search_and(p);
  while (l && kql_p_word(p, 0, "or")) {
    kql_node *n = kql_p_binary_node(p, l, "or", 2);
    kql_p_advance(p);
    kql_node *r = kql_p_search_and(p);
    if (!r) {
      l = NULL;
      break;
    }
    kql_node_add(p->a, n, r);
    l = n;
  }
  p->depth--;
  return p->failed ? NULL : l;
}

/* search [kind=...] [in (T, ...)] predicate: params on op, kids[0] = predicate,
 * kids[1] = CLAUSE "in" holding the table references when given. */
static int kql_p_search(kql_parser *p, kql_node *op) {
  op->kind = KQL_N_OP;
  op->name = "search";
  op->name_len = 6;
  if (kql_p_params(p, op)) return -1;
  kql_node *in = NULL;
  if (kql_p_word(p, 0, "in") && kql_p_punct(p, 1, "(")) {
    kql_p_advance(p);
    kql_p_advance(p);
    in = kql_p_clause(p, "in");
    if (kql_p_union_legs(p, in)) return -1;
    if (kql_p_expect_punct(p, ")")) return -1;
  }
  if (kql_p_at_op_end(p)) {
    kql_p_fail_tok(p, "Missing expression");
    return -1;
  }
  kql_node *e = kql_p_search_or(p);
  if (!e) return -1;
  kql_node_add(p->a, op, e);
  if (in) kql_node_add(p->a, op, in);
  kql_p_finish(p, op);
  return 0;
}

/* Parses one operator after '|'. */
static kql_node *kql_p_operator(kql_parser *p) {
  kql_token *t = TOK(p);
  if (t->kind != KQL_TK_IDENT || t->bracketed) {
    kql_p_fail_tok(p, "Query operator expected");
    return NULL;
  }
  kql_node *op = kql_p_node(p, KQL_N_OP);
  kql_p_set_name(p, op, t);
  const char *w = op->name;
  kql_p_advance(p);
#define IS(s) (strcmp(w, s) == 0)
  if (IS("where") || IS("filter")) {
    op->name = "where";
    if (kql_p_params(p, op)) return NULL;
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, op, e);
  } else if (IS("extend") || IS("project") || IS("serialize")) {
    if (kql_p_params(p, op)) return NULL;
    if ((IS("extend") || !kql_p_at_op_end(p)) && kql_p_assign_list(p, op, IS("serialize")))
      return NULL;
  } else if (IS("project-away") || IS("project-keep") || IS("project-reorder")) {
    for (;;) {
      if (kql_p_at_op_end(p)) break;
      kql_node *n = kql_p_name_pattern(p);
      if (!n) return NULL;
      if (IS("project-reorder") && kql_p_is_ident(p, 0) &&
          (kql_p_word(p, 0, "asc") || kql_p_word(p, 0, "desc") || kql_p_word(p, 0, "granny-asc") ||
           kql_p_word(p, 0, "granny-desc"))) {
        n->str = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
        kql_p_advance(p);
      }
      kql_node_add(p->a, op, n);
      if (kql_p_punct(p, 0, ",")) {
        kql_p_advance(p);
        continue;
      }
      break;
    }
  } else if (IS("project-rename")) {
    while (!kql_p_at_op_end(p)) {
      kql_node *a = kql_p_node(p, KQL_N_ASSIGN);
      kql_node *nn = kql_p_name(p);
      if (!nn) return NULL;
      a->name = nn->name;
      a->name_len = nn->name_len;
      if (kql_p_expect_punct(p, "=")) return NULL;
      kql_node *old = kql_p_name(p);
      if (!old) return NULL;
      kql_node_add(p->a, a, old);
      kql_node_add(p->a, op, a);
      if (kql_p_punct(p, 0, ",")) {
        kql_p_advance(p);
        continue;
      }
      break;
    }
  } else if (IS("summarize")) {
    if (kql_p_params(p, op)) return NULL;
    kql_node *aggs = kql_p_clause(p, "aggs");
    if (kql_p_assign_list(p, aggs, 1)) return NULL;
    kql_node_add(p->a, op, aggs);
    kql_node *by = kql_p_clause(p, "by");
    if (kql_p_word(p, 0, "by")) {
      kql_p_advance(p);
      if (kql_p_assign_list(p, by, 0)) return NULL;
    }
    kql_node_add(p->a, op, by);
  } else if (IS("count") || IS("getschema") || IS("consume")) {
    if (kql_p_params(p, op)) return NULL;
    if (IS("count") && kql_p_word(p, 0, "as")) {
      kql_p_advance(p);
      kql_node *n = kql_p_name(p);
      if (!n) return NULL;
      op->str = n->name;
    }
  } else if (IS("take") || IS("limit") || IS("sample")) {
    if (kql_p_params(p, op)) return NULL;
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, op, e);
    if (IS("limit")) op->name = "take";
  } else if (IS("top")) {
    if (kql_p_params(p, op)) return NULL;
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, op, e);
    if (kql_p_expect_word(p, "by")) return NULL;
    if (kql_p_sort_list(p, op)) return NULL;
  } else if (IS("sort") || IS("order")) {
    op->name = "sort";
    if (kql_p_params(p, op)) return NULL;
    if (kql_p_expect_word(p, "by")) return NULL;
    if (kql_p_sort_list(p, op)) return NULL;
  } else if (IS("distinct")) {
    if (kql_p_params(p, op)) return NULL;
    if (kql_p_punct(p, 0, "*")) {
      kql_node *s = kql_p_node(p, KQL_N_STAR);
      kql_p_advance(p);
      kql_node_add(p->a, op, s);
    } else if (kql_p_assign_list(p, op, 0)) {
      return NULL;
    }
  } else if (IS("mv-expand")) {
    if (kql_p_params(p, op)) return NULL;
    for (;;) {
      kql_node *e = kql_p_assign_or_expr(p);
      if (!e) return NULL;
      kql_node *item = kql_node_new(p->a, KQL_N_CLAUSE, e->pos);
      item->name = "item";
      kql_node_add(p->a, item, e);
      if (kql_p_word(p, 0, "to") && kql_p_word(p, 1, "typeof")) {
        kql_p_advance(p);
        kql_node *ty = kql_p_primary(p);
        if (!ty) return NULL;
        kql_node_add(p->a, item, ty);
      }
      kql_node_add(p->a, op, item);
      if (kql_p_punct(p, 0, ",")) {
        kql_p_advance(p);
        continue;
      }
      break;
    }
    if (kql_p_word(p, 0, "limit")) {
      kql_p_advance(p);
      kql_node *lim = kql_p_clause(p, "limit");
      kql_node *e = kql_p_expr(p);
      if (!e) return NULL;
      kql_node_add(p->a, lim, e);
      kql_node_add(p->a, op, lim);
    }
  } else if (IS("parse") || IS("parse-where")) {
    if (kql_p_params(p, op)) return NULL;
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, op, e);
    if (kql_p_expect_word(p, "with")) return NULL;
    int count = 0;
    while (!kql_p_at_op_end(p) && !p->failed) {
      kql_node *it;
      if (TOK(p)->kind == KQL_TK_STRING) {
        it = kql_p_primary(p);
      } else if (kql_p_punct(p, 0, "*")) {
        it = kql_p_node(p, KQL_N_STAR);
        kql_p_advance(p);
        kql_p_finish(p, it);
      } else if (kql_p_is_ident(p, 0)) {
        it = kql_p_node(p, KQL_N_COLDEF);
        kql_node *nm = kql_p_name(p);
        if (!nm) return NULL;
        it->name = nm->name;
        it->name_len = nm->name_len;
        if (kql_p_punct(p, 0, ":")) {
          kql_p_advance(p);
          if (!kql_p_is_ident(p, 0)) {
            kql_p_fail_tok(p, "Expected: type");
            return NULL;
          }
          it->str = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
          kql_p_advance(p);
        }
        kql_p_finish(p, it);
      } else {
        kql_p_fail_tok(p, "Expected: string literal, column name or *");
        return NULL;
      }
      if (!it) return NULL;
      kql_node_add(p->a, op, it);
      count++;
    }
    if (!count) {
      kql_p_fail_tok(p, "Expected: parse pattern");
      return NULL;
    }
  } else if (IS("join") || IS("lookup")) {
    if (kql_p_params(p, op)) return NULL;
    kql_node *r = kql_p_table_ref(p);
    if (!r) return NULL;
    kql_node_add(p->a, op, r);
    kql_node *on = kql_p_clause(p, "on");
    if (kql_p_word(p, 0, "on")) {
      kql_p_advance(p);
      for (;;) {
        kql_node *e = kql_p_expr(p);
        if (!e) return NULL;
        kql_node_add(p->a, on, e);
        if (kql_p_punct(p, 0, ",")) {
          kql_p_advance(p);
          continue;
        }
        break;
      }
    } else if (IS("lookup") || !kql_p_at_op_end(p)) {
      kql_p_fail_tok(p, "Expected: on");
      return NULL;
    }
    kql_node_add(p->a, op, on);
  } else if (IS("union")) {
    op->kind = KQL_N_UNION;
    if (kql_p_params(p, op)) return NULL;
    if (kql_p_union_legs(p, op)) return NULL;
  } else if (IS("as")) {
    if (kql_p_params(p, op)) return NULL;
    kql_node *n = kql_p_name(p);
    if (!n) return NULL;
    kql_node_add(p->a, op, n);
  } else if (IS("evaluate") || IS("invoke")) {
    if (kql_p_params(p, op)) return NULL;
    if (IS("evaluate") && TOK(p)->kind == KQL_TK_EOF && p->in_source) return op;
    kql_node *c = kql_p_postfix(p);
    if (!c) return NULL;
    if (c->kind != KQL_N_CALL) {
      kql_p_fail(p, c->pos, "Expected: function call");
      return NULL;
    }
    kql_node_add(p->a, op, c);
    if (kql_p_punct(p, 0, ":") && kql_p_punct(p, 1, "(")) { /* output schema */
      kql_p_advance(p);
      kql_node *ty = kql_node_new(p->a, KQL_N_SCHEMA, TOK(p)->pos);
      kql_p_advance(p);
      for (;;) {
        if (kql_p_punct(p, 0, "*")) {
          kql_node_add(p->a, ty, kql_node_new(p->a, KQL_N_STAR, TOK(p)->pos));
          kql_p_advance(p);
        } else {
          /* output schema (name:type): kept as op->kids[1] for the plugin binder */
          kql_node *nm = kql_p_name(p);
          if (!nm) return NULL;
          if (kql_p_expect_punct(p, ":")) return NULL;
          kql_node *tn = kql_p_name(p);
          if (!tn) return NULL;
          nm->kind = KQL_N_COLDEF;
          nm->str = tn->name;
          nm->str_len = tn->name_len;
          kql_node_add(p->a, ty, nm);
        }
        if (kql_p_punct(p, 0, ",")) {
          kql_p_advance(p);
          continue;
        }
        break;
      }
      if (kql_p_expect_punct(p, ")")) return NULL;
      kql_node_add(p->a, op, ty);
    }
  } else if (IS("render")) {
    kql_node *n = kql_p_name(p);
    if (!n) return NULL;
    kql_node_add(p->a, op, n);
    if (kql_p_word(p, 0, "with")) {
      kql_p_advance(p);
      kql_node *w2 = kql_p_clause(p, "with");
      if (kql_p_expect_punct(p, "(")) return NULL;
      if (kql_p_assign_list(p, w2, 0)) return NULL;

      if (kql_p_expect_punct(p, ")")) return NULL;
      kql_node_add(p->a, op, w2);
    }
    if (!kql_p_at_op_end(p)) {
      kql_p_fail_tok(p, "Expected: |");
      return NULL;
    }
  } else if (IS("sample-distinct")) {
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, op, e);
    if (kql_p_expect_word(p, "of")) return NULL;
    kql_node *e2 = kql_p_expr(p);
    if (!e2) return NULL;
    kql_node_add(p->a, op, e2);
  } else if (IS("make-series")) {
    /* kids: aggs (items: assign-or-expr [, default]), on, from, to, step, by */
    if (kql_p_params(p, op)) return NULL;
    kql_node *aggs = kql_p_clause(p, "aggs");
    for (;;) {
      kql_node *e = kql_p_assign_or_expr(p);
      if (!e) return NULL;
      kql_node *item = kql_node_new(p->a, KQL_N_CLAUSE, e->pos);
      item->name = "item";
      kql_node_add(p->a, item, e);
      if (kql_p_word(p, 0, "default") && kql_p_punct(p, 1, "=")) {
        kql_p_advance(p);
        kql_p_advance(p);
        kql_node *d = kql_p_expr(p);
        if (!d) return NULL;
        kql_node_add(p->a, item, d);
      }
      kql_node_add(p->a, aggs, item);
      if (kql_p_punct(p, 0, ",")) {
        kql_p_advance(p);
        continue;
      }
      break;
    }
    kql_node_add(p->a, op, aggs);
    kql_node *on = kql_p_clause(p, "on");
    kql_node *from = kql_p_clause(p, "from");
    kql_node *to = kql_p_clause(p, "to");
    kql_node *step = kql_p_clause(p, "step");
    kql_node *by = kql_p_clause(p, "by");
    if (kql_p_expect_word(p, "on")) return NULL;
    kql_node *axis = kql_p_postfix(p); /* a column: `in range(...)` must not parse as an in-list */
    if (!axis) return NULL;
    kql_node_add(p->a, on, axis);
    if (kql_p_word(p, 0, "in")) {
      kql_p_advance(p);
      kql_node *r = kql_p_postfix(p);
      if (!r) return NULL;
      if (r->kind != KQL_N_CALL || !kql_node_is(r, "range") || r->nkids != 3) {
        kql_p_fail(p, r->pos, "Expected: range(start, stop, step)");
        return NULL;
      }
      kql_node_add(p->a, from, r->kids[0]);
      kql_node_add(p->a, to, r->kids[1]);
      kql_node_add(p->a, step, r->kids[2]);
    } else {
      if (kql_p_word(p, 0, "from")) {
        kql_p_advance(p);
        kql_node *e = kql_p_expr(p);
        if (!e) return NULL;
        kql_node_add(p->a, from, e);
      }
      if (kql_p_word(p, 0, "to")) {
        kql_p_advance(p);
        kql_node *e = kql_p_expr(p);
        if (!e) return NULL;
        kql_node_add(p->a, to, e);
      }
      if (kql_p_expect_word(p, "step")) return NULL;
      kql_node *e = kql_p_expr(p);
      if (!e) return NULL;
      kql_node_add(p->a, step, e);
    }
    if (kql_p_word(p, 0, "by")) {
      kql_p_advance(p);
      if (kql_p_assign_list(p, by, 0)) return NULL;
    }
    kql_node_add(p->a, op, on);
    kql_node_add(p->a, op, from);
    kql_node_add(p->a, op, to);
    kql_node_add(p->a, op, step);
    kql_node_add(p->a, op, by);
  } else if (IS("partition")) { /* bound by kql_bind_partition.c */
    if (kql_p_params(p, op)) return NULL;
    if (kql_p_expect_word(p, "by")) return NULL;
    kql_node *key = kql_p_name(p);
    if (!key) return NULL;
    kql_node_add(p->a, op, key);
    if (kql_p_params(p, op)) return NULL;
    int brace = kql_p_punct(p, 0, "{");
    if (!brace && !kql_p_punct(p, 0, "(")) {
      kql_p_fail_tok(p, "Expected: (");
      return NULL;
    }
    kql_p_advance(p);
    kql_node *sub;
    if (kql_p_starts_operator(p)) { /* implicit source: the partition */
      op->flags = 1;
      sub = kql_p_node(p, KQL_N_NAME);
      sub->name = "$partition";
      sub->name_len = 10;
      for (;;) {
        kql_node *o2 = kql_p_operator(p);
        if (!o2) return NULL;
        kql_node *pipe = kql_node_new(p->a, KQL_N_PIPE, sub->pos);
        kql_node_add(p->a, pipe, sub);
        kql_node_add(p->a, pipe, o2);
        sub = pipe;
        if (!kql_p_punct(p, 0, "|")) break;
        kql_p_advance(p);
      }
    } else if (!(sub = kql_p_pipe(p))) {
      return NULL;
    }
    kql_node_add(p->a, op, sub);
    if (kql_p_expect_punct(p, brace ? "}" : ")")) return NULL;
  } else if (IS("top-hitters")) { /* kids: N, of-expr [, by-expr] */
    kql_node *n = kql_p_expr(p);
    if (!n) return NULL;
    kql_node_add(p->a, op, n);
    if (kql_p_expect_word(p, "of")) return NULL;
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, op, e);
    if (kql_p_word(p, 0, "by")) {
      kql_p_advance(p);
      kql_node *by = kql_p_expr(p);
      if (!by) return NULL;
      kql_node_add(p->a, op, by);
    }
  } else if (IS("top-nested")) { /* kids: level clauses [n, of, others, by]; flags 1 = asc */
    for (;;) {
      kql_node *lv = kql_p_clause(p, "level");
      kql_node *cn = kql_p_clause(p, "n"), *co = kql_p_clause(p, "of");
      kql_node *cw = kql_p_clause(p, "others"), *cb = kql_p_clause(p, "by");
      if (!kql_p_word(p, 0, "of")) {
        kql_node *n = kql_p_expr(p);
        if (!n) return NULL;
        kql_node_add(p->a, cn, n);
      }
      if (kql_p_expect_word(p, "of")) return NULL;
      kql_node *e = kql_p_assign_or_expr(p);
      if (!e) return NULL;
      kql_node_add(p->a, co, e);
      if (kql_p_word(p, 0, "with")) {
        kql_p_advance(p);
        if (kql_p_expect_word(p, "others")) return NULL;
        if (kql_p_expect_punct(p, "=")) return NULL;
        kql_node *o = kql_p_expr(p);
        if (!o) return NULL;
        kql_node_add(p->a, cw, o);
      }
      if (kql_p_expect_word(p, "by")) return NULL;
      kql_node *ag = kql_p_assign_or_expr(p);
      if (!ag) return NULL;
      kql_node_add(p->a, cb, ag);
      if (kql_p_word(p, 0, "asc") || kql_p_word(p, 0, "desc")) {
        if (kql_p_word(p, 0, "asc")) lv->flags = 1;
        kql_p_advance(p);
      }
      kql_node_add(p->a, lv, cn);
      kql_node_add(p->a, lv, co);
      kql_node_add(p->a, lv, cw);
      kql_node_add(p->a, lv, cb);
      kql_p_finish(p, lv);
      kql_node_add(p->a, op, lv);
      if (!kql_p_punct(p, 0, ",")) break;
      kql_p_advance(p);
      if (kql_p_expect_word(p, "top-nested")) return NULL;
    }
  } else if (IS("scan")) { /* str = match id column; kids: declare clause, step clauses */
    if (kql_p_word(p, 0, "with_match_id")) {
      kql_p_advance(p);
      if (kql_p_expect_punct(p, "=")) return NULL;
      kql_node *n = kql_p_name(p);
      if (!n) return NULL;
      op->str = n->name;
      op->str_len = n->name_len;
    }
    kql_node *decl = kql_p_clause(p, "declare");
    if (kql_p_word(p, 0, "declare")) {
      kql_p_advance(p);
      if (kql_p_expect_punct(p, "(")) return NULL;
      for (;;) {
        kql_node *cd = kql_p_node(p, KQL_N_COLDEF);
        if (kql_p_word(p, 0, "last")) { /* a keyword of scan (output=last); Kusto rejects it */
          kql_p_fail_tok(p, "Expected: name");
          return NULL;
        }
        kql_node *nm = kql_p_name(p);
        if (!nm) return NULL;
        cd->name = nm->name;
        cd->name_len = nm->name_len;
        if (kql_p_expect_punct(p, ":")) return NULL;
        if (!kql_p_is_ident(p, 0)) {
          kql_p_fail_tok(p, "Expected: type");
          return NULL;
        }
        cd->str = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
        kql_p_advance(p);
        if (kql_p_punct(p, 0, "=")) {
          kql_p_advance(p);
          kql_node *dv = kql_p_expr(p);
          if (!dv) return NULL;
          kql_node_add(p->a, cd, dv);
        }
        kql_p_finish(p, cd);
        kql_node_add(p->a, decl, cd);
        if (!kql_p_punct(p, 0, ",")) break;
        kql_p_advance(p);
      }
      if (kql_p_expect_punct(p, ")")) return NULL;
    }
    kql_node_add(p->a, op, decl);
    if (kql_p_expect_word(p, "with")) return NULL;
    if (kql_p_expect_punct(p, "(")) return NULL;
    do {
      kql_node *st = kql_p_clause(p, "step");
      if (kql_p_expect_word(p, "step")) return NULL;
      kql_node *nm = kql_p_name(p);
      if (!nm) return NULL;
      st->str = nm->name;
      st->str_len = nm->name_len;
      if (kql_p_word(p, 0, "output")) { /* flags: 0 all, 1 last, 2 none */
        kql_p_advance(p);
        if (kql_p_expect_punct(p, "=")) return NULL;
        if (kql_p_word(p, 0, "last")) st->flags = 1;
        else if (kql_p_word(p, 0, "none")) st->flags = 2;
        else if (!kql_p_word(p, 0, "all")) {
          kql_p_fail_tok(p, "Expected: all, last or none");
          return NULL;
        }
        kql_p_advance(p);
      }
      if (kql_p_expect_punct(p, ":")) return NULL;
      kql_node *cond = kql_p_expr(p);
      if (!cond) return NULL;
      kql_node_add(p->a, st, cond);
      if (kql_p_punct(p, 0, "=>")) {
        kql_p_advance(p);
        for (;;) {
          kql_node *as = kql_p_node(p, KQL_N_ASSIGN);
          kql_node *cn = kql_p_name(p);
          if (!cn) return NULL;
          as->name = cn->name;
          as->name_len = cn->name_len;
          if (kql_p_expect_punct(p, "=")) return NULL;
          kql_node *v = kql_p_expr(p);
          if (!v) return NULL;
          kql_node_add(p->a, as, v);
          kql_node_add(p->a, st, as);
          if (!kql_p_punct(p, 0, ",")) break;
          kql_p_advance(p);
        }
      }
      if (kql_p_expect_punct(p, ";")) return NULL;
      kql_p_finish(p, st);
      kql_node_add(p->a, op, st);
    } while (!kql_p_punct(p, 0, ")") && !p->failed);
    if (kql_p_expect_punct(p, ")")) return NULL;
  } else if (IS("reduce")) { /* kids: by-expr [, with clause]; params kind= */
    if (kql_p_params(p, op)) return NULL;
    if (kql_p_expect_word(p, "by")) return NULL;
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, op, e);
    if (kql_p_word(p, 0, "with")) {
      kql_p_advance(p);
      kql_node *w2 = kql_p_clause(p, "with");
      if (kql_p_assign_list(p, w2, 0)) return NULL;
      kql_node_add(p->a, op, w2);
    }
  } else if (IS("parse-kv")) { /* Expr as (k:type, ...) [with (name=value, ...)] */
    kql_node *e = kql_p_expr(p);
    if (!e) return NULL;
    kql_node_add(p->a, op, e);
    if (kql_p_expect_word(p, "as")) return NULL;
    if (kql_p_expect_punct(p, "(")) return NULL;
    kql_node *keys = kql_p_clause(p, "keys");
    for (;;) {
      if (!TOK(p)->bracketed && (kql_p_word(p, 0, "true") || kql_p_word(p, 0, "false"))) {
        kql_p_fail_tok(p, "Expected: key name (write ['true'] for a keyword)");
        return NULL;
      }
      kql_node *cd = kql_p_node(p, KQL_N_COLDEF);
      kql_node *nm = kql_p_name(p);
      if (!nm) return NULL;
      cd->name = nm->name;
      cd->name_len = nm->name_len;
      if (kql_p_expect_punct(p, ":")) return NULL;
      if (!kql_p_is_ident(p, 0)) {
        kql_p_fail_tok(p, "Missing type name");
        return NULL;
      }
      cd->str = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
      kql_p_advance(p);
      kql_p_finish(p, cd);
      kql_node_add(p->a, keys, cd);
      if (kql_p_punct(p, 0, ",")) {
        kql_p_advance(p);
        continue;
      }
      break;
    }
    if (kql_p_expect_punct(p, ")")) return NULL;
    kql_node_add(p->a, op, keys);
    if (kql_p_word(p, 0, "with")) {
      kql_p_advance(p);
      if (kql_p_expect_punct(p, "(")) return NULL;
      kql_node *w2 = kql_p_clause(p, "with");
      if (kql_p_assign_list(p, w2, 0)) return NULL;
      if (kql_p_expect_punct(p, ")")) return NULL;
      kql_node_add(p->a, op, w2);
    }
  } else if (IS("mv-apply")) { /* [params] item, ... [limit n] on (operators) */
    if (kql_p_params(p, op)) return NULL;
    for (;;) {
      kql_node *e = kql_p_assign_or_expr(p);
      if (!e) return NULL;
      kql_node *item = kql_node_new(p->a, KQL_N_CLAUSE, e->pos);
      item->name = "item";
      kql_node_add(p->a, item, e);
      if (kql_p_word(p, 0, "to")) {
        kql_p_advance(p);
        if (!kql_p_word(p, 0, "typeof")) {
          kql_p_fail_tok(p, "Expected: typeof");
          return NULL;
        }
        kql_node *ty = kql_p_primary(p);
        if (!ty) return NULL;
        kql_node_add(p->a, item, ty);
      }
      kql_node_add(p->a, op, item);
      if (kql_p_punct(p, 0, ",")) {
        kql_p_advance(p);
        continue;
      }
      break;
    }
    if (kql_p_word(p, 0, "limit")) {
      kql_p_advance(p);
      kql_node *lim = kql_p_clause(p, "limit");
      kql_node *e = kql_p_expr(p);
      if (!e) return NULL;
      kql_node_add(p->a, lim, e);
      kql_node_add(p->a, op, lim);
    }
    if (kql_p_expect_word(p, "on")) return NULL;
    if (kql_p_expect_punct(p, "(")) return NULL;
    kql_node *on = kql_p_clause(p, "on");
    if (kql_p_starts_operator(p)) {
      for (;;) {
        kql_node *sub = kql_p_operator(p);
        if (!sub) return NULL;
        kql_node_add(p->a, on, sub);
        if (!kql_p_punct(p, 0, "|")) break;
        kql_p_advance(p);
      }
    } else {
      kql_node *sub = kql_p_pipe(p);
      if (!sub) return NULL;
      on->name = "on-pipe"; /* a sub-query with its own source: not supported by the binder */
      kql_node_add(p->a, on, sub);
    }
    if (kql_p_expect_punct(p, ")")) return NULL;
    kql_node_add(p->a, op, on);
  } else if (IS("fork")) {
    op->kind = KQL_N_GENERIC;
    int n = 0;
    while (kql_p_punct(p, 0, "(") || (kql_p_is_ident(p, 0) && kql_p_punct(p, 1, "="))) {
      /* each branch: a "fork" clause; str = its name= (kql_bind_batch.c) */
      kql_node *br = kql_p_clause(p, "fork");
      br->str = "";
      if (!kql_p_punct(p, 0, "(")) {
        br->str = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
        br->str_len = TOK(p)->text_len;
        kql_p_advance(p);
        kql_p_advance(p);
      }
      if (kql_p_expect_punct(p, "(")) return NULL;
      for (;;) {
        kql_node *sub = kql_p_operator(p);
        if (!sub) return NULL;
        kql_node_add(p->a, br, sub);
        if (!kql_p_punct(p, 0, "|")) break;
        kql_p_advance(p);
      }
      if (kql_p_expect_punct(p, ")")) return NULL;
      kql_p_finish(p, br);
      kql_node_add(p->a, op, br);
      n++;
    }
    if (!n) {
      kql_p_fail_tok(p, "Expected: (");
      return NULL;
    }
  } else if (IS("graph-match") || IS("graph-shortest-paths") || IS("make-graph") ||
             IS("graph-to-table")) {
    op->kind = KQL_N_GENERIC;
    if (kql_p_graph_op(p, op)) return NULL;
  } else if (IS("search")) {
    if (kql_p_search(p, op)) return NULL;
  } else if (IS("mv-apply") || IS("search") || IS("facet") ||
             IS("fork") || IS("parse-kv") || IS("find") ||
             IS("project-smart") || IS("graph-merge") ||
             IS("graph-mark-components") || IS("execute-and-cache") || IS("macro-expand") ||
             IS("externaldata") || IS("assert-schema")) {
    op->kind = KQL_N_GENERIC;
    if (kql_p_at_op_end(p) && !IS("search")) {
      kql_p_fail_tok(p, "Missing expression");
      return NULL;
    }
    if (kql_p_skip_generic(p, op)) return NULL;
  } else {
    kql_p_fail(p, t->pos, "Query operator expected");
    return NULL;
  }
#undef IS
  kql_p_finish(p, op);
  return p->failed ? NULL : op;
}

/* Source of a pipeline: print, datatable, range, union, evaluate, or an expression. */
static kql_node *kql_p_source(kql_parser *p) {
  kql_token *t = TOK(p);
  if (t->kind == KQL_TK_IDENT && !t->bracketed && !kql_p_punct(p, 1, "=") &&
      !kql_p_punct(p, 1, ".") && !kql_p_punct(p, 1, "[")) {
    if (kql_p_tok_is(t, KQL_TK_IDENT, "print") && !kql_p_punct(p, 1, "(") ) {
      kql_node *n = kql_p_node(p, KQL_N_PRINT);
      kql_p_advance(p);
      if (kql_p_assign_list(p, n, 0)) return NULL;
      kql_p_finish(p, n);
      return n;
    }
    if (kql_p_tok_is(t, KQL_TK_IDENT, "print")) {
      kql_node *n = kql_p_node(p, KQL_N_PRINT);
      kql_p_advance(p);
      if (kql_p_assign_list(p, n, 0)) return NULL;
      kql_p_finish(p, n);
      return n;
    }
    if (kql_p_tok_is(t, KQL_TK_IDENT, "datatable"))
      return kql_p_datatable(p);
    if (kql_p_tok_is(t, KQL_TK_IDENT, "range") && kql_p_is_ident(p, 1)) {
      kql_node *n = kql_p_node(p, KQL_N_RANGE);
      kql_p_advance(p);
      kql_node *nm = kql_p_name(p);
      if (!nm) return NULL;
      n->name = nm->name;
      n->name_len = nm->name_len;
      if (kql_p_expect_word(p, "from")) return NULL;
      kql_node *a = kql_p_expr(p);
      if (!a) return NULL;
      if (kql_p_expect_word(p, "to")) return NULL;
      kql_node *b = kql_p_expr(p);
      if (!b) return NULL;
      if (kql_p_expect_word(p, "step")) return NULL;
      kql_node *c = kql_p_expr(p);
      if (!c) return NULL;
      kql_node_add(p->a, n, a);
      kql_node_add(p->a, n, b);
      kql_node_add(p->a, n, c);
      return n;
    }
    if (kql_p_tok_is(t, KQL_TK_IDENT, "union")) {
      kql_node *n = kql_p_node(p, KQL_N_UNION);
      n->name = "union";
      kql_p_advance(p);
      if (kql_p_params(p, n)) return NULL;
      if (kql_p_union_legs(p, n)) return NULL;
      kql_p_finish(p, n);
      return n;
    }
    if (kql_p_tok_is(t, KQL_TK_IDENT, "search")) { /* search as the source: flags = 1 */
      kql_node *n = kql_p_node(p, KQL_N_OP);
      kql_p_advance(p);
      n->flags = 1;
      if (kql_p_search(p, n)) return NULL;
      return n;
    }
    if (kql_p_tok_is(t, KQL_TK_IDENT, "evaluate") || kql_p_tok_is(t, KQL_TK_IDENT, "find") ||
        kql_p_tok_is(t, KQL_TK_IDENT, "externaldata") ||
        kql_p_tok_is(t, KQL_TK_IDENT, "external_data") ||
        kql_p_tok_is(t, KQL_TK_IDENT, "graph-match") ||
        kql_p_tok_is(t, KQL_TK_IDENT, "graph-shortest-paths")) {
      if (kql_p_tok_is(t, KQL_TK_IDENT, "evaluate")) {
        p->in_source = 1;
        kql_node *r = kql_p_operator(p);
        p->in_source = 0;
        return r;
      }
      kql_node *n = kql_p_node(p, KQL_N_GENERIC);
      kql_p_set_name(p, n, t);
      kql_p_advance(p);
      if (kql_node_is(n, "find")) { /* find [in (T, ...)] [where] pred [project ...] */
        if (kql_p_params(p, n)) return NULL;
        bool in = kql_p_word(p, 0, "in");
        if (in) {
          kql_p_advance(p);
          if (kql_p_expect_punct(p, "(")) return NULL;
          kql_node *u = kql_p_node(p, KQL_N_UNION);
          if (kql_p_union_legs(p, u)) return NULL;
          if (kql_p_expect_punct(p, ")")) return NULL;
          if (kql_p_expect_word(p, "where")) return NULL;
        } else if (kql_p_word(p, 0, "where")) {
          kql_p_advance(p);
        }
        if (!kql_p_expr(p)) return NULL;
        if (kql_p_word(p, 0, "project-smart")) {
          kql_p_advance(p);
        } else if (kql_p_word(p, 0, "project")) {
          kql_p_advance(p);
          for (;;) {
            if (!kql_p_name(p)) return NULL;
            if (kql_p_punct(p, 0, ":")) {
              kql_p_advance(p);
              if (!kql_p_name(p)) return NULL;
            }
            if (kql_p_punct(p, 0, ",")) {
              kql_p_advance(p);
              continue;
            }
            break;
          }
        }
        kql_p_finish(p, n);
        return n;
      }
      if (kql_p_skip_generic(p, n)) return NULL;
      return n;
    }
  }
  return kql_p_expr(p);
}

/* expr ( '|' operator )* */
static kql_node *kql_p_pipe(kql_parser *p) {
  if (p->failed) return NULL;
  if (kql_p_enter(p)) return NULL;
  kql_node *src = kql_p_source(p);
  while (src && kql_p_punct(p, 0, "|") && !p->failed) {
    kql_p_advance(p);
    kql_node *op = kql_p_operator(p);
    if (!op) {
      src = NULL;
      break;
    }
    kql_node *pipe = kql_node_new(p->a, KQL_N_PIPE, src->pos);
    kql_node_add(p->a, pipe, src);
    kql_node_add(p->a, pipe, op);
    src = pipe;
  }
  p->depth--;
  return p->failed ? NULL : src;
}

/* let f = (a:int, T:(*), b:string = "x") { body } */
/* A (name:type, ...) list for declare pattern; close = ")" or "]". */
static kql_node *kql_p_pattern_params(kql_parser *p, const char *close) {
  kql_node *ps = kql_p_node(p, KQL_N_PARAMS);
  kql_p_advance(p);
  while (!kql_p_punct(p, 0, close) && !p->failed) {
    kql_node *pa = kql_p_node(p, KQL_N_PARAM);
    kql_node *nm = kql_p_name(p);
    if (!nm) return NULL;
    pa->name = nm->name;
    pa->name_len = nm->name_len;
    if (kql_p_expect_punct(p, ":")) return NULL;
    if (!kql_p_is_ident(p, 0)) {
      kql_p_fail_tok(p, "Expected: type");
      return NULL;
    }
    pa->str = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
    kql_p_advance(p);
    kql_node_add(p->a, ps, pa);
    if (!kql_p_punct(p, 0, ",")) break;
    kql_p_advance(p);
  }
  if (kql_p_expect_punct(p, close)) return NULL;
  return ps;
}

/* declare pattern Name [= (args)[path] { (v, ...).[pv] = { query }; ... }]
 * -> KQL_N_DECLARE name "pattern", str = Name; kids: args PARAMS, path
 * PARAMS, then one CLAUSE "case" each (kids: values..., [path value], body). */
static kql_node *kql_p_pattern(kql_parser *p) {
  kql_node *n = kql_p_node(p, KQL_N_DECLARE);
  n->name = "pattern";
  n->name_len = 7;
  kql_p_advance(p);
  kql_p_advance(p);
  kql_node *nm = kql_p_name(p);
  if (!nm) return NULL;
  n->str = nm->name;
  n->str_len = nm->name_len;
  if (!kql_p_punct(p, 0, "=")) { /* declared only: defined by the caller's environment */
    kql_p_finish(p, n);
    return n;
  }
  kql_p_advance(p);
  if (!kql_p_punct(p, 0, "(")) {
    kql_p_fail_tok(p, "Expected: (");
    return NULL;
  }
  kql_node *args = kql_p_pattern_params(p, ")");
  if (!args) return NULL;
  kql_node *path = kql_p_punct(p, 0, "[") ? kql_p_pattern_params(p, "]") : kql_node_new(p->a, KQL_N_PARAMS, n->pos);
  if (!path) return NULL;
  kql_node_add(p->a, n, args);
  kql_node_add(p->a, n, path);
  if (kql_p_expect_punct(p, "{")) return NULL;
  while (!kql_p_punct(p, 0, "}") && !p->failed) {
    kql_node *c = kql_p_clause(p, "case");
    if (kql_p_expect_punct(p, "(")) return NULL;
    while (!kql_p_punct(p, 0, ")") && !p->failed) {
      kql_node *v = kql_p_expr(p);
      if (!v) return NULL;
      kql_node_add(p->a, c, v);
      if (!kql_p_punct(p, 0, ",")) break;
      kql_p_advance(p);
    }
    if (kql_p_expect_punct(p, ")")) return NULL;
    if (kql_p_punct(p, 0, ".")) { /* .["x"] lexes as one bracketed name */
      kql_p_advance(p);
      if (!kql_p_is_ident(p, 0) || !TOK(p)->bracketed) {
        kql_p_fail_tok(p, "Expected: [");
        return NULL;
      }
      kql_node *v = kql_p_node(p, KQL_N_LIT);
      char *s = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
      v->lit = kv_string_borrowed(s, TOK(p)->text_len);
      v->str = s;
      v->str_len = TOK(p)->text_len;
      kql_p_advance(p);
      kql_p_finish(p, v);
      kql_node_add(p->a, c, v);
    }
    if (kql_p_expect_punct(p, "=")) return NULL;
    if (kql_p_expect_punct(p, "{")) return NULL;
    kql_node *body = kql_p_query_body(p, 1);
    if (!body) return NULL;
    if (kql_p_expect_punct(p, "}")) return NULL;
    kql_node_add(p->a, c, body);
    kql_p_finish(p, c);
    kql_node_add(p->a, n, c);
    if (kql_p_expect_punct(p, ";")) return NULL;
  }
  if (kql_p_expect_punct(p, "}")) return NULL;
  kql_p_finish(p, n);
  return n;
}

static kql_node *kql_p_func(kql_parser *p) {
  kql_node *f = kql_p_node(p, KQL_N_FUNC);
  kql_node *ps = kql_p_node(p, KQL_N_PARAMS);
  if (kql_p_expect_punct(p, "(")) return NULL;
  while (!kql_p_punct(p, 0, ")") && !p->failed) {
    kql_node *pa = kql_p_node(p, KQL_N_PARAM);
    kql_node *nm = kql_p_name(p);
    if (!nm) return NULL;
    pa->name = nm->name;
    pa->name_len = nm->name_len;
    if (kql_p_expect_punct(p, ":")) return NULL;
    if (kql_p_punct(p, 0, "(")) { /* tabular parameter */
      kql_p_advance(p);
      if (kql_p_punct(p, 0, "*")) {
        kql_p_advance(p);
      } else {
        for (;;) {
          if (!kql_p_name(p)) return NULL;
          if (kql_p_expect_punct(p, ":")) return NULL;
          if (!kql_p_is_ident(p, 0)) {
            kql_p_fail_tok(p, "Expected: type");
            return NULL;
          }
          kql_p_advance(p);
          if (kql_p_punct(p, 0, ",")) {
            kql_p_advance(p);
            if (kql_p_punct(p, 0, "*")) {
              kql_p_advance(p);
              break;
            }
            continue;
          }
          break;
        }
      }
      if (kql_p_expect_punct(p, ")")) return NULL;
      pa->str = "*";
    } else if (kql_p_is_ident(p, 0)) {
      pa->str = kql_arena_strdup(p->a, TOK(p)->text, TOK(p)->text_len);
      kql_p_advance(p);
    } else {
      kql_p_fail_tok(p, "Expected: type");
      return NULL;
    }
    if (kql_p_punct(p, 0, "=")) {
      kql_p_advance(p);
      kql_node *d = kql_p_expr(p);
      if (!d) return NULL;
      kql_node_add(p->a, pa, d);
    }
    kql_p_finish(p, pa);
    kql_node_add(p->a, ps, pa);
    if (kql_p_punct(p, 0, ",")) {
      kql_p_advance(p);
      continue;
    }
    break;
  }
  if (kql_p_expect_punct(p, ")")) return NULL;
  kql_node_add(p->a, f, ps);
  if (kql_p_expect_punct(p, "{")) return NULL;
  kql_node *body = kql_p_query_body(p, 1);
  if (!body) return NULL;
  kql_node_add(p->a, f, body);
  if (kql_p_expect_punct(p, "}")) return NULL;
  kql_p_finish(p, f);
  return f;
}

static int kql_p_looks_like_func(kql_parser *p) {
  int k = 0;
  if (kql_p_word(p, 0, "view")) k = 1;
  if (!kql_p_punct(p, k, "(")) return 0;
  if (kql_p_punct(p, k + 1, ")")) return kql_p_punct(p, k + 2, "{");
  return kql_p_tok(p, k + 1)->kind == KQL_TK_IDENT && kql_p_punct(p, k + 2, ":");
}

static kql_node *kql_p_statement(kql_parser *p) {
  if (kql_p_word(p, 0, "let") && kql_p_is_ident(p, 1)) {
    kql_node *n = kql_p_node(p, KQL_N_LET);
    kql_p_advance(p);
    kql_node *nm = kql_p_name(p);
    if (!nm) return NULL;
    n->name = nm->name;
    n->name_len = nm->name_len;
    if (kql_p_expect_punct(p, "=")) return NULL;
    kql_node *v;
    if (kql_p_looks_like_func(p)) {
      bool is_view = kql_p_word(p, 0, "view");
      if (is_view) kql_p_advance(p);
      v = kql_p_func(p);
      if (v && is_view) v->flags = 1; /* a view: searched by 'search' without a source */
    } else {
      v = kql_p_pipe(p);
    }
    if (!v) return NULL;
    kql_node_add(p->a, n, v);
    return n;
  }
  if (kql_p_word(p, 0, "set") && kql_p_is_ident(p, 1) &&
      (kql_p_punct(p, 2, "=") || kql_p_punct(p, 2, ";") || kql_p_punct(p, 2, "."))) {
    kql_node *n = kql_p_node(p, KQL_N_SET);
    kql_p_advance(p);
    kql_p_set_name(p, n, TOK(p)); /* the option's first word; the binder reads a few */
    while (kql_p_is_ident(p, 0) || kql_p_punct(p, 0, ".")) kql_p_advance(p);
    if (kql_p_punct(p, 0, "=")) {
      kql_p_advance(p);
      kql_node *e = kql_p_expr(p);
      if (!e) return NULL;
      kql_node_add(p->a, n, e);
    }
    kql_p_finish(p, n);
    return n;
  }
  if (kql_p_word(p, 0, "alias") && kql_p_word(p, 1, "database")) {
    kql_node *n = kql_p_node(p, KQL_N_DECLARE);
    kql_p_set_name(p, n, TOK(p));
    kql_p_advance(p);
    kql_p_advance(p);
    if (!kql_p_name(p)) return NULL;
    if (kql_p_expect_punct(p, "=")) return NULL;
    if (!kql_p_postfix(p)) return NULL;
    kql_p_finish(p, n);
    return n;
  }
  if (kql_p_word(p, 0, "declare") && kql_p_word(p, 1, "pattern")) return kql_p_pattern(p);
  if ((kql_p_word(p, 0, "declare") && kql_p_word(p, 1, "query_parameters")) ||
      (kql_p_word(p, 0, "restrict") && kql_p_word(p, 1, "access"))) {
    kql_node *n = kql_p_node(p, KQL_N_DECLARE);
    kql_p_set_name(p, n, TOK(p));
    if (kql_p_skip_generic(p, n)) return NULL;
    return n;
  }
  return kql_p_pipe(p);
}

/* statement (';' statement)* with optional trailing ';' */
static kql_node *kql_p_query_body(kql_parser *p, int in_braces) {
  kql_node *q = kql_p_node(p, KQL_N_QUERY);
  for (;;) {
    if (TOK(p)->kind == KQL_TK_EOF || (in_braces && kql_p_punct(p, 0, "}"))) break;
    kql_node *s = kql_p_statement(p);
    if (!s) return NULL;
    kql_node_add(p->a, q, s);
    if (kql_p_punct(p, 0, ";")) {
      kql_p_advance(p);
      continue;
    }
    break;
  }
  kql_p_finish(p, q);
  return p->failed ? NULL : q;
}

/* Management commands: accepted syntactically when the tokens lex and the
 * brackets balance; a '| operators' tail or a '<| query' is parsed as KQL. */
static kql_node *kql_p_command(kql_parser *p) {
  kql_node *n = kql_p_node(p, KQL_N_COMMAND);
  int depth = 0;
  for (;;) {
    kql_token *t = TOK(p);
    if (t->kind == KQL_TK_ERROR) {
      kql_p_fail_tok(p, "");
      return NULL;
    }
    if (t->kind == KQL_TK_EOF) break;
    if (depth == 0 && kql_p_punct(p, 0, "<|")) {
      kql_p_advance(p);
      if (kql_p_punct(p, 0, ".") && kql_p_is_ident(p, 1)) continue;
      kql_node *q = kql_p_query_body(p, 0);
      if (!q) return NULL;
      kql_node_add(p->a, n, q);
      break;
    }
    if (depth == 0 && kql_p_punct(p, 0, "|")) {
      while (kql_p_punct(p, 0, "|") && !p->failed) {
        kql_p_advance(p);
        if (!kql_p_operator(p)) return NULL;
      }
      while (kql_p_punct(p, 0, ";")) kql_p_advance(p);
      if (TOK(p)->kind != KQL_TK_EOF) {
        kql_p_fail_tok(p, "Expected: end of command");
        return NULL;
      }
      break;
    }
    if ((kql_p_punct(p, 0, "<") && kql_p_is_ident(p, 1) &&
         (kql_p_punct(p, 2, ">") || kql_p_punct(p, 2, "-"))) ||
        (kql_p_punct(p, 0, "..") && kql_p_punct(p, 1, "."))) {
      kql_p_fail_tok(p, "placeholder in command");
      return NULL;
    }
    if (kql_p_punct(p, 0, "(") || kql_p_punct(p, 0, "[") || kql_p_punct(p, 0, "{")) depth++;
    if (kql_p_punct(p, 0, ")") || kql_p_punct(p, 0, "]") || kql_p_punct(p, 0, "}")) {
      if (--depth < 0) {
        kql_p_fail_tok(p, "unbalanced bracket");
        return NULL;
      }
    }
    kql_p_advance(p);
  }
  if (depth != 0) {
    kql_p_fail_tok(p, "Expected: )");
    return NULL;
  }
  kql_p_finish(p, n);
  return n;
}

int kql_parse(const char *src, size_t len, kql_arena *arena, kql_node **out, kql_error *err) {
  kql_parser p;
  memset(&p, 0, sizeof p);
  p.src = src;
  p.len = len;
  p.a = arena;
  p.err = err;
  memset(err, 0, sizeof *err);
  /* tokenize everything up front (lookahead is then free) */
  int cap = 64;
  p.toks = kv_malloc(sizeof(kql_token) * (size_t)cap);
  size_t pos = 0;
  for (;;) {
    if (p.ntoks == cap) {
      cap *= 2;
      p.toks = kv_realloc(p.toks, sizeof(kql_token) * (size_t)cap);
    }
    kql_token *t = &p.toks[p.ntoks++];
    kql_lex_next(src, len, pos, arena, t);
    if (t->kind == KQL_TK_EOF || t->kind == KQL_TK_ERROR) break;
    pos = t->pos + t->len;
  }
  kql_node *root;
  int is_command = kql_p_punct(&p, 0, ".") && kql_p_is_ident(&p, 1);
  while (is_command && p.toks[p.ntoks - 1].kind == KQL_TK_ERROR &&
         strcmp(p.toks[p.ntoks - 1].str, "invalid numeric literal") == 0) {
    /* guids and extent ids in commands: lex them as names */
    kql_token *t = &p.toks[p.ntoks - 1];
    size_t e = t->pos;
    while (e < len && (src[e] == '-' || src[e] == '_' || (src[e] >= '0' && src[e] <= '9') ||
                       (src[e] >= 'a' && src[e] <= 'z') || (src[e] >= 'A' && src[e] <= 'Z')))
      e++;
    if (e == t->pos) break; /* ".3x": not a name either; keep the error (fuzz_kql: it looped) */
    t->kind = KQL_TK_IDENT;
    t->text = src + t->pos;
    t->len = t->text_len = (uint32_t)(e - t->pos);
    pos = e;
    for (;;) {
      if (p.ntoks == cap) {
        cap *= 2;
        p.toks = kv_realloc(p.toks, sizeof(kql_token) * (size_t)cap);
      }
      kql_token *t2 = &p.toks[p.ntoks++];
      kql_lex_next(src, len, pos, arena, t2);
      if (t2->kind == KQL_TK_EOF || t2->kind == KQL_TK_ERROR) break;
      pos = t2->pos + t2->len;
    }
  }
  if (is_command) {
    root = kql_p_command(&p);
  } else {
    root = kql_p_query_body(&p, 0);
    if (root && TOK(&p)->kind != KQL_TK_EOF) {
      if (TOK(&p)->kind == KQL_TK_ERROR) kql_p_fail_tok(&p, "");
      else if (kql_p_punct(&p, 0, ")") || kql_p_punct(&p, 0, "]") || kql_p_punct(&p, 0, "}"))
        kql_p_fail_tok(&p, "unexpected closing bracket");
      else
        kql_p_fail_tok(&p, "Expected: ; or |");
      root = NULL;
    }
  }
  free(p.toks);
  if (!root || p.failed) return -1;
  *out = root;
  return 0;
}
