/* SPDX-License-Identifier: MIT
 * The pipeline, wired once: source (etl files | real-time session) -> decode
 * (lazy) -> event rows -> optional KQL query -> sink. One direction, no back
 * and forth. Errors are one line on stderr, prefixed "etw2kusto: ". */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"
#include "platform/etw_realtime.h"
#include "platform/platform.h"

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("etw2kusto: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void cli_query_error(const cli_pipeline *p, const kql_error *qe) {
  kv_buf b;
  kv_buf_init(&b);
  kql_error_format(qe, p->query_text ? p->query_text : "", p->query_len, p->query_name, &b);
  while (b.len && b.data[b.len - 1] == '\n') b.data[--b.len] = '\0';
  fprintf(stderr, "etw2kusto: %s\n", b.data ? b.data : qe->message);
  kv_buf_free(&b);
}

static volatile int cli_interrupted;

/* ---- query text ---- */

static bool cli_looks_like_file(const char *q) {
  size_t n = strlen(q);
  if (n > 4 && (!strcmp(q + n - 4, ".kql") || !strcmp(q + n - 4, ".csl"))) return true;
  return !strchr(q, '\n') && !strchr(q, '|') && plat_path_exists(q) && !plat_is_directory(q);
}

/* Loads the query: a file when it names one, else the inline text. */
static int cli_load_query(const char *q, char **text, size_t *len, const char **name) {
  if (cli_looks_like_file(q)) {
    if (plat_read_all(q, text, len) < 0) {
      cli_error("query: %s", plat_last_error());
      return -1;
    }
    *name = q;
    return 0;
  }
  *len = strlen(q);
  *text = kv_strndup(q, *len);
  *name = "query";
  return 0;
}

void cli_print_schema_line(FILE *f, const kv_schema *s) {
  fputs("#schema ", f);
  for (int i = 0; i < s->count; i++) fprintf(f, "%s%s:%s", i ? "," : "", s->cols[i].name, kv_type_name(s->cols[i].type));
  fputc('\n', f);
}

/* ---- main ---- */

sink_text_format cli_text_format(const cli_config *cfg) {
  if (cfg->format)
    return !strcmp(cfg->format, "table") ? SINK_FORMAT_TABLE : !strcmp(cfg->format, "csv") ? SINK_FORMAT_CSV : SINK_FORMAT_JSON;
  return !cfg->out && plat_isatty(1) ? SINK_FORMAT_TABLE : SINK_FORMAT_JSON;
}

static int cli_make_sink(const cli_config *cfg, FILE **out_file, sink **out) {
  FILE *f = stdout;
  if (cfg->out) {
    f = fopen(cfg->out, "wb");
    if (!f) {
      cli_error("out: cannot create '%s'", cfg->out);
      return E2K_EXIT_USAGE;
    }
  } else {
    plat_stdout_binary();
  }
  *out_file = f;
  if (cfg->kusto_used) {
    char err[512] = "";
    *out = cli_kusto_sink(cfg, err, sizeof err);
    if (!*out) {
      cli_error("%s", err);
      return E2K_EXIT_UPLOAD;
    }
    return 0;
  }
  *out = sink_text_new(cli_text_format(cfg), f, cfg->out != NULL);
  return 0;
}

int e2k_cli_main(int argc, char **argv) {
  cli_config cfg;
  char err[1024] = "";
  if (cli_parse(argc, argv, &cfg, err, sizeof err) < 0) {
    cli_error("%s", err);
    cli_config_free(&cfg);
    return E2K_EXIT_USAGE;
  }
  if (cfg.help) {
    cli_print_help(stdout);
    cli_config_free(&cfg);
    return E2K_EXIT_OK;
  }
  if (cfg.version) {
    printf("etw2kusto %s\n", E2K_VERSION);
    cli_config_free(&cfg);
    return E2K_EXIT_OK;
  }
  if (cfg.selftest) {
    int rc = cli_selftest();
    cli_config_free(&cfg);
    return rc;
  }
  bool has_source = cfg.files.count || cfg.session || cfg.providers.count;
  if (!has_source && !cfg.query) {
    cli_error("nothing to do: give file:, session:, provider: or query: (try --help)");
    cli_config_free(&cfg);
    return E2K_EXIT_USAGE;
  }
  if (cfg.kusto_used && cfg.stats) {
    cli_error("stats:true prints locally; it cannot be combined with cluster:");
    cli_config_free(&cfg);
    return E2K_EXIT_USAGE;
  }
  plat_install_interrupt_flag(&cli_interrupted);

  cli_pipeline p;
  memset(&p, 0, sizeof p);
  p.cfg = &cfg;
  p.interrupted = &cli_interrupted;
  int rc = E2K_EXIT_OK;

  /* Query first: a bad query fails before any input is read. */
  char *qtext = NULL;
  size_t qlen = 0;
  const char *qname = NULL;
  if (cfg.query) {
    if (cli_load_query(cfg.query, &qtext, &qlen, &qname) < 0) {
      rc = E2K_EXIT_USAGE;
      goto done;
    }
    kql_options ko;
    memset(&ko, 0, sizeof ko);
    ko.query_name = qname;
    ko.input = has_source ? row_event_schema() : NULL;
    if (cfg.lateness) {
      long long t = 0;
      cli_parse_timespan(cfg.lateness, &t);
      ko.lateness_ticks = t;
    }
    kql_error qe;
    memset(&qe, 0, sizeof qe);
    p.query_text = qtext;
    p.query_len = qlen;
    p.query_name = qname;
    if (kql_query_compile(&p.query, qtext, qlen, &ko, &qe) < 0) {
      cli_query_error(&p, &qe);
      rc = E2K_EXIT_QUERY;
      goto done;
    }
    if (cfg.kusto_used && kql_query_result_count(p.query) > 1) {
      cli_error("the query gives %d result tables; an upload to Kusto takes exactly one "
                "(keep one tabular statement, or one fork branch)", kql_query_result_count(p.query));
      rc = E2K_EXIT_USAGE;
      goto done;
    }
  }

  if (has_source) {
    dec_options dopt;
    memset(&dopt, 0, sizeof dopt);
    dopt.manifest_paths = cfg.manifests.items;
    dopt.manifest_count = cfg.manifests.count;
    dopt.tmf_paths = cfg.tmfs.items;
    dopt.tmf_count = cfg.tmfs.count;
    dopt.no_bundled_manifests = cfg.no_bundled;
    dopt.want_message = cfg.message;
    /* Windows: TDH of this machine is the last resort for events no offline
     * source knows (always -1 elsewhere). */
    dopt.event_info_fallback = plat_etw_tdh_event_info;
    dopt.event_map_fallback = plat_etw_tdh_event_map;
    if (dec_context_new(&p.dec, &dopt, err, sizeof err) < 0) {
      cli_error("%s", err);
      rc = E2K_EXIT_INPUT;
      goto done;
    }
    rc = cli_source_open(&p);
    if (rc != E2K_EXIT_OK) goto done;
  }

  if (cfg.stats) {
    rc = cli_run_stats(&p);
    goto done;
  }

  FILE *out_file = NULL;
  rc = cli_make_sink(&cfg, &out_file, &p.out);
  if (rc != E2K_EXIT_OK) goto done;
  const kv_schema *schema = p.query ? kql_query_schema(p.query) : row_event_schema();
  p.out_file = out_file;
  bool several = p.query && kql_query_result_count(p.query) > 1;
  if (!several && cfg.schema_line) cli_print_schema_line(out_file, schema);
  /* several result tables: table 0's marker, schema line and open */
  if (several ? cli_begin_table(&p, 0, err, sizeof err) < 0
              : p.out->vt->open(p.out, schema, err, sizeof err) < 0) {
    cli_error("%s", err);
    rc = cfg.kusto_used ? E2K_EXIT_UPLOAD : E2K_EXIT_RUNTIME;
    goto done;
  }
  rc = cli_run_rows(&p);
  if (cli_close_sink(&p, err, sizeof err) < 0) {
    cli_error("%s", err);
    if (rc == E2K_EXIT_OK) rc = cfg.kusto_used ? E2K_EXIT_UPLOAD : E2K_EXIT_RUNTIME;
  }

done:
  cli_source_close(&p);
  if (p.out) p.out->vt->destroy(p.out);
  if (p.query) kql_query_free(p.query);
  if (p.dec) dec_context_free(p.dec);
  free(qtext);
  cli_config_free(&cfg);
  return rc;
}
