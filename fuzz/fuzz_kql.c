/* SPDX-License-Identifier: MIT
 * libFuzzer target for the KQL front end: compiles arbitrary text (lexer,
 * parser, binder, constant sub-queries) with a small input schema (for
 * inputs of odd length) and runs the compiled query; one that reads the
 * input gets three rows pushed first. Also formats any error with the caret formatter.
 * Row generation is capped so a huge range stays cheap. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kql/kql.h"
#include "value/value.h"

/* Input rows for queries that read the stream: three events, two ids. */
static kv_value fuzz_kql_get(const kql_row *row, int col) {
  const kv_value *vals = row->ctx;
  return vals[col];
}

static void fuzz_kql_push_rows(kql_query *q, kql_error *err) {
  static const int ids[3] = {11, 10, 11};
  for (int i = 0; i < 3; i++) {
    kv_value vals[3];
    vals[0] = kv_int(ids[i]);
    vals[1] = kv_datetime(KV_UNIX_EPOCH_TICKS + (int64_t)i * KV_TICKS_PER_SECOND);
    vals[2] = kv_dyn_bag();
    kv_bag_set(vals[2], "daddr", 5, kv_to_dynamic(kv_string_borrowed("10.0.0.1", 8)));
    kv_bag_set(vals[2], "size", 4, kv_to_dynamic(kv_long(100 + i)));
    kql_row r = {fuzz_kql_get, vals};
    int rc = kql_query_push(q, &r, err);
    kv_release(vals[2]);
    if (rc != 0) return;
  }
}

static int fuzz_kql_emit(void *ud, const kv_value *vals, int count) {
  int *n = ud;
  kv_buf b;
  kv_buf_init(&b);
  for (int i = 0; i < count; i++) kv_to_json(&b, vals[i]);
  kv_buf_free(&b);
  return ++*n > 1000; /* stop after 1000 rows */
}

static int fuzz_kql_table(void *ud, int i) {
  (void)ud;
  (void)i;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  const char *text = (const char *)data;
  kql_error err;
  kql_parse_check(text, size, &err);
  kv_column cols[3] = {{"EventId", KV_INT}, {"TimeCreated", KV_DATETIME}, {"EventData", KV_DYNAMIC}};
  kv_schema schema = {cols, 3};
  kql_options opt;
  memset(&opt, 0, sizeof opt);
  opt.query_name = "fuzz";
  opt.input = (size & 1) ? &schema : NULL;
  opt.max_range_rows = 2000;
  kql_query *q = NULL;
  if (kql_query_compile(&q, text, size, &opt, &err) != 0) {
    kv_buf b;
    kv_buf_init(&b);
    kql_error_format(&err, text, size, "fuzz", &b);
    kv_buf_free(&b);
    return 0;
  }
  int rows = 0;
  kql_query_set_output(q, fuzz_kql_emit, &rows);
  kql_query_set_table_start(q, fuzz_kql_table, NULL);
  if (kql_query_uses_input(q)) fuzz_kql_push_rows(q, &err); /* streaming and buffering operators */
  kql_query_finish(q, &err);
  kql_query_free(q);
  return 0;
}
