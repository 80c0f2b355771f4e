/* SPDX-License-Identifier: MIT
 * WPP/TMF tests (decode part B): the findneedle WPP captures rendered with
 * their TMF files must give exactly the strings the findneedle repository's
 * tests assert (guscatalano/findneedle, ETWPluginTests/ManagedWppDecoderTests.cs
 * at d11d6297f2536d9cdbcf2ba573525a55afd972df, "verified vs tracefmt" there);
 * see tests/data/decode_b/WPP_EXPECTED.md for where each string comes from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_wpp.h"
#include "decode/decode.h"
#include "e2k_test.h"
#include "etl/etl.h"

#define FN E2K_TEST_DATA "/etl/findneedle"

static dec_tmf_db *load_db(void) {
  dec_tmf_db *db = dec_tmf_db_new();
  char err[256] = "";
  TEST_CHECK_MSG(dec_tmf_db_load_path(db, FN "/tmf", err, sizeof err) == 0, "%s", err);
  TEST_CHECK_MSG(dec_tmf_db_load_path(db, FN "/tmf-provision", err, sizeof err) == 0, "%s", err);
  return db;
}

static bool parse_guid(const char *s, uint8_t g[16]) {
  unsigned a, b, c, d[8];
  if (sscanf(s, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &a, &b, &c, &d[0], &d[1], &d[2], &d[3],
             &d[4], &d[5], &d[6], &d[7]) != 11)
    return false;
  g[0] = (uint8_t)a; g[1] = (uint8_t)(a >> 8); g[2] = (uint8_t)(a >> 16); g[3] = (uint8_t)(a >> 24);
  g[4] = (uint8_t)b; g[5] = (uint8_t)(b >> 8); g[6] = (uint8_t)c; g[7] = (uint8_t)(c >> 8);
  for (int i = 0; i < 8; i++) g[8 + i] = (uint8_t)d[i];
  return true;
}

/* Renders every WPP record of one sample; returns the messages joined by '\n'. */
static char *render_file(dec_tmf_db *db, const char *name, int *wpp, int *formatted) {
  char path[512];
  snprintf(path, sizeof path, FN "/%s", name);
  const char *specs[1] = {path};
  etl_reader *r = NULL;
  char err[256] = "";
  kv_buf all;
  kv_buf_init(&all);
  *wpp = *formatted = 0;
  if (etl_reader_open(&r, specs, 1, NULL, err, sizeof err) != 0) {
    TEST_CHECK_MSG(false, "%s: %s", name, err);
    kv_buf_putc(&all, 0);
    return all.data;
  }
  const etl_event *ev;
  while (etl_reader_next(r, &ev) == 1) {
    if (ev->header_kind != ETL_HT_MESSAGE) continue;
    (*wpp)++;
    const dec_tmf_msg *m = dec_tmf_find(db, ev->provider_id, ev->message_number);
    if (!m) continue;
    kv_value props = kv_dyn_bag();
    kv_buf text;
    kv_buf_init(&text);
    if (dec_wpp_format(db, m, ev->payload, ev->payload_len, ev->pointer_size, &text, props) == 0)
      (*formatted)++;
    kv_buf_append(&all, text.data ? text.data : "", text.len);
    kv_buf_putc(&all, '\n');
    /* FormattedString property equals the text. */
    kv_value fs = kv_bag_get(props, "FormattedString", 15);
    TEST_CHECK(kv_scalar_type(fs) == KV_STRING && fs.len == text.len);
    kv_buf_free(&text);
    kv_release(props);
  }
  etl_reader_close(r);
  kv_buf_putc(&all, 0);
  return all.data;
}

static bool has_line(const char *all, const char *want) {
  size_t n = strlen(want);
  for (const char *p = all; (p = strstr(p, want)) != NULL; p++)
    if ((p == all || p[-1] == '\n') && p[n] == '\n') return true;
  return false;
}

typedef struct sample_case {
  const char *file;
  int wpp_events;            /* EXPECTED.json wpp_events */
  const char *expect[4];     /* findneedle test strings */
} sample_case;

static const sample_case cases[] = {
    {"wppemitter-sample.etl", 45,
     {"WppEmitter work item id=0 status=0x0 phase=startup provider=WppEmitter",
      "WppEmitter work item id=27 status=0x1b phase=startup provider=WppEmitter",
      "WppEmitter detail seq=2 note=processing-record value=2 category=Detail", NULL}},
    /* Same TMF (tmf-provision); strings derived from its format string and
     * the arguments (i, i & 0xff) / (i, i % 7919) the TMF records. */
    {"wppemitter-nonselfdesc.etl", 30,
     {"WppEmitter work item id=19 status=0x13 phase=startup provider=WppEmitter",
      "WppEmitter detail seq=18 note=processing-record value=18 category=Detail", NULL}},
    {"wppstr-sample.etl", 4,
     {"strtrace name=alpha id=0 tag=END", "strtrace name=bravo id=1 tag=END",
      "strtrace name=charlie id=2 tag=END", "widetrace user=root role=admin"}},
    {"wpptypes-sample.etl", 5,
     {"sint i=42 neg=-1000 i64=-5000000000", "uint u=4000000000 hex=0xabcdef x64=0xdeadbeefcafe",
      "ptr p=00007FF012345678 null=0000000000000000", "widths z=00042 h=0000beef"}},
    {"wpptypes-sample.etl", 5,
     {"hr=0x80070005(ERROR_ACCESS_DENIED) st=0xc0000022(STATUS_ACCESS_DENIED) "
      "guid=11223344-5566-7788-99aa-bbccddeeff00", NULL}},
    {"wppenum-sample.etl", 2, {"b=0x00000001(true) irql=0x00000002(DPC)", "set=[1,3]", NULL}},
    {"wppenum2-sample.etl", 1, {"state=StateActive flags=FlagRead | FlagExec(0x5)", NULL}},
    {"wpptime-sample.etl", 2, {"cc=RGBA", "ts=2020-01-01 00:00:00.000Z", NULL}},
    {"wppmisc-sample.etl", 2, {"dbl=3.14062 delta=5.000s", "raw a=RawAnsi w=RawWide", NULL}},
    {"wppbin-sample.etl", 2, {"hex=DEADBEEF00112233", "due=2020-01-01 00:00:00.000Z", NULL}},
};

static void test_samples(void) {
  dec_tmf_db *db = load_db();
  TEST_EQ_INT(dec_tmf_count(db), 24); /* 2+2+2+5+1+5+2+2+2+1 #typev lines in the 10 TMFs */
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int wpp = 0, ok = 0;
    char *all = render_file(db, cases[i].file, &wpp, &ok);
    printf("coverage %-28s wpp=%d formatted=%d\n", cases[i].file, wpp, ok);
    TEST_EQ_INT(wpp, cases[i].wpp_events);
    TEST_EQ_INT(ok, cases[i].wpp_events);
    for (int k = 0; k < 4 && cases[i].expect[k]; k++)
      TEST_CHECK_MSG(has_line(all, cases[i].expect[k]), "%s: missing \"%s\"\n got:\n%s",
                     cases[i].file, cases[i].expect[k], all);
    free(all);
  }
  dec_tmf_db_free(db);
}

/* Messages of TMFs whose captures (wpptypes2, wppndis) are not in our data:
 * the payload is built from the argument expressions the TMF itself records
 * (e.g. "(ULONG)0x0100007F, ItemIPAddr"), the expected text is findneedle's. */
static void render_synth(dec_tmf_db *db, const char *guid, uint16_t num, const uint8_t *p,
                         uint32_t n, const char *want) {
  uint8_t g[16];
  TEST_CHECK(parse_guid(guid, g));
  const dec_tmf_msg *m = dec_tmf_find(db, g, num);
  TEST_CHECK_MSG(m != NULL, "%s #%u not loaded", guid, num);
  if (!m) return;
  kv_buf t;
  kv_buf_init(&t);
  TEST_EQ_INT(dec_wpp_format(db, m, p, n, 8, &t, kv_dyn_null()), 0);
  kv_buf_putc(&t, 0);
  TEST_EQ_STR(t.data, want);
  kv_buf_free(&t);
}

static void test_synthesized(void) {
  dec_tmf_db *db = load_db();
  const char *t2 = "6033c1c6-a9fa-394c-0bc0-1581cb94150e";
  static const uint8_t ip_port[] = {0x7F, 0x00, 0x00, 0x01, 0x00, 0x50};
  render_synth(db, t2, 14, ip_port, sizeof ip_port, "ip=127.0.0.1 port=80");
  static const uint8_t werr[] = {2, 0, 0, 0, 0xEF, 0xCD, 0xAB, 0, 0, 0, 0, 0, 0xFF, 0x01, 0, 0, 0, 0, 0, 0};
  render_synth(db, t2, 13, werr, sizeof werr, "werr=2(ERROR_FILE_NOT_FOUND) i64X=0xABCDEF i64o=777");
  static const uint8_t clsid[] = {0xdd, 0xcc, 0xbb, 0xaa, 0xff, 0xee, 0x22, 0x11, 0x33, 0x44, 0x55,
                                  0x66, 0x77, 0x88, 0x99, 0x00};
  uint8_t two[32];
  memcpy(two, clsid, 16);
  memcpy(two + 16, clsid, 16);
  render_synth(db, t2, 12, two, 32,
               "clsid=aabbccdd-eeff-1122-3344-556677889900 iid=aabbccdd-eeff-1122-3344-556677889900");
  static const uint8_t sid[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}; /* S-1-5-18 (MS-DTYP) */
  render_synth(db, t2, 11, sid, sizeof sid, "sid=S-1-5-18");
  uint8_t counted[64];
  uint32_t n = 0;
  const char *a = "CountedAnsi", *w = "CountedWide";
  counted[n++] = (uint8_t)strlen(a); counted[n++] = 0;
  memcpy(counted + n, a, strlen(a)); n += (uint32_t)strlen(a);
  counted[n++] = (uint8_t)(2 * strlen(w)); counted[n++] = 0;
  for (size_t i = 0; i < strlen(w); i++) { counted[n++] = (uint8_t)w[i]; counted[n++] = 0; }
  render_synth(db, t2, 10, counted, n, "counted a=CountedAnsi w=CountedWide");
  static const uint8_t ndis[] = {0x0B, 0x00, 0x01, 0x40, 0x01, 0x01, 0x01, 0x00};
  render_synth(db, "4bfa7244-5583-3195-181b-88348eb33cdb", 10, ndis, sizeof ndis,
               "nst=0x4001000b(NDIS_STATUS_MEDIA_CONNECT) noid=0x00010101(OID_GEN_SUPPORTED_LIST)");
  dec_tmf_db_free(db);
}

/* Hand-written TMF text: printf specs, %0/%1 prefixes, %%, status names
 * (findneedle's Render1/ApplyFormat cases) and truncated payloads. */
static void test_specs(void) {
  static const char tmf[] =
      "// comment\n"
      "01234567-89ab-cdef-0123-456789abcdef comp // SRC=x.c MJ= MN=\n"
      "#typev x_c1 10 \"%0a=%3!d!b=%10!d! %10!x! %10!X! %10!04x! %11!u! %10!d!%%\" // LEVEL=L FLAGS=F FUNC=f\n"
      "{\n"
      "v, ItemLong -- 10\n"
      "u, ItemULong -- 11\n"
      "}\n"
      "#typev x_c2 11 \"%10!s!|%11!s!|%12!s!|%13!s!\" // LEVEL=L FUNC=g\n"
      "{\n"
      "a, ItemNTSTATUS -- 10\n"
      "b, ItemWINERROR -- 11\n"
      "c, ItemHRESULT -- 12\n"
      "d, ItemNTSTATUS -- 13\n"
      "}\n"
      "#typev x_c3 12 \"s=%10!s! n=%11!d!\" // LEVEL=L FUNC=h\n"
      "{\n"
      "s, ItemString -- 10\n"
      "n, ItemLong -- 11\n"
      "}\n";
  dec_tmf_db *db = dec_tmf_db_new();
  char err[128] = "";
  TEST_EQ_INT(dec_tmf_db_load_text(db, tmf, sizeof tmf - 1, "t.tmf", err, sizeof err), 0);
  TEST_EQ_INT(dec_tmf_count(db), 3);
  uint8_t g[16];
  parse_guid("01234567-89ab-cdef-0123-456789abcdef", g);
  const dec_tmf_msg *m = dec_tmf_find(db, g, 10);
  TEST_CHECK(m && strcmp(m->func, "f") == 0 && strcmp(m->level, "L") == 0 &&
             strcmp(m->component, "comp") == 0 && strcmp(m->source, "x.c") == 0);
  static const uint8_t p1[] = {0xFF, 0, 0, 0, 0x00, 0x10, 0, 0};
  kv_buf t;
  kv_buf_init(&t);
  TEST_EQ_INT(dec_wpp_format(db, m, p1, sizeof p1, 8, &t, kv_dyn_null()), 0);
  kv_buf_putc(&t, 0);
  TEST_EQ_STR(t.data, "a=b=255 ff FF 00ff 4096 255%");
  m = dec_tmf_find(db, g, 11);
  static const uint8_t p2[] = {0x05, 0, 0, 0xC0, 0xA0, 0x05, 0, 0, 0x03, 0x40, 0, 0x80,
                               0x78, 0x56, 0x34, 0x12};
  t.len = 0;
  TEST_EQ_INT(dec_wpp_format(db, m, p2, sizeof p2, 8, &t, kv_dyn_null()), 0);
  kv_buf_putc(&t, 0);
  TEST_EQ_STR(t.data, "0xc0000005(STATUS_ACCESS_VIOLATION)|1440|0x80004003(E_POINTER)|0x12345678");
  /* 1440 has no name in our table: bare decimal, like findneedle's unknown-code rule. */
  m = dec_tmf_find(db, g, 12);
  static const uint8_t p3[] = {'h', 'i', 0, 7, 0};
  t.len = 0;
  kv_value props = kv_dyn_bag();
  TEST_EQ_INT(dec_wpp_format(db, m, p3, sizeof p3, 8, &t, props), -1); /* n truncated */
  kv_buf_putc(&t, 0);
  TEST_CHECK_MSG(strstr(t.data, "s=hi n=") == t.data && strstr(t.data, "<decode error:"), "%s", t.data);
  TEST_CHECK(kv_bag_has(props, "__decode_error", 14));
  TEST_CHECK(kv_bag_has(props, "s", 1));
  kv_release(props);
  kv_buf_free(&t);
  /* Structural error: #typev without a GUID line before it. */
  static const char bad[] = "#typev a 10 \"x\"\n";
  TEST_CHECK(dec_tmf_db_load_text(db, bad, sizeof bad - 1, "bad.tmf", err, sizeof err) != 0);
  TEST_CHECK(strstr(err, "bad.tmf:1:") != NULL);
  dec_tmf_db_free(db);
}

/* Through the public API: without tmf:PATH the raw payload is kept and the
 * reason given; with it, dec_event_message gives the findneedle text. */
static void test_context(void) {
  for (int with_tmf = 0; with_tmf < 2; with_tmf++) {
    const char *tmf[1] = {FN "/tmf"};
    dec_options opt = {0};
    if (with_tmf) {
      opt.tmf_paths = tmf;
      opt.tmf_count = 1;
    }
    dec_context *ctx = NULL;
    char err[256] = "";
    TEST_CHECK_MSG(dec_context_new(&ctx, &opt, err, sizeof err) == 0, "%s", err);
    const char *specs[1] = {FN "/wppstr-sample.etl"};
    etl_reader *r = NULL;
    TEST_CHECK(etl_reader_open(&r, specs, 1, NULL, err, sizeof err) == 0);
    const etl_event *ev;
    int wpp = 0, good = 0;
    while (r && etl_reader_next(r, &ev) == 1) {
      dec_observe(ctx, ev);
      if (ev->header_kind != ETL_HT_MESSAGE) continue;
      wpp++;
      dec_source src = DEC_SRC_NONE;
      bool ok = false;
      kv_value d = dec_event_data(ctx, ev, &src, &ok);
      kv_buf t;
      kv_buf_init(&t);
      if (!with_tmf) {
        kv_to_text(&t, kv_bag_get(d, "wpp", 3));
        kv_buf_putc(&t, 0);
        if (!ok && strncmp(t.data, "no TMF for message GUID 744151fd-b3f4-32e6-38eb-0fd11e3fb62d number 1", 69) == 0 &&
            kv_bag_has(d, "RawPayload", 10))
          good++;
      } else {
        kv_value m = dec_event_message(ctx, ev);
        kv_to_text(&t, m);
        kv_buf_putc(&t, 0);
        kv_release(m);
        if (ok && src == DEC_SRC_WPP && (strstr(t.data, "strtrace name=") == t.data || strcmp(t.data, "widetrace user=root role=admin") == 0))
          good++;
      }
      kv_buf_free(&t);
      kv_release(d);
    }
    TEST_EQ_INT(wpp, 4);
    TEST_EQ_INT(good, 4);
    if (r) etl_reader_close(r);
    dec_context_free(ctx);
  }
}

/* Property values of wpptypes messages 11/12: the TMF records the argument
 * expressions, i.e. the values the emitter passed: (unsigned long
 * long)0xDEADBEEFCAFEULL, (unsigned)0xABCDEF, (void*)0x7ff012345678, (void*)0. */
static void test_props(void) {
  dec_tmf_db *db = load_db();
  const char *specs[1] = {FN "/wpptypes-sample.etl"};
  etl_reader *r = NULL;
  char err[256];
  TEST_CHECK(etl_reader_open(&r, specs, 1, NULL, err, sizeof err) == 0);
  const etl_event *ev;
  int seen = 0;
  while (r && etl_reader_next(r, &ev) == 1) {
    if (ev->header_kind != ETL_HT_MESSAGE || (ev->message_number != 11 && ev->message_number != 12)) continue;
    const dec_tmf_msg *m = dec_tmf_find(db, ev->provider_id, ev->message_number);
    if (!m) continue;
    kv_value props = kv_dyn_bag();
    kv_buf t;
    kv_buf_init(&t);
    TEST_EQ_INT(dec_wpp_format(db, m, ev->payload, ev->payload_len, ev->pointer_size, &t, props), 0);
    kv_buf j;
    kv_buf_init(&j);
    kv_to_json(&j, props);
    kv_buf_putc(&j, 0);
    if (ev->message_number == 11) {
      TEST_CHECK_MSG(strstr(j.data, "\"(unsigned long long)0xDEADBEEFCAFEULL\":244837814094590") != NULL, "%s", j.data);
      TEST_CHECK_MSG(strstr(j.data, "\"(unsigned)0xABCDEF\":11259375") != NULL, "%s", j.data);
    } else {
      TEST_CHECK_MSG(strstr(j.data, "\"(void*)(ULONG_PTR)0x7ff012345678ULL\":\"0x7ff012345678\"") != NULL, "%s", j.data);
      TEST_CHECK_MSG(strstr(j.data, "\"(void*)0\":\"0x0\"") != NULL, "%s", j.data);
    }
    seen++;
    kv_buf_free(&j);
    kv_buf_free(&t);
    kv_release(props);
  }
  TEST_EQ_INT(seen, 2);
  if (r) etl_reader_close(r);
  dec_tmf_db_free(db);
}

int main(void) {
  TEST_RUN(test_props);
  TEST_RUN(test_context);
  TEST_RUN(test_specs);
  TEST_RUN(test_synthesized);
  TEST_RUN(test_samples);
  return e2k_test_report();
}
