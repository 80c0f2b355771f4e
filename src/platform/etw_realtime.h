/* SPDX-License-Identifier: MIT
 * Live ETW input (Windows): attach to an existing real-time session
 * (session:NAME) or create and own a private one for provider:SPEC, deliver
 * every EVENT_RECORD as an etl_event (via etw_record_convert.h), count lost
 * events/buffers, and offer TDH schemas as a decoding fallback. Windows code is
 * in etw_realtime_win32.c; etw_realtime_posix.c makes every call fail with
 * "real-time ETW sessions need Windows" so the CLI links everywhere. */
#ifndef E2K_PLATFORM_ETW_REALTIME_H
#define E2K_PLATFORM_ETW_REALTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etl/etl.h"

/* ---- provider specs (portable: etw_provider_spec.c) ---- */

/* TRACE_LEVEL_VERBOSE: the default level of provider:NAME. */
#define PLAT_ETW_LEVEL_DEFAULT 5

typedef struct plat_etw_provider {
  char name[256];        /* as written (a name or the GUID text) */
  uint8_t guid[16];      /* Windows byte order; valid when has_guid */
  bool has_guid;         /* false: a name to resolve on the machine (plat_etw_open) */
  uint64_t keywords;     /* MatchAnyKeyword; default all bits set */
  uint8_t level;         /* 1..255; default PLAT_ETW_LEVEL_DEFAULT */
} plat_etw_provider;

/* Parses "NAME|GUID[:keywords[:level]]" (the text after "provider:").
 * keywords: 0x-hex or decimal; level: 1-255 or a name (critical, error,
 * warning, information/info, verbose). A GUID may have braces. Returns 0 or
 * -1 with a one-line message in err. */
int plat_etw_parse_provider(const char *spec, plat_etw_provider *out, char *err, size_t err_len);

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (braces optional) into Windows
 * byte order. Returns true on success. */
bool plat_etw_parse_guid(const char *text, size_t len, uint8_t guid[16]);

/* The TraceLogging/EventSource provider GUID for a name (SHA-1 name hash over
 * namespace 482C2DB2-C390-47C8-87F8-1A15BFC130FB + upper-cased UTF-16BE name,
 * etw-decoding.md 1.2). Used when a provider name is not registered. */
void plat_etw_name_guid(const char *name, uint8_t guid[16]);

/* ---- real-time sessions ---- */

typedef struct plat_etw_session plat_etw_session;

/* Called on the session's worker thread for every event; ev and everything it
 * points to are valid only during the call. */
typedef void (*plat_etw_event_cb)(void *ud, const etl_event *ev);

typedef struct plat_etw_options {
  /* Exactly one of: an existing real-time session to attach to ... */
  const char *session_name;
  /* ... or providers to enable in a private session that etw2kusto creates,
   * owns and stops (StartTraceW + EnableTraceEx2). A provider named
   * "NT Kernel Logger" style kernel flags is not supported; kernel events come
   * through the system providers (Microsoft-Windows-Kernel-*) where allowed. */
  const plat_etw_provider *providers;
  size_t provider_count;
  const char *private_session_name; /* NULL -> "etw2kusto-<pid>" */
  /* Delivery: a callback (runs on the worker thread) ... */
  plat_etw_event_cb on_event;
  void *ud;
  /* ... or, when on_event is NULL, events are copied into a bounded queue
   * read with plat_etw_next() (the worker blocks when it is full, so ETW
   * drops buffers and reports them as lost). 0 -> 65536 events. */
  size_t queue_capacity;
  /* Reverse kernel GUID -> group lookup for classic kernel events (may be NULL). */
  bool (*kernel_group)(const uint8_t guid[16], uint8_t *group);
} plat_etw_options;

typedef struct plat_etw_stats {
  uint64_t events;          /* events delivered */
  uint64_t events_lost;     /* ETW's EventsLost for the session + RT_LostEvent records */
  uint64_t buffers_lost;    /* RealTimeBuffersLost + RT_LostBuffer records */
  uint64_t queue_dropped;   /* always 0: the queue blocks instead of dropping */
} plat_etw_stats;

/* Opens the session and starts ProcessTrace on a worker thread. Fails fast
 * (never hangs) when the session does not exist, access is denied or real-time
 * ETW is unavailable (Wine, non-Windows), with a one-line message in err.
 * Returns 0 or -1. */
int plat_etw_open(plat_etw_session **out, const plat_etw_options *opt, char *err, size_t err_len);

/* Pull mode (on_event == NULL): waits at most timeout_ms for the next event.
 * Returns 1 and sets *ev (valid until the next call), 0 on timeout, -1 when the
 * session has ended (stopped, or the session went away: see plat_etw_error). */
int plat_etw_next(plat_etw_session *s, const etl_event **ev, uint32_t timeout_ms);

/* True once the worker has returned from ProcessTrace. */
bool plat_etw_finished(plat_etw_session *s);

/* Stops delivery: CloseTrace, stops the private session if we own it, joins
 * the worker. Idempotent; safe from the main thread only. */
void plat_etw_stop(plat_etw_session *s);

void plat_etw_get_stats(plat_etw_session *s, plat_etw_stats *out);

/* Message of an abnormal end ("" when none). */
const char *plat_etw_error(plat_etw_session *s);

/* The name the session runs under (attached or private). */
const char *plat_etw_session_name(plat_etw_session *s);

/* Stops (if needed) and frees. NULL ok. */
void plat_etw_close(plat_etw_session *s);

/* ---- TDH fallback (Windows only) ---- */

/* TRACE_EVENT_INFO bytes for a manifest event registered on this machine
 * (TdhGetManifestEventInformation), cached per (provider, id, version). The
 * blob has the layout of etw-decoding.md 4.2 (the same structure as xperf's
 * merged-trace EVENT_METADATA), so decode/ parses it with its merged-metadata
 * code and the same value rules as offline. Returns 0 and a borrowed blob
 * (valid for the life of the process), or -1 when none (always on non-Windows).
 * Thread-safe. */
int plat_etw_tdh_event_info(const etl_event *ev, const uint8_t **blob, uint32_t *len);
/* EVENT_MAP_INFO bytes of a value map the event's TDH schema names
 * (TdhGetEventMapInformation): 0 and a malloc'ed blob the caller frees, or -1
 * (always on non-Windows and under Wine). */
int plat_etw_tdh_event_map(const etl_event *ev, const char *map_name, uint8_t **blob, uint32_t *len);

/* ---- selftest (selftest_win32.c; stub elsewhere) ---- */

/* `etw2kusto selftest`: registers its own TraceLogging provider, starts a
 * private real-time session, writes known events, reads them back through
 * plat_etw_open + plat_etw_record_to_event, checks every field, and prints
 * "PASS ..." / "FAIL ..." lines and a final verdict to stdout. Returns 0 when
 * everything passed, 1 on a failed check, 2 when real-time ETW is not
 * available here (non-Windows, Wine). */
int plat_etw_selftest(void);

/* ---- diagnostics ---- */

/* True when real-time ETW is expected to work here (Windows, not Wine). */
bool plat_etw_available(char *why, size_t why_len);

#endif
