/* SPDX-License-Identifier: MIT
 * provider:NAME|GUID[:keywords[:level]] parsing, GUID text parsing and the
 * TraceLogging/EventSource name-hash GUID (SHA-1, version-5 style). Plain C11,
 * used by the Windows real-time code and unit-tested on every OS. */
#include "platform/etw_realtime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int plat_etw_hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool plat_etw_parse_guid(const char *text, size_t len, uint8_t guid[16]) {
  if (len == 38 && text[0] == '{' && text[37] == '}') {
    text++;
    len = 36;
  }
  if (len != 36) return false;
  uint8_t be[16]; /* the GUID's bytes in text order */
  size_t bi = 0;
  for (size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
      i++;
      continue;
    }
    int hi = plat_etw_hex((unsigned char)text[i]), lo = plat_etw_hex((unsigned char)text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    be[bi++] = (uint8_t)(hi << 4 | lo);
    i += 2;
  }
  /* Data1 (4), Data2 (2), Data3 (2) are little-endian in Windows byte order. */
  guid[0] = be[3]; guid[1] = be[2]; guid[2] = be[1]; guid[3] = be[0];
  guid[4] = be[5]; guid[5] = be[4];
  guid[6] = be[7]; guid[7] = be[6];
  memcpy(guid + 8, be + 8, 8);
  return true;
}

static void plat_etw_set_err(char *err, size_t err_len, const char *msg, const char *spec) {
  if (err && err_len) snprintf(err, err_len, "provider:%s: %s", spec, msg);
}

static bool plat_etw_parse_u64(const char *s, size_t n, uint64_t *out) {
  if (n == 0 || n > 40) return false;
  char buf[48];
  memcpy(buf, s, n);
  buf[n] = 0;
  int base = 10;
  const char *p = buf;
  if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  if (!*p) return false;
  uint64_t v = 0;
  for (; *p; p++) {
    int d = base == 16 ? plat_etw_hex((unsigned char)*p) : (*p >= '0' && *p <= '9' ? *p - '0' : -1);
    if (d < 0) return false;
    if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  *out = v;
  return true;
}

static bool plat_etw_ieq(const char *a, size_t n, const char *b) {
  if (strlen(b) != n) return false;
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return false;
  return true;
}

static bool plat_etw_parse_level(const char *s, size_t n, uint8_t *level) {
  static const struct { const char *name; uint8_t level; } names[] = {
    {"critical", 1}, {"error", 2}, {"warning", 3}, {"information", 4},
    {"info", 4},     {"verbose", 5}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (plat_etw_ieq(s, n, names[i].name)) {
      *level = names[i].level;
      return true;
    }
  uint64_t v;
  if (!plat_etw_parse_u64(s, n, &v) || v < 1 || v > 255) return false;
  *level = (uint8_t)v;
  return true;
}

int plat_etw_parse_provider(const char *spec, plat_etw_provider *out, char *err, size_t err_len) {
  memset(out, 0, sizeof *out);
  out->keywords = UINT64_MAX;
  out->level = PLAT_ETW_LEVEL_DEFAULT;
  if (!spec || !*spec) {
    plat_etw_set_err(err, err_len, "empty provider name", "");
    return -1;
  }
  /* A provider name may not contain ':' (ETW names never do), so the first
   * ':' starts the keywords and the second the level. */
  const char *c1 = strchr(spec, ':');
  size_t name_len = c1 ? (size_t)(c1 - spec) : strlen(spec);
  if (name_len == 0) {
    plat_etw_set_err(err, err_len, "empty provider name", spec);
    return -1;
  }
  if (name_len >= sizeof out->name) {
    plat_etw_set_err(err, err_len, "provider name is too long", spec);
    return -1;
  }
  memcpy(out->name, spec, name_len);
  out->name[name_len] = 0;
  out->has_guid = plat_etw_parse_guid(spec, name_len, out->guid);
  if (c1) {
    const char *kw = c1 + 1;
    const char *c2 = strchr(kw, ':');
    size_t kw_len = c2 ? (size_t)(c2 - kw) : strlen(kw);
    if (kw_len && !plat_etw_parse_u64(kw, kw_len, &out->keywords)) {
      plat_etw_set_err(err, err_len, "keywords must be a number such as 0x10 (MatchAnyKeyword)",
                       spec);
      return -1;
    }
    if (c2) {
      const char *lv = c2 + 1;
      if (strchr(lv, ':') || !plat_etw_parse_level(lv, strlen(lv), &out->level)) {
        plat_etw_set_err(err, err_len,
                         "level must be 1-255 or critical|error|warning|information|verbose",
                         spec);
        return -1;
      }
    }
  }
  return 0;
}

/* ---- SHA-1 (FIPS 180-4), only for the name-hash GUID ---- */

typedef struct plat_sha1 {
  uint32_t h[5];
  uint64_t len;
  uint8_t block[64];
  size_t fill;
} plat_sha1;

static uint32_t plat_sha1_rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

static void plat_sha1_block(plat_sha1 *s, const uint8_t *p) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 80; i++) w[i] = plat_sha1_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999u; }
    else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1u; }
    else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDCu; }
    else { f = b ^ c ^ d; k = 0xCA62C1D6u; }
    uint32_t t = plat_sha1_rol(a, 5) + f + e + k + w[i];
    e = d; d = c; c = plat_sha1_rol(b, 30); b = a; a = t;
  }
  s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e;
}

static void plat_sha1_init(plat_sha1 *s) {
  static const uint32_t iv[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  memcpy(s->h, iv, sizeof iv);
  s->len = 0;
  s->fill = 0;
}

static void plat_sha1_update(plat_sha1 *s, const uint8_t *p, size_t n) {
  s->len += n;
  while (n--) {
    s->block[s->fill++] = *p++;
    if (s->fill == 64) {
      plat_sha1_block(s, s->block);
      s->fill = 0;
    }
  }
}

static void plat_sha1_final(plat_sha1 *s, uint8_t out[20]) {
  uint64_t bits = s->len * 8;
  uint8_t pad = 0x80;
  plat_sha1_update(s, &pad, 1);
  pad = 0;
  while (s->fill != 56) plat_sha1_update(s, &pad, 1);
  uint8_t lenb[8];
  for (int i = 0; i < 8; i++) lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
  plat_sha1_update(s, lenb, 8);
  for (int i = 0; i < 5; i++) {
    out[4 * i] = (uint8_t)(s->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)s->h[i];
  }
}

/* Decodes one UTF-8 code point (invalid bytes pass through as Latin-1). */
static uint32_t plat_etw_utf8_next(const unsigned char **pp) {
  const unsigned char *p = *pp;
  uint32_t c = p[0];
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra) {
    uint32_t v = c & (0x3Fu >> extra);
    for (int i = 1; i <= extra; i++) {
      if ((p[i] & 0xC0) != 0x80) { *pp = p + 1; return c; }
      v = v << 6 | (p[i] & 0x3Fu);
    }
    *pp = p + 1 + extra;
    return v;
  }
  *pp = p + 1;
  return c;
}

void plat_etw_name_guid(const char *name, uint8_t guid[16]) {
  /* Namespace 482C2DB2-C390-47C8-87F8-1A15BFC130FB in big-endian byte order. */
  static const uint8_t ns[16] = {0x48, 0x2C, 0x2D, 0xB2, 0xC3, 0x90, 0x47, 0xC8,
                                 0x87, 0xF8, 0x1A, 0x15, 0xBF, 0xC1, 0x30, 0xFB};
  plat_sha1 s;
  plat_sha1_init(&s);
  plat_sha1_update(&s, ns, 16);
  const unsigned char *p = (const unsigned char *)name;
  while (*p) {
    uint32_t cp = plat_etw_utf8_next(&p);
    /* Upper-case like .NET ToUpperInvariant for ASCII; other letters of real
     * provider names are ASCII in practice. */
    if (cp >= 'a' && cp <= 'z') cp -= 32;
    uint16_t units[2];
    int n = 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[0] = (uint16_t)(0xD800 + (cp >> 10));
      units[1] = (uint16_t)(0xDC00 + (cp & 0x3FF));
      n = 2;
    } else {
      units[0] = (uint16_t)cp;
    }
    for (int i = 0; i < n; i++) {
      uint8_t be[2] = {(uint8_t)(units[i] >> 8), (uint8_t)units[i]};
      plat_sha1_update(&s, be, 2);
    }
  }
  uint8_t h[20];
  plat_sha1_final(&s, h);
  /* First 16 hash bytes, version 5 in Data3's high nibble; the bytes are taken
   * as a little-endian Windows GUID (as .NET's new Guid(byte[]) does). */
  h[7] = (uint8_t)((h[7] & 0x0F) | 0x50);
  memcpy(guid, h, 16);
}
