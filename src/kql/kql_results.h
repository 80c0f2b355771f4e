/* SPDX-License-Identifier: MIT
 * Several result tables of one query (batches of tabular statements, fork):
 * what the binder (kql_bind_batch.c) records per table and what the query
 * (kql_results.c) runs and emits. Private to src/kql. Table 0 streams through
 * the emit callback; the other tables are collected and emitted at finish. */
#ifndef E2K_KQL_KQL_RESULTS_H
#define E2K_KQL_KQL_RESULTS_H

#include "kql/kql_int.h"

typedef struct kql_result {
  const char *name;  /* arena */
  kv_schema schema;  /* arena */
  bool streams;      /* table 0 read from the input: its rows went out as they came */
  kql_table *out;    /* the rows (owned by q->tables); NULL when streams */
} kql_result;

/* Tee: every row goes to each child chain (owned); finish/tick reach all. */
kql_op *kql_op_tee_new(kql_exec *ex, int ncols, kql_op **children, int nchildren);
void kql_op_tee_add(kql_op *tee, kql_op *child); /* takes ownership of the chain */
/* End of input for a query with several results: finishes the input chain,
 * then emits table 0 (unless it streamed) and tables 1.. in order. */
int kql_results_finish(kql_query *q);
void kql_results_free(kql_query *q);

#endif
