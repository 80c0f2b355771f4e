/* SPDX-License-Identifier: MIT
 * H3 icosahedral projection and index math, written from the public H3
 * specification (h3geo.org "Coordinate systems", "Indexing"): gnomonic
 * projection on 20 faces, IJK lattice with aperture-7 steps alternating
 * Class II (cw) and Class III (ccw) orientation, base cell lookup with
 * pentagon deleted-K-subsequence rotations, overage onto neighbouring
 * faces and cell boundaries on the aperture-3 vertex substrate.
 * Owner: h3 engineer. */
#include <float.h>
#include <math.h>

#include "kql/fn_geo_h3_core.h"

#define H3_PI 3.14159265358979323846
#define H3_EPS 1e-16
/* Gnomonic length of a res-0 unit (face centre to neighbouring res-0
 * centre spacing), the ap7 rotation angle asin(sqrt(3/28)), sqrt(7). */
static const double RES0_U = 0.38196601125010500003;
static const double AP7_ROT = 0.333473172251832115336090755351601070065900389;
static const double SQRT7 = 2.6457513110645905905016157536392604257102;
static const double SIN60 = 0.8660254037844386467637231707529361834714;

enum { OV_NONE = 0, OV_EDGE = 1, OV_NEW_FACE = 2 };

const h3_ijk kql_h3_unit[7] = {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1},
                               {1, 0, 0}, {1, 0, 1}, {1, 1, 0}};
#define UNIT kql_h3_unit

static bool class3(int res) { return (res & 1) != 0; }

h3_ijk kql_h3_ijk_norm(h3_ijk c) {
  if (c.i < 0) { c.j -= c.i; c.k -= c.i; c.i = 0; }
  if (c.j < 0) { c.i -= c.j; c.k -= c.j; c.j = 0; }
  if (c.k < 0) { c.i -= c.k; c.j -= c.k; c.k = 0; }
  int m = c.i < c.j ? c.i : c.j;
  if (c.k < m) m = c.k;
  c.i -= m;
  c.j -= m;
  c.k -= m;
  return c;
}
static h3_ijk ijk_add(h3_ijk a, h3_ijk b) {
  h3_ijk c = {a.i + b.i, a.j + b.j, a.k + b.k};
  return c;
}
static h3_ijk ijk_sub(h3_ijk a, h3_ijk b) {
  h3_ijk c = {a.i - b.i, a.j - b.j, a.k - b.k};
  return c;
}
static h3_ijk ijk_scale(h3_ijk a, int s) {
  h3_ijk c = {a.i * s, a.j * s, a.k * s};
  return c;
}
int kql_h3_ijk_digit(h3_ijk c) {
  c = kql_h3_ijk_norm(c);
  for (int d = 0; d < 7; d++)
    if (c.i == UNIT[d].i && c.j == UNIT[d].j && c.k == UNIT[d].k) return d;
  return 7;
}

/* The images of the i, j and k unit vectors under a lattice map. */
typedef struct ijk_map {
  h3_ijk vi, vj, vk;
} ijk_map;
static const ijk_map DOWN7_CCW = {{3, 0, 1}, {1, 3, 0}, {0, 1, 3}};
static const ijk_map DOWN7_CW = {{3, 1, 0}, {0, 3, 1}, {1, 0, 3}};
static const ijk_map DOWN3_CCW = {{2, 0, 1}, {1, 2, 0}, {0, 1, 2}};
static const ijk_map DOWN3_CW = {{2, 1, 0}, {0, 2, 1}, {1, 0, 2}};
static const ijk_map ROT_CCW = {{1, 1, 0}, {0, 1, 1}, {1, 0, 1}};
static const ijk_map ROT_CW = {{1, 0, 1}, {1, 1, 0}, {0, 1, 1}};

static h3_ijk ijk_apply(h3_ijk c, const ijk_map *m) {
  h3_ijk r = ijk_add(ijk_add(ijk_scale(m->vi, c.i), ijk_scale(m->vj, c.j)), ijk_scale(m->vk, c.k));
  return kql_h3_ijk_norm(r);
}

/* Parent lattice point of a child one resolution finer: the inverse of the
 * ap7 maps, rounded to the nearest parent centre. */
static h3_ijk ijk_up7(h3_ijk c, bool ccw) {
  int a = c.i - c.k, b = c.j - c.k;
  h3_ijk p;
  if (ccw) {
    p.i = (int)lround((3 * (double)a - b) / 7.0);
    p.j = (int)lround(((double)a + 2 * (double)b) / 7.0);
  } else {
    p.i = (int)lround((2 * (double)a + b) / 7.0);
    p.j = (int)lround((3 * (double)b - a) / 7.0);
  }
  p.k = 0;
  return kql_h3_ijk_norm(p);
}

h3_ijk kql_h3_down7(h3_ijk c, bool ccw) { return ijk_apply(c, ccw ? &DOWN7_CCW : &DOWN7_CW); }

static void ijk_to_hex2d(h3_ijk c, double *x, double *y) {
  int a = c.i - c.k, b = c.j - c.k;
  *x = a - 0.5 * b;
  *y = b * SIN60;
}

/* Nearest lattice point to (x, y): standard cube rounding in axial
 * coordinates whose basis is the i axis and the i+j direction (60 degrees
 * apart), then back to ijk. */
static h3_ijk hex2d_to_ijk(double x, double y) {
  double b = y / SIN60, a = x + 0.5 * b;
  double q = a - b, r = b, s = -q - r;
  double rq = round(q), rr = round(r), rs = round(s);
  double dq = fabs(rq - q), dr = fabs(rr - r), ds = fabs(rs - s);
  if (dq > dr && dq > ds) rq = -rr - rs;
  else if (dr > ds) rr = -rq - rs;
  h3_ijk c = {(int)(rq + rr), (int)rr, 0};
  return kql_h3_ijk_norm(c);
}

static double pos_angle(double a) {
  double t = a < 0 ? a + 2 * H3_PI : a;
  if (t >= 2 * H3_PI) t -= 2 * H3_PI;
  return t;
}

static double azimuth(double lat1, double lng1, double lat2, double lng2) {
  return atan2(cos(lat2) * sin(lng2 - lng1),
               cos(lat1) * sin(lat2) - sin(lat1) * cos(lat2) * cos(lng2 - lng1));
}

static double wrap_lng(double lng) {
  while (lng > H3_PI) lng -= 2 * H3_PI;
  while (lng < -H3_PI) lng += 2 * H3_PI;
  return lng;
}

/* Point at angular distance d along azimuth az from (lat1, lng1). */
static void az_distance(double lat1, double lng1, double az, double d, double *lat, double *lng) {
  if (d < H3_EPS) {
    *lat = lat1;
    *lng = lng1;
    return;
  }
  az = pos_angle(az);
  double s = sin(lat1) * cos(d) + cos(lat1) * sin(d) * cos(az);
  if (s > 1) s = 1;
  if (s < -1) s = -1;
  double lat2 = asin(s);
  if (fabs(lat2 - H3_PI / 2) < H3_EPS || fabs(lat2 + H3_PI / 2) < H3_EPS) {
    *lat = lat2 > 0 ? H3_PI / 2 : -H3_PI / 2;
    *lng = 0;
    return;
  }
  double sl = sin(az) * sin(d) / cos(lat2);
  double cl = (cos(d) - sin(lat1) * sin(lat2)) / cos(lat1) / cos(lat2);
  if (sl > 1) sl = 1;
  if (sl < -1) sl = -1;
  if (cl > 1) cl = 1;
  if (cl < -1) cl = -1;
  *lat = lat2;
  *lng = wrap_lng(lng1 + atan2(sl, cl));
}

static void geo_xyz(double lat, double lng, double v[3]) {
  v[0] = cos(lat) * cos(lng);
  v[1] = cos(lat) * sin(lng);
  v[2] = sin(lat);
}

/* Face whose centre is nearest and the hex2d position on it at res. */
static int geo_to_hex2d(double lat, double lng, int res, double *x, double *y) {
  double p[3];
  geo_xyz(lat, lng, p);
  int face = 0;
  double best = 5;
  for (int f = 0; f < H3_FACES; f++) {
    double c[3];
    geo_xyz(kql_h3_face_geo[f][0], kql_h3_face_geo[f][1], c);
    double d = (c[0] - p[0]) * (c[0] - p[0]) + (c[1] - p[1]) * (c[1] - p[1]) +
               (c[2] - p[2]) * (c[2] - p[2]);
    if (d < best) {
      best = d;
      face = f;
    }
  }
  double r = acos(1 - best / 2);
  if (r < H3_EPS) {
    *x = *y = 0;
    return face;
  }
  const double *fc = kql_h3_face_geo[face];
  double theta = pos_angle(fc[2] - pos_angle(azimuth(fc[0], fc[1], lat, lng)));
  if (class3(res)) theta = pos_angle(theta - AP7_ROT);
  r = tan(r) / RES0_U;
  for (int i = 0; i < res; i++) r *= SQRT7;
  *x = r * cos(theta);
  *y = r * sin(theta);
  return face;
}

/* substrate: (x, y) is on the aperture-3 vertex grid of a Class II res. */
static void hex2d_to_geo(double x, double y, int face, int res, bool substrate, double *lat,
                         double *lng) {
  const double *fc = kql_h3_face_geo[face];
  double r = sqrt(x * x + y * y);
  if (r < H3_EPS) {
    *lat = fc[0];
    *lng = fc[1];
    return;
  }
  double theta = atan2(y, x);
  for (int i = 0; i < res; i++) r /= SQRT7;
  if (substrate) {
    r /= 3.0;
    if (class3(res)) r /= SQRT7;
  }
  r = atan(r * RES0_U);
  if (!substrate && class3(res)) theta = pos_angle(theta + AP7_ROT);
  theta = pos_angle(fc[2] - theta);
  az_distance(fc[0], fc[1], theta, r, lat, lng);
}

/* ---- index digits ---- */

static const int ROT_DIGIT_CCW[8] = {0, 5, 3, 1, 6, 4, 2, 7};
static const int ROT_DIGIT_CW[8] = {0, 3, 6, 2, 5, 1, 4, 7};

static int leading_digit(uint64_t h) {
  int res = kql_h3_res(h);
  for (int r = 1; r <= res; r++) {
    int d = kql_h3_digit(h, r);
    if (d != 0) return d;
  }
  return 0;
}

uint64_t kql_h3_rotate(uint64_t h, bool ccw) {
  int res = kql_h3_res(h);
  for (int r = 1; r <= res; r++)
    h = kql_h3_set_digit(h, r, (ccw ? ROT_DIGIT_CCW : ROT_DIGIT_CW)[kql_h3_digit(h, r)]);
  return h;
}

/* Ccw rotation of a pentagon-based index: the deleted K subsequence is
 * skipped by rotating once more when the leading digit lands on it. */
uint64_t kql_h3_rotate_pent_ccw(uint64_t h) {
  int res = kql_h3_res(h);
  bool found = false;
  for (int r = 1; r <= res; r++) {
    h = kql_h3_set_digit(h, r, ROT_DIGIT_CCW[kql_h3_digit(h, r)]);
    if (!found && kql_h3_digit(h, r) != 0) {
      found = true;
      if (leading_digit(h) == 1) h = kql_h3_rotate(h, true);
    }
  }
  return h;
}

bool kql_h3_is_pentagon(uint64_t h) {
  return kql_h3_base_is_pentagon(kql_h3_base(h)) && leading_digit(h) == 0;
}

uint64_t kql_h3_from_geo(double lat, double lng, int res) {
  if (res < 0 || res > H3_MAX_RES || !isfinite(lat) || !isfinite(lng)) return 0;
  double x, y;
  int face = geo_to_hex2d(lat, lng, res, &x, &y);
  h3_ijk c = hex2d_to_ijk(x, y);
  uint64_t h = ((uint64_t)1 << 59) | ((uint64_t)res << 52) | (((uint64_t)1 << 45) - 1);
  for (int r = res - 1; r >= 0; r--) {
    h3_ijk last = c;
    bool ccw = class3(r + 1);
    c = ijk_up7(c, ccw);
    h3_ijk center = kql_h3_down7(c, ccw);
    int d = kql_h3_ijk_digit(ijk_sub(last, center));
    if (d > 6) return 0;
    h = kql_h3_set_digit(h, r + 1, d);
  }
  int bc, rot;
  if (!kql_h3_face_ijk_base(face, c, &bc, &rot)) return 0;
  h |= (uint64_t)bc << 45;
  if (kql_h3_base_is_pentagon(bc)) {
    if (leading_digit(h) == 1) h = kql_h3_rotate(h, !kql_h3_base_cw_offset(bc, face));
    for (int i = 0; i < rot; i++) h = kql_h3_rotate_pent_ccw(h);
  } else {
    for (int i = 0; i < rot; i++) h = kql_h3_rotate(h, true);
  }
  return h;
}

/* ---- face IJK of an index ---- */

static int max_dim(int res, bool substrate) {
  int m = 2;
  for (int r = 0; r < res / 2; r++) m *= 7;
  return substrate ? 3 * m : m;
}
static int unit_scale(int res, bool substrate) {
  int m = 1;
  for (int r = 0; r < res / 2; r++) m *= 7;
  return substrate ? 3 * m : m;
}

/* Moves a Class II coordinate that lies past its face's edge onto the
 * neighbouring face. */
static int adjust_overage(h3_face_ijk *f, int res, bool pent_leading4, bool substrate) {
  int md = max_dim(res, substrate);
  h3_ijk c = f->c;
  int sum = c.i + c.j + c.k;
  if (substrate && sum == md) return OV_EDGE;
  if (sum <= md) return OV_NONE;
  h3_face_orient o;
  if (c.k > 0) {
    if (c.j > 0) {
      o = kql_h3_face_neighbor(f->face, 3);
    } else {
      o = kql_h3_face_neighbor(f->face, 2);
      if (pent_leading4) {
        h3_ijk origin = {md, 0, 0};
        c = ijk_add(ijk_apply(ijk_sub(c, origin), &ROT_CW), origin);
      }
    }
  } else {
    o = kql_h3_face_neighbor(f->face, 1);
  }
  f->face = o.face;
  for (int i = 0; i < o.ccw_rot60; i++) c = ijk_apply(c, &ROT_CCW);
  c = kql_h3_ijk_norm(ijk_add(c, ijk_scale(o.translate, unit_scale(res, substrate))));
  f->c = c;
  if (substrate && c.i + c.j + c.k == md) return OV_EDGE;
  return OV_NEW_FACE;
}

static void to_face_ijk(uint64_t h, h3_face_ijk *f) {
  int bc = kql_h3_base(h), res = kql_h3_res(h);
  bool pent = kql_h3_base_is_pentagon(bc);
  if (pent && leading_digit(h) == 5) h = kql_h3_rotate(h, false);
  f->face = kql_h3_base_home[bc][0];
  h3_ijk c = {kql_h3_base_home[bc][1], kql_h3_base_home[bc][2], kql_h3_base_home[bc][3]};
  bool overage = pent || (res > 0 && (c.i || c.j || c.k));
  for (int r = 1; r <= res; r++) c = kql_h3_ijk_norm(ijk_add(kql_h3_down7(c, class3(r)), UNIT[kql_h3_digit(h, r)]));
  f->c = c;
  if (!overage) return;
  h3_ijk orig = c;
  int adj = res;
  if (class3(res)) {
    f->c = kql_h3_down7(f->c, false);
    adj++;
  }
  bool lead4 = pent && leading_digit(h) == 4;
  if (adjust_overage(f, adj, lead4, false) != OV_NONE) {
    if (pent)
      for (int guard = 0; guard < 5 && adjust_overage(f, adj, false, false) != OV_NONE; guard++) {
      }
    if (adj != res) f->c = ijk_up7(f->c, false);
  } else if (adj != res) {
    f->c = orig;
  }
}

void kql_h3_to_geo(uint64_t h, double *lat, double *lng) {
  h3_face_ijk f;
  to_face_ijk(h, &f);
  double x, y;
  ijk_to_hex2d(f.c, &x, &y);
  hex2d_to_geo(x, y, f.face, kql_h3_res(h), false, lat, lng);
}

/* ---- boundary ---- */

/* Cell vertices on the aperture-3 substrate of the Class II resolution
 * (res is bumped for Class III cells). */
static void face_ijk_verts(h3_face_ijk f, int *res, h3_face_ijk verts[6]) {
  static const h3_ijk V2[6] = {{2, 1, 0}, {1, 2, 0}, {0, 2, 1}, {0, 1, 2}, {1, 0, 2}, {2, 0, 1}};
  static const h3_ijk V3[6] = {{5, 4, 0}, {1, 5, 0}, {0, 5, 4}, {0, 1, 5}, {4, 0, 5}, {5, 0, 1}};
  const h3_ijk *v = class3(*res) ? V3 : V2;
  h3_ijk c = ijk_apply(ijk_apply(f.c, &DOWN3_CCW), &DOWN3_CW);
  if (class3(*res)) {
    c = kql_h3_down7(c, false);
    (*res)++;
  }
  for (int k = 0; k < 6; k++) {
    verts[k].face = f.face;
    verts[k].c = kql_h3_ijk_norm(ijk_add(c, v[k]));
  }
}

static bool near_eq(double ax, double ay, double bx, double by) {
  return fabs(ax - bx) < FLT_EPSILON && fabs(ay - by) < FLT_EPSILON;
}

/* Where segment p0-p1 crosses the face edge between corners e0 and e1. */
static bool intersect(const double p0[2], const double p1[2], const double e0[2],
                      const double e1[2], double out[2]) {
  double s1x = p1[0] - p0[0], s1y = p1[1] - p0[1];
  double s2x = e1[0] - e0[0], s2y = e1[1] - e0[1];
  double den = -s2x * s1y + s1x * s2y;
  if (den == 0) return false;
  double t = (s2x * (p0[1] - e0[1]) - s2y * (p0[0] - e0[0])) / den;
  out[0] = p0[0] + t * s1x;
  out[1] = p0[1] + t * s1y;
  return true;
}

/* Face edge corners (substrate hex2d) for the edge towards quadrant q. */
static void face_edge(int res, int q, double e0[2], double e1[2]) {
  double m = max_dim(res, false);
  double v[3][2] = {{3 * m, 0}, {-1.5 * m, 3 * SIN60 * m}, {-1.5 * m, -3 * SIN60 * m}};
  int a = q == 1 ? 0 : q == 3 ? 1 : 2, b = q == 1 ? 1 : q == 3 ? 2 : 0;
  e0[0] = v[a][0];
  e0[1] = v[a][1];
  e1[0] = v[b][0];
  e1[1] = v[b][1];
}

static int hex_boundary(h3_face_ijk center, int res, double *lat, double *lng) {
  int adj = res, n = 0;
  h3_face_ijk verts[6];
  face_ijk_verts(center, &adj, verts);
  int last_face = -1, last_ov = OV_NONE;
  for (int vert = 0; vert < 7; vert++) {
    int v = vert % 6;
    h3_face_ijk f = verts[v];
    int ov = adjust_overage(&f, adj, false, true);
    if (class3(res) && vert > 0 && f.face != last_face && last_ov != OV_EDGE) {
      double p0[2], p1[2], e0[2], e1[2], in[2];
      ijk_to_hex2d(verts[(v + 5) % 6].c, &p0[0], &p0[1]);
      ijk_to_hex2d(verts[v].c, &p1[0], &p1[1]);
      int face2 = last_face == center.face ? f.face : last_face;
      face_edge(adj, kql_h3_adjacent_quadrant(center.face, face2), e0, e1);
      if (intersect(p0, p1, e0, e1, in) && !near_eq(p0[0], p0[1], in[0], in[1]) &&
          !near_eq(p1[0], p1[1], in[0], in[1]) && n < 10) {
        hex2d_to_geo(in[0], in[1], center.face, adj, true, &lat[n], &lng[n]);
        n++;
      }
    }
    if (vert < 6 && n < 10) {
      double x, y;
      ijk_to_hex2d(f.c, &x, &y);
      hex2d_to_geo(x, y, f.face, adj, true, &lat[n], &lng[n]);
      n++;
    }
    last_face = f.face;
    last_ov = ov;
  }
  return n;
}

static int pent_boundary(h3_face_ijk center, int res, double *lat, double *lng) {
  int adj = res, n = 0;
  h3_face_ijk verts[6];
  face_ijk_verts(center, &adj, verts);
  h3_face_ijk last = verts[0];
  for (int vert = 0; vert < 6; vert++) {
    int v = vert % 5;
    h3_face_ijk f = verts[v];
    for (int guard = 0; guard < 5 && adjust_overage(&f, adj, false, true) == OV_NEW_FACE; guard++) {
    }
    if (class3(res) && vert > 0) {
      int q = kql_h3_adjacent_quadrant(f.face, last.face);
      if (q >= 0) {
        h3_face_orient o = q == 0 ? (h3_face_orient){f.face, {0, 0, 0}, 0}
                                  : kql_h3_face_neighbor(f.face, q);
        h3_ijk c = f.c;
        for (int i = 0; i < o.ccw_rot60; i++) c = ijk_apply(c, &ROT_CCW);
        c = kql_h3_ijk_norm(ijk_add(c, ijk_scale(o.translate, unit_scale(adj, true))));
        double p0[2], p1[2], e0[2], e1[2], in[2];
        ijk_to_hex2d(last.c, &p0[0], &p0[1]);
        ijk_to_hex2d(c, &p1[0], &p1[1]);
        face_edge(adj, kql_h3_adjacent_quadrant(o.face, f.face), e0, e1);
        if (intersect(p0, p1, e0, e1, in) && n < 10) {
          hex2d_to_geo(in[0], in[1], o.face, adj, true, &lat[n], &lng[n]);
          n++;
        }
      }
    }
    if (vert < 5 && n < 10) {
      double x, y;
      ijk_to_hex2d(f.c, &x, &y);
      hex2d_to_geo(x, y, f.face, adj, true, &lat[n], &lng[n]);
      n++;
    }
    last = f;
  }
  return n;
}

int kql_h3_boundary(uint64_t h, double lat[10], double lng[10]) {
  h3_face_ijk f;
  to_face_ijk(h, &f);
  if (kql_h3_is_pentagon(h)) return pent_boundary(f, kql_h3_res(h), lat, lng);
  return hex_boundary(f, kql_h3_res(h), lat, lng);
}
