/* SPDX-License-Identifier: MIT
 * H3 cell functions that need only the 64-bit index layout (public H3
 * specification): geo_h3cell_level, geo_h3cell_parent, geo_h3cell_children,
 * plus the token parse/format/validity helpers the other fn_geo_h3*.c files
 * share (fn_geo_h3_core.h).
 * Layout: bit 63 reserved, mode (4 bits, 1 = cell) at 59, resolution (4) at
 * 52, base cell (7) at 45, then 15 digits of 3 bits (digit r at 3*(15-r));
 * digits past the resolution are 7. Pentagon base cells have no children
 * whose first non-zero digit is 1. Tokens: lower-case hex.
 * Expected values: emulator:geo-h3cell-level/parent/children-function-*.
 * Owner: h3 engineer. */
#include <stdint.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_geo_h3_core.h"
#include "kql/fn_lib.h"

static bool h3_is_pentagon_base(int bc) {
  static const int p[] = {4, 14, 24, 38, 49, 58, 63, 72, 83, 97, 107, 117};
  for (size_t k = 0; k < sizeof p / sizeof p[0]; k++)
    if (p[k] == bc) return true;
  return false;
}

#define h3_res kql_h3_res
#define h3_base kql_h3_base
#define h3_digit kql_h3_digit
#define h3_set_digit kql_h3_set_digit
static uint64_t h3_set_res(uint64_t h, int res) {
  return (h & ~((uint64_t)15 << 52)) | ((uint64_t)res << 52);
}

bool kql_h3_valid(uint64_t h) {
  if ((h >> 63) || ((h >> 59) & 15) != 1 || ((h >> 56) & 7) != 0) return false;
  int res = h3_res(h), bc = h3_base(h);
  if (bc >= H3_BASE_CELLS) return false;
  bool leading = true;
  for (int r = 1; r <= H3_MAX_RES; r++) {
    int d = h3_digit(h, r);
    if (r <= res) {
      if (d == 7) return false;
      if (leading && d != 0) {
        if (d == 1 && h3_is_pentagon_base(bc)) return false;
        leading = false;
      }
    } else if (d != 7) {
      return false;
    }
  }
  return true;
}

bool kql_h3_parse(kv_value v, uint64_t *out) {
  if (kv_scalar_type(v) != KV_STRING) return false;
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t len;
  const char *s = kql_arg_str(v, &tmp, &len);
  bool ok = len >= 1 && len <= 16;
  uint64_t x = 0;
  for (size_t k = 0; ok && k < len; k++) {
    char c = s[k];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else {
      ok = false;
      break;
    }
    x = (x << 4) | (uint64_t)d;
  }
  kv_buf_free(&tmp);
  *out = x;
  return ok && kql_h3_valid(x);
}

kv_value kql_h3_token(uint64_t h) {
  char buf[17];
  static const char hex[] = "0123456789abcdef";
  int n = 0;
  bool started = false;
  for (int k = 15; k >= 0; k--) {
    int d = (int)((h >> (4 * k)) & 15);
    if (d || started || k == 0) {
      buf[n++] = hex[d];
      started = true;
    }
  }
  buf[n] = '\0';
  return kv_cstring(buf);
}

kv_value kql_fn_geo_h3cell_level(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  uint64_t h;
  if (!kql_h3_parse(args[0], &h)) return kv_null(KV_INT);
  return kv_int(h3_res(h));
}

kv_value kql_fn_geo_h3cell_parent(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  uint64_t h;
  if (!kql_h3_parse(args[0], &h)) return kv_null(KV_STRING);
  int64_t res = h3_res(h) - 1;
  if (argc > 1 && !kql_arg_long(args[1], &res)) return kv_null(KV_STRING);
  if (res < 0 || res > h3_res(h)) return kv_null(KV_STRING);
  uint64_t p = h3_set_res(h, (int)res);
  for (int r = (int)res + 1; r <= H3_MAX_RES; r++) p = h3_set_digit(p, r, 7);
  return kql_h3_token(p);
}

/* Depth-first enumeration in digit order (emulator:geo-h3cell-children-function-00). */
static void h3_children(kv_value arr, uint64_t h, int r, int res, bool pent_center) {
  if (r > res) {
    kv_value s = kql_h3_token(h);
    kv_array_push(arr, kv_to_dynamic(s));
    kv_release(s);
    return;
  }
  for (int d = 0; d < 7; d++) {
    if (pent_center && d == 1) continue;
    h3_children(arr, h3_set_digit(h, r, d), r + 1, res, pent_center && d == 0);
  }
}

/* Kusto's documented limit: a cell and its children may be at most 5
 * levels apart (up to 16807 tokens); beyond that the result is null
 * (emulator:geo-h3cell-children-function-04). */
enum { H3_MAX_CHILD_DEPTH = 5 };

kv_value kql_fn_geo_h3cell_children(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  uint64_t h;
  if (!kql_h3_parse(args[0], &h)) return kv_dyn_null();
  int cur = h3_res(h);
  int64_t res = cur + 1;
  if (argc > 1 && !kql_arg_long(args[1], &res)) return kv_dyn_null();
  if (res < cur || res > H3_MAX_RES) return kv_dyn_null();
  if (res - cur > H3_MAX_CHILD_DEPTH) return kv_dyn_null();
  bool pent_center = h3_is_pentagon_base(h3_base(h));
  for (int r = 1; r <= cur && pent_center; r++) pent_center = h3_digit(h, r) == 0;
  uint64_t base = h3_set_res(h, (int)res);
  kv_value arr = kv_dyn_array();
  h3_children(arr, base, cur + 1, (int)res, pent_center);
  return arr;
}
