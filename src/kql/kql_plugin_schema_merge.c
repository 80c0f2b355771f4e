/* SPDX-License-Identifier: MIT
 * evaluate schema_merge([PreserveOrder]): merges the schemas of its input
 * (rows of getschema output, one schema after another: a schema starts where
 * ColumnOrdinal stops growing) into one. A new column is placed after the
 * column that precedes it in its own schema. With PreserveOrder (default
 * true) a column whose merged place differs from its ordinal in some input
 * schema is reported as an error row, as Kusto does. */
#include "kql/kql_plugin.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  size_t row;      /* input row that defined the column */
  bool moved;      /* some schema gave it another ordinal */
} kql_sm_col;

static bool kql_sm_str(kv_value v, kv_buf *tmp, const char **s, size_t *n) {
  if (v.type != KV_STRING) return false;
  *s = kv_str_view(v, tmp, n);
  return *s != NULL;
}

int kql_plugin_schema_merge(kql_plugin *pl) {
  static const char *const named[] = {"PreserveOrder", NULL};
  if (kql_plugin_check_named(pl, named)) return -1;
  if (pl->nargs > 1) return kql_bind_fail(pl->b, pl->call->pos, "schema_merge: expected at most one argument");
  kql_node *po = pl->nargs == 1 ? pl->args[0] : kql_plugin_named(pl, "PreserveOrder");
  bool preserve = true;
  if (po) {
    kv_value v;
    if (!kql_plugin_const(pl, po, &v)) return -1;
    bool ok = v.type == KV_BOOL && !kv_is_null(v);
    preserve = ok ? v.u.b : true;
    kv_release(v);
    if (!ok) return kql_bind_fail(pl->b, po->pos, "schema_merge: PreserveOrder must be a bool constant");
  }
  if (kql_plugin_input(pl)) return -1;
  const kv_schema *is = &pl->in->schema;
  int cn = kql_schema_find(is, "ColumnName", 10), co = kql_schema_find(is, "ColumnOrdinal", 13);
  int cd = kql_schema_find(is, "DataType", 8), ct = kql_schema_find(is, "ColumnType", 10);
  if (cn < 0 || co < 0 || cd < 0 || ct < 0)
    return kql_bind_fail(pl->b, pl->op->pos, "schema_merge: the input must be getschema output (ColumnName, ColumnOrdinal, DataType, ColumnType)");
  size_t n = pl->in->nrows;
  kql_sm_col *m = kv_calloc(n + 1, sizeof *m);
  size_t mc = 0;
  int rc = 0;
  int64_t prev_ord = -1;
  long prev_pos = -1; /* merged place of the previous column of this schema */
  /* schemas are short: linear name search keeps this simple (n^2 on column counts) */
  for (size_t r = 0; r < n && rc == 0; r++) {
    const kv_value *row = kql_table_row(pl->in, r);
    int64_t ord = 0;
    if (!kv_num_long(row[co], &ord) || kv_is_null(row[co])) {
      rc = kql_bind_fail(pl->b, pl->op->pos, "schema_merge: ColumnOrdinal is null");
      break;
    }
    if (ord <= prev_ord) prev_pos = -1; /* the next schema begins */
    prev_ord = ord;
    kv_buf t1, t2;
    kv_buf_init(&t1);
    kv_buf_init(&t2);
    const char *nm = NULL, *om = NULL;
    size_t nl = 0, ol = 0;
    long at = -1;
    if (kql_sm_str(row[cn], &t1, &nm, &nl))
      for (size_t i = 0; i < mc && at < 0; i++) {
        kv_buf_free(&t2);
        kv_buf_init(&t2);
        if (kql_sm_str(kql_table_row(pl->in, m[i].row)[cn], &t2, &om, &ol) && ol == nl && !memcmp(om, nm, nl)) at = (long)i;
      }
    if (at >= 0 && !kv_same(kql_table_row(pl->in, m[at].row)[ct], row[ct]))
      rc = kql_bind_fail(pl->b, pl->op->pos, "not supported yet: schema_merge of a column with two types ('%.*s')", (int)nl, nm ? nm : "");
    kv_buf_free(&t1);
    kv_buf_free(&t2);
    if (rc) break;
    if (at < 0) {
      at = prev_pos + 1;
      memmove(m + at + 1, m + at, sizeof *m * (mc - (size_t)at));
      m[at].row = r;
      m[at].moved = false;
      mc++;
    }
    prev_pos = at;
  }
  if (rc == 0 && preserve) {
    /* second pass: every schema's ordinal must equal the merged place */
    for (size_t r = 0; r < n; r++) {
      const kv_value *row = kql_table_row(pl->in, r);
      int64_t ord = 0;
      kv_num_long(row[co], &ord);
      for (size_t i = 0; i < mc; i++)
        if (kv_same(kql_table_row(pl->in, m[i].row)[cn], row[cn]) && (int64_t)i != ord) m[i].moved = true;
    }
  }
  if (rc == 0) {
    kv_schema out = {0};
    kql_plugin_col(pl, &out, "ColumnName", KV_STRING);
    kql_plugin_col(pl, &out, "ColumnOrdinal", KV_LONG);
    kql_plugin_col(pl, &out, "DataType", KV_STRING);
    kql_plugin_col(pl, &out, "ColumnType", KV_STRING);
    kql_table *t = kql_plugin_table_new(pl, &out);
    static const char err_dt[] = "ERROR(unknown CSL type:ERROR(columns are out of order))";
    static const char err_ct[] = "ERROR(columns are out of order)";
    for (size_t i = 0; i < mc; i++) {
      const kv_value *src = kql_table_row(pl->in, m[i].row);
      kv_value v[4];
      v[0] = src[cn];
      if (m[i].moved) {
        v[1] = kv_long(-1);
        v[2] = kv_string_borrowed(err_dt, sizeof err_dt - 1);
        v[3] = kv_string_borrowed(err_ct, sizeof err_ct - 1);
      } else {
        v[1] = kv_long((int64_t)i);
        v[2] = src[cd];
        v[3] = src[ct];
      }
      kql_table_add_row(t, v);
    }
    kql_plugin_output(pl, t);
  }
  free(m);
  return rc;
}
