/* SPDX-License-Identifier: MIT
 * geo_point_buffer, geo_line_buffer, geo_polygon_buffer,
 * geo_union_lines_array, geo_union_polygons_array: argument validation only.
 * Invalid shapes, radii and tolerances give Kusto's null; a valid call fails
 * with "not supported yet", because the engine's buffer and union outputs
 * (vertex placement, start vertex, orientation of the S2-built result) are
 * not reproduced. Expected values: emulator:geo-point-buffer-function-02/03,
 * geo-line-buffer-function-02/03, geo-polygon-buffer-function-02/03,
 * geo-union-lines-array-function-02, geo-union-polygons-array-function-02.
 * Owner: geoops. */
#include <math.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

/* Buffer tolerance (fraction of the radius): default 0.1, range
 * [0.00001, 1]. */
static bool geo_buf_tolerance(const kv_value *args, int argc, int at) {
  double tol = 0.1;
  if (argc > at && !kv_is_null(args[at]) && !kql_arg_real(args[at], &tol)) return false;
  return tol >= 0.00001 && tol <= 1.0;
}

static bool geo_buf_radius(kv_value v, double *r) { return kql_arg_real(v, r) && isfinite(*r); }

kv_value kql_fn_geo_point_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double lng, lat, r;
  if (!kql_geo_arg_point(args, &lng, &lat) || !geo_buf_radius(args[2], &r) || !(r > 0) ||
      !geo_buf_tolerance(args, argc, 3))
    return kv_dyn_null();
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_point_buffer() polygon output");
}

kv_value kql_fn_geo_line_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double r;
  if (!kql_geo_line_valid(args[0]) || !geo_buf_radius(args[1], &r) || !(r > 0) ||
      !geo_buf_tolerance(args, argc, 2))
    return kv_dyn_null();
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_buffer() polygon output");
}

kv_value kql_fn_geo_polygon_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double r;
  if (!kql_geo_polygon_valid(args[0]) || !geo_buf_radius(args[1], &r) || r == 0.0 ||
      !geo_buf_tolerance(args, argc, 2))
    return kv_dyn_null();
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_buffer() polygon output");
}

/* Every non-null element valid per `valid`; false otherwise. */
static bool geo_buf_array_valid(kv_value arr, bool (*valid)(kv_value)) {
  if (!kv_is_array(arr)) return false;
  for (size_t i = 0; i < kv_array_count(arr); i++) {
    kv_value g = kv_array_get(arr, i);
    if (!kv_is_null(g) && !valid(g)) return false;
  }
  return true;
}

kv_value kql_fn_geo_union_lines_array(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  if (!geo_buf_array_valid(args[0], kql_geo_line_valid)) return kv_dyn_null();
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_union_lines_array() line output");
}

kv_value kql_fn_geo_union_polygons_array(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  if (!geo_buf_array_valid(args[0], kql_geo_polygon_valid)) return kv_dyn_null();
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_union_polygons_array() polygon output");
}
