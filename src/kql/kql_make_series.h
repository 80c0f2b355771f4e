/* SPDX-License-Identifier: MIT
 * make-series: the binder entry (kql_bind_make_series.c) and the blocking
 * operator that turns per-(group, bin) aggregate rows into series arrays
 * (kql_op_make_series.c); the rewrite of extend/project items that call
 * functions returning several columns (kql_bind_tuple.c). Private to
 * src/kql. Owner: series. */
#ifndef E2K_KQL_KQL_MAKE_SERIES_H
#define E2K_KQL_KQL_MAKE_SERIES_H

#include <stdbool.h>

#include "kql/kql_bind.h"

/* Binds `T | make-series ...` (a KQL_N_OP built by kql_parse.c: kids aggs,
 * on, from, to, step, by) onto the pipe; 0 or -1 with the error recorded. */
int kql_bind_make_series(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p);

/* Axis description of one make-series. Integral axes (int, long, datetime,
 * timespan with an integral step) use the i_ fields, others the r_ ones. */
typedef struct kql_ms_axis {
  kv_type type;      /* axis column type: values of the axis array */
  bool is_real;      /* arithmetic in doubles */
  bool has_from, has_to;
  int64_t i_from, i_to, i_step;
  double r_from, r_to, r_step;
} kql_ms_axis;

/* The series builder. Input rows: nby group keys, the bin of the axis, then
 * naggs aggregate values. Output rows: the group keys, one dynamic array per
 * aggregate (defaults fill bins without rows), the axis array. `defaults`
 * (naggs values) is owned by the op. nonempty: one row of defaults when the
 * input is empty (kind=nonempty). */
kql_op *kql_op_make_series_new(kql_exec *ex, int nby, int naggs, kv_value *defaults,
                               const kql_ms_axis *axis, bool nonempty, const kv_type *by_types);

/* extend/project: returns `op` itself, a rewritten copy whose items spread
 * tuple functions (series_fit_line, ...) over columns, or NULL after an
 * error. is_project: unnamed outputs of a tuple assignment are kept. */
kql_node *kql_bind_tuple_rewrite(kql_binder *b, kql_node *op, bool is_project);

#endif
