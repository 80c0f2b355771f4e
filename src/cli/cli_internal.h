/* SPDX-License-Identifier: MIT
 * Private to src/cli: the pipeline state shared by the run loop (cli_loop.c),
 * the source adapters (cli_source.c), stats mode (cli_stats.c) and progress. */
#ifndef E2K_CLI_CLI_INTERNAL_H
#define E2K_CLI_CLI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli_options.h"
#include "decode/decode.h"
#include "etl/etl.h"
#include "kql/kql.h"
#include "row/row.h"
#include "sink/sink.h"

#define E2K_VERSION "0.1.0"

struct plat_etw_session;

typedef struct cli_pipeline {
  const cli_config *cfg;
  volatile int *interrupted;    /* set by Ctrl-C */
  etl_reader *reader;           /* file source, or NULL */
  struct plat_etw_session *live; /* real-time source, or NULL */
  bool live_stopping;           /* Enter/Ctrl-C seen: session stopped, draining */
  dec_context *dec;
  kql_query *query;             /* NULL: all event columns go to the sink */
  const char *query_text;       /* its text and name, for error carets */
  size_t query_len;
  const char *query_name;
  sink *out;
  FILE *out_file;               /* the text sink's file (schema lines), or NULL */
  uint64_t events_read;
  uint64_t start_ns;
} cli_pipeline;

/* Prints a query error: name:line:column, the query line and a caret when
 * the error has a position (compile errors and most runtime ones). */
void cli_query_error(const cli_pipeline *p, const kql_error *qe);

void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Opens the source named by cfg (file: or session:/provider:). Returns an exit code. */
int cli_source_open(cli_pipeline *p);
/* Next event: 1 event, 0 end (or interrupted), negative error (reported). */
int cli_source_next(cli_pipeline *p, const etl_event **ev);
void cli_source_close(cli_pipeline *p);
/* Progress/summary helpers (stderr). */
void cli_progress_update(cli_pipeline *p, bool final);

/* format: key, or table on a terminal and JSON lines otherwise. */
sink_text_format cli_text_format(const cli_config *cfg);
int cli_run_rows(cli_pipeline *p);
/* schema:true: the "#schema name:type,..." line before a table's rows. */
void cli_print_schema_line(FILE *f, const kv_schema *s);
/* Several result tables: marker, schema line and open for table i (cli_loop.c). */
int cli_begin_table(cli_pipeline *p, int i, char *err, size_t err_len);
int cli_run_stats(cli_pipeline *p);
int cli_selftest(void);
/* Closes the sink; for Kusto, a second Ctrl-C during the final upload stops it. */
int cli_close_sink(cli_pipeline *p, char *err, size_t err_len);
/* Kusto sink from the cfg's Kusto keys, or NULL with a message. */
sink *cli_kusto_sink(const cli_config *cfg, char *err, size_t err_len);

#endif
