/* SPDX-License-Identifier: MIT
 * summarize c = count() + 1, d = c: an expression over aggregates sees
 * aggregates, constants and let-bound names, not the columns the same
 * summarize makes (its other outputs or its by keys). The official parser
 * reports KS142/KS236 and the engine refuses such queries (fuzz corpus: the
 * same rule as for extend); our binder, which evaluates the expression over
 * the summarize output, would otherwise quietly accept them. */
#include "kql/kql_bind.h"

#include <string.h>

int kql_summarize_names_check(kql_binder *b, const kql_node *n, const kv_schema *out, int depth) {
  if (!n || depth > 64) return 0;
  switch (n->kind) {
    case KQL_N_NAME:
      if (strncmp(n->name, "__agg", 5) != 0 && kql_schema_find(out, n->name, n->name_len) >= 0)
        return kql_bind_fail(b, n->pos,
                             "Failed to resolve scalar expression named '%s' (a summarize expression sees "
                             "aggregates, not the columns of the same summarize)",
                             n->name);
      return 0;
    case KQL_N_MEMBER:
      return kql_summarize_names_check(b, n->kids[0], out, depth + 1);
    case KQL_N_CALL:
    case KQL_N_BINARY:
    case KQL_N_UNARY:
    case KQL_N_INDEX:
    case KQL_N_IN:
    case KQL_N_BETWEEN:
    case KQL_N_PAREN:
      for (int i = 0; i < n->nkids; i++)
        if (kql_summarize_names_check(b, n->kids[i], out, depth + 1)) return -1;
      return 0;
    default:
      return 0; /* literals; sub-queries have their own names */
  }
}
