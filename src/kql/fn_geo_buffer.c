/* SPDX-License-Identifier: MIT
 * geo_point_buffer (a regular polygon around the point), and argument
 * validation only for geo_line_buffer and geo_polygon_buffer (the unions
 * are in fn_geo_union.c).
 * Invalid shapes, radii and tolerances give Kusto's null; a valid line or
 * polygon buffer fails with "not supported yet", because the engine's
 * buffer outputs (vertex placement of its S2 buffer operation) are not
 * reproduced. Expected values: emulator:geo-point-buffer-function-00/02/03,
 * geo-line-buffer-function-02/03, geo-polygon-buffer-function-02/03.
 * Owner: geoops. */
#include <math.h>
#include <stdlib.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

/* Buffer tolerance: meters the polygon may deviate from the ideal radius,
 * default 10 (documented); not below 0.0001% of the radius. false when
 * invalid. Tolerances above half the radius are refused by the callers. */
static bool geo_buf_tolerance(const kv_value *args, int argc, int at, double radius, double *tol) {
  *tol = 10.0;
  if (argc > at && !kv_is_null(args[at]) && !kql_arg_real(args[at], tol)) return false;
  return isfinite(*tol) && *tol > 0 && *tol >= 1e-6 * fabs(radius);
}

static bool geo_buf_radius(kv_value v, double *r) { return kql_arg_real(v, r) && isfinite(*r); }

/* S2's orthogonal direction to a (cross product with a fixed skewed axis). */
static geo_v3 geo_buf_ortho(geo_v3 a) {
  double ax = fabs(a.x), ay = fabs(a.y), az = fabs(a.z);
  int big = ax > ay ? (ax > az ? 0 : 2) : (ay > az ? 1 : 2);
  int k = big - 1 < 0 ? 2 : big - 1;
  double t[3] = {0.012, 0.0053, 0.00457};
  t[k] = 1;
  geo_v3 tv = {t[0], t[1], t[2]};
  return kql_geo_normalize(geo_cross(a, tv));
}

/* A regular n-gon with vertices `radius` meters from the center, the
 * fewest vertices keeping edge midpoints within `tol` of the circle, first
 * vertex in the center's S2 ortho direction, counter-clockwise: reproduces
 * emulator:geo-point-buffer-function-00 (100 vertices) to 1e-13. */
kv_value kql_fn_geo_point_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double lng, lat, r, tol;
  if (!kql_geo_arg_point(args, &lng, &lat) || !geo_buf_radius(args[2], &r) || !(r > 0) ||
      !geo_buf_tolerance(args, argc, 3, r, &tol))
    return kv_dyn_null();
  double rho = kql_geo_m_to_rad(r);
  if (tol > 0.5 * r || rho >= KQL_GEO_PI / 2)
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_point_buffer() with this radius and tolerance");
  double n_real = ceil(KQL_GEO_PI / acos(1.0 - tol / r));
  if (!(n_real >= 3) || n_real > 100000)
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_point_buffer() with this radius and tolerance");
  int n = (int)n_real;
  geo_v3 z = geo_xyz(lng, lat);
  geo_v3 x = geo_buf_ortho(z);
  geo_v3 y = geo_cross(z, x);
  double cz = cos(rho), sr = sin(rho);
  double *ll = kv_malloc((size_t)(n + 1) * 2 * sizeof(double));
  for (int i = 0; i < n; i++) {
    double a = i * (2 * KQL_GEO_PI / n), ca = sr * cos(a), sa = sr * sin(a);
    geo_v3 p = {ca * x.x + sa * y.x + cz * z.x, ca * x.y + sa * y.y + cz * z.y, ca * x.z + sa * y.z + cz * z.z};
    kql_geo_lnglat(kql_geo_normalize(p), &ll[2 * i], &ll[2 * i + 1]);
  }
  ll[2 * n] = ll[0];
  ll[2 * n + 1] = ll[1];
  kv_value rings = kv_dyn_array();
  kv_array_push(rings, kql_geo_coords_value(ll, (size_t)n + 1));
  free(ll);
  return kql_geo_shape_value("Polygon", rings);
}

kv_value kql_fn_geo_line_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double r, tol;
  if (!kql_geo_line_valid(args[0]) || !geo_buf_radius(args[1], &r) || !(r > 0) ||
      !geo_buf_tolerance(args, argc, 2, r, &tol))
    return kv_dyn_null();
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_buffer() polygon output");
}

kv_value kql_fn_geo_polygon_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double r, tol;
  if (!kql_geo_polygon_valid(args[0]) || !geo_buf_radius(args[1], &r) || r == 0.0 ||
      !geo_buf_tolerance(args, argc, 2, r, &tol))
    return kv_dyn_null();
  return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_buffer() polygon output");
}
