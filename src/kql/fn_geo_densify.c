/* SPDX-License-Identifier: MIT
 * geo_line_densify and geo_polygon_densify: each planar (lng, lat) edge
 * becomes a chain of geodesic edges that stays within `tolerance` meters of
 * it. The planar edge is bisected (in degrees, no antimeridian wrapping)
 * until the geodesic and planar curves agree at two probe fractions, as the
 * S2 edge tessellator does; lines are cut where they cross the
 * antimeridian. Expected values: emulator:geo-line-densify-function-00..03,
 * geo-polygon-densify-function-00..03. Owner: geoops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

/* The tessellator's probe fraction and error scale: the maximum distance
 * between the two curves is estimated from the distance at t and 1-t, which
 * underestimates it, so the tolerance is scaled down (4 pieces per 1-degree
 * edge at latitude 10, emulator:geo-polygon-densify-function-01). */
#define GEO_DENS_T1 0.31215691082248312
#define GEO_DENS_SCALE 0.83829992569888509
/* Bisection depth limit: 2^40 pieces is far beyond the point cap anyway. */
#define GEO_DENS_MAX_DEPTH 40

typedef struct geo_dens {
  double tol_chord2; /* squared chord of the scaled tolerance angle */
  kql_geo_ll out;    /* produced vertices as S2 points converted to degrees */
} geo_dens;

/* Planar (x = lng, y = lat degrees) to a unit vector, as S2LatLng::ToPoint. */
static geo_v3 geo_dens_unproject(double x, double y) {
  const double r = KQL_GEO_PI / 180.0;
  double phi = y * r, theta = x * r, cphi = cos(phi);
  geo_v3 p = {cos(theta) * cphi, sin(theta) * cphi, sin(phi)};
  return p;
}

/* Point at fraction t along the geodesic a-b. */
static geo_v3 geo_dens_interp(geo_v3 a, geo_v3 b, double t) {
  double ab = geo_ang(a, b);
  double ax = t * ab;
  geo_v3 n = geo_cross(a, b);
  if (geo_len(n) == 0.0) return a;
  geo_v3 tan = geo_cross(n, a);
  double tl = geo_len(tan), c = cos(ax), s = sin(ax) / tl;
  geo_v3 r = {c * a.x + s * tan.x, c * a.y + s * tan.y, c * a.z + s * tan.z};
  return kql_geo_normalize(r);
}

static double geo_dens_chord2(geo_v3 a, geo_v3 b) {
  double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z, d = dx * dx + dy * dy + dz * dz;
  return d > 4.0 ? 4.0 : d;
}

static bool geo_dens_close_enough(const geo_dens *d, double ax, double ay, geo_v3 a, double bx,
                                  double by, geo_v3 b) {
  if (geo_dot(a, b) < -1e-14) return false; /* always split edges over 90 degrees */
  const double t1 = GEO_DENS_T1, t2 = 1 - GEO_DENS_T1;
  geo_v3 m1 = geo_dens_interp(a, b, t1), m2 = geo_dens_interp(a, b, t2);
  geo_v3 p1 = geo_dens_unproject((1 - t1) * ax + t1 * bx, (1 - t1) * ay + t1 * by);
  geo_v3 p2 = geo_dens_unproject((1 - t2) * ax + t2 * bx, (1 - t2) * ay + t2 * by);
  double e1 = geo_dens_chord2(m1, p1), e2 = geo_dens_chord2(m2, p2);
  return (e1 > e2 ? e1 : e2) <= d->tol_chord2;
}

static void geo_dens_emit(geo_dens *d, geo_v3 p) {
  double lng, lat;
  kql_geo_lnglat(p, &lng, &lat);
  kql_geo_ll_push(&d->out, lng, lat);
}

/* Appends the chain for planar edge (ax,ay)-(bx,by), excluding its start. */
static void geo_dens_edge(geo_dens *d, double ax, double ay, geo_v3 a, double bx, double by,
                          geo_v3 b, int depth) {
  if (d->out.overflow) return;
  if (depth >= GEO_DENS_MAX_DEPTH || geo_dens_close_enough(d, ax, ay, a, bx, by, b)) {
    geo_dens_emit(d, b);
    return;
  }
  double mx = 0.5 * ax + 0.5 * bx, my = 0.5 * ay + 0.5 * by;
  geo_v3 m = geo_dens_unproject(mx, my);
  geo_dens_edge(d, ax, ay, a, mx, my, m, depth + 1);
  geo_dens_edge(d, mx, my, m, bx, by, b, depth + 1);
}

/* Raw positions of a coordinates array: latitude in range, longitude any
 * finite value (a planar edge may start beyond +-180). */
static double *geo_dens_positions(kv_value coords, size_t min, size_t *n) {
  if (!kv_is_array(coords)) return NULL;
  size_t c = kv_array_count(coords);
  if (c < min || c > KQL_GEO_MAX_OUT_POINTS) return NULL;
  double *v = kv_malloc(c * 2 * sizeof(double));
  for (size_t i = 0; i < c; i++) {
    kv_value pos = kv_array_get(coords, i);
    double x, y;
    if (!kv_is_array(pos) || kv_array_count(pos) != 2 ||
        kv_scalar_type(kv_array_get(pos, 0)) == KV_STRING ||
        kv_scalar_type(kv_array_get(pos, 1)) == KV_STRING ||
        !kql_arg_real(kv_array_get(pos, 0), &x) || !kql_arg_real(kv_array_get(pos, 1), &y) ||
        !isfinite(x) || !(y >= -90.0 && y <= 90.0) || fabs(x) > 360.0) {
      free(v);
      return NULL;
    }
    v[2 * i] = x;
    v[2 * i + 1] = y;
  }
  *n = c;
  return v;
}

/* Tolerance argument: meters in [0.1, 10000], default 10; false = invalid. */
static bool geo_dens_tolerance(const kv_value *args, int argc, int at, geo_dens *d) {
  double tol = 10.0;
  if (argc > at && !kql_arg_real(args[at], &tol)) return false;
  if (!(tol >= 0.1 && tol <= 10000.0)) return false;
  double ang = kql_geo_m_to_rad(tol) * GEO_DENS_SCALE;
  double ch = 2 * sin(0.5 * (ang < KQL_GEO_PI ? ang : KQL_GEO_PI));
  d->tol_chord2 = ch * ch;
  return true;
}

/* Densifies the chain of n planar vertices into d->out (all vertices). */
static void geo_dens_chain(geo_dens *d, const double *v, size_t n) {
  geo_v3 a = geo_dens_unproject(v[0], v[1]);
  geo_dens_emit(d, a);
  for (size_t i = 0; i + 1 < n && !d->out.overflow; i++) {
    geo_v3 b = geo_dens_unproject(v[2 * i + 2], v[2 * i + 3]);
    geo_dens_edge(d, v[2 * i], v[2 * i + 1], a, v[2 * i + 2], v[2 * i + 3], b, 0);
    a = b;
  }
}

/* Latitude where the geodesic p-q crosses the antimeridian (y = 0, x < 0). */
static double geo_dens_cross_lat(geo_v3 p, geo_v3 q) {
  geo_v3 c = {p.x * q.y - q.x * p.y, 0.0, p.z * q.y - q.z * p.y};
  if (c.x > 0) {
    c.x = -c.x;
    c.z = -c.z;
  }
  return atan2(c.z, fabs(c.x)) * (180.0 / KQL_GEO_PI);
}

/* A produced line as GeoJSON, cut into parts where consecutive vertices
 * straddle the antimeridian (the cut vertex sits 1e-12 degrees inside). */
static kv_value geo_dens_line_value(const kql_geo_ll *o) {
  const double edge = 180.0 - 1e-12;
  kv_value parts = kv_dyn_array();
  kql_geo_ll cur = {0};
  for (size_t i = 0; i < o->n; i++) {
    double lng = o->v[2 * i], lat = o->v[2 * i + 1];
    if (i > 0 && fabs(lng - o->v[2 * i - 2]) > 180.0) {
      double plng = o->v[2 * i - 2], plat = o->v[2 * i - 1];
      double clat = geo_dens_cross_lat(geo_dens_unproject(plng, plat), geo_dens_unproject(lng, lat));
      kql_geo_ll_push(&cur, plng < 0 ? -edge : edge, clat);
      kv_array_push(parts, kql_geo_coords_value(cur.v, cur.n));
      cur.n = 0;
      kql_geo_ll_push(&cur, lng < 0 ? -edge : edge, clat);
    }
    kql_geo_ll_push(&cur, lng, lat);
  }
  kv_array_push(parts, kql_geo_coords_value(cur.v, cur.n));
  kql_geo_ll_free(&cur);
  if (kv_array_count(parts) == 1) {
    kv_value one = kv_retain(kv_array_get(parts, 0));
    kv_release(parts);
    return kql_geo_shape_value("LineString", one);
  }
  return kql_geo_shape_value("MultiLineString", parts);
}

kv_value kql_fn_geo_line_densify(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  geo_dens d;
  memset(&d, 0, sizeof d);
  if (!geo_dens_tolerance(args, argc, 1, &d)) return kv_dyn_null();
  if (argc > 2 && !kv_is_null(args[2]))
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_densify() with preserve_crossing");
  if (!kql_geo_is(args[0], "LineString")) {
    if (kql_geo_is(args[0], "MultiLineString"))
      return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_densify() of a MultiLineString");
    return kv_dyn_null();
  }
  size_t n;
  double *v = geo_dens_positions(kv_bag_get(args[0], "coordinates", 11), 2, &n);
  if (!v) return kv_dyn_null();
  geo_dens_chain(&d, v, n);
  free(v);
  if (d.out.overflow) {
    kql_geo_ll_free(&d.out);
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_densify() producing more than %u points",
                       (unsigned)KQL_GEO_MAX_OUT_POINTS);
  }
  kv_value r = geo_dens_line_value(&d.out);
  kql_geo_ll_free(&d.out);
  return r;
}

/* Twice the signed area of the spherical polygon (fan from vertex 0):
 * positive for a counter-clockwise ring around the smaller region. */
static double geo_dens_ring_turn(const double *v, size_t n) {
  geo_v3 a = geo_dens_unproject(v[0], v[1]);
  double s = 0;
  for (size_t i = 1; i + 1 < n; i++) {
    geo_v3 b = geo_dens_unproject(v[2 * i], v[2 * i + 1]);
    geo_v3 c = geo_dens_unproject(v[2 * i + 2], v[2 * i + 3]);
    s += 2 * atan2(geo_dot(a, geo_cross(b, c)), 1 + geo_dot(a, b) + geo_dot(b, c) + geo_dot(c, a));
  }
  return s;
}

kv_value kql_fn_geo_polygon_densify(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  geo_dens d;
  memset(&d, 0, sizeof d);
  if (!geo_dens_tolerance(args, argc, 1, &d)) return kv_dyn_null();
  if (argc > 2 && !kv_is_null(args[2]))
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_densify() with preserve_crossing");
  if (!kql_geo_is(args[0], "Polygon")) {
    if (kql_geo_is(args[0], "MultiPolygon") && kql_geo_polygon_valid(args[0]))
      return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_densify() of a MultiPolygon");
    return kv_dyn_null();
  }
  kv_value rings = kv_bag_get(args[0], "coordinates", 11);
  if (!kql_geo_polygon_valid(args[0])) return kv_dyn_null();
  if (kv_array_count(rings) != 1)
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_densify() of a polygon with holes");
  size_t n;
  double *v = geo_dens_positions(kv_array_get(rings, 0), 4, &n);
  if (!v) return kv_dyn_null();
  /* The ring is a loop around the smaller region: a clockwise ring is
   * reversed (emulator:geo-polygon-densify-function-00). The closing vertex
   * repeats the first, so reverse the n-1 distinct ones and re-close. */
  if (geo_dens_ring_turn(v, n) < 0) {
    for (size_t i = 0, j = n - 2; i < j; i++, j--) {
      double tx = v[2 * i], ty = v[2 * i + 1];
      v[2 * i] = v[2 * j];
      v[2 * i + 1] = v[2 * j + 1];
      v[2 * j] = tx;
      v[2 * j + 1] = ty;
    }
    v[2 * (n - 1)] = v[0];
    v[2 * (n - 1) + 1] = v[1];
  }
  geo_dens_chain(&d, v, n);
  free(v);
  bool crosses = false;
  for (size_t i = 1; i < d.out.n; i++)
    if (fabs(d.out.v[2 * i] - d.out.v[2 * i - 2]) > 180.0) crosses = true;
  if (d.out.overflow || crosses) {
    kql_geo_ll_free(&d.out);
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_densify() of %s",
                       crosses ? "a polygon crossing the antimeridian" : "a polygon this large");
  }
  /* The last produced vertex is the closing one; emit the first exactly. */
  if (d.out.n > 0) {
    d.out.v[2 * (d.out.n - 1)] = d.out.v[0];
    d.out.v[2 * (d.out.n - 1) + 1] = d.out.v[1];
  }
  kv_value ring = kql_geo_coords_value(d.out.v, d.out.n);
  kql_geo_ll_free(&d.out);
  kv_value rs = kv_dyn_array();
  kv_array_push(rs, ring);
  return kql_geo_shape_value("Polygon", rs);
}
