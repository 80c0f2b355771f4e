/* SPDX-License-Identifier: MIT
 * Byte codecs for the uploader: gzip (zlib when present, else stored deflate
 * blocks, still valid gzip), base64, Kusto name/string quoting, and the hot
 * JSON-lines row writer (keys escaped once per schema, datetimes formatted
 * without division-heavy library calls). Pure functions, no I/O. */
#include "kusto/ku_int.h"

#include <stdlib.h>
#include <string.h>

#if defined(E2K_HAVE_LIBDEFLATE)
#include <libdeflate.h>
#elif defined(E2K_HAVE_ZLIB)
#include <zlib.h>
#endif

/* ---- gzip ---- */

#if !defined(E2K_HAVE_ZLIB) && !defined(E2K_HAVE_LIBDEFLATE)
static uint32_t ku_crc_table[256];
static int ku_crc_ready;
static uint32_t ku_crc32(uint32_t crc, const unsigned char *p, size_t n) {
  if (!ku_crc_ready) {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      ku_crc_table[i] = c;
    }
    ku_crc_ready = 1;
  }
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = ku_crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}
#endif

int ku_gzip(const void *in, size_t len, int level, kv_buf *out) {
#if defined(E2K_HAVE_LIBDEFLATE)
  /* one compressor per call: allocation is cheap next to a 4 MiB batch */
  struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
  if (!c) return -1;
  size_t bound = libdeflate_gzip_compress_bound(c, len);
  kv_buf_reserve(out, bound);
  size_t n = libdeflate_gzip_compress(c, in, len, out->data + out->len, bound);
  libdeflate_free_compressor(c);
  if (n == 0) return -1;
  out->len += n;
  return 0;
#elif defined(E2K_HAVE_ZLIB)
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
  size_t bound = deflateBound(&z, (uLong)len) + 32;
  kv_buf_reserve(out, bound);
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)len;
  z.next_out = (Bytef *)out->data + out->len;
  z.avail_out = (uInt)(out->cap - out->len);
  int rc = deflate(&z, Z_FINISH);
  if (rc != Z_STREAM_END) {
    deflateEnd(&z);
    return -1;
  }
  out->len += z.total_out;
  deflateEnd(&z);
  return 0;
#else
  (void)level;
  const unsigned char *p = in;
  static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  kv_buf_append(out, (const char *)hdr, sizeof hdr);
  size_t off = 0;
  do {
    size_t n = len - off > 65535 ? 65535 : len - off;
    unsigned char bh[5];
    bh[0] = (off + n == len) ? 1 : 0;
    bh[1] = (unsigned char)(n & 0xFF);
    bh[2] = (unsigned char)(n >> 8);
    bh[3] = (unsigned char)(~n & 0xFF);
    bh[4] = (unsigned char)((~n >> 8) & 0xFF);
    kv_buf_append(out, (const char *)bh, 5);
    kv_buf_append(out, (const char *)p + off, n);
    off += n;
  } while (off < len);
  uint32_t crc = ku_crc32(0, p, len);
  unsigned char tr[8];
  for (int i = 0; i < 4; i++) {
    tr[i] = (unsigned char)(crc >> (8 * i));
    tr[4 + i] = (unsigned char)((uint32_t)len >> (8 * i));
  }
  kv_buf_append(out, (const char *)tr, 8);
  return 0;
#endif
}

/* ---- base64 (RFC 4648, standard alphabet, padded) ---- */

void ku_base64(kv_buf *out, const void *in, size_t len) {
  static const char tb[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *p = in;
  kv_buf_reserve(out, (len + 2) / 3 * 4 + 1);
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
    char q[4] = {tb[v >> 18], tb[(v >> 12) & 63], tb[(v >> 6) & 63], tb[v & 63]};
    kv_buf_append(out, q, 4);
  }
  if (i < len) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < len) v |= (uint32_t)p[i + 1] << 8;
    char q[4] = {tb[v >> 18], tb[(v >> 12) & 63], i + 1 < len ? tb[(v >> 6) & 63] : '=', '='};
    kv_buf_append(out, q, 4);
  }
}

/* ---- Kusto quoting ---- */

void ku_quote_name(kv_buf *b, const char *name) {
  bool plain = (name[0] && !(name[0] >= '0' && name[0] <= '9'));
  for (const char *p = name; *p && plain; p++)
    plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_';
  if (plain) {
    kv_buf_puts(b, name);
    return;
  }
  kv_buf_puts(b, "['");
  for (const char *p = name; *p; p++) {
    if (*p == '\'' || *p == '\\') kv_buf_putc(b, '\\');
    kv_buf_putc(b, *p);
  }
  kv_buf_puts(b, "']");
}

void ku_quote_string(kv_buf *b, const char *s, size_t len) {
  kv_buf_putc(b, '"');
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '"' || c == '\\') {
      kv_buf_putc(b, '\\');
      kv_buf_putc(b, c);
    } else if (c == '\n') {
      kv_buf_puts(b, "\\n");
    } else if (c == '\r') {
      kv_buf_puts(b, "\\r");
    } else if (c == '\t') {
      kv_buf_puts(b, "\\t");
    } else {
      kv_buf_putc(b, c);
    }
  }
  kv_buf_putc(b, '"');
}

/* ---- JSON rows ---- */

void ku_rowfmt_init(ku_rowfmt *f, const kv_schema *s) {
  kv_buf_init(&f->keys);
  f->count = s->count;
  f->offs = kv_calloc((size_t)s->count + 1, sizeof *f->offs);
  for (int i = 0; i < s->count; i++) {
    f->offs[i] = f->keys.len;
    kv_buf_putc(&f->keys, i ? ',' : '{');
    kv_buf_json_string(&f->keys, s->cols[i].name, strlen(s->cols[i].name));
    kv_buf_putc(&f->keys, ':');
  }
  f->offs[s->count] = f->keys.len;
}

void ku_rowfmt_free(ku_rowfmt *f) {
  kv_buf_free(&f->keys);
  free(f->offs);
  f->offs = NULL;
}

static char *ku_put_u(char *p, uint64_t v, int width) {
  /* writes v with at least `width` digits, returns end */
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n < width) tmp[n++] = '0';
  while (n) *p++ = tmp[--n];
  return p;
}


/* A datetime as a quoted JSON string. kv_format_datetime is printf-free and
 * writes Kusto's 7-digit form, so the codec uses it directly. */
void ku_format_datetime_fast(kv_buf *b, int64_t ticks) {
  kv_buf_putc(b, '"');
  kv_format_datetime(b, ticks);
  kv_buf_putc(b, '"');
}

/* Slow path for values that need the value library (escapes, reals, dynamic). */
static void ku_json_scalar_slow(kv_buf *b, kv_value v) {
  kv_type t = (kv_type)v.type;
  switch (t) {
  case KV_REAL:
  case KV_DECIMAL: {
    size_t start = b->len;
    kv_format_real(b, v.u.r);
    char c = b->data[start];
    if (c == 'N' || c == 'I' || (c == '-' && b->data[start + 1] == 'I')) {
      /* NaN/Infinity are not JSON numbers: send the text, Kusto parses it */
      char tmp[16];
      size_t n = b->len - start;
      if (n > sizeof tmp) n = sizeof tmp;
      memcpy(tmp, b->data + start, n);
      b->len = start;
      kv_buf_putc(b, '"');
      kv_buf_append(b, tmp, n);
      kv_buf_putc(b, '"');
    }
    break;
  }
  case KV_STRING: kv_buf_json_string(b, v.u.s ? v.u.s : "", v.len); break;
  case KV_TIMESPAN:
    kv_buf_putc(b, '"');
    kv_format_timespan(b, v.u.i);
    kv_buf_putc(b, '"');
    break;
  case KV_DATETIME: ku_format_datetime_fast(b, v.u.i); break;
  default: kv_to_json(b, v); break;
  }
}

/* True when a string can be copied between quotes as is (printable ASCII
 * without '"' and '\'); anything else goes through kv_buf_json_string. */
static bool ku_plain_ascii(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x20 || p[i] >= 0x80 || p[i] == '"' || p[i] == '\\') return false;
  return true;
}

void ku_rowfmt_row(const ku_rowfmt *f, kv_buf *b, const kv_value *vals, int count) {
  int n = count < f->count ? count : f->count;
  for (int i = 0; i < f->count; i++) {
    size_t klen = f->offs[i + 1] - f->offs[i];
    /* worst fast-path value: a guid or datetime in quotes (< 48 bytes) */
    kv_buf_reserve(b, klen + 48);
    memcpy(b->data + b->len, f->keys.data + f->offs[i], klen);
    b->len += klen;
    char *p = b->data + b->len;
    if (i >= n || kv_is_null(vals[i])) {
      memcpy(p, "null", 4);
      b->len += 4;
      continue;
    }
    kv_value v = vals[i];
    switch ((kv_type)v.type) {
    case KV_BOOL:
      if (v.u.b) { memcpy(p, "true", 4); b->len += 4; } else { memcpy(p, "false", 5); b->len += 5; }
      break;
    case KV_INT:
    case KV_LONG: {
      uint64_t u = (uint64_t)v.u.i;
      if (v.u.i < 0) {
        *p++ = '-';
        u = 0 - u;
      }
      p = ku_put_u(p, u, 1);
      b->len = (size_t)(p - b->data);
      break;
    }
    case KV_DATETIME: ku_format_datetime_fast(b, v.u.i); break;
    case KV_GUID:
      kv_buf_putc(b, '"');
      kv_format_guid(b, v.u.g);
      kv_buf_putc(b, '"');
      break;
    case KV_STRING:
      if (v.len < 4096 && ku_plain_ascii(v.u.s, v.len)) {
        kv_buf_reserve(b, v.len + 2);
        p = b->data + b->len;
        *p++ = '"';
        memcpy(p, v.u.s, v.len);
        p += v.len;
        *p++ = '"';
        b->len = (size_t)(p - b->data);
      } else {
        ku_json_scalar_slow(b, v);
      }
      break;
    default: ku_json_scalar_slow(b, v); break;
    }
  }
  kv_buf_append(b, f->count ? "}\n" : "{}\n", f->count ? 2 : 3);
}
