/* SPDX-License-Identifier: MIT
 * Conditional and null functions: iff/iif, case, coalesce, isnull,
 * isnotnull, isempty, isnotempty, max_of, min_of, not. Owner: kqllib. */
#include "kql/fn_lib.h"

/* iff(true, 1, 2.0) is refused by the engine (type-casts-0028.2): branches
 * must have the same type, except int/long (-> long) and dynamic. */
static kv_type kql_branch_type(kv_type a, kv_type b) {
  if (a == b) return a;
  if ((a == KV_INT || a == KV_LONG) && (b == KV_INT || b == KV_LONG)) return KV_LONG;
  if (a == KV_DYNAMIC || b == KV_DYNAMIC) return KV_DYNAMIC;
  return KV_TYPE_COUNT;
}

KQL_RT(iff) {
  if (argc != 3) return KV_TYPE_COUNT;
  return kql_branch_type(t[1], t[2]);
}

KQL_RT(case) {
  if (argc < 3 || argc % 2 == 0) return KV_TYPE_COUNT;
  kv_type r = t[argc - 1];
  for (int i = 1; i < argc - 1; i += 2) r = kql_branch_type(r, t[i]);
  return r;
}

/* Returns v converted to the run-time common type of the candidates (so an
 * int branch of an int/long iff comes back as long, as the binder said). */
static kv_value kql_as_common(kv_value v, const kv_value *cands, int first, int step, int count, bool strict) {
  kv_type r = (kv_type)cands[first].type;
  for (int i = first + step; i < count; i += step)
    r = strict ? kql_branch_type(r, (kv_type)cands[i].type) : kv_common_type(r, (kv_type)cands[i].type);
  if (r >= KV_TYPE_COUNT || r == (kv_type)v.type) return kv_retain(v);
  return kv_convert(v, r);
}

KQL_FN(iff) {
  kv_value pick = kv_truth(args[0]) == 1 ? args[1] : args[2];
  if (args[1].type == args[2].type) return kv_retain(pick);
  return kql_as_common(pick, args, 1, 1, 3, true);
}

KQL_FN(case) {
  kv_value pick = args[argc - 1];
  for (int i = 0; i + 1 < argc; i += 2)
    if (kv_truth(args[i]) == 1) {
      pick = args[i + 1];
      break;
    }
  kv_type r = (kv_type)args[argc - 1].type;
  for (int i = 1; i < argc - 1; i += 2) r = kql_branch_type(r, (kv_type)args[i].type);
  if (r >= KV_TYPE_COUNT || r == (kv_type)pick.type) return kv_retain(pick);
  return kv_convert(pick, r);
}

static bool kql_is_empty_value(kv_value v) {
  if (kv_is_null(v)) return true;
  return kv_scalar_type(v) == KV_STRING && v.len == 0;
}

/* coalesce skips nulls and empty strings (null-and-edge-0009.2). */
KQL_FN(coalesce) {
  int pick = argc - 1;
  for (int i = 0; i < argc; i++)
    if (!kql_is_empty_value(args[i])) {
      pick = i;
      break;
    }
  return kql_as_common(args[pick], args, 0, 1, argc, false);
}

/* Strings are never null: isnull("") is false (null-and-edge-0008). */
KQL_FN(isnull) { return kv_bool(args[0].type != KV_STRING && kv_is_null(args[0])); }
KQL_FN(isnotnull) { return kv_bool(!(args[0].type != KV_STRING && kv_is_null(args[0]))); }
KQL_FN(isempty) { return kv_bool(kql_is_empty_value(args[0])); }
KQL_FN(isnotempty) { return kv_bool(!kql_is_empty_value(args[0])); }

KQL_FN(not) {
  int t = kv_truth(args[0]);
  return t < 0 ? kv_null(KV_BOOL) : kv_bool(t == 0);
}

/* max_of/min_of ignore nulls (emulator:max-of-function-01); a NaN wins
 * (type-casts-0011.2). */
static kv_value kql_extreme_of(const kv_value *args, int argc, int sign) {
  int best = -1;
  for (int i = 0; i < argc; i++) {
    if (kv_is_null(args[i])) continue;
    double r;
    if (kv_num_real(args[i], &r) && r != r) return kql_as_common(args[i], args, 0, 1, argc, false);
    if (best < 0 || kv_order(args[i], args[best], true) * sign > 0) best = i;
  }
  if (best < 0) best = 0;
  return kql_as_common(args[best], args, 0, 1, argc, false);
}

KQL_FN(max_of) { return kql_extreme_of(args, argc, 1); }
KQL_FN(min_of) { return kql_extreme_of(args, argc, -1); }
