/* SPDX-License-Identifier: MIT
 * Kusto's H3 functions that need the grid geometry: geo_point_to_h3cell,
 * geo_h3cell_to_central_point, geo_h3cell_to_polygon, geo_h3cell_neighbors
 * and geo_h3cell_rings (core in fn_geo_h3_proj.c / fn_geo_h3_grid.c).
 * Invalid cells, resolutions or distances give null ("" for strings), as
 * in emulator:geo-point-to-h3cell-function-02..04 and geo-h3cell-*-04/05.
 * Owner: h3 engineer. */
#include <stdlib.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_h3_core.h"
#include "kql/fn_lib.h"

#define H3_DEG (180.0 / KQL_GEO_PI)
#define H3_RAD (KQL_GEO_PI / 180.0)

/* Kusto's documented range for geo_h3cell_rings' distance. */
enum { H3_MAX_RING_DISTANCE = 142, H3_DEFAULT_RES = 6 };

kv_value kql_fn_geo_point_to_h3cell(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  double lng, lat;
  int64_t res = H3_DEFAULT_RES;
  if (argc > 2 && !kql_arg_long(args[2], &res)) return kv_null(KV_STRING);
  if (res < 0 || res > H3_MAX_RES || !kql_geo_arg_point(args, &lng, &lat))
    return kv_null(KV_STRING);
  uint64_t h = kql_h3_from_geo(lat * H3_RAD, lng * H3_RAD, (int)res);
  if (!h || !kql_h3_valid(h)) return kv_null(KV_STRING);
  return kql_h3_token(h);
}

kv_value kql_fn_geo_h3cell_to_central_point(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  uint64_t h;
  if (!kql_h3_parse(args[0], &h)) return kv_dyn_null();
  double lat, lng;
  kql_h3_to_geo(h, &lat, &lng);
  return kql_geo_point_value(lng * H3_DEG, lat * H3_DEG);
}

kv_value kql_fn_geo_h3cell_to_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  uint64_t h;
  if (!kql_h3_parse(args[0], &h)) return kv_dyn_null();
  double lat[10], lng[10], ring[20];
  int n = kql_h3_boundary(h, lat, lng);
  for (int k = 0; k < n; k++) {
    ring[2 * k] = lng[k] * H3_DEG;
    ring[2 * k + 1] = lat[k] * H3_DEG;
  }
  return kql_geo_polygon_value(ring, n);
}

static void push_cell(kv_value arr, uint64_t h) {
  kv_value s = kql_h3_token(h);
  kv_array_push(arr, kv_to_dynamic(s));
  kv_release(s);
}

/* Cells within k of h with distances (malloc'ed; caller frees both). */
static int h3_disk_alloc(uint64_t h, int k, uint64_t **cells, int **dist) {
  size_t cap = 3 * (size_t)k * ((size_t)k + 1) + 1;
  *cells = malloc(cap * sizeof **cells);
  *dist = malloc(cap * sizeof **dist);
  if (!*cells || !*dist) return -1;
  return kql_h3_disk(h, k, *cells, *dist);
}

kv_value kql_fn_geo_h3cell_neighbors(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  uint64_t h;
  if (!kql_h3_parse(args[0], &h)) return kv_dyn_null();
  uint64_t *cells = NULL;
  int *dist = NULL;
  int n = h3_disk_alloc(h, 1, &cells, &dist);
  kv_value arr = n < 0 ? kql_fn_fail(ctx, KV_DYNAMIC, "geo_h3cell_neighbors: out of memory")
                       : kv_dyn_array();
  /* Ring 1 in H3's ring-walk order (as geo_h3cell_rings(h, 1)[1]); the
   * Kusto docs example for '862a1072fffffff' shows this order. The emulator
   * (emulator:geo-h3cell-neighbors-function-00) lists the same six cells in
   * an order that is not a walk, a direction order, an index/hash-slot
   * order or a geometric sort, so it is not reproduced. */
  for (int k = 0; k < n; k++)
    if (dist[k] == 1) push_cell(arr, cells[k]);
  free(cells);
  free(dist);
  return arr;
}

kv_value kql_fn_geo_h3cell_rings(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)argc;
  uint64_t h;
  int64_t k;
  if (!kql_h3_parse(args[0], &h) || !kql_arg_long(args[1], &k)) return kv_dyn_null();
  if (k < 0 || k > H3_MAX_RING_DISTANCE) return kv_dyn_null();
  uint64_t *cells = NULL;
  int *dist = NULL;
  int n = h3_disk_alloc(h, (int)k, &cells, &dist);
  if (n < 0) {
    free(cells);
    free(dist);
    return kql_fn_fail(ctx, KV_DYNAMIC, "geo_h3cell_rings: out of memory");
  }
  kv_value rings = kv_dyn_array();
  for (int d = 0; d <= k; d++) {
    kv_value ring = kv_dyn_array();
    for (int m = 0; m < n; m++)
      if (dist[m] == d) push_cell(ring, cells[m]);
    kv_array_push(rings, ring);
  }
  free(cells);
  free(dist);
  return rings;
}
