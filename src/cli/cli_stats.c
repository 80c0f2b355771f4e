/* SPDX-License-Identifier: MIT
 * stats:true -- decoding coverage instead of rows: every event is decoded once
 * and counted per provider / event id / version / opcode with the schema
 * source used. Printed through the normal text sink (table, json or csv),
 * with a one-line total on stderr. */
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_internal.h"
#include "platform/platform.h"

static kv_column cli_stats_cols[] = {
    {"Provider", KV_STRING}, {"ProviderId", KV_GUID}, {"EventId", KV_INT},   {"Version", KV_INT},
    {"Opcode", KV_INT},      {"EventName", KV_STRING}, {"Events", KV_LONG},  {"Decoded", KV_LONG},
    {"Undecoded", KV_LONG},  {"Source", KV_STRING}};

int cli_run_stats(cli_pipeline *p) {
  if (!p->reader && !p->live) {
    cli_error("stats:true needs an input (file:, session: or provider:)");
    return E2K_EXIT_USAGE;
  }
  dec_stats_enable(p->dec, true);
  const etl_event *ev;
  int n;
  while ((n = cli_source_next(p, &ev)) > 0) {
    p->events_read++;
    dec_observe(p->dec, ev);
    dec_stats_count(p->dec, ev);
  }
  if (n < 0) return E2K_EXIT_INPUT;

  const cli_config *cfg = p->cfg;
  FILE *f = stdout;
  if (cfg->out && !(f = fopen(cfg->out, "wb"))) {
    cli_error("out: cannot create '%s'", cfg->out);
    return E2K_EXIT_USAGE;
  }
  sink *s = sink_text_new(cli_text_format(cfg), f, cfg->out != NULL);
  kv_schema schema = {cli_stats_cols, (int)(sizeof cli_stats_cols / sizeof cli_stats_cols[0])};
  char err[256];
  s->vt->open(s, &schema, err, sizeof err);
  const dec_stat_row *rows;
  size_t count = dec_stats_rows(p->dec, &rows);
  uint64_t total = 0, decoded = 0, undecoded = 0;
  for (size_t i = 0; i < count; i++) {
    const dec_stat_row *r = &rows[i];
    const char *src = dec_source_name(r->source);
    kv_value v[10] = {kv_string_borrowed(r->provider, strlen(r->provider)), kv_guid(r->provider_id), kv_int(r->event_id),
                      kv_int(r->version), kv_int(r->opcode), kv_string_borrowed(r->event_name, strlen(r->event_name)),
                      kv_long((int64_t)r->count), kv_long((int64_t)r->decoded), kv_long((int64_t)r->undecoded),
                      kv_string_borrowed(src, strlen(src))};
    s->vt->write(s, v, 10, err, sizeof err);
    total += r->count;
    decoded += r->decoded;
    undecoded += r->undecoded;
  }
  int rc = s->vt->close(s, err, sizeof err) < 0 ? E2K_EXIT_RUNTIME : E2K_EXIT_OK;
  s->vt->destroy(s);
  fprintf(stderr, "etw2kusto: %llu events, %llu decoded (%.1f%%), %llu undecoded, %zu event types\n",
          (unsigned long long)total, (unsigned long long)decoded, total ? 100.0 * (double)decoded / (double)total : 0.0,
          (unsigned long long)undecoded, count);
  return rc;
}
