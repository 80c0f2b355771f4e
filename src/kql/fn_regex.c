/* SPDX-License-Identifier: MIT
 * KQL regex functions (extract, extract_all, replace_regex, regex_quote,
 * __matches_regex) and the call-site regex cache the core can share. Pure
 * functions of their arguments plus the per-site cache; semantics in
 * fn_regex.h. Owner: regex engineer. */
#include "kql/fn_regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/kv_ops.h"

/* ---- call-site cache ---- */

void kql_fn_regex_site_free(void *p) {
  kql_regex_site *site = p;
  if (!site) return;
  kql_regex_free(site->re);
  kql_regex_scratch_free(site->scratch);
  free(site->pattern);
  free(site);
}

void kql_fn_regex_site_release(kql_regex_site *site) {
  if (site && site->temporary) kql_fn_regex_site_free(site);
}

static void kql_rx_fail(kql_fn_ctx *ctx, const char *fmt, const char *a, const char *b) {
  if (ctx && ctx->err && !ctx->err->message[0])
    snprintf(ctx->err->message, sizeof ctx->err->message, fmt, a, b);
}

kql_regex_site *kql_fn_regex_site_get(kql_fn_ctx *ctx, kv_value pattern, unsigned flags,
                                      const char *fname) {
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t plen;
  const char *p = kv_str_view(pattern, &tmp, &plen);
  kql_regex_site *site = (ctx && ctx->site_state) ? *ctx->site_state : NULL;
  if (site && site->flags == flags && site->pattern_len == plen && memcmp(site->pattern, p, plen) == 0) {
    kv_buf_free(&tmp);
    return site;
  }
  kql_regex *re = NULL;
  kql_regex_error err;
  if (kql_regex_compile(p, plen, flags, &re, &err) != 0) {
    kv_buf_free(&tmp);
    kql_rx_fail(ctx, "%s(): %s", fname, err.message);
    return NULL;
  }
  bool cache = ctx && ctx->site_state;
  if (cache && site) {
    /* the pattern changed (per-row pattern): replace the cached regex */
    kql_regex_free(site->re);
    free(site->pattern);
  } else {
    site = kv_calloc(1, sizeof *site);
    site->scratch = kql_regex_scratch_new();
    site->temporary = !cache;
  }
  site->re = re;
  site->pattern = kv_malloc(plen + 1);
  memcpy(site->pattern, p, plen);
  site->pattern[plen] = 0;
  site->pattern_len = plen;
  site->flags = flags;
  if (cache && *ctx->site_state != site) {
    *ctx->site_state = site;
    if (ctx->site_free) *ctx->site_free = kql_fn_regex_site_free;
  }
  kv_buf_free(&tmp);
  return site;
}

bool kql_fn_regex_matches(const kql_regex *re, const char *s, size_t len, kql_regex_scratch *scratch) {
  return kql_regex_match(re, s, len, scratch);
}

bool kql_fn_regex_flags_from_letters(const char *letters, size_t len, unsigned *flags) {
  unsigned f = 0;
  for (size_t i = 0; i < len; i++) {
    switch (letters[i]) {
    case 'U': f |= KQL_REGEX_UNGREEDY; break;
    case 'm': f |= KQL_REGEX_MULTILINE; break;
    case 's': f |= KQL_REGEX_DOTALL; break;
    case 'i': f |= KQL_REGEX_ICASE; break;
    default: return false;
    }
  }
  *flags = f;
  return true;
}

const char *kql_fn_regex_parse_type_pattern(kv_type t) {
  switch (t) {
  case KV_INT:
  case KV_LONG:
    return "-?\\d+";
  case KV_REAL:
  case KV_DECIMAL:
    return "-?\\d+(?:\\.\\d*)?(?:[eE][+\\-]?\\d+)?";
  case KV_BOOL:
    return "(?i:true|false)";
  default:
    return ".*";
  }
}

int kql_fn_regex_count_groups(const char *pattern, size_t len, unsigned flags) {
  kql_regex *re = NULL;
  if (kql_regex_compile(pattern, len, flags, &re, NULL) != 0) return -1;
  int n = kql_regex_group_count(re);
  kql_regex_free(re);
  return n;
}

void kql_fn_regex_quote_into(kv_buf *b, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (strchr("\\.+*?()|[]{}^$", s[i]) && s[i] != 0) kv_buf_putc(b, '\\');
    kv_buf_putc(b, s[i]);
  }
}

/* ---- result types ---- */

kv_type kql_rt_extract(const kv_type *t, int argc) {
  if (argc >= 4) return t[3];
  return KV_STRING;
}
kv_type kql_rt_regex_string(const kv_type *t, int argc) { return KV_STRING; }
kv_type kql_rt_regex_dynamic(const kv_type *t, int argc) { return KV_DYNAMIC; }
kv_type kql_rt_regex_bool(const kv_type *t, int argc) { return KV_BOOL; }

/* ---- functions ---- */

/* Spans for n groups: the small case on the stack. */
typedef struct kql_rx_spans {
  kql_regex_span local[16];
  kql_regex_span *g;
} kql_rx_spans;

static kql_regex_span *kql_rx_spans_get(kql_rx_spans *sp, int n) {
  sp->g = n <= 16 ? sp->local : kv_malloc((size_t)n * sizeof *sp->g);
  return sp->g;
}
static void kql_rx_spans_free(kql_rx_spans *sp) {
  if (sp->g != sp->local) free(sp->g);
}

kv_value kql_fn_extract(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  kv_type out = argc >= 4 ? (kv_type)args[3].type : KV_STRING;
  int64_t k;
  kql_regex_site *site = kql_fn_regex_site_get(ctx, args[0], 0, "extract");
  if (!site) return kv_null(out);
  if (!kv_num_long(args[1], &k) || k < 0 || k > kql_regex_group_count(site->re)) {
    kql_fn_regex_site_release(site);
    return kv_null(out);
  }
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t sn;
  const char *s = kv_str_view(args[2], &tmp, &sn);
  kql_rx_spans sp;
  kql_regex_span *g = kql_rx_spans_get(&sp, (int)k + 1);
  kv_value r = kv_null(out);
  if (kql_regex_search(site->re, s, sn, 0, g, (int)k + 1, site->scratch) && g[k].start != KQL_REGEX_NPOS) {
    kv_value str = kv_string(s + g[k].start, g[k].end - g[k].start);
    if (out == KV_STRING) {
      r = str;
    } else {
      r = kv_convert(str, out);
      kv_release(str);
    }
  }
  kql_rx_spans_free(&sp);
  kv_buf_free(&tmp);
  kql_fn_regex_site_release(site);
  return r;
}

/* Resolves extract_all's group selector (dynamic array of numbers or names).
 * Returns the count and fills *sel (kv_malloc'ed), or -1 after setting ctx->err. */
static int kql_rx_selectors(kql_fn_ctx *ctx, const kql_regex *re, kv_value spec, int **sel) {
  int ng = kql_regex_group_count(re);
  if (!kv_is_array(spec)) {
    kql_rx_fail(ctx, "%s(): %s", "extract_all", "captureGroups must be a dynamic array");
    return -1;
  }
  size_t n = kv_array_count(spec);
  if (n == 0) {
    kql_rx_fail(ctx, "%s(): %s", "extract_all", "captureGroups is empty");
    return -1;
  }
  *sel = kv_malloc(n * sizeof **sel);
  for (size_t i = 0; i < n; i++) {
    kv_value e = kv_array_get(spec, i);
    int64_t num;
    int idx = -1;
    if (kv_scalar_type(e) == KV_STRING) {
      kv_value sv = kv_from_dynamic(e);
      idx = kql_regex_group_index(re, sv.u.s, sv.len);
      kv_release(sv);
    } else if (kv_num_long(e, &num) && num >= 0 && num <= ng) {
      idx = (int)num;
    }
    if (idx < 0) {
      free(*sel);
      kql_rx_fail(ctx, "%s(): %s", "extract_all", "captureGroups names a group the regex does not have");
      return -1;
    }
    (*sel)[i] = idx;
  }
  return (int)n;
}

kv_value kql_fn_extract_all(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  kql_regex_site *site = kql_fn_regex_site_get(ctx, args[0], 0, "extract_all");
  if (!site) return kv_dyn_null();
  const kql_regex *re = site->re;
  int ng = kql_regex_group_count(re);
  int one = ng > 0 ? 1 : 0, *sel = &one;
  int nsel = 1;
  if (argc >= 3) {
    nsel = kql_rx_selectors(ctx, re, args[1], &sel);
    if (nsel < 0) {
      kql_fn_regex_site_release(site);
      return kv_dyn_null();
    }
  } else if (ng > 1) {
    sel = kv_malloc((size_t)ng * sizeof *sel);
    for (int i = 0; i < ng; i++) sel[i] = i + 1;
    nsel = ng;
  }
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t sn;
  const char *s = kv_str_view(args[argc >= 3 ? 2 : 1], &tmp, &sn);
  kql_rx_spans sp;
  kql_regex_span *g = kql_rx_spans_get(&sp, ng + 1);
  kql_regex_iter it;
  kql_regex_iter_init(&it, re, s, sn, site->scratch);
  kv_value arr = kv_dyn_null();
  bool any = false;
  while (kql_regex_iter_next(&it, g, ng + 1)) {
    if (!any) {
      arr = kv_dyn_array();
      any = true;
    }
    kv_value row = nsel > 1 ? kv_dyn_array() : kv_dyn_null();
    for (int i = 0; i < nsel; i++) {
      const kql_regex_span *x = &g[sel[i]];
      kv_value v = x->start == KQL_REGEX_NPOS ? kv_string("", 0) : kv_string(s + x->start, x->end - x->start);
      if (nsel > 1)
        kv_array_push(row, v);
      else
        row = v;
    }
    kv_array_push(arr, row);
  }
  kql_rx_spans_free(&sp);
  if (sel != &one) free(sel);
  kv_buf_free(&tmp);
  kql_fn_regex_site_release(site);
  return arr;
}

/* Appends the rewrite for one match: \0..\9 groups, \\ a backslash. */
static void kql_rx_rewrite(kv_buf *b, const char *rw, size_t rwn, const char *s, const kql_regex_span *g,
                           int ng) {
  for (size_t i = 0; i < rwn; i++) {
    char c = rw[i];
    if (c == '\\' && i + 1 < rwn) {
      char d = rw[i + 1];
      if (d >= '0' && d <= '9') {
        int k = d - '0';
        if (k < ng && g[k].start != KQL_REGEX_NPOS) kv_buf_append(b, s + g[k].start, g[k].end - g[k].start);
        i++;
        continue;
      }
      if (d == '\\') {
        kv_buf_putc(b, '\\');
        i++;
        continue;
      }
    }
    kv_buf_putc(b, c);
  }
}

kv_value kql_fn_replace_regex(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  kql_regex_site *site = kql_fn_regex_site_get(ctx, args[1], 0, "replace_regex");
  if (!site) return kv_null(KV_STRING);
  kv_buf st, rt, out;
  kv_buf_init(&st);
  kv_buf_init(&rt);
  kv_buf_init(&out);
  size_t sn, rwn;
  const char *s = kv_str_view(args[0], &st, &sn);
  const char *rw = kv_str_view(args[2], &rt, &rwn);
  int ng = kql_regex_group_count(site->re) + 1;
  if (ng > 10) ng = 10; /* only \0..\9 can be named */
  kql_regex_span g[10];
  kql_regex_iter it;
  kql_regex_iter_init(&it, site->re, s, sn, site->scratch);
  size_t copied = 0;
  while (kql_regex_iter_next(&it, g, ng)) {
    kv_buf_append(&out, s + copied, g[0].start - copied);
    kql_rx_rewrite(&out, rw, rwn, s, g, ng);
    copied = g[0].end;
  }
  kv_buf_append(&out, s + copied, sn - copied);
  kv_value r = kv_string(out.data ? out.data : "", out.len);
  kv_buf_free(&out);
  kv_buf_free(&st);
  kv_buf_free(&rt);
  kql_fn_regex_site_release(site);
  return r;
}

kv_value kql_fn_regex_quote(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  kv_buf st, out;
  kv_buf_init(&st);
  kv_buf_init(&out);
  size_t sn;
  const char *s = kv_str_view(args[0], &st, &sn);
  kql_fn_regex_quote_into(&out, s, sn);
  kv_value r = kv_string(out.data ? out.data : "", out.len);
  kv_buf_free(&out);
  kv_buf_free(&st);
  return r;
}

kv_value kql_fn_matches_regex(kql_fn_ctx *ctx, const kv_value *args, int argc) {
  kql_regex_site *site = kql_fn_regex_site_get(ctx, args[1], 0, "matches regex");
  if (!site) return kv_null(KV_BOOL);
  kv_buf st;
  kv_buf_init(&st);
  size_t sn;
  const char *s = kv_str_view(args[0], &st, &sn);
  bool m = kql_regex_match(site->re, s, sn, site->scratch);
  kv_buf_free(&st);
  kql_fn_regex_site_release(site);
  return kv_bool(m);
}
