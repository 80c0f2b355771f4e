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
#include <string.h>

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

static double geo_buf_step(double r, double tol);

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
  double n_real = ceil(2 * KQL_GEO_PI / geo_buf_step(r, tol));
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

/* ---- offset curves: points at a distance and azimuth from a center ---- */

typedef struct geo_buf_frame {
  geo_v3 c, north, east;
} geo_buf_frame;

/* Local north/east at c; false at the poles (no azimuth there). */
static bool geo_buf_frame_at(geo_v3 c, geo_buf_frame *f) {
  geo_v3 z = {0, 0, 1};
  geo_v3 e = geo_cross(z, c);
  if (geo_len(e) < 1e-12) return false;
  f->c = c;
  f->east = kql_geo_normalize(e);
  f->north = geo_cross(c, f->east);
  return true;
}

/* Azimuth (radians, clockwise from north) of the direction towards q. */
static double geo_buf_az(const geo_buf_frame *f, geo_v3 q) {
  return atan2(geo_dot(q, f->east), geo_dot(q, f->north));
}

static void geo_buf_emit(kql_geo_ll *out, const geo_buf_frame *f, double az, double rho) {
  double c = cos(rho), s = sin(rho), ca = cos(az), sa = sin(az);
  geo_v3 p = {c * f->c.x + s * (ca * f->north.x + sa * f->east.x),
              c * f->c.y + s * (ca * f->north.y + sa * f->east.y),
              c * f->c.z + s * (ca * f->north.z + sa * f->east.z)};
  double lng, lat;
  kql_geo_lnglat(kql_geo_normalize(p), &lng, &lat);
  kql_geo_ll_push(out, lng, lat);
}

/* Arc points strictly between azimuths `from` and `from - sweep` (turning
 * counter-clockwise, azimuth decreasing) every `step` radians. */
static void geo_buf_arc(kql_geo_ll *out, const geo_buf_frame *f, double from, double sweep, double step,
                        double rho) {
  for (int k = 1; k * step < sweep - 1e-12 && k < 100000; k++) geo_buf_emit(out, f, from - k * step, rho);
}

static kv_value geo_buf_polygon(const kql_geo_ll *l) {
  kql_geo_ll ring = *l;
  kv_value rings = kv_dyn_array();
  double *v = kv_malloc((ring.n + 1) * 2 * sizeof(double));
  if (ring.n) memcpy(v, ring.v, ring.n * 2 * sizeof(double));
  v[2 * ring.n] = v[0];
  v[2 * ring.n + 1] = v[1];
  kv_array_push(rings, kql_geo_coords_value(v, ring.n + 1));
  free(v);
  return kql_geo_shape_value("Polygon", rings);
}

/* The angle between arc points: the geodesic chord of a step comes no
 * closer to the center than radius - tol (on the sphere: tan(rho - d) =
 * tan(rho) cos(step / 2)); fits geo-polygon-buffer-function-00's 10 km arcs
 * to 5e-11, where the plane formula is off by 1e-6. */
static double geo_buf_step(double r, double tol) {
  double rho = kql_geo_m_to_rad(r), d = kql_geo_m_to_rad(tol);
  return 2 * acos(tan(rho - d) / tan(rho));
}

/* A one-edge line a-b: round caps joined by the two offset edges; starts
 * at a's left offset, turns counter-clockwise around a, runs along the
 * right offset to b, around b and back (emulator:geo-line-buffer-function-00). */
static bool geo_buf_segment(geo_v3 a, geo_v3 b, double rho, double step, kql_geo_ll *out) {
  geo_buf_frame fa, fb;
  if (!geo_buf_frame_at(a, &fa) || !geo_buf_frame_at(b, &fb) || geo_ang(a, b) < 1e-12) return false;
  double az_a = geo_buf_az(&fa, b);           /* heading at a */
  double az_b = geo_buf_az(&fb, a) + KQL_GEO_PI; /* heading at b, continuing */
  const double h = KQL_GEO_PI / 2;
  geo_buf_emit(out, &fa, az_a - h, rho);
  geo_buf_arc(out, &fa, az_a - h, KQL_GEO_PI, step, rho);
  geo_buf_emit(out, &fa, az_a + h, rho);
  geo_buf_emit(out, &fb, az_b + h, rho);
  geo_buf_arc(out, &fb, az_b + h, KQL_GEO_PI, step, rho);
  geo_buf_emit(out, &fb, az_b - h, rho);
  return true;
}

kv_value kql_fn_geo_line_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double r, tol;
  if (!kql_geo_line_valid(args[0]) || !geo_buf_radius(args[1], &r) || !(r > 0) ||
      !geo_buf_tolerance(args, argc, 2, r, &tol))
    return kv_dyn_null();
  size_t n = 0;
  geo_v3 *v = kql_geo_is(args[0], "LineString") ? kql_geo_path(kv_bag_get(args[0], "coordinates", 11), 2, &n)
                                                : NULL;
  double rho = kql_geo_m_to_rad(r);
  kql_geo_ll out = {0};
  bool ok = v && n == 2 && tol <= 0.5 * r && rho < KQL_GEO_PI / 4 &&
            geo_buf_segment(v[0], v[1], rho, geo_buf_step(r, tol), &out);
  free(v);
  if (!ok || out.overflow) {
    kql_geo_ll_free(&out);
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_line_buffer() of a line with more than one edge or this radius");
  }
  kv_value res = geo_buf_polygon(&out);
  kql_geo_ll_free(&out);
  return res;
}

/* A convex counter-clockwise ring v[0..n-1] (closing vertex dropped): each
 * edge offset outwards (to its right) and round joins around the vertices
 * (emulator:geo-polygon-buffer-function-00). false when a vertex is reflex. */
static bool geo_buf_ring(const geo_v3 *v, size_t n, double rho, double step, kql_geo_ll *out) {
  const double h = KQL_GEO_PI / 2;
  for (size_t i = 0; i < n; i++) {
    geo_v3 a = v[i], b = v[(i + 1) % n], c = v[(i + 2) % n];
    geo_buf_frame fa, fb;
    if (!geo_buf_frame_at(a, &fa) || !geo_buf_frame_at(b, &fb)) return false;
    double az_a = geo_buf_az(&fa, b), az_in = geo_buf_az(&fb, a) + KQL_GEO_PI, az_out = geo_buf_az(&fb, c);
    double turn = remainder(az_in - az_out, 2 * KQL_GEO_PI); /* > 0: a left turn */
    if (!(turn > 1e-12)) return false;
    geo_buf_emit(out, &fa, az_a + h, rho);
    geo_buf_emit(out, &fb, az_in + h, rho);
    geo_buf_arc(out, &fb, az_in + h, turn, step, rho);
  }
  return true;
}

static double geo_buf_turn(const geo_v3 *v, size_t n) {
  double s = 0;
  for (size_t i = 1; i + 1 < n; i++)
    s += 2 * atan2(geo_dot(v[0], geo_cross(v[i], v[i + 1])),
                   1 + geo_dot(v[0], v[i]) + geo_dot(v[i], v[i + 1]) + geo_dot(v[i + 1], v[0]));
  return s;
}

kv_value kql_fn_geo_polygon_buffer(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double r, tol;
  if (!kql_geo_polygon_valid(args[0]) || !geo_buf_radius(args[1], &r) || r == 0.0 ||
      !geo_buf_tolerance(args, argc, 2, r, &tol))
    return kv_dyn_null();
  kv_value rings = kql_geo_is(args[0], "Polygon") ? kv_bag_get(args[0], "coordinates", 11) : kv_dyn_null();
  size_t n = 0;
  geo_v3 *v = kv_is_array(rings) && kv_array_count(rings) == 1
                  ? kql_geo_path(kv_array_get(rings, 0), 4, &n)
                  : NULL;
  double rho = kql_geo_m_to_rad(r);
  kql_geo_ll out = {0};
  bool ok = v && r > 0 && tol <= 0.5 * r && rho < KQL_GEO_PI / 4;
  if (ok) {
    n--; /* closing vertex */
    if (geo_buf_turn(v, n) < 0) /* a clockwise shell is reversed, as loops are normalized */
      for (size_t i = 0, j = n - 1; i < j; i++, j--) {
        geo_v3 t = v[i];
        v[i] = v[j];
        v[j] = t;
      }
    ok = geo_buf_ring(v, n, rho, geo_buf_step(r, tol), &out);
  }
  free(v);
  if (!ok || out.overflow) {
    kql_geo_ll_free(&out);
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_polygon_buffer() of a polygon with holes, a reflex vertex, "
                       "a negative radius or this radius");
  }
  kv_value res = geo_buf_polygon(&out);
  kql_geo_ll_free(&out);
  return res;
}
