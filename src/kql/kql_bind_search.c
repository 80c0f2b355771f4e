/* SPDX-License-Identifier: MIT
 * Binder for the search operator: rewrites the search predicate into an
 * ordinary where predicate over the columns (terms -> has/hasprefix/
 * hassuffix/contains/matches regex per Kusto's wildcard rules, col:"x",
 * kind=case_sensitive) and adds the leading $table column. The source form
 * (search [in (T, ...)] pred) unions the tables, or the let-bound views. */
#include "kql/kql_bind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  kql_binder *b;
  const kv_schema *row;
  int skip_col; /* column not searched by terms ($table) or -1 */
  bool cs;      /* kind=case_sensitive */
} kql_so_ctx;

static kql_node *kql_so_node(kql_so_ctx *c, kql_nkind kind, uint32_t pos, const char *name) {
  kql_node *n = kql_node_new(c->b->a, kind, pos);
  if (name) {
    n->name = kql_arena_strdup(c->b->a, name, strlen(name));
    n->name_len = (uint32_t)strlen(name);
  }
  n->end = pos;
  return n;
}

static kql_node *kql_so_bool(kql_so_ctx *c, uint32_t pos, bool v) {
  kql_node *n = kql_so_node(c, KQL_N_LIT, pos, NULL);
  n->lit = kv_bool(v);
  return n;
}

static kql_node *kql_so_str(kql_so_ctx *c, uint32_t pos, const char *s, size_t len) {
  kql_node *n = kql_so_node(c, KQL_N_LIT, pos, NULL);
  char *d = kql_arena_strdup(c->b->a, s, len);
  n->lit = kv_string_borrowed(d, len);
  n->str = d;
  n->str_len = (uint32_t)len;
  return n;
}

static kql_node *kql_so_binary(kql_so_ctx *c, uint32_t pos, const char *op, kql_node *l, kql_node *r) {
  kql_node *n = kql_so_node(c, KQL_N_BINARY, pos, op);
  kql_node_add(c->b->a, n, l);
  kql_node_add(c->b->a, n, r);
  return n;
}

/* The column as a string operand: terms match the text of any column type. */
static kql_node *kql_so_col(kql_so_ctx *c, int col, uint32_t pos) {
  kql_node *nm = kql_so_node(c, KQL_N_NAME, pos, c->row->cols[col].name);
  if (c->row->cols[col].type == KV_STRING) return nm;
  kql_node *call = kql_so_node(c, KQL_N_CALL, pos, "tostring");
  kql_node_add(c->b->a, call, nm);
  return call;
}

/* Appends the regex escape of s[0..n) to buf. */
static void kql_so_regex_escape(kv_buf *buf, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x80 && !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
      kv_buf_putc(buf, '\\');
    kv_buf_putc(buf, (char)ch);
  }
}

/* One term against one column operand (docs, search predicate syntax):
 * "x" has, "x*" hasprefix, "*x" hassuffix, "*x*" contains, "a*b" matches
 * regex \ba.*b\b; kind=case_sensitive uses the _cs operators. */
static kql_node *kql_so_term_on(kql_so_ctx *c, kql_node *lhs, const char *t, size_t len, uint32_t pos) {
  bool lead = len > 0 && t[0] == '*';
  bool trail = len > 1 && t[len - 1] == '*';
  const char *core = t + (lead ? 1 : 0);
  size_t clen = len - (lead ? 1 : 0) - (trail ? 1 : 0);
  if (len == 1 && lead) return kql_so_bool(c, pos, true);
  if (memchr(core, '*', clen)) {
    kv_buf re;
    kv_buf_init(&re);
    if (!c->cs) kv_buf_puts(&re, "(?i)");
    if (!lead) kv_buf_puts(&re, "\\b");
    size_t st = 0;
    for (size_t i = 0; i <= clen; i++) {
      if (i == clen || core[i] == '*') {
        kql_so_regex_escape(&re, core + st, i - st);
        if (i < clen) kv_buf_puts(&re, ".*");
        st = i + 1;
      }
    }
    if (!trail) kv_buf_puts(&re, "\\b");
    kql_node *r = kql_so_str(c, pos, re.data ? re.data : "", re.len);
    kv_buf_free(&re);
    return kql_so_binary(c, pos, "matches regex", lhs, r);
  }
  const char *op = lead && trail ? "contains" : trail ? "hasprefix" : lead ? "hassuffix" : "has";
  char opbuf[24];
  snprintf(opbuf, sizeof opbuf, "%s%s", op, c->cs ? "_cs" : "");
  return kql_so_binary(c, pos, opbuf, lhs, kql_so_str(c, pos, core, clen));
}

/* ORs nodes[0..n) as a balanced tree (wide rows must not make deep trees). */
static kql_node *kql_so_or_all(kql_so_ctx *c, kql_node **nodes, int n, uint32_t pos) {
  if (n == 0) return kql_so_bool(c, pos, false);
  if (n == 1) return nodes[0];
  int h = n / 2;
  return kql_so_binary(c, pos, "or", kql_so_or_all(c, nodes, h, pos), kql_so_or_all(c, nodes + h, n - h, pos));
}

/* A term over every searched column, or false when there is none. */
static kql_node *kql_so_term_all(kql_so_ctx *c, const char *t, size_t len, uint32_t pos) {
  kql_node **leaves = kql_arena_alloc(c->b->a, sizeof(kql_node *) * (size_t)(c->row->count + 1));
  int n = 0;
  for (int i = 0; i < c->row->count; i++)
    if (i != c->skip_col) leaves[n++] = kql_so_term_on(c, kql_so_col(c, i, pos), t, len, pos);
  return kql_so_or_all(c, leaves, n, pos);
}

/* String operators that kind=case_sensitive turns into their _cs forms. */
static const char *kql_so_cs_op(const char *op) {
  static const char *const map[][2] = {
      {"has", "has_cs"},           {"!has", "!has_cs"},           {"hasprefix", "hasprefix_cs"},
      {"!hasprefix", "!hasprefix_cs"}, {"hassuffix", "hassuffix_cs"}, {"!hassuffix", "!hassuffix_cs"},
      {"contains", "contains_cs"}, {"!contains", "!contains_cs"}, {"startswith", "startswith_cs"},
      {"!startswith", "!startswith_cs"}, {"endswith", "endswith_cs"}, {"!endswith", "!endswith_cs"},
      {"=~", "=="},                {"!~", "!="}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcmp(op, map[i][0])) return map[i][1];
  return op;
}

/* Rewrites a search predicate into a where predicate; NULL after an error. */
static kql_node *kql_so_rewrite(kql_so_ctx *c, kql_node *n, int depth) {
  if (depth > 200) {
    kql_bind_fail(c->b, n->pos, "search: predicate is nested too deeply");
    return NULL;
  }
  switch (n->kind) {
    case KQL_N_LIT:
      if (n->lit.type == KV_STRING) return kql_so_term_all(c, n->str ? n->str : "", n->str_len, n->pos);
      if (n->lit.type == KV_BOOL) return n;
      /* a bare number is no term: the engine matches nothing with it
       * (fuzz: parse-search-0040.2, `search "needle" or 42 or 2.71`) */
      return kql_so_bool(c, n->pos, false);
    case KQL_N_STAR:
      return kql_so_bool(c, n->pos, true);
    case KQL_N_PAREN: {
      kql_node *k = kql_so_rewrite(c, n->kids[0], depth + 1);
      if (!k) return NULL;
      kql_node *r = kql_so_node(c, KQL_N_PAREN, n->pos, NULL);
      kql_node_add(c->b->a, r, k);
      return r;
    }
    case KQL_N_CALL:
      if (kql_node_is(n, "not") && n->nkids == 1) {
        kql_node *k = kql_so_rewrite(c, n->kids[0], depth + 1);
        if (!k) return NULL;
        kql_node *r = kql_so_node(c, KQL_N_CALL, n->pos, "not");
        kql_node_add(c->b->a, r, k);
        return r;
      }
      return n;
    case KQL_N_BINARY: {
      if (kql_node_is(n, "and") || kql_node_is(n, "or")) {
        kql_node *l = kql_so_rewrite(c, n->kids[0], depth + 1);
        kql_node *r = l ? kql_so_rewrite(c, n->kids[1], depth + 1) : NULL;
        if (!r) return NULL;
        return kql_so_binary(c, n->pos, n->name, l, r);
      }
      if (kql_node_is(n, ":")) { /* col:"term" */
        kql_node *l = n->kids[0], *r = n->kids[1];
        if (r->kind != KQL_N_LIT || r->lit.type != KV_STRING) {
          kql_bind_fail(c->b, r->pos, "search: Column:value needs a string literal value");
          return NULL;
        }
        int col = kql_schema_find(c->row, l->name, l->name_len);
        if (col < 0) {
          kql_bind_fail(c->b, l->pos, "Failed to resolve column '%s'", l->name);
          return NULL;
        }
        return kql_so_term_on(c, kql_so_col(c, col, l->pos), r->str ? r->str : "", r->str_len, n->pos);
      }
      const char *op = c->cs ? kql_so_cs_op(n->name) : n->name;
      if (n->kids[0]->kind == KQL_N_STAR) { /* * has "x": every column */
        kql_node **leaves = kql_arena_alloc(c->b->a, sizeof(kql_node *) * (size_t)(c->row->count + 1));
        int cnt = 0;
        for (int i = 0; i < c->row->count; i++)
          if (i != c->skip_col) leaves[cnt++] = kql_so_binary(c, n->pos, op, kql_so_col(c, i, n->pos), n->kids[1]);
        return kql_so_or_all(c, leaves, cnt, n->pos);
      }
      if (op != n->name) return kql_so_binary(c, n->pos, op, n->kids[0], n->kids[1]);
      return n;
    }
    default:
      return n;
  }
}

/* Checks kind=; returns 0 (cs set) or -1. */
static int kql_so_params(kql_binder *b, kql_node *op, bool *cs) {
  *cs = false;
  if (!op->params) return 0;
  for (int i = 0; i < op->params->nkids; i++) {
    kql_node *pa = op->params->kids[i];
    if (!strncmp(pa->name, "hint.", 5)) continue;
    kql_node *v = pa->kids[0];
    if (!strcmp(pa->name, "kind") && v->kind == KQL_N_NAME) {
      if (!strcmp(v->name, "case_sensitive")) *cs = true;
      else if (strcmp(v->name, "case_insensitive") != 0 && strcmp(v->name, "default") != 0)
        return kql_bind_fail(b, v->pos, "search: kind must be default, case_insensitive or case_sensitive");
      continue;
    }
    return kql_bind_fail(b, pa->pos, "not supported yet: search parameter %s", pa->name);
  }
  return 0;
}

/* Appends `where <rewritten predicate>` to p. */
static int kql_so_where(kql_binder *b, kql_node *pred, bool cs, int skip_col, kql_scope *sc, kql_pipe *p) {
  kql_so_ctx c = {b, &p->schema, skip_col, cs};
  kql_node *w = kql_so_rewrite(&c, pred, 0);
  if (!w) return -1;
  kql_expr *e = kql_bind_expr(b, w, &p->schema, sc);
  if (!e) return -1;
  if (e->type != KV_BOOL && e->type != KV_DYNAMIC) {
    kv_type t = e->type;
    kql_expr_free(e);
    return kql_bind_fail(b, pred->pos, "search: the predicate must be bool, not %s", kv_type_name(t));
  }
  kql_pipe_append(p, kql_op_where_new(&b->q->ex, e, p->schema.count));
  return 0;
}

int kql_bind_search(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  bool cs;
  if (kql_so_params(b, op, &cs)) return -1;
  if (op->nkids > 1) return kql_bind_fail(b, op->kids[1]->pos, "search: 'in' cannot follow a tabular source");
  int have = kql_schema_find(&p->schema, "$table", 6);
  if (kql_so_where(b, op->kids[0], cs, have, sc, p)) return -1;
  if (have >= 0) return 0;
  /* $table first: the source's name (a view, 'as', the input stream's name),
   * or search_arg0 for an unnamed tabular expression (fuzz: parse-search-0014) */
  const char *tn = p->leg_name ? p->leg_name
                   : p->kind == KQL_SRC_INPUT && b->input_name ? b->input_name : "search_arg0";
  int n = p->schema.count + 1;
  int *src = kv_malloc(sizeof(int) * (size_t)n);
  kql_expr **ex = kv_calloc((size_t)n, sizeof(kql_expr *));
  kv_schema out = {0};
  kql_schema_add(b, &out, "$table", KV_STRING);
  src[0] = -1;
  ex[0] = kql_expr_new(KQL_E_CONST, KV_STRING, op->pos);
  ex[0]->cval = kv_string(tn, strlen(tn));
  ex[0]->is_const = true;
  for (int i = 0; i < p->schema.count; i++) {
    src[i + 1] = i;
    kql_schema_add(b, &out, p->schema.cols[i].name, p->schema.cols[i].type);
  }
  kql_pipe_append(p, kql_op_map_new(&b->q->ex, n, src, ex, false));
  p->schema = out;
  return 0;
}

/* Collects the zero-argument views visible from sc, oldest first. */
static int kql_so_views(kql_scope *sc, kql_ent **out, int cap) {
  int n = 0;
  for (; sc; sc = sc->parent)
    for (kql_ent *e = sc->ents; e; e = e->next) {
      if (e->kind != KQL_ENT_FUNC || !e->node || e->node->flags != 1) continue;
      if (e->node->nkids < 1 || e->node->kids[0]->nkids != 0) continue;
      bool dup = false; /* a shadowed name appears once */
      for (int k = 0; k < n; k++)
        if (!strcmp(out[k]->name, e->name)) dup = true;
      if (!dup && n < cap) out[n++] = e;
    }
  for (int i = 0; i < n / 2; i++) {
    kql_ent *t = out[i];
    out[i] = out[n - 1 - i];
    out[n - 1 - i] = t;
  }
  return n;
}

/* True when `name` resolves to a let-bound tabular value (not a function). */
static bool kql_so_is_let_table(kql_scope *sc, const kql_node *name) {
  for (; sc; sc = sc->parent)
    for (kql_ent *e = sc->ents; e; e = e->next)
      if (strlen(e->name) == name->name_len && !memcmp(e->name, name->name, name->name_len))
        return e->kind == KQL_ENT_TABULAR;
  return false;
}

int kql_bind_search_source(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  bool cs;
  if (kql_so_params(b, op, &cs)) return -1;
  kql_so_ctx c = {b, NULL, -1, cs};
  kql_node *u = kql_so_node(&c, KQL_N_UNION, op->pos, "union");
  if (op->nkids > 1) {
    kql_node *in = op->kids[1];
    for (int i = 0; i < in->nkids; i++) {
      kql_node *leg = in->kids[i];
      if (leg->kind == KQL_N_NAME && leg->flags != 2 && kql_so_is_let_table(sc, leg)) {
        /* a let-bound table keeps its name in $table ('as' names the leg;
         * views and functions are named by the union already) */
        kql_node *pipe = kql_so_node(&c, KQL_N_PIPE, leg->pos, NULL);
        kql_node *as = kql_so_node(&c, KQL_N_OP, leg->pos, "as");
        kql_node_add(b->a, as, leg);
        kql_node_add(b->a, pipe, leg);
        kql_node_add(b->a, pipe, as);
        leg = pipe;
      }
      kql_node_add(b->a, u, leg);
    }
  } else {
    kql_ent *views[64];
    int nv = kql_so_views(sc, views, 64);
    if (nv == 0)
      return kql_bind_fail(b, op->pos, "not supported yet: search without a source or views (write T | search ...)");
    for (int i = 0; i < nv; i++) kql_node_add(b->a, u, kql_so_node(&c, KQL_N_NAME, op->pos, views[i]->name));
  }
  kql_node *ws = kql_so_node(&c, KQL_N_OPARG, op->pos, "withsource");
  kql_node_add(b->a, ws, kql_so_node(&c, KQL_N_NAME, op->pos, "$table"));
  u->params = kql_so_node(&c, KQL_N_CLAUSE, op->pos, NULL);
  kql_node_add(b->a, u->params, ws);
  if (kql_bind_tabular(b, u, sc, p)) return -1;
  return kql_so_where(b, op->kids[0], cs, 0, sc, p);
}
