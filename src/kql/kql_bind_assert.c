/* SPDX-License-Identifier: MIT
 * assert(condition, message): checked while the query is bound, as Kusto does
 * in its analysis phase. Both arguments must be constants (they may come from
 * let-bound values and function parameters, never from a row); a true
 * condition gives the constant true, a false one fails the query with
 * "assert() has failed with message: '<message>'". */
#include "kql/kql_bind.h"

#include <string.h>

bool kql_bind_assert_call(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc,
                          kql_expr **out) {
  *out = NULL;
  if (n->kind != KQL_N_CALL || !n->name || strcmp(n->name, "assert")) return false;
  if (n->nkids != 2) {
    kql_bind_fail(b, n->pos, "assert(): expects 2 arguments (condition, message)");
    return true;
  }
  kql_expr *cond = kql_bind_expr(b, n->kids[0], row, sc);
  if (!cond) return true;
  kql_expr *msg = kql_bind_expr(b, n->kids[1], row, sc);
  if (!msg) {
    kql_expr_free(cond);
    return true;
  }
  kv_value c = cond->is_const ? kv_from_dynamic(cond->cval) : kv_null(KV_BOOL);
  kv_value m = msg->is_const ? kv_from_dynamic(msg->cval) : kv_null(KV_STRING);
  if (!cond->is_const || (kv_scalar_type(c) != KV_BOOL && !kv_is_null(c)))
    kql_bind_fail(b, n->kids[0]->pos, "assert(): the condition must be a constant bool");
  else if (!msg->is_const || kv_scalar_type(m) != KV_STRING)
    kql_bind_fail(b, n->kids[1]->pos, "assert(): the message must be a constant string");
  else if (kv_is_null(c) || !c.u.b)
    kql_bind_fail(b, n->pos, "assert() has failed with message: '%.*s'", (int)(m.len > 300 ? 300 : m.len),
                  m.u.s);
  else {
    kql_expr *e = kql_expr_new(KQL_E_CONST, KV_BOOL, n->pos);
    e->cval = kv_bool(true);
    e->is_const = true;
    *out = e;
  }
  kv_release(c);
  kv_release(m);
  kql_expr_free(cond);
  kql_expr_free(msg);
  return true;
}
