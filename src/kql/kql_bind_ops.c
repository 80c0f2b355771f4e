/* SPDX-License-Identifier: MIT
 * Binder for the operators beyond the core set: union, join, lookup,
 * mv-expand, parse / parse-where, getschema (evaluate: kql_plugin.c). Right
 * sides of joins and extra union legs must not read the input stream; they
 * are run eagerly into in-memory tables. */
#include "kql/kql_bind.h"
#include "kql/kql_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kql_own_table(kql_binder *b, kql_table *t) {
  kql_query *q = b->q;
  q->tables = kv_realloc(q->tables, sizeof(kql_table *) * (size_t)(q->ntables + 1));
  q->tables[q->ntables++] = t;
}

static const char *kql_param(kql_node *op, const char *name) {
  if (!op->params) return NULL;
  for (int i = 0; i < op->params->nkids; i++) {
    kql_node *pa = op->params->kids[i];
    if (!strcmp(pa->name, name)) {
      kql_node *v = pa->kids[0];
      if (v->kind == KQL_N_NAME) return v->name;
      if (v->kind == KQL_N_LIT && v->lit.type == KV_STRING) return v->str;
      if (v->kind == KQL_N_LIT && v->lit.type == KV_BOOL) return v->lit.u.b ? "true" : "false";
      return "?";
    }
  }
  return NULL;
}

static int kql_check_params(kql_binder *b, kql_node *op, const char *const *allowed) {
  if (!op->params) return 0;
  for (int i = 0; i < op->params->nkids; i++) {
    kql_node *pa = op->params->kids[i];
    if (!strncmp(pa->name, "hint.", 5)) continue;
    bool ok = false;
    for (int k = 0; allowed[k]; k++)
      if (!strcmp(pa->name, allowed[k])) ok = true;
    if (!ok) return kql_bind_fail(b, pa->pos, "not supported yet: %s parameter %s", op->name, pa->name);
  }
  return 0;
}

/* ---- union ---- */
/* Union schema: columns by name in leg order; the same name with different
 * types becomes name_<type> for each (emulator: union-operator-03). */
typedef struct {
  const char *orig;
  kv_type type;
  bool renamed;
} kql_ucol;

static int kql_bind_union(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p, bool is_source) {
  static const char *const allowed[] = {"isfuzzy", "kind", "withsource", "with_source", NULL};
  if (kql_check_params(b, op, allowed)) return -1;
  op = kql_scx_union_legs(b, op, sc); /* View*, isfuzzy */
  const char *kind = kql_param(op, "kind");
  const char *ws = kql_param(op, "withsource");
  if (!ws) ws = kql_param(op, "with_source");
  if (kind && strcmp(kind, "outer") != 0) return kql_bind_fail(b, op->pos, "not supported yet: union kind=%s", kind);
  int nlegs = op->nkids + (is_source ? 0 : 1);
  kql_pipe *legs = kv_calloc((size_t)nlegs, sizeof(kql_pipe));
  int rc = 0, input_leg = -1;
  for (int i = 0; i < nlegs && rc == 0; i++) {
    if (!is_source && i == 0) {
      legs[0] = *p;
    } else {
      kql_node *ln = op->kids[is_source ? i : i - 1];
      if (ln->kind == KQL_N_NAME && ln->flags == 2) {
        rc = kql_bind_fail(b, ln->pos, "not supported yet: union with a wildcard table name");
        break;
      }
      rc = kql_bind_tabular(b, ln, sc, &legs[i]);
    }
    if (rc == 0 && legs[i].kind == KQL_SRC_INPUT) input_leg = i;
  }
  if (rc == 0 && ws && input_leg >= 0) /* each leg carries its name (kql_bind_union_ws.c) */
    for (int i = 0; i < nlegs; i++) kql_union_ws_leg(b, &legs[i], ws, i, i == input_leg, op->pos);
  int cap = 1;
  for (int i = 0; i < nlegs; i++) cap += legs[i].schema.count;
  kql_ucol *uc = kv_calloc((size_t)cap, sizeof(kql_ucol));
  int nu = 0;
  int **maps = kv_calloc((size_t)nlegs, sizeof(int *));
  int **lmap = kv_calloc((size_t)nlegs, sizeof(int *)); /* leg col -> union col */
  if (rc == 0 && ws) {
    uc[nu].orig = ws;
    uc[nu++].type = KV_STRING;
  }
  for (int i = 0; i < nlegs && rc == 0; i++) {
    lmap[i] = kv_calloc((size_t)(legs[i].schema.count + 1), sizeof(int));
    for (int c = 0; c < legs[i].schema.count; c++) {
      const char *nm = legs[i].schema.cols[c].name;
      kv_type t = legs[i].schema.cols[c].type;
      int at = -1;
      bool clash = false;
      for (int k = 0; k < nu; k++)
        if (!strcmp(uc[k].orig, nm)) {
          if (uc[k].type == t) at = k;
          else clash = true;
        }
      if (at < 0) {
        uc[nu].orig = nm;
        uc[nu].type = t;
        at = nu++;
        if (clash)
          for (int k = 0; k < nu; k++)
            if (!strcmp(uc[k].orig, nm)) uc[k].renamed = true;
      }
      lmap[i][c] = at;
    }
  }
  kv_schema u = {0};
  kv_schema plain = {0}; /* names that stay as they are */
  for (int k = 0; k < nu; k++)
    if (!uc[k].renamed) kql_schema_add(b, &plain, uc[k].orig, uc[k].type);
  for (int k = 0; k < nu && rc == 0; k++) {
    if (uc[k].renamed) {
      char buf[300];
      snprintf(buf, sizeof buf, "%s_%s", uc[k].orig, kv_type_name(uc[k].type));
      const char *nm = kql_unique_name(b, &plain, buf);
      kql_schema_add(b, &plain, nm, uc[k].type);
      kql_schema_add(b, &u, nm, uc[k].type);
    } else {
      kql_schema_add(b, &u, uc[k].orig, uc[k].type);
    }
  }
  for (int i = 0; i < nlegs && rc == 0; i++) {
    maps[i] = kv_malloc(sizeof(int) * (size_t)(u.count ? u.count : 1));
    for (int c = 0; c < u.count; c++) maps[i][c] = -1;
    for (int c = 0; c < legs[i].schema.count; c++) maps[i][lmap[i][c]] = c;
  }
  const char **leg_names = kv_calloc((size_t)nlegs, sizeof(char *));
  for (int i = 0; i < nlegs; i++) leg_names[i] = legs[i].leg_name;
  kql_table **tables = kv_calloc((size_t)nlegs, sizeof(kql_table *));
  int ntables = 0;
  int **tmaps = kv_calloc((size_t)nlegs, sizeof(int *));
  int *tleg = kv_calloc((size_t)nlegs, sizeof(int));
  for (int i = 0; i < nlegs && rc == 0; i++) {
    if (i == input_leg) continue;
    kql_table *t = kql_pipe_materialize(b, &legs[i], op->pos);
    if (!t) {
      rc = -1;
      break;
    }
    tables[ntables] = t;
    tleg[ntables] = i;
    tmaps[ntables++] = maps[i];
    maps[i] = NULL;
  }
  if (rc == 0) {
    if (input_leg >= 0) {
      *p = legs[input_leg];
      kql_op *uop = kql_op_union_new(&b->q->ex, u.count, maps[input_leg], tables, tmaps, ntables, true);
      maps[input_leg] = NULL;
      tables = NULL;
      tmaps = NULL;
      kql_pipe_append(p, uop);
    } else {
      kql_table *t = kql_table_new(&u);
      kql_own_table(b, t);
      kv_value *row = kv_calloc((size_t)(u.count ? u.count : 1), sizeof(kv_value));
      for (int k = 0; k < ntables; k++) {
        char argname[32];
        snprintf(argname, sizeof argname, "union_arg%d", tleg[k]);
        const char *lname = leg_names[tleg[k]] ? leg_names[tleg[k]] : argname;
        for (size_t r = 0; r < tables[k]->nrows; r++) {
          kv_value *src = kql_table_row(tables[k], r);
          for (int c = 0; c < u.count; c++)
            row[c] = tmaps[k][c] >= 0 ? src[tmaps[k][c]] : kv_null(u.cols[c].type);
          if (ws) row[0] = kv_string_borrowed(lname, strlen(lname));
          kql_table_add_row(t, row);
        }
      }
      free(row);
      memset(p, 0, sizeof *p);
      p->from = p->to = p->step = kv_null(KV_LONG);
      p->kind = KQL_SRC_TABLE;
      p->table = t;
    }
    p->schema = u;
  } else {
    for (int i = 0; i < nlegs; i++)
      if (legs[i].head) kql_pipe_free(&legs[i]);
    if (!is_source) memset(p, 0, sizeof *p);
  }
  for (int i = 0; i < nlegs; i++) {
    free(maps[i]);
    free(lmap[i]);
  }
  free(maps);
  free(lmap);
  free(uc);
  free(leg_names);
  free(tleg);
  if (tmaps)
    for (int k = 0; k < ntables; k++) free(tmaps[k]);
  free(tmaps);
  free(tables);
  free(legs);
  return rc;
}

/* ---- join / lookup ---- */
static int kql_join_kind(const char *k) {
  if (!k || !strcmp(k, "innerunique")) return KQL_JOIN_INNERUNIQUE;
  if (!strcmp(k, "inner")) return KQL_JOIN_INNER;
  if (!strcmp(k, "leftouter")) return KQL_JOIN_LEFTOUTER;
  if (!strcmp(k, "rightouter")) return KQL_JOIN_RIGHTOUTER;
  if (!strcmp(k, "fullouter")) return KQL_JOIN_FULLOUTER;
  if (!strcmp(k, "leftanti") || !strcmp(k, "anti") || !strcmp(k, "leftantisemi")) return KQL_JOIN_LEFTANTI;
  if (!strcmp(k, "rightanti") || !strcmp(k, "rightantisemi")) return KQL_JOIN_RIGHTANTI;
  if (!strcmp(k, "leftsemi")) return KQL_JOIN_LEFTSEMI;
  if (!strcmp(k, "rightsemi")) return KQL_JOIN_RIGHTSEMI;
  return -1;
}

static int kql_side_of(kql_node *n, const char **col) {
  if (n->kind == KQL_N_MEMBER && n->kids[0]->kind == KQL_N_NAME) {
    *col = n->name;
    if (!strcmp(n->kids[0]->name, "$left")) return 0;
    if (!strcmp(n->kids[0]->name, "$right")) return 1;
  }
  return -1;
}

static int kql_bind_join(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p, bool lookup) {
  static const char *const allowed[] = {"kind", NULL};
  if (kql_check_params(b, op, allowed)) return -1;
  const char *ks = kql_param(op, "kind");
  int kind;
  if (lookup) {
    if (!ks || !strcmp(ks, "leftouter")) kind = KQL_JOIN_LEFTOUTER;
    else if (!strcmp(ks, "inner")) kind = KQL_JOIN_INNER;
    else return kql_bind_fail(b, op->pos, "lookup: kind must be leftouter or inner");
  } else {
    kind = kql_join_kind(ks);
    if (kind < 0) return kql_bind_fail(b, op->pos, "join: unknown kind %s", ks);
  }
  kql_pipe rp;
  memset(&rp, 0, sizeof rp);
  if (kql_bind_tabular(b, op->kids[0], sc, &rp)) {
    kql_pipe_free(&rp);
    return -1;
  }
  kql_table *right = kql_pipe_materialize(b, &rp, op->kids[0]->pos);
  if (!right) return -1;
  kql_node *on = op->kids[1];
  if (!on->nkids) return kql_bind_fail(b, op->pos, "join: missing 'on' keys");
  int nk = on->nkids;
  int *lk = kv_malloc(sizeof(int) * (size_t)nk);
  int *rk = kv_malloc(sizeof(int) * (size_t)nk);
  bool *same_name = kv_calloc((size_t)nk, sizeof(bool));
  const kv_schema *rs = &right->schema;
  for (int i = 0; i < nk; i++) {
    kql_node *k = on->kids[i];
    const char *ln = NULL, *rn = NULL;
    if (k->kind == KQL_N_NAME) {
      ln = rn = k->name;
      same_name[i] = true;
    } else if (k->kind == KQL_N_BINARY && !strcmp(k->name, "==")) {
      const char *a, *c;
      int sa = kql_side_of(k->kids[0], &a), sb = kql_side_of(k->kids[1], &c);
      if (sa == 0 && sb == 1) {
        ln = a;
        rn = c;
      } else if (sa == 1 && sb == 0) {
        ln = c;
        rn = a;
      }
      if (ln && rn && !strcmp(ln, rn)) same_name[i] = true;
    }
    if (!ln) {
      free(lk);
      free(rk);
      free(same_name);
      return kql_bind_fail(b, k->pos, "not supported yet: this join condition");
    }
    lk[i] = kql_schema_find(&p->schema, ln, strlen(ln));
    rk[i] = kql_schema_find(rs, rn, strlen(rn));
    if (lk[i] < 0 || rk[i] < 0) {
      bool lmiss = lk[i] < 0;
      free(lk);
      free(rk);
      free(same_name);
      return kql_bind_fail(b, k->pos, "join: column '%s' not found on the %s side",
                           lmiss ? ln : rn, lmiss ? "left" : "right");
    }
  }
  int *rout = kv_malloc(sizeof(int) * (size_t)(rs->count ? rs->count : 1));
  int nrout = 0;
  for (int c = 0; c < rs->count; c++) {
    bool skip = false;
    if (lookup)
      for (int i = 0; i < nk; i++)
        if (rk[i] == c && same_name[i]) skip = true;
    if (!skip) rout[nrout++] = c;
  }
  free(same_name);
  kv_schema out = {0};
  bool left_only = kind == KQL_JOIN_LEFTSEMI || kind == KQL_JOIN_LEFTANTI;
  bool right_only = kind == KQL_JOIN_RIGHTSEMI || kind == KQL_JOIN_RIGHTANTI;
  if (!right_only)
    for (int c = 0; c < p->schema.count; c++)
      kql_schema_add(b, &out, p->schema.cols[c].name, p->schema.cols[c].type);
  if (!left_only)
    for (int i = 0; i < nrout; i++) {
      const kv_column *col = &rs->cols[rout[i]];
      const char *nm = col->name;
      if (kql_schema_find(&out, nm, strlen(nm)) >= 0) {
        if (lookup) {
          free(lk);
          free(rk);
          free(rout);
          return kql_bind_fail(b, op->pos, "lookup: column '%s' exists on both sides", nm);
        }
        nm = kql_unique_name(b, &out, nm);
      }
      kql_schema_add(b, &out, nm, col->type);
    }
  kv_type *types = kv_malloc(sizeof(kv_type) * (size_t)(out.count ? out.count : 1));
  /* out_types indexes: left columns then right columns, whatever the kind */
  int lc = p->schema.count;
  kv_type *all = kv_malloc(sizeof(kv_type) * (size_t)(lc + nrout + 1));
  for (int c = 0; c < lc; c++) all[c] = p->schema.cols[c].type;
  for (int i = 0; i < nrout; i++) all[lc + i] = rs->cols[rout[i]].type;
  free(types);
  if (right_only) {
    /* kql_join_out writes right columns from index 0 */
    for (int i = 0; i < nrout; i++) all[i] = rs->cols[rout[i]].type;
  }
  kql_pipe_append(p, kql_op_join_new(&b->q->ex, kind, right, lk, rk, nk, lc, rout, nrout, all, lookup));
  p->schema = out;
  return 0;
}

/* ---- mv-expand ---- */
static int kql_bind_mvexpand(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  static const char *const allowed[] = {"bagexpansion", "with_itemindex", "kind", NULL};
  if (kql_check_params(b, op, allowed)) return -1;
  const char *be = kql_param(op, "bagexpansion");
  if (!be) be = kql_param(op, "kind"); /* kind=array is bagexpansion=array */
  if (be && strcmp(be, "bag") != 0 && strcmp(be, "array") != 0)
    return kql_bind_fail(b, op->pos, "mv-expand: unknown bag expansion '%s' (bag or array)", be);
  bool bag_array = be && !strcmp(be, "array");
  const char *idx = kql_param(op, "with_itemindex");
  int nx = 0;
  int64_t limit = -1;
  kql_node *items[16];
  for (int i = 0; i < op->nkids; i++) {
    kql_node *k = op->kids[i];
    if (kql_node_is(k, "limit")) {
      if (!kql_node_const_long(b, k->kids[0], sc, &limit)) return -1;
      continue;
    }
    if (nx == 16) return kql_bind_fail(b, k->pos, "not supported yet: more than 16 mv-expand columns");
    items[nx++] = k;
  }
  kv_schema out;
  out.count = 0;
  out.cols = NULL;
  for (int c = 0; c < p->schema.count; c++) kql_schema_add(b, &out, p->schema.cols[c].name, p->schema.cols[c].type);
  int *cols = kv_malloc(sizeof(int) * (size_t)nx);
  kv_type *types = kv_malloc(sizeof(kv_type) * (size_t)nx);
  kql_expr *exprs[16];
  for (int k = 0; k < nx; k++) {
    kql_node *it = items[k]->kids[0];
    const char *name = NULL;
    kql_node *en = it;
    if (it->kind == KQL_N_ASSIGN) {
      name = it->name;
      en = it->kids[0];
    } else if (it->kind == KQL_N_NAME) {
      name = it->name;
    } else {
      for (int j = 0; j < k; j++) kql_expr_free(exprs[j]);
      free(cols);
      free(types);
      return kql_bind_fail(b, it->pos, "not supported yet: mv-expand of an expression without a name");
    }
    exprs[k] = kql_bind_expr(b, en, &p->schema, sc);
    if (exprs[k] && exprs[k]->type != KV_DYNAMIC) {
      kql_expr_free(exprs[k]);
      exprs[k] = NULL;
      kql_bind_fail(b, en->pos, "mv-expand: the expression must be dynamic (fuzz: null-and-edge-0020)");
    }
    if (!exprs[k]) {
      for (int j = 0; j < k; j++) kql_expr_free(exprs[j]);
      free(cols);
      free(types);
      return -1;
    }
    types[k] = KV_DYNAMIC;
    if (items[k]->nkids > 1) {
      kql_node *ty = items[k]->kids[1];
      if (ty->kind != KQL_N_TYPEOF || !kql_type_from_word(ty->name, &types[k])) {
        for (int j = 0; j <= k; j++) kql_expr_free(exprs[j]);
        free(cols);
        free(types);
        return kql_bind_fail(b, ty->pos, "not supported yet: this mv-expand target type");
      }
    }
    int at = kql_schema_find(&out, name, strlen(name));
    if (at < 0) {
      kql_schema_add(b, &out, name, types[k]);
      at = out.count - 1;
    } else {
      out.cols[at].type = types[k];
    }
    cols[k] = at;
  }
  int index_col = -1;
  if (idx) {
    kql_schema_add(b, &out, idx, KV_LONG);
    index_col = out.count - 1;
  }
  kql_op *m = kql_op_mvexpand_new(&b->q->ex, out.count, cols, types, nx, limit, index_col);
  for (int k = 0; k < nx; k++) kql_op_mvexpand_set_expr(m, k, exprs[k]);
  if (bag_array) kql_op_mvexpand_set_bag_array(m);
  kql_pipe_append(p, m);
  p->schema = out;
  return 0;
}

/* ---- parse ---- */
/* Capturing groups a regex fragment opens: '(' not escaped, not in a class,
 * not '(?flags' / '(?:' (but '(?P<name>' and '(?<name>' capture). */
static int kql_regex_literal_groups(const char *s, size_t n) {
  int count = 0;
  bool cls = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\\') {
      i++;
      continue;
    }
    if (cls) {
      if (c == ']') cls = false;
      continue;
    }
    if (c == '[') {
      cls = true;
      if (i + 1 < n && s[i + 1] == '^') i++;
      if (i + 1 < n && s[i + 1] == ']') i++; /* a leading ] is literal */
    } else if (c == '(') {
      if (i + 1 >= n || s[i + 1] != '?') count++;
      else if (i + 2 < n && (s[i + 2] == 'P' || (s[i + 2] == '<' && i + 3 < n && s[i + 3] != '=' && s[i + 3] != '!')))
        count++;
    }
  }
  return count;
}

static void kql_regex_escape(kv_buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    /* RE2 refuses an escaped word character: '_' stays as it is */
    if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_'))
      kv_buf_putc(b, '\\');
    kv_buf_putc(b, (char)c);
  }
}

static int kql_bind_parse(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p, bool where_mode) {
  static const char *const allowed[] = {"kind", "flags", NULL};
  if (kql_check_params(b, op, allowed)) return -1;
  const char *kind = kql_param(op, "kind");
  const char *flags = kql_param(op, "flags");
  bool regex = kind && !strcmp(kind, "regex");
  bool relaxed = kind && !strcmp(kind, "relaxed"); /* a typed value that does not convert is null */
  if (kind && !regex && !relaxed && strcmp(kind, "simple") != 0)
    return kql_bind_fail(b, op->pos, "parse: unknown kind '%s' (simple, regex or relaxed)", kind);
  unsigned rflags = 0;
  if (flags) {
    if (!regex) return kql_bind_fail(b, op->pos, "parse: flags need kind=regex");
    for (const char *f = flags; *f; f++) {
      if (*f == 'i') rflags |= KQL_REGEX_ICASE;
      else if (*f == 'm') rflags |= KQL_REGEX_MULTILINE;
      else if (*f == 's') rflags |= KQL_REGEX_DOTALL;
      else if (*f == 'U') rflags |= KQL_REGEX_UNGREEDY;
      else return kql_bind_fail(b, op->pos, "parse: unknown regex flag '%c'", *f);
    }
  }
  kql_expr *src = kql_bind_expr(b, op->kids[0], &p->schema, sc);
  if (!src) return -1;
  kv_schema out;
  out.count = 0;
  out.cols = NULL;
  for (int c = 0; c < p->schema.count; c++) kql_schema_add(b, &out, p->schema.cols[c].name, p->schema.cols[c].type);
  int nitems = op->nkids - 1;
  kql_parse_item *items = kv_calloc((size_t)(nitems ? nitems : 1), sizeof(kql_parse_item));
  /* a regex literal's own groups take group numbers too: they map to no column */
  int ncap = 0;
  for (int i = 0; i < nitems; i++) {
    kql_node *it = op->kids[1 + i];
    if (it->kind == KQL_N_COLDEF) ncap++;
    else if (regex && it->kind == KQL_N_LIT) ncap += kql_regex_literal_groups(it->lit.u.s, it->lit.len);
  }
  int *gcol = kv_calloc((size_t)(ncap ? ncap : 1), sizeof(int));
  int ng = 0;
  kv_buf re;
  kv_buf_init(&re);
  if (!regex) kv_buf_puts(&re, "^");
  if (regex) kv_buf_puts(&re, "(?s)");
  for (int i = 0; i + 1 < nitems; i++)
    if (op->kids[1 + i]->kind == KQL_N_COLDEF && op->kids[2 + i]->kind == KQL_N_COLDEF) {
      free(items);
      free(gcol);
      kv_buf_free(&re);
      kql_expr_free(src);
      return kql_bind_fail(b, op->kids[2 + i]->pos, "parse: two columns need a delimiter between them");
    }
  for (int i = 0; i < nitems; i++) {
    kql_node *it = op->kids[1 + i];
    bool last = i == nitems - 1;
    if (it->kind == KQL_N_LIT) {
      items[i].kind = 0;
      kv_value s = it->lit;
      if (regex) {
        kv_buf_append(&re, s.u.s, s.len);
        for (int g = kql_regex_literal_groups(s.u.s, s.len); g > 0 && ng < ncap; g--) gcol[ng++] = -1;
      } else {
        kql_regex_escape(&re, s.u.s, s.len);
      }
    } else if (it->kind == KQL_N_STAR) {
      items[i].kind = 2;
      kv_buf_puts(&re, (last || regex) ? ".*" : ".*?");
    } else {
      kv_type t = KV_STRING;
      if (it->str[0] && !kql_type_from_word(it->str, &t)) {
        kv_buf_free(&re);
        free(items);
        free(gcol);
        kql_expr_free(src);
        return kql_bind_fail(b, it->pos, "unknown type '%s'", it->str);
      }
      if (!strcmp(it->name, "first") || !strcmp(it->name, "last") || !strcmp(it->name, "asc") ||
          !strcmp(it->name, "desc")) {
        kv_buf_free(&re);
        free(items);
        free(gcol);
        kql_expr_free(src);
        return kql_bind_fail(b, it->pos, "'%s' is a keyword: write ['%s'] to use it as a column name", it->name, it->name);
      }
      items[i].kind = 1;
      items[i].type = t;
      int at = kql_schema_find(&out, it->name, it->name_len);
      if (at < 0) {
        kql_schema_add(b, &out, it->name, t);
        at = out.count - 1;
      } else {
        out.cols[at].type = t;
      }
      items[i].col = at;
      gcol[ng++] = at;
      if (relaxed && (t == KV_INT || t == KV_LONG)) kv_buf_puts(&re, last ? "(-?\\d+|.*)" : "(-?\\d+|.*?)");
      else if (relaxed && t != KV_STRING) kv_buf_puts(&re, last ? "(.*)" : "(.*?)");
      else if (t == KV_INT || t == KV_LONG) kv_buf_puts(&re, "(-?\\d+)");
      else if (t == KV_REAL || t == KV_DECIMAL) kv_buf_puts(&re, "(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)");
      else kv_buf_puts(&re, (last || regex) ? "(.*)" : "(.*?)"); /* regex mode is greedy (fuzz: parse-search-0010) */
    }
  }
  kql_regex *rx = NULL;
  kql_regex_error rerr;
  int rc = kql_regex_compile(re.data ? re.data : "", re.len, rflags, &rx, &rerr);
  kv_buf_free(&re);
  if (rc != 0) {
    free(items);
    free(gcol);
    kql_expr_free(src);
    return kql_bind_fail(b, op->pos, "parse: invalid pattern: %s", rerr.message);
  }
  if (kql_regex_group_count(rx) != ng) {
    /* literal regex fragments with their own groups would shift the captures */
    kql_regex_free(rx);
    free(items);
    free(gcol);
    kql_expr_free(src);
    return kql_bind_fail(b, op->pos, "not supported yet: this parse regex (its groups could not be matched to columns)");
  }
  kql_op *po = kql_op_parse_new(&b->q->ex, p->schema.count, out.count, src, items, nitems, rx, gcol, ng, where_mode);
  if (relaxed) kql_op_parse_set_relaxed(po);
  free(items);
  kql_pipe_append(p, po);
  p->schema = out;
  return 0;
}

/* ---- getschema (needs only the schema) ---- */
static const char *kql_clr_type(kv_type t) {
  switch (t) {
    case KV_BOOL: return "System.Boolean";
    case KV_INT: return "System.Int32";
    case KV_LONG: return "System.Int64";
    case KV_REAL: return "System.Double";
    case KV_DECIMAL: return "System.Data.SqlTypes.SqlDecimal";
    case KV_STRING: return "System.String";
    case KV_DATETIME: return "System.DateTime";
    case KV_TIMESPAN: return "System.TimeSpan";
    case KV_GUID: return "System.Guid";
    default: return "System.Object";
  }
}

static int kql_bind_getschema(kql_binder *b, kql_node *op, kql_pipe *p) {
  if (p->kind == KQL_SRC_INPUT) return kql_bind_fail(b, op->pos, "not supported yet: getschema on the input stream");
  kv_schema out = {0};
  kql_schema_add(b, &out, "ColumnName", KV_STRING);
  kql_schema_add(b, &out, "ColumnOrdinal", KV_INT);
  kql_schema_add(b, &out, "DataType", KV_STRING);
  kql_schema_add(b, &out, "ColumnType", KV_STRING);
  kql_table *t = kql_table_new(&out);
  kql_own_table(b, t);
  for (int c = 0; c < p->schema.count; c++) {
    kv_value row[4];
    row[0] = kv_string_borrowed(p->schema.cols[c].name, strlen(p->schema.cols[c].name));
    row[1] = kv_int(c);
    row[2] = kv_string_borrowed(kql_clr_type(p->schema.cols[c].type), strlen(kql_clr_type(p->schema.cols[c].type)));
    const char *tn = kv_type_name(p->schema.cols[c].type);
    row[3] = kv_string_borrowed(tn, strlen(tn));
    kql_table_add_row(t, row);
  }
  kql_pipe_free(p);
  p->kind = KQL_SRC_TABLE;
  p->table = t;
  p->schema = out;
  return 0;
}

int kql_bind_op_more(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  if (op->kind == KQL_N_UNION) return kql_bind_union(b, op, sc, p, false);
  if (kql_node_is(op, "join")) return kql_bind_join(b, op, sc, p, false);
  if (kql_node_is(op, "lookup")) return kql_bind_join(b, op, sc, p, true);
  if (kql_node_is(op, "mv-expand")) return kql_bind_mvexpand(b, op, sc, p);
  if (kql_node_is(op, "parse")) return kql_bind_parse(b, op, sc, p, false);
  if (kql_node_is(op, "parse-where")) return kql_bind_parse(b, op, sc, p, true);
  if (kql_node_is(op, "getschema")) return kql_bind_getschema(b, op, p);
  if (kql_node_is(op, "evaluate")) return kql_bind_evaluate(b, op, sc, p); /* kql_plugin.c */
  return kql_bind_fail(b, op->pos, "not supported yet: %s", op->name);
}

int kql_bind_union_source(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  return kql_bind_union(b, op, sc, p, true);
}
