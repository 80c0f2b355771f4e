/* SPDX-License-Identifier: MIT
 * IPv4/IPv6 functions: parse_ipv4(_mask), ipv4_is_private, ipv4_is_in_range,
 * ipv4_is_in_any_range, ipv4_is_match, ipv4_compare, ipv4_netmask_suffix,
 * format_ipv4(_mask), has_ipv4, has_ipv4_prefix, has_any_ipv4(_prefix),
 * parse_ipv6(_mask), ipv6_compare, ipv6_is_match, ipv6_is_in_range,
 * ipv6_is_in_any_range. Addresses are "a.b.c.d[/n]" strings (or longs for
 * the IPv4 functions); invalid input gives null. Owner: kqllib. */
#include <string.h>

#include "kql/fn_lib.h"

/* ---- IPv4 ---- */

/* Parses exactly "a.b.c.d" (decimal octets 0..255). */
static bool kql_ipv4_addr(const char *s, size_t n, uint32_t *out) {
  uint32_t v = 0;
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part) {
      if (i >= n || s[i] != '.') return false;
      i++;
    }
    size_t start = i;
    unsigned o = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3) o = o * 10 + (unsigned)(s[i++] - '0');
    if (i == start || o > 255) return false;
    v = (v << 8) | o;
  }
  if (i != n) return false;
  *out = v;
  return true;
}

/* "a.b.c.d[/n]" with surrounding spaces; *prefix = n or 32. */
static bool kql_ipv4_text(const char *s, size_t n, uint32_t *addr, int *prefix) {
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  const char *slash = memchr(s, '/', n);
  *prefix = 32;
  if (slash) {
    size_t pl = n - (size_t)(slash - s) - 1;
    if (pl == 0 || pl > 2) return false;
    int p = 0;
    for (size_t i = 0; i < pl; i++) {
      char c = slash[1 + i];
      if (c < '0' || c > '9') return false;
      p = p * 10 + (c - '0');
    }
    if (p > 32) return false;
    *prefix = p;
    n = (size_t)(slash - s);
  }
  return kql_ipv4_addr(s, n, addr);
}

static uint32_t kql_mask4(int prefix) { return prefix <= 0 ? 0 : prefix >= 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> prefix); }

/* An IPv4 argument: string (with optional /prefix) or a number. */
static bool kql_ipv4_arg(kv_value v, uint32_t *addr, int *prefix) {
  int64_t n;
  *prefix = 32;
  if (kv_is_null(v)) return false;
  if (kv_scalar_type(v) == KV_STRING) return kql_ipv4_text(v.u.s, v.len, addr, prefix);
  if (kv_num_long(v, &n) && n >= 0 && n <= 0xFFFFFFFFLL) {
    *addr = (uint32_t)n;
    return true;
  }
  return false;
}

/* parse_ipv4("192.168.1.1/24") == 3232235776 (emulator:parse-ipv4-function-00). */
KQL_FN(parse_ipv4) {
  uint32_t a;
  int p;
  if (!kql_ipv4_arg(args[0], &a, &p)) return kv_null(KV_LONG);
  return kv_long((int64_t)(a & kql_mask4(p)));
}

KQL_FN(parse_ipv4_mask) {
  uint32_t a;
  int p;
  int64_t m;
  if (!kql_ipv4_arg(args[0], &a, &p) || !kql_arg_long(args[1], &m) || m < 0 || m > 32) return kv_null(KV_LONG);
  if (m < p) p = (int)m;
  return kv_long((int64_t)(a & kql_mask4(p)));
}

KQL_FN(ipv4_is_private) {
  uint32_t a;
  int p;
  if (!kql_ipv4_arg(args[0], &a, &p)) return kv_null(KV_BOOL);
  bool priv = (a >> 24) == 10 || (a >> 20) == ((172u << 4) | 1u) || (a >> 16) == ((192u << 8) | 168u);
  return kv_bool(priv);
}

KQL_FN(ipv4_netmask_suffix) {
  uint32_t a;
  int p;
  if (!kql_ipv4_arg(args[0], &a, &p)) return kv_null(KV_LONG);
  return kv_long(p);
}

/* Compares with the smallest of both prefixes and the optional argument. */
static bool kql_ipv4_pair(const kv_value *args, int argc, uint32_t *x, uint32_t *y) {
  int pa, pb;
  int64_t pm = 32;
  if (!kql_ipv4_arg(args[0], x, &pa) || !kql_ipv4_arg(args[1], y, &pb)) return false;
  if (argc > 2 && (!kql_arg_long(args[2], &pm) || pm < 0 || pm > 32)) return false;
  int p = pa < pb ? pa : pb;
  if (pm < p) p = (int)pm;
  *x &= kql_mask4(p);
  *y &= kql_mask4(p);
  return true;
}

KQL_FN(ipv4_compare) {
  uint32_t x, y;
  if (!kql_ipv4_pair(args, argc, &x, &y)) return kv_null(KV_LONG);
  return kv_long(x < y ? -1 : x > y ? 1 : 0);
}

KQL_FN(ipv4_is_match) {
  uint32_t x, y;
  if (!kql_ipv4_pair(args, argc, &x, &y)) return kv_null(KV_BOOL);
  return kv_bool(x == y);
}

static int kql_ipv4_in_range(kv_value ip, kv_value range) {
  uint32_t a, r;
  int pa, pr;
  if (!kql_ipv4_arg(ip, &a, &pa) || !kql_ipv4_arg(range, &r, &pr)) return -1;
  return (a & kql_mask4(pr)) == (r & kql_mask4(pr));
}

KQL_FN(ipv4_is_in_range) {
  int r = kql_ipv4_in_range(args[0], args[1]);
  return r < 0 ? kv_null(KV_BOOL) : kv_bool(r == 1);
}

static kv_value kql_in_any(const kv_value *args, int argc, int (*in_range)(kv_value, kv_value), kv_type rt) {
  bool any_valid = false;
  for (int i = 1; i < argc; i++) {
    if (kv_is_array(args[i])) {
      for (size_t k = 0; k < kv_array_count(args[i]); k++) {
        int r = in_range(args[0], kv_array_get(args[i], k));
        if (r == 1) return kv_bool(true);
        if (r == 0) any_valid = true;
      }
    } else {
      int r = in_range(args[0], args[i]);
      if (r == 1) return kv_bool(true);
      if (r == 0) any_valid = true;
    }
  }
  return any_valid ? kv_bool(false) : kv_null(rt);
}

KQL_FN(ipv4_is_in_any_range) { return kql_in_any(args, argc, kql_ipv4_in_range, KV_BOOL); }

static void kql_put_ipv4(kv_buf *b, uint32_t a) {
  kv_buf_printf(b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255u, (a >> 8) & 255u, a & 255u);
}

/* format_ipv4(ip[, mask]) / format_ipv4_mask (emulator:format-ipv4-function-00). */
static kv_value kql_format_ipv4(const kv_value *args, int argc, bool with_mask) {
  uint32_t a;
  int p;
  int64_t m = 32;
  if (!kql_ipv4_arg(args[0], &a, &p)) return kv_string("", 0);
  if (argc > 1 && (!kql_arg_long(args[1], &m) || m < 0 || m > 32)) return kv_string("", 0);
  if (m < p) p = (int)m;
  kv_buf b;
  kv_buf_init(&b);
  kql_put_ipv4(&b, a & kql_mask4(p));
  if (with_mask) kv_buf_printf(&b, "/%d", p);
  return kql_str_from_buf(&b);
}

KQL_FN(format_ipv4) { return kql_format_ipv4(args, argc, false); }
KQL_FN(format_ipv4_mask) { return kql_format_ipv4(args, argc, true); }

/* Characters that glue to an address: letters, digits and dots. */
static bool kql_ip_glue(char c) {
  char l = (char)(c | 32);
  return (c >= '0' && c <= '9') || c == '.' || (l >= 'a' && l <= 'z');
}

/* Walks the IPv4-looking tokens of text: maximal runs of digits and dots not
 * glued to letters, digits or dots ("05:04:54127.0.0.1" has no address,
 * emulator:has-ipv4-function-02). Calls fn(token) until it returns true. */
static bool kql_each_ipv4_token(const char *s, size_t n, bool (*fn)(const char *, size_t, void *), void *ud) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (!(c >= '0' && c <= '9')) {
      i++;
      continue;
    }
    size_t start = i;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) i++;
    bool glued_before = start > 0 && kql_ip_glue(s[start - 1]);
    bool glued_after = i < n && kql_ip_glue(s[i]);
    size_t len = i - start;
    if (!glued_before && !glued_after && fn(s + start, len, ud)) return true;
    while (i < n && kql_ip_glue(s[i])) i++;
  }
  return false;
}

typedef struct {
  const char *want;
  size_t want_len;
  bool prefix;
} kql_ip_probe;

static bool kql_ip_probe_fn(const char *tok, size_t len, void *ud) {
  const kql_ip_probe *p = ud;
  uint32_t a;
  if (!kql_ipv4_addr(tok, len, &a)) return false;
  if (p->prefix) return len >= p->want_len && memcmp(tok, p->want, p->want_len) == 0;
  return len == p->want_len && memcmp(tok, p->want, len) == 0;
}

/* A prefix must be whole octets ending with '.', or a full address
 * (has_ipv4_prefix(x, "127.0") is false, emulator:has-ipv4-prefix-function-01). */
static bool kql_valid_ipv4_prefix(const char *s, size_t n) {
  uint32_t a;
  if (kql_ipv4_addr(s, n, &a)) return true;
  if (!n || s[n - 1] != '.') return false;
  int dots = 0;
  size_t digits = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '.') {
      if (!digits) return false;
      dots++;
      digits = 0;
    } else if (s[i] >= '0' && s[i] <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots >= 1 && dots <= 3;
}

static int kql_has_ipv4_one(const char *text, size_t tn, kv_value ip, bool prefix) {
  if (kv_scalar_type(ip) != KV_STRING) return -1;
  uint32_t a;
  if (prefix ? !kql_valid_ipv4_prefix(ip.u.s, ip.len) : !kql_ipv4_addr(ip.u.s, ip.len, &a)) return 0;
  kql_ip_probe p = {ip.u.s, ip.len, prefix};
  return kql_each_ipv4_token(text, tn, kql_ip_probe_fn, &p);
}

static kv_value kql_has_ipv4_impl(const kv_value *args, int argc, bool prefix) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *s = kql_arg_str(args[0], &t, &n);
  bool found = false;
  for (int i = 1; i < argc && !found; i++) {
    if (kv_is_array(args[i])) {
      for (size_t k = 0; k < kv_array_count(args[i]) && !found; k++)
        found = kql_has_ipv4_one(s, n, kv_array_get(args[i], k), prefix) == 1;
    } else {
      found = kql_has_ipv4_one(s, n, args[i], prefix) == 1;
    }
  }
  kv_buf_free(&t);
  return kv_bool(found);
}

KQL_FN(has_ipv4) { return kql_has_ipv4_impl(args, argc, false); }
KQL_FN(has_ipv4_prefix) { return kql_has_ipv4_impl(args, argc, true); }
KQL_FN(has_any_ipv4) { return kql_has_ipv4_impl(args, argc, false); }
KQL_FN(has_any_ipv4_prefix) { return kql_has_ipv4_impl(args, argc, true); }

/* ---- IPv6 ---- */

static int kql_hexd(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses an IPv6 address (with "::" and a trailing dotted IPv4), or a plain
 * IPv4 address as ::ffff:a.b.c.d. A /prefix on an IPv4 counts 96 + n. */
static bool kql_ipv6_text(const char *s, size_t n, uint8_t out[16], int *prefix) {
  while (n && *s == ' ') s++, n--;
  while (n && s[n - 1] == ' ') n--;
  const char *slash = memchr(s, '/', n);
  size_t an = slash ? (size_t)(slash - s) : n;
  int p = -1;
  if (slash) {
    p = 0;
    size_t pl = n - an - 1;
    if (!pl || pl > 3) return false;
    for (size_t i = 0; i < pl; i++) {
      char c = slash[1 + i];
      if (c < '0' || c > '9') return false;
      p = p * 10 + (c - '0');
    }
  }
  memset(out, 0, 16);
  uint32_t v4;
  if (kql_ipv4_addr(s, an, &v4)) {
    out[10] = out[11] = 0xFF;
    for (int k = 0; k < 4; k++) out[12 + k] = (uint8_t)(v4 >> (24 - 8 * k));
    if (p > 32) return false;
    *prefix = p < 0 ? 128 : 96 + p;
    return true;
  }
  uint16_t head[8], tail[8];
  int nh = 0, nt = 0;
  bool gap = false;
  size_t i = 0;
  if (an >= 2 && s[0] == ':' && s[1] == ':') {
    gap = true;
    i = 2;
  }
  while (i < an) {
    size_t start = i;
    /* a trailing dotted IPv4 */
    const char *dot = NULL;
    size_t j = i;
    while (j < an && s[j] != ':') {
      if (s[j] == '.') dot = s + j;
      j++;
    }
    if (dot) {
      if (j != an || !kql_ipv4_addr(s + i, an - i, &v4)) return false;
      uint16_t hi = (uint16_t)(v4 >> 16), lo = (uint16_t)(v4 & 0xFFFF);
      if (gap) {
        if (nt > 6) return false;
        tail[nt++] = hi;
        tail[nt++] = lo;
      } else {
        if (nh > 6) return false;
        head[nh++] = hi;
        head[nh++] = lo;
      }
      i = an;
      break;
    }
    unsigned v = 0;
    while (i < an && kql_hexd(s[i]) >= 0 && i - start < 4) v = v * 16 + (unsigned)kql_hexd(s[i++]);
    if (i == start) return false;
    if (gap) {
      if (nt >= 8) return false;
      tail[nt++] = (uint16_t)v;
    } else {
      if (nh >= 8) return false;
      head[nh++] = (uint16_t)v;
    }
    if (i == an) break;
    if (s[i] != ':') return false;
    i++;
    if (i < an && s[i] == ':') {
      if (gap) return false;
      gap = true;
      i++;
    } else if (i == an) {
      return false;
    }
  }
  if (gap ? nh + nt > 7 : nh != 8) return false;
  uint16_t w[8] = {0};
  for (int k = 0; k < nh; k++) w[k] = head[k];
  for (int k = 0; k < nt; k++) w[8 - nt + k] = tail[k];
  for (int k = 0; k < 8; k++) {
    out[2 * k] = (uint8_t)(w[k] >> 8);
    out[2 * k + 1] = (uint8_t)(w[k] & 0xFF);
  }
  /* "::192.168.255.255/24": a prefix on IPv4 notation counts IPv4 bits
   * (96 + 24 = 120, emulator:parse-ipv6-mask-function-00). */
  if (p >= 0 && memchr(s, '.', an) && p <= 32) p += 96;
  if (p > 128) return false;
  *prefix = p < 0 ? 128 : p;
  return true;
}

static void kql_mask6(uint8_t a[16], int prefix) {
  for (int i = 0; i < 16; i++) {
    int bits = prefix - 8 * i;
    if (bits >= 8) continue;
    a[i] = bits <= 0 ? 0 : (uint8_t)(a[i] & (0xFF << (8 - bits)));
  }
}

static bool kql_ipv6_arg(kv_value v, uint8_t a[16], int *prefix) {
  if (kv_is_null(v) || kv_scalar_type(v) != KV_STRING) return false;
  return kql_ipv6_text(v.u.s, v.len, a, prefix);
}

static kv_value kql_ipv6_format(const uint8_t a[16]) {
  kv_buf b;
  kv_buf_init(&b);
  for (int k = 0; k < 8; k++) kv_buf_printf(&b, k ? ":%02x%02x" : "%02x%02x", a[2 * k], a[2 * k + 1]);
  return kql_str_from_buf(&b);
}

/* parse_ipv6 -> canonical 8 groups of 4 hex digits (emulator:parse-ipv6-function-00). */
KQL_FN(parse_ipv6) {
  uint8_t a[16];
  int p;
  if (!kql_ipv6_arg(args[0], a, &p)) return kv_string("", 0);
  kql_mask6(a, p);
  return kql_ipv6_format(a);
}

KQL_FN(parse_ipv6_mask) {
  uint8_t a[16];
  int p;
  int64_t m;
  if (!kql_ipv6_arg(args[0], a, &p) || !kql_arg_long(args[1], &m) || m < 0 || m > 128) return kv_string("", 0);
  if (m < p) p = (int)m;
  kql_mask6(a, p);
  return kql_ipv6_format(a);
}

/* Comparisons treat the IPv4-compatible form ::a.b.c.d like the mapped
 * form ::ffff:a.b.c.d, so IPv4 prefixes line up: ipv6_compare(
 * "::192.168.1.1/30", "192.168.1.255/24") == 0 (emulator:ipv6-compare-function-00). */
static void kql_ipv6_norm4(uint8_t a[16]) {
  for (int i = 0; i < 10; i++)
    if (a[i]) return;
  if ((a[10] == 0 && a[11] == 0) || (a[10] == 0xFF && a[11] == 0xFF)) a[10] = a[11] = 0xFF;
}

static bool kql_ipv6_pair(const kv_value *args, int argc, uint8_t x[16], uint8_t y[16]) {
  int pa, pb;
  int64_t pm = 128;
  if (!kql_ipv6_arg(args[0], x, &pa) || !kql_ipv6_arg(args[1], y, &pb)) return false;
  if (pa > 96 && pb > 96) {
    kql_ipv6_norm4(x);
    kql_ipv6_norm4(y);
  }
  if (argc > 2 && (!kql_arg_long(args[2], &pm) || pm < 0 || pm > 128)) return false;
  int p = pa < pb ? pa : pb;
  if (pm < p) p = (int)pm;
  kql_mask6(x, p);
  kql_mask6(y, p);
  return true;
}

KQL_FN(ipv6_compare) {
  uint8_t x[16], y[16];
  if (!kql_ipv6_pair(args, argc, x, y)) return kv_null(KV_LONG);
  int c = memcmp(x, y, 16);
  return kv_long(c < 0 ? -1 : c > 0 ? 1 : 0);
}

KQL_FN(ipv6_is_match) {
  uint8_t x[16], y[16];
  if (!kql_ipv6_pair(args, argc, x, y)) return kv_null(KV_BOOL);
  return kv_bool(memcmp(x, y, 16) == 0);
}

static int kql_ipv6_in_range(kv_value ip, kv_value range) {
  uint8_t a[16], r[16];
  int pa, pr;
  if (!kql_ipv6_arg(ip, a, &pa) || !kql_ipv6_arg(range, r, &pr)) return -1;
  kql_mask6(a, pr);
  kql_mask6(r, pr);
  return memcmp(a, r, 16) == 0;
}

KQL_FN(ipv6_is_in_range) {
  int r = kql_ipv6_in_range(args[0], args[1]);
  return r < 0 ? kv_null(KV_BOOL) : kv_bool(r == 1);
}

KQL_FN(ipv6_is_in_any_range) { return kql_in_any(args, argc, kql_ipv6_in_range, KV_BOOL); }

/* ipv4_range_to_cidr_list(start, end): the smallest list of CIDR blocks
 * covering [start, end] (emulator:ipv4-range-to-cidr-list-function-00). */
KQL_FN(ipv4_range_to_cidr_list) {
  uint32_t a, b;
  int pa, pb;
  if (!kql_ipv4_arg(args[0], &a, &pa) || !kql_ipv4_arg(args[1], &b, &pb) || a > b) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  uint64_t cur = a, end = b;
  while (cur <= end) {
    int size = 32; /* prefix length */
    while (size > 0) {
      uint64_t block = (uint64_t)1 << (32 - (size - 1));
      if ((cur & (block - 1)) != 0 || cur + block - 1 > end) break;
      size--;
    }
    kv_buf t;
    kv_buf_init(&t);
    kql_put_ipv4(&t, (uint32_t)cur);
    kv_buf_printf(&t, "/%d", size);
    kv_array_push(out, kql_str_from_buf(&t));
    cur += (uint64_t)1 << (32 - size);
  }
  return out;
}
