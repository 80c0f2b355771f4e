/* SPDX-License-Identifier: MIT
 * The real-time EVENT_RECORD -> etl_event conversion, tested on any OS: every
 * event of several sample traces is turned into the EVENT_RECORD a real-time
 * consumer would get for it (plat_etw_record), converted back, and compared
 * with what the file reader produced. Plus hand-made records with spec values
 * (FILETIME epoch, extended-item chain layout of etw-decoding.md 1.1). */
#include "platform/etw_record_convert.h"

#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "etl/etl.h"

#define TICKS_AT_1601 504911232000000000LL

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Independent walk of the on-disk chain into items (bounded to 64). */
static size_t split_chain(const uint8_t *p, uint32_t len, plat_etw_ext_item *items, size_t max) {
  size_t n = 0;
  uint32_t at = 0;
  while (p && at + 8 <= len && n < max) {
    uint16_t size = le16(p + at), type = le16(p + at + 2), link = le16(p + at + 4),
             dsize = le16(p + at + 6);
    if (dsize > len - at - 8) break;
    items[n].ext_type = type;
    items[n].data_size = dsize;
    items[n].data = p + at + 8;
    n++;
    if (!(link & 1)) break;
    uint32_t step = size ? size : ((8u + dsize + 7u) & ~7u);
    if (step < 8) break;
    at += step;
  }
  return n;
}

static bool kernel_group(const uint8_t guid[16], uint8_t *group) {
  /* Prefer the group the file reader would give: first group with this GUID. */
  for (int g = 0; g < 256; g++) {
    uint8_t gg[16];
    if (etl_kernel_group_guid((uint8_t)g, gg) && memcmp(gg, guid, 16) == 0) {
      *group = (uint8_t)g;
      return true;
    }
  }
  return false;
}

typedef struct file_result {
  long events, compared, mismatches, with_ext, kernel;
} file_result;

static void compare_file(const char *path, file_result *res) {
  etl_reader *r = NULL;
  char err[512];
  const char *specs[1] = {path};
  etl_reader_options opt = {0};
  opt.file_order = true;
  int rc = etl_reader_open(&r, specs, 1, &opt, err, sizeof err);
  TEST_CHECK_MSG(rc == 0, "%s: %s", path, err);
  if (rc != 0) return;
  const etl_event *ev;
  uint8_t scratch[65536];
  while (etl_reader_next(r, &ev) == 1) {
    res->events++;
    /* Real-time consumers only see EVENT_HEADER-style records; classic
     * kernel ones arrive with the class GUID and the CLASSIC flag. */
    bool is_event = ev->header_kind == ETL_HT_EVENT;
    bool is_kernel = ev->is_kernel_hook && ev->hook_id != 0;
    if (!is_event && !is_kernel) continue;
    if (is_kernel) {
      uint8_t group = 0;
      if (!kernel_group(ev->provider_id, &group) || group != (uint8_t)(ev->hook_id >> 8)) continue;
      res->kernel++;
    }
    plat_etw_ext_item items[64];
    size_t n_items = split_chain(ev->ext, ev->ext_len, items, 64);
    if (n_items) res->with_ext++;
    plat_etw_record rec;
    memset(&rec, 0, sizeof rec);
    rec.flags = ev->event_flags;
    if (is_kernel) rec.flags |= PLAT_ETW_FLAG_CLASSIC_HEADER;
    if (!(rec.flags & (PLAT_ETW_FLAG_32_BIT_HEADER | PLAT_ETW_FLAG_64_BIT_HEADER)))
      rec.flags |= ev->pointer_size == 4 ? PLAT_ETW_FLAG_32_BIT_HEADER : PLAT_ETW_FLAG_64_BIT_HEADER;
    rec.event_property = ev->event_property;
    rec.thread_id = ev->thread_id;
    rec.process_id = ev->process_id;
    rec.timestamp = ev->time_ticks - TICKS_AT_1601; /* FILETIME, as ProcessTrace delivers */
    memcpy(rec.provider_id, ev->provider_id, 16);
    rec.id = ev->event_id;
    rec.version = ev->version;
    rec.channel = ev->channel;
    rec.level = ev->level;
    rec.opcode = ev->opcode;
    rec.task = ev->task;
    rec.keyword = ev->keywords;
    rec.kernel_time = (uint32_t)ev->kernel_time;
    rec.user_time = (uint32_t)ev->user_time;
    memcpy(rec.activity_id, ev->activity_id, 16);
    rec.processor_index = ev->processor;
    rec.ext_items = items;
    rec.ext_count = (uint16_t)n_items;
    rec.user_data = ev->payload;
    rec.user_data_len = (uint16_t)ev->payload_len;
    if (ev->payload_len > 0xffff) continue; /* cannot occur in EVENT_RECORD */

    plat_etw_convert_opts co = {PLAT_ETW_CLOCK_FILETIME, kernel_group};
    etl_event out;
    TEST_EQ_INT(plat_etw_record_to_event(&rec, &co, scratch, sizeof scratch, &out), 0);
    res->compared++;
    bool same = out.time_ticks == ev->time_ticks &&
                memcmp(out.provider_id, ev->provider_id, 16) == 0 &&
                memcmp(out.activity_id, ev->activity_id, 16) == 0 &&
                memcmp(out.related_activity_id, ev->related_activity_id, 16) == 0 &&
                out.event_id == ev->event_id && out.version == ev->version &&
                out.channel == ev->channel && out.level == ev->level &&
                out.opcode == ev->opcode && out.task == ev->task && out.keywords == ev->keywords &&
                out.process_id == ev->process_id && out.thread_id == ev->thread_id &&
                out.processor == ev->processor && out.pointer_size == ev->pointer_size &&
                out.is_kernel_hook == ev->is_kernel_hook && out.hook_id == ev->hook_id &&
                out.event_property == ev->event_property &&
                out.kernel_time == (uint32_t)ev->kernel_time &&
                out.user_time == (uint32_t)ev->user_time && out.payload_len == ev->payload_len &&
                (ev->payload_len == 0 || memcmp(out.payload, ev->payload, ev->payload_len) == 0) &&
                out.header_kind == ETL_HT_REALTIME && out.trace == NULL;
    /* Every extended item the file has must be found with the same bytes. */
    for (size_t i = 0; same && i < n_items; i++) {
      const uint8_t *d = NULL;
      uint32_t dl = 0;
      const uint8_t *d0 = NULL;
      uint32_t dl0 = 0;
      bool f1 = etl_event_find_ext(&out, items[i].ext_type, &d, &dl);
      bool f0 = etl_event_find_ext(ev, items[i].ext_type, &d0, &dl0);
      same = f1 && f0 && dl == dl0 && memcmp(d, d0, dl) == 0;
    }
    if (!same) {
      if (res->mismatches < 3)
        fprintf(stderr, "%s: event %ld (id %u, hook 0x%04x) differs after conversion\n", path,
                res->events, ev->event_id, ev->hook_id);
      res->mismatches++;
    }
  }
  etl_reader_close(r);
}

static void test_samples(void) {
  static const char *files[] = {
      "/Tx/HTTP_Server.etl",          /* manifest provider, EVENT_HEADER64 */
      "/Tx/KernelNetwork.etl",        /* classic kernel + EVENT_HEADER */
      "/perfview/SelfDescribingSingleEvent.etl", /* TraceLogging: SCHEMA_TL/PROV_TRAITS items */
      "/krabsetw/powershell.etl",
      "/etl-parser/AMSITrace.etl",
      "/etl-parser/lxcore_kernel.etl", /* classic kernel SYSTEM/PERFINFO records */
      "/Tx/Process.etl"};
  long total_compared = 0, total_ext = 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/etl%s", E2K_TEST_DATA, files[i]);
    file_result res = {0};
    compare_file(path, &res);
    printf("%s: %ld events, %ld converted (%ld with extended items, %ld kernel), %ld mismatches\n",
           files[i], res.events, res.compared, res.with_ext, res.kernel, res.mismatches);
    TEST_CHECK_MSG(res.compared > 0, "%s: no events converted", files[i]);
    TEST_EQ_INT(res.mismatches, 0);
    total_compared += res.compared;
    total_ext += res.with_ext;
  }
  TEST_CHECK(total_ext > 0);
  TEST_CHECK(total_compared > 1000);
}

static void test_handmade(void) {
  /* FILETIME 0 is 1601-01-01; 2020-01-01T00:00:00Z is FILETIME
   * 132223104000000000 and .NET/Kusto ticks 637134336000000000. */
  plat_etw_record rec;
  memset(&rec, 0, sizeof rec);
  etl_event ev;
  TEST_EQ_INT(plat_etw_record_to_event(&rec, NULL, NULL, 0, &ev), 0);
  TEST_CHECK(ev.time_ticks == TICKS_AT_1601);
  TEST_EQ_INT(ev.pointer_size, 8);
  TEST_CHECK(ev.ext == NULL && ev.ext_len == 0 && ev.payload == NULL && ev.payload_len == 0);
  rec.timestamp = 132223104000000000LL;
  rec.flags = PLAT_ETW_FLAG_EXTENDED_INFO | PLAT_ETW_FLAG_32_BIT_HEADER;
  static const uint8_t related[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  static const uint8_t tsid[4] = {0x2a, 0, 0, 0};
  static const uint8_t schema[5] = {5, 0, 0, 'E', 0};
  plat_etw_ext_item items[3] = {{ETL_EXT_RELATED_ACTIVITYID, 16, related},
                                {ETL_EXT_TS_ID, 4, tsid},
                                {ETL_EXT_EVENT_SCHEMA_TL, 5, schema}};
  rec.ext_items = items;
  rec.ext_count = 3;
  static const uint8_t payload[3] = {7, 8, 9};
  rec.user_data = payload;
  rec.user_data_len = 3;
  /* 8+16=24, 8+4 -> 16, 8+5 -> 16: 56 bytes. */
  TEST_EQ_INT(plat_etw_ext_chain_len(&rec), 56);
  uint8_t small[40];
  TEST_EQ_INT(plat_etw_record_to_event(&rec, NULL, small, sizeof small, &ev), -1);
  TEST_CHECK(ev.ext == NULL);
  uint8_t scratch[56];
  TEST_EQ_INT(plat_etw_record_to_event(&rec, NULL, scratch, sizeof scratch, &ev), 0);
  TEST_CHECK(ev.time_ticks == 637134336000000000LL);
  TEST_CHECK(ev.raw_timestamp == 132223104000000000LL);
  TEST_EQ_INT(ev.pointer_size, 4);
  TEST_EQ_INT(ev.header_kind, ETL_HT_REALTIME);
  TEST_EQ_INT(ev.ext_len, 56);
  TEST_CHECK(memcmp(ev.related_activity_id, related, 16) == 0);
  TEST_EQ_INT(ev.payload_len, 3);
  TEST_CHECK(ev.payload == payload);
  /* Chain bytes: size, type, linkage, datasize per item. */
  TEST_EQ_INT(le16(scratch + 0), 24);
  TEST_EQ_INT(le16(scratch + 2), ETL_EXT_RELATED_ACTIVITYID);
  TEST_EQ_INT(le16(scratch + 4), 1);
  TEST_EQ_INT(le16(scratch + 6), 16);
  TEST_EQ_INT(le16(scratch + 24), 16);
  TEST_EQ_INT(le16(scratch + 26), ETL_EXT_TS_ID);
  TEST_EQ_INT(le16(scratch + 28), 1);
  TEST_EQ_INT(le16(scratch + 40), 16);
  TEST_EQ_INT(le16(scratch + 42), ETL_EXT_EVENT_SCHEMA_TL);
  TEST_EQ_INT(le16(scratch + 44), 0);
  TEST_EQ_INT(le16(scratch + 46), 5);
  TEST_EQ_INT(scratch[48 + 3], 'E');
  TEST_EQ_INT(scratch[53], 0); /* padding zeroed */
  const uint8_t *d;
  uint32_t dl;
  TEST_CHECK(etl_event_find_ext(&ev, ETL_EXT_TS_ID, &d, &dl) && dl == 4 && d[0] == 0x2a);
  TEST_CHECK(etl_event_find_ext(&ev, ETL_EXT_EVENT_SCHEMA_TL, &d, &dl) && dl == 5);
  /* Ticks clock is taken as is; WPP message number comes from the id. */
  plat_etw_convert_opts co = {PLAT_ETW_CLOCK_TICKS, NULL};
  rec.flags = PLAT_ETW_FLAG_TRACE_MESSAGE;
  rec.id = 17;
  rec.ext_count = 0;
  TEST_EQ_INT(plat_etw_record_to_event(&rec, &co, NULL, 0, &ev), 0);
  TEST_CHECK(ev.time_ticks == 132223104000000000LL);
  TEST_EQ_INT(ev.message_number, 17);
}

int main(void) {
  TEST_RUN(test_handmade);
  TEST_RUN(test_samples);
  return e2k_test_report();
}
