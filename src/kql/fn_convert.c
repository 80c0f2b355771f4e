/* SPDX-License-Identifier: MIT
 * Conversion functions: tostring, toint, tolong, toreal/todouble, todecimal,
 * tobool, todatetime, totimespan, toguid, todynamic/parse_json, gettype,
 * dynamic_to_json. Thin wrappers over kv_convert.c, which holds the rules.
 * Owner: kqllib. */
#include "kql/fn_lib.h"

#include <stdlib.h>
#include <string.h>

KQL_FN(tostring) { return kv_to_string_value(args[0]); }
KQL_FN(toint) { return kv_to_int(args[0]); }
KQL_FN(tolong) { return kv_to_long(args[0]); }
KQL_FN(toreal) { return kv_to_real(args[0]); }
KQL_FN(todecimal) { return kv_to_decimal(args[0]); }
KQL_FN(tobool) { return kv_to_bool(args[0]); }
KQL_FN(todatetime) { return kv_to_datetime(args[0]); }
KQL_FN(totimespan) { return kv_to_timespan(args[0]); }
KQL_FN(toguid) { return kv_to_guid(args[0]); }
KQL_FN(todynamic) { return kv_to_dynamic_value(args[0]); }
KQL_FN(gettype) { return kv_cstring(kv_gettype_name(args[0])); }

typedef struct kql_key_ref {
  const char *key;
  size_t len;
  size_t idx;
} kql_key_ref;

static int kql_key_ref_cmp(const void *a, const void *b) {
  const kql_key_ref *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = n ? memcmp(x->key, y->key, n) : 0;
  if (c) return c;
  return (x->len > y->len) - (x->len < y->len);
}

/* Canonical JSON: bag keys sorted ordinally (emulator:dynamic-to-json-function-00). */
static void kql_canonical_json(kv_buf *b, kv_value v, int depth) {
  if (kv_is_bag(v) && depth < 200) {
    size_t n = kv_bag_count(v);
    kql_key_ref *refs = kv_malloc((n ? n : 1) * sizeof *refs);
    for (size_t i = 0; i < n; i++) {
      kv_bag_entry(v, i, &refs[i].key, &refs[i].len);
      refs[i].idx = i;
    }
    qsort(refs, n, sizeof *refs, kql_key_ref_cmp);
    kv_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
      const char *k;
      size_t kl;
      kv_value e = kv_bag_entry(v, refs[i].idx, &k, &kl);
      if (i) kv_buf_putc(b, ',');
      kv_buf_json_string(b, k, kl);
      kv_buf_putc(b, ':');
      kql_canonical_json(b, e, depth + 1);
    }
    kv_buf_putc(b, '}');
    free(refs);
    return;
  }
  if (kv_is_array(v) && depth < 200) {
    kv_buf_putc(b, '[');
    for (size_t i = 0; i < kv_array_count(v); i++) {
      if (i) kv_buf_putc(b, ',');
      kql_canonical_json(b, kv_array_get(v, i), depth + 1);
    }
    kv_buf_putc(b, ']');
    return;
  }
  kv_to_json(b, v);
}

KQL_FN(dynamic_to_json) {
  kv_buf b;
  kv_buf_init(&b);
  if (args[0].type == KV_STRING) {
    kv_buf_json_string(&b, args[0].u.s, args[0].len);
  } else {
    kql_canonical_json(&b, args[0], 0);
  }
  return kql_str_from_buf(&b);
}
