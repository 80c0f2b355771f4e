/* SPDX-License-Identifier: MIT
 * Tests of the geo_* functions through the public function table. Every
 * expected value is the real Kusto engine's answer recorded in
 * tests/data/kql/cases_emulator.jsonl (case id next to each check). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "kql/kql_fn.h"
#include "value/kv_ops.h"

static kv_value call(const char *name, int argc, ...) {
  kv_value args[8];
  bool consts[8];
  va_list ap;
  va_start(ap, argc);
  for (int i = 0; i < argc; i++) {
    args[i] = va_arg(ap, kv_value);
    consts[i] = true;
  }
  va_end(ap);
  const kql_fn_def *def = kql_fn_lookup(name, strlen(name));
  kv_value out = kv_null(KV_DYNAMIC);
  TEST_CHECK_MSG(def != NULL, "%s missing", name);
  if (def) {
    void *state = NULL;
    void (*site_free)(void *) = NULL;
    kql_error err;
    memset(&err, 0, sizeof err);
    kql_fn_ctx ctx = {&state, &site_free, consts, &err, 0};
    out = def->fn(&ctx, args, argc);
    if (site_free) site_free(state);
  }
  for (int i = 0; i < argc; i++) kv_release(args[i]);
  return out;
}

static kv_value js(const char *json) {
  kv_value v;
  char err[128];
  if (kv_parse_json(json, strlen(json), &v, err, sizeof err) != 0) return kv_dyn_null();
  return v;
}

static bool near(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b)); }

/* Compares a result with expected JSON: numbers at 1e-9 relative. */
static bool same_json(kv_value got, kv_value exp) {
  double a, b;
  if (kv_is_array(exp)) {
    if (!kv_is_array(got) || kv_array_count(got) != kv_array_count(exp)) return false;
    for (size_t i = 0; i < kv_array_count(exp); i++)
      if (!same_json(kv_array_get(got, i), kv_array_get(exp, i))) return false;
    return true;
  }
  if (kv_is_bag(exp)) {
    if (!kv_is_bag(got) || kv_bag_count(got) != kv_bag_count(exp)) return false;
    for (size_t i = 0; i < kv_bag_count(exp); i++) {
      const char *k;
      size_t kl;
      kv_value e = kv_bag_entry(exp, i, &k, &kl);
      if (!kv_bag_has(got, k, kl) || !same_json(kv_bag_get(got, k, kl), e)) return false;
    }
    return true;
  }
  if (kv_is_null(exp)) return kv_is_null(got);
  if (kv_num_real(exp, &b) && kv_scalar_type(exp) != KV_BOOL) return kv_num_real(got, &a) && near(a, b);
  kv_value g = kv_from_dynamic(got), e = kv_from_dynamic(exp);
  bool eq = kv_cmp(KV_CMP_EQ, g, e) == 1;
  kv_release(g);
  kv_release(e);
  return eq;
}

static void check_json(const char *name, kv_value got, const char *expected) {
  kv_value exp = js(expected);
  bool ok = same_json(got, exp);
  kv_buf b;
  kv_buf_init(&b);
  kv_to_json(&b, got);
  kv_buf_putc(&b, '\0');
  TEST_CHECK_MSG(ok, "%s: got %s, expected %s", name, b.data, expected);
  kv_buf_free(&b);
  kv_release(exp);
  kv_release(got);
}

static void check_real(const char *name, kv_value got, double expected) {
  TEST_CHECK_MSG(got.type == KV_REAL && !kv_is_null(got) && near(got.u.r, expected),
                 "%s: got %.17g expected %.17g", name, got.u.r, expected);
}

static void check_null(const char *name, kv_value got) {
  TEST_CHECK_MSG(kv_is_null(got) || (got.type == KV_STRING && got.len == 0), "%s: not null", name);
  kv_release(got);
}

static void check_str(kv_value got, const char *expected) {
  char buf[64] = "";
  if (got.type == KV_STRING && got.len < sizeof buf) memcpy(buf, got.u.s, got.len), buf[got.len] = 0;
  TEST_EQ_STR(buf, expected);
  kv_release(got);
}

static void test_sphere(void) {
  /* emulator:geo-distance-2points-function-00, -03 */
  check_real("dist", call("geo_distance_2points", 4, kv_real(-122.407628), kv_real(47.578557),
                          kv_real(-118.275287), kv_real(34.019056)), 1546754.3519738095);
  check_null("dist bad", call("geo_distance_2points", 4, kv_long(300), kv_long(1), kv_long(1), kv_long(1)));
  /* emulator:geo-azimuth-function-00, -03 */
  check_real("azimuth", call("geo_azimuth", 4, kv_long(5), kv_long(10), kv_long(10), kv_long(-40)),
             3.054599397964492);
  check_null("azimuth same", call("geo_azimuth", 4, kv_long(5), kv_long(10), kv_long(5), kv_long(10)));
  /* emulator:geo-angle-function-00, -02 */
  check_real("angle", call("geo_angle", 6, kv_long(0), kv_long(10), kv_long(0), kv_long(5), kv_long(3),
                           kv_long(-10)), 2.9449384340688165);
  check_null("angle same", call("geo_angle", 6, kv_long(0), kv_long(10), kv_long(0), kv_long(10),
                                kv_long(3), kv_long(-10)));
  /* emulator:geo-point-in-circle-function-03, -04, -05, -06 */
  kv_value in = call("geo_point_in_circle", 5, kv_real(-122.143564), kv_real(47.535677),
                     kv_real(-122.100896), kv_real(47.527351), kv_long(3500));
  TEST_CHECK(in.type == KV_BOOL && !kv_is_null(in) && in.u.b);
  kv_value out = call("geo_point_in_circle", 5, kv_real(-122.137575), kv_real(47.630683),
                      kv_real(-122.100896), kv_real(47.527351), kv_long(3500));
  TEST_CHECK(out.type == KV_BOOL && !kv_is_null(out) && !out.u.b);
  check_null("circle bad lng", call("geo_point_in_circle", 5, kv_long(200), kv_long(1), kv_long(1),
                                    kv_long(1), kv_long(1)));
  check_null("circle neg radius", call("geo_point_in_circle", 5, kv_long(1), kv_long(1), kv_long(1),
                                       kv_long(1), kv_long(-1)));
  /* emulator:geo-line-length-function-00, -01, -02 */
  check_real("line", call("geo_line_length", 1, js("{\"type\":\"LineString\",\"coordinates\":[[-73.95807266235352,40.800426144169315],[-73.94966125488281,40.79691751000055],[-73.97317886352539,40.764486356930334]]}")),
             4922.4801699208065);
  check_real("multiline", call("geo_line_length", 1, js("{\"type\":\"MultiLineString\",\"coordinates\":[[[-73.95798683166502,40.800556090021466],[-73.98193359375,40.76819171855746]],[[-73.94940376281738,40.79691751000055],[-73.97317886352539,40.76435634049001]]]}")),
             8262.243397537412);
  check_null("line 1 point", call("geo_line_length", 1, js("{\"type\":\"LineString\",\"coordinates\":[[1, 1]]}")));
}

static void test_geohash(void) {
  /* emulator:geo-point-to-geohash-function-01, -02, -03, -04 */
  check_str(call("geo_point_to_geohash", 3, kv_real(-80.195829), kv_real(25.802215), kv_long(8)), "dhwfz15h");
  check_str(call("geo_point_to_geohash", 2, kv_real(-122.303404), kv_real(47.570482)), "c23n8");
  check_str(call("geo_point_to_geohash", 2, kv_real(-122.278156), kv_real(47.566936)), "c23n9");
  check_str(call("geo_point_to_geohash", 3, kv_long(200), kv_long(1), kv_long(8)), "");
  check_str(call("geo_point_to_geohash", 3, kv_long(1), kv_long(1), kv_null(KV_INT)), "");
  /* emulator:geo-geohash-to-central-point-function-00, -01 */
  check_json("center", call("geo_geohash_to_central_point", 1, kv_cstring("sunny")),
             "{\"type\":\"Point\",\"coordinates\":[42.47314453125,23.70849609375]}");
  check_null("center bad", call("geo_geohash_to_central_point", 1, kv_cstring("a")));
  /* emulator:geo-geohash-to-polygon-function-00, -02 */
  check_json("polygon", call("geo_geohash_to_polygon", 1, kv_cstring("dr5ru")),
             "{\"type\":\"Polygon\",\"coordinates\":[[[-74.00390625,40.7373046875],[-73.9599609375,40.7373046875],[-73.9599609375,40.78125],[-74.00390625,40.78125],[-74.00390625,40.7373046875]]]}");
  check_null("polygon bad", call("geo_geohash_to_polygon", 1, kv_cstring("a")));
  /* emulator:geo-geohash-neighbors-function-00, -04 */
  check_json("neighbors", call("geo_geohash_neighbors", 1, kv_cstring("sunny")),
             "[\"sunnv\",\"sunnt\",\"sunnw\",\"sunnx\",\"sunpp\",\"sunnz\",\"sunpn\",\"sunpj\"]");
  check_null("neighbors bad", call("geo_geohash_neighbors", 1, kv_cstring("a")));
}

static void test_s2(void) {
  /* emulator:geo-s2cell-to-polygon-function-00, -02 */
  check_json("s2 polygon", call("geo_s2cell_to_polygon", 1, kv_cstring("89c259")),
             "{\"type\":\"Polygon\",\"coordinates\":[[[-74.03001224983848,40.8012684339439],[-74.03001224983848,40.7222262918358],[-73.93598211433742,40.708880489804564],[-73.93598211433742,40.78791713450684],[-74.03001224983848,40.8012684339439]]]}");
  check_null("s2 polygon bad", call("geo_s2cell_to_polygon", 1, kv_cstring("a")));
  /* emulator:geo-s2cell-to-central-point-function-00, -01 */
  check_json("s2 center", call("geo_s2cell_to_central_point", 1, kv_cstring("1234567")),
             "{\"type\":\"Point\",\"coordinates\":[9.86830731850408,27.468392925827605]}");
  check_null("s2 center bad", call("geo_s2cell_to_central_point", 1, kv_cstring("a")));
  /* emulator:geo-s2cell-neighbors-function-00, -04 */
  check_json("s2 neighbors", call("geo_s2cell_neighbors", 1, kv_cstring("89c259")),
             "[\"89c25d\",\"89c25b\",\"89c2f7\",\"89c257\",\"89c2f5\",\"89c251\",\"89c25f\",\"89c2f9\"]");
  check_null("s2 neighbors bad", call("geo_s2cell_neighbors", 1, kv_cstring("a")));
  /* emulator:geo-s2cell-to-polygon-function-01: these points at level 10
   * have the polygons of 89c25b's neighbourhood; the third is 89c259. */
  check_str(call("geo_point_to_s2cell", 3, kv_real(-73.989148), kv_real(40.743273), kv_long(10)), "89c259");
}

int main(void) {
  TEST_RUN(test_sphere);
  TEST_RUN(test_geohash);
  TEST_RUN(test_s2);
  return e2k_test_report();
}
