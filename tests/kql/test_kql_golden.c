/* SPDX-License-Identifier: MIT
 * Golden tests for the KQL engine (jq-style .test files): error messages
 * with line:column and caret, and streaming behaviour (which rows come out
 * after which push / tick / finish). File format, one case per block:
 *
 *   %%QUERY            query text (any number of lines)
 *   %%INPUT a:int,t:datetime     input schema (optional; none = no input)
 *   push [1, "2020-01-01T00:00:00Z"]   actions: push <json array>,
 *   tick 2020-01-01T00:00:10Z            tick <datetime>, finish
 *   %%EXPECT           the log: each action line, then the rows it emitted
 *   %%ERROR            instead of EXPECT: the formatted compile error
 *   %%END
 *
 * The expected text is written by hand from Kusto's documented rules (bin
 * alignment, watermark = max event time - lateness), not by this code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "kql/kql.h"
#include "value/kv_ops.h"
#include "value/value.h"

typedef struct {
  kv_value *vals;
  int n;
} golden_row;

static kv_value golden_get(const kql_row *row, int col) {
  const golden_row *r = row->ctx;
  return r->vals[col];
}

static int golden_emit(void *ud, const kv_value *vals, int count) {
  kv_buf *log = ud;
  kv_buf_putc(log, '[');
  for (int i = 0; i < count; i++) {
    if (i) kv_buf_putc(log, ',');
    kv_to_json(log, vals[i]);
  }
  kv_buf_puts(log, "]\n");
  return 0;
}

/* Several result tables: "table <i> <name>" before the rows of table i >= 1
 * (a query with one result table never calls it). */
static kql_query *golden_query;
static int golden_table(void *ud, int i) {
  kv_buf *log = ud;
  char line[300];
  snprintf(line, sizeof line, "table %d %s\n", i, kql_query_result_name(golden_query, i));
  kv_buf_puts(log, line);
  return 0;
}

/* Parses "a:int,t:datetime". */
static int golden_schema(const char *s, kv_schema *out) {
  out->count = 0;
  out->cols = calloc(64, sizeof(kv_column));
  while (*s && out->count < 64) {
    while (*s == ' ') s++;
    const char *colon = strchr(s, ':');
    if (!colon) return -1;
    const char *end = colon + 1;
    while (*end && *end != ',' && *end != '\n') end++;
    out->cols[out->count].name = kv_strndup(s, (size_t)(colon - s));
    if (!kv_type_from_name(colon + 1, (size_t)(end - colon - 1), &out->cols[out->count].type)) return -1;
    out->count++;
    s = *end == ',' ? end + 1 : end;
    if (*s == '\n' || !*s) break;
  }
  return 0;
}

static void golden_free_schema(kv_schema *s) {
  for (int i = 0; i < s->count; i++) free((char *)s->cols[i].name);
  free(s->cols);
  s->cols = NULL;
  s->count = 0;
}

static char *golden_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  kv_buf b;
  kv_buf_init(&b);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) kv_buf_append(&b, chunk, n);
  fclose(f);
  kv_buf_putc(&b, 0);
  *len = b.len - 1;
  return b.data;
}

/* Runs one case; returns the produced log (or error text) in out. */
static void golden_run(const char *query, const char *schema_text, const char *actions,
                       int want_error, kv_buf *out) {
  kv_schema schema = {0};
  kql_options opt;
  memset(&opt, 0, sizeof opt);
  opt.query_name = "query";
  if (schema_text) {
    if (golden_schema(schema_text, &schema)) {
      kv_buf_puts(out, "bad schema\n");
      return;
    }
    opt.input = &schema;
  }
  kql_error err;
  kql_query *q = NULL;
  if (kql_query_compile(&q, query, strlen(query), &opt, &err) != 0) {
    kql_error_format(&err, query, strlen(query), "query", out);
    golden_free_schema(&schema);
    return;
  }
  if (want_error) kv_buf_puts(out, "(compiled without error)\n");
  kql_query_set_output(q, golden_emit, out);
  golden_query = q;
  kql_query_set_table_start(q, golden_table, out);
  const char *a = actions;
  while (a && *a) {
    const char *nl = strchr(a, '\n');
    size_t ll = nl ? (size_t)(nl - a) : strlen(a);
    if (ll == 0) {
      a = nl ? nl + 1 : NULL;
      continue;
    }
    kv_buf_append(out, a, ll);
    kv_buf_putc(out, '\n');
    int rc = 0;
    if (ll > 5 && !strncmp(a, "push ", 5)) {
      kv_value arr;
      char jerr[128];
      if (kv_parse_json(a + 5, ll - 5, &arr, jerr, sizeof jerr) || !kv_is_array(arr)) {
        kv_buf_puts(out, "bad push line\n");
        break;
      }
      golden_row gr;
      gr.n = schema.count;
      gr.vals = calloc((size_t)schema.count + 1, sizeof(kv_value));
      for (int i = 0; i < schema.count; i++) {
        kv_value el = kv_array_get(arr, (size_t)i);
        gr.vals[i] = schema.cols[i].type == KV_DYNAMIC ? kv_retain(el) : kv_convert(el, schema.cols[i].type);
      }
      kql_row row = {golden_get, &gr};
      rc = kql_query_push(q, &row, &err);
      for (int i = 0; i < schema.count; i++) kv_release(gr.vals[i]);
      free(gr.vals);
      kv_release(arr);
    } else if (ll > 5 && !strncmp(a, "tick ", 5)) {
      int64_t t = 0;
      kv_parse_datetime(a + 5, ll - 5, &t);
      rc = kql_query_tick(q, t, &err);
    } else if (ll >= 6 && !strncmp(a, "finish", 6)) {
      rc = kql_query_finish(q, &err);
    }
    if (rc < 0) {
      kql_error_format(&err, query, strlen(query), "query", out);
      break;
    }
    a = nl ? nl + 1 : NULL;
  }
  kql_query_free(q);
  golden_free_schema(&schema);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : E2K_TEST_SRC "/kql_golden.test";
  size_t len = 0;
  char *text = golden_read(path, &len);
  TEST_CHECK(text != NULL);
  if (!text) return e2k_test_report();
  int cases = 0;
  char *p = text;
  while ((p = strstr(p, "%%QUERY\n")) != NULL) {
    char *q = p + 8;
    char *end = strstr(q, "%%END");
    if (!end) break;
    *end = 0;
    char *input = strstr(q, "%%INPUT ");
    char *expect = strstr(q, "%%EXPECT\n");
    char *error = strstr(q, "%%ERROR\n");
    char *qend = input ? input : expect ? expect : error;
    if (!qend) break;
    char *query = kv_strndup(q, (size_t)(qend - q));
    char *schema_text = NULL;
    char *actions = NULL;
    if (input) {
      char *nl = strchr(input, '\n');
      schema_text = kv_strndup(input + 8, (size_t)(nl - input - 8));
      char *aend = expect ? expect : error;
      actions = kv_strndup(nl + 1, (size_t)(aend - nl - 1));
    } else {
      actions = kv_strndup("finish\n", 7);
    }
    const char *want = expect ? expect + 9 : error + 8;
    kv_buf got;
    kv_buf_init(&got);
    golden_run(query, schema_text, actions, error != NULL, &got);
    kv_buf_putc(&got, 0);
    cases++;
    TEST_CHECK_MSG(strcmp(got.data, want) == 0, "case %d:\n--- query\n%s--- expected\n%s--- got\n%s", cases,
                   query, want, got.data);
    kv_buf_free(&got);
    free(query);
    free(schema_text);
    free(actions);
    p = end + 5;
  }
  free(text);
  printf("%d golden cases\n", cases);
  TEST_CHECK(cases >= 10);
  return e2k_test_report();
}
