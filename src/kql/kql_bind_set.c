/* SPDX-License-Identifier: MIT
 * Binder side of `set` statements (request properties) and of bin_auto().
 * Kept: query_bin_auto_size (required by bin_auto) and query_bin_auto_at
 * (its fixed point, default 0): bin_auto(x) is bound as bin_at(x, size, at),
 * or bin(x, size) without a fixed point; query_now fixes now()/ago() for the
 * statements that follow. Properties that would change the rows in a way we
 * do not run fail as not supported yet; the others are ignored. Owner: kqlfns. */
#include <string.h>

#include "kql/kql_bind.h"

/* ORDER: request properties that change the result rows */
static const char *const kql_set_refused[] = {
    "query_take_max_records", "query_results_apply_getschema", "query_datetimescope_column",
    "query_datetimescope_from", "query_datetimescope_to", "query_cursor_current",
    "query_cursor_after_default", "query_cursor_before_or_at_default", "query_cursor_scoped_tables",
    NULL,
};

int kql_bind_note_set(kql_binder *b, kql_node *st, kql_scope *sc) {
  if (!st->name) return 0;
  for (int i = 0; kql_set_refused[i]; i++)
    if (!strcmp(st->name, kql_set_refused[i]))
      return kql_bind_fail(b, st->pos, "not supported yet: set %s", st->name);
  if (st->nkids < 1) return 0;
  if (!strcmp(st->name, "query_bin_auto_size")) b->bin_auto_size = st->kids[0];
  else if (!strcmp(st->name, "query_bin_auto_at")) b->bin_auto_at = st->kids[0];
  else if (!strcmp(st->name, "query_now")) {
    kql_expr *e = kql_bind_expr(b, st->kids[0], NULL, sc);
    if (!e) return -1;
    kv_value v = e->is_const ? kv_from_dynamic(e->cval) : kv_null(KV_DATETIME);
    kql_expr_free(e);
    bool ok = v.type == KV_DATETIME && !kv_is_null(v);
    if (ok) b->q->ex.now_ticks = v.u.i; /* constant folding of later statements reads it */
    kv_release(v);
    if (!ok) return kql_bind_fail(b, st->kids[0]->pos, "query_now: expected a datetime constant");
  }
  return 0;
}

kql_expr *kql_bind_bin_auto(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc) {
  if (n->nkids != 1) {
    kql_bind_fail(b, n->pos, "function bin_auto: expects 1 arguments, got %d", n->nkids);
    return NULL;
  }
  if (!b->bin_auto_size) {
    kql_bind_fail(b, n->pos, "not supported yet: bin_auto() without set query_bin_auto_size");
    return NULL;
  }
  kql_node *opts[2] = {b->bin_auto_size, b->bin_auto_at};
  for (int i = 0; i < 2; i++) { /* options are constants, never columns */
    if (!opts[i]) continue;
    kql_expr *c = kql_bind_expr(b, opts[i], NULL, sc);
    if (!c) return NULL;
    bool is_const = c->is_const;
    kql_expr_free(c);
    if (!is_const) {
      kql_bind_fail(b, opts[i]->pos, "bin_auto: the %s option must be a constant",
                    i ? "query_bin_auto_at" : "query_bin_auto_size");
      return NULL;
    }
  }
  const char *fn = b->bin_auto_at ? "bin_at" : "bin";
  kql_node *call = kql_node_new(b->a, KQL_N_CALL, n->pos);
  call->end = n->end;
  call->name = fn;
  call->name_len = (uint32_t)strlen(fn);
  kql_node_add(b->a, call, n->kids[0]);
  kql_node_add(b->a, call, b->bin_auto_size);
  if (b->bin_auto_at) kql_node_add(b->a, call, b->bin_auto_at);
  return kql_bind_expr(b, call, row, sc);
}
