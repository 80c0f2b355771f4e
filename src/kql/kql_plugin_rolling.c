/* SPDX-License-Identifier: MIT
 * evaluate rolling_percentile(ValueColumn, Percentile, IndexColumn, Step,
 * WindowSize [, dim1, ...]): for every Step bin of IndexColumn that has rows
 * (per dimension combination), the percentile of ValueColumn over that bin
 * and the WindowSize-1 bins before it. The percentile itself is the
 * summarize aggregate percentile() from the aggregate table, so the
 * estimate is the same as `summarize percentile(...)`. */
#include "kql/kql_plugin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  size_t group;
  int64_t bin;
  size_t row;
} kql_rp_item;

static int kql_rp_cmp(const void *a, const void *b) {
  const kql_rp_item *x = a, *y = b;
  if (x->group != y->group) return x->group < y->group ? -1 : 1;
  if (x->bin != y->bin) return x->bin < y->bin ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

int kql_plugin_rolling_percentile(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 5) return kql_bind_fail(pl->b, pl->call->pos, "rolling_percentile: expected at least 5 arguments");
  kv_value pv;
  if (!kql_plugin_const(pl, pl->args[1], &pv)) return -1;
  double pct = 0;
  bool pok = kv_num_real(pv, &pct) && !kv_is_null(pv) && pct >= 0 && pct <= 100;
  kv_release(pv);
  if (!pok) return kql_bind_fail(pl->b, pl->args[1]->pos, "rolling_percentile: the percentile must be a number in [0, 100]");
  int64_t wsize = 0;
  if (!kql_node_const_long(pl->b, pl->args[4], pl->sc, &wsize)) return -1;
  if (wsize < 1 || wsize > 100000) return kql_bind_fail(pl->b, pl->args[4]->pos, "rolling_percentile: the window size must be in [1, 100000]");
  if (kql_plugin_input(pl)) return -1;
  int vc = kql_plugin_column(pl, pl->args[0]);
  if (vc < 0) return -1;
  int tc = kql_plugin_column(pl, pl->args[2]);
  if (tc < 0) return -1;
  kv_type tt = pl->in->schema.cols[tc].type;
  int64_t step = 0;
  if (!kql_plugin_step(pl, pl->args[3], tt, &step)) return -1;
  int ndims = pl->nargs - 5;
  int *dims = kv_calloc((size_t)ndims + 1, sizeof *dims);
  for (int i = 0; i < ndims; i++) {
    dims[i] = kql_plugin_column(pl, pl->args[5 + i]);
    if (dims[i] < 0) {
      free(dims);
      return -1;
    }
  }
  const kql_agg_def *def = kql_agg_lookup("percentile", 10);
  if (!def) {
    free(dims);
    return kql_bind_fail(pl->b, pl->call->pos, "not supported yet: rolling_percentile without percentile()");
  }
  kv_type vt = pl->in->schema.cols[vc].type;
  kv_type at[2] = {vt, KV_REAL};
  kv_type rt = def->result_type ? def->result_type(at, 2) : vt;
  /* output: index column, dims, rolling_<w>_percentile_<value>_<p> */
  kv_schema out = {0};
  kql_plugin_col(pl, &out, pl->in->schema.cols[tc].name, tt);
  for (int i = 0; i < ndims; i++) kql_plugin_col(pl, &out, pl->in->schema.cols[dims[i]].name, pl->in->schema.cols[dims[i]].type);
  char pname[64];
  if (pct == floor(pct)) snprintf(pname, sizeof pname, "%d", (int)pct);
  else {
    snprintf(pname, sizeof pname, "%g", pct);
    for (char *c = pname; *c; c++)
      if (*c == '.') *c = '_';
  }
  kv_buf nm;
  kv_buf_init(&nm);
  kv_buf_printf(&nm, "rolling_%lld_percentile_%s_%s", (long long)wsize, pl->in->schema.cols[vc].name, pname);
  kv_buf_putc(&nm, 0);
  kql_plugin_col(pl, &out, nm.data, rt == KV_TYPE_COUNT ? vt : rt);
  kv_buf_free(&nm);
  /* sort rows by (group, bin) */
  kql_groups g;
  kql_groups_init(&g, pl->in, dims, ndims);
  size_t n = pl->in->nrows, m = 0;
  kql_rp_item *it = kv_calloc(n + 1, sizeof *it);
  for (size_t r = 0; r < n; r++) {
    int64_t x;
    if (!kql_plugin_time(kql_table_row(pl->in, r)[tc], &x)) continue;
    it[m].group = kql_groups_of(&g, r);
    it[m].bin = kql_plugin_floor_div(x, 0, step);
    it[m].row = r;
    m++;
  }
  qsort(it, m, sizeof *it, kql_rp_cmp);
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count + 1, sizeof *row);
  void *st = kv_calloc(1, def->state_size ? def->state_size : 1);
  kv_value consts[2] = {kv_null(vt), kv_real(pct)};
  for (size_t i = 0; i < m;) {
    size_t j = i;
    while (j < m && it[j].group == it[i].group && it[j].bin == it[i].bin) j++;
    /* window: bins (bin - wsize, bin] of the same group, found by walking back */
    size_t lo = i;
    while (lo > 0 && it[lo - 1].group == it[i].group && it[lo - 1].bin > it[i].bin - wsize) lo--;
    memset(st, 0, def->state_size ? def->state_size : 1);
    def->init(st, at, consts, 2);
    for (size_t k = lo; k < j; k++) {
      kv_value args[2] = {kql_table_row(pl->in, it[k].row)[vc], consts[1]};
      def->add(st, args, 2);
    }
    kv_value res = def->result(st);
    if (def->destroy) def->destroy(st);
    const kv_value *rep = kql_table_row(pl->in, it[i].row);
    row[0] = kql_plugin_time_value(tt, it[i].bin * step);
    for (int d = 0; d < ndims; d++) row[1 + d] = kv_retain(rep[dims[d]]);
    row[1 + ndims] = res;
    kql_table_add_row(t, row);
    for (int c = 0; c < out.count; c++) kv_release(row[c]);
    i = j;
  }
  free(st);
  free(row);
  free(it);
  kql_groups_free(&g);
  free(dims);
  kql_plugin_output(pl, t);
  return 0;
}
