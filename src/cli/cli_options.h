/* SPDX-License-Identifier: MIT
 * The command line as data: one table of keys (cli_options.c) gives parsing,
 * validation and --help. Syntax: `key:value` (the seed's form) or
 * `--key=value`; keys are case-insensitive; list keys may repeat. Kusto keys
 * are delegated to kusto/'s own table (ku_options_set). */
#ifndef E2K_CLI_CLI_OPTIONS_H
#define E2K_CLI_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kusto/kusto.h"

typedef struct cli_list {
  const char **items; /* borrowed argv strings */
  size_t count;
} cli_list;

typedef struct cli_config {
  cli_list files;          /* file: paths, globs, zips */
  const char *session;     /* session: existing real-time session (Windows) */
  cli_list providers;      /* provider: NAME|GUID[:keywords[:level]] (Windows) */
  const char *query;       /* query: file path (.kql/.csl) or inline KQL */
  const char *format;      /* format: table|json|csv */
  const char *out;         /* out: output file */
  bool stats;              /* stats:true -> decoding coverage instead of rows */
  cli_list manifests;      /* manifest: file or folder */
  cli_list tmfs;           /* tmf: file or folder */
  const char *order;       /* order: time|file */
  bool schema_line;        /* schema:true -> first output line "#schema name:type,..." */
  const char *progress;    /* progress: auto|true|false */
  const char *lateness;    /* lateness: timespan for time windows, e.g. 5s */
  bool no_bundled;         /* bundled:false -> do not use the built-in manifests */
  bool message;            /* message:true -> render manifest/WPP messages in EventData */
  bool help;
  bool version;
  bool selftest;           /* `etw2kusto selftest` (Windows) */
  bool kusto_used;         /* any Kusto key was given */
  ku_options kusto;        /* cluster:, database:, table:, auth:, ... */
} cli_config;

/* Parses argv into cfg (strings borrowed from argv). On error returns -1 with
 * a one-line message in err. */
int cli_parse(int argc, char **argv, cli_config *cfg, char *err, size_t err_len);
void cli_config_free(cli_config *cfg);
void cli_print_help(FILE *out);

/* Parses a timespan such as "5s", "250ms", "1m", "00:00:05" into ticks. */
bool cli_parse_timespan(const char *s, long long *ticks);

#endif
