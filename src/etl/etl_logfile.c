/* SPDX-License-Identifier: MIT
 * TRACE_LOGFILE_HEADER (the payload of the first record of buffer 0) ->
 * etl_trace_info, and the per-file clock that turns raw record timestamps into
 * UTC Kusto ticks (etl-format.md sections 2 and 4). Overflow-checked integer
 * arithmetic only: hostile timestamps saturate, they never wrap. */
#include "etl/etl_int.h"

#include <string.h>

size_t etl_utf16z_to_utf8(const uint8_t *in, size_t in_len, char *out, size_t out_len) {
  size_t i = 0, o = 0;
  if (out_len == 0) return 0;
  while (i + 2 <= in_len) {
    uint32_t c = etl_le16(in + i);
    i += 2;
    if (c == 0) {
      out[o] = 0;
      return i;
    }
    if (c >= 0xD800 && c < 0xDC00 && i + 2 <= in_len) {
      uint32_t lo = etl_le16(in + i);
      if (lo >= 0xDC00 && lo < 0xE000) {
        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        i += 2;
      } else {
        c = 0xFFFD;
      }
    } else if (c >= 0xD800 && c < 0xE000) {
      c = 0xFFFD;
    }
    char tmp[4];
    size_t n;
    if (c < 0x80) { tmp[0] = (char)c; n = 1; }
    else if (c < 0x800) { tmp[0] = (char)(0xC0 | (c >> 6)); tmp[1] = (char)(0x80 | (c & 0x3F)); n = 2; }
    else if (c < 0x10000) {
      tmp[0] = (char)(0xE0 | (c >> 12)); tmp[1] = (char)(0x80 | ((c >> 6) & 0x3F));
      tmp[2] = (char)(0x80 | (c & 0x3F)); n = 3;
    } else {
      tmp[0] = (char)(0xF0 | (c >> 18)); tmp[1] = (char)(0x80 | ((c >> 12) & 0x3F));
      tmp[2] = (char)(0x80 | ((c >> 6) & 0x3F)); tmp[3] = (char)(0x80 | (c & 0x3F)); n = 4;
    }
    if (o + n < out_len) {
      memcpy(out + o, tmp, n);
      o += n;
    }
  }
  out[o] = 0;
  return 0; /* no terminating NUL inside the input */
}

/* FILETIME -> Kusto ticks; 0 stays 0 (unset) and out-of-range values saturate. */
static int64_t etl_filetime_ticks(int64_t ft) {
  if (ft <= 0) return 0;
  if (ft > INT64_MAX - ETL_FILETIME_EPOCH_TICKS) return INT64_MAX;
  return ft + ETL_FILETIME_EPOCH_TICKS;
}

int etl_logfile_parse(const etl_event *ev, etl_trace_info *info, const char **why) {
  uint32_t ptr = ev->pointer_size == 4 ? 4u : 8u;
  uint32_t fixed = ptr == 4 ? 0x110u : 0x118u;
  const uint8_t *p = ev->payload;
  if (ev->payload_len < fixed) {
    *why = "logfile header record is too short";
    return -1;
  }
  info->buffer_size = etl_le32(p + 0);
  info->os_major = p[4];
  info->os_minor = p[5];
  info->os_sub = p[6];
  info->os_subminor = p[7];
  info->os_build = etl_le32(p + 8);
  info->cpu_count = etl_le32(p + 12);
  info->end_time_ticks = etl_filetime_ticks((int64_t)etl_le64(p + 16));
  info->timer_resolution_100ns = etl_le32(p + 24);
  info->log_file_mode = etl_le32(p + 32);
  info->buffers_written = etl_le32(p + 36);
  info->pointer_size = etl_le32(p + 44);
  info->events_lost = etl_le32(p + 48);
  info->cpu_speed_mhz = etl_le32(p + 52);
  uint32_t tail = 56 + 2 * ptr + 172;
  tail = (tail + 7u) & ~7u;
  info->boot_time_ticks = etl_filetime_ticks((int64_t)etl_le64(p + tail));
  info->perf_freq = (int64_t)etl_le64(p + tail + 8);
  info->start_time_ticks = etl_filetime_ticks((int64_t)etl_le64(p + tail + 16));
  info->clock_type = etl_le32(p + tail + 24);
  info->buffers_lost = etl_le32(p + tail + 28);
  size_t used = etl_utf16z_to_utf8(p + fixed, ev->payload_len - fixed, info->logger_name,
                                   sizeof info->logger_name);
  info->log_file_name[0] = 0;
  if (used) etl_utf16z_to_utf8(p + fixed + used, ev->payload_len - fixed - used, info->log_file_name,
                               sizeof info->log_file_name);
  return 0;
}

void etl_clock_init(etl_clock *c, const etl_trace_info *info, int64_t header_raw_ts) {
  c->start_ticks = info->start_time_ticks;
  c->ts0 = header_raw_ts;
  c->num = 1;
  c->den = 1;
  if (info->clock_type == 1 && info->perf_freq > 0) {
    c->num = 10000000;
    c->den = info->perf_freq;
  } else if (info->clock_type == 3 && info->cpu_speed_mhz > 0) {
    c->num = 10;
    c->den = info->cpu_speed_mhz;
  } else if (info->clock_type != 2 && info->perf_freq > 0) {
    /* Unknown clock type: QPC is what every known file uses. */
    c->num = 10000000;
    c->den = info->perf_freq;
  }
  if (c->num == c->den) c->num = c->den = 1;
}

static int64_t etl_sat_add(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
  return a + b;
}

int64_t etl_clock_ticks(const etl_clock *c, int64_t raw) {
  int64_t d;
  if ((raw >= 0) == (c->ts0 >= 0)) d = raw - c->ts0; /* same sign: cannot overflow */
  else if (raw >= 0) d = raw > INT64_MAX + c->ts0 ? INT64_MAX : raw - c->ts0;
  else d = raw < INT64_MIN + c->ts0 ? INT64_MIN : raw - c->ts0;
  if (c->den == 1 && c->num == 1) return etl_sat_add(c->start_ticks, d);
  int64_t q = d / c->den, r = d % c->den; /* |r| < den, den <= 2^63 / num is not assumed: */
  int64_t lim = INT64_MAX / c->num;
  if (q > lim) return INT64_MAX;
  if (q < -lim) return INT64_MIN;
  int64_t scaled;
  /* r * num may overflow only for absurd frequencies (> 9.2e11 Hz); split it then. */
  if (r > lim || r < -lim) scaled = (int64_t)((double)r * (double)c->num / (double)c->den);
  else scaled = r * c->num / c->den;
  return etl_sat_add(c->start_ticks, etl_sat_add(q * c->num, scaled));
}
