/* SPDX-License-Identifier: MIT
 * Internal H3 grid core shared by the fn_geo_h3*.c files: IJK lattice
 * arithmetic, the icosahedral gnomonic projection, index <-> face IJK,
 * cell boundaries and neighbour traversal (public H3 specification).
 * Data tables live in fn_geo_h3_data.c. Owner: h3 engineer. */
#ifndef E2K_KQL_FN_GEO_H3_CORE_H
#define E2K_KQL_FN_GEO_H3_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "value/value.h"

enum { H3_FACES = 20, H3_BASE_CELLS = 122, H3_MAX_RES = 15 };

typedef struct h3_ijk {
  int i, j, k;
} h3_ijk;

typedef struct h3_face_ijk {
  int face;
  h3_ijk c;
} h3_face_ijk;

typedef struct h3_face_orient {
  int face;
  h3_ijk translate;
  int ccw_rot60;
} h3_face_orient;

/* ---- data (fn_geo_h3_data.c) ---- */
extern const double kql_h3_face_geo[H3_FACES][3];
extern const signed char kql_h3_base_home[H3_BASE_CELLS][4];
/* quadrant 1 = IJ, 2 = KI, 3 = JK */
h3_face_orient kql_h3_face_neighbor(int face, int quadrant);
/* Quadrant of face `to` seen from face `from` (0 same face, -1 not adjacent). */
int kql_h3_adjacent_quadrant(int from, int to);
bool kql_h3_base_is_pentagon(int bc);
bool kql_h3_base_cw_offset(int bc, int face);
bool kql_h3_face_ijk_base(int face, h3_ijk c, int *bc, int *rot);
bool kql_h3_base_neighbor(int bc, int dir, int *nbc, int *rot);

/* ---- index layout (fn_geo_h3.c) ---- */
bool kql_h3_valid(uint64_t h);
/* Parses a token string argument into a valid cell index. */
bool kql_h3_parse(kv_value v, uint64_t *out);
kv_value kql_h3_token(uint64_t h);

static inline int kql_h3_res(uint64_t h) { return (int)((h >> 52) & 15); }
static inline int kql_h3_base(uint64_t h) { return (int)((h >> 45) & 127); }
static inline int kql_h3_digit(uint64_t h, int r) {
  return (int)((h >> (3 * (H3_MAX_RES - r))) & 7);
}
static inline uint64_t kql_h3_set_digit(uint64_t h, int r, int d) {
  int sh = 3 * (H3_MAX_RES - r);
  return (h & ~((uint64_t)7 << sh)) | ((uint64_t)d << sh);
}

/* ---- IJK lattice helpers (fn_geo_h3_proj.c) ---- */
/* The unit vector of each direction digit 0..6. */
extern const h3_ijk kql_h3_unit[7];
/* Canonical IJK form: no negative component, at least one zero. */
h3_ijk kql_h3_ijk_norm(h3_ijk c);
/* The direction digit of a unit vector (after normalizing), 7 if none. */
int kql_h3_ijk_digit(h3_ijk c);
/* The centre child of IJK c one resolution finer: the aperture-7 scale,
 * rotated ccw (class III) or cw (class II). */
h3_ijk kql_h3_down7(h3_ijk c, bool ccw);
/* Every digit of h rotated 60 degrees ccw (or cw). */
uint64_t kql_h3_rotate(uint64_t h, bool ccw);
/* A ccw rotation on a pentagon base cell, skipping the deleted K digit. */
uint64_t kql_h3_rotate_pent_ccw(uint64_t h);

/* ---- projection and index (fn_geo_h3_proj.c) ---- */
/* Cell containing (lat, lng) in radians at res 0..15. */
uint64_t kql_h3_from_geo(double lat, double lng, int res);
/* Centre of a valid cell, radians. */
void kql_h3_to_geo(uint64_t h, double *lat, double *lng);
/* Boundary vertices of a valid cell (radians, ccw); returns the count (<= 10). */
int kql_h3_boundary(uint64_t h, double lat[10], double lng[10]);
bool kql_h3_is_pentagon(uint64_t h);

/* ---- traversal (fn_geo_h3_grid.c) ---- */
/* Neighbour of h in direction dir (1..6), tracking ccw rotations; false
 * when the move is impossible (deleted pentagon direction). */
bool kql_h3_neighbor_rot(uint64_t h, int dir, int *rotations, uint64_t *out);
/* All cells within k steps of h with their distances; out/dist hold
 * 3k(k+1)+1 entries. Returns the number written. */
int kql_h3_disk(uint64_t h, int k, uint64_t *out, int *dist);

#endif
