/* SPDX-License-Identifier: MIT
 * union withsource=C when one leg is the input stream: every leg gets its
 * source name as a string column C (the union then maps it by name onto its
 * first column), so stream rows carry the stream's name as they pass and the
 * other legs' rows the names table mode gives them. Stage: binder. */
#include "kql/kql_bind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kql_union_ws_leg(kql_binder *b, kql_pipe *leg, const char *ws, int idx, bool is_input, uint32_t pos) {
  char argname[32];
  snprintf(argname, sizeof argname, "union_arg%d", idx);
  /* the stream is a table of its own (named as the query names it); other
   * legs as in table mode: an 'as' name, else union_arg<leg> (the engine's) */
  const char *name = leg->leg_name ? leg->leg_name : is_input && b->input_name ? b->input_name : argname;
  int n = leg->schema.count;
  int *src = kv_malloc(sizeof(int) * (size_t)(n + 1));
  kql_expr **exprs = kv_calloc((size_t)(n + 1), sizeof(kql_expr *));
  for (int i = 0; i < n; i++) src[i] = i;
  src[n] = -1;
  kql_expr *e = kql_expr_new(KQL_E_CONST, KV_STRING, pos);
  e->cval = kv_string(name, strlen(name));
  e->is_const = true;
  exprs[n] = e;
  kql_pipe_append(leg, kql_op_map_new(&b->q->ex, n + 1, src, exprs, false));
  kv_schema s = {0};
  for (int i = 0; i < n; i++) kql_schema_add(b, &s, leg->schema.cols[i].name, leg->schema.cols[i].type);
  kql_schema_add(b, &s, ws, KV_STRING);
  leg->schema = s;
}
