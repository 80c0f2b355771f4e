/* SPDX-License-Identifier: MIT
 * User-analytics plugins over (id, timeline) rows, per dimension group:
 * activity_counts_metrics (count / dcount / new / cumulative ids per
 * window), activity_metrics (dcount, new ids, retention and churn against
 * the previous window), activity_engagement (inner-window dcount over the
 * trailing outer-window dcount, e.g. DAU/WAU) and new_activity_metrics
 * (cohorts of first-seen ids followed across later windows). Distinct
 * counts are exact over 64-bit id hashes. */
#include "kql/kql_plugin_activity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared input ---- */
static int kql_act_cmp(const void *x, const void *y) {
  const kql_act_item *a = x, *b = y;
  if (a->group != b->group) return a->group < b->group ? -1 : 1;
  if (a->t != b->t) return a->t < b->t ? -1 : 1;
  return a->row < b->row ? -1 : a->row > b->row;
}

int kql_act_load(kql_plugin *pl, kql_act *a, int dim_from, int dim_to) {
  memset(a, 0, sizeof *a);
  if (!pl->in && kql_plugin_input(pl)) return -1;
  a->id_col = kql_plugin_column(pl, pl->args[0]);
  if (a->id_col < 0) return -1;
  a->t_col = kql_plugin_column(pl, pl->args[1]);
  if (a->t_col < 0) return -1;
  a->tt = pl->in->schema.cols[a->t_col].type;
  if (a->tt != KV_DATETIME && a->tt != KV_TIMESPAN && a->tt != KV_INT && a->tt != KV_LONG)
    return kql_bind_fail(pl->b, pl->args[1]->pos, "%s: the timeline column must be datetime, timespan, int or long",
                         pl->call->name);
  a->ndims = dim_to > dim_from ? dim_to - dim_from : 0;
  a->dims = kv_calloc((size_t)a->ndims + 1, sizeof *a->dims);
  for (int i = 0; i < a->ndims; i++) {
    a->dims[i] = kql_plugin_column(pl, pl->args[dim_from + i]);
    if (a->dims[i] < 0) return -1;
  }
  kql_groups_init(&a->g, pl->in, a->dims, a->ndims);
  size_t n = pl->in->nrows;
  a->items = kv_calloc(n + 1, sizeof *a->items);
  for (size_t r = 0; r < n; r++) {
    const kv_value *row = kql_table_row(pl->in, r);
    int64_t t;
    if (!kql_plugin_time(row[a->t_col], &t)) continue; /* null timeline: no window */
    if (kv_is_null(row[a->id_col])) continue;
    kql_act_item *it = &a->items[a->count++];
    it->group = kql_groups_of(&a->g, r);
    it->t = t;
    it->id = kv_hash(row[a->id_col]);
    it->row = r;
  }
  qsort(a->items, a->count, sizeof *a->items, kql_act_cmp);
  return 0;
}

void kql_act_free(kql_act *a) {
  free(a->dims);
  free(a->items);
  kql_groups_free(&a->g);
  memset(a, 0, sizeof *a);
}

size_t kql_act_group_end(const kql_act *a, size_t i) {
  size_t j = i;
  while (j < a->count && a->items[j].group == a->items[i].group) j++;
  return j;
}

void kql_act_dim_cols(kql_plugin *pl, const kql_act *a, kv_schema *out) {
  for (int i = 0; i < a->ndims; i++)
    kql_plugin_col(pl, out, pl->in->schema.cols[a->dims[i]].name, pl->in->schema.cols[a->dims[i]].type);
}

void kql_act_dim_vals(kql_plugin *pl, const kql_act *a, size_t group, kv_value *row) {
  const kv_value *rep = kql_table_row(pl->in, a->g.rep[group]);
  for (int i = 0; i < a->ndims; i++) row[i] = kv_retain(rep[a->dims[i]]);
}

bool kql_act_is_point(kql_plugin *pl, kql_node *arg, kv_type tt) {
  if (arg->kind == KQL_N_NAME && kql_schema_find(&pl->in->schema, arg->name, arg->name_len) >= 0) return false;
  kql_binder *b = pl->b;
  bool was_failed = b->failed;
  kql_error saved = *b->err;
  kql_expr *e = kql_bind_expr(b, arg, NULL, pl->sc);
  bool is = e && e->is_const && !kv_is_null(e->cval) &&
            (tt == KV_DATETIME ? kv_scalar_type(e->cval) == KV_DATETIME : false);
  if (e) kql_expr_free(e);
  if (!was_failed && b->failed) {
    b->failed = false;
    *b->err = saved;
  }
  return is;
}

void kql_act_emit(kql_table *t, kv_value *row, int ncols) {
  kql_table_add_row(t, row);
  for (int c = 0; c < ncols; c++) kv_release(row[c]);
}

/* Window index of t, or -1 when outside [start, last window]. */
static int64_t kql_act_window(int64_t t, int64_t start, int64_t step, int64_t nwin) {
  if (t < start) return -1;
  int64_t k = kql_plugin_floor_div(t, start, step);
  return k < nwin ? k : -1;
}

/* Number of windows from start to end (inclusive), bounded. */
static int kql_act_windows(kql_plugin *pl, int64_t start, int64_t end, int64_t step, int64_t *nwin) {
  if (end < start) return kql_bind_fail(pl->b, pl->call->pos, "%s: the end is before the start", pl->call->name);
  *nwin = kql_plugin_floor_div(end, start, step) + 1;
  if (*nwin > 1000000) return kql_bind_fail(pl->b, pl->call->pos, "%s: more than 1000000 windows", pl->call->name);
  return 0;
}

static double kql_act_ratio(size_t a, size_t b) { return b ? (double)a / (double)b : NAN; }

/* ---- activity_counts_metrics(id, t, start, end, step [, dims]) ---- */
int kql_plugin_activity_counts_metrics(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 5) return kql_bind_fail(pl->b, pl->call->pos, "activity_counts_metrics: expected at least 5 arguments");
  kql_act a;
  int rc = kql_act_load(pl, &a, 5, pl->nargs);
  int64_t start = 0, end = 0, step = 0, nwin = 0;
  if (rc == 0 && !(kql_plugin_point(pl, pl->args[2], a.tt, &start) && kql_plugin_point(pl, pl->args[3], a.tt, &end) &&
                   kql_plugin_step(pl, pl->args[4], a.tt, &step)))
    rc = -1;
  if (rc == 0) rc = kql_act_windows(pl, start, end, step, &nwin);
  if (rc) {
    kql_act_free(&a);
    return -1;
  }
  kv_schema out = {0};
  kql_plugin_col(pl, &out, "Timestamp", a.tt);
  kql_act_dim_cols(pl, &a, &out);
  kql_plugin_col(pl, &out, "count", KV_LONG);
  kql_plugin_col(pl, &out, "dcount", KV_LONG);
  kql_plugin_col(pl, &out, "new_dcount", KV_LONG);
  kql_plugin_col(pl, &out, "aggregated_dcount", KV_LONG);
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count, sizeof *row);
  for (size_t i = 0; i < a.count;) {
    size_t ge = kql_act_group_end(&a, i);
    kql_hset all = {0};
    size_t k = i;
    while (k < ge) {
      int64_t w = kql_act_window(a.items[k].t, start, step, nwin);
      if (w < 0) {
        k++;
        continue;
      }
      kql_hset cur = {0};
      size_t cnt = 0, fresh = 0;
      while (k < ge && kql_act_window(a.items[k].t, start, step, nwin) == w) {
        cnt++;
        if (kql_hset_add(&cur, a.items[k].id) && kql_hset_add(&all, a.items[k].id)) fresh++;
        k++;
      }
      row[0] = kql_plugin_time_value(a.tt, start + w * step);
      kql_act_dim_vals(pl, &a, a.items[i].group, row + 1);
      row[1 + a.ndims] = kv_long((int64_t)cnt);
      row[2 + a.ndims] = kv_long((int64_t)kql_hset_count(&cur));
      row[3 + a.ndims] = kv_long((int64_t)fresh);
      row[4 + a.ndims] = kv_long((int64_t)kql_hset_count(&all));
      kql_act_emit(t, row, out.count);
      kql_hset_free(&cur);
    }
    kql_hset_free(&all);
    i = ge;
  }
  free(row);
  kql_act_free(&a);
  kql_plugin_output(pl, t);
  return 0;
}

/* Parses "[start, end,] step" starting at args[from]; returns the index of
 * the first argument after them, or -1 after an error. */
static int kql_act_range(kql_plugin *pl, const kql_act *a, int from, int nsteps, bool *has_range, int64_t *start,
                         int64_t *end) {
  *has_range = false;
  if (pl->nargs >= from + 2 + nsteps && kql_act_is_point(pl, pl->args[from], a->tt)) {
    if (!kql_plugin_point(pl, pl->args[from], a->tt, start) || !kql_plugin_point(pl, pl->args[from + 1], a->tt, end))
      return -1;
    *has_range = true;
    return from + 2;
  }
  if (pl->b->failed) return -1;
  return from;
}

/* ---- activity_metrics(id, t, [start, end,] window [, dims]) ---- */
int kql_plugin_activity_metrics(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 3) return kql_bind_fail(pl->b, pl->call->pos, "activity_metrics: expected at least 3 arguments");
  if (kql_plugin_input(pl)) return -1;
  kql_act a;
  memset(&a, 0, sizeof a);
  bool has_range = false;
  int64_t start = 0, end = 0, step = 0, nwin = INT64_MAX;
  /* the timeline's type decides whether args 2 and 3 are start/end */
  int tc = kql_plugin_column(pl, pl->args[1]);
  if (tc < 0) return -1;
  int at = kql_act_range(pl, &(kql_act){.tt = pl->in->schema.cols[tc].type}, 2, 1, &has_range, &start, &end);
  if (at < 0) return -1;
  int rc = kql_act_load(pl, &a, at + 1, pl->nargs);
  if (rc == 0 && !kql_plugin_step(pl, pl->args[at], a.tt, &step)) rc = -1;
  if (rc == 0 && has_range) rc = kql_act_windows(pl, start, end, step, &nwin);
  if (rc) {
    kql_act_free(&a);
    return -1;
  }
  kv_schema out = {0};
  kql_plugin_col(pl, &out, pl->in->schema.cols[a.t_col].name, a.tt);
  kql_plugin_col(pl, &out, "dcount_values", KV_LONG);
  kql_plugin_col(pl, &out, "dcount_newvalues", KV_LONG);
  kql_plugin_col(pl, &out, "retention_rate", KV_REAL);
  kql_plugin_col(pl, &out, "churn_rate", KV_REAL);
  kql_act_dim_cols(pl, &a, &out);
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count, sizeof *row);
  int64_t origin = has_range ? start : 0;
  for (size_t i = 0; i < a.count;) {
    size_t ge = kql_act_group_end(&a, i);
    kql_hset all = {0}, prev = {0};
    int64_t prev_w = 0;
    bool first = true;
    size_t k = i;
    while (k < ge) {
      int64_t w = has_range ? kql_act_window(a.items[k].t, start, step, nwin) : kql_plugin_floor_div(a.items[k].t, 0, step);
      if (has_range && w < 0) {
        k++;
        continue;
      }
      kql_hset cur = {0};
      size_t fresh = 0, kept = 0;
      while (k < ge) {
        int64_t w2 = has_range ? kql_act_window(a.items[k].t, start, step, nwin) : kql_plugin_floor_div(a.items[k].t, 0, step);
        if (w2 != w) break;
        if (kql_hset_add(&cur, a.items[k].id)) {
          if (kql_hset_add(&all, a.items[k].id)) fresh++;
          if (!first && prev_w == w - 1 && kql_hset_has(&prev, a.items[k].id)) kept++;
        }
        k++;
      }
      size_t nprev = !first && prev_w == w - 1 ? kql_hset_count(&prev) : 0;
      double ret = first ? 1.0 : kql_act_ratio(kept, nprev);
      row[0] = kql_plugin_time_value(a.tt, origin + w * step);
      row[1] = kv_long((int64_t)kql_hset_count(&cur));
      row[2] = kv_long((int64_t)fresh);
      row[3] = kv_real(ret);
      row[4] = kv_real(first ? 0.0 : nprev ? 1.0 - ret : NAN);
      kql_act_dim_vals(pl, &a, a.items[i].group, row + 5);
      kql_act_emit(t, row, out.count);
      kql_hset_free(&prev);
      prev = cur;
      prev_w = w;
      first = false;
    }
    kql_hset_free(&prev);
    kql_hset_free(&all);
    i = ge;
  }
  free(row);
  kql_act_free(&a);
  kql_plugin_output(pl, t);
  return 0;
}

/* ---- activity_engagement(id, t, [start, end,] inner, outer [, dims]) ---- */
int kql_plugin_activity_engagement(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 4) return kql_bind_fail(pl->b, pl->call->pos, "activity_engagement: expected at least 4 arguments");
  if (kql_plugin_input(pl)) return -1;
  int tc = kql_plugin_column(pl, pl->args[1]);
  if (tc < 0) return -1;
  bool has_range = false;
  int64_t start = 0, end = 0, inner = 0, outer = 0, nwin = INT64_MAX;
  int at = kql_act_range(pl, &(kql_act){.tt = pl->in->schema.cols[tc].type}, 2, 2, &has_range, &start, &end);
  if (at < 0) return -1;
  kql_act a;
  int rc = kql_act_load(pl, &a, at + 2, pl->nargs);
  if (rc == 0 && !(kql_plugin_step(pl, pl->args[at], a.tt, &inner) && kql_plugin_step(pl, pl->args[at + 1], a.tt, &outer)))
    rc = -1;
  if (rc == 0 && has_range) rc = kql_act_windows(pl, start, end, inner, &nwin);
  if (rc) {
    kql_act_free(&a);
    return -1;
  }
  kv_schema out = {0};
  kql_plugin_col(pl, &out, pl->in->schema.cols[a.t_col].name, a.tt);
  kql_plugin_col(pl, &out, "dcount_activities_inner", KV_LONG);
  kql_plugin_col(pl, &out, "dcount_activities_outer", KV_LONG);
  kql_plugin_col(pl, &out, "activity_ratio", KV_REAL);
  kql_act_dim_cols(pl, &a, &out);
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count, sizeof *row);
  int64_t origin = has_range ? start : 0;
  for (size_t i = 0; i < a.count;) {
    size_t ge = kql_act_group_end(&a, i);
    size_t k = i;
    while (k < ge) {
      int64_t w = has_range ? kql_act_window(a.items[k].t, start, inner, nwin) : kql_plugin_floor_div(a.items[k].t, 0, inner);
      if (w < 0 && has_range) {
        k++;
        continue;
      }
      int64_t ws = origin + w * inner, we = ws + inner;
      int64_t os = we - outer;
      if (has_range && os < start) os = start;
      kql_hset in_set = {0}, out_set = {0};
      /* the outer window ends where the inner one ends: walk back from k */
      size_t lo = k;
      while (lo > i && a.items[lo - 1].t >= os) lo--;
      size_t hi = k;
      while (hi < ge && a.items[hi].t < we) hi++;
      for (size_t q = lo; q < hi; q++) {
        kql_hset_add(&out_set, a.items[q].id);
        if (a.items[q].t >= ws) kql_hset_add(&in_set, a.items[q].id);
      }
      row[0] = kql_plugin_time_value(a.tt, ws);
      row[1] = kv_long((int64_t)kql_hset_count(&in_set));
      row[2] = kv_long((int64_t)kql_hset_count(&out_set));
      row[3] = kv_real(kql_act_ratio(kql_hset_count(&in_set), kql_hset_count(&out_set)));
      kql_act_dim_vals(pl, &a, a.items[i].group, row + 4);
      kql_act_emit(t, row, out.count);
      kql_hset_free(&in_set);
      kql_hset_free(&out_set);
      k = hi > k ? hi : k + 1;
    }
    i = ge;
  }
  free(row);
  kql_act_free(&a);
  kql_plugin_output(pl, t);
  return 0;
}

/* ---- new_activity_metrics(id, t, start, end, window [, cohort] [, dims] [, lookback]) ---- */
int kql_plugin_new_activity_metrics(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 5) return kql_bind_fail(pl->b, pl->call->pos, "new_activity_metrics: expected at least 5 arguments");
  if (kql_plugin_input(pl)) return -1;
  int tc = kql_plugin_column(pl, pl->args[1]);
  if (tc < 0) return -1;
  kv_type tt = pl->in->schema.cols[tc].type;
  int next = 5;
  bool has_cohort = false;
  int64_t cohort = 0;
  if (pl->nargs > 5 && kql_act_is_point(pl, pl->args[5], tt)) {
    if (!kql_plugin_point(pl, pl->args[5], tt, &cohort)) return -1;
    has_cohort = true;
    next = 6;
  }
  if (pl->b->failed) return -1;
  /* a last argument that is not an input column is the lookback table */
  int dim_to = pl->nargs;
  kql_table *lookback = NULL;
  kql_node *last = pl->args[pl->nargs - 1];
  if (pl->nargs > next && !(last->kind == KQL_N_NAME && kql_schema_find(&pl->in->schema, last->name, last->name_len) >= 0)) {
    lookback = kql_plugin_table_arg(pl, last);
    if (!lookback) return -1;
    dim_to--;
  }
  kql_act a;
  int rc = kql_act_load(pl, &a, next, dim_to);
  int64_t start = 0, end = 0, step = 0, nwin = 0;
  if (rc == 0 && !(kql_plugin_point(pl, pl->args[2], a.tt, &start) && kql_plugin_point(pl, pl->args[3], a.tt, &end) &&
                   kql_plugin_step(pl, pl->args[4], a.tt, &step)))
    rc = -1;
  if (rc == 0) rc = kql_act_windows(pl, start, end, step, &nwin);
  /* every (from, to) pair is a row: keep the output bounded */
  if (rc == 0 && nwin > (has_cohort ? 100000 : 2000))
    rc = kql_bind_fail(pl->b, pl->call->pos, "new_activity_metrics: too many windows (%lld)", (long long)nwin);
  kql_hset seen_before = {0};
  if (rc == 0 && lookback) {
    const char *idn = pl->in->schema.cols[a.id_col].name;
    int lc = kql_schema_find(&lookback->schema, idn, strlen(idn));
    if (lc < 0) rc = kql_bind_fail(pl->b, last->pos, "new_activity_metrics: the lookback table has no column '%s'", idn);
    for (size_t r = 0; rc == 0 && r < lookback->nrows; r++)
      if (!kv_is_null(kql_table_row(lookback, r)[lc])) kql_hset_add(&seen_before, kv_hash(kql_table_row(lookback, r)[lc]));
  }
  if (rc) {
    kql_hset_free(&seen_before);
    kql_act_free(&a);
    return -1;
  }
  int64_t cohort_w = has_cohort ? kql_act_window(cohort, start, step, nwin) : -1;
  kv_schema out = {0};
  kv_buf nm;
  kv_buf_init(&nm);
  kv_buf_printf(&nm, "from_%s", pl->in->schema.cols[a.t_col].name);
  kv_buf_putc(&nm, 0);
  kql_plugin_col(pl, &out, nm.data, a.tt);
  kv_buf_free(&nm);
  kv_buf_init(&nm);
  kv_buf_printf(&nm, "to_%s", pl->in->schema.cols[a.t_col].name);
  kv_buf_putc(&nm, 0);
  kql_plugin_col(pl, &out, nm.data, a.tt);
  kv_buf_free(&nm);
  kql_plugin_col(pl, &out, "dcount_new_values", KV_LONG);
  kql_plugin_col(pl, &out, "dcount_retained_values", KV_LONG);
  kql_plugin_col(pl, &out, "dcount_churn_values", KV_LONG);
  kql_plugin_col(pl, &out, "retention_rate", KV_REAL);
  kql_plugin_col(pl, &out, "churn_rate", KV_REAL);
  kql_act_dim_cols(pl, &a, &out);
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count, sizeof *row);
  kql_hset *win = kv_calloc((size_t)nwin, sizeof *win);    /* ids per window */
  kql_hset *coh = kv_calloc((size_t)nwin, sizeof *coh);    /* first-seen ids per window */
  for (size_t i = 0; i < a.count && rc == 0;) {
    size_t ge = kql_act_group_end(&a, i);
    kql_hset all = {0};
    for (size_t k = i; k < ge; k++) {
      int64_t w = kql_act_window(a.items[k].t, start, step, nwin);
      if (w < 0) continue;
      kql_hset_add(&win[w], a.items[k].id);
    }
    /* windows in time order: an id belongs to the cohort where it first shows */
    for (int64_t w = 0; w < nwin; w++)
      for (size_t s = 0; s < win[w].cap; s++)
        if (win[w].slots[s] && !kql_hset_has(&seen_before, win[w].slots[s]) && kql_hset_add(&all, win[w].slots[s]))
          kql_hset_add(&coh[w], win[w].slots[s]);
    for (int64_t w = 0; w < nwin; w++)
      if (win[w].has_zero && !kql_hset_has(&seen_before, 0) && kql_hset_add(&all, 0)) kql_hset_add(&coh[w], 0);
    for (int64_t f = 0; f < nwin && rc == 0; f++) {
      if (has_cohort && f != cohort_w) continue;
      if (t->nrows + (size_t)(nwin - f) > 1000000u) { /* many groups x many windows */
        rc = kql_bind_fail(pl->b, pl->call->pos, "new_activity_metrics: more than 1000000 output rows");
        break;
      }
      size_t nc = kql_hset_count(&coh[f]);
      for (int64_t to = f; to < nwin; to++) {
        size_t kept = 0;
        for (size_t s = 0; s < coh[f].cap; s++)
          if (coh[f].slots[s] && kql_hset_has(&win[to], coh[f].slots[s])) kept++;
        if (coh[f].has_zero && kql_hset_has(&win[to], 0)) kept++;
        double ret = kql_act_ratio(kept, nc);
        row[0] = kql_plugin_time_value(a.tt, start + f * step);
        row[1] = kql_plugin_time_value(a.tt, start + to * step);
        row[2] = kv_long((int64_t)nc);
        row[3] = kv_long((int64_t)kept);
        row[4] = kv_long((int64_t)(nc - kept));
        row[5] = kv_real(ret);
        row[6] = kv_real(nc ? 1.0 - ret : NAN);
        kql_act_dim_vals(pl, &a, a.items[i].group, row + 7);
        kql_act_emit(t, row, out.count);
      }
    }
    for (int64_t w = 0; w < nwin; w++) {
      kql_hset_free(&win[w]);
      kql_hset_free(&coh[w]);
    }
    kql_hset_free(&all);
    i = ge;
  }
  free(win);
  free(coh);
  free(row);
  kql_hset_free(&seen_before);
  kql_act_free(&a);
  if (rc) return -1;
  kql_plugin_output(pl, t);
  return 0;
}
