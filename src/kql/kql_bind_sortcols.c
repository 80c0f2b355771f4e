/* SPDX-License-Identifier: MIT
 * Binder helpers for array_sort_asc/desc called with several arrays: Kusto
 * returns one result per array, shown as columns named <argument>_sorted
 * (emulator:array-sort-asc-function-00); `[i]` on the call picks one. The
 * function body returns them together as one dynamic array (fn_dynamic.c). */
#include "kql/kql_bind.h"

#include <stdio.h>
#include <string.h>

/* The node decides, not the bound call: a constant call is folded away. */
int kql_sortcols_count(kql_binder *b, const kql_node *en, const kv_schema *row, kql_scope *sc) {
  if (!en || en->kind != KQL_N_CALL || en->flags || en->nkids < 2) return 0;
  if (strcmp(en->name, "array_sort_asc") != 0 && strcmp(en->name, "array_sort_desc") != 0) return 0;
  kv_type t[2] = {KV_TYPE_COUNT, KV_TYPE_COUNT};
  const kql_node *k[2] = {en->kids[1], en->kids[en->nkids - 1]};
  for (int i = 0; i < 2; i++) {
    kql_expr *a = kql_bind_expr(b, (kql_node *)k[i], row, sc);
    if (!a) return 0; /* the caller's own bind reports it */
    t[i] = a->type;
    kql_expr_free(a);
  }
  if (t[0] != KV_DYNAMIC) return 0; /* (array, nulls_last) */
  return t[1] == KV_DYNAMIC ? en->nkids : en->nkids - 1;
}

const char *kql_sortcols_name(kql_binder *b, const kql_node *call, int k) {
  if (!call || call->kind != KQL_N_CALL || k >= call->nkids) return NULL;
  const kql_node *a = call->kids[k];
  if (a->kind != KQL_N_NAME) return NULL;
  char buf[300];
  int n = snprintf(buf, sizeof buf, "%.*s_sorted", (int)a->name_len, a->name);
  if (n < 0 || (size_t)n >= sizeof buf) return NULL;
  return kql_arena_strdup(b->a, buf, (size_t)n);
}
