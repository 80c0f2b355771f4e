/* SPDX-License-Identifier: MIT
 * Which input columns a compiled query can never read, so the input row's
 * lazy getter is not called for them even by operators that keep or copy
 * whole rows (sort, top, union, join, serialize, the buffered operators of
 * kql_op_defer.c). Keeps a payload column undecoded when the query never
 * names it. Decided on the query text and the result schema: conservative. */
#include "kql/kql_int.h"

#include <string.h>

/* Does text[0..len) contain w? */
static bool kql_colneed_has(const char *text, size_t len, const char *w) {
  size_t n = strlen(w);
  if (n == 0 || n > len) return false;
  for (size_t i = 0; i + n <= len; i++)
    if (text[i] == w[0] && memcmp(text + i, w, n) == 0) return true;
  return false;
}

/* A column is read only through its name (in the text, also inside a string:
 * column_ifexists) or by reaching the result under its own name: renames and
 * joins name it, and a clashing join column keeps its name on the left. '*'
 * (wildcards, distinct *, arg_max(x, *)...) and the functions and operators
 * that read every column keep them all. Any mention of the name keeps it. */
uint8_t *kql_input_unread(const kql_query *q) {
  static const char *const row_wide[] = {"*", "pack_all", "column_ifexists", "search", "find",
                                         "narrow", "pivot", "estimate_data_size", "buildschema", NULL};
  int n = q->input ? q->input->count : 0;
  uint8_t *skip = kv_calloc((size_t)(n ? n : 1), 1);
  for (int i = 0; row_wide[i]; i++)
    if (kql_colneed_has(q->text, q->text_len, row_wide[i])) return skip;
  for (int c = 0; c < n; c++) {
    const kv_column *col = &q->input->cols[c];
    bool named = kql_colneed_has(q->text, q->text_len, col->name);
    bool in_result = false;
    for (int r = 0; r < q->schema.count && !in_result; r++) in_result = !strcmp(q->schema.cols[r].name, col->name);
    skip[c] = !named && !in_result;
  }
  return skip;
}
