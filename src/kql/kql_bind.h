/* SPDX-License-Identifier: MIT
 * Binder internals shared by kql_bind.c (statements, expressions, core
 * operators) and kql_bind_ops.c (join, union, mv-expand, parse, ...):
 * scopes of let-bound names, the pipe being built, schema helpers. */
#ifndef E2K_KQL_KQL_BIND_H
#define E2K_KQL_KQL_BIND_H

#include "kql/kql_int.h"
#include "kql/kql_parse.h"

typedef enum kql_ent_kind {
  KQL_ENT_SCALAR = 1, /* constant value */
  KQL_ENT_PARAM,      /* function argument: AST bound lazily in the caller's scope */
  KQL_ENT_TABULAR,    /* let T = <tabular>: AST + defining scope, or a cached table */
  KQL_ENT_FUNC        /* let f = (params) { body } */
} kql_ent_kind;

typedef struct kql_scope kql_scope;
typedef struct kql_ent {
  const char *name;
  kql_ent_kind kind;
  kql_node *node;
  kql_scope *scope; /* scope the node is bound in */
  kv_value cval;
  kv_type ctype;
  kql_table *table;
  /* materialize() over the input stream in a batch (kql_bind_batch.c): the
   * chain computing it ends in the tee `feed`; each use hangs off that tee */
  kql_op *feed, *feed_head;
  int feed_stmt;
  kv_schema feed_schema;
  bool feed_serialized;
  struct kql_ent *next;
  struct kql_ent *all_next; /* every entity, to release constants */
} kql_ent;

struct kql_scope {
  kql_scope *parent;
  kql_ent *ents;
};

typedef struct kql_pipe {
  kql_src_kind kind;
  kql_table *table; /* KQL_SRC_TABLE: owned by the query */
  kv_value from, to, step;
  kql_op *head, *tail;
  kv_schema schema; /* arena */
  bool serialized;  /* row order is defined (row_number/prev/next allowed) */
  const char *leg_name; /* union withsource: 'as' name or view name */
  kql_op *feed;         /* input pipe fed by a shared materialize() tee, not the input itself */
} kql_pipe;

typedef struct kql_binder {
  kql_query *q;
  kql_arena *a;
  const char *src;
  size_t len;
  kql_error *err;
  bool failed;
  bool input_used;
  const char *input_name;
  int depth;
  int colnum; /* Column1, Column2 ... */
  kql_ent *all;
  kql_node *bin_auto_size, *bin_auto_at; /* from `set` (kql_bind_set.c) */
  bool input_table;        /* failed for want of the stream as a table (read twice, sub-query) */
  kql_scope *root_parent;  /* outer scope of the query's statements (or NULL) */
  kql_node **stmts;        /* result statements in order (kql_bind_batch.c) */
  kql_scope **stmt_scopes; /* per statement: the names defined before it */
  int nstmts, stmt_cap;
  bool batch;   /* binding several result tables; stmt_idx = the statement */
  int stmt_idx;
} kql_binder;

/* `set` options (kql_bind_set.c): notes one statement (0 or -1); binds bin_auto(x). */
int kql_bind_note_set(kql_binder *b, kql_node *st, kql_scope *sc);
kql_expr *kql_bind_bin_auto(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc);

/* Records a bind error at byte offset pos (first wins); returns -1. */
int kql_bind_fail(kql_binder *b, uint32_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int kql_bind_tabular(kql_binder *b, kql_node *n, kql_scope *sc, kql_pipe *out);
kql_expr *kql_bind_expr(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc);
void kql_pipe_append(kql_pipe *p, kql_op *op);
void kql_pipe_free(kql_pipe *p);
kql_table *kql_pipe_materialize(kql_binder *b, kql_pipe *p, uint32_t pos);
int kql_schema_find(const kv_schema *s, const char *name, size_t len);
/* Same column names and types, in the same order. */
bool kql_schema_same(const kv_schema *a, const kv_schema *b);
/* A scope (child of parent) holding one table entity named `name`, in a. */
kql_scope *kql_table_scope(kql_arena *a, kql_scope *parent, const char *name, kql_table *t);
/* A binder over q's text that allocates in a and reports to err; callers
 * set the input fields they need. */
void kql_binder_init(kql_binder *b, kql_query *q, kql_arena *a, kql_error *err);
void kql_schema_add(kql_binder *b, kv_schema *s, const char *name, kv_type t);
const char *kql_unique_name(kql_binder *b, const kv_schema *s, const char *base);
kql_expr *kql_expr_new(kql_ekind kind, kv_type type, uint32_t pos);
kql_expr *kql_expr_col(int col, kv_type t, uint32_t pos);
bool kql_node_const_long(kql_binder *b, kql_node *n, kql_scope *sc, int64_t *out);
bool kql_type_from_word(const char *w, kv_type *t);
/* Operators bound in kql_bind_ops.c; return 0 or -1. */
int kql_bind_op_more(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_union_source(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
/* search (kql_bind_search.c), mv-apply (kql_bind_mv_apply.c), parse-kv
 * (kql_bind_parse_kv.c); return 0 or -1. */
int kql_bind_search(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_search_source(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_mv_apply(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
int kql_bind_parse_kv(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
/* array_sort_asc/desc with several arrays (kql_bind_sortcols.c): how many
 * results e gives (0 = not such a call), and the k-th column name
 * "<argument>_sorted" (NULL when that argument is not a plain name). */
int kql_sortcols_count(kql_binder *b, const kql_node *en, const kv_schema *row, kql_scope *sc);
const char *kql_sortcols_name(kql_binder *b, const kql_node *call, int k);
/* T | join kind=innerunique ... | where p (kql_bind_pushdown.c): binds the
 * left-only part of p ahead of the join as Kusto does; 1 = not this pattern. */
int kql_bind_pushdown(kql_binder *b, kql_node *n, kql_scope *sc, kql_pipe *p);
/* -1 (bind error set) when a summarize expression names a column of the
 * summarize's own output `out` (kql_bind_sumnames.c). */
int kql_summarize_names_check(kql_binder *b, const kql_node *n, const kv_schema *out, int depth);
/* Binds one operator onto the pipe (the binder's own dispatch, for rewrites). */
int kql_bind_op(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
/* scan, partition, sample, top-nested, top-hitters, reduce ... (kql_bind_scanops.c):
 * 0 bound, -1 error, 1 = not one of these operators. */
int kql_bind_scanops(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);
/* distinct *: a copy of op listing every column of `row` by name. */
kql_node *kql_scx_star_names(kql_binder *b, kql_node *op, const kv_schema *row);
/* where * has "x": the predicate over every column (kql_bind_forms.c). */
kql_node *kql_scx_star_pred(kql_binder *b, kql_node *n, const kv_schema *row, int depth);
/* Binds the whole query into q (schema, operator chain, source) with
 * `parent` as the outer scope; input_name non-NULL: the stream counts as read
 * under that name. *twice: the binding failed for want of the stream as a
 * table (read twice, used as a sub-query, an 'as' name of it). */
int kql_bind_query_scoped(kql_query *q, kql_node *root, kql_error *err, kql_scope *parent,
                          const char *input_name, bool *twice, const char **first_name);
/* The query needs the stream as a table (read twice, as a sub-query): it runs
 * over the buffered stream at end of input (kql_query_buffer.c). */
int kql_bind_query_buffered(kql_query *q, kql_node *root, kql_error *err, const char *input_name);
/* union withsource=ws over the input stream: appends leg idx's source name
 * as string column ws to the leg (kql_bind_union_ws.c). */
void kql_union_ws_leg(kql_binder *b, kql_pipe *leg, const char *ws, int idx, bool is_input, uint32_t pos);
/* union legs with View* expanded / unknown legs dropped under isfuzzy=true. */
kql_node *kql_scx_union_legs(kql_binder *b, kql_node *op, kql_scope *sc);
/* T | invoke f(args) == f(T, args); pipe = the KQL_N_PIPE node. */
int kql_bind_invoke(kql_binder *b, kql_node *pipe, kql_scope *sc, kql_pipe *p);
/* declare pattern (kql_bind_pattern.c): registers the statement; references
 * P(args)[.Path] are recognised and bound as tabular sources. */
int kql_scx_declare(kql_binder *b, kql_node *st, kql_scope *sc);
bool kql_scx_is_pattern_ref(kql_binder *b, kql_node *n, kql_scope *sc);
int kql_bind_pattern_ref(kql_binder *b, kql_node *n, kql_scope *sc, kql_pipe *p);
/* pack_all(flag), bag_pack_columns, estimate_data_size, column_names_of
 * (kql_bind_scalars.c): true when n is one of them (*out = bound or NULL). */
bool kql_bind_scalars_call(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc, kql_expr **out);

/* Several result tables (kql_bind_batch.c): records a result statement with
 * the names defined so far; true when the query has several statements or a
 * final fork; binds them all into q. */
void kql_batch_note(kql_binder *b, kql_node *st, kql_scope *sc);
bool kql_batch_needed(kql_binder *b);
int kql_bind_batch(kql_binder *b, kql_query *q);
/* assert(condition, message) (kql_bind_assert.c): true when n is that call
 * (*out = the constant true, or NULL after the bind error). */
bool kql_bind_assert_call(kql_binder *b, kql_node *n, const kv_schema *row, kql_scope *sc,
                          kql_expr **out);
/* let m = materialize(<input stream...>) used by batch statements: the first
 * use (p just bound) hangs a tee at the end of its chain, later uses get a
 * pipe fed by it, so every statement sees the rows computed once. 0 or -1. */
int kql_batch_feed(kql_binder *b, kql_ent *e, kql_node *n, kql_pipe *p);
/* materialize(x), maybe in parentheses: a let-bound table evaluated once. */
bool kql_node_is_materialize(const kql_node *n);

#endif
