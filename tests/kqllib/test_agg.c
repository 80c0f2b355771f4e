/* SPDX-License-Identifier: MIT
 * Aggregates through kql_agg_lookup with the real engine's answers from
 * the corpus (ids quoted as in test_fn.c), and the HyperLogLog error bound
 * Kusto documents for dcount (accuracy 0..2: 1.6%, 0.8%, 0.4% = 1.04/sqrt(m)). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "kql/agg_lib.h"
#include "kqllib_test_util.h"

#define AGG(expect, name, argc, n, rows) TEST_EQ_STR(tu_agg(name, NULL, argc, n, rows, NULL), expect)

static void check_real(const char *got, double want, double rel) {
  double v = strtod(got, NULL);
  TEST_CHECK_MSG(fabs(v - want) <= rel * fabs(want) + 1e-12, "%s != %.17g", got, want);
}

static void release_rows(kv_value *rows, int n) {
  for (int i = 0; i < n; i++) kv_release(rows[i]);
}

static void test_counts_sums(void) {
  /* fuzz:agent-null-and-edge-0043: k=2 has only nulls -> sum 0, count 2 */
  kv_value rows[2] = {tu_null(KV_LONG), tu_null(KV_LONG)};
  AGG("0", "sum", 1, 2, rows);
  AGG("2", "count", 1, 2, rows);
  kv_value r2[2] = {tu_l(10), tu_l(20)};
  AGG("30", "sum", 1, 2, r2);
  /* emulator:summarize-operator-04/05: empty input */
  AGG("0", "sum", 1, 0, NULL);
  AGG("\"NaN\"", "avg", 1, 0, NULL);
  AGG("null", "max", 1, 0, NULL);
  AGG("0", "dcount", 1, 0, NULL);
  AGG("0", "count", 0, 0, NULL);
  /* emulator:summarize-operator-07: sum/avg skip nulls */
  kv_value r3[3] = {tu_null(KV_REAL), tu_r(5), tu_r(5)};
  AGG("10.0", "sum", 1, 3, r3);
  AGG("5.0", "avg", 1, 3, r3);
  /* fuzz:agent-aggregation-0043.3: sumif / countif */
  kv_value r4[6] = {tu_l(10), kv_bool(true), tu_l(-10), kv_bool(false), tu_l(20), kv_bool(true)};
  AGG("30", "sumif", 2, 3, r4);
  kv_value r5[3] = {kv_bool(true), kv_bool(false), kv_bool(true)};
  AGG("2", "countif", 1, 3, r5);
  /* fuzz:agent-null-and-edge-0014.2: min/max with inf */
  kv_value r6[3] = {tu_r(1), tu_r(INFINITY), tu_null(KV_REAL)};
  AGG("1.0", "min", 1, 3, r6);
  AGG("\"Infinity\"", "max", 1, 3, r6);
  /* emulator:binary-all-and/or/xor-aggregation-function-00: 0xCAFEF00D */
  kv_value ba[4] = {tu_l(0xFFFFFFFF), tu_l(0xFFFFF00F), tu_l(0xCFFFFFFD), tu_l(0xFAFEFFFF)};
  AGG("3405705229", "binary_all_and", 1, 4, ba);
  kv_value bo[4] = {tu_l(0x88888008), tu_l(0x42000000), tu_l(0x00767000), tu_l(0x00000005)};
  AGG("3405705229", "binary_all_or", 1, 4, bo);
  kv_value bx[4] = {tu_l(0x44404440), tu_l(0x1E1E1E1E), tu_l(0x90ABBA09), tu_l(0x000B105A)};
  AGG("3405705229", "binary_all_xor", 1, 4, bx);
  release_rows(rows, 2);
}

static void test_stats(void) {
  kv_value r[10];
  for (int i = 0; i < 5; i++) r[i] = tu_l(i + 1);
  /* emulator:stdev/stdevp/variance/variancep-aggregation-function-00 (1..5) */
  check_real(tu_agg("stdev", NULL, 1, 5, r, NULL), 1.5811388300841898, 1e-12);
  check_real(tu_agg("stdevp", NULL, 1, 5, r, NULL), 1.4142135623730951, 1e-12);
  check_real(tu_agg("variance", NULL, 1, 5, r, NULL), 2.5, 1e-12);
  check_real(tu_agg("variancep", NULL, 1, 5, r, NULL), 2.0, 1e-12);
  /* fuzz:agent-aggregation-0009 (1..10) */
  for (int i = 0; i < 10; i++) r[i] = tu_l(i + 1);
  check_real(tu_agg("stdev", NULL, 1, 10, r, NULL), 3.027650354102996, 1e-12);
  check_real(tu_agg("variance", NULL, 1, 10, r, NULL), 9.1666666667, 1e-9);
  check_real(tu_agg("variancep", NULL, 1, 10, r, NULL), 8.25, 1e-12);
  /* emulator:varianceif/stdevif/variancepif: 1..100 where x % 2 == 0 */
  kv_value *rr = calloc(200, sizeof *rr);
  for (int i = 0; i < 100; i++) {
    rr[2 * i] = tu_l(i + 1);
    rr[2 * i + 1] = kv_bool((i + 1) % 2 == 0);
  }
  check_real(tu_agg("varianceif", NULL, 2, 100, rr, NULL), 850.0, 1e-12);
  check_real(tu_agg("variancepif", NULL, 2, 100, rr, NULL), 833.0, 1e-12);
  check_real(tu_agg("stdevif", NULL, 2, 100, rr, NULL), 29.154759474226502, 1e-12);
  free(rr);
  /* emulator:covariance/covariancep-aggregation-function-00 */
  double xs[5] = {1, 2, 3, 4, 5}, ys[5] = {14, 10, 17, 20, 50};
  kv_value c[10];
  for (int i = 0; i < 5; i++) {
    c[2 * i] = tu_r(xs[i]);
    c[2 * i + 1] = tu_r(ys[i]);
  }
  check_real(tu_agg("covariance", NULL, 2, 5, c, NULL), 20.5, 1e-12);
  check_real(tu_agg("covariancep", NULL, 2, 5, c, NULL), 16.4, 1e-12);
  /* fuzz:agent-aggregation-0012.2 */
  for (int i = 0; i < 6; i++) r[i] = tu_r(i + 1);
  check_real(tu_agg("stdev", NULL, 1, 6, r, NULL), 1.8708286933869707, 1e-12);
  check_real(tu_agg("stdevp", NULL, 1, 6, r, NULL), 1.707825127669692, 1e-12);
}

static void test_percentiles(void) {
  /* fuzz:agent-aggregation-0036.2: [10, 20] p25 = p50 = 10; [1,2,3] p50 <= 2 */
  kv_value r[10];
  kv_value p25[2] = {kv_null(KV_LONG), tu_l(25)}, p50[2] = {kv_null(KV_LONG), tu_l(50)};
  kv_value rows[4] = {tu_l(10), tu_l(50), tu_l(20), tu_l(50)};
  TEST_EQ_STR(tu_agg("percentile", NULL, 2, 2, rows, p50), "10");
  rows[1] = rows[3] = tu_l(25);
  TEST_EQ_STR(tu_agg("percentile", NULL, 2, 2, rows, p25), "10");
  /* fuzz:agent-nested-pipelines-let-cte-0031.2: percentiles(v, 50) of 1..5 = 3 */
  kv_value r5[10];
  for (int i = 0; i < 5; i++) {
    r5[2 * i] = tu_l(i + 1);
    r5[2 * i + 1] = tu_l(50);
  }
  TEST_EQ_STR(tu_agg("percentiles", NULL, 2, 5, r5, p50), "[3]");
  /* emulator:invoke-operator-00: percentiles of 1..100 at 5 and 99 -> 5, 99 */
  kv_value *big = calloc(300, sizeof *big);
  for (int i = 0; i < 100; i++) {
    big[3 * i] = tu_l(i + 1);
    big[3 * i + 1] = tu_l(5);
    big[3 * i + 2] = tu_l(99);
  }
  kv_value pc[3] = {kv_null(KV_LONG), tu_l(5), tu_l(99)};
  TEST_EQ_STR(tu_agg("percentiles", NULL, 3, 100, big, pc), "[5,99]");
  free(big);
  /* emulator:percentilesw-aggregation-function-01/02 */
  kv_value w[4 * 5];
  int64_t counts[4] = {8, 6, 3, 1}, buckets[4] = {10, 20, 30, 40};
  for (int i = 0; i < 4; i++) {
    w[5 * i] = tu_l(buckets[i]);
    w[5 * i + 1] = tu_l(counts[i]);
    w[5 * i + 2] = tu_l(50);
    w[5 * i + 3] = tu_l(75);
    w[5 * i + 4] = tu_r(99.9);
  }
  kv_value wc[5] = {kv_null(KV_LONG), kv_null(KV_LONG), tu_l(50), tu_l(75), tu_r(99.9)};
  TEST_EQ_STR(tu_agg("percentilesw", NULL, 5, 4, w, wc), "[20,20,40]");
  (void)r;
  /* Past 65,536 values per group the state is a reservoir sample: the
   * median of 1..300000 must stay within 1% of 150000 (bounded memory). */
  const int n = 300000;
  kv_value *many = calloc((size_t)n * 2, sizeof *many);
  for (int i = 0; i < n; i++) {
    many[2 * i] = tu_l(i + 1);
    many[2 * i + 1] = tu_l(50);
  }
  double med = strtod(tu_agg("percentile", NULL, 2, n, many, p50), NULL);
  TEST_CHECK_MSG(fabs(med - 150000.0) < 1500.0, "median %.0f", med);
  free(many);
}

static void test_collect(void) {
  /* fuzz:agent-aggregation-0003 / 0004: first-arrival order */
  kv_value r[5] = {tu_i(5), tu_i(3), tu_i(9), tu_i(1), tu_i(7)};
  AGG("[5,3,9,1,7]", "make_set", 1, 5, r);
  kv_value s[5] = {tu_s("b"), tu_s("a"), tu_s("c"), tu_s("a"), tu_s("b")};
  AGG("[\"b\",\"a\",\"c\",\"a\",\"b\"]", "make_list", 1, 5, s);
  AGG("[\"b\",\"a\",\"c\"]", "make_set", 1, 5, s);
  AGG("3", "count_distinct", 1, 5, s);
  AGG("3", "dcount", 1, 5, s);
  /* fuzz:agent-null-and-edge-0035.2: nulls skipped */
  kv_value n[3] = {tu_l(1), tu_null(KV_LONG), tu_l(3)};
  AGG("[1,3]", "make_list", 1, 3, n);
  AGG("[1,3]", "make_set", 1, 3, n);
  AGG("[1,null,3]", "make_list_with_nulls", 1, 3, n);
  AGG("2", "dcount", 1, 3, n);
  /* fuzz:agent-aggregation-0004.2: make_bag keeps the first value of a key */
  kv_value b[3] = {tu_j("{\"a\":1}"), tu_j("{\"a\":2,\"b\":3}"), tu_j("{\"c\":4}")};
  AGG("{\"a\":1,\"b\":3,\"c\":4}", "make_bag", 1, 3, b);
  /* fuzz:agent-aggregation-0017.3: empty input */
  AGG("[]", "make_list", 1, 0, NULL);
  AGG("{}", "make_bag", 1, 0, NULL);
  /* arg_max / arg_min: kql_fn.h array convention */
  kv_value a[6] = {tu_l(3), tu_s("x"), tu_l(9), tu_s("y"), tu_l(1), tu_s("z")};
  AGG("[9,\"y\"]", "arg_max", 2, 3, a);
  AGG("[1,\"z\"]", "arg_min", 2, 3, a);
  AGG("[null,null]", "arg_max", 2, 0, NULL);
  release_rows(s, 5);
  release_rows(b, 3);
  release_rows(a, 6);
}

static void test_hll(void) {
  /* Small sets are exact (sparse mode). */
  kql_hll *h = kql_hll_new(1);
  for (int64_t i = 0; i < 1000; i++) kql_hll_add_hash(h, kv_hash(kv_long(i)));
  for (int64_t i = 0; i < 1000; i++) kql_hll_add_hash(h, kv_hash(kv_long(i)));
  TEST_EQ_INT(kql_hll_estimate(h), 1000);
  kql_hll_free(h);
  /* Dense mode: error within 3 standard errors (1.04/sqrt(m)) of the truth
   * for accuracy levels 0, 1, 2 (m = 2^12, 2^14, 2^16). */
  const int bits[3] = {12, 14, 16};
  const int64_t n = 200000;
  for (int acc = 0; acc < 3; acc++) {
    h = kql_hll_new(acc);
    for (int64_t i = 0; i < n; i++) kql_hll_add_hash(h, kv_hash(kv_long(i * 7919 + acc)));
    double est = (double)kql_hll_estimate(h);
    double rse = 1.04 / sqrt((double)(1 << bits[acc]));
    TEST_CHECK_MSG(fabs(est - (double)n) / (double)n < 3 * rse, "accuracy %d: estimate %.0f for %lld", acc, est,
                   (long long)n);
    kql_hll_free(h);
  }
}

static void test_table(void) {
  const kql_agg_def *d = kql_agg_lookup("sum", 3);
  TEST_CHECK(d && d->state_size > 0);
  kv_type ti = KV_INT, tr = KV_REAL, tt = KV_TIMESPAN;
  TEST_CHECK(d && d->result_type(&ti, 1) == KV_LONG); /* fuzz:type-casts-coercion-0054 */
  TEST_CHECK(d && d->result_type(&tr, 1) == KV_REAL);
  TEST_CHECK(d && d->result_type(&tt, 1) == KV_TIMESPAN);
  d = kql_agg_lookup("avg", 3);
  TEST_CHECK(d && d->result_type(&ti, 1) == KV_REAL);
  TEST_CHECK(kql_agg_lookup("no_such_agg", 11) == NULL);
}

int main(void) {
  TEST_RUN(test_counts_sums);
  TEST_RUN(test_stats);
  TEST_RUN(test_percentiles);
  TEST_RUN(test_collect);
  TEST_RUN(test_hll);
  TEST_RUN(test_table);
  return e2k_test_report();
}
