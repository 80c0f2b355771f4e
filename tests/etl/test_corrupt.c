/* SPDX-License-Identifier: MIT
 * Bad input never crashes (run under ASan+UBSan): truncated prefixes, flipped
 * bytes, zero-length and random inputs, record sizes that overrun the buffer,
 * bogus extended-data chains, corrupt buffer headers and corrupt compressed
 * payloads. Each must give an open error, or events and/or a counted
 * corruption, and warnings that name the file. */
#include "e2k_test.h"
#include "etl/etl.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct outcome {
  int open_rc;
  int next_rc;
  long long events;
  unsigned long long buffers_corrupt, records_corrupt;
  int warnings, warnings_named;
} outcome;

static void count_warn(void *ud, const char *msg) {
  outcome *o = ud;
  o->warnings++;
  if (strncmp(msg, "mem.etl: ", 9) == 0) o->warnings_named++;
}

static outcome run_mem(const uint8_t *data, size_t len, bool file_order) {
  outcome o;
  memset(&o, 0, sizeof o);
  etl_reader_options opt = {0};
  opt.file_order = file_order;
  opt.warn = count_warn;
  opt.warn_ud = &o;
  etl_reader *r;
  char err[512];
  o.open_rc = etl_reader_open_memory(&r, data, len, "mem.etl", &opt, err, sizeof err);
  if (o.open_rc != 0) return o;
  const etl_event *ev;
  while ((o.next_rc = etl_reader_next(r, &ev)) == 1) {
    /* Touch every byte handed out so ASan checks the bounds. */
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < ev->payload_len; i++) sink ^= ev->payload[i];
    for (uint32_t i = 0; i < ev->ext_len; i++) sink ^= ev->ext[i];
    (void)sink;
    o.events++;
  }
  o.buffers_corrupt = etl_reader_stats(r)->buffers_corrupt;
  o.records_corrupt = etl_reader_stats(r)->records_corrupt;
  etl_reader_close(r);
  return o;
}

/* Acceptable: a clean open error, or a full read with events or counted
 * corruption. (A cut exactly at a buffer boundary is only visible as fewer
 * buffers than BuffersWritten: a warning, checked by the callers.) */
static bool acceptable(const outcome *o) {
  if (o->open_rc != 0) return o->open_rc == ETL_E_FORMAT;
  return o->next_rc == 0 && (o->events > 0 || o->buffers_corrupt + o->records_corrupt > 0) &&
         o->warnings == o->warnings_named;
}

static uint8_t *load(const char *rel, size_t *len) {
  char path[512];
  snprintf(path, sizeof path, "%s/etl/%s", E2K_TEST_DATA, rel);
  char *data = NULL;
  if (plat_read_all(path, &data, len) != 0) {
    fprintf(stderr, "cannot read %s\n", path);
    return NULL;
  }
  return (uint8_t *)data;
}

static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_le32(uint8_t *p, uint32_t v) { put_le16(p, (uint16_t)v); put_le16(p + 2, (uint16_t)(v >> 16)); }
static uint32_t get_le16(const uint8_t *p) { return (uint32_t)(p[0] | (p[1] << 8)); }
static uint32_t get_le32(const uint8_t *p) { return get_le16(p) | (get_le16(p + 2) << 16); }

static void truncations(const char *rel, size_t stride, long long full_events) {
  size_t len;
  uint8_t *data = load(rel, &len);
  TEST_CHECK(data != NULL);
  if (!data) return;
  outcome full = run_mem(data, len, false);
  TEST_EQ_INT(full.events, full_events);
  TEST_EQ_INT(full.buffers_corrupt + full.records_corrupt, 0);
  int bad = 0;
  for (size_t k = 0; k < len; k += stride) {
    uint8_t *copy = malloc(k ? k : 1); /* exact size: ASan sees any overread */
    memcpy(copy, data, k);
    outcome o = run_mem(copy, k, (k / stride) & 1);
    if (!acceptable(&o) || o.events > full_events ||
        (o.open_rc == 0 && o.events < full_events && o.buffers_corrupt == 0 && o.records_corrupt == 0 &&
         o.warnings == 0)) {
      if (bad++ < 5) fprintf(stderr, "%s truncated to %zu: open %d next %d events %lld corrupt %llu/%llu\n", rel, k,
                             o.open_rc, o.next_rc, o.events, o.buffers_corrupt, o.records_corrupt);
    }
    free(copy);
  }
  TEST_CHECK_MSG(bad == 0, "%s: %d truncated prefixes misbehaved", rel, bad);
  free(data);
}

static void flips(const char *rel, size_t stride) {
  size_t len;
  uint8_t *data = load(rel, &len);
  if (!data) { TEST_CHECK(0); return; }
  uint8_t *copy = malloc(len);
  int bad = 0;
  for (size_t k = 0; k < len; k += stride) {
    for (int v = 0; v < 2; v++) {
      memcpy(copy, data, len);
      copy[k] = v ? (uint8_t)~copy[k] : 0;
      outcome o = run_mem(copy, len, v == 1);
      if (!acceptable(&o) && bad++ < 5)
        fprintf(stderr, "%s byte %zu -> %02x: open %d next %d events %lld\n", rel, k, copy[k], o.open_rc, o.next_rc,
                o.events);
    }
  }
  TEST_CHECK_MSG(bad == 0, "%s: %d flipped inputs misbehaved", rel, bad);
  free(copy);
  free(data);
}

static void test_truncated(void) {
  truncations("perfview/smallEtlFile.etl", 1, 2);                 /* compressed, every length */
  truncations("findneedle/wppstr-sample.etl", 13, 8);
  truncations("perfview/SelfDescribingSingleEvent.etl", 5, 23);   /* compressed, relogged */
  truncations("Tx/HTTP_Server.etl", 997, 2042);
}

static void test_flipped(void) {
  flips("perfview/smallEtlFile.etl", 1);
  flips("findneedle/wppstr-sample.etl", 7);
  flips("perfview/SelfDescribingSingleEvent.etl", 3);
}

static void test_empty_and_random(void) {
  uint8_t one = 0;
  outcome o = run_mem(&one, 0, false);
  TEST_EQ_INT(o.open_rc, ETL_E_FORMAT);
  uint32_t seed = 99;
  for (int round = 0; round < 300; round++) {
    size_t n = (size_t)(round * 37 % 5000);
    uint8_t *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1664525u + 1013904223u;
      b[i] = (uint8_t)(seed >> 24);
    }
    /* Half of them get a plausible buffer-0 header so parsing goes deeper. */
    if ((round & 1) && n >= 0x48 + 0x20) {
      put_le32(b, (uint32_t)n);
      put_le32(b + 0x30, (uint32_t)n);
      put_le16(b + 0x34, 1);
      b[0x48 + 2] = 0x02;
      b[0x48 + 3] = 0xC0;
      put_le16(b + 0x48 + 6, 0);
    }
    outcome r = run_mem(b, n, round & 2);
    TEST_CHECK(acceptable(&r) || r.open_rc == ETL_E_FORMAT);
    free(b);
  }
}

/* HTTP_Server.etl: 8192-byte buffers; walk records of buffer k with an
 * independent minimal walker (EVENT_HEADER Size u16 @0, 8-byte aligned). */
static size_t find_record(const uint8_t *d, size_t len, int want_ext) {
  for (size_t off = 8192; off + 8192 <= len; off += 8192) {
    uint32_t used = get_le32(d + off + 0x30);
    for (uint32_t pos = 0x48; pos + 0x50 <= used;) {
      const uint8_t *p = d + off + pos;
      uint32_t size = get_le16(p);
      if (p[2] == 0x13 && (!want_ext || (get_le16(p + 4) & 1))) return off + pos;
      if (size == 0) break;
      pos = (pos + size + 7u) & ~7u;
    }
  }
  return 0;
}

static void test_overrun_and_ext(void) {
  size_t len;
  uint8_t *data = load("Tx/HTTP_Server.etl", &len);
  if (!data) { TEST_CHECK(0); return; }
  /* Record Size overrunning the buffer: the rest of that buffer is dropped, counted. */
  size_t at = find_record(data, len, 0);
  TEST_CHECK(at > 0);
  uint8_t *copy = malloc(len);
  memcpy(copy, data, len);
  put_le16(copy + at, 0xFFF8);
  outcome o = run_mem(copy, len, false);
  TEST_EQ_INT(o.open_rc, 0);
  TEST_EQ_INT(o.records_corrupt, 1);
  TEST_EQ_INT(o.buffers_corrupt, 0);
  TEST_CHECK(o.events < 2042 && o.events > 2042 - 200);
  TEST_EQ_INT(o.warnings, 1);
  /* Bogus extended-data chain: item size beyond the record -> only that record is skipped. */
  size_t ext = find_record(data, len, 1);
  TEST_CHECK(ext > 0);
  memcpy(copy, data, len);
  put_le16(copy + ext + 0x50, 0xFFF0);
  o = run_mem(copy, len, false);
  TEST_EQ_INT(o.records_corrupt, 1);
  TEST_EQ_INT(o.events, 2041);
  /* Linkage bit set on the last item: the chain runs into the payload and must stay bounded. */
  memcpy(copy, data, len);
  put_le16(copy + ext + 0x50 + 4, 1);
  o = run_mem(copy, len, true);
  TEST_CHECK(o.open_rc == 0 && o.next_rc == 0 && o.events + (long long)o.records_corrupt == 2042);
  /* Corrupt buffer header (BufferSize 0) in buffer 5: skipped, counted, reading resumes. */
  memcpy(copy, data, len);
  put_le32(copy + 5 * 8192, 0);
  o = run_mem(copy, len, false);
  TEST_EQ_INT(o.buffers_corrupt, 1);
  TEST_CHECK(o.events < 2042 && o.events > 2042 - 200);
  TEST_CHECK(o.warnings >= 1 && o.warnings == o.warnings_named);
  /* Offset beyond BufferSize. */
  memcpy(copy, data, len);
  put_le32(copy + 7 * 8192 + 0x30, 9000);
  o = run_mem(copy, len, false);
  TEST_EQ_INT(o.buffers_corrupt, 1);
  free(copy);
  free(data);
}

static void test_corrupt_compressed(void) {
  size_t len;
  uint8_t *data = load("perfview/smallEtlFile.etl", &len);
  if (!data) { TEST_CHECK(0); return; }
  /* Buffer 1 starts at 512 (header buffer is 512 bytes); garble its compressed stream. */
  TEST_EQ_INT(get_le32(data), 512);
  TEST_CHECK(get_le16(data + 512 + 0x34) & 0x40);
  uint8_t *copy = malloc(len);
  memcpy(copy, data, len);
  for (size_t i = 512 + 0x48; i < len; i++) copy[i] = (uint8_t)(i * 7);
  outcome o = run_mem(copy, len, false);
  TEST_EQ_INT(o.open_rc, 0);
  TEST_EQ_INT(o.next_rc, 0);
  TEST_CHECK(o.buffers_corrupt + o.records_corrupt >= 1);
  TEST_EQ_INT(o.events, 1); /* the logfile header record in buffer 0 survives */
  /* Uncompressed size claimed larger than what the stream yields. */
  memcpy(copy, data, len);
  put_le32(copy + 512 + 0x30, get_le32(data + 512 + 0x30) + 64);
  o = run_mem(copy, len, false);
  TEST_EQ_INT(o.buffers_corrupt, 1);
  TEST_EQ_INT(o.events, 1);
  free(copy);
  free(data);
}

int main(void) {
  TEST_RUN(test_truncated);
  TEST_RUN(test_flipped);
  TEST_RUN(test_empty_and_random);
  TEST_RUN(test_overrun_and_ext);
  TEST_RUN(test_corrupt_compressed);
  return e2k_test_report();
}
