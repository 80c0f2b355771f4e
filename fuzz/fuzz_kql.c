/* SPDX-License-Identifier: MIT
 * libFuzzer target for the KQL front end: compiles arbitrary text (lexer,
 * parser, binder, constant sub-queries) with a small input schema, and runs
 * the compiled query when it reads no input. Also formats any error with the
 * caret formatter. Row generation is capped so a huge range stays cheap. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kql/kql.h"
#include "value/value.h"

static int fuzz_kql_emit(void *ud, const kv_value *vals, int count) {
  int *n = ud;
  kv_buf b;
  kv_buf_init(&b);
  for (int i = 0; i < count; i++) kv_to_json(&b, vals[i]);
  kv_buf_free(&b);
  return ++*n > 1000; /* stop after 1000 rows */
}

/* Input rows for queries that read the stream: EventId 11 / 12, a fixed
 * time, EventData {"a": 1}. */
static kv_value fuzz_kql_get(const kql_row *row, int col) {
  const kv_value *vals = row->ctx;
  return vals[col];
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
  if (kql_query_uses_input(q)) { /* a few rows through the stream (tee, fork, batches) */
    char jerr[64];
    kv_value bag;
    if (kv_parse_json("{\"a\":1}", 7, &bag, jerr, sizeof jerr)) bag = kv_dyn_null();
    for (int r = 0; r < 3; r++) {
      kv_value vals[3] = {kv_int(11 + (r & 1)), kv_datetime(KV_UNIX_EPOCH_TICKS + (int64_t)r * KV_TICKS_PER_SECOND), bag};
      kql_row row = {fuzz_kql_get, vals};
      if (kql_query_push(q, &row, &err)) break;
    }
    kv_release(bag);
  }
  kql_query_finish(q, &err);
  kql_query_free(q);
  return 0;
}
