/* SPDX-License-Identifier: MIT
 * Binder for the operators beyond the core set: union, join, lookup,
 * mv-expand, parse, evaluate bag_unpack, getschema. */
#include "kql/kql_bind.h"

#include <stdlib.h>
#include <string.h>

int kql_bind_op_more(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  (void)sc;
  (void)p;
  return kql_bind_fail(b, op->pos, "not supported yet: %s", op->name);
}
