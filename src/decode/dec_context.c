/* SPDX-License-Identifier: MIT
 * The decode context (decode.h): arena, schema registry, provider names,
 * schema layout/validation, and the dispatch from an etl_event to the right
 * schema source (TraceLogging > registry (EventSource, merged, user and
 * bundled manifests) > kernel MOF hook; WPP hook for MESSAGE records), plus
 * coverage statistics. Owner: decA. */
#include "decode/decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_int.h"
#ifdef E2K_HAVE_DEC_METADATA
#include "decode/dec_metadata.h"
#endif

const uint8_t DEC_GUID_EVENT_METADATA[16] = {0xc1, 0xf6, 0xcc, 0xbb, 0xd1, 0x6c, 0xc4, 0x48,
                                             0x80, 0xff, 0x83, 0x94, 0x82, 0xe3, 0x76, 0x71};
const uint8_t DEC_GUID_KERNEL_TRACE_CONTROL[16] = {0x47, 0x24, 0xad, 0x28, 0x5b, 0x10, 0xe2, 0x4f,
                                                   0x95, 0x99, 0xe5, 0x9b, 0x2a, 0xa9, 0xa6, 0x34};
const uint8_t DEC_GUID_KERNEL_NETWORK[16] = {0x49, 0x2a, 0xd4, 0x7d, 0x29, 0x53, 0x32, 0x48,
                                             0x8d, 0xfd, 0x43, 0xd9, 0x79, 0x15, 0x3a, 0x88};

/* ------------------------------------------------------------------ arena */

struct dec_arena_block {
  dec_arena_block *next;
  size_t used, cap;
  /* data follows, 8-aligned */
};
#define DEC_ARENA_BLOCK 65536u

void *dec_alloc(dec_context *ctx, size_t size) {
  size = (size + 7) & ~(size_t)7;
  dec_arena_block *b = ctx->arena;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > DEC_ARENA_BLOCK / 2 ? size : DEC_ARENA_BLOCK;
    dec_arena_block *nb = kv_malloc(sizeof(dec_arena_block) + 8 + cap);
    nb->used = 0;
    nb->cap = cap;
    if (b && size > DEC_ARENA_BLOCK / 2) { /* big one-off: keep the current block on top */
      nb->next = b->next;
      b->next = nb;
      b = nb;
    } else {
      nb->next = b;
      ctx->arena = nb;
      b = nb;
    }
  }
  uint8_t *base = (uint8_t *)(b + 1);
  base += (8 - ((uintptr_t)base & 7)) & 7;
  void *p = base + b->used;
  b->used += size;
  memset(p, 0, size);
  return p;
}

const char *dec_strdup(dec_context *ctx, const char *s, size_t len) {
  char *p = dec_alloc(ctx, len + 1);
  if (len) memcpy(p, s, len);
  p[len] = 0;
  return p;
}

/* ------------------------------------------------------------------ utils */

uint64_t dec_hash(const void *data, size_t len, uint64_t seed) {
  const uint8_t *p = data;
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static int dec_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool dec_parse_guid(const char *s, size_t len, uint8_t out[16]) {
  while (len && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++, len--;
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
  if (len == 38 && s[0] == '{' && s[37] == '}') s++, len -= 2;
  if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
  uint8_t b[16];
  int k = 0;
  for (size_t i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    int hi = dec_hexval(s[i]), lo = dec_hexval(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    b[k++] = (uint8_t)(hi << 4 | lo);
    i++;
  }
  /* text order -> Windows order: Data1..3 little-endian */
  out[0] = b[3]; out[1] = b[2]; out[2] = b[1]; out[3] = b[0];
  out[4] = b[5]; out[5] = b[4]; out[6] = b[7]; out[7] = b[6];
  memcpy(out + 8, b + 8, 8);
  return true;
}

const char *dec_source_name(dec_source s) {
  static const char *const names[DEC_SRC_COUNT] = {"none", "tracelogging", "manifest", "eventsource",
                                                  "merged-metadata", "kernel-mof", "wpp", "header", "tdh"};
  return (unsigned)s < DEC_SRC_COUNT ? names[s] : "?";
}

/* ----------------------------------------------------------------- schema */

dec_schema *dec_schema_new(dec_context *ctx, dec_source source) {
  dec_schema *s = dec_alloc(ctx, sizeof *s);
  s->provider_name = s->event_name = s->task_name = s->opcode_name = "";
  s->level_name = s->channel_name = s->keywords_name = s->message = "";
  s->source = (uint8_t)source;
  return s;
}

static int cmp_map_entry(const void *a, const void *b) {
  const dec_map_entry *x = a, *y = b;
  return x->value < y->value ? -1 : x->value > y->value;
}

void dec_map_finish(dec_map *m) {
  if (m->count > 1) qsort(m->entries, m->count, sizeof *m->entries, cmp_map_entry);
}

/* Subtree size of the pre-order field at i (0 on inconsistency). */
static size_t preorder_size(const dec_field *p, size_t n, size_t i, int depth) {
  if (i >= n || depth > 32) return 0;
  if (p[i].in_type != DEC_IN_STRUCT) return 1;
  size_t size = 1, j = i + 1;
  for (unsigned k = 0; k < p[i].member_count; k++) {
    size_t sub = preorder_size(p, n, j, depth + 1);
    if (!sub) return 0;
    size += sub;
    j += sub;
  }
  return size;
}

bool dec_schema_layout(dec_context *ctx, dec_schema *s, const dec_field *pre, size_t n) {
  if (n > 65535) return false;
  s->fields = NULL;
  s->field_count = s->top_count = 0;
  if (!n) return true;
  size_t *newidx = kv_malloc(n * sizeof *newidx);
  size_t *order = kv_malloc(n * sizeof *order); /* flat position -> pre-order index */
  /* queue of lists: each list is (pre-order start of its first member, member count) */
  size_t *qstart = kv_malloc((n + 1) * sizeof *qstart), *qcount = kv_malloc((n + 1) * sizeof *qcount);
  size_t *qowner = kv_malloc((n + 1) * sizeof *qowner);
  size_t qh = 0, qt = 0, out = 0;
  bool ok = true;
  /* top-level list */
  size_t top = 0;
  for (size_t i = 0; i < n;) {
    size_t sz = preorder_size(pre, n, i, 0);
    if (!sz) { ok = false; break; }
    i += sz;
    top++;
  }
  dec_field *fl = ok ? dec_alloc(ctx, n * sizeof *fl) : NULL;
  if (ok) {
    qstart[qt] = 0; qcount[qt] = top; qowner[qt] = SIZE_MAX; qt++;
  }
  while (ok && qh < qt) {
    size_t i = qstart[qh], cnt = qcount[qh], owner = qowner[qh];
    qh++;
    if (owner != SIZE_MAX) fl[owner].first_member = (uint16_t)out;
    for (size_t k = 0; k < cnt; k++) {
      size_t sz = preorder_size(pre, n, i, 0);
      if (!sz || out >= n) { ok = false; break; }
      newidx[i] = out;
      order[out] = i;
      fl[out] = pre[i];
      fl[out].json_key = NULL; /* names may have changed: recomputed by dec_schema_prepare */
      fl[out].json_key_name = NULL;
      if (pre[i].in_type == DEC_IN_STRUCT) {
        qstart[qt] = i + 1; qcount[qt] = pre[i].member_count; qowner[qt] = out; qt++;
        fl[out].first_member = 0;
      } else {
        fl[out].member_count = 0;
      }
      out++;
      i += sz;
    }
  }
  if (ok && out != n) ok = false;
  /* remap references: must point at an earlier pre-order integer field */
  for (size_t f = 0; ok && f < n; f++) {
    size_t pi = order[f];
    if (fl[f].count_kind == DEC_COUNT_FIELD) {
      size_t r = fl[f].count;
      if (r >= pi || !dec_intype_is_integer(pre[r].in_type)) ok = false;
      else fl[f].count = (uint16_t)newidx[r];
    }
    if (fl[f].len_kind == DEC_LEN_FIELD) {
      size_t r = fl[f].length;
      if (r >= pi || !dec_intype_is_integer(pre[r].in_type)) ok = false;
      else fl[f].length = (uint16_t)newidx[r];
    }
    if (!fl[f].name) { fl[f].name = ""; fl[f].name_len = 0; }
  }
  free(newidx); free(order); free(qstart); free(qcount); free(qowner);
  if (!ok) return false;
  s->fields = fl;
  s->field_count = (uint16_t)n;
  s->top_count = (uint16_t)top;
  return true;
}

bool dec_schema_validate(const dec_schema *s) {
  if (s->top_count > s->field_count) return false;
  if (s->field_count && !s->fields) return false;
  for (size_t i = 0; i < s->field_count; i++) {
    dec_field *f = (dec_field *)&s->fields[i];
    if (!f->name) { f->name = ""; f->name_len = 0; }
    if (f->in_type == DEC_IN_STRUCT) {
      if (f->first_member <= i || (size_t)f->first_member + f->member_count > s->field_count) return false;
    }
    if (f->count_kind == DEC_COUNT_FIELD &&
        (f->count >= s->field_count || !dec_intype_is_integer(s->fields[f->count].in_type)))
      return false;
    if (f->len_kind == DEC_LEN_FIELD &&
        (f->length >= s->field_count || !dec_intype_is_integer(s->fields[f->length].in_type)))
      return false;
  }
  return true;
}

/* --------------------------------------------------------------- registry */

static uint64_t reg_hash(const dec_key *k) {
  uint64_t a, b;
  memcpy(&a, k->guid, 8);
  memcpy(&b, k->guid + 8, 8);
  uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ULL)) + ((uint64_t)k->id << 16 | (uint64_t)k->version << 8 | k->kind);
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 32;
  return h;
}

static bool reg_same_type(const dec_key *a, const dec_key *b) {
  return a->id == b->id && a->kind == b->kind && dec_guid_eq(a->guid, b->guid);
}

static bool reg_live(const dec_context *ctx, const dec_reg_slot *r) {
  return r->used && (r->priority >= 0 || r->gen == ctx->reg_gen);
}

static void reg_grow(dec_context *ctx) {
  size_t cap = ctx->reg_cap ? ctx->reg_cap * 2 : 256;
  dec_reg_slot *old = ctx->reg;
  size_t oldcap = ctx->reg_cap;
  ctx->reg = kv_calloc(cap, sizeof *ctx->reg);
  ctx->reg_cap = cap;
  ctx->reg_used = 0;
  for (size_t i = 0; i < oldcap; i++) {
    if (!reg_live(ctx, &old[i])) continue; /* stale aliases are dropped here */
    size_t j = reg_hash(&old[i].key) & (cap - 1);
    while (ctx->reg[j].used) j = (j + 1) & (cap - 1);
    ctx->reg[j] = old[i];
    ctx->reg_used++;
  }
  free(old);
}

/* Slot for exactly this key, or NULL. */
static dec_reg_slot *reg_slot(dec_context *ctx, const dec_key *key) {
  if (!ctx->reg_cap) return NULL;
  size_t j = reg_hash(key) & (ctx->reg_cap - 1);
  while (ctx->reg[j].used) {
    dec_reg_slot *r = &ctx->reg[j];
    if (r->key.version == key->version && reg_same_type(&r->key, key)) return r;
    j = (j + 1) & (ctx->reg_cap - 1);
  }
  return NULL;
}

static dec_reg_slot *reg_insert(dec_context *ctx, const dec_key *key) {
  if ((ctx->reg_used + 1) * 2 > ctx->reg_cap) reg_grow(ctx);
  size_t j = reg_hash(key) & (ctx->reg_cap - 1);
  while (ctx->reg[j].used) j = (j + 1) & (ctx->reg_cap - 1);
  dec_reg_slot *r = &ctx->reg[j];
  memset(r, 0, sizeof *r);
  r->used = true;
  r->key = *key;
  ctx->reg_used++;
  return r;
}

/* Kernel-Network compatibility fix-up (lineage.md 1.1): Tx rewrote every
 * property whose name contains "addr" into IP text and kept ports raw. */
static void dec_apply_fixups(dec_schema *s) {
  if (!dec_guid_eq(s->provider_id, DEC_GUID_KERNEL_NETWORK)) return;
  for (size_t i = 0; i < s->field_count; i++) {
    dec_field *f = &s->fields[i];
    if (strstr(f->name, "addr")) f->flags |= DEC_FF_ADDR_AS_IP;
    if (f->out_type == DEC_OUT_PORT) f->flags |= DEC_FF_PORT_RAW;
  }
}

void dec_schema_mark_dups(dec_schema *s) {
  /* direct members of one object are contiguous: top level, then each struct */
  for (size_t obj = 0; obj <= s->field_count; obj++) {
    size_t first, count;
    if (obj == s->field_count) { first = 0; count = s->top_count; }
    else if (s->fields[obj].in_type == DEC_IN_STRUCT) { first = s->fields[obj].first_member; count = s->fields[obj].member_count; }
    else continue;
    if (first + count > s->field_count) continue;
    if (count > 256) { s->flags |= DEC_SF_DUP_NAMES; return; }
    for (size_t i = first; i < first + count; i++)
      for (size_t j = first; j < i; j++)
        if (s->fields[i].name_len == s->fields[j].name_len &&
            memcmp(s->fields[i].name, s->fields[j].name, s->fields[i].name_len) == 0) {
          s->flags |= DEC_SF_DUP_NAMES;
          return;
        }
  }
}

void dec_schema_prepare(dec_context *ctx, dec_schema *s) {
  s->flags |= DEC_SF_PREPARED;
  dec_apply_fixups(s);
  dec_schema_mark_dups(s);
  kv_buf b;
  kv_buf_init(&b);
  for (size_t i = 0; i < s->field_count; i++) {
    dec_field *f = &s->fields[i];
    if (f->json_key && f->json_key_name == f->name) continue; /* shared template, done */
    b.len = 0;
    kv_buf_json_string(&b, f->name, f->name_len);
    kv_buf_putc(&b, ':');
    f->json_key = dec_strdup(ctx, b.data, b.len);
    f->json_key_len = (uint32_t)b.len;
    f->json_key_name = f->name;
  }
  kv_buf_free(&b);
}

bool dec_registry_add(dec_context *ctx, const dec_key *key, const dec_schema *s, int priority) {
  if (!s) return false;
  dec_schema_prepare(ctx, (dec_schema *)s); /* arena memory, owned by ctx */
  dec_reg_slot *r = reg_slot(ctx, key);
  if (r && reg_live(ctx, r) && r->priority >= 0 && priority < r->priority) return false;
  if (!r) r = reg_insert(ctx, key);
  r->schema = s;
  r->priority = priority;
  r->guessed = false;
  ctx->reg_gen++; /* every cached alias may be stale now */
  return true;
}

const dec_schema *dec_registry_find(dec_context *ctx, const dec_key *key, bool *guessed) {
  if (guessed) *guessed = false;
  dec_reg_slot *r = reg_slot(ctx, key);
  if (r && reg_live(ctx, r)) {
    if (guessed) *guessed = r->guessed;
    return r->schema;
  }
  /* slow path: best other version of the same (guid, id, kind); the result
   * (a miss too) is cached as an alias until the next registration */
  const dec_reg_slot *below = NULL, *above = NULL;
  for (size_t j = 0; j < ctx->reg_cap; j++) {
    const dec_reg_slot *c = &ctx->reg[j];
    if (!c->used || c->priority < 0 || !reg_same_type(&c->key, key)) continue;
    if (c->key.version < key->version) {
      if (!below || c->key.version > below->key.version) below = c;
    } else if (!above || c->key.version < above->key.version) {
      above = c;
    }
  }
  const dec_reg_slot *best = below ? below : above;
  const dec_schema *s = best ? best->schema : NULL;
  if (!r) r = reg_insert(ctx, key);
  r->schema = s;
  r->priority = -1;
  r->gen = ctx->reg_gen;
  r->guessed = s != NULL;
  if (guessed) *guessed = r->guessed;
  return s;
}

/* ---------------------------------------------------------- GUID name sets */

static dec_name_slot *nameset_find(dec_name_slot *t, size_t cap, const uint8_t g[16]) {
  if (!cap) return NULL;
  size_t j = dec_hash(g, 16, 7) & (cap - 1);
  while (t[j].used) {
    if (dec_guid_eq(t[j].guid, g)) return &t[j];
    j = (j + 1) & (cap - 1);
  }
  return NULL;
}

static dec_name_slot *nameset_add(dec_name_slot **tp, size_t *capp, size_t *usedp, const uint8_t g[16]) {
  dec_name_slot *e = nameset_find(*tp, *capp, g);
  if (e) return e;
  if ((*usedp + 1) * 2 > *capp) {
    size_t cap = *capp ? *capp * 2 : 64;
    dec_name_slot *old = *tp, *t = kv_calloc(cap, sizeof *t);
    for (size_t i = 0; i < *capp; i++) {
      if (!old[i].used) continue;
      size_t j = dec_hash(old[i].guid, 16, 7) & (cap - 1);
      while (t[j].used) j = (j + 1) & (cap - 1);
      t[j] = old[i];
    }
    free(old);
    *tp = t;
    *capp = cap;
  }
  size_t j = dec_hash(g, 16, 7) & (*capp - 1);
  while ((*tp)[j].used) j = (j + 1) & (*capp - 1);
  dec_name_slot *s = &(*tp)[j];
  s->used = true;
  memcpy(s->guid, g, 16);
  s->name = NULL;
  (*usedp)++;
  return s;
}

void dec_provider_name_add(dec_context *ctx, const uint8_t guid[16], const char *name) {
  if (!name || !*name) return;
  dec_name_slot *s = nameset_add(&ctx->names, &ctx->names_cap, &ctx->names_used, guid);
  if (!s->name) s->name = dec_strdup(ctx, name, strlen(name));
}

const char *dec_provider_name_find(dec_context *ctx, const uint8_t guid[16]) {
  dec_name_slot *s = nameset_find(ctx->names, ctx->names_cap, guid);
  return s ? s->name : NULL;
}

/* ---------------------------------------------------------------- context */

int dec_context_new(dec_context **out, const dec_options *opt, char *err, size_t err_len) {
  dec_context *ctx = kv_calloc(1, sizeof *ctx);
  if (opt) ctx->opt = *opt;
  if (err && err_len) err[0] = 0;
  ctx->bundled_loaded = kv_calloc(dec_bundled_file_count + 1, 1);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < ctx->opt.manifest_count; i++)
    rc = dec_manifest_load_path(ctx, ctx->opt.manifest_paths[i], err, err_len);
#ifdef E2K_HAVE_DEC_MOF
  if (rc == 0) rc = dec_mof_init(ctx, err, err_len);
#endif
#ifdef E2K_HAVE_DEC_METADATA
  if (rc == 0) rc = dec_metadata_init(ctx, err, err_len);
#endif
#ifdef E2K_HAVE_DEC_WPP
  if (rc == 0) rc = dec_wpp_init(ctx, &ctx->opt, err, err_len);
#endif
  if (rc != 0) {
    dec_context_free(ctx);
    *out = NULL;
    return rc;
  }
  *out = ctx;
  return 0;
}

void dec_context_free(dec_context *ctx) {
  if (!ctx) return;
#ifdef E2K_HAVE_DEC_WPP
  dec_wpp_free(ctx);
#endif
#ifdef E2K_HAVE_DEC_METADATA
  dec_metadata_free(ctx);
#endif
#ifdef E2K_HAVE_DEC_MOF
  dec_mof_free(ctx);
#endif
  dec_es_free(ctx);
  free(ctx->reg);
  free(ctx->names);
  free(ctx->tried);
  free(ctx->tl);
  free(ctx->stats);
  free(ctx->stats_rows);
  free(ctx->bundled_loaded);
  dec_arena_block *b = ctx->arena;
  while (b) {
    dec_arena_block *n = b->next;
    free(b);
    b = n;
  }
  free(ctx);
}

void dec_observe(dec_context *ctx, const etl_event *ev) {
  if (ev->event_id == 0xFFFE && dec_es_is_manifest_event(ev)) {
    dec_es_observe(ctx, ev);
    return;
  }
#ifdef E2K_HAVE_DEC_METADATA
  if (dec_guid_is_metadata(ev->provider_id)) dec_metadata_observe(ctx, ev);
#endif
}

static bool dec_is_classic(const etl_event *ev) {
  switch (ev->header_kind) {
  case ETL_HT_SYSTEM: case ETL_HT_PERFINFO: case ETL_HT_FULL: case ETL_HT_INSTANCE: return true;
  case ETL_HT_REALTIME: return (ev->event_flags & 0x0100) != 0; /* EVENT_HEADER_FLAG_CLASSIC_HEADER */
  default: return false;
  }
}

/* Registry lookup with one lazy attempt at the bundled manifests. */
static const dec_schema *dec_find_keyed(dec_context *ctx, const dec_key *k, bool *guessed) {
  const dec_schema *s = dec_registry_find(ctx, k, guessed);
  if (s || ctx->opt.no_bundled_manifests) return s;
  if (nameset_find(ctx->tried, ctx->tried_cap, k->guid)) return NULL;
  nameset_add(&ctx->tried, &ctx->tried_cap, &ctx->tried_used, k->guid);
  if (!dec_bundled_load_for(ctx, k->guid)) return NULL;
  return dec_registry_find(ctx, k, guessed);
}

/* Asks the platform's TDH (Windows) for an event no offline source knows,
 * compiles the TRACE_EVENT_INFO it returns with the merged-metadata code and
 * registers it, so each event type costs one TDH call at most. */
static const dec_schema *dec_tdh_fallback(dec_context *ctx, const etl_event *ev) {
#ifdef E2K_HAVE_DEC_METADATA
  const uint8_t *blob;
  uint32_t len;
  if (!ctx->opt.event_info_fallback || ctx->opt.event_info_fallback(ev, &blob, &len) != 0) return NULL;
  dec_key key;
  const dec_schema *s = dec_metadata_compile(ctx, blob, len, &key);
  if (!s) return NULL;
  ((dec_schema *)s)->source = DEC_SRC_TDH; /* arena-owned, not yet shared */
  dec_metadata_fetch_maps(ctx, ev); /* the maps it names, from the same source */
  dec_registry_add(ctx, &key, s, DEC_PRIO_MERGED);
  return s;
#else
  (void)ctx;
  (void)ev;
  return NULL;
#endif
}

static const dec_schema *dec_lookup_uncached(dec_context *ctx, const etl_event *ev);

/* True when `ev` is the event the memo describes (same record bytes, same
 * identity) and no schema was registered since. */
static bool dec_memo_hit(const dec_context *ctx, const etl_event *ev) {
  return ctx->memo.valid && ctx->memo.gen == ctx->reg_gen && ctx->memo.payload == ev->payload &&
         ctx->memo.payload_len == ev->payload_len && ctx->memo.ext == ev->ext &&
         ctx->memo.raw_timestamp == ev->raw_timestamp && ctx->memo.event_id == ev->event_id &&
         ctx->memo.version == ev->version && ctx->memo.opcode == ev->opcode &&
         ctx->memo.header_kind == ev->header_kind && dec_guid_eq(ctx->memo.guid, ev->provider_id);
}

/* The schema for an event, or NULL. */
static const dec_schema *dec_lookup(dec_context *ctx, const etl_event *ev) {
  /* TraceLogging schemas come from the event's own bytes (and have their own
   * cache): never from the memo, whose key does not cover them. */
  if (ev->ext && ev->ext_len) {
    const dec_schema *s = dec_tl_schema(ctx, ev);
    if (s) return s;
  }
  if (dec_memo_hit(ctx, ev)) return ctx->memo.schema;
  const dec_schema *s = dec_lookup_uncached(ctx, ev);
  ctx->memo.valid = true;
  ctx->memo.gen = ctx->reg_gen; /* after the lookup: it may have registered */
  ctx->memo.payload = ev->payload;
  ctx->memo.payload_len = ev->payload_len;
  ctx->memo.ext = ev->ext;
  ctx->memo.raw_timestamp = ev->raw_timestamp;
  ctx->memo.event_id = ev->event_id;
  ctx->memo.version = ev->version;
  ctx->memo.opcode = ev->opcode;
  ctx->memo.header_kind = ev->header_kind;
  memcpy(ctx->memo.guid, ev->provider_id, 16);
  ctx->memo.schema = s;
  return s;
}

static const dec_schema *dec_lookup_uncached(dec_context *ctx, const etl_event *ev) {
  if (ev->event_id == 0xFFFE && dec_es_is_manifest_event(ev)) return dec_es_manifest_schema(ctx);
  dec_key k;
  memcpy(k.guid, ev->provider_id, 16);
  k.version = ev->version;
  if (dec_is_classic(ev)) {
    k.kind = DEC_KEY_CLASSIC;
    k.id = ev->opcode;
    const dec_schema *s = dec_find_keyed(ctx, &k, NULL);
#ifdef E2K_HAVE_DEC_MOF
    if (!s) {
      s = dec_mof_lookup(ctx, ev);
      if (s && !(s->flags & DEC_SF_PREPARED)) dec_schema_prepare(ctx, (dec_schema *)s); /* arena */
    }
#endif
    return s;
  }
  k.kind = DEC_KEY_EVENT;
  k.id = ev->event_id;
  const dec_schema *s = dec_find_keyed(ctx, &k, NULL);
  return s ? s : dec_tdh_fallback(ctx, ev);
}

void dec_event_names(dec_context *ctx, const etl_event *ev, dec_names *out) {
  out->provider = "";
  out->event_name = "";
  out->task_name = out->opcode_name = out->level_name = out->channel_name = out->keywords_name = "";
#ifdef E2K_HAVE_DEC_WPP
  if (ev->header_kind == ETL_HT_MESSAGE) {
    dec_wpp_names(ctx, ev, out);
    if (!out->provider) out->provider = "";
    if (!out->event_name) out->event_name = "";
    if (!out->task_name) out->task_name = "";
    if (!out->opcode_name) out->opcode_name = "";
    if (!out->level_name) out->level_name = "";
    if (!out->channel_name) out->channel_name = "";
    if (!out->keywords_name) out->keywords_name = "";
    return;
  }
#endif
  const dec_schema *s = ev->header_kind == ETL_HT_MESSAGE ? NULL : dec_lookup(ctx, ev);
  if (s) {
    out->event_name = s->event_name;
    out->task_name = s->task_name ? s->task_name : "";
    out->opcode_name = s->opcode_name ? s->opcode_name : "";
    out->level_name = s->level_name ? s->level_name : "";
    out->channel_name = s->channel_name ? s->channel_name : "";
    out->keywords_name = s->keywords_name ? s->keywords_name : "";
    if (s->provider_name[0]) {
      out->provider = s->provider_name;
      return;
    }
  }
  const char *n = dec_provider_name_find(ctx, ev->provider_id);
  if (n) out->provider = n;
}

/* ------------------------------------------------------------------ stats */

static void dec_stats_record(dec_context *ctx, const etl_event *ev, const dec_schema *s, dec_source src,
                             bool ok) {
  struct {
    uint8_t g[16];
    uint16_t id;
    uint8_t v, op;
    const void *s;
  } key;
  memset(&key, 0, sizeof key);
  memcpy(key.g, ev->provider_id, 16);
  /* WPP records have no event id; each message number is its own message
   * (format string, arguments), so it takes the id's place in the report */
  key.id = ev->header_kind == ETL_HT_MESSAGE ? ev->message_number : ev->event_id;
  key.v = ev->version;
  key.op = ev->opcode;
  key.s = s;
  if ((ctx->stats_used + 1) * 2 > ctx->stats_cap) {
    size_t cap = ctx->stats_cap ? ctx->stats_cap * 2 : 128;
    dec_stat_slot *old = ctx->stats, *t = kv_calloc(cap, sizeof *t);
    for (size_t i = 0; i < ctx->stats_cap; i++) {
      if (!old[i].used) continue;
      struct { uint8_t g[16]; uint16_t id; uint8_t v, op; const void *s; } k2;
      memset(&k2, 0, sizeof k2);
      memcpy(k2.g, old[i].row.provider_id, 16);
      k2.id = old[i].row.event_id; k2.v = old[i].row.version; k2.op = old[i].row.opcode;
      k2.s = old[i].schema;
      size_t j = dec_hash(&k2, sizeof k2, 3) & (cap - 1);
      while (t[j].used) j = (j + 1) & (cap - 1);
      t[j] = old[i];
    }
    free(old);
    ctx->stats = t;
    ctx->stats_cap = cap;
  }
  size_t j = dec_hash(&key, sizeof key, 3) & (ctx->stats_cap - 1);
  dec_stat_slot *e;
  for (;;) {
    e = &ctx->stats[j];
    if (!e->used) break;
    if (e->schema == s && e->row.event_id == key.id && e->row.version == key.v && e->row.opcode == key.op &&
        dec_guid_eq(e->row.provider_id, key.g))
      break;
    j = (j + 1) & (ctx->stats_cap - 1);
  }
  if (!e->used) {
    e->used = true;
    e->schema = s;
    memcpy(e->row.provider_id, key.g, 16);
    e->row.event_id = key.id;
    e->row.version = key.v;
    e->row.opcode = key.op;
    dec_names nm;
    dec_event_names(ctx, ev, &nm);
    e->row.provider = dec_strdup(ctx, nm.provider, strlen(nm.provider));
    e->row.event_name = dec_strdup(ctx, nm.event_name, strlen(nm.event_name));
    e->row.source = src;
    ctx->stats_used++;
  }
  e->row.count++;
  if (ok) e->row.decoded++;
  else e->row.undecoded++;
}

void dec_stats_enable(dec_context *ctx, bool on) { ctx->stats_on = on; }

void dec_stats_count(dec_context *ctx, const etl_event *ev) {
  kv_release(dec_event_data(ctx, ev, NULL, NULL));
}

static int cmp_stat_row(const void *a, const void *b) {
  const dec_stat_row *x = a, *y = b;
  int c = strcmp(x->provider, y->provider);
  if (c) return c;
  c = memcmp(x->provider_id, y->provider_id, 16);
  if (c) return c;
  if (x->event_id != y->event_id) return x->event_id < y->event_id ? -1 : 1;
  if (x->version != y->version) return x->version < y->version ? -1 : 1;
  if (x->opcode != y->opcode) return x->opcode < y->opcode ? -1 : 1;
  return strcmp(x->event_name, y->event_name);
}

size_t dec_stats_rows(dec_context *ctx, const dec_stat_row **rows) {
  free(ctx->stats_rows);
  ctx->stats_rows = ctx->stats_used ? kv_malloc(ctx->stats_used * sizeof *ctx->stats_rows) : NULL;
  size_t n = 0;
  for (size_t i = 0; i < ctx->stats_cap; i++)
    if (ctx->stats[i].used) ctx->stats_rows[n++] = ctx->stats[i].row;
  if (n > 1) qsort(ctx->stats_rows, n, sizeof *ctx->stats_rows, cmp_stat_row);
  *rows = ctx->stats_rows;
  return n;
}

/* ------------------------------------------------------------ event data */

kv_value dec_event_data(dec_context *ctx, const etl_event *ev, dec_source *source, bool *ok) {
  kv_value bag;
  bool good = false;
  dec_source src = DEC_SRC_NONE;
  const dec_schema *s = NULL;
  if (ev->header_kind == ETL_HT_MESSAGE) {
#ifdef E2K_HAVE_DEC_WPP
    bag = dec_wpp_decode(ctx, ev, &good, NULL);
    src = DEC_SRC_WPP;
#else
    bag = kv_dyn_bag();
#endif
  } else {
    s = dec_lookup(ctx, ev);
    if (s) {
      bag = dec_walk(s, ev->payload, ev->payload_len, ev->pointer_size, &good);
      src = (dec_source)s->source;
    } else {
      bag = kv_dyn_bag();
    }
  }
  if (source) *source = src;
  if (ok) *ok = good;
  if (ctx->stats_on) dec_stats_record(ctx, ev, s, src, good);
  return bag;
}

void dec_event_data_json(dec_context *ctx, const etl_event *ev, kv_buf *out, dec_source *source, bool *ok) {
  const dec_schema *s = ev->header_kind == ETL_HT_MESSAGE ? NULL : dec_lookup(ctx, ev);
  if (ev->header_kind == ETL_HT_MESSAGE || (s && (s->flags & DEC_SF_DUP_NAMES))) {
    kv_value v = dec_event_data(ctx, ev, source, ok);
    kv_to_json(out, v);
    kv_release(v);
    return;
  }
  bool good = false;
  dec_source src = DEC_SRC_NONE;
  if (s) {
    good = dec_walk_json(s, ev->payload, ev->payload_len, ev->pointer_size, out);
    src = (dec_source)s->source;
  } else {
    kv_buf_puts(out, "{}");
  }
  if (source) *source = src;
  if (ok) *ok = good;
  if (ctx->stats_on) dec_stats_record(ctx, ev, s, src, good);
}

/* FormatMessage-style rendering: %N (1-based top-level field), %N!fmt!,
 * %% -> %, %n -> newline, %t -> tab, %r -> CR, %! -> !, %. -> . */
static kv_value dec_render_message(const dec_schema *s, kv_value bag) {
  kv_buf b;
  kv_buf_init(&b);
  const char *m = s->message;
  for (size_t i = 0; m[i];) {
    char c = m[i];
    if (c != '%') {
      kv_buf_putc(&b, c);
      i++;
      continue;
    }
    char d = m[i + 1];
    if (d >= '1' && d <= '9') {
      size_t j = i + 1;
      unsigned n = 0;
      while (m[j] >= '0' && m[j] <= '9' && n < 100000) n = n * 10 + (unsigned)(m[j++] - '0');
      if (m[j] == '!') {
        const char *e = strchr(m + j + 1, '!');
        if (e) j = (size_t)(e - m) + 1;
      }
      if (n >= 1 && n <= s->top_count) {
        const dec_field *f = &s->fields[n - 1];
        kv_value v = kv_bag_get(bag, f->name, f->name_len);
        kv_to_text(&b, v);
      }
      i = j;
      continue;
    }
    switch (d) {
    case 'n': kv_buf_putc(&b, '\n'); break;
    case 't': kv_buf_putc(&b, '\t'); break;
    case 'r': kv_buf_putc(&b, '\r'); break;
    case 0: kv_buf_putc(&b, '%'); i++; continue;
    default: kv_buf_putc(&b, d); break; /* %% %! %. and anything else: the character */
    }
    i += 2;
  }
  /* FormatMessage messages usually end with a newline the tools strip. */
  while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' || b.data[b.len - 1] == ' ')) b.len--;
  kv_value v = kv_string(b.data ? b.data : "", b.len);
  kv_buf_free(&b);
  return v;
}

kv_value dec_event_message(dec_context *ctx, const etl_event *ev) {
  if (ev->header_kind == ETL_HT_MESSAGE) {
#ifdef E2K_HAVE_DEC_WPP
    bool ok;
    kv_value msg = kv_null(KV_STRING);
    kv_value bag = dec_wpp_decode(ctx, ev, &ok, &msg);
    kv_release(bag);
    return msg;
#else
    return kv_string("", 0);
#endif
  }
  const dec_schema *s = dec_lookup(ctx, ev);
  if (!s || !s->message[0]) return kv_string("", 0);
  bool ok;
  kv_value bag = dec_walk(s, ev->payload, ev->payload_len, ev->pointer_size, &ok);
  kv_value v = dec_render_message(s, bag);
  kv_release(bag);
  return v;
}
