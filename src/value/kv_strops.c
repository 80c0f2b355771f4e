/* SPDX-License-Identifier: MIT
 * Kusto's string operators on UTF-8 bytes: ==/=~, contains, startswith,
 * endswith, has (term match), hasprefix, hassuffix, with and without case.
 * Case folding: ASCII plus the 2-byte UTF-8 Latin-1, Greek and Cyrillic
 * capitals (folding never changes a sequence's length, so matching works
 * position by position with no allocation). Owner: kqllib. */
#include "value/kv_ops.h"

#include <string.h>

/* Folds the (1- or 2-byte) character at s[i] into out[0..1]; returns its
 * length in bytes (1 for ASCII, stray bytes and anything not folded). */
static size_t kv_fold_at(const unsigned char *s, size_t len, size_t i, unsigned char out[2]) {
  unsigned char c = s[i];
  if (c < 0x80) {
    out[0] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
    return 1;
  }
  if (i + 1 < len && (c & 0xE0) == 0xC0 && (s[i + 1] & 0xC0) == 0x80) {
    unsigned cp = ((unsigned)(c & 0x1F) << 6) | (s[i + 1] & 0x3F);
    if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9) ||
        (cp >= 0x410 && cp <= 0x42F))
      cp += 0x20;
    else if (cp >= 0x400 && cp <= 0x40F)
      cp += 0x50;
    out[0] = (unsigned char)(0xC0 | (cp >> 6));
    out[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  out[0] = c;
  return 1;
}

/* Does h[at..] start with n (case per cs)? */
static bool kv_match_at(const unsigned char *h, size_t hlen, size_t at, const unsigned char *n, size_t nlen,
                        bool cs) {
  if (hlen - at < nlen) return false;
  if (cs) return memcmp(h + at, n, nlen) == 0;
  size_t i = 0;
  while (i < nlen) {
    unsigned char a[2], b[2];
    size_t la = kv_fold_at(h + at, nlen, i, a);
    size_t lb = kv_fold_at(n, nlen, i, b);
    if (la != lb || a[0] != b[0] || (la == 2 && a[1] != b[1])) return false;
    i += la;
  }
  return true;
}

bool kv_str_eq(const char *a, size_t alen, const char *b, size_t blen, bool cs) {
  if (alen != blen) return false;
  return kv_match_at((const unsigned char *)a, alen, 0, (const unsigned char *)b, blen, cs);
}

int64_t kv_str_find(const char *h, size_t hlen, const char *n, size_t nlen, bool cs) {
  if (nlen == 0) return 0;
  if (nlen > hlen) return -1;
  const unsigned char *uh = (const unsigned char *)h, *un = (const unsigned char *)n;
  if (cs) {
    for (size_t i = 0; i + nlen <= hlen; i++) {
      const unsigned char *p = memchr(uh + i, un[0], hlen - nlen - i + 1);
      if (!p) return -1;
      i = (size_t)(p - uh);
      if (memcmp(p, un, nlen) == 0) return (int64_t)i;
    }
    return -1;
  }
  unsigned char f0 = un[0], f1 = un[0];
  if (f0 >= 'a' && f0 <= 'z') f1 = (unsigned char)(f0 - 32);
  else if (f0 >= 'A' && f0 <= 'Z') f1 = (unsigned char)(f0 + 32);
  bool filter = f0 < 0x80;
  for (size_t i = 0; i + nlen <= hlen; i++) {
    if (filter && uh[i] != f0 && uh[i] != f1) continue;
    if (kv_match_at(uh, hlen, i, un, nlen, false)) return (int64_t)i;
  }
  return -1;
}

bool kv_str_contains(const char *h, size_t hlen, const char *n, size_t nlen, bool cs) {
  return kv_str_find(h, hlen, n, nlen, cs) >= 0;
}

bool kv_str_startswith(const char *h, size_t hlen, const char *n, size_t nlen, bool cs) {
  return kv_match_at((const unsigned char *)h, hlen, 0, (const unsigned char *)n, nlen, cs);
}

bool kv_str_endswith(const char *h, size_t hlen, const char *n, size_t nlen, bool cs) {
  if (nlen > hlen) return false;
  return kv_match_at((const unsigned char *)h, hlen, hlen - nlen, (const unsigned char *)n, nlen, cs);
}

/* Term characters: ASCII letters and digits, and every non-ASCII byte (so a
 * UTF-8 letter never splits a term). */
static bool kv_is_term_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* mode: 0 has (both edges), 1 hasprefix (left edge), 2 hassuffix (right edge). */
static bool kv_term_search(const char *h, size_t hlen, const char *n, size_t nlen, bool cs, int mode) {
  const unsigned char *uh = (const unsigned char *)h, *un = (const unsigned char *)n;
  if (nlen == 0) return true;
  if (nlen > hlen) return false;
  bool need_left = kv_is_term_byte(un[0]) && mode != 2;
  bool need_right = kv_is_term_byte(un[nlen - 1]) && mode != 1;
  /* Cheap first-byte filter (ASCII first byte: both cases). */
  unsigned char f0 = un[0], f1 = un[0];
  if (!cs && f0 < 0x80) {
    if (f0 >= 'a' && f0 <= 'z') f1 = (unsigned char)(f0 - 32);
    else if (f0 >= 'A' && f0 <= 'Z') f1 = (unsigned char)(f0 + 32);
  }
  bool filter = cs || f0 < 0x80;
  for (size_t i = 0; i + nlen <= hlen; i++) {
    if (filter && uh[i] != f0 && uh[i] != f1) continue;
    if (need_left && i > 0 && kv_is_term_byte(uh[i - 1])) continue;
    if (need_right && i + nlen < hlen && kv_is_term_byte(uh[i + nlen])) continue;
    if (kv_match_at(uh, hlen, i, un, nlen, cs)) return true;
  }
  return false;
}

bool kv_str_has(const char *h, size_t hlen, const char *n, size_t nlen, bool cs) {
  return kv_term_search(h, hlen, n, nlen, cs, 0);
}

bool kv_str_hasprefix(const char *h, size_t hlen, const char *n, size_t nlen, bool cs) {
  return kv_term_search(h, hlen, n, nlen, cs, 1);
}

bool kv_str_hassuffix(const char *h, size_t hlen, const char *n, size_t nlen, bool cs) {
  return kv_term_search(h, hlen, n, nlen, cs, 2);
}

int kv_str_cmp_ci(const char *a, size_t alen, const char *b, size_t blen) {
  const unsigned char *ua = (const unsigned char *)a, *ub = (const unsigned char *)b;
  size_t i = 0, j = 0;
  while (i < alen && j < blen) {
    unsigned char x[2] = {0, 0}, y[2] = {0, 0};
    size_t lx = kv_fold_at(ua, alen, i, x);
    size_t ly = kv_fold_at(ub, blen, j, y);
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    if (lx == 2 && ly == 2 && x[1] != y[1]) return x[1] < y[1] ? -1 : 1;
    if (lx != ly) {
      /* Fall back to the raw following byte for mixed lengths. */
      unsigned char nx = lx == 2 ? x[1] : (i + 1 < alen ? ua[i + 1] : 0);
      unsigned char ny = ly == 2 ? y[1] : (j + 1 < blen ? ub[j + 1] : 0);
      if (nx != ny) return nx < ny ? -1 : 1;
    }
    i += lx;
    j += ly;
  }
  if (i < alen) return 1;
  if (j < blen) return -1;
  return 0;
}

const char *kv_str_view(kv_value v, kv_buf *tmp, size_t *len) {
  if (kv_is_null(v)) {
    *len = 0;
    return "";
  }
  if (kv_scalar_type(v) == KV_STRING) {
    *len = v.len;
    return v.len ? v.u.s : "";
  }
  kv_to_text(tmp, v);
  *len = tmp->len;
  return tmp->data ? tmp->data : "";
}
