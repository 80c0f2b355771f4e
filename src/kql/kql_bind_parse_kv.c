/* SPDX-License-Identifier: MIT
 * Binder for parse-kv (work in progress). */
#include "kql/kql_bind.h"

int kql_bind_parse_kv(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  (void)sc;
  (void)p;
  return kql_bind_fail(b, op->pos, "not supported yet: parse-kv");
}
