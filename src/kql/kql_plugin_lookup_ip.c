/* SPDX-License-Identifier: MIT
 * evaluate ipv4_lookup / ipv6_lookup(LookupTable, SourceIPKey, LookupKey
 * [, return_unmatched]): enriches each input row with the lookup row whose
 * network (CIDR text) contains the row's address; the longest prefix wins,
 * then the first row. Unmatched rows are dropped unless return_unmatched.
 * Matching reuses the ipv4/ipv6_is_in_range and mask-suffix functions of
 * fn_ip.c through the function table. Column order follows Kusto: ipv4 puts
 * the input columns first, ipv6 the lookup columns. */
#include "kql/kql_plugin.h"

#include <stdlib.h>
#include <string.h>

static kv_value kql_lip_call(const kql_fn_def *fn, kv_value a, kv_value b, int argc) {
  kv_value args[2] = {a, b};
  void *st = NULL;
  void (*stf)(void *) = NULL;
  bool cst[2] = {false, false};
  kql_error ferr;
  memset(&ferr, 0, sizeof ferr);
  kql_fn_ctx fc;
  fc.site_state = &st;
  fc.site_free = &stf;
  fc.arg_is_constant = cst;
  fc.err = &ferr;
  fc.now_ticks = 0;
  kv_value r = fn->fn(&fc, args, argc);
  if (st && stf) stf(st);
  return r;
}

static int kql_lip_run(kql_plugin *pl, bool v6) {
  static const char *const named[] = {"return_unmatched", NULL};
  if (kql_plugin_check_named(pl, named)) return -1;
  if (pl->nargs < 3 || pl->nargs > 4)
    return kql_bind_fail(pl->b, pl->call->pos, "%s: expected 3 or 4 arguments", pl->call->name);
  kql_node *un = pl->nargs == 4 ? pl->args[3] : kql_plugin_named(pl, "return_unmatched");
  bool unmatched = false;
  if (un) {
    kv_value u;
    if (!kql_plugin_const(pl, un, &u)) return -1;
    bool ok = u.type == KV_BOOL && !kv_is_null(u);
    unmatched = ok && u.u.b;
    kv_release(u);
    if (!ok) return kql_bind_fail(pl->b, un->pos, "%s: return_unmatched must be a bool constant", pl->call->name);
  }
  kql_table *lk = kql_plugin_table_arg(pl, pl->args[0]);
  if (!lk) return -1;
  if (kql_plugin_input(pl)) return -1;
  int sc = kql_plugin_column(pl, pl->args[1]);
  if (sc < 0) return -1;
  if (pl->args[2]->kind != KQL_N_NAME)
    return kql_bind_fail(pl->b, pl->args[2]->pos, "%s: expected a column of the lookup table", pl->call->name);
  int lc = kql_schema_find(&lk->schema, pl->args[2]->name, pl->args[2]->name_len);
  if (lc < 0) return kql_bind_fail(pl->b, pl->args[2]->pos, "Failed to resolve column '%s'", pl->args[2]->name);
  const char *in_name = v6 ? "ipv6_is_in_range" : "ipv4_is_in_range";
  const char *sfx_name = v6 ? "parse_ipv6_mask" : "ipv4_netmask_suffix";
  const kql_fn_def *in_fn = kql_fn_lookup(in_name, strlen(in_name));
  const kql_fn_def *sfx_fn = v6 ? NULL : kql_fn_lookup(sfx_name, strlen(sfx_name));
  if (!in_fn) return kql_bind_fail(pl->b, pl->call->pos, "not supported yet: %s (no %s)", pl->call->name, in_name);
  /* output schema: names de-duplicated the way join does (name1) */
  kv_schema out = {0};
  int nin = pl->in->schema.count, nlk = lk->schema.count;
  int *src = kv_calloc((size_t)(nin + nlk + 1), sizeof *src); /* >= 0 input col, < 0: -(lookup col)-1 */
  for (int pass = 0; pass < 2; pass++) {
    bool lookup_pass = v6 ? pass == 0 : pass == 1;
    const kv_schema *s = lookup_pass ? &lk->schema : &pl->in->schema;
    for (int c = 0; c < s->count; c++) {
      src[out.count] = lookup_pass ? -c - 1 : c;
      kql_plugin_col(pl, &out, kql_unique_name(pl->b, &out, s->cols[c].name), s->cols[c].type);
    }
  }
  /* prefix length of every network, once */
  int *plen = kv_calloc(lk->nrows + 1, sizeof *plen);
  for (size_t r = 0; r < lk->nrows; r++) {
    kv_value net = kql_table_row(lk, r)[lc];
    plen[r] = 0;
    if (v6) {
      /* ipv6 text: the digits after '/', else 128 */
      kv_buf tmp;
      kv_buf_init(&tmp);
      size_t n = 0;
      const char *s = net.type == KV_STRING ? kv_str_view(net, &tmp, &n) : NULL;
      plen[r] = 128;
      for (size_t i = 0; s && i < n; i++)
        if (s[i] == '/') {
          int64_t v = 0;
          plen[r] = kv_parse_long(s + i + 1, n - i - 1, &v) && v >= 0 && v <= 128 ? (int)v : 128;
        }
      kv_buf_free(&tmp);
    } else if (sfx_fn) {
      kv_value m = kql_lip_call(sfx_fn, net, kv_null(KV_STRING), 1);
      int64_t v = 0;
      plen[r] = kv_num_long(m, &v) ? (int)v : -1;
      kv_release(m);
    }
  }
  kql_table *t = kql_plugin_table_new(pl, &out);
  kv_value *row = kv_calloc((size_t)out.count + 1, sizeof *row);
  for (size_t r = 0; r < pl->in->nrows; r++) {
    const kv_value *ir = kql_table_row(pl->in, r);
    long best = -1;
    for (size_t k = 0; k < lk->nrows; k++) {
      if (best >= 0 && plen[k] <= plen[best]) continue;
      kv_value m = kql_lip_call(in_fn, ir[sc], kql_table_row(lk, k)[lc], 2);
      if (m.type == KV_BOOL && !kv_is_null(m) && m.u.b) best = (long)k;
      kv_release(m);
    }
    if (best < 0 && !unmatched) continue;
    for (int c = 0; c < out.count; c++) {
      if (src[c] >= 0) row[c] = kv_retain(ir[src[c]]);
      else if (best >= 0) row[c] = kv_retain(kql_table_row(lk, (size_t)best)[-src[c] - 1]);
      else row[c] = out.cols[c].type == KV_STRING ? kv_string_borrowed("", 0) : kv_null(out.cols[c].type);
    }
    kql_table_add_row(t, row);
    for (int c = 0; c < out.count; c++) kv_release(row[c]);
  }
  free(row);
  free(plen);
  free(src);
  kql_plugin_output(pl, t);
  return 0;
}

int kql_plugin_ipv4_lookup(kql_plugin *pl) { return kql_lip_run(pl, false); }
int kql_plugin_ipv6_lookup(kql_plugin *pl) { return kql_lip_run(pl, true); }
