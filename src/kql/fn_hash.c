/* SPDX-License-Identifier: MIT
 * Hash functions: hash/hash_xxhash64 (XXH64 of the value's bytes: UTF-8
 * for strings, 8 little-endian bytes of the ticks for datetimes, matching
 * emulator:hash-function-00/02), hash_md5/hash_sha1/hash_sha256 (hex of the
 * digest of the value's text form: hash_md5(datetime(2020-01-01)) digests
 * "2020-01-01T00:00:00.0000000Z", emulator:hash-md5-function-00).
 * hash_combine/hash_many are not provided: Kusto's combining formula is not
 * documented and no guess matched the engine. Owner: kqllib. */
#include <string.h>

#include "kql/fn_digest.h"
#include "kql/fn_lib.h"

/* Bytes XXH64 sees for a value; written to tmp when not a string. */
static const unsigned char *kql_hash_bytes(kv_value v, kv_buf *tmp, size_t *len) {
  unsigned char b[16];
  size_t n = 0;
  switch (kv_scalar_type(v)) {
  case KV_STRING: *len = v.len; return (const unsigned char *)(v.len ? v.u.s : "");
  case KV_INT:
    for (int i = 0; i < 4; i++) b[n++] = (unsigned char)((uint64_t)v.u.i >> (8 * i));
    break;
  case KV_LONG:
  case KV_DATETIME:
  case KV_TIMESPAN:
    for (int i = 0; i < 8; i++) b[n++] = (unsigned char)((uint64_t)v.u.i >> (8 * i));
    break;
  case KV_REAL:
  case KV_DECIMAL: {
    uint64_t bits;
    memcpy(&bits, &v.u.r, 8);
    for (int i = 0; i < 8; i++) b[n++] = (unsigned char)(bits >> (8 * i));
    break;
  }
  case KV_BOOL: b[n++] = v.u.b ? 1 : 0; break;
  case KV_GUID: memcpy(b, v.u.g, 16), n = 16; break;
  default: {
    size_t l;
    const char *s = kql_arg_str(v, tmp, &l);
    *len = l;
    return (const unsigned char *)s;
  }
  }
  kv_buf_append(tmp, (const char *)b, n);
  *len = n;
  return (const unsigned char *)tmp->data;
}

KQL_FN(hash) {
  if (kv_is_null(args[0]) && args[0].type != KV_STRING) return kv_null(KV_LONG);
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const unsigned char *p = kql_hash_bytes(args[0], &t, &n);
  uint64_t h = kql_xxh64(p, n, 0);
  kv_buf_free(&t);
  if (argc > 1) {
    int64_t mod;
    if (!kql_arg_long(args[1], &mod) || mod <= 0) return kv_null(KV_LONG);
    return kv_long((int64_t)(h % (uint64_t)mod)); /* hash("World", 100) == 51 */
  }
  return kv_long((int64_t)h);
}

static kv_value kql_hex_digest(kv_value v, int which) {
  kv_buf t, out;
  size_t n;
  uint8_t d[32];
  size_t dl = which == 0 ? 16 : which == 1 ? 20 : 32;
  kv_buf_init(&t);
  kv_buf_init(&out);
  const char *s = kql_arg_str(v, &t, &n);
  if (which == 0) kql_md5(s, n, d);
  else if (which == 1) kql_sha1(s, n, d);
  else kql_sha256(s, n, d);
  for (size_t i = 0; i < dl; i++) kv_buf_printf(&out, "%02x", d[i]);
  kv_buf_free(&t);
  return kql_str_from_buf(&out);
}

KQL_FN(hash_md5) { return kql_hex_digest(args[0], 0); }
KQL_FN(hash_sha1) { return kql_hex_digest(args[0], 1); }
KQL_FN(hash_sha256) { return kql_hex_digest(args[0], 2); }
