/* SPDX-License-Identifier: MIT
 * Shared helpers of the geometry-producing geo_* functions (fn_geo_ops.h):
 * S2LatLng-style conversions, a bounded (lng, lat) buffer, GeoJSON builders
 * and shape validation used to give Kusto's null for invalid input.
 * Owner: geoops. */
#include "kql/fn_geo_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_lib.h"

void kql_geo_lnglat(geo_v3 p, double *lng, double *lat) {
  *lat = atan2(p.z, sqrt(p.x * p.x + p.y * p.y)) * (180.0 / KQL_GEO_PI);
  *lng = atan2(p.y, p.x) * (180.0 / KQL_GEO_PI);
}

geo_v3 kql_geo_normalize(geo_v3 a) {
  double l = geo_len(a);
  if (l == 0.0) return a;
  geo_v3 r = {a.x / l, a.y / l, a.z / l};
  return r;
}

double kql_geo_m_to_rad(double m) { return m / KQL_GEO_EARTH_RADIUS; }

void kql_geo_ll_push(kql_geo_ll *l, double lng, double lat) {
  if (l->overflow) return;
  if (l->n >= KQL_GEO_MAX_OUT_POINTS) {
    l->overflow = true;
    return;
  }
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 16;
    l->v = kv_realloc(l->v, nc * 2 * sizeof(double));
    l->cap = nc;
  }
  l->v[2 * l->n] = lng;
  l->v[2 * l->n + 1] = lat;
  l->n++;
}

void kql_geo_ll_free(kql_geo_ll *l) {
  free(l->v);
  memset(l, 0, sizeof *l);
}

static kv_value geo_ops_str(const char *s) {
  kv_value v = kv_cstring(s);
  kv_value d = kv_to_dynamic(v);
  kv_release(v);
  return d;
}

kv_value kql_geo_coords_value(const double *lnglat, size_t n) {
  kv_value arr = kv_dyn_array();
  for (size_t i = 0; i < n; i++) {
    kv_value pos = kv_dyn_array();
    kv_array_push(pos, kv_to_dynamic(kv_real(lnglat[2 * i])));
    kv_array_push(pos, kv_to_dynamic(kv_real(lnglat[2 * i + 1])));
    kv_array_push(arr, pos);
  }
  return arr;
}

kv_value kql_geo_shape_value(const char *type, kv_value coordinates) {
  kv_value bag = kv_dyn_bag();
  kv_bag_set(bag, "type", 4, geo_ops_str(type));
  kv_bag_set(bag, "coordinates", 11, coordinates);
  return bag;
}

kv_value kql_geo_empty_collection(void) {
  kv_value bag = kv_dyn_bag();
  kv_bag_set(bag, "type", 4, geo_ops_str("GeometryCollection"));
  kv_bag_set(bag, "geometries", 10, kv_dyn_array());
  return bag;
}

static bool geo_ops_path_ok(kv_value coords, size_t min) {
  size_t n;
  geo_v3 *v = kql_geo_path(coords, min, &n);
  if (!v) return false;
  free(v);
  return true;
}

bool kql_geo_line_valid(kv_value g) {
  kv_value c = kv_is_bag(g) ? kv_bag_get(g, "coordinates", 11) : kv_dyn_null();
  if (kql_geo_is(g, "LineString")) return geo_ops_path_ok(c, 2);
  if (!kql_geo_is(g, "MultiLineString") || !kv_is_array(c) || kv_array_count(c) == 0) return false;
  for (size_t i = 0; i < kv_array_count(c); i++)
    if (!geo_ops_path_ok(kv_array_get(c, i), 2)) return false;
  return true;
}

bool kql_geo_polygon_valid(kv_value g) {
  kv_value c = kv_is_bag(g) ? kv_bag_get(g, "coordinates", 11) : kv_dyn_null();
  geo_v3 probe = {1, 0, 0};
  double d;
  if (kql_geo_is(g, "Polygon")) return kql_geo_polygon_test(probe, c, &d) >= 0;
  if (!kql_geo_is(g, "MultiPolygon") || !kv_is_array(c) || kv_array_count(c) == 0) return false;
  for (size_t i = 0; i < kv_array_count(c); i++)
    if (kql_geo_polygon_test(probe, kv_array_get(c, i), &d) < 0) return false;
  return true;
}
