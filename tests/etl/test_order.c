/* SPDX-License-Identifier: MIT
 * Time order: every sample (plain files and zip archives) read in time order
 * has no event earlier than its predecessor and exactly as many events as the
 * same input read in file order; a merge of many files at once is ordered
 * too and loses nothing. Also the open errors for bad specs. */
#include "e2k_test.h"
#include "etl/etl.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>

static void quiet(void *ud, const char *msg) { (void)ud; (void)msg; }

/* Reads everything; returns events, or -1 on error. *disorder = events earlier than their predecessor. */
static long long read_all(const char *const *specs, size_t n, bool file_order, long long *disorder) {
  etl_reader_options o = {0};
  o.file_order = file_order;
  o.warn = quiet;
  etl_reader *r;
  char err[512];
  if (etl_reader_open(&r, specs, n, &o, err, sizeof err) != 0) {
    fprintf(stderr, "open failed: %s\n", err);
    return -1;
  }
  const etl_event *ev;
  long long count = 0;
  int64_t prev = INT64_MIN;
  *disorder = 0;
  int rc;
  while ((rc = etl_reader_next(r, &ev)) == 1) {
    if (ev->time_ticks < prev) (*disorder)++;
    prev = ev->time_ticks;
    count++;
  }
  TEST_EQ_INT((long long)etl_reader_stats(r)->events, count);
  TEST_EQ_INT(etl_reader_stats(r)->buffers_corrupt, 0);
  etl_reader_close(r);
  return rc == 0 ? count : -1;
}

static const char *dirs[] = {"Tx", "etl-parser", "findneedle", "krabsetw", "perfview", "syzygy/log_lib"};

static void test_every_sample(void) {
  int files = 0;
  for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
    for (int z = 0; z < 2; z++) {
      char pat[512];
      snprintf(pat, sizeof pat, "%s/etl/%s/*.%s", E2K_TEST_DATA, dirs[d], z ? "zip" : "etl");
      char **list = NULL;
      size_t n = 0;
      TEST_EQ_INT(plat_glob(pat, &list, &n), 0);
      for (size_t i = 0; i < n; i++) {
        const char *spec = list[i];
        long long dis_t, dis_f;
        long long t = read_all(&spec, 1, false, &dis_t);
        long long f = read_all(&spec, 1, true, &dis_f);
        TEST_CHECK_MSG(t > 0 && t == f, "%s: time order %lld events, file order %lld", spec, t, f);
        TEST_CHECK_MSG(dis_t == 0, "%s: %lld events out of time order", spec, dis_t);
        files++;
      }
      plat_free_list(list, n);
    }
  }
  TEST_CHECK_MSG(files >= 37, "only %d samples found", files);
}

static void test_merge_many(void) {
  char a[512], b[512], c[512];
  snprintf(a, sizeof a, "%s/etl/Tx/*.etl", E2K_TEST_DATA);
  snprintf(b, sizeof b, "%s/etl/findneedle/*.etl", E2K_TEST_DATA);
  snprintf(c, sizeof c, "%s/etl/perfview/gcevents.etl.zip", E2K_TEST_DATA);
  const char *specs[] = {a, b, c};
  long long dis, dis_f;
  long long all = read_all(specs, 3, false, &dis);
  long long all_f = read_all(specs, 3, true, &dis_f);
  /* EXPECTED.json: Tx 13+13+2042+8924+10344+71, findneedle 6+34+49+6+5+6+8+6+9, gcevents 71. */
  TEST_EQ_INT(all, 21407 + 129 + 71);
  TEST_EQ_INT(all_f, all);
  TEST_EQ_INT(dis, 0);
  TEST_CHECK(dis_f > 0); /* file order really is different */
}

static void expect_open_error(const char *spec, int code, const char *needle) {
  etl_reader *r = NULL;
  char err[512];
  etl_reader_options o = {0};
  int rc = etl_reader_open(&r, &spec, 1, &o, err, sizeof err);
  TEST_EQ_INT(rc, code);
  TEST_CHECK(r == NULL);
  TEST_CHECK_MSG(strstr(err, needle) != NULL && strchr(err, '\n') == NULL, "message \"%s\" lacks \"%s\"", err, needle);
}

static void test_open_errors(void) {
  char p[512];
  snprintf(p, sizeof p, "%s/etl/Tx/no-such-file.etl", E2K_TEST_DATA);
  expect_open_error(p, ETL_E_NOT_FOUND, "no-such-file.etl: no such file");
  snprintf(p, sizeof p, "%s/etl/Tx/*.nomatch", E2K_TEST_DATA);
  expect_open_error(p, ETL_E_NOT_FOUND, "*.nomatch: no file matches");
  snprintf(p, sizeof p, "%s/etl/PROVENANCE.md", E2K_TEST_DATA);
  expect_open_error(p, ETL_E_FORMAT, "PROVENANCE.md: not an ETL file (first buffer header invalid at offset 0)");
  snprintf(p, sizeof p, "%s/etl/perfview/gcevents.etl.zip!nope.etl", E2K_TEST_DATA);
  expect_open_error(p, ETL_E_NOT_FOUND, "gcevents.etl.zip: no member 'nope.etl' in the archive");
  /* A zero-length file, written next to the test binary. */
  plat_file *f;
  if (plat_file_open_write("etl_test_empty.etl", false, &f) == 0) {
    plat_file_close(f);
    expect_open_error("etl_test_empty.etl", ETL_E_FORMAT, "etl_test_empty.etl: empty file (0 bytes)");
    plat_remove("etl_test_empty.etl");
  }
  /* Member names with backslashes match either separator. */
  snprintf(p, sizeof p, "%s/etl/perfview/gcevents.etl.zip!gcevents\\PerfViewData.etl", E2K_TEST_DATA);
  const char *spec = p;
  long long dis;
  TEST_EQ_INT(read_all(&spec, 1, false, &dis), 71);
}

/* Within-buffer reorder window: swap the timestamps of the first and last
 * WPP records of wppstr-sample.etl's buffer 1 (MESSAGE flags 0xAA: timestamp
 * at +24). Time order must still be monotonic; file order must show it. */
static void test_unsorted_buffer(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/etl/findneedle/wppstr-sample.etl", E2K_TEST_DATA);
  char *data;
  size_t len;
  TEST_EQ_INT(plat_read_all(path, &data, &len), 0);
  uint8_t *d = (uint8_t *)data;
  size_t recs[16], n = 0;
  uint32_t used = (uint32_t)(d[8192 + 0x30] | (d[8192 + 0x31] << 8));
  for (uint32_t pos = 0x48; pos + 8 <= used && n < 16;) {
    uint8_t *p = d + 8192 + pos;
    uint32_t size = (uint32_t)(p[0] | (p[1] << 8));
    if (p[3] == 0x90 && p[6] == 0xAA) recs[n++] = 8192 + pos;
    if (size == 0) break;
    pos = (pos + size + 7u) & ~7u;
  }
  TEST_CHECK(n >= 2);
  if (n >= 2) {
    uint8_t tmp[8];
    memcpy(tmp, d + recs[0] + 24, 8);
    memcpy(d + recs[0] + 24, d + recs[n - 1] + 24, 8);
    memcpy(d + recs[n - 1] + 24, tmp, 8);
  }
  for (int fo = 0; fo < 2; fo++) {
    etl_reader_options o = {0};
    o.file_order = fo;
    etl_reader *r;
    char err[256];
    TEST_EQ_INT(etl_reader_open_memory(&r, d, len, "swapped.etl", &o, err, sizeof err), 0);
    const etl_event *ev;
    int64_t prev = INT64_MIN;
    long long count = 0, disorder = 0;
    while (etl_reader_next(r, &ev) == 1) {
      if (ev->time_ticks < prev) disorder++;
      prev = ev->time_ticks;
      count++;
    }
    etl_reader_close(r);
    TEST_EQ_INT(count, 8);
    if (fo) TEST_CHECK(disorder > 0);
    else TEST_EQ_INT(disorder, 0);
  }
  free(data);
}

int main(void) {
  TEST_RUN(test_unsorted_buffer);
  TEST_RUN(test_every_sample);
  TEST_RUN(test_merge_many);
  TEST_RUN(test_open_errors);
  return e2k_test_report();
}
