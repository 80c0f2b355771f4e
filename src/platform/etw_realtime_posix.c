/* SPDX-License-Identifier: MIT
 * Non-Windows stand-in for etw_realtime.h: real-time ETW exists only on
 * Windows, so every session call fails with one clear message and the TDH
 * fallback has no schemas. Keeps the CLI linkable on every OS. The whole
 * file is guarded; etw_realtime_win32.c is the real implementation. */
#if !defined(_WIN32)

#include "platform/etw_realtime.h"

#include <stdio.h>

static const char plat_etw_posix_msg[] =
    "real-time ETW sessions need Windows (session:/provider: are not available on this OS; "
    "use file:PATH.etl)";

bool plat_etw_available(char *why, size_t why_len) {
  if (why && why_len) snprintf(why, why_len, "%s", plat_etw_posix_msg);
  return false;
}

int plat_etw_open(plat_etw_session **out, const plat_etw_options *opt, char *err, size_t err_len) {
  (void)opt;
  *out = NULL;
  if (err && err_len) snprintf(err, err_len, "%s", plat_etw_posix_msg);
  return -1;
}

int plat_etw_next(plat_etw_session *s, const etl_event **ev, uint32_t timeout_ms) {
  (void)s;
  (void)timeout_ms;
  *ev = NULL;
  return -1;
}

bool plat_etw_finished(plat_etw_session *s) {
  (void)s;
  return true;
}

void plat_etw_stop(plat_etw_session *s) { (void)s; }

void plat_etw_get_stats(plat_etw_session *s, plat_etw_stats *out) {
  (void)s;
  *out = (plat_etw_stats){0};
}

const char *plat_etw_error(plat_etw_session *s) {
  (void)s;
  return plat_etw_posix_msg;
}

const char *plat_etw_session_name(plat_etw_session *s) {
  (void)s;
  return "";
}

void plat_etw_close(plat_etw_session *s) { (void)s; }

int plat_etw_tdh_event_info(const etl_event *ev, const uint8_t **blob, uint32_t *len) {
  (void)ev;
  *blob = NULL;
  *len = 0;
  return -1;
}

int plat_etw_tdh_event_map(const etl_event *ev, const char *map_name, uint8_t **blob, uint32_t *len) {
  (void)ev;
  (void)map_name;
  *blob = NULL;
  *len = 0;
  return -1;
}

int plat_etw_selftest(void) {
  printf("FAIL: selftest: %s\n", plat_etw_posix_msg);
  return 2;
}

#else
typedef int plat_etw_posix_unused; /* keeps the translation unit non-empty on Windows */
#endif
