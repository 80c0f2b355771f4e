/* SPDX-License-Identifier: MIT
 * `etw2kusto selftest` (Windows): proves the live path end to end. Registers
 * a TraceLogging provider written by hand (EventRegister + EventSetInformation
 * traits + EventWriteTransfer with provider/event metadata descriptors, per
 * etw-decoding.md 1.1-1.3), starts a private real-time session for it through
 * plat_etw_open, writes known events, reads them back and checks every header
 * field, the TraceLogging metadata items and the payload bytes. */
#if defined(_WIN32)

#include "platform/etw_realtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <evntprov.h>

#include "platform/platform.h"

#define PLAT_ST_PROVIDER "etw2kusto-selftest"
#define PLAT_ST_EVENTS 10
#define PLAT_ST_LEVEL 4   /* information */
#define PLAT_ST_KEYWORD 0x1ull
#define PLAT_ST_CHANNEL 11 /* TraceLogging convention */

/* EVENT_INFO_CLASS values of the Windows SDK (mingw-w64 lists only the first). */
#define PLAT_ST_SET_TRAITS 2
#define PLAT_ST_USE_DESCRIPTOR_TYPE 3

typedef struct plat_st_buf {
  uint8_t b[1024];
  size_t n;
} plat_st_buf;

static void plat_st_put(plat_st_buf *b, const void *p, size_t n) {
  if (b->n + n > sizeof b->b) return;
  memcpy(b->b + b->n, p, n);
  b->n += n;
}
static void plat_st_u8(plat_st_buf *b, uint8_t v) { plat_st_put(b, &v, 1); }
static void plat_st_u16(plat_st_buf *b, uint16_t v) {
  uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  plat_st_put(b, x, 2);
}
static void plat_st_u32(plat_st_buf *b, uint32_t v) {
  for (int i = 0; i < 4; i++) plat_st_u8(b, (uint8_t)(v >> (8 * i)));
}
static void plat_st_u64(plat_st_buf *b, uint64_t v) {
  for (int i = 0; i < 8; i++) plat_st_u8(b, (uint8_t)(v >> (8 * i)));
}
static void plat_st_str(plat_st_buf *b, const char *s) { plat_st_put(b, s, strlen(s) + 1); }
static void plat_st_size_prefix(plat_st_buf *b) { /* patch the leading u16 size */
  b->b[0] = (uint8_t)b->n;
  b->b[1] = (uint8_t)(b->n >> 8);
}

/* Field: name, InMeta (| 0x80 when OutMeta follows), OutMeta. */
static void plat_st_field(plat_st_buf *b, const char *name, uint8_t in, uint8_t out) {
  plat_st_str(b, name);
  plat_st_u8(b, out ? (uint8_t)(in | 0x80) : in);
  if (out) plat_st_u8(b, out);
}

static const uint8_t plat_st_guid_value[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                                0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

static void plat_st_metadata(plat_st_buf *traits, plat_st_buf *meta) {
  memset(traits, 0, sizeof *traits);
  plat_st_u16(traits, 0);
  plat_st_str(traits, PLAT_ST_PROVIDER);
  plat_st_size_prefix(traits);

  memset(meta, 0, sizeof *meta);
  plat_st_u16(meta, 0);
  plat_st_u8(meta, 0); /* no event tags */
  plat_st_str(meta, "SelftestEvent");
  plat_st_field(meta, "Seq", 8, 0);           /* UINT32 */
  plat_st_field(meta, "Int32", 7, 0);         /* INT32 */
  plat_st_field(meta, "Hex64", 10, 4);        /* UINT64, OutType HEX */
  plat_st_field(meta, "Text", 1, 0);          /* UNICODESTRING */
  plat_st_field(meta, "Utf8", 2, 0x23);       /* ANSISTRING, OutType UTF8 */
  plat_st_field(meta, "Guid", 15, 0);         /* GUID */
  plat_st_field(meta, "Flag", 13, 0);         /* BOOL32 */
  plat_st_field(meta, "Real", 12, 0);         /* DOUBLE */
  plat_st_field(meta, "Arr", 6 | 0x40, 0);    /* UINT16 variable-length array */
  plat_st_size_prefix(meta);
}

static void plat_st_payload(plat_st_buf *p, uint32_t seq) {
  memset(p, 0, sizeof *p);
  plat_st_u32(p, seq);
  plat_st_u32(p, (uint32_t)(int32_t)-12345);
  plat_st_u64(p, 0x0123456789abcdefull ^ seq);
  static const wchar_t text[] = L"etw2kusto \u00fc\u20ac";
  plat_st_put(p, text, sizeof text);              /* includes the 2-byte NUL */
  plat_st_str(p, "utf8 \xe2\x9c\x93");
  plat_st_put(p, plat_st_guid_value, 16);
  plat_st_u32(p, 1);
  double real = 3.25 + seq;
  uint64_t bits;
  memcpy(&bits, &real, 8);
  plat_st_u64(p, bits);
  plat_st_u16(p, 3);
  plat_st_u16(p, 1);
  plat_st_u16(p, 2);
  plat_st_u16(p, (uint16_t)seq);
}

typedef struct plat_st_state {
  plat_mutex *lock;
  uint8_t guid[16];
  plat_st_buf traits, meta;
  uint32_t pid, tid;
  int64_t t_begin, t_end;      /* filled before checking (the window) */
  int received[PLAT_ST_EVENTS];
  int other_events;
  char first_failure[512];
  int failures;
  /* per-event copies of the checked facts */
  int64_t times[PLAT_ST_EVENTS];
} plat_st_state;

static void plat_st_fail(plat_st_state *st, const char *fmt, unsigned seq) {
  st->failures++;
  if (!st->first_failure[0]) snprintf(st->first_failure, sizeof st->first_failure, fmt, seq);
}

static bool plat_st_ext_equals(const etl_event *ev, uint16_t type, const plat_st_buf *want) {
  const uint8_t *d;
  uint32_t len;
  return etl_event_find_ext(ev, type, &d, &len) && len == want->n && memcmp(d, want->b, len) == 0;
}

static void plat_st_on_event(void *ud, const etl_event *ev) {
  plat_st_state *st = ud;
  plat_mutex_lock(st->lock);
  if (memcmp(ev->provider_id, st->guid, 16) != 0 || ev->payload_len < 4) {
    st->other_events++;
    plat_mutex_unlock(st->lock);
    return;
  }
  uint32_t seq = (uint32_t)ev->payload[0] | (uint32_t)ev->payload[1] << 8 |
                 (uint32_t)ev->payload[2] << 16 | (uint32_t)ev->payload[3] << 24;
  if (seq >= PLAT_ST_EVENTS) {
    plat_st_fail(st, "event with unexpected sequence number %u", seq);
    plat_mutex_unlock(st->lock);
    return;
  }
  st->received[seq]++;
  st->times[seq] = ev->time_ticks;
  plat_st_buf want;
  plat_st_payload(&want, seq);
  if (ev->header_kind != ETL_HT_REALTIME) plat_st_fail(st, "event %u: header_kind is not REALTIME", seq);
  if (ev->process_id != st->pid) plat_st_fail(st, "event %u: process id differs", seq);
  if (ev->thread_id != st->tid) plat_st_fail(st, "event %u: thread id differs", seq);
  if (ev->level != PLAT_ST_LEVEL) plat_st_fail(st, "event %u: level differs", seq);
  if (ev->keywords != PLAT_ST_KEYWORD) plat_st_fail(st, "event %u: keywords differ", seq);
  if (ev->channel != PLAT_ST_CHANNEL) plat_st_fail(st, "event %u: channel differs", seq);
  if (ev->event_id != 0 || ev->version != 0 || ev->opcode != 0 || ev->task != 0)
    plat_st_fail(st, "event %u: descriptor id/version/opcode/task not zero", seq);
  if (ev->pointer_size != sizeof(void *)) plat_st_fail(st, "event %u: pointer size differs", seq);
  if (ev->payload_len != want.n || memcmp(ev->payload, want.b, want.n) != 0)
    plat_st_fail(st, "event %u: payload bytes differ from what was written", seq);
  if (!plat_st_ext_equals(ev, ETL_EXT_EVENT_SCHEMA_TL, &st->meta))
    plat_st_fail(st, "event %u: EVENT_SCHEMA_TL item missing or different", seq);
  if (!plat_st_ext_equals(ev, ETL_EXT_PROV_TRAITS, &st->traits))
    plat_st_fail(st, "event %u: PROV_TRAITS item missing or different", seq);
  /* Odd events are written with an explicit activity id (the provider GUID);
   * even ones get the thread's current activity id, which is not checked. */
  if (seq % 2 == 1 && memcmp(ev->activity_id, st->guid, 16) != 0)
    plat_st_fail(st, "event %u: activity id differs", seq);
  plat_mutex_unlock(st->lock);
}

static void plat_st_report(const char *what, bool ok, const char *detail) {
  printf("%s: %s%s%s\n", ok ? "PASS" : "FAIL", what, detail && *detail ? ": " : "",
         detail ? detail : "");
}

int plat_etw_selftest(void) {
  char why[512];
  printf("etw2kusto selftest: TraceLogging provider -> private real-time session -> etl_event\n");
  if (!plat_etw_available(why, sizeof why)) {
    plat_st_report("real-time ETW available", false, why);
    printf("selftest: FAIL\n");
    return 2;
  }
  plat_st_state st;
  memset(&st, 0, sizeof st);
  st.lock = plat_mutex_new();
  if (!st.lock) return 1;
  plat_etw_name_guid(PLAT_ST_PROVIDER, st.guid);
  plat_st_metadata(&st.traits, &st.meta);
  st.pid = GetCurrentProcessId();
  st.tid = GetCurrentThreadId();

  GUID g;
  memcpy(&g, st.guid, 16);
  REGHANDLE reg = 0;
  ULONG rc = EventRegister(&g, NULL, NULL, &reg);
  snprintf(why, sizeof why, "EventRegister returned %lu", (unsigned long)rc);
  plat_st_report("register TraceLogging provider '" PLAT_ST_PROVIDER "'", rc == ERROR_SUCCESS,
                 rc == ERROR_SUCCESS ? "" : why);
  if (rc != ERROR_SUCCESS) {
    plat_mutex_free(st.lock);
    printf("selftest: FAIL\n");
    return 1;
  }
  EventSetInformation(reg, (EVENT_INFO_CLASS)PLAT_ST_SET_TRAITS, st.traits.b, (ULONG)st.traits.n);
  BOOLEAN use_type = TRUE;
  EventSetInformation(reg, (EVENT_INFO_CLASS)PLAT_ST_USE_DESCRIPTOR_TYPE, &use_type, sizeof use_type);

  plat_etw_provider prov;
  char spec[80], err[512];
  snprintf(spec, sizeof spec,
           "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x:0x1:5",
           st.guid[3], st.guid[2], st.guid[1], st.guid[0], st.guid[5], st.guid[4], st.guid[7],
           st.guid[6], st.guid[8], st.guid[9], st.guid[10], st.guid[11], st.guid[12],
           st.guid[13], st.guid[14], st.guid[15]);
  plat_etw_parse_provider(spec, &prov, err, sizeof err);
  char sname[64];
  snprintf(sname, sizeof sname, "etw2kusto-selftest-%lu", (unsigned long)st.pid);
  plat_etw_options opt;
  memset(&opt, 0, sizeof opt);
  opt.providers = &prov;
  opt.provider_count = 1;
  opt.private_session_name = sname;
  opt.on_event = plat_st_on_event;
  opt.ud = &st;
  plat_etw_session *s = NULL;
  int orc = plat_etw_open(&s, &opt, err, sizeof err);
  plat_st_report("start private real-time session and enable the provider", orc == 0,
                 orc == 0 ? sname : err);
  if (orc != 0) {
    EventUnregister(reg);
    plat_mutex_free(st.lock);
    printf("selftest: FAIL\n");
    return 1;
  }
  /* Wait until ETW tells the provider it is enabled. */
  bool enabled = false;
  for (int i = 0; i < 100 && !enabled; i++) {
    enabled = EventProviderEnabled(reg, PLAT_ST_LEVEL, PLAT_ST_KEYWORD);
    if (!enabled) Sleep(50);
  }
  plat_st_report("provider enabled by the session", enabled, "");

  EVENT_DESCRIPTOR desc;
  memset(&desc, 0, sizeof desc);
  desc.Channel = PLAT_ST_CHANNEL;
  desc.Level = PLAT_ST_LEVEL;
  desc.Keyword = PLAT_ST_KEYWORD;
  st.t_begin = plat_now_ticks();
  int write_failures = 0;
  for (uint32_t seq = 0; seq < PLAT_ST_EVENTS; seq++) {
    plat_st_buf payload;
    plat_st_payload(&payload, seq);
    EVENT_DATA_DESCRIPTOR d[3];
    EventDataDescCreate(&d[0], st.traits.b, (ULONG)st.traits.n);
    d[0].Reserved = 2; /* provider metadata */
    EventDataDescCreate(&d[1], st.meta.b, (ULONG)st.meta.n);
    d[1].Reserved = 1; /* event metadata */
    EventDataDescCreate(&d[2], payload.b, (ULONG)payload.n);
    if (EventWriteTransfer(reg, &desc, seq % 2 == 1 ? &g : NULL, NULL, 3, d) != ERROR_SUCCESS)
      write_failures++;
  }
  st.t_end = plat_now_ticks();
  snprintf(why, sizeof why, "%d of %d EventWriteTransfer calls failed", write_failures,
           PLAT_ST_EVENTS);
  plat_st_report("write events", write_failures == 0, write_failures ? why : "");

  /* Events reach the consumer when buffers flush (FlushTimer 1 s). */
  int got = 0;
  for (int i = 0; i < 200; i++) {
    plat_mutex_lock(st.lock);
    got = 0;
    for (int k = 0; k < PLAT_ST_EVENTS; k++) got += st.received[k] ? 1 : 0;
    plat_mutex_unlock(st.lock);
    if (got == PLAT_ST_EVENTS) break;
    Sleep(50);
  }
  plat_etw_stats stats;
  plat_etw_get_stats(s, &stats);
  plat_etw_close(s);
  EventUnregister(reg);

  int dup = 0, out_of_window = 0;
  for (int k = 0; k < PLAT_ST_EVENTS; k++) {
    if (st.received[k] > 1) dup++;
    /* 1 s of slack for clock granularity. */
    if (st.received[k] && (st.times[k] < st.t_begin - 10000000 || st.times[k] > st.t_end + 10000000))
      out_of_window++;
  }
  snprintf(why, sizeof why, "%d of %d events received", got, PLAT_ST_EVENTS);
  plat_st_report("read events back in real time", got == PLAT_ST_EVENTS, why);
  plat_st_report("no duplicates", dup == 0, "");
  plat_st_report("timestamps inside the write window", out_of_window == 0, "");
  plat_st_report("header fields, TraceLogging metadata items and payload bytes", st.failures == 0,
                 st.first_failure);
  snprintf(why, sizeof why, "%llu lost events, %llu lost buffers",
           (unsigned long long)stats.events_lost, (unsigned long long)stats.buffers_lost);
  plat_st_report("no lost events", stats.events_lost == 0 && stats.buffers_lost == 0, why);
  bool ok = enabled && write_failures == 0 && got == PLAT_ST_EVENTS && dup == 0 &&
            out_of_window == 0 && st.failures == 0 && stats.events_lost == 0 &&
            stats.buffers_lost == 0;
  printf("selftest: %s\n", ok ? "PASS" : "FAIL");
  plat_mutex_free(st.lock);
  return ok ? 0 : 1;
}

#else
typedef int plat_selftest_win32_unused; /* keeps the translation unit non-empty on POSIX */
#endif
