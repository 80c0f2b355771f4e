/* SPDX-License-Identifier: MIT
 * bench_etl_scan: header-only scan benchmark of the ETL reader. Reads every
 * event of the given specs (time order unless --file-order) without decoding
 * payloads and prints events, seconds, events/s and MB/s (on-disk bytes).
 * Usage: bench_etl_scan [--file-order] [--repeat N] SPEC... */
#include "etl/etl.h"
#include "platform/platform.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  etl_reader_options opt = {0};
  int i = 1, repeat = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--file-order") == 0) opt.file_order = true;
    else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_etl_scan [--file-order] [--repeat N] SPEC...\n");
      return 2;
    }
  }
  if (i >= argc || repeat < 1) {
    fprintf(stderr, "usage: bench_etl_scan [--file-order] [--repeat N] SPEC...\n");
    return 2;
  }
  /* --repeat N: the same specs N times, i.e. N files merged by time. */
  size_t n = (size_t)(argc - i) * (size_t)repeat;
  const char **specs = malloc(n * sizeof *specs);
  if (!specs) return 1;
  for (size_t k = 0; k < n; k++) specs[k] = argv[i + (int)(k % (size_t)(argc - i))];
  uint64_t t0 = plat_monotonic_ns();
  clock_t c0 = clock();
  etl_reader *r;
  char err[512];
  if (etl_reader_open(&r, specs, n, &opt, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    free(specs);
    return 1;
  }
  const etl_event *ev;
  uint64_t events = 0, payload = 0, check = 0;
  int rc;
  while ((rc = etl_reader_next(r, &ev)) == 1) {
    events++;
    payload += ev->payload_len;
    check ^= (uint64_t)ev->time_ticks ^ ev->event_id ^ ev->hook_id;
  }
  uint64_t t1 = plat_monotonic_ns();
  clock_t c1 = clock();
  if (rc < 0) fprintf(stderr, "read error: %s\n", etl_reader_error(r));
  const etl_stats *st = etl_reader_stats(r);
  double secs = (double)(t1 - t0) / 1e9;
  double cpu = (double)(c1 - c0) / CLOCKS_PER_SEC;
  if (cpu <= 0) cpu = 1e-9;
  /* Wall time suffers on a shared machine; CPU time (user+sys) is the one-core figure. */
  printf("files %" PRIu64 "  events %" PRIu64 "  seconds %.3f  events/s %.0f  MB/s %.1f  |  cpu_seconds %.3f  "
         "events/cpu_s %.0f  MB/cpu_s %.1f  (bytes %" PRIu64 ", payload bytes %" PRIu64 ", buffers %" PRIu64
         ", compressed %" PRIu64 ", check %" PRIx64 ")\n",
         st->files, events, secs, (double)events / secs, (double)st->bytes_read / secs / 1e6, cpu,
         (double)events / cpu, (double)st->bytes_read / cpu / 1e6, st->bytes_read, payload, st->buffers,
         st->buffers_compressed, check & 0xFFFF);
  etl_reader_close(r);
  free(specs);
  return rc < 0 ? 1 : 0;
}
