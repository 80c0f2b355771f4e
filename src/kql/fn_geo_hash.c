/* SPDX-License-Identifier: MIT
 * Geohash functions: geo_point_to_geohash, geo_geohash_to_central_point,
 * geo_geohash_to_polygon, geo_geohash_neighbors. Standard geohash (base-32
 * alphabet without a, i, l, o; bits alternate longitude, latitude), precision
 * 1..18, default 5. Expected values: emulator:geo-point-to-geohash-function-*,
 * geo-geohash-to-*-function-*, geo-geohash-neighbors-function-*.
 * Owner: geo engineer. */
#include <math.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_lib.h"

static const char geo_b32[] = "0123456789bcdefghjkmnpqrstuvwxyz";
enum { GEO_HASH_MAX = 18 };

static void geo_hash_encode(double lng, double lat, int prec, char *out) {
  double lo[2] = {-180.0, -90.0}, hi[2] = {180.0, 90.0}, v[2] = {lng, lat};
  int axis = 0;
  for (int c = 0; c < prec; c++) {
    int bits = 0;
    for (int b = 0; b < 5; b++) {
      double mid = (lo[axis] + hi[axis]) / 2;
      bits <<= 1;
      if (v[axis] >= mid) {
        bits |= 1;
        lo[axis] = mid;
      } else {
        hi[axis] = mid;
      }
      axis ^= 1;
    }
    out[c] = geo_b32[bits];
  }
  out[prec] = '\0';
}

/* Decodes a geohash to its cell bounds; false when not a valid geohash. */
static bool geo_hash_decode(kv_value v, double box[4] /* lng0 lat0 lng1 lat1 */) {
  if (kv_scalar_type(v) != KV_STRING) return false;
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t len;
  const char *s = kql_arg_str(v, &tmp, &len);
  bool ok = len >= 1 && len <= GEO_HASH_MAX;
  double lo[2] = {-180.0, -90.0}, hi[2] = {180.0, 90.0};
  int axis = 0;
  for (size_t i = 0; ok && i < len; i++) {
    const char *p = s[i] ? strchr(geo_b32, s[i]) : NULL;
    if (!p) {
      ok = false;
      break;
    }
    int bits = (int)(p - geo_b32);
    for (int b = 4; b >= 0; b--) {
      double mid = (lo[axis] + hi[axis]) / 2;
      if ((bits >> b) & 1)
        lo[axis] = mid;
      else
        hi[axis] = mid;
      axis ^= 1;
    }
  }
  kv_buf_free(&tmp);
  box[0] = lo[0];
  box[1] = lo[1];
  box[2] = hi[0];
  box[3] = hi[1];
  return ok;
}

kv_value kql_fn_geo_point_to_geohash(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  double lng, lat;
  int64_t prec = 5;
  if (argc > 2 && !kql_arg_long(args[2], &prec)) return kv_null(KV_STRING);
  if (prec < 1 || prec > GEO_HASH_MAX || !kql_geo_arg_point(args, &lng, &lat))
    return kv_null(KV_STRING);
  char out[GEO_HASH_MAX + 1];
  geo_hash_encode(lng, lat, (int)prec, out);
  return kv_cstring(out);
}

kv_value kql_fn_geo_geohash_to_central_point(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double box[4];
  if (!geo_hash_decode(args[0], box)) return kv_dyn_null();
  return kql_geo_point_value((box[0] + box[2]) / 2, (box[1] + box[3]) / 2);
}

kv_value kql_fn_geo_geohash_to_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  double box[4];
  if (!geo_hash_decode(args[0], box)) return kv_dyn_null();
  /* Counter-clockwise from the south-west corner (geo-geohash-to-polygon-function-00). */
  double ring[8] = {box[0], box[1], box[2], box[1], box[2], box[3], box[0], box[3]};
  return kql_geo_polygon_value(ring, 4);
}

/* Neighbours in the engine's order W, SW, S, SE, NE, E, N, NW
 * (emulator:geo-geohash-neighbors-function-00/02). Longitude wraps at the
 * antimeridian; cells beyond a pole are left out. */
kv_value kql_fn_geo_geohash_neighbors(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  static const int dir[8][2] = {{-1, 0}, {-1, -1}, {0, -1}, {1, -1},
                                {1, 1},  {1, 0},   {0, 1},  {-1, 1}};
  double box[4];
  if (!geo_hash_decode(args[0], box)) return kv_dyn_null();
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t len;
  kql_arg_str(args[0], &tmp, &len);
  kv_buf_free(&tmp);
  double w = box[2] - box[0], h = box[3] - box[1];
  double clng = (box[0] + box[2]) / 2, clat = (box[1] + box[3]) / 2;
  kv_value arr = kv_dyn_array();
  char out[GEO_HASH_MAX + 1];
  for (int k = 0; k < 8; k++) {
    double lat = clat + dir[k][1] * h;
    if (lat < -90.0 || lat > 90.0) continue;
    double lng = clng + dir[k][0] * w;
    if (lng > 180.0) lng -= 360.0;
    if (lng < -180.0) lng += 360.0;
    geo_hash_encode(lng, lat, (int)len, out);
    kv_value s = kv_cstring(out);
    kv_array_push(arr, kv_to_dynamic(s));
    kv_release(s);
  }
  return arr;
}
