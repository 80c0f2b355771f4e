/* SPDX-License-Identifier: MIT
 * libFuzzer target for the geo parsers: the input as WKT text for
 * geo_from_wkt, then (when it parses) the resulting GeoJSON and the input
 * parsed as JSON fed to the shape functions (point in polygon, distances,
 * area, centroid, line functions). Results are released; no UB or leaks
 * allowed. Owner: geo engineer. */
#include <stdint.h>
#include <string.h>

#include "kql/kql_fn.h"
#include "value/kv_ops.h"

static void geo_fuzz_call(const char *name, kv_value *args, int argc) {
  const kql_fn_def *def = kql_fn_lookup(name, strlen(name));
  if (!def) return;
  void *state = NULL;
  void (*site_free)(void *) = NULL;
  bool consts[4] = {true, true, true, true};
  kql_error err;
  memset(&err, 0, sizeof err);
  kql_fn_ctx ctx = {&state, &site_free, consts, &err, 0};
  kv_release(def->fn(&ctx, args, argc));
  if (site_free) site_free(state);
}

static void geo_fuzz_shape(kv_value shape) {
  kv_value a3[3] = {kv_real(-73.97), kv_real(40.78), shape};
  geo_fuzz_call("geo_point_in_polygon", a3, 3);
  geo_fuzz_call("geo_distance_point_to_polygon", a3, 3);
  geo_fuzz_call("geo_distance_point_to_line", a3, 3);
  geo_fuzz_call("geo_closest_point_on_line", a3, 3);
  kv_value a1[1] = {shape};
  geo_fuzz_call("geo_polygon_area", a1, 1);
  geo_fuzz_call("geo_polygon_perimeter", a1, 1);
  geo_fuzz_call("geo_polygon_centroid", a1, 1);
  geo_fuzz_call("geo_line_length", a1, 1);
  geo_fuzz_call("geo_line_centroid", a1, 1);
  kv_value a2[2] = {shape, kv_real(0.5)};
  geo_fuzz_call("geo_line_interpolate_point", a2, 2);
  kv_value l2[2] = {shape, shape};
  geo_fuzz_call("geo_intersects_2lines", l2, 2);
  geo_fuzz_call("geo_intersection_2lines", l2, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kv_value text = kv_string((const char *)data, size);
  const kql_fn_def *wkt = kql_fn_lookup("geo_from_wkt", 12);
  if (wkt) {
    bool consts[1] = {true};
    void *state = NULL;
    void (*site_free)(void *) = NULL;
    kql_error err;
    memset(&err, 0, sizeof err);
    kql_fn_ctx ctx = {&state, &site_free, consts, &err, 0};
    kv_value g = wkt->fn(&ctx, &text, 1);
    geo_fuzz_shape(g);
    kv_release(g);
  }
  kv_value tok[1] = {text};
  geo_fuzz_call("geo_s2cell_to_polygon", tok, 1);
  geo_fuzz_call("geo_s2cell_neighbors", tok, 1);
  geo_fuzz_call("geo_geohash_neighbors", tok, 1);
  geo_fuzz_call("geo_h3cell_parent", tok, 1);
  kv_value j;
  char err[64];
  if (kv_parse_json((const char *)data, size, &j, err, sizeof err) == 0) {
    geo_fuzz_shape(j);
    kv_release(j);
  }
  kv_release(text);
  return 0;
}
