/* SPDX-License-Identifier: MIT
 * Placeholder until the pipeline lands: prints usage. */
#include "cli/cli.h"

#include <stdio.h>

int e2k_cli_main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "etw2kusto: not built yet\n");
  return E2K_EXIT_USAGE;
}
