/* SPDX-License-Identifier: MIT
 * evaluate pivot(PivotColumn [, agg(...)] [, Column1, ...]): one output column
 * per distinct value of PivotColumn (first appearance order), grouped by the
 * named columns (default: every column but the pivot column and the columns
 * the aggregate reads). Runs over its materialized input as the summarize
 *   summarize ['v1'] = aggif(..., PivotColumn == 'v1'), ... by Column1, ...
 * so a group without a value gets what the -if aggregate gives for no rows
 * (0 for count and sum, as the docs' examples show). The documented list of
 * aggregates is exactly the ones with an -if form. Owner: kqlfns. */
#include "kql/kql_plugin.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds: the summarize holds one aggregate per value and group, and tests
 * every value's condition on every row, so both products stay bounded. */
#define KQL_PIVOT_MAX_VALUES 10000
#define KQL_PIVOT_MAX_CELLS 4000000.0 /* groups x values */
#define KQL_PIVOT_MAX_TESTS 40000000.0 /* rows x values */

/* ORDER: the aggregates the docs list, with their -if forms */
static const char *const kql_pivot_aggs[][2] = {
    {"count", "countif"},         {"sum", "sumif"},           {"dcount", "dcountif"},
    {"min", "minif"},             {"max", "maxif"},           {"take_any", "take_anyif"},
    {"avg", "avgif"},             {"stdev", "stdevif"},       {"variance", "varianceif"},
    {"make_list", "make_list_if"}, {"make_set", "make_set_if"}, {"make_bag", "make_bag_if"},
};

static kql_node *kql_pivot_node(kql_plugin *pl, kql_nkind kind, const char *name, uint32_t pos) {
  kql_node *n = kql_node_new(pl->b->a, kind, pos);
  n->name = name;
  n->name_len = (uint32_t)strlen(name);
  return n;
}

/* Columns the aggregate's arguments name (left out of the default groups). */
static void kql_pivot_mark_names(const kql_plugin *pl, const kql_node *n, bool *used) {
  if (!n) return;
  if (n->kind == KQL_N_NAME) {
    int c = kql_schema_find(&pl->in->schema, n->name, n->name_len);
    if (c >= 0) used[c] = true;
  }
  for (int i = 0; i < n->nkids; i++) kql_pivot_mark_names(pl, n->kids[i], used);
}

/* The name of an output column for a pivot value; NULL after an error. */
static const char *kql_pivot_value_name(kql_plugin *pl, kv_value v, uint32_t pos) {
  if (kv_is_null(v) || (v.type == KV_STRING && v.len == 0))
    return kql_bind_fail(pl->b, pos, "not supported yet: pivot over a null or empty value"), NULL;
  if (v.type == KV_STRING) {
    kv_buf t;
    kv_buf_init(&t);
    size_t n = 0;
    const char *s = kv_str_view(v, &t, &n);
    char *r = kql_arena_strdup(pl->b->a, s ? s : "", s ? n : 0);
    kv_buf_free(&t);
    return r;
  }
  char num[32];
  snprintf(num, sizeof num, "%" PRId64, v.u.i);
  return kql_arena_strdup(pl->b->a, num, strlen(num));
}

/* A declared output schema: the group columns first (same names and types,
 * same order), then one column per pivot value. */
static int kql_pivot_check_schema(kql_plugin *pl, const int *gcols, int ng) {
  const kql_node *sch = pl->schema;
  for (int i = 0; i < sch->nkids; i++) {
    const kql_node *k = sch->kids[i];
    kv_type ty;
    if (k->kind != KQL_N_COLDEF)
      return kql_bind_fail(pl->b, k->pos, "not supported yet: this pivot output schema column");
    if (!kql_type_from_word(k->str, &ty)) return kql_bind_fail(pl->b, k->pos, "unknown type '%s'", k->str);
    for (int j = 0; j < i; j++)
      if (!strcmp(sch->kids[j]->name, k->name))
        return kql_bind_fail(pl->b, k->pos, "pivot: column '%s' is declared twice", k->name);
    if (i < ng) {
      const kv_column *c = &pl->in->schema.cols[gcols[i]];
      if (strcmp(c->name, k->name) != 0 || c->type != ty)
        return kql_bind_fail(pl->b, k->pos,
                             "not supported yet: a pivot output schema that does not start with the group columns (%s:%s)",
                             c->name, kv_type_name(c->type));
    }
  }
  if (sch->nkids < ng)
    return kql_bind_fail(pl->b, sch->pos, "not supported yet: a pivot output schema without all group columns");
  return 0;
}

/* The pivot value a declared column stands for (its name, as a number for a
 * numeric pivot column). */
static bool kql_pivot_value_of_name(kql_plugin *pl, kv_type pt, const char *name, uint32_t pos, kql_node *lit) {
  size_t n = strlen(name);
  if (pt == KV_STRING) {
    lit->lit = kv_string_borrowed(name, n);
    lit->str = name;
    lit->str_len = (uint32_t)n;
    return true;
  }
  char *end = NULL;
  errno = 0;
  long long x = n ? strtoll(name, &end, 10) : 0;
  if (!n || errno || !end || *end) {
    kql_bind_fail(pl->b, pos, "not supported yet: pivot output column '%s' for a %s pivot column", name, kv_type_name(pt));
    return false;
  }
  lit->lit = kv_long((int64_t)x);
  return true;
}

/* After the summarize: the declared types must be the ones computed. */
static int kql_pivot_check_types(kql_plugin *pl) {
  const kv_schema *got = &pl->p->schema;
  for (int i = 0; i < pl->schema->nkids && i < got->count; i++) {
    const kql_node *k = pl->schema->kids[i];
    kv_type ty;
    if (kql_type_from_word(k->str, &ty) && ty != got->cols[i].type)
      return kql_bind_fail(pl->b, k->pos, "pivot: column '%s' is %s, not %s as declared", k->name,
                           kv_type_name(got->cols[i].type), kv_type_name(ty));
  }
  return 0;
}

int kql_plugin_pivot(kql_plugin *pl) {
  static const char *const named[] = {NULL};
  if (kql_plugin_check_named(pl, named)) return -1;
  if (pl->nargs < 1) return kql_bind_fail(pl->b, pl->call->pos, "pivot: expected a pivot column");
  kql_node *agg = NULL;
  const char *agg_if = NULL;
  int first_col = 1;
  if (pl->nargs > 1 && pl->args[1]->kind == KQL_N_CALL) {
    agg = pl->args[1];
    first_col = 2;
    for (size_t i = 0; i < sizeof kql_pivot_aggs / sizeof kql_pivot_aggs[0]; i++)
      if (kql_node_is(agg, kql_pivot_aggs[i][0])) agg_if = kql_pivot_aggs[i][1];
    if (!agg_if) return kql_bind_fail(pl->b, agg->pos, "not supported yet: pivot with aggregate %s()", agg->name);
    if (!strcmp(agg_if, "countif") ? agg->nkids != 0 : agg->nkids < 1)
      return kql_bind_fail(pl->b, agg->pos, "pivot: wrong number of arguments for %s()", agg->name);
  }
  if (kql_plugin_input(pl)) return -1;
  const kql_table *in = pl->in;
  int pc = kql_plugin_column(pl, pl->args[0]);
  if (pc < 0) return -1;
  kv_type pt = in->schema.cols[pc].type;
  if (pt != KV_STRING && pt != KV_INT && pt != KV_LONG)
    return kql_bind_fail(pl->b, pl->args[0]->pos, "not supported yet: pivot over a %s column", kv_type_name(pt));
  /* group columns */
  int ncols = in->schema.count;
  int *gcols = kv_calloc((size_t)ncols + (size_t)pl->nargs + 1, sizeof *gcols);
  int ng = 0;
  if (pl->nargs > first_col) {
    for (int i = first_col; i < pl->nargs; i++) {
      int c = kql_plugin_column(pl, pl->args[i]);
      if (c < 0) goto fail;
      gcols[ng++] = c;
    }
  } else {
    bool *used = kv_calloc((size_t)ncols + 1, sizeof *used);
    used[pc] = true;
    kql_pivot_mark_names(pl, agg, used);
    for (int c = 0; c < ncols; c++)
      if (!used[c]) gcols[ng++] = c;
    free(used);
  }
  uint32_t pos = pl->call->pos;
  kql_node *sum = kql_pivot_node(pl, KQL_N_OP, "summarize", pos);
  sum->str = "";
  kql_node *aggs = kql_pivot_node(pl, KQL_N_CLAUSE, "aggs", pos);
  kql_node *by = kql_pivot_node(pl, KQL_N_CLAUSE, "by", pos);
  for (int i = 0; i < ng; i++) kql_node_add(pl->b->a, by, kql_pivot_node(pl, KQL_N_NAME, in->schema.cols[gcols[i]].name, pos));
  /* the pivot values: the declared output columns after the groups, or the
   * distinct values of the data (first appearance first) */
  kql_groups g;
  kql_groups_init(&g, in, &pc, 1);
  size_t nvals = 0;
  if (pl->schema) {
    if (kql_pivot_check_schema(pl, gcols, ng)) goto fail_groups;
    nvals = (size_t)(pl->schema->nkids - ng);
  } else {
    for (size_t r = 0; r < in->nrows && g.count <= KQL_PIVOT_MAX_VALUES; r++) kql_groups_of(&g, r);
    if (g.count > KQL_PIVOT_MAX_VALUES) {
      kql_bind_fail(pl->b, pl->args[0]->pos, "not supported yet: pivot with more than %d distinct values",
                    KQL_PIVOT_MAX_VALUES);
      goto fail_groups;
    }
    nvals = g.count;
  }
  {
    kql_groups gg;
    kql_groups_init(&gg, in, gcols, ng);
    for (size_t r = 0; r < in->nrows; r++) kql_groups_of(&gg, r);
    double groups = ng ? (double)gg.count : 1.0;
    kql_groups_free(&gg);
    if (groups * (double)nvals > KQL_PIVOT_MAX_CELLS || (double)in->nrows * (double)nvals > KQL_PIVOT_MAX_TESTS) {
      kql_bind_fail(pl->b, pl->call->pos, "not supported yet: a pivot this large (%.0f groups x %.0f values over %.0f rows)",
                    groups, (double)nvals, (double)in->nrows);
      goto fail_groups;
    }
  }
  for (size_t k = 0; k < nvals; k++) {
    kql_node *lit = kql_pivot_node(pl, KQL_N_LIT, "", pos);
    const char *name;
    if (pl->schema) {
      name = pl->schema->kids[ng + (int)k]->name;
      if (!kql_pivot_value_of_name(pl, pt, name, pl->schema->kids[ng + (int)k]->pos, lit)) break;
    } else {
      kv_value v = kql_table_row(in, g.rep[k])[pc];
      name = kql_pivot_value_name(pl, v, pl->args[0]->pos);
      if (!name) break;
      for (int i = 0; i < ng; i++)
        if (!strcmp(in->schema.cols[gcols[i]].name, name)) {
          kql_bind_fail(pl->b, pl->args[0]->pos, "not supported yet: pivot value '%s' that is also a column name", name);
          break;
        }
      if (pl->b->failed) break;
      if (v.type == KV_STRING) {
        lit->lit = kv_string_borrowed(name, strlen(name));
        lit->str = name;
        lit->str_len = (uint32_t)strlen(name);
      } else {
        lit->lit = kv_long(v.u.i);
      }
    }
    kql_node *eq = kql_pivot_node(pl, KQL_N_BINARY, "==", pos);
    kql_node_add(pl->b->a, eq, kql_pivot_node(pl, KQL_N_NAME, in->schema.cols[pc].name, pos));
    kql_node_add(pl->b->a, eq, lit);
    kql_node *call = kql_pivot_node(pl, KQL_N_CALL, agg_if ? agg_if : "countif", pos);
    if (agg && agg->nkids > 0) kql_node_add(pl->b->a, call, agg->kids[0]);
    kql_node_add(pl->b->a, call, eq);
    for (int i = 1; agg && i < agg->nkids; i++) kql_node_add(pl->b->a, call, agg->kids[i]);
    kql_node *as = kql_pivot_node(pl, KQL_N_ASSIGN, name, pos);
    kql_node_add(pl->b->a, as, call);
    kql_node_add(pl->b->a, aggs, as);
  }
  kql_groups_free(&g);
  if (pl->b->failed) goto fail;
  if (aggs->nkids == 0 && ng == 0) {
    kql_bind_fail(pl->b, pos, "not supported yet: pivot of an empty table without other columns");
    goto fail;
  }
  free(gcols);
  kql_node_add(pl->b->a, sum, aggs);
  kql_node_add(pl->b->a, sum, by);
  if (kql_bind_op(pl->b, sum, pl->sc, pl->p)) return -1;
  return pl->schema ? kql_pivot_check_types(pl) : 0;
fail_groups:
  kql_groups_free(&g);
fail:
  free(gcols);
  return -1;
}
