/* SPDX-License-Identifier: MIT
 * Command-line front end: parses key:value / --key=value options (one table,
 * cli_options.c), builds the pipeline source -> decode -> KQL -> sink and runs
 * it. Exit codes are documented in docs/cli.md. */
#ifndef E2K_CLI_CLI_H
#define E2K_CLI_CLI_H

/* Exit codes (docs/cli.md). */
enum {
  E2K_EXIT_OK = 0,
  E2K_EXIT_RUNTIME = 1,   /* input/processing error after start */
  E2K_EXIT_USAGE = 2,     /* bad command line: unknown key, bad value */
  E2K_EXIT_INPUT = 3,     /* missing file, glob matched nothing, not an ETL file */
  E2K_EXIT_QUERY = 4,     /* KQL parse/bind error */
  E2K_EXIT_UPLOAD = 5,    /* Kusto/auth failure that stopped the run */
  E2K_EXIT_INTERRUPTED = 130
};

int e2k_cli_main(int argc, char **argv);

#endif
