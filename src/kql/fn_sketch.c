/* SPDX-License-Identifier: MIT
 * Scalar functions over sketches (kql_sketch.h): hll_merge(h1, h2, ...),
 * dcount_hll(h), merge_tdigest(t1, t2, ...) (= tdigest_merge),
 * percentile_tdigest(t, p [, typeof(T)]), percentiles_array_tdigest(t, p...),
 * rank_tdigest(t, v), percentrank_tdigest(t, v). A value that is not a
 * sketch is a runtime error, never a guess. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_lib.h"
#include "kql/kql_sketch.h"

KQL_FN(hll_merge) {
  kql_hll *h = NULL;
  for (int i = 0; i < argc; i++)
    if (!kql_sketch_hll_merge(&h, args[i])) {
      kql_hll_free(h);
      return kql_fn_fail(ctx, KV_DYNAMIC, "hll_merge: argument %d is not an hll() value", i + 1);
    }
  if (!h) return kv_dyn_null();
  kv_value r = kql_sketch_hll_encode(h);
  kql_hll_free(h);
  return r;
}

KQL_FN(dcount_hll) {
  (void)argc;
  kql_hll *h = NULL;
  if (!kql_sketch_hll_merge(&h, args[0])) {
    kql_hll_free(h);
    return kql_fn_fail(ctx, KV_LONG, "dcount_hll: the argument is not an hll() value");
  }
  int64_t n = h ? (int64_t)kql_hll_estimate(h) : 0;
  kql_hll_free(h);
  return kv_long(n);
}

/* Merges all arguments into td; false (error set) on a non-sketch. */
static bool kql_td_from_args(kql_fn_ctx *ctx, const char *fn, const kv_value *args, int argc, kql_tdigest *td) {
  kql_td_init(td, KV_TYPE_COUNT);
  for (int i = 0; i < argc; i++)
    if (!kql_td_merge(td, args[i])) {
      kql_td_free(td);
      kql_fn_fail(ctx, KV_DYNAMIC, "%s: argument %d is not a tdigest() value", fn, i + 1);
      return false;
    }
  if (td->type == KV_TYPE_COUNT) td->type = KV_REAL;
  return true;
}

KQL_FN(merge_tdigest) {
  kql_tdigest td;
  if (!kql_td_from_args(ctx, "merge_tdigest", args, argc, &td)) return kv_dyn_null();
  bool any = false;
  for (int i = 0; i < argc; i++)
    if (!kv_is_null(args[i]) || kv_is_array(args[i])) any = true;
  kv_value r = any ? kql_td_encode(&td) : kv_dyn_null();
  kql_td_free(&td);
  return r;
}

KQL_RT(percentile_tdigest) { return argc >= 3 ? t[2] : KV_DYNAMIC; }

KQL_FN(percentile_tdigest) {
  kv_type rt = KV_DYNAMIC;
  if (argc >= 3) rt = (kv_type)(args[2].type == KV_DYNAMIC ? KV_DYNAMIC : args[2].type);
  kql_tdigest td;
  if (!kql_td_from_args(ctx, "percentile_tdigest", args, 1, &td)) return rt == KV_DYNAMIC ? kv_dyn_null() : kv_null(rt);
  double p, x;
  kv_value r;
  if (!kql_arg_real(args[1], &p) || !kql_td_percentile(&td, p, &x)) r = rt == KV_DYNAMIC ? kv_dyn_null() : kv_null(rt);
  else if (rt == KV_DYNAMIC) {
    kv_value v = kql_td_value(x, td.type == KV_DYNAMIC ? KV_REAL : td.type);
    r = kv_to_dynamic(v);
    kv_release(v);
  } else {
    kv_value v = kql_td_value(x, td.type == KV_DYNAMIC ? KV_REAL : td.type);
    r = kv_scalar_type(v) == rt ? v : kv_convert(v, rt);
    if (kv_scalar_type(v) != rt) kv_release(v);
  }
  kql_td_free(&td);
  return r;
}

static void kql_td_push_pct(kv_value arr, kql_tdigest *td, kv_value pv) {
  double p, x;
  if (kql_arg_real(pv, &p) && kql_td_percentile(td, p, &x)) {
    kv_value v = kql_td_value(x, td->type == KV_DYNAMIC ? KV_REAL : td->type);
    kv_array_push(arr, kv_to_dynamic(v));
    kv_release(v);
  } else {
    kv_array_push(arr, kv_dyn_null());
  }
}

KQL_FN(percentiles_array_tdigest) {
  kql_tdigest td;
  if (!kql_td_from_args(ctx, "percentiles_array_tdigest", args, 1, &td)) return kv_dyn_null();
  kv_value arr = kv_dyn_array();
  for (int i = 1; i < argc; i++) {
    if (kv_is_array(args[i])) {
      size_t n = kv_array_count(args[i]);
      for (size_t k = 0; k < n; k++) kql_td_push_pct(arr, &td, kv_array_get(args[i], k));
    } else {
      kql_td_push_pct(arr, &td, args[i]);
    }
  }
  kql_td_free(&td);
  return arr;
}

static kv_value kql_td_rank_impl(kql_fn_ctx *ctx, const kv_value *args, bool percent) {
  kql_tdigest td;
  if (!kql_td_from_args(ctx, percent ? "percentrank_tdigest" : "rank_tdigest", args, 1, &td)) return kv_null(KV_REAL);
  double x;
  kv_value r = kv_null(KV_REAL);
  if (td.n && kql_td_number(args[1], &x)) {
    double rank = kql_td_rank(&td, x);
    r = kv_real(percent ? rank / td.total * 100.0 : rank);
  }
  kql_td_free(&td);
  return r;
}

KQL_FN(rank_tdigest) {
  (void)argc;
  return kql_td_rank_impl(ctx, args, false);
}

KQL_FN(percentrank_tdigest) {
  (void)argc;
  return kql_td_rank_impl(ctx, args, true);
}
