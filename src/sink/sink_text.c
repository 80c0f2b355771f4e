/* SPDX-License-Identifier: MIT
 * Local text sinks: JSON lines, CSV (RFC 4180) and an aligned table for
 * terminals. Values are rendered in Kusto's canonical forms (value_text.c), so
 * the JSON output is what Kusto would return for the same rows. */
#include "sink/sink.h"
#include "sink/sink_json_cell.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
  SINK_TABLE_SAMPLE_ROWS = 200, /* rows buffered to size the table's columns */
  SINK_TABLE_MAX_CELL = 60,     /* characters shown per cell before truncation */
  SINK_JSON_FLUSH_BYTES = 65536 /* JSON lines are written in chunks of about this size */
};

typedef struct sink_text {
  sink base;
  sink_text_format format;
  FILE *out;
  bool owns_file;
  kv_schema schema;      /* column names copied */
  kv_buf line;           /* reusable output line */
  char **json_keys;      /* per column: the escaped '"Name":' prefix, built once */
  size_t *json_key_lens;
  sink_json_memo *json_memo; /* per column: last value written (sink_json_cell.h) */
  /* table mode */
  char **pending;        /* rendered cells of buffered rows, row-major */
  size_t pending_rows;
  int *widths;
  bool header_done;
  int tables;            /* result tables begun through table() */
} sink_text;

static void sink_text_reset(sink_text *t);

/* Counts UTF-8 code points (display width approximation). */
static size_t sink_text_width(const char *s, size_t len) {
  size_t w = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
  return w;
}

/* Renders one cell as plain text for table/CSV. */
static void sink_text_cell(kv_buf *b, kv_value v) { kv_to_text(b, v); }

static int sink_text_open(sink *s, const kv_schema *schema, char *err, size_t err_len) {
  sink_text *t = (sink_text *)s;
  sink_text_reset(t); /* a later result table: the previous one's state goes */
  t->schema.count = schema->count;
  t->schema.cols = kv_calloc((size_t)schema->count + 1, sizeof(kv_column));
  for (int i = 0; i < schema->count; i++) {
    t->schema.cols[i].name = kv_strndup(schema->cols[i].name, strlen(schema->cols[i].name));
    t->schema.cols[i].type = schema->cols[i].type;
  }
  if (t->format == SINK_FORMAT_JSON) {
    t->json_keys = kv_calloc((size_t)schema->count + 1, sizeof(char *));
    t->json_key_lens = kv_calloc((size_t)schema->count + 1, sizeof(size_t));
    t->json_memo = kv_calloc((size_t)schema->count + 1, sizeof(sink_json_memo));
    for (int i = 0; i < schema->count; i++) {
      kv_buf k;
      kv_buf_init(&k);
      if (i) kv_buf_putc(&k, ',');
      kv_buf_json_string(&k, schema->cols[i].name, strlen(schema->cols[i].name));
      kv_buf_putc(&k, ':');
      t->json_keys[i] = k.data;
      t->json_key_lens[i] = k.len;
    }
  }
  if (t->format == SINK_FORMAT_CSV) {
    t->line.len = 0;
    for (int i = 0; i < schema->count; i++) {
      if (i) kv_buf_putc(&t->line, ',');
      kv_buf_puts(&t->line, schema->cols[i].name);
    }
    kv_buf_putc(&t->line, '\n');
    fwrite(t->line.data, 1, t->line.len, t->out);
  }
  if (t->format == SINK_FORMAT_TABLE) {
    t->widths = kv_calloc((size_t)schema->count + 1, sizeof(int));
    t->pending = kv_calloc((size_t)SINK_TABLE_SAMPLE_ROWS * ((size_t)schema->count + 1), sizeof(char *));
    for (int i = 0; i < schema->count; i++) t->widths[i] = (int)sink_text_width(schema->cols[i].name, strlen(schema->cols[i].name));
  }
  return 0;
}

static void sink_text_csv_field(kv_buf *b, const char *s, size_t len) {
  bool quote = false;
  for (size_t i = 0; i < len; i++)
    if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') quote = true;
  if (!quote) {
    kv_buf_append(b, s, len);
    return;
  }
  kv_buf_putc(b, '"');
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') kv_buf_putc(b, '"');
    kv_buf_putc(b, s[i]);
  }
  kv_buf_putc(b, '"');
}

/* Table: renders a cell to a malloc'ed, possibly truncated string. */
static char *sink_table_render(kv_value v) {
  kv_buf b;
  kv_buf_init(&b);
  sink_text_cell(&b, v);
  for (size_t i = 0; i < b.len; i++)
    if (b.data[i] == '\n' || b.data[i] == '\r' || b.data[i] == '\t') b.data[i] = ' ';
  if (sink_text_width(b.data ? b.data : "", b.len) > SINK_TABLE_MAX_CELL) {
    size_t i = 0, w = 0;
    while (i < b.len && w < SINK_TABLE_MAX_CELL - 1) {
      i++;
      while (i < b.len && ((unsigned char)b.data[i] & 0xC0) == 0x80) i++;
      w++;
    }
    b.len = i;
    kv_buf_puts(&b, "\xE2\x80\xA6"); /* ellipsis */
  }
  if (!b.data) kv_buf_puts(&b, "");
  return b.data;
}

static void sink_table_print_row(sink_text *t, char **cells) {
  t->line.len = 0;
  for (int i = 0; i < t->schema.count; i++) {
    const char *c = cells[i] ? cells[i] : "";
    size_t w = sink_text_width(c, strlen(c));
    if (i) kv_buf_puts(&t->line, "  ");
    kv_buf_puts(&t->line, c);
    if (i + 1 < t->schema.count)
      for (size_t k = w; k < (size_t)t->widths[i]; k++) kv_buf_putc(&t->line, ' ');
  }
  kv_buf_putc(&t->line, '\n');
  fwrite(t->line.data, 1, t->line.len, t->out);
}

static void sink_table_flush_pending(sink_text *t) {
  if (!t->header_done) {
    char **names = kv_calloc((size_t)t->schema.count + 1, sizeof(char *));
    for (int i = 0; i < t->schema.count; i++) names[i] = (char *)t->schema.cols[i].name;
    sink_table_print_row(t, names);
    t->line.len = 0;
    for (int i = 0; i < t->schema.count; i++) {
      if (i) kv_buf_puts(&t->line, "  ");
      for (int k = 0; k < t->widths[i]; k++) kv_buf_putc(&t->line, '-');
    }
    kv_buf_putc(&t->line, '\n');
    fwrite(t->line.data, 1, t->line.len, t->out);
    free(names);
    t->header_done = true;
  }
  size_t n = (size_t)t->schema.count;
  for (size_t r = 0; r < t->pending_rows; r++) {
    sink_table_print_row(t, &t->pending[r * n]);
    for (size_t c = 0; c < n; c++) {
      free(t->pending[r * n + c]);
      t->pending[r * n + c] = NULL;
    }
  }
  t->pending_rows = 0;
}

static int sink_text_write(sink *s, const kv_value *vals, int count, char *err, size_t err_len) {
  sink_text *t = (sink_text *)s;
  kv_buf *b = &t->line;
  switch (t->format) {
    case SINK_FORMAT_JSON:
      kv_buf_putc(b, '{');
      for (int i = 0; i < count; i++) {
        kv_buf_append(b, t->json_keys[i], t->json_key_lens[i]);
        if (i < t->schema.count)
          sink_json_cell(b, &t->json_memo[i], vals[i]);
        else
          kv_to_json(b, vals[i]);
      }
      kv_buf_append(b, "}\n", 2);
      /* Lines accumulate and go out in 64 KiB writes: one copy fewer per row. */
      if (b->len >= SINK_JSON_FLUSH_BYTES) {
        fwrite(b->data, 1, b->len, t->out);
        b->len = 0;
      }
      break;
    case SINK_FORMAT_CSV: {
      b->len = 0;
      kv_buf cell;
      kv_buf_init(&cell);
      for (int i = 0; i < count; i++) {
        if (i) kv_buf_putc(b, ',');
        cell.len = 0;
        sink_text_cell(&cell, vals[i]);
        sink_text_csv_field(b, cell.data ? cell.data : "", cell.len);
      }
      kv_buf_free(&cell);
      kv_buf_putc(b, '\n');
      fwrite(b->data, 1, b->len, t->out);
      break;
    }
    case SINK_FORMAT_TABLE: {
      size_t n = (size_t)t->schema.count;
      char **row = &t->pending[t->pending_rows * n];
      for (int i = 0; i < count; i++) {
        row[i] = sink_table_render(vals[i]);
        int w = (int)sink_text_width(row[i], strlen(row[i]));
        if (!t->header_done && w > t->widths[i]) t->widths[i] = w;
      }
      t->pending_rows++;
      if (t->pending_rows == SINK_TABLE_SAMPLE_ROWS || t->header_done) sink_table_flush_pending(t);
      break;
    }
  }
  s->rows_written++;
  if (ferror(t->out)) {
    if (errno == EPIPE) return 1; /* `| head`: the reader has all it wants */
    snprintf(err, err_len, "cannot write output: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static int sink_text_close(sink *s, char *err, size_t err_len) {
  sink_text *t = (sink_text *)s;
  if (t->format == SINK_FORMAT_JSON && t->line.len) {
    fwrite(t->line.data, 1, t->line.len, t->out);
    t->line.len = 0;
  }
  if (t->format == SINK_FORMAT_TABLE && t->widths) sink_table_flush_pending(t);
  if (fflush(t->out) != 0 || ferror(t->out)) {
    if (errno == EPIPE) return 0;
    snprintf(err, err_len, "cannot write output");
    return -1;
  }
  return 0;
}

/* Frees what open() built for one result table. */
static void sink_text_reset(sink_text *t) {
  for (int i = 0; i < t->schema.count; i++) free((char *)t->schema.cols[i].name);
  free(t->schema.cols);
  if (t->pending) {
    for (size_t i = 0; i < t->pending_rows * (size_t)t->schema.count; i++) free(t->pending[i]);
    free(t->pending);
  }
  free(t->widths);
  if (t->json_keys) {
    for (int i = 0; i < t->schema.count; i++) free(t->json_keys[i]);
    free(t->json_keys);
    free(t->json_key_lens);
    free(t->json_memo);
  }
  t->schema.cols = NULL;
  t->schema.count = 0;
  t->pending = NULL;
  t->pending_rows = 0;
  t->widths = NULL;
  t->json_keys = NULL;
  t->json_key_lens = NULL;
  t->json_memo = NULL;
  t->header_done = false;
}

static void sink_text_destroy(sink *s) {
  sink_text *t = (sink_text *)s;
  if (t->owns_file && t->out) fclose(t->out);
  sink_text_reset(t);
  kv_buf_free(&t->line);
  free(t);
}

/* Next result table: the current one is written out, then the marker line:
 * {"$table":"name"} for JSON, "#table name" for CSV and the console table
 * (which also leaves an empty line between tables). */
static int sink_text_table(sink *s, const char *name, char *err, size_t err_len) {
  sink_text *t = (sink_text *)s;
  if (t->format == SINK_FORMAT_JSON && t->line.len) fwrite(t->line.data, 1, t->line.len, t->out);
  if (t->format == SINK_FORMAT_TABLE && t->widths) sink_table_flush_pending(t);
  t->line.len = 0;
  if (t->format == SINK_FORMAT_JSON) {
    kv_buf_puts(&t->line, "{\"$table\":");
    kv_buf_json_string(&t->line, name, strlen(name));
    kv_buf_puts(&t->line, "}\n");
  } else {
    if (t->format == SINK_FORMAT_TABLE && t->tables) kv_buf_putc(&t->line, '\n');
    kv_buf_puts(&t->line, "#table ");
    kv_buf_puts(&t->line, name);
    kv_buf_putc(&t->line, '\n');
  }
  fwrite(t->line.data, 1, t->line.len, t->out);
  t->line.len = 0;
  t->tables++;
  if (ferror(t->out)) {
    if (errno == EPIPE) return 1;
    snprintf(err, err_len, "cannot write output: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static const sink_vtable sink_text_vt = {"text", sink_text_open, sink_text_write, NULL, sink_text_close, sink_text_destroy, sink_text_table};

sink *sink_text_new(sink_text_format format, FILE *out, bool owns_file) {
  sink_text *t = kv_calloc(1, sizeof *t);
  t->base.vt = &sink_text_vt;
  t->format = format;
  t->out = out;
  t->owns_file = owns_file;
  kv_buf_init(&t->line);
  return &t->base;
}
