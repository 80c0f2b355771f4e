/* SPDX-License-Identifier: MIT
 * KQL engine, public interface: compile a query against an input schema, push
 * input rows, receive result rows. Knows nothing of ETW: the input is any
 * stream of rows whose columns are read lazily through kql_row.get, so a query
 * that never touches EventData never pays for decoding it.
 *
 * Layers (kql_int.h and friends): lexer -> parser (syntax tree with
 * positions) -> binder (names, types) -> plan -> streaming operators.
 *
 * Streaming rules (docs/kql.md): stateless operators pass rows through as they
 * are pushed; summarize by bin(<datetime col>, X) emits a window once the
 * event-time watermark has passed it by the lateness allowance; blocking
 * operators (sort, top, summarize without a time bin, distinct, join build)
 * emit at kql_query_finish(). */
#ifndef E2K_KQL_KQL_H
#define E2K_KQL_KQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

typedef struct kql_query kql_query;

/* Error with a position in the query text (1-based line/column; 0 = none). */
typedef struct kql_error {
  int line;
  int column;
  char message[512];
} kql_error;

/* Formats "name:line:col: message\n<source line>\n<caret>" into b. */
void kql_error_format(const kql_error *err, const char *query_text, size_t query_len,
                      const char *query_name, kv_buf *b);

/* One input row: get(row, col) returns a BORROWED value valid until the push
 * returns (the engine copies what it keeps). Columns index the input schema. */
typedef struct kql_row {
  kv_value (*get)(const struct kql_row *row, int col);
  void *ctx;
} kql_row;

/* Receives one result row: `vals` are borrowed, `count` = result schema size.
 * Return 0 to go on, non-zero to stop the query (propagated to the pusher). */
typedef int (*kql_emit_fn)(void *ud, const kv_value *vals, int count);

typedef struct kql_options {
  const char *query_name;     /* for error messages, e.g. "q.kql" or "query" */
  const kv_schema *input;     /* schema of the input stream, or NULL for no input */
  int64_t lateness_ticks;     /* allowed out-of-orderness for time windows; 0 = default (5 s) */
  int64_t max_range_rows;     /* cap on rows a range source may generate; 0 = default (1e8) */
} kql_options;

/* Compiles `text`. The first table name that is not let-bound stands for the
 * input stream (Rx.KQL rule), whatever it is called. Returns 0, or negative
 * with err filled (line:column of the problem). An unsupported feature fails
 * with "not supported yet: X". */
int kql_query_compile(kql_query **out, const char *text, size_t len,
                      const kql_options *opt, kql_error *err);
/* Result schema (valid while the query lives). */
const kv_schema *kql_query_schema(const kql_query *q);
/* True when the query reads the input stream (false: datatable/print/range only). */
bool kql_query_uses_input(const kql_query *q);
void kql_query_set_output(kql_query *q, kql_emit_fn fn, void *ud);

/* Several result tables: a batch of tabular statements (`T | count; T | take 1`)
 * or fork gives one table each, in statement (branch) order. Count is 1 for
 * an ordinary query; table 0 is kql_query_schema. The name is the one given by
 * `as` (or fork's name=), else "Table_<i>". */
int kql_query_result_count(const kql_query *q);
const char *kql_query_result_name(const kql_query *q, int i);
const kv_schema *kql_query_result_schema(const kql_query *q, int i);
/* Called before the rows of result table i >= 1 go to the emit callback (table
 * 0 streams first; the others are kept and come at kql_query_finish). Return
 * non-zero to stop. */
typedef int (*kql_table_fn)(void *ud, int i);
void kql_query_set_table_start(kql_query *q, kql_table_fn fn, void *ud);

/* Pushes one input row. Returns 0, a positive value when the output callback
 * asked to stop, or negative on a runtime error (err filled). */
int kql_query_push(kql_query *q, const kql_row *row, kql_error *err);
/* Real-time idle timer: lets time windows close when no rows arrive. */
int kql_query_tick(kql_query *q, int64_t now_ticks, kql_error *err);
/* End of input: flush all windows and blocking operators. */
int kql_query_finish(kql_query *q, kql_error *err);
void kql_query_free(kql_query *q);

/* Syntax check only (for the conformance oracle tests): 0 if the text parses. */
int kql_parse_check(const char *text, size_t len, kql_error *err);

#endif
