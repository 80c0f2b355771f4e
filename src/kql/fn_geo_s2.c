/* SPDX-License-Identifier: MIT
 * S2 cell functions: geo_point_to_s2cell, geo_s2cell_to_central_point,
 * geo_s2cell_to_polygon, geo_s2cell_neighbors. Written from the public S2
 * geometry description: cube faces, quadratic (u,v)->(s,t) projection,
 * 30-level Hilbert curve per face, tokens = hex cell id without trailing
 * zeros. Levels 0..30, default 11. Expected values: emulator:geo-s2cell-*,
 * geo-point-to-s2cell-function-*. Owner: geo engineer. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_ops.h"
#include "kql/fn_lib.h"

enum { S2_MAX_LEVEL = 30 };
#define S2_MAX_SIZE (1 << S2_MAX_LEVEL)

/* Hilbert curve tables: orientation bits are swap (1) and invert (2). */
static const int s2_ij_to_pos[4][4] = {{0, 1, 3, 2}, {0, 3, 1, 2}, {2, 3, 1, 0}, {2, 1, 3, 0}};
static const int s2_pos_to_ij[4][4] = {{0, 1, 3, 2}, {0, 2, 3, 1}, {3, 2, 0, 1}, {3, 1, 0, 2}};
static const int s2_pos_to_orient[4] = {1, 0, 0, 3};

static double s2_uv_to_st(double u) {
  return u >= 0 ? 0.5 * sqrt(1 + 3 * u) : 1 - 0.5 * sqrt(1 - 3 * u);
}
static double s2_st_to_uv(double s) {
  return s >= 0.5 ? (1.0 / 3.0) * (4 * s * s - 1) : (1.0 / 3.0) * (1 - 4 * (1 - s) * (1 - s));
}

static int s2_xyz_to_face_uv(const double p[3], double *u, double *v) {
  int face = 0;
  double ax = fabs(p[0]), ay = fabs(p[1]), az = fabs(p[2]);
  if (ay > ax) face = 1;
  if (az > (face == 1 ? ay : ax)) face = 2;
  if (p[face] < 0) face += 3;
  switch (face) {
  case 0: *u = p[1] / p[0]; *v = p[2] / p[0]; break;
  case 1: *u = -p[0] / p[1]; *v = p[2] / p[1]; break;
  case 2: *u = -p[0] / p[2]; *v = -p[1] / p[2]; break;
  case 3: *u = p[2] / p[0]; *v = p[1] / p[0]; break;
  case 4: *u = p[2] / p[1]; *v = -p[0] / p[1]; break;
  default: *u = -p[1] / p[2]; *v = -p[0] / p[2]; break;
  }
  return face;
}

static void s2_face_uv_to_xyz(int face, double u, double v, double p[3]) {
  switch (face) {
  case 0: p[0] = 1; p[1] = u; p[2] = v; break;
  case 1: p[0] = -u; p[1] = 1; p[2] = v; break;
  case 2: p[0] = -u; p[1] = -v; p[2] = 1; break;
  case 3: p[0] = -1; p[1] = -v; p[2] = -u; break;
  case 4: p[0] = v; p[1] = -1; p[2] = -u; break;
  default: p[0] = v; p[1] = u; p[2] = -1; break;
  }
}

static int64_t s2_st_to_ij(double s) {
  double f = floor(s * S2_MAX_SIZE);
  if (f < 0) return 0;
  if (f > S2_MAX_SIZE - 1) return S2_MAX_SIZE - 1;
  return (int64_t)f;
}

static uint64_t s2_from_face_ij(int face, int64_t i, int64_t j) {
  uint64_t id = (uint64_t)face << 61;
  int orient = face & 1;
  for (int k = S2_MAX_LEVEL - 1; k >= 0; k--) {
    int ij = (int)((((i >> k) & 1) << 1) | ((j >> k) & 1));
    int pos = s2_ij_to_pos[orient][ij];
    id |= (uint64_t)pos << (2 * k + 1);
    orient ^= s2_pos_to_orient[pos];
  }
  return id | 1;
}

static uint64_t s2_lsb_for_level(int level) { return (uint64_t)1 << (2 * (S2_MAX_LEVEL - level)); }

static uint64_t s2_parent(uint64_t id, int level) {
  uint64_t lsb = s2_lsb_for_level(level);
  return (id & (~lsb + 1)) | lsb;
}

static int s2_level(uint64_t id) {
  int z = 0;
  while (!((id >> z) & 1)) z++;
  return S2_MAX_LEVEL - z / 2;
}

/* Face, leaf (i, j) of the cell's lower-left corner, level. */
static int s2_to_face_ij(uint64_t id, int64_t *i, int64_t *j) {
  int face = (int)(id >> 61);
  int orient = face & 1;
  int64_t ii = 0, jj = 0;
  for (int k = S2_MAX_LEVEL - 1; k >= 0; k--) {
    int pos = (int)((id >> (2 * k + 1)) & 3);
    int ij = s2_pos_to_ij[orient][pos];
    ii |= (int64_t)(ij >> 1) << k;
    jj |= (int64_t)(ij & 1) << k;
    orient ^= s2_pos_to_orient[pos];
  }
  int64_t size = (int64_t)1 << (S2_MAX_LEVEL - s2_level(id));
  *i = ii & ~(size - 1);
  *j = jj & ~(size - 1);
  return face;
}

static bool s2_valid(uint64_t id) {
  return (id >> 61) < 6 && (id & (~id + 1) & UINT64_C(0x1555555555555555)) != 0;
}

static bool s2_parse_token(kv_value v, uint64_t *id) {
  if (kv_scalar_type(v) != KV_STRING) return false;
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t len;
  const char *s = kql_arg_str(v, &tmp, &len);
  bool ok = len >= 1 && len <= 16;
  uint64_t x = 0;
  for (size_t k = 0; ok && k < 16; k++) {
    int d = 0;
    if (k < len) {
      char c = s[k];
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else ok = false;
    }
    x = (x << 4) | (uint64_t)d;
  }
  kv_buf_free(&tmp);
  *id = x;
  return ok && s2_valid(x);
}

static kv_value s2_token_value(uint64_t id) {
  char buf[17];
  int n = 16;
  static const char hex[] = "0123456789abcdef";
  for (int k = 0; k < 16; k++) buf[k] = hex[(id >> (60 - 4 * k)) & 15];
  while (n > 1 && buf[n - 1] == '0') n--;
  buf[n] = '\0';
  return kv_cstring(buf);
}

static void s2_xyz_to_lnglat(const double p[3], double *lng, double *lat) {
  *lat = atan2(p[2], sqrt(p[0] * p[0] + p[1] * p[1])) * (180.0 / KQL_GEO_PI);
  *lng = atan2(p[1], p[0]) * (180.0 / KQL_GEO_PI);
}

/* (lng, lat) of the cell point at leaf-scaled (si, ti) = 2 * ij coordinates. */
static void s2_si_ti_lnglat(int face, int64_t si, int64_t ti, double *lng, double *lat) {
  double p[3];
  double s = (double)si / (2.0 * S2_MAX_SIZE), t = (double)ti / (2.0 * S2_MAX_SIZE);
  s2_face_uv_to_xyz(face, s2_st_to_uv(s), s2_st_to_uv(t), p);
  s2_xyz_to_lnglat(p, lng, lat);
}

kv_value kql_fn_geo_point_to_s2cell(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  double lng, lat;
  int64_t level = 11;
  if (argc > 2 && !kql_arg_long(args[2], &level)) return kv_null(KV_STRING);
  if (level < 0 || level > S2_MAX_LEVEL || !kql_geo_arg_point(args, &lng, &lat))
    return kv_null(KV_STRING);
  const double r = KQL_GEO_PI / 180.0;
  double p[3] = {cos(lat * r) * cos(lng * r), cos(lat * r) * sin(lng * r), sin(lat * r)};
  double u, v;
  int face = s2_xyz_to_face_uv(p, &u, &v);
  uint64_t id = s2_from_face_ij(face, s2_st_to_ij(s2_uv_to_st(u)), s2_st_to_ij(s2_uv_to_st(v)));
  return s2_token_value(s2_parent(id, (int)level));
}

kv_value kql_fn_geo_s2cell_to_central_point(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  uint64_t id;
  if (!s2_parse_token(args[0], &id)) return kv_dyn_null();
  int64_t i, j, size = (int64_t)1 << (S2_MAX_LEVEL - s2_level(id));
  int face = s2_to_face_ij(id, &i, &j);
  double lng, lat;
  s2_si_ti_lnglat(face, 2 * i + size, 2 * j + size, &lng, &lat);
  return kql_geo_point_value(lng, lat);
}

kv_value kql_fn_geo_s2cell_to_polygon(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  uint64_t id;
  if (!s2_parse_token(args[0], &id)) return kv_dyn_null();
  int64_t i, j, size = (int64_t)1 << (S2_MAX_LEVEL - s2_level(id));
  int face = s2_to_face_ij(id, &i, &j);
  /* S2 vertex order (u0,v0) (u1,v0) (u1,v1) (u0,v1); see s2_ring_start. */
  static const int corner[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
  double ring[8];
  for (int k = 0; k < 4; k++) {
    s2_si_ti_lnglat(face, 2 * (i + corner[k][0] * size), 2 * (j + corner[k][1] * size),
                    &ring[2 * k], &ring[2 * k + 1]);
  }
  return kql_geo_polygon_value(ring, 4);
}

/* Leaf cell id containing leaf coordinates (i, j) that may lie just off the
 * face: projected onto the adjacent face as S2 does. */
static uint64_t s2_from_face_ij_wrap(int face, int64_t i, int64_t j) {
  if (i >= 0 && j >= 0 && i < S2_MAX_SIZE && j < S2_MAX_SIZE) return s2_from_face_ij(face, i, j);
  if (i < -1) i = -1;
  if (j < -1) j = -1;
  if (i > S2_MAX_SIZE) i = S2_MAX_SIZE;
  if (j > S2_MAX_SIZE) j = S2_MAX_SIZE;
  const double scale = 1.0 / S2_MAX_SIZE, limit = 1.0 + 2.220446049250313e-16;
  double u = scale * (double)(2 * (i - S2_MAX_SIZE / 2) + 1);
  double v = scale * (double)(2 * (j - S2_MAX_SIZE / 2) + 1);
  u = u < -limit ? -limit : u > limit ? limit : u;
  v = v < -limit ? -limit : v > limit ? limit : v;
  double p[3];
  s2_face_uv_to_xyz(face, u, v, p);
  face = s2_xyz_to_face_uv(p, &u, &v);
  return s2_from_face_ij(face, s2_st_to_ij(0.5 * (u + 1)), s2_st_to_ij(0.5 * (v + 1)));
}

kv_value kql_fn_geo_s2cell_neighbors(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  uint64_t id;
  if (!s2_parse_token(args[0], &id)) return kv_dyn_null();
  int level = s2_level(id);
  int64_t i, j, size = (int64_t)1 << (S2_MAX_LEVEL - level);
  int face = s2_to_face_ij(id, &i, &j);
  /* Order fitted to emulator:geo-s2cell-neighbors-function-00. */
  static const int dir[8][2] = {{1, 1}, {1, 0}, {-1, 0}, {0, -1}, {-1, 1}, {1, -1}, {0, 1}, {-1, -1}};
  kv_value arr = kv_dyn_array();
  uint64_t seen[8];
  int nseen = 0;
  for (int k = 0; k < 8; k++) {
    uint64_t n = s2_parent(s2_from_face_ij_wrap(face, i + dir[k][0] * size, j + dir[k][1] * size),
                           level);
    bool dup = n == id;
    for (int m = 0; m < nseen; m++) dup = dup || seen[m] == n;
    if (dup) continue;
    seen[nseen++] = n;
    kv_value s = s2_token_value(n);
    kv_array_push(arr, kv_to_dynamic(s));
    kv_release(s);
  }
  return arr;
}

/* ---- exported for coverings (fn_geo_cover.c, owner geoops) ---- */
uint64_t kql_s2_cell_of(geo_v3 p, int level) {
  double q[3] = {p.x, p.y, p.z}, u, v;
  int face = s2_xyz_to_face_uv(q, &u, &v);
  uint64_t id = s2_from_face_ij(face, s2_st_to_ij(s2_uv_to_st(u)), s2_st_to_ij(s2_uv_to_st(v)));
  return s2_parent(id, level);
}

void kql_s2_cell_vertices(uint64_t id, geo_v3 out[4]) {
  int64_t i, j, size = (int64_t)1 << (S2_MAX_LEVEL - s2_level(id));
  int face = s2_to_face_ij(id, &i, &j);
  static const int corner[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
  for (int k = 0; k < 4; k++) {
    double s = (double)(i + corner[k][0] * size) / S2_MAX_SIZE;
    double t = (double)(j + corner[k][1] * size) / S2_MAX_SIZE;
    double q[3];
    s2_face_uv_to_xyz(face, s2_st_to_uv(s), s2_st_to_uv(t), q);
    double l = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
    out[k].x = q[0] / l;
    out[k].y = q[1] / l;
    out[k].z = q[2] / l;
  }
}

kv_value kql_s2_token(uint64_t id) { return s2_token_value(id); }
