/* SPDX-License-Identifier: MIT
 * Timestamp conversion (etl-format.md section 4): FILETIME = StartTime +
 * (ts - ts_header) * scale for QPC (10^7/PerfFreq), system time (1) and CPU
 * cycles (10/MHz), checked against hand-computed values; hostile values
 * saturate instead of overflowing (UBSan-clean). */
#include "e2k_test.h"
#include "etl/etl_int.h"

static etl_clock make_clock(uint32_t type, int64_t freq, uint32_t mhz, int64_t start, int64_t ts0) {
  etl_trace_info info;
  memset(&info, 0, sizeof info);
  info.clock_type = type;
  info.perf_freq = freq;
  info.cpu_speed_mhz = mhz;
  info.start_time_ticks = start;
  etl_clock c;
  etl_clock_init(&c, &info, ts0);
  return c;
}

static void test_epoch(void) {
  /* .NET: new DateTime(1601, 1, 1).Ticks == 504911232000000000. */
  TEST_EQ_INT(ETL_FILETIME_EPOCH_TICKS, 504911232000000000LL);
}

static void test_qpc(void) {
  const int64_t start = 635813773016330301LL; /* any start */
  etl_clock c = make_clock(1, 2000000, 0, start, 1000);
  TEST_EQ_INT(etl_clock_ticks(&c, 1000), start);
  /* 3,000,001 ticks at 2 MHz = 1.5000005 s = 15,000,005 x 100 ns. */
  TEST_EQ_INT(etl_clock_ticks(&c, 1000 + 3000001), start + 15000005);
  /* 1 tick at 2 MHz = 500 ns = 5 x 100 ns. */
  TEST_EQ_INT(etl_clock_ticks(&c, 1001), start + 5);
  /* 10 MHz: identity scale. */
  etl_clock c10 = make_clock(1, 10000000, 0, start, 5);
  TEST_EQ_INT(etl_clock_ticks(&c10, 5 + 123456789), start + 123456789);
  /* 3,117,777 Hz (smallEtlFile.etl): 3,117,777 ticks = exactly 1 s. */
  etl_clock c3 = make_clock(1, 3117777, 0, start, 0);
  TEST_EQ_INT(etl_clock_ticks(&c3, 3117777), start + 10000000);
  /* 2 days at 1,818,300 Hz (HTTP_Server.etl): no overflow in the product. */
  etl_clock c18 = make_clock(1, 1818300, 0, start, 0);
  TEST_EQ_INT(etl_clock_ticks(&c18, 1818300LL * 172800), start + 1728000000000LL);
  /* Before the header record: negative offsets truncate toward zero. */
  TEST_EQ_INT(etl_clock_ticks(&c, 1000 - 2000000), start - 10000000);
}

static void test_system_time(void) {
  const int64_t start = 600000000000000000LL;
  etl_clock c = make_clock(2, 10000000, 0, start, 130000000000000000LL);
  TEST_EQ_INT(etl_clock_ticks(&c, 130000000000012345LL), start + 12345);
}

static void test_cpu_cycles(void) {
  const int64_t start = 600000000000000000LL;
  etl_clock c = make_clock(3, 0, 3000, start, 0);
  /* 3000 cycles at 3000 MHz = 1 us = 10 x 100 ns. */
  TEST_EQ_INT(etl_clock_ticks(&c, 3000), start + 10);
  /* 3 GHz for one hour = 1.08e13 cycles = 3.6e10 ticks. */
  TEST_EQ_INT(etl_clock_ticks(&c, 10800000000000LL), start + 36000000000LL);
}

static void test_saturation(void) {
  etl_clock c = make_clock(1, 1000, 0, 600000000000000000LL, -5);
  TEST_EQ_INT(etl_clock_ticks(&c, INT64_MAX), INT64_MAX);
  TEST_EQ_INT(etl_clock_ticks(&c, INT64_MIN), INT64_MIN);
  etl_clock s = make_clock(2, 0, 0, 600000000000000000LL, INT64_MIN);
  TEST_EQ_INT(etl_clock_ticks(&s, INT64_MAX), INT64_MAX);
}

int main(void) {
  TEST_RUN(test_epoch);
  TEST_RUN(test_qpc);
  TEST_RUN(test_system_time);
  TEST_RUN(test_cpu_cycles);
  TEST_RUN(test_saturation);
  return e2k_test_report();
}
