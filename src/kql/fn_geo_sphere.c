/* SPDX-License-Identifier: MIT
 * geo_distance_2points, geo_point_in_circle, geo_azimuth, geo_angle and
 * geo_line_length on Kusto's spherical earth (radius KQL_GEO_EARTH_RADIUS).
 * Invalid coordinates (longitude outside [-180,180], latitude outside
 * [-90,90]) give null, as the engine does. Owner: geo engineer. */
#include <math.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_lib.h"

kv_value kql_fn_geo_distance_2points(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double a, b, c, d;
  if (!kql_geo_arg_point(args, &a, &b) || !kql_geo_arg_point(args + 2, &c, &d))
    return kv_null(KV_REAL);
  return kv_real(KQL_GEO_EARTH_RADIUS * kql_geo_central_angle(a, b, c, d));
}

/* emulator:geo-point-in-circle-function-06: a negative radius is null. */
kv_value kql_fn_geo_point_in_circle(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double a, b, c, d, r;
  if (!kql_geo_arg_point(args, &a, &b) || !kql_geo_arg_point(args + 2, &c, &d) ||
      !kql_arg_real(args[4], &r) || !isfinite(r) || r < 0)
    return kv_null(KV_BOOL);
  return kv_bool(KQL_GEO_EARTH_RADIUS * kql_geo_central_angle(a, b, c, d) <= r);
}

/* Initial great-circle bearing from point 1 to point 2, clockwise from north
 * in [0, 2*pi) (emulator:geo-azimuth-function-00). */
static double geo_bearing(double lng1, double lat1, double lng2, double lat2) {
  const double r = KQL_GEO_PI / 180.0;
  double p1 = lat1 * r, p2 = lat2 * r, dl = (lng2 - lng1) * r;
  double y = sin(dl) * cos(p2);
  double x = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl);
  double t = atan2(y, x);
  if (t < 0) t += 2 * KQL_GEO_PI;
  return t;
}

static bool geo_same(double lng1, double lat1, double lng2, double lat2) {
  return kql_geo_central_angle(lng1, lat1, lng2, lat2) == 0.0;
}

kv_value kql_fn_geo_azimuth(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double a, b, c, d;
  if (!kql_geo_arg_point(args, &a, &b) || !kql_geo_arg_point(args + 2, &c, &d) ||
      geo_same(a, b, c, d))
    return kv_null(KV_REAL);
  return kv_real(geo_bearing(a, b, c, d));
}

/* Clockwise angle at point 2 from the line to point 1 to the line to point 3,
 * in [0, 2*pi) (emulator:geo-angle-function-00); null when point 2 coincides
 * with a neighbour (geo-angle-function-02). */
kv_value kql_fn_geo_angle(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double x1, y1, x2, y2, x3, y3;
  if (!kql_geo_arg_point(args, &x1, &y1) || !kql_geo_arg_point(args + 2, &x2, &y2) ||
      !kql_geo_arg_point(args + 4, &x3, &y3) || geo_same(x1, y1, x2, y2) ||
      geo_same(x3, y3, x2, y2))
    return kv_null(KV_REAL);
  double t = geo_bearing(x2, y2, x3, y3) - geo_bearing(x2, y2, x1, y1);
  if (t < 0) t += 2 * KQL_GEO_PI;
  return kv_real(t);
}

/* Sum of great-circle edge lengths of one coordinates array; false when it
 * has fewer than two valid positions. */
static bool geo_path_length(kv_value coords, double *out) {
  if (!kv_is_array(coords)) return false;
  size_t n = kv_array_count(coords);
  if (n < 2) return false;
  double plng = 0, plat = 0, sum = 0;
  for (size_t i = 0; i < n; i++) {
    double lng, lat;
    if (!kql_geo_position(kv_array_get(coords, i), &lng, &lat)) return false;
    if (i > 0) sum += kql_geo_central_angle(plng, plat, lng, lat);
    plng = lng;
    plat = lat;
  }
  *out = sum * KQL_GEO_EARTH_RADIUS;
  return true;
}

/* LineString or MultiLineString (emulator:geo-line-length-function-00/01). */
kv_value kql_fn_geo_line_length(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  size_t tl;
  const char *t = kql_geo_type(args[0], &tl);
  kv_value coords = tl ? kv_bag_get(args[0], "coordinates", 11) : kv_dyn_null();
  double total = 0, part;
  if (tl == 10 && memcmp(t, "LineString", 10) == 0) {
    if (!geo_path_length(coords, &total)) return kv_null(KV_REAL);
  } else if (tl == 15 && memcmp(t, "MultiLineString", 15) == 0) {
    if (!kv_is_array(coords) || kv_array_count(coords) == 0) return kv_null(KV_REAL);
    for (size_t i = 0; i < kv_array_count(coords); i++) {
      if (!geo_path_length(kv_array_get(coords, i), &part)) return kv_null(KV_REAL);
      total += part;
    }
  } else {
    return kv_null(KV_REAL);
  }
  return kv_real(total);
}
