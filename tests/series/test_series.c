/* SPDX-License-Identifier: MIT
 * series_* function tests: each call goes through the function table
 * (kql_fn_lookup) and its result is compared with the real engine's output
 * quoted from cases_emulator.jsonl (reals to 1e-9 relative, as the corpus
 * runner does). Unsupported inputs must fail with "not supported yet". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "kql/kql_fn.h"
#include "value/kv_ops.h"

static kv_value js(const char *json) {
  kv_value v;
  char err[128];
  if (kv_parse_json(json, strlen(json), &v, err, sizeof err) != 0) {
    fprintf(stderr, "bad json in test: %s (%s)\n", json, err);
    abort();
  }
  return v;
}

/* Structural equality with numbers compared as reals (1e-9 relative). */
static bool same(kv_value a, kv_value b) {
  if (kv_is_null(a) || kv_is_null(b)) return kv_is_null(a) && kv_is_null(b);
  if (kv_is_array(a) || kv_is_array(b)) {
    if (!kv_is_array(a) || !kv_is_array(b) || kv_array_count(a) != kv_array_count(b)) return false;
    for (size_t i = 0; i < kv_array_count(a); i++)
      if (!same(kv_array_get(a, i), kv_array_get(b, i))) return false;
    return true;
  }
  if (kv_is_bag(a) || kv_is_bag(b)) {
    if (!kv_is_bag(a) || !kv_is_bag(b) || kv_bag_count(a) != kv_bag_count(b)) return false;
    for (size_t i = 0; i < kv_bag_count(a); i++) {
      const char *k;
      size_t kl;
      kv_value x = kv_bag_entry(a, i, &k, &kl);
      if (!kv_bag_has(b, k, kl) || !same(x, kv_bag_get(b, k, kl))) return false;
    }
    return true;
  }
  double x, y;
  if (kv_num_real(a, &x) && kv_num_real(b, &y))
    return fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y)) || fabs(x - y) < 1e-12;
  return false;
}

static kql_error g_err;

/* Calls `name`; releases the arguments; returns the result (owned). */
static kv_value call(const char *name, int argc, kv_value *args) {
  const kql_fn_def *d = kql_fn_lookup(name, strlen(name));
  memset(&g_err, 0, sizeof g_err);
  if (!d) {
    fprintf(stderr, "no function %s\n", name);
    return kv_dyn_null();
  }
  void *site = NULL;
  void (*site_free)(void *) = NULL;
  bool is_const[8] = {true, true, true, true, true, true, true, true};
  kql_fn_ctx ctx = {&site, &site_free, is_const, &g_err, 0};
  kv_value r = d->fn(&ctx, args, argc);
  for (int i = 0; i < argc; i++) kv_release(args[i]);
  return r;
}

#define CHECK_CALL(expected_json, name, ...) \
  do { \
    kv_value a_[] = {__VA_ARGS__}; \
    kv_value r_ = call(name, (int)(sizeof a_ / sizeof a_[0]), a_), e_ = js(expected_json); \
    kv_buf b_; \
    kv_buf_init(&b_); \
    kv_to_json(&b_, r_); \
    TEST_CHECK_MSG(same(r_, e_), "%s: got %.*s want %s", name, (int)b_.len, b_.data ? b_.data : "", expected_json); \
    kv_buf_free(&b_); \
    kv_release(r_); \
    kv_release(e_); \
  } while (0)

#define CHECK_UNSUPPORTED(name, ...) \
  do { \
    kv_value a_[] = {__VA_ARGS__}; \
    kv_value r_ = call(name, (int)(sizeof a_ / sizeof a_[0]), a_); \
    TEST_CHECK_MSG(strstr(g_err.message, "not supported yet") != NULL, "%s: no not-supported error", name); \
    kv_release(r_); \
  } while (0)

static const char *k_stats_x = "[23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]";
static const char *k_fit_y = "[2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]";

static void test_stats(void) {
  /* emulator:series-stats-dynamic-function-00 */
  CHECK_CALL("{\"min\": 2.0, \"min_idx\": 8, \"max\": 87.0, \"max_idx\": 3, \"avg\": 32.8, "
             "\"stdev\": 28.50363385354827, \"variance\": 812.4571428571429, \"sum\": 492.0, \"len\": 15}",
             "series_stats_dynamic", js(k_stats_x));
  /* emulator:series-fit-line-dynamic-function-00 */
  CHECK_CALL("{\"slope\": 2.730769230769231, \"interception\": -1.6666666666666716, "
             "\"rsquare\": 0.982900730884447, \"variance\": 98.62878787878789, \"rvariance\": 1.686480186480187, "
             "\"line_fit\": [1.0641025641025592, 3.7948717948717903, 6.525641025641022, 9.256410256410252, "
             "11.987179487179482, 14.717948717948715, 17.448717948717945, 20.179487179487175, "
             "22.910256410256405, 25.641025641025635, 28.37179487179487, 31.102564102564102]}",
             "series_fit_line_dynamic", js(k_fit_y));
  /* emulator:series-product-function-00 */
  CHECK_CALL("24.0", "series_product", js("[1,2,3,4]"));
  /* emulator:series-dot-product-function-00 and -01 (scalar broadcast) */
  CHECK_CALL("108.0", "series_dot_product", js("[3, 6, 12]"), js("[12, 6, 3]"));
  CHECK_CALL("63.0", "series_dot_product", js("[3, 6, 12]"), kv_long(3));
  /* emulator:series-cosine-similarity-function-00 */
  CHECK_CALL("0.9993534382550399", "series_cosine_similarity", js("[0.1,0.2,0.1,0.2]"),
             js("[0.11,0.2,0.11,0.21]"));
  CHECK_CALL("0.9237604307034012", "series_cosine_similarity", js("[0.1,0.2,0.1,0.2]"), js("[1,2,3,4]"));
  /* emulator:series-pearson-correlation-function-00 */
  CHECK_CALL("0.9999999999999998", "series_pearson_correlation", js("[1, 2, 3, 4, 5]"), js("[2, 4, 6, 8, 10]"));
  /* Null elements and length mismatches are not guessed. */
  CHECK_UNSUPPORTED("series_stats_dynamic", js("[1, null, 3]"));
  CHECK_UNSUPPORTED("series_dot_product", js("[1, 2]"), js("[1, 2, 3]"));
}

static void test_fill(void) {
  /* emulator:series-fill-const-function-00 */
  const char *c = "[111, null, 36, 41, 23, null, 16, 61, 33, null, null]";
  CHECK_CALL("[111, 0.0, 36, 41, 23, 0.0, 16, 61, 33, 0.0, 0.0]", "series_fill_const", js(c), kv_real(0.0));
  CHECK_CALL("[111, -1, 36, 41, 23, -1, 16, 61, 33, -1, -1]", "series_fill_const", js(c), kv_long(-1));
  /* emulator:series-fill-forward-function-00 */
  CHECK_CALL("[null, null, 36, 41, 41, 41, 16, 61, 33, 33, 33]", "series_fill_forward",
             js("[null, null, 36, 41, null, null, 16, 61, 33, null, null]"));
  /* emulator:series-fill-backward-function-00 */
  CHECK_CALL("[111, 36, 36, 41, 16, 16, 16, 61, 33, null, null]", "series_fill_backward",
             js("[111, null, 36, 41, null, null, 16, 61, 33, null, null]"));
  /* emulator:series-fill-linear-function-00 (reals, integers, all-missing) */
  const char *r = "[null, 111.0, null, 36.0, 41.0, null, null, 16.0, 61.0, 33.0, null, null]";
  const char *i = "[null, 111, null, 36, 41, null, null, 16, 61, 33, null, null]";
  CHECK_CALL("[111.0, 111.0, 73.5, 36.0, 41.0, 32.66666666666667, 24.333333333333336, 16.0, 61.0, 33.0, 33.0, 33.0]",
             "series_fill_linear", js(r));
  CHECK_CALL("[null, 111.0, 73.5, 36.0, 41.0, 32.66666666666667, 24.333333333333336, 16.0, 61.0, 33.0, null, null]",
             "series_fill_linear", js(r), kv_null(KV_REAL), kv_bool(false));
  CHECK_CALL("[111, 111, 73, 36, 41, 32, 24, 16, 61, 33, 33, 33]", "series_fill_linear", js(i));
  CHECK_CALL("[null, 111, 73, 36, 41, 32, 24, 16, 61, 33, null, null]", "series_fill_linear", js(i),
             kv_null(KV_REAL), kv_bool(false));
  CHECK_CALL("[0.0, 0.0, 0.0, 0.0]", "series_fill_linear", js("[null, null, null, null]"));
  CHECK_CALL("[3.14159, 3.14159, 3.14159, 3.14159]", "series_fill_linear", js("[null, null, null, null]"),
             kv_null(KV_REAL), kv_bool(true), kv_real(3.14159));
  /* The integer result must really be an integer (73, not 73.5). */
  kv_value a[] = {js(i)};
  kv_value out = call("series_fill_linear", 1, a);
  TEST_EQ_INT(kv_scalar_type(kv_array_get(out, 2)), KV_LONG);
  kv_release(out);
}

static void test_filters(void) {
  /* emulator:series-fir-function-00 (moving average, plain and centered) */
  const char *v = "[0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20, 40, 100, 40, 20, 10, 0, 0, 0, 0, 0, 0, 0, 0]";
  CHECK_CALL("[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 6.0, 14.0, 34.0, 42.0, 44.0, 42.0, 34.0, 14.0, "
             "6.0, 2.0, 0.0, 0.0, 0.0, 0.0]",
             "series_fir", js(v), js("[1, 1, 1, 1, 1]"));
  CHECK_CALL("[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 6.0, 14.0, 34.0, 42.0, 44.0, 42.0, 34.0, 14.0, 6.0, 2.0, "
             "0.0, 0.0, 0.0, 0.0, 0.0, 0.0]",
             "series_fir", js(v), js("[1, 1, 1, 1, 1]"), kv_bool(true), kv_bool(true));
  /* emulator:series-fir-function-01 (first difference) */
  CHECK_CALL("[0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]", "series_fir", js("[0, 0, 0, 0, 2, 2, 2, 2, 3, 3, 3, 3]"),
             js("[1, -1]"), kv_bool(false), kv_bool(false));
  /* emulator:series-iir-function-00 and -01 (running sum) */
  CHECK_CALL("[1.0, 3.0, 6.0, 10.0, 15.0, 21.0, 28.0, 36.0, 45.0, 55.0]", "series_iir",
             js("[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]"), js("[1]"), js("[1, -1]"));
  CHECK_CALL("[0.0, 1.0, 3.0, 6.0, 10.0]", "series_iir", js("[0, 1, 2, 3, 4]"), js("[1]"), js("[1, -1]"));
  CHECK_UNSUPPORTED("series_fir", js("[1, null, 2]"), js("[1, 1]"));
  CHECK_UNSUPPORTED("series_iir", js("[1, 2]"), js("[1]"), js("[0, 1]"));
}

static void test_seasonal(void) {
  /* emulator:series-seasonal-function-01 (explicit period 3: per-phase median) */
  CHECK_CALL("[1.0, 3.0, 5.0, 1.0, 3.0, 5.0, 1.0, 3.0, 5.0]", "series_seasonal", js("[1, 3, 5, 1, 3, 5, 2, 4, 6]"),
             kv_long(3));
  CHECK_CALL("[1.5, 3.5, 5.5, 1.5, 3.5, 5.5, 1.5, 3.5, 5.5, 1.5, 3.5, 5.5]", "series_seasonal",
             js("[1, 3, 5, 2, 4, 6, 1, 3, 5, 2, 4, 6]"), kv_long(3));
  /* Kusto docs (series_seasonal): period 0 means no seasonality, the result
   * is all zeros. (Automatic detection is covered by
   * emulator:series-seasonal-function-00 in the corpus.) */
  CHECK_CALL("[0.0, 0.0, 0.0, 0.0, 0.0, 0.0]", "series_seasonal", js("[1, 3, 5, 2, 4, 6]"), kv_long(0));
}

/* Calls a one-string-argument function and compares the string result. */
static void check_str(const char *name, const char *in, const char *want) {
  kv_value a[] = {kv_cstring(in)};
  kv_value r = call(name, 1, a);
  kv_buf b;
  kv_buf_init(&b);
  size_t len;
  const char *got = kv_str_view(r, &b, &len);
  TEST_CHECK_MSG(len == strlen(want) && memcmp(got, want, len) == 0, "%s(%s): got %.*s want %s", name, in, (int)len,
                 got, want);
  kv_buf_free(&b);
  kv_release(r);
}

static void test_punycode(void) {
  /* emulator:punycode-from-string-function-00 and -01, punycode-to-string-function-00 */
  check_str("punycode_from_string", "acad\xc3\xa9mie-fran\xc3\xa7" "aise", "acadmie-franaise-npb1a");
  check_str("punycode_from_string", "\xe8\x89\xba\xe6\x9c\xaf", "cqv902d");
  check_str("punycode_to_string", "acadmie-franaise-npb1a", "acad\xc3\xa9mie-fran\xc3\xa7" "aise");
  /* emulator:punycode-domain-from-string-function-00 */
  check_str("punycode_domain_from_string", "xn--Ge-mia.Bulg.edu", "G\xc3\xa1" "e.Bulg.edu");
  check_str("punycode_domain_from_string", "xn--Ry-lja8c.xn--Jng-uta63a.xn--Bng-9ka.com",
            "R\xc3\xbay\xc3\xac.J\xc4\xabng\xc5\xab.B\xc3\xa0ng.com");
  /* emulator:punycode-domain-to-string-function-00 (U+3002 and U+FF61 are dots) */
  check_str("punycode_domain_to_string", "L\xc3\xaa L\xe1\xbb\xa3i\xe3\x80\x82Thu\xe1\xba\xadn Thi\xc3\xaan\xe3\x80\x82" "com",
            "xn--L Li-gpa4517b.xn--Thun Thin-s4a7194f.com");
  check_str("punycode_domain_to_string", "Kaledvoulc'h.Artor\xc4\xabjos.edu", "Kaledvoulc'h.xn--Artorjos-ejb.edu");
  /* Not Punycode: no guessed answer. */
  kv_value a[] = {kv_cstring("abc-\x7f!")};
  kv_release(call("punycode_to_string", 1, a));
  TEST_CHECK(strstr(g_err.message, "not supported yet") != NULL);
}

static void test_beta(void) {
  /* emulator:beta-pdf-function-00 */
  CHECK_CALL("0.746176019310951", "beta_pdf", kv_real(0.5), kv_real(10.0), kv_real(20.0));
  kv_value a[] = {kv_real(1.5), kv_real(10.0), kv_real(20.0)};
  kv_value r = call("beta_pdf", 3, a);
  TEST_CHECK(r.type == KV_REAL && isnan(r.u.r));
  kv_value b[] = {kv_real(0.1), kv_real(-1.0), kv_real(20.0)};
  r = call("beta_pdf", 3, b);
  TEST_CHECK(r.type == KV_REAL && isnan(r.u.r));
}

int main(void) {
  TEST_RUN(test_stats);
  TEST_RUN(test_fill);
  TEST_RUN(test_filters);
  TEST_RUN(test_seasonal);
  TEST_RUN(test_punycode);
  TEST_RUN(test_beta);
  return e2k_test_report();
}
