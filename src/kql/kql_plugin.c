/* SPDX-License-Identifier: MIT
 * `evaluate` plugins: the one dispatch table (name -> binder function) and
 * the helpers the plugins share (argument binding, per-row evaluation of
 * argument expressions, timeline binning, hashed id sets, row groups).
 * Plugins run at bind time over the materialized input; an unknown plugin or
 * argument form fails with "not supported yet". */
#include "kql/kql_plugin.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *name;
  kql_plugin_fn fn;
} kql_plugin_entry;

/* geo_polygon_lookup / geo_line_lookup live in kql_op_geo_lookup.c (owner
 * geoops), written against the binder API. */
int kql_bind_geo_lookup(kql_binder *b, kql_node *call, kql_scope *sc, kql_pipe *p);
static int kql_plugin_geo_lookup(kql_plugin *pl) { return kql_bind_geo_lookup(pl->b, pl->call, pl->sc, pl->p); }

/* ORDER: alphabetical, one line per plugin */
static const kql_plugin_entry kql_plugins[] = {
    {"active_users_count", kql_plugin_active_users_count},
    {"activity_counts_metrics", kql_plugin_activity_counts_metrics},
    {"activity_engagement", kql_plugin_activity_engagement},
    {"activity_metrics", kql_plugin_activity_metrics},
    {"bag_unpack", kql_plugin_bag_unpack},
    {"dcount_intersect", kql_plugin_dcount_intersect},
    {"geo_line_lookup", kql_plugin_geo_lookup},
    {"geo_polygon_lookup", kql_plugin_geo_lookup},
    {"ipv4_lookup", kql_plugin_ipv4_lookup},
    {"ipv6_lookup", kql_plugin_ipv6_lookup},
    {"narrow", kql_plugin_narrow},
    {"new_activity_metrics", kql_plugin_new_activity_metrics},
    {"pivot", kql_plugin_pivot},
    {"rolling_percentile", kql_plugin_rolling_percentile},
    {"rows_near", kql_plugin_rows_near},
    {"schema_merge", kql_plugin_schema_merge},
    {"session_count", kql_plugin_session_count},
    {"sliding_window_counts", kql_plugin_sliding_window_counts},
};

int kql_bind_evaluate(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  if (op->nkids < 1 || op->kids[0]->kind != KQL_N_CALL)
    return kql_bind_fail(b, op->pos, "not supported yet: evaluate without a plugin call");
  kql_node *call = op->kids[0];
  if (op->params)
    for (int i = 0; i < op->params->nkids; i++)
      if (strncmp(op->params->kids[i]->name, "hint.", 5) != 0)
        return kql_bind_fail(b, op->params->kids[i]->pos, "not supported yet: evaluate parameter %s",
                             op->params->kids[i]->name);
  kql_plugin_fn fn = NULL;
  for (size_t i = 0; i < sizeof kql_plugins / sizeof kql_plugins[0]; i++)
    if (kql_node_is(call, kql_plugins[i].name)) fn = kql_plugins[i].fn;
  if (!fn) return kql_bind_fail(b, op->pos, "not supported yet: evaluate %s", call->name);
  kql_plugin pl;
  memset(&pl, 0, sizeof pl);
  pl.b = b;
  pl.op = op;
  pl.call = call;
  pl.sc = sc;
  pl.p = p;
  pl.schema = op->nkids > 1 && op->kids[1]->kind == KQL_N_SCHEMA ? op->kids[1] : NULL;
  pl.args = kql_arena_alloc(b->a, sizeof(kql_node *) * (size_t)(call->nkids + 1));
  for (int i = 0; i < call->nkids; i++)
    if (call->kids[i]->kind != KQL_N_ASSIGN) pl.args[pl.nargs++] = call->kids[i];
  if (pl.schema && !kql_node_is(call, "bag_unpack") && !kql_node_is(call, "pivot"))
    return kql_bind_fail(b, pl.schema->pos, "not supported yet: an output schema for %s", call->name);
  /* runtime errors of argument expressions become bind errors here */
  kql_exec *ex = &b->q->ex;
  kql_error e2;
  memset(&e2, 0, sizeof e2);
  kql_error *saved = ex->err;
  ex->err = &e2;
  int rc = fn(&pl);
  ex->err = saved;
  if (ex->failed) {
    ex->failed = false;
    if (!b->failed) {
      b->failed = true;
      *b->err = e2;
    }
    rc = -1;
  }
  return b->failed ? -1 : rc;
}

/* ---- helpers ---- */
int kql_plugin_input(kql_plugin *pl) {
  pl->in = kql_pipe_materialize(pl->b, pl->p, pl->op->pos);
  return pl->in ? 0 : -1;
}

static void kql_plugin_own(kql_plugin *pl, kql_table *t) {
  kql_query *q = pl->b->q;
  q->tables = kv_realloc(q->tables, sizeof(kql_table *) * (size_t)(q->ntables + 1));
  q->tables[q->ntables++] = t;
}

kql_table *kql_plugin_table_new(kql_plugin *pl, const kv_schema *s) {
  kql_table *t = kql_table_new(s);
  kql_plugin_own(pl, t);
  return t;
}

void kql_plugin_col(kql_plugin *pl, kv_schema *s, const char *name, kv_type t) {
  kql_schema_add(pl->b, s, name, t);
}

void kql_plugin_output(kql_plugin *pl, kql_table *t) {
  kql_pipe *p = pl->p;
  kql_pipe_free(p);
  kv_schema out = {0};
  for (int i = 0; i < t->schema.count; i++) kql_schema_add(pl->b, &out, t->schema.cols[i].name, t->schema.cols[i].type);
  p->kind = KQL_SRC_TABLE;
  p->table = t;
  p->schema = out;
  p->head = p->tail = NULL;
}

kql_node *kql_plugin_named(kql_plugin *pl, const char *name) {
  for (int i = 0; i < pl->call->nkids; i++) {
    kql_node *k = pl->call->kids[i];
    if (k->kind == KQL_N_ASSIGN && k->nkids >= 1 && !strcmp(k->name, name)) return k->kids[0];
  }
  return NULL;
}

int kql_plugin_check_named(kql_plugin *pl, const char *const *allowed) {
  for (int i = 0; i < pl->call->nkids; i++) {
    kql_node *k = pl->call->kids[i];
    if (k->kind != KQL_N_ASSIGN) continue;
    bool ok = false;
    for (int j = 0; allowed[j]; j++)
      if (!strcmp(k->name, allowed[j])) ok = true;
    if (!ok) return kql_bind_fail(pl->b, k->pos, "not supported yet: %s argument %s", pl->call->name, k->name);
  }
  return 0;
}

int kql_plugin_column(kql_plugin *pl, kql_node *arg) {
  if (arg->kind != KQL_N_NAME) {
    kql_bind_fail(pl->b, arg->pos, "%s: expected a column name", pl->call->name);
    return -1;
  }
  int c = kql_schema_find(&pl->in->schema, arg->name, arg->name_len);
  if (c < 0) kql_bind_fail(pl->b, arg->pos, "Failed to resolve column '%s'", arg->name);
  return c;
}

bool kql_plugin_const(kql_plugin *pl, kql_node *arg, kv_value *out) {
  kql_expr *e = kql_bind_expr(pl->b, arg, NULL, pl->sc);
  if (!e) return false;
  if (!e->is_const) {
    kql_expr_free(e);
    kql_bind_fail(pl->b, arg->pos, "%s: expected a constant argument", pl->call->name);
    return false;
  }
  *out = kv_retain(e->cval);
  kql_expr_free(e);
  return true;
}

kql_expr *kql_plugin_expr(kql_plugin *pl, kql_node *arg) {
  return kql_bind_expr(pl->b, arg, &pl->in->schema, pl->sc);
}

kv_value kql_plugin_eval(kql_plugin *pl, const kql_expr *e, size_t r) {
  kql_xrow row;
  memset(&row, 0, sizeof row);
  row.vals = kql_table_row(pl->in, r);
  row.ncols = pl->in->schema.count;
  kql_ectx c = kql_ectx_for_row(&pl->b->q->ex, &row);
  return kql_eval(e, &c);
}

kql_table *kql_plugin_table_arg(kql_plugin *pl, kql_node *arg) {
  kql_pipe sub;
  memset(&sub, 0, sizeof sub);
  if (kql_bind_tabular(pl->b, arg, pl->sc, &sub) != 0) {
    kql_pipe_free(&sub);
    return NULL;
  }
  return kql_pipe_materialize(pl->b, &sub, arg->pos);
}

/* ---- timelines ---- */
bool kql_plugin_time(kv_value v, int64_t *out) {
  if (kv_is_null(v)) return false;
  kv_type t = kv_scalar_type(v);
  if (t != KV_DATETIME && t != KV_TIMESPAN && t != KV_INT && t != KV_LONG) return false;
  return kv_num_long(v, out);
}

kv_value kql_plugin_time_value(kv_type t, int64_t x) {
  switch (t) {
    case KV_DATETIME: return kv_datetime(x);
    case KV_TIMESPAN: return kv_timespan(x);
    case KV_INT: return kv_int((int32_t)x);
    default: return kv_long(x);
  }
}

int64_t kql_plugin_floor_div(int64_t x, int64_t origin, int64_t step) {
  /* both operands come from datetimes/longs: compute in double when the
   * difference would overflow (it only matters for absurd inputs) */
  if ((origin < 0 && x > INT64_MAX + origin) || (origin > 0 && x < INT64_MIN + origin)) {
    double q = ((double)x - (double)origin) / (double)step;
    return q > 9e18 ? INT64_MAX / 2 : q < -9e18 ? INT64_MIN / 2 : (int64_t)q;
  }
  int64_t d = x - origin;
  int64_t q = d / step;
  if (d % step != 0 && d < 0) q--;
  return q;
}

static bool kql_plugin_kind_ok(kv_type timeline, kv_type v, bool is_step) {
  bool num = timeline == KV_INT || timeline == KV_LONG;
  bool vnum = v == KV_INT || v == KV_LONG;
  if (num) return vnum;
  if (timeline == KV_DATETIME) return is_step ? v == KV_TIMESPAN : v == KV_DATETIME;
  if (timeline == KV_TIMESPAN) return v == KV_TIMESPAN;
  return false;
}

bool kql_plugin_step(kql_plugin *pl, kql_node *arg, kv_type timeline, int64_t *step) {
  kv_value v;
  if (!kql_plugin_const(pl, arg, &v)) return false;
  kv_type vt = kv_is_null(v) ? KV_TYPE_COUNT : kv_scalar_type(v);
  bool ok = kql_plugin_kind_ok(timeline, vt, true) && kql_plugin_time(v, step) && *step > 0;
  if (!ok && vt == KV_STRING) {
    kv_release(v);
    kql_bind_fail(pl->b, arg->pos, "not supported yet: %s with a calendar step (week, month, year)", pl->call->name);
    return false;
  }
  kv_release(v);
  if (!ok) kql_bind_fail(pl->b, arg->pos, "%s: the step must be a positive %s", pl->call->name,
                         timeline == KV_DATETIME ? "timespan" : "value of the timeline's type");
  return ok;
}

bool kql_plugin_point(kql_plugin *pl, kql_node *arg, kv_type timeline, int64_t *out) {
  kv_value v;
  if (!kql_plugin_const(pl, arg, &v)) return false;
  kv_type vt = kv_is_null(v) ? KV_TYPE_COUNT : kv_scalar_type(v);
  bool ok = kql_plugin_kind_ok(timeline, vt, false) && kql_plugin_time(v, out);
  kv_release(v);
  if (!ok) kql_bind_fail(pl->b, arg->pos, "%s: start/end must be a %s", pl->call->name, kv_type_name(timeline));
  return ok;
}

/* ---- hash sets ---- */
static size_t kql_hset_slot(uint64_t h, size_t cap) { return (size_t)(h ^ (h >> 31)) & (cap - 1); }

bool kql_hset_has(const kql_hset *s, uint64_t h) {
  if (h == 0) return s->has_zero;
  if (!s->cap) return false;
  for (size_t i = kql_hset_slot(h, s->cap);; i = (i + 1) & (s->cap - 1)) {
    if (s->slots[i] == h) return true;
    if (!s->slots[i]) return false;
  }
}

bool kql_hset_add(kql_hset *s, uint64_t h) {
  if (h == 0) {
    bool fresh = !s->has_zero;
    s->has_zero = true;
    return fresh;
  }
  if ((s->count + 1) * 2 > s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 16;
    uint64_t *ns = kv_calloc(ncap, sizeof *ns);
    for (size_t i = 0; i < s->cap; i++)
      if (s->slots[i]) {
        size_t j = kql_hset_slot(s->slots[i], ncap);
        while (ns[j]) j = (j + 1) & (ncap - 1);
        ns[j] = s->slots[i];
      }
    free(s->slots);
    s->slots = ns;
    s->cap = ncap;
  }
  size_t i = kql_hset_slot(h, s->cap);
  while (s->slots[i]) {
    if (s->slots[i] == h) return false;
    i = (i + 1) & (s->cap - 1);
  }
  s->slots[i] = h;
  s->count++;
  return true;
}

void kql_hset_free(kql_hset *s) {
  free(s->slots);
  memset(s, 0, sizeof *s);
}

/* ---- row groups ---- */
void kql_groups_init(kql_groups *g, const kql_table *t, const int *cols, int ncols) {
  memset(g, 0, sizeof *g);
  g->t = t;
  g->cols = cols;
  g->ncols = ncols;
}

static uint64_t kql_groups_hash(const kql_groups *g, size_t row) {
  uint64_t h = 0x9e3779b97f4a7c15u;
  const kv_value *v = kql_table_row(g->t, row);
  for (int i = 0; i < g->ncols; i++) h = (h ^ kv_hash(v[g->cols[i]])) * 0x100000001b3u;
  return h;
}

static bool kql_groups_same(const kql_groups *g, size_t a, size_t b) {
  const kv_value *x = kql_table_row(g->t, a), *y = kql_table_row(g->t, b);
  for (int i = 0; i < g->ncols; i++)
    if (!kv_same(x[g->cols[i]], y[g->cols[i]])) return false;
  return true;
}

size_t kql_groups_of(kql_groups *g, size_t row) {
  if ((g->count + 1) * 2 > g->cap) {
    size_t ncap = g->cap ? g->cap * 2 : 16;
    size_t *ns = kv_calloc(ncap, sizeof *ns);
    for (size_t i = 0; i < g->cap; i++)
      if (g->slots[i]) {
        size_t j = (size_t)kql_groups_hash(g, g->rep[g->slots[i] - 1]) & (ncap - 1);
        while (ns[j]) j = (j + 1) & (ncap - 1);
        ns[j] = g->slots[i];
      }
    free(g->slots);
    g->slots = ns;
    g->cap = ncap;
    g->rep = kv_realloc(g->rep, sizeof(size_t) * ncap);
  }
  size_t j = (size_t)kql_groups_hash(g, row) & (g->cap - 1);
  while (g->slots[j]) {
    if (kql_groups_same(g, g->rep[g->slots[j] - 1], row)) return g->slots[j] - 1;
    j = (j + 1) & (g->cap - 1);
  }
  g->rep[g->count] = row;
  g->slots[j] = ++g->count;
  return g->count - 1;
}

void kql_groups_free(kql_groups *g) {
  free(g->slots);
  free(g->rep);
  memset(g, 0, sizeof *g);
}
