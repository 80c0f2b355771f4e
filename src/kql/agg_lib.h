/* SPDX-License-Identifier: MIT
 * Private header of the aggregate library (agg_*.c) and its table
 * (kql_agg_table.c). Each aggregate is four callbacks over a zeroed state
 * block; see kql_fn.h for the contract. Owner: kqllib. */
#ifndef E2K_KQL_AGG_LIB_H
#define E2K_KQL_AGG_LIB_H

#include "kql/kql_fn.h"
#include "value/kv_ops.h"

/* Declares one aggregate's callbacks: kql_agg_<n>_init/add/result/destroy
 * and its state size kql_agg_<n>_size. destroy may be a no-op. */
#define KQL_AGG_DECL(n)                                                                 \
  extern const size_t kql_agg_##n##_size;                                                \
  void kql_agg_##n##_init(void *st, const kv_type *types, const kv_value *consts, int argc); \
  void kql_agg_##n##_add(void *st, const kv_value *args, int argc);                      \
  kv_value kql_agg_##n##_result(void *st);                                               \
  void kql_agg_##n##_destroy(void *st)

/* agg_basic.c */
KQL_AGG_DECL(count);
KQL_AGG_DECL(countif);
KQL_AGG_DECL(sum);
KQL_AGG_DECL(sumif);
KQL_AGG_DECL(avg);
KQL_AGG_DECL(avgif);
KQL_AGG_DECL(min);
KQL_AGG_DECL(max);
KQL_AGG_DECL(minif);
KQL_AGG_DECL(maxif);
KQL_AGG_DECL(take_any);
KQL_AGG_DECL(take_anyif);
KQL_AGG_DECL(arg_max);
KQL_AGG_DECL(arg_min);
KQL_AGG_DECL(binary_all_and);
KQL_AGG_DECL(binary_all_or);
KQL_AGG_DECL(binary_all_xor);
/* agg_stats.c */
KQL_AGG_DECL(stdev);
KQL_AGG_DECL(stdevp);
KQL_AGG_DECL(variance);
KQL_AGG_DECL(variancep);
KQL_AGG_DECL(stdevif);
KQL_AGG_DECL(stdevpif);
KQL_AGG_DECL(varianceif);
KQL_AGG_DECL(variancepif);
KQL_AGG_DECL(covariance);
KQL_AGG_DECL(covariancep);
KQL_AGG_DECL(covarianceif);
KQL_AGG_DECL(covariancepif);
KQL_AGG_DECL(percentile);
KQL_AGG_DECL(percentiles);
KQL_AGG_DECL(percentiles_array);
KQL_AGG_DECL(percentilew);
KQL_AGG_DECL(percentilesw);
KQL_AGG_DECL(percentilesw_array);
/* agg_collect.c */
KQL_AGG_DECL(make_list);
KQL_AGG_DECL(make_list_if);
KQL_AGG_DECL(make_list_with_nulls);
KQL_AGG_DECL(make_set);
KQL_AGG_DECL(make_set_if);
KQL_AGG_DECL(make_bag);
KQL_AGG_DECL(make_bag_if);
KQL_AGG_DECL(count_distinct);
KQL_AGG_DECL(count_distinctif);
/* agg_dcount.c (HyperLogLog) */
KQL_AGG_DECL(dcount);
KQL_AGG_DECL(dcountif);

/* HyperLogLog sketch shared by dcount and tests: accuracy 0..4 maps to
 * 2^12, 2^14, 2^16, 2^17, 2^18 registers (Kusto's documented levels). */
typedef struct kql_hll kql_hll;
kql_hll *kql_hll_new(int accuracy);
void kql_hll_add_hash(kql_hll *h, uint64_t hash);
uint64_t kql_hll_estimate(const kql_hll *h);
void kql_hll_free(kql_hll *h);
/* Sketch access for hll()/hll_merge()/dcount_hll() (agg_sketch.c, fn_sketch.c):
 * precision bits; the 2^p registers once dense (else NULL); the exact hashes
 * while sparse (copied into out, up to cap; count first); max-merge of 2^p
 * registers of the same precision (densifies h). */
int kql_hll_precision(const kql_hll *h);
const uint8_t *kql_hll_registers(const kql_hll *h);
size_t kql_hll_hash_count(const kql_hll *h);
size_t kql_hll_hashes(const kql_hll *h, uint64_t *out, size_t cap);
void kql_hll_merge_registers(kql_hll *h, const uint8_t *regs);

/* agg_sketch.c: hll(), hll_if(), hll_merge(), tdigest(), tdigest_merge() */
KQL_AGG_DECL(hll);
KQL_AGG_DECL(hll_if);
KQL_AGG_DECL(hll_merge);
KQL_AGG_DECL(tdigest);
KQL_AGG_DECL(tdigest_merge);
/* agg_buildschema.c */
KQL_AGG_DECL(buildschema);

#endif
