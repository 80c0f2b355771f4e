/* SPDX-License-Identifier: MIT
 * decode/ unit tests on synthesised events (owner: decA): a TraceLogging
 * event built byte by byte from the grammar in etw-decoding.md 1.1-1.4 with
 * every in-type; expected values are computed here from first principles
 * (RFC 5952 text, SID string rules, FILETIME epoch, byte order), never by
 * the decoder. Then manifest features through tests/data/decode/unit.man,
 * truncation safety, version fallback, stats and error messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "e2k_test.h"
#include "etl/etl.h"
#include "value/value.h"

/* ---- tiny byte builder ---- */
typedef struct bb {
  uint8_t d[4096];
  size_t n;
} bb;
static void put(bb *b, const void *p, size_t n) {
  memcpy(b->d + b->n, p, n);
  b->n += n;
}
static void u8(bb *b, unsigned v) { b->d[b->n++] = (uint8_t)v; }
static void u16(bb *b, unsigned v) { u8(b, v & 0xFF); u8(b, (v >> 8) & 0xFF); }
static void u32(bb *b, uint32_t v) { u16(b, v & 0xFFFF); u16(b, v >> 16); }
static void u64(bb *b, uint64_t v) { u32(b, (uint32_t)v); u32(b, (uint32_t)(v >> 32)); }
static void cstr(bb *b, const char *s) { put(b, s, strlen(s) + 1); }
static void wstr(bb *b, const char *s) { /* ASCII -> UTF-16LE + NUL */
  for (; *s; s++) u16(b, (unsigned char)*s);
  u16(b, 0);
}

/* TraceLogging field metadata: name, InMeta (type | count bits), OutMeta (-1: none). */
static void tl_field(bb *m, const char *name, unsigned in, int out) {
  cstr(m, name);
  if (out >= 0) {
    u8(m, in | 0x80);
    u8(m, (unsigned)out);
  } else {
    u8(m, in);
  }
}

/* Appends one extended item (8-byte header + data, padded to 8). */
static void ext_item(bb *e, unsigned type, const bb *data, int more) {
  size_t size = 8 + ((data->n + 7) & ~(size_t)7);
  u16(e, (unsigned)size);
  u16(e, type);
  u16(e, more ? 1 : 0);
  u16(e, (unsigned)data->n);
  put(e, data->d, data->n);
  while (e->n % 8) u8(e, 0);
}

static const uint8_t TL_GUID[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static bool json_of(kv_value v, char *out, size_t n) {
  kv_buf b;
  kv_buf_init(&b);
  kv_to_json(&b, v);
  bool ok = b.len < n;
  snprintf(out, n, "%.*s", (int)b.len, b.data ? b.data : "");
  kv_buf_free(&b);
  return ok;
}

static void expect_json(kv_value bag, const char *key, const char *want) {
  char got[1024];
  json_of(kv_bag_get(bag, key, strlen(key)), got, sizeof got);
  TEST_CHECK_MSG(strcmp(got, want) == 0, "field %s: got %s, want %s", key, got, want);
}

static bb g_meta, g_traits, g_ext, g_payload;

/* Builds the TraceLogging event used by several tests. */
static void build_tl_event(etl_event *ev) {
  bb *m = &g_meta, *p = &g_payload;
  memset(m, 0, sizeof *m);
  memset(p, 0, sizeof *p);
  u16(m, 0); /* size, patched below */
  u8(m, 0);  /* event tags: none */
  cstr(m, "AllTypes");
  tl_field(m, "s", 2, -1);            cstr(p, "hello");
  tl_field(m, "w", 1, -1);            wstr(p, "wide");
  tl_field(m, "i8", 3, -1);           u8(p, 0xFB); /* -5 */
  tl_field(m, "hex8", 4, 4);          u8(p, 0xAB); /* TlgOutHEX */
  tl_field(m, "b8", 4, 3);            u8(p, 1);    /* TlgOutBOOLEAN */
  tl_field(m, "port", 6, 7);          u8(p, 0x01); u8(p, 0xBB); /* 443, big-endian */
  tl_field(m, "ip", 8, 8);            u8(p, 192); u8(p, 168); u8(p, 1); u8(p, 2);
  tl_field(m, "i32", 7, -1);          u32(p, (uint32_t)-5);
  tl_field(m, "u32", 8, -1);          u32(p, 4000000000u);
  tl_field(m, "u64max", 10, -1);      u64(p, UINT64_MAX);
  tl_field(m, "i64", 9, -1);          u64(p, (uint64_t)-1);
  tl_field(m, "f", 11, -1);           u32(p, 0x3FC00000u); /* 1.5f */
  tl_field(m, "d", 12, -1);           u64(p, 0xC002000000000000ull); /* -2.25 */
  tl_field(m, "bool", 13, -1);        u32(p, 1);
  tl_field(m, "bin", 14, -1);         u16(p, 3); u8(p, 0xde); u8(p, 0xad); u8(p, 0xbe);
  tl_field(m, "ip6", 14, 9);          u16(p, 16);
  {
    const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    put(p, a, 16);
  }
  tl_field(m, "sa", 14, 10);          u16(p, 16);
  {
    const uint8_t a[16] = {2, 0, 0x1f, 0x90, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    put(p, a, 16);
  }
  tl_field(m, "g", 15, -1);
  {
    /* {00112233-4455-6677-8899-aabbccddeeff}: Data1..3 little-endian */
    const uint8_t a[16] = {0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
                           0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    put(p, a, 16);
  }
  tl_field(m, "ptr", 21, -1);         u64(p, 0xffff800000001000ull); /* HEXINT64 */
  tl_field(m, "ft", 17, -1);          u64(p, 116444736000000000ull); /* 1970-01-01 */
  tl_field(m, "st", 18, -1);
  u16(p, 2021); u16(p, 9); u16(p, 4); u16(p, 9); u16(p, 14); u16(p, 59); u16(p, 35); u16(p, 799);
  tl_field(m, "sid", 19, -1);
  {
    const uint8_t a[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}; /* S-1-5-18 */
    put(p, a, 12);
  }
  tl_field(m, "h32", 20, -1);         u32(p, 0x1f);
  tl_field(m, "cs", 22, -1);          u16(p, 4); u16(p, 'h'); u16(p, 'i');
  tl_field(m, "cas", 23, -1);         u16(p, 2); u8(p, 'o'); u8(p, 'k');
  tl_field(m, "arr", 6 | 0x40, -1);   u16(p, 3); u16(p, 1); u16(p, 2); u16(p, 3);
  tl_field(m, "fix", 4 | 0x20, -1);   u16(m, 2); u8(p, 7); u8(p, 8);
  tl_field(m, "chars", 6 | 0x40, 2);  u16(p, 2); u16(p, 'o'); u16(p, 'k');
  /* struct array (VCOUNT) of 2 members, the second a nested struct of 1 member */
  tl_field(m, "recs", 24 | 0x40, 2);  u16(p, 2);
  tl_field(m, "a", 3, -1);
  tl_field(m, "inner", 24, 1);
  tl_field(m, "z", 1, -1);
  u8(p, 1); wstr(p, "x");
  u8(p, 2); wstr(p, "yz");
  tl_field(m, "last", 8, -1);         u32(p, 42);
  m->d[0] = (uint8_t)(m->n & 0xFF);
  m->d[1] = (uint8_t)(m->n >> 8);

  bb *t = &g_traits;
  memset(t, 0, sizeof *t);
  u16(t, 0);
  cstr(t, "E2K.Test.Provider");
  t->d[0] = (uint8_t)t->n;

  bb *e = &g_ext;
  memset(e, 0, sizeof *e);
  ext_item(e, ETL_EXT_PROV_TRAITS, t, 1);
  ext_item(e, ETL_EXT_EVENT_SCHEMA_TL, m, 0);

  memset(ev, 0, sizeof *ev);
  memcpy(ev->provider_id, TL_GUID, 16);
  ev->header_kind = ETL_HT_EVENT;
  ev->pointer_size = 8;
  ev->channel = 11;
  ev->ext = e->d;
  ev->ext_len = (uint32_t)e->n;
  ev->payload = p->d;
  ev->payload_len = (uint32_t)p->n;
}

static dec_context *new_ctx(const char *manifest) {
  dec_options o;
  memset(&o, 0, sizeof o);
  const char *paths[1] = {manifest};
  if (manifest) {
    o.manifest_paths = paths;
    o.manifest_count = 1;
  }
  char err[256];
  dec_context *ctx = NULL;
  int rc = dec_context_new(&ctx, &o, err, sizeof err);
  TEST_CHECK_MSG(rc == 0, "dec_context_new: %s", err);
  return ctx;
}

static void test_tracelogging_all_types(void) {
  dec_context *ctx = new_ctx(NULL);
  etl_event ev;
  build_tl_event(&ev);
  dec_names nm;
  dec_event_names(ctx, &ev, &nm);
  TEST_EQ_STR(nm.provider, "E2K.Test.Provider");
  TEST_EQ_STR(nm.event_name, "AllTypes");
  dec_source src;
  bool ok = false;
  kv_value bag = dec_event_data(ctx, &ev, &src, &ok);
  TEST_CHECK(ok);
  TEST_EQ_INT(src, DEC_SRC_TRACELOGGING);
  expect_json(bag, "s", "\"hello\"");
  expect_json(bag, "w", "\"wide\"");
  expect_json(bag, "i8", "-5");
  expect_json(bag, "hex8", "\"0xab\"");
  expect_json(bag, "b8", "true");
  expect_json(bag, "port", "443");
  expect_json(bag, "ip", "\"192.168.1.2\"");
  expect_json(bag, "i32", "-5");
  expect_json(bag, "u32", "4000000000");
  expect_json(bag, "u64max", "\"18446744073709551615\"");
  expect_json(bag, "i64", "-1");
  expect_json(bag, "f", "1.5");
  expect_json(bag, "d", "-2.25");
  expect_json(bag, "bool", "true");
  expect_json(bag, "bin", "\"deadbe\"");
  expect_json(bag, "ip6", "\"2001:db8::1\""); /* RFC 5952 section 4.2.2 example form */
  expect_json(bag, "sa", "\"10.0.0.1:8080\"");
  expect_json(bag, "g", "\"00112233-4455-6677-8899-aabbccddeeff\"");
  expect_json(bag, "ptr", "\"0xffff800000001000\"");
  expect_json(bag, "ft", "\"1970-01-01T00:00:00.0000000Z\"");
  expect_json(bag, "st", "\"2021-09-09T14:59:35.7990000Z\"");
  expect_json(bag, "sid", "\"S-1-5-18\"");
  expect_json(bag, "h32", "\"0x1f\"");
  expect_json(bag, "cs", "\"hi\"");
  expect_json(bag, "cas", "\"ok\"");
  expect_json(bag, "arr", "[1,2,3]");
  expect_json(bag, "fix", "[7,8]");
  expect_json(bag, "chars", "\"ok\"");
  expect_json(bag, "recs", "[{\"a\":1,\"inner\":{\"z\":\"x\"}},{\"a\":2,\"inner\":{\"z\":\"yz\"}}]");
  expect_json(bag, "last", "42");
  /* field order = schema order */
  const char *k0, *klast;
  size_t l0, llast;
  kv_bag_entry(bag, 0, &k0, &l0);
  kv_bag_entry(bag, kv_bag_count(bag) - 1, &klast, &llast);
  TEST_CHECK(l0 == 1 && k0[0] == 's');
  TEST_CHECK(llast == 4 && memcmp(klast, "last", 4) == 0);
  TEST_EQ_INT(kv_bag_count(bag), 30);
  kv_release(bag);

  /* the same event again hits the cache and gives the same JSON */
  kv_value b2 = dec_event_data(ctx, &ev, NULL, NULL);
  TEST_EQ_INT(kv_bag_count(b2), 30);
  kv_release(b2);
  dec_context_free(ctx);
}

/* Every truncation of the payload: no read past the end (ASan), a marker
 * value, ok=false, and the fields before the cut intact. */
static void test_tracelogging_truncation(void) {
  dec_context *ctx = new_ctx(NULL);
  etl_event ev;
  build_tl_event(&ev);
  size_t full = ev.payload_len;
  int markers = 0;
  for (size_t cut = 0; cut < full; cut++) {
    uint8_t *copy = malloc(cut ? cut : 1);
    memcpy(copy, g_payload.d, cut);
    ev.payload = copy;
    ev.payload_len = (uint32_t)cut;
    bool ok = true;
    kv_value bag = dec_event_data(ctx, &ev, NULL, &ok);
    size_t n = kv_bag_count(bag);
    { /* the JSON fast path writes the same text, marker included */
      kv_buf fa, fb;
      kv_buf_init(&fa);
      kv_buf_init(&fb);
      kv_to_json(&fa, bag);
      bool ok2;
      dec_event_data_json(ctx, &ev, &fb, NULL, &ok2);
      TEST_CHECK(fa.len == fb.len && memcmp(fa.data, fb.data, fa.len) == 0 && ok2 == ok);
      kv_buf_free(&fa);
      kv_buf_free(&fb);
    }
    if (!ok && n) {
      const char *k;
      size_t kl;
      kv_value last = kv_bag_entry(bag, n - 1, &k, &kl);
      char js[2048];
      json_of(last, js, sizeof js);
      if (strstr(js, "<decode error: ")) markers++;
    }
    /* strings without their NUL are accepted at the end of the payload, so a
     * few cuts decode "completely"; the rest must be flagged */
    kv_release(bag);
    free(copy);
  }
  TEST_CHECK_MSG(markers > (int)full / 2, "only %d of %zu cuts produced a marker", markers, full);
  dec_context_free(ctx);
}

/* Corrupt metadata: random byte flips must never crash. */
static void test_tracelogging_bad_metadata(void) {
  dec_context *ctx = new_ctx(NULL);
  etl_event ev;
  build_tl_event(&ev);
  uint32_t seed = 12345;
  for (int i = 0; i < 3000; i++) {
    build_tl_event(&ev);
    for (int k = 0; k < 3; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = 8 + (seed >> 8) % (g_ext.n - 8);
      seed = seed * 1103515245u + 12345u;
      g_ext.d[at] ^= (uint8_t)(seed >> 16);
    }
    kv_value bag = dec_event_data(ctx, &ev, NULL, NULL);
    kv_release(bag);
    dec_names nm;
    dec_event_names(ctx, &ev, &nm);
    TEST_CHECK(nm.provider && nm.event_name);
  }
  dec_context_free(ctx);
}

static const uint8_t MAN_GUID[16] = {0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33,
                                     0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};

static void make_event(etl_event *ev, uint16_t id, uint8_t version, const bb *payload) {
  memset(ev, 0, sizeof *ev);
  memcpy(ev->provider_id, MAN_GUID, 16);
  ev->header_kind = ETL_HT_EVENT;
  ev->pointer_size = 8;
  ev->event_id = id;
  ev->version = version;
  ev->payload = payload->d;
  ev->payload_len = (uint32_t)payload->n;
}

static void test_manifest_features(void) {
  dec_context *ctx = new_ctx(E2K_TEST_DATA "/decode/unit.man");
  if (!ctx) return;
  bb p;
  memset(&p, 0, sizeof p);
  u32(&p, 7);                   /* Color -> Blue */
  u32(&p, 0x19);                /* Flags -> Read|Exec + 0x10 left over */
  u16(&p, 2);                   /* Count */
  u8(&p, 5); wstr(&p, "ab");    /* Items[0] */
  u8(&p, 6); wstr(&p, "c");     /* Items[1] */
  u32(&p, 3);                   /* BlobLen */
  u8(&p, 1); u8(&p, 2); u8(&p, 3);
  u8(&p, 127); u8(&p, 0); u8(&p, 0); u8(&p, 1);
  u8(&p, 0x00); u8(&p, 0x50);   /* port 80 big-endian */
  u8(&p, 'a'); u8(&p, 'b'); u8(&p, 0); u8(&p, 0); /* Fixed, 4 bytes */
  u16(&p, 0xFFFF); u16(&p, 300);
  etl_event ev;
  make_event(&ev, 100, 0, &p);
  dec_names nm;
  dec_event_names(ctx, &ev, &nm);
  TEST_EQ_STR(nm.provider, "E2K-Test-Provider");
  TEST_EQ_STR(nm.event_name, "ConnectAttempt");
  TEST_EQ_STR(nm.task_name, "Connect Task");   /* the task's message string */
  TEST_EQ_STR(nm.opcode_name, "Attempt Op");
  TEST_EQ_STR(nm.level_name, "Warning");       /* winmeta win:Warning */
  TEST_EQ_STR(nm.channel_name, "E2K-Test-Provider/Operational");
  TEST_EQ_STR(nm.keywords_name, "Net,Disk");
  bool ok = false;
  dec_source src;
  kv_value bag = dec_event_data(ctx, &ev, &src, &ok);
  TEST_CHECK(ok);
  TEST_EQ_INT(src, DEC_SRC_MANIFEST);
  expect_json(bag, "Color", "\"Blue\"");
  expect_json(bag, "Flags", "\"Read|Exec|0x10\"");
  expect_json(bag, "Count", "2");
  expect_json(bag, "Items", "[{\"Id\":5,\"Name\":\"ab\"},{\"Id\":6,\"Name\":\"c\"}]");
  expect_json(bag, "BlobLen", "3");
  expect_json(bag, "Blob", "\"010203\"");
  expect_json(bag, "Addr", "\"127.0.0.1\"");
  expect_json(bag, "Port", "80");
  expect_json(bag, "Fixed", "\"ab\"");
  expect_json(bag, "Tail", "[-1,300]");
  kv_release(bag);
  kv_value msg = dec_event_message(ctx, &ev);
  char js[512];
  json_of(msg, js, sizeof js);
  TEST_EQ_STR(js, "\"Color Blue flags Read|Exec|0x10 to 127.0.0.1:80\\n100% done\"");
  kv_release(msg);

  /* value not in the map -> the number; count field too large -> marker */
  memset(&p, 0, sizeof p);
  u32(&p, 3);
  u32(&p, 0);
  u16(&p, 60000);
  u8(&p, 1);
  make_event(&ev, 100, 0, &p);
  bag = dec_event_data(ctx, &ev, NULL, &ok);
  TEST_CHECK(!ok);
  expect_json(bag, "Color", "3");
  expect_json(bag, "Flags", "0");
  kv_release(bag);

  /* version fallback: v3 is not in the manifest, v1 is */
  memset(&p, 0, sizeof p);
  u32(&p, (uint32_t)-7);
  make_event(&ev, 200, 3, &p);
  bag = dec_event_data(ctx, &ev, NULL, &ok);
  TEST_CHECK(ok);
  expect_json(bag, "Value", "-7");
  kv_release(bag);
  msg = dec_event_message(ctx, &ev);
  json_of(msg, js, sizeof js);
  TEST_EQ_STR(js, "\"Value is -7.\"");
  kv_release(msg);

  /* name from task + winmeta opcode when there is no symbol */
  make_event(&ev, 201, 0, &p);
  dec_event_names(ctx, &ev, &nm);
  TEST_EQ_STR(nm.event_name, "Connect/Start");

  /* unknown event: {} and the provider name still known */
  make_event(&ev, 999, 0, &p);
  bag = dec_event_data(ctx, &ev, &src, &ok);
  TEST_EQ_INT(kv_bag_count(bag), 0);
  TEST_EQ_INT(src, DEC_SRC_NONE);
  kv_release(bag);
  dec_event_names(ctx, &ev, &nm);
  TEST_EQ_STR(nm.provider, "E2K-Test-Provider");
  TEST_EQ_STR(nm.event_name, "");
  dec_context_free(ctx);
}

static void test_stats(void) {
  dec_context *ctx = new_ctx(E2K_TEST_DATA "/decode/unit.man");
  if (!ctx) return;
  dec_stats_enable(ctx, true);
  bb p;
  memset(&p, 0, sizeof p);
  u32(&p, 1);
  etl_event ev;
  make_event(&ev, 200, 1, &p);
  for (int i = 0; i < 3; i++) dec_stats_count(ctx, &ev);
  make_event(&ev, 999, 0, &p);
  dec_stats_count(ctx, &ev);
  const dec_stat_row *rows;
  size_t n = dec_stats_rows(ctx, &rows);
  TEST_EQ_INT(n, 2);
  if (n == 2) {
    TEST_EQ_INT(rows[0].event_id, 200);
    TEST_EQ_INT(rows[0].count, 3);
    TEST_EQ_INT(rows[0].decoded, 3);
    TEST_EQ_INT(rows[0].source, DEC_SRC_MANIFEST);
    TEST_EQ_STR(rows[0].provider, "E2K-Test-Provider");
    TEST_EQ_INT(rows[1].event_id, 999);
    TEST_EQ_INT(rows[1].undecoded, 1);
    TEST_EQ_INT(rows[1].source, DEC_SRC_NONE);
  }
  TEST_EQ_STR(dec_source_name(DEC_SRC_EVENTSOURCE), "eventsource");
  dec_context_free(ctx);
}

static void test_manifest_errors(void) {
  dec_options o;
  memset(&o, 0, sizeof o);
  const char *paths[1] = {E2K_TEST_DATA "/decode/broken.man"};
  o.manifest_paths = paths;
  o.manifest_count = 1;
  char err[256] = "";
  dec_context *ctx = NULL;
  int rc = dec_context_new(&ctx, &o, err, sizeof err);
  TEST_CHECK(rc < 0);
  TEST_CHECK(ctx == NULL);
  /* "path:line:col: why"; the file's error is on line 4 */
  TEST_CHECK_MSG(strstr(err, "broken.man:4:") != NULL, "err = %s", err);
  paths[0] = E2K_TEST_DATA "/decode/does-not-exist.man";
  rc = dec_context_new(&ctx, &o, err, sizeof err);
  TEST_CHECK(rc < 0);
  TEST_CHECK_MSG(strstr(err, "does-not-exist.man") != NULL, "err = %s", err);
}

/* Formatting vectors from PerfView's TdhFormatterTests (microsoft/perfview
 * src/TraceEvent/TraceEvent.Tests/Parsing/TdhFormatterTests.cs): IPv4/IPv6/
 * SocketAddress/port texts, fed through TraceLogging fields here. */
static void test_perfview_format_vectors(void) {
  static const struct {
    const char *name;
    unsigned in, out;
    uint8_t bytes[28];
    size_t n;
    const char *want;
  } v[] = {
      {"v6a", 14, 9, {0x20, 0x01, 0xab, 0xcd, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34}, 16,
       "\"2001:abcd:def0:1234:5678:9abc:def0:1234\""},
      {"v6b", 14, 9, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 16, "\"::1\""},
      {"v6c", 14, 9, {0xfe, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78}, 16, "\"fe08::1234:5678\""},
      {"sa4", 14, 10, {0x02, 0x00, 0xC3, 0x50, 0xC0, 0xA8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}, 16,
       "\"192.168.0.1:50000\""},
      {"sa6", 14, 10, {0x17, 0x00, 0xEA, 0x60, 0, 0, 0, 0, 0xff, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x14, 0, 0, 0, 0}, 28,
       "\"[ff03::114]:60000\""},
      {"sa6s", 14, 10, {0x17, 0x00, 0xEA, 0x60, 0, 0, 0, 0, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0x0c}, 28,
       "\"[fe80::1234:5678%12]:60000\""},
      {"ip4", 8, 8, {0x7F, 0x00, 0x00, 0x01}, 4, "\"127.0.0.1\""},
      {"ip4b", 8, 8, {0x0A, 0x64, 0x02, 0xC8}, 4, "\"10.100.2.200\""},
      {"port", 6, 7, {0x00, 0x50}, 2, "80"},
      {"port2", 6, 7, {0x01, 0xBB}, 2, "443"},
  };
  dec_context *ctx = new_ctx(NULL);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    bb m, pl, t, e;
    memset(&m, 0, sizeof m);
    memset(&pl, 0, sizeof pl);
    memset(&t, 0, sizeof t);
    memset(&e, 0, sizeof e);
    u16(&m, 0);
    u8(&m, 0);
    cstr(&m, "Vec");
    tl_field(&m, v[i].name, v[i].in, (int)v[i].out);
    m.d[0] = (uint8_t)m.n;
    if (v[i].in == 14) u16(&pl, (unsigned)v[i].n); /* TraceLogging BINARY: u16 byte count */
    put(&pl, v[i].bytes, v[i].n);
    u16(&t, 0);
    cstr(&t, "Vec.Provider");
    t.d[0] = (uint8_t)t.n;
    ext_item(&e, ETL_EXT_PROV_TRAITS, &t, 1);
    ext_item(&e, ETL_EXT_EVENT_SCHEMA_TL, &m, 0);
    etl_event ev;
    memset(&ev, 0, sizeof ev);
    memcpy(ev.provider_id, TL_GUID, 16);
    ev.header_kind = ETL_HT_EVENT;
    ev.pointer_size = 8;
    ev.ext = e.d;
    ev.ext_len = (uint32_t)e.n;
    ev.payload = pl.d;
    ev.payload_len = (uint32_t)pl.n;
    kv_value bag = dec_event_data(ctx, &ev, NULL, NULL);
    expect_json(bag, v[i].name, v[i].want);
    kv_release(bag);
  }
  dec_context_free(ctx);
}

/* EventSource in-stream manifest: unit.man split into 3 ManifestData chunks
 * (etw-decoding.md 3.1 header: Format 1, Major 1, Minor 0, Magic 0x5B,
 * TotalChunks, ChunkNumber), fed through dec_observe; the provider's events
 * decode only after the last chunk, and a chunk out of order is dropped. */
static void feed_chunk(dec_context *ctx, const uint8_t *xml, size_t off, size_t n, unsigned total, unsigned no,
                       uint32_t tid) {
  static uint8_t buf[8192];
  buf[0] = 1; buf[1] = 1; buf[2] = 0; buf[3] = 0x5B;
  buf[4] = (uint8_t)total; buf[5] = 0;
  buf[6] = (uint8_t)no; buf[7] = 0;
  memcpy(buf + 8, xml + off, n);
  etl_event ev;
  memset(&ev, 0, sizeof ev);
  memcpy(ev.provider_id, MAN_GUID, 16);
  ev.header_kind = ETL_HT_EVENT;
  ev.pointer_size = 8;
  ev.event_id = 0xFFFE;
  ev.version = 1;
  ev.opcode = 0xFE;
  ev.task = 0xFFFE;
  ev.process_id = 42;
  ev.thread_id = tid;
  ev.payload = buf;
  ev.payload_len = (uint32_t)(8 + n);
  dec_observe(ctx, &ev);
  dec_names nm;
  dec_event_names(ctx, &ev, &nm);
  TEST_EQ_STR(nm.event_name, "ManifestData");
}

static void test_eventsource_chunks(void) {
  char *xml = NULL;
  size_t len = 0;
  FILE *f = fopen(E2K_TEST_DATA "/decode/unit.man", "rb");
  TEST_CHECK(f != NULL);
  if (!f) return;
  xml = malloc(8192);
  len = fread(xml, 1, 8192, f);
  fclose(f);
  TEST_CHECK(len > 1000 && len < 8000);
  dec_context *ctx = new_ctx(NULL);
  bb p;
  memset(&p, 0, sizeof p);
  u32(&p, (uint32_t)-3);
  etl_event ev;
  make_event(&ev, 200, 1, &p);
  size_t third = len / 3;
  /* out of order (chunk 1 before 0) on thread 7: dropped, nothing learnt */
  feed_chunk(ctx, (const uint8_t *)xml, third, third, 3, 1, 7);
  feed_chunk(ctx, (const uint8_t *)xml, 0, third, 3, 0, 7);
  feed_chunk(ctx, (const uint8_t *)xml, 2 * third, len - 2 * third, 3, 2, 7); /* gap: chunk 1 missing */
  bool ok = true;
  dec_source src;
  kv_value bag = dec_event_data(ctx, &ev, &src, &ok);
  TEST_EQ_INT(src, DEC_SRC_NONE);
  kv_release(bag);
  /* in order on thread 9 */
  feed_chunk(ctx, (const uint8_t *)xml, 0, third, 3, 0, 9);
  feed_chunk(ctx, (const uint8_t *)xml, third, third, 3, 1, 9);
  bag = dec_event_data(ctx, &ev, &src, &ok);
  TEST_EQ_INT(src, DEC_SRC_NONE); /* not complete yet */
  kv_release(bag);
  feed_chunk(ctx, (const uint8_t *)xml, 2 * third, len - 2 * third, 3, 2, 9);
  bag = dec_event_data(ctx, &ev, &src, &ok);
  TEST_EQ_INT(src, DEC_SRC_EVENTSOURCE);
  TEST_CHECK(ok);
  expect_json(bag, "Value", "-3");
  kv_release(bag);
  dec_names nm;
  dec_event_names(ctx, &ev, &nm);
  TEST_EQ_STR(nm.provider, "E2K-Test-Provider");
  dec_context_free(ctx);
  free(xml);
}

/* UTF-16 text with JSON specials, non-ASCII, a surrogate pair, a lone
 * surrogate and an embedded NUL (counted string): expected JSON written by
 * hand from RFC 8259 / UTF-8 rules; the fast path must agree. */
static void test_utf16_text(void) {
  static const uint16_t units[] = {'a', '"', '\\', '\n', '\t', 0x01, 0xE9, 0x20AC, 0xD83D, 0xDE00, 0xD800, 'z', 0, 'q'};
  const char *want = "\"a\\\"\\\\\\n\\t\\u0001\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBDz\\u0000q\"";
  bb m, pl, t, e;
  memset(&m, 0, sizeof m);
  memset(&pl, 0, sizeof pl);
  memset(&t, 0, sizeof t);
  memset(&e, 0, sizeof e);
  u16(&m, 0);
  u8(&m, 0);
  cstr(&m, "Text");
  tl_field(&m, "cs", 22, -1);
  m.d[0] = (uint8_t)m.n;
  u16(&pl, (unsigned)sizeof units);
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) u16(&pl, units[i]);
  u16(&t, 0);
  cstr(&t, "Text.Provider");
  t.d[0] = (uint8_t)t.n;
  ext_item(&e, ETL_EXT_PROV_TRAITS, &t, 1);
  ext_item(&e, ETL_EXT_EVENT_SCHEMA_TL, &m, 0);
  etl_event ev;
  memset(&ev, 0, sizeof ev);
  memcpy(ev.provider_id, TL_GUID, 16);
  ev.header_kind = ETL_HT_EVENT;
  ev.pointer_size = 8;
  ev.ext = e.d;
  ev.ext_len = (uint32_t)e.n;
  ev.payload = pl.d;
  ev.payload_len = (uint32_t)pl.n;
  dec_context *ctx = new_ctx(NULL);
  kv_value bag = dec_event_data(ctx, &ev, NULL, NULL);
  expect_json(bag, "cs", want);
  kv_release(bag);
  kv_buf f;
  kv_buf_init(&f);
  dec_event_data_json(ctx, &ev, &f, NULL, NULL);
  char whole[256];
  snprintf(whole, sizeof whole, "{\"cs\":%s}", want);
  TEST_EQ_STR(f.data, whole);
  kv_buf_free(&f);
  dec_context_free(ctx);
}

int main(void) {
  TEST_RUN(test_utf16_text);
  TEST_RUN(test_eventsource_chunks);
  TEST_RUN(test_perfview_format_vectors);
  TEST_RUN(test_tracelogging_all_types);
  TEST_RUN(test_tracelogging_truncation);
  TEST_RUN(test_tracelogging_bad_metadata);
  TEST_RUN(test_manifest_features);
  TEST_RUN(test_stats);
  TEST_RUN(test_manifest_errors);
  return e2k_test_report();
}
