/* SPDX-License-Identifier: MIT
 * Value model tests: canonical text forms against Kusto's documented output,
 * JSON round trips, refcount/ownership behaviour (ASan catches leaks). */
#include "e2k_test.h"
#include "value/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *fmt_dt(kv_buf *b, int64_t t) { b->len = 0; kv_format_datetime(b, t); return b->data; }
static const char *fmt_ts(kv_buf *b, int64_t t) { b->len = 0; kv_format_timespan(b, t); return b->data; }

static void test_datetime(void) {
  kv_buf b; kv_buf_init(&b);
  int64_t t;
  /* 2012-06-19T20:33:52.8135944Z is the KernelNetwork sample's start (EXPECTED.json). */
  TEST_CHECK(kv_parse_datetime("2012-06-19T20:33:52.8135944Z", 28, &t));
  TEST_EQ_STR(fmt_dt(&b, t), "2012-06-19T20:33:52.8135944Z");
  /* Unix epoch is 621355968000000000 .NET ticks (documented DateTime constant). */
  TEST_CHECK(kv_parse_datetime("1970-01-01", 10, &t));
  TEST_EQ_INT(t, INT64_C(621355968000000000));
  TEST_EQ_STR(fmt_dt(&b, 0), "0001-01-01T00:00:00.0000000Z");
  /* FILETIME 0 = 1601-01-01. */
  TEST_EQ_STR(fmt_dt(&b, kv_ticks_from_filetime(0)), "1601-01-01T00:00:00.0000000Z");
  TEST_CHECK(kv_parse_datetime("2000-02-29 23:59:59.5", 21, &t));
  TEST_EQ_STR(fmt_dt(&b, t), "2000-02-29T23:59:59.5000000Z");
  TEST_CHECK(!kv_parse_datetime("2001-02-29", 10, &t));
  TEST_CHECK(!kv_parse_datetime("2001-13-01", 10, &t));
  TEST_CHECK(kv_parse_datetime("2020-01-01T01:00:00+01:00", 25, &t));
  TEST_EQ_STR(fmt_dt(&b, t), "2020-01-01T00:00:00.0000000Z");
  kv_buf_free(&b);
}

static void test_timespan(void) {
  kv_buf b; kv_buf_init(&b);
  /* Kusto prints 1.5 h as 01:30:00, 2 days 3 s as 2.00:00:03, 1 ms as 00:00:00.0010000 */
  TEST_EQ_STR(fmt_ts(&b, 54000000000LL), "01:30:00");
  TEST_EQ_STR(fmt_ts(&b, 2 * KV_TICKS_PER_DAY + 30000000LL), "2.00:00:03");
  TEST_EQ_STR(fmt_ts(&b, 10000), "00:00:00.0010000");
  TEST_EQ_STR(fmt_ts(&b, -10000000), "-00:00:01");
  kv_buf_free(&b);
}

static void test_guid(void) {
  uint8_t g[16];
  kv_buf b; kv_buf_init(&b);
  TEST_CHECK(kv_parse_guid("{7DD42A49-5329-4832-8DFD-43D979153A88}", 38, g));
  /* Windows byte order: Data1 little-endian. */
  TEST_EQ_INT(g[0], 0x49); TEST_EQ_INT(g[3], 0x7d); TEST_EQ_INT(g[4], 0x29); TEST_EQ_INT(g[8], 0x8d);
  kv_format_guid(&b, g);
  TEST_EQ_STR(b.data, "7dd42a49-5329-4832-8dfd-43d979153a88");
  TEST_CHECK(!kv_parse_guid("7dd42a49-5329-4832-8dfd-43d979153a8", 35, g));
  TEST_CHECK(!kv_parse_guid("7dd42a49-5329-4832-8dfd-43d979153a8g", 36, g));
  kv_buf_free(&b);
}

static void json_roundtrip(const char *in, const char *expect) {
  kv_value v; char err[128];
  int rc = kv_parse_json(in, strlen(in), &v, err, sizeof err);
  TEST_CHECK_MSG(rc == 0, "%s: %s", in, err);
  kv_buf b; kv_buf_init(&b);
  kv_to_json(&b, v);
  TEST_EQ_STR(b.data, expect);
  kv_buf_free(&b);
  kv_release(v);
}

static void test_json(void) {
  json_roundtrip("{\"a\": 1, \"b\": [true, null, 2.5, \"x\\ny\"], \"c\": {}}", "{\"a\":1,\"b\":[true,null,2.5,\"x\\ny\"],\"c\":{}}");
  json_roundtrip("\"\\u00e9\\ud83d\\ude00\"", "\"\xc3\xa9\xf0\x9f\x98\x80\"");
  json_roundtrip("-0", "0");
  /* 12345678901234567168: 17 digits needed, ...567 and ...568 both read back; the larger wins (kv_real_text.c) */
  json_roundtrip("12345678901234567890", "1.2345678901234568e+19");
  json_roundtrip("[1e2, -3.25E-1, -0.0]", "[100.0,-0.325,-0.0]");
  json_roundtrip("[2.5e-7, 1e300]", "[2.5e-07,1e+300]");
  json_roundtrip("{\"k\":1,\"k\":2}", "{\"k\":2}");
  const char *bad[] = {"", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01", "1.", "[1] x", "\"\\x\"", "{\"a\":1,}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    kv_value v; char err[128];
    TEST_CHECK_MSG(kv_parse_json(bad[i], strlen(bad[i]), &v, err, sizeof err) < 0, "accepted: %s", bad[i]);
    TEST_CHECK(strstr(err, "invalid JSON at byte") != NULL);
  }
  /* depth limit */
  char deep[2000]; memset(deep, '[', sizeof deep);
  kv_value v; char err[128];
  TEST_CHECK(kv_parse_json(deep, sizeof deep, &v, err, sizeof err) < 0);
}

static void test_bag_and_refs(void) {
  kv_value bag = kv_dyn_bag();
  char key[16];
  for (int i = 0; i < 100; i++) {
    snprintf(key, sizeof key, "k%d", i);
    kv_bag_set(bag, key, strlen(key), kv_long(i));
  }
  TEST_EQ_INT(kv_bag_count(bag), 100);
  TEST_EQ_INT(kv_bag_get(bag, "k57", 3).u.i, 57);
  TEST_CHECK(kv_bag_remove(bag, "k0", 2));
  TEST_CHECK(!kv_bag_has(bag, "k0", 2));
  TEST_EQ_INT(kv_bag_get(bag, "k99", 3).u.i, 99);
  const char *k; size_t kl;
  kv_bag_entry(bag, 0, &k, &kl);
  TEST_EQ_STR(k, "k1"); /* insertion order kept after remove */
  char text[] = "borrowed";
  kv_bag_set(bag, "s", 1, kv_string_borrowed(text, 8));
  text[0] = 'X'; /* the bag must have copied the borrowed string */
  kv_value s = kv_bag_get(bag, "s", 1);
  TEST_CHECK(s.len == 8 && memcmp(s.u.s, "borrowed", 8) == 0);
  kv_value arr = kv_dyn_array();
  kv_array_push(arr, kv_retain(bag));
  kv_release(bag);
  TEST_EQ_INT(kv_bag_count(kv_array_get(arr, 0)), 100);
  kv_release(arr);
}

static void test_scalars_json(void) {
  kv_buf b; kv_buf_init(&b);
  kv_to_json(&b, kv_null(KV_LONG)); kv_buf_putc(&b, ' ');
  kv_to_json(&b, kv_real(0.1)); kv_buf_putc(&b, ' ');
  kv_to_json(&b, kv_real(1.0 / 0.0)); kv_buf_putc(&b, ' ');
  kv_to_json(&b, kv_timespan(KV_TICKS_PER_SECOND)); kv_buf_putc(&b, ' ');
  kv_to_json(&b, kv_int(-7));
  TEST_EQ_STR(b.data, "null 0.1 \"Infinity\" \"00:00:01\" -7");
  b.len = 0;
  kv_buf_json_string(&b, "a\xff\x01", 3);
  TEST_EQ_STR(b.data, "\"a\xef\xbf\xbd\\u0001\"");
  kv_buf_free(&b);
}

static const char *fmt_real(kv_buf *b, double r) {
  b->len = 0;
  kv_format_real(b, r);
  return b->data;
}

/* Shortest digit count that reads back, per %.<n>g with n = 1..17. */
static int shortest_digits(double r) {
  char t[40];
  for (int n = 1; n < 17; n++) {
    snprintf(t, sizeof t, "%.*g", n, r);
    if (strtod(t, NULL) == r) return n;
  }
  return 17;
}

static int significant_digits(const char *s) {
  int n = 0, lead = 1, pending_zeros = 0;
  for (; *s && *s != 'e'; s++) {
    if (*s < '0' || *s > '9') continue;
    if (*s == '0' && lead) continue;
    lead = 0;
    if (*s == '0') {
      pending_zeros++;
    } else {
      n += pending_zeros + 1;
      pending_zeros = 0;
    }
  }
  return n ? n : 1;
}

/* The engine's strings from the conformance corpus, then properties over many
 * doubles: each text reads back as the same double and is as short as any. */
static void test_real_text(void) {
  kv_buf b; kv_buf_init(&b);
  TEST_EQ_STR(fmt_real(&b, 0.1 + 0.2), "0.30000000000000007");        /* kql2sql-fuzz type-casts-coercion-0021.3 */
  TEST_EQ_STR(fmt_real(&b, 1.0 / 3.0), "0.3333333333333333");         /* type-casts-coercion-0023.2 */
  TEST_EQ_STR(fmt_real(&b, 40.764323000000005), "40.764323000000008"); /* emulator geo-line-densify-function-00 */
  TEST_EQ_STR(fmt_real(&b, 9.999999999999998), "9.999999999999999");   /* emulator geo-polygon-densify-function-01 */
  TEST_EQ_STR(fmt_real(&b, 10.000000000000002), "10.000000000000002");
  TEST_EQ_STR(fmt_real(&b, 1.5), "1.5");
  TEST_EQ_STR(fmt_real(&b, -0.30000000000000004), "-0.30000000000000007");
  TEST_EQ_STR(fmt_real(&b, 9.4555282978390846e-310), "9.4555282978391e-310"); /* subnormal: 14 digits suffice */
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  int bad = 0;
  for (int i = 0; i < 20000 && bad < 5; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    double r;
    uint64_t bits = x;
    memcpy(&r, &bits, sizeof r);
    if (isnan(r) || isinf(r)) continue;
    const char *t = fmt_real(&b, r);
    if (strtod(t, NULL) != r || significant_digits(t) != shortest_digits(r)) {
      fprintf(stderr, "real text %s for %.17g (shortest %d digits)\n", t, r, shortest_digits(r));
      bad++;
    }
  }
  TEST_EQ_INT(bad, 0);
  kv_buf_free(&b);
}

int main(void) {
  TEST_RUN(test_datetime);
  TEST_RUN(test_timespan);
  TEST_RUN(test_guid);
  TEST_RUN(test_json);
  TEST_RUN(test_bag_and_refs);
  TEST_RUN(test_scalars_json);
  TEST_RUN(test_real_text);
  return e2k_test_report();
}
