/* SPDX-License-Identifier: MIT
 * Merged-trace metadata (etw-decoding.md section 4): xperf/WPR/PerfView
 * merges embed, as classic events of class MetaData bbccf6c1-... (opcode 32
 * EventInfo = one TRACE_EVENT_INFO, opcode 33 EventMapInfo = provider GUID +
 * one EVENT_MAP_INFO), exactly what TdhGetEventInformation returned on the
 * recording machine. This file compiles each blob into a dec_schema for the
 * rest of the trace. Every offset is checked against the payload; nothing is
 * cast from input bytes. Owner: decode part B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_int.h"
#include "decode/dec_metadata.h"

/* TRACE_EVENT_INFO / EVENT_PROPERTY_INFO / EVENT_MAP_INFO sizes and offsets
 * (etw-decoding.md 4.2, verified there against mingw tdh.h offsetof). */
enum {
  TEI_HEADER = 112,
  TEI_PROP = 24,
  TEI_OFF_DESCRIPTOR = 32,
  TEI_OFF_DECODING_SOURCE = 48,
  TEI_OFF_PROVIDER_NAME = 52,
  TEI_OFF_LEVEL_NAME = 56,
  TEI_OFF_CHANNEL_NAME = 60,
  TEI_OFF_KEYWORDS_NAME = 64,
  TEI_OFF_TASK_NAME = 68,
  TEI_OFF_OPCODE_NAME = 72,
  TEI_OFF_MESSAGE = 76,
  TEI_OFF_PROPERTY_COUNT = 100,
  TEI_OFF_TOP_COUNT = 104,
  MAP_HEADER = 16,
  MAP_ENTRY = 8
};

/* PROPERTY_FLAGS */
enum {
  PROP_STRUCT = 0x1,
  PROP_PARAM_LENGTH = 0x2,
  PROP_PARAM_COUNT = 0x4,
  PROP_FIXED_LENGTH = 0x10,
  PROP_FIXED_COUNT = 0x20
};

/* Maps are resolved by (provider GUID, map name); EventInfo records usually
 * precede the EventMapInfo they name, so a referenced map is created empty
 * and filled when its record arrives (schemas hold the same pointer). */
typedef struct md_map {
  uint8_t guid[16];
  dec_map *map;
  bool filled;
  bool asked;  /* event_map_fallback was asked for it */
} md_map;

typedef struct md_state {
  md_map *maps;
  size_t map_count, map_cap;
  uint64_t event_infos, event_infos_bad, map_infos, map_infos_bad;
} md_state;

static md_state *md_get(dec_context *ctx) { return ctx->metadata_state; }

int dec_metadata_init(dec_context *ctx, char *err, size_t err_len) {
  (void)err;
  (void)err_len;
  ctx->metadata_state = kv_calloc(1, sizeof(md_state));
  return 0;
}

void dec_metadata_free(dec_context *ctx) {
  md_state *st = md_get(ctx);
  if (!st) return;
  free(st->maps);
  free(st);
  ctx->metadata_state = NULL;
}

void dec_metadata_counts(dec_context *ctx, uint64_t out[4]) {
  md_state *st = md_get(ctx);
  out[0] = st ? st->event_infos : 0;
  out[1] = st ? st->event_infos_bad : 0;
  out[2] = st ? st->map_infos : 0;
  out[3] = st ? st->map_infos_bad : 0;
}

/* UTF-16 z-string at a self-relative offset -> arena UTF-8 with trailing
 * blanks removed (manifest strings end in a space). "" when 0 or invalid. */
static const char *md_string(dec_context *ctx, const uint8_t *blob, uint32_t len, uint32_t off) {
  if (off == 0 || off >= len || len - off < 2) return "";
  kv_buf b;
  kv_buf_init(&b);
  dec_utf16_to_utf8(&b, blob + off, (len - off) & ~1u, true);
  size_t n = b.len;
  while (n && (b.data[n - 1] == ' ' || b.data[n - 1] == '\t' || b.data[n - 1] == '\r' ||
               b.data[n - 1] == '\n'))
    n--;
  const char *s = dec_strdup(ctx, b.data ? b.data : "", n);
  kv_buf_free(&b);
  return s;
}

static dec_map *md_map_ref(dec_context *ctx, const uint8_t guid[16], const char *name) {
  md_state *st = md_get(ctx);
  for (size_t i = 0; i < st->map_count; i++)
    if (dec_guid_eq(st->maps[i].guid, guid) && strcmp(st->maps[i].map->name, name) == 0)
      return st->maps[i].map;
  if (st->map_count == st->map_cap) {
    st->map_cap = st->map_cap ? st->map_cap * 2 : 16;
    st->maps = kv_realloc(st->maps, st->map_cap * sizeof *st->maps);
  }
  md_map *m = &st->maps[st->map_count++];
  memcpy(m->guid, guid, 16);
  m->map = dec_alloc(ctx, sizeof(dec_map));
  m->map->name = dec_strdup(ctx, name, strlen(name));
  m->map->kind = DEC_MAP_VALUE;
  m->filled = false;
  m->asked = false;
  return m->map;
}

static bool md_is_stringish(uint16_t in) {
  return in == DEC_IN_UNICODESTRING || in == DEC_IN_ANSISTRING || in == DEC_IN_BINARY;
}

const dec_schema *dec_metadata_compile(dec_context *ctx, const uint8_t *p, uint32_t n,
                                       dec_key *key_out) {
  if (!p || n < TEI_HEADER) return NULL;
  uint32_t ds = dec_le32(p + TEI_OFF_DECODING_SOURCE);
  uint32_t pc = dec_le32(p + TEI_OFF_PROPERTY_COUNT);
  uint32_t top = dec_le32(p + TEI_OFF_TOP_COUNT);
  if (ds == 2 || ds == 3) return NULL; /* WPP and TraceLogging describe themselves */
  if (ds > 4 || pc > 4096 || top > pc || (uint64_t)TEI_HEADER + (uint64_t)TEI_PROP * pc > n)
    return NULL;
  const uint8_t *provider = p, *event_guid = p + 16, *d = p + TEI_OFF_DESCRIPTOR;
  dec_schema *s = dec_schema_new(ctx, DEC_SRC_MERGED_METADATA);
  memcpy(s->provider_id, ds == 1 ? event_guid : provider, 16);
  s->provider_name = md_string(ctx, p, n, dec_le32(p + TEI_OFF_PROVIDER_NAME));
  s->level_name = md_string(ctx, p, n, dec_le32(p + TEI_OFF_LEVEL_NAME));
  s->channel_name = md_string(ctx, p, n, dec_le32(p + TEI_OFF_CHANNEL_NAME));
  s->keywords_name = md_string(ctx, p, n, dec_le32(p + TEI_OFF_KEYWORDS_NAME));
  s->task_name = md_string(ctx, p, n, dec_le32(p + TEI_OFF_TASK_NAME));
  s->opcode_name = md_string(ctx, p, n, dec_le32(p + TEI_OFF_OPCODE_NAME));
  s->message = md_string(ctx, p, n, dec_le32(p + TEI_OFF_MESSAGE));
  /* Event name: "Task/Opcode" (PerfView's convention for manifest events),
   * or whichever of the two exists. */
  if (*s->task_name && *s->opcode_name) {
    size_t a = strlen(s->task_name), b = strlen(s->opcode_name);
    char *e = dec_alloc(ctx, a + b + 2);
    memcpy(e, s->task_name, a);
    e[a] = '/';
    memcpy(e + a + 1, s->opcode_name, b + 1);
    s->event_name = e;
  } else {
    s->event_name = *s->task_name ? s->task_name : s->opcode_name;
  }
  dec_field *fl = pc ? dec_alloc(ctx, pc * sizeof(dec_field)) : NULL;
  for (uint32_t i = 0; i < pc; i++) {
    const uint8_t *q = p + TEI_HEADER + TEI_PROP * i;
    uint32_t flags = dec_le32(q);
    dec_field *f = &fl[i];
    f->name = md_string(ctx, p, n, dec_le32(q + 4));
    f->name_len = (uint16_t)strlen(f->name);
    uint16_t cnt = dec_le16(q + 16), len = dec_le16(q + 18);
    if (flags & PROP_STRUCT) {
      f->in_type = DEC_IN_STRUCT;
      f->first_member = dec_le16(q + 8);
      f->member_count = dec_le16(q + 10);
    } else {
      f->in_type = dec_le16(q + 8);
      f->out_type = dec_le16(q + 10);
      uint32_t map_off = dec_le32(q + 12);
      if (map_off) {
        const char *mn = md_string(ctx, p, n, map_off);
        if (*mn) f->map = md_map_ref(ctx, provider, mn);
      }
    }
    if (flags & PROP_PARAM_COUNT) {
      f->count_kind = DEC_COUNT_FIELD;
      f->count = cnt;
    } else if ((flags & PROP_FIXED_COUNT) || cnt > 1) {
      f->count_kind = DEC_COUNT_FIXED;
      f->count = cnt;
    } else {
      f->count_kind = DEC_COUNT_SCALAR;
    }
    if (flags & PROP_PARAM_LENGTH) {
      f->len_kind = DEC_LEN_FIELD;
      f->length = len;
    } else if (((flags & PROP_FIXED_LENGTH) || md_is_stringish(f->in_type)) && len > 0 &&
               f->in_type != DEC_IN_STRUCT) {
      f->len_kind = DEC_LEN_FIXED;
      f->length = len;
    }
  }
  s->fields = fl;
  s->field_count = (uint16_t)pc;
  s->top_count = (uint16_t)top;
  if (!dec_schema_validate(s)) return NULL;
  memset(key_out, 0, sizeof *key_out);
  if (ds == 1) { /* MOF class: (event class GUID, opcode, version) */
    memcpy(key_out->guid, event_guid, 16);
    key_out->id = d[5];
    key_out->kind = DEC_KEY_CLASSIC;
  } else {
    memcpy(key_out->guid, provider, 16);
    key_out->id = dec_le16(d);
    key_out->kind = DEC_KEY_EVENT;
  }
  key_out->version = d[2];
  return s;
}

bool dec_metadata_map(dec_context *ctx, const uint8_t *p, uint32_t n) {
  if (!p || n < 16 + MAP_HEADER) return false;
  const uint8_t *guid = p, *m = p + 16;
  uint32_t ml = n - 16;
  uint32_t name_off = dec_le32(m), flag = dec_le32(m + 4), count = dec_le32(m + 8);
  uint32_t value_type = dec_le32(m + 12);
  if (count > 65536 || (uint64_t)MAP_HEADER + (uint64_t)MAP_ENTRY * count > ml) return false;
  if (value_type != 0 || (flag & 0x4)) return false; /* string-keyed / pattern maps: not used */
  const char *name = md_string(ctx, m, ml, name_off);
  if (!*name) return false;
  dec_map *map = md_map_ref(ctx, guid, name);
  map->kind = (flag & (0x2 | 0x10)) ? DEC_MAP_BITMAP : DEC_MAP_VALUE;
  dec_map_entry *e = count ? dec_alloc(ctx, count * sizeof *e) : NULL;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *q = m + MAP_HEADER + MAP_ENTRY * i;
    e[i].name = md_string(ctx, m, ml, dec_le32(q));
    e[i].value = dec_le32(q + 4);
  }
  map->entries = e;
  map->count = count;
  dec_map_finish(map);
  md_state *st = md_get(ctx);
  for (size_t i = 0; st && i < st->map_count; i++)
    if (st->maps[i].map == map) st->maps[i].filled = true;
  return true;
}

void dec_metadata_observe(dec_context *ctx, const etl_event *ev) {
  md_state *st = md_get(ctx);
  if (!st) return;
  if (ev->opcode == 32) {
    dec_key key;
    const dec_schema *s = dec_metadata_compile(ctx, ev->payload, ev->payload_len, &key);
    if (!s) {
      st->event_infos_bad++;
      return;
    }
    st->event_infos++;
    dec_registry_add(ctx, &key, s, DEC_PRIO_MERGED);
    if (*s->provider_name) dec_provider_name_add(ctx, s->provider_id, s->provider_name);
  } else if (ev->opcode == 33) {
    if (dec_metadata_map(ctx, ev->payload, ev->payload_len)) st->map_infos++;
    else st->map_infos_bad++;
  }
}

void dec_metadata_fetch_maps(dec_context *ctx, const etl_event *ev) {
  md_state *st = md_get(ctx);
  if (!st || !ctx->opt.event_map_fallback) return;
  for (size_t i = 0; i < st->map_count; i++) {
    md_map *m = &st->maps[i];
    if (m->filled || m->asked || !dec_guid_eq(m->guid, ev->provider_id)) continue;
    m->asked = true;
    uint8_t *blob = NULL;
    uint32_t len = 0;
    if (ctx->opt.event_map_fallback(ev, m->map->name, &blob, &len) != 0 || !blob) continue;
    /* dec_metadata_map reads the merged-trace layout: provider GUID, then the map */
    if (len <= UINT32_MAX - 16) {
      uint8_t *rec = kv_malloc((size_t)len + 16);
      memcpy(rec, ev->provider_id, 16);
      memcpy(rec + 16, blob, len);
      if (dec_metadata_map(ctx, rec, len + 16)) st->map_infos++;
      else st->map_infos_bad++;
      free(rec);
    }
    free(blob);
    /* dec_metadata_map may have grown st->maps: m is not used after this */
  }
}
