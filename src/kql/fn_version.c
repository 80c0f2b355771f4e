/* SPDX-License-Identifier: MIT
 * parse_version(s): "a[.b[.c[.d]]]" (one to four parts of 1..8 digits,
 * missing parts are zero) -> decimal a*1e24 + b*1e16 + c*1e8 + d, so that
 * versions compare as numbers (emulator:parse-version-function-00/01);
 * anything else -> null. The engine's decimal is a double for now, so parts
 * below ~1e-16 of the leading part do not take part in comparisons (the
 * project-wide decimal limit, see value.h). Owner: scalars. */
#include "kql/fn_scalars.h"

KQL_FN(parse_version) {
  (void)ctx;
  (void)argc;
  if (kv_is_null(args[0]) && args[0].type != KV_STRING) return kv_null(KV_DECIMAL);
  kv_buf t;
  kv_buf_init(&t);
  size_t n;
  const char *s = kql_arg_str(args[0], &t, &n);
  double part[4] = {0, 0, 0, 0};
  int nparts = 0, digits = 0;
  bool ok = s && n > 0;
  double cur = 0;
  for (size_t i = 0; ok && i <= n; i++) {
    char c = i < n ? s[i] : '.';
    if (c >= '0' && c <= '9') {
      if (++digits > 8) ok = false;
      cur = cur * 10 + (c - '0');
    } else if (c == '.' && digits > 0 && nparts < 4) {
      part[nparts++] = cur;
      cur = 0;
      digits = 0;
    } else {
      ok = false;
    }
  }
  kv_buf_free(&t);
  if (!ok) return kv_null(KV_DECIMAL);
  return kv_decimal(((part[0] * 1e8 + part[1]) * 1e8 + part[2]) * 1e8 + part[3]);
}
