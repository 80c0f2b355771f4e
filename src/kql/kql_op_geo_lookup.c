/* SPDX-License-Identifier: MIT
 * evaluate geo_polygon_lookup / geo_line_lookup: each input row (a point
 * from two columns) is joined with every lookup-table row whose polygon
 * contains it (or lies within `radius` meters) / whose line lies within
 * `radius` meters. Unmatched rows are dropped unless return_unmatched; the
 * lookup key column is dropped unless return_lookup_key. Both sides are
 * materialized when the query is bound (not on the live input stream).
 * Expected values: emulator:geo-polygon-lookup-plugin-*, geo-line-lookup-
 * plugin-*, geospatial-joins-02. Owner: geoops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"
#include "kql/kql_bind.h"

typedef struct geo_lookup_args {
  kql_node *table, *key, *lng, *lat;
  double radius;
  bool has_radius, unmatched, return_key;
} geo_lookup_args;

/* Bound from the evaluate plugin table (kql_plugin.c). */
int kql_bind_geo_lookup(kql_binder *b, kql_node *call, kql_scope *sc, kql_pipe *p);

/* A literal number (optionally negated) as a real. */
static bool geo_lookup_num(const kql_node *n, double *out) {
  double sign = 1;
  if (n->kind == KQL_N_UNARY && n->nkids == 1 && !strcmp(n->name, "-")) {
    sign = -1;
    n = n->kids[0];
  }
  if (n->kind != KQL_N_LIT || kv_is_null(n->lit)) return false;
  if (n->lit.type != KV_INT && n->lit.type != KV_LONG && n->lit.type != KV_REAL) return false;
  if (!kql_arg_real(n->lit, out)) return false;
  *out *= sign;
  return isfinite(*out);
}

static bool geo_lookup_bool(const kql_node *n, bool *out) {
  if (n->kind != KQL_N_LIT || n->lit.type != KV_BOOL || kv_is_null(n->lit)) return false;
  *out = n->lit.u.b;
  return true;
}

/* Positional slots: 0 table, 1 key, 2 lng, 3 lat, 4 radius, 5 return_unmatched,
 * 6 lookup_area_radius, 7 return_lookup_key; named forms set slots 4..7. */
static int geo_lookup_parse(kql_binder *b, kql_node *call, bool line, geo_lookup_args *a) {
  static const char *const names[] = {NULL, NULL, NULL, NULL, "radius", "return_unmatched",
                                      "lookup_area_radius", "return_lookup_key"};
  kql_node *slot[8] = {0};
  int pos = 0;
  for (int i = 0; i < call->nkids; i++) {
    kql_node *k = call->kids[i];
    int at = -1;
    if (k->kind == KQL_N_ASSIGN && k->nkids == 1) {
      for (int s = 4; s < 8; s++)
        if (!strcmp(k->name, names[s])) at = s;
      if (at < 0) return kql_bind_fail(b, k->pos, "%s: unknown argument '%s'", call->name, k->name);
      k = k->kids[0];
    } else {
      at = pos++;
    }
    if (at >= 8) return kql_bind_fail(b, k->pos, "%s: too many arguments", call->name);
    slot[at] = k;
  }
  if (!slot[0] || !slot[1] || !slot[2] || !slot[3] || (line && !slot[4]))
    return kql_bind_fail(b, call->pos, "%s: missing arguments", call->name);
  for (int s = 1; s < 4; s++)
    if (slot[s]->kind != KQL_N_NAME)
      return kql_bind_fail(b, slot[s]->pos, "not supported yet: %s with an expression instead of a column",
                           call->name);
  memset(a, 0, sizeof *a);
  a->table = slot[0];
  a->key = slot[1];
  a->lng = slot[2];
  a->lat = slot[3];
  if (slot[4]) {
    if (!geo_lookup_num(slot[4], &a->radius))
      return kql_bind_fail(b, slot[4]->pos, "not supported yet: %s with a non-literal radius", call->name);
    a->has_radius = true;
    if (a->radius < 0 || (line && a->radius == 0))
      return kql_bind_fail(b, slot[4]->pos, "%s: radius must be positive", call->name);
  }
  if (slot[5] && !geo_lookup_bool(slot[5], &a->unmatched))
    return kql_bind_fail(b, slot[5]->pos, "%s: return_unmatched must be a bool literal", call->name);
  double area;
  if (slot[6] && !geo_lookup_num(slot[6], &area))
    return kql_bind_fail(b, slot[6]->pos, "%s: lookup_area_radius must be a number", call->name);
  if (slot[7] && !geo_lookup_bool(slot[7], &a->return_key))
    return kql_bind_fail(b, slot[7]->pos, "%s: return_lookup_key must be a bool literal", call->name);
  return 0;
}

/* Does the point (args[0], args[1]) match the shape args[2]? */
static bool geo_lookup_match(bool line, const geo_lookup_args *a, kv_value *args) {
  kql_fn_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  kv_value r;
  if (line) {
    r = kql_fn_geo_distance_point_to_line(&ctx, args, 3);
    bool ok = !kv_is_null(r) && r.u.r <= a->radius;
    kv_release(r);
    return ok;
  }
  if (a->has_radius && a->radius > 0) {
    r = kql_fn_geo_distance_point_to_polygon(&ctx, args, 3);
    bool ok = !kv_is_null(r) && r.u.r <= a->radius;
    kv_release(r);
    return ok;
  }
  r = kql_fn_geo_point_in_polygon(&ctx, args, 3);
  bool ok = !kv_is_null(r) && r.u.b;
  kv_release(r);
  return ok;
}

int kql_bind_geo_lookup(kql_binder *b, kql_node *call, kql_scope *sc, kql_pipe *p) {
  bool line = !strcmp(call->name, "geo_line_lookup");
  geo_lookup_args a;
  if (geo_lookup_parse(b, call, line, &a)) return -1;
  int lng_c = kql_schema_find(&p->schema, a.lng->name, strlen(a.lng->name));
  int lat_c = kql_schema_find(&p->schema, a.lat->name, strlen(a.lat->name));
  if (lng_c < 0 || lat_c < 0) {
    kql_node *miss = lng_c < 0 ? a.lng : a.lat;
    return kql_bind_fail(b, miss->pos, "Failed to resolve column '%s'", miss->name);
  }
  kql_pipe rp;
  memset(&rp, 0, sizeof rp);
  if (kql_bind_tabular(b, a.table, sc, &rp)) {
    kql_pipe_free(&rp);
    return -1;
  }
  kql_table *lk = kql_pipe_materialize(b, &rp, a.table->pos);
  if (!lk) return -1;
  int key_c = kql_schema_find(&lk->schema, a.key->name, strlen(a.key->name));
  if (key_c < 0) return kql_bind_fail(b, a.key->pos, "Failed to resolve column '%s'", a.key->name);
  if (lk->schema.cols[key_c].type != KV_DYNAMIC)
    return kql_bind_fail(b, a.key->pos, "%s: the lookup key column must be dynamic", call->name);
  kql_table *in = kql_pipe_materialize(b, p, call->pos);
  if (!in) return -1;

  kv_schema out = {0};
  for (int c = 0; c < in->schema.count; c++) kql_schema_add(b, &out, in->schema.cols[c].name, in->schema.cols[c].type);
  int nin = out.count;
  int *lcols = kv_malloc(sizeof(int) * (size_t)(lk->schema.count + 1));
  int nl = 0;
  for (int c = 0; c < lk->schema.count; c++) {
    if (c == key_c && !a.return_key) continue;
    kql_schema_add(b, &out, kql_unique_name(b, &out, lk->schema.cols[c].name), lk->schema.cols[c].type);
    lcols[nl++] = c;
  }
  kql_table *t = kql_table_new(&out);
  kql_query *q = b->q;
  q->tables = kv_realloc(q->tables, sizeof(kql_table *) * (size_t)(q->ntables + 1));
  q->tables[q->ntables++] = t;
  kv_value *row = kv_calloc((size_t)out.count, sizeof(kv_value));
  for (size_t r = 0; r < in->nrows; r++) {
    kv_value *src = kql_table_row(in, r);
    for (int c = 0; c < nin; c++) row[c] = src[c];
    bool any = false;
    for (size_t k = 0; k < lk->nrows; k++) {
      kv_value *lrow = kql_table_row(lk, k);
      kv_value args[3] = {src[lng_c], src[lat_c], lrow[key_c]};
      if (!geo_lookup_match(line, &a, args)) continue;
      any = true;
      for (int c = 0; c < nl; c++) row[nin + c] = lrow[lcols[c]];
      kql_table_add_row(t, row);
    }
    if (!any && a.unmatched) {
      for (int c = 0; c < nl; c++) {
        kv_type ty = lk->schema.cols[lcols[c]].type;
        row[nin + c] = ty == KV_STRING ? kv_string_borrowed("", 0) : ty == KV_DYNAMIC ? kv_dyn_null() : kv_null(ty);
      }
      kql_table_add_row(t, row);
    }
  }
  free(row);
  free(lcols);
  p->kind = KQL_SRC_TABLE;
  p->table = t;
  p->schema = out;
  return 0;
}
