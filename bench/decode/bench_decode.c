/* SPDX-License-Identifier: MIT
 * Decode benchmark and dump tool (owner: decA). Reads ETL files with the etl
 * reader, decodes every event's EventData through decode.h and serialises
 * it to JSON; prints events/s for the decode+JSON part alone (reading time
 * is measured separately and excluded).
 *   bench_decode [--dump] [--stats] [--manifest PATH]... FILE...
 *   --repeat N: decode each event N times (steadier timing).
 *   --fast: dec_event_data_json (JSON written directly, no dynamic value);
 *   --nojson: build the value only; --names-only: dec_event_names only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"
#include "etl/etl.h"
#include "platform/platform.h"
#include "value/value.h"

static void guid_text(char *out, const uint8_t *g) {
  kv_buf b;
  kv_buf_init(&b);
  kv_format_guid(&b, g);
  snprintf(out, 40, "%.*s", (int)b.len, b.data);
  kv_buf_free(&b);
}

int main(int argc, char **argv) {
  const char *files[64], *mans[16];
  size_t nf = 0, nm = 0;
  int dump = 0, stats = 0, repeat = 1, msg = 0, nojson = 0, nodata = 0, fast = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--dump")) dump = 1;
    else if (!strcmp(argv[i], "--stats")) stats = 1;
    else if (!strcmp(argv[i], "--message")) msg = 1;
    else if (!strcmp(argv[i], "--nojson")) nojson = 1;
    else if (!strcmp(argv[i], "--names-only")) nodata = 1;
    else if (!strcmp(argv[i], "--fast")) fast = 1;
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--manifest") && i + 1 < argc && nm < 16) mans[nm++] = argv[++i];
    else if (nf < 64) files[nf++] = argv[i];
  }
  if (!nf) {
    fprintf(stderr, "usage: bench_decode [--dump] [--stats] [--message] [--repeat N] [--manifest P]... FILE...\n");
    return 2;
  }
  char err[512];
  dec_options o;
  memset(&o, 0, sizeof o);
  o.manifest_paths = mans;
  o.manifest_count = nm;
  o.want_message = msg;
  dec_context *ctx;
  if (dec_context_new(&ctx, &o, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  if (stats) dec_stats_enable(ctx, true);
  etl_reader *r;
  if (etl_reader_open(&r, files, nf, NULL, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  const etl_event *ev;
  uint64_t n = 0, decoded = 0, bytes = 0;
  double t_dec = 0; /* CPU seconds of the decode loop (clock() around the whole loop) */
  kv_buf b;
  kv_buf_init(&b);
  if (dump || stats) {
    /* streaming mode: observe + decode in stream order, print */
    while (etl_reader_next(r, &ev) > 0) {
      dec_observe(ctx, ev);
      dec_names nmz;
      dec_event_names(ctx, ev, &nmz);
      dec_source src;
      bool ok;
      kv_value v = dec_event_data(ctx, ev, &src, &ok);
      b.len = 0;
      kv_to_json(&b, v);
      if (ok) decoded++;
      if (dump) {
        char g[40];
        guid_text(g, ev->provider_id);
        printf("%s %s/%s id=%u v=%u op=%u pid=%u [%s%s] %.*s\n", g, nmz.provider, nmz.event_name, ev->event_id,
               ev->version, ev->opcode, ev->process_id, dec_source_name(src), ok ? "" : ",partial", (int)b.len,
               b.data);
        if (msg) {
          kv_value m = dec_event_message(ctx, ev);
          if (m.len) printf("  message: %.*s\n", (int)m.len, m.u.s);
          kv_release(m);
        }
      }
      kv_release(v);
      n++;
    }
  } else {
    /* bench mode: read and observe everything first (copies in memory), then
     * time only names + EventData + JSON over the copies */
    size_t cap = 1024, cnt = 0;
    etl_event *evs = malloc(cap * sizeof *evs);
    while (etl_reader_next(r, &ev) > 0) {
      dec_observe(ctx, ev);
      if (cnt == cap) evs = realloc(evs, (cap *= 2) * sizeof *evs);
      etl_event *c = &evs[cnt++];
      *c = *ev;
      uint8_t *pl = malloc(ev->payload_len + 1);
      if (ev->payload_len) memcpy(pl, ev->payload, ev->payload_len);
      c->payload = pl;
      if (ev->ext && ev->ext_len) {
        uint8_t *ex = malloc(ev->ext_len);
        memcpy(ex, ev->ext, ev->ext_len);
        c->ext = ex;
      }
      c->trace = NULL;
    }
    n = cnt;
    clock_t t0 = clock();
    for (int k = 0; k < repeat; k++) {
      for (size_t i = 0; i < cnt; i++) {
        dec_names nmz;
        dec_event_names(ctx, &evs[i], &nmz);
        if (nodata) continue;
        bool ok;
        b.len = 0;
        if (fast) {
          dec_event_data_json(ctx, &evs[i], &b, NULL, &ok);
        } else {
          kv_value v = dec_event_data(ctx, &evs[i], NULL, &ok);
          if (!nojson) kv_to_json(&b, v);
          kv_release(v);
        }
        bytes += b.len;
        if (ok && k == 0) decoded++;
      }
    }
    t_dec = (double)(clock() - t0) / CLOCKS_PER_SEC;
    for (size_t i = 0; i < cnt; i++) {
      free((void *)evs[i].payload);
      if (evs[i].ext && evs[i].ext_len) free((void *)evs[i].ext);
    }
    free(evs);
  }
  if (stats) {
    const dec_stat_row *rows;
    size_t c = dec_stats_rows(ctx, &rows);
    for (size_t i = 0; i < c; i++) {
      char g[40];
      guid_text(g, rows[i].provider_id);
      printf("%-45s %s id=%-5u v=%u op=%-3u %-40s count=%llu decoded=%llu undecoded=%llu source=%s\n",
             rows[i].provider[0] ? rows[i].provider : g, g, rows[i].event_id, rows[i].version, rows[i].opcode,
             rows[i].event_name, (unsigned long long)rows[i].count, (unsigned long long)rows[i].decoded,
             (unsigned long long)rows[i].undecoded, dec_source_name(rows[i].source));
    }
  }
  double secs = t_dec;
  fprintf(stderr, "%llu events (%llu decoded completely), decode+names+JSON x%d: %.3f CPU s, %.0f events/s, %llu JSON bytes\n",
          (unsigned long long)n, (unsigned long long)decoded, repeat, secs, secs > 0 ? (double)n * repeat / secs : 0.0,
          (unsigned long long)bytes);
  kv_buf_free(&b);
  etl_reader_close(r);
  dec_context_free(ctx);
  return 0;
}
