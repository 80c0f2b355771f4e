/* SPDX-License-Identifier: MIT
 * Binder side of query options kept from `set` statements and of bin_auto(),
 * which reads two of them: `set query_bin_auto_size=...` (required) and
 * `set query_bin_auto_at=...` (the fixed point, default 0). bin_auto(x) is
 * bound as bin_at(x, size, at), or as bin(x, size) when no fixed point was
 * set. Owner: kqlfns. */
#include <string.h>

#include "kql/kql_bind.h"

void kql_bind_note_set(kql_binder *b, kql_node *st) {
  if (!st->name || st->nkids < 1) return;
  if (!strcmp(st->name, "query_bin_auto_size")) b->bin_auto_size = st->kids[0];
  else if (!strcmp(st->name, "query_bin_auto_at")) b->bin_auto_at = st->kids[0];
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
