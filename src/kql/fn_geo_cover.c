/* SPDX-License-Identifier: MIT
 * geo_polygon_to_s2cells and geo_line_to_s2cells: every S2 cell of the
 * requested level that meets the shape (closed: touching counts, as the
 * engine's padded index does), in cell id order; the shape may be widened
 * by a radius in meters (cells within that distance). More than 65536 cells -> null (documented limit).
 * Found by descending the cell hierarchy from the six faces, so the work is
 * proportional to the answer. Expected values: emulator:geo-polygon-to-
 * s2cells-function-01/04/05/06, geo-line-to-s2cells-function-00/01.
 * Owner: geoops. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

#define GEO_COVER_MAX_CELLS 65536
#define GEO_COVER_EPS 1e-12

typedef struct geo_cover {
  geo_v3 **paths; /* rings (polygon mode) or lines */
  size_t *npts;
  size_t npaths, cap;
  kv_value *polys; /* polygon mode: ring arrays (borrowed) */
  size_t npolys;
  bool polygon;
  double radius; /* line mode: angle */
  int level;
  uint64_t *out;
  size_t nout;
  bool too_many;
  int64_t budget; /* edge tests left before giving up (hostile input) */
} geo_cover;

/* Edge tests one call may spend: bounds time on huge shapes at deep levels. */
#define GEO_COVER_BUDGET 40000000

static void geo_cover_add_path(geo_cover *c, geo_v3 *v, size_t n) {
  if (c->npaths == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 8;
    c->paths = kv_realloc(c->paths, c->cap * sizeof(geo_v3 *));
    c->npts = kv_realloc(c->npts, c->cap * sizeof(size_t));
  }
  c->paths[c->npaths] = v;
  c->npts[c->npaths++] = n;
}

static void geo_cover_free(geo_cover *c) {
  for (size_t i = 0; i < c->npaths; i++) free(c->paths[i]);
  free(c->paths);
  free(c->npts);
  free(c->polys);
  free(c->out);
}

/* p on the closed arc a-b (within the crossing tolerance). */
static bool geo_cover_on_arc(geo_v3 p, geo_v3 a, geo_v3 b) {
  return geo_ang(a, p) + geo_ang(p, b) <= geo_ang(a, b) + GEO_COVER_EPS;
}

static bool geo_cover_arcs_meet(geo_v3 a, geo_v3 b, geo_v3 c, geo_v3 d) {
  geo_v3 x;
  int r = kql_geo_arc_cross(a, b, c, d, &x);
  if (r > 0) return true;
  if (r < 0)
    return geo_cover_on_arc(c, a, b) || geo_cover_on_arc(d, a, b) || geo_cover_on_arc(a, c, d) ||
           geo_cover_on_arc(b, c, d);
  return false;
}

/* p inside the closed convex cell with counter-clockwise vertices cv. */
static bool geo_cover_in_cell(geo_v3 p, const geo_v3 cv[4]) {
  for (int k = 0; k < 4; k++)
    if (geo_dot(p, geo_cross(cv[k], cv[(k + 1) & 3])) < -1e-15) return false;
  return true;
}

/* Angle from the cell (0 when they meet) to the shape's paths, stopping
 * early once below `enough`. */
static double geo_cover_dist(geo_cover *c, const geo_v3 cv[4], double enough) {
  double best = INFINITY;
  for (size_t i = 0; i < c->npaths; i++) {
    const geo_v3 *v = c->paths[i];
    size_t n = c->npts[i];
    c->budget -= (int64_t)n;
    for (size_t k = 0; k < n; k++) {
      if (geo_cover_in_cell(v[k], cv)) return 0.0;
      if (k + 1 < n)
        for (int e = 0; e < 4; e++) {
          if (geo_cover_arcs_meet(v[k], v[k + 1], cv[e], cv[(e + 1) & 3])) return 0.0;
          if (enough > 0) {
            double d1 = kql_geo_seg_dist(cv[e], v[k], v[k + 1]);
            double d2 = kql_geo_seg_dist(v[k], cv[e], cv[(e + 1) & 3]);
            if (d1 < best) best = d1;
            if (d2 < best) best = d2;
          }
        }
      if (best <= enough) return best;
    }
  }
  return best;
}

static bool geo_cover_meets(geo_cover *c, uint64_t id) {
  geo_v3 cv[4];
  kql_s2_cell_vertices(id, cv);
  double d = geo_cover_dist(c, cv, c->radius);
  if (d <= c->radius) return true;
  if (!c->polygon) return false;
  geo_v3 center = kql_geo_normalize((geo_v3){cv[0].x + cv[1].x + cv[2].x + cv[3].x,
                                             cv[0].y + cv[1].y + cv[2].y + cv[3].y,
                                             cv[0].z + cv[1].z + cv[2].z + cv[3].z});
  for (size_t i = 0; i < c->npolys; i++) {
    double dd;
    if (kql_geo_polygon_test(center, c->polys[i], &dd) == 1) return true;
  }
  return false;
}

static uint64_t geo_cover_lsb(uint64_t id) { return id & (~id + 1); }

static void geo_cover_descend(geo_cover *c, uint64_t id, int level) {
  if (c->too_many || c->budget < 0 || !geo_cover_meets(c, id)) return;
  if (level == c->level) {
    if (c->nout >= GEO_COVER_MAX_CELLS) {
      c->too_many = true;
      return;
    }
    if (!c->out) c->out = kv_malloc(GEO_COVER_MAX_CELLS * sizeof(uint64_t));
    c->out[c->nout++] = id;
    return;
  }
  uint64_t lsb = geo_cover_lsb(id);
  uint64_t child = id - lsb + (lsb >> 2);
  for (int k = 0; k < 4 && !c->too_many; k++, child += lsb >> 1) geo_cover_descend(c, child, level + 1);
}

static kv_value geo_cover_run(kql_fn_ctx *ctx, geo_cover *c) {
  c->budget = GEO_COVER_BUDGET;
  for (uint64_t face = 0; face < 6 && !c->too_many; face++)
    geo_cover_descend(c, (face << 61) | ((uint64_t)1 << 60), 0);
  if (c->too_many) return kv_dyn_null();
  if (c->budget < 0) return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: an s2 covering of a shape this complex");
  kv_value arr = kv_dyn_array();
  for (size_t i = 0; i < c->nout; i++) {
    kv_value t = kql_s2_token(c->out[i]);
    kv_array_push(arr, kv_to_dynamic(t));
    kv_release(t);
  }
  return arr;
}

/* level (default 11, 0..30) and radius (meters, default 0, >= 0). */
static bool geo_cover_args(const kv_value *args, int argc, geo_cover *c, double *radius_m) {
  int64_t level = 11;
  *radius_m = 0;
  if (argc > 1 && !kql_arg_long(args[1], &level)) return false;
  if (argc > 2 && !kql_arg_real(args[2], radius_m)) return false;
  if (level < 0 || level > 30 || !(*radius_m >= 0) || !isfinite(*radius_m)) return false;
  c->level = (int)level;
  c->radius = kql_geo_m_to_rad(*radius_m);
  return true;
}

kv_value kql_fn_geo_polygon_to_s2cells(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  geo_cover c;
  memset(&c, 0, sizeof c);
  double radius_m;
  if (!geo_cover_args(args, argc, &c, &radius_m) || !kql_geo_polygon_valid(args[0])) return kv_dyn_null();
  c.polygon = true;
  kv_value coords = kv_bag_get(args[0], "coordinates", 11);
  bool multi = kql_geo_is(args[0], "MultiPolygon");
  c.npolys = multi ? kv_array_count(coords) : 1;
  c.polys = kv_malloc(c.npolys * sizeof(kv_value));
  for (size_t i = 0; i < c.npolys; i++) {
    kv_value rings = multi ? kv_array_get(coords, i) : coords;
    c.polys[i] = rings;
    for (size_t r = 0; r < kv_array_count(rings); r++) {
      size_t n;
      geo_v3 *v = kql_geo_path(kv_array_get(rings, r), 4, &n);
      if (v) geo_cover_add_path(&c, v, n);
    }
  }
  kv_value res = geo_cover_run(ctx, &c);
  geo_cover_free(&c);
  return res;
}

kv_value kql_fn_geo_line_to_s2cells(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  geo_cover c;
  memset(&c, 0, sizeof c);
  double radius_m;
  if (!geo_cover_args(args, argc, &c, &radius_m) || !kql_geo_line_valid(args[0])) return kv_dyn_null();
  kv_value coords = kv_bag_get(args[0], "coordinates", 11);
  bool multi = kql_geo_is(args[0], "MultiLineString");
  size_t np = multi ? kv_array_count(coords) : 1;
  for (size_t i = 0; i < np; i++) {
    size_t n;
    geo_v3 *v = kql_geo_path(multi ? kv_array_get(coords, i) : coords, 2, &n);
    if (v) geo_cover_add_path(&c, v, n);
  }
  kv_value res = geo_cover_run(ctx, &c);
  geo_cover_free(&c);
  return res;
}
