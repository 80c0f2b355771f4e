/* SPDX-License-Identifier: MIT
 * Helpers shared by the geo_* functions: coordinate validation, the sphere
 * model (haversine) and builders of GeoJSON dynamic values (Point, Polygon).
 * Owner: geo engineer. */
#include <math.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_lib.h"

bool kql_geo_valid(double lng, double lat) {
  return isfinite(lng) && isfinite(lat) && lng >= -180.0 && lng <= 180.0 && lat >= -90.0 &&
         lat <= 90.0;
}

bool kql_geo_arg_point(const kv_value *args, double *lng, double *lat) {
  if (!kql_arg_real(args[0], lng) || !kql_arg_real(args[1], lat)) return false;
  return kql_geo_valid(*lng, *lat);
}

double kql_geo_central_angle(double lng1, double lat1, double lng2, double lat2) {
  const double r = KQL_GEO_PI / 180.0;
  double p1 = lat1 * r, p2 = lat2 * r, dl = (lng2 - lng1) * r;
  double s1 = sin((p2 - p1) / 2), s2 = sin(dl / 2);
  double a = s1 * s1 + cos(p1) * cos(p2) * s2 * s2;
  if (a > 1.0) a = 1.0;
  return 2.0 * asin(sqrt(a));
}

static kv_value geo_dyn_str(const char *s) {
  kv_value v = kv_cstring(s);
  kv_value d = kv_to_dynamic(v);
  kv_release(v);
  return d;
}

static kv_value geo_pos(double lng, double lat) {
  kv_value a = kv_dyn_array();
  kv_array_push(a, kv_to_dynamic(kv_real(lng)));
  kv_array_push(a, kv_to_dynamic(kv_real(lat)));
  return a;
}

kv_value kql_geo_point_value(double lng, double lat) {
  kv_value bag = kv_dyn_bag();
  kv_bag_set(bag, "type", 4, geo_dyn_str("Point"));
  kv_bag_set(bag, "coordinates", 11, geo_pos(lng, lat));
  return bag;
}

kv_value kql_geo_polygon_value(const double *lnglat, int n) {
  kv_value ring = kv_dyn_array();
  for (int i = 0; i < n; i++) kv_array_push(ring, geo_pos(lnglat[2 * i], lnglat[2 * i + 1]));
  if (n > 0) kv_array_push(ring, geo_pos(lnglat[0], lnglat[1]));
  kv_value rings = kv_dyn_array();
  kv_array_push(rings, ring);
  kv_value bag = kv_dyn_bag();
  kv_bag_set(bag, "type", 4, geo_dyn_str("Polygon"));
  kv_bag_set(bag, "coordinates", 11, rings);
  return bag;
}

const char *kql_geo_type(kv_value g, size_t *len) {
  *len = 0;
  if (!kv_is_bag(g)) return "";
  kv_value t = kv_bag_get(g, "type", 4);
  if (t.type != KV_DYNAMIC || t.dyn != KV_STRING) return "";
  *len = t.len;
  return t.u.s;
}

bool kql_geo_position(kv_value pos, double *lng, double *lat) {
  if (!kv_is_array(pos) || kv_array_count(pos) != 2) return false;
  kv_value a = kv_array_get(pos, 0), b = kv_array_get(pos, 1);
  if (kv_scalar_type(a) == KV_STRING || kv_scalar_type(b) == KV_STRING) return false;
  if (!kql_arg_real(a, lng) || !kql_arg_real(b, lat)) return false;
  return kql_geo_valid(*lng, *lat);
}
