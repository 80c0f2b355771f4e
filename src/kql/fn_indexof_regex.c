/* SPDX-License-Identifier: MIT
 * indexof_regex(source, lookup [, start [, length [, occurrence]]]): index
 * (in characters) of the occurrence-th non-overlapping match of the regex
 * lookup in source[start, start+length), -1 when there is none, null for a
 * negative start, a length below -1 or an occurrence below 1 (emulator:
 * indexof-regex-function-00). Matching runs on the substring, so ^ and \b
 * see the range's edge as the text's edge. Owner: scalars. */
#include "kql/fn_regex.h"
#include "kql/fn_scalars.h"

KQL_FN(indexof_regex) {
  int64_t start = 0, length = -1, occ = 1;
  if (kv_is_null(args[0]) && args[0].type != KV_STRING) return kv_null(KV_LONG);
  if ((argc > 2 && !kql_arg_long(args[2], &start)) || (argc > 3 && !kql_arg_long(args[3], &length)) ||
      (argc > 4 && !kql_arg_long(args[4], &occ)))
    return kv_null(KV_LONG);
  if (start < 0 || length < -1 || occ < 1) return kv_null(KV_LONG);
  kql_regex_site *site = kql_fn_regex_site_get(ctx, args[1], 0, "indexof_regex");
  if (!site) return kv_null(KV_LONG);
  kv_buf t;
  kv_buf_init(&t);
  size_t n;
  const char *s = kql_arg_str(args[0], &t, &n);
  if (!s) s = "";
  size_t ncp = kql_utf8_count(s, n);
  int64_t r = -1;
  if ((uint64_t)start <= ncp) {
    size_t b0 = kql_utf8_offset(s, n, (size_t)start);
    size_t b1 = length < 0 || (uint64_t)length >= ncp - (size_t)start
                    ? n : kql_utf8_offset(s, n, (size_t)start + (size_t)length);
    kql_regex_iter it;
    kql_regex_span g;
    kql_regex_iter_init(&it, site->re, s + b0, b1 - b0, site->scratch);
    for (int64_t k = 1; kql_regex_iter_next(&it, &g, 1); k++) {
      if (k == occ) {
        r = start + (int64_t)kql_utf8_count(s + b0, g.start);
        break;
      }
    }
  }
  kv_buf_free(&t);
  kql_fn_regex_site_release(site);
  return kv_long(r);
}
