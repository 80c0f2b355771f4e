/* SPDX-License-Identifier: MIT
 * Source adapters: file: specs through the ETL reader, or a real-time session
 * (session:/provider:, Windows) through platform/etw_realtime.h. Both deliver
 * the same etl_event. Reader warnings (corrupt buffers) go to stderr. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_internal.h"
#include "platform/etw_realtime.h"
#include "platform/platform.h"

static uint64_t cli_warnings;

static void cli_reader_warn(void *ud, const char *message) {
  (void)ud;
  cli_warnings++;
  if (cli_warnings <= 20) fprintf(stderr, "etw2kusto: warning: %s\n", message);
  if (cli_warnings == 20) fprintf(stderr, "etw2kusto: warning: further warnings are counted but not shown\n");
}

int cli_source_open(cli_pipeline *p) {
  const cli_config *cfg = p->cfg;
  char err[1024] = "";
  p->start_ns = plat_monotonic_ns();
  if (cfg->files.count) {
    etl_reader_options o;
    memset(&o, 0, sizeof o);
    o.file_order = cfg->order && !strcmp(cfg->order, "file");
    o.warn = cli_reader_warn;
    if (etl_reader_open(&p->reader, cfg->files.items, cfg->files.count, &o, err, sizeof err) < 0) {
      cli_error("%s", err);
      return E2K_EXIT_INPUT;
    }
    return E2K_EXIT_OK;
  }
  plat_etw_options eo;
  memset(&eo, 0, sizeof eo);
  plat_etw_provider *provs = NULL;
  if (cfg->providers.count) {
    provs = kv_calloc(cfg->providers.count, sizeof *provs);
    for (size_t i = 0; i < cfg->providers.count; i++) {
      if (plat_etw_parse_provider(cfg->providers.items[i], &provs[i], err, sizeof err) < 0) {
        cli_error("provider: %s", err);
        free(provs);
        return E2K_EXIT_USAGE;
      }
    }
    eo.providers = provs;
    eo.provider_count = cfg->providers.count;
  } else {
    eo.session_name = cfg->session;
  }
  int rc = plat_etw_open(&p->live, &eo, err, sizeof err);
  free(provs);
  if (rc < 0) {
    cli_error("%s", err);
    return E2K_EXIT_INPUT;
  }
  if (cfg->session)
    fprintf(stderr, "Listening to real-time session '%s'. Press Enter to terminate\n", cfg->session);
  else
    fprintf(stderr, "Listening to a private real-time session with %zu provider(s). Press Enter to terminate\n",
            cfg->providers.count);
  return E2K_EXIT_OK;
}

int cli_source_next(cli_pipeline *p, const etl_event **ev) {
  if (p->reader) {
    if (*p->interrupted) return 0;
    int rc = etl_reader_next(p->reader, ev);
    if (rc < 0) cli_error("%s", etl_reader_error(p->reader));
    return rc;
  }
  if (p->live) {
    for (;;) {
      /* Enter or Ctrl-C: stop the session, then drain what ETW flushed at
       * stop through the pipeline before the query's finish. */
      if (!p->live_stopping && (*p->interrupted || plat_stdin_line_ready())) {
        p->live_stopping = true;
        plat_etw_stop(p->live);
      }
      int rc = plat_etw_next(p->live, ev, 250);
      if (rc > 0) return 1;
      if (rc < 0) {
        const char *why = plat_etw_error(p->live);
        if (why && *why && !p->live_stopping) cli_error("real-time session: %s", why);
        return 0;
      }
      /* idle: let time windows close on the wall clock */
      if (p->query) {
        kql_error qe;
        kql_query_tick(p->query, plat_now_ticks(), &qe);
      }
      if (p->out && p->out->vt->tick) {
        char err[256];
        p->out->vt->tick(p->out, plat_now_ticks(), err, sizeof err);
      }
    }
  }
  return 0;
}

void cli_source_close(cli_pipeline *p) {
  if (p->reader) {
    const etl_stats *st = etl_reader_stats(p->reader);
    if (st->buffers_corrupt || st->records_corrupt)
      fprintf(stderr, "etw2kusto: %llu corrupt buffer(s) and %llu corrupt record(s) skipped\n",
              (unsigned long long)st->buffers_corrupt, (unsigned long long)st->records_corrupt);
    etl_reader_close(p->reader);
    p->reader = NULL;
  }
  if (p->live) {
    plat_etw_stats st;
    plat_etw_stop(p->live);
    plat_etw_get_stats(p->live, &st);
    plat_etw_close(p->live);
    fprintf(stderr, "etw2kusto: real-time session: %llu events, %llu lost events, %llu lost buffers\n",
            (unsigned long long)st.events, (unsigned long long)st.events_lost, (unsigned long long)st.buffers_lost);
    p->live = NULL;
  }
}
