/* SPDX-License-Identifier: MIT
 * libFuzzer target for the KQL function and aggregate library: the first
 * input byte (or 0xFF and a 16-bit index) picks a function (or aggregate), the rest is a JSON array of
 * arguments; strings, numbers and datetimes-as-text become typed values,
 * the rest stays dynamic. Every call must return without UB or leaks
 * (results are released). Owner: kqllib. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_lib.h"
#include "kql/kql_fn.h"
#include "value/kv_ops.h"


/* Typed argument from a parsed JSON element (borrowed -> new reference). */
static kv_value kql_fuzz_arg(kv_value e, size_t idx) {
  kv_type t = kv_scalar_type(e);
  if (t == KV_STRING) {
    /* every third string argument is tried as a datetime, then timespan */
    if (idx % 3 == 2) {
      kv_value d = kv_to_datetime(e);
      if (!kv_is_null(d)) return d;
      kv_value s = kv_to_timespan(e);
      if (!kv_is_null(s)) return s;
    }
    return kv_string(e.u.s, e.len);
  }
  if (t == KV_LONG) return idx % 4 == 3 ? kv_int((int32_t)e.u.i) : kv_long(e.u.i);
  if (t == KV_REAL) return kv_real(e.u.r);
  if (t == KV_BOOL) return kv_bool(e.u.b);
  return kv_retain(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  /* one byte picks among the first 255 entries; 0xFF and two more bytes
   * (little-endian) reach the rest of the table, which is longer than 255 */
  unsigned pick = data[0];
  size_t off = 1;
  if (pick == 0xFF && size >= 4) {
    pick = (unsigned)data[1] | (unsigned)data[2] << 8;
    off = 3;
  }
  kv_value arr;
  char err[64];
  if (kv_parse_json((const char *)data + off, size - off, &arr, err, sizeof err) != 0) return 0;
  if (!kv_is_array(arr) || kv_array_count(arr) > 16) {
    kv_release(arr);
    return 0;
  }
  int argc = (int)kv_array_count(arr);
  kv_value args[16];
  bool is_const[16];
  kv_type types[16];
  for (int i = 0; i < argc; i++) {
    args[i] = kql_fuzz_arg(kv_array_get(arr, (size_t)i), (size_t)i);
    is_const[i] = (pick & 1) != 0;
    types[i] = (kv_type)args[i].type;
  }
  size_t nfn = kql_fn_count();
  size_t nagg = kql_agg_count();
  size_t which = pick % (nfn + nagg);
  if (which < nfn) {
    const kql_fn_def *d = kql_fn_at(which);
    if (argc >= d->min_args && (d->max_args < 0 || argc <= d->max_args)) {
      void *site = NULL;
      void (*site_free)(void *) = NULL;
      kql_error e;
      memset(&e, 0, sizeof e);
      kql_fn_ctx ctx = {&site, &site_free, is_const, &e, INT64_C(638000000000000000)};
      (void)d->result_type(types, argc);
      /* twice: the second call exercises per-site caches */
      for (int k = 0; k < 2; k++) kv_release(d->fn(&ctx, args, argc));
      if (site && site_free) site_free(site);
    }
  } else {
    const kql_agg_def *d = kql_agg_at(which - nfn);
    if (d && argc >= d->min_args && (d->max_args < 0 || argc <= d->max_args)) {
      void *st = calloc(1, d->state_size);
      d->init(st, types, (pick & 2) ? args : NULL, argc);
      for (int r = 0; r < 3; r++) d->add(st, args, argc);
      kv_release(d->result(st));
      if (d->destroy) d->destroy(st);
      free(st);
    }
  }
  for (int i = 0; i < argc; i++) kv_release(args[i]);
  kv_release(arr);
  return 0;
}
