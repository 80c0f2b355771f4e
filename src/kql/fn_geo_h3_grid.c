/* SPDX-License-Identifier: MIT
 * H3 neighbour traversal from the public H3 specification: a step in a
 * direction digit rewrites the index digits from the finest resolution up,
 * carrying into the parent when the step leaves the parent's 7 children,
 * and crosses base cells with the base-cell neighbour table, including the
 * pentagon deleted-K adjustments. Disks follow H3's ring walk (and its
 * hash-ordered fallback near pentagons) so outputs keep the engine's order.
 * Owner: h3 engineer. */
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo_h3_core.h"

static const int ROT_DIGIT_CCW[8] = {0, 5, 3, 1, 6, 4, 2, 7};
#define UNIT kql_h3_unit

/* Moving from child digit d by direction dir: the new child digit and the
 * direction (0 = none) the parent must move. Derived from the lattice: the
 * child's offset d+dir is split into a parent step a (scaled down by the
 * ap7 map of the child's class) plus a child digit. */
static void digit_step(int d, int dir, bool ccw, int *nd, int *carry) {
  h3_ijk s = {UNIT[d].i + UNIT[dir].i, UNIT[d].j + UNIT[dir].j, UNIT[d].k + UNIT[dir].k};
  for (int a = 0; a < 7; a++) {
    h3_ijk p = kql_h3_down7(UNIT[a], ccw);
    int e = kql_h3_ijk_digit((h3_ijk){s.i - p.i, s.j - p.j, s.k - p.k});
    if (e < 7) {
      *nd = e;
      *carry = a;
      return;
    }
  }
  *nd = d;
  *carry = 0;
}

static int leading(uint64_t h) {
  int res = kql_h3_res(h);
  for (int r = 1; r <= res; r++) {
    int d = kql_h3_digit(h, r);
    if (d) return d;
  }
  return 0;
}

bool kql_h3_neighbor_rot(uint64_t origin, int dir, int *rotations, uint64_t *out) {
  if (dir < 0 || dir > 6) return false;
  uint64_t cur = origin;
  for (int i = 0; i < *rotations % 6; i++) dir = ROT_DIGIT_CCW[dir];
  int new_rot = 0, old_bc = kql_h3_base(cur), old_lead = leading(cur);
  int res = kql_h3_res(cur);
  for (int r = res - 1;; r--) {
    if (r == -1) {
      int nbc, rot;
      if (kql_h3_base_neighbor(old_bc, dir, &nbc, &rot)) {
        new_rot = rot;
      } else {
        /* The deleted K direction of a pentagon: the edge borders the IK
         * neighbour instead. */
        if (!kql_h3_base_neighbor(old_bc, 5, &nbc, &rot)) return false;
        new_rot = rot;
        cur = kql_h3_rotate(cur, true);
        (*rotations)++;
      }
      cur = (cur & ~((uint64_t)127 << 45)) | ((uint64_t)nbc << 45);
      break;
    }
    int od = kql_h3_digit(cur, r + 1);
    if (od > 6) return false;
    int nd, carry;
    digit_step(od, dir, (r + 1) & 1, &nd, &carry);
    cur = kql_h3_set_digit(cur, r + 1, nd);
    if (carry == 0) break;
    dir = carry;
  }
  int new_bc = kql_h3_base(cur);
  if (kql_h3_base_is_pentagon(new_bc)) {
    bool adjusted = false;
    if (leading(cur) == 1) {
      if (old_bc != new_bc) {
        cur = kql_h3_rotate(cur, !kql_h3_base_cw_offset(new_bc, kql_h3_base_home[old_bc][0]));
        adjusted = true;
      } else if (old_lead == 3) {
        cur = kql_h3_rotate(cur, true);
        (*rotations)++;
      } else if (old_lead == 5) {
        cur = kql_h3_rotate(cur, false);
        *rotations += 5;
      } else {
        return false;
      }
    }
    for (int i = 0; i < new_rot; i++) cur = kql_h3_rotate_pent_ccw(cur);
    if (old_bc != new_bc) {
      if (new_bc == 4 || new_bc == 117) {
        /* polar pentagons: every neighbour is oriented towards them */
        if (old_bc != 118 && old_bc != 8 && leading(cur) != 3) (*rotations)++;
      } else if (leading(cur) == 5 && !adjusted) {
        (*rotations)++;
      }
    }
  } else {
    for (int i = 0; i < new_rot; i++) cur = kql_h3_rotate(cur, true);
  }
  *rotations = (*rotations + new_rot) % 6;
  *out = cur;
  return true;
}

/* Ring walk order: J, JK, K, IK, I, IJ; each ring starts one step along I. */
static const int WALK[6] = {2, 3, 1, 5, 4, 6};

static bool disk_walk(uint64_t origin, int k, uint64_t *out, int *dist, int *n) {
  int idx = 0, rotations = 0;
  out[idx] = origin;
  dist[idx++] = 0;
  if (kql_h3_is_pentagon(origin)) return false;
  for (int ring = 1; ring <= k; ring++) {
    if (!kql_h3_neighbor_rot(origin, 4, &rotations, &origin)) return false;
    if (kql_h3_is_pentagon(origin)) return false;
    for (int side = 0; side < 6; side++) {
      for (int pos = 0; pos < ring; pos++) {
        if (!kql_h3_neighbor_rot(origin, WALK[side], &rotations, &origin)) return false;
        out[idx] = origin;
        dist[idx++] = ring;
        if (kql_h3_is_pentagon(origin)) return false;
      }
    }
  }
  *n = idx;
  return true;
}

/* Near pentagons: breadth-first search storing cells in an open-addressed
 * table keyed by index % size, read out in slot order (the layout of H3's
 * hash-set fallback; BFS keeps the work linear in the disk size). */
static int disk_search(uint64_t origin, int k, uint64_t *out, int *dist, size_t cap) {
  memset(out, 0, cap * sizeof *out);
  for (size_t s = 0; s < cap; s++) dist[s] = 0;
  uint64_t *queue = malloc(cap * sizeof *queue);
  int *qd = malloc(cap * sizeof *qd);
  if (!queue || !qd) {
    free(queue);
    free(qd);
    return -1;
  }
  size_t head = 0, tail = 0;
  out[origin % cap] = origin;
  queue[tail] = origin;
  qd[tail++] = 0;
  while (head < tail) {
    uint64_t h = queue[head];
    int d = qd[head++];
    if (d >= k) continue;
    for (int i = 0; i < 6; i++) {
      int rotations = 0;
      uint64_t nb;
      if (!kql_h3_neighbor_rot(h, WALK[i], &rotations, &nb)) continue;
      size_t off = (size_t)(nb % cap), probes = 0;
      while (out[off] != 0 && out[off] != nb && probes++ < cap) off = (off + 1) % cap;
      if (out[off] != 0 || tail >= cap) continue;
      out[off] = nb;
      dist[off] = d + 1;
      queue[tail] = nb;
      qd[tail++] = d + 1;
    }
  }
  free(queue);
  free(qd);
  int n = 0;
  for (size_t s = 0; s < cap; s++) {
    if (out[s] == 0) continue;
    out[n] = out[s];
    dist[n] = dist[s];
    n++;
  }
  return n;
}

int kql_h3_disk(uint64_t h, int k, uint64_t *out, int *dist) {
  if (k < 0) return -1;
  size_t cap = 3 * (size_t)k * ((size_t)k + 1) + 1;
  int n = 0;
  if (disk_walk(h, k, out, dist, &n)) return n;
  return disk_search(h, k, out, dist, cap);
}
