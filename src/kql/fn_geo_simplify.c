/* SPDX-License-Identifier: MIT
 * geo_line_simplify, geo_polygon_simplify, geo_simplify_polygons_array.
 * Kusto snaps vertices closer than `tolerance` meters together and replaces
 * nearly straight chains by single edges (S2-builder style). Implemented:
 * invalid input and tolerance -> null; shapes whose vertices all lie within
 * the tolerance of each other collapse -> null; a line whose whole chain
 * stays well inside the tolerance of the edge between its ends -> that edge.
 * Everything else fails with "not supported yet" rather than guessing which
 * vertices the engine keeps. Expected values: emulator:geo-line-simplify-
 * function-00/03/04/05, geo-polygon-simplify-function-03/04/05,
 * geo-simplify-polygons-array-function-01/02/03. Owner: geoops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

/* Pairwise-distance checks are quadratic; larger inputs are refused. */
#define GEO_SIMP_MAX_VERTICES 4096

/* Tolerance in meters (default 10); false when invalid. */
static bool geo_simp_tolerance(const kv_value *args, int argc, int at, double *tol) {
  *tol = 10.0;
  if (argc > at && !kql_arg_real(args[at], tol)) return false;
  return *tol >= 0.0 && isfinite(*tol);
}

/* Collects unit vectors of all positions of every ring/path under coords
 * (depth 1 = path, 2 = rings, 3 = polygons). false on overflow. */
static bool geo_simp_collect(kv_value coords, int depth, geo_v3 **v, size_t *n, size_t *cap) {
  if (!kv_is_array(coords)) return false;
  if (depth > 1) {
    for (size_t i = 0; i < kv_array_count(coords); i++)
      if (!geo_simp_collect(kv_array_get(coords, i), depth - 1, v, n, cap)) return false;
    return true;
  }
  size_t c;
  geo_v3 *p = kql_geo_path(coords, 1, &c);
  if (!p) return false;
  if (*n + c > GEO_SIMP_MAX_VERTICES) {
    free(p);
    return false;
  }
  if (*n + c > *cap) {
    *cap = *n + c + 64;
    *v = kv_realloc(*v, *cap * sizeof(geo_v3));
  }
  memcpy(*v + *n, p, c * sizeof(geo_v3));
  *n += c;
  free(p);
  return true;
}

/* Largest angle between two of the points. */
static double geo_simp_diameter(const geo_v3 *v, size_t n) {
  double best = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      double d = geo_ang(v[i], v[j]);
      if (d > best) best = d;
    }
  return best;
}

/* 1 = collapses (all points closer than r to each other), 0 = does not,
 * -1 = too many vertices to decide. */
static int geo_simp_collapses(kv_value coords, int depth, double r) {
  geo_v3 *v = NULL;
  size_t n = 0, cap = 0;
  if (!geo_simp_collect(coords, depth, &v, &n, &cap)) {
    free(v);
    return -1;
  }
  int res = geo_simp_diameter(v, n) < r ? 1 : 0;
  free(v);
  return res;
}

kv_value kql_fn_geo_line_simplify(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double tol;
  if (!geo_simp_tolerance(args, argc, 1, &tol) || !kql_geo_line_valid(args[0])) return kv_dyn_null();
  if (!kql_geo_is(args[0], "LineString"))
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_simplify() of a MultiLineString");
  kv_value coords = kv_bag_get(args[0], "coordinates", 11);
  double r = kql_geo_m_to_rad(tol);
  int col = geo_simp_collapses(coords, 1, r);
  if (col == 1) return kv_dyn_null(); /* emulator:geo-line-simplify-function-05 */
  size_t n;
  geo_v3 *v = col == 0 ? kql_geo_path(coords, 2, &n) : NULL;
  if (!v) return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_simplify() of a line this long");
  /* The ends stay vertices when no other vertex is within the tolerance of
   * them; every other vertex must lie within half the tolerance of the end
   * to end edge, in order along it: the chain then becomes that one edge. */
  geo_v3 a = v[0], b = v[n - 1];
  double w = geo_ang(a, b);
  bool whole = w > r && n >= 2;
  for (size_t i = 1; whole && i + 1 < n; i++)
    if (geo_ang(v[i], a) <= r || geo_ang(v[i], b) <= r) whole = false;
  double prev = 0;
  for (size_t i = 1; whole && i + 1 < n; i++) {
    double t = geo_ang(a, v[i]);
    if (kql_geo_seg_dist(v[i], a, b) > 0.5 * r || t < prev || t > w) whole = false;
    prev = t;
  }
  free(v);
  if (!whole || (n > 2 && tol == 0.0))
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_simplify() keeping interior vertices");
  double ll[4];
  kql_geo_lnglat(a, &ll[0], &ll[1]);
  kql_geo_lnglat(b, &ll[2], &ll[3]);
  return kql_geo_shape_value("LineString", kql_geo_coords_value(ll, 2));
}

kv_value kql_fn_geo_polygon_simplify(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double tol;
  if (!geo_simp_tolerance(args, argc, 1, &tol) || !kql_geo_polygon_valid(args[0])) return kv_dyn_null();
  kv_value coords = kv_bag_get(args[0], "coordinates", 11);
  int col = geo_simp_collapses(coords, kql_geo_is(args[0], "Polygon") ? 2 : 3, kql_geo_m_to_rad(tol));
  if (col == 1) return kv_dyn_null(); /* emulator:geo-polygon-simplify-function-05 */
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_simplify() of a polygon it keeps");
}

kv_value kql_fn_geo_simplify_polygons_array(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double tol;
  if (!geo_simp_tolerance(args, argc, 1, &tol) || !kv_is_array(args[0])) return kv_dyn_null();
  size_t n = kv_array_count(args[0]);
  geo_v3 *v = NULL;
  size_t nv = 0, cap = 0;
  bool big = false;
  for (size_t i = 0; i < n; i++) {
    kv_value g = kv_array_get(args[0], i);
    if (kv_is_null(g)) continue;
    if (!kql_geo_polygon_valid(g)) {
      free(v);
      return kv_dyn_null(); /* emulator:geo-simplify-polygons-array-function-01 */
    }
    kv_value c = kv_bag_get(g, "coordinates", 11);
    if (!big && !geo_simp_collect(c, kql_geo_is(g, "Polygon") ? 2 : 3, &v, &nv, &cap)) big = true;
  }
  bool collapses = !big && nv > 0 && geo_simp_diameter(v, nv) < kql_geo_m_to_rad(tol);
  free(v);
  if (collapses) return kv_dyn_null(); /* emulator:geo-simplify-polygons-array-function-03 */
  return kql_fn_fail(ctx, KV_DYNAMIC,
                     "not supported yet: geo_simplify_polygons_array() of polygons it keeps");
}
