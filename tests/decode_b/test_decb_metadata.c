/* SPDX-License-Identifier: MIT
 * TRACE_EVENT_INFO / EVENT_MAP_INFO compiler (decode part B) on blobs built
 * here from the layout of docs/etw-decoding.md section 4.2 (offsets verified
 * there against mingw tdh.h): a struct property with a member range, a
 * count taken from an earlier field, a fixed-length string, a value map and
 * a bitmap that arrive after the EventInfo naming them, malformed blobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_metadata.h"
#include "decode/decode.h"
#include "e2k_test.h"

typedef struct blob {
  uint8_t b[4096];
  uint32_t n;
} blob;

static void w16(blob *x, uint32_t off, uint16_t v) { x->b[off] = (uint8_t)v; x->b[off + 1] = (uint8_t)(v >> 8); }
static void w32(blob *x, uint32_t off, uint32_t v) {
  for (int i = 0; i < 4; i++) x->b[off + i] = (uint8_t)(v >> (8 * i));
}
/* Appends a UTF-16 string; returns its offset. */
static uint32_t wstr(blob *x, const char *s) {
  uint32_t off = x->n;
  for (size_t i = 0; s[i]; i++) w16(x, x->n + 2 * (uint32_t)i, (uint16_t)s[i]);
  x->n += 2 * (uint32_t)strlen(s) + 2;
  return off;
}

static const uint8_t PROV[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};

enum { P_STRUCT = 1, P_LEN = 2, P_COUNT = 4 };

/* Property i at 112 + 24*i. */
static void prop(blob *x, int i, uint32_t flags, const char *name, uint16_t in, uint16_t out, uint32_t map_off,
                 uint16_t count, uint16_t length) {
  uint32_t o = 112 + 24 * (uint32_t)i;
  w32(x, o, flags);
  w32(x, o + 4, wstr(x, name));
  w16(x, o + 8, in);
  w16(x, o + 10, out);
  w32(x, o + 12, map_off);
  w16(x, o + 16, count);
  w16(x, o + 18, length);
}

/* Event 7 v1 of PROV: Kind (UINT32, value map "KindMap"), Flags (UINT32,
 * bitmap "FlagMap"), N (UINT16), Items[N] (struct {Id UINT32; Tag ANSI[4]}),
 * Name (UNICODESTRING). Flat layout: 0 Kind, 1 Flags, 2 N, 3 Items, 4 Name,
 * 5 Id, 6 Tag (members after the top-level range, as TDH lays them out). */
static void build_tei(blob *x) {
  memset(x, 0, sizeof *x);
  memcpy(x->b, PROV, 16);
  w16(x, 32, 7);         /* Id */
  x->b[34] = 1;          /* Version */
  x->b[37] = 10;         /* Opcode */
  w16(x, 38, 3);         /* Task */
  w32(x, 48, 0);         /* DecodingSource XMLFile */
  w32(x, 100, 7);        /* PropertyCount */
  w32(x, 104, 5);        /* TopLevelPropertyCount */
  x->n = 112 + 24 * 7;
  w32(x, 52, wstr(x, "My-Provider"));
  w32(x, 68, wstr(x, "Work "));
  w32(x, 72, wstr(x, "Begin "));
  uint32_t kind_map = wstr(x, "KindMap"), flag_map = wstr(x, "FlagMap");
  prop(x, 0, 0, "Kind", 8, 0, kind_map, 1, 4);
  prop(x, 1, 0, "Flags", 8, 0, flag_map, 1, 4);
  prop(x, 2, 0, "N", 6, 0, 0, 1, 2);
  prop(x, 3, P_STRUCT | P_COUNT, "Items", 0, 0, 0, 2, 0);
  w16(x, 112 + 24 * 3 + 8, 5); /* StructStartIndex */
  w16(x, 112 + 24 * 3 + 10, 2); /* NumOfStructMembers */
  prop(x, 4, 0, "Name", 1, 0, 0, 1, 0);
  prop(x, 5, 0, "Id", 8, 0, 0, 1, 4);
  prop(x, 6, 0, "Tag", 2, 0, 0, 1, 4); /* fixed length 4 chars */
}

/* EventMapInfo payload: provider GUID + EVENT_MAP_INFO. */
static void build_map(blob *x, const char *name, uint32_t flag, const uint32_t *vals, const char *const *names,
                      int count) {
  memset(x, 0, sizeof *x);
  memcpy(x->b, PROV, 16);
  blob m;
  memset(&m, 0, sizeof m);
  m.n = 16 + 8 * (uint32_t)count;
  w32(&m, 0, wstr(&m, name));
  w32(&m, 4, flag);
  w32(&m, 8, (uint32_t)count);
  w32(&m, 12, 0);
  for (int i = 0; i < count; i++) {
    w32(&m, 16 + 8 * (uint32_t)i, wstr(&m, names[i]));
    w32(&m, 20 + 8 * (uint32_t)i, vals[i]);
  }
  memcpy(x->b + 16, m.b, m.n);
  x->n = 16 + m.n;
}

static char *json_of(kv_value v) {
  kv_buf b;
  kv_buf_init(&b);
  kv_to_json(&b, v);
  kv_buf_putc(&b, 0);
  return b.data;
}

int main(void) {
  dec_context *ctx = NULL;
  dec_options opt = {0};
  opt.no_bundled_manifests = true;
  char err[256];
  if (dec_context_new(&ctx, &opt, err, sizeof err) != 0) return 1;
  blob tei;
  build_tei(&tei);
  dec_key key;
  const dec_schema *s = dec_metadata_compile(ctx, tei.b, tei.n, &key);
  TEST_CHECK(s != NULL);
  if (!s) return e2k_test_report();
  TEST_EQ_INT(key.kind, DEC_KEY_EVENT);
  TEST_EQ_INT(key.id, 7);
  TEST_EQ_INT(key.version, 1);
  TEST_EQ_INT(memcmp(key.guid, PROV, 16), 0);
  TEST_EQ_STR(s->provider_name, "My-Provider");
  TEST_EQ_STR(s->event_name, "Work/Begin"); /* trailing blanks trimmed */
  TEST_EQ_INT(s->field_count, 7);
  TEST_EQ_INT(s->top_count, 5);
  TEST_EQ_INT(s->fields[3].in_type, DEC_IN_STRUCT);
  TEST_EQ_INT(s->fields[3].first_member, 5);
  TEST_EQ_INT(s->fields[3].member_count, 2);
  TEST_EQ_INT(s->fields[3].count_kind, DEC_COUNT_FIELD);
  TEST_EQ_INT(s->fields[3].count, 2);
  TEST_EQ_INT(s->fields[6].len_kind, DEC_LEN_FIXED);
  TEST_EQ_INT(s->fields[6].length, 4);
  TEST_EQ_INT(s->fields[0].len_kind, DEC_LEN_NATURAL); /* integers ignore the length word */

  /* Register as the trace would, then the maps arrive. */
  etl_event ev;
  memset(&ev, 0, sizeof ev);
  static const uint8_t META[16] = {0xc1, 0xf6, 0xcc, 0xbb, 0xd1, 0x6c, 0xc4, 0x48,
                                   0x80, 0xff, 0x83, 0x94, 0x82, 0xe3, 0x76, 0x71};
  memcpy(ev.provider_id, META, 16);
  ev.header_kind = ETL_HT_FULL;
  ev.pointer_size = 8;
  ev.opcode = 32;
  ev.payload = tei.b;
  ev.payload_len = tei.n;
  dec_observe(ctx, &ev);
  blob map;
  static const uint32_t kv[] = {1, 2};
  static const char *const kn[] = {"One ", "Two "};
  build_map(&map, "KindMap", 1, kv, kn, 2);
  ev.opcode = 33;
  ev.payload = map.b;
  ev.payload_len = map.n;
  dec_observe(ctx, &ev);
  static const uint32_t fv[] = {1, 4};
  static const char *const fn[] = {"Read", "Exec"};
  build_map(&map, "FlagMap", 2, fv, fn, 2);
  ev.payload = map.b;
  ev.payload_len = map.n;
  dec_observe(ctx, &ev);
  uint64_t counts[4];
  dec_metadata_counts(ctx, counts);
  TEST_EQ_INT(counts[0], 1);
  TEST_EQ_INT(counts[2], 2);

  /* The described event: Kind 2, Flags 5, N 2, Items {10,"abcd"} {11,"wxyz"}, Name "hi". */
  uint8_t pay[64];
  uint32_t n = 0;
  memset(pay, 0, sizeof pay);
  pay[n] = 2; n += 4;
  pay[n] = 5; n += 4;
  pay[n] = 2; n += 2;
  pay[n] = 10; n += 4;
  memcpy(pay + n, "abcd", 4); n += 4;
  pay[n] = 11; n += 4;
  memcpy(pay + n, "wxyz", 4); n += 4;
  pay[n] = 'h'; pay[n + 2] = 'i'; n += 6;
  etl_event e2;
  memset(&e2, 0, sizeof e2);
  memcpy(e2.provider_id, PROV, 16);
  e2.header_kind = ETL_HT_EVENT;
  e2.event_id = 7;
  e2.version = 1;
  e2.pointer_size = 8;
  e2.payload = pay;
  e2.payload_len = n;
  dec_source src = DEC_SRC_NONE;
  bool ok = false;
  kv_value d = dec_event_data(ctx, &e2, &src, &ok);
  char *j = json_of(d);
  TEST_CHECK(ok);
  TEST_EQ_INT(src, DEC_SRC_MERGED_METADATA);
  TEST_EQ_STR(j, "{\"Kind\":\"Two\",\"Flags\":\"Read|Exec\",\"N\":2,\"Items\":[{\"Id\":10,\"Tag\":\"abcd\"},"
                 "{\"Id\":11,\"Tag\":\"wxyz\"}],\"Name\":\"hi\"}");
  free(j);
  kv_release(d);
  dec_names nm;
  dec_event_names(ctx, &e2, &nm);
  TEST_EQ_STR(nm.provider, "My-Provider");
  TEST_EQ_STR(nm.event_name, "Work/Begin");

  /* Malformed blobs are rejected, never read past. */
  blob bad = tei;
  w32(&bad, 100, 1000); /* PropertyCount beyond the blob */
  TEST_CHECK(dec_metadata_compile(ctx, bad.b, bad.n, &key) == NULL);
  bad = tei;
  w16(&bad, 112 + 24 * 3 + 8, 1); /* struct members start before the struct */
  TEST_CHECK(dec_metadata_compile(ctx, bad.b, bad.n, &key) == NULL);
  bad = tei;
  w16(&bad, 112 + 24 * 3 + 16, 6); /* count refers to a later field */
  TEST_CHECK(dec_metadata_compile(ctx, bad.b, bad.n, &key) == NULL);
  bad = tei;
  w32(&bad, 48, 3); /* TraceLogging: not compiled (self-describing) */
  TEST_CHECK(dec_metadata_compile(ctx, bad.b, bad.n, &key) == NULL);
  for (uint32_t cut = 0; cut < tei.n; cut += 7) /* every truncation */
    (void)dec_metadata_compile(ctx, tei.b, cut, &key);
  TEST_CHECK(!dec_metadata_map(ctx, map.b, 20));
  dec_context_free(ctx);
  return e2k_test_report();
}
