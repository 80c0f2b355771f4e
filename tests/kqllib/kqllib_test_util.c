/* SPDX-License-Identifier: MIT
 * Helpers for the kqllib tests (see kqllib_test_util.h). */
#include "kqllib_test_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kv_value tu_s(const char *s) { return kv_cstring(s); }
kv_value tu_l(int64_t v) { return kv_long(v); }
kv_value tu_i(int32_t v) { return kv_int(v); }
kv_value tu_r(double v) { return kv_real(v); }
kv_value tu_null(kv_type t) { return t == KV_DYNAMIC ? kv_dyn_null() : kv_null(t); }

kv_value tu_dt(const char *iso) {
  int64_t t;
  if (!kv_parse_datetime(iso, strlen(iso), &t)) {
    fprintf(stderr, "bad datetime in test: %s\n", iso);
    abort();
  }
  return kv_datetime(t);
}

kv_value tu_ts(const char *text) {
  int64_t t;
  if (!kv_parse_timespan(text, strlen(text), &t)) {
    fprintf(stderr, "bad timespan in test: %s\n", text);
    abort();
  }
  return kv_timespan(t);
}

kv_value tu_j(const char *json) {
  kv_value v;
  char err[128];
  if (kv_parse_json(json, strlen(json), &v, err, sizeof err) != 0) {
    fprintf(stderr, "bad json in test: %s (%s)\n", json, err);
    abort();
  }
  return v;
}

static char tu_out[8192];

const char *tu_json(kv_value v) {
  kv_buf b;
  kv_buf_init(&b);
  kv_to_json(&b, v);
  snprintf(tu_out, sizeof tu_out, "%.*s", (int)b.len, b.data ? b.data : "");
  kv_buf_free(&b);
  return tu_out;
}

const char *tu_call(const char *name, kv_type *type, int argc, ...) {
  kv_value args[16];
  bool is_const[16];
  va_list ap;
  va_start(ap, argc);
  for (int i = 0; i < argc && i < 16; i++) {
    args[i] = va_arg(ap, kv_value);
    is_const[i] = true;
  }
  va_end(ap);
  const kql_fn_def *d = kql_fn_lookup(name, strlen(name));
  const char *out;
  if (!d) {
    out = "<no such function>";
    if (type) *type = KV_TYPE_COUNT;
  } else {
    void *site = NULL;
    void (*site_free)(void *) = NULL;
    kql_error err;
    memset(&err, 0, sizeof err);
    kql_fn_ctx ctx = {&site, &site_free, is_const, &err, 0};
    kv_value r = d->fn(&ctx, args, argc);
    if (type) *type = (kv_type)r.type;
    out = tu_json(r);
    kv_release(r);
    if (site && site_free) site_free(site);
  }
  for (int i = 0; i < argc && i < 16; i++) kv_release(args[i]);
  return out;
}

const char *tu_agg(const char *name, kv_type *type, int argc, int nrows, kv_value *rows, const kv_value *consts) {
  const kql_agg_def *d = kql_agg_lookup(name, strlen(name));
  if (!d) {
    if (type) *type = KV_TYPE_COUNT;
    return "<no such aggregate>";
  }
  void *st = calloc(1, d->state_size ? d->state_size : 1);
  kv_type types[16];
  for (int a = 0; a < argc && a < 16; a++) types[a] = nrows ? (kv_type)rows[a].type : KV_LONG;
  d->init(st, types, consts, argc);
  for (int r = 0; r < nrows; r++) d->add(st, rows + (size_t)r * (size_t)argc, argc);
  kv_value res = d->result(st);
  if (type) *type = (kv_type)res.type;
  const char *out = tu_json(res);
  kv_release(res);
  if (d->destroy) d->destroy(st);
  free(st);
  return out;
}
