/* SPDX-License-Identifier: MIT
 * Boolean operations on spherical polygons (geodesic edges), giving the
 * engine's vertex order: both regions' edges are split at every crossing,
 * pieces are kept by which side of the other region they lie on, and the
 * kept edges are chained into loops the way an S2 builder does (loops are
 * found from the vertex with the lowest S2 cell id, then rotated so the
 * piece of the highest-numbered input edge comes last; input edges are
 * numbered region A first). geo_union_polygons_array unions the two
 * polygons with the fewest vertices first, repeatedly. Vertices where more
 * than two boundaries meet, and results with holes, fail with "not supported
 * yet". Expected values: emulator:geo-union-polygons-array-function-00/01,
 * geo-geohash-neighbors-function-03, geo-s2cell-neighbors-function-03,
 * geo-intersection-2polygons-function-00, geo-polygon-area-function-01.
 * Owner: geoops. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

#define GEO_U_EPS 1e-12
/* Edge pairs one operation may test (bounds time on huge inputs). */
#define GEO_U_MAX_PAIRS 4000000
#define GEO_U_MAX_EDGES 200000
/* Elementary steps all operations of one call may take (hostile input). */
#define GEO_U_WORK_MAX 3e7

/* A region: loops of unit vectors, each edge numbered by `id0 + index`. */
typedef struct geo_loop {
  geo_v3 *v;
  size_t n;
  bool ccw; /* turns counter-clockwise around its smaller side */
} geo_loop;

typedef struct geo_region {
  geo_loop *loops;
  size_t nloops, cap;
  size_t nverts;
  size_t key; /* union queue key: vertex count, or the sum of a union's inputs */
} geo_region;

static void geo_region_free(geo_region *r) {
  for (size_t i = 0; i < r->nloops; i++) free(r->loops[i].v);
  free(r->loops);
  memset(r, 0, sizeof *r);
}

static double geo_u_turn(const geo_v3 *v, size_t n);

static void geo_region_add(geo_region *r, geo_v3 *v, size_t n) {
  if (r->nloops == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 4;
    r->loops = kv_realloc(r->loops, r->cap * sizeof(geo_loop));
  }
  r->loops[r->nloops].v = v;
  r->loops[r->nloops].n = n;
  r->loops[r->nloops].ccw = geo_u_turn(v, n) >= 0;
  r->nloops++;
  r->nverts += n;
}

/* Signed turning (twice the signed area) of a loop: > 0 counter-clockwise
 * around the smaller side. */
static double geo_u_turn(const geo_v3 *v, size_t n) {
  double s = 0;
  for (size_t i = 1; i + 1 < n; i++)
    s += 2 * atan2(geo_dot(v[0], geo_cross(v[i], v[i + 1])),
                   1 + geo_dot(v[0], v[i]) + geo_dot(v[i], v[i + 1]) + geo_dot(v[i + 1], v[0]));
  return s;
}

static void geo_u_reverse(geo_v3 *v, size_t n) {
  for (size_t i = 0, j = n - 1; i < j; i++, j--) {
    geo_v3 t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

/* Appends one GeoJSON polygon (shell + holes) to r: closing vertex dropped,
 * the shell turned counter-clockwise and holes clockwise by reversing, as
 * an S2 loop is normalized. false when invalid. */
static bool geo_region_add_polygon(geo_region *r, kv_value rings) {
  geo_v3 probe = {1, 0, 0};
  double d;
  if (kql_geo_polygon_test(probe, rings, &d) < 0) return false;
  for (size_t k = 0; k < kv_array_count(rings); k++) {
    size_t n;
    geo_v3 *v = kql_geo_path(kv_array_get(rings, k), 4, &n);
    if (!v) return false;
    n--; /* closing vertex */
    double t = geo_u_turn(v, n);
    if ((k == 0 && t < 0) || (k > 0 && t > 0)) geo_u_reverse(v, n);
    geo_region_add(r, v, n);
  }
  return true;
}

/* A Polygon or MultiPolygon dynamic as a region; false when invalid. */
static bool geo_region_load(kv_value g, geo_region *r) {
  memset(r, 0, sizeof *r);
  if (!kql_geo_polygon_valid(g)) return false;
  kv_value c = kv_bag_get(g, "coordinates", 11);
  bool ok = true;
  if (kql_geo_is(g, "Polygon")) {
    ok = geo_region_add_polygon(r, c);
  } else {
    for (size_t i = 0; ok && i < kv_array_count(c); i++) ok = geo_region_add_polygon(r, kv_array_get(c, i));
  }
  if (!ok) geo_region_free(r);
  r->key = r->nverts;
  return ok;
}

/* Winding test: inside an odd number of the region's loops. */
static bool geo_u_inside(const geo_region *r, geo_v3 p) {
  bool in = false;
  for (size_t l = 0; l < r->nloops; l++) {
    const geo_v3 *v = r->loops[l].v;
    size_t n = r->loops[l].n;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
      geo_v3 a = v[i], b = v[(i + 1) % n];
      sum += atan2(geo_dot(p, geo_cross(a, b)), geo_dot(a, b) - geo_dot(p, a) * geo_dot(p, b));
    }
    /* the sign tells p inside the loop's region from p opposite to it */
    if (r->loops[l].ccw ? sum > KQL_GEO_PI : sum < -KQL_GEO_PI) in = !in;
  }
  return in;
}

/* ---- split edges ---- */
typedef struct geo_cut {
  double t;
  geo_v3 p;
} geo_cut;

typedef struct geo_edge {
  geo_v3 a, b;
  size_t id;     /* input edge id */
  int region;    /* 0 = A, 1 = B */
  geo_cut *cuts; /* interior split points */
  size_t ncuts, cap;
} geo_edge;

static void geo_edge_cut(geo_edge *e, geo_v3 p) {
  if (geo_ang(p, e->a) < GEO_U_EPS || geo_ang(p, e->b) < GEO_U_EPS) return;
  if (e->ncuts == e->cap) {
    e->cap = e->cap ? e->cap * 2 : 4;
    e->cuts = kv_realloc(e->cuts, e->cap * sizeof(geo_cut));
  }
  e->cuts[e->ncuts].t = geo_ang(e->a, p);
  e->cuts[e->ncuts].p = p;
  e->ncuts++;
}

static int geo_cut_cmp(const void *x, const void *y) {
  double a = ((const geo_cut *)x)->t, b = ((const geo_cut *)y)->t;
  return a < b ? -1 : a > b;
}

/* The crossing point snapped to an endpoint it coincides with. */
static geo_v3 geo_u_snap(geo_v3 x, const geo_edge *e, const geo_edge *f) {
  geo_v3 c[4] = {e->a, e->b, f->a, f->b};
  for (int k = 0; k < 4; k++)
    if (geo_ang(x, c[k]) < GEO_U_EPS) return c[k];
  return x;
}

static bool geo_u_on_arc(geo_v3 p, geo_v3 a, geo_v3 b) {
  return geo_ang(a, p) + geo_ang(p, b) <= geo_ang(a, b) + GEO_U_EPS;
}

/* Points where the two boundaries meet (checked against the result). */
typedef struct geo_touch {
  geo_v3 *p;
  size_t n, cap;
} geo_touch;

static void geo_touch_add(geo_touch *t, geo_v3 p) {
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 16;
    t->p = kv_realloc(t->p, t->cap * sizeof(geo_v3));
  }
  t->p[t->n++] = p;
}

static void geo_u_split(geo_edge *e, geo_edge *f, geo_touch *touch) {
  geo_v3 x;
  int r = kql_geo_arc_cross(e->a, e->b, f->a, f->b, &x);
  if (r > 0) {
    x = geo_u_snap(x, e, f);
    geo_touch_add(touch, x);
    geo_edge_cut(e, x);
    geo_edge_cut(f, x);
  } else if (r < 0) { /* same great circle: cut each at the other's ends */
    if (geo_u_on_arc(f->a, e->a, e->b)) geo_edge_cut(e, f->a);
    if (geo_u_on_arc(f->b, e->a, e->b)) geo_edge_cut(e, f->b);
    if (geo_u_on_arc(e->a, f->a, f->b)) geo_edge_cut(f, e->a);
    if (geo_u_on_arc(e->b, f->a, f->b)) geo_edge_cut(f, e->b);
  }
}

/* A kept directed piece. */
typedef struct geo_piece {
  size_t src, dst; /* vertex indexes */
  size_t id;
  bool used;
} geo_piece;

typedef struct geo_graph {
  geo_v3 *vx;
  uint64_t *cell;
  size_t nvx, capvx;
  geo_piece *pc;
  size_t npc, cappc;
} geo_graph;

static size_t geo_graph_vertex(geo_graph *g, geo_v3 p) {
  for (size_t i = 0; i < g->nvx; i++)
    if (g->vx[i].x == p.x && g->vx[i].y == p.y && g->vx[i].z == p.z) return i;
  if (g->nvx == g->capvx) {
    g->capvx = g->capvx ? g->capvx * 2 : 64;
    g->vx = kv_realloc(g->vx, g->capvx * sizeof(geo_v3));
    g->cell = kv_realloc(g->cell, g->capvx * sizeof(uint64_t));
  }
  g->vx[g->nvx] = p;
  g->cell[g->nvx] = kql_s2_cell_of(p, 30);
  return g->nvx++;
}

static void geo_graph_piece(geo_graph *g, geo_v3 a, geo_v3 b, size_t id) {
  if (g->npc == g->cappc) {
    g->cappc = g->cappc ? g->cappc * 2 : 64;
    g->pc = kv_realloc(g->pc, g->cappc * sizeof(geo_piece));
  }
  geo_piece *p = &g->pc[g->npc++];
  p->src = geo_graph_vertex(g, a);
  p->dst = geo_graph_vertex(g, b);
  p->id = id;
  p->used = false;
}

static void geo_graph_free(geo_graph *g) {
  free(g->vx);
  free(g->cell);
  free(g->pc);
  memset(g, 0, sizeof *g);
}

/* Is the piece a->b on the other region's boundary? 1 same direction,
 * -1 opposite, 0 not on it. */
static int geo_u_shared(const geo_edge *edges, size_t ne, int other, geo_v3 m, geo_v3 a, geo_v3 b) {
  geo_v3 dir = geo_cross(a, b);
  for (size_t i = 0; i < ne; i++) {
    const geo_edge *f = &edges[i];
    if (f->region != other) continue;
    if (kql_geo_seg_dist(m, f->a, f->b) < GEO_U_EPS) return geo_dot(dir, geo_cross(f->a, f->b)) > 0 ? 1 : -1;
  }
  return 0;
}

/* The result loops of A op B (union when is_union, else intersection) into
 * *out; 0 ok, -1 not supported (degenerate configuration or too big). */
static int geo_u_op(const geo_region *A, const geo_region *B, bool is_union, geo_region *out,
                    geo_touch *points, double *work) {
  memset(out, 0, sizeof *out);
  size_t ne = A->nverts + B->nverts;
  if (ne > GEO_U_MAX_EDGES || (double)A->nverts * (double)B->nverts > GEO_U_MAX_PAIRS) return -1;
  *work += (double)A->nverts * (double)B->nverts;
  if (*work > GEO_U_WORK_MAX) return -1;
  geo_edge *edges = kv_calloc(ne ? ne : 1, sizeof(geo_edge));
  size_t k = 0;
  for (int reg = 0; reg < 2; reg++) {
    const geo_region *R = reg ? B : A;
    for (size_t l = 0; l < R->nloops; l++)
      for (size_t i = 0; i < R->loops[l].n; i++, k++) {
        edges[k].a = R->loops[l].v[i];
        edges[k].b = R->loops[l].v[(i + 1) % R->loops[l].n];
        edges[k].id = k;
        edges[k].region = reg;
      }
  }
  geo_touch touch = {0};
  for (size_t i = 0; i < A->nverts; i++)
    for (size_t j = A->nverts; j < ne; j++) geo_u_split(&edges[i], &edges[j], &touch);
  geo_graph g;
  memset(&g, 0, sizeof g);
  int rc = 0;
  for (size_t i = 0; i < ne && rc == 0; i++) {
    geo_edge *e = &edges[i];
    if (e->ncuts > 1) qsort(e->cuts, e->ncuts, sizeof(geo_cut), geo_cut_cmp);
    geo_v3 prev = e->a;
    for (size_t c = 0; c <= e->ncuts && rc == 0; c++) {
      geo_v3 next = c < e->ncuts ? e->cuts[c].p : e->b;
      if (geo_ang(prev, next) < GEO_U_EPS) continue;
      *work += (double)ne + (double)g.nvx;
      if (*work > GEO_U_WORK_MAX) {
        rc = -1;
        break;
      }
      geo_v3 m = kql_geo_normalize((geo_v3){prev.x + next.x, prev.y + next.y, prev.z + next.z});
      int sh = geo_u_shared(edges, ne, 1 - e->region, m, prev, next);
      bool keep;
      if (sh != 0) {
        /* a shared piece is kept once (from A) when both run the same way */
        keep = sh > 0 && e->region == 0;
      } else {
        bool in = geo_u_inside(e->region ? A : B, m);
        keep = is_union ? !in : in;
      }
      if (keep) geo_graph_piece(&g, prev, next, e->id);
      prev = next;
    }
  }
  for (size_t i = 0; i < ne; i++) free(edges[i].cuts);
  free(edges);
  /* every vertex needs exactly one way in and one way out */
  size_t *outdeg = kv_calloc(g.nvx ? g.nvx : 1, sizeof(size_t));
  size_t *indeg = kv_calloc(g.nvx ? g.nvx : 1, sizeof(size_t));
  size_t *nextp = kv_calloc(g.nvx ? g.nvx : 1, sizeof(size_t));
  for (size_t i = 0; i < g.npc; i++) {
    outdeg[g.pc[i].src]++;
    indeg[g.pc[i].dst]++;
    nextp[g.pc[i].src] = i;
  }
  for (size_t v = 0; v < g.nvx; v++)
    if (outdeg[v] != indeg[v]) rc = -1;
  /* each piece continues with the outgoing piece turning most sharply
   * left, so loops that touch at a vertex stay separate */
  size_t *succ = kv_malloc((g.npc ? g.npc : 1) * sizeof(size_t));
  bool *taken = kv_calloc(g.npc ? g.npc : 1, sizeof(bool));
  for (size_t i = 0; i < g.npc && rc == 0; i++) {
    size_t v = g.pc[i].dst;
    if (outdeg[v] == 1) {
      succ[i] = nextp[v];
    } else {
      geo_v3 pv = g.vx[v], pu = g.vx[g.pc[i].src];
      geo_v3 din = geo_cross(geo_cross(pu, pv), pv);
      double best = -INFINITY;
      succ[i] = SIZE_MAX;
      for (size_t j = 0; j < g.npc; j++) {
        if (g.pc[j].src != v) continue;
        geo_v3 dout = geo_cross(geo_cross(pv, g.vx[g.pc[j].dst]), pv);
        double turn = atan2(geo_dot(pv, geo_cross(din, dout)), geo_dot(din, dout));
        if (turn >= KQL_GEO_PI - 1e-12) turn = -KQL_GEO_PI; /* going straight back */
        if (turn > best) {
          best = turn;
          succ[i] = j;
        }
      }
    }
    if (succ[i] == SIZE_MAX || taken[succ[i]]) rc = -1;
    else taken[succ[i]] = true;
  }
  free(taken);
  /* where the boundaries only touch, an intersection has a point part:
   * those points go to `points` (deduplicated) */
  for (size_t i = 0; !is_union && rc == 0 && i < touch.n; i++) {
    bool found = false;
    for (size_t v = 0; v < g.nvx && !found; v++)
      if (outdeg[v] > 0 && geo_ang(g.vx[v], touch.p[i]) < GEO_U_EPS) found = true;
    for (size_t k = 0; points && k < points->n && !found; k++)
      if (geo_ang(points->p[k], touch.p[i]) < GEO_U_EPS) found = true;
    if (found) continue;
    if (points) geo_touch_add(points, touch.p[i]);
    else rc = -1;
  }
  free(touch.p);
  /* pieces in graph order: by (source cell id, destination cell id) */
  size_t *order = kv_malloc((g.npc ? g.npc : 1) * sizeof(size_t));
  for (size_t i = 0; i < g.npc; i++) order[i] = i;
  for (size_t i = 1; i < g.npc; i++)
    for (size_t j = i; j > 0; j--) {
      const geo_piece *x = &g.pc[order[j - 1]], *y = &g.pc[order[j]];
      uint64_t xs = g.cell[x->src], ys = g.cell[y->src], xd = g.cell[x->dst], yd = g.cell[y->dst];
      if (xs < ys || (xs == ys && xd <= yd)) break;
      size_t t = order[j - 1];
      order[j - 1] = order[j];
      order[j] = t;
    }
  size_t *loop = kv_malloc((g.npc ? g.npc : 1) * sizeof(size_t));
  typedef struct {
    geo_v3 *v;
    size_t n, first_id;
  } geo_oloop;
  geo_oloop *ol = kv_malloc((g.npc ? g.npc : 1) * sizeof(geo_oloop));
  size_t nol = 0;
  for (size_t oi = 0; oi < g.npc && rc == 0; oi++) {
    size_t start = order[oi];
    if (g.pc[start].used) continue;
    size_t len = 0;
    for (size_t e = start; !g.pc[e].used; e = succ[e]) {
      g.pc[e].used = true;
      loop[len++] = e;
    }
    if (loop[len - 1] != loop[0] && g.pc[loop[len - 1]].dst != g.pc[loop[0]].src) {
      rc = -1;
      break;
    }
    /* rotate: the highest input edge id goes last (the last of a run) */
    size_t pos = 0;
    bool gap = false;
    for (size_t i = 1; i < len; i++) {
      long cmp = (long)g.pc[loop[i]].id - (long)g.pc[loop[pos]].id;
      if (cmp < 0) {
        gap = true;
      } else if (cmp > 0 || !gap) {
        pos = i;
        gap = false;
      }
    }
    if (++pos == len) pos = 0;
    geo_v3 *v = kv_malloc(len * sizeof(geo_v3));
    for (size_t i = 0; i < len; i++) v[i] = g.vx[g.pc[loop[(pos + i) % len]].src];
    ol[nol].v = v;
    ol[nol].n = len;
    ol[nol].first_id = g.pc[loop[pos % len]].id;
    nol++;
  }
  /* loops ordered by the input id of their first edge */
  for (size_t i = 1; i < nol; i++)
    for (size_t j = i; j > 0 && ol[j - 1].first_id > ol[j].first_id; j--) {
      geo_oloop t = ol[j - 1];
      ol[j - 1] = ol[j];
      ol[j] = t;
    }
  for (size_t i = 0; i < nol; i++) {
    if (rc == 0 && ol[i].n >= 3) geo_region_add(out, ol[i].v, ol[i].n);
    else free(ol[i].v);
  }
  free(ol);
  free(succ);
  free(loop);
  free(order);
  free(outdeg);
  free(indeg);
  free(nextp);
  geo_graph_free(&g);
  if (rc != 0) geo_region_free(out);
  return rc;
}

/* The region as GeoJSON: each counter-clockwise loop a polygon; holes
 * (clockwise loops) refused. NULL-type dynamic when empty. */
static int geo_u_value(const geo_region *r, kv_value *out) {
  for (size_t l = 0; l < r->nloops; l++)
    if (geo_u_turn(r->loops[l].v, r->loops[l].n) < 0) return -1;
  kv_value polys = kv_dyn_array();
  for (size_t l = 0; l < r->nloops; l++) {
    size_t n = r->loops[l].n;
    double *ll = kv_malloc((n + 1) * 2 * sizeof(double));
    for (size_t i = 0; i < n; i++) kql_geo_lnglat(r->loops[l].v[i], &ll[2 * i], &ll[2 * i + 1]);
    ll[2 * n] = ll[0];
    ll[2 * n + 1] = ll[1];
    kv_value rings = kv_dyn_array();
    kv_array_push(rings, kql_geo_coords_value(ll, n + 1));
    free(ll);
    kv_array_push(polys, rings);
  }
  if (r->nloops == 1) {
    kv_value one = kv_retain(kv_array_get(polys, 0));
    kv_release(polys);
    *out = kql_geo_shape_value("Polygon", one);
  } else {
    *out = kql_geo_shape_value("MultiPolygon", polys);
  }
  return 0;
}

/* Union of regions as the engine's priority queue does it: ordered by key
 * (vertex count; ties keep arrival order), the first two are unioned and
 * the result queued behind every region with a key <= the sum of theirs.
 * Consumes regs (n + 1 slots). */
static int geo_u_union_all(geo_region *regs, size_t n, geo_region *out) {
  for (size_t i = 1; i < n; i++) /* stable insertion sort by key */
    for (size_t j = i; j > 0 && regs[j - 1].key > regs[j].key; j--) {
      geo_region t = regs[j - 1];
      regs[j - 1] = regs[j];
      regs[j] = t;
    }
  size_t live = n;
  double work = 0;
  while (live > 1) {
    geo_region u;
    size_t key = regs[0].key + regs[1].key;
    int rc = geo_u_op(&regs[0], &regs[1], true, &u, NULL, &work);
    geo_region_free(&regs[0]);
    geo_region_free(&regs[1]);
    memmove(regs, regs + 2, (live - 2) * sizeof(geo_region));
    live -= 2;
    if (rc != 0) {
      for (size_t i = 0; i < live; i++) geo_region_free(&regs[i]);
      return -1;
    }
    size_t at = live;
    for (size_t i = 0; i < live; i++)
      if (regs[i].key > key) {
        at = i;
        break;
      }
    memmove(regs + at + 1, regs + at, (live - at) * sizeof(geo_region));
    u.key = key;
    regs[at] = u;
    live++;
  }
  *out = regs[0];
  return 0;
}

kv_value kql_fn_geo_union_polygons_array(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  if (!kv_is_array(args[0])) return kv_dyn_null();
  size_t n = kv_array_count(args[0]);
  geo_region *regs = kv_calloc(n + 1, sizeof(geo_region));
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    kv_value g = kv_array_get(args[0], i);
    if (kv_is_null(g)) continue;
    if (!geo_region_load(g, &regs[k])) {
      for (size_t j = 0; j < k; j++) geo_region_free(&regs[j]);
      free(regs);
      return kv_dyn_null(); /* emulator:geo-union-polygons-array-function-02 */
    }
    k++;
  }
  if (k == 0) {
    free(regs);
    return kv_dyn_null();
  }
  geo_region u;
  int rc = geo_u_union_all(regs, k, &u);
  free(regs);
  kv_value res;
  if (rc == 0) {
    rc = u.nloops ? geo_u_value(&u, &res) : -1;
    geo_region_free(&u);
  }
  if (rc != 0)
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_union_polygons_array() where boundaries touch at a vertex or "
                       "the union has holes");
  return res;
}

/* Union of a MultiPolygon's parts for area/perimeter/centroid: *out gets a
 * Polygon/MultiPolygon dynamic. false when not supported. */
bool kql_geo_multipolygon_union(kv_value g, kv_value *out) {
  kv_value c = kv_bag_get(g, "coordinates", 11);
  size_t n = kv_array_count(c);
  geo_region *regs = kv_calloc(n + 1, sizeof(geo_region));
  for (size_t i = 0; i < n; i++) {
    bool ok = geo_region_add_polygon(&regs[i], kv_array_get(c, i));
    regs[i].key = regs[i].nverts;
    if (!ok) {
      for (size_t j = 0; j <= i; j++) geo_region_free(&regs[j]);
      free(regs);
      return false;
    }
  }
  geo_region u;
  int rc = n ? geo_u_union_all(regs, n, &u) : -1;
  free(regs);
  if (rc != 0) return false;
  rc = u.nloops ? geo_u_value(&u, out) : -1;
  geo_region_free(&u);
  return rc == 0;
}

/* Intersection of two polygons (region A = first argument): a Polygon /
 * MultiPolygon, a Point where they only touch, or a GeometryCollection of
 * one touching point and one polygon. Returns 1 with *out set, 0 when empty,
 * -1 when not supported. */
int kql_geo_polygon_intersection(kv_value a, kv_value b, kv_value *out) {
  geo_region A, B, R;
  if (!geo_region_load(a, &A)) return -1;
  if (!geo_region_load(b, &B)) {
    geo_region_free(&A);
    return -1;
  }
  geo_touch pts = {0};
  double work = 0;
  int rc = geo_u_op(&A, &B, false, &R, &pts, &work);
  geo_region_free(&A);
  geo_region_free(&B);
  if (rc != 0) {
    free(pts.p);
    return -1;
  }
  /* a point part and one polygon: GeometryCollection [Point, Polygon]
   * (emulator:geo-intersection-2polygons-function-02); other mixes refused */
  if (pts.n > 1 || (pts.n == 1 && R.nloops > 1)) rc = -1;
  kv_value poly = kv_dyn_null();
  if (rc == 0 && R.nloops > 0) rc = geo_u_value(&R, &poly);
  geo_region_free(&R);
  if (rc != 0) {
    free(pts.p);
    return -1;
  }
  if (pts.n == 0) {
    free(pts.p);
    if (kv_is_null(poly)) return 0;
    *out = poly;
    return 1;
  }
  double lng, lat;
  kql_geo_lnglat(pts.p[0], &lng, &lat);
  free(pts.p);
  kv_value point = kql_geo_point_value(lng, lat);
  if (kv_is_null(poly)) {
    *out = point;
    return 1;
  }
  kv_value geoms = kv_dyn_array();
  kv_array_push(geoms, point);
  kv_array_push(geoms, poly);
  kv_value gc = kql_geo_empty_collection();
  kv_bag_set(gc, "geometries", 10, geoms);
  *out = gc;
  return 1;
}

/* ---- lines ---- */

/* Union of lines when no two edges cross or partly overlap: identical
 * edges merge, and the edges are chained from the vertices nothing leads
 * into, chains ordered by their first edge's input number
 * (emulator:geo-union-lines-array-function-00/01). Crossings, partial
 * overlaps, opposite duplicates, branches and closed chains are refused. */
#define GEO_UL_MAX_EDGES 2000

kv_value kql_fn_geo_union_lines_array(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  if (!kv_is_array(args[0])) return kv_dyn_null();
  size_t n = kv_array_count(args[0]);
  for (size_t i = 0; i < n; i++) {
    kv_value g = kv_array_get(args[0], i);
    if (!kv_is_null(g) && !kql_geo_line_valid(g)) return kv_dyn_null(); /* -function-02 */
  }
  geo_edge *edges = NULL;
  size_t ne = 0, cap = 0;
  bool ok = true;
  for (size_t i = 0; i < n && ok; i++) {
    kv_value g = kv_array_get(args[0], i);
    if (kv_is_null(g)) continue;
    kv_value c = kv_bag_get(g, "coordinates", 11);
    bool multi = kql_geo_is(g, "MultiLineString");
    for (size_t p = 0; p < (multi ? kv_array_count(c) : 1) && ok; p++) {
      size_t nv;
      geo_v3 *v = kql_geo_path(multi ? kv_array_get(c, p) : c, 2, &nv);
      if (!v) {
        ok = false;
        break;
      }
      for (size_t k = 0; k + 1 < nv; k++) {
        if (geo_ang(v[k], v[k + 1]) < GEO_U_EPS) continue;
        if (ne >= GEO_UL_MAX_EDGES) {
          ok = false;
          break;
        }
        if (ne == cap) {
          cap = cap ? cap * 2 : 16;
          edges = kv_realloc(edges, cap * sizeof(geo_edge));
        }
        memset(&edges[ne], 0, sizeof(geo_edge));
        edges[ne].a = v[k];
        edges[ne].b = v[k + 1];
        edges[ne].id = ne;
        ne++;
      }
      free(v);
    }
  }
  /* no crossings or partial overlaps; duplicates marked (region = -1) */
  for (size_t i = 0; i < ne && ok; i++)
    for (size_t j = i + 1; j < ne && ok; j++) {
      geo_edge *e = &edges[i], *f = &edges[j];
      if (e->region < 0 || f->region < 0) continue;
      bool same = geo_ang(e->a, f->a) < GEO_U_EPS && geo_ang(e->b, f->b) < GEO_U_EPS;
      bool rev = geo_ang(e->a, f->b) < GEO_U_EPS && geo_ang(e->b, f->a) < GEO_U_EPS;
      if (same) {
        f->region = -1;
        continue;
      }
      if (rev) {
        ok = false;
        break;
      }
      geo_v3 x;
      int r = kql_geo_arc_cross(e->a, e->b, f->a, f->b, &x);
      if (r < 0) {
        /* same great circle: only sharing an end point is fine */
        int shared = (geo_ang(e->a, f->a) < GEO_U_EPS || geo_ang(e->a, f->b) < GEO_U_EPS) +
                     (geo_ang(e->b, f->a) < GEO_U_EPS || geo_ang(e->b, f->b) < GEO_U_EPS);
        bool overlap = geo_u_on_arc(f->a, e->a, e->b) + geo_u_on_arc(f->b, e->a, e->b) +
                           geo_u_on_arc(e->a, f->a, f->b) + geo_u_on_arc(e->b, f->a, f->b) >
                       2 * shared;
        if (overlap) ok = false;
      } else if (r > 0) {
        bool at_e = geo_ang(x, e->a) < GEO_U_EPS || geo_ang(x, e->b) < GEO_U_EPS;
        bool at_f = geo_ang(x, f->a) < GEO_U_EPS || geo_ang(x, f->b) < GEO_U_EPS;
        if (!at_e || !at_f) ok = false;
      }
    }
  geo_graph g;
  memset(&g, 0, sizeof g);
  for (size_t i = 0; i < ne && ok; i++)
    if (edges[i].region >= 0) geo_graph_piece(&g, edges[i].a, edges[i].b, edges[i].id);
  free(edges);
  size_t nvx = g.nvx ? g.nvx : 1;
  size_t *outdeg = kv_calloc(nvx, sizeof(size_t)), *indeg = kv_calloc(nvx, sizeof(size_t));
  size_t *nextp = kv_calloc(nvx, sizeof(size_t));
  for (size_t i = 0; i < g.npc; i++) {
    outdeg[g.pc[i].src]++;
    indeg[g.pc[i].dst]++;
    nextp[g.pc[i].src] = i;
  }
  for (size_t v = 0; v < g.nvx && ok; v++)
    if (outdeg[v] > 1 || indeg[v] > 1) ok = false;
  kv_value chains = kv_dyn_array();
  size_t *first_id = kv_malloc((g.npc ? g.npc : 1) * sizeof(size_t));
  size_t nch = 0, walked = 0;
  /* pieces are numbered in input order: chains start at in-degree 0 */
  for (size_t i = 0; i < g.npc && ok; i++) {
    if (indeg[g.pc[i].src] != 0) continue;
    kql_geo_ll ll = {0};
    double lng, lat;
    kql_geo_lnglat(g.vx[g.pc[i].src], &lng, &lat);
    kql_geo_ll_push(&ll, lng, lat);
    size_t e = i, min_id = g.pc[i].id;
    for (;;) {
      walked++;
      if (g.pc[e].id < min_id) min_id = g.pc[e].id;
      kql_geo_lnglat(g.vx[g.pc[e].dst], &lng, &lat);
      kql_geo_ll_push(&ll, lng, lat);
      if (outdeg[g.pc[e].dst] == 0 || walked > g.npc) break;
      e = nextp[g.pc[e].dst];
    }
    kv_array_push(chains, kql_geo_coords_value(ll.v, ll.n));
    kql_geo_ll_free(&ll);
    first_id[nch++] = min_id;
  }
  if (walked != g.npc) ok = false; /* a closed chain */
  free(outdeg);
  free(indeg);
  free(nextp);
  geo_graph_free(&g);
  if (!ok || nch == 0) {
    free(first_id);
    kv_release(chains);
    return kql_fn_fail(ctx, KV_DYNAMIC,
                       "not supported yet: geo_union_lines_array() of lines that cross, overlap partly, branch "
                       "or close");
  }
  /* chains by the smallest input edge number they hold */
  size_t *ord = kv_malloc(nch * sizeof(size_t));
  for (size_t i = 0; i < nch; i++) ord[i] = i;
  for (size_t i = 1; i < nch; i++)
    for (size_t j = i; j > 0 && first_id[ord[j - 1]] > first_id[ord[j]]; j--) {
      size_t t = ord[j - 1];
      ord[j - 1] = ord[j];
      ord[j] = t;
    }
  kv_value res;
  if (nch == 1) {
    res = kql_geo_shape_value("LineString", kv_retain(kv_array_get(chains, 0)));
  } else {
    kv_value sorted = kv_dyn_array();
    for (size_t i = 0; i < nch; i++) kv_array_push(sorted, kv_retain(kv_array_get(chains, ord[i])));
    res = kql_geo_shape_value("MultiLineString", sorted);
  }
  free(ord);
  free(first_id);
  kv_release(chains);
  return res;
}
