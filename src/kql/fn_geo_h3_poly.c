/* SPDX-License-Identifier: MIT
 * geo_polygon_to_h3cells(polygon [, resolution [, radius]]): the cells whose
 * centres lie inside a GeoJSON Polygon/MultiPolygon, edges taken as straight
 * lines in (lng, lat) as the Kusto docs state. Cells found by tracing the
 * rings with cells and flooding outwards through neighbours whose centres
 * test inside. More than 61680 cells (Kusto's documented limit) gives null;
 * a positive buffer radius is not supported yet. The output order is
 * unspecified: the Kusto docs, the emulator and H3's polyfill each list
 * the same cells differently, and no rule fits the engine's order.
 * Owner: h3 engineer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_h3_core.h"
#include "kql/fn_lib.h"

#define H3P_RAD (KQL_GEO_PI / 180.0)
enum { H3P_MAX_CELLS = 61680, H3P_MAX_RINGS = 4096, H3P_MAX_VERTS = 1 << 20 };
/* Work caps, both giving null like the cell limit: cells tested (inside
 * cells plus the band around them) and ring samples (a third of a cell
 * apart, so rings longer than ~80000 cells). */
#define H3P_MAX_TESTED ((size_t)H3P_MAX_CELLS * 4)
#define H3P_MAX_SAMPLES ((size_t)250000)

typedef struct h3p_ring {
  const double *xy; /* lng, lat pairs */
  size_t n;
  int poly; /* polygon number; ring 0 of a polygon is its shell */
  bool shell;
} h3p_ring;

typedef struct h3p_shape {
  double *xy;
  size_t nxy, cap;
  h3p_ring rings[H3P_MAX_RINGS];
  int nrings, npolys;
} h3p_shape;

/* One GeoJSON ring: >= 4 positions, closed, no antimeridian-spanning edge. */
static bool h3p_add_ring(h3p_shape *s, kv_value ring, bool shell) {
  if (!kv_is_array(ring) || s->nrings >= H3P_MAX_RINGS) return false;
  size_t n = kv_array_count(ring);
  if (n < 4 || n > H3P_MAX_VERTS || s->nxy + n > H3P_MAX_VERTS) return false;
  if (s->nxy + n > s->cap) {
    size_t nc = s->cap ? s->cap : 64;
    while (nc < s->nxy + n) nc *= 2;
    double *p = realloc(s->xy, nc * 2 * sizeof *p);
    if (!p) return false;
    s->xy = p;
    s->cap = nc;
  }
  double *xy = s->xy + 2 * s->nxy;
  for (size_t k = 0; k < n; k++) {
    if (!kql_geo_position(kv_array_get(ring, k), &xy[2 * k], &xy[2 * k + 1])) return false;
    if (!kql_geo_valid(xy[2 * k], xy[2 * k + 1])) return false;
    if (k > 0 && fabs(xy[2 * k] - xy[2 * k - 2]) > 180) return false;
  }
  if (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1]) return false;
  /* ring pointers are rebuilt after all rings are read (xy may move) */
  s->rings[s->nrings].xy = NULL;
  s->rings[s->nrings].n = n;
  s->rings[s->nrings].poly = s->npolys;
  s->rings[s->nrings].shell = shell;
  s->nrings++;
  s->nxy += n;
  return true;
}

static bool h3p_add_polygon(h3p_shape *s, kv_value rings) {
  if (!kv_is_array(rings) || kv_array_count(rings) < 1) return false;
  size_t n = kv_array_count(rings);
  for (size_t k = 0; k < n; k++)
    if (!h3p_add_ring(s, kv_array_get(rings, k), k == 0)) return false;
  s->npolys++;
  return true;
}

static bool h3p_parse(h3p_shape *s, kv_value g) {
  if (kql_geo_is(g, "Polygon")) {
    if (!h3p_add_polygon(s, kv_bag_get(g, "coordinates", 11))) return false;
  } else if (kql_geo_is(g, "MultiPolygon")) {
    kv_value polys = kv_bag_get(g, "coordinates", 11);
    if (!kv_is_array(polys) || kv_array_count(polys) < 1) return false;
    for (size_t k = 0; k < kv_array_count(polys); k++)
      if (!h3p_add_polygon(s, kv_array_get(polys, k))) return false;
  } else {
    return false;
  }
  size_t off = 0;
  for (int r = 0; r < s->nrings; r++) {
    s->rings[r].xy = s->xy + 2 * off;
    off += s->rings[r].n;
  }
  return true;
}

static bool h3p_in_ring(const h3p_ring *r, double x, double y) {
  bool in = false;
  for (size_t a = 0, b = r->n - 1; a < r->n; b = a++) {
    double xa = r->xy[2 * a], ya = r->xy[2 * a + 1], xb = r->xy[2 * b], yb = r->xy[2 * b + 1];
    if ((ya > y) != (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) in = !in;
  }
  return in;
}

/* Inside some polygon's shell and outside its holes. */
static bool h3p_inside(const h3p_shape *s, double x, double y) {
  for (int r = 0; r < s->nrings;) {
    int p = s->rings[r].poly;
    bool in = h3p_in_ring(&s->rings[r], x, y);
    for (r++; r < s->nrings && s->rings[r].poly == p; r++)
      if (in && h3p_in_ring(&s->rings[r], x, y)) in = false;
    if (in) return true;
  }
  return false;
}

/* Open-addressing set of cell indexes (0 = empty). */
typedef struct h3p_set {
  uint64_t *slot;
  size_t cap, n;
} h3p_set;

static bool h3p_set_add(h3p_set *s, uint64_t h, bool *added) {
  if ((s->n + 1) * 2 > s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 256;
    uint64_t *ns = calloc(nc, sizeof *ns);
    if (!ns) return false;
    for (size_t k = 0; k < s->cap; k++) {
      if (!s->slot[k]) continue;
      size_t i = (size_t)(s->slot[k] * 0x9E3779B97F4A7C15ull >> 20) & (nc - 1);
      while (ns[i]) i = (i + 1) & (nc - 1);
      ns[i] = s->slot[k];
    }
    free(s->slot);
    s->slot = ns;
    s->cap = nc;
  }
  size_t i = (size_t)(h * 0x9E3779B97F4A7C15ull >> 20) & (s->cap - 1);
  while (s->slot[i] && s->slot[i] != h) i = (i + 1) & (s->cap - 1);
  *added = s->slot[i] == 0;
  if (*added) {
    s->slot[i] = h;
    s->n++;
  }
  return true;
}

typedef struct h3p_list {
  uint64_t *v;
  size_t n, cap;
} h3p_list;

static bool h3p_push(h3p_list *l, uint64_t h) {
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 256;
    uint64_t *p = realloc(l->v, nc * sizeof *p);
    if (!p) return false;
    l->v = p;
    l->cap = nc;
  }
  l->v[l->n++] = h;
  return true;
}

/* Approximate cell width in degrees of arc at res (res-0 edge ~1107.7 km,
 * each level divides by sqrt(7)); rings are sampled at a third of it. */
static double h3p_step_deg(int res) {
  double w = 1107.71 * sqrt(3.0) / 111.2;
  for (int r = 0; r < res; r++) w /= 2.6457513110645906;
  return w / 3;
}

/* 1 ok, 0 limit exceeded, -1 out of memory. */
static int h3p_fill(const h3p_shape *s, int res, h3p_list *out) {
  h3p_set tested = {0};
  h3p_list queue = {0};
  int rc = 1;
  double step = h3p_step_deg(res);
  size_t samples = 0;
  for (int r = 0; r < s->nrings && rc == 1; r++) {
    const h3p_ring *ring = &s->rings[r];
    for (size_t k = 0; k + 1 < ring->n && rc == 1; k++) {
      double x0 = ring->xy[2 * k], y0 = ring->xy[2 * k + 1];
      double x1 = ring->xy[2 * k + 2], y1 = ring->xy[2 * k + 3];
      double len = sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0));
      double cnt = ceil(len / step);
      if (cnt < 1) cnt = 1;
      if ((double)samples + cnt > (double)H3P_MAX_SAMPLES) {
        rc = 0;
        break;
      }
      size_t m = (size_t)cnt;
      samples += m;
      for (size_t j = 0; j < m; j++) {
        double t = (double)j / (double)m;
        uint64_t h = kql_h3_from_geo((y0 + (y1 - y0) * t) * H3P_RAD, (x0 + (x1 - x0) * t) * H3P_RAD, res);
        if (h && !h3p_push(&queue, h)) {
          rc = -1;
          break;
        }
      }
    }
  }
  for (size_t q = 0; q < queue.n && rc == 1; q++) {
    uint64_t disk[7];
    int dist[7];
    int n = kql_h3_disk(queue.v[q], 1, disk, dist);
    for (int k = 0; k < n && rc == 1; k++) {
      bool added;
      if (!h3p_set_add(&tested, disk[k], &added)) {
        rc = -1;
        break;
      }
      if (!added) continue;
      if (tested.n > H3P_MAX_TESTED) {
        rc = 0;
        break;
      }
      double lat, lng;
      kql_h3_to_geo(disk[k], &lat, &lng);
      if (!h3p_inside(s, lng / H3P_RAD, lat / H3P_RAD)) continue;
      if (out->n >= H3P_MAX_CELLS) {
        rc = 0;
        break;
      }
      if (!h3p_push(out, disk[k]) || !h3p_push(&queue, disk[k])) rc = -1;
    }
  }
  free(tested.slot);
  free(queue.v);
  return rc;
}

kv_value kql_fn_geo_polygon_to_h3cells(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  int64_t res = 6;
  if (argc > 1 && !kql_arg_long(args[1], &res)) return kv_dyn_null();
  if (res < 0 || res > H3_MAX_RES) return kv_dyn_null();
  if (argc > 2) {
    double radius;
    if (!kql_arg_real(args[2], &radius) || !(radius >= 0) || !isfinite(radius)) return kv_dyn_null();
    if (radius > 0)
      return kql_fn_fail(ctx, KV_DYNAMIC, "not supported yet: geo_polygon_to_h3cells with a radius");
  }
  h3p_shape *s = calloc(1, sizeof *s);
  if (!s) return kql_fn_fail(ctx, KV_DYNAMIC, "geo_polygon_to_h3cells: out of memory");
  kv_value result = kv_dyn_null();
  if (h3p_parse(s, args[0])) {
    h3p_list cells = {0};
    int rc = h3p_fill(s, (int)res, &cells);
    if (rc < 0) {
      result = kql_fn_fail(ctx, KV_DYNAMIC, "geo_polygon_to_h3cells: out of memory");
    } else if (rc > 0) {
      result = kv_dyn_array();
      for (size_t k = 0; k < cells.n; k++) {
        kv_value t = kql_h3_token(cells.v[k]);
        kv_array_push(result, kv_to_dynamic(t));
        kv_release(t);
      }
    }
    free(cells.v);
  }
  free(s->xy);
  free(s);
  return result;
}
