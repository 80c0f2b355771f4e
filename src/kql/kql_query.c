/* SPDX-License-Identifier: MIT
 * Public KQL API (kql.h): compile = parse + bind into a chain of streaming
 * operators; push/tick/finish drive it. The input row is wrapped in a lazy
 * row view so columns are fetched only when an operator needs them. */
#include "kql/kql.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kql/kql_int.h"
#include "kql/kql_parse.h"
#include "kql/kql_results.h"

int kql_query_compile(kql_query **out, const char *text, size_t len, const kql_options *opt,
                      kql_error *err) {
  kql_error tmp;
  if (!err) err = &tmp;
  memset(err, 0, sizeof *err);
  *out = NULL;
  kql_query *q = kv_calloc(1, sizeof *q);
  q->text = kv_strndup(text, len);
  q->text_len = len;
  q->input = opt ? opt->input : NULL;
  q->ex.src = q->text;
  q->ex.src_len = len;
  q->ex.err = err;
  q->ex.lateness = opt && opt->lateness_ticks > 0 ? opt->lateness_ticks : 5 * KV_TICKS_PER_SECOND;
  q->ex.now_ticks = KV_UNIX_EPOCH_TICKS + (int64_t)time(NULL) * KV_TICKS_PER_SECOND; /* now() is fixed per query */
  q->ex.max_range_rows = opt && opt->max_range_rows > 0 ? opt->max_range_rows : 100000000;
  q->ex.scratch = kql_regex_scratch_new();
  q->range_from = q->range_to = q->range_step = kv_null(KV_LONG);
  kql_node *root = NULL;
  if (kql_parse(q->text, len, &q->arena, &root, err) != 0 || kql_bind_query(q, root, err) != 0) {
    kql_query_free(q);
    return -1;
  }
  if (q->input) {
    int n = q->input->count;
    q->input_cache = kv_calloc((size_t)(n ? n : 1), sizeof(kv_value));
    q->input_have = kv_calloc((size_t)(n ? n : 1), 1);
    q->input_unread = kql_input_unread(q); /* such columns read as null, the getter never runs */
    for (int c = 0; c < n; c++)
      if (q->input_unread[c])
        q->input_cache[c] = q->input->cols[c].type == KV_DYNAMIC ? kv_dyn_null() : kv_null(q->input->cols[c].type);
  }
  *out = q;
  return 0;
}

const kv_schema *kql_query_schema(const kql_query *q) { return &q->schema; }
bool kql_query_uses_input(const kql_query *q) { return q->src_kind == KQL_SRC_INPUT; }
void kql_query_set_output(kql_query *q, kql_emit_fn fn, void *ud) {
  q->ex.emit = fn;
  q->ex.emit_ud = ud;
}

int kql_query_push(kql_query *q, const kql_row *row, kql_error *err) {
  if (q->src_kind != KQL_SRC_INPUT || q->finished) return 0;
  kql_error tmp;
  q->ex.err = err ? err : &tmp;
  kql_xrow r;
  memset(&r, 0, sizeof r);
  r.input = row;
  r.ncols = q->input->count;
  r.cache = q->input_cache;
  r.have = q->input_have;
  memcpy(q->input_have, q->input_unread, (size_t)r.ncols);
  q->rows_in++;
  int rc = kql_op_push(q->head, &r);
  if (q->ex.failed) return -1;
  return rc;
}

int kql_query_tick(kql_query *q, int64_t now_ticks, kql_error *err) {
  if (q->finished || q->src_kind != KQL_SRC_INPUT) return 0;
  kql_error tmp;
  q->ex.err = err ? err : &tmp;
  int rc = kql_op_tick(q->head, now_ticks);
  if (q->ex.failed) return -1;
  return rc;
}

int kql_query_finish(kql_query *q, kql_error *err) {
  if (q->finished) return 0;
  q->finished = true;
  kql_error tmp;
  q->ex.err = err ? err : &tmp;
  int rc;
  if (q->nresults) /* several result tables (kql_results.c) */
    rc = kql_results_finish(q);
  else if (q->src_kind == KQL_SRC_INPUT)
    rc = kql_op_finish(q->head);
  else
    rc = kql_run_source(&q->ex, q->src_kind, q->src_table, q->range_from, q->range_to,
                        q->range_step, q->head);
  if (q->ex.failed) return -1;
  return rc < 0 ? -1 : rc;
}

void kql_query_free(kql_query *q) {
  if (!q) return;
  kql_op_free_chain(q->head);
  kql_results_free(q);
  for (int i = 0; i < q->ntables; i++) kql_table_free(q->tables[i]);
  free(q->tables);
  kv_release(q->range_from);
  kv_release(q->range_to);
  kv_release(q->range_step);
  kql_regex_scratch_free(q->ex.scratch);
  free(q->input_cache);
  free(q->input_have);
  free(q->input_unread);
  kql_arena_free(&q->arena);
  free(q->text);
  free(q);
}
