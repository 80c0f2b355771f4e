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

/* One edge of the shape with its bounding cap (every point of the arc is
 * within `half` of `mid`). */
typedef struct geo_cedge {
  geo_v3 a, b, mid;
  double half;
} geo_cedge;

typedef struct geo_cover {
  geo_v3 **paths; /* rings (polygon mode) or lines */
  size_t *npts;
  size_t npaths, cap;
  geo_cedge *edges;
  size_t nedges;
  bool *ccw; /* per path: ring turns counter-clockwise around its smaller side */
  bool polygon;
  double radius; /* angle */
  int level;
  uint64_t *out;
  size_t nout;
  bool too_many;
  double budget; /* work left before giving up (hostile input) */
  size_t *scratch; /* per level, the edges near the cell being visited */
} geo_cover;

/* Work one call may spend (each unit is roughly one edge-vs-cell test). */
#define GEO_COVER_BUDGET 3e7
/* Levels 0..30: the descent never goes deeper. */
#define GEO_COVER_LEVELS 31
/* The longest geodesic inside one level-0 S2 cell, in radians, rounded up
 * (the S2 metric kMaxDiag is 2.4387); level L cells are 2^-L of it. */
#define GEO_COVER_MAX_DIAG 2.5

static void geo_cover_add_path(geo_cover *c, geo_v3 *v, size_t n) {
  if (c->npaths == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 8;
    c->paths = kv_realloc(c->paths, c->cap * sizeof(geo_v3 *));
    c->npts = kv_realloc(c->npts, c->cap * sizeof(size_t));
  }
  c->paths[c->npaths] = v;
  c->npts[c->npaths++] = n;
}

static void geo_cover_edges(geo_cover *c) {
  size_t total = 0;
  for (size_t i = 0; i < c->npaths; i++) total += c->npts[i] ? c->npts[i] - 1 : 0;
  c->edges = kv_malloc((total ? total : 1) * sizeof(geo_cedge));
  c->nedges = 0;
  c->ccw = kv_malloc((c->npaths ? c->npaths : 1) * sizeof(bool));
  for (size_t i = 0; i < c->npaths; i++) c->ccw[i] = !c->polygon || kql_geo_ring_turn(c->paths[i], c->npts[i]) >= 0;
  for (size_t i = 0; i < c->npaths; i++)
    for (size_t k = 0; k + 1 < c->npts[i]; k++) {
      geo_cedge *e = &c->edges[c->nedges++];
      e->a = c->paths[i][k];
      e->b = c->paths[i][k + 1];
      geo_v3 m = {e->a.x + e->b.x, e->a.y + e->b.y, e->a.z + e->b.z};
      e->mid = geo_len(m) > 0 ? kql_geo_normalize(m) : e->a;
      double ha = geo_ang(e->mid, e->a), hb = geo_ang(e->mid, e->b);
      e->half = (ha > hb ? ha : hb) + 1e-9;
    }
}

static void geo_cover_free(geo_cover *c) {
  for (size_t i = 0; i < c->npaths; i++) free(c->paths[i]);
  free(c->paths);
  free(c->npts);
  free(c->edges);
  free(c->ccw);
  free(c->out);
  free(c->scratch);
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

/* Does edge e come within the radius of the cell? */
static bool geo_cover_edge_meets(const geo_cover *c, const geo_cedge *e, const geo_v3 cv[4]) {
  if (geo_cover_in_cell(e->a, cv) || geo_cover_in_cell(e->b, cv)) return true;
  for (int k = 0; k < 4; k++)
    if (geo_cover_arcs_meet(e->a, e->b, cv[k], cv[(k + 1) & 3])) return true;
  if (c->radius <= 0) return false;
  for (int k = 0; k < 4; k++) {
    if (kql_geo_seg_dist(cv[k], e->a, e->b) <= c->radius) return true;
    if (kql_geo_seg_dist(e->a, cv[k], cv[(k + 1) & 3]) <= c->radius) return true;
    if (kql_geo_seg_dist(e->b, cv[k], cv[(k + 1) & 3]) <= c->radius) return true;
  }
  return false;
}

/* Winding test of p against every ring (inside an odd number of them). */
static bool geo_cover_inside(geo_cover *c, geo_v3 p) {
  bool in = false;
  for (size_t i = 0; i < c->npaths; i++) {
    const geo_v3 *v = c->paths[i];
    double sum = 0;
    for (size_t k = 0; k + 1 < c->npts[i]; k++)
      sum += atan2(geo_dot(p, geo_cross(v[k], v[k + 1])),
                   geo_dot(v[k], v[k + 1]) - geo_dot(p, v[k]) * geo_dot(p, v[k + 1]));
    c->budget -= (double)c->npts[i] * 0.2;
    /* the sign tells p inside the ring's region from p opposite to it */
    if (c->ccw[i] ? sum > KQL_GEO_PI : sum < -KQL_GEO_PI) in = !in;
  }
  return in;
}

static uint64_t geo_cover_lsb(uint64_t id) { return id & (~id + 1); }

/* cand: indexes of the edges that may come near this cell (from the
 * parent); inside: -1 unknown, else whether the whole cell is inside the
 * polygon (known when no edge comes near). */
static void geo_cover_descend(geo_cover *c, uint64_t id, int level, const size_t *cand, size_t ncand,
                              int inside) {
  if (c->too_many || c->budget < 0) return;
  geo_v3 cv[4];
  kql_s2_cell_vertices(id, cv);
  geo_v3 center = kql_geo_normalize((geo_v3){cv[0].x + cv[1].x + cv[2].x + cv[3].x,
                                             cv[0].y + cv[1].y + cv[2].y + cv[3].y,
                                             cv[0].z + cv[1].z + cv[2].z + cv[3].z});
  double cr = 0;
  for (int k = 0; k < 4; k++) {
    double d = geo_ang(center, cv[k]);
    if (d > cr) cr = d;
  }
  /* no allocation per cell: a covering visits millions of them */
  size_t *near = c->scratch + (size_t)level * (c->nedges ? c->nedges : 1);
  size_t nnear = 0;
  for (size_t i = 0; i < ncand; i++) {
    const geo_cedge *e = &c->edges[cand[i]];
    if (geo_ang(center, e->mid) <= cr + e->half + c->radius + 1e-9) near[nnear++] = cand[i];
  }
  c->budget -= (double)ncand * 0.05;
  bool meets = false;
  int child_inside = -1;
  if (nnear == 0) {
    if (c->polygon) {
      if (inside < 0) inside = geo_cover_inside(c, center) ? 1 : 0;
      meets = inside == 1;
      child_inside = inside;
    }
  } else {
    for (size_t i = 0; i < nnear && !meets; i++) meets = geo_cover_edge_meets(c, &c->edges[near[i]], cv);
    c->budget -= (double)nnear;
    if (!meets && c->polygon) meets = geo_cover_inside(c, center);
  }
  if (meets) {
    if (level == c->level) {
      if (c->nout >= GEO_COVER_MAX_CELLS) {
        c->too_many = true;
      } else {
        if (!c->out) c->out = kv_malloc(GEO_COVER_MAX_CELLS * sizeof(uint64_t));
        c->out[c->nout++] = id;
      }
    } else {
      uint64_t lsb = geo_cover_lsb(id);
      uint64_t child = id - lsb + (lsb >> 2);
      for (int k = 0; k < 4 && !c->too_many; k++, child += lsb >> 1)
        geo_cover_descend(c, child, level + 1, near, nnear, child_inside);
    }
  }
}

/* True when a line's cells surely exceed the limit: each cell holds at most
 * its diagonal of the line, so a line of angle t needs t / diag cells (a
 * 780 km line at level 26 needs millions; answering null at once spares
 * the descent). */
static bool geo_cover_line_too_long(const geo_cover *c) {
  double t = 0;
  for (size_t i = 0; i < c->npaths; i++)
    for (size_t k = 0; k + 1 < c->npts[i]; k++) t += geo_ang(c->paths[i][k], c->paths[i][k + 1]);
  return t / ldexp(GEO_COVER_MAX_DIAG, -c->level) > 2.0 * GEO_COVER_MAX_CELLS;
}

static kv_value geo_cover_run(kql_fn_ctx *ctx, geo_cover *c) {
  c->budget = GEO_COVER_BUDGET;
  if (!c->polygon && geo_cover_line_too_long(c)) return kv_dyn_null();
  geo_cover_edges(c);
  c->scratch = kv_malloc((size_t)GEO_COVER_LEVELS * (c->nedges ? c->nedges : 1) * sizeof(size_t));
  size_t *all = kv_malloc((c->nedges ? c->nedges : 1) * sizeof(size_t));
  for (size_t i = 0; i < c->nedges; i++) all[i] = i;
  for (uint64_t face = 0; face < 6 && !c->too_many; face++)
    geo_cover_descend(c, (face << 61) | ((uint64_t)1 << 60), 0, all, c->nedges, -1);
  free(all);
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
  size_t npolys = multi ? kv_array_count(coords) : 1;
  for (size_t i = 0; i < npolys; i++) {
    kv_value rings = multi ? kv_array_get(coords, i) : coords;
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
