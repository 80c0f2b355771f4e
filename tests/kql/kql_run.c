/* SPDX-License-Identifier: MIT
 * Small driver for the KQL conformance runner (until the CLI can run a query
 * with no source): compiles a query file with no input, prints each result
 * row as a JSON array line (kv_to_json), and with --schema first prints
 * "#schema name:type,...". Errors go to stderr with the caret format and exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kql/kql.h"
#include "value/value.h"

static int kql_run_emit(void *ud, const kv_value *vals, int count) {
  (void)ud;
  kv_buf b;
  kv_buf_init(&b);
  kv_buf_putc(&b, '[');
  for (int i = 0; i < count; i++) {
    if (i) kv_buf_putc(&b, ',');
    kv_to_json(&b, vals[i]);
  }
  kv_buf_puts(&b, "]\n");
  fwrite(b.data, 1, b.len, stdout);
  kv_buf_free(&b);
  return 0;
}

/* Several result tables: {"$table":name} and the schema line before each
 * (the CLI's format, docs/cli.md); run_corpus.py reads the first table. */
typedef struct kql_run_ctx {
  kql_query *q;
  int schema;
} kql_run_ctx;

static void kql_run_schema_line(const kv_schema *s) {
  printf("#schema ");
  for (int i = 0; i < s->count; i++)
    printf("%s%s:%s", i ? "," : "", s->cols[i].name, kv_type_name(s->cols[i].type));
  printf("\n");
}

static int kql_run_table(void *ud, int i) {
  kql_run_ctx *c = ud;
  kv_buf b;
  kv_buf_init(&b);
  kv_buf_puts(&b, "{\"$table\":");
  const char *name = kql_query_result_name(c->q, i);
  kv_buf_json_string(&b, name, strlen(name));
  kv_buf_puts(&b, "}\n");
  fwrite(b.data, 1, b.len, stdout);
  kv_buf_free(&b);
  if (c->schema) kql_run_schema_line(kql_query_result_schema(c->q, i));
  return 0;
}

int main(int argc, char **argv) {
  int schema = 0;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--schema")) schema = 1;
    else path = argv[i];
  }
  if (!path) {
    fprintf(stderr, "usage: kql_run [--schema] query.kql\n");
    return 2;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 2;
  }
  kv_buf text;
  kv_buf_init(&text);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) kv_buf_append(&text, chunk, n);
  fclose(f);
  kql_options opt;
  memset(&opt, 0, sizeof opt);
  opt.query_name = path;
  kql_error err;
  kql_query *q = NULL;
  const char *src = text.data ? text.data : "";
  int rc = 0;
  if (kql_query_compile(&q, src, text.len, &opt, &err) != 0) {
    kv_buf b;
    kv_buf_init(&b);
    kql_error_format(&err, src, text.len, "query", &b);
    fwrite(b.data, 1, b.len, stderr);
    kv_buf_free(&b);
    kv_buf_free(&text);
    return 1;
  }
  kql_run_ctx ctx = {q, schema};
  if (kql_query_result_count(q) > 1) kql_run_table(&ctx, 0);
  else if (schema) kql_run_schema_line(kql_query_schema(q));
  kql_query_set_output(q, kql_run_emit, NULL);
  kql_query_set_table_start(q, kql_run_table, &ctx);
  if (kql_query_finish(q, &err) < 0) {
    kv_buf b;
    kv_buf_init(&b);
    kql_error_format(&err, src, text.len, "query", &b);
    fwrite(b.data, 1, b.len, stderr);
    kv_buf_free(&b);
    rc = 1;
  }
  fflush(stdout);
  kql_query_free(q);
  kv_buf_free(&text);
  return rc;
}
