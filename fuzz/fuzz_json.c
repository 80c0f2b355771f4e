/* SPDX-License-Identifier: MIT
 * libFuzzer target for kv_parse_json (value/value_json.c): any input must
 * either fail cleanly with a terminated message, or give a value whose JSON
 * text parses again; from the first re-parse on, text and value are a fixed
 * point (same text, kv_same and kv_hash agree). One trip may normalise:
 * invalid UTF-8 becomes U+FFFD and -0.0 prints as "-0", which re-parses as
 * the long 0. No leak or UB (ASan/UBSan). Owner: kqllib. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "value/kv_ops.h"
#include "value/value.h"

static void kql_fuzz_json_text(kv_value v, kv_buf *out) {
  kv_buf_init(out);
  kv_to_json(out, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kv_value v, w, x;
  char err[256];
  err[0] = '\0';
  if (kv_parse_json((const char *)data, size, &v, err, sizeof err) != 0) {
    if (!memchr(err, '\0', sizeof err)) abort(); /* message must be terminated */
    return 0;
  }
  kv_buf a, b, c;
  kql_fuzz_json_text(v, &a);
  if (kv_parse_json(a.data ? a.data : "", a.len, &w, err, sizeof err) != 0) abort();
  kql_fuzz_json_text(w, &b);
  if (kv_parse_json(b.data ? b.data : "", b.len, &x, err, sizeof err) != 0) abort();
  kql_fuzz_json_text(x, &c);
  if (b.len != c.len || (b.len && memcmp(b.data, c.data, b.len) != 0)) abort();
  if (!kv_same(w, x) || kv_hash(w) != kv_hash(x)) abort();
  kv_release(v);
  kv_release(w);
  kv_release(x);
  kv_buf_free(&a);
  kv_buf_free(&b);
  kv_buf_free(&c);
  return 0;
}
