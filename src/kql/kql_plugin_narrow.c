/* SPDX-License-Identifier: MIT
 * evaluate narrow(): unpivots the input into (Row:long, Column:string,
 * Value:string), one row per input cell, row by row in column order; Row
 * counts input rows from 0. Values are written the way the docs' example
 * shows them (.NET text, not tostring()): True/False, datetimes as
 * "2017-03-14 10:59:18.9263023", reals with up to 15 significant digits.
 * Values whose .NET text is not certain (dynamic, decimal, reals needing
 * more digits or an exponent, NaN, infinities) fail as not supported yet. */
#include "kql/kql_plugin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends the Value text of v; false when its form is not known. */
static bool kql_narrow_text(kv_buf *b, kv_value v) {
  kv_value u = kv_from_dynamic(v);
  bool ok = true;
  if (kv_is_null(u)) {
    ok = u.type != KV_DYNAMIC; /* a null scalar is the empty string */
  } else {
    switch (u.type) {
      case KV_STRING: {
        kv_buf t;
        kv_buf_init(&t);
        size_t n = 0;
        const char *s = kv_str_view(u, &t, &n);
        if (s) kv_buf_append(b, s, n);
        kv_buf_free(&t);
        break;
      }
      case KV_BOOL: kv_buf_puts(b, u.u.b ? "True" : "False"); break;
      case KV_INT:
      case KV_LONG: kv_buf_put_i64(b, u.u.i); break;
      case KV_REAL: {
        double r = u.u.r;
        char tmp[40];
        snprintf(tmp, sizeof tmp, "%.15g", r);
        /* .NET Framework and .NET Core agree on the text only when 15 digits
         * give the value back and no exponent is written */
        ok = isfinite(r) && strtod(tmp, NULL) == r && !strchr(tmp, 'e');
        if (ok) kv_buf_puts(b, tmp);
        break;
      }
      case KV_DATETIME: {
        kv_buf t;
        kv_buf_init(&t);
        kv_format_datetime(&t, u.u.i);
        /* 2017-03-14T10:59:18.9263023Z -> 2017-03-14 10:59:18.9263023 */
        ok = t.len == 28 && t.data[10] == 'T' && t.data[27] == 'Z';
        if (ok) {
          t.data[10] = ' ';
          kv_buf_append(b, t.data, 27);
        }
        kv_buf_free(&t);
        break;
      }
      case KV_TIMESPAN: kv_format_timespan(b, u.u.i); break;
      case KV_GUID: kv_format_guid(b, u.u.g); break;
      default: ok = false; break;
    }
  }
  kv_release(u);
  return ok;
}

int kql_plugin_narrow(kql_plugin *pl) {
  if (pl->call->nkids != 0) return kql_bind_fail(pl->b, pl->call->pos, "narrow: expected no arguments");
  if (kql_plugin_input(pl)) return -1;
  const kql_table *in = pl->in;
  kv_schema s = {0};
  kql_plugin_col(pl, &s, "Row", KV_LONG);
  kql_plugin_col(pl, &s, "Column", KV_STRING);
  kql_plugin_col(pl, &s, "Value", KV_STRING);
  kql_table *out = kql_plugin_table_new(pl, &s);
  for (size_t r = 0; r < in->nrows; r++) {
    const kv_value *row = kql_table_row(in, r);
    for (int c = 0; c < in->schema.count; c++) {
      kv_buf t;
      kv_buf_init(&t);
      if (!kql_narrow_text(&t, row[c])) {
        kv_buf_free(&t);
        return kql_bind_fail(pl->b, pl->op->pos, "not supported yet: narrow of this %s value (column %s)",
                             kv_type_name(in->schema.cols[c].type), in->schema.cols[c].name);
      }
      kv_value vals[3];
      vals[0] = kv_long((int64_t)r);
      vals[1] = kv_cstring(in->schema.cols[c].name);
      vals[2] = kv_string(t.data ? t.data : "", t.len);
      kv_buf_free(&t);
      kql_table_add_row(out, vals);
      kv_release(vals[1]);
      kv_release(vals[2]);
    }
  }
  kql_plugin_output(pl, out);
  return 0;
}
