/* SPDX-License-Identifier: MIT
 * Tests of the regex engine (kql_regex.h): the table in cases.txt (expected
 * values from the RE2 syntax page and Python's re where they agree, see the
 * file's header), pathological patterns on 30-100 KB subjects with the VM's
 * step counter checked against the linear bound, the API (groups, names,
 * start offsets, iterator) and compile-error offsets. */
#include "kql/kql_regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"

/* ---- cases.txt ---- */

static int hexv(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Subject escapes: \n \t \r \\ \xHH. Returns the decoded length. */
static size_t unescape(const char *in, char *out) {
  size_t n = 0;
  for (size_t i = 0; in[i]; i++) {
    if (in[i] == '\\' && in[i + 1]) {
      char e = in[++i];
      if (e == 'n') out[n++] = '\n';
      else if (e == 't') out[n++] = '\t';
      else if (e == 'r') out[n++] = '\r';
      else if (e == '\\') out[n++] = '\\';
      else if (e == 'x' && hexv(in[i + 1]) >= 0 && hexv(in[i + 2]) >= 0) {
        out[n++] = (char)(hexv(in[i + 1]) * 16 + hexv(in[i + 2]));
        i += 2;
      } else {
        out[n++] = '\\';
        out[n++] = e;
      }
    } else {
      out[n++] = in[i];
    }
  }
  out[n] = 0;
  return n;
}

static unsigned parse_flags(const char *f) {
  unsigned r = 0;
  for (; *f; f++) {
    if (*f == 'i') r |= KQL_REGEX_ICASE;
    if (*f == 'm') r |= KQL_REGEX_MULTILINE;
    if (*f == 's') r |= KQL_REGEX_DOTALL;
    if (*f == 'U') r |= KQL_REGEX_UNGREEDY;
  }
  return r;
}

static void fmt_spans(char *out, size_t cap, const kql_regex_span *g, int n) {
  size_t w = 0;
  out[0] = 0;
  for (int i = 0; i < n && w < cap; i++) {
    if (g[i].start == KQL_REGEX_NPOS)
      w += (size_t)snprintf(out + w, cap - w, "(?,?)");
    else
      w += (size_t)snprintf(out + w, cap - w, "(%zu,%zu)", g[i].start, g[i].end);
  }
}

static int count_groups_in(const char *expected) {
  int n = 0;
  for (const char *p = expected; *p; p++)
    if (*p == '(') n++;
  return n;
}

static int g_cases_run;
static kql_regex_scratch *g_vm_scratch; /* KQL_REGEX_ENGINES_VM_ONLY */
static kql_regex_scratch *g_bt_scratch; /* KQL_REGEX_ENGINES_NO_DFA */

static void run_case_line(char *line, int lineno, kql_regex_scratch *sc) {
  char *f[6] = {0};
  int nf = 0;
  char *p = line;
  f[nf++] = p;
  while (*p && nf < 6) {
    if (*p == '\t') {
      *p = 0;
      f[nf++] = p + 1;
    }
    p++;
  }
  if (f[0][0] == 'E') {
    if (nf < 4) {
      TEST_CHECK_MSG(0, "cases.txt:%d: malformed E line", lineno);
      return;
    }
    kql_regex *re = NULL;
    kql_regex_error err;
    int rc = kql_regex_compile(f[1], strlen(f[1]), 0, &re, &err);
    TEST_CHECK_MSG(rc < 0, "cases.txt:%d: /%s/ compiled but should fail", lineno, f[1]);
    if (rc < 0) {
      TEST_CHECK_MSG(err.offset == (size_t)atoi(f[2]), "cases.txt:%d: /%s/ offset %zu, want %s (%s)",
                     lineno, f[1], err.offset, f[2], err.message);
      TEST_CHECK_MSG(strstr(err.message, f[3]) != NULL, "cases.txt:%d: /%s/ message '%s' lacks '%s'",
                     lineno, f[1], err.message, f[3]);
      char want[64];
      snprintf(want, sizeof want, "offset %s", f[2]);
      TEST_CHECK_MSG(strstr(err.message, want) != NULL, "cases.txt:%d: message '%s' names no offset",
                     lineno, err.message);
    }
    kql_regex_free(re);
    g_cases_run++;
    return;
  }
  if (nf < 5) {
    TEST_CHECK_MSG(0, "cases.txt:%d: malformed line", lineno);
    return;
  }
  const char *pat = f[1];
  unsigned flags = strcmp(f[2], "-") == 0 ? 0 : parse_flags(f[2]);
  char subj[512];
  size_t slen = unescape(f[3], subj);
  const char *expected = f[4];
  kql_regex *re = NULL;
  kql_regex_error err;
  if (kql_regex_compile(pat, strlen(pat), flags, &re, &err) < 0) {
    TEST_CHECK_MSG(0, "cases.txt:%d: /%s/ failed to compile: %s", lineno, pat, err.message);
    return;
  }
  g_cases_run++;
  if (f[0][0] == 'M') {
    int ng = strcmp(expected, "-") == 0 ? 1 : count_groups_in(expected);
    kql_regex_span g[16];
    bool m = kql_regex_search(re, subj, slen, 0, g, ng, sc);
    char got[256];
    if (m)
      fmt_spans(got, sizeof got, g, ng);
    else
      strcpy(got, "-");
    TEST_CHECK_MSG(strcmp(got, expected) == 0, "cases.txt:%d: /%s/ on \"%s\": got %s, want %s", lineno,
                   pat, f[3], got, expected);
    /* every engine must agree: the Pike VM alone, and the backtracker
     * without the DFA's pre-check (texts here are short) */
    for (int e = 0; e < 2; e++) {
      kql_regex_scratch *esc = e == 0 ? g_vm_scratch : g_bt_scratch;
      kql_regex_span vg[16];
      char vgot[256];
      bool vm = kql_regex_search(re, subj, slen, 0, vg, ng, esc);
      if (vm)
        fmt_spans(vgot, sizeof vgot, vg, ng);
      else
        strcpy(vgot, "-");
      TEST_CHECK_MSG(strcmp(vgot, expected) == 0, "cases.txt:%d: %s /%s/: got %s, want %s", lineno,
                     e == 0 ? "VM-only" : "backtracker", pat, vgot, expected);
      TEST_CHECK(kql_regex_match(re, subj, slen, esc) == vm);
    }
    /* the yes/no path must agree with the capture path */
    TEST_CHECK_MSG(kql_regex_match(re, subj, slen, sc) == m, "cases.txt:%d: match() disagrees", lineno);
    TEST_CHECK_MSG(kql_regex_match(re, subj, slen, NULL) == m, "cases.txt:%d: match(NULL scratch)", lineno);
  } else { /* A: all matches */
    char got[512];
    size_t w = 0;
    got[0] = 0;
    kql_regex_iter it;
    kql_regex_iter_init(&it, re, subj, slen, sc);
    kql_regex_span g[1];
    int count = 0;
    while (kql_regex_iter_next(&it, g, 1) && count < 50) {
      w += (size_t)snprintf(got + w, sizeof got - w, "%s(%zu,%zu)", count ? "|" : "", g[0].start, g[0].end);
      count++;
    }
    if (count == 0) strcpy(got, "-");
    TEST_CHECK_MSG(strcmp(got, expected) == 0, "cases.txt:%d: all /%s/ on \"%s\": got %s, want %s", lineno,
                   pat, f[3], got, expected);
    /* the same walk on the Pike VM alone */
    kql_regex_iter_init(&it, re, subj, slen, g_vm_scratch);
    w = 0;
    got[0] = 0;
    count = 0;
    while (kql_regex_iter_next(&it, g, 1) && count < 50) {
      w += (size_t)snprintf(got + w, sizeof got - w, "%s(%zu,%zu)", count ? "|" : "", g[0].start, g[0].end);
      count++;
    }
    if (count == 0) strcpy(got, "-");
    TEST_CHECK_MSG(strcmp(got, expected) == 0, "cases.txt:%d: VM-only all /%s/: got %s, want %s", lineno, pat,
                   got, expected);
  }
  kql_regex_free(re);
}

static void test_case_table(const char *path) {
  FILE *fp = fopen(path, "rb");
  TEST_CHECK_MSG(fp != NULL, "cannot open %s", path);
  if (!fp) return;
  char line[1024];
  int lineno = 0;
  kql_regex_scratch *sc = kql_regex_scratch_new();
  g_vm_scratch = kql_regex_scratch_new();
  kql_regex_scratch_set_engines(g_vm_scratch, KQL_REGEX_ENGINES_VM_ONLY);
  g_bt_scratch = kql_regex_scratch_new();
  kql_regex_scratch_set_engines(g_bt_scratch, KQL_REGEX_ENGINES_NO_DFA);
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (n == 0 || line[0] == '#') continue;
    run_case_line(line, lineno, sc);
  }
  fclose(fp);
  kql_regex_scratch_free(sc);
  kql_regex_scratch_free(g_vm_scratch);
  kql_regex_scratch_free(g_bt_scratch);
  TEST_CHECK_MSG(g_cases_run >= 200, "only %d table cases ran", g_cases_run);
  printf("table cases: %d\n", g_cases_run);
}

/* ---- pathological patterns: linear-time bound on VM steps ---- */

/* Runs `pat` over `subj` and checks the step count stays within the
 * documented bound 4 x program x (bytes + 1) and a much tighter per-byte
 * budget (no backtracking blow-up). */
static void check_linear_on(const char *pat, const char *subj, size_t len, bool want_match,
                            uint64_t per_byte, int engines) {
  kql_regex *re = NULL;
  kql_regex_error err;
  TEST_CHECK_MSG(kql_regex_compile(pat, strlen(pat), 0, &re, &err) == 0, "%s", err.message);
  if (!re) return;
  kql_regex_scratch *sc = kql_regex_scratch_new();
  kql_regex_scratch_set_engines(sc, engines);
  kql_regex_span g[4];
  bool m = kql_regex_search(re, subj, len, 0, g, 4, sc);
  TEST_CHECK_MSG(m == want_match, "/%s/ on %zu bytes: match %d", pat, len, (int)m);
  uint64_t steps = kql_regex_scratch_steps(sc);
  uint64_t bound = 4u * (uint64_t)kql_regex_program_size(re) * (uint64_t)(len + 1);
  TEST_CHECK_MSG(steps <= bound, "/%s/: %llu steps > bound %llu", pat, (unsigned long long)steps,
                 (unsigned long long)bound);
  /* the bound above is already linear; also assert a concrete budget per byte */
  TEST_CHECK_MSG(steps <= per_byte * (uint64_t)(len + 1), "/%s/: %llu steps for %zu bytes", pat,
                 (unsigned long long)steps, len);
  printf("linear (engines %d): /%s/ over %zu bytes: %llu steps (program %zu)\n", engines, pat, len,
         (unsigned long long)steps, kql_regex_program_size(re));
  /* the Pike VM alone stays within the bound too */
  kql_regex_scratch *vsc = kql_regex_scratch_new();
  kql_regex_scratch_set_engines(vsc, KQL_REGEX_ENGINES_VM_ONLY);
  TEST_CHECK(kql_regex_search(re, subj, len, 0, g, 4, vsc) == want_match);
  TEST_CHECK_MSG(kql_regex_scratch_steps(vsc) <= bound, "/%s/ VM only: %llu steps", pat,
                 (unsigned long long)kql_regex_scratch_steps(vsc));
  kql_regex_scratch_free(vsc);
  /* the boolean path too */
  uint64_t before = kql_regex_scratch_steps(sc);
  TEST_CHECK(kql_regex_match(re, subj, len, sc) == want_match);
  TEST_CHECK(kql_regex_scratch_steps(sc) - before <= bound);
  kql_regex_scratch_free(sc);
  kql_regex_free(re);
}

static void check_linear(const char *pat, const char *subj, size_t len, bool want_match, uint64_t per_byte) {
  check_linear_on(pat, subj, len, want_match, per_byte, KQL_REGEX_ENGINES_ALL);
}

static void test_pathological(void) {
  size_t n = 100 * 1024;
  char *a = malloc(n + 2);
  memset(a, 'a', n);
  a[n] = 'c';
  a[n + 1] = 0;
  check_linear("(a*)*b", a, n + 1, false, 40);
  check_linear("(a|a)*b", a, n + 1, false, 40);
  check_linear("(a|aa)*c", a, n + 1, true, 40);
  check_linear("(a*)*$", a, n, true, 40);
  memset(a, 'x', n);
  check_linear("(x+x+)+y", a, 30 * 1024, false, 40);
  check_linear("(x+x+)+y", a, n, false, 40);
  check_linear("(.*)*z", a, n, false, 40);
  check_linear("^(x?){50}x{50}$", a, 50, true, 600);
  /* the same shapes without the DFA's pre-check, on texts small enough for
   * the backtracker: its visited map must keep it linear too */
  memset(a, 'a', 15000);
  check_linear_on("(a*)*b", a, 15000, false, 40, KQL_REGEX_ENGINES_NO_DFA);
  check_linear_on("(a|a)*b", a, 15000, false, 40, KQL_REGEX_ENGINES_NO_DFA);
  memset(a, 'x', 15000);
  check_linear_on("(x+x+)+y", a, 15000, false, 40, KQL_REGEX_ENGINES_NO_DFA);
  /* context assertions in the DFA */
  check_linear("\\b(x+x+)+\\b", a, 100, true, 400);
  check_linear("(?m)^(x+x+)+y$", a, n, false, 40);
  memset(a, 'x', n);
  /* a literal prefix that never occurs: the skip path */
  check_linear("needle\\d+", a, n, false, 40);
  free(a);
}

/* ---- API ---- */

static void test_api(void) {
  kql_regex *re = NULL;
  kql_regex_error err;
  const char *pat = "(?P<first>\\w)(?P<middle>\\w+)(?<last>\\w)";
  TEST_EQ_INT(kql_regex_compile(pat, strlen(pat), 0, &re, &err), 0);
  TEST_EQ_INT(kql_regex_group_count(re), 3);
  TEST_EQ_STR(kql_regex_group_name(re, 1), "first");
  TEST_EQ_STR(kql_regex_group_name(re, 3), "last");
  TEST_CHECK(kql_regex_group_name(re, 0) == NULL);
  TEST_CHECK(kql_regex_group_name(re, 4) == NULL);
  TEST_EQ_INT(kql_regex_group_index(re, "middle", 6), 2);
  TEST_EQ_INT(kql_regex_group_index(re, "nope", 4), -1);
  /* extract_all example of the Kusto docs (emulator:extract-all-function-02) */
  const char *id = "82b8be2d-dfa7-4bd1-8f63-24ad26d31449";
  const char *want[5][3] = {{"8", "2b8be2", "d"}, {"d", "fa", "7"}, {"4", "bd", "1"}, {"8", "f6", "3"},
                            {"2", "4ad26d3144", "9"}};
  kql_regex_iter it;
  kql_regex_iter_init(&it, re, id, strlen(id), NULL);
  kql_regex_span g[4];
  int k = 0;
  while (kql_regex_iter_next(&it, g, 4)) {
    if (k < 5)
      for (int j = 0; j < 3; j++) {
        char buf[64];
        size_t l = g[j + 1].end - g[j + 1].start;
        memcpy(buf, id + g[j + 1].start, l);
        buf[l] = 0;
        TEST_EQ_STR(buf, want[k][j]);
      }
    k++;
  }
  TEST_EQ_INT(k, 5);
  kql_regex_free(re);

  /* start offset: ^ does not match there, \b sees the previous byte */
  TEST_EQ_INT(kql_regex_compile("^a", 2, 0, &re, &err), 0);
  TEST_CHECK(!kql_regex_search(re, "aa", 2, 1, g, 1, NULL));
  kql_regex_free(re);
  TEST_EQ_INT(kql_regex_compile("\\bb", 3, 0, &re, &err), 0);
  TEST_CHECK(kql_regex_search(re, "ab b", 4, 1, g, 1, NULL));
  TEST_EQ_INT(g[0].start, 3); /* not 1: 'a' before offset 1 is a word byte */
  TEST_CHECK(!kql_regex_search(re, "ab", 2, 1, g, 1, NULL));
  kql_regex_free(re);
  /* more groups asked than exist: the rest are NPOS */
  TEST_EQ_INT(kql_regex_compile("(a)", 3, 0, &re, &err), 0);
  TEST_CHECK(kql_regex_search(re, "xa", 2, 0, g, 4, NULL));
  TEST_EQ_INT(g[1].start, 1);
  TEST_CHECK(g[2].start == KQL_REGEX_NPOS && g[3].end == KQL_REGEX_NPOS);
  /* NULL subject is the empty string */
  TEST_CHECK(!kql_regex_match(re, NULL, 0, NULL));
  kql_regex_free(re);
  /* literal flag: metacharacters are plain text */
  TEST_EQ_INT(kql_regex_compile("a.b*", 4, KQL_REGEX_LITERAL, &re, &err), 0);
  TEST_CHECK(!kql_regex_match(re, "axbb", 4, NULL));
  TEST_CHECK(kql_regex_match(re, "xa.b*", 5, NULL));
  kql_regex_free(re);
  /* embedded NUL in pattern and subject */
  TEST_EQ_INT(kql_regex_compile("a\0b", 3, 0, &re, &err), 0);
  TEST_CHECK(kql_regex_search(re, "xa\0b", 4, 0, g, 1, NULL));
  TEST_EQ_INT(g[0].start, 1);
  kql_regex_free(re);
  /* invalid UTF-8 in the pattern is a compile error at its offset */
  TEST_CHECK(kql_regex_compile("x\xff", 2, 0, &re, &err) < 0);
  TEST_EQ_INT(err.offset, 1);
  TEST_CHECK(strstr(err.message, "invalid UTF-8") != NULL);
  /* nesting limit */
  char deep[1000];
  for (int i = 0; i < 300; i++) deep[i] = '(';
  for (int i = 0; i < 300; i++) deep[300 + i] = ')';
  TEST_CHECK(kql_regex_compile(deep, 600, 0, &re, &err) < 0);
  TEST_CHECK(strstr(err.message, "nesting too deep") != NULL);
  /* program size limit */
  TEST_CHECK(kql_regex_compile("((a{1000}){1000}){1000}", 23, 0, &re, &err) < 0);
  TEST_CHECK(strstr(err.message, "too large") != NULL);
  /* one scratch serves regexes of different sizes */
  kql_regex_scratch *sc = kql_regex_scratch_new();
  kql_regex *small = NULL, *big = NULL;
  TEST_EQ_INT(kql_regex_compile("b+", 2, 0, &small, &err), 0);
  TEST_EQ_INT(kql_regex_compile("(x|y|z){5,20}b", 14, 0, &big, &err), 0);
  TEST_CHECK(kql_regex_search(small, "abbc", 4, 0, g, 1, sc));
  TEST_CHECK(kql_regex_search(big, "xyzxyb", 6, 0, g, 2, sc));
  TEST_EQ_INT(g[1].start, 4);
  TEST_CHECK(kql_regex_search(small, "abbc", 4, 0, g, 1, sc));
  TEST_EQ_INT(g[0].end, 3);
  kql_regex_free(small);
  kql_regex_free(big);
  /* more regexes than the scratch keeps DFA caches for (4): answers stay right
   * while caches are evicted and rebuilt; a freed regex's cache is never
   * reused for a new regex at the same address (ids, not addresses) */
  const char *pats[6] = {"a+b", "\\bcd\\b", "^x$", "(?i)Q", "[0-9]{3}", "z|y"};
  const char *subj[6] = {"xaab", "cd", "x", "q", "a123", "y"};
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < 6; i++) {
      kql_regex *r1 = NULL;
      TEST_EQ_INT(kql_regex_compile(pats[i], strlen(pats[i]), 0, &r1, &err), 0);
      for (int j = 0; j < 6; j++)
        TEST_CHECK_MSG(kql_regex_match(r1, subj[j], strlen(subj[j]), sc) == (i == j), "/%s/ on %s", pats[i],
                       subj[j]);
      kql_regex_free(r1);
    }
  kql_regex_scratch_free(sc);
}

int main(int argc, char **argv) {
  test_case_table(argc > 1 ? argv[1] : "cases.txt");
  TEST_RUN(test_pathological);
  TEST_RUN(test_api);
  return e2k_test_report();
}
