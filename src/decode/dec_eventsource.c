/* SPDX-License-Identifier: MIT
 * .NET EventSource in-stream manifests (etw-decoding.md 3.1): event 0xFFFE
 * "ManifestData" chunks are reassembled per (provider, process, thread) and,
 * once complete, parsed as a manifest that decodes the provider's later
 * events (DEC_PRIO_INSTREAM: a re-sent manifest replaces the earlier one).
 * Owner: decA. */
#include "decode/dec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEC_ES_MAX_BYTES (64u << 20) /* refuse manifests above 64 MB */

struct dec_es_stream {
  dec_es_stream *next;
  uint8_t guid[16];
  uint32_t pid, tid;
  uint8_t format, major, minor;
  uint16_t total, next_chunk;
  kv_buf data;
};

bool dec_es_is_manifest_event(const etl_event *ev) {
  return ev->event_id == 0xFFFE && ev->opcode == 0xFE && ev->task == 0xFFFE;
}

static void es_drop(dec_context *ctx, dec_es_stream *s) {
  dec_es_stream **pp = &ctx->es;
  while (*pp && *pp != s) pp = &(*pp)->next;
  if (*pp) *pp = s->next;
  kv_buf_free(&s->data);
  free(s);
}

void dec_es_observe(dec_context *ctx, const etl_event *ev) {
  if (ev->payload_len < 8 || !ev->payload) return;
  const uint8_t *p = ev->payload;
  uint8_t format = p[0], major = p[1], minor = p[2], magic = p[3];
  uint16_t total = dec_le16(p + 4), chunk = dec_le16(p + 6);
  if (magic != 0x5B || format != 1 || total == 0 || chunk >= total) return;
  dec_es_stream *s = ctx->es;
  while (s && !(s->pid == ev->process_id && s->tid == ev->thread_id && dec_guid_eq(s->guid, ev->provider_id)))
    s = s->next;
  if (chunk == 0) {
    if (s) es_drop(ctx, s);
    s = kv_calloc(1, sizeof *s);
    memcpy(s->guid, ev->provider_id, 16);
    s->pid = ev->process_id;
    s->tid = ev->thread_id;
    s->format = format;
    s->major = major;
    s->minor = minor;
    s->total = total;
    kv_buf_init(&s->data);
    s->next = ctx->es;
    ctx->es = s;
  } else if (!s || s->next_chunk != chunk || s->total != total || s->format != format || s->major != major ||
             s->minor != minor) {
    if (s) es_drop(ctx, s); /* out of order or mixed: wait for the next chunk 0 */
    return;
  }
  if (s->data.len + (ev->payload_len - 8) > DEC_ES_MAX_BYTES) {
    es_drop(ctx, s);
    return;
  }
  kv_buf_append(&s->data, (const char *)p + 8, ev->payload_len - 8);
  s->next_chunk++;
  if (s->next_chunk < s->total) return;
  char name[80];
  snprintf(name, sizeof name, "EventSource manifest (pid %u)", (unsigned)s->pid);
  if (dec_manifest_load_buffer(ctx, name, (const uint8_t *)(s->data.data ? s->data.data : ""), s->data.len,
                               DEC_SRC_EVENTSOURCE, DEC_PRIO_INSTREAM, ctx->scratch_err,
                               sizeof ctx->scratch_err) != 0) {
    /* keep the message for diagnostics; events of the provider stay undecoded */
  }
  es_drop(ctx, s);
}

void dec_es_free(dec_context *ctx) {
  while (ctx->es) es_drop(ctx, ctx->es);
}

const dec_schema *dec_es_manifest_schema(dec_context *ctx) {
  if (ctx->es_schema) return ctx->es_schema;
  static const struct {
    const char *name;
    uint16_t in;
  } f[] = {{"Format", DEC_IN_UINT8},      {"MajorVersion", DEC_IN_UINT8}, {"MinorVersion", DEC_IN_UINT8},
           {"Magic", DEC_IN_UINT8},       {"TotalChunks", DEC_IN_UINT16}, {"ChunkNumber", DEC_IN_UINT16},
           {"Data", DEC_IN_ANSISTRING}};
  dec_field fl[7];
  memset(fl, 0, sizeof fl);
  for (int i = 0; i < 7; i++) {
    fl[i].name = f[i].name;
    fl[i].name_len = (uint16_t)strlen(f[i].name);
    fl[i].in_type = f[i].in;
  }
  /* the XML text of the chunk: to the end of the payload */
  fl[6].in_type = DEC_IN_NONNULLTERMINATEDANSISTRING;
  dec_schema *s = dec_schema_new(ctx, DEC_SRC_EVENTSOURCE);
  s->event_name = "ManifestData";
  if (!dec_schema_layout(ctx, s, fl, 7)) return NULL;
  dec_schema_prepare(ctx, s);
  ctx->es_schema = s;
  return s;
}
