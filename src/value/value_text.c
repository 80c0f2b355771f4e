/* SPDX-License-Identifier: MIT
 * Text forms of values: the growable buffer, Kusto's canonical datetime /
 * timespan / guid / real formats, JSON output, plain-text output, type names
 * and the datetime/guid parsers. Canonical forms are what Kusto's own JSON and
 * CSV outputs show, so local output and uploaded data agree. */
#include "value/value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- kv_buf ---- */

void kv_buf_init(kv_buf *b) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void kv_buf_free(kv_buf *b) {
  free(b->data);
  kv_buf_init(b);
}

void kv_buf_reserve(kv_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  b->data = kv_realloc(b->data, cap);
  b->cap = cap;
}

void kv_buf_puts(kv_buf *b, const char *s) { kv_buf_append(b, s, strlen(s)); }

/* "00".."99": integers are written two digits per division. */
static const char kv_digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Decimal text of an integer without printf (hot path of JSON output). */
void kv_buf_put_i64(kv_buf *b, int64_t v) {
  char tmp[24];
  int i = 24;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  while (u >= 100) {
    unsigned d = (unsigned)(u % 100) * 2;
    u /= 100;
    tmp[--i] = kv_digit_pairs[d + 1];
    tmp[--i] = kv_digit_pairs[d];
  }
  if (u >= 10) {
    tmp[--i] = kv_digit_pairs[u * 2 + 1];
    tmp[--i] = kv_digit_pairs[u * 2];
  } else {
    tmp[--i] = (char)('0' + u);
  }
  if (v < 0) tmp[--i] = '-';
  kv_buf_append(b, tmp + i, (size_t)(24 - i));
}

/* Writes `v` as exactly `width` zero-padded digits at p. */
static void kv_put_digits(char *p, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

void kv_buf_printf(kv_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    kv_buf_append(b, small, (size_t)n);
    return;
  }
  kv_buf_reserve(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* Length of a valid UTF-8 sequence starting at s (1..4), or 0 if invalid. */
static size_t kv_utf8_seq_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t need;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) { need = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { need = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { need = 4; cp = c & 0x07; }
  else return 0;
  if (n < need) return 0;
  for (size_t i = 1; i < need; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return need;
}

void kv_buf_json_string(kv_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  kv_buf_reserve(b, len + 2);
  kv_buf_putc(b, '"');
  size_t run = 0; /* start of the pending run of plain bytes */
  size_t i = 0;
  /* 1 for bytes that need attention: controls, '"', '\\' and non-ASCII. */
  static const uint8_t special[256] = {
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
      0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  while (i < len) {
    unsigned char c = p[i];
    if (!special[c]) {
      i++;
      continue;
    }
    if (c >= 0x80) {
      size_t n = kv_utf8_seq_len(p + i, len - i);
      if (n) {
        i += n;
        continue;
      }
    }
    kv_buf_append(b, s + run, i - run);
    switch (c) {
      case '"': kv_buf_append(b, "\\\"", 2); break;
      case '\\': kv_buf_append(b, "\\\\", 2); break;
      case '\n': kv_buf_append(b, "\\n", 2); break;
      case '\r': kv_buf_append(b, "\\r", 2); break;
      case '\t': kv_buf_append(b, "\\t", 2); break;
      case '\b': kv_buf_append(b, "\\b", 2); break;
      case '\f': kv_buf_append(b, "\\f", 2); break;
      default:
        if (c < 0x20) {
          char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          kv_buf_append(b, u, 6);
        } else {
          kv_buf_append(b, "\xEF\xBF\xBD", 3); /* invalid UTF-8 byte -> U+FFFD */
        }
    }
    i++;
    run = i;
  }
  kv_buf_append(b, s + run, len - run);
  kv_buf_putc(b, '"');
}

/* ---- canonical formats ---- */

/* Days since 1970-01-01 -> civil date (proleptic Gregorian; H. Hinnant's algorithm). */
static void kv_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static int64_t kv_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void kv_format_datetime(kv_buf *b, int64_t ticks) {
  int64_t unix_ticks = ticks - KV_UNIX_EPOCH_TICKS;
  int64_t days = unix_ticks / KV_TICKS_PER_DAY;
  int64_t rem = unix_ticks % KV_TICKS_PER_DAY;
  if (rem < 0) {
    rem += KV_TICKS_PER_DAY;
    days--;
  }
  int64_t y;
  unsigned m, d;
  kv_civil_from_days(days, &y, &m, &d);
  int64_t secs = rem / KV_TICKS_PER_SECOND;
  int64_t frac = rem % KV_TICKS_PER_SECOND;
  if (y < 0 || y > 9999) {
    kv_buf_printf(b, "%04lld-%02u-%02uT%02d:%02d:%02d.%07lldZ", (long long)y, m, d, (int)(secs / 3600),
                  (int)(secs / 60 % 60), (int)(secs % 60), (long long)frac);
    return;
  }
  /* yyyy-mm-ddThh:mm:ss.fffffffZ, 28 characters, written digit by digit */
  char t[28];
  kv_put_digits(t, (uint64_t)y, 4);
  t[4] = '-';
  kv_put_digits(t + 5, m, 2);
  t[7] = '-';
  kv_put_digits(t + 8, d, 2);
  t[10] = 'T';
  kv_put_digits(t + 11, (uint64_t)(secs / 3600), 2);
  t[13] = ':';
  kv_put_digits(t + 14, (uint64_t)(secs / 60 % 60), 2);
  t[16] = ':';
  kv_put_digits(t + 17, (uint64_t)(secs % 60), 2);
  t[19] = '.';
  kv_put_digits(t + 20, (uint64_t)frac, 7);
  t[27] = 'Z';
  kv_buf_append(b, t, sizeof t);
}

void kv_format_timespan(kv_buf *b, int64_t ticks) {
  uint64_t t;
  if (ticks < 0) {
    kv_buf_putc(b, '-');
    t = (uint64_t)0 - (uint64_t)ticks;
  } else {
    t = (uint64_t)ticks;
  }
  uint64_t days = t / (uint64_t)KV_TICKS_PER_DAY;
  uint64_t rem = t % (uint64_t)KV_TICKS_PER_DAY;
  uint64_t secs = rem / (uint64_t)KV_TICKS_PER_SECOND;
  uint64_t frac = rem % (uint64_t)KV_TICKS_PER_SECOND;
  if (days) kv_buf_printf(b, "%llu.", (unsigned long long)days);
  kv_buf_printf(b, "%02u:%02u:%02u", (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
  if (frac) kv_buf_printf(b, ".%07llu", (unsigned long long)frac);
}

void kv_format_guid(kv_buf *b, const uint8_t g[16]) {
  static const uint8_t zero[16];
  if (memcmp(g, zero, 16) == 0) { /* ActivityId is usually empty */
    kv_buf_append(b, "00000000-0000-0000-0000-000000000000", 36);
    return;
  }
  /* Data1..3 are little-endian in storage, printed big-endian. */
  static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  static const char hex[] = "0123456789abcdef";
  char t[36];
  int k = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) t[k++] = '-';
    uint8_t x = g[order[i]];
    t[k++] = hex[x >> 4];
    t[k++] = hex[x & 15];
  }
  kv_buf_append(b, t, sizeof t);
}

/* kv_format_real: kv_real_text.c */

/* A real as Kusto's outputs show it: integral values keep a fraction (2.0,
 * -0.0), so a real written to JSON never reads back as a long. */
static void kv_format_real_output(kv_buf *b, double r) {
  size_t start = b->len;
  kv_format_real(b, r);
  if (!memchr(b->data + start, '.', b->len - start) && !memchr(b->data + start, 'e', b->len - start) &&
      !isnan(r) && !isinf(r))
    kv_buf_append(b, ".0", 2);
}

/* ---- JSON and text ---- */

static void kv_scalar_json(kv_buf *b, kv_type t, kv_value v) {
  switch (t) {
    case KV_BOOL: kv_buf_puts(b, v.u.b ? "true" : "false"); break;
    case KV_INT:
    case KV_LONG: kv_buf_put_i64(b, v.u.i); break;
    case KV_REAL:
    case KV_DECIMAL:
      if (isnan(v.u.r) || isinf(v.u.r)) {
        kv_buf_putc(b, '"');
        kv_format_real(b, v.u.r);
        kv_buf_putc(b, '"');
      } else {
        kv_format_real_output(b, v.u.r);
      }
      break;
    case KV_STRING: kv_buf_json_string(b, v.u.s, v.len); break;
    case KV_DATETIME:
      kv_buf_putc(b, '"');
      kv_format_datetime(b, v.u.i);
      kv_buf_putc(b, '"');
      break;
    case KV_TIMESPAN:
      kv_buf_putc(b, '"');
      kv_format_timespan(b, v.u.i);
      kv_buf_putc(b, '"');
      break;
    case KV_GUID:
      kv_buf_putc(b, '"');
      kv_format_guid(b, v.u.g);
      kv_buf_putc(b, '"');
      break;
    default: kv_buf_puts(b, "null"); break;
  }
}

void kv_to_json(kv_buf *b, kv_value v) {
  if (kv_is_null(v)) {
    kv_buf_puts(b, "null");
    return;
  }
  if (v.type != KV_DYNAMIC) {
    kv_scalar_json(b, (kv_type)v.type, v);
    return;
  }
  if (v.dyn == KV_DYN_RAWJSON) {
    kv_buf_append(b, v.u.s, v.len);
    return;
  }
  if (v.dyn == KV_DYN_ARRAY) {
    kv_buf_putc(b, '[');
    for (size_t i = 0; i < kv_array_count(v); i++) {
      if (i) kv_buf_putc(b, ',');
      kv_to_json(b, kv_array_get(v, i));
    }
    kv_buf_putc(b, ']');
    return;
  }
  if (v.dyn == KV_DYN_BAG) {
    kv_buf_putc(b, '{');
    for (size_t i = 0; i < kv_bag_count(v); i++) {
      const char *k;
      size_t kl;
      kv_value e = kv_bag_entry(v, i, &k, &kl);
      if (i) kv_buf_putc(b, ',');
      kv_buf_json_string(b, k, kl);
      kv_buf_putc(b, ':');
      kv_to_json(b, e);
    }
    kv_buf_putc(b, '}');
    return;
  }
  if (v.dyn == KV_DECIMAL) { /* Kusto writes a decimal inside dynamic as text: make_list(d) == ["1.5","2.5"] (fuzz: aggregation-0032.3) */
    kv_buf_putc(b, '"');
    kv_format_real(b, v.u.r);
    kv_buf_putc(b, '"');
    return;
  }
  kv_scalar_json(b, (kv_type)v.dyn, v);
}

void kv_to_text(kv_buf *b, kv_value v) {
  if (kv_is_null(v)) return;
  kv_type t = kv_scalar_type(v);
  switch (t) {
    case KV_STRING: kv_buf_append(b, v.u.s, v.len); break;
    case KV_DATETIME: kv_format_datetime(b, v.u.i); break;
    case KV_TIMESPAN: kv_format_timespan(b, v.u.i); break;
    case KV_GUID: kv_format_guid(b, v.u.g); break;
    case KV_REAL:
    case KV_DECIMAL: kv_format_real_output(b, v.u.r); break;
    case KV_DYNAMIC: kv_to_json(b, v); break;
    default: kv_scalar_json(b, t, v); break;
  }
}

/* ---- names ---- */

static const char *const kv_type_names[KV_TYPE_COUNT] = {
    /* ORDER KV_TYPE */
    "bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "guid", "dynamic"};

const char *kv_type_name(kv_type t) { return (unsigned)t < KV_TYPE_COUNT ? kv_type_names[t] : "unknown"; }

bool kv_type_from_name(const char *name, size_t len, kv_type *out) {
  static const struct {
    const char *name;
    kv_type t;
  } aliases[] = {{"boolean", KV_BOOL}, {"int32", KV_INT}, {"int64", KV_LONG}, {"double", KV_REAL},
                 {"date", KV_DATETIME}, {"time", KV_TIMESPAN}, {"uniqueid", KV_GUID}, {"object", KV_DYNAMIC}};
  for (int i = 0; i < KV_TYPE_COUNT; i++) {
    if (strlen(kv_type_names[i]) == len && memcmp(kv_type_names[i], name, len) == 0) {
      *out = (kv_type)i;
      return true;
    }
  }
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
    if (strlen(aliases[i].name) == len && memcmp(aliases[i].name, name, len) == 0) {
      *out = aliases[i].t;
      return true;
    }
  }
  return false;
}

/* ---- parsers ---- */

/* Reads exactly `n` digits at *p; false if not all digits. */
static bool kv_digits(const char **p, const char *end, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (*p >= end || (**p < '0' || **p > '9')) return false;
    v = v * 10 + (**p - '0');
    (*p)++;
  }
  *out = v;
  return true;
}

/* One or two digits (a month or day of the invariant-culture M/d/yyyy form). */
static bool kv_digits12(const char **p, const char *end, int *out) {
  if (!kv_digits(p, end, 1, out)) return false;
  int more;
  if (*p < end && **p >= '0' && **p <= '9' && kv_digits(p, end, 1, &more)) *out = *out * 10 + more;
  return true;
}

bool kv_parse_datetime(const char *s, size_t len, int64_t *ticks) {
  const char *p = s, *end = s + len;
  while (p < end && (*p == ' ' || *p == '\t')) p++;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t')) end--;
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (end - p >= 8 && (p[1] == '/' || p[2] == '/' || p[1] == '-' || p[2] == '-')) {
    /* Kusto also reads the invariant culture's month-first dates: "02/17/2016
     * 08:40:01" (emulator:parse-operator-01), "12-02-2022" is December 2
     * (emulator:todatetime-function-01, array-iff-function-02). */
    char sep = p[1] == '/' || p[1] == '-' ? p[1] : p[2];
    if (!kv_digits12(&p, end, &mo) || p >= end || *p != sep) return false;
    p++;
    if (!kv_digits12(&p, end, &d) || p >= end || *p != sep) return false;
    p++;
    if (!kv_digits(&p, end, 4, &y)) return false;
  } else {
    if (!kv_digits(&p, end, 4, &y) || p >= end || *p != '-') return false;
    p++;
    if (!kv_digits(&p, end, 2, &mo) || p >= end || *p != '-') return false;
    p++;
    if (!kv_digits(&p, end, 2, &d)) return false;
  }
  int64_t frac = 0;
  if (p < end && (*p == 'T' || *p == ' ')) {
    p++;
    if (!kv_digits(&p, end, 2, &h) || p >= end || *p != ':') return false;
    p++;
    if (!kv_digits(&p, end, 2, &mi)) return false;
    if (p < end && *p == ':') {
      p++;
      if (!kv_digits(&p, end, 2, &sec)) return false;
      if (p < end && *p == '.') {
        p++;
        int ndig = 0;
        while (p < end && *p >= '0' && *p <= '9') {
          if (ndig < 7) {
            frac = frac * 10 + (*p - '0');
            ndig++;
          }
          p++;
        }
        if (ndig == 0) return false;
        while (ndig++ < 7) frac *= 10;
      }
    }
  }
  int64_t offset_ticks = 0;
  if (p < end && (*p == 'Z' || *p == 'z')) {
    p++;
  } else if (p < end && (*p == '+' || *p == '-')) {
    int sign = *p == '-' ? -1 : 1, oh, om = 0;
    p++;
    if (!kv_digits(&p, end, 2, &oh)) return false;
    if (p < end && *p == ':') p++;
    if (p < end && !kv_digits(&p, end, 2, &om)) return false;
    offset_ticks = sign * ((int64_t)oh * 3600 + om * 60) * KV_TICKS_PER_SECOND;
  }
  if (p != end) return false;
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  int64_t days = kv_days_from_civil(y, (unsigned)mo, (unsigned)d);
  *ticks = KV_UNIX_EPOCH_TICKS + days * KV_TICKS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + sec) * KV_TICKS_PER_SECOND +
           frac - offset_ticks;
  return true;
}

static int kv_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool kv_parse_guid(const char *s, size_t len, uint8_t g[16]) {
  if (len == 38 && s[0] == '{' && s[37] == '}') {
    s++;
    len -= 2;
  }
  if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
  uint8_t raw[16];
  int k = 0;
  for (size_t i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    int hi = kv_hexval(s[i]), lo = kv_hexval(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    raw[k++] = (uint8_t)(hi << 4 | lo);
    i++;
  }
  /* Text is big-endian per group; storage is Windows order (Data1..3 LE). */
  g[0] = raw[3]; g[1] = raw[2]; g[2] = raw[1]; g[3] = raw[0];
  g[4] = raw[5]; g[5] = raw[4];
  g[6] = raw[7]; g[7] = raw[6];
  memcpy(g + 8, raw + 8, 8);
  return true;
}
