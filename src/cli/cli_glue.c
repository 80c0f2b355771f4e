/* SPDX-License-Identifier: MIT
 * Thin adapters from the CLI to optional parts: the Kusto sink and the
 * Windows selftest. Kept apart so the run loop stays free of them. */
#include <stdio.h>

#include "platform/etw_realtime.h"
#include "platform/platform.h"

#include "cli/cli.h"
#include "cli/cli_internal.h"
#include "sink/sink_kusto.h"

sink *cli_kusto_sink(const cli_config *cfg, char *err, size_t err_len) {
  return sink_kusto_new(&cfg->kusto, err, err_len);
}

/* `etw2kusto selftest`: the live ETW path end to end (Windows; elsewhere the
 * platform says it is unavailable). 0 pass, 1 fail, 2 unavailable. */
int cli_selftest(void) {
  int rc = plat_etw_selftest();
  if (rc == 2) fprintf(stderr, "etw2kusto: selftest needs Windows (it starts a real-time ETW session)\n");
  return rc == 0 ? E2K_EXIT_OK : E2K_EXIT_RUNTIME;
}

/* Watches for a second Ctrl-C while the Kusto sink uploads what is pending at
 * close: then the sink stops retrying and leaves the rows in its journal. */
typedef struct cli_watch {
  cli_pipeline *p;
  volatile int done;
} cli_watch;

static void cli_watch_main(void *arg) {
  cli_watch *w = arg;
  bool told = false;
  while (!w->done) {
    int n = *w->p->interrupted;
    if (n >= 1 && !told) {
      fprintf(stderr, "etw2kusto: uploading what is pending; Ctrl-C again to stop now (rows stay in the journal)\n");
      told = true;
    }
    if (n >= 2) {
      sink_kusto_interrupt(w->p->out);
      return;
    }
    plat_sleep_ms(100);
  }
}

int cli_close_sink(cli_pipeline *p, char *err, size_t err_len) {
  if (!p->cfg->kusto_used) return p->out->vt->close(p->out, err, err_len);
  cli_watch w = {p, 0};
  plat_thread *t = NULL;
  bool watching = plat_thread_start(&t, cli_watch_main, &w) == 0;
  int rc = p->out->vt->close(p->out, err, err_len);
  w.done = 1;
  if (watching) plat_thread_join(t);
  return rc;
}
