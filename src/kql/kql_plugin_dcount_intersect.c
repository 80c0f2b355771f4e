/* SPDX-License-Identifier: MIT
 * evaluate dcount_intersect(hll_1, hll_2 [, ..., hll_n]): per row, adds
 * columns s0..s(n-1), s_k being the distinct count of the intersection of
 * sets 1..k+1, estimated from the hll() sketches by inclusion-exclusion
 * over the estimates of their unions (clamped to [0, s_(k-1)]). n is kept
 * to 2..8 (2^n - 1 unions per row). */
#include "kql/kql_plugin.h"
#include "kql/kql_sketch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KQL_DI_MAX 8

int kql_plugin_dcount_intersect(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  int n = pl->nargs;
  if (n < 2) return kql_bind_fail(pl->b, pl->call->pos, "dcount_intersect: expected 2 to 16 hll arguments");
  if (n > KQL_DI_MAX) return kql_bind_fail(pl->b, pl->call->pos, "not supported yet: dcount_intersect of more than %d sketches", KQL_DI_MAX);
  if (kql_plugin_input(pl)) return -1;
  kql_expr *ex[KQL_DI_MAX];
  for (int i = 0; i < n; i++) {
    ex[i] = kql_plugin_expr(pl, pl->args[i]);
    if (!ex[i]) {
      for (int k = 0; k < i; k++) kql_expr_free(ex[k]);
      return -1;
    }
  }
  kv_schema out = {0};
  int nin = pl->in->schema.count;
  for (int c = 0; c < nin; c++) kql_plugin_col(pl, &out, pl->in->schema.cols[c].name, pl->in->schema.cols[c].type);
  for (int i = 0; i < n; i++) {
    char nm[16];
    snprintf(nm, sizeof nm, "s%d", i);
    kql_plugin_col(pl, &out, kql_unique_name(pl->b, &out, nm), KV_LONG);
  }
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count, sizeof *row);
  int64_t *uni = kv_calloc((size_t)1 << n, sizeof *uni);
  int rc = 0;
  for (size_t r = 0; r < pl->in->nrows && rc == 0; r++) {
    kv_value v[KQL_DI_MAX];
    for (int i = 0; i < n; i++) v[i] = kql_plugin_eval(pl, ex[i], r);
    /* estimate of every union of a non-empty subset */
    for (unsigned m = 1; m < (1u << n) && rc == 0; m++) {
      kql_hll *h = NULL;
      for (int i = 0; i < n; i++)
        if ((m & (1u << i)) && !kql_sketch_hll_merge(&h, v[i]))
          rc = kql_bind_fail(pl->b, pl->args[i]->pos, "dcount_intersect: argument %d is not an hll() value", i + 1);
      uni[m] = h ? (int64_t)kql_hll_estimate(h) : 0;
      kql_hll_free(h);
    }
    for (int i = 0; i < n; i++) kv_release(v[i]);
    if (rc) break;
    const kv_value *src = kql_table_row(pl->in, r);
    for (int c = 0; c < nin; c++) row[c] = kv_retain(src[c]);
    int64_t prev = INT64_MAX;
    for (int k = 0; k < n; k++) {
      unsigned full = (1u << (k + 1)) - 1;
      int64_t s = 0;
      for (unsigned m = 1; m <= full; m++) {
        if ((m & full) != m) continue;
        int bits = 0;
        for (unsigned x = m; x; x >>= 1) bits += (int)(x & 1u);
        s += (bits & 1) ? uni[m] : -uni[m];
      }
      if (s < 0) s = 0;
      if (s > prev) s = prev;
      prev = s;
      row[nin + k] = kv_long(s);
    }
    kql_table_add_row(t, row);
    for (int c = 0; c < out.count; c++) kv_release(row[c]);
  }
  free(uni);
  free(row);
  for (int i = 0; i < n; i++) kql_expr_free(ex[i]);
  if (rc) return -1;
  kql_plugin_output(pl, t);
  return 0;
}
