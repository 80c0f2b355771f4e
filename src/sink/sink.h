/* SPDX-License-Identifier: MIT
 * Output sinks: where result rows go. One vtable, several implementations:
 * console table, JSON lines, CSV (sink_text.c) and Kusto upload
 * (sink_kusto.c, built on kusto/). The pipeline calls open -> write* -> close.
 * Values passed to write are borrowed: a sink copies what it keeps. */
#ifndef E2K_SINK_SINK_H
#define E2K_SINK_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "value/value.h"

typedef struct sink sink;

typedef struct sink_vtable {
  const char *name;
  /* Called once with the output schema before any row. */
  int (*open)(sink *s, const kv_schema *schema, char *err, size_t err_len);
  /* One row; count == schema->count. Returns 0; a positive value when the
   * reader went away (closed pipe): stop quietly; negative on a fatal error. */
  int (*write)(sink *s, const kv_value *vals, int count, char *err, size_t err_len);
  /* Periodic call (about once a second) from the pipeline, e.g. to close a
   * time-based upload batch. May be NULL. */
  int (*tick)(sink *s, int64_t now_ticks, char *err, size_t err_len);
  /* Flushes everything; after close only destroy may be called. */
  int (*close)(sink *s, char *err, size_t err_len);
  void (*destroy)(sink *s);
  /* Queries with several result tables (docs/cli.md): ends the current table
   * and writes the marker of the next one, called `name`; open() with its
   * schema follows, then its rows. NULL: the sink takes one table only. */
  int (*table)(sink *s, const char *name, char *err, size_t err_len);
} sink_vtable;

struct sink {
  const sink_vtable *vt;
  uint64_t rows_written; /* maintained by the implementation */
};

/* Local text output. */
typedef enum sink_text_format {
  SINK_FORMAT_TABLE = 0, /* aligned columns for a terminal (buffers up to N rows to size columns) */
  SINK_FORMAT_JSON,      /* JSON lines: one object per row */
  SINK_FORMAT_CSV        /* RFC 4180, header row first */
} sink_text_format;

/* Creates a text sink writing to `out` (not closed by the sink unless
 * owns_file). */
sink *sink_text_new(sink_text_format format, FILE *out, bool owns_file);

#endif
