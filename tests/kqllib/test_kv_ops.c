/* SPDX-License-Identifier: MIT
 * kv_ops: Kusto conversions, comparison, ordering, identity/hash and
 * arithmetic typing. Expected values are the real engine's answers from the
 * conformance corpus (ids "fuzz:<id>" = kql2sql-fuzz:<id> in
 * cases_fuzz_dev.jsonl, "emulator:<id>" in cases_emulator.jsonl). */
#include <math.h>
#include <string.h>

#include "e2k_test.h"
#include "value/kv_ops.h"

static kv_value S(const char *s) { return kv_cstring(s); }

static void test_to_long_int(void) {
  kv_value v;
  /* fuzz:agent-type-casts-coercion-0007: toint("2147483648") null, tolong ok */
  v = S("2147483648");
  TEST_CHECK(kv_is_null(kv_to_int(v)));
  TEST_EQ_INT(kv_to_long(v).u.i, 2147483648LL);
  kv_release(v);
  v = S("99999999999");
  TEST_CHECK(kv_is_null(kv_to_int(v)));
  kv_release(v);
  /* fuzz:agent-type-casts-coercion-0008.2: hex forms */
  v = S("0x7FFFFFFF");
  TEST_EQ_INT(kv_to_int(v).u.i, 2147483647);
  kv_release(v);
  v = S("0xFFFFFFFFFFFFFFFF");
  TEST_EQ_INT(kv_to_long(v).u.i, -1);
  kv_release(v);
  v = S("0X1f");
  TEST_EQ_INT(kv_to_int(v).u.i, 31);
  kv_release(v);
  v = S("-0x10");
  TEST_CHECK(kv_is_null(kv_to_int(v)));
  kv_release(v);
  /* fuzz:agent-type-casts-coercion-0039: empty strings give null */
  v = S("");
  TEST_CHECK(kv_is_null(kv_to_int(v)));
  TEST_CHECK(kv_is_null(kv_to_long(v)));
  TEST_CHECK(kv_is_null(kv_to_real(v)));
  TEST_CHECK(kv_is_null(kv_to_bool(v)));
  kv_release(v);
  /* fuzz:agent-type-casts-coercion-0027: toint(2.5)=2, toint(-2.5)=-2, toint(2.9)=2 */
  TEST_EQ_INT(kv_to_int(kv_real(2.5)).u.i, 2);
  TEST_EQ_INT(kv_to_int(kv_real(-2.5)).u.i, -2);
  TEST_EQ_INT(kv_to_int(kv_real(2.9)).u.i, 2);
  /* fuzz:agent-type-casts-coercion-0044: tolong(-9.99) == -9 */
  TEST_EQ_INT(kv_to_long(kv_real(-9.99)).u.i, -9);
  /* fuzz:agent-type-casts-coercion-0043.2: dynamic long max -> toint -1, dyn real saturates */
  kv_value d = kv_to_dynamic(kv_long(INT64_MAX));
  TEST_EQ_INT(kv_to_int(d).u.i, -1);
  TEST_EQ_INT(kv_to_long(d).u.i, INT64_MAX);
  kv_value dr = kv_to_dynamic(kv_real(1.7976931348623157e308));
  TEST_EQ_INT(kv_to_int(dr).u.i, 2147483647);
  TEST_EQ_INT(kv_to_long(dr).u.i, INT64_MAX);
  TEST_EQ_STR(kv_gettype_name(dr), "double");
  TEST_EQ_STR(kv_gettype_name(d), "long");
  /* fuzz:agent-null-and-edge-0031.3: tolong(todouble("inf")) is null */
  TEST_CHECK(kv_is_null(kv_to_long(kv_real(INFINITY))));
  /* fuzz:agent-type-casts-coercion-0029: toint(true) == 1 */
  TEST_EQ_INT(kv_to_int(kv_bool(true)).u.i, 1);
}

static void test_to_real_bool(void) {
  kv_value v;
  double r;
  /* fuzz:agent-type-casts-coercion-0010.2 */
  v = S("  NaN  ");
  r = kv_to_real(v).u.r;
  TEST_CHECK(isnan(r));
  kv_release(v);
  v = S("INF");
  TEST_CHECK(kv_is_null(kv_to_real(v)));
  kv_release(v);
  v = S("-inf");
  TEST_CHECK(kv_to_real(v).u.r == -INFINITY);
  kv_release(v);
  v = S("+Infinity");
  TEST_CHECK(kv_to_real(v).u.r == INFINITY);
  kv_release(v);
  /* fuzz:agent-string-ops-0034.3: toreal("1.5e3") == 1500, "abc" null */
  v = S("1.5e3");
  TEST_CHECK(kv_to_real(v).u.r == 1500.0);
  kv_release(v);
  v = S("abc");
  TEST_CHECK(kv_is_null(kv_to_real(v)));
  kv_release(v);
  /* fuzz:agent-type-casts-coercion-0025.2: tobool */
  const char *in[] = {"true", "True", "1", "1.0", "-1", "0.0", "yes"};
  const int want[] = {1, 1, 1, -1, 1, -1, -1}; /* -1 = null */
  for (int i = 0; i < 7; i++) {
    v = S(in[i]);
    kv_value b = kv_to_bool(v);
    TEST_EQ_INT(kv_is_null(b) ? -1 : b.u.b, want[i]);
    kv_release(v);
  }
}

static void test_to_string(void) {
  kv_value s;
  /* fuzz:agent-type-casts-coercion-0021.3 / 0023.2 / 0029 / 0045 */
  struct {
    kv_value in;
    const char *want;
  } cases[] = {
      {kv_real(1.0), "1.0"},
      {kv_real(1.5), "1.5"},
      {kv_real(100000000000.0), "100000000000.0"},
      {kv_real(-0.0), "-0.0"},
      {kv_real(INFINITY), "inf"},
      {kv_real(NAN), "NaN"},
      {kv_real(1.0 / 3.0), "0.3333333333333333"},
      {kv_long(INT64_MAX), "9223372036854775807"},
      {kv_bool(true), "True"},
      {kv_to_dynamic(kv_bool(true)), "true"},
      {kv_null(KV_INT), ""},
      {kv_dyn_null(), ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    s = kv_to_string_value(cases[i].in);
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)s.len, s.u.s);
    TEST_EQ_STR(buf, cases[i].want);
    kv_release(s);
  }
  /* fuzz:agent-type-casts-coercion-0020.3: tostring(1d) == "1.00:00:00" */
  s = kv_to_string_value(kv_timespan(KV_TICKS_PER_DAY));
  TEST_CHECK(s.len == 10 && memcmp(s.u.s, "1.00:00:00", 10) == 0);
  kv_release(s);
}

static void test_timespan_text(void) {
  int64_t t;
  /* fuzz:agent-datetime-timespan-0041.2: totimespan("1.02:03:04.5000000") */
  TEST_CHECK(kv_parse_timespan("1.02:03:04.5000000", 18, &t));
  TEST_EQ_INT(t, KV_TICKS_PER_DAY + 2 * INT64_C(36000000000) + 3 * INT64_C(600000000) + 45000000);
  TEST_CHECK(kv_parse_timespan("-02:30", 6, &t));
  TEST_EQ_INT(t, -(2 * INT64_C(36000000000) + 30 * INT64_C(600000000)));
  TEST_CHECK(kv_parse_timespan("10s", 3, &t));
  TEST_EQ_INT(t, 10 * KV_TICKS_PER_SECOND);
  TEST_CHECK(kv_parse_timespan("1.5h", 4, &t));
  TEST_EQ_INT(t, 54000000000LL);
  TEST_CHECK(kv_parse_timespan("100ms", 5, &t));
  TEST_EQ_INT(t, 1000000);
  TEST_CHECK(kv_parse_timespan("1tick", 5, &t));
  TEST_EQ_INT(t, 1);
  TEST_CHECK(!kv_parse_timespan("abc", 3, &t));
}

static void test_compare(void) {
  kv_value n = kv_null(KV_INT);
  /* fuzz:agent-null-and-edge-0004: null == null is false */
  TEST_EQ_INT(kv_cmp(KV_CMP_EQ, n, n), 0);
  /* fuzz:agent-type-casts-coercion-0039.2: toint("xyz") == 0 is false */
  TEST_EQ_INT(kv_cmp(KV_CMP_EQ, n, kv_long(0)), 0);
  /* fuzz:agent-null-and-edge-0003: not(x > 0) keeps no row -> null */
  TEST_EQ_INT(kv_cmp(KV_CMP_GT, n, kv_long(0)), -1);
  TEST_EQ_INT(kv_cmp(KV_CMP_LE, n, kv_long(0)), -1);
  /* fuzz:agent-type-casts-coercion-0011.2: NaN == NaN false, != true, < false */
  TEST_EQ_INT(kv_cmp(KV_CMP_EQ, kv_real(NAN), kv_real(NAN)), 0);
  TEST_EQ_INT(kv_cmp(KV_CMP_NE, kv_real(NAN), kv_real(NAN)), 1);
  TEST_EQ_INT(kv_cmp(KV_CMP_LT, kv_real(NAN), kv_real(1.0)), 0);
  /* numbers across kinds */
  TEST_EQ_INT(kv_cmp(KV_CMP_EQ, kv_int(3), kv_real(3.0)), 1);
  TEST_EQ_INT(kv_cmp(KV_CMP_LT, kv_long(2), kv_real(2.5)), 1);
  kv_value d = kv_to_dynamic(kv_long(10));
  TEST_EQ_INT(kv_cmp(KV_CMP_EQ, d, kv_long(10)), 1);
  /* fuzz:agent-nested-pipelines-let-cte-0012.3: strings sort ordinally */
  kv_value a = S("Beta"), b = S("alpha"), c = S("O'Brien");
  TEST_CHECK(kv_order(a, c, true) < 0);
  TEST_CHECK(kv_order(c, b, true) < 0);
  /* fuzz:agent-null-and-edge-0014/0015: desc puts nulls last, asc first */
  TEST_CHECK(kv_sort_compare(n, kv_long(5), true, false) > 0);
  TEST_CHECK(kv_sort_compare(n, kv_long(5), false, true) < 0);
  TEST_CHECK(kv_sort_compare(kv_long(15), kv_long(5), true, false) < 0);
  kv_release(a);
  kv_release(b);
  kv_release(c);
}

static void test_same_hash(void) {
  TEST_CHECK(kv_same(kv_long(1), kv_real(1.0)));
  TEST_CHECK(kv_hash(kv_long(1)) == kv_hash(kv_real(1.0)));
  TEST_CHECK(kv_hash(kv_int(7)) == kv_hash(kv_long(7)));
  TEST_CHECK(!kv_same(kv_long(1), kv_bool(true)));
  TEST_CHECK(kv_same(kv_null(KV_LONG), kv_null(KV_LONG)));
  kv_value s1 = S("abc"), s2 = kv_to_dynamic(s1);
  TEST_CHECK(kv_same(s1, s2));
  TEST_CHECK(kv_hash(s1) == kv_hash(s2));
  kv_release(s1);
  kv_release(s2);
  char err[64];
  kv_value b1, b2;
  TEST_CHECK(kv_parse_json("{\"a\":1,\"b\":[1,2]}", 17, &b1, err, sizeof err) == 0);
  TEST_CHECK(kv_parse_json("{\"b\":[1,2],\"a\":1.0}", 19, &b2, err, sizeof err) == 0);
  TEST_CHECK(kv_same(b1, b2));
  TEST_CHECK(kv_hash(b1) == kv_hash(b2));
  kv_release(b1);
  kv_release(b2);
}

static void test_arith(void) {
  kv_value r;
  /* fuzz:agent-type-casts-coercion-0003/0055: int + int is long, no overflow */
  TEST_EQ_INT(kv_arith_type(KV_OP_ADD, KV_INT, KV_INT), KV_LONG);
  r = kv_add(kv_int(2147483647), kv_int(1));
  TEST_EQ_INT(r.type, KV_LONG);
  TEST_EQ_INT(r.u.i, 2147483648LL);
  /* fuzz:agent-type-casts-coercion-0035.3: long max + 1 wraps */
  TEST_EQ_INT(kv_add(kv_long(INT64_MAX), kv_long(1)).u.i, INT64_MIN);
  /* fuzz:agent-type-casts-coercion-0029.3: l / i; division by zero -> null */
  TEST_EQ_INT(kv_div(kv_long(2147483648LL), kv_int(3)).u.i, 715827882);
  TEST_CHECK(kv_is_null(kv_div(kv_long(0), kv_int(0))));
  TEST_EQ_INT(kv_arith_type(KV_OP_ADD, KV_INT, KV_REAL), KV_REAL);
  /* fuzz:agent-null-and-edge-0031/0032: real / 0 */
  TEST_CHECK(kv_div(kv_real(1.0), kv_real(0.0)).u.r == INFINITY);
  TEST_CHECK(isnan(kv_div(kv_real(0.0), kv_real(0.0)).u.r));
  /* fuzz:agent-type-casts-coercion-0000.2: % is never negative */
  TEST_EQ_INT(kv_mod(kv_int(-7), kv_int(3)).u.i, 2);
  TEST_EQ_INT(kv_mod(kv_int(-7), kv_int(-3)).u.i, 2);
  TEST_EQ_INT(kv_mod(kv_int(7), kv_int(-3)).u.i, 1);
  TEST_EQ_INT(kv_mod(kv_int(-1), kv_int(3)).u.i, 2);
  /* fuzz:agent-type-casts-coercion-0027.2: 1d / 1h is real 24 */
  r = kv_div(kv_timespan(KV_TICKS_PER_DAY), kv_timespan(36000000000LL));
  TEST_EQ_INT(r.type, KV_REAL);
  TEST_CHECK(r.u.r == 24.0);
  /* fuzz:agent-datetime-timespan-0036.2: datetime - datetime is timespan */
  TEST_EQ_INT(kv_arith_type(KV_OP_SUB, KV_DATETIME, KV_DATETIME), KV_TIMESPAN);
  r = kv_sub(kv_datetime(KV_UNIX_EPOCH_TICKS), kv_datetime(KV_UNIX_EPOCH_TICKS - 36000000000LL));
  TEST_EQ_INT(r.u.i, 36000000000LL);
  /* emulator:pack-array-function-01: (x * 2) * 1s is a timespan */
  r = kv_mul(kv_long(4), kv_timespan(KV_TICKS_PER_SECOND));
  TEST_EQ_INT(r.type, KV_TIMESPAN);
  TEST_EQ_INT(r.u.i, 4 * KV_TICKS_PER_SECOND);
  TEST_EQ_INT(kv_arith_type(KV_OP_ADD, KV_STRING, KV_LONG), KV_TYPE_COUNT);
  /* fuzz:agent-type-casts-coercion-0039.2: null + 1 is null */
  TEST_CHECK(kv_is_null(kv_add(kv_null(KV_INT), kv_long(1))));
}

static void test_strops(void) {
  /* has: whole terms */
  TEST_CHECK(kv_str_has("hello world", 11, "world", 5, false));
  TEST_CHECK(kv_str_has("Hello World", 11, "WORLD", 5, false));
  TEST_CHECK(!kv_str_has("helloworld", 10, "world", 5, false));
  TEST_CHECK(kv_str_has("a-b-c", 5, "b-c", 3, false));
  TEST_CHECK(!kv_str_has("Hello World", 11, "WORLD", 5, true));
  TEST_CHECK(kv_str_hasprefix("hello world", 11, "wor", 3, false));
  TEST_CHECK(!kv_str_hasprefix("hello world", 11, "orl", 3, false));
  TEST_CHECK(kv_str_hassuffix("hello world", 11, "rld", 3, false));
  TEST_CHECK(kv_str_contains("hello", 5, "ELL", 3, false));
  TEST_CHECK(!kv_str_contains("hello", 5, "ELL", 3, true));
  /* UTF-8 folding of Latin-1 and Cyrillic capitals */
  TEST_CHECK(kv_str_eq("\xc3\x85ngstr\xc3\xb6m", 10, "\xc3\xa5NGSTR\xc3\x96M", 10, false));
  TEST_CHECK(kv_str_contains("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 12, "\xd0\xbf\xd0\xa0\xd0\x98", 6, false));
  TEST_CHECK(kv_str_startswith("abc", 3, "", 0, true));
  TEST_CHECK(kv_str_endswith("abc", 3, "BC", 2, false));
  TEST_EQ_INT(kv_str_find("abcabc", 6, "ca", 2, true), 2);
  TEST_CHECK(kv_str_cmp_ci("abc", 3, "ABD", 3) < 0);
}

int main(void) {
  TEST_RUN(test_to_long_int);
  TEST_RUN(test_to_real_bool);
  TEST_RUN(test_to_string);
  TEST_RUN(test_timespan_text);
  TEST_RUN(test_compare);
  TEST_RUN(test_same_hash);
  TEST_RUN(test_arith);
  TEST_RUN(test_strops);
  return e2k_test_report();
}
