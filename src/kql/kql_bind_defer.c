/* SPDX-License-Identifier: MIT
 * Binder side of the deferred operator: which operators need their whole
 * input as a table, and, over the input stream, a trial binding over an empty
 * table of the stream's columns to learn the result columns that the rest of
 * the query binds against. The rows are buffered and the operator bound and
 * run for real at end of input (kql_op_defer.c). Stage: binder. */
#include "kql/kql_defer.h"

#include <stdlib.h>
#include <string.h>

#include "kql/kql_scanops.h"

/* Operators whose binders materialize their input (kql_pipe_materialize).
 * evaluate bag_unpack is not here: over the stream it streams with a
 * declared schema, and without one its columns depend on the data. */
static const char *const kql_defer_ops[] = {"partition", "top-nested", "reduce", "getschema",
                                            "evaluate", NULL};

bool kql_defer_wanted(const kql_node *op) {
  if (op->kind == KQL_N_GENERIC) return false; /* not supported at all: fails as it did */
  for (int i = 0; kql_defer_ops[i]; i++) {
    if (!kql_node_is(op, kql_defer_ops[i])) continue;
    if (!strcmp(kql_defer_ops[i], "evaluate"))
      return !(op->nkids >= 1 && op->kids[0]->kind == KQL_N_CALL && kql_node_is(op->kids[0], "bag_unpack"));
    return true;
  }
  return false;
}

int kql_bind_defer(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  kql_table *empty = kql_table_new(&p->schema);
  kql_scx_own_table(b, empty);
  int colnum = b->colnum; /* the late binding must name Column<n> the same way */
  kql_pipe tp;
  memset(&tp, 0, sizeof tp);
  tp.from = tp.to = tp.step = kv_null(KV_LONG);
  tp.kind = KQL_SRC_TABLE;
  tp.table = empty;
  tp.serialized = p->serialized;
  for (int i = 0; i < p->schema.count; i++)
    kql_schema_add(b, &tp.schema, p->schema.cols[i].name, p->schema.cols[i].type);
  int rc = kql_bind_op(b, op, sc, &tp);
  kv_schema res = tp.schema;
  bool ser = tp.serialized;
  kql_pipe_free(&tp); /* only the columns are kept: the rows come at end of input */
  if (rc) return -1;
  /* the binder releases let constants when it is done; the late binding needs them */
  int nheld = 0;
  for (kql_ent *e = b->all; e; e = e->all_next) nheld++;
  kv_value *held = kv_calloc((size_t)(nheld ? nheld : 1), sizeof(kv_value));
  nheld = 0;
  for (kql_ent *e = b->all; e; e = e->all_next) held[nheld++] = kv_retain(e->cval);
  kql_defer_spec s;
  memset(&s, 0, sizeof s);
  s.q = b->q;
  s.op = op;
  s.scope = sc;
  s.in = p->schema;
  s.serialized = p->serialized;
  s.res = res;
  s.serialized_out = ser;
  s.keep_rows = !kql_node_is(op, "getschema");
  s.colnum = colnum;
  s.input_name = b->input_name;
  s.held = held;
  s.nheld = nheld;
  kql_pipe_append(p, kql_op_defer_new(&b->q->ex, &s));
  p->schema = res;
  p->serialized = ser;
  return 0;
}
