/* SPDX-License-Identifier: MIT
 * Helpers shared by the scalar-function library: argument views, runtime
 * error reporting, UTF-8 counting, and the common result-type callbacks.
 * Owner: kqllib. */
#include "kql/fn_lib.h"

#include <stdarg.h>
#include <stdio.h>

const char *kql_arg_str(kv_value v, kv_buf *tmp, size_t *len) {
  if (v.type == KV_BOOL && !kv_is_null(v)) {
    /* tostring(true) == "True": keep the string functions consistent. */
    kv_buf_puts(tmp, v.u.b ? "True" : "False");
    *len = tmp->len;
    return tmp->data;
  }
  if ((v.type == KV_REAL || v.type == KV_DECIMAL) && !kv_is_null(v)) {
    kv_value s = kv_to_string_value(v);
    kv_buf_append(tmp, s.u.s, s.len);
    kv_release(s);
    *len = tmp->len;
    return tmp->data ? tmp->data : "";
  }
  return kv_str_view(v, tmp, len);
}

bool kql_arg_long(kv_value v, int64_t *out) {
  double r;
  if (kv_num_long(v, out)) return true;
  if (kv_num_real(v, &r)) {
    if (!(r > -9.3e18 && r < 9.3e18)) return false;
    *out = (int64_t)r;
    return true;
  }
  return false;
}

bool kql_arg_real(kv_value v, double *out) { return kv_num_real(v, out); }

kv_value kql_str_from_buf(kv_buf *b) {
  kv_value v = kv_string(b->data ? b->data : "", b->len);
  kv_buf_free(b);
  return v;
}

kv_value kql_fn_fail(kql_fn_ctx *ctx, kv_type t, const char *fmt, ...) {
  if (ctx && ctx->err && !ctx->err->message[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err->message, sizeof ctx->err->message, fmt, ap);
    va_end(ap);
  }
  return kv_null(t);
}

size_t kql_utf8_count(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
  return n;
}

size_t kql_utf8_offset(const char *s, size_t len, size_t cp) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80) {
      if (n == cp) return i;
      n++;
    }
  }
  return len;
}

/* ---- result types ---- */

KQL_RT(boolean) { return KV_BOOL; }
KQL_RT(int) { return KV_INT; }
KQL_RT(long) { return KV_LONG; }
KQL_RT(real) { return KV_REAL; }
KQL_RT(decimal) { return KV_DECIMAL; }
KQL_RT(string) { return KV_STRING; }
KQL_RT(datetime) { return KV_DATETIME; }
KQL_RT(timespan) { return KV_TIMESPAN; }
KQL_RT(guid) { return KV_GUID; }
KQL_RT(dynamic) { return KV_DYNAMIC; }
KQL_RT(arg0) { return argc > 0 ? t[0] : KV_TYPE_COUNT; }

KQL_RT(common) {
  if (argc <= 0) return KV_TYPE_COUNT;
  kv_type r = t[0];
  for (int i = 1; i < argc; i++) r = kv_common_type(r, t[i]);
  return r;
}

KQL_RT(num_arg0) {
  if (argc < 1) return KV_TYPE_COUNT;
  switch (t[0]) {
  case KV_INT:
  case KV_LONG:
  case KV_REAL:
  case KV_DECIMAL:
  case KV_TIMESPAN: return t[0];
  case KV_DYNAMIC: return KV_DYNAMIC;
  default: return KV_TYPE_COUNT;
  }
}

KQL_RT(long_or_real) {
  if (argc < 1) return KV_TYPE_COUNT;
  if (t[0] == KV_INT || t[0] == KV_LONG) return KV_LONG;
  if (t[0] == KV_DECIMAL) return KV_DECIMAL;
  return KV_REAL;
}
