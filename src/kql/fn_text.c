/* SPDX-License-Identifier: MIT
 * Encoding and parsing functions on text: base64 (string, byte array,
 * guid), url_encode/url_encode_component/url_decode, parse_url,
 * parse_urlquery, parse_path, new_guid. Owner: kqllib. */
#include <string.h>

#include "kql/fn_lib.h"

/* ---- base64 (RFC 4648, padded; decoding is strict) ---- */

static const char kql_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void kql_b64_encode(kv_buf *b, const unsigned char *p, size_t n) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
    char t[4] = {kql_b64[v >> 18], kql_b64[(v >> 12) & 63], kql_b64[(v >> 6) & 63], kql_b64[v & 63]};
    kv_buf_append(b, t, 4);
  }
  if (n - i == 1) {
    unsigned v = (unsigned)p[i] << 16;
    char t[4] = {kql_b64[v >> 18], kql_b64[(v >> 12) & 63], '=', '='};
    kv_buf_append(b, t, 4);
  } else if (n - i == 2) {
    unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
    char t[4] = {kql_b64[v >> 18], kql_b64[(v >> 12) & 63], kql_b64[(v >> 6) & 63], '='};
    kv_buf_append(b, t, 4);
  }
}

static int kql_b64_val(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

/* Decodes into out; false on bad length/characters (the engine returns an
 * empty result for unpadded input: emulator:base64-encode-fromarray-function-01). */
static bool kql_b64_decode(const char *s, size_t n, kv_buf *out) {
  if (n % 4) return false;
  for (size_t i = 0; i < n; i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      char c = s[i + (size_t)k];
      if (c == '=' && i + 4 == n && k >= 2) {
        v[k] = 0;
        pad++;
        continue;
      }
      if (pad) return false;
      v[k] = kql_b64_val(c);
      if (v[k] < 0) return false;
    }
    unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
    char t[3] = {(char)(w >> 16), (char)((w >> 8) & 255), (char)(w & 255)};
    kv_buf_append(out, t, (size_t)(3 - pad));
  }
  return true;
}

static bool kql_valid_utf8(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (!len || i + len > n) return false;
    unsigned v = len == 1 ? c : (c & (0x7Fu >> len));
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      v = (v << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

KQL_FN(base64_encode_tostring) {
  kv_buf t, out;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &t, &n);
  kql_b64_encode(&out, (const unsigned char *)s, n);
  kv_buf_free(&t);
  return kql_str_from_buf(&out);
}

/* Invalid base64 or bytes that are not UTF-8 give "" (emulator:
 * base64-decode-tostring-function-01). */
KQL_FN(base64_decode_tostring) {
  kv_buf t, out;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &t, &n);
  bool ok = kql_b64_decode(s, n, &out) && kql_valid_utf8((const unsigned char *)out.data, out.len);
  kv_buf_free(&t);
  if (!ok) {
    kv_buf_free(&out);
    return kv_string("", 0);
  }
  return kql_str_from_buf(&out);
}

KQL_FN(base64_decode_toarray) {
  kv_buf t, out;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &t, &n);
  bool ok = kql_b64_decode(s, n, &out);
  kv_value arr = ok ? kv_dyn_array() : kv_dyn_null();
  for (size_t i = 0; ok && i < out.len; i++) kv_array_push(arr, kv_long((unsigned char)out.data[i]));
  kv_buf_free(&t);
  kv_buf_free(&out);
  return arr;
}

KQL_FN(base64_encode_fromarray) {
  kv_buf bytes, out;
  kv_buf_init(&bytes);
  kv_buf_init(&out);
  for (size_t i = 0; i < kv_array_count(args[0]); i++) {
    int64_t v;
    if (!kql_arg_long(kv_array_get(args[0], i), &v)) continue;
    kv_buf_putc(&bytes, (char)(unsigned char)v);
  }
  kql_b64_encode(&out, (const unsigned char *)bytes.data, bytes.len);
  kv_buf_free(&bytes);
  return kql_str_from_buf(&out);
}

/* GUID bytes in .NET order (Guid.ToByteArray), which kv_value stores. */
KQL_FN(base64_encode_fromguid) {
  if (kv_is_null(args[0]) || kv_scalar_type(args[0]) != KV_GUID) return kv_string("", 0);
  kv_buf out;
  kv_buf_init(&out);
  kql_b64_encode(&out, args[0].u.g, 16);
  return kql_str_from_buf(&out);
}

KQL_FN(base64_decode_toguid) {
  kv_buf t, out;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &t, &n);
  kv_value r = kv_null(KV_GUID);
  if (kql_b64_decode(s, n, &out) && out.len == 16) r = kv_guid((const uint8_t *)out.data);
  kv_buf_free(&t);
  kv_buf_free(&out);
  return r;
}

/* ---- URL encoding (emulator:url-encode-function-00: lower-case hex,
 * space -> '+'; url_encode_component: space -> %20) ---- */

static void kql_url_encode(kv_buf *out, const char *s, size_t n, bool component) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '!' || c == '*' || c == '(' || c == ')') {
      kv_buf_putc(out, (char)c);
    } else if (c == ' ' && !component) {
      kv_buf_putc(out, '+');
    } else {
      kv_buf_printf(out, "%%%02x", c);
    }
  }
}

KQL_FN(url_encode) {
  kv_buf t, out;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &t, &n);
  kql_url_encode(&out, s, n, false);
  kv_buf_free(&t);
  return kql_str_from_buf(&out);
}

KQL_FN(url_encode_component) {
  kv_buf t, out;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &t, &n);
  kql_url_encode(&out, s, n, true);
  kv_buf_free(&t);
  return kql_str_from_buf(&out);
}

static int kql_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void kql_url_decode(kv_buf *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && kql_hex(s[i + 1]) >= 0 && kql_hex(s[i + 2]) >= 0) {
      kv_buf_putc(out, (char)(kql_hex(s[i + 1]) * 16 + kql_hex(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      kv_buf_putc(out, ' ');
    } else {
      kv_buf_putc(out, s[i]);
    }
  }
}

KQL_FN(url_decode) {
  kv_buf t, out;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const char *s = kql_arg_str(args[0], &t, &n);
  kql_url_decode(&out, s, n);
  kv_buf_free(&t);
  return kql_str_from_buf(&out);
}

/* ---- parse_url / parse_urlquery ---- */

static void kql_bag_put_str(kv_value bag, const char *key, const char *s, size_t n) {
  kv_bag_set(bag, key, strlen(key), kv_string(s, n));
}

static kv_value kql_parse_query(const char *q, size_t n) {
  kv_value params = kv_dyn_bag();
  size_t pos = 0;
  while (pos < n) {
    size_t end = pos;
    while (end < n && q[end] != '&') end++;
    if (end > pos) {
      const char *eq = memchr(q + pos, '=', end - pos);
      size_t kl = eq ? (size_t)(eq - (q + pos)) : end - pos;
      kv_buf k, v;
      kv_buf_init(&k);
      kv_buf_init(&v);
      kql_url_decode(&k, q + pos, kl);
      if (eq) kql_url_decode(&v, eq + 1, (size_t)(q + end - eq - 1));
      kv_bag_set(params, k.data ? k.data : "", k.len, kv_string(v.data ? v.data : "", v.len));
      kv_buf_free(&k);
      kv_buf_free(&v);
    }
    pos = end + 1;
  }
  return params;
}

/* parse_url (emulator:parse-url-function-00): Scheme, Host, Port, Path,
 * Username, Password, Query Parameters, Fragment. Not a URL -> empty bag. */
KQL_FN(parse_url) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *s = kql_arg_str(args[0], &t, &n);
  kv_value bag = kv_dyn_bag();
  const char *sep = NULL;
  for (size_t i = 0; i + 2 < n; i++) {
    if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
      sep = s + i;
      break;
    }
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '+' || s[i] == '-' || s[i] == '.'))
      break;
  }
  if (!sep || sep == s) {
    kv_buf_free(&t);
    return bag;
  }
  const char *end = s + n;
  const char *auth = sep + 3;
  const char *auth_end = auth;
  while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#') auth_end++;
  const char *user = auth, *user_end = auth, *pass = auth, *pass_end = auth, *host = auth;
  const char *at = NULL;
  for (const char *p = auth; p < auth_end; p++)
    if (*p == '@') at = p;
  if (at) {
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    user_end = colon ? colon : at;
    pass = colon ? colon + 1 : at;
    pass_end = at;
    host = at + 1;
  }
  const char *host_end = auth_end, *port = auth_end;
  const char *pc = NULL;
  if (host < auth_end && *host == '[') {
    const char *rb = memchr(host, ']', (size_t)(auth_end - host));
    if (rb && rb + 1 < auth_end && rb[1] == ':') pc = rb + 1;
  } else {
    pc = memchr(host, ':', (size_t)(auth_end - host));
  }
  if (pc) {
    host_end = pc;
    port = pc + 1;
  }
  const char *path = auth_end, *path_end = auth_end;
  while (path_end < end && *path_end != '?' && *path_end != '#') path_end++;
  const char *query = path_end, *query_end = path_end;
  if (query < end && *query == '?') {
    query++;
    query_end = query;
    while (query_end < end && *query_end != '#') query_end++;
  }
  const char *frag = query_end < end && *query_end == '#' ? query_end + 1 : end;
  kql_bag_put_str(bag, "Scheme", s, (size_t)(sep - s));
  kql_bag_put_str(bag, "Host", host, (size_t)(host_end - host));
  kql_bag_put_str(bag, "Port", port, (size_t)(auth_end - port));
  kql_bag_put_str(bag, "Path", path, (size_t)(path_end - path));
  kql_bag_put_str(bag, "Username", user, (size_t)(user_end - user));
  kql_bag_put_str(bag, "Password", pass, (size_t)(pass_end - pass));
  kv_bag_set(bag, "Query Parameters", 16, kql_parse_query(query, (size_t)(query_end - query)));
  kql_bag_put_str(bag, "Fragment", frag, (size_t)(end - frag));
  kv_buf_free(&t);
  return bag;
}

KQL_FN(parse_urlquery) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *s = kql_arg_str(args[0], &t, &n);
  if (n && s[0] == '?') s++, n--;
  kv_value bag = kv_dyn_bag();
  kv_bag_set(bag, "Query Parameters", 16, kql_parse_query(s, n));
  kv_buf_free(&t);
  return bag;
}

/* parse_path (emulator:parse-path-function-00). */
KQL_FN(parse_path) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *s = kql_arg_str(args[0], &t, &n);
  const char *p = s, *end = s + n;
  const char *scheme = s;
  size_t scheme_len = 0;
  for (size_t i = 0; i + 2 < n; i++) {
    if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/' && i > 1) {
      scheme_len = i;
      p = s + i + 3;
      break;
    }
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) break;
  }
  /* Root: "C:\" or "C:/" (drive letter) */
  size_t root_len = 0;
  if (end - p >= 3 && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' &&
      (p[2] == '\\' || p[2] == '/'))
    root_len = 3;
  /* Alternate data stream: a ':' after the root, in the last component. */
  const char *last_sep = NULL;
  for (const char *q = p; q < end; q++)
    if (*q == '\\' || *q == '/') last_sep = q;
  const char *fname = last_sep ? last_sep + 1 : p + root_len;
  const char *ads = NULL;
  for (const char *q = fname; q < end; q++)
    if (*q == ':') {
      ads = q;
      break;
    }
  const char *fname_end = ads ? ads : end;
  const char *dot = NULL;
  for (const char *q = fname; q < fname_end; q++)
    if (*q == '.') dot = q;
  const char *dir_end = last_sep ? last_sep : p;
  if (last_sep && (size_t)(last_sep - p) + 1 == root_len) dir_end = last_sep + 1;
  const char *dname = dir_end;
  while (dname > p && dname[-1] != '\\' && dname[-1] != '/') dname--;
  kv_value bag = kv_dyn_bag();
  kql_bag_put_str(bag, "Scheme", scheme, scheme_len);
  kql_bag_put_str(bag, "RootPath", p, root_len);
  kql_bag_put_str(bag, "DirectoryPath", p, (size_t)(dir_end - p));
  kql_bag_put_str(bag, "DirectoryName", dname, (size_t)(dir_end - dname));
  kql_bag_put_str(bag, "Filename", fname, (size_t)(fname_end - fname));
  kql_bag_put_str(bag, "Extension", dot ? dot + 1 : fname_end, dot ? (size_t)(fname_end - dot - 1) : 0);
  kql_bag_put_str(bag, "AlternateDataStreamName", ads ? ads + 1 : end, ads ? (size_t)(end - ads - 1) : 0);
  kv_buf_free(&t);
  return bag;
}

/* ---- new_guid: version 4 from a xorshift generator seeded per process
 * from the query clock and a counter (not cryptographic; Kusto's is not
 * documented as such either). ---- */

static uint64_t kql_guid_state;

static uint64_t kql_guid_next(int64_t seed) {
  if (!kql_guid_state) kql_guid_state = (uint64_t)seed ^ UINT64_C(0x9e3779b97f4a7c15);
  uint64_t x = kql_guid_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  kql_guid_state = x ? x : 1;
  return x * UINT64_C(0x2545F4914F6CDD1D);
}

KQL_FN(new_guid) {
  uint8_t g[16];
  uint64_t a = kql_guid_next(ctx ? ctx->now_ticks : 1), b = kql_guid_next(0);
  for (int i = 0; i < 8; i++) {
    g[i] = (uint8_t)(a >> (8 * i));
    g[8 + i] = (uint8_t)(b >> (8 * i));
  }
  g[7] = (uint8_t)((g[7] & 0x0F) | 0x40); /* version 4 (Data3 high nibble, little-endian) */
  g[8] = (uint8_t)((g[8] & 0x3F) | 0x80); /* RFC 4122 variant */
  return kv_guid(g);
}
