/* SPDX-License-Identifier: MIT
 * Functions along great-circle polylines: geo_line_interpolate_point,
 * geo_line_locate_point, geo_line_centroid, geo_closest_point_on_line,
 * geo_intersects_2lines, geo_intersection_2lines. Formulas fitted to the
 * real engine (emulator:geo-line-*, geo-closest-point-on-line-*,
 * geo-intersect*-2lines-*). Owner: geo engineer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

static geo_v3 geo_unit(geo_v3 a) {
  double l = geo_len(a);
  geo_v3 r = {a.x / l, a.y / l, a.z / l};
  return r;
}

static kv_value geo_point_of(geo_v3 p) {
  double lat = atan2(p.z, sqrt(p.x * p.x + p.y * p.y)) * (180.0 / KQL_GEO_PI);
  double lng = atan2(p.y, p.x) * (180.0 / KQL_GEO_PI);
  return kql_geo_point_value(lng, lat);
}

/* Point at angle t along the arc a-b of angle w (spherical interpolation). */
static geo_v3 geo_slerp(geo_v3 a, geo_v3 b, double w, double t) {
  double s = sin(w);
  if (s == 0.0) return a;
  double ka = sin(w - t) / s, kb = sin(t) / s;
  geo_v3 r = {ka * a.x + kb * b.x, ka * a.y + kb * b.y, ka * a.z + kb * b.z};
  return r;
}

/* The LineString argument's vertices (>= 2), or NULL. */
static geo_v3 *geo_line_arg(kv_value g, size_t *n) {
  if (!kql_geo_is(g, "LineString")) return NULL;
  return kql_geo_path(kv_bag_get(g, "coordinates", 11), 2, n);
}

/* geo_line_interpolate_point(line, fraction): emulator:geo-line-interpolate-point-function-00/02. */
kv_value kql_fn_geo_line_interpolate_point(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double f;
  size_t n;
  if (!kql_arg_real(args[1], &f) || !(f >= 0.0 && f <= 1.0)) return kv_dyn_null();
  geo_v3 *v = geo_line_arg(args[0], &n);
  if (!v) return kv_dyn_null();
  double total = 0;
  for (size_t i = 0; i + 1 < n; i++) total += geo_ang(v[i], v[i + 1]);
  double left = total * f;
  geo_v3 p = v[n - 1];
  for (size_t i = 0; i + 1 < n; i++) {
    double w = geo_ang(v[i], v[i + 1]);
    if (left <= w) {
      p = geo_slerp(v[i], v[i + 1], w, left);
      break;
    }
    left -= w;
  }
  free(v);
  return geo_point_of(p);
}

/* Closest point of the arc a-b to p, and its angle from a. */
static geo_v3 geo_seg_closest(geo_v3 p, geo_v3 a, geo_v3 b, double *from_a) {
  double da = geo_ang(p, a), db = geo_ang(p, b), w = geo_ang(a, b);
  geo_v3 best = da <= db ? a : b;
  *from_a = da <= db ? 0.0 : w;
  geo_v3 nrm = geo_cross(a, b);
  if (geo_len(nrm) == 0.0) return best;
  nrm = geo_unit(nrm);
  geo_v3 q = geo_cross(nrm, geo_cross(p, nrm));
  if (geo_len(q) == 0.0) return best;
  q = geo_unit(q);
  if (geo_ang(a, q) + geo_ang(q, b) <= w + 1e-15 && geo_ang(p, q) < (da < db ? da : db)) {
    *from_a = geo_ang(a, q);
    return q;
  }
  return best;
}

/* Index, closest point and its distance along the line for point p. */
static geo_v3 geo_line_closest(geo_v3 p, const geo_v3 *v, size_t n, double *along) {
  double best = INFINITY, acc = 0;
  geo_v3 out = v[0];
  *along = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    double fa;
    geo_v3 q = geo_seg_closest(p, v[i], v[i + 1], &fa);
    double d = geo_ang(p, q);
    if (d < best) {
      best = d;
      out = q;
      *along = acc + fa;
    }
    acc += geo_ang(v[i], v[i + 1]);
  }
  return out;
}

/* geo_line_locate_point(line, lng, lat): emulator:geo-line-locate-point-function-00. */
kv_value kql_fn_geo_line_locate_point(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double lng, lat, along;
  size_t n;
  if (!kql_geo_arg_point(args + 1, &lng, &lat)) return kv_null(KV_REAL);
  geo_v3 *v = geo_line_arg(args[0], &n);
  if (!v) return kv_null(KV_REAL);
  double total = 0;
  for (size_t i = 0; i + 1 < n; i++) total += geo_ang(v[i], v[i + 1]);
  geo_line_closest(geo_xyz(lng, lat), v, n, &along);
  free(v);
  return total > 0 ? kv_real(along / total) : kv_null(KV_REAL);
}

/* geo_closest_point_on_line(lng, lat, line): emulator:geo-closest-point-on-line-function-00. */
kv_value kql_fn_geo_closest_point_on_line(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double lng, lat, along;
  size_t n;
  if (!kql_geo_arg_point(args, &lng, &lat)) return kv_dyn_null();
  geo_v3 *v = geo_line_arg(args[2], &n);
  if (!v) return kv_dyn_null();
  geo_v3 q = geo_line_closest(geo_xyz(lng, lat), v, n, &along);
  free(v);
  return geo_point_of(q);
}

/* Sum over edges of (a+b) scaled to length 2*sin(w/2): the first moment of
 * the arcs, which reproduces emulator:geo-line-centroid-function-00..02. */
static bool geo_centroid_path(kv_value coords, geo_v3 *acc) {
  size_t n;
  geo_v3 *v = kql_geo_path(coords, 2, &n);
  if (!v) return false;
  for (size_t i = 0; i + 1 < n; i++) {
    geo_v3 m = {v[i].x + v[i + 1].x, v[i].y + v[i + 1].y, v[i].z + v[i + 1].z};
    double ml = geo_len(m);
    if (ml == 0.0) continue;
    double k = 2 * sin(geo_ang(v[i], v[i + 1]) / 2) / ml;
    acc->x += k * m.x;
    acc->y += k * m.y;
    acc->z += k * m.z;
  }
  free(v);
  return true;
}

kv_value kql_fn_geo_line_centroid(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  geo_v3 acc = {0, 0, 0};
  kv_value coords = kv_is_bag(args[0]) ? kv_bag_get(args[0], "coordinates", 11) : kv_dyn_null();
  if (kql_geo_is(args[0], "LineString")) {
    if (!geo_centroid_path(coords, &acc)) return kv_dyn_null();
  } else if (kql_geo_is(args[0], "MultiLineString")) {
    if (!kv_is_array(coords) || kv_array_count(coords) == 0) return kv_dyn_null();
    for (size_t i = 0; i < kv_array_count(coords); i++)
      if (!geo_centroid_path(kv_array_get(coords, i), &acc)) return kv_dyn_null();
  } else {
    return kv_dyn_null();
  }
  if (geo_len(acc) == 0.0) return kv_dyn_null();
  return geo_point_of(acc);
}

/* Crossing of arcs a-b and c-d: 1 one point (*x), 0 none, -1 the arcs lie
 * on one great circle (overlap not computed). */
int kql_geo_arc_cross(geo_v3 a, geo_v3 b, geo_v3 c, geo_v3 d, geo_v3 *x) {
  geo_v3 n1 = geo_cross(a, b), n2 = geo_cross(c, d);
  geo_v3 l = geo_cross(n1, n2);
  if (geo_len(l) <= 1e-15 * geo_len(n1) * geo_len(n2)) return -1;
  l = geo_unit(l);
  for (int s = 0; s < 2; s++) {
    geo_v3 p = s ? l : (geo_v3){-l.x, -l.y, -l.z};
    if (geo_ang(a, p) + geo_ang(p, b) <= geo_ang(a, b) + 1e-12 &&
        geo_ang(c, p) + geo_ang(p, d) <= geo_ang(c, d) + 1e-12) {
      *x = p;
      return 1;
    }
  }
  return 0;
}

/* Both arguments as LineStrings; *count = crossings, -1 if collinear pieces. */
static bool geo_two_lines(const kv_value *args, int *count, geo_v3 *first) {
  size_t n1, n2;
  geo_v3 *v1 = geo_line_arg(args[0], &n1);
  geo_v3 *v2 = v1 ? geo_line_arg(args[1], &n2) : NULL;
  if (!v1 || !v2) {
    free(v1);
    return false;
  }
  *count = 0;
  for (size_t i = 0; i + 1 < n1 && *count >= 0; i++) {
    for (size_t j = 0; j + 1 < n2; j++) {
      geo_v3 x;
      int r = kql_geo_arc_cross(v1[i], v1[i + 1], v2[j], v2[j + 1], &x);
      if (r < 0) {
        *count = -1;
        break;
      }
      if (r > 0 && (*count)++ == 0) *first = x;
    }
  }
  free(v1);
  free(v2);
  return true;
}

kv_value kql_fn_geo_intersects_2lines(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  int count;
  geo_v3 x;
  if (!geo_two_lines(args, &count, &x)) return kv_null(KV_BOOL);
  if (count < 0)
    return kql_fn_fail(ctx, KV_BOOL, "not supported yet: geo_intersects_2lines() of collinear lines");
  return kv_bool(count > 0);
}

/* One crossing -> Point (emulator:geo-intersection-2lines-function-00); none
 * -> empty GeometryCollection (-02). Several crossings or overlapping lines
 * (a LineString in the engine, -01) are refused rather than guessed. */
kv_value kql_fn_geo_intersection_2lines(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  int count;
  geo_v3 x;
  if (!geo_two_lines(args, &count, &x)) return kv_dyn_null();
  if (count == 1) return geo_point_of(x);
  if (count == 0) {
    kv_value bag = kv_dyn_bag();
    kv_value t = kv_cstring("GeometryCollection");
    kv_bag_set(bag, "type", 4, kv_to_dynamic(t));
    kv_release(t);
    kv_bag_set(bag, "geometries", 10, kv_dyn_array());
    return bag;
  }
  kv_value shared;
  if (count < 0 && kql_geo_intersection_collinear(args, &shared)) return shared;
  return kql_fn_fail(ctx, KV_DYNAMIC,
                     "not supported yet: geo_intersection_2lines() with overlapping or multiple crossings");
}
