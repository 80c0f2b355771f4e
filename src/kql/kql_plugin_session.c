/* SPDX-License-Identifier: MIT
 * User-analytics plugins that look back from each row or bin, per dimension
 * group: session_count (a row starts a new session when its id was not seen
 * within LookBackWindow), sliding_window_counts (count and dcount over the
 * trailing LookbackWindow of bins) and active_users_count (ids seen in at
 * least N distinct periods within the lookback before an appearance).
 * Bins with nothing to report are not emitted. */
#include "kql/kql_plugin_activity.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  uint64_t id;
  int64_t t;
  size_t order; /* position in the group's time order */
} kql_ses_item;

static int kql_ses_cmp(const void *x, const void *y) {
  const kql_ses_item *a = x, *b = y;
  if (a->id != b->id) return a->id < b->id ? -1 : 1;
  if (a->t != b->t) return a->t < b->t ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

static int kql_i64_cmp(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

/* Emits (bin, dims, counts...) rows for one group from sorted bin keys. */
static void kql_ses_emit_bins(kql_plugin *pl, const kql_act *a, kql_table *t, size_t group, int64_t *bins,
                              size_t nb, int64_t step, kv_value *row, int ncols) {
  qsort(bins, nb, sizeof *bins, kql_i64_cmp);
  for (size_t i = 0; i < nb;) {
    size_t j = i;
    while (j < nb && bins[j] == bins[i]) j++;
    row[0] = kql_plugin_time_value(a->tt, bins[i] * step);
    kql_act_dim_vals(pl, a, group, row + 1);
    row[1 + a->ndims] = kv_long((int64_t)(j - i));
    kql_act_emit(t, row, ncols);
    i = j;
  }
}

/* ---- session_count(id, t, start, end, bin, lookback [, dims]) ---- */
int kql_plugin_session_count(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 6) return kql_bind_fail(pl->b, pl->call->pos, "session_count: expected at least 6 arguments");
  kql_act a;
  int rc = kql_act_load(pl, &a, 6, pl->nargs);
  int64_t start = 0, end = 0, bin = 0, look = 0;
  if (rc == 0 && !(kql_plugin_point(pl, pl->args[2], a.tt, &start) && kql_plugin_point(pl, pl->args[3], a.tt, &end) &&
                   kql_plugin_step(pl, pl->args[4], a.tt, &bin) && kql_plugin_step(pl, pl->args[5], a.tt, &look)))
    rc = -1;
  if (rc) {
    kql_act_free(&a);
    return -1;
  }
  kv_schema out = {0};
  kql_plugin_col(pl, &out, pl->in->schema.cols[a.t_col].name, a.tt);
  kql_act_dim_cols(pl, &a, &out);
  kql_plugin_col(pl, &out, "count_sessions", KV_LONG);
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count, sizeof *row);
  kql_ses_item *s = kv_calloc(a.count + 1, sizeof *s);
  int64_t *bins = kv_calloc(a.count + 1, sizeof *bins);
  for (size_t i = 0; i < a.count;) {
    size_t ge = kql_act_group_end(&a, i), n = 0, nb = 0;
    for (size_t k = i; k < ge; k++)
      if (a.items[k].t >= start && a.items[k].t <= end) {
        s[n].id = a.items[k].id;
        s[n].t = a.items[k].t;
        s[n].order = n;
        n++;
      }
    qsort(s, n, sizeof *s, kql_ses_cmp);
    /* per id in time order: a gap of LookBackWindow or more starts a session */
    for (size_t k = 0; k < n; k++) {
      bool fresh = k == 0 || s[k - 1].id != s[k].id || s[k].t - s[k - 1].t >= look;
      if (fresh) bins[nb++] = kql_plugin_floor_div(s[k].t, 0, bin);
    }
    kql_ses_emit_bins(pl, &a, t, a.items[i].group, bins, nb, bin, row, out.count);
    i = ge;
  }
  free(bins);
  free(s);
  free(row);
  kql_act_free(&a);
  kql_plugin_output(pl, t);
  return 0;
}

/* ---- sliding_window_counts(id, t, start, end, lookback, bin [, dims]) ---- */
int kql_plugin_sliding_window_counts(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 6) return kql_bind_fail(pl->b, pl->call->pos, "sliding_window_counts: expected at least 6 arguments");
  kql_act a;
  int rc = kql_act_load(pl, &a, 6, pl->nargs);
  int64_t start = 0, end = 0, look = 0, bin = 0;
  if (rc == 0 && !(kql_plugin_point(pl, pl->args[2], a.tt, &start) && kql_plugin_point(pl, pl->args[3], a.tt, &end) &&
                   kql_plugin_step(pl, pl->args[4], a.tt, &look) && kql_plugin_step(pl, pl->args[5], a.tt, &bin)))
    rc = -1;
  int64_t nbins = rc == 0 && end >= start ? kql_plugin_floor_div(end, start, bin) + 1 : 0;
  if (rc == 0 && nbins > 1000000) rc = kql_bind_fail(pl->b, pl->call->pos, "sliding_window_counts: more than 1000000 bins");
  if (rc) {
    kql_act_free(&a);
    return -1;
  }
  /* the lookback is rounded down to whole bins (at least one) */
  int64_t nlook = look / bin;
  if (nlook < 1) nlook = 1;
  kv_schema out = {0};
  kql_plugin_col(pl, &out, pl->in->schema.cols[a.t_col].name, a.tt);
  kql_act_dim_cols(pl, &a, &out);
  kql_plugin_col(pl, &out, "Count", KV_LONG);
  kql_plugin_col(pl, &out, "Dcount", KV_LONG);
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count, sizeof *row);
  int fail = 0;
  for (size_t i = 0; i < a.count && !fail;) {
    size_t ge = kql_act_group_end(&a, i);
    size_t lo = i;
    /* start at the group's first bin: earlier bins have nothing to count */
    int64_t k0 = kql_plugin_floor_div(a.items[i].t, start, bin);
    for (int64_t k = k0 > 0 ? k0 : 0; k < nbins; k++) {
      /* window: bins k-nlook+1 .. k, in timeline units from start */
      int64_t wlo = k - nlook + 1;
      while (lo < ge && kql_plugin_floor_div(a.items[lo].t, start, bin) < wlo) lo++;
      size_t hi = lo, cnt = 0;
      kql_hset ids = {0};
      while (hi < ge && kql_plugin_floor_div(a.items[hi].t, start, bin) <= k) {
        cnt++;
        kql_hset_add(&ids, a.items[hi].id);
        hi++;
      }
      if (cnt && t->nrows >= 1000000u) { /* a long lookback repeats each row in many bins */
        fail = kql_bind_fail(pl->b, pl->call->pos, "sliding_window_counts: more than 1000000 output rows");
        kql_hset_free(&ids);
        break;
      }
      if (cnt) {
        row[0] = kql_plugin_time_value(a.tt, start + k * bin);
        kql_act_dim_vals(pl, &a, a.items[i].group, row + 1);
        row[1 + a.ndims] = kv_long((int64_t)cnt);
        row[2 + a.ndims] = kv_long((int64_t)kql_hset_count(&ids));
        kql_act_emit(t, row, out.count);
      }
      kql_hset_free(&ids);
      if (lo >= ge) break;
    }
    i = ge;
  }
  free(row);
  kql_act_free(&a);
  if (fail) return -1;
  kql_plugin_output(pl, t);
  return 0;
}

/* ---- active_users_count(id, t, start, end, lookback, period, nperiods, bin [, dims]) ---- */
int kql_plugin_active_users_count(kql_plugin *pl) {
  static const char *const none[] = {NULL};
  if (kql_plugin_check_named(pl, none)) return -1;
  if (pl->nargs < 8) return kql_bind_fail(pl->b, pl->call->pos, "active_users_count: expected at least 8 arguments");
  kql_act a;
  int rc = kql_act_load(pl, &a, 8, pl->nargs);
  int64_t start = 0, end = 0, look = 0, period = 0, need = 0, bin = 0;
  if (rc == 0 && !(kql_plugin_point(pl, pl->args[2], a.tt, &start) && kql_plugin_point(pl, pl->args[3], a.tt, &end) &&
                   kql_plugin_step(pl, pl->args[4], a.tt, &look) && kql_plugin_step(pl, pl->args[5], a.tt, &period) &&
                   kql_node_const_long(pl->b, pl->args[6], pl->sc, &need) && kql_plugin_step(pl, pl->args[7], a.tt, &bin)))
    rc = -1;
  if (rc) {
    kql_act_free(&a);
    return -1;
  }
  kv_schema out = {0};
  kql_plugin_col(pl, &out, pl->in->schema.cols[a.t_col].name, a.tt);
  kql_act_dim_cols(pl, &a, &out);
  kql_plugin_col(pl, &out, "dcount", KV_LONG);
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count, sizeof *row);
  kql_ses_item *s = kv_calloc(a.count + 1, sizeof *s);
  kql_ses_item *act = kv_calloc(a.count + 1, sizeof *act); /* (bin, id) of active appearances */
  for (size_t i = 0; i < a.count;) {
    size_t ge = kql_act_group_end(&a, i), n = 0, na = 0;
    for (size_t k = i; k < ge; k++) {
      s[n].id = a.items[k].id;
      s[n].t = a.items[k].t;
      s[n].order = n;
      n++;
    }
    qsort(s, n, sizeof *s, kql_ses_cmp);
    for (size_t k = 0; k < n; k++) {
      if (s[k].t < start || s[k].t > end) continue;
      /* distinct periods among this id's appearances in (t - lookback, t] */
      int64_t distinct = 0, last_p = 0;
      for (size_t q = k + 1; q-- > 0;) {
        if (s[q].id != s[k].id || s[q].t <= s[k].t - look) break;
        int64_t p = kql_plugin_floor_div(s[q].t, 0, period);
        if (distinct == 0 || p != last_p) distinct++;
        last_p = p;
        if (distinct >= need) break;
      }
      if (distinct >= need) {
        act[na].t = kql_plugin_floor_div(s[k].t, start, bin);
        act[na].id = s[k].id;
        act[na].order = na;
        na++;
      }
    }
    /* dcount of ids per bin */
    qsort(act, na, sizeof *act, kql_ses_cmp); /* by id then bin: regroup by bin below */
    int64_t *keys = kv_calloc(na + 1, sizeof *keys);
    size_t nk = 0;
    for (size_t k = 0; k < na; k++)
      if (k == 0 || act[k].id != act[k - 1].id || act[k].t != act[k - 1].t) keys[nk++] = act[k].t;
    qsort(keys, nk, sizeof *keys, kql_i64_cmp);
    for (size_t k = 0; k < nk;) {
      size_t j = k;
      while (j < nk && keys[j] == keys[k]) j++;
      row[0] = kql_plugin_time_value(a.tt, start + keys[k] * bin);
      kql_act_dim_vals(pl, &a, a.items[i].group, row + 1);
      row[1 + a.ndims] = kv_long((int64_t)(j - k));
      kql_act_emit(t, row, out.count);
      k = j;
    }
    free(keys);
    i = ge;
  }
  free(act);
  free(s);
  free(row);
  kql_act_free(&a);
  kql_plugin_output(pl, t);
  return 0;
}
