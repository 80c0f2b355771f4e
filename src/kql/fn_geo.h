/* SPDX-License-Identifier: MIT
 * Kusto's geospatial scalar functions (geo_*), with the calling convention of
 * kql_fn.h. Bodies live in fn_geo_sphere.c (distances, azimuth, lines),
 * fn_geo_shape.c (point vs line/polygon), fn_geo_line.c (along lines), fn_geo_hash.c (geohash) and fn_geo_s2.c (S2 cells); shared helpers in
 * fn_geo_common.c. Rows in kql_fn_table.c point here. Owner: geo engineer.
 * Formulas were fitted to the real engine's answers (tests/geo cite ids). */
#ifndef E2K_KQL_FN_GEO_H
#define E2K_KQL_FN_GEO_H

#include <stdbool.h>
#include <math.h>
#include <stddef.h>

#include "kql/kql_fn.h"

/* ---- shared helpers (fn_geo_common.c) ---- */
/* Kusto's sphere: haversine on a sphere of this radius reproduces
 * geo_distance_2points and geo_line_length (emulator:geo-distance-2points-
 * function-00, geo-line-length-function-00) to 1e-15. */
#define KQL_GEO_EARTH_RADIUS 6371010.0
#define KQL_GEO_PI 3.14159265358979323846

/* Longitude in [-180,180] and latitude in [-90,90], both finite. */
bool kql_geo_valid(double lng, double lat);
/* Both arguments as a valid coordinate pair (false for null/out of range). */
bool kql_geo_arg_point(const kv_value *args, double *lng, double *lat);
/* Great-circle central angle in radians between two points (degrees in). */
double kql_geo_central_angle(double lng1, double lat1, double lng2, double lat2);
/* {"type":"Point","coordinates":[lng,lat]} */
kv_value kql_geo_point_value(double lng, double lat);
/* {"type":"Polygon","coordinates":[[ring...]]} from n (lng,lat) pairs; the
 * ring is closed by repeating the first vertex. */
kv_value kql_geo_polygon_value(const double *lnglat, int n);
/* A GeoJSON dynamic's "type" string view ("" when absent). */
const char *kql_geo_type(kv_value g, size_t *len);
/* Reads one [lng, lat] position of a GeoJSON coordinates array. */
bool kql_geo_position(kv_value pos, double *lng, double *lat);

/* Unit vectors on the sphere (inline helpers shared by the shape files). */
typedef struct geo_v3 {
  double x, y, z;
} geo_v3;

static inline geo_v3 geo_xyz(double lng, double lat) {
  const double r = KQL_GEO_PI / 180.0;
  geo_v3 v = {cos(lat * r) * cos(lng * r), cos(lat * r) * sin(lng * r), sin(lat * r)};
  return v;
}
static inline geo_v3 geo_cross(geo_v3 a, geo_v3 b) {
  geo_v3 c = {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
  return c;
}
static inline double geo_dot(geo_v3 a, geo_v3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static inline double geo_len(geo_v3 a) { return sqrt(geo_dot(a, a)); }
static inline double geo_ang(geo_v3 a, geo_v3 b) { return atan2(geo_len(geo_cross(a, b)), geo_dot(a, b)); }

/* Angular distance from p to the minor arc a-b (fn_geo_shape.c). */
double kql_geo_seg_dist(geo_v3 p, geo_v3 a, geo_v3 b);
/* Positions of a coordinates array as unit vectors (kv_malloc'ed, caller
 * frees); NULL if a position is invalid or there are fewer than min. */
geo_v3 *kql_geo_path(kv_value coords, size_t min, size_t *n);
/* True when the GeoJSON dynamic's "type" equals type. */
bool kql_geo_is(kv_value g, const char *type);

/* Crossing of arcs a-b and c-d: 1 (point in *x), 0 none, -1 same great
 * circle (fn_geo_line.c). */
int kql_geo_arc_cross(geo_v3 a, geo_v3 b, geo_v3 c, geo_v3 d, geo_v3 *x);
/* One GeoJSON polygon's rings vs point p: 1 inside, 0 outside, -1 invalid;
 * *dist = angle to the nearest edge (fn_geo_shape.c). */
int kql_geo_polygon_test(geo_v3 p, kv_value rings, double *dist);

/* ---- function bodies ---- */
kv_value kql_fn_geo_distance_2points(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_point_in_circle(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_azimuth(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_angle(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_line_length(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_distance_point_to_line(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_point_in_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_distance_point_to_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_point_to_geohash(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_geohash_to_central_point(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_geohash_to_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_geohash_neighbors(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_polygon_area(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_polygon_perimeter(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_line_interpolate_point(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_line_locate_point(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_line_centroid(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_closest_point_on_line(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_intersects_2lines(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_intersection_2lines(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_polygon_centroid(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_intersects_2polygons(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_intersects_line_with_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_from_wkt(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_h3cell_level(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_h3cell_parent(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_h3cell_children(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_point_to_h3cell(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_h3cell_to_central_point(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_h3cell_to_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_h3cell_neighbors(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_h3cell_rings(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_polygon_to_h3cells(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_point_to_s2cell(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_s2cell_to_central_point(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_s2cell_to_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_s2cell_neighbors(kql_fn_ctx *ctx, const kv_value *args, int argc);

#endif
