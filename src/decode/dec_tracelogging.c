/* SPDX-License-Identifier: MIT
 * TraceLogging (and self-describing EventSource) events: compiles the
 * EVENT_SCHEMA_TL extended item (etw-decoding.md 1.3) into a dec_schema once
 * per (provider GUID, metadata blob) and caches it; provider name from
 * PROV_TRAITS (1.2). Pure parsing of bounded bytes; the payload itself is
 * walked by dec_walk.c. Owner: decA. */
#include "decode/dec_int.h"

#include <stdlib.h>
#include <string.h>

#define DEC_TL_MAX_FIELDS 4096

const char *dec_tl_provider_name(const etl_event *ev) {
  const uint8_t *d;
  uint32_t n;
  if (!etl_event_find_ext(ev, ETL_EXT_PROV_TRAITS, &d, &n) || n < 3) return NULL;
  uint32_t size = dec_le16(d);
  if (size > n) size = n;
  if (size < 3) return NULL;
  for (uint32_t i = 2; i < size; i++)
    if (d[i] == 0) return (const char *)d + 2;
  return NULL;
}

/* Bounded reader over the metadata blob. */
typedef struct tl_rd {
  const uint8_t *p;
  size_t len, pos;
  bool bad;
} tl_rd;

static uint8_t tl_u8(tl_rd *r) {
  if (r->pos >= r->len) { r->bad = true; return 0; }
  return r->p[r->pos++];
}
static uint16_t tl_u16(tl_rd *r) {
  if (r->len - r->pos < 2 || r->pos > r->len) { r->bad = true; r->pos = r->len; return 0; }
  uint16_t v = dec_le16(r->p + r->pos);
  r->pos += 2;
  return v;
}
/* NUL-terminated string; returns start and sets *n (without NUL). */
static const char *tl_str(tl_rd *r, size_t *n) {
  const char *s = (const char *)r->p + r->pos;
  size_t i = r->pos;
  while (i < r->len && r->p[i]) i++;
  if (i >= r->len) { r->bad = true; r->pos = r->len; *n = 0; return ""; }
  *n = i - r->pos;
  r->pos = i + 1;
  return s;
}
static uint32_t tl_tags(tl_rd *r) {
  uint32_t tags = 0;
  int shift = 21;
  uint8_t b;
  do {
    b = tl_u8(r);
    if (shift >= 0) tags |= (uint32_t)(b & 0x7F) << shift;
    shift -= 7;
  } while ((b & 0x80) && !r->bad && shift >= -7);
  return tags;
}

/* Compiles a blob; NULL when invalid. */
static const dec_schema *tl_compile(dec_context *ctx, const uint8_t guid[16], const uint8_t *blob,
                                    size_t len, const char *prov_name) {
  tl_rd r = {blob, len, 0, false};
  size_t size = tl_u16(&r);
  if (r.bad || size < 4) return NULL;
  if (size < r.len) r.len = size;
  (void)tl_tags(&r);
  size_t nlen;
  const char *name = tl_str(&r, &nlen);
  if (r.bad) return NULL;
  dec_schema *s = dec_schema_new(ctx, DEC_SRC_TRACELOGGING);
  memcpy(s->provider_id, guid, 16);
  s->event_name = dec_strdup(ctx, name, nlen);
  if (prov_name) s->provider_name = dec_strdup(ctx, prov_name, strlen(prov_name));
  else {
    const char *pn = dec_provider_name_find(ctx, guid);
    if (pn) s->provider_name = pn;
  }
  size_t cap = 16, n = 0;
  dec_field *pre = kv_malloc(cap * sizeof *pre);
  /* open structs: how many logical members still belong to each level */
  unsigned open[40];
  int depth = 0;
  bool ok = true;
  while (r.pos < r.len && ok) {
    dec_field f;
    memset(&f, 0, sizeof f);
    size_t fl;
    const char *fname = tl_str(&r, &fl);
    uint8_t in = tl_u8(&r);
    uint8_t outm = 0;
    if (in & 0x80) {
      outm = tl_u8(&r);
      if (outm & 0x80) f.tags = tl_tags(&r);
    }
    uint16_t in_type = in & 0x1F;
    unsigned kind = in & 0x60;
    if (kind == 0x20) {
      f.count_kind = DEC_COUNT_FIXED;
      f.count = tl_u16(&r);
    } else if (kind == 0x40) {
      f.count_kind = DEC_COUNT_PREFIX_U16;
    } else if (kind == 0x60) {
      uint16_t cb = tl_u16(&r);
      if (r.len - r.pos < cb) r.bad = true;
      else r.pos += cb;
      in_type = DEC_IN_BINARY; /* custom schema payload: u16 byte count + bytes, shown as hex */
      f.len_kind = DEC_LEN_PREFIX_U16;
    }
    if (r.bad || fl > 0xFFFF) { ok = false; break; }
    f.name = dec_strdup(ctx, fname, fl);
    f.name_len = (uint16_t)fl;
    f.in_type = in_type;
    if (in_type == DEC_IN_STRUCT) {
      f.member_count = outm & 0x7F;
      if (!(in & 0x80) || f.member_count == 0) { ok = false; break; }
    } else {
      f.out_type = dec_tlg_out_to_tdh(outm & 0x7F, in_type);
      if (in_type == DEC_IN_BINARY) f.len_kind = DEC_LEN_PREFIX_U16;
    }
    if (n == cap) {
      cap *= 2;
      pre = kv_realloc(pre, cap * sizeof *pre);
    }
    pre[n++] = f;
    if (n > DEC_TL_MAX_FIELDS) { ok = false; break; }
    /* account the field to the enclosing struct(s) */
    if (depth > 0) {
      open[depth - 1]--;
    }
    if (in_type == DEC_IN_STRUCT) {
      if (depth >= 32) { ok = false; break; }
      open[depth++] = f.member_count;
    }
    while (depth > 0 && open[depth - 1] == 0) depth--;
  }
  if (ok && depth != 0) {
    /* metadata ended inside a struct: shrink the open structs to what exists */
    ok = false;
  }
  if (ok) ok = dec_schema_layout(ctx, s, pre, n);
  if (ok) dec_schema_prepare(ctx, s);
  free(pre);
  return ok ? s : NULL;
}

static void tl_grow(dec_context *ctx) {
  size_t cap = ctx->tl_cap ? ctx->tl_cap * 2 : 64;
  dec_tl_slot *t = kv_calloc(cap, sizeof *t);
  for (size_t i = 0; i < ctx->tl_cap; i++) {
    if (!ctx->tl[i].used) continue;
    size_t j = ctx->tl[i].hash & (cap - 1);
    while (t[j].used) j = (j + 1) & (cap - 1);
    t[j] = ctx->tl[i];
  }
  free(ctx->tl);
  ctx->tl = t;
  ctx->tl_cap = cap;
}

const dec_schema *dec_tl_schema(dec_context *ctx, const etl_event *ev) {
  const uint8_t *blob;
  uint32_t len;
  if (!etl_event_find_ext(ev, ETL_EXT_EVENT_SCHEMA_TL, &blob, &len)) return NULL;
  uint64_t h = dec_hash(blob, len, dec_hash(ev->provider_id, 16, 11));
  if (ctx->tl_cap) {
    size_t j = h & (ctx->tl_cap - 1);
    while (ctx->tl[j].used) {
      dec_tl_slot *e = &ctx->tl[j];
      if (e->hash == h && e->blob_len == len && dec_guid_eq(e->guid, ev->provider_id) &&
          memcmp(e->blob, blob, len) == 0)
        return e->schema;
      j = (j + 1) & (ctx->tl_cap - 1);
    }
  }
  const char *pn = dec_tl_provider_name(ev);
  if (pn) dec_provider_name_add(ctx, ev->provider_id, pn);
  const dec_schema *s = tl_compile(ctx, ev->provider_id, blob, len, pn);
  if ((ctx->tl_used + 1) * 2 > ctx->tl_cap) tl_grow(ctx);
  size_t j = h & (ctx->tl_cap - 1);
  while (ctx->tl[j].used) j = (j + 1) & (ctx->tl_cap - 1);
  dec_tl_slot *e = &ctx->tl[j];
  e->used = true;
  e->hash = h;
  uint8_t *copy = dec_alloc(ctx, len ? len : 1);
  if (len) memcpy(copy, blob, len);
  e->blob = copy;
  e->blob_len = len;
  memcpy(e->guid, ev->provider_id, 16);
  e->schema = s;
  ctx->tl_used++;
  return s;
}
