/* SPDX-License-Identifier: MIT
 * Thin adapters from the CLI to optional parts: the Kusto sink and the
 * Windows selftest. Kept apart so the run loop stays free of them. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_internal.h"
#include "sink/sink_kusto.h"

sink *cli_kusto_sink(const cli_config *cfg, char *err, size_t err_len) {
  return sink_kusto_new(&cfg->kusto, err, err_len);
}

int cli_selftest(void) {
  fprintf(stderr, "etw2kusto: selftest needs Windows (it starts a real-time ETW session)\n");
  return E2K_EXIT_RUNTIME;
}
