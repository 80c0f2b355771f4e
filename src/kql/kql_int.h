/* SPDX-License-Identifier: MIT
 * Private header of the KQL engine core: bound expressions (binder output,
 * evaluator input), the row view passed between streaming operators, the
 * operator interface, in-memory tables, and the query object. Shared by
 * kql_bind*.c, kql_eval.c, kql_op_*.c and kql_query.c; nothing outside
 * src/kql includes it. Owner: kql core. */
#ifndef E2K_KQL_KQL_INT_H
#define E2K_KQL_KQL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kql/kql.h"
#include "kql/kql_ast.h"
#include "kql/kql_fn.h"
#include "kql/kql_regex.h"
#include "value/kv_ops.h"
#include "value/value.h"

typedef struct kql_exec kql_exec;

/* ---- row view ------------------------------------------------------------
 * A row flowing between operators. Columns are fetched with kql_xrow_get,
 * which returns a BORROWED value valid until the push returns. A row either
 * wraps the input (lazy: kql_row.get is called once per column, on demand),
 * or maps its columns onto a parent row plus values of its own. */
typedef struct kql_xrow kql_xrow;
struct kql_xrow {
  const kql_xrow *parent;
  const int *map;     /* per column: >= 0 parent column, -1 = vals[col] */
  const kv_value *vals;
  int ncols;
  const kql_row *input; /* input wrapper: lazily filled cache */
  kv_value *cache;
  uint8_t *have;
};
kv_value kql_xrow_get(const kql_xrow *r, int col);

/* ---- bound expressions ---- */
typedef enum kql_ekind {
  KQL_E_CONST = 1,
  KQL_E_COL,
  KQL_E_CALL,     /* scalar function from the table */
  KQL_E_ARITH,    /* op = kv_arith_op */
  KQL_E_NEG,
  KQL_E_CMP,      /* op = kv_cmp_op */
  KQL_E_EQ_CI,    /* =~ (op 0) / !~ (op 1) */
  KQL_E_STROP,    /* op = KQL_SO_*, neg */
  KQL_E_AND,
  KQL_E_OR,
  KQL_E_IN,       /* op: 0 in, 1 in~ ; neg; args[0] lhs, rest items */
  KQL_E_HASANY,   /* op: 0 any, 1 all; cs */
  KQL_E_BETWEEN,  /* neg; args lhs, lo, hi */
  KQL_E_MEMBER,   /* args[0] . name */
  KQL_E_INDEX,    /* args[0] [ args[1] ] */
  KQL_E_REGEX,    /* args[0] matches regex (compiled re, or args[1] dynamic) */
  KQL_E_ROWNUM,   /* row_number() in a serialized window */
  KQL_E_PREVNEXT, /* prev/next(col, offset, default): op -1 prev, +1 next */
  KQL_E_PACKALL,  /* pack_all(): bag of the row's columns */
  KQL_E_CAST,     /* kv_convert(args[0], type) */
  KQL_E_ROWCUMSUM, /* running sum over the serialized window; cval = accumulator */
  KQL_E_ROWWIN     /* op 0 row_number(start, restart), 1 row_rank_dense, 2 row_rank_min */
} kql_ekind;

enum {
  KQL_SO_CONTAINS = 1,
  KQL_SO_HAS,
  KQL_SO_HASPREFIX,
  KQL_SO_HASSUFFIX,
  KQL_SO_STARTSWITH,
  KQL_SO_ENDSWITH,
  KQL_SO_EQ
};

typedef struct kql_expr kql_expr;
struct kql_expr {
  kql_ekind kind;
  kv_type type;
  int op;
  bool neg;
  bool cs;
  bool is_const;
  int col;
  uint32_t pos;
  kv_value cval; /* KQL_E_CONST (owned by the query) */
  const kql_fn_def *fn;
  void *site_state;
  void (*site_free)(void *);
  bool *arg_const;
  kql_expr **args;
  int nargs;
  const char *name; /* member name */
  size_t name_len;
  kql_regex *re;
  const kv_schema *row_schema; /* pack_all */
  kv_value wprev;  /* KQL_E_ROWWIN: previous term */
  int64_t wcount;  /* KQL_E_ROWWIN: current number / rank */
  int64_t wpos;    /* KQL_E_ROWWIN: position in the partition */
};

/* Turns a new reference that may be a borrowed string into an owned one. */
static inline kv_value kql_owned(kv_value v) {
  if (v.flags & KV_F_BORROWED) return kv_own(v); /* copy; releasing the borrowed one is a no-op */
  return v;
}

/* Evaluation context for one row. */
typedef struct kql_ectx {
  kql_exec *ex;
  const kql_xrow *row;
  /* serialized window (row_number/prev/next): rows of the current window */
  const kv_value *const *win_rows;
  size_t win_count;
  size_t win_idx;
  int64_t rownum;
} kql_ectx;

/* The context for evaluating expressions over one row (row may be NULL for
 * constants); no serialized window, row number 0. */
static inline kql_ectx kql_ectx_for_row(kql_exec *ex, const kql_xrow *row) {
  kql_ectx c;
  memset(&c, 0, sizeof c);
  c.ex = ex;
  c.row = row;
  return c;
}

/* Returns a new reference (release it). Errors set ex->err and ex->failed. */
kv_value kql_eval(const kql_expr *e, kql_ectx *c);
/* KQL_E_ROWWIN with op KQL_ROWWIN_SESSION: row_window_session (kql_eval_session.c). */
#define KQL_ROWWIN_SESSION 3
kv_value kql_eval_row_session(const kql_expr *e, kql_ectx *c);
/* Predicate: 1 true, 0 false/null. */
int kql_eval_truth(const kql_expr *e, kql_ectx *c);
void kql_expr_free(kql_expr *e);

/* ---- in-memory table ---- */
typedef struct kql_table {
  kv_schema schema; /* names owned (kv_strndup) */
  kv_value *cells;  /* nrows * ncols owned values */
  size_t nrows;
  size_t cap;
} kql_table;
kql_table *kql_table_new(const kv_schema *schema);
void kql_table_add_row(kql_table *t, const kv_value *vals); /* retains */
void kql_table_free(kql_table *t);
static inline kv_value *kql_table_row(const kql_table *t, size_t r) {
  return t->cells + r * (size_t)t->schema.count;
}

/* ---- operators ---- */
typedef struct kql_op kql_op;
typedef struct kql_op_vt {
  const char *name;
  int (*push)(kql_op *op, const kql_xrow *row);
  int (*finish)(kql_op *op);
  int (*tick)(kql_op *op, int64_t now_ticks); /* may be NULL: forward */
  void (*destroy)(kql_op *op);
} kql_op_vt;

struct kql_op {
  const kql_op_vt *vt;
  kql_op *next;
  kql_exec *ex;
  int ncols; /* output columns */
};

int kql_op_push(kql_op *op, const kql_xrow *row);
int kql_op_finish(kql_op *op);
int kql_op_tick(kql_op *op, int64_t now);
void kql_op_free_chain(kql_op *op);
/* Pushes a materialized row (array of ncols borrowed values). */
int kql_op_push_vals(kql_op *op, const kv_value *vals, int ncols);

/* Shared execution state of one query. */
struct kql_exec {
  kql_error *err; /* current error sink */
  kql_error err_store;
  bool failed;
  int64_t now_ticks;
  int64_t lateness;
  int64_t max_range_rows;
  kql_regex_scratch *scratch;
  kql_emit_fn emit;
  void *emit_ud;
  const char *src;
  size_t src_len;
};
/* Records a runtime error at byte offset pos (first error wins); returns -1. */
int kql_exec_fail(kql_exec *ex, uint32_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Fails the run with an error already formatted (a binding made at run
 * time); first error wins; returns -1. */
int kql_exec_fail_with(kql_exec *ex, const kql_error *e);

/* Operator constructors (kql_op_*.c). Expressions and arrays are owned by the op. */
kql_op *kql_op_where_new(kql_exec *ex, kql_expr *pred, int ncols);
/* Column map: out col i = parent col src[i] when src[i] >= 0, else exprs[i]. */
kql_op *kql_op_map_new(kql_exec *ex, int ncols, int *src, kql_expr **exprs, bool window);
kql_op *kql_op_take_new(kql_exec *ex, int64_t n, int ncols);
kql_op *kql_op_count_new(kql_exec *ex);
kql_op *kql_op_emit_new(kql_exec *ex, int ncols);
kql_op *kql_op_collect_new(kql_exec *ex, kql_table *into);
typedef struct kql_sortkey {
  kql_expr *e;
  bool desc;
  bool nulls_first;
} kql_sortkey;
kql_op *kql_op_sort_new(kql_exec *ex, int ncols, kql_sortkey *keys, int nkeys, int64_t limit);

/* Summarize: group by `keys`, aggregates; output = keys then aggregate
 * columns (agg i produces ncols_of[i] columns). */
typedef struct kql_aggspec {
  const kql_agg_def *def;
  kql_expr **args;
  int nargs;
  kv_type *arg_types;
  kv_value *const_args; /* per arg: constant value or a KV_DYNAMIC null with flag */
  bool *has_const;
  int out_cols;        /* 1, or several for arg_max/percentiles expansions */
  kv_type *out_types;
  int expand_mode;     /* 0 single, 1 array elements into columns */
  kql_expr *pred;      /* unused */
} kql_aggspec;
kql_op *kql_op_summarize_new(kql_exec *ex, kql_expr **keys, int nkeys, kql_aggspec *aggs,
                             int naggs, int ncols, int time_key, int64_t bin_size,
                             bool streaming);

kql_op *kql_op_mvexpand_new(kql_exec *ex, int ncols, int *cols, kv_type *to_types, int nx,
                            int64_t limit, int index_col);
void kql_op_mvexpand_set_expr(kql_op *op, int k, kql_expr *e); /* takes ownership */
void kql_op_mvexpand_set_bag_array(kql_op *op); /* kind=array: bag entries as [key, value] */
/* mv-expand's element rules, shared with mv-apply: element count of v (1 for
 * a scalar or null) and element i as a new reference (a one-key bag, or a
 * [key, value] array when bag_array, for a bag's entries). */
size_t kql_mvexpand_count(kv_value v);
kv_value kql_mvexpand_item(kv_value v, size_t i, bool bag_array);
typedef struct kql_parse_item {
  int kind;      /* 0 literal text, 1 column, 2 star */
  const char *text;
  size_t len;
  int col;       /* output column index */
  kv_type type;
} kql_parse_item;
kql_op *kql_op_parse_new(kql_exec *ex, int in_cols, int ncols, kql_expr *src,
                         kql_parse_item *items, int nitems, kql_regex *re, int *group_col,
                         int ngroups, bool where_mode);
void kql_op_parse_set_relaxed(kql_op *op); /* kind=relaxed */
kql_op *kql_op_union_new(kql_exec *ex, int ncols, const int *map_in, kql_table **tables,
                         int **maps, int ntables, bool input_first);
enum {
  KQL_JOIN_INNERUNIQUE = 0,
  KQL_JOIN_INNER,
  KQL_JOIN_LEFTOUTER,
  KQL_JOIN_RIGHTOUTER,
  KQL_JOIN_FULLOUTER,
  KQL_JOIN_LEFTANTI,
  KQL_JOIN_RIGHTANTI,
  KQL_JOIN_LEFTSEMI,
  KQL_JOIN_RIGHTSEMI
};
kql_op *kql_op_join_new(kql_exec *ex, int kind, kql_table *right, int *lkeys, int *rkeys,
                        int nkeys, int left_cols, int *right_out, int nright_out,
                        kv_type *out_types, bool is_lookup);
kql_op *kql_op_table_source_new(kql_exec *ex, kql_table *t); /* emits at finish */

/* ---- the query ---- */
typedef enum kql_src_kind { KQL_SRC_INPUT = 0, KQL_SRC_TABLE, KQL_SRC_RANGE, KQL_SRC_NONE } kql_src_kind;

struct kql_query {
  kql_arena arena;
  char *text;
  size_t text_len;
  kql_exec ex;
  kv_schema schema;  /* result schema (names owned by arena) */
  kql_src_kind src_kind;
  kql_table *src_table;
  kv_value range_from, range_to, range_step;
  kql_op *head;
  kql_op *emit;
  const kv_schema *input;
  kv_value *input_cache;
  uint8_t *input_have;
  uint8_t *input_unread; /* per input column: 1 = nothing can read it; never fetched (null) */
  bool finished;
  /* ownership lists */
  kql_table **tables;
  int ntables;
  kql_expr **exprs;
  int nexprs;
  int64_t rows_in;
  /* several result tables (batches, fork; kql_results.h): 0 = one table, the
   * chain above; otherwise head is the input chain (or NULL) */
  struct kql_result *results;
  int nresults;
  kql_table_fn on_table;
  void *on_table_ud;
};

/* Input columns no part of q can read: 1 = skip (kql_colneed.c; caller frees). */
uint8_t *kql_input_unread(const kql_query *q);
/* Binder entry (kql_bind.c): builds the operator chain into q. */
int kql_bind_query(kql_query *q, kql_node *root, kql_error *err);
/* Runs a source table/range through an operator chain (eager sub-queries). */
int kql_run_source(kql_exec *ex, kql_src_kind kind, kql_table *t, kv_value from, kv_value to,
                   kv_value step, kql_op *head);

#endif
