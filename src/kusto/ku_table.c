/* SPDX-License-Identifier: MIT
 * Table lifecycle before upload: find the table (.show tables), create it
 * from the output schema with the "created by etw2kusto" docstring marker or
 * merge new columns (.create-merge), create/update the named JSON mapping so
 * columns map by name, and apply the reset rule (kusto.h ku_reset). */
#include "kusto/ku_int.h"

#include <stdio.h>
#include <string.h>

static void ku_columns(kv_buf *b, const kv_schema *s) {
  kv_buf_putc(b, '(');
  for (int i = 0; i < s->count; i++) {
    if (i) kv_buf_puts(b, ", ");
    ku_quote_name(b, s->cols[i].name);
    kv_buf_putc(b, ':');
    kv_buf_puts(b, kv_type_name(s->cols[i].type));
  }
  kv_buf_putc(b, ')');
}

/* JSON mapping text, single-quoted as a Kusto string literal. */
static void ku_mapping_literal(kv_buf *b, const kv_schema *s) {
  kv_buf m;
  kv_buf_init(&m);
  kv_buf_putc(&m, '[');
  for (int i = 0; i < s->count; i++) {
    const char *name = s->cols[i].name;
    size_t n = strlen(name);
    if (i) kv_buf_putc(&m, ',');
    kv_buf_puts(&m, "{\"column\":");
    kv_buf_json_string(&m, name, n);
    kv_buf_puts(&m, ",\"path\":");
    kv_buf path;
    kv_buf_init(&path);
    kv_buf_puts(&path, "$['");
    for (size_t k = 0; k < n; k++) {
      if (name[k] == '\'' || name[k] == '\\') kv_buf_putc(&path, '\\');
      kv_buf_putc(&path, name[k]);
    }
    kv_buf_puts(&path, "']");
    kv_buf_json_string(&m, path.data, path.len);
    kv_buf_free(&path);
    kv_buf_puts(&m, ",\"datatype\":\"");
    kv_buf_puts(&m, kv_type_name(s->cols[i].type));
    kv_buf_puts(&m, "\"}");
  }
  kv_buf_putc(&m, ']');
  kv_buf_putc(b, '\'');
  for (size_t i = 0; i < m.len; i++) {
    if (m.data[i] == '\'' || m.data[i] == '\\') kv_buf_putc(b, '\\');
    kv_buf_putc(b, m.data[i]);
  }
  kv_buf_putc(b, '\'');
  kv_buf_free(&m);
}

static int ku_run(ku_conn *c, const char *db, kv_buf *cmd, kv_value *out, ku_result *res) {
  kv_buf_putc(cmd, '\0');
  int rc = ku_mgmt(c, false, db, cmd->data, out, res);
  cmd->len = 0;
  return rc;
}

int ku_table_prepare(ku_conn *c, const char *db, const char *table, const kv_schema *s,
                     ku_reset reset, char *line, size_t line_len, ku_result *res) {
  kv_value root;
  kv_buf cmd;
  kv_buf_init(&cmd);
  int rc = -1;
  /* 1. does it exist, and did we create it? */
  kv_buf_puts(&cmd, ".show tables");
  if (ku_run(c, db, &cmd, &root, res) != 0) goto done;
  kv_value t = ku_v1_table(root, 0);
  int cn = ku_v1_col(t, "TableName");
  int cd = ku_v1_col(t, "DocString");
  bool exists = false, marked = false;
  for (size_t r = 0; r < ku_v1_row_count(t); r++) {
    size_t n = 0;
    const char *name = ku_v1_cell_str(t, r, cn, &n);
    if (name && n == strlen(table) && memcmp(name, table, n) == 0) {
      exists = true;
      size_t dn = 0;
      const char *doc = ku_v1_cell_str(t, r, cd, &dn);
      if (doc) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(dn < 511 ? dn : 511), doc);
        marked = strstr(tmp, KU_TABLE_MARKER) != NULL;
      }
    }
  }
  kv_release(root);
  /* 2. create or merge columns */
  kv_buf_puts(&cmd, ".create-merge table ");
  ku_quote_name(&cmd, table);
  kv_buf_putc(&cmd, ' ');
  ku_columns(&cmd, s);
  if (!exists) kv_buf_puts(&cmd, " with (docstring=\"" KU_TABLE_MARKER "\")");
  if (ku_run(c, db, &cmd, &root, res) != 0) goto done;
  kv_release(root);
  /* 3. the named JSON mapping (columns by name, never by position) */
  kv_buf_puts(&cmd, ".create-or-alter table ");
  ku_quote_name(&cmd, table);
  kv_buf_puts(&cmd, " ingestion json mapping \"" KU_MAPPING_NAME "\" ");
  ku_mapping_literal(&cmd, s);
  if (ku_run(c, db, &cmd, &root, res) != 0) goto done;
  kv_release(root);
  /* 4. reset rule */
  bool clear = exists && (reset == KU_RESET_TRUE || (reset == KU_RESET_DEFAULT && marked));
  if (clear) {
    kv_buf_puts(&cmd, ".clear table ");
    ku_quote_name(&cmd, table);
    kv_buf_puts(&cmd, " data");
    if (ku_run(c, db, &cmd, &root, res) != 0) goto done;
    kv_release(root);
  }
  if (!exists)
    snprintf(line, line_len, "table %s.%s: created (docstring \"%s\")", db, table, KU_TABLE_MARKER);
  else if (clear)
    snprintf(line, line_len, "table %s.%s: existed, cleared (%s)", db, table,
             reset == KU_RESET_TRUE ? "reset:true" : "it was created by etw2kusto");
  else if (reset == KU_RESET_FALSE)
    snprintf(line, line_len, "table %s.%s: existed, rows kept (reset:false)", db, table);
  else
    snprintf(line, line_len,
             "table %s.%s: existed, not created by etw2kusto: rows kept (reset:true clears it)", db,
             table);
  rc = 0;
done:
  kv_buf_free(&cmd);
  return rc;
}
