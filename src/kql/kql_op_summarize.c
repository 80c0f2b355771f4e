/* SPDX-License-Identifier: MIT
 * summarize: hash grouping on the by-keys with per-group aggregate states
 * from the aggregate table. On a stream, when one key is bin(<datetime>, X),
 * a group is emitted as soon as the event-time watermark (max event time
 * seen minus the lateness allowance) passes the end of its window, or when
 * kql_query_tick's clock does; everything else is emitted at finish. */
#include "kql/kql_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct kql_group kql_group;
struct kql_group {
  uint64_t hash;
  kv_value *keys;
  unsigned char *state;
  kql_group *bucket_next;
  kql_group *next, *prev; /* insertion order */
  int64_t win_end;
};

typedef struct {
  kql_op base;
  kql_expr **keys;
  int nkeys;
  kql_aggspec *aggs;
  int naggs;
  size_t *state_off;
  size_t state_size;
  kql_group **buckets;
  size_t nbuckets;
  size_t ngroups;
  kql_group *first, *last;
  int time_key;
  int64_t bin_size;
  bool streaming;
  bool have_wm;
  int64_t max_time;
  int64_t min_open_end;
  kv_value *keybuf;
  kv_value *argbuf;
  kv_value *outbuf;
} kql_op_sum;

static void kql_sum_rehash(kql_op_sum *s) {
  size_t nb = s->nbuckets ? s->nbuckets * 2 : 64;
  kql_group **b = kv_calloc(nb, sizeof(kql_group *));
  for (kql_group *g = s->first; g; g = g->next) {
    size_t i = g->hash & (nb - 1);
    g->bucket_next = b[i];
    b[i] = g;
  }
  free(s->buckets);
  s->buckets = b;
  s->nbuckets = nb;
}

static kql_group *kql_sum_new_group(kql_op_sum *s, uint64_t h, const kv_value *keys) {
  kql_group *g = kv_calloc(1, sizeof *g);
  g->hash = h;
  g->keys = kv_malloc(sizeof(kv_value) * (size_t)(s->nkeys ? s->nkeys : 1));
  for (int i = 0; i < s->nkeys; i++) g->keys[i] = kv_own(keys[i]);
  g->state = kv_calloc(1, s->state_size ? s->state_size : 1);
  for (int a = 0; a < s->naggs; a++) {
    kql_aggspec *ag = &s->aggs[a];
    ag->def->init(g->state + s->state_off[a], ag->arg_types, ag->const_args, ag->nargs);
  }
  g->win_end = INT64_MAX;
  if (s->time_key >= 0) {
    kv_value k = keys[s->time_key];
    if (!kv_is_null(k) && kv_scalar_type(k) == KV_DATETIME) {
      kv_value u = kv_from_dynamic(k);
      g->win_end = u.u.i + s->bin_size;
    }
  }
  if (g->win_end < s->min_open_end) s->min_open_end = g->win_end;
  /* grow before linking g: the rehash walks the list and must not see g */
  if (s->ngroups + 1 > s->nbuckets) kql_sum_rehash(s);
  g->prev = s->last;
  if (s->last) s->last->next = g;
  else s->first = g;
  s->last = g;
  size_t i = h & (s->nbuckets - 1);
  g->bucket_next = s->buckets[i];
  s->buckets[i] = g;
  s->ngroups++;
  return g;
}

static void kql_sum_unlink(kql_op_sum *s, kql_group *g) {
  size_t i = g->hash & (s->nbuckets - 1);
  kql_group **pp = &s->buckets[i];
  while (*pp && *pp != g) pp = &(*pp)->bucket_next;
  if (*pp) *pp = g->bucket_next;
  if (g->prev) g->prev->next = g->next;
  else s->first = g->next;
  if (g->next) g->next->prev = g->prev;
  else s->last = g->prev;
  s->ngroups--;
}

static void kql_sum_free_group(kql_op_sum *s, kql_group *g) {
  for (int a = 0; a < s->naggs; a++)
    if (s->aggs[a].def->destroy) s->aggs[a].def->destroy(g->state + s->state_off[a]);
  for (int i = 0; i < s->nkeys; i++) kv_release(g->keys[i]);
  free(g->keys);
  free(g->state);
  free(g);
}

static int kql_sum_emit_group(kql_op_sum *s, kql_group *g) {
  kql_op *op = &s->base;
  int c = 0;
  for (int i = 0; i < s->nkeys; i++) s->outbuf[c++] = kv_retain(g->keys[i]);
  for (int a = 0; a < s->naggs; a++) {
    kql_aggspec *ag = &s->aggs[a];
    kv_value r = ag->def->result(g->state + s->state_off[a]);
    if (ag->expand_mode) {
      for (int k = 0; k < ag->out_cols; k++) {
        kv_value el = kv_is_array(r) && (size_t)k < kv_array_count(r) ? kv_array_get(r, (size_t)k)
                                                                      : kv_dyn_null();
        kv_value u = kv_from_dynamic(el);
        if (ag->out_types[k] != KV_DYNAMIC && (u.type != ag->out_types[k] || kv_is_null(u))) {
          kv_value cv = kv_is_null(u) ? kv_null(ag->out_types[k]) : kv_convert(u, ag->out_types[k]);
          kv_release(u);
          u = cv;
        } else if (ag->out_types[k] == KV_DYNAMIC) {
          kv_release(u);
          u = kv_retain(el);
        }
        s->outbuf[c++] = u;
      }
      kv_release(r);
    } else {
      kv_type t = ag->out_types[0];
      if (t != KV_DYNAMIC && r.type != t) {
        kv_value cv = kv_is_null(r) ? kv_null(t) : kv_convert(r, t);
        kv_release(r);
        r = cv;
      }
      s->outbuf[c++] = r;
    }
  }
  int rc = kql_op_push_vals(op->next, s->outbuf, c);
  for (int i = 0; i < c; i++) kv_release(s->outbuf[i]);
  return rc;
}

/* Emits and drops every group whose window ended at or before `wm`. */
static int kql_sum_close_until(kql_op_sum *s, int64_t wm) {
  if (wm < s->min_open_end) return 0;
  int64_t min_end = INT64_MAX;
  kql_group *g = s->first;
  while (g) {
    kql_group *n = g->next;
    if (g->win_end <= wm) {
      int rc = kql_sum_emit_group(s, g);
      kql_sum_unlink(s, g);
      kql_sum_free_group(s, g);
      if (rc) return rc;
    } else if (g->win_end < min_end) {
      min_end = g->win_end;
    }
    g = n;
  }
  s->min_open_end = min_end;
  return 0;
}

static int kql_sum_push(kql_op *op, const kql_xrow *row) {
  kql_op_sum *s = (kql_op_sum *)op;
  kql_ectx c = kql_ectx_for_row(op->ex, row);
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < s->nkeys; i++) {
    s->keybuf[i] = kql_eval(s->keys[i], &c);
    h = (h ^ kv_hash(s->keybuf[i])) * 0x100000001b3ULL;
  }
  int rc = 0;
  if (op->ex->failed) {
    rc = -1;
    goto out;
  }
  if (!s->nbuckets) kql_sum_rehash(s);
  kql_group *g = s->buckets[h & (s->nbuckets - 1)];
  for (; g; g = g->bucket_next) {
    if (g->hash != h) continue;
    int k = 0;
    for (; k < s->nkeys; k++)
      if (!kv_same(g->keys[k], s->keybuf[k])) break;
    if (k == s->nkeys) break;
  }
  if (!g) g = kql_sum_new_group(s, h, s->keybuf);
  for (int a = 0; a < s->naggs; a++) {
    kql_aggspec *ag = &s->aggs[a];
    for (int i = 0; i < ag->nargs; i++) s->argbuf[i] = kql_eval(ag->args[i], &c);
    ag->def->add(g->state + s->state_off[a], s->argbuf, ag->nargs);
    for (int i = 0; i < ag->nargs; i++) kv_release(s->argbuf[i]);
  }
  if (op->ex->failed) {
    rc = -1;
    goto out;
  }
  if (s->streaming && s->time_key >= 0) {
    kv_value tv = kql_eval(s->keys[s->time_key]->args[0], &c);
    kv_value u = kv_from_dynamic(tv);
    if (!kv_is_null(u) && u.type == KV_DATETIME) {
      if (!s->have_wm || u.u.i > s->max_time) s->max_time = u.u.i;
      s->have_wm = true;
    }
    kv_release(u);
    kv_release(tv);
    if (s->have_wm) rc = kql_sum_close_until(s, s->max_time - op->ex->lateness);
  }
out:
  for (int i = 0; i < s->nkeys; i++) kv_release(s->keybuf[i]);
  return rc;
}

static int kql_sum_tick(kql_op *op, int64_t now) {
  kql_op_sum *s = (kql_op_sum *)op;
  if (s->streaming && s->time_key >= 0) {
    int rc = kql_sum_close_until(s, now - op->ex->lateness);
    if (rc) return rc;
  }
  return 0;
}

static int kql_sum_finish(kql_op *op) {
  kql_op_sum *s = (kql_op_sum *)op;
  if (s->nkeys == 0 && s->ngroups == 0) {
    if (!s->nbuckets) kql_sum_rehash(s);
    kql_sum_new_group(s, 0, NULL);
  }
  while (s->first) {
    kql_group *g = s->first;
    int rc = kql_sum_emit_group(s, g);
    kql_sum_unlink(s, g);
    kql_sum_free_group(s, g);
    if (rc) return rc;
  }
  return op->next ? kql_op_finish(op->next) : 0;
}

static void kql_sum_destroy(kql_op *op) {
  kql_op_sum *s = (kql_op_sum *)op;
  while (s->first) {
    kql_group *g = s->first;
    kql_sum_unlink(s, g);
    kql_sum_free_group(s, g);
  }
  free(s->buckets);
  for (int i = 0; i < s->nkeys; i++) kql_expr_free(s->keys[i]);
  free(s->keys);
  for (int a = 0; a < s->naggs; a++) {
    kql_aggspec *ag = &s->aggs[a];
    for (int i = 0; i < ag->nargs; i++) {
      kql_expr_free(ag->args[i]);
      kv_release(ag->const_args[i]);
    }
    free(ag->args);
    free(ag->arg_types);
    free(ag->const_args);
    free(ag->has_const);
    free(ag->out_types);
  }
  free(s->aggs);
  free(s->state_off);
  free(s->keybuf);
  free(s->argbuf);
  free(s->outbuf);
}

static const kql_op_vt kql_sum_vt = {"summarize", kql_sum_push, kql_sum_finish, kql_sum_tick,
                                     kql_sum_destroy};

kql_op *kql_op_summarize_new(kql_exec *ex, kql_expr **keys, int nkeys, kql_aggspec *aggs,
                             int naggs, int ncols, int time_key, int64_t bin_size,
                             bool streaming) {
  kql_op_sum *s = kv_calloc(1, sizeof *s);
  s->base.vt = &kql_sum_vt;
  s->base.ex = ex;
  s->base.ncols = ncols;
  s->keys = keys;
  s->nkeys = nkeys;
  s->aggs = aggs;
  s->naggs = naggs;
  s->time_key = time_key;
  s->bin_size = bin_size;
  s->streaming = streaming;
  s->min_open_end = INT64_MAX;
  s->state_off = kv_calloc((size_t)(naggs ? naggs : 1), sizeof(size_t));
  int maxargs = 1;
  for (int a = 0; a < naggs; a++) {
    s->state_off[a] = s->state_size;
    s->state_size += (aggs[a].def->state_size + 15) & ~(size_t)15;
    if (aggs[a].nargs > maxargs) maxargs = aggs[a].nargs;
  }
  s->keybuf = kv_calloc((size_t)(nkeys ? nkeys : 1), sizeof(kv_value));
  s->argbuf = kv_calloc((size_t)maxargs, sizeof(kv_value));
  s->outbuf = kv_calloc((size_t)(ncols ? ncols : 1), sizeof(kv_value));
  return &s->base;
}
