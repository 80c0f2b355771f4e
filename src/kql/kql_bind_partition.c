/* SPDX-License-Identifier: MIT
 * Binder of partition by Col (subquery) / { subquery }: the input is run into
 * a table and split by Col (groups in order of first appearance); the
 * subquery is bound and run once per group, its source being the group
 * (implicit form) or its own source with toscalar(Col) giving the key
 * (legacy form); the results are concatenated. Stage: binder (eager). */
#include "kql/kql_scanops.h"

#include <stdlib.h>
#include <string.h>

#define KQL_PART_MAX 10000   /* groups we are willing to bind a subquery for */
#define KQL_PART_LEGACY 64   /* Kusto's limit for the legacy strategy */

static const char *kql_part_hint(kql_node *op, const char *name) {
  if (!op->params) return NULL;
  for (int i = 0; i < op->params->nkids; i++) {
    kql_node *pa = op->params->kids[i];
    if (!strcmp(pa->name, name) && pa->nkids) {
      kql_node *v = pa->kids[0];
      if (v->kind == KQL_N_NAME) return v->name;
      if (v->kind == KQL_N_LIT && v->lit.type == KV_STRING) return v->str;
      return "?";
    }
  }
  return NULL;
}

/* Runs the subquery for one group (rows of `part`, key value `key`). */
static kql_table *kql_part_run(kql_binder *b, kql_node *op, kql_scope *sc, kql_table *part,
                               kv_value key, int key_col) {
  kql_scope *ps = kql_arena_alloc(b->a, sizeof *ps);
  memset(ps, 0, sizeof *ps);
  ps->parent = sc;
  if (op->flags == 1) {
    kql_scx_scope_table(b, ps, "$partition", part);
  } else { /* legacy form: toscalar(Col) is the group's key */
    kv_schema ks = {0};
    kql_schema_add(b, &ks, part->schema.cols[key_col].name, part->schema.cols[key_col].type);
    kql_table *kt = kql_table_new(&ks);
    kql_table_add_row(kt, &key);
    kql_scx_own_table(b, kt);
    kql_scx_scope_table(b, ps, part->schema.cols[key_col].name, kt);
  }
  kql_pipe q;
  memset(&q, 0, sizeof q);
  q.from = q.to = q.step = kv_null(KV_LONG);
  if (kql_bind_tabular(b, op->kids[1], ps, &q)) {
    kql_pipe_free(&q);
    return NULL;
  }
  return kql_pipe_materialize(b, &q, op->kids[1]->pos);
}

int kql_bind_partition(kql_binder *b, kql_node *op, kql_scope *sc, kql_pipe *p) {
  kql_node *keyn = op->kids[0];
  int kc = kql_schema_find(&p->schema, keyn->name, keyn->name_len);
  if (kc < 0) return kql_bind_fail(b, keyn->pos, "partition: unknown column '%s'", keyn->name);
  const char *strategy = kql_part_hint(op, "hint.strategy");
  bool legacy = !strategy || !strcmp(strategy, "legacy");
  if (strategy && !legacy && strcmp(strategy, "native") && strcmp(strategy, "shuffle"))
    return kql_bind_fail(b, op->pos, "partition: unknown hint.strategy '%s'", strategy);
  /* the docs reserve { subquery with a source } to legacy, yet the engine runs it
   * with hint.strategy=native too (emulator: geo-point-in-polygon-function-03) */
  kql_table *src = kql_pipe_materialize(b, p, op->pos);
  if (!src) return -1;
  /* group row indexes by key, in order of first appearance (hash chains) */
  size_t nr = src->nrows, nb = 64;
  while (nb < nr * 2 && nb < ((size_t)1 << 24)) nb *= 2;
  size_t *head = kv_malloc(sizeof(size_t) * nb);
  for (size_t i = 0; i < nb; i++) head[i] = (size_t)-1;
  size_t *group = kv_malloc(sizeof(size_t) * (nr ? nr : 1));    /* row -> group */
  size_t *first = kv_malloc(sizeof(size_t) * (nr ? nr : 1));    /* group -> first row */
  size_t *chain = kv_malloc(sizeof(size_t) * (nr ? nr : 1));    /* group -> next group in bucket */
  size_t ng = 0;
  int rc = 0;
  for (size_t r = 0; r < nr; r++) {
    kv_value k = kql_table_row(src, r)[kc];
    size_t h = (size_t)(kv_hash(k) & (nb - 1)), g;
    for (g = head[h]; g != (size_t)-1; g = chain[g])
      if (kv_same(kql_table_row(src, first[g])[kc], k)) break;
    if (g == (size_t)-1) {
      g = ng++;
      first[g] = r;
      chain[g] = head[h];
      head[h] = g;
    }
    group[r] = g;
  }
  if (legacy && ng > KQL_PART_LEGACY)
    rc = kql_bind_fail(b, op->pos, "partition: %lld distinct values of '%s' (the legacy strategy allows %d; use hint.strategy=native)",
                       (long long)ng, keyn->name, KQL_PART_LEGACY);
  else if (ng > KQL_PART_MAX)
    rc = kql_bind_fail(b, op->pos, "not supported yet: partition into more than %d groups", KQL_PART_MAX);
  /* rows of each group, in input order (counting sort: linear time) */
  size_t *start = kv_calloc(ng + 1, sizeof(size_t)), *rows = kv_malloc(sizeof(size_t) * (nr ? nr : 1));
  for (size_t r = 0; r < nr; r++) start[group[r] + 1]++;
  for (size_t g = 0; g < ng; g++) start[g + 1] += start[g];
  for (size_t r = 0; r < nr; r++) rows[start[group[r]]++] = r;
  for (size_t g = ng; g > 0; g--) start[g] = start[g - 1];
  start[0] = 0;
  kql_table *out = NULL;
  for (size_t g = 0; rc == 0 && g < (ng ? ng : 1); g++) {
    kql_table *part = kql_table_new(&src->schema);
    kql_scx_own_table(b, part);
    kv_value key = kv_null(src->schema.cols[kc].type);
    if (ng) {
      key = kql_table_row(src, first[g])[kc];
      for (size_t i = start[g]; i < start[g + 1]; i++) kql_table_add_row(part, kql_table_row(src, rows[i]));
    }
    kql_table *res = kql_part_run(b, op, sc, part, key, kc);
    if (!res) {
      rc = -1;
      break;
    }
    if (!out) {
      out = kql_table_new(&res->schema);
      kql_scx_own_table(b, out);
    } else if (!kql_schema_same(&out->schema, &res->schema)) {
      rc = kql_bind_fail(b, op->kids[1]->pos, "not supported yet: partition subqueries with different result schemas");
      break;
    }
    if (ng)
      for (size_t r = 0; r < res->nrows; r++) kql_table_add_row(out, kql_table_row(res, r));
  }
  free(start);
  free(rows);
  free(head);
  free(group);
  free(first);
  free(chain);
  if (rc) return -1;
  kql_scx_pipe_table(b, p, out);
  return 0;
}
