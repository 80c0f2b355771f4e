/* SPDX-License-Identifier: MIT
 * The single payload byte walker: dec_schema + payload bytes -> EventData
 * bag, with the value mapping of docs/decoding.md section 3 (ints keep their
 * width, "0x.." for pointers/hex, IP text, datetimes, SIDs, hex binaries).
 * Every read goes through walk_need(); a field that does not fit ends the bag
 * with a "<decode error: why>" marker. Never allocates from an unchecked
 * length: every count/length is checked against the remaining payload. */
#include "decode/dec_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEC_WALK_MAX_DEPTH 32
#define DEC_WALK_MAX_VALUES 1000000u /* per event: bounds zero-size struct arrays */

typedef struct dec_walk_state {
  const dec_schema *s;
  const uint8_t *p;
  size_t len;
  size_t pos;
  unsigned ptr_size;
  uint64_t *ivals;      /* last integer value per field index */
  uint32_t values;      /* emitted so far */
  int depth;
  char err[160];        /* set on failure */
  kv_buf tmp;           /* scratch for text */
  kv_buf *json;         /* JSON fast path: write here instead of building values */
  bool wrote;           /* JSON: the scalar just decoded was written directly */
} dec_walk_state;

static const char dec_hex_digits[] = "0123456789abcdef";

static bool walk_fail(dec_walk_state *w, const char *why, const dec_field *f) {
  if (!w->err[0])
    snprintf(w->err, sizeof w->err, "%s (field '%s', %s, at payload offset %zu of %zu)", why,
             f ? f->name : "?", f ? dec_intype_name(f->in_type) : "?", w->pos, w->len);
  return false;
}

static bool walk_need(dec_walk_state *w, size_t n) { return n <= w->len - w->pos; }

/* ---------------------------------------------------------------- text */

void dec_utf16_to_utf8(kv_buf *b, const uint8_t *p, size_t nbytes, bool stop_at_nul) {
  size_t n = nbytes / 2;
  kv_buf_reserve(b, n + 4);
  for (size_t i = 0; i < n; i++) {
    uint32_t c = dec_le16(p + 2 * i);
    if (c == 0 && stop_at_nul) break;
    if (c < 0x80) {
      if (b->len + 1 > b->cap) kv_buf_reserve(b, 1 + (n - i));
      b->data[b->len++] = (char)c;
      continue;
    }
    c = dec_utf16_next(p, n, &i);
    char u[4];
    kv_buf_append(b, u, kv_utf8_put(u, c));
  }
}

/* Length of a valid UTF-8 sequence at p (max n bytes), 0 if invalid. */
static size_t dec_utf8_seq(const uint8_t *p, size_t n) {
  uint8_t c = p[0];
  size_t k;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) k = 2;
  else if (c >= 0xE0 && c <= 0xEF) k = 3;
  else if (c >= 0xF0 && c <= 0xF4) k = 4;
  else return 0;
  if (k > n) return 0;
  for (size_t i = 1; i < k; i++)
    if ((p[i] & 0xC0) != 0x80) return 0;
  if (k == 3 && c == 0xE0 && p[1] < 0xA0) return 0;
  if (k == 3 && c == 0xED && p[1] >= 0xA0) return 0;
  if (k == 4 && c == 0xF0 && p[1] < 0x90) return 0;
  if (k == 4 && c == 0xF4 && p[1] >= 0x90) return 0;
  return k;
}

/* Windows-1252 0x80-0x9F -> Unicode. */
static const uint16_t dec_cp1252[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

void dec_ansi_to_utf8(kv_buf *b, const uint8_t *p, size_t n) {
  kv_buf_reserve(b, n + 4);
  size_t i = 0;
  while (i < n) {
    size_t k = dec_utf8_seq(p + i, n - i);
    if (k) {
      kv_buf_append(b, (const char *)p + i, k);
      i += k;
      continue;
    }
    uint32_t c = p[i++];
    if (c >= 0x80 && c < 0xA0) c = dec_cp1252[c - 0x80];
    char u[3];
    if (c < 0x800) {
      u[0] = (char)(0xC0 | (c >> 6)); u[1] = (char)(0x80 | (c & 0x3F));
      kv_buf_append(b, u, 2);
    } else {
      u[0] = (char)(0xE0 | (c >> 12)); u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
      u[2] = (char)(0x80 | (c & 0x3F));
      kv_buf_append(b, u, 3);
    }
  }
}

/* Takes the scratch text as a new string value and resets the scratch. */
static kv_value walk_take_text(dec_walk_state *w) {
  /* JSON mode: the value is written before the scratch is used again */
  kv_value v = w->json ? kv_string_borrowed(w->tmp.data ? w->tmp.data : "", w->tmp.len)
                       : kv_string(w->tmp.data ? w->tmp.data : "", w->tmp.len);
  w->tmp.len = 0;
  return v;
}

static kv_value walk_cstr(dec_walk_state *w, const char *s) {
  return w->json ? kv_string_borrowed(s, strlen(s)) : kv_cstring(s);
}

static kv_value walk_hex(dec_walk_state *w, uint64_t v) {
  char buf[21];
  int i = 20;
  if (w->json) buf[--i] = '"';
  do {
    buf[--i] = dec_hex_digits[v & 15];
    v >>= 4;
  } while (v);
  buf[--i] = 'x';
  buf[--i] = '0';
  if (w->json) { /* pointers are frequent: straight into the JSON text */
    buf[--i] = '"';
    kv_buf *b = w->json;
    size_t n = (size_t)(20 - i);
    if (b->cap - b->len < n + 1) kv_buf_reserve(b, n + 1);
    memcpy(b->data + b->len, buf + i, n);
    b->len += n;
    w->wrote = true;
    return kv_dyn_null();
  }
  kv_buf_append(&w->tmp, buf + i, (size_t)(20 - i));
  return walk_take_text(w);
}

static void dec_put_hex_bytes(kv_buf *b, const uint8_t *p, size_t n) {
  kv_buf_reserve(b, 2 * n + 1);
  for (size_t i = 0; i < n; i++) {
    b->data[b->len++] = dec_hex_digits[p[i] >> 4];
    b->data[b->len++] = dec_hex_digits[p[i] & 15];
  }
}

static void dec_put_ipv4(kv_buf *b, const uint8_t *a) {
  kv_buf_printf(b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* RFC 5952 text of a 16-byte address. */
static void dec_put_ipv6(kv_buf *b, const uint8_t *a) {
  uint16_t g[8];
  for (int i = 0; i < 8; i++) g[i] = (uint16_t)((a[2 * i] << 8) | a[2 * i + 1]);
  /* IPv4-mapped ::ffff:a.b.c.d */
  if (!g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xFFFF) {
    kv_buf_puts(b, "::ffff:");
    dec_put_ipv4(b, a + 12);
    return;
  }
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i]) { i++; continue; }
    int j = i;
    while (j < 8 && !g[j]) j++;
    if (j - i > best_len) { best = i; best_len = j - i; }
    i = j;
  }
  if (best_len < 2) best = -1;
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      kv_buf_puts(b, "::");
      i += best_len - 1;
      continue;
    }
    if (i && i != best + best_len) kv_buf_putc(b, ':');
    kv_buf_printf(b, "%x", g[i]);
  }
}

/* sockaddr -> "a.b.c.d:port" / "[v6]:port"; false when the family is unknown. */
static bool dec_put_sockaddr(kv_buf *b, const uint8_t *p, size_t n) {
  if (n < 2) return false;
  uint16_t fam = dec_le16(p);
  if (fam == 2 && n >= 8) {
    dec_put_ipv4(b, p + 4);
    kv_buf_printf(b, ":%u", (unsigned)((p[2] << 8) | p[3]));
    return true;
  }
  if (fam == 23 && n >= 24) {
    kv_buf_putc(b, '[');
    dec_put_ipv6(b, p + 8);
    /* scope id read in network byte order, as PerfView's TdhFormatter tests
     * expect ("[fe80::1234:5678%12]:60000") */
    uint32_t scope = n >= 28 ? ((uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 | (uint32_t)p[26] << 8 | p[27]) : 0;
    if (scope) kv_buf_printf(b, "%%%u", (unsigned)scope);
    kv_buf_printf(b, "]:%u", (unsigned)((p[2] << 8) | p[3]));
    return true;
  }
  return false;
}

/* SID at p (n bytes available); returns its size or 0 when malformed. */
static size_t dec_put_sid(kv_buf *b, const uint8_t *p, size_t n) {
  if (n < 8) return 0;
  unsigned sub = p[1];
  size_t size = 8 + 4 * (size_t)sub;
  if (size > n || sub > 15) return 0;
  uint64_t auth = 0;
  for (int i = 2; i < 8; i++) auth = (auth << 8) | p[i];
  kv_buf_printf(b, "S-%u-", p[0]);
  if (auth >= (UINT64_C(1) << 32)) kv_buf_printf(b, "0x%012llx", (unsigned long long)auth);
  else kv_buf_printf(b, "%llu", (unsigned long long)auth);
  for (unsigned i = 0; i < sub; i++) kv_buf_printf(b, "-%u", dec_le32(p + 8 + 4 * i));
  return size;
}

/* Days since 0001-01-01 for a proleptic Gregorian date (month 1-12). */
static int64_t dec_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days_1970 = era * 146097 + (int64_t)doe - 719468;
  return days_1970 + 719162; /* 0001-01-01 .. 1970-01-01 */
}

/* ---------------------------------------------------------------- values */

/* Integer (already read, sign-extended where signed) -> value per out-type. */
static kv_value walk_int_value(dec_walk_state *w, const dec_field *f, uint64_t u, bool is_signed,
                               unsigned size) {
  uint16_t out = f->out_type;
  if (f->map) {
    const dec_map *m = f->map;
    if (m->kind == DEC_MAP_VALUE) {
      size_t lo = 0, hi = m->count;
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->entries[mid].value < u) lo = mid + 1;
        else hi = mid;
      }
      if (lo < m->count && m->entries[lo].value == u) return walk_cstr(w, m->entries[lo].name);
    } else {
      uint64_t left = u;
      size_t start = w->tmp.len;
      for (uint32_t i = 0; i < m->count; i++) {
        uint64_t mask = m->entries[i].value;
        if (mask && (u & mask) == mask) {
          if (w->tmp.len > start) kv_buf_putc(&w->tmp, '|');
          kv_buf_puts(&w->tmp, m->entries[i].name);
          left &= ~mask;
        } else if (!mask && !u) {
          kv_buf_puts(&w->tmp, m->entries[i].name);
        }
      }
      if (w->tmp.len > start) {
        if (left) kv_buf_printf(&w->tmp, "|0x%llx", (unsigned long long)left);
        return walk_take_text(w);
      }
    }
  }
  if ((f->flags & DEC_FF_ADDR_AS_IP) && size == 4) {
    uint8_t a[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
    dec_put_ipv4(&w->tmp, a);
    return walk_take_text(w);
  }
  switch (out) {
  case DEC_OUT_HEXINT8: case DEC_OUT_HEXINT16: case DEC_OUT_HEXINT32: case DEC_OUT_HEXINT64:
  case DEC_OUT_CODE_POINTER:
    return walk_hex(w, u);
  case DEC_OUT_BOOLEAN:
    return kv_bool(u != 0);
  case DEC_OUT_IPV4:
    if (size == 4) {
      uint8_t a[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
      dec_put_ipv4(&w->tmp, a);
      return walk_take_text(w);
    }
    break;
  case DEC_OUT_PORT:
    if (size == 2 && !(f->flags & DEC_FF_PORT_RAW)) return kv_int((int32_t)(((u & 0xFF) << 8) | ((u >> 8) & 0xFF)));
    break;
  case DEC_OUT_STRING:
    if (size == 1 || size == 2) {
      uint8_t c[2] = {(uint8_t)u, (uint8_t)(u >> 8)};
      if (size == 1) dec_ansi_to_utf8(&w->tmp, c, 1);
      else dec_utf16_to_utf8(&w->tmp, c, 2, false);
      return walk_take_text(w);
    }
    break;
  case DEC_OUT_DATETIME: case DEC_OUT_DATETIME_UTC: case DEC_OUT_CULTURE_INSENSITIVE_DATETIME:
    if (size == 8) {
      if (u == 0) return kv_dyn_null();
      if (u < UINT64_C(2650467743999999999)) return kv_datetime(kv_ticks_from_filetime((int64_t)u));
    }
    break;
  default:
    break;
  }
  if (is_signed) {
    int64_t s = (int64_t)u;
    if (size <= 4) return kv_int((int32_t)s);
    return kv_long(s);
  }
  if (size <= 2) return kv_int((int32_t)u);
  if (u <= (uint64_t)INT64_MAX) return kv_long((int64_t)u);
  /* Above INT64_MAX: exact decimal text (docs/decoding.md). */
  kv_buf_printf(&w->tmp, "%llu", (unsigned long long)u);
  return walk_take_text(w);
}

/* Bytes [p, p+n) of a binary field -> value per out-type. */
static kv_value walk_binary_value(dec_walk_state *w, const dec_field *f, const uint8_t *p, size_t n) {
  if ((f->out_type == DEC_OUT_IPV6 || (f->flags & DEC_FF_ADDR_AS_IP)) && n == 16) {
    dec_put_ipv6(&w->tmp, p);
    return walk_take_text(w);
  }
  if ((f->flags & DEC_FF_ADDR_AS_IP) && n == 4) {
    dec_put_ipv4(&w->tmp, p);
    return walk_take_text(w);
  }
  if (f->out_type == DEC_OUT_SOCKETADDRESS && dec_put_sockaddr(&w->tmp, p, n)) return walk_take_text(w);
  if (f->out_type == DEC_OUT_STRING || f->out_type == DEC_OUT_UTF8) {
    dec_ansi_to_utf8(&w->tmp, p, n);
    return walk_take_text(w);
  }
  dec_put_hex_bytes(&w->tmp, p, n);
  return walk_take_text(w);
}

/* JSON string escapes, identical to kv_buf_json_string for the ASCII range. */
static size_t json_escape_ascii(char *o, unsigned c) {
  static const char hex[] = "0123456789abcdef";
  switch (c) {
  case '"': o[0] = '\\'; o[1] = '"'; return 2;
  case '\\': o[0] = '\\'; o[1] = '\\'; return 2;
  case '\n': o[0] = '\\'; o[1] = 'n'; return 2;
  case '\r': o[0] = '\\'; o[1] = 'r'; return 2;
  case '\t': o[0] = '\\'; o[1] = 't'; return 2;
  case '\b': o[0] = '\\'; o[1] = 'b'; return 2;
  case '\f': o[0] = '\\'; o[1] = 'f'; return 2;
  default:
    o[0] = '\\'; o[1] = 'u'; o[2] = '0'; o[3] = '0'; o[4] = hex[c >> 4]; o[5] = hex[c & 15];
    return 6;
  }
}

/* UTF-16LE text -> value. JSON mode: written straight into the JSON as a
 * string literal (same bytes as converting, then kv_buf_json_string). */
static kv_value walk_wide_text(dec_walk_state *w, const uint8_t *p, size_t nbytes, bool stop_at_nul) {
  if (!w->json) {
    dec_utf16_to_utf8(&w->tmp, p, nbytes, stop_at_nul);
    return walk_take_text(w);
  }
  kv_buf *b = w->json;
  size_t n = nbytes / 2;
  if (b->cap - b->len < 6 * n + 3) kv_buf_reserve(b, 6 * n + 3);
  char *o = b->data + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    uint32_t c = dec_le16(p + 2 * i);
    if (c < 0x80) {
      if (c == 0 && stop_at_nul) break;
      if (c >= 0x20 && c != '"' && c != '\\') *o++ = (char)c;
      else o += json_escape_ascii(o, c);
      continue;
    }
    o += kv_utf8_put(o, dec_utf16_next(p, n, &i));
  }
  *o++ = '"';
  b->len = (size_t)(o - b->data);
  w->wrote = true;
  return kv_dyn_null();
}

/* Resolves the byte length of one string/binary element, or SIZE_MAX for
 * "natural" (NUL-terminated). Fails on bad references. */
static bool walk_length(dec_walk_state *w, const dec_field *f, size_t *out) {
  switch (f->len_kind) {
  case DEC_LEN_FIXED: *out = f->length; return true;
  case DEC_LEN_FIELD:
    if (f->length >= w->s->field_count) return walk_fail(w, "length reference out of range", f);
    if (w->ivals[f->length] > w->len) return walk_fail(w, "length larger than the payload", f);
    *out = (size_t)w->ivals[f->length];
    return true;
  case DEC_LEN_PREFIX_U16:
    if (!walk_need(w, 2)) return walk_fail(w, "truncated length prefix", f);
    *out = dec_le16(w->p + w->pos);
    w->pos += 2;
    return true;
  case DEC_LEN_PREFIX_U32:
    if (!walk_need(w, 4)) return walk_fail(w, "truncated length prefix", f);
    *out = dec_le32(w->p + w->pos);
    w->pos += 4;
    return true;
  default:
    *out = SIZE_MAX;
    return true;
  }
}

/* Reads one element of non-struct field f (index idx). */
static bool walk_scalar(dec_walk_state *w, const dec_field *f, uint16_t idx, kv_value *out) {
  const uint8_t *p = w->p + w->pos;
  size_t rem = w->len - w->pos;
  unsigned size = 0;
  bool is_signed = false;
  uint64_t u = 0;
  switch (f->in_type) {
  case DEC_IN_INT8: size = 1; is_signed = true; break;
  case DEC_IN_UINT8: size = 1; break;
  case DEC_IN_INT16: size = 2; is_signed = true; break;
  case DEC_IN_UINT16: size = 2; break;
  case DEC_IN_INT32: size = 4; is_signed = true; break;
  case DEC_IN_UINT32: size = 4; break;
  case DEC_IN_INT64: size = 8; is_signed = true; break;
  case DEC_IN_UINT64: size = 8; break;
  case DEC_IN_HEXINT32: case DEC_IN_HEXINT64: {
    unsigned n = f->in_type == DEC_IN_HEXINT32 ? 4 : 8;
    if (rem < n) return walk_fail(w, "truncated", f);
    u = n == 4 ? dec_le32(p) : dec_le64(p);
    w->pos += n;
    w->ivals[idx] = u;
    if (f->map) { *out = walk_int_value(w, f, u, false, n); return true; }
    if (f->out_type == DEC_OUT_IPV4 && n == 4) { *out = walk_int_value(w, f, u, false, n); return true; }
    *out = walk_hex(w, u);
    return true;
  }
  case DEC_IN_POINTER: case DEC_IN_SIZET: {
    unsigned n = w->ptr_size == 4 ? 4 : 8;
    if (rem < n) return walk_fail(w, "truncated", f);
    u = n == 4 ? dec_le32(p) : dec_le64(p);
    w->pos += n;
    w->ivals[idx] = u;
    if (f->out_type == DEC_OUT_UNSIGNEDLONG || f->out_type == DEC_OUT_LONG ||
        f->out_type == DEC_OUT_UNSIGNEDINT || f->out_type == DEC_OUT_INT) {
      *out = walk_int_value(w, f, u, false, 8);
      return true;
    }
    *out = walk_hex(w, u);
    return true;
  }
  case DEC_IN_BOOLEAN:
    if (rem < 4) return walk_fail(w, "truncated", f);
    u = dec_le32(p);
    w->pos += 4;
    w->ivals[idx] = u;
    *out = kv_bool(u != 0);
    return true;
  case DEC_IN_FLOAT: case DEC_IN_DOUBLE: {
    double d;
    if (f->in_type == DEC_IN_FLOAT) {
      if (rem < 4) return walk_fail(w, "truncated", f);
      uint32_t b = dec_le32(p);
      float fl;
      memcpy(&fl, &b, 4);
      d = fl;
      w->pos += 4;
    } else {
      if (rem < 8) return walk_fail(w, "truncated", f);
      uint64_t b = dec_le64(p);
      memcpy(&d, &b, 8);
      w->pos += 8;
    }
    *out = isfinite(d) ? kv_real(d) : kv_dyn_null();
    return true;
  }
  case DEC_IN_GUID:
    if (rem < 16) return walk_fail(w, "truncated", f);
    *out = kv_guid(p);
    w->pos += 16;
    return true;
  case DEC_IN_FILETIME: {
    if (rem < 8) return walk_fail(w, "truncated", f);
    u = dec_le64(p);
    w->pos += 8;
    if (u == 0) *out = kv_dyn_null();
    else if (u < UINT64_C(2650467743999999999)) *out = kv_datetime(kv_ticks_from_filetime((int64_t)u));
    else *out = u <= (uint64_t)INT64_MAX ? kv_long((int64_t)u) : walk_hex(w, u);
    return true;
  }
  case DEC_IN_SYSTEMTIME: {
    if (rem < 16) return walk_fail(w, "truncated", f);
    unsigned y = dec_le16(p), mo = dec_le16(p + 2), d = dec_le16(p + 6), h = dec_le16(p + 8),
             mi = dec_le16(p + 10), s = dec_le16(p + 12), ms = dec_le16(p + 14);
    w->pos += 16;
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 ||
        ms > 999) {
      *out = kv_dyn_null();
      return true;
    }
    int64_t t = dec_days_from_civil(y, mo, d) * KV_TICKS_PER_DAY +
                ((int64_t)h * 3600 + mi * 60 + s) * KV_TICKS_PER_SECOND + (int64_t)ms * 10000;
    *out = kv_datetime(t);
    return true;
  }
  case DEC_IN_SID: {
    size_t n = dec_put_sid(&w->tmp, p, rem);
    if (!n) { w->tmp.len = 0; return walk_fail(w, "malformed SID", f); }
    w->pos += n;
    *out = walk_take_text(w);
    return true;
  }
  case DEC_IN_WBEMSID: {
    if (rem < 4) return walk_fail(w, "truncated", f);
    if (dec_le32(p) == 0) { w->pos += 4; *out = kv_dyn_null(); return true; }
    size_t skip = 2 * (size_t)(w->ptr_size == 4 ? 4 : 8);
    if (rem < skip) return walk_fail(w, "truncated", f);
    size_t n = dec_put_sid(&w->tmp, p + skip, rem - skip);
    if (!n) { w->tmp.len = 0; return walk_fail(w, "malformed SID", f); }
    w->pos += skip + n;
    *out = walk_take_text(w);
    return true;
  }
  case DEC_IN_UNICODESTRING: case DEC_IN_ANSISTRING: {
    bool wide = f->in_type == DEC_IN_UNICODESTRING;
    size_t n;
    if (!walk_length(w, f, &n)) return false;
    p = w->p + w->pos;
    rem = w->len - w->pos;
    if (n == SIZE_MAX) {
      size_t i = 0, adv;
      /* an unterminated LAST string is accepted (etw-decoding.md 0), but not
       * an absent one: that would let arrays of empty strings grow without
       * consuming bytes */
      if (rem == 0) return walk_fail(w, "truncated", f);
      if (wide) {
        while (i + 1 < rem && (p[i] | p[i + 1])) i += 2;
        adv = i + 1 < rem ? i + 2 : rem; /* NUL consumed; unterminated: to the end */
      } else {
        while (i < rem && p[i]) i++;
        adv = i < rem ? i + 1 : rem;
      }
      w->pos += adv;
      if (wide) {
        *out = walk_wide_text(w, p, i, false);
        return true;
      }
      dec_ansi_to_utf8(&w->tmp, p, i);
    } else {
      /* manifest length: characters (x2 for UTF-16) or bytes for PREFIX kinds */
      size_t nb = (wide && (f->len_kind == DEC_LEN_FIXED || f->len_kind == DEC_LEN_FIELD)) ? n * 2 : n;
      if (nb > rem) return walk_fail(w, "string longer than the payload", f);
      if (wide) {
        w->pos += nb;
        *out = walk_wide_text(w, p, nb, true);
        return true;
      } else {
        size_t k = 0;
        while (k < nb && p[k]) k++;
        dec_ansi_to_utf8(&w->tmp, p, k);
      }
      w->pos += nb;
    }
    *out = walk_take_text(w);
    return true;
  }
  case DEC_IN_COUNTEDSTRING: case DEC_IN_COUNTEDANSISTRING: case DEC_IN_COUNTEDSTRING_300:
  case DEC_IN_COUNTEDANSISTRING_301: case DEC_IN_REVERSEDCOUNTEDSTRING:
  case DEC_IN_REVERSEDCOUNTEDANSISTRING: case DEC_IN_COUNTEDBINARY: {
    if (rem < 2) return walk_fail(w, "truncated count prefix", f);
    bool rev = f->in_type == DEC_IN_REVERSEDCOUNTEDSTRING || f->in_type == DEC_IN_REVERSEDCOUNTEDANSISTRING;
    size_t n = rev ? (size_t)((p[0] << 8) | p[1]) : dec_le16(p);
    if (n > rem - 2) return walk_fail(w, "counted value longer than the payload", f);
    w->pos += 2 + n;
    if (f->in_type == DEC_IN_COUNTEDBINARY) { *out = walk_binary_value(w, f, p + 2, n); return true; }
    bool wide = f->in_type == DEC_IN_COUNTEDSTRING || f->in_type == DEC_IN_COUNTEDSTRING_300 ||
                f->in_type == DEC_IN_REVERSEDCOUNTEDSTRING;
    if (wide) {
      *out = walk_wide_text(w, p + 2, n, false);
      return true;
    }
    dec_ansi_to_utf8(&w->tmp, p + 2, n);
    *out = walk_take_text(w);
    return true;
  }
  case DEC_IN_NONNULLTERMINATEDSTRING:
    dec_utf16_to_utf8(&w->tmp, p, rem, false);
    w->pos = w->len;
    *out = walk_take_text(w);
    return true;
  case DEC_IN_NONNULLTERMINATEDANSISTRING:
    dec_ansi_to_utf8(&w->tmp, p, rem);
    w->pos = w->len;
    *out = walk_take_text(w);
    return true;
  case DEC_IN_UNICODECHAR:
    if (rem < 2) return walk_fail(w, "truncated", f);
    dec_utf16_to_utf8(&w->tmp, p, 2, false);
    w->pos += 2;
    *out = walk_take_text(w);
    return true;
  case DEC_IN_ANSICHAR:
    if (rem < 1) return walk_fail(w, "truncated", f);
    dec_ansi_to_utf8(&w->tmp, p, 1);
    w->pos += 1;
    *out = walk_take_text(w);
    return true;
  case DEC_IN_BINARY: case DEC_IN_HEXDUMP: {
    size_t n;
    if (f->in_type == DEC_IN_HEXDUMP) {
      if (rem < 4) return walk_fail(w, "truncated length prefix", f);
      n = dec_le32(p);
      w->pos += 4;
    } else {
      if (!walk_length(w, f, &n)) return false;
      if (n == SIZE_MAX) {
        if (f->out_type == DEC_OUT_IPV6) n = 16;
        else if (f->flags & DEC_FF_ADDR_AS_IP) n = 16;
        else n = w->len - w->pos; /* no length: the rest of the payload */
      }
    }
    if (n > w->len - w->pos) return walk_fail(w, "binary longer than the payload", f);
    *out = walk_binary_value(w, f, w->p + w->pos, n);
    w->pos += n;
    return true;
  }
  default:
    return walk_fail(w, "unsupported in-type", f);
  }
  /* plain integers */
  if (rem < size) return walk_fail(w, "truncated", f);
  switch (size) {
  case 1: u = is_signed ? (uint64_t)(int64_t)(int8_t)p[0] : p[0]; break;
  case 2: u = is_signed ? (uint64_t)(int64_t)(int16_t)dec_le16(p) : dec_le16(p); break;
  case 4: u = is_signed ? (uint64_t)(int64_t)(int32_t)dec_le32(p) : dec_le32(p); break;
  default: u = dec_le64(p); break;
  }
  w->pos += size;
  w->ivals[idx] = u;
  *out = walk_int_value(w, f, u, is_signed, size);
  return true;
}

static bool walk_list(dec_walk_state *w, uint16_t first, uint16_t count, kv_value bag);

/* One element of field idx. Bag mode: *out is the value (a struct gives a
 * bag, partial on failure). JSON mode: scalars come back in *out (text
 * borrowed from the scratch buffer) and *direct is false; a struct is
 * written to w->json right away and *direct is true. */
static bool walk_element(dec_walk_state *w, uint16_t idx, kv_value *out, bool *direct) {
  const dec_field *f = &w->s->fields[idx];
  *direct = false;
  if (++w->values > DEC_WALK_MAX_VALUES) return walk_fail(w, "too many values", f);
  if (f->in_type == DEC_IN_STRUCT) {
    if (w->depth >= DEC_WALK_MAX_DEPTH) return walk_fail(w, "structs nested too deeply", f);
    w->depth++;
    bool ok;
    if (w->json) {
      *direct = true;
      *out = kv_dyn_null();
      ok = walk_list(w, f->first_member, f->member_count, kv_dyn_null());
    } else {
      kv_value sub = kv_dyn_bag_sized(f->member_count);
      ok = walk_list(w, f->first_member, f->member_count, sub);
      *out = sub; /* partial struct is kept, the marker is inside */
    }
    w->depth--;
    return ok;
  }
  w->wrote = false;
  bool ok = walk_scalar(w, f, idx, out);
  *direct = w->wrote;
  return ok;
}

static kv_value walk_marker(dec_walk_state *w) {
  char buf[200];
  int n = snprintf(buf, sizeof buf, "<decode error: %s>", w->err);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  return kv_string(buf, (size_t)n);
}

/* Output helpers: a container is a bag (key != NULL) or an array. In JSON
 * mode the separator/key is written first by out_begin. */
typedef struct walk_out {
  kv_value target;  /* bag or array (bag mode) */
  bool first;       /* JSON: nothing written in this container yet */
} walk_out;

static void out_begin(dec_walk_state *w, walk_out *o, const dec_field *key) {
  if (!w->json) return;
  if (!o->first) kv_buf_putc(w->json, ',');
  o->first = false;
  if (key) {
    if (key->json_key && key->json_key_name == key->name) {
      kv_buf_append(w->json, key->json_key, key->json_key_len);
    } else {
      kv_buf_json_string(w->json, key->name, key->name_len);
      kv_buf_putc(w->json, ':');
    }
  }
}

/* Inline appends on a kv_buf (the struct is public; growth via kv_buf_reserve). */
static inline void jb_append(kv_buf *b, const char *s, size_t n) {
  if (b->cap - b->len < n + 1) kv_buf_reserve(b, n + 1);
  memcpy(b->data + b->len, s, n);
  b->len += n;
}
static inline void jb_putc(kv_buf *b, char c) {
  if (b->cap - b->len < 2) kv_buf_reserve(b, 2);
  b->data[b->len++] = c;
}

/* JSON text of the scalars the walker produces, byte-identical to
 * kv_to_json(): integers without printf, ASCII strings with the same escapes
 * (anything else goes through kv_to_json itself). */
static void json_fast_value(kv_buf *b, kv_value v) {
  if (v.type == KV_INT || v.type == KV_LONG) {
    kv_buf_put_i64(b, v.u.i);
    return;
  }
  if (v.type == KV_STRING) {
    const unsigned char *p = (const unsigned char *)v.u.s;
    size_t n = v.len, i = 0;
    while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\') i++;
    if (i == n) { /* common case: plain ASCII, nothing to escape */
      if (b->cap - b->len < n + 3) kv_buf_reserve(b, n + 3);
      b->data[b->len++] = '"';
      memcpy(b->data + b->len, p, n);
      b->len += n;
      b->data[b->len++] = '"';
      return;
    }
    while (i < n && p[i] < 0x80) i++;
    if (i == n) {
      static const char hex[] = "0123456789abcdef";
      kv_buf_reserve(b, n + 2);
      jb_putc(b, '"');
      size_t run = 0;
      for (i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        jb_append(b, (const char *)p + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': jb_append(b, "\\\"", 2); break;
        case '\\': jb_append(b, "\\\\", 2); break;
        case '\n': jb_append(b, "\\n", 2); break;
        case '\r': jb_append(b, "\\r", 2); break;
        case '\t': jb_append(b, "\\t", 2); break;
        case '\b': jb_append(b, "\\b", 2); break;
        case '\f': jb_append(b, "\\f", 2); break;
        default: {
          char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          jb_append(b, u, 6);
        }
        }
      }
      jb_append(b, (const char *)p + run, n - run);
      jb_putc(b, '"');
      return;
    }
  }
  kv_to_json(b, v);
}

/* Stores/writes v (takes ownership). */
static void out_value(dec_walk_state *w, walk_out *o, const dec_field *key, kv_value v) {
  if (w->json) {
    json_fast_value(w->json, v);
    kv_release(v);
  } else if (key) {
    /* Field names live in the context arena until dec_context_free: the
     * bag keeps pointers to them (see decode.h, EventData lifetime). */
    kv_bag_set_static_key(o->target, key->name, key->name_len, v);
  } else {
    kv_array_push(o->target, v);
  }
}

/* One element into container o (JSON: separator/key already written). */
static bool walk_put_element(dec_walk_state *w, walk_out *o, const dec_field *key, uint16_t idx) {
  kv_value e;
  bool direct;
  if (!walk_element(w, idx, &e, &direct)) {
    if (direct) return false;                      /* JSON struct: written, marker inside */
    if (w->s->fields[idx].in_type == DEC_IN_STRUCT) out_value(w, o, key, e); /* partial bag */
    else out_value(w, o, key, walk_marker(w));
    return false;
  }
  if (!direct) out_value(w, o, key, e);
  return true;
}

static bool walk_array(dec_walk_state *w, walk_out *parent, const dec_field *f, uint16_t idx) {
  uint64_t n;
  if (f->count_kind == DEC_COUNT_FIXED) {
    n = f->count;
  } else if (f->count_kind == DEC_COUNT_FIELD) {
    n = f->count < w->s->field_count ? w->ivals[f->count] : UINT64_MAX;
  } else if (f->count_kind == DEC_COUNT_TO_END) {
    n = UINT64_MAX; /* bounded below by the remaining bytes */
  } else {
    if (!walk_need(w, 2)) {
      walk_fail(w, "truncated array count", f);
      out_value(w, parent, f, walk_marker(w));
      return false;
    }
    n = dec_le16(w->p + w->pos);
    w->pos += 2;
  }
  if (f->count_kind != DEC_COUNT_TO_END &&
      (n > DEC_WALK_MAX_VALUES || (f->in_type != DEC_IN_STRUCT && n > w->len - w->pos + 1 && n > 0))) {
    walk_fail(w, "array count larger than the payload", f);
    out_value(w, parent, f, walk_marker(w));
    return false;
  }
  /* char arrays (CHAR8/CHAR16: integer in-type with out-type STRING) are one
   * string, as TDH shows them */
  if (f->count_kind != DEC_COUNT_TO_END && f->out_type == DEC_OUT_STRING && !f->map &&
      (f->in_type == DEC_IN_INT8 || f->in_type == DEC_IN_UINT8 || f->in_type == DEC_IN_UINT16)) {
    size_t esz = f->in_type == DEC_IN_UINT16 ? 2 : 1;
    if (n > (w->len - w->pos) / esz) {
      walk_fail(w, "array count larger than the payload", f);
      out_value(w, parent, f, walk_marker(w));
      return false;
    }
    if (esz == 2) dec_utf16_to_utf8(&w->tmp, w->p + w->pos, (size_t)n * 2, false);
    else dec_ansi_to_utf8(&w->tmp, w->p + w->pos, (size_t)n);
    w->pos += (size_t)n * esz;
    out_value(w, parent, f, walk_take_text(w));
    return true;
  }
  walk_out o = {w->json ? kv_dyn_null() : kv_dyn_array(), true};
  if (w->json) jb_putc(w->json, '[');
  bool ok = true;
  if (f->count_kind == DEC_COUNT_TO_END) {
    while (w->pos < w->len && w->values < DEC_WALK_MAX_VALUES) {
      size_t save = w->pos, jsave = w->json ? w->json->len : 0;
      bool first = o.first;
      kv_value e;
      bool direct;
      out_begin(w, &o, NULL);
      if (!walk_element(w, idx, &e, &direct)) { /* partial trailing element: dropped quietly */
        if (!direct && f->in_type == DEC_IN_STRUCT) kv_release(e);
        if (w->json) w->json->len = jsave;
        o.first = first;
        w->pos = save;
        w->err[0] = 0;
        break;
      }
      if (!direct) out_value(w, &o, NULL, e);
      if (w->pos == save) break; /* zero-size element: no progress */
    }
  } else {
    for (uint64_t i = 0; i < n; i++) {
      out_begin(w, &o, NULL);
      if (!walk_put_element(w, &o, NULL, idx)) {
        ok = false;
        break;
      }
    }
  }
  if (w->json) jb_putc(w->json, ']');
  else out_value(w, parent, f, o.target);
  return ok;
}

static bool walk_list(dec_walk_state *w, uint16_t first, uint16_t count, kv_value bag) {
  walk_out o = {bag, true};
  if (w->json) jb_putc(w->json, '{');
  bool ok = true;
  for (uint32_t k = 0; k < count && ok; k++) {
    uint16_t idx = (uint16_t)(first + k);
    const dec_field *f = &w->s->fields[idx];
    bool hidden = f->out_type == DEC_OUT_NOPRINT || (f->flags & DEC_FF_HIDDEN);
    size_t mark = w->json ? w->json->len : 0;
    bool was_first = o.first;
    walk_out *dst = &o, sink = {kv_dyn_null(), true};
    if (hidden && !w->json) { /* decoded to advance, then dropped */
      sink.target = kv_dyn_bag_sized(1);
      dst = &sink;
    }
    out_begin(w, dst, f);
    if (f->count_kind == DEC_COUNT_SCALAR) ok = walk_put_element(w, dst, f, idx);
    else ok = walk_array(w, dst, f, idx);
    if (hidden && ok) {
      if (w->json) {
        w->json->len = mark;
        o.first = was_first;
      }
    }
    if (dst == &sink) {
      if (!ok) /* the marker must stay visible */
        kv_bag_set_static_key(bag, f->name, f->name_len,
                              kv_retain(kv_bag_get(sink.target, f->name, f->name_len)));
      kv_release(sink.target);
    }
  }
  if (w->json) jb_putc(w->json, '}');
  return ok;
}

static bool dec_walk_run(const dec_schema *s, const uint8_t *payload, size_t len, unsigned pointer_size,
                         kv_value bag, kv_buf *json) {
  dec_walk_state w;
  memset(&w, 0, sizeof w);
  uint64_t small[64];
  w.s = s;
  w.p = payload ? payload : (const uint8_t *)"";
  w.len = payload ? len : 0;
  w.ptr_size = pointer_size == 4 ? 4 : 8;
  w.json = json;
  w.ivals = s->field_count <= 64 ? small : kv_calloc(s->field_count, sizeof(uint64_t));
  if (s->field_count <= 64) memset(small, 0, sizeof small);
  kv_buf_init(&w.tmp);
  bool good = walk_list(&w, 0, s->top_count, bag);
  if (json) json->data[json->len] = '\0'; /* kv_buf keeps a NUL after the text; jb_* reserved room */
  kv_buf_free(&w.tmp);
  if (w.ivals != small) free(w.ivals);
  return good;
}

kv_value dec_walk(const dec_schema *s, const uint8_t *payload, size_t len, unsigned pointer_size,
                  bool *ok) {
  kv_value bag = kv_dyn_bag_sized(s ? s->top_count : 0);
  bool good = true;
  if (s && s->field_count) good = dec_walk_run(s, payload, len, pointer_size, bag, NULL);
  if (ok) *ok = good;
  return bag;
}

bool dec_walk_json(const dec_schema *s, const uint8_t *payload, size_t len, unsigned pointer_size,
                   kv_buf *out) {
  if (!s || !s->field_count) {
    kv_buf_puts(out, "{}");
    return true;
  }
  return dec_walk_run(s, payload, len, pointer_size, kv_dyn_null(), out);
}
