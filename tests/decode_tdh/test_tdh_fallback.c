/* SPDX-License-Identifier: MIT
 * The last-resort schema source (dec_options.event_info_fallback, which is
 * TDH on Windows) tested on Linux: the TRACE_EVENT_INFO blobs that xperf
 * embedded in net.4.5.x86's merged trace (KernelTraceControl MetaData,
 * opcode 32) play the part of TDH. A context that never sees the metadata
 * EventInfo records must decode the same events, to the same JSON, through
 * the fallback (value maps still come from the trace, as TDH's map API would);
 * a third context sees neither EventInfo nor EventMapInfo records and gets
 * the maps through event_map_fallback (TdhGetEventMapInformation's part).
 * Truth is the first context's decoding from the embedded metadata. */
#include "e2k_test.h"
#include "decode/decode.h"

#include <stdlib.h>
#include <string.h>

/* bbccf6c1-6cd1-48c4-80ff-839482e37671 in Windows byte order */
static const uint8_t metadata_guid[16] = {0xc1, 0xf6, 0xcc, 0xbb, 0xd1, 0x6c, 0xc4, 0x48,
                                          0x80, 0xff, 0x83, 0x94, 0x82, 0xe3, 0x76, 0x71};

typedef struct blob {
  uint8_t *data;
  uint32_t len;
} blob;
static blob blobs[4096];
static size_t blob_count;
static uint64_t fallback_calls;

/* Plays TDH: finds the embedded TRACE_EVENT_INFO for (provider, id, version).
 * TRACE_EVENT_INFO starts with ProviderGuid[16], EventGuid[16], then the
 * EVENT_DESCRIPTOR (Id u16, Version u8, ...). */
static int fake_tdh(const etl_event *ev, const uint8_t **out, uint32_t *len) {
  fallback_calls++;
  for (size_t i = 0; i < blob_count; i++) {
    const uint8_t *b = blobs[i].data;
    if (blobs[i].len < 40 || memcmp(b, ev->provider_id, 16) != 0) continue;
    uint16_t id = (uint16_t)(b[32] | b[33] << 8);
    if (id == ev->event_id && b[34] == ev->version) {
      *out = b;
      *len = blobs[i].len;
      return 0;
    }
  }
  return -1;
}

/* EVENT_MAP_INFO records xperf embedded (opcode 33): provider GUID, then the map. */
static blob maps[4096];
static size_t map_count;
static uint64_t map_calls, map_hits;

/* UTF-16LE z-string at off inside b equals the ASCII/UTF-8 name (trailing blanks ignored). */
static bool map_name_is(const uint8_t *b, uint32_t len, uint32_t off, const char *name) {
  size_t k = 0;
  while (off + 1 < len && (b[off] | b[off + 1])) {
    uint16_t c = (uint16_t)(b[off] | b[off + 1] << 8);
    if (name[k] == 0) return c == ' ';
    if (c != (unsigned char)name[k]) return false;
    k++;
    off += 2;
  }
  return name[k] == 0;
}

/* Plays TdhGetEventMapInformation: the embedded map of that provider and name,
 * as a malloc'ed copy without the GUID prefix. */
static int fake_tdh_map(const etl_event *ev, const char *name, uint8_t **out, uint32_t *len) {
  map_calls++;
  for (size_t i = 0; i < map_count; i++) {
    const uint8_t *b = maps[i].data;
    if (maps[i].len < 32 || memcmp(b, ev->provider_id, 16) != 0) continue;
    const uint8_t *m = b + 16;
    uint32_t ml = maps[i].len - 16, name_off = (uint32_t)(m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24);
    if (!map_name_is(m, ml, name_off, name)) continue;
    *out = malloc(ml);
    memcpy(*out, m, ml);
    *len = ml;
    map_hits++;
    return 0;
  }
  return -1;
}

static etl_reader *open_trace(void) {
  const char *spec = E2K_TEST_DATA "/etl/perfview/net.4.5.x86.etl.zip";
  etl_reader *r = NULL;
  etl_reader_options o;
  memset(&o, 0, sizeof o);
  char err[256];
  TEST_CHECK_MSG(etl_reader_open(&r, &spec, 1, &o, err, sizeof err) == 0, "%s", err);
  return r;
}

static void test_fallback_decodes_like_embedded_metadata(void) {
  char err[256];
  /* pass 1: decode with the embedded metadata; remember each event's JSON */
  dec_context *ref = NULL;
  dec_options o;
  memset(&o, 0, sizeof o);
  o.no_bundled_manifests = true;
  TEST_CHECK(dec_context_new(&ref, &o, err, sizeof err) == 0);
  etl_reader *r = open_trace();
  if (!r || !ref) return;
  const etl_event *ev;
  char **expect = calloc(200000, sizeof *expect);
  size_t n = 0;
  kv_buf b;
  kv_buf_init(&b);
  while (etl_reader_next(r, &ev) > 0 && n < 200000) {
    dec_observe(ref, ev);
    if (!memcmp(ev->provider_id, metadata_guid, 16) && ev->opcode == 32 && blob_count < 4096) {
      blobs[blob_count].data = malloc(ev->payload_len);
      memcpy(blobs[blob_count].data, ev->payload, ev->payload_len);
      blobs[blob_count++].len = ev->payload_len;
    }
    if (!memcmp(ev->provider_id, metadata_guid, 16) && ev->opcode == 33 && map_count < 4096) {
      maps[map_count].data = malloc(ev->payload_len);
      memcpy(maps[map_count].data, ev->payload, ev->payload_len);
      maps[map_count++].len = ev->payload_len;
    }
    dec_source src;
    bool ok;
    b.len = 0;
    dec_event_data_json(ref, ev, &b, &src, &ok);
    expect[n++] = src == DEC_SRC_MERGED_METADATA ? kv_strndup(b.data, b.len) : NULL;
  }
  etl_reader_close(r);
  TEST_CHECK(blob_count > 0);

  /* pass 2: never show the metadata events; the fallback must supply them */
  dec_context *ctx = NULL;
  o.event_info_fallback = fake_tdh;
  TEST_CHECK(dec_context_new(&ctx, &o, err, sizeof err) == 0);
  r = open_trace();
  size_t i = 0, compared = 0, same = 0;
  while (r && ctx && etl_reader_next(r, &ev) > 0 && i < n) {
    /* hide the EventInfo records (opcode 32); value maps (opcode 33) stay,
     * as TdhGetEventMapInformation would supply them on Windows */
    bool is_meta = !memcmp(ev->provider_id, metadata_guid, 16) && ev->opcode == 32;
    if (!is_meta) dec_observe(ctx, ev);
    if (expect[i] && !is_meta) {
      dec_source src;
      bool ok;
      b.len = 0;
      dec_event_data_json(ctx, ev, &b, &src, &ok);
      compared++;
      if (src == DEC_SRC_TDH && b.len == strlen(expect[i]) && !memcmp(b.data, expect[i], b.len)) same++;
      else fprintf(stderr, "differs (source %s):\n  want %s\n  got  %s\n", dec_source_name(src), expect[i], b.data ? b.data : "");
    }
    i++;
  }
  /* 4 DNS-Client + 91 Kernel-EventTracing events decode from the embedded metadata */
  TEST_CHECK_MSG(compared >= 95, "compared %zu", compared);
  TEST_EQ_INT(same, compared);
  TEST_CHECK(fallback_calls > 0);
  TEST_EQ_STR(dec_source_name(DEC_SRC_TDH), "tdh");
  if (r) etl_reader_close(r);

  /* pass 3: hide the maps too; the map fallback must supply the ones the
   * fallback's schemas name, and the JSON must not change */
  TEST_CHECK(map_count > 0);
  dec_context *ctx3 = NULL;
  o.event_map_fallback = fake_tdh_map;
  TEST_CHECK(dec_context_new(&ctx3, &o, err, sizeof err) == 0);
  r = open_trace();
  i = 0;
  size_t compared3 = 0, same3 = 0;
  while (r && ctx3 && etl_reader_next(r, &ev) > 0 && i < n) {
    bool is_meta = !memcmp(ev->provider_id, metadata_guid, 16) && (ev->opcode == 32 || ev->opcode == 33);
    if (!is_meta) dec_observe(ctx3, ev);
    if (expect[i] && !is_meta) {
      dec_source src;
      bool ok;
      b.len = 0;
      dec_event_data_json(ctx3, ev, &b, &src, &ok);
      compared3++;
      if (src == DEC_SRC_TDH && b.len == strlen(expect[i]) && !memcmp(b.data, expect[i], b.len)) same3++;
      else fprintf(stderr, "pass 3 differs (source %s):\n  want %s\n  got  %s\n", dec_source_name(src), expect[i], b.data ? b.data : "");
    }
    i++;
  }
  TEST_EQ_INT(compared3, compared);
  TEST_EQ_INT(same3, compared3);
  TEST_CHECK_MSG(map_hits > 0, "map fallback asked %llu times, found %llu", (unsigned long long)map_calls,
                 (unsigned long long)map_hits);
  if (r) etl_reader_close(r);
  dec_context_free(ctx3);
  for (size_t k = 0; k < map_count; k++) free(maps[k].data);
  for (size_t k = 0; k < n; k++) free(expect[k]);
  free(expect);
  for (size_t k = 0; k < blob_count; k++) free(blobs[k].data);
  kv_buf_free(&b);
  dec_context_free(ctx);
  dec_context_free(ref);
}

int main(void) {
  TEST_RUN(test_fallback_decodes_like_embedded_metadata);
  return e2k_test_report();
}
