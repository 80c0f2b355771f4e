/* SPDX-License-Identifier: MIT
 * Kusto upload benchmark. "codec": serialisation to JSON lines + gzip(1) of
 * 4 MiB batches on the calling thread only (the reader-side cost plus the
 * upload thread's compression, i.e. one core). "upload": rows through the
 * Kusto sink to a server (e.g. tests/kusto/kusto_server.py --discard) with
 * the journal on, reporting events/s, CPU seconds and peak memory.
 * Rows resemble Microsoft-Windows-Kernel-Network TCP events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kusto/ku_int.h"
#include "platform/platform.h"
#include "sink/sink_kusto.h"

static kv_column bench_cols[] = {
    {"TimeCreated", KV_DATETIME}, {"ProviderName", KV_STRING}, {"EventId", KV_INT},
    {"Opcode", KV_INT},          {"ProcessId", KV_LONG},     {"ThreadId", KV_LONG},
    {"ActivityId", KV_GUID},     {"size", KV_LONG},          {"daddr", KV_STRING},
    {"saddr", KV_STRING},        {"dport", KV_INT},          {"sport", KV_INT},
    {"connid", KV_LONG},         {"seqnum", KV_LONG},        {"Level", KV_INT}};
#define BENCH_NCOLS ((int)(sizeof bench_cols / sizeof bench_cols[0]))

static char bench_daddr[1024][24];
static char bench_saddr[200][24];

/* Builds row i from precomputed address text, so the producer's own cost
 * stays out of the serialisation figure. */
static void bench_row(kv_value *v, uint64_t i, char *d, char *s) {
  static const uint8_t g[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  if (!bench_daddr[0][0]) {
    for (unsigned k = 0; k < 1024; k++) snprintf(bench_daddr[k], 24, "10.1.%u.%u", k >> 8, k & 255);
    for (unsigned k = 0; k < 200; k++) snprintf(bench_saddr[k], 24, "192.168.1.%u", k);
  }
  d = bench_daddr[i % 1021];
  s = bench_saddr[i % 200];
  v[0] = kv_datetime(INT64_C(638700000000000000) + (int64_t)i * 137);
  v[1] = kv_string_borrowed("Microsoft-Windows-Kernel-Network", 32);
  v[2] = kv_int(10 + (int32_t)(i % 4));
  v[3] = kv_int(10);
  v[4] = kv_long(4000 + (int64_t)(i % 50));
  v[5] = kv_long(9000 + (int64_t)(i % 300));
  v[6] = kv_guid(g);
  v[7] = kv_long((int64_t)(i * 7919 % 65536));
  v[8] = kv_string_borrowed(d, strlen(d));
  v[9] = kv_string_borrowed(s, strlen(s));
  v[10] = kv_int(443);
  v[11] = kv_int(49152 + (int32_t)(i % 16000));
  v[12] = kv_long((int64_t)(i / 10));
  v[13] = kv_long((int64_t)i * 1460);
  v[14] = kv_int(4);
}

static long bench_peak_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
  fclose(f);
  return kb;
}

static int bench_codec(uint64_t n) {
  kv_schema s = {bench_cols, BENCH_NCOLS};
  ku_rowfmt f;
  ku_rowfmt_init(&f, &s);
  kv_buf batch, gz;
  kv_buf_init(&batch);
  kv_buf_init(&gz);
  kv_value v[BENCH_NCOLS];
  char d[24], sa[24];
  uint64_t raw = 0, comp = 0, batches = 0;
  double gz_cpu = 0;
  clock_t c0 = clock();
  uint64_t t0 = plat_monotonic_ns();
  for (uint64_t i = 0; i < n; i++) {
    bench_row(v, i, d, sa);
    ku_rowfmt_row(&f, &batch, v, BENCH_NCOLS);
    if (batch.len >= (4u << 20) || i + 1 == n) {
      gz.len = 0;
      clock_t g0 = clock();
      ku_gzip(batch.data, batch.len, 1, &gz);
      gz_cpu += (double)(clock() - g0) / CLOCKS_PER_SEC;
      raw += batch.len;
      comp += gz.len;
      batches++;
      batch.len = 0;
    }
  }
  double wall = (double)(plat_monotonic_ns() - t0) / 1e9;
  double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
  printf("codec: %llu events, %llu batches, %.1f MB JSON -> %.1f MB gzip (%.1fx), "
         "%.2f s CPU (gzip %.2f s), %.0f events/s per core, %.0f MB/s JSON, peak RSS %ld KiB\n",
         (unsigned long long)n, (unsigned long long)batches, raw / 1e6, comp / 1e6,
         comp ? (double)raw / (double)comp : 0.0, cpu, gz_cpu, cpu > 0 ? (double)n / cpu : 0.0,
         cpu > 0 ? raw / 1e6 / cpu : 0.0, bench_peak_kb());
  (void)wall;
  kv_buf_free(&batch);
  kv_buf_free(&gz);
  ku_rowfmt_free(&f);
  return 0;
}

static int bench_upload(uint64_t n, int argc, char **argv) {
  ku_options opt;
  memset(&opt, 0, sizeof opt);
  char err[1024];
  for (int i = 0; i < argc; i++) {
    char *c = strchr(argv[i], ':');
    if (!c) continue;
    *c = '\0';
    if (ku_options_set(&opt, argv[i], c + 1, err, sizeof err) != 1) {
      fprintf(stderr, "%s: %s\n", argv[i], err);
      return 2;
    }
  }
  sink *s = sink_kusto_new(&opt, err, sizeof err);
  kv_schema schema = {bench_cols, BENCH_NCOLS};
  if (!s || s->vt->open(s, &schema, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  kv_value v[BENCH_NCOLS];
  char d[24], sa[24];
  clock_t c0 = clock();
  uint64_t t0 = plat_monotonic_ns();
  int rc = 0;
  for (uint64_t i = 0; i < n && rc == 0; i++) {
    bench_row(v, i, d, sa);
    rc = s->vt->write(s, v, BENCH_NCOLS, err, sizeof err);
    if ((i & 65535) == 0 && rc == 0) rc = s->vt->tick(s, plat_now_ticks(), err, sizeof err);
  }
  double feed = (double)(plat_monotonic_ns() - t0) / 1e9;
  if (rc == 0) rc = s->vt->close(s, err, sizeof err);
  double wall = (double)(plat_monotonic_ns() - t0) / 1e9;
  double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
  if (rc) fprintf(stderr, "error: %s\n", err);
  printf("upload: %llu events, reader fed them in %.2f s (%.0f events/s), all acknowledged after "
         "%.2f s (%.0f events/s end to end), process CPU %.2f s (%.0f events/s per core), peak RSS %ld KiB\n",
         (unsigned long long)n, feed, (double)n / feed, wall, (double)n / wall, cpu,
         cpu > 0 ? (double)n / cpu : 0.0, bench_peak_kb());
  s->vt->destroy(s);
  return rc ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_kusto codec N | upload N cluster:URL database:D table:T [key:value...]\n");
    return 2;
  }
  uint64_t n = strtoull(argv[2], NULL, 10);
  if (strcmp(argv[1], "codec") == 0) return bench_codec(n);
  if (strcmp(argv[1], "upload") == 0) return bench_upload(n, argc - 3, argv + 3);
  return 2;
}
