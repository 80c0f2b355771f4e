/* SPDX-License-Identifier: MIT
 * declare pattern: a statement that maps argument values (and an optional
 * path value: P("x").Path or P("x").["Path"]) to tabular bodies. A
 * reference is resolved at bind time by comparing constant arguments with
 * each case; the matching body is bound with the parameters as scalars.
 * Stage: binder. */
#include "kql/kql_scanops.h"

#include <string.h>

int kql_scx_declare(kql_binder *b, kql_node *st, kql_scope *sc) {
  if (!kql_node_is(st, "pattern")) return kql_bind_fail(b, st->pos, "not supported yet: %s", st->name);
  kql_ent *e = kql_arena_alloc(b->a, sizeof *e);
  memset(e, 0, sizeof *e);
  e->name = st->str;
  e->kind = KQL_ENT_TABULAR;
  e->node = st;
  e->scope = sc;
  e->cval = kv_null(KV_DYNAMIC);
  e->next = sc->ents;
  sc->ents = e;
  return 0;
}

static kql_ent *kql_scx_pattern(kql_scope *sc, const kql_node *call) {
  if (!call || call->kind != KQL_N_CALL) return NULL;
  for (; sc; sc = sc->parent)
    for (kql_ent *e = sc->ents; e; e = e->next)
      if (!strcmp(e->name, call->name))
        return (e->node && e->node->kind == KQL_N_DECLARE) ? e : NULL;
  return NULL;
}

bool kql_scx_is_pattern_ref(kql_binder *b, kql_node *n, kql_scope *sc) {
  (void)b;
  if (n->kind == KQL_N_CALL) return kql_scx_pattern(sc, n) != NULL;
  if ((n->kind == KQL_N_MEMBER || n->kind == KQL_N_INDEX) && n->nkids >= 1)
    return kql_scx_pattern(sc, n->kids[0]) != NULL;
  return false;
}

/* Constant value of n converted to type t; false (bind error set) if not constant. */
static bool kql_scx_const(kql_binder *b, kql_node *n, kql_scope *sc, kv_type t, kv_value *out) {
  kql_expr *x = kql_bind_expr(b, n, NULL, sc);
  if (!x) return false;
  if (!x->is_const) {
    kql_expr_free(x);
    kql_bind_fail(b, n->pos, "pattern: arguments must be constants");
    return false;
  }
  *out = kv_convert(x->cval, t);
  kql_expr_free(x);
  return true;
}

static void kql_scx_release(kv_value *v, int n) {
  for (int i = 0; i < n; i++) kv_release(v[i]);
}

int kql_bind_pattern_ref(kql_binder *b, kql_node *n, kql_scope *sc, kql_pipe *p) {
  kql_node *call = n->kind == KQL_N_CALL ? n : n->kids[0];
  kql_ent *e = kql_scx_pattern(sc, call);
  if (!e) return kql_bind_fail(b, n->pos, "not supported yet: this tabular expression");
  kql_node *decl = e->node;
  if (decl->nkids < 2) return kql_bind_fail(b, n->pos, "pattern '%s' has no definition", decl->str);
  kql_node *args = decl->kids[0], *path = decl->kids[1];
  int na = args->nkids, np = path->nkids;
  if (na > 16 || np > 1) return kql_bind_fail(b, n->pos, "not supported yet: this pattern");
  if (call->nkids != na)
    return kql_bind_fail(b, call->pos, "pattern '%s' expects %d argument(s)", decl->str, na);
  bool has_path = n != call;
  if (has_path != (np == 1))
    return kql_bind_fail(b, n->pos, has_path ? "pattern '%s' has no path" : "pattern '%s' needs a path (P(...).Name)", decl->str);
  kv_value want[17];
  kv_type types[17];
  for (int i = 0; i < na + np; i++) {
    kql_node *pa = i < na ? args->kids[i] : path->kids[0];
    if (!kql_type_from_word(pa->str, &types[i])) return kql_bind_fail(b, pa->pos, "unknown type '%s'", pa->str);
  }
  int got = 0;
  for (; got < na; got++)
    if (!kql_scx_const(b, call->kids[got], sc, types[got], &want[got])) {
      kql_scx_release(want, got);
      return -1;
    }
  if (has_path) {
    if (n->kind == KQL_N_MEMBER) {
      want[got++] = kv_convert(kv_string_borrowed(n->name, n->name_len), types[na]);
    } else if (!kql_scx_const(b, n->kids[1], sc, types[na], &want[got++])) {
      kql_scx_release(want, got - 1);
      return -1;
    }
  }
  kql_node *body = NULL;
  for (int c = 2; c < decl->nkids && !body && !b->failed; c++) {
    kql_node *cs = decl->kids[c];
    if (cs->nkids != na + np + 1) continue;
    bool ok = true;
    for (int i = 0; i < na + np && ok; i++) {
      kv_value v;
      if (!kql_scx_const(b, cs->kids[i], e->scope, types[i], &v)) {
        ok = false;
        break;
      }
      ok = kv_same(v, want[i]);
      kv_release(v);
    }
    if (ok && !b->failed) body = cs->kids[na + np];
  }
  int rc = 0;
  if (b->failed) {
    rc = -1;
  } else if (!body) {
    rc = kql_bind_fail(b, n->pos, "pattern '%s': no definition matches these arguments", decl->str);
  } else if (body->nkids != 1) {
    rc = kql_bind_fail(b, body->pos, "not supported yet: statements in a pattern body");
  } else {
    kql_scope *fs = kql_arena_alloc(b->a, sizeof *fs);
    memset(fs, 0, sizeof *fs);
    fs->parent = e->scope;
    for (int i = 0; i < na; i++) { /* the arguments are visible in the body */
      kql_ent *pe = kql_arena_alloc(b->a, sizeof *pe);
      memset(pe, 0, sizeof *pe);
      pe->name = args->kids[i]->name;
      pe->kind = KQL_ENT_SCALAR;
      pe->cval = kv_retain(want[i]);
      pe->ctype = types[i];
      pe->next = fs->ents;
      fs->ents = pe;
      pe->all_next = b->all;
      b->all = pe;
    }
    rc = kql_bind_tabular(b, body->kids[0], fs, p);
  }
  kql_scx_release(want, got);
  return rc;
}
