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

static void test_shapes(void) {
  /* emulator:geo-distance-point-to-line-function-00, -04, -05 */
  check_real("pt-line", call("geo_distance_point_to_line", 3, kv_real(-115.199625), kv_real(36.210419),
             js("{\"type\":\"LineString\",\"coordinates\":[[-115.115385,36.229195],[-115.136995,36.200366],[-115.140252,36.192470],[-115.143558,36.188523],[-115.144076,36.181954],[-115.154662,36.174483],[-115.166431,36.176388],[-115.183289,36.175007],[-115.192612,36.176736],[-115.202485,36.173439],[-115.225355,36.174365]]}")),
             3797.8888725332145);
  check_null("pt-line no coords", call("geo_distance_point_to_line", 3, kv_long(1), kv_long(1), js("{\"type\":\"LineString\"}")));
  check_null("pt-line bad lng", call("geo_distance_point_to_line", 3, kv_long(300), kv_long(3),
             js("{\"type\":\"LineString\",\"coordinates\":[[1,1],[2,2]]}")));
  /* emulator:geo-distance-point-to-polygon-function-00, -04 */
  const char *park = "{\"type\":\"Polygon\",\"coordinates\":[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]}";
  check_real("pt-poly", call("geo_distance_point_to_polygon", 3, kv_real(-73.9839), kv_real(40.7705), js(park)),
             259.9407560705964);
  check_null("pt-poly degenerate", call("geo_distance_point_to_polygon", 3, kv_long(1), kv_long(1),
             js("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,10],[10,10],[0,0]]]}")));
  /* emulator:geo-point-in-polygon-function-05 */
  check_null("in-poly bad lng", call("geo_point_in_polygon", 3, kv_long(200), kv_long(1),
             js("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,10],[10,1],[0,0]]]}")));
  /* emulator:geo-polygon-area-function-00, geo-polygon-perimeter-function-00 */
  check_real("area", call("geo_polygon_area", 1, js(park)), 3475207.28346606);
  check_real("perimeter", call("geo_polygon_perimeter", 1, js(park)), 9930.301496049382);
}

static void test_wkt_h3(void) {
  /* emulator:geo-from-wkt-function-05, -06, -07 */
  check_json("wkt multipolygon", call("geo_from_wkt", 1, kv_cstring("MULTIPOLYGON (((0 0, 2 0, 2 2, 0 0)),((10 10, 12 10, 12 12, 10 10)))")),
             "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0.0,0.0],[2.0,0.0],[2.0,2.0],[0.0,0.0]]],[[[10.0,10.0],[12.0,10.0],[12.0,12.0],[10.0,10.0]]]]}");
  check_json("wkt collection", call("geo_from_wkt", 1, kv_cstring("GEOMETRYCOLLECTION (POINT (1 1),LINESTRING (2 2, 3 3, 4 4),POLYGON ((10 10, 12 10, 12 12, 10 10)))")),
             "{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"Point\",\"coordinates\":[1.0,1.0]},{\"type\":\"LineString\",\"coordinates\":[[2.0,2.0],[3.0,3.0],[4.0,4.0]]},{\"type\":\"Polygon\",\"coordinates\":[[[10.0,10.0],[12.0,10.0],[12.0,12.0],[10.0,10.0]]]}]}");
  check_null("wkt bad", call("geo_from_wkt", 1, kv_cstring("LINESTRING")));
  /* emulator:geo-h3cell-level-function-00, -02 */
  kv_value lv = call("geo_h3cell_level", 1, kv_cstring("862a1072fffffff"));
  TEST_CHECK(!kv_is_null(lv) && lv.u.i == 6);
  check_null("h3 level bad", call("geo_h3cell_level", 1, kv_cstring("abc")));
  /* emulator:geo-h3cell-parent-function-00, -01, -04, -05, -06 */
  check_str(call("geo_h3cell_parent", 1, kv_cstring("862a1072fffffff")), "852a1073fffffff");
  check_str(call("geo_h3cell_parent", 2, kv_cstring("862a1072fffffff"), kv_long(1)), "812a3ffffffffff");
  check_str(call("geo_h3cell_parent", 1, kv_cstring("123")), "");
  check_str(call("geo_h3cell_parent", 2, kv_cstring("862a1072fffffff"), kv_long(100)), "");
  check_str(call("geo_h3cell_parent", 2, kv_cstring("862a1072fffffff"), kv_long(15)), "");
  /* emulator:geo-h3cell-children-function-00, -01, -03 */
  check_json("h3 children", call("geo_h3cell_children", 1, kv_cstring("862a1072fffffff")),
             "[\"872a10728ffffff\",\"872a10729ffffff\",\"872a1072affffff\",\"872a1072bffffff\",\"872a1072cffffff\",\"872a1072dffffff\",\"872a1072effffff\"]");
  kv_value ch = call("geo_h3cell_children", 2, kv_cstring("862a1072fffffff"), kv_long(9));
  TEST_EQ_INT(kv_is_array(ch) ? (long long)kv_array_count(ch) : -1, 343);
  kv_release(ch);
  check_null("h3 children bad", call("geo_h3cell_children", 1, kv_cstring("abc")));
}

static void test_lines(void) {
  const char *l2 = "{\"type\":\"LineString\",\"coordinates\":[[-73.95796, 40.80042], [-73.97317, 40.764486]]}";
  /* emulator:geo-line-interpolate-point-function-00 */
  check_json("interpolate", call("geo_line_interpolate_point", 2, js(l2), kv_real(0.25)),
             "{\"type\":\"Point\",\"coordinates\":[-73.96176404321828,40.79143668725723]}");
  /* emulator:geo-line-locate-point-function-00, -01 */
  check_real("locate", call("geo_line_locate_point", 3, js(l2), kv_real(-73.965), kv_real(40.792)),
             0.2556013510030755);
  check_null("locate bad", call("geo_line_locate_point", 3, js("{\"type\":\"LineString\",\"coordinates\":[[1, 1]]}"),
                                kv_long(1), kv_long(1)));
  /* emulator:geo-line-centroid-function-00, -02 */
  check_json("line centroid", call("geo_line_centroid", 1, js(l2)),
             "{\"type\":\"Point\",\"coordinates\":[-73.96556705723094,40.782453249627416]}");
  check_json("multiline centroid", call("geo_line_centroid", 1, js("{\"type\":\"MultiLineString\",\"coordinates\":[[[-73.95798683166502,40.800556090021466],[-73.98193359375,40.76819171855746]],[[-73.94940376281738,40.79691751000055],[-73.97317886352539,40.76435634049001]]]}")),
             "{\"type\":\"Point\",\"coordinates\":[-73.96562218400669,40.78250336313828]}");
  /* emulator:geo-intersection-2lines-function-00, -02; geo-intersects-2lines-function-00 */
  const char *a = "{\"type\":\"LineString\",\"coordinates\":[[-73.978929,40.785155],[-73.980903,40.782621]]}";
  const char *b = "{\"type\":\"LineString\",\"coordinates\":[[-73.985195,40.788275],[-73.974552,40.779761]]}";
  check_json("intersection", call("geo_intersection_2lines", 2, js(a), js(b)),
             "{\"type\":\"Point\",\"coordinates\":[-73.97983711667098,40.783989289772165]}");
  check_json("no intersection", call("geo_intersection_2lines", 2,
             js("{\"type\":\"LineString\",\"coordinates\":[[1, 1],[2, 2]]}"),
             js("{\"type\":\"LineString\",\"coordinates\":[[3, 3],[4, 4]]}")),
             "{\"type\":\"GeometryCollection\",\"geometries\":[]}");
  kv_value x = call("geo_intersects_2lines", 2, js(a), js(b));
  TEST_CHECK(x.type == KV_BOOL && !kv_is_null(x) && x.u.b);
  /* emulator:geo-polygon-centroid-function-00, -04 */
  check_json("polygon centroid", call("geo_polygon_centroid", 1, js("{\"type\":\"Polygon\",\"coordinates\":[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]}")),
             "{\"type\":\"Point\",\"coordinates\":[-73.96573568990762,40.78255053805781]}");
  check_null("polygon centroid bad", call("geo_polygon_centroid", 1, js("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,10],[10,10],[0,0]]]}")));
}

static void test_intersects(void) {
  /* emulator:geo-intersects-2polygons-function-00, -02 */
  kv_value t = call("geo_intersects_2polygons", 2,
                    js("{\"type\":\"Polygon\",\"coordinates\":[[[-73.9630937576294,40.77498840732385],[-73.963565826416,40.774383111780914],[-73.96205306053162,40.773745311181585],[-73.96160781383514,40.7743912365898],[-73.9630937576294,40.77498840732385]]]}"),
                    js("{\"type\":\"Polygon\",\"coordinates\":[[[-73.96213352680206,40.775045280447145],[-73.9631313085556,40.774578106920345],[-73.96207988262177,40.77416780398293],[-73.96213352680206,40.775045280447145]]]}"));
  TEST_CHECK(t.type == KV_BOOL && !kv_is_null(t) && t.u.b);
  check_null("intersects invalid", call("geo_intersects_2polygons", 2, js("{\"type\":\"Polygon\"}"),
             js("{\"type\":\"Polygon\",\"coordinates\":[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]}")));
  /* emulator:geo-intersects-line-with-polygon-function-00 */
  kv_value u = call("geo_intersects_line_with_polygon", 2,
                    js("{\"type\":\"LineString\",\"coordinates\":[[-73.985195,40.788275],[-73.974552,40.779761]]}"),
                    js("{\"type\":\"Polygon\",\"coordinates\":[[[-73.9712905883789,40.78580561168767],[-73.98004531860352,40.775276834803655],[-73.97000312805176,40.77852663535664],[-73.9712905883789,40.78580561168767]]]}"));
  TEST_CHECK(u.type == KV_BOOL && !kv_is_null(u) && u.u.b);
}

int main(void) {
  TEST_RUN(test_sphere);
  TEST_RUN(test_geohash);
  TEST_RUN(test_s2);
  TEST_RUN(test_shapes);
  TEST_RUN(test_wkt_h3);
  TEST_RUN(test_lines);
  TEST_RUN(test_intersects);
  return e2k_test_report();
}
