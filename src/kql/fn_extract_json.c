/* SPDX-License-Identifier: MIT
 * extract_json(path, json [, typeof(T)]) (alias extractjson): the element
 * that a JSONPath selects in a JSON text, as string (strings unquoted, other
 * values as compact JSON; "" when absent or the text is not JSON) or
 * converted to T (null when absent). Paths of the documented form only: $
 * followed by .name, ['name'] / ["name"] and [index] steps; wildcards,
 * recursive descent (..) and filters are "not supported yet"
 * (emulator:extract-json-function-00). Owner: scalars. */
#include <string.h>

#include "kql/fn_scalars.h"

KQL_RT(extract_json) {
  if (argc >= 3) return t[2] == KV_TYPE_COUNT ? KV_TYPE_COUNT : t[2];
  return KV_STRING;
}

/* Walks `path` in `root`; *out is borrowed from root (dynamic null when
 * absent). Returns false on an unsupported or malformed path. */
static bool kql_json_walk(const char *p, size_t n, kv_value root, kv_value *out) {
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
  if (i >= n || p[i] != '$') return false;
  i++;
  kv_value cur = root;
  bool absent = false;
  while (i < n) {
    const char *key = NULL;
    size_t klen = 0;
    int64_t idx = -1;
    if (p[i] == '.') {
      i++;
      if (i < n && (p[i] == '.' || p[i] == '*')) return false;
      size_t s = i;
      while (i < n && p[i] != '.' && p[i] != '[') i++;
      if (i == s) return false;
      key = p + s;
      klen = i - s;
    } else if (p[i] == '[') {
      i++;
      if (i < n && (p[i] == '\'' || p[i] == '"')) {
        char q = p[i++];
        size_t s = i;
        while (i < n && p[i] != q) i++;
        if (i >= n) return false;
        key = p + s;
        klen = i - s;
        i++;
      } else {
        size_t s = i;
        idx = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9' && i - s < 18) idx = idx * 10 + (p[i++] - '0');
        if (i == s) return false; /* '*', '?(...)', negative indexes, slices */
      }
      if (i >= n || p[i] != ']') return false;
      i++;
    } else {
      return false;
    }
    if (absent) continue;
    if (key) {
      if (!kv_is_bag(cur) || !kv_bag_has(cur, key, klen)) absent = true;
      else cur = kv_bag_get(cur, key, klen);
    } else {
      if (!kv_is_array(cur) || (uint64_t)idx >= kv_array_count(cur)) absent = true;
      else cur = kv_array_get(cur, (size_t)idx);
    }
  }
  *out = absent ? kv_dyn_null() : cur;
  return true;
}

KQL_FN(extract_json) {
  kv_type rt = argc >= 3 ? (kv_type)args[2].type : KV_STRING;
  kv_value empty = rt == KV_STRING ? kv_string("", 0) : kv_null(rt);
  kv_buf tp, tj;
  kv_buf_init(&tp);
  kv_buf_init(&tj);
  size_t pn, jn;
  const char *p = kql_arg_str(args[0], &tp, &pn);
  const char *j = kql_arg_str(args[1], &tj, &jn);
  kv_value root = kv_dyn_null(), found;
  char err[128];
  kv_value r = empty;
  bool path_ok = kql_json_walk(p ? p : "", p ? pn : 0, kv_dyn_null(), &found);
  if (!path_ok) {
    kv_release(empty);
    r = kql_fn_fail(ctx, rt, "not supported yet: extract_json() with the path '%.*s'",
                    (int)(pn > 100 ? 100 : pn), p ? p : "");
  } else if (j && jn && kv_parse_json(j, jn, &root, err, sizeof err) == 0) {
    kql_json_walk(p, pn, root, &found);
    if (!kv_is_null(found)) {
      kv_release(empty);
      r = kv_convert(found, rt);
    }
  }
  kv_release(root);
  kv_buf_free(&tp);
  kv_buf_free(&tj);
  return r;
}
