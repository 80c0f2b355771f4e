/* SPDX-License-Identifier: MIT
 * Private header of the `evaluate` plugins (kql_plugin*.c). A plugin runs at
 * bind time over its materialized input table and replaces the pipe with its
 * output table (like the eager sub-queries of kql_bind.c). kql_plugin.c holds
 * the one dispatch table and the helpers every plugin shares: argument
 * binding, per-row evaluation, timeline binning and hashed id sets. */
#ifndef E2K_KQL_KQL_PLUGIN_H
#define E2K_KQL_KQL_PLUGIN_H

#include "kql/kql_bind.h"

/* One `evaluate name(args) [: (schema)]` being bound. */
typedef struct kql_plugin {
  kql_binder *b;
  kql_node *op;      /* the evaluate operator (params) */
  kql_node *call;    /* name(args) */
  kql_node *schema;  /* KQL_N_SCHEMA output schema or NULL */
  kql_scope *sc;
  kql_pipe *p;
  kql_table *in;     /* materialized input (after kql_plugin_input) */
  kql_node **args;   /* positional arguments */
  int nargs;
} kql_plugin;

typedef int (*kql_plugin_fn)(kql_plugin *pl);

/* Binds `evaluate` (called from kql_bind_ops.c); 0 or -1. */
int kql_bind_evaluate(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);

/* ---- helpers (kql_plugin.c) ---- */
/* Materializes the input pipe into pl->in; -1 on error. */
int kql_plugin_input(kql_plugin *pl);
/* Replaces the pipe with table t (owned by the query from now on). */
void kql_plugin_output(kql_plugin *pl, kql_table *t);
/* Named argument `name=value` of the call (value node) or NULL. */
kql_node *kql_plugin_named(kql_plugin *pl, const char *name);
/* Fails unless every named argument is one of `allowed` (NULL-terminated). */
int kql_plugin_check_named(kql_plugin *pl, const char *const *allowed);
/* A column reference of the input; -1 after an error. */
int kql_plugin_column(kql_plugin *pl, kql_node *arg);
/* A constant scalar argument; returns false after an error. *out is owned. */
bool kql_plugin_const(kql_plugin *pl, kql_node *arg, kv_value *out);
/* An expression over the input row (free with kql_expr_free); NULL on error. */
kql_expr *kql_plugin_expr(kql_plugin *pl, kql_node *arg);
/* Evaluates e over row r of pl->in; new reference. */
kv_value kql_plugin_eval(kql_plugin *pl, const kql_expr *e, size_t r);
/* A tabular argument (let-bound name, datatable, ...) run into a table; NULL on error. */
kql_table *kql_plugin_table_arg(kql_plugin *pl, kql_node *arg);
/* New output table owned by the query; rows are added with kql_table_add_row. */
kql_table *kql_plugin_table_new(kql_plugin *pl, const kv_schema *s);
/* Adds a schema column with an arena copy of the name. */
void kql_plugin_col(kql_plugin *pl, kv_schema *s, const char *name, kv_type t);

/* Timeline values: datetime, timespan, int or long, as int64 (ticks or
 * numbers); step is a timespan or a positive integer of the same kind. */
bool kql_plugin_time(kv_value v, int64_t *out);
kv_value kql_plugin_time_value(kv_type t, int64_t x);
/* floor((x - origin) / step) without overflow surprises (step > 0). */
int64_t kql_plugin_floor_div(int64_t x, int64_t origin, int64_t step);
/* Checks a timeline column / step pair; reads a constant step > 0. */
bool kql_plugin_step(kql_plugin *pl, kql_node *arg, kv_type timeline, int64_t *step);
/* A constant timeline point (start/end) of the timeline's kind. */
bool kql_plugin_point(kql_plugin *pl, kql_node *arg, kv_type timeline, int64_t *out);

/* Set of 64-bit hashes (distinct ids); 0 is kept aside. */
typedef struct kql_hset {
  uint64_t *slots;
  size_t count, cap;
  bool has_zero;
} kql_hset;
bool kql_hset_add(kql_hset *s, uint64_t h); /* true when new */
bool kql_hset_has(const kql_hset *s, uint64_t h);
void kql_hset_free(kql_hset *s);
static inline size_t kql_hset_count(const kql_hset *s) { return s->count + (s->has_zero ? 1u : 0u); }

/* Groups of input rows by the values of some columns (dimensions): maps a row
 * to a dense group number; rep[g] is the first row of group g. */
typedef struct kql_groups {
  const kql_table *t;
  const int *cols;
  int ncols;
  size_t *slots; /* group+1, 0 = empty */
  size_t cap;
  size_t *rep;
  size_t count;
} kql_groups;
void kql_groups_init(kql_groups *g, const kql_table *t, const int *cols, int ncols);
size_t kql_groups_of(kql_groups *g, size_t row);
void kql_groups_free(kql_groups *g);

/* ---- the plugins (one file each) ---- */
int kql_plugin_bag_unpack(kql_plugin *pl);
int kql_plugin_activity_counts_metrics(kql_plugin *pl);
int kql_plugin_activity_metrics(kql_plugin *pl);
int kql_plugin_activity_engagement(kql_plugin *pl);
int kql_plugin_new_activity_metrics(kql_plugin *pl);
int kql_plugin_active_users_count(kql_plugin *pl);
int kql_plugin_sliding_window_counts(kql_plugin *pl);
int kql_plugin_session_count(kql_plugin *pl);
int kql_plugin_rolling_percentile(kql_plugin *pl);
int kql_plugin_ipv4_lookup(kql_plugin *pl);
int kql_plugin_ipv6_lookup(kql_plugin *pl);
int kql_plugin_schema_merge(kql_plugin *pl);
int kql_plugin_rows_near(kql_plugin *pl);
int kql_plugin_dcount_intersect(kql_plugin *pl);
int kql_plugin_pivot(kql_plugin *pl);  /* kql_plugin_pivot.c */
int kql_plugin_narrow(kql_plugin *pl); /* kql_plugin_narrow.c */

#endif
