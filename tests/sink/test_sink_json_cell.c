/* SPDX-License-Identifier: MIT
 * The JSON cell memory (sink_json_cell.c) must never change the output: for
 * sequences that hit, miss, alternate and evict, every cell must equal the
 * canonical writer kv_to_json byte for byte, and datetimes that share a
 * second must carry their own fraction. */
#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "sink/sink_json_cell.h"

static void check_same(sink_json_memo *m, kv_value v) {
  kv_buf got, want;
  kv_buf_init(&got);
  kv_buf_init(&want);
  sink_json_cell(&got, m, v);
  kv_to_json(&want, v);
  TEST_CHECK_MSG(got.len == want.len && memcmp(got.data, want.data, want.len) == 0, "got %.*s want %.*s",
                 (int)got.len, got.data, (int)want.len, want.data);
  kv_buf_free(&got);
  kv_buf_free(&want);
}

int main(void) {
  sink_json_memo m;
  memset(&m, 0, sizeof m);
  /* datetimes: same second, new fraction; next second; before 1970; year 1 */
  int64_t base = INT64_C(638000000000000000);
  const int64_t dts[] = {base, base + 1, base + 9999999, base + 10000000, base + 5, INT64_C(100),
                         INT64_C(621355968000000000) - 1, base};
  for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) check_same(&m, kv_datetime(dts[i]));
  {
    kv_buf b;
    kv_buf_init(&b);
    sink_json_cell(&b, &m, kv_datetime(base + 10000000 + 1234567));
    sink_json_cell(&b, &m, kv_datetime(base + 10000000 + 7));
    /* expected text from Python: datetime(1,1,1) + timedelta(microseconds=ticks // 10) */
    TEST_EQ_STR(b.data, "\"2022-09-28T22:13:21.1234567Z\"\"2022-09-28T22:13:21.0000007Z\"");
    kv_buf_free(&b);
  }
  /* strings: alternating providers (more than the memory holds), escapes,
   * a prefix of a remembered string, one longer than the key limit */
  memset(&m, 0, sizeof m);
  const char *strs[] = {"Microsoft-Windows-Kernel-Network", "MSNT_SystemTrace", "a\"b\\c\n", "MSNT_System",
                        "", "Microsoft-Windows-Kernel-Network", "x", "y", "z", "w", "MSNT_SystemTrace"};
  for (int round = 0; round < 3; round++)
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
      check_same(&m, kv_string_borrowed(strs[i], strlen(strs[i])));
  char big[200];
  memset(big, 'q', sizeof big);
  check_same(&m, kv_string_borrowed(big, sizeof big));
  check_same(&m, kv_string_borrowed(big, 64));
  check_same(&m, kv_string_borrowed(big, 63));
  /* integers of both widths with equal bits, bools, reals, timespans, guids, nulls */
  memset(&m, 0, sizeof m);
  const int64_t ints[] = {0, -1, 7, 4294967295LL, INT64_MIN, INT64_MAX, 99, 100, -100, 7};
  for (int round = 0; round < 2; round++)
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
      check_same(&m, kv_long(ints[i]));
      check_same(&m, kv_int((int32_t)ints[i]));
      check_same(&m, kv_timespan(ints[i]));
    }
  check_same(&m, kv_bool(true));
  check_same(&m, kv_bool(false));
  check_same(&m, kv_real(0.1));
  check_same(&m, kv_real(2.0));
  check_same(&m, kv_real(-0.0));
  check_same(&m, kv_null(KV_LONG));
  check_same(&m, kv_null(KV_STRING));
  check_same(&m, kv_null(KV_DATETIME));
  uint8_t g1[16], g2[16];
  for (int i = 0; i < 16; i++) {
    g1[i] = (uint8_t)i;
    g2[i] = (uint8_t)(255 - i);
  }
  for (int round = 0; round < 3; round++) {
    check_same(&m, kv_guid(g1));
    check_same(&m, kv_guid(g2));
  }
  return e2k_test_report();
}
