/* SPDX-License-Identifier: MIT
 * Reader-level clock wiring for the clock types no sample uses: Tx/HTTP_Server.etl
 * (QPC, PerfFreq 1,818,300 Hz, CpuSpeed 1,861 MHz) with its logfile header's
 * ReservedFlags patched to 2 (system time) and 3 (CPU cycles). The raw span
 * is derived from EXPECTED.json's QPC first/last times (79.2609734 s), so
 * span_system = raw and span_cycles = raw * 10 / 1861 (etl-format.md 4). */
#include "e2k_test.h"
#include "etl/etl.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>

static void quiet(void *ud, const char *m) { (void)ud; (void)m; }

static int64_t span_ticks(const uint8_t *d, size_t n, int64_t *first) {
  etl_reader_options o = {0};
  o.warn = quiet;
  etl_reader *r;
  char err[256];
  if (etl_reader_open_memory(&r, d, n, "clock.etl", &o, err, sizeof err) != 0) return -1;
  const etl_event *ev;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  while (etl_reader_next(r, &ev) == 1) {
    if (ev->time_ticks < lo) lo = ev->time_ticks;
    if (ev->time_ticks > hi) hi = ev->time_ticks;
  }
  *first = lo;
  etl_reader_close(r);
  return hi - lo;
}

static void test_clock_types(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/etl/Tx/HTTP_Server.etl", E2K_TEST_DATA);
  char *data;
  size_t n;
  TEST_EQ_INT(plat_read_all(path, &data, &n), 0);
  uint8_t *d = (uint8_t *)data;
  /* Logfile header payload = 0x48 (buffer header) + 0x20 (SYSTEM64 header);
   * PointerSize 8 -> ReservedFlags at payload + 272. */
  const size_t flags_at = 0x48 + 0x20 + 272;
  TEST_EQ_INT(d[flags_at], 1);
  int64_t first;
  const int64_t qpc_span = 792609734; /* 22:07:56.7378319 - 22:06:37.4768585 */
  TEST_CHECK(llabs(span_ticks(d, n, &first) - qpc_span) <= 1);
  const int64_t start = first;
  const int64_t raw = qpc_span * 1818300 / 10000000; /* = 144,120,229 (+-2) */
  d[flags_at] = 2;
  int64_t s2 = span_ticks(d, n, &first);
  TEST_CHECK_MSG(llabs(s2 - raw) <= 3, "system-time span %lld, expected ~%lld", (long long)s2, (long long)raw);
  TEST_EQ_INT(first, start);
  d[flags_at] = 3;
  int64_t s3 = span_ticks(d, n, &first);
  TEST_CHECK_MSG(llabs(s3 - raw * 10 / 1861) <= 1, "cycle span %lld, expected ~%lld", (long long)s3,
                 (long long)(raw * 10 / 1861));
  TEST_EQ_INT(first, start);
  free(data);
}

int main(void) {
  TEST_RUN(test_clock_types);
  return e2k_test_report();
}
