/* SPDX-License-Identifier: MIT
 * Private header of the mv-apply and parse-kv operators: their constructors,
 * called by kql_bind_mv_apply.c and kql_bind_parse_kv.c. mv-apply re-binds
 * its sub-query per input row, so it carries the binder's context. */
#ifndef E2K_KQL_KQL_OP_EXT_H
#define E2K_KQL_KQL_OP_EXT_H

#include "kql/kql_bind.h"

/* ---- mv-apply ---- */
typedef struct kql_mvapply_spec {
  kql_query *q;          /* the query: text, tables, execution state */
  kql_scope *scope;      /* scope of the sub-query's outer names (query arena) */
  kql_node *root;        /* sub-query AST over the source named src_name */
  const char *src_name;  /* name the sub-query's rows are bound to */
  kv_schema sub;         /* schema of the per-row table (names: query arena) */
  int *sub_src;          /* per sub column: >= 0 outer column, -1 - k expansion k, -1000 index */
  kql_expr **exprs;      /* owned: one array expression per expansion */
  kv_type *types;        /* owned: element type per expansion */
  int nx;                /* expansions */
  int64_t limit;         /* rows per input row, -1 = none */
  kv_schema res;         /* expected schema of the sub-query's result */
  int *out_src;          /* owned: per output column: >= 0 outer column, else -1 - result column */
  int ncols;             /* output columns */
  kv_value *held;        /* owned: let constants kept alive for re-binding */
  int nheld;
  uint32_t pos;          /* operator position (errors) */
  int colnum;            /* the binder's Column<n> counter before the sub-query */
  kql_scope **scopes;    /* owned: persistent scopes a per-row binding may add to ('as') */
  kql_ent **heads;       /* owned: their entity lists, restored after each row */
  int nscopes;
} kql_mvapply_spec;
/* Takes ownership of the spec's owned arrays. */
kql_op *kql_op_mv_apply_new(kql_exec *ex, const kql_mvapply_spec *spec);

/* ---- parse-kv ---- */
enum { KQL_PKV_DELIMS = 0, KQL_PKV_FREE, KQL_PKV_REGEX };
typedef struct kql_parse_kv_spec {
  int mode;             /* KQL_PKV_* */
  kql_expr *src;        /* owned: the text */
  char **keys;          /* owned: key names (kv_malloc'd strings) */
  kv_type *types;       /* owned: per key */
  int *cols;            /* owned: per key, output column */
  int nkeys;
  char *pair_delim;     /* owned (DELIMS) */
  char *kv_delim;       /* owned (DELIMS) */
  char *quotes;         /* owned: open/close pairs, 2 bytes per quote kind */
  int nquotes;
  char *escapes;        /* owned: escape characters */
  int nescapes;
  bool greedy;
  kql_regex *re;        /* owned (REGEX): two groups, key and value */
  int in_cols;          /* input columns (passed through) */
  int ncols;            /* output columns */
} kql_parse_kv_spec;
/* Takes ownership of the spec's owned members. */
kql_op *kql_op_parse_kv_new(kql_exec *ex, const kql_parse_kv_spec *spec);

#endif
