/* SPDX-License-Identifier: MIT
 * Private header of the "scan family" of tabular operators: scan, partition,
 * sample, sample-distinct, top-nested, top-hitters, reduce and a few query
 * forms (distinct *, invoke, union wildcards). Binders live in
 * kql_bind_<op>.c, streaming operators in kql_op_<op>.c. Only src/kql uses it. */
#ifndef E2K_KQL_KQL_SCANOPS_H
#define E2K_KQL_KQL_SCANOPS_H

#include "kql/kql_bind.h"

/* ---- binders (0 bound, -1 error) ---- */
int kql_bind_scan(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_partition(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_sample(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_sample_distinct(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_top_nested(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_top_hitters(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_reduce(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);

/* ---- helpers shared by those binders (kql_bind_scanops.c) ---- */
/* The query owns t from now on. */
void kql_scx_own_table(kql_binder *b, kql_table *t);
/* Replaces the pipe by a table source reading t (t must be owned by the query). */
void kql_scx_pipe_table(kql_binder *b, kql_pipe *p, kql_table *t);
/* A fresh syntax node in the query arena (name copied by pointer). */
kql_node *kql_scx_node(kql_binder *b, kql_nkind kind, uint32_t pos, const char *name);
/* Binds the operator `op` over table `src` and runs it eagerly; the query owns the result. */
kql_table *kql_scx_run_op(kql_binder *b, kql_node *op, kql_scope *sc, kql_table *src, uint32_t pos);
/* Adds a let-style tabular name bound to table t to scope sc. */
void kql_scx_scope_table(kql_binder *b, kql_scope *sc, const char *name, kql_table *t);
/* Does the bound expression use row_number/prev/next/row_cumsum? */
bool kql_scx_uses_window(const kql_expr *e);

/* ---- query-form rewrites (kql_bind_forms.c) ---- */
int kql_bind_invoke(kql_binder *b, kql_node *pipe, kql_scope *sc, kql_pipe *p);

/* ---- streaming operators ---- */
typedef struct kql_scan_step {
  kql_expr *cond;
  int nassign;
  int *assign_col;      /* target column (index into the scan's core row) */
  kql_expr **assign;    /* values, converted to the column's type */
  int output;           /* 0 all, 2 none */
} kql_scan_step;
/* Row layout seen by the step expressions: the core row (input columns then
 * declared ones), then for every step one block of the core columns holding
 * that step's record in the state being evaluated. `empty` (ncore values) is
 * the record of a step with no state (nulls, declared defaults). Output =
 * core row [+ match id]. Takes ownership of steps, types and empty. */
kql_op *kql_op_scan_new(kql_exec *ex, int in_cols, int ncore, kv_type *types, kv_value *empty,
                        kql_scan_step *steps, int nsteps, bool match_id);
/* Uniform sample of n rows (reservoir, fixed seed: reproducible output). */
kql_op *kql_op_sample_new(kql_exec *ex, int ncols, int64_t n);

#endif
