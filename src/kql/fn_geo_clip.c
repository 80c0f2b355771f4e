/* SPDX-License-Identifier: MIT
 * Point/line results against polygons on the sphere (edges are geodesics):
 * geo_closest_point_on_polygon, geo_intersection_line_with_polygon (the
 * line cut at every boundary crossing, inside pieces kept), the overlap of
 * two collinear single-edge lines for geo_intersection_2lines, and
 * geo_intersection_2polygons for the cases without overlapping interiors.
 * Touching and collinear boundaries are refused ("not supported yet").
 * Expected values: emulator:geo-closest-point-on-polygon-function-*,
 * geo-intersection-line-with-polygon-function-*, geo-intersection-2lines-
 * function-01, geo-intersection-2polygons-function-01/03/05. Owner: geoops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

/* Below this angle (radians, ~6 micrometers) two points are the same. */
#define GEO_CLIP_EPS 1e-12

/* Polygons of a Polygon/MultiPolygon as ring arrays (borrowed). */
typedef struct geo_polys {
  kv_value *polys;
  size_t n;
} geo_polys;

static bool geo_polys_load(kv_value g, geo_polys *ps) {
  memset(ps, 0, sizeof *ps);
  if (!kql_geo_polygon_valid(g)) return false;
  kv_value c = kv_bag_get(g, "coordinates", 11);
  if (kql_geo_is(g, "Polygon")) {
    ps->polys = kv_malloc(sizeof(kv_value));
    ps->polys[0] = c;
    ps->n = 1;
    return true;
  }
  ps->n = kv_array_count(c);
  ps->polys = kv_malloc(ps->n * sizeof(kv_value));
  for (size_t i = 0; i < ps->n; i++) ps->polys[i] = kv_array_get(c, i);
  return true;
}

/* 1 inside some polygon, 0 outside; *dist = angle to the nearest edge. */
static int geo_polys_test(const geo_polys *ps, geo_v3 p, double *dist) {
  int in = 0;
  *dist = INFINITY;
  for (size_t i = 0; i < ps->n; i++) {
    double d;
    if (kql_geo_polygon_test(p, ps->polys[i], &d) == 1) in = 1;
    if (d < *dist) *dist = d;
  }
  return in;
}

/* Closest point of arc a-b to p. */
static geo_v3 geo_clip_closest(geo_v3 p, geo_v3 a, geo_v3 b) {
  double da = geo_ang(p, a), db = geo_ang(p, b), w = geo_ang(a, b);
  geo_v3 best = da <= db ? a : b;
  geo_v3 n = geo_cross(a, b);
  if (geo_len(n) == 0.0) return best;
  n = kql_geo_normalize(n);
  geo_v3 q = geo_cross(n, geo_cross(p, n));
  if (geo_len(q) == 0.0) return best;
  q = kql_geo_normalize(q);
  if (geo_ang(a, q) + geo_ang(q, b) <= w + 1e-15 && geo_ang(p, q) < (da < db ? da : db)) return q;
  return best;
}

static kv_value geo_clip_point(geo_v3 p) {
  double lng, lat;
  kql_geo_lnglat(p, &lng, &lat);
  return kql_geo_point_value(lng, lat);
}

kv_value kql_fn_geo_closest_point_on_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double lng, lat;
  if (!kql_geo_arg_point(args, &lng, &lat)) return kv_dyn_null();
  geo_polys ps;
  if (!geo_polys_load(args[2], &ps)) return kv_dyn_null();
  geo_v3 p = geo_xyz(lng, lat);
  double d;
  if (geo_polys_test(&ps, p, &d) == 1) {
    free(ps.polys);
    return kql_geo_point_value(lng, lat); /* documented: a contained point is its own answer */
  }
  double best = INFINITY;
  geo_v3 out = p;
  for (size_t i = 0; i < ps.n; i++) {
    kv_value rings = ps.polys[i];
    for (size_t r = 0; r < kv_array_count(rings); r++) {
      size_t n;
      geo_v3 *v = kql_geo_path(kv_array_get(rings, r), 4, &n);
      if (!v) continue;
      for (size_t k = 0; k + 1 < n; k++) {
        geo_v3 q = geo_clip_closest(p, v[k], v[k + 1]);
        double dq = geo_ang(p, q);
        if (dq < best) {
          best = dq;
          out = q;
        }
      }
      free(v);
    }
  }
  free(ps.polys);
  return geo_clip_point(out);
}

/* ---- line x polygon ---- */

typedef struct geo_piece_set {
  kv_value parts; /* array of coordinate arrays */
  kql_geo_ll cur; /* piece being built */
} geo_piece_set;

static void geo_piece_add(geo_piece_set *s, geo_v3 p) {
  double lng, lat;
  kql_geo_lnglat(p, &lng, &lat);
  kql_geo_ll_push(&s->cur, lng, lat);
}

static void geo_piece_close(geo_piece_set *s) {
  if (s->cur.n > 0) kv_array_push(s->parts, kql_geo_coords_value(s->cur.v, s->cur.n));
  s->cur.n = 0;
}

static int geo_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Cuts arc a-b at every crossing with the polygons' edges; appends inside
 * pieces to s. Returns false for configurations not handled (an edge on the
 * boundary's great circle, a piece touching the boundary). */
/* Elementary steps one call may take (hostile input). */
#define GEO_CLIP_WORK_MAX 3e7

static size_t geo_polys_edges(const geo_polys *ps) {
  size_t e = 0;
  for (size_t i = 0; i < ps->n; i++)
    for (size_t r = 0; r < kv_array_count(ps->polys[i]); r++) e += kv_array_count(kv_array_get(ps->polys[i], r));
  return e;
}

static bool geo_clip_edge(const geo_polys *ps, geo_v3 a, geo_v3 b, geo_piece_set *s, bool *open,
                          double *work) {
  double w = geo_ang(a, b);
  double pe = (double)geo_polys_edges(ps);
  *work += pe;
  if (*work > GEO_CLIP_WORK_MAX) return false;
  if (w < GEO_CLIP_EPS) return true;
  size_t cap = 16, nt = 0;
  double *ts = kv_malloc(cap * sizeof(double));
  ts[nt++] = 0.0;
  ts[nt++] = w;
  bool ok = true;
  for (size_t i = 0; i < ps->n && ok; i++) {
    kv_value rings = ps->polys[i];
    for (size_t r = 0; r < kv_array_count(rings) && ok; r++) {
      size_t n;
      geo_v3 *v = kql_geo_path(kv_array_get(rings, r), 4, &n);
      if (!v) continue;
      for (size_t k = 0; k + 1 < n; k++) {
        geo_v3 x;
        int c = kql_geo_arc_cross(a, b, v[k], v[k + 1], &x);
        if (c < 0) {
          ok = false;
          break;
        }
        if (c == 0) continue;
        if (nt == cap) {
          if (cap >= KQL_GEO_MAX_OUT_POINTS) {
            ok = false;
            break;
          }
          cap *= 2;
          ts = kv_realloc(ts, cap * sizeof(double));
        }
        ts[nt++] = geo_ang(a, x);
      }
      free(v);
    }
  }
  if (!ok) {
    free(ts);
    return false;
  }
  qsort(ts, nt, sizeof(double), geo_cmp_double);
  geo_v3 n = kql_geo_normalize(geo_cross(a, b));
  geo_v3 tan = geo_cross(n, a); /* unit tangent at a towards b */
  double prev = 0.0;
  for (size_t i = 1; i < nt && ok; i++) {
    double t = ts[i];
    if (t - prev < GEO_CLIP_EPS && t < w) continue;
    if (t - prev < GEO_CLIP_EPS) t = w;
    double mid = 0.5 * (prev + t), d;
    *work += pe;
    if (*work > GEO_CLIP_WORK_MAX) {
      ok = false;
      break;
    }
    geo_v3 m = {cos(mid) * a.x + sin(mid) * tan.x, cos(mid) * a.y + sin(mid) * tan.y,
                cos(mid) * a.z + sin(mid) * tan.z};
    int in = geo_polys_test(ps, m, &d);
    if (d < GEO_CLIP_EPS) ok = false; /* runs along the boundary */
    geo_v3 p0 = prev == 0.0 ? a : (geo_v3){cos(prev) * a.x + sin(prev) * tan.x,
                                          cos(prev) * a.y + sin(prev) * tan.y,
                                          cos(prev) * a.z + sin(prev) * tan.z};
    geo_v3 p1 = t >= w ? b : (geo_v3){cos(t) * a.x + sin(t) * tan.x, cos(t) * a.y + sin(t) * tan.y,
                                      cos(t) * a.z + sin(t) * tan.z};
    if (in) {
      if (!*open) {
        geo_piece_add(s, p0);
        *open = true;
      }
      geo_piece_add(s, p1);
    } else if (*open) {
      geo_piece_close(s);
      *open = false;
    }
    prev = t;
  }
  free(ts);
  return ok;
}

/* The crossing points computed with kql_geo_arc_cross are exact points of
 * both arcs; re-deriving them from angles moves them by ~1e-16, well within
 * the engine's own rounding. */
kv_value kql_fn_geo_intersection_line_with_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  if (!kql_geo_line_valid(args[0])) return kv_dyn_null();
  geo_polys ps;
  if (!geo_polys_load(args[1], &ps)) return kv_dyn_null();
  if (!kql_geo_is(args[0], "LineString")) {
    free(ps.polys);
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_intersection_line_with_polygon() of a MultiLineString");
  }
  size_t n;
  geo_v3 *v = kql_geo_path(kv_bag_get(args[0], "coordinates", 11), 2, &n);
  geo_piece_set s;
  memset(&s, 0, sizeof s);
  s.parts = kv_dyn_array();
  bool open = false, ok = v != NULL;
  double work = 0;
  for (size_t i = 0; ok && i + 1 < n; i++) ok = geo_clip_edge(&ps, v[i], v[i + 1], &s, &open, &work);
  if (ok) geo_piece_close(&s);
  free(v);
  free(ps.polys);
  bool overflow = s.cur.overflow;
  kql_geo_ll_free(&s.cur);
  for (size_t i = 0; ok && i < kv_array_count(s.parts); i++)
    if (kv_array_count(kv_array_get(s.parts, i)) < 2) ok = false; /* a touching point */
  if (!ok || overflow) {
    kv_release(s.parts);
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_intersection_line_with_polygon() where the line touches or "
                       "runs along the polygon boundary");
  }
  size_t np = kv_array_count(s.parts);
  if (np == 0) {
    kv_release(s.parts);
    return kql_geo_empty_collection();
  }
  if (np == 1) {
    kv_value one = kv_retain(kv_array_get(s.parts, 0));
    kv_release(s.parts);
    return kql_geo_shape_value("LineString", one);
  }
  return kql_geo_shape_value("MultiLineString", s.parts);
}

/* ---- two collinear single-edge lines ---- */

/* geo_intersection_2lines when both lines are one edge on the same great
 * circle: the shared arc as a LineString in the first line's direction
 * (emulator:geo-intersection-2lines-function-01), a Point when they only
 * share an end. Returns false (result untouched) for other shapes. */
bool kql_geo_intersection_collinear(const kv_value *args, kv_value *out) {
  if (!kql_geo_is(args[0], "LineString") || !kql_geo_is(args[1], "LineString")) return false;
  size_t n1, n2;
  geo_v3 *l1 = kql_geo_path(kv_bag_get(args[0], "coordinates", 11), 2, &n1);
  geo_v3 *l2 = kql_geo_path(kv_bag_get(args[1], "coordinates", 11), 2, &n2);
  bool done = false;
  if (l1 && l2 && n1 == 2 && n2 == 2) {
    geo_v3 a = l1[0], b = l1[1];
    double w = geo_ang(a, b);
    geo_v3 n = geo_cross(a, b);
    if (w > GEO_CLIP_EPS && w < KQL_GEO_PI / 2 && geo_len(n) > 0) {
      n = kql_geo_normalize(n);
      geo_v3 tan = geo_cross(n, a);
      /* signed positions of the second line's ends along a->b */
      double t[2];
      bool on = true;
      for (int k = 0; k < 2; k++) {
        geo_v3 p = l2[k];
        if (fabs(geo_dot(p, n)) > GEO_CLIP_EPS) on = false;
        t[k] = atan2(geo_dot(p, tan), geo_dot(p, a));
      }
      if (on) {
        double lo = t[0] < t[1] ? t[0] : t[1], hi = t[0] < t[1] ? t[1] : t[0];
        double s0 = lo > 0 ? lo : 0, s1 = hi < w ? hi : w;
        done = true;
        if (s1 - s0 < -GEO_CLIP_EPS) {
          *out = kql_geo_empty_collection();
        } else {
          /* ends that coincide with an input vertex are that vertex */
          geo_v3 p0 = s0 <= 0 ? a : (t[0] == lo ? l2[0] : l2[1]);
          geo_v3 p1 = s1 >= w ? b : (t[0] == hi ? l2[0] : l2[1]);
          if (s1 - s0 <= GEO_CLIP_EPS) {
            *out = geo_clip_point(p0);
          } else {
            double ll[4];
            kql_geo_lnglat(p0, &ll[0], &ll[1]);
            kql_geo_lnglat(p1, &ll[2], &ll[3]);
            *out = kql_geo_shape_value("LineString", kql_geo_coords_value(ll, 2));
          }
        }
      }
    }
  }
  free(l1);
  free(l2);
  return done;
}

/* ---- two polygons: only the cases without a shared interior ---- */

/* Shared vertices of the two polygon sets when their boundaries meet only
 * at common vertices; false when edges cross or overlap otherwise. */
static bool geo_clip_touch_points(const geo_polys *A, const geo_polys *B, kql_geo_ll *touch) {
  for (size_t i = 0; i < A->n; i++)
    for (size_t ri = 0; ri < kv_array_count(A->polys[i]); ri++) {
      size_t na;
      geo_v3 *va = kql_geo_path(kv_array_get(A->polys[i], ri), 4, &na);
      if (!va) return false;
      for (size_t j = 0; j < B->n; j++)
        for (size_t rj = 0; rj < kv_array_count(B->polys[j]); rj++) {
          size_t nb;
          geo_v3 *vb = kql_geo_path(kv_array_get(B->polys[j], rj), 4, &nb);
          if (!vb) {
            free(va);
            return false;
          }
          for (size_t x = 0; x + 1 < na; x++)
            for (size_t y = 0; y + 1 < nb; y++) {
              geo_v3 c;
              int r = kql_geo_arc_cross(va[x], va[x + 1], vb[y], vb[y + 1], &c);
              if (r < 0) {
                free(va);
                free(vb);
                return false;
              }
              if (r == 0) continue;
              /* allowed only at a vertex both boundaries share */
              geo_v3 cand[2] = {va[x], va[x + 1]};
              bool shared = false;
              for (int k = 0; k < 2; k++)
                if (geo_ang(c, cand[k]) < GEO_CLIP_EPS &&
                    (geo_ang(cand[k], vb[y]) == 0.0 || geo_ang(cand[k], vb[y + 1]) == 0.0)) {
                  shared = true;
                  double lng, lat;
                  kql_geo_lnglat(cand[k], &lng, &lat);
                  bool seen = false;
                  for (size_t t = 0; t < touch->n; t++)
                    if (touch->v[2 * t] == lng && touch->v[2 * t + 1] == lat) seen = true;
                  if (!seen) kql_geo_ll_push(touch, lng, lat);
                }
              if (!shared) {
                free(va);
                free(vb);
                return false;
              }
            }
          free(vb);
        }
      free(va);
    }
  return true;
}

/* True when some vertex of X lies strictly inside Y (not on its boundary). */
static bool geo_clip_vertex_inside(const geo_polys *X, const geo_polys *Y) {
  for (size_t i = 0; i < X->n; i++)
    for (size_t r = 0; r < kv_array_count(X->polys[i]); r++) {
      size_t n;
      geo_v3 *v = kql_geo_path(kv_array_get(X->polys[i], r), 4, &n);
      if (!v) continue;
      for (size_t k = 0; k + 1 < n; k++) {
        double d;
        if (geo_polys_test(Y, v[k], &d) == 1 && d > GEO_CLIP_EPS) {
          free(v);
          return true;
        }
      }
      free(v);
    }
  return false;
}

kv_value kql_fn_geo_intersection_2polygons(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  geo_polys A, B;
  if (!geo_polys_load(args[0], &A)) return kv_dyn_null();
  if (!geo_polys_load(args[1], &B)) {
    free(A.polys);
    return kv_dyn_null();
  }
  if ((double)geo_polys_edges(&A) * (double)geo_polys_edges(&B) > 4e6) {
    free(A.polys);
    free(B.polys);
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_intersection_2polygons() of polygons this large");
  }
  kql_geo_ll touch = {0};
  bool simple = geo_clip_touch_points(&A, &B, &touch) && !geo_clip_vertex_inside(&A, &B) &&
                !geo_clip_vertex_inside(&B, &A);
  free(A.polys);
  free(B.polys);
  if (!simple) {
    kql_geo_ll_free(&touch);
    kv_value r;
    if (kql_geo_polygon_intersection(args[0], args[1], &r) == 1) return r;
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_intersection_2polygons() of polygons that overlap and touch");
  }
  if (touch.n > 1) {
    kql_geo_ll_free(&touch);
    return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_intersection_2polygons() touching at several points");
  }
  kv_value r = touch.n == 1 ? kql_geo_point_value(touch.v[0], touch.v[1]) : kql_geo_empty_collection();
  kql_geo_ll_free(&touch);
  return r;
}
