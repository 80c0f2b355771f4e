/* SPDX-License-Identifier: MIT
 * evaluate rows_near(Condition, NumRows [, RowsAfter]): keeps, in input
 * order, every row that satisfies Condition plus the NumRows rows before it
 * and the RowsAfter (default NumRows) rows after it. Needs the whole input
 * (a later row can pull in an earlier one). */
#include "kql/kql_plugin.h"

#include <stdlib.h>
#include <string.h>

int kql_plugin_rows_near(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 2 || pl->nargs > 3)
    return kql_bind_fail(pl->b, pl->call->pos, "rows_near: expected 2 or 3 arguments");
  int64_t before = 0, after = 0;
  if (!kql_node_const_long(pl->b, pl->args[1], pl->sc, &before)) return -1;
  after = before;
  if (pl->nargs == 3 && !kql_node_const_long(pl->b, pl->args[2], pl->sc, &after)) return -1;
  if (before < 0 || after < 0) return kql_bind_fail(pl->b, pl->args[1]->pos, "rows_near: the row counts must not be negative");
  if (kql_plugin_input(pl)) return -1;
  kql_expr *cond = kql_plugin_expr(pl, pl->args[0]);
  if (!cond) return -1;
  if (cond->type != KV_BOOL && cond->type != KV_DYNAMIC) {
    kql_expr_free(cond);
    return kql_bind_fail(pl->b, pl->args[0]->pos, "rows_near: the condition must be bool");
  }
  size_t n = pl->in->nrows;
  uint8_t *keep = kv_calloc(n + 1, 1);
  size_t last_marked = 0; /* rows [0, last_marked) already handled for `after` */
  for (size_t r = 0; r < n; r++) {
    kv_value v = kql_plugin_eval(pl, cond, r);
    int hit = kv_truth(v);
    kv_release(v);
    if (hit != 1) continue;
    size_t lo = (uint64_t)before >= r ? 0 : r - (size_t)before;
    size_t hi = (uint64_t)after >= n - r ? n : r + (size_t)after + 1;
    if (lo < last_marked) lo = last_marked;
    for (size_t k = lo; k < hi; k++) keep[k] = 1;
    if (hi > last_marked) last_marked = hi;
  }
  kql_expr_free(cond);
  kql_table *t = kql_plugin_table_new(pl, &pl->in->schema);
  for (size_t r = 0; r < n; r++)
    if (keep[r]) kql_table_add_row(t, kql_table_row(pl->in, r));
  free(keep);
  kql_plugin_output(pl, t);
  return 0;
}
