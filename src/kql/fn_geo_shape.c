/* SPDX-License-Identifier: MIT
 * Point-versus-shape functions on Kusto's sphere, edges being great-circle
 * arcs: geo_distance_point_to_line, geo_point_in_polygon,
 * geo_distance_point_to_polygon. Shapes are GeoJSON dynamics (LineString,
 * MultiLineString, Polygon with holes, MultiPolygon); an invalid shape or
 * point gives null. Owner: geo engineer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

/* Angular distance from p to the minor arc a-b. Reproduces
 * emulator:geo-distance-point-to-line-function-00 exactly. */
double kql_geo_seg_dist(geo_v3 p, geo_v3 a, geo_v3 b) {
  geo_v3 n = geo_cross(a, b);
  double nl = geo_len(n);
  double da = geo_ang(p, a), db = geo_ang(p, b);
  double best = da < db ? da : db;
  if (nl == 0.0) return best;
  n.x /= nl;
  n.y /= nl;
  n.z /= nl;
  geo_v3 q = geo_cross(n, geo_cross(p, n)); /* p projected on the great circle */
  double ql = geo_len(q);
  if (ql == 0.0) return best;
  q.x /= ql;
  q.y /= ql;
  q.z /= ql;
  if (geo_ang(a, q) + geo_ang(q, b) <= geo_ang(a, b) + 1e-15) {
    double s = geo_dot(p, n);
    if (s > 1) s = 1;
    if (s < -1) s = -1;
    double d = fabs(asin(s));
    if (d < best) best = d;
  }
  return best;
}

/* A ring/path of positions as unit vectors (allocated, *n set); NULL when a
 * position is invalid or there are fewer than `min` positions. */
geo_v3 *kql_geo_path(kv_value coords, size_t min, size_t *n) {
  if (!kv_is_array(coords)) return NULL;
  size_t c = kv_array_count(coords);
  if (c < min) return NULL;
  geo_v3 *v = kv_malloc(c * sizeof *v);
  for (size_t i = 0; i < c; i++) {
    double lng, lat;
    if (!kql_geo_position(kv_array_get(coords, i), &lng, &lat)) {
      free(v);
      return NULL;
    }
    v[i] = geo_xyz(lng, lat);
  }
  *n = c;
  return v;
}

bool kql_geo_is(kv_value g, const char *type) {
  size_t tl;
  const char *t = kql_geo_type(g, &tl);
  return tl == strlen(type) && memcmp(t, type, tl) == 0;
}

/* Minimum angular distance from p to any edge of one path; <0 if invalid. */
static double geo_path_dist(geo_v3 p, kv_value coords, size_t min) {
  size_t n;
  geo_v3 *v = kql_geo_path(coords, min, &n);
  if (!v) return -1;
  double best = INFINITY;
  for (size_t i = 0; i + 1 < n; i++) {
    double d = kql_geo_seg_dist(p, v[i], v[i + 1]);
    if (d < best) best = d;
  }
  free(v);
  return best;
}

kv_value kql_fn_geo_distance_point_to_line(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double lng, lat;
  if (!kql_geo_arg_point(args, &lng, &lat)) return kv_null(KV_REAL);
  geo_v3 p = geo_xyz(lng, lat);
  kv_value coords = kv_is_bag(args[2]) ? kv_bag_get(args[2], "coordinates", 11) : kv_dyn_null();
  double best;
  if (kql_geo_is(args[2], "LineString")) {
    best = geo_path_dist(p, coords, 2);
    if (best < 0) return kv_null(KV_REAL);
  } else if (kql_geo_is(args[2], "MultiLineString")) {
    if (!kv_is_array(coords) || kv_array_count(coords) == 0) return kv_null(KV_REAL);
    best = INFINITY;
    for (size_t i = 0; i < kv_array_count(coords); i++) {
      double d = geo_path_dist(p, kv_array_get(coords, i), 2);
      if (d < 0) return kv_null(KV_REAL);
      if (d < best) best = d;
    }
  } else {
    return kv_null(KV_REAL);
  }
  return kv_real(best * KQL_GEO_EARTH_RADIUS);
}

/* Polygon rings: closed, at least 3 distinct consecutive vertices
 * (emulator:geo-point-in-polygon-function-06 is a degenerate ring -> null). */
static bool geo_ring_ok(const geo_v3 *v, size_t n) {
  if (n < 4 || v[0].x != v[n - 1].x || v[0].y != v[n - 1].y || v[0].z != v[n - 1].z) return false;
  size_t distinct = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    const geo_v3 *a = &v[i], *b = &v[i + 1];
    if (a->x != b->x || a->y != b->y || a->z != b->z) distinct++;
  }
  return distinct >= 3;
}

/* Winding of the ring around p: sum of signed angles subtended at p; close
 * to +-2*pi inside, 0 outside (small polygons; the antipode is outside). */
static bool geo_ring_contains(geo_v3 p, const geo_v3 *v, size_t n) {
  double sum = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    geo_v3 a = v[i], b = v[i + 1];
    double y = geo_dot(p, geo_cross(a, b));
    double x = geo_dot(a, b) - geo_dot(p, a) * geo_dot(p, b);
    sum += atan2(y, x);
  }
  /* +-2*pi also when the ring separates p from its antipode with p on the
   * far side: the sign must match the ring's own turning (the ring's region
   * is its smaller side), else a point opposite a small polygon would count
   * as inside (geoops). */
  return kql_geo_ring_turn(v, n) >= 0 ? sum > KQL_GEO_PI : sum < -KQL_GEO_PI;
}

double kql_geo_ring_turn(const geo_v3 *v, size_t n) {
  double s = 0;
  for (size_t i = 1; i + 2 < n; i++)
    s += 2 * atan2(geo_dot(v[0], geo_cross(v[i], v[i + 1])),
                   1 + geo_dot(v[0], v[i]) + geo_dot(v[i], v[i + 1]) + geo_dot(v[i + 1], v[0]));
  return s;
}

/* One GeoJSON polygon (array of rings: shell, holes): 1 inside, 0 outside,
 * -1 invalid; *dist = angular distance to the nearest edge. */
int kql_geo_polygon_test(geo_v3 p, kv_value rings, double *dist) {
  if (!kv_is_array(rings) || kv_array_count(rings) == 0) return -1;
  int inside = 0;
  *dist = INFINITY;
  for (size_t r = 0; r < kv_array_count(rings); r++) {
    size_t n;
    geo_v3 *v = kql_geo_path(kv_array_get(rings, r), 4, &n);
    if (!v) return -1;
    if (!geo_ring_ok(v, n)) {
      free(v);
      return -1;
    }
    bool in = geo_ring_contains(p, v, n);
    if (r == 0) inside = in;
    else if (in) inside = 0;
    for (size_t i = 0; i + 1 < n; i++) {
      double d = kql_geo_seg_dist(p, v[i], v[i + 1]);
      if (d < *dist) *dist = d;
    }
    free(v);
  }
  return inside;
}

/* 1 inside any polygon, 0 outside all, -1 invalid; *dist as above. */
static int geo_shape_test(const kv_value *args, double *dist) {
  double lng, lat;
  if (!kql_geo_arg_point(args, &lng, &lat)) return -1;
  geo_v3 p = geo_xyz(lng, lat);
  kv_value coords = kv_is_bag(args[2]) ? kv_bag_get(args[2], "coordinates", 11) : kv_dyn_null();
  if (kql_geo_is(args[2], "Polygon")) return kql_geo_polygon_test(p, coords, dist);
  if (!kql_geo_is(args[2], "MultiPolygon") || !kv_is_array(coords) || kv_array_count(coords) == 0)
    return -1;
  int any = 0;
  *dist = INFINITY;
  for (size_t i = 0; i < kv_array_count(coords); i++) {
    double d;
    int t = kql_geo_polygon_test(p, kv_array_get(coords, i), &d);
    if (t < 0) return -1;
    if (t) any = 1;
    if (d < *dist) *dist = d;
  }
  return any;
}

kv_value kql_fn_geo_point_in_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double d;
  int t = geo_shape_test(args, &d);
  return t < 0 ? kv_null(KV_BOOL) : kv_bool(t == 1);
}

kv_value kql_fn_geo_distance_point_to_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double d;
  int t = geo_shape_test(args, &d);
  if (t < 0) return kv_null(KV_REAL);
  return kv_real(t == 1 ? 0.0 : d * KQL_GEO_EARTH_RADIUS);
}

/* Signed solid angle of the spherical triangle a, b, c (Van Oosterom and
 * Strackee). */
static double geo_tri_area(geo_v3 a, geo_v3 b, geo_v3 c) {
  return 2 * atan2(geo_dot(a, geo_cross(b, c)),
                   1 + geo_dot(a, b) + geo_dot(b, c) + geo_dot(c, a));
}

/* Area (steradians, the smaller side) and perimeter (radians) of one
 * GeoJSON polygon; holes subtract area and add boundary. false if invalid. */
static bool geo_polygon_measure(kv_value rings, double *area, double *perim) {
  if (!kv_is_array(rings) || kv_array_count(rings) == 0) return false;
  *area = 0;
  *perim = 0;
  for (size_t r = 0; r < kv_array_count(rings); r++) {
    size_t n;
    geo_v3 *v = kql_geo_path(kv_array_get(rings, r), 4, &n);
    if (!v) return false;
    if (!geo_ring_ok(v, n)) {
      free(v);
      return false;
    }
    double s = 0;
    for (size_t i = 1; i + 2 < n; i++) s += geo_tri_area(v[0], v[i], v[i + 1]);
    s = fabs(s);
    if (s > 2 * KQL_GEO_PI) s = 4 * KQL_GEO_PI - s;
    *area += r == 0 ? s : -s;
    for (size_t i = 0; i + 1 < n; i++) *perim += geo_ang(v[i], v[i + 1]);
    free(v);
  }
  return true;
}

/* Polygon only: a MultiPolygon's measure is that of the union of its parts
 * (emulator:geo-polygon-area-function-01 overlaps), which needs polygon
 * union; until then it is an explicit "not supported yet" error. */
static kv_value geo_measure_fn(kql_fn_ctx *ctx, const kv_value *args, bool want_area,
                               const char *name) {
  if (kql_geo_is(args[0], "MultiPolygon")) {
    /* measure the union of the parts (fn_geo_union.c, owner geoops) */
    if (!kql_geo_polygon_valid(args[0])) return kv_null(KV_REAL);
    kv_value u;
    if (!kql_geo_multipolygon_union(args[0], &u))
      return kql_fn_fail(ctx, KV_REAL, "not supported yet: %s() of this MultiPolygon", name);
    kv_value c = kv_bag_get(u, "coordinates", 11);
    bool multi = kql_geo_is(u, "MultiPolygon");
    double area = 0, perim = 0;
    for (size_t i = 0; i < (multi ? kv_array_count(c) : 1); i++) {
      double a, p;
      if (geo_polygon_measure(multi ? kv_array_get(c, i) : c, &a, &p)) {
        area += a;
        perim += p;
      }
    }
    kv_release(u);
    const double r = KQL_GEO_EARTH_RADIUS;
    return kv_real(want_area ? area * r * r : perim * r);
  }
  if (!kql_geo_is(args[0], "Polygon")) return kv_null(KV_REAL);
  double area, perim;
  if (!geo_polygon_measure(kv_bag_get(args[0], "coordinates", 11), &area, &perim))
    return kv_null(KV_REAL);
  const double r = KQL_GEO_EARTH_RADIUS;
  return kv_real(want_area ? area * r * r : perim * r);
}

/* emulator:geo-polygon-area-function-00 (matches to 2e-10 relative). */
kv_value kql_fn_geo_polygon_area(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  return geo_measure_fn(ctx, args, true, "geo_polygon_area");
}

/* emulator:geo-polygon-perimeter-function-00. */
kv_value kql_fn_geo_polygon_perimeter(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  return geo_measure_fn(ctx, args, false, "geo_polygon_perimeter");
}

/* Area-weighted sum of triangle-fan vertex sums, oriented so each ring
 * counts its smaller side: reproduces emulator:geo-polygon-centroid-function-00
 * to 1e-13. Holes subtract. MultiPolygon (a union) is refused. */
kv_value kql_fn_geo_polygon_centroid(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  if (kql_geo_is(args[0], "MultiPolygon")) {
    /* the centroid of the union of the parts (fn_geo_union.c, owner geoops) */
    if (!kql_geo_polygon_valid(args[0])) return kv_dyn_null();
    kv_value u;
    if (!kql_geo_multipolygon_union(args[0], &u) || !kql_geo_is(u, "Polygon")) {
      if (kv_is_bag(u)) kv_release(u);
      return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_centroid() of this MultiPolygon");
    }
    kv_value res = kql_fn_geo_polygon_centroid(ctx, &u, 1);
    kv_release(u);
    return res;
  }
  if (!kql_geo_is(args[0], "Polygon")) return kv_dyn_null();
  kv_value rings = kv_bag_get(args[0], "coordinates", 11);
  if (!kv_is_array(rings) || kv_array_count(rings) == 0) return kv_dyn_null();
  geo_v3 acc = {0, 0, 0};
  for (size_t r = 0; r < kv_array_count(rings); r++) {
    size_t n;
    geo_v3 *v = kql_geo_path(kv_array_get(rings, r), 4, &n);
    if (!v) return kv_dyn_null();
    if (!geo_ring_ok(v, n)) {
      free(v);
      return kv_dyn_null();
    }
    geo_v3 s = {0, 0, 0};
    double area = 0;
    for (size_t i = 1; i + 2 < n; i++) {
      double t = geo_tri_area(v[0], v[i], v[i + 1]);
      area += t;
      s.x += t * (v[0].x + v[i].x + v[i + 1].x);
      s.y += t * (v[0].y + v[i].y + v[i + 1].y);
      s.z += t * (v[0].z + v[i].z + v[i + 1].z);
    }
    free(v);
    double k = (area < 0 ? -1.0 : 1.0) * (r == 0 ? 1.0 : -1.0);
    acc.x += k * s.x;
    acc.y += k * s.y;
    acc.z += k * s.z;
  }
  if (geo_len(acc) == 0.0) return kv_dyn_null();
  double lat = atan2(acc.z, sqrt(acc.x * acc.x + acc.y * acc.y)) * (180.0 / KQL_GEO_PI);
  double lng = atan2(acc.y, acc.x) * (180.0 / KQL_GEO_PI);
  return kql_geo_point_value(lng, lat);
}
