/* SPDX-License-Identifier: MIT
 * Functions on dynamic arrays and property bags: array_* (length, concat,
 * slice, index_of, sort, sum, reverse, shift, rotate, split, iff), bag_*
 * (keys, merge, remove_keys, has_key, set_key, zip), pack/bag_pack,
 * pack_array, set_* and zip. Results are always new arrays/bags whose
 * elements are shared (retained) with the inputs. Owner: kqllib. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kql/fn_lib.h"

static kv_value kql_copy_range(kv_value arr, size_t from, size_t to) {
  kv_value out = kv_dyn_array();
  for (size_t i = from; i < to; i++) kv_array_push(out, kv_retain(kv_array_get(arr, i)));
  return out;
}

KQL_FN(array_length) {
  if (!kv_is_array(args[0])) return kv_null(KV_LONG);
  return kv_long((int64_t)kv_array_count(args[0]));
}

KQL_FN(array_concat) {
  for (int i = 0; i < argc; i++)
    if (!kv_is_array(args[i])) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (int i = 0; i < argc; i++)
    for (size_t k = 0; k < kv_array_count(args[i]); k++) kv_array_push(out, kv_retain(kv_array_get(args[i], k)));
  return out;
}

/* array_slice(arr, start, end): inclusive end, negatives from the end
 * (emulator:array-slice-function-00..02). */
KQL_FN(array_slice) {
  int64_t s, e;
  if (!kv_is_array(args[0]) || !kql_arg_long(args[1], &s) || !kql_arg_long(args[2], &e)) return kv_dyn_null();
  int64_t n = (int64_t)kv_array_count(args[0]);
  if (s < 0) s += n;
  if (e < 0) e += n;
  if (s < 0) s = 0;
  if (e >= n) e = n - 1;
  if (e < s) return kv_dyn_array();
  return kql_copy_range(args[0], (size_t)s, (size_t)e + 1);
}

KQL_FN(array_index_of) {
  if (!kv_is_array(args[0])) return kv_null(KV_LONG);
  int64_t n = (int64_t)kv_array_count(args[0]);
  int64_t start = 0, len = -1, occ = 1;
  if (argc > 2 && !kql_arg_long(args[2], &start)) start = 0;
  if (argc > 3 && !kql_arg_long(args[3], &len)) len = -1;
  if (argc > 4 && !kql_arg_long(args[4], &occ)) occ = 1;
  if (start < 0) start += n;
  if (start < 0 || start > n || occ < 1) return kv_null(KV_LONG);
  int64_t end = len < 0 ? n : start + len;
  if (end > n) end = n;
  for (int64_t i = start; i < end; i++) {
    if (kv_same(kv_array_get(args[0], (size_t)i), args[1]) && --occ == 0) return kv_long(i);
  }
  return kv_long(-1);
}

typedef struct {
  kv_value v;
  size_t idx;
  bool desc, nulls_last;
} kql_sort_item;

static int kql_sort_item_cmp(const void *a, const void *b) {
  const kql_sort_item *x = a, *y = b;
  int c = kv_sort_compare(x->v, y->v, x->desc, !x->nulls_last);
  if (c) return c;
  return (x->idx > y->idx) - (x->idx < y->idx); /* stable */
}

/* A second argument of dynamic type (not a bool) means several arrays. */
static bool kql_sort_is_array_arg(kv_value v) {
  return v.type == KV_DYNAMIC && v.dyn != KV_BOOL;
}

/* array_sort_asc/desc(a1, a2, ...[, nulls_last]): sorts a1 and orders the
 * others to match; returns one dynamic array holding every result (an array
 * whose length differs from a1's gives null). The binder spreads it into
 * <name>_sorted columns or lets [i] pick one (emulator:array-sort-*-00/02). */
static kv_value kql_array_sort_multi(const kv_value *args, int argc, bool desc) {
  int narr = argc;
  bool nulls_last = true;
  if (!kql_sort_is_array_arg(args[argc - 1])) {
    narr = argc - 1;
    if (kv_truth(args[argc - 1]) == 0) nulls_last = false;
  }
  kv_value out = kv_dyn_array();
  if (!kv_is_array(args[0])) {
    for (int k = 0; k < narr; k++) kv_array_push(out, kv_dyn_null());
    return out;
  }
  size_t n = kv_array_count(args[0]);
  kql_sort_item *items = kv_malloc((n ? n : 1) * sizeof *items);
  for (size_t i = 0; i < n; i++) items[i] = (kql_sort_item){kv_array_get(args[0], i), i, desc, nulls_last};
  qsort(items, n, sizeof *items, kql_sort_item_cmp);
  for (int k = 0; k < narr; k++) {
    if (!kv_is_array(args[k]) || kv_array_count(args[k]) != n) {
      kv_array_push(out, kv_dyn_null());
      continue;
    }
    kv_value a = kv_dyn_array();
    for (size_t i = 0; i < n; i++) kv_array_push(a, kv_retain(kv_array_get(args[k], items[i].idx)));
    kv_array_push(out, a);
  }
  free(items);
  return out;
}

/* array_sort_asc/desc(arr[, nulls_last = true]) (emulator:array-sort-*-03/04). */
static kv_value kql_array_sort(const kv_value *args, int argc, bool desc) {
  if (argc > 1 && kql_sort_is_array_arg(args[1])) return kql_array_sort_multi(args, argc, desc);
  if (!kv_is_array(args[0])) return kv_dyn_null();
  bool nulls_last = true;
  if (argc > 1 && kv_truth(args[1]) == 0) nulls_last = false;
  size_t n = kv_array_count(args[0]);
  kql_sort_item *items = kv_malloc((n ? n : 1) * sizeof *items);
  for (size_t i = 0; i < n; i++) items[i] = (kql_sort_item){kv_array_get(args[0], i), i, desc, nulls_last};
  qsort(items, n, sizeof *items, kql_sort_item_cmp);
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < n; i++) kv_array_push(out, kv_retain(items[i].v));
  free(items);
  return out;
}

KQL_FN(array_sort_asc) { return kql_array_sort(args, argc, false); }
KQL_FN(array_sort_desc) { return kql_array_sort(args, argc, true); }

/* array_sum is real (agent-dynamic-json-0035.3); nulls are skipped
 * (sum of [1,null,3] is 4), an empty array gives null (null-and-edge-0027.2,
 * dynamic-json-0027.3), a non-numeric element makes the result null. */
KQL_FN(array_sum) {
  if (!kv_is_array(args[0])) return kv_null(KV_REAL);
  double s = 0;
  size_t used = 0;
  for (size_t i = 0; i < kv_array_count(args[0]); i++) {
    double r;
    kv_value e = kv_array_get(args[0], i);
    if (kv_is_null(e)) continue;
    if (!kv_num_real(e, &r)) return kv_null(KV_REAL);
    s += r;
    used++;
  }
  return used ? kv_real(s) : kv_null(KV_REAL);
}

KQL_FN(array_reverse) {
  if (!kv_is_array(args[0])) return kv_dyn_null();
  size_t n = kv_array_count(args[0]);
  kv_value out = kv_dyn_array();
  for (size_t i = n; i > 0; i--) kv_array_push(out, kv_retain(kv_array_get(args[0], i - 1)));
  return out;
}

/* Element i of the result is input[i + shift] or the fill value. */
static kv_value kql_array_shift(const kv_value *args, int argc, int64_t dir) {
  int64_t k;
  if (!kv_is_array(args[0]) || !kql_arg_long(args[1], &k)) return kv_dyn_null();
  int64_t n = (int64_t)kv_array_count(args[0]);
  k *= dir;
  kv_value out = kv_dyn_array();
  for (int64_t i = 0; i < n; i++) {
    int64_t src = i + k;
    if (src >= 0 && src < n) kv_array_push(out, kv_retain(kv_array_get(args[0], (size_t)src)));
    else kv_array_push(out, argc > 2 ? kv_retain(args[2]) : kv_dyn_null());
  }
  return out;
}

KQL_FN(array_shift_left) { return kql_array_shift(args, argc, 1); }
KQL_FN(array_shift_right) { return kql_array_shift(args, argc, -1); }

static kv_value kql_array_rotate(const kv_value *args, int64_t dir) {
  int64_t k;
  if (!kv_is_array(args[0]) || !kql_arg_long(args[1], &k)) return kv_dyn_null();
  int64_t n = (int64_t)kv_array_count(args[0]);
  kv_value out = kv_dyn_array();
  if (!n) return out;
  k = ((k * dir) % n + n) % n;
  for (int64_t i = 0; i < n; i++) kv_array_push(out, kv_retain(kv_array_get(args[0], (size_t)((i + k) % n))));
  return out;
}

KQL_FN(array_rotate_left) { return kql_array_rotate(args, 1); }
KQL_FN(array_rotate_right) { return kql_array_rotate(args, -1); }

/* array_split(arr, index or [indexes]) (emulator:array-split-function-00/01). */
KQL_FN(array_split) {
  if (!kv_is_array(args[0])) return kv_dyn_null();
  int64_t n = (int64_t)kv_array_count(args[0]);
  int64_t cuts[256];
  int nc = 0;
  if (kv_is_array(args[1])) {
    for (size_t i = 0; i < kv_array_count(args[1]) && nc < 256; i++)
      if (kql_arg_long(kv_array_get(args[1], i), &cuts[nc])) nc++;
  } else if (kql_arg_long(args[1], &cuts[0])) {
    nc = 1;
  }
  kv_value out = kv_dyn_array();
  int64_t prev = 0;
  for (int i = 0; i <= nc; i++) {
    int64_t c = i < nc ? cuts[i] : n;
    if (c < 0) c += n;
    if (c < prev) c = prev;
    if (c > n) c = n;
    kv_array_push(out, kql_copy_range(args[0], (size_t)prev, (size_t)c));
    prev = c;
  }
  return out;
}

/* array_iff(conditions, if_true, if_false) (emulator:array-iff-function-00..03):
 * numbers count as bools, other kinds give null, short arrays give null. */
static kv_value kql_pick_elem(kv_value v, size_t i) {
  if (kv_is_array(v)) return i < kv_array_count(v) ? kv_retain(kv_array_get(v, i)) : kv_dyn_null();
  return kv_retain(v);
}

KQL_FN(array_iff) {
  if (!kv_is_array(args[0])) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < kv_array_count(args[0]); i++) {
    kv_value c = kv_array_get(args[0], i);
    kv_type t = kv_scalar_type(c);
    int truth = -1;
    double r;
    if (t == KV_BOOL && !kv_is_null(c)) truth = c.u.b;
    else if ((t == KV_INT || t == KV_LONG || t == KV_REAL || t == KV_DECIMAL) && kv_num_real(c, &r)) truth = r != 0;
    if (truth < 0) kv_array_push(out, kv_dyn_null());
    else kv_array_push(out, kql_pick_elem(truth ? args[1] : args[2], i));
  }
  return out;
}

/* ---- bags ---- */

KQL_FN(bag_keys) {
  if (!kv_is_bag(args[0])) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < kv_bag_count(args[0]); i++) {
    const char *k;
    size_t kl;
    kv_bag_entry(args[0], i, &k, &kl);
    kv_array_push(out, kv_string(k, kl));
  }
  return out;
}

static kv_value kql_bag_copy(kv_value bag) {
  kv_value out = kv_dyn_bag();
  for (size_t i = 0; i < kv_bag_count(bag); i++) {
    const char *k;
    size_t kl;
    kv_value e = kv_bag_entry(bag, i, &k, &kl);
    kv_bag_set(out, k, kl, kv_retain(e));
  }
  return out;
}

/* The first bag wins on duplicate keys (emulator:bag-merge-function-00). */
KQL_FN(bag_merge) {
  kv_value out = kv_dyn_bag();
  for (int a = 0; a < argc; a++) {
    if (!kv_is_bag(args[a])) continue;
    for (size_t i = 0; i < kv_bag_count(args[a]); i++) {
      const char *k;
      size_t kl;
      kv_value e = kv_bag_entry(args[a], i, &k, &kl);
      if (!kv_bag_has(out, k, kl)) kv_bag_set(out, k, kl, kv_retain(e));
    }
  }
  return out;
}

/* Splits a key or a "$.a.b" path into segments (max 32). */
static int kql_path_segments(const char *p, size_t n, const char **seg, size_t *seg_len) {
  if (n < 2 || p[0] != '$' || p[1] != '.') {
    seg[0] = p;
    seg_len[0] = n;
    return 1;
  }
  int count = 0;
  size_t i = 2;
  while (i <= n && count < 32) {
    size_t j = i;
    while (j < n && p[j] != '.') j++;
    seg[count] = p + i;
    seg_len[count] = j - i;
    count++;
    i = j + 1;
  }
  return count;
}

/* Returns a copy of bag with the path removed (or set when val != NULL). */
static kv_value kql_bag_edit(kv_value bag, const char **seg, const size_t *seg_len, int nseg, const kv_value *val) {
  kv_value out = kv_is_bag(bag) ? kql_bag_copy(bag) : kv_dyn_bag();
  if (nseg == 1) {
    if (val) kv_bag_set(out, seg[0], seg_len[0], kv_retain(*val));
    else kv_bag_remove(out, seg[0], seg_len[0]);
    return out;
  }
  kv_value child = kv_bag_get(out, seg[0], seg_len[0]);
  if (!val && !kv_is_bag(child)) return out;
  kv_value nchild = kql_bag_edit(child, seg + 1, seg_len + 1, nseg - 1, val);
  kv_bag_set(out, seg[0], seg_len[0], nchild);
  return out;
}

/* bag_remove_keys(bag, ["key", "$.a.b"]) (emulator:bag-remove-keys-function-00/01). */
KQL_FN(bag_remove_keys) {
  if (!kv_is_bag(args[0])) return kv_dyn_null();
  kv_value cur = kql_bag_copy(args[0]);
  for (size_t i = 0; i < kv_array_count(args[1]); i++) {
    kv_value k = kv_array_get(args[1], i);
    if (kv_scalar_type(k) != KV_STRING) continue;
    const char *seg[32];
    size_t sl[32];
    int ns = kql_path_segments(k.u.s, k.len, seg, sl);
    kv_value next = kql_bag_edit(cur, seg, sl, ns, NULL);
    kv_release(cur);
    cur = next;
  }
  return cur;
}

KQL_FN(bag_set_key) {
  if (!kv_is_bag(args[0])) return kv_dyn_null();
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *k = kql_arg_str(args[1], &t, &n);
  const char *seg[32];
  size_t sl[32];
  int ns = kql_path_segments(k, n, seg, sl);
  kv_value out = kql_bag_edit(args[0], seg, sl, ns, &args[2]);
  kv_buf_free(&t);
  return out;
}

KQL_FN(bag_has_key) {
  if (!kv_is_bag(args[0])) return kv_bool(false);
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *k = kql_arg_str(args[1], &t, &n);
  const char *seg[32];
  size_t sl[32];
  int ns = kql_path_segments(k, n, seg, sl);
  kv_value cur = args[0];
  bool ok = true;
  for (int i = 0; i < ns && ok; i++) {
    ok = kv_is_bag(cur) && kv_bag_has(cur, seg[i], sl[i]);
    if (ok) cur = kv_bag_get(cur, seg[i], sl[i]);
  }
  kv_buf_free(&t);
  return kv_bool(ok);
}

/* bag_zip(keys, values) (emulator:bag-zip-00..05): non-string keys are
 * skipped, missing values are null, a non-array key list gives null. */
KQL_FN(bag_zip) {
  if (!kv_is_array(args[0])) return kv_dyn_null();
  kv_value out = kv_dyn_bag();
  for (size_t i = 0; i < kv_array_count(args[0]); i++) {
    kv_value k = kv_array_get(args[0], i);
    if (kv_scalar_type(k) != KV_STRING || kv_is_null(k)) continue;
    kv_value v = kv_is_array(args[1]) && i < kv_array_count(args[1]) ? kv_retain(kv_array_get(args[1], i)) : kv_dyn_null();
    kv_bag_set(out, k.u.s, k.len, v);
  }
  return out;
}

KQL_FN(pack) {
  kv_value out = kv_dyn_bag();
  for (int i = 0; i + 1 < argc; i += 2) {
    kv_buf t;
    size_t n;
    kv_buf_init(&t);
    const char *k = kql_arg_str(args[i], &t, &n);
    kv_bag_set(out, k, n, kv_retain(args[i + 1]));
    kv_buf_free(&t);
  }
  return out;
}

KQL_FN(pack_array) {
  kv_value out = kv_dyn_array();
  for (int i = 0; i < argc; i++) kv_array_push(out, kv_retain(args[i]));
  return out;
}

/* ---- sets (element identity = kv_same) ---- */

static bool kql_array_has(kv_value arr, kv_value v) {
  for (size_t i = 0; i < kv_array_count(arr); i++)
    if (kv_same(kv_array_get(arr, i), v)) return true;
  return false;
}

KQL_FN(set_has_element) {
  if (!kv_is_array(args[0])) return kv_null(KV_BOOL);
  return kv_bool(kql_array_has(args[0], args[1]));
}

KQL_FN(set_union) {
  kv_value out = kv_dyn_array();
  for (int a = 0; a < argc; a++) {
    if (!kv_is_array(args[a])) {
      kv_release(out);
      return kv_dyn_null();
    }
    for (size_t i = 0; i < kv_array_count(args[a]); i++) {
      kv_value e = kv_array_get(args[a], i);
      if (!kql_array_has(out, e)) kv_array_push(out, kv_retain(e));
    }
  }
  return out;
}

KQL_FN(set_intersect) {
  for (int a = 0; a < argc; a++)
    if (!kv_is_array(args[a])) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < kv_array_count(args[0]); i++) {
    kv_value e = kv_array_get(args[0], i);
    bool all = !kql_array_has(out, e);
    for (int a = 1; a < argc && all; a++) all = kql_array_has(args[a], e);
    if (all) kv_array_push(out, kv_retain(e));
  }
  return out;
}

KQL_FN(set_difference) {
  for (int a = 0; a < argc; a++)
    if (!kv_is_array(args[a])) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < kv_array_count(args[0]); i++) {
    kv_value e = kv_array_get(args[0], i);
    bool keep = !kql_array_has(out, e);
    for (int a = 1; a < argc && keep; a++) keep = !kql_array_has(args[a], e);
    if (keep) kv_array_push(out, kv_retain(e));
  }
  return out;
}

/* jaccard_index(a, b) = |a ∩ b| / |a ∪ b| over distinct elements. */
KQL_FN(jaccard_index) {
  if (!kv_is_array(args[0]) || !kv_is_array(args[1])) return kv_null(KV_REAL);
  kv_value u = kql_fn_set_union(ctx, args, 2);
  kv_value in = kql_fn_set_intersect(ctx, args, 2);
  size_t nu = kv_array_count(u), ni = kv_array_count(in);
  kv_release(u);
  kv_release(in);
  if (!nu) return kv_real(NAN); /* 0 / 0 */
  return kv_real((double)ni / (double)nu);
}

KQL_FN(zip) {
  size_t n = 0;
  for (int a = 0; a < argc; a++) {
    if (!kv_is_array(args[a])) return kv_dyn_null();
    if (kv_array_count(args[a]) > n) n = kv_array_count(args[a]);
  }
  kv_value out = kv_dyn_array();
  for (size_t i = 0; i < n; i++) {
    kv_value row = kv_dyn_array();
    for (int a = 0; a < argc; a++)
      kv_array_push(row, i < kv_array_count(args[a]) ? kv_retain(kv_array_get(args[a], i)) : kv_dyn_null());
    kv_array_push(out, row);
  }
  return out;
}
