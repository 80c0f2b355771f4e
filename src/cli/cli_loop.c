/* SPDX-License-Identifier: MIT
 * The run loop: every event is observed by the decoder (cheap, learns in-stream
 * metadata), bound to the lazy row, then either pushed into the query or
 * written whole to the sink. Also the progress line. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_internal.h"
#include "platform/platform.h"

typedef struct cli_emit {
  cli_pipeline *p;
  sink *out;
  char err[512];
  int failed;
  int reader_gone; /* output pipe closed: stop quietly */
} cli_emit;

static int cli_emit_row(void *ud, const kv_value *vals, int count) {
  cli_emit *e = ud;
  int rc = e->out->vt->write(e->out, vals, count, e->err, sizeof e->err);
  if (rc < 0) e->failed = 1;
  if (rc > 0) e->reader_gone = 1;
  return rc != 0;
}

int cli_begin_table(cli_pipeline *p, int i, char *err, size_t err_len) {
  sink *out = p->out;
  if (!out->vt->table) {
    snprintf(err, err_len, "the query gives several result tables; this output takes one");
    return -1;
  }
  int rc = out->vt->table(out, kql_query_result_name(p->query, i), err, err_len);
  if (rc) return rc;
  const kv_schema *schema = kql_query_result_schema(p->query, i);
  if (p->cfg->schema_line && p->out_file) cli_print_schema_line(p->out_file, schema);
  return out->vt->open(out, schema, err, err_len);
}

/* The engine's table-start callback: tables 1.. of a multi-table result. */
static int cli_table_start(void *ud, int i) {
  cli_emit *e = ud;
  int rc = cli_begin_table(e->p, i, e->err, sizeof e->err);
  if (rc < 0) e->failed = 1;
  if (rc > 0) e->reader_gone = 1;
  return rc != 0;
}

static bool cli_progress_wanted(const cli_pipeline *p) {
  const char *m = p->cfg->progress;
  if (m && !strcmp(m, "true")) return true;
  if (m && !strcmp(m, "false")) return false;
  return p->reader && plat_isatty(2);
}

void cli_progress_update(cli_pipeline *p, bool final) {
  static uint64_t last_ns;
  uint64_t now = plat_monotonic_ns();
  if (!final && now - last_ns < 500000000u) return;
  last_ns = now;
  double secs = (double)(now - p->start_ns) / 1e9;
  if (secs <= 0) secs = 1e-9;
  if (p->reader) {
    const etl_stats *st = etl_reader_stats(p->reader);
    double mb = (double)st->bytes_read / 1e6, total = (double)st->bytes_total / 1e6;
    double rate = (double)p->events_read / secs;
    double eta = mb > 0 && total > mb ? secs * (total - mb) / mb : 0;
    fprintf(stderr, "\r%.1f / %.1f MB  %llu events  %.0f events/s  ETA %.0fs   %s", mb, total,
            (unsigned long long)p->events_read, rate, eta, final ? "\n" : "");
  } else {
    fprintf(stderr, "\r%llu events  %.0f events/s   %s", (unsigned long long)p->events_read,
            (double)p->events_read / secs, final ? "\n" : "");
  }
}

int cli_run_rows(cli_pipeline *p) {
  row_event row;
  row_event_init(&row, p->dec);
  /* Without a query EventData is only printed: let the decoder write its JSON. */
  if (!p->query) row_event_set_raw_json(&row, true);
  kql_row krow = row_event_as_kql_row(&row);
  cli_emit emit = {p, p->out, "", 0, 0};
  kql_error qe;
  memset(&qe, 0, sizeof qe);
  int rc = E2K_EXIT_OK;
  bool progress = cli_progress_wanted(p);
  if (p->query) kql_query_set_output(p->query, cli_emit_row, &emit);
  if (p->query) kql_query_set_table_start(p->query, cli_table_start, &emit);

  if (p->reader || p->live) {
    const etl_event *ev;
    kv_value vals[ROW_COL_COUNT];
    int n;
    while ((n = cli_source_next(p, &ev)) > 0) {
      p->events_read++;
      dec_observe(p->dec, ev);
      row_event_bind(&row, ev);
      if (p->query) {
        int qrc = kql_query_push(p->query, &krow, &qe);
        if (qrc < 0) {
          cli_query_error(p, &qe);
          rc = E2K_EXIT_RUNTIME;
          break;
        }
        if (qrc > 0) break;
      } else {
        for (int c = 0; c < ROW_COL_COUNT; c++) vals[c] = row_event_get(&row, c);
        if (cli_emit_row(&emit, vals, ROW_COL_COUNT)) break;
      }
      if (progress && (p->events_read & 0xFFFF) == 0) cli_progress_update(p, false);
    }
    if (n < 0) rc = E2K_EXIT_INPUT;
  }
  if (p->query && rc == E2K_EXIT_OK && !emit.failed && !emit.reader_gone) {
    if (kql_query_finish(p->query, &qe) < 0) {
      cli_query_error(p, &qe);
      rc = E2K_EXIT_RUNTIME;
    }
  }
  if (emit.failed) {
    cli_error("%s", emit.err);
    rc = p->cfg->kusto_used ? E2K_EXIT_UPLOAD : E2K_EXIT_RUNTIME;
  }
  if (progress) cli_progress_update(p, true);
  /* Ctrl-C ends a live session normally; it cuts a file run short. */
  if (*p->interrupted && rc == E2K_EXIT_OK && !p->live) rc = E2K_EXIT_INTERRUPTED;
  row_event_free(&row);
  return rc;
}
