/* SPDX-License-Identifier: MIT
 * Test driver for the Kusto sink: reads typed rows from a TSV file written by
 * the Python tests (first line name:type columns; \t \n \\ escapes, \N = null;
 * datetime/timespan as 100 ns ticks; dynamic as JSON), feeds them to
 * sink_kusto through the sink vtable, and exits 0 when close() reports
 * nothing pending. Extra args are key:value sink options, plus
 * crash_after:N (exit without close, like a killed process) and
 * interrupt_after:N (Ctrl-C path), tick_every:N rows, row_delay_ms:N (a
 * slow live source). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "sink/sink_kusto.h"

static size_t unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return (size_t)(w - s);
}

static int parse_value(char *text, kv_type t, kv_value *out) {
  if (strcmp(text, "\\N") == 0) {
    *out = kv_null(t);
    return 0;
  }
  switch (t) {
  case KV_BOOL: *out = kv_bool(strcmp(text, "true") == 0); return 0;
  case KV_INT: *out = kv_int((int32_t)strtol(text, NULL, 10)); return 0;
  case KV_LONG: *out = kv_long(strtoll(text, NULL, 10)); return 0;
  case KV_REAL: *out = kv_real(strtod(text, NULL)); return 0;
  case KV_DECIMAL: *out = kv_decimal(strtod(text, NULL)); return 0;
  case KV_DATETIME: *out = kv_datetime(strtoll(text, NULL, 10)); return 0;
  case KV_TIMESPAN: *out = kv_timespan(strtoll(text, NULL, 10)); return 0;
  case KV_GUID: {
    uint8_t g[16];
    if (!kv_parse_guid(text, strlen(text), g)) return -1;
    *out = kv_guid(g);
    return 0;
  }
  case KV_STRING: {
    size_t n = unescape(text);
    *out = kv_string(text, n);
    return 0;
  }
  case KV_DYNAMIC: {
    size_t n = unescape(text);
    char err[128];
    return kv_parse_json(text, n, out, err, sizeof err);
  }
  default: return -1;
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: kusto_driver rows.tsv key:value...\n");
    return 2;
  }
  ku_options opt;
  memset(&opt, 0, sizeof opt);
  long crash_after = -1, interrupt_after = -1, tick_every = 1000, row_delay_ms = 0;
  char err[1024];
  for (int i = 2; i < argc; i++) {
    char *colon = strchr(argv[i], ':');
    if (!colon) {
      fprintf(stderr, "bad argument %s\n", argv[i]);
      return 2;
    }
    *colon = '\0';
    const char *k = argv[i], *v = colon + 1;
    if (strcmp(k, "crash_after") == 0) crash_after = atol(v);
    else if (strcmp(k, "interrupt_after") == 0) interrupt_after = atol(v);
    else if (strcmp(k, "tick_every") == 0) tick_every = atol(v);
    else if (strcmp(k, "row_delay_ms") == 0) row_delay_ms = atol(v);
    else if (ku_options_set(&opt, k, v, err, sizeof err) != 1) {
      fprintf(stderr, "option %s: %s\n", k, err);
      return 2;
    }
  }
  opt.progress = stdout;
  FILE *in = fopen(argv[1], "rb");
  if (!in) {
    perror(argv[1]);
    return 2;
  }
  static char line[1 << 20];
  if (!fgets(line, sizeof line, in)) return 2;
  line[strcspn(line, "\r\n")] = '\0';
  kv_column cols[64];
  kv_schema schema = {cols, 0};
  for (char *tok = strtok(line, "\t"); tok && schema.count < 64; tok = strtok(NULL, "\t")) {
    char *c = strrchr(tok, ':');
    if (!c) return 2;
    *c = '\0';
    kv_type t;
    if (!kv_type_from_name(c + 1, strlen(c + 1), &t)) {
      fprintf(stderr, "unknown type %s\n", c + 1);
      return 2;
    }
    cols[schema.count].name = kv_strndup(tok, strlen(tok));
    cols[schema.count].type = t;
    schema.count++;
  }
  sink *s = sink_kusto_new(&opt, err, sizeof err);
  if (!s) {
    fprintf(stderr, "sink_kusto_new: %s\n", err);
    return 1;
  }
  if (s->vt->open(s, &schema, err, sizeof err) != 0) {
    fprintf(stderr, "open: %s\n", err);
    return 1;
  }
  long rows = 0;
  int rc = 0;
  kv_value vals[64];
  while (fgets(line, sizeof line, in)) {
    line[strcspn(line, "\r\n")] = '\0';
    int n = 0;
    char *p = line;
    for (;;) {
      char *tab = strchr(p, '\t');
      if (tab) *tab = '\0';
      if (n < schema.count && parse_value(p, schema.cols[n].type, &vals[n]) != 0) {
        fprintf(stderr, "row %ld: bad value for %s\n", rows + 1, schema.cols[n].name);
        return 2;
      }
      n++;
      if (!tab) break;
      p = tab + 1;
    }
    if (n != schema.count) {
      fprintf(stderr, "row %ld: %d fields, schema has %d\n", rows + 1, n, schema.count);
      return 2;
    }
    if (s->vt->write(s, vals, n, err, sizeof err) != 0) {
      fprintf(stderr, "write: %s\n", err);
      rc = 1;
      for (int i = 0; i < n; i++) kv_release(vals[i]);
      break;
    }
    for (int i = 0; i < n; i++) kv_release(vals[i]);
    rows++;
    if (row_delay_ms > 0) plat_sleep_ms((uint32_t)row_delay_ms);
    if (tick_every > 0 && rows % tick_every == 0 && s->vt->tick(s, plat_now_ticks(), err, sizeof err) != 0) {
      fprintf(stderr, "tick: %s\n", err);
      rc = 1;
      break;
    }
    if (crash_after >= 0 && rows == crash_after) {
      s->vt->tick(s, plat_now_ticks(), err, sizeof err); /* rows reach the journal */
      fflush(stdout);
      fprintf(stderr, "driver: simulated crash after %ld rows\n", rows);
      _Exit(3);
    }
    if (interrupt_after >= 0 && rows == interrupt_after) {
      sink_kusto_interrupt(s);
      break;
    }
  }
  fclose(in);
  if (s->vt->close(s, err, sizeof err) != 0) {
    fprintf(stdout, "close: %s\n", err);
    rc = 1;
  }
  s->vt->destroy(s);
  for (int i = 0; i < schema.count; i++) free((char *)cols[i].name);
  printf("driver: fed %ld rows\n", rows);
  return rc;
}
