/* SPDX-License-Identifier: MIT
 * Option table and parser for the command line (docs/cli.md). Every key the
 * program accepts is one row here; --help is generated from the same rows. */
#include "cli/cli_options.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "value/value.h"

typedef enum cli_kind { CLI_STRING, CLI_LIST, CLI_BOOL } cli_kind;

typedef struct cli_option_def {
  const char *key;
  cli_kind kind;
  size_t offset; /* into cli_config */
  const char *arg;
  const char *help;
} cli_option_def;

#define CLI_OFF(f) offsetof(cli_config, f)

static const cli_option_def cli_options[] = {
    {"file", CLI_LIST, CLI_OFF(files), "PATH|GLOB|ZIP[!MEMBER]",
     ".etl input; repeatable; globs (*.etl) and .zip archives (PerfView) work"},
    {"session", CLI_STRING, CLI_OFF(session), "NAME", "attach to an existing real-time ETW session (Windows)"},
    {"provider", CLI_LIST, CLI_OFF(providers), "NAME|GUID[:KW[:LEVEL]]",
     "own a private real-time session with these providers (Windows); repeatable"},
    {"query", CLI_STRING, CLI_OFF(query), "FILE|KQL",
     "KQL to run on the events (.kql/.csl file or inline text); alone, runs on its own"},
    {"format", CLI_STRING, CLI_OFF(format), "table|json|csv", "local output format (default: table on a terminal, json otherwise)"},
    {"out", CLI_STRING, CLI_OFF(out), "FILE", "write local output to FILE instead of stdout"},
    {"stats", CLI_BOOL, CLI_OFF(stats), "true|false", "print decoding coverage per provider/event instead of rows"},
    {"manifest", CLI_LIST, CLI_OFF(manifests), "PATH", "instrumentation manifest file or folder; repeatable"},
    {"tmf", CLI_LIST, CLI_OFF(tmfs), "PATH", "WPP TMF file or folder; repeatable"},
    {"bundled", CLI_BOOL, CLI_OFF(no_bundled), "true|false", "use the manifests built into etw2kusto (default true)"},
    {"message", CLI_BOOL, CLI_OFF(message), "true|false", "render manifest/WPP message text"},
    {"order", CLI_STRING, CLI_OFF(order), "time|file", "event order: merged by time (default) or file order"},
    {"lateness", CLI_STRING, CLI_OFF(lateness), "TIMESPAN", "out-of-order allowance for time windows (default 5s)"},
    {"schema", CLI_BOOL, CLI_OFF(schema_line), "true|false", "print '#schema name:type,...' before the rows"},
    {"progress", CLI_STRING, CLI_OFF(progress), "auto|true|false", "progress line on stderr (default: when stderr is a terminal)"},
};

static const cli_option_def *cli_find(const char *key, size_t len) {
  for (size_t i = 0; i < sizeof cli_options / sizeof cli_options[0]; i++)
    if (strlen(cli_options[i].key) == len && strncasecmp(cli_options[i].key, key, len) == 0) return &cli_options[i];
  return NULL;
}

static bool cli_parse_bool(const char *v, bool *out) {
  if (!strcasecmp(v, "true") || !strcasecmp(v, "1") || !strcasecmp(v, "yes") || !*v) {
    *out = true;
    return true;
  }
  if (!strcasecmp(v, "false") || !strcasecmp(v, "0") || !strcasecmp(v, "no")) {
    *out = false;
    return true;
  }
  return false;
}

static void cli_list_add(cli_list *l, const char *v) {
  l->items = kv_realloc((void *)l->items, (l->count + 1) * sizeof *l->items);
  l->items[l->count++] = v;
}

int cli_parse(int argc, char **argv, cli_config *cfg, char *err, size_t err_len) {
  memset(cfg, 0, sizeof *cfg);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "/?") || !strcasecmp(a, "help")) {
      cfg->help = true;
      continue;
    }
    if (!strcmp(a, "--version")) {
      cfg->version = true;
      continue;
    }
    if (!strcasecmp(a, "selftest")) {
      cfg->selftest = true;
      continue;
    }
    const char *key = a, *val;
    size_t key_len;
    if (a[0] == '-' && a[1] == '-') {
      key = a + 2;
      const char *eq = strchr(key, '=');
      if (!eq) {
        /* --flag alone means flag:true */
        key_len = strlen(key);
        val = "true";
      } else {
        key_len = (size_t)(eq - key);
        val = eq + 1;
      }
    } else {
      const char *colon = strchr(a, ':');
      if (!colon || colon == a) {
        snprintf(err, err_len, "argument '%s' is not key:value (try --help)", a);
        return -1;
      }
      key_len = (size_t)(colon - a);
      val = colon + 1;
    }
    const cli_option_def *d = cli_find(key, key_len);
    if (d) {
      void *field = (char *)cfg + d->offset;
      switch (d->kind) {
        case CLI_STRING: *(const char **)field = val; break;
        case CLI_LIST: cli_list_add((cli_list *)field, val); break;
        case CLI_BOOL: {
          bool b;
          if (!cli_parse_bool(val, &b)) {
            snprintf(err, err_len, "%.*s: expected true or false, got '%s'", (int)key_len, key, val);
            return -1;
          }
          /* `bundled` is stored inverted (no_bundled). */
          *(bool *)field = d->offset == CLI_OFF(no_bundled) ? !b : b;
          break;
        }
      }
      continue;
    }
    char kkey[64];
    if (key_len >= sizeof kkey) {
      snprintf(err, err_len, "unknown option '%.40s...' (try --help)", key);
      return -1;
    }
    memcpy(kkey, key, key_len);
    kkey[key_len] = '\0';
    int rc = ku_options_set(&cfg->kusto, kkey, val, err, err_len);
    if (rc < 0) return -1;
    if (rc == 1) {
      cfg->kusto_used = true;
      continue;
    }
    snprintf(err, err_len, "unknown option '%s' (try --help)", kkey);
    return -1;
  }
  if (cfg->format && strcmp(cfg->format, "table") && strcmp(cfg->format, "json") && strcmp(cfg->format, "csv")) {
    snprintf(err, err_len, "format: expected table, json or csv, got '%s'", cfg->format);
    return -1;
  }
  if (cfg->order && strcmp(cfg->order, "time") && strcmp(cfg->order, "file")) {
    snprintf(err, err_len, "order: expected time or file, got '%s'", cfg->order);
    return -1;
  }
  if (cfg->progress && strcmp(cfg->progress, "auto") && strcmp(cfg->progress, "true") && strcmp(cfg->progress, "false")) {
    snprintf(err, err_len, "progress: expected auto, true or false, got '%s'", cfg->progress);
    return -1;
  }
  if (cfg->lateness) {
    long long t;
    if (!cli_parse_timespan(cfg->lateness, &t) || t < 0) {
      snprintf(err, err_len, "lateness: expected a timespan such as 5s or 00:00:05, got '%s'", cfg->lateness);
      return -1;
    }
  }
  int sources = (cfg->files.count > 0) + (cfg->session != NULL) + (cfg->providers.count > 0);
  if (sources > 1) {
    snprintf(err, err_len, "give only one source: file:, session: or provider:");
    return -1;
  }
  return 0;
}

void cli_config_free(cli_config *cfg) {
  free((void *)cfg->files.items);
  free((void *)cfg->providers.items);
  free((void *)cfg->manifests.items);
  free((void *)cfg->tmfs.items);
  memset(cfg, 0, sizeof *cfg);
}

bool cli_parse_timespan(const char *s, long long *ticks) {
  char *end;
  double v = strtod(s, &end);
  if (end == s) return false;
  static const struct {
    const char *unit;
    double ticks;
  } units[] = {{"d", 864000000000.0}, {"h", 36000000000.0}, {"m", 600000000.0}, {"min", 600000000.0}, {"s", 10000000.0},
               {"ms", 10000.0},       {"us", 10.0},          {"", 10000000.0}};
  if (*end == ':') {
    int h, m, sec = 0;
    if (sscanf(s, "%d:%d:%d", &h, &m, &sec) < 2) return false;
    *ticks = ((long long)h * 3600 + m * 60 + sec) * 10000000LL;
    return true;
  }
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (!strcmp(end, units[i].unit)) {
      *ticks = (long long)(v * units[i].ticks);
      return true;
    }
  }
  return false;
}

void cli_print_help(FILE *out) {
  fprintf(out,
          "etw2kusto - ETW events from .etl files or real-time sessions, decoded, queried with KQL,\n"
          "printed locally or uploaded to Kusto (Azure Data Explorer / Fabric Eventhouse).\n\n"
          "usage: etw2kusto [key:value | --key=value]...\n\n"
          "examples:\n"
          "  etw2kusto file:trace.etl                              rows as a table (json when piped)\n"
          "  etw2kusto file:*.etl query:TraficByIP.csl format:csv  pre-process with KQL\n"
          "  etw2kusto query:\"print now()\"                         run KQL on its own\n"
          "  etw2kusto file:trace.etl stats:true                   decoding coverage\n"
          "  etw2kusto cluster:CDOC database:GeorgiTest table:EtwTcp file:*.etl   upload\n"
          "  etw2kusto cluster:CDOC database:GeorgiTest table:EtwTcp session:tcp  real time (Windows)\n\n"
          "input and output:\n");
  for (size_t i = 0; i < sizeof cli_options / sizeof cli_options[0]; i++) {
    char left[64];
    snprintf(left, sizeof left, "%s:%s", cli_options[i].key, cli_options[i].arg);
    fprintf(out, "  %-32s %s\n", left, cli_options[i].help);
  }
  fprintf(out, "\nKusto upload (docs/kusto.md):\n");
  for (const ku_option_info *k = ku_option_table; k->key; k++) fprintf(out, "  %-32s %s\n", k->key, k->help);
  fprintf(out,
          "\nother:\n  selftest                         Windows: prove the live ETW path end to end\n"
          "  --help, --version\n\n"
          "exit codes: 0 ok, 1 runtime error, 2 bad command line, 3 bad input, 4 query error,\n"
          "            5 upload failed, 130 interrupted. Row schema: docs/schema.md.\n");
}
