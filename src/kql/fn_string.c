/* SPDX-License-Identifier: MIT
 * String functions: strlen, string_size, substring, strcat(_delim/_array),
 * tolower/toupper, trim*, split, replace_string, indexof, reverse, strrep,
 * countof, strcmp, tohex, isascii, isutf8, unicode code points.
 * Positions and lengths count Unicode code points (strlen("😀") == 1,
 * agent-string-ops-0035). Owner: kqllib. */
#include <stdlib.h>
#include <string.h>

#include "kql/fn_lib.h"
#include "kql/kql_regex.h"

/* Sane bound on strings these functions build (Kusto caps strings too). */
#define KQL_STR_MAX ((size_t)64 * 1024 * 1024)

KQL_FN(strlen) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *s = kql_arg_str(args[0], &t, &n);
  kv_value r = kv_long((int64_t)kql_utf8_count(s, n));
  kv_buf_free(&t);
  return r;
}

KQL_FN(string_size) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  kql_arg_str(args[0], &t, &n);
  kv_buf_free(&t);
  return kv_long((int64_t)n);
}

/* substring(s, start[, length]): a negative start counts from the end
 * (substring("hello", -2, 2) == "lo"); what falls outside is cut
 * (substring("hello", -100, 3) == "", agent-string-ops-0017/0023.2). */
KQL_FN(substring) {
  kv_buf t;
  size_t n;
  int64_t start, count;
  kv_buf_init(&t);
  const char *s = kql_arg_str(args[0], &t, &n);
  if (!kql_arg_long(args[1], &start)) {
    kv_buf_free(&t);
    return kv_string("", 0);
  }
  int64_t cps = (int64_t)kql_utf8_count(s, n);
  if (start < 0) start += cps;
  int64_t end = cps;
  if (argc > 2) {
    if (!kql_arg_long(args[2], &count)) count = cps;
    if (count < 0) count = 0;
    end = start + count;
  }
  if (start < 0) start = 0;
  if (end > cps) end = cps;
  kv_value r;
  if (end <= start) {
    r = kv_string("", 0);
  } else {
    size_t b0 = kql_utf8_offset(s, n, (size_t)start), b1 = kql_utf8_offset(s, n, (size_t)end);
    r = kv_string(s + b0, b1 - b0);
  }
  kv_buf_free(&t);
  return r;
}

static void kql_append_arg(kv_buf *out, kv_value v) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *s = kql_arg_str(v, &t, &n);
  kv_buf_append(out, s, n);
  kv_buf_free(&t);
}

KQL_FN(strcat) {
  kv_buf b;
  kv_buf_init(&b);
  for (int i = 0; i < argc; i++) kql_append_arg(&b, args[i]);
  return kql_str_from_buf(&b);
}

KQL_FN(strcat_delim) {
  kv_buf b;
  kv_buf_init(&b);
  for (int i = 1; i < argc; i++) {
    if (i > 1) kql_append_arg(&b, args[0]);
    kql_append_arg(&b, args[i]);
  }
  return kql_str_from_buf(&b);
}

KQL_FN(strcat_array) {
  kv_buf b;
  kv_buf_init(&b);
  if (kv_is_array(args[0])) {
    for (size_t i = 0; i < kv_array_count(args[0]); i++) {
      if (i) kql_append_arg(&b, args[1]);
      kql_append_arg(&b, kv_array_get(args[0], i));
    }
  }
  return kql_str_from_buf(&b);
}

/* ---- case mapping: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic ---- */

static unsigned kql_cp_lower(unsigned cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp >= 0x100 && cp <= 0x137 && !(cp & 1)) return cp + 1;
  if (cp >= 0x139 && cp <= 0x148 && (cp & 1)) return cp + 1;
  if (cp >= 0x14A && cp <= 0x177 && !(cp & 1)) return cp + 1;
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  return cp;
}

static unsigned kql_cp_upper(unsigned cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 0x20;
  if (cp == 0xFF) return 0x178;
  if (cp >= 0x101 && cp <= 0x137 && (cp & 1)) return cp - 1;
  if (cp >= 0x13A && cp <= 0x148 && !(cp & 1)) return cp - 1;
  if (cp >= 0x14B && cp <= 0x177 && (cp & 1)) return cp - 1;
  if (cp >= 0x3B1 && cp <= 0x3CB && cp != 0x3C2) return cp - 0x20;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 0x20;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 0x50;
  return cp;
}

/* Decodes one UTF-8 sequence (1..4 bytes); invalid bytes decode as
 * themselves with length 1 and *ok false. */
static size_t kql_utf8_decode(const unsigned char *s, size_t n, unsigned *cp, bool *ok) {
  unsigned c = s[0];
  *ok = true;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (!len || len > n) goto bad;
  unsigned v = c & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) goto bad;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF))
    goto bad;
  *cp = v;
  return len;
bad:
  *ok = false;
  *cp = c;
  return 1;
}

static void kql_utf8_encode(kv_buf *b, unsigned cp) { kv_buf_put_utf8(b, cp); }

static kv_value kql_map_case(kv_value v, unsigned (*map)(unsigned)) {
  kv_buf t, out;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const unsigned char *s = (const unsigned char *)kql_arg_str(v, &t, &n);
  kv_buf_reserve(&out, n);
  for (size_t i = 0; i < n;) {
    unsigned cp;
    bool ok;
    size_t l = kql_utf8_decode(s + i, n - i, &cp, &ok);
    if (ok) kql_utf8_encode(&out, map(cp));
    else kv_buf_putc(&out, (char)s[i]);
    i += l;
  }
  kv_buf_free(&t);
  return kql_str_from_buf(&out);
}

KQL_FN(tolower) { return kql_map_case(args[0], kql_cp_lower); }
KQL_FN(toupper) { return kql_map_case(args[0], kql_cp_upper); }

/* ---- trim family: the first argument is a regex (trim("--", s) strips
 * one "--" at each end; trim(@"\s+", s) all white space). Compiled once per
 * call site when the pattern is constant. ---- */

typedef struct kql_trim_site {
  kql_regex *start_re; /* ^(?:p) */
  kql_regex *end_re;   /* (?:p)$ */
} kql_trim_site;

static void kql_trim_site_free(void *p) {
  kql_trim_site *t = p;
  if (!t) return;
  kql_regex_free(t->start_re);
  kql_regex_free(t->end_re);
  free(t);
}

static kql_regex *kql_trim_compile(const char *p, size_t n, bool at_start) {
  kv_buf b;
  kv_buf_init(&b);
  kv_buf_puts(&b, at_start ? "^(?:" : "(?:");
  kv_buf_append(&b, p, n);
  kv_buf_puts(&b, at_start ? ")" : ")$");
  kql_regex *re = NULL;
  if (kql_regex_compile(b.data, b.len, 0, &re, NULL) != 0) re = NULL;
  kv_buf_free(&b);
  return re;
}

static kv_value kql_trim_impl(kql_fn_ctx *ctx, const kv_value *args, bool do_start, bool do_end) {
  kv_buf pt, st;
  size_t pn, sn;
  kv_buf_init(&pt);
  kv_buf_init(&st);
  const char *p = kql_arg_str(args[0], &pt, &pn);
  const char *s = kql_arg_str(args[1], &st, &sn);
  kql_trim_site local = {NULL, NULL};
  kql_trim_site *site = &local;
  bool cached = ctx && ctx->site_state && ctx->arg_is_constant && ctx->arg_is_constant[0];
  if (cached && *ctx->site_state) {
    site = *ctx->site_state;
  } else {
    site->start_re = do_start ? kql_trim_compile(p, pn, true) : NULL;
    site->end_re = do_end ? kql_trim_compile(p, pn, false) : NULL;
    if (cached) {
      kql_trim_site *keep = kv_malloc(sizeof *keep);
      *keep = local;
      *ctx->site_state = keep;
      if (ctx->site_free) *ctx->site_free = kql_trim_site_free;
      site = keep;
    }
  }
  if ((do_start && !site->start_re) || (do_end && !site->end_re)) {
    if (!cached) {
      kql_regex_free(local.start_re);
      kql_regex_free(local.end_re);
    }
    kv_buf_free(&pt);
    kv_buf_free(&st);
    return kql_fn_fail(ctx, KV_STRING, "trim: invalid regular expression");
  }
  size_t b0 = 0, b1 = sn;
  kql_regex_span g;
  if (do_start && kql_regex_search(site->start_re, s, sn, 0, &g, 1, NULL) && g.start == 0) b0 = g.end;
  if (do_end && b1 > b0 && kql_regex_search(site->end_re, s, sn, b0, &g, 1, NULL) && g.end == sn) b1 = g.start;
  if (b1 < b0) b1 = b0;
  kv_value r = kv_string(s + b0, b1 - b0);
  if (!cached) {
    kql_regex_free(local.start_re);
    kql_regex_free(local.end_re);
  }
  kv_buf_free(&pt);
  kv_buf_free(&st);
  return r;
}

KQL_FN(trim) { return kql_trim_impl(ctx, args, true, true); }
KQL_FN(trim_start) { return kql_trim_impl(ctx, args, true, false); }
KQL_FN(trim_end) { return kql_trim_impl(ctx, args, false, true); }

/* ---- split / replace / search ---- */

/* split(s, delim[, index]) (emulator:split-function-00): split("", "_") ==
 * [""], split("a__b", "_") == ["a","","b"]; with an index, a one-element
 * array (empty when out of range). */
KQL_FN(split) {
  kv_buf st, dt;
  size_t sn, dn;
  kv_buf_init(&st);
  kv_buf_init(&dt);
  const char *s = kql_arg_str(args[0], &st, &sn);
  const char *d = kql_arg_str(args[1], &dt, &dn);
  kv_value arr = kv_dyn_array();
  int64_t want = -1;
  bool indexed = argc > 2 && kql_arg_long(args[2], &want);
  int64_t idx = 0;
  size_t pos = 0;
  for (;;) {
    int64_t at = dn ? kv_str_find(s + pos, sn - pos, d, dn, true) : -1;
    size_t end = at < 0 ? sn : pos + (size_t)at;
    if (!indexed || idx == want) kv_array_push(arr, kv_string(s + pos, end - pos));
    idx++;
    if (at < 0) break;
    pos = end + dn;
  }
  kv_buf_free(&st);
  kv_buf_free(&dt);
  return arr;
}

KQL_RT(split) { return KV_DYNAMIC; }

KQL_FN(replace_string) {
  kv_buf st, lt, rt, out;
  size_t sn, ln, rn;
  kv_buf_init(&st);
  kv_buf_init(&lt);
  kv_buf_init(&rt);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &st, &sn);
  const char *l = kql_arg_str(args[1], &lt, &ln);
  const char *r = kql_arg_str(args[2], &rt, &rn);
  size_t pos = 0;
  while (ln && pos <= sn) {
    int64_t at = kv_str_find(s + pos, sn - pos, l, ln, true);
    if (at < 0) break;
    kv_buf_append(&out, s + pos, (size_t)at);
    kv_buf_append(&out, r, rn);
    pos += (size_t)at + ln;
    if (out.len > KQL_STR_MAX) break;
  }
  if (pos < sn) kv_buf_append(&out, s + pos, sn - pos);
  kv_buf_free(&st);
  kv_buf_free(&lt);
  kv_buf_free(&rt);
  return kql_str_from_buf(&out);
}

/* replace_strings(text, lookups, rewrites): lookups apply in array order,
 * each to the text the earlier ones did not already claim, and nothing is
 * rescanned: with ["is", "This"] the "is" inside "This" goes first
 * ("Thwas was ...", emulator:replace-strings-function-02). A non-string
 * rewrite claims its matches but leaves them as they were
 * (replace-strings-function-03). */
KQL_FN(replace_strings) {
  kv_buf st, out;
  size_t sn;
  kv_buf_init(&st);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &st, &sn);
  size_t nl = kv_array_count(args[1]);
  /* owner[i]: 0 = unclaimed, k+1 = start of a match of lookup k,
   * SIZE_MAX = inside a claimed match */
  size_t *owner = kv_calloc(sn + 1, sizeof *owner);
  for (size_t k = 0; k < nl; k++) {
    kv_value lk = kv_array_get(args[1], k);
    if (kv_scalar_type(lk) != KV_STRING || lk.len == 0) continue;
    for (size_t pos = 0; pos + lk.len <= sn;) {
      bool free_span = true;
      for (size_t i = pos; i < pos + lk.len && free_span; i++) free_span = owner[i] == 0;
      if (free_span && memcmp(s + pos, lk.u.s, lk.len) == 0) {
        owner[pos] = k + 1;
        for (size_t i = pos + 1; i < pos + lk.len; i++) owner[i] = SIZE_MAX;
        pos += lk.len;
      } else {
        pos++;
      }
    }
  }
  for (size_t pos = 0; pos < sn;) {
    if (owner[pos] && owner[pos] != SIZE_MAX) {
      size_t k = owner[pos] - 1;
      kv_value lk = kv_array_get(args[1], k);
      kv_value rw = kv_array_get(args[2], k);
      if (kv_scalar_type(rw) == KV_STRING && !kv_is_null(rw)) kv_buf_append(&out, rw.u.s, rw.len);
      else kv_buf_append(&out, s + pos, lk.len);
      pos += lk.len;
    } else {
      kv_buf_putc(&out, s[pos++]);
    }
  }
  free(owner);
  kv_buf_free(&st);
  return kql_str_from_buf(&out);
}

/* indexof(s, lookup[, start[, length[, occurrence]]]) -> code point index
 * or -1 (agent-string-ops-0014.2). A negative start counts from the end;
 * `length` bounds where a match may START (indexof("abcdefg","cde",1,2) == 2,
 * emulator:indexof-function-00). */
KQL_FN(indexof) {
  kv_buf st, lt;
  size_t sn, ln;
  kv_buf_init(&st);
  kv_buf_init(&lt);
  const char *s = kql_arg_str(args[0], &st, &sn);
  const char *l = kql_arg_str(args[1], &lt, &ln);
  int64_t start = 0, length = -1, occ = 1;
  if (argc > 2 && !kql_arg_long(args[2], &start)) start = 0;
  if (argc > 3 && !kql_arg_long(args[3], &length)) length = -1;
  if (argc > 4 && !kql_arg_long(args[4], &occ)) occ = 1;
  int64_t cps = (int64_t)kql_utf8_count(s, sn);
  kv_value r = kv_long(-1);
  if (start < 0) start += cps;
  if (start < 0 || occ < 1) {
    r = kv_null(KV_LONG);
  } else if (start <= cps) {
    size_t pos = kql_utf8_offset(s, sn, (size_t)start);
    for (int64_t k = 0; k < occ; k++) {
      int64_t at = kv_str_find(s + pos, sn - pos, l, ln, true);
      if (at < 0) {
        pos = SIZE_MAX;
        break;
      }
      pos += (size_t)at;
      if (k + 1 < occ) pos += ln ? ln : 1;
      if (pos > sn) {
        pos = SIZE_MAX;
        break;
      }
    }
    if (pos != SIZE_MAX) {
      int64_t cp = (int64_t)kql_utf8_count(s, pos);
      if (length < 0 || cp - start <= length) r = kv_long(cp);
    }
  }
  kv_buf_free(&st);
  kv_buf_free(&lt);
  return r;
}

/* reverse(s) by code points; non-strings go through tostring first
 * (reverse(123.45) == "54.321", emulator:reverse-function-01). */
KQL_FN(reverse) {
  kv_buf st, out;
  size_t sn;
  kv_buf_init(&st);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &st, &sn);
  kv_buf_reserve(&out, sn);
  size_t end = sn;
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80 && end - start < 4) start--;
    kv_buf_append(&out, s + start, end - start);
    end = start;
  }
  kv_buf_free(&st);
  return kql_str_from_buf(&out);
}

/* strrep(value, n[, delimiter]) (emulator:strrep-function-00). */
KQL_FN(strrep) {
  kv_buf st, dt, out;
  size_t sn, dn = 0;
  int64_t n;
  kv_buf_init(&st);
  kv_buf_init(&dt);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &st, &sn);
  const char *d = argc > 2 ? kql_arg_str(args[2], &dt, &dn) : "";
  if (kql_arg_long(args[1], &n) && n > 0) {
    /* Kusto repeats at most 1024 times; an empty value needs no loop at all
     * (fuzz_kqllib: strrep("", 2^62) spun for minutes). */
    if (n > 1024) n = 1024;
    if (sn + dn == 0) n = 0;
    for (int64_t i = 0; i < n && out.len <= KQL_STR_MAX; i++) {
      if (i) kv_buf_append(&out, d, dn);
      kv_buf_append(&out, s, sn);
    }
  }
  kv_buf_free(&st);
  kv_buf_free(&dt);
  return kql_str_from_buf(&out);
}

/* countof(text, search[, kind]): "normal" counts overlapping occurrences,
 * "regex" non-overlapping matches (agent-string-ops-0024). */
KQL_FN(countof) {
  kv_buf st, lt, kt;
  size_t sn, ln, kn = 0;
  kv_buf_init(&st);
  kv_buf_init(&lt);
  kv_buf_init(&kt);
  const char *s = kql_arg_str(args[0], &st, &sn);
  const char *l = kql_arg_str(args[1], &lt, &ln);
  const char *k = argc > 2 ? kql_arg_str(args[2], &kt, &kn) : "normal";
  if (argc <= 2) kn = 6;
  int64_t count = 0;
  kv_value r;
  if (kn == 5 && memcmp(k, "regex", 5) == 0) {
    kql_regex *re = NULL;
    if (kql_regex_compile(l, ln, 0, &re, NULL) != 0) {
      r = kql_fn_fail(ctx, KV_LONG, "countof: invalid regular expression");
    } else {
      kql_regex_iter it;
      kql_regex_span g;
      kql_regex_iter_init(&it, re, s, sn, NULL);
      while (kql_regex_iter_next(&it, &g, 1)) count++;
      kql_regex_free(re);
      r = kv_long(count);
    }
  } else {
    if (ln) {
      size_t pos = 0;
      for (;;) {
        int64_t at = kv_str_find(s + pos, sn - pos, l, ln, true);
        if (at < 0) break;
        count++;
        pos += (size_t)at + 1;
        if (pos > sn) break;
      }
    }
    r = kv_long(count);
  }
  kv_buf_free(&st);
  kv_buf_free(&lt);
  kv_buf_free(&kt);
  return r;
}

KQL_FN(strcmp) {
  kv_buf a, b;
  size_t an, bn;
  kv_buf_init(&a);
  kv_buf_init(&b);
  const char *x = kql_arg_str(args[0], &a, &an);
  const char *y = kql_arg_str(args[1], &b, &bn);
  size_t m = an < bn ? an : bn;
  int c = m ? memcmp(x, y, m) : 0;
  if (!c) c = (an > bn) - (an < bn);
  kv_buf_free(&a);
  kv_buf_free(&b);
  return kv_long(c < 0 ? -1 : c > 0 ? 1 : 0); /* long: emulator:strcmp-function-00 */
}

/* tohex(n[, minlength]): two's complement, 32-bit for int, 64-bit for long
 * (emulator:tohex-function-00). */
KQL_FN(tohex) {
  int64_t v, minlen = 0;
  if (!kql_arg_long(args[0], &v)) return kv_null(KV_STRING);
  if (argc > 1 && !kql_arg_long(args[1], &minlen)) minlen = 0;
  uint64_t u = kv_scalar_type(args[0]) == KV_INT ? (uint64_t)(uint32_t)v : (uint64_t)v;
  char digits[17];
  int nd = 0;
  do {
    digits[nd++] = "0123456789abcdef"[u & 15];
    u >>= 4;
  } while (u);
  kv_buf b;
  kv_buf_init(&b);
  for (int64_t i = nd; i < minlen && i < 64; i++) kv_buf_putc(&b, '0');
  while (nd) kv_buf_putc(&b, digits[--nd]);
  return kql_str_from_buf(&b);
}

KQL_FN(isascii) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *s = kql_arg_str(args[0], &t, &n);
  bool ok = true;
  for (size_t i = 0; i < n && ok; i++) ok = (unsigned char)s[i] < 0x80;
  kv_buf_free(&t);
  return kv_bool(ok);
}

KQL_FN(isutf8) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const unsigned char *s = (const unsigned char *)kql_arg_str(args[0], &t, &n);
  bool ok = true;
  for (size_t i = 0; i < n && ok;) {
    unsigned cp;
    i += kql_utf8_decode(s + i, n - i, &cp, &ok);
  }
  kv_buf_free(&t);
  return kv_bool(ok);
}

KQL_FN(unicode_codepoints_from_string) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const unsigned char *s = (const unsigned char *)kql_arg_str(args[0], &t, &n);
  kv_value arr = kv_dyn_array();
  for (size_t i = 0; i < n;) {
    unsigned cp;
    bool ok;
    i += kql_utf8_decode(s + i, n - i, &cp, &ok);
    kv_array_push(arr, kv_long(ok ? (int64_t)cp : 0xFFFD));
  }
  kv_buf_free(&t);
  return arr;
}

static void kql_put_cp(kv_buf *b, kv_value v) {
  int64_t cp;
  if (kv_is_array(v)) {
    for (size_t i = 0; i < kv_array_count(v); i++) kql_put_cp(b, kv_array_get(v, i));
    return;
  }
  if (!kql_arg_long(v, &cp)) return;
  if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  kql_utf8_encode(b, (unsigned)cp);
}

KQL_FN(unicode_codepoints_to_string) {
  kv_buf b;
  kv_buf_init(&b);
  for (int i = 0; i < argc; i++) kql_put_cp(&b, args[i]);
  return kql_str_from_buf(&b);
}
