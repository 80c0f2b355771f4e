/* SPDX-License-Identifier: MIT
 * Zip input: a hand-built archive with stored members (backslash names,
 * upper-case .ETL, a non-ETL member) read as "z.zip", "z.zip!member" with
 * either separator; archives without .etl members, truncated archives and a
 * deflated member with garbled data fail cleanly or count corruption. The
 * zip layout follows PKWARE APPNOTE 4.3 (local header, central directory, EOCD). */
#include "e2k_test.h"
#include "etl/etl.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct zbuf { uint8_t *p; size_t len, cap; } zbuf;

static void zput(zbuf *b, const void *d, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, d, n);
  b->len += n;
}
static void z16(zbuf *b, uint32_t v) { uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; zput(b, x, 2); }
static void z32(zbuf *b, uint32_t v) { z16(b, v & 0xFFFF); z16(b, v >> 16); }

typedef struct member { const char *name; const uint8_t *data; size_t len; } member;

/* Writes a stored (method 0) archive; CRCs are left 0 (the reader does not check them). */
static int write_zip(const char *path, const member *m, size_t n, size_t cut) {
  zbuf b = {0}, cd = {0};
  for (size_t i = 0; i < n; i++) {
    uint32_t off = (uint32_t)b.len, nl = (uint32_t)strlen(m[i].name);
    z32(&b, 0x04034b50); z16(&b, 20); z16(&b, 0); z16(&b, 0); z16(&b, 0); z16(&b, 0);
    z32(&b, 0); z32(&b, (uint32_t)m[i].len); z32(&b, (uint32_t)m[i].len); z16(&b, nl); z16(&b, 0);
    zput(&b, m[i].name, nl);
    zput(&b, m[i].data, m[i].len);
    z32(&cd, 0x02014b50); z16(&cd, 20); z16(&cd, 20); z16(&cd, 0); z16(&cd, 0); z16(&cd, 0); z16(&cd, 0);
    z32(&cd, 0); z32(&cd, (uint32_t)m[i].len); z32(&cd, (uint32_t)m[i].len); z16(&cd, nl); z16(&cd, 0);
    z16(&cd, 0); z16(&cd, 0); z16(&cd, 0); z32(&cd, 0); z32(&cd, off);
    zput(&cd, m[i].name, nl);
  }
  uint32_t cd_off = (uint32_t)b.len, cd_len = (uint32_t)cd.len;
  zput(&b, cd.p, cd.len);
  z32(&b, 0x06054b50); z16(&b, 0); z16(&b, 0); z16(&b, (uint32_t)n); z16(&b, (uint32_t)n);
  z32(&b, cd_len); z32(&b, cd_off); z16(&b, 0);
  plat_file *f;
  int rc = plat_file_open_write(path, false, &f);
  if (rc == 0) {
    rc = plat_file_write(f, b.p, cut ? cut : b.len);
    plat_file_close(f);
  }
  free(b.p);
  free(cd.p);
  return rc;
}

static void quiet(void *ud, const char *m) { (void)m; (*(int *)ud)++; }

/* Events of spec, or the negative open code; err gets the message. */
static long long count(const char *spec, char *err, size_t err_len, int *warnings, unsigned long long *corrupt) {
  etl_reader_options o = {0};
  o.warn = quiet;
  o.warn_ud = warnings;
  etl_reader *r;
  int rc = etl_reader_open(&r, &spec, 1, &o, err, err_len);
  if (rc != 0) return rc;
  const etl_event *ev;
  long long n = 0;
  while ((rc = etl_reader_next(r, &ev)) == 1) n++;
  if (corrupt) *corrupt = etl_reader_stats(r)->buffers_corrupt + etl_reader_stats(r)->records_corrupt;
  etl_reader_close(r);
  return rc == 0 ? n : -100;
}

static uint8_t *load(const char *rel, size_t *len) {
  char path[512];
  char *d = NULL;
  snprintf(path, sizeof path, "%s/etl/%s", E2K_TEST_DATA, rel);
  TEST_EQ_INT(plat_read_all(path, &d, len), 0);
  return (uint8_t *)d;
}

static void test_stored(void) {
  size_t l1, l2;
  uint8_t *small = load("perfview/smallEtlFile.etl", &l1); /* 2 events (EXPECTED.json) */
  uint8_t *wpp = load("findneedle/wppstr-sample.etl", &l2);   /* 8 events */
  member m[] = {{"dir\\small.etl", small, l1}, {"notes.txt", (const uint8_t *)"hello", 5}, {"wpp.ETL", wpp, l2}};
  TEST_EQ_INT(write_zip("etl_test_stored.zip", m, 3, 0), 0);
  char err[512];
  int w = 0;
  TEST_EQ_INT(count("etl_test_stored.zip", err, sizeof err, &w, NULL), 10);
  TEST_EQ_INT(count("etl_test_stored.zip!dir\\small.etl", err, sizeof err, &w, NULL), 2);
  TEST_EQ_INT(count("etl_test_stored.zip!dir/small.etl", err, sizeof err, &w, NULL), 2);
  TEST_EQ_INT(count("etl_test_stored.zip!wpp.ETL", err, sizeof err, &w, NULL), 8);
  TEST_EQ_INT(w, 0);
  TEST_EQ_INT(count("etl_test_stored.zip!notes.txt", err, sizeof err, &w, NULL), ETL_E_FORMAT);
  TEST_EQ_STR(err, "etl_test_stored.zip!notes.txt: not an ETL file (first buffer header invalid at offset 0)");
  TEST_EQ_INT(count("etl_test_stored.zip!missing.etl", err, sizeof err, &w, NULL), ETL_E_NOT_FOUND);
  /* The trace info names the member. */
  etl_reader *r;
  const char *spec = "etl_test_stored.zip!wpp.ETL";
  TEST_EQ_INT(etl_reader_open(&r, &spec, 1, NULL, err, sizeof err), 0);
  TEST_EQ_INT(etl_reader_trace_count(r), 1);
  TEST_EQ_STR(etl_reader_trace(r, 0)->path, "etl_test_stored.zip!wpp.ETL");
  TEST_EQ_STR(etl_reader_trace(r, 0)->logger_name, "FN_WppStr");
  etl_reader_close(r);
  /* No .etl member at all. */
  TEST_EQ_INT(write_zip("etl_test_noetl.zip", m + 1, 1, 0), 0);
  TEST_EQ_INT(count("etl_test_noetl.zip", err, sizeof err, &w, NULL), ETL_E_NOT_FOUND);
  TEST_CHECK(strstr(err, "no .etl member") != NULL);
  /* Truncated archives: every cut fails cleanly (no EOCD / bad directory) or reads. */
  for (size_t cut = 1; cut < l1 + l2 + 300; cut += 97) {
    TEST_EQ_INT(write_zip("etl_test_cut.zip", m, 3, cut), 0);
    long long rc = count("etl_test_cut.zip", err, sizeof err, &w, NULL);
    TEST_CHECK_MSG(rc == ETL_E_FORMAT || rc == ETL_E_NOT_FOUND, "cut %zu: %lld (%s)", cut, rc, err);
  }
  plat_remove("etl_test_stored.zip");
  plat_remove("etl_test_noetl.zip");
  plat_remove("etl_test_cut.zip");
  free(small);
  free(wpp);
}

static void test_deflated_garbled(void) {
  size_t len;
  uint8_t *z = load("perfview/gcevents.etl.zip", &len);
  char err[512];
  int w = 0;
  unsigned long long corrupt = 0;
  /* Garble a stretch in the middle of the deflated data (the directory at the end stays intact). */
  for (size_t i = len / 3; i < len / 3 + 64; i++) z[i] ^= 0x5A;
  plat_file *f;
  TEST_EQ_INT(plat_file_open_write("etl_test_garbled.zip", false, &f), 0);
  TEST_EQ_INT(plat_file_write(f, z, len), 0);
  plat_file_close(f);
  long long n = count("etl_test_garbled.zip", err, sizeof err, &w, &corrupt);
  TEST_CHECK_MSG((n >= 0 && n < 71 && (corrupt > 0 || w > 0)) || n == ETL_E_FORMAT, "garbled: %lld, %s", n, err);
  plat_remove("etl_test_garbled.zip");
  free(z);
}

int main(void) {
  TEST_RUN(test_stored);
  TEST_RUN(test_deflated_garbled);
  return e2k_test_report();
}
