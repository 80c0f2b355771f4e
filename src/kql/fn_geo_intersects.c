/* SPDX-License-Identifier: MIT
 * geo_intersects_2polygons and geo_intersects_line_with_polygon: true when
 * an edge of one shape crosses an edge of the other, or a vertex of one
 * lies inside the other polygon. Edges are great-circle arcs. Touching
 * along a shared great circle is refused ("not supported yet") rather than
 * guessed. Expected values: emulator:geo-intersects-2polygons-function-00/02,
 * geo-intersects-line-with-polygon-function-00. Owner: geo engineer. */
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_lib.h"

/* A shape flattened to paths (rings or lines) and its polygons. */
typedef struct geo_shape {
  geo_v3 *pts[256];
  size_t npts[256];
  int npaths;
  kv_value polys[64]; /* borrowed ring arrays, one per polygon */
  int npolys;
  bool overflow; /* more parts than the fixed arrays hold */
} geo_shape;

static void geo_shape_free(geo_shape *s) {
  for (int i = 0; i < s->npaths; i++) free(s->pts[i]);
  s->npaths = 0;
}

static bool geo_shape_add_path(geo_shape *s, kv_value coords, size_t min) {
  if (s->npaths >= 256) {
    s->overflow = true;
    return false;
  }
  size_t n;
  geo_v3 *v = kql_geo_path(coords, min, &n);
  if (!v) return false;
  s->pts[s->npaths] = v;
  s->npts[s->npaths++] = n;
  return true;
}

static bool geo_shape_add_polygon(geo_shape *s, kv_value rings) {
  if (s->npolys >= 64) {
    s->overflow = true;
    return false;
  }
  if (!kv_is_array(rings) || kv_array_count(rings) == 0) return false;
  geo_v3 probe = {1, 0, 0};
  double d;
  if (kql_geo_polygon_test(probe, rings, &d) < 0) return false; /* validates rings */
  s->polys[s->npolys++] = rings;
  for (size_t r = 0; r < kv_array_count(rings); r++)
    if (!geo_shape_add_path(s, kv_array_get(rings, r), 4)) return false;
  return true;
}

/* polygons: Polygon/MultiPolygon; otherwise LineString/MultiLineString. */
static bool geo_shape_load(geo_shape *s, kv_value g, bool polygons) {
  memset(s, 0, sizeof *s);
  kv_value coords = kv_is_bag(g) ? kv_bag_get(g, "coordinates", 11) : kv_dyn_null();
  bool ok = false;
  if (polygons && kql_geo_is(g, "Polygon")) {
    ok = geo_shape_add_polygon(s, coords);
  } else if (polygons && kql_geo_is(g, "MultiPolygon")) {
    ok = kv_is_array(coords) && kv_array_count(coords) > 0;
    for (size_t i = 0; ok && i < kv_array_count(coords); i++)
      ok = geo_shape_add_polygon(s, kv_array_get(coords, i));
  } else if (!polygons && kql_geo_is(g, "LineString")) {
    ok = geo_shape_add_path(s, coords, 2);
  } else if (!polygons && kql_geo_is(g, "MultiLineString")) {
    ok = kv_is_array(coords) && kv_array_count(coords) > 0;
    for (size_t i = 0; ok && i < kv_array_count(coords); i++)
      ok = geo_shape_add_path(s, kv_array_get(coords, i), 2);
  }
  if (!ok) geo_shape_free(s);
  return ok;
}

/* 1 edges cross, 0 not, -1 two edges share a great circle. */
static int geo_edges_cross(const geo_shape *a, const geo_shape *b) {
  for (int i = 0; i < a->npaths; i++)
    for (size_t k = 0; k + 1 < a->npts[i]; k++)
      for (int j = 0; j < b->npaths; j++)
        for (size_t m = 0; m + 1 < b->npts[j]; m++) {
          geo_v3 x;
          int r = kql_geo_arc_cross(a->pts[i][k], a->pts[i][k + 1], b->pts[j][m], b->pts[j][m + 1], &x);
          if (r != 0) return r;
        }
  return 0;
}

/* Any vertex of a inside a polygon of b. */
static bool geo_vertex_inside(const geo_shape *a, const geo_shape *b) {
  for (int i = 0; i < a->npaths; i++)
    for (size_t k = 0; k < a->npts[i]; k++)
      for (int p = 0; p < b->npolys; p++) {
        double d;
        if (kql_geo_polygon_test(a->pts[i][k], b->polys[p], &d) == 1) return true;
      }
  return false;
}

static kv_value geo_intersects(kql_fn_ctx *ctx, const kv_value *args, bool first_is_polygon,
                               const char *name) {
  geo_shape *a = kv_malloc(sizeof *a), *b = kv_malloc(sizeof *b);
  kv_value out = kv_null(KV_BOOL);
  if (geo_shape_load(a, args[0], first_is_polygon)) {
    if (geo_shape_load(b, args[1], true)) {
      int c = geo_edges_cross(a, b);
      if (c < 0)
        out = kql_fn_fail(ctx, KV_BOOL, "not supported yet: %s() with edges on one great circle", name);
      else
        out = kv_bool(c > 0 || geo_vertex_inside(a, b) || (first_is_polygon && geo_vertex_inside(b, a)));
      geo_shape_free(b);
    } else if (b->overflow) {
      out = kql_fn_fail(ctx, KV_BOOL, "not supported yet: %s() with this many parts", name);
    }
    geo_shape_free(a);
  } else if (a->overflow) {
    out = kql_fn_fail(ctx, KV_BOOL, "not supported yet: %s() with this many parts", name);
  }
  free(a);
  free(b);
  return out;
}

kv_value kql_fn_geo_intersects_2polygons(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  return geo_intersects(ctx, args, true, "geo_intersects_2polygons");
}

kv_value kql_fn_geo_intersects_line_with_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  return geo_intersects(ctx, args, false, "geo_intersects_line_with_polygon");
}
