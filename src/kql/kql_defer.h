/* SPDX-License-Identifier: MIT
 * Private header of the "deferred" operator: operators whose binder needs its
 * whole input as a table (partition, top-nested, reduce, getschema, evaluate
 * plug-ins) run over the input stream by buffering the rows to end of input
 * and then binding and running the table form there (kql_bind_defer.c binds,
 * kql_op_defer.c buffers and runs). Only src/kql uses it. */
#ifndef E2K_KQL_KQL_DEFER_H
#define E2K_KQL_KQL_DEFER_H

#include "kql/kql_bind.h"

/* True when `op` must see a materialized input (one table in kql_bind_defer.c). */
bool kql_defer_wanted(const kql_node *op);
/* Binds op over the input stream p: a trial binding over an empty table of
 * p's columns gives the result columns; the run is deferred. 0 or -1. */
int kql_bind_defer(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);

typedef struct kql_defer_spec {
  kql_query *q;           /* the query: text, arena, tables, result schema */
  kql_node *op;           /* the operator's syntax (query arena) */
  kql_scope *scope;       /* scope it is bound in (query arena) */
  kv_schema in;           /* columns of the buffered rows (names: query arena) */
  bool serialized;        /* the input's row order is defined */
  kv_schema res;          /* result columns of the trial binding (query arena) */
  bool serialized_out;    /* the result's row order is defined */
  bool keep_rows;         /* false: the result does not depend on the rows (getschema) */
  int colnum;             /* the binder's Column<n> counter before the operator */
  const char *input_name; /* name of the input stream (error messages) */
  kv_value *held;         /* owned: let constants kept alive for the late binding */
  int nheld;
} kql_defer_spec;
/* Takes ownership of spec->held. */
kql_op *kql_op_defer_new(kql_exec *ex, const kql_defer_spec *spec);

#endif
