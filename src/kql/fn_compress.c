/* SPDX-License-Identifier: MIT
 * zlib_/gzip_compress_to_base64_string and zlib_/gzip_decompress_from_
 * base64_string with a DEFLATE (RFC 1951) decoder of our own, so Linux and
 * Windows builds behave alike without zlib. Kusto compresses at level 0
 * (stored blocks: emulator:zlib-base64-compress-function-00 and
 * gzip-base64-compress-00 match zlib level 0 byte for byte); we write stored
 * blocks of up to 65535 bytes, which equals Kusto's output for inputs of that
 * size (larger inputs may be split at other places by Kusto's zlib; the data
 * is the same). Invalid input decompresses to "" (documented). Decompressed
 * output over 16 MiB is a runtime error rather than an allocation of any
 * size. Owner: scalars. */
#include <stdint.h>
#include <string.h>

#include "kql/fn_scalars.h"

#define KQL_INFLATE_MAX ((size_t)16 << 20)

/* ---- base64 (RFC 4648 with padding) ---- */

static const char kql_b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void kql_b64_encode(kv_buf *out, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n) v |= p[i + 2];
    kv_buf_putc(out, kql_b64_chars[(v >> 18) & 63]);
    kv_buf_putc(out, kql_b64_chars[(v >> 12) & 63]);
    kv_buf_putc(out, i + 1 < n ? kql_b64_chars[(v >> 6) & 63] : '=');
    kv_buf_putc(out, i + 2 < n ? kql_b64_chars[v & 63] : '=');
  }
}

static int kql_b64_val(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Strict decoding: length a multiple of 4, '=' only at the end. */
static bool kql_b64_decode(const char *s, size_t n, kv_buf *out) {
  if (n % 4) return false;
  for (size_t i = 0; i < n; i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      char c = s[i + k];
      if (c == '=' && i + 4 == n && k >= 2) {
        v[k] = 0;
        pad++;
      } else {
        if (pad) return false;
        v[k] = kql_b64_val(c);
        if (v[k] < 0) return false;
      }
    }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    kv_buf_putc(out, (char)(w >> 16));
    if (pad < 2) kv_buf_putc(out, (char)(w >> 8));
    if (pad < 1) kv_buf_putc(out, (char)w);
  }
  return true;
}

/* ---- checksums ---- */

static uint32_t kql_crc32(const unsigned char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

static uint32_t kql_adler32(const unsigned char *p, size_t n) {
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; i++) {
    a = (a + p[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  return b << 16 | a;
}

/* ---- inflate ---- */

typedef struct kql_infl {
  const unsigned char *in;
  size_t len, pos; /* byte position */
  uint32_t bitbuf;
  int bitcnt;
  kv_buf *out;
  bool too_big;
} kql_infl;

/* Next n bits (n <= 16), LSB first; -1 past the end of the input. */
static int32_t kql_bits(kql_infl *s, int n) {
  while (s->bitcnt < n) {
    if (s->pos >= s->len) return -1;
    s->bitbuf |= (uint32_t)s->in[s->pos++] << s->bitcnt;
    s->bitcnt += 8;
  }
  int32_t v = (int32_t)(s->bitbuf & ((1u << n) - 1));
  s->bitbuf >>= n;
  s->bitcnt -= n;
  return v;
}

typedef struct kql_huff {
  uint16_t count[16];  /* codes of each length */
  uint16_t symbol[320]; /* symbols ordered by code */
} kql_huff;

/* Canonical code from lengths; false when over-subscribed. An incomplete
 * code is allowed (RFC 1951 permits one-code distance trees). */
static bool kql_huff_build(kql_huff *h, const uint8_t *lens, int n) {
  uint16_t offs[16];
  memset(h->count, 0, sizeof h->count);
  for (int i = 0; i < n; i++) h->count[lens[i]]++;
  int left = 1;
  for (int l = 1; l < 16; l++) {
    left <<= 1;
    left -= h->count[l];
    if (left < 0) return false;
  }
  offs[1] = 0;
  for (int l = 1; l < 15; l++) offs[l + 1] = (uint16_t)(offs[l] + h->count[l]);
  for (int i = 0; i < n; i++)
    if (lens[i]) h->symbol[offs[lens[i]]++] = (uint16_t)i;
  return true;
}

/* Decodes one symbol, bit by bit (canonical codes are ordered by value). */
static int kql_huff_decode(kql_infl *s, const kql_huff *h) {
  int code = 0, first = 0, index = 0;
  for (int l = 1; l < 16; l++) {
    int32_t b = kql_bits(s, 1);
    if (b < 0) return -1;
    code |= b;
    int count = h->count[l];
    if (code - count < first) return h->symbol[index + (code - first)];
    index += count;
    first += count;
    first <<= 1;
    code <<= 1;
  }
  return -1;
}

static const uint16_t kql_len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                          31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t kql_len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                          2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t kql_dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                           33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                           1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t kql_dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                           6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static bool kql_put(kql_infl *s, unsigned char c) {
  if (s->out->len >= KQL_INFLATE_MAX) {
    s->too_big = true;
    return false;
  }
  kv_buf_putc(s->out, (char)c);
  return true;
}

static bool kql_codes(kql_infl *s, const kql_huff *lit, const kql_huff *dist) {
  for (;;) {
    int sym = kql_huff_decode(s, lit);
    if (sym < 0) return false;
    if (sym < 256) {
      if (!kql_put(s, (unsigned char)sym)) return false;
    } else if (sym == 256) {
      return true;
    } else {
      sym -= 257;
      if (sym >= 29) return false;
      int32_t e = kql_bits(s, kql_len_extra[sym]);
      if (e < 0) return false;
      size_t len = (size_t)kql_len_base[sym] + (size_t)e;
      int ds = kql_huff_decode(s, dist);
      if (ds < 0 || ds >= 30) return false;
      e = kql_bits(s, kql_dist_extra[ds]);
      if (e < 0) return false;
      size_t d = (size_t)kql_dist_base[ds] + (size_t)e;
      if (d > s->out->len) return false;
      for (size_t i = 0; i < len; i++)
        if (!kql_put(s, (unsigned char)s->out->data[s->out->len - d])) return false;
    }
  }
}

static bool kql_fixed(kql_infl *s) {
  /* Built per block (cheap) rather than cached in a static: no shared state. */
  kql_huff lit, dist;
  uint8_t l[288];
  for (int i = 0; i < 288; i++) l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
  kql_huff_build(&lit, l, 288);
  for (int i = 0; i < 30; i++) l[i] = 5;
  kql_huff_build(&dist, l, 30);
  return kql_codes(s, &lit, &dist);
}

static bool kql_dynamic(kql_infl *s) {
  static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  int32_t hlit = kql_bits(s, 5), hdist = kql_bits(s, 5), hclen = kql_bits(s, 4);
  if (hlit < 0 || hdist < 0 || hclen < 0) return false;
  hlit += 257;
  hdist += 1;
  hclen += 4;
  if (hlit > 286 || hdist > 30) return false;
  uint8_t lens[320];
  memset(lens, 0, sizeof lens);
  for (int i = 0; i < hclen; i++) {
    int32_t v = kql_bits(s, 3);
    if (v < 0) return false;
    lens[order[i]] = (uint8_t)v;
  }
  kql_huff lencode, lit, dist;
  if (!kql_huff_build(&lencode, lens, 19)) return false;
  int idx = 0;
  memset(lens, 0, sizeof lens);
  while (idx < hlit + hdist) {
    int sym = kql_huff_decode(s, &lencode);
    if (sym < 0) return false;
    if (sym < 16) {
      lens[idx++] = (uint8_t)sym;
      continue;
    }
    uint8_t val = 0;
    int32_t rep;
    if (sym == 16) {
      if (idx == 0) return false;
      val = lens[idx - 1];
      rep = kql_bits(s, 2);
      rep = rep < 0 ? -1 : rep + 3;
    } else if (sym == 17) {
      rep = kql_bits(s, 3);
      rep = rep < 0 ? -1 : rep + 3;
    } else {
      rep = kql_bits(s, 7);
      rep = rep < 0 ? -1 : rep + 11;
    }
    if (rep < 0 || idx + rep > hlit + hdist) return false;
    while (rep--) lens[idx++] = val;
  }
  if (lens[256] == 0) return false;
  if (!kql_huff_build(&lit, lens, hlit) || !kql_huff_build(&dist, lens + hlit, hdist)) return false;
  return kql_codes(s, &lit, &dist);
}

/* Raw DEFLATE of in[0..len) into out; *used = bytes consumed. */
static bool kql_inflate(const unsigned char *in, size_t len, kv_buf *out, size_t *used, bool *too_big) {
  kql_infl s;
  memset(&s, 0, sizeof s);
  s.in = in;
  s.len = len;
  s.out = out;
  int32_t last;
  do {
    last = kql_bits(&s, 1);
    int32_t type = kql_bits(&s, 2);
    if (last < 0 || type < 0) return false;
    bool ok;
    if (type == 0) {
      s.bitbuf = 0;
      s.bitcnt = 0; /* stored: skip to the byte boundary */
      if (s.len - s.pos < 4) return false;
      size_t n = (size_t)s.in[s.pos] | (size_t)s.in[s.pos + 1] << 8;
      size_t nn = (size_t)s.in[s.pos + 2] | (size_t)s.in[s.pos + 3] << 8;
      s.pos += 4;
      if (n != (~nn & 0xFFFFu) || s.len - s.pos < n) return false;
      if (out->len + n > KQL_INFLATE_MAX) {
        *too_big = true;
        return false;
      }
      kv_buf_append(out, (const char *)s.in + s.pos, n);
      s.pos += n;
      ok = true;
    } else if (type == 1) {
      ok = kql_fixed(&s);
    } else if (type == 2) {
      ok = kql_dynamic(&s);
    } else {
      ok = false;
    }
    if (!ok) {
      *too_big = s.too_big;
      return false;
    }
  } while (!last);
  *used = s.pos; /* the rest of the last byte is padding */
  return true;
}

/* ---- stored-block deflate ---- */

static void kql_deflate_stored(kv_buf *out, const unsigned char *p, size_t n) {
  size_t off = 0;
  do {
    size_t k = n - off > 65535 ? 65535 : n - off;
    bool last = off + k == n;
    unsigned char h[5] = {(unsigned char)(last ? 1 : 0), (unsigned char)k, (unsigned char)(k >> 8),
                          (unsigned char)~k, (unsigned char)(~k >> 8)};
    kv_buf_append(out, (const char *)h, 5);
    kv_buf_append(out, (const char *)p + off, k);
    off += k;
  } while (off < n);
}

static void kql_put32le(kv_buf *b, uint32_t v) {
  unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  kv_buf_append(b, (const char *)c, 4);
}

static bool kql_is_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t k;
    if (c < 0x80) k = 0;
    else if (c >= 0xC2 && c <= 0xDF) k = 1;
    else if ((c & 0xF0) == 0xE0) k = 2;
    else if (c >= 0xF0 && c <= 0xF4) k = 3;
    else return false;
    if (n - i - 1 < k) return false;
    for (size_t j = 1; j <= k; j++)
      if ((s[i + j] & 0xC0) != 0x80) return false;
    i += k + 1;
  }
  return true;
}

static kv_value kql_compress(const kv_value *args, bool gzip) {
  if (kv_is_null(args[0]) && args[0].type != KV_STRING) return kv_string("", 0);
  kv_buf t, z, out;
  kv_buf_init(&t);
  kv_buf_init(&z);
  kv_buf_init(&out);
  size_t n;
  const unsigned char *p = (const unsigned char *)kql_arg_str(args[0], &t, &n);
  if (!p) p = (const unsigned char *)"";
  if (gzip) {
    static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    kv_buf_append(&z, (const char *)hdr, 10);
    kql_deflate_stored(&z, p, n);
    kql_put32le(&z, kql_crc32(p, n));
    kql_put32le(&z, (uint32_t)n);
  } else {
    kv_buf_append(&z, "\x78\x01", 2); /* deflate, 32K window, level 0 */
    kql_deflate_stored(&z, p, n);
    uint32_t a = kql_adler32(p, n);
    unsigned char c[4] = {(unsigned char)(a >> 24), (unsigned char)(a >> 16), (unsigned char)(a >> 8),
                          (unsigned char)a};
    kv_buf_append(&z, (const char *)c, 4);
  }
  kql_b64_encode(&out, (const unsigned char *)z.data, z.len);
  kv_buf_free(&t);
  kv_buf_free(&z);
  return kql_str_from_buf(&out);
}

/* Decoded payload in `raw` -> decompressed bytes in `out`; false if invalid. */
static bool kql_unwrap(const unsigned char *p, size_t n, bool gzip, kv_buf *out, bool *too_big) {
  size_t used = 0;
  if (gzip) {
    if (n < 18 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8 || (p[3] & 0xE0)) return false;
    size_t pos = 10;
    unsigned flg = p[3];
    if (flg & 4) { /* FEXTRA */
      if (n - pos < 2) return false;
      size_t xl = (size_t)p[pos] | (size_t)p[pos + 1] << 8;
      pos += 2;
      if (n - pos < xl) return false;
      pos += xl;
    }
    for (unsigned bit = 8; bit <= 16; bit <<= 1) { /* FNAME, FCOMMENT */
      if (!(flg & bit)) continue;
      while (pos < n && p[pos]) pos++;
      if (pos >= n) return false;
      pos++;
    }
    if (flg & 2) pos += 2; /* FHCRC */
    if (pos > n || !kql_inflate(p + pos, n - pos, out, &used, too_big)) return false;
    pos += used;
    if (n - pos < 8) return false;
    uint32_t crc = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 | (uint32_t)p[pos + 2] << 16 |
                   (uint32_t)p[pos + 3] << 24;
    uint32_t isz = (uint32_t)p[pos + 4] | (uint32_t)p[pos + 5] << 8 | (uint32_t)p[pos + 6] << 16 |
                   (uint32_t)p[pos + 7] << 24;
    return crc == kql_crc32((const unsigned char *)out->data, out->len) && isz == (uint32_t)out->len;
  }
  if (n < 6 || (p[0] & 0x0F) != 8 || (p[0] >> 4) > 7 || ((unsigned)p[0] << 8 | p[1]) % 31 || (p[1] & 0x20))
    return false;
  if (!kql_inflate(p + 2, n - 2, out, &used, too_big)) return false;
  if (n - 2 - used < 4) return false;
  const unsigned char *a = p + 2 + used;
  uint32_t want = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
  return want == kql_adler32((const unsigned char *)out->data, out->len);
}

static kv_value kql_decompress(kql_fn_ctx *ctx, const kv_value *args, bool gzip, const char *fname) {
  if (kv_is_null(args[0]) && args[0].type != KV_STRING) return kv_string("", 0);
  kv_buf t, raw, out;
  kv_buf_init(&t);
  kv_buf_init(&raw);
  kv_buf_init(&out);
  size_t n;
  const char *s = kql_arg_str(args[0], &t, &n);
  bool too_big = false;
  bool ok = s && kql_b64_decode(s, n, &raw) &&
            kql_unwrap((const unsigned char *)(raw.data ? raw.data : ""), raw.len, gzip, &out, &too_big) &&
            kql_is_utf8((const unsigned char *)(out.data ? out.data : ""), out.len);
  kv_buf_free(&t);
  kv_buf_free(&raw);
  if (too_big) {
    kv_buf_free(&out);
    return kql_fn_fail(ctx, KV_STRING, "%s(): decompressed data larger than 16 MiB", fname);
  }
  if (!ok) {
    kv_buf_free(&out);
    return kv_string("", 0);
  }
  return kql_str_from_buf(&out);
}

KQL_FN(zlib_compress_to_base64_string) { (void)ctx; (void)argc; return kql_compress(args, false); }
KQL_FN(gzip_compress_to_base64_string) { (void)ctx; (void)argc; return kql_compress(args, true); }
KQL_FN(zlib_decompress_from_base64_string) {
  (void)argc;
  return kql_decompress(ctx, args, false, "zlib_decompress_from_base64_string");
}
KQL_FN(gzip_decompress_from_base64_string) {
  (void)argc;
  return kql_decompress(ctx, args, true, "gzip_decompress_from_base64_string");
}
