/* SPDX-License-Identifier: MIT
 * geo_line_simplify, geo_polygon_simplify, geo_simplify_polygons_array.
 * Kusto snaps vertices closer than `tolerance` meters together and replaces
 * nearly straight chains by single edges (S2-builder style): done here for
 * one line and for one polygon ring; invalid input and tolerance -> null,
 * collapsed shapes -> null. Inputs near the decision thresholds, polygons
 * with holes, MultiPolygons and MultiLineStrings fail with "not supported
 * yet" rather than guessing which vertices the engine keeps. Expected values: emulator:geo-line-simplify-
 * function-00/03/04/05, geo-polygon-simplify-function-00/03/04/05,
 * geo-simplify-polygons-array-function-01/02/03. Owner: geoops. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

/* Pairwise-distance checks are quadratic; larger inputs are refused. */
#define GEO_SIMP_MAX_VERTICES 2048

/* Tolerance in meters (default 10); false when invalid. */
static bool geo_simp_tolerance(const kv_value *args, int argc, int at, double *tol) {
  *tol = 10.0;
  if (argc > at && !kql_arg_real(args[at], tol)) return false;
  return *tol >= 0.0 && isfinite(*tol);
}

/* Collects unit vectors of all positions of every ring/path under coords
 * (depth 1 = path, 2 = rings, 3 = polygons). false on overflow. */
static bool geo_simp_collect(kv_value coords, int depth, geo_v3 **v, size_t *n, size_t *cap) {
  if (!kv_is_array(coords)) return false;
  if (depth > 1) {
    for (size_t i = 0; i < kv_array_count(coords); i++)
      if (!geo_simp_collect(kv_array_get(coords, i), depth - 1, v, n, cap)) return false;
    return true;
  }
  size_t c;
  geo_v3 *p = kql_geo_path(coords, 1, &c);
  if (!p) return false;
  if (*n + c > GEO_SIMP_MAX_VERTICES) {
    free(p);
    return false;
  }
  if (*n + c > *cap) {
    *cap = *n + c + 64;
    *v = kv_realloc(*v, *cap * sizeof(geo_v3));
  }
  memcpy(*v + *n, p, c * sizeof(geo_v3));
  *n += c;
  free(p);
  return true;
}

/* Largest angle between two of the points. */
static double geo_simp_diameter(const geo_v3 *v, size_t n) {
  double best = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      double d = geo_ang(v[i], v[j]);
      if (d > best) best = d;
    }
  return best;
}

/* 1 = collapses (all points closer than r to each other), 0 = does not,
 * -1 = too many vertices to decide. */
static int geo_simp_collapses(kv_value coords, int depth, double r) {
  geo_v3 *v = NULL;
  size_t n = 0, cap = 0;
  if (!geo_simp_collect(coords, depth, &v, &n, &cap)) {
    free(v);
    return -1;
  }
  int res = geo_simp_diameter(v, n) < r ? 1 : 0;
  free(v);
  return res;
}

/* ---- snapping and chain simplification ----
 * Sites are input vertices taken in S2 cell id order, each at least the
 * tolerance r from the sites before it; every vertex moves to its nearest
 * site. A chain of snapped vertices is then simplified greedily from its
 * start: the edge from the start may skip vertices while every input vertex
 * snapped to a skipped vertex stays within r of it. Distances within 0.1% of
 * r, and other sites near an edge, make the answer depend on details of
 * the engine's builder that are not reproduced: those inputs are refused
 * (*ambiguous). */
#define GEO_SIMP_BAND 1e-3

typedef struct geo_simp {
  const geo_v3 *v;
  size_t n;
  double r;
  size_t *site_of; /* vertex -> site number (creation order) */
  size_t *site_vx; /* site number -> its vertex */
  size_t nsites;
  bool ambiguous;
  size_t *members_at; /* site t's snapped vertices: members[members_at[t] .. members_at[t+1]) */
  size_t *members;
  bool *in_span; /* per site: part of the span being tested */
} geo_simp;

static bool geo_simp_near(double d, double r) { return fabs(d - r) < GEO_SIMP_BAND * r; }

static void geo_simp_sites(geo_simp *s) {
  size_t n = s->n;
  uint64_t *cell = kv_malloc(n * sizeof(uint64_t));
  size_t *ord = kv_malloc(n * sizeof(size_t));
  for (size_t i = 0; i < n; i++) {
    cell[i] = kql_s2_cell_of(s->v[i], 30);
    ord[i] = i;
  }
  for (size_t i = 1; i < n; i++) /* stable: ties keep input order */
    for (size_t j = i; j > 0 && cell[ord[j - 1]] > cell[ord[j]]; j--) {
      size_t t = ord[j - 1];
      ord[j - 1] = ord[j];
      ord[j] = t;
    }
  s->site_of = kv_malloc(n * sizeof(size_t));
  s->site_vx = kv_malloc(n * sizeof(size_t));
  s->nsites = 0;
  for (size_t k = 0; k < n; k++) {
    geo_v3 p = s->v[ord[k]];
    double best = INFINITY;
    for (size_t t = 0; t < s->nsites; t++) {
      double d = geo_ang(p, s->v[s->site_vx[t]]);
      if (d < best) best = d;
    }
    if (best > 0 && geo_simp_near(best, s->r)) s->ambiguous = true;
    if (best >= s->r) s->site_vx[s->nsites++] = ord[k];
  }
  for (size_t i = 0; i < n; i++) {
    double best = INFINITY, second = INFINITY;
    size_t at = 0;
    for (size_t t = 0; t < s->nsites; t++) {
      double d = geo_ang(s->v[i], s->v[s->site_vx[t]]);
      if (d < best) {
        second = best;
        best = d;
        at = t;
      } else if (d < second) {
        second = d;
      }
    }
    if (second <= s->r && second - best < GEO_SIMP_BAND * s->r) s->ambiguous = true;
    s->site_of[i] = at;
  }
  s->members_at = kv_calloc(s->nsites + 1, sizeof(size_t));
  s->members = kv_malloc(n * sizeof(size_t));
  s->in_span = kv_calloc(s->nsites ? s->nsites : 1, sizeof(bool));
  for (size_t i = 0; i < n; i++) s->members_at[s->site_of[i] + 1]++;
  for (size_t t = 0; t < s->nsites; t++) s->members_at[t + 1] += s->members_at[t];
  size_t *fill = kv_malloc((s->nsites ? s->nsites : 1) * sizeof(size_t));
  for (size_t t = 0; t < s->nsites; t++) fill[t] = s->members_at[t];
  for (size_t i = 0; i < n; i++) s->members[fill[s->site_of[i]]++] = i;
  free(fill);
  free(cell);
  free(ord);
}

static void geo_simp_free(geo_simp *s) {
  free(s->site_of);
  free(s->site_vx);
  free(s->members_at);
  free(s->members);
  free(s->in_span);
}

/* The snapped chain: site numbers of consecutive vertices without repeats;
 * first[k] = the first input vertex that snapped to chain[k], edge[k] = the
 * input edge leading out of it. Returns the chain length. */
static size_t geo_simp_chain(const geo_simp *s, bool closed, size_t *chain, size_t *first, size_t *edge) {
  size_t m = 0;
  for (size_t i = 0; i < s->n; i++) {
    size_t st = s->site_of[i];
    if (m > 0 && chain[m - 1] == st) continue;
    chain[m] = st;
    first[m] = i;
    edge[m] = i;
    m++;
  }
  if (closed) /* merge the wrap-around repeat */
    while (m > 1 && chain[m - 1] == chain[0]) m--;
  return m;
}

/* Can the edge a->b stand for the chain vertices strictly between ia and
 * ib (indexes into the chain, wrapping for loops)? 1 yes, 0 no, -1 unsure.
 * s->in_span marks the sites of chain[ia..ib]. */
static int geo_simp_fits(const geo_simp *s, const size_t *chain, size_t m, size_t ia, size_t ib) {
  geo_v3 a = s->v[s->site_vx[chain[ia % m]]], b = s->v[s->site_vx[chain[ib % m]]];
  if (geo_ang(a, b) >= KQL_GEO_PI / 2) return 0;
  int res = 1;
  for (size_t k = ia + 1; k < ib; k++) {
    size_t st = chain[k % m];
    for (size_t q = s->members_at[st]; q < s->members_at[st + 1]; q++) {
      double d = kql_geo_seg_dist(s->v[s->members[q]], a, b);
      if (geo_simp_near(d, s->r)) return -1;
      if (d > s->r) res = 0;
    }
  }
  /* sites outside the span must stay clear of the new edge */
  for (size_t t = 0; t < s->nsites; t++)
    if (!s->in_span[t] && kql_geo_seg_dist(s->v[s->site_vx[t]], a, b) < (1 + GEO_SIMP_BAND) * s->r) return -1;
  return res;
}

/* Greedy simplification of the chain from index `start` (loops: around to
 * start again). Kept chain indexes go to keep[]; their out-edge's smallest
 * input edge number to ids[]. Returns the count, or -1 when unsure. */
static long geo_simp_greedy(geo_simp *s, const size_t *chain, const size_t *first, const size_t *edge,
                            size_t m, bool closed, size_t start, size_t *keep, size_t *ids) {
  size_t end = closed ? start + m : m - 1;
  size_t i = start, nk = 0;
  (void)first;
  while (i < end) {
    size_t j = i + 1;
    memset(s->in_span, 0, s->nsites * sizeof(bool));
    s->in_span[chain[i % m]] = true;
    s->in_span[chain[j % m]] = true;
    for (;;) {
      if (j >= end) break;
      s->in_span[chain[(j + 1) % m]] = true;
      int f = geo_simp_fits(s, chain, m, i, j + 1);
      if (f < 0) return -1;
      if (f == 0) break;
      j++;
    }
    size_t min_id = SIZE_MAX;
    for (size_t k = i; k < j; k++)
      if (edge[k % m] < min_id) min_id = edge[k % m];
    keep[nk] = i % m;
    ids[nk] = min_id;
    nk++;
    i = j;
  }
  if (!closed) {
    keep[nk] = (m - 1);
    ids[nk] = SIZE_MAX;
    nk++;
  }
  return (long)nk;
}

kv_value kql_fn_geo_line_simplify(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double tol;
  if (!geo_simp_tolerance(args, argc, 1, &tol) || !kql_geo_line_valid(args[0])) return kv_dyn_null();
  if (!kql_geo_is(args[0], "LineString"))
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_simplify() of a MultiLineString");
  size_t n;
  geo_v3 *v = kql_geo_path(kv_bag_get(args[0], "coordinates", 11), 2, &n);
  if (!v || n > GEO_SIMP_MAX_VERTICES || tol == 0.0) {
    free(v);
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_line_simplify() of this line or tolerance");
  }
  geo_simp s = {v, n, kql_geo_m_to_rad(tol), NULL, NULL, 0, false, NULL, NULL, NULL};
  geo_simp_sites(&s);
  size_t *chain = kv_malloc((5 * n + 16) * sizeof(size_t));
  size_t *first = chain + n, *edge = first + n, *keep = edge + n, *ids = keep + n + 1;
  (void)ids;
  size_t m = geo_simp_chain(&s, false, chain, first, edge);
  kv_value res = kv_dyn_null(); /* one site left: the line vanishes (-function-05) */
  bool unsure = s.ambiguous;
  if (!unsure && m >= 2) {
    size_t *ids2 = kv_malloc((m + 1) * sizeof(size_t));
    long nk = geo_simp_greedy(&s, chain, first, edge, m, false, 0, keep, ids2);
    free(ids2);
    if (nk < 0) {
      unsure = true;
    } else {
      double *ll = kv_malloc((size_t)nk * 2 * sizeof(double));
      for (long k = 0; k < nk; k++) kql_geo_lnglat(v[s.site_vx[chain[keep[k]]]], &ll[2 * k], &ll[2 * k + 1]);
      res = kql_geo_shape_value("LineString", kql_geo_coords_value(ll, (size_t)nk));
      free(ll);
    }
  }
  free(chain);
  geo_simp_free(&s);
  free(v);
  if (unsure)
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_line_simplify() with vertices this close to the tolerance");
  return res;
}

kv_value kql_fn_geo_polygon_simplify(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double tol;
  if (!geo_simp_tolerance(args, argc, 1, &tol) || !kql_geo_polygon_valid(args[0])) return kv_dyn_null();
  kv_value coords = kv_bag_get(args[0], "coordinates", 11);
  int col = geo_simp_collapses(coords, kql_geo_is(args[0], "Polygon") ? 2 : 3, kql_geo_m_to_rad(tol));
  if (col == 1) return kv_dyn_null(); /* emulator:geo-polygon-simplify-function-05 */
  size_t n = 0;
  geo_v3 *v = kql_geo_is(args[0], "Polygon") && kv_array_count(coords) == 1
                  ? kql_geo_path(kv_array_get(coords, 0), 4, &n)
                  : NULL;
  if (!v || n > GEO_SIMP_MAX_VERTICES || tol == 0.0) {
    free(v);
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_polygon_simplify() of a polygon with holes, a MultiPolygon or "
                       "this tolerance");
  }
  n--; /* closing vertex */
  double turn = 0;
  for (size_t i = 1; i + 1 < n; i++)
    turn += atan2(geo_dot(v[0], geo_cross(v[i], v[i + 1])),
                  1 + geo_dot(v[0], v[i]) + geo_dot(v[i], v[i + 1]) + geo_dot(v[i + 1], v[0]));
  if (turn < 0) /* a clockwise shell is reversed, as loops are normalized */
    for (size_t i = 0, j = n - 1; i < j; i++, j--) {
      geo_v3 t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
  geo_simp s = {v, n, kql_geo_m_to_rad(tol), NULL, NULL, 0, false, NULL, NULL, NULL};
  geo_simp_sites(&s);
  size_t *chain = kv_malloc((5 * n + 16) * sizeof(size_t));
  size_t *first = chain + n, *edge = first + n, *keep = edge + n, *ids = keep + n + 1;
  size_t m = geo_simp_chain(&s, true, chain, first, edge);
  kv_value res = kv_dyn_null(); /* fewer than three sites: the polygon vanishes */
  bool unsure = s.ambiguous;
  /* a site visited twice makes a vertex of degree 4: refused */
  for (size_t i = 0; i < m && !unsure; i++)
    for (size_t j = i + 1; j < m; j++)
      if (chain[i] == chain[j]) unsure = true;
  if (!unsure && m >= 3) {
    /* the builder starts at the vertex made first (lowest cell id) */
    size_t start = 0;
    for (size_t i = 1; i < m; i++)
      if (chain[i] < chain[start]) start = i;
    long nk = geo_simp_greedy(&s, chain, first, edge, m, true, start, keep, ids);
    if (nk < 0) {
      unsure = true;
    } else if (nk >= 3) {
      /* rotate: the edge with the highest input edge number goes last */
      size_t pos = 0;
      bool gap = false;
      for (long i = 1; i < nk; i++) {
        if (ids[i] < ids[pos]) {
          gap = true;
        } else if (ids[i] > ids[pos] || !gap) {
          pos = (size_t)i;
          gap = false;
        }
      }
      if (++pos == (size_t)nk) pos = 0;
      double *ll = kv_malloc(((size_t)nk + 1) * 2 * sizeof(double));
      for (long k = 0; k < nk; k++) {
        size_t at = keep[(pos + (size_t)k) % (size_t)nk];
        kql_geo_lnglat(v[s.site_vx[chain[at]]], &ll[2 * k], &ll[2 * k + 1]);
      }
      ll[2 * nk] = ll[0];
      ll[2 * nk + 1] = ll[1];
      kv_value rings = kv_dyn_array();
      kv_array_push(rings, kql_geo_coords_value(ll, (size_t)nk + 1));
      free(ll);
      res = kql_geo_shape_value("Polygon", rings);
    }
  }
  free(chain);
  geo_simp_free(&s);
  free(v);
  if (unsure)
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_polygon_simplify() with vertices this close to the tolerance");
  return res;
}

kv_value kql_fn_geo_simplify_polygons_array(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  double tol;
  if (!geo_simp_tolerance(args, argc, 1, &tol) || !kv_is_array(args[0])) return kv_dyn_null();
  size_t n = kv_array_count(args[0]);
  geo_v3 *v = NULL;
  size_t nv = 0, cap = 0;
  bool big = false;
  for (size_t i = 0; i < n; i++) {
    kv_value g = kv_array_get(args[0], i);
    if (kv_is_null(g)) continue;
    if (!kql_geo_polygon_valid(g)) {
      free(v);
      return kv_dyn_null(); /* emulator:geo-simplify-polygons-array-function-01 */
    }
    kv_value c = kv_bag_get(g, "coordinates", 11);
    if (!big && !geo_simp_collect(c, kql_geo_is(g, "Polygon") ? 2 : 3, &v, &nv, &cap)) big = true;
  }
  bool collapses = !big && nv > 0 && geo_simp_diameter(v, nv) < kql_geo_m_to_rad(tol);
  free(v);
  if (collapses) return kv_dyn_null(); /* emulator:geo-simplify-polygons-array-function-03 */
  return kql_fn_fail(ctx, KV_DYNAMIC,
                     "not supported yet: geo_simplify_polygons_array() of polygons it keeps");
}
