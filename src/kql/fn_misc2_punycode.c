/* SPDX-License-Identifier: MIT
 * Punycode (RFC 3492) for KQL: punycode_from_string / punycode_to_string
 * (one label, no "xn--"), punycode_domain_to_string / _from_string (per
 * label, with "xn--", IDNA dot separators . U+3002 U+FF0E U+FF61). Case of
 * basic code points is kept, as Kusto does (emulator:punycode-*). Inputs
 * that are not valid UTF-8 or not valid Punycode are "not supported yet".
 * Owner: series. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_misc2.h"

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700, PC_BIAS = 72, PC_N = 128 };

static uint32_t pc_adapt(uint32_t delta, uint32_t npoints, bool first) {
  delta = first ? delta / PC_DAMP : delta / 2;
  delta += delta / npoints;
  uint32_t k = 0;
  while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
    delta /= PC_BASE - PC_TMIN;
    k += PC_BASE;
  }
  return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static char pc_digit(uint32_t d) { return (char)(d < 26 ? 'a' + d : '0' + (d - 26)); }

/* Decodes one UTF-8 code point at s[*i] (bounds-checked); false if invalid. */
static bool pc_utf8_next(const char *s, size_t len, size_t *i, uint32_t *cp) {
  const unsigned char *p = (const unsigned char *)s;
  unsigned char c = p[*i];
  size_t need;
  uint32_t v;
  if (c < 0x80) {
    *cp = c;
    (*i)++;
    return true;
  } else if ((c & 0xE0) == 0xC0) {
    need = 1;
    v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    need = 2;
    v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    need = 3;
    v = c & 0x07;
  } else {
    return false;
  }
  if (len - *i <= need) return false;
  for (size_t k = 1; k <= need; k++) {
    if ((p[*i + k] & 0xC0) != 0x80) return false;
    v = (v << 6) | (p[*i + k] & 0x3F);
  }
  if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (need == 1 && v < 0x80) || (need == 2 && v < 0x800) ||
      (need == 3 && v < 0x10000))
    return false;
  *cp = v;
  *i += need + 1;
  return true;
}

static void pc_utf8_put(kv_buf *b, uint32_t cp) { kv_buf_put_utf8(b, cp); }

/* Encodes code points cps[0..n) into b (RFC 3492 section 6.3). */
static bool pc_encode(const uint32_t *cps, size_t n, kv_buf *b) {
  uint32_t basic = 0;
  for (size_t i = 0; i < n; i++)
    if (cps[i] < 0x80) {
      char c = (char)cps[i];
      kv_buf_append(b, &c, 1);
      basic++;
    }
  if (basic > 0 && basic < n) kv_buf_append(b, "-", 1);
  uint32_t cur = PC_N, delta = 0, bias = PC_BIAS, h = basic;
  while (h < n) {
    uint32_t m = UINT32_MAX;
    for (size_t i = 0; i < n; i++)
      if (cps[i] >= cur && cps[i] < m) m = cps[i];
    if ((uint64_t)(m - cur) * (h + 1) > UINT32_MAX - delta) return false;
    delta += (m - cur) * (h + 1);
    cur = m;
    for (size_t i = 0; i < n; i++) {
      if (cps[i] < cur && ++delta == 0) return false;
      if (cps[i] == cur) {
        uint32_t q = delta;
        for (uint32_t k = PC_BASE;; k += PC_BASE) {
          uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
          if (q < t) break;
          char c = pc_digit(t + (q - t) % (PC_BASE - t));
          kv_buf_append(b, &c, 1);
          q = (q - t) / (PC_BASE - t);
        }
        char c = pc_digit(q);
        kv_buf_append(b, &c, 1);
        bias = pc_adapt(delta, h + 1, h == basic);
        delta = 0;
        h++;
      }
    }
    delta++;
    cur++;
  }
  return true;
}

/* Decodes an ASCII Punycode label into UTF-8 (RFC 3492 section 6.2). */
static bool pc_decode(const char *s, size_t len, kv_buf *b) {
  size_t cap = len + 1, n = 0, start = 0;
  uint32_t *out = malloc(cap * sizeof *out);
  if (!out) return false;
  size_t delim = len;
  for (size_t i = 0; i < len; i++)
    if (s[i] == '-') delim = i;
  if (delim < len) {
    for (size_t i = 0; i < delim; i++) {
      if ((unsigned char)s[i] >= 0x80) goto fail;
      out[n++] = (unsigned char)s[i];
    }
    start = delim + 1;
  }
  uint32_t cur = PC_N, i = 0, bias = PC_BIAS;
  for (size_t in = start; in < len;) {
    uint32_t oldi = i, w = 1;
    for (uint32_t k = PC_BASE;; k += PC_BASE) {
      if (in >= len) goto fail;
      char c = s[in++];
      uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0' + 26)
                   : c >= 'a' && c <= 'z' ? (uint32_t)(c - 'a')
                   : c >= 'A' && c <= 'Z' ? (uint32_t)(c - 'A')
                                          : PC_BASE;
      if (d >= PC_BASE || d > (UINT32_MAX - i) / w) goto fail;
      i += d * w;
      uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
      if (d < t) break;
      if (w > UINT32_MAX / (PC_BASE - t)) goto fail;
      w *= PC_BASE - t;
    }
    bias = pc_adapt(i - oldi, (uint32_t)n + 1, oldi == 0);
    if (i / (n + 1) > 0x10FFFF - cur) goto fail;
    cur += i / (uint32_t)(n + 1);
    i %= (uint32_t)(n + 1);
    if (n + 1 > cap || (cur >= 0xD800 && cur <= 0xDFFF) || cur < 0x80) goto fail;
    memmove(out + i + 1, out + i, (n - i) * sizeof *out);
    out[i++] = cur;
    n++;
  }
  for (size_t k = 0; k < n; k++) pc_utf8_put(b, out[k]);
  free(out);
  return true;
fail:
  free(out);
  return false;
}

/* Code points of s; false on invalid UTF-8. *cps is malloc'ed (n+1 slots). */
static bool pc_codepoints(const char *s, size_t len, uint32_t **cps, size_t *n) {
  *cps = malloc((len + 1) * sizeof **cps);
  *n = 0;
  if (!*cps) return false;
  for (size_t i = 0; i < len;)
    if (!pc_utf8_next(s, len, &i, &(*cps)[(*n)++])) return false;
  return true;
}

static kv_value pc_unsupported(kql_fn_ctx *ctx, const char *name) {
  return kql_fn_fail(ctx, KV_STRING, "not supported yet: %s() on this input", name);
}

KQL_FN(punycode_from_string) {
  kv_buf tmp, out;
  size_t len, n;
  uint32_t *cps;
  kv_buf_init(&tmp);
  const char *s = kql_arg_str(args[0], &tmp, &len);
  bool ok = pc_codepoints(s, len, &cps, &n);
  kv_buf_init(&out);
  ok = ok && pc_encode(cps, n, &out);
  free(cps);
  kv_buf_free(&tmp);
  if (!ok) {
    kv_buf_free(&out);
    return pc_unsupported(ctx, "punycode_from_string");
  }
  return kql_str_from_buf(&out);
}

KQL_FN(punycode_to_string) {
  kv_buf tmp, out;
  size_t len;
  kv_buf_init(&tmp);
  const char *s = kql_arg_str(args[0], &tmp, &len);
  kv_buf_init(&out);
  bool ok = pc_decode(s, len, &out);
  kv_buf_free(&tmp);
  if (!ok) {
    kv_buf_free(&out);
    return pc_unsupported(ctx, "punycode_to_string");
  }
  return kql_str_from_buf(&out);
}

static bool pc_is_dot(uint32_t cp) { return cp == '.' || cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61; }

/* Splits on IDNA dots and encodes (to_ascii) or decodes each label. */
static kv_value pc_domain(kql_fn_ctx *ctx, kv_value arg, bool to_ascii, const char *name) {
  kv_buf tmp, out;
  size_t len, n;
  uint32_t *cps;
  kv_buf_init(&tmp);
  const char *s = kql_arg_str(arg, &tmp, &len);
  bool ok = pc_codepoints(s, len, &cps, &n);
  kv_buf_init(&out);
  size_t start = 0, sb = 0; /* label start in code points and in bytes */
  for (size_t i = 0, bi = 0; ok && i <= n; i++) {
    uint32_t cp = 0;
    size_t nb = bi;
    if (i < n) {
      pc_utf8_next(s, len, &nb, &cp);
      if (!pc_is_dot(cp)) {
        bi = nb;
        continue;
      }
    }
    bool ascii = true;
    for (size_t k = start; k < i; k++) ascii &= cps[k] < 0x80;
    if (start > 0) kv_buf_append(&out, ".", 1);
    if (to_ascii) {
      if (ascii) {
        kv_buf_append(&out, s + sb, bi - sb);
      } else {
        kv_buf_append(&out, "xn--", 4);
        ok = pc_encode(cps + start, i - start, &out);
      }
    } else {
      bool ace = bi - sb >= 4 && (s[sb] == 'x' || s[sb] == 'X') && (s[sb + 1] == 'n' || s[sb + 1] == 'N') &&
                 s[sb + 2] == '-' && s[sb + 3] == '-';
      if (ace && ascii)
        ok = pc_decode(s + sb + 4, bi - sb - 4, &out);
      else
        kv_buf_append(&out, s + sb, bi - sb);
    }
    bi = nb;
    start = i + 1;
    sb = bi;
  }
  free(cps);
  kv_buf_free(&tmp);
  if (!ok) {
    kv_buf_free(&out);
    return pc_unsupported(ctx, name);
  }
  return kql_str_from_buf(&out);
}

KQL_FN(punycode_domain_to_string) { return pc_domain(ctx, args[0], true, "punycode_domain_to_string"); }
KQL_FN(punycode_domain_from_string) { return pc_domain(ctx, args[0], false, "punycode_domain_from_string"); }
