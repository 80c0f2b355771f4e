/* SPDX-License-Identifier: MIT
 * Binder of reduce by Expr: not implemented yet (Kusto's pattern clustering
 * could not be matched exactly from its documentation alone). */
#include "kql/kql_scanops.h"

int kql_bind_reduce(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  (void)sc;
  (void)p;
  return kql_bind_fail(b, op->pos, "not supported yet: reduce");
}
