/* SPDX-License-Identifier: MIT
 * Sketch values shared by the sketch aggregates (agg_sketch.c), the sketch
 * scalar functions (fn_sketch.c) and dcount_intersect: the HyperLogLog of
 * agg_dcount.c and a merging t-digest, each carried between operators as a
 * dynamic array ["hll", p, hashes|registers] / ["tdigest", type, [m, w, ...]].
 * The encoding is ours (Kusto's is opaque too); estimates are not. */
#ifndef E2K_KQL_KQL_SKETCH_H
#define E2K_KQL_KQL_SKETCH_H

#include "kql/agg_lib.h"

/* ---- HyperLogLog (sketch_hll.c) ---- */
/* Encodes h as a dynamic value (new reference). */
kv_value kql_sketch_hll_encode(const kql_hll *h);
/* Merges the sketch v into *h (creating it when NULL); false when v is not
 * an hll sketch (nulls are skipped and return true). */
bool kql_sketch_hll_merge(kql_hll **h, kv_value v);
/* Accuracy level (0..4) of a precision; -1 if unknown. */
int kql_sketch_hll_level(int p);

/* ---- t-digest (sketch_tdigest.c) ---- */
typedef struct kql_td_centroid {
  double mean;
  double weight;
} kql_td_centroid;

typedef struct kql_tdigest {
  kql_td_centroid *c;
  size_t n, cap;
  double total;
  kv_type type; /* type of the digested values (result type of percentile_tdigest) */
  bool sorted;
} kql_tdigest;

void kql_td_init(kql_tdigest *t, kv_type type);
void kql_td_free(kql_tdigest *t);
/* Adds a value (numeric, datetime or timespan; nulls ignored) with a weight > 0. */
void kql_td_add(kql_tdigest *t, kv_value v, double weight);
void kql_td_add_mean(kql_tdigest *t, double mean, double weight);
/* Sorts and compresses (keeps at most a few hundred centroids). */
void kql_td_compress(kql_tdigest *t);
kv_value kql_td_encode(kql_tdigest *t);
/* Merges the sketch v into t (t->type taken from the first sketch); false
 * when v is not a t-digest sketch. */
bool kql_td_merge(kql_tdigest *t, kv_value v);
/* Nearest-rank percentile (same rule as percentile()); as a double. */
bool kql_td_percentile(kql_tdigest *t, double p, double *out);
/* Total weight of the values <= x. */
double kql_td_rank(kql_tdigest *t, double x);
/* A double back to a value of type ty (long/int truncate, datetime ticks...). */
kv_value kql_td_value(double x, kv_type ty);
/* Numeric view of a value for the digest (datetime/timespan as ticks). */
bool kql_td_number(kv_value v, double *out);

#endif
