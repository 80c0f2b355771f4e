/* SPDX-License-Identifier: MIT
 * evaluate bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict]
 * [, ignoredProperties]) [: (OutputSchema)]: one column per top-level slot
 * of the bags in Column, named prefix+slot, sorted by name, typed by the
 * slot's values (dynamic when they differ). A slot that collides with an
 * input column is an error, or replaces / keeps the source column in its
 * place (columnsConflict). With an output schema the columns are exactly
 * the schema's (after the input's when it starts with '*'). */
#include "kql/kql_plugin.h"

#include <stdlib.h>
#include <string.h>

enum { KQL_BU_ERROR = 0, KQL_BU_REPLACE, KQL_BU_KEEP };

typedef struct {
  kv_value prefix;   /* string */
  int conflict;
  kv_value ignored;  /* dynamic array of names or null */
} kql_bu_opts;

static bool kql_bu_ignored(const kql_bu_opts *o, const char *key, size_t kl) {
  if (!kv_is_array(o->ignored)) return false;
  size_t n = kv_array_count(o->ignored);
  for (size_t i = 0; i < n; i++) {
    kv_value s = kv_array_get(o->ignored, i);
    kv_buf tmp;
    kv_buf_init(&tmp);
    size_t sl = 0;
    const char *sv = kv_str_view(s, &tmp, &sl);
    bool eq = sv && sl == kl && memcmp(sv, key, kl) == 0;
    kv_buf_free(&tmp);
    if (eq) return true;
  }
  return false;
}

/* Reads the optional arguments, positional or named; -1 after an error. */
static int kql_bu_options(kql_plugin *pl, kql_bu_opts *o) {
  static const char *const named[] = {"OutputColumnPrefix", "columnsConflict", "ignoredProperties", NULL};
  if (kql_plugin_check_named(pl, named)) return -1;
  if (pl->nargs < 1 || pl->nargs > 4)
    return kql_bind_fail(pl->b, pl->call->pos, "bag_unpack: expected 1 to 4 arguments");
  kql_node *a[3] = {NULL, NULL, NULL};
  for (int i = 1; i < pl->nargs; i++) a[i - 1] = pl->args[i];
  const char *names[3] = {"OutputColumnPrefix", "columnsConflict", "ignoredProperties"};
  for (int i = 0; i < 3; i++) {
    kql_node *n = kql_plugin_named(pl, names[i]);
    if (n && a[i]) return kql_bind_fail(pl->b, n->pos, "bag_unpack: %s given twice", names[i]);
    if (n) a[i] = n;
  }
  if (a[0]) {
    if (!kql_plugin_const(pl, a[0], &o->prefix)) return -1;
    if (o->prefix.type != KV_STRING)
      return kql_bind_fail(pl->b, a[0]->pos, "bag_unpack: the column prefix must be a string");
  }
  if (a[1]) {
    kv_value c;
    if (!kql_plugin_const(pl, a[1], &c)) return -1;
    kv_buf tmp;
    kv_buf_init(&tmp);
    size_t cl = 0;
    const char *cs = c.type == KV_STRING ? kv_str_view(c, &tmp, &cl) : NULL;
    if (cs && cl == 5 && !memcmp(cs, "error", 5)) o->conflict = KQL_BU_ERROR;
    else if (cs && cl == 14 && !memcmp(cs, "replace_source", 14)) o->conflict = KQL_BU_REPLACE;
    else if (cs && cl == 11 && !memcmp(cs, "keep_source", 11)) o->conflict = KQL_BU_KEEP;
    else o->conflict = -1;
    kv_buf_free(&tmp);
    kv_release(c);
    if (o->conflict < 0)
      return kql_bind_fail(pl->b, a[1]->pos,
                           "bag_unpack: columnsConflict must be 'error', 'replace_source' or 'keep_source'");
  }
  if (a[2]) {
    if (!kql_plugin_const(pl, a[2], &o->ignored)) return -1;
    if (!kv_is_null(o->ignored) && !kv_is_array(o->ignored))
      return kql_bind_fail(pl->b, a[2]->pos, "bag_unpack: ignoredProperties must be a dynamic array");
  }
  return 0;
}

/* Output column k: source input column (src >= 0) or bag slot `key`. */
typedef struct {
  int src;          /* input column, or -1 */
  const char *key;  /* slot name (after the prefix) when src < 0 or replaced */
  bool from_bag;
} kql_bu_col;

static kv_value kql_bu_cell(kv_value bag, const char *key, kv_type t) {
  kv_value v = kv_is_bag(bag) ? kv_bag_get(bag, key, strlen(key)) : kv_dyn_null();
  if (t == KV_DYNAMIC) return kv_retain(v);
  if (kv_is_null(v)) return kv_null(t);
  kv_value s = kv_from_dynamic(v);
  if (kv_scalar_type(s) == t) return s;
  kv_value c = kv_convert(s, t);
  kv_release(s);
  return c;
}

static int kql_bu_fill(kql_plugin *pl, int bc, const kv_schema *out, const kql_bu_col *cols) {
  kql_table *t = kql_plugin_table_new(pl, out);
  kv_value *row = kv_calloc((size_t)(out->count ? out->count : 1), sizeof(kv_value));
  for (size_t r = 0; r < pl->in->nrows; r++) {
    kv_value *src = kql_table_row(pl->in, r);
    for (int k = 0; k < out->count; k++) {
      if (cols[k].from_bag) row[k] = kql_bu_cell(src[bc], cols[k].key, out->cols[k].type);
      else row[k] = kv_retain(src[cols[k].src]);
    }
    kql_table_add_row(t, row);
    for (int k = 0; k < out->count; k++) kv_release(row[k]);
  }
  free(row);
  kql_plugin_output(pl, t);
  return 0;
}

/* `: (*, a:type, ...)`: the declared columns, filled from the bag. */
static int kql_bu_with_schema(kql_plugin *pl, int bc, const kql_bu_opts *o) {
  kv_schema out = {0};
  int n = pl->schema->nkids;
  kql_bu_col *cols = kv_calloc((size_t)(n + pl->in->schema.count + 1), sizeof *cols);
  size_t plen = o->prefix.type == KV_STRING ? o->prefix.len : 0;
  for (int i = 0; i < n; i++) {
    kql_node *k = pl->schema->kids[i];
    if (k->kind == KQL_N_STAR) {
      for (int c = 0; c < pl->in->schema.count; c++) {
        if (c == bc) continue;
        cols[out.count].src = c;
        kql_plugin_col(pl, &out, pl->in->schema.cols[c].name, pl->in->schema.cols[c].type);
      }
      continue;
    }
    kv_type ty;
    if (!kql_type_from_word(k->str, &ty)) {
      free(cols);
      return kql_bind_fail(pl->b, k->pos, "unknown type '%s'", k->str);
    }
    if (kql_schema_find(&out, k->name, k->name_len) >= 0) {
      free(cols);
      return kql_bind_fail(pl->b, k->pos, "bag_unpack: column '%s' is declared twice", k->name);
    }
    if (plen && (k->name_len < plen || memcmp(k->name, o->prefix.u.s, plen) != 0)) {
      free(cols);
      return kql_bind_fail(pl->b, k->pos, "not supported yet: an output schema column without the bag_unpack prefix");
    }
    cols[out.count].src = -1;
    cols[out.count].from_bag = true;
    cols[out.count].key = k->name + plen;
    kql_plugin_col(pl, &out, k->name, ty);
  }
  int rc = kql_bu_fill(pl, bc, &out, cols);
  free(cols);
  return rc;
}

/* One-argument expression node (the binder's helper is private to it). */
static kql_expr *kql_bu_wrap(kql_ekind kind, kv_type t, uint32_t pos, kql_expr *arg) {
  kql_expr *e = kql_expr_new(kind, t, pos);
  e->args = kv_calloc(1, sizeof *e->args);
  e->args[0] = arg;
  e->nargs = 1;
  return e;
}

/* Over the input stream (file: or session:) the slots of the data are known
 * only at the end, but a declared output schema fixes the columns up front:
 * rows then stream through a column map, each declared column being
 * `Column.slot` converted to its type (as kql_bu_cell does). */
static int kql_bu_stream(kql_plugin *pl, const kql_bu_opts *o) {
  kql_pipe *p = pl->p;
  kql_node *a0 = pl->args[0];
  int bc = kql_schema_find(&p->schema, a0->name, a0->name_len);
  if (bc < 0) return kql_bind_fail(pl->b, a0->pos, "Failed to resolve column '%s'", a0->name);
  if (p->schema.cols[bc].type != KV_DYNAMIC)
    return kql_bind_fail(pl->b, a0->pos, "bag_unpack: column '%s' is not dynamic", a0->name);
  if (kv_is_array(o->ignored) && kv_array_count(o->ignored))
    return kql_bind_fail(pl->b, pl->call->pos, "not supported yet: ignoredProperties with an output schema");
  int n = pl->schema->nkids, cap = n + p->schema.count + 1;
  int *src = kv_calloc((size_t)cap, sizeof *src);
  kql_expr **ex = kv_calloc((size_t)cap, sizeof *ex);
  kv_schema out = {0};
  size_t plen = o->prefix.type == KV_STRING ? o->prefix.len : 0;
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    kql_node *k = pl->schema->kids[i];
    if (k->kind == KQL_N_STAR) {
      for (int c = 0; c < p->schema.count; c++) {
        if (c == bc || out.count >= cap) continue;
        src[out.count] = c;
        kql_plugin_col(pl, &out, p->schema.cols[c].name, p->schema.cols[c].type);
      }
      continue;
    }
    kv_type ty;
    if (!kql_type_from_word(k->str, &ty))
      rc = kql_bind_fail(pl->b, k->pos, "unknown type '%s'", k->str);
    else if (kql_schema_find(&out, k->name, k->name_len) >= 0)
      rc = kql_bind_fail(pl->b, k->pos, "bag_unpack: column '%s' is declared twice", k->name);
    else if (plen && (k->name_len < plen || memcmp(k->name, o->prefix.u.s, plen) != 0))
      rc = kql_bind_fail(pl->b, k->pos, "not supported yet: an output schema column without the bag_unpack prefix");
    if (rc || out.count >= cap) break;
    kql_expr *m = kql_bu_wrap(KQL_E_MEMBER, KV_DYNAMIC, k->pos, kql_expr_col(bc, KV_DYNAMIC, k->pos));
    m->name = k->name + plen; /* the query keeps its syntax tree: the name outlives the op */
    m->name_len = k->name_len - plen;
    src[out.count] = -1;
    ex[out.count] = ty == KV_DYNAMIC ? m : kql_bu_wrap(KQL_E_CAST, ty, k->pos, m);
    kql_plugin_col(pl, &out, k->name, ty);
  }
  if (rc) {
    for (int i = 0; i < cap; i++) kql_expr_free(ex[i]);
    free(ex);
    free(src);
    return -1;
  }
  kql_pipe_append(p, kql_op_map_new(&pl->b->q->ex, out.count, src, ex, false));
  p->schema = out;
  return 0;
}

int kql_plugin_bag_unpack(kql_plugin *pl) {
  kql_bu_opts o;
  memset(&o, 0, sizeof o);
  o.prefix = kv_string_borrowed("", 0);
  o.ignored = kv_dyn_null();
  int rc = kql_bu_options(pl, &o);
  if (rc == 0 && pl->args[0]->kind != KQL_N_NAME)
    rc = kql_bind_fail(pl->b, pl->args[0]->pos, "not supported yet: bag_unpack of an expression (give a column)");
  if (rc == 0 && pl->p->kind == KQL_SRC_INPUT) {
    /* the input stream: only a declared schema can say the columns now */
    if (pl->schema)
      rc = kql_bu_stream(pl, &o);
    else
      rc = kql_bind_fail(pl->b, pl->call->pos,
                         "not supported yet: bag_unpack over the input stream without an output schema "
                         "(declare it: evaluate bag_unpack(%s) : (*, name:type, ...), or use extend name = %s.name)",
                         pl->args[0]->name, pl->args[0]->name);
    kv_release(o.prefix);
    kv_release(o.ignored);
    return rc;
  }
  if (rc == 0) rc = kql_plugin_input(pl);
  int bc = rc == 0 ? kql_plugin_column(pl, pl->args[0]) : -1;
  if (bc < 0) {
    kv_release(o.prefix);
    kv_release(o.ignored);
    return -1;
  }
  if (pl->schema) {
    rc = kql_bu_with_schema(pl, bc, &o);
    kv_release(o.prefix);
    kv_release(o.ignored);
    return rc;
  }
  const kql_table *in = pl->in;
  /* input columns keep their place; slots follow, sorted by name */
  kv_schema out = {0};
  int cap = in->schema.count + 16;
  kql_bu_col *cols = kv_calloc((size_t)cap, sizeof *cols);
  for (int c = 0; c < in->schema.count; c++) {
    if (c == bc) continue;
    cols[out.count].src = c;
    kql_plugin_col(pl, &out, in->schema.cols[c].name, in->schema.cols[c].type);
  }
  int fixed = out.count;
  size_t plen = o.prefix.type == KV_STRING ? o.prefix.len : 0;
  const char *pfx = plen ? o.prefix.u.s : "";
  for (size_t r = 0; r < in->nrows && rc == 0; r++) {
    kv_value bag = kql_table_row(in, r)[bc];
    if (!kv_is_bag(bag)) continue;
    for (size_t k = 0; k < kv_bag_count(bag); k++) {
      const char *key;
      size_t kl;
      kv_value item = kv_bag_entry(bag, k, &key, &kl);
      if (kql_bu_ignored(&o, key, kl)) continue;
      kv_buf nm;
      kv_buf_init(&nm);
      kv_buf_append(&nm, pfx, plen);
      kv_buf_append(&nm, key, kl);
      kv_buf_putc(&nm, 0);
      kv_type it = kv_is_null(item) ? KV_TYPE_COUNT : kv_scalar_type(item);
      int at = kql_schema_find(&out, nm.data, nm.len - 1);
      if (at >= 0 && at < fixed && !cols[at].from_bag) {
        if (o.conflict == KQL_BU_ERROR) {
          rc = kql_bind_fail(pl->b, pl->call->pos,
                             "bag_unpack: slot '%s' collides with an existing column (use columnsConflict)", nm.data);
          kv_buf_free(&nm);
          break;
        }
        if (o.conflict == KQL_BU_KEEP) {
          kv_buf_free(&nm);
          continue;
        }
        /* replace_source: the column keeps its place, values come from the bag */
        cols[at].from_bag = true;
        cols[at].key = out.cols[at].name + plen;
        out.cols[at].type = KV_TYPE_COUNT;
      }
      if (at < 0) {
        if (out.count + 1 >= cap) {
          cap *= 2;
          cols = kv_realloc(cols, sizeof *cols * (size_t)cap);
        }
        cols[out.count].src = -1;
        cols[out.count].from_bag = true;
        kql_plugin_col(pl, &out, nm.data, KV_TYPE_COUNT);
        at = out.count - 1;
        cols[at].key = out.cols[at].name + plen;
      }
      if (it != KV_TYPE_COUNT && out.cols[at].type != it)
        out.cols[at].type = out.cols[at].type == KV_TYPE_COUNT ? it : KV_DYNAMIC;
      kv_buf_free(&nm);
    }
  }
  if (rc == 0) {
    /* Kusto orders the unpacked columns by name */
    for (int i = fixed + 1; i < out.count; i++)
      for (int k = i; k > fixed && strcmp(out.cols[k - 1].name, out.cols[k].name) > 0; k--) {
        kv_column tc = out.cols[k];
        out.cols[k] = out.cols[k - 1];
        out.cols[k - 1] = tc;
        kql_bu_col tb = cols[k];
        cols[k] = cols[k - 1];
        cols[k - 1] = tb;
      }
    for (int i = 0; i < out.count; i++)
      if (out.cols[i].type == KV_TYPE_COUNT) out.cols[i].type = KV_DYNAMIC;
    rc = kql_bu_fill(pl, bc, &out, cols);
  }
  free(cols);
  kv_release(o.prefix);
  kv_release(o.ignored);
  return rc;
}
