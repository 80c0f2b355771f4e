/* SPDX-License-Identifier: MIT
 * Code point sets for the regex engine: range-set operations, simple case
 * folding and the \p{..} Unicode classes. The Unicode data is an
 * APPROXIMATION kept small on purpose (no generated tables):
 *   - case folding covers ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic
 *     (U+0400-U+052F), Armenian, full-width Latin, plus k/K/KELVIN SIGN and
 *     s/S/LONG S as RE2 does;
 *   - \p{L} lists the letter blocks of the common scripts (Latin, Greek,
 *     Cyrillic, Armenian, Hebrew, Arabic, Devanagari, Thai, Georgian, Hangul,
 *     kana, CJK), Lu/Ll the cased ranges above; \p{N}/\p{Nd} the ASCII,
 *     Arabic-Indic, Devanagari, full-width digits and Latin-1 number signs;
 *     P, S, Z the ASCII/Latin-1 members and the general punctuation, symbol
 *     and space blocks. Scripts: Latin, Greek, Cyrillic, Han, Hiragana,
 *     Katakana, Arabic, Hebrew, Hangul, Thai, Common-free.
 * Code outside these blocks may be misclassified; documented in kql_regex.h. */
#include "kql/kql_regex_int.h"
#include "value/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *kre_alloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("etw2kusto: out of memory (regex)\n", stderr);
    abort();
  }
  return p;
}

void *kre_realloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fputs("etw2kusto: out of memory (regex)\n", stderr);
    abort();
  }
  return q;
}

size_t kre_utf8_encode(uint32_t cp, char *out) { return kv_utf8_put(out, cp); }

/* ---- range sets ---- */

void kre_rset_add(kre_rset *s, uint32_t lo, uint32_t hi) {
  if (s->count == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 8;
    s->r = kre_realloc(s->r, s->cap * sizeof *s->r);
  }
  s->r[s->count].lo = lo;
  s->r[s->count].hi = hi;
  s->count++;
}

void kre_rset_add_set(kre_rset *s, const kre_range *r, size_t count) {
  for (size_t i = 0; i < count; i++) kre_rset_add(s, r[i].lo, r[i].hi);
}

static int kre_range_cmp(const void *a, const void *b) {
  const kre_range *x = a, *y = b;
  return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

void kre_rset_normalize(kre_rset *s) {
  if (s->count < 2) return;
  qsort(s->r, s->count, sizeof *s->r, kre_range_cmp);
  size_t w = 0;
  for (size_t i = 1; i < s->count; i++) {
    if (s->r[i].lo <= s->r[w].hi + 1) {
      if (s->r[i].hi > s->r[w].hi) s->r[w].hi = s->r[i].hi;
    } else {
      s->r[++w] = s->r[i];
    }
  }
  s->count = w + 1;
}

void kre_rset_negate(kre_rset *s) {
  kre_rset_normalize(s);
  kre_rset out = {0};
  uint32_t next = 0;
  for (size_t i = 0; i < s->count; i++) {
    if (s->r[i].lo > next) kre_rset_add(&out, next, s->r[i].lo - 1);
    next = s->r[i].hi + 1;
  }
  if (next <= KRE_MAX_CP) kre_rset_add(&out, next, KRE_MAX_CP);
  kre_rset_free(s);
  *s = out;
}

void kre_rset_free(kre_rset *s) {
  free(s->r);
  s->r = NULL;
  s->count = s->cap = 0;
}

/* ---- simple case folding ----
 * Each entry maps the range [lo, hi] of one case to the other case by
 * `delta`; stride 2 means only every other code point (lo, lo+2, ...) is in
 * the range (Latin Extended-A style upper/lower pairs, delta 1). */
typedef struct kre_fold_entry {
  uint32_t lo, hi;
  int32_t delta;
  uint8_t stride;
} kre_fold_entry;

static const kre_fold_entry kre_fold_table[] = {
    {0x41, 0x5A, 32, 1},       {0xC0, 0xD6, 32, 1},     {0xD8, 0xDE, 32, 1},
    {0x100, 0x12E, 1, 2},      {0x132, 0x136, 1, 2},    {0x139, 0x147, 1, 2},
    {0x14A, 0x176, 1, 2},      {0x178, 0x178, -121, 1}, {0x179, 0x17D, 1, 2},
    {0x386, 0x386, 38, 1},     {0x388, 0x38A, 37, 1},   {0x38C, 0x38C, 64, 1},
    {0x38E, 0x38F, 63, 1},     {0x391, 0x3A1, 32, 1},   {0x3A3, 0x3AB, 32, 1},
    {0x400, 0x40F, 80, 1},     {0x410, 0x42F, 32, 1},   {0x460, 0x480, 1, 2},
    {0x48A, 0x4BE, 1, 2},      {0x4D0, 0x52E, 1, 2},    {0x531, 0x556, 48, 1},
    {0x1E00, 0x1E94, 1, 2},    {0x1EA0, 0x1EFE, 1, 2},  {0xFF21, 0xFF3A, 32, 1},
};

int kre_fold_others(uint32_t cp, uint32_t out[4]) {
  int n = 0;
  /* special orbits RE2 knows: k K U+212A, s S U+017F, and the Greek final sigma */
  static const uint32_t orbits[][4] = {
      {'K', 'k', 0x212A, 0}, {'S', 's', 0x17F, 0}, {0x3A3, 0x3C2, 0x3C3, 0}, {0xB5, 0x39C, 0x3BC, 0}};
  for (size_t o = 0; o < sizeof orbits / sizeof orbits[0]; o++) {
    bool in = false;
    for (int k = 0; k < 4 && orbits[o][k]; k++)
      if (orbits[o][k] == cp) in = true;
    if (!in) continue;
    for (int k = 0; k < 4 && orbits[o][k]; k++)
      if (orbits[o][k] != cp) out[n++] = orbits[o][k];
    return n;
  }
  for (size_t i = 0; i < sizeof kre_fold_table / sizeof kre_fold_table[0]; i++) {
    const kre_fold_entry *e = &kre_fold_table[i];
    if (cp >= e->lo && cp <= e->hi && (cp - e->lo) % e->stride == 0) {
      out[n++] = (uint32_t)((int32_t)cp + e->delta);
      return n;
    }
    uint32_t lo2 = (uint32_t)((int32_t)e->lo + e->delta), hi2 = (uint32_t)((int32_t)e->hi + e->delta);
    if (cp >= lo2 && cp <= hi2 && (cp - lo2) % e->stride == 0) {
      out[n++] = (uint32_t)((int32_t)cp - e->delta);
      return n;
    }
  }
  return 0;
}

void kre_rset_add_folded(kre_rset *s) {
  kre_rset_normalize(s);
  size_t orig = s->count;
  /* Only code points below U+FF5B have case variants in our table, so a large
   * range is clipped before walking it one code point at a time. */
  for (size_t i = 0; i < orig; i++) {
    uint32_t lo = s->r[i].lo, hi = s->r[i].hi;
    if (lo > 0xFF5A) continue;
    if (hi > 0xFF5A) hi = 0xFF5A;
    for (uint32_t c = lo; c <= hi; c++) {
      if (c == 0x600) c = 0x1E00; /* no case between Armenian and Latin Ext Additional */
      if (c == 0x1F00) c = 0x212A;
      if (c == 0x212B) c = 0xFF21;
      if (c > hi) break;
      uint32_t o[4];
      int k = kre_fold_others(c, o);
      for (int j = 0; j < k; j++) kre_rset_add(s, o[j], o[j]);
    }
  }
  kre_rset_normalize(s);
}

/* ---- Unicode classes (approximate, see the file comment) ---- */
#define KRE_R(a, b) {a, b}
static const kre_range kre_u_lu[] = {
    KRE_R(0x41, 0x5A), KRE_R(0xC0, 0xD6), KRE_R(0xD8, 0xDE), KRE_R(0x391, 0x3A1), KRE_R(0x3A3, 0x3AB),
    KRE_R(0x400, 0x42F), KRE_R(0x531, 0x556), KRE_R(0xFF21, 0xFF3A)};
static const kre_range kre_u_ll[] = {
    KRE_R(0x61, 0x7A), KRE_R(0xB5, 0xB5), KRE_R(0xDF, 0xF6), KRE_R(0xF8, 0xFF), KRE_R(0x3AC, 0x3CE),
    KRE_R(0x430, 0x45F), KRE_R(0x561, 0x587), KRE_R(0xFF41, 0xFF5A)};
static const kre_range kre_u_l[] = {
    KRE_R(0x41, 0x5A), KRE_R(0x61, 0x7A), KRE_R(0xAA, 0xAA), KRE_R(0xB5, 0xB5), KRE_R(0xBA, 0xBA),
    KRE_R(0xC0, 0xD6), KRE_R(0xD8, 0xF6), KRE_R(0xF8, 0x2C1), KRE_R(0x2C6, 0x2D1),
    KRE_R(0x2E0, 0x2E4), KRE_R(0x370, 0x374), KRE_R(0x376, 0x377), KRE_R(0x37A, 0x37D),
    KRE_R(0x37F, 0x37F), KRE_R(0x386, 0x386), KRE_R(0x388, 0x3F5), KRE_R(0x3F7, 0x481),
    KRE_R(0x48A, 0x52F), KRE_R(0x531, 0x556), KRE_R(0x561, 0x587), KRE_R(0x5D0, 0x5EA),
    KRE_R(0x620, 0x64A), KRE_R(0x671, 0x6D3), KRE_R(0x904, 0x939), KRE_R(0xE01, 0xE30),
    KRE_R(0x10A0, 0x10FF), KRE_R(0x1100, 0x11FF), KRE_R(0x1E00, 0x1FBC), KRE_R(0x3041, 0x3096),
    KRE_R(0x30A1, 0x30FA), KRE_R(0x3400, 0x4DBF), KRE_R(0x4E00, 0x9FFF), KRE_R(0xAC00, 0xD7A3),
    KRE_R(0xF900, 0xFAFF), KRE_R(0xFF21, 0xFF3A), KRE_R(0xFF41, 0xFF5A), KRE_R(0x20000, 0x2FA1F)};
static const kre_range kre_u_nd[] = {KRE_R(0x30, 0x39),   KRE_R(0x660, 0x669), KRE_R(0x6F0, 0x6F9),
                                     KRE_R(0x966, 0x96F), KRE_R(0xE50, 0xE59), KRE_R(0xFF10, 0xFF19)};
static const kre_range kre_u_n[] = {KRE_R(0x30, 0x39),     KRE_R(0xB2, 0xB3),     KRE_R(0xB9, 0xB9),
                                    KRE_R(0xBC, 0xBE),     KRE_R(0x660, 0x669),   KRE_R(0x6F0, 0x6F9),
                                    KRE_R(0x966, 0x96F),   KRE_R(0xE50, 0xE59),   KRE_R(0x2070, 0x2070),
                                    KRE_R(0x2074, 0x2079), KRE_R(0x2080, 0x2089), KRE_R(0x2150, 0x2189),
                                    KRE_R(0x2460, 0x249B), KRE_R(0xFF10, 0xFF19)};
static const kre_range kre_u_p[] = {
    KRE_R(0x21, 0x23), KRE_R(0x25, 0x2A), KRE_R(0x2C, 0x2F), KRE_R(0x3A, 0x3B), KRE_R(0x3F, 0x40),
    KRE_R(0x5B, 0x5D), KRE_R(0x5F, 0x5F), KRE_R(0x7B, 0x7B), KRE_R(0x7D, 0x7D), KRE_R(0xA1, 0xA1),
    KRE_R(0xA7, 0xA7), KRE_R(0xAB, 0xAB), KRE_R(0xB6, 0xB7), KRE_R(0xBB, 0xBB), KRE_R(0xBF, 0xBF),
    KRE_R(0x2010, 0x2027), KRE_R(0x2030, 0x2043), KRE_R(0x2045, 0x2051), KRE_R(0x2053, 0x205E),
    KRE_R(0x3001, 0x3003), KRE_R(0x3008, 0x3011)};
static const kre_range kre_u_s[] = {
    KRE_R(0x24, 0x24), KRE_R(0x2B, 0x2B), KRE_R(0x3C, 0x3E), KRE_R(0x5E, 0x5E), KRE_R(0x60, 0x60),
    KRE_R(0x7C, 0x7C), KRE_R(0x7E, 0x7E), KRE_R(0xA2, 0xA6), KRE_R(0xA8, 0xA9), KRE_R(0xAC, 0xAC),
    KRE_R(0xAE, 0xB1), KRE_R(0xB4, 0xB4), KRE_R(0xD7, 0xD7), KRE_R(0xF7, 0xF7),
    KRE_R(0x20A0, 0x20C0), KRE_R(0x2100, 0x2101), KRE_R(0x2190, 0x23FF), KRE_R(0x2500, 0x27BF)};
static const kre_range kre_u_z[] = {KRE_R(0x20, 0x20),     KRE_R(0xA0, 0xA0),     KRE_R(0x1680, 0x1680),
                                    KRE_R(0x2000, 0x200A), KRE_R(0x2028, 0x2029), KRE_R(0x202F, 0x202F),
                                    KRE_R(0x205F, 0x205F), KRE_R(0x3000, 0x3000)};
static const kre_range kre_u_zs[] = {KRE_R(0x20, 0x20),     KRE_R(0xA0, 0xA0),     KRE_R(0x1680, 0x1680),
                                     KRE_R(0x2000, 0x200A), KRE_R(0x202F, 0x202F), KRE_R(0x205F, 0x205F),
                                     KRE_R(0x3000, 0x3000)};
static const kre_range kre_u_c[] = {KRE_R(0x0, 0x1F), KRE_R(0x7F, 0x9F), KRE_R(0xAD, 0xAD),
                                    KRE_R(0x200B, 0x200F), KRE_R(0xD800, 0xF8FF), KRE_R(0xFEFF, 0xFEFF)};
static const kre_range kre_u_cc[] = {KRE_R(0x0, 0x1F), KRE_R(0x7F, 0x9F)};
static const kre_range kre_u_any[] = {KRE_R(0x0, KRE_MAX_CP)};
static const kre_range kre_u_latin[] = {
    KRE_R(0x41, 0x5A), KRE_R(0x61, 0x7A), KRE_R(0xAA, 0xAA), KRE_R(0xBA, 0xBA), KRE_R(0xC0, 0xD6),
    KRE_R(0xD8, 0xF6), KRE_R(0xF8, 0x24F), KRE_R(0x1E00, 0x1EFF), KRE_R(0xFF21, 0xFF3A),
    KRE_R(0xFF41, 0xFF5A)};
static const kre_range kre_u_greek[] = {KRE_R(0x370, 0x373), KRE_R(0x375, 0x377), KRE_R(0x37A, 0x37D),
                                        KRE_R(0x37F, 0x37F), KRE_R(0x384, 0x384), KRE_R(0x386, 0x386),
                                        KRE_R(0x388, 0x3E1), KRE_R(0x3F0, 0x3FF), KRE_R(0x1F00, 0x1FFE)};
static const kre_range kre_u_cyrillic[] = {KRE_R(0x400, 0x52F), KRE_R(0x1C80, 0x1C88),
                                           KRE_R(0x2DE0, 0x2DFF), KRE_R(0xA640, 0xA69F)};
static const kre_range kre_u_han[] = {KRE_R(0x2E80, 0x2FD5), KRE_R(0x3005, 0x3005), KRE_R(0x3007, 0x3007),
                                      KRE_R(0x3021, 0x3029), KRE_R(0x3400, 0x4DBF), KRE_R(0x4E00, 0x9FFF),
                                      KRE_R(0xF900, 0xFAFF), KRE_R(0x20000, 0x2FA1F)};
static const kre_range kre_u_hiragana[] = {KRE_R(0x3041, 0x3096), KRE_R(0x309D, 0x309F)};
static const kre_range kre_u_katakana[] = {KRE_R(0x30A1, 0x30FA), KRE_R(0x30FD, 0x30FF),
                                           KRE_R(0x31F0, 0x31FF), KRE_R(0xFF66, 0xFF9D)};
static const kre_range kre_u_arabic[] = {KRE_R(0x600, 0x604), KRE_R(0x606, 0x60B), KRE_R(0x60D, 0x61A),
                                         KRE_R(0x61C, 0x61E), KRE_R(0x620, 0x63F), KRE_R(0x641, 0x64A),
                                         KRE_R(0x656, 0x66F), KRE_R(0x671, 0x6DC), KRE_R(0x6DE, 0x6FF),
                                         KRE_R(0x750, 0x77F)};
static const kre_range kre_u_hebrew[] = {KRE_R(0x591, 0x5C7), KRE_R(0x5D0, 0x5EA), KRE_R(0x5EF, 0x5F4)};
static const kre_range kre_u_hangul[] = {KRE_R(0x1100, 0x11FF), KRE_R(0x3131, 0x318E), KRE_R(0xAC00, 0xD7A3)};
static const kre_range kre_u_thai[] = {KRE_R(0xE01, 0xE3A), KRE_R(0xE40, 0xE5B)};
#undef KRE_R

#define KRE_UC(n, t) {n, t, sizeof t / sizeof t[0]}
static const kre_uclass kre_uclasses[] = {
    KRE_UC("L", kre_u_l),          KRE_UC("Lu", kre_u_lu),           KRE_UC("Ll", kre_u_ll),
    KRE_UC("N", kre_u_n),          KRE_UC("Nd", kre_u_nd),           KRE_UC("P", kre_u_p),
    KRE_UC("S", kre_u_s),          KRE_UC("Z", kre_u_z),             KRE_UC("Zs", kre_u_zs),
    KRE_UC("C", kre_u_c),          KRE_UC("Cc", kre_u_cc),           KRE_UC("Any", kre_u_any),
    KRE_UC("Latin", kre_u_latin),  KRE_UC("Greek", kre_u_greek),     KRE_UC("Cyrillic", kre_u_cyrillic),
    KRE_UC("Han", kre_u_han),      KRE_UC("Hiragana", kre_u_hiragana), KRE_UC("Katakana", kre_u_katakana),
    KRE_UC("Arabic", kre_u_arabic), KRE_UC("Hebrew", kre_u_hebrew),  KRE_UC("Hangul", kre_u_hangul),
    KRE_UC("Thai", kre_u_thai)};
#undef KRE_UC

const kre_uclass *kre_unicode_class(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof kre_uclasses / sizeof kre_uclasses[0]; i++)
    if (strlen(kre_uclasses[i].name) == len && memcmp(kre_uclasses[i].name, name, len) == 0)
      return &kre_uclasses[i];
  return NULL;
}
