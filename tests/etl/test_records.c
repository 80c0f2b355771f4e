/* SPDX-License-Identifier: MIT
 * Record header types that no sample contains, synthesised from the layouts
 * in etl-format.md section 3: COMPACT32/64, SYSTEM/PERFINFO with PEBS and PMC
 * extra bytes, INSTANCE64, EVENT_HEADER32 with an extended-data chain
 * (Linkage bit, RELATED_ACTIVITYID), MESSAGE with each optional field, the
 * skipped TIMED/ERROR/WNODE kinds, and the 0xFFFFFFFF end marker. */
#include "e2k_test.h"
#include "etl/etl_int.h"

static void w16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, v); w16(p + 2, v >> 16); }
static void w64(uint8_t *p, uint64_t v) { w32(p, (uint32_t)v); w32(p + 4, (uint32_t)(v >> 32)); }

static int parse(const uint8_t *b, uint32_t len, etl_event *ev, uint32_t *rec_len) {
  const char *why = "";
  return etl_record_parse(b, len, 0, 8, ev, rec_len, &why);
}

static void test_compact(void) {
  uint8_t b[64] = {0};
  /* COMPACT64: Version 2, type 0x04, flags 0xC0, Size 0x20, HookId 0x0524 (Thread CSwitch). */
  w16(b, 2); b[2] = 0x04; b[3] = 0xC0; w16(b + 4, 0x20); w16(b + 6, 0x0524);
  w32(b + 8, 111); w32(b + 12, 222); w64(b + 16, 123456789);
  w64(b + 0x18, 0xAABBCCDDEEFF0011ULL); /* 8 payload bytes */
  etl_event ev;
  uint32_t n;
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_OK);
  TEST_EQ_INT(n, 0x20);
  TEST_EQ_INT(ev.header_kind, ETL_HT_SYSTEM);
  TEST_EQ_INT(ev.pointer_size, 8);
  TEST_EQ_INT(ev.hook_id, 0x0524);
  TEST_EQ_INT(ev.opcode, 0x24);
  TEST_EQ_INT(ev.thread_id, 111);
  TEST_EQ_INT(ev.process_id, 222);
  TEST_EQ_INT(ev.raw_timestamp, 123456789);
  TEST_EQ_INT(ev.payload_len, 8);
  TEST_CHECK(ev.payload == b + 0x18);
  TEST_EQ_STR(etl_header_type_name(ev.header_kind, ev.header_type), "COMPACT64");
  /* Thread group 5 -> 3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c. */
  static const uint8_t thread_guid[16] = {0xd1, 0xa8, 0x6f, 0x3d, 0x05, 0xfe, 0xd0, 0x11,
                                          0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c};
  TEST_CHECK(memcmp(ev.provider_id, thread_guid, 16) == 0);
  b[2] = 0x03; /* COMPACT32 */
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_OK);
  TEST_EQ_INT(ev.pointer_size, 4);
}

static void test_pebs_pmc(void) {
  uint8_t b[96] = {0};
  /* PERFINFO32 with PEBS (0x8000) and 2 PMC counters (0x0200): 0x10 + 8 + 16 header bytes. */
  w16(b, 0x8000 | 0x0200 | 3); b[2] = 0x10; b[3] = 0xC0; w16(b + 4, 0x10 + 24 + 12); w16(b + 6, 0x0F2E);
  w64(b + 8, 42);
  etl_event ev;
  uint32_t n;
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_OK);
  TEST_EQ_INT(ev.header_kind, ETL_HT_PERFINFO);
  TEST_EQ_INT(ev.pointer_size, 4);
  TEST_EQ_INT(ev.version, 3);
  TEST_EQ_INT(ev.payload_len, 12);
  TEST_CHECK(ev.payload == b + 0x10 + 24);
  TEST_EQ_INT(ev.process_id, 0xFFFFFFFFu);
  TEST_EQ_INT(ev.raw_timestamp, 42);
  /* Size smaller than header + extra bytes: corrupt. */
  w16(b + 4, 0x10 + 8);
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_BAD);
  /* Process type 10 (image load) maps to the Image class GUID 2cb15d1d-... */
  memset(b, 0, sizeof b);
  w16(b, 2); b[2] = 0x02; b[3] = 0xC0; w16(b + 4, 0x20); w16(b + 6, 0x030A);
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_OK);
  TEST_EQ_INT(ev.provider_id[3], 0x2c);
  TEST_EQ_INT(ev.provider_id[0], 0x1d);
}

static void test_instance(void) {
  uint8_t b[0x60] = {0};
  w16(b, 0x50); b[2] = 0x15; b[3] = 0xC0; b[4] = 7; b[5] = 4; w16(b + 6, 2);
  w32(b + 8, 10); w32(b + 12, 20); w64(b + 16, 99);
  for (int i = 0; i < 16; i++) b[24 + i] = (uint8_t)(i + 1);
  etl_event ev;
  uint32_t n;
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_OK);
  TEST_EQ_INT(ev.header_kind, ETL_HT_INSTANCE);
  TEST_EQ_STR(etl_header_type_name(ev.header_kind, ev.header_type), "INSTANCE64");
  TEST_EQ_INT(ev.opcode, 7);
  TEST_EQ_INT(ev.level, 4);
  TEST_EQ_INT(ev.version, 2);
  TEST_EQ_INT(ev.event_id, 0);
  TEST_EQ_INT(ev.provider_id[15], 16);
  TEST_EQ_INT(ev.payload_len, 0x50 - 0x48);
}

static void test_event_header_ext(void) {
  uint8_t b[0x100] = {0};
  /* EVENT_HEADER32, Flags EXTENDED_INFO|32_BIT_HEADER, two ext items then 6 payload bytes. */
  uint32_t size = 0x50 + 0x20 + 0x10 + 6;
  w16(b, size); b[2] = 0x12; b[3] = 0xC0; w16(b + 4, 0x1 | 0x20); w16(b + 6, 0x8);
  w32(b + 8, 5); w32(b + 12, 6); w64(b + 16, 777);
  w16(b + 40, 65534); b[42] = 1; b[43] = 11; b[44] = 4; b[45] = 9; w16(b + 46, 300);
  w64(b + 48, 0x8000000000000001ULL);
  b[64] = 0xAA;
  uint8_t *x = b + 0x50;
  w16(x, 0x20); w16(x + 2, ETL_EXT_RELATED_ACTIVITYID); w16(x + 4, 1); w16(x + 6, 16);
  for (int i = 0; i < 16; i++) x[8 + i] = (uint8_t)(0xF0 + i);
  x += 0x20;
  w16(x, 0x10); w16(x + 2, ETL_EXT_PROV_TRAITS); w16(x + 4, 0); w16(x + 6, 3);
  x[8] = 'a'; x[9] = 'b'; x[10] = 'c';
  etl_event ev;
  uint32_t n;
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_OK);
  TEST_EQ_INT(ev.header_kind, ETL_HT_EVENT);
  TEST_EQ_INT(ev.pointer_size, 4);
  TEST_EQ_INT(ev.event_id, 65534);
  TEST_EQ_INT(ev.channel, 11);
  TEST_EQ_INT(ev.task, 300);
  TEST_CHECK(ev.keywords == 0x8000000000000001ULL);
  TEST_EQ_INT(ev.activity_id[0], 0xAA);
  TEST_EQ_INT(ev.related_activity_id[0], 0xF0);
  TEST_EQ_INT(ev.related_activity_id[15], 0xFF);
  TEST_EQ_INT(ev.ext_len, 0x30);
  TEST_EQ_INT(ev.payload_len, 6);
  TEST_CHECK(ev.payload == b + 0x80);
  const uint8_t *d;
  uint32_t dl;
  TEST_CHECK(etl_event_find_ext(&ev, ETL_EXT_PROV_TRAITS, &d, &dl) && dl == 3 && d[0] == 'a');
  TEST_CHECK(!etl_event_find_ext(&ev, ETL_EXT_SID, &d, &dl));
  /* Linkage on the last item runs into the payload: corrupt, extent still known. */
  w16(b + 0x70 + 4, 1);
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_CORRUPT);
  TEST_EQ_INT(n, size);
  /* Without the ext flag the same bytes are payload. */
  w16(b + 4, 0x40);
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_OK);
  TEST_EQ_INT(ev.pointer_size, 8);
  TEST_EQ_INT(ev.payload_len, size - 0x50);
  TEST_CHECK(ev.ext == NULL);
}

static void test_message(void) {
  uint8_t b[0x80] = {0};
  /* MESSAGE with SEQUENCE|COMPONENTID|TIMESTAMP|SYSTEMINFO|POINTER32 (0x1|0x4|0x8|0x20|0x40). */
  uint32_t size = 8 + 4 + 4 + 8 + 8 + 5;
  w16(b, size); b[2] = 0; b[3] = 0x90; w16(b + 4, 17); w16(b + 6, 0x1 | 0x4 | 0x8 | 0x20 | 0x40);
  w32(b + 8, 1234);  /* sequence */
  w32(b + 12, 55);   /* component id */
  w64(b + 16, 5555); /* timestamp */
  w32(b + 24, 66); w32(b + 28, 77);
  etl_event ev;
  uint32_t n;
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_OK);
  TEST_EQ_INT(ev.header_kind, ETL_HT_MESSAGE);
  TEST_EQ_STR(etl_header_type_name(ev.header_kind, ev.header_type), "MESSAGE");
  TEST_EQ_INT(ev.message_number, 17);
  TEST_EQ_INT(ev.sequence, 1234);
  TEST_EQ_INT(ev.raw_timestamp, 5555);
  TEST_EQ_INT(ev.thread_id, 66);
  TEST_EQ_INT(ev.process_id, 77);
  TEST_EQ_INT(ev.pointer_size, 4);
  TEST_EQ_INT(ev.payload_len, 5);
  int64_t ts;
  bool has_ts;
  const char *why;
  TEST_EQ_INT(etl_record_peek(b, sizeof b, 0, &n, &ts, &has_ts, &why), ETL_REC_OK);
  TEST_CHECK(has_ts && ts == 5555);
  /* No timestamp flag: peek reports none. */
  w16(b + 6, 0x1);
  TEST_EQ_INT(etl_record_peek(b, sizeof b, 0, &n, &ts, &has_ts, &why), ETL_REC_OK);
  TEST_CHECK(!has_ts);
  /* Optional fields longer than the record: corrupt. */
  w16(b, 12); w16(b + 6, 0x2 | 0x8);
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_BAD);
}

static void test_skip_and_end(void) {
  uint8_t b[0x40];
  memset(b, 0, sizeof b);
  etl_event ev;
  uint32_t n;
  for (uint8_t t = 0x0C; t <= 0x0E; t++) {
    w16(b, 0x28); b[2] = t; b[3] = 0xC0;
    TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_SKIP);
    TEST_EQ_INT(n, 0x28);
  }
  w32(b, 0xFFFFFFFFu);
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_END);
  /* Unknown header type / marker: corrupt. */
  w16(b, 0x28); b[2] = 0x30; b[3] = 0xC0;
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_BAD);
  b[3] = 0x00;
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_BAD);
  /* Size past the end of the data. */
  w16(b, 0x48); b[2] = 0x14; b[3] = 0xC0;
  TEST_EQ_INT(parse(b, sizeof b, &ev, &n), ETL_REC_BAD);
  /* Fewer than 8 bytes left: end. */
  TEST_EQ_INT(parse(b, 7, &ev, &n), ETL_REC_END);
}

int main(void) {
  TEST_RUN(test_compact);
  TEST_RUN(test_pebs_pmc);
  TEST_RUN(test_instance);
  TEST_RUN(test_event_header_ext);
  TEST_RUN(test_message);
  TEST_RUN(test_skip_and_end);
  return e2k_test_report();
}
