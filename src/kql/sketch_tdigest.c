/* SPDX-License-Identifier: MIT
 * A merging t-digest for tdigest()/tdigest_merge()/percentile_tdigest():
 * centroids (mean, weight) sorted by mean; equal means merge exactly, and
 * past KQL_TD_KEEP centroids neighbours merge under the k1 size bound
 * (4 N q (1-q) / delta), so small inputs stay exact and large ones stay
 * small. Percentiles use percentile()'s nearest-rank rule on the centroids.
 * Encoded as ["tdigest", "<type>", [mean, weight, ...]]. */
#include "kql/kql_sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KQL_TD_KEEP 1000     /* centroids kept exactly */
#define KQL_TD_DELTA 200.0   /* compression once past KQL_TD_KEEP */

void kql_td_init(kql_tdigest *t, kv_type type) {
  memset(t, 0, sizeof *t);
  t->type = type;
  t->sorted = true;
}

void kql_td_free(kql_tdigest *t) {
  free(t->c);
  memset(t, 0, sizeof *t);
}

bool kql_td_number(kv_value v, double *out) {
  if (kv_is_null(v)) return false;
  if (!kv_num_real(v, out)) return false;
  return !isnan(*out);
}

static int kql_td_cmp(const void *a, const void *b) {
  double x = ((const kql_td_centroid *)a)->mean, y = ((const kql_td_centroid *)b)->mean;
  return x < y ? -1 : x > y;
}

void kql_td_compress(kql_tdigest *t) {
  if (!t->sorted) qsort(t->c, t->n, sizeof *t->c, kql_td_cmp);
  t->sorted = true;
  if (!t->n) return;
  size_t w = 0;
  for (size_t i = 1; i < t->n; i++) {
    if (t->c[i].mean == t->c[w].mean) t->c[w].weight += t->c[i].weight;
    else t->c[++w] = t->c[i];
  }
  t->n = w + 1;
  if (t->n <= KQL_TD_KEEP) return;
  double total = 0;
  for (size_t i = 0; i < t->n; i++) total += t->c[i].weight;
  double cum = 0;
  w = 0;
  for (size_t i = 1; i < t->n; i++) {
    double q = (cum + (t->c[w].weight + t->c[i].weight) / 2.0) / total;
    double limit = 4.0 * total * q * (1.0 - q) / KQL_TD_DELTA;
    if (t->c[w].weight + t->c[i].weight <= limit) {
      double nw = t->c[w].weight + t->c[i].weight;
      t->c[w].mean += (t->c[i].mean - t->c[w].mean) * t->c[i].weight / nw;
      t->c[w].weight = nw;
    } else {
      cum += t->c[w].weight;
      t->c[++w] = t->c[i];
    }
  }
  t->n = w + 1;
}

void kql_td_add_mean(kql_tdigest *t, double mean, double weight) {
  if (!(weight > 0) || isnan(mean) || isinf(weight)) return;
  if (t->n == t->cap) {
    if (t->n >= 4 * KQL_TD_KEEP) kql_td_compress(t);
    if (t->n == t->cap) {
      t->cap = t->cap ? t->cap * 2 : 64;
      t->c = kv_realloc(t->c, sizeof *t->c * t->cap);
    }
  }
  if (t->n && mean < t->c[t->n - 1].mean) t->sorted = false;
  t->c[t->n].mean = mean;
  t->c[t->n].weight = weight;
  t->n++;
  t->total += weight;
}

void kql_td_add(kql_tdigest *t, kv_value v, double weight) {
  double x;
  if (kql_td_number(v, &x)) kql_td_add_mean(t, x, weight);
}

kv_value kql_td_encode(kql_tdigest *t) {
  kql_td_compress(t);
  kv_value arr = kv_dyn_array();
  kv_array_push(arr, kv_to_dynamic(kv_string_borrowed("tdigest", 7)));
  const char *tn = kv_type_name(t->type);
  kv_array_push(arr, kv_to_dynamic(kv_string_borrowed(tn, strlen(tn))));
  kv_value list = kv_dyn_array();
  for (size_t i = 0; i < t->n; i++) {
    kv_array_push(list, kv_to_dynamic(kv_real(t->c[i].mean)));
    kv_array_push(list, kv_to_dynamic(kv_real(t->c[i].weight)));
  }
  kv_array_push(arr, list);
  return arr;
}

bool kql_td_merge(kql_tdigest *t, kv_value v) {
  if (kv_is_null(v) && !kv_is_array(v)) return true;
  if (!kv_is_array(v) || kv_array_count(v) != 3) return false;
  kv_value tag = kv_array_get(v, 0), tv = kv_array_get(v, 1), body = kv_array_get(v, 2);
  kv_buf b1, b2;
  kv_buf_init(&b1);
  kv_buf_init(&b2);
  size_t l1 = 0, l2 = 0;
  const char *s1 = kv_scalar_type(tag) == KV_STRING ? kv_str_view(tag, &b1, &l1) : NULL;
  const char *s2 = kv_scalar_type(tv) == KV_STRING ? kv_str_view(tv, &b2, &l2) : NULL;
  kv_type ty = KV_TYPE_COUNT;
  bool ok = s1 && l1 == 7 && !memcmp(s1, "tdigest", 7) && s2 && kv_type_from_name(s2, l2, &ty) && kv_is_array(body) &&
            kv_array_count(body) % 2 == 0;
  kv_buf_free(&b1);
  kv_buf_free(&b2);
  if (!ok) return false;
  if (t->type == KV_TYPE_COUNT || (!t->n && t->type == KV_DYNAMIC)) t->type = ty;
  size_t n = kv_array_count(body);
  for (size_t i = 0; i + 1 < n; i += 2) {
    double m, w;
    if (kv_num_real(kv_array_get(body, i), &m) && kv_num_real(kv_array_get(body, i + 1), &w)) kql_td_add_mean(t, m, w);
  }
  return true;
}

bool kql_td_percentile(kql_tdigest *t, double p, double *out) {
  kql_td_compress(t);
  if (!t->n || isnan(p)) return false;
  if (p < 0) p = 0;
  if (p > 100) p = 100;
  double total = 0;
  for (size_t i = 0; i < t->n; i++) total += t->c[i].weight;
  double want = ceil(p / 100.0 * total - 1e-9);
  if (want < 1) want = 1;
  double acc = 0;
  for (size_t i = 0; i < t->n; i++) {
    acc += t->c[i].weight;
    if (acc >= want - 1e-9) {
      *out = t->c[i].mean;
      return true;
    }
  }
  *out = t->c[t->n - 1].mean;
  return true;
}

double kql_td_rank(kql_tdigest *t, double x) {
  kql_td_compress(t);
  double acc = 0;
  for (size_t i = 0; i < t->n && t->c[i].mean <= x; i++) acc += t->c[i].weight;
  return acc;
}

kv_value kql_td_value(double x, kv_type ty) {
  switch (ty) {
    case KV_INT: return x >= -2147483648.0 && x <= 2147483647.0 ? kv_int((int32_t)x) : kv_null(KV_INT);
    case KV_LONG:
    case KV_DATETIME:
    case KV_TIMESPAN: {
      if (!(x >= -9.2e18 && x <= 9.2e18)) return kv_null(ty);
      int64_t i = (int64_t)llround(x);
      return ty == KV_LONG ? kv_long(i) : ty == KV_DATETIME ? kv_datetime(i) : kv_timespan(i);
    }
    case KV_DECIMAL: return kv_decimal(x);
    default: return kv_real(x);
  }
}
