/* SPDX-License-Identifier: MIT
 * Syntax-verdict conformance: kql_parse_check over syntax_cases_dev.jsonl
 * (labels from the official Kusto.Language parser) must agree with
 * oracle_syntax_ok for at least the floor below. Prints disagreements
 * (first 40) to stderr for triage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "kql/kql.h"
#include "value/value.h"

#define KQL_SYNTAX_FLOOR 0.98

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : E2K_TEST_DATA "/kql/syntax_cases_dev.jsonl";
  FILE *f = fopen(path, "rb");
  TEST_CHECK(f != NULL);
  if (!f) return e2k_test_report();
  char *line = NULL;
  size_t cap = 0;
  int total = 0, agree = 0, shown = 0;
  int fa = 0, fr = 0;
  for (;;) {
    /* read a line (no getline: mingw) */
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n') {
      if (n + 1 >= cap) {
        cap = cap ? cap * 2 : 4096;
        line = realloc(line, cap);
      }
      line[n++] = (char)c;
    }
    if (n == 0 && c == EOF) break;
    if (n == 0) continue;
    kv_value doc;
    char jerr[128];
    if (kv_parse_json(line, n, &doc, jerr, sizeof jerr) != 0) {
      TEST_CHECK_MSG(0, "bad json line: %s", jerr);
      continue;
    }
    kv_value q = kv_bag_get(doc, "query", 5);
    kv_value ok = kv_bag_get(doc, "oracle_syntax_ok", 16);
    kv_value id = kv_bag_get(doc, "id", 2);
    kv_value qs = kv_from_dynamic(q);
    kv_value oks = kv_from_dynamic(ok);
    kv_value ids = kv_from_dynamic(id);
    int expect = oks.u.b ? 1 : 0;
    kql_error err;
    int got = kql_parse_check(qs.u.s, qs.len, &err) == 0 ? 1 : 0;
    total++;
    if (got == expect) {
      agree++;
    } else {
      if (got) fa++;
      else fr++;
      if (shown < 40 || getenv("KQL_SYNTAX_VERBOSE")) {
        shown++;
        fprintf(stderr, "DISAGREE %s oracle=%d ours=%d %s:%d:%d %s\n  %.*s\n", ids.u.s, expect,
                got, "q", err.line, err.column, got ? "" : err.message,
                (int)(qs.len > 300 ? 300 : qs.len), qs.u.s);
      }
    }
    kv_release(qs);
    kv_release(oks);
    kv_release(ids);
    kv_release(doc);
  }
  free(line);
  fclose(f);
  double rate = total ? (double)agree / total : 0;
  printf("syntax verdicts: %d/%d agree (%.2f%%); we accept %d the oracle rejects, reject %d it accepts\n",
         agree, total, rate * 100.0, fa, fr);
  TEST_CHECK_MSG(total > 3000, "only %d cases read", total);
  TEST_CHECK_MSG(rate >= KQL_SYNTAX_FLOOR, "agreement %.4f below floor %.2f", rate, KQL_SYNTAX_FLOOR);
  return e2k_test_report();
}
