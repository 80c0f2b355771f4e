/* SPDX-License-Identifier: MIT
 * geo_from_wkt: Well-Known Text (POINT, LINESTRING, POLYGON, MULTIPOINT,
 * MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION; 2-D only) to the
 * GeoJSON dynamic Kusto returns (emulator:geo-from-wkt-function-00..07).
 * Malformed text gives null. A recursive-descent parser over a bounded
 * cursor; nesting is limited. Owner: geo engineer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_geo.h"
#include "kql/fn_lib.h"

typedef struct wkt_cur {
  const char *s;
  size_t n, i;
  int depth;
} wkt_cur;

enum { WKT_MAX_DEPTH = 16 };

static void wkt_ws(wkt_cur *c) {
  while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\r' ||
                         c->s[c->i] == '\n'))
    c->i++;
}

static bool wkt_char(wkt_cur *c, char ch) {
  wkt_ws(c);
  if (c->i < c->n && c->s[c->i] == ch) {
    c->i++;
    return true;
  }
  return false;
}

/* Case-insensitive keyword made of letters. */
static size_t wkt_word(wkt_cur *c, char *out, size_t cap) {
  wkt_ws(c);
  size_t k = 0;
  while (c->i < c->n && k + 1 < cap) {
    char ch = c->s[c->i];
    if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 32);
    if (ch < 'A' || ch > 'Z') break;
    out[k++] = ch;
    c->i++;
  }
  out[k] = '\0';
  return k;
}

static bool wkt_number(wkt_cur *c, double *out) {
  wkt_ws(c);
  size_t st = c->i;
  while (c->i < c->n && strchr("+-.0123456789eE", c->s[c->i]) && c->s[c->i]) c->i++;
  if (c->i == st || c->i - st > 64) return false;
  char buf[65];
  memcpy(buf, c->s + st, c->i - st);
  buf[c->i - st] = '\0';
  char *end;
  *out = strtod(buf, &end);
  return *end == '\0' && isfinite(*out);
}

static kv_value wkt_dyn_str(const char *s) {
  kv_value v = kv_cstring(s);
  kv_value d = kv_to_dynamic(v);
  kv_release(v);
  return d;
}

/* "x y" -> [x, y]; MULTIPOINT also allows "(x y)". */
static bool wkt_position(wkt_cur *c, kv_value *out) {
  double x, y;
  bool paren = wkt_char(c, '(');
  if (!wkt_number(c, &x) || !wkt_number(c, &y)) return false;
  if (paren && !wkt_char(c, ')')) return false;
  *out = kv_dyn_array();
  kv_array_push(*out, kv_to_dynamic(kv_real(x)));
  kv_array_push(*out, kv_to_dynamic(kv_real(y)));
  return true;
}

/* Nesting 0: position; 1: "(p, p)"; 2: "((p, p), (p))"; 3: polygons. */
static bool wkt_coords(wkt_cur *c, int nest, kv_value *out) {
  if (nest == 0) return wkt_position(c, out);
  if (!wkt_char(c, '(')) return false;
  kv_value arr = kv_dyn_array();
  do {
    kv_value item;
    if (!wkt_coords(c, nest - 1, &item)) {
      kv_release(arr);
      return false;
    }
    kv_array_push(arr, item);
  } while (wkt_char(c, ','));
  if (!wkt_char(c, ')')) {
    kv_release(arr);
    return false;
  }
  *out = arr;
  return true;
}

static bool wkt_geometry(wkt_cur *c, kv_value *out) {
  static const struct {
    const char *wkt, *json;
    int nest;
  } kinds[] = {{"POINT", "Point", 0},           {"LINESTRING", "LineString", 1},
               {"POLYGON", "Polygon", 2},       {"MULTIPOINT", "MultiPoint", 1},
               {"MULTILINESTRING", "MultiLineString", 2},
               {"MULTIPOLYGON", "MultiPolygon", 3}};
  char word[32];
  if (!wkt_word(c, word, sizeof word) || ++c->depth > WKT_MAX_DEPTH) return false;
  kv_value bag = kv_dyn_bag();
  if (strcmp(word, "GEOMETRYCOLLECTION") == 0) {
    kv_value arr = kv_dyn_array();
    bool ok = wkt_char(c, '(');
    while (ok) {
      kv_value g;
      ok = wkt_geometry(c, &g);
      if (!ok) break;
      kv_array_push(arr, g);
      if (!wkt_char(c, ',')) break;
    }
    ok = ok && wkt_char(c, ')');
    kv_bag_set(bag, "type", 4, wkt_dyn_str("GeometryCollection"));
    kv_bag_set(bag, "geometries", 10, arr);
    c->depth--;
    if (!ok) kv_release(bag);
    else *out = bag;
    return ok;
  }
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    if (strcmp(word, kinds[k].wkt) != 0) continue;
    kv_value coords;
    bool ok;
    if (kinds[k].nest == 0) {
      ok = wkt_char(c, '(') && wkt_position(c, &coords);
      if (ok && !wkt_char(c, ')')) {
        kv_release(coords);
        ok = false;
      }
    } else {
      ok = wkt_coords(c, kinds[k].nest, &coords);
    }
    if (!ok) break;
    kv_bag_set(bag, "type", 4, wkt_dyn_str(kinds[k].json));
    kv_bag_set(bag, "coordinates", 11, coords);
    c->depth--;
    *out = bag;
    return true;
  }
  kv_release(bag);
  return false;
}

kv_value kql_fn_geo_from_wkt(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  (void)ctx;
  (void)argc;
  if (kv_scalar_type(args[0]) != KV_STRING) return kv_dyn_null();
  kv_buf tmp;
  kv_buf_init(&tmp);
  wkt_cur c = {NULL, 0, 0, 0};
  c.s = kql_arg_str(args[0], &tmp, &c.n);
  kv_value out;
  bool ok = wkt_geometry(&c, &out);
  wkt_ws(&c);
  if (ok && c.i != c.n) {
    kv_release(out);
    ok = false;
  }
  kv_buf_free(&tmp);
  return ok ? out : kv_dyn_null();
}
