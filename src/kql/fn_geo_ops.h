/* SPDX-License-Identifier: MIT
 * Helpers shared by the geometry-producing geo_* functions (densify,
 * simplify, clip, buffer, union, s2 coverings) and the geo lookup plugins:
 * S2-style point conversions and GeoJSON builders. Bodies in
 * fn_geo_ops_common.c. Owner: geoops. */
#ifndef E2K_KQL_FN_GEO_OPS_H
#define E2K_KQL_FN_GEO_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kql/fn_geo.h"

/* Most vertices a produced shape may have before the function gives up with
 * "not supported yet" (bounds memory and time on hostile input). */
#define KQL_GEO_MAX_OUT_POINTS (1u << 20)

/* Unit vector -> degrees, as S2LatLng does (atan2 forms). */
void kql_geo_lnglat(geo_v3 p, double *lng, double *lat);
geo_v3 kql_geo_normalize(geo_v3 a);
/* Signed area (steradians) of a closed ring v[0..n-1] (v[n-1] == v[0]):
 * > 0 when counter-clockwise around its smaller side (fn_geo_shape.c). */
double kql_geo_ring_turn(const geo_v3 *v, size_t n);
/* Earth-surface meters <-> angle (radians) on Kusto's sphere. */
double kql_geo_m_to_rad(double m);

/* A growable array of (lng, lat) pairs. */
typedef struct kql_geo_ll {
  double *v; /* 2 * n doubles */
  size_t n, cap;
  bool overflow; /* more than KQL_GEO_MAX_OUT_POINTS */
} kql_geo_ll;
void kql_geo_ll_push(kql_geo_ll *l, double lng, double lat);
void kql_geo_ll_free(kql_geo_ll *l);

/* GeoJSON builders (new references). */
kv_value kql_geo_coords_value(const double *lnglat, size_t n); /* [[lng,lat],...] */
kv_value kql_geo_shape_value(const char *type, kv_value coordinates);
kv_value kql_geo_empty_collection(void);

/* True when the dynamic is a LineString with >= 2 valid positions or a
 * MultiLineString of such lines (at least one). */
bool kql_geo_line_valid(kv_value g);
/* True when the dynamic is a valid Polygon / MultiPolygon (rings closed, >= 3
 * distinct vertices, valid coordinates). */
bool kql_geo_polygon_valid(kv_value g);

/* Exported from fn_geo_s2.c for coverings: leaf cell id of a point, the four
 * vertices of a cell (counter-clockwise), a cell's level-`level` children
 * range and token text. */
uint64_t kql_s2_cell_of(geo_v3 p, int level);
void kql_s2_cell_vertices(uint64_t id, geo_v3 out[4]);
kv_value kql_s2_token(uint64_t id);

/* geo_intersection_2lines of two collinear one-edge lines (fn_geo_clip.c):
 * true with *out set when handled. */
bool kql_geo_intersection_collinear(const kv_value *args, kv_value *out);

/* Boolean operations (fn_geo_union.c). The union of a MultiPolygon's parts
 * (false when not supported); the intersection of two polygon dynamics:
 * 1 with *out set, 0 empty, -1 not supported. */
bool kql_geo_multipolygon_union(kv_value g, kv_value *out);
int kql_geo_polygon_intersection(kv_value a, kv_value b, kv_value *out);

/* ---- function bodies (rows in kql_fn_table.c) ---- */
kv_value kql_fn_geo_line_densify(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_polygon_densify(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_line_simplify(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_polygon_simplify(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_simplify_polygons_array(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_closest_point_on_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_intersection_line_with_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_intersection_2polygons(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_point_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_line_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_polygon_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_union_lines_array(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_union_polygons_array(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_polygon_to_s2cells(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_geo_line_to_s2cells(kql_fn_ctx *ctx, const kv_value *args, int argc);

#endif
