/* SPDX-License-Identifier: MIT
 * Tests of the KQL regex functions (fn_regex.c) called as the engine calls
 * them (kql_fn.h convention, call-site cache). Expected values are the real
 * Kusto engine's answers from the KQL corpus; each test names its case id
 * (see PROVENANCE.md). */
#include "kql/fn_regex.h"

#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "value/kv_ops.h"

/* One call site: a ctx with its own cache slot, freed at the end. */
typedef struct site {
  void *state;
  void (*free_fn)(void *);
  bool consts[4];
  kql_error err;
  kql_fn_ctx ctx;
} site;

static void site_init(site *s) {
  memset(s, 0, sizeof *s);
  for (int i = 0; i < 4; i++) s->consts[i] = true;
  s->ctx.site_state = &s->state;
  s->ctx.site_free = &s->free_fn;
  s->ctx.arg_is_constant = s->consts;
  s->ctx.err = &s->err;
}

static void site_done(site *s) {
  if (s->free_fn && s->state) s->free_fn(s->state);
  s->state = NULL;
}

static kv_value str(const char *s) { return kv_cstring(s); }

/* Compact JSON text of a value for comparisons with the corpus rows. */
static char *json(kv_value v) {
  static char out[2048];
  kv_buf b;
  kv_buf_init(&b);
  kv_to_json(&b, v);
  size_t n = b.len < sizeof out - 1 ? b.len : sizeof out - 1;
  memcpy(out, b.data ? b.data : "", n);
  out[n] = 0;
  kv_buf_free(&b);
  return out;
}

static void release_all(kv_value *a, int n) {
  for (int i = 0; i < n; i++) kv_release(a[i]);
}

/* extract(re, k, s) -> string; returns the JSON of the result. */
static void check_extract(site *st, const char *re, int k, const char *s, const char *want_json) {
  kv_value a[3] = {str(re), kv_long(k), str(s)};
  kv_value r = kql_fn_extract(&st->ctx, a, 3);
  TEST_CHECK_MSG(r.type == KV_STRING, "extract type %d", r.type);
  TEST_CHECK_MSG(strcmp(json(r), want_json) == 0, "extract(%s, %d, %s) = %s, want %s", re, k, s, json(r),
                 want_json);
  kv_release(r);
  release_all(a, 3);
}

static void test_extract(void) {
  site st;
  /* emulator:extract-function-00 */
  site_init(&st);
  check_extract(&st, "User: ([^,]+)", 1, "User: James, Email: James@example.com, Age: 29", "\"James\"");
  check_extract(&st, "User: ([^,]+)", 1, "User: David, Age: 35", "\"David\"");
  site_done(&st);
  site_init(&st);
  check_extract(&st, "Email: (\\S+),", 1, "User: James, Email: James@example.com, Age: 29",
                "\"James@example.com\"");
  check_extract(&st, "Email: (\\S+),", 1, "User: David, Age: 35", "\"\"");
  site_done(&st);
  site_init(&st);
  check_extract(&st, "\\d+", 0, "User: James, Email: James@example.com, Age: 29", "\"29\"");
  check_extract(&st, "\\d+", 0, "User: David, Age: 35", "\"35\"");
  site_done(&st);
  /* kql2sql-fuzz:agent-string-ops-0031 */
  site_init(&st);
  check_extract(&st, "(\\d+)-(\\d+)", 2, "2020-12-31T10:20:30", "\"12\"");
  check_extract(&st, "(\\d+)-(\\d+)", 2, "no match here", "\"\"");
  check_extract(&st, "(\\d+)-(\\d+)", 2, "42-and-7", "\"\"");
  site_done(&st);
  site_init(&st);
  check_extract(&st, "(\\d+)", 0, "2020-12-31T10:20:30", "\"2020\"");
  check_extract(&st, "(\\d+)", 0, "no match here", "\"\"");
  check_extract(&st, "(\\d+)", 0, "42-and-7", "\"42\"");
  site_done(&st);
  /* kql2sql-fuzz:agent-string-ops-0013.2 */
  site_init(&st);
  check_extract(&st, "key:.?(\\w+)", 1, "key:\"val\"", "\"val\"");
  check_extract(&st, "key:.?(\\w+)", 1, "key:'val'", "\"val\"");
  check_extract(&st, "key:.?(\\w+)", 1, "key:val", "\"al\"");
  site_done(&st);
  /* kql2sql-fuzz:agent-string-ops-0038.3 */
  site_init(&st);
  check_extract(&st, "\\{(.*)\\}", 1, "{\"k\":\"v\"}", "\"\\\"k\\\":\\\"v\\\"\"");
  check_extract(&st, "\\{(.*)\\}", 1, "[1,2,3]", "\"\"");
  check_extract(&st, "\\{(.*)\\}", 1, "plain", "\"\"");
  check_extract(&st, "\\{(.*)\\}", 1, "{}", "\"\"");
  site_done(&st);

  /* emulator:extract-function-01: typeof(int) arrives as a typed null of int */
  site_init(&st);
  const char *dates[3] = {"15-12-2024", "21-07-2023", "10-03-2022"};
  const int months[3] = {12, 7, 3};
  for (int i = 0; i < 3; i++) {
    kv_value a[4] = {str("-(\\d{2})-"), kv_long(1), str(dates[i]), kv_null(KV_INT)};
    kv_value r = kql_fn_extract(&st.ctx, a, 4);
    TEST_EQ_INT(r.type, KV_INT);
    TEST_CHECK(!kv_is_null(r));
    TEST_EQ_INT(r.u.i, months[i]);
    kv_release(r);
    release_all(a, 4);
  }
  /* no match with a type: a null of that type */
  kv_value a[4] = {str("-(\\d{2})-"), kv_long(1), str("nope"), kv_null(KV_INT)};
  kv_value r = kql_fn_extract(&st.ctx, a, 4);
  TEST_CHECK(r.type == KV_INT && kv_is_null(r));
  release_all(a, 4);
  site_done(&st);
  kv_type t4[4] = {KV_STRING, KV_LONG, KV_STRING, KV_INT};
  TEST_EQ_INT(kql_rt_extract(t4, 4), KV_INT);
  TEST_EQ_INT(kql_rt_extract(t4, 3), KV_STRING);

  /* an invalid pattern is a runtime error naming the function and offset */
  site_init(&st);
  kv_value b[3] = {str("(a"), kv_long(0), str("a")};
  r = kql_fn_extract(&st.ctx, b, 3);
  TEST_CHECK(strstr(st.err.message, "extract()") != NULL);
  TEST_CHECK(strstr(st.err.message, "offset 0") != NULL);
  kv_release(r);
  release_all(b, 3);
  site_done(&st);
}

static void check_all2(site *st, const char *re, const char *s, const char *want) {
  kv_value a[2] = {str(re), str(s)};
  kv_value r = kql_fn_extract_all(&st->ctx, a, 2);
  TEST_CHECK_MSG(strcmp(json(r), want) == 0, "extract_all(%s, %s) = %s, want %s", re, s, json(r), want);
  kv_release(r);
  release_all(a, 2);
}

static void check_all3(site *st, const char *re, const char *groups_json, const char *s, const char *want) {
  kv_value g;
  char err[128];
  TEST_CHECK(kv_parse_json(groups_json, strlen(groups_json), &g, err, sizeof err) == 0);
  kv_value a[3] = {str(re), g, str(s)};
  kv_value r = kql_fn_extract_all(&st->ctx, a, 3);
  TEST_CHECK_MSG(strcmp(json(r), want) == 0, "extract_all(%s, %s, %s) = %s, want %s", re, groups_json, s,
                 json(r), want);
  kv_release(r);
  release_all(a, 3);
}

static void test_extract_all(void) {
  site st;
  const char *id = "82b8be2d-dfa7-4bd1-8f63-24ad26d31449";
  site_init(&st); /* emulator:extract-all-function-00 */
  check_all2(&st, "(\\d+)", "a set of numbers: 123, 567 and 789", "[\"123\",\"567\",\"789\"]");
  site_done(&st);
  site_init(&st); /* emulator:extract-all-function-01 */
  check_all2(&st, "([\\da-f]{2})", id,
             "[\"82\",\"b8\",\"be\",\"2d\",\"df\",\"a7\",\"4b\",\"d1\",\"8f\",\"63\",\"24\",\"ad\",\"26\","
             "\"d3\",\"14\",\"49\"]");
  site_done(&st);
  site_init(&st); /* emulator:extract-all-function-02 */
  check_all2(&st, "(\\w)(\\w+)(\\w)", id,
             "[[\"8\",\"2b8be2\",\"d\"],[\"d\",\"fa\",\"7\"],[\"4\",\"bd\",\"1\"],[\"8\",\"f6\",\"3\"],"
             "[\"2\",\"4ad26d3144\",\"9\"]]");
  site_done(&st);
  site_init(&st); /* emulator:extract-all-function-03 */
  check_all3(&st, "(\\w)(\\w+)(\\w)", "[1,3]", id,
             "[[\"8\",\"d\"],[\"d\",\"7\"],[\"4\",\"1\"],[\"8\",\"3\"],[\"2\",\"9\"]]");
  site_done(&st);
  site_init(&st); /* emulator:extract-all-function-04 */
  check_all3(&st, "(?P<first>\\w)(?P<middle>\\w+)(?P<last>\\w)", "[\"first\",2,\"last\"]", id,
             "[[\"8\",\"2b8be2\",\"d\"],[\"d\",\"fa\",\"7\"],[\"4\",\"bd\",\"1\"],[\"8\",\"f6\",\"3\"],"
             "[\"2\",\"4ad26d3144\",\"9\"]]");
  site_done(&st);
  /* kql2sql-fuzz:agent-string-ops-0021.2 */
  site_init(&st);
  check_all2(&st, "(\\d+)", "2020-01-02 03:04", "[\"2020\",\"01\",\"02\",\"03\",\"04\"]");
  check_all2(&st, "(\\d+)", "a1b2c3d4", "[\"1\",\"2\",\"3\",\"4\"]");
  check_all2(&st, "(\\d+)", "nope", "null");
  site_done(&st);
  site_init(&st);
  check_all3(&st, "(\\d)(\\d)", "[1,2]", "2020-01-02 03:04",
             "[[\"2\",\"0\"],[\"2\",\"0\"],[\"0\",\"1\"],[\"0\",\"2\"],[\"0\",\"3\"],[\"0\",\"4\"]]");
  check_all3(&st, "(\\d)(\\d)", "[1,2]", "a1b2c3d4", "null");
  check_all3(&st, "(\\d)(\\d)", "[1,2]", "nope", "null");
  site_done(&st);
  /* kql2sql-fuzz:agent-string-ops-0030.3 */
  site_init(&st);
  check_all2(&st, "([;,|-])", "x;y,z|w", "[\";\",\",\",\"|\"]");
  check_all2(&st, "([;,|-])", "a-b", "[\"-\"]");
  check_all2(&st, "([;,|-])", "single", "null");
  site_done(&st);
  /* a group the regex lacks is an error */
  site_init(&st);
  kv_value g;
  char err[64];
  kv_parse_json("[\"nope\"]", 8, &g, err, sizeof err);
  kv_value a[3] = {str("(a)"), g, str("a")};
  kv_value r = kql_fn_extract_all(&st.ctx, a, 3);
  TEST_CHECK(strstr(st.err.message, "extract_all") != NULL);
  kv_release(r);
  release_all(a, 3);
  site_done(&st);
}

static void check_replace(site *st, const char *s, const char *re, const char *rw, const char *want) {
  kv_value a[3] = {str(s), str(re), str(rw)};
  kv_value r = kql_fn_replace_regex(&st->ctx, a, 3);
  TEST_CHECK_MSG(r.type == KV_STRING && r.len == strlen(want) && memcmp(r.u.s, want, r.len) == 0,
                 "replace_regex(%s, %s, %s) = %s, want %s", s, re, rw, json(r), want);
  kv_release(r);
  release_all(a, 3);
}

static void test_replace_regex(void) {
  site st;
  site_init(&st); /* emulator:replace-regex-function-00 */
  check_replace(&st, "Number is 1", "is (\\d+)", "was: \\1", "Number was: 1");
  check_replace(&st, "Number is 5", "is (\\d+)", "was: \\1", "Number was: 5");
  site_done(&st);
  site_init(&st); /* kql2sql-fuzz:agent-string-ops-0020.2 */
  check_replace(&st, "one two three", "\\s+", "-", "one-two-three");
  check_replace(&st, "wordword", "\\s+", "-", "wordword");
  check_replace(&st, "   ", "\\s+", "-", "-");
  site_done(&st);
  site_init(&st);
  check_replace(&st, "one two three", "(\\w)(\\w)", "\\2\\1", "noe wto htere");
  check_replace(&st, "wordword", "(\\w)(\\w)", "\\2\\1", "owdrowdr");
  check_replace(&st, "   ", "(\\w)(\\w)", "\\2\\1", "   ");
  site_done(&st);
  site_init(&st); /* kql2sql-fuzz:agent-string-ops-0008.3 */
  check_replace(&st, "abcABCabc", "(?i)abc", "#", "###");
  check_replace(&st, "XYZxyz", "(?i)abc", "#", "XYZxyz");
  check_replace(&st, "123", "(?i)abc", "#", "123");
  site_done(&st);
  site_init(&st);
  check_replace(&st, "abcABCabc", "([a-z])([A-Z])", "\\1_\\2", "abc_ABCabc");
  check_replace(&st, "XYZxyz", "([a-z])([A-Z])", "\\1_\\2", "XYZxyz");
  site_done(&st);
  site_init(&st); /* kql2sql-fuzz:agent-string-ops-0015.3 */
  check_replace(&st, "x", "x", "y", "y");
  check_replace(&st, "xxxx", "x", "y", "yyyy");
  site_done(&st);
  site_init(&st); /* kql2sql-fuzz:agent-string-ops-0030.3 */
  check_replace(&st, "x;y,z|w", "[;,|-]", "_", "x_y_z_w");
  check_replace(&st, "a-b", "[;,|-]", "_", "a_b");
  check_replace(&st, "single", "[;,|-]", "_", "single");
  site_done(&st);
  site_init(&st); /* kql2sql-fuzz:agent-string-ops-0039.3 */
  check_replace(&st, "abcxyzabc", "abc", "#", "#xyz#");
  check_replace(&st, "mix", "abc", "#", "mix");
  site_done(&st);
  /* RE2 rewrite rules: \0 whole match, \\ backslash; empty matches walk as GlobalReplace */
  site_init(&st);
  check_replace(&st, "ab", "b", "[\\0\\\\]", "a[b\\]");
  site_done(&st);
  site_init(&st);
  check_replace(&st, "abxd", "x*", "-", "-a-b-d-");
  site_done(&st);
  /* a per-row (non-constant) pattern recompiles when it changes */
  site_init(&st);
  st.consts[1] = false;
  check_replace(&st, "aXb", "X", "-", "a-b");
  check_replace(&st, "aXbY", "Y", "-", "aXb-");
  check_replace(&st, "aXbY", "X", "+", "a+bY");
  site_done(&st);
}

static void test_quote_and_matches(void) {
  site st;
  site_init(&st); /* emulator:regex-quote-function-00 */
  kv_value a[1] = {str("(so$me.Te^xt)")};
  kv_value r = kql_fn_regex_quote(&st.ctx, a, 1);
  TEST_CHECK(r.len == strlen("\\(so\\$me\\.Te\\^xt\\)") && memcmp(r.u.s, "\\(so\\$me\\.Te\\^xt\\)", r.len) == 0);
  kv_release(r);
  release_all(a, 1);
  site_done(&st);
  /* kql2sql-fuzz:agent-string-ops-0020.3 (where s matches regex ...) */
  const char *ip = "^\\d{1,3}(\\.\\d{1,3}){3}$";
  const char *subj[4] = {"192.168.0.1", "10.0.0.255", "not.an.ip", "1.2.3"};
  const bool want[4] = {true, true, false, false};
  site_init(&st);
  for (int i = 0; i < 4; i++) {
    kv_value m[2] = {str(subj[i]), str(ip)};
    kv_value b = kql_fn_matches_regex(&st.ctx, m, 2);
    TEST_CHECK_MSG(b.type == KV_BOOL && b.u.b == want[i], "%s matches regex", subj[i]);
    release_all(m, 2);
  }
  site_done(&st);
  /* kql2sql-fuzz:t1-string-ops-0074/0075: only "café" matches "f." and ".*é$" */
  const char *words[8] = {"alpha", "Beta", "café", "", " spaced ", "O'Brien", "where", "MiXeD"};
  const char *pats[2] = {"f.", ".*é$"};
  for (int p = 0; p < 2; p++) {
    site_init(&st);
    for (int i = 0; i < 8; i++) {
      kv_value m[2] = {str(words[i]), str(pats[p])};
      kv_value b = kql_fn_matches_regex(&st.ctx, m, 2);
      TEST_CHECK_MSG(b.u.b == (i == 2), "'%s' matches regex '%s'", words[i], pats[p]);
      release_all(m, 2);
    }
    site_done(&st);
  }
  /* helper for parse kind=regex flags */
  unsigned f = 0;
  TEST_CHECK(kql_fn_regex_flags_from_letters("Ui", 2, &f));
  TEST_EQ_INT(f, KQL_REGEX_UNGREEDY | KQL_REGEX_ICASE);
  TEST_CHECK(!kql_fn_regex_flags_from_letters("x", 1, &f));
  TEST_EQ_INT(kql_fn_regex_count_groups(".*?(previous)?lockTime=", 23, 0), 1);
  TEST_EQ_INT(kql_fn_regex_count_groups("(?:a)(?P<x>b)(c)", 16, 0), 2);
  TEST_EQ_INT(kql_fn_regex_count_groups("(a", 2, 0), -1);
}

/* parse kind=regex patterns built the way the core will build them, checked
 * against the corpus rows: each column is a group of its type's pattern. */
static void test_parse_patterns(void) {
  kql_regex *re = NULL;
  kql_regex_error err;
  kql_regex_span g[4];
  char pat[256];
  /* agent-parse-search-0002: s with letters:string @"\d+" rest:string */
  snprintf(pat, sizeof pat, "(%s)\\d+(%s)", kql_fn_regex_parse_type_pattern(KV_STRING),
           kql_fn_regex_parse_type_pattern(KV_STRING));
  TEST_EQ_INT(kql_regex_compile(pat, strlen(pat), 0, &re, &err), 0);
  TEST_CHECK(kql_regex_search(re, "abc123def", 9, 0, g, 3, NULL));
  TEST_CHECK(g[1].start == 0 && g[1].end == 5); /* "abc12" */
  TEST_CHECK(g[2].start == 6 && g[2].end == 9); /* "def" */
  kql_regex_free(re);
  /* agent-parse-search-0011: "prefix-" n:int "-suffix" -> 42 */
  snprintf(pat, sizeof pat, "prefix-(%s)-suffix", kql_fn_regex_parse_type_pattern(KV_INT));
  TEST_EQ_INT(kql_regex_compile(pat, strlen(pat), 0, &re, &err), 0);
  TEST_CHECK(kql_regex_search(re, "prefix-42-suffix", 16, 0, g, 2, NULL));
  TEST_CHECK(g[1].start == 7 && g[1].end == 9);
  kql_regex_free(re);
  /* parse-operator-05: flags=Ui * "RESOURCENAME=" resourceName ',' * -> "PipelineScheduler" */
  unsigned f;
  kql_fn_regex_flags_from_letters("Ui", 2, &f);
  snprintf(pat, sizeof pat, ".*RESOURCENAME=(%s),.*", kql_fn_regex_parse_type_pattern(KV_STRING));
  TEST_EQ_INT(kql_regex_compile(pat, strlen(pat), f, &re, &err), 0);
  const char *ev = "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23)";
  TEST_CHECK(kql_regex_search(re, ev, strlen(ev), 0, g, 2, NULL));
  TEST_CHECK(g[1].end - g[1].start == strlen("PipelineScheduler") && memcmp(ev + g[1].start, "PipelineScheduler", 17) == 0);
  kql_regex_free(re);
  /* parse-operator-04: the same without flags is greedy up to the last ',' */
  snprintf(pat, sizeof pat, ".*resourceName=(%s),.*", kql_fn_regex_parse_type_pattern(KV_STRING));
  TEST_EQ_INT(kql_regex_compile(pat, strlen(pat), 0, &re, &err), 0);
  TEST_CHECK(kql_regex_search(re, ev, strlen(ev), 0, g, 2, NULL));
  TEST_CHECK(g[1].end - g[1].start == strlen("PipelineScheduler, totalSlices=27"));
  kql_regex_free(re);
}

int main(void) {
  TEST_RUN(test_extract);
  TEST_RUN(test_extract_all);
  TEST_RUN(test_replace_regex);
  TEST_RUN(test_quote_and_matches);
  TEST_RUN(test_parse_patterns);
  return e2k_test_report();
}
