/* SPDX-License-Identifier: MIT
 * Payload decoding: etl_event bytes -> names and an EventData property bag.
 * Schema sources (etw-decoding.md): TraceLogging, instrumentation manifests
 * (bundled + manifest:PATH), EventSource in-stream manifests, merged-trace
 * TRACE_EVENT_INFO metadata, classic kernel MOF, WPP with TMF files.
 * Pure functions of bytes + learned metadata: no platform calls, no Kusto.
 *
 * Laziness contract: dec_observe() is called for EVERY event in stream order
 * and must stay cheap (it only looks at provider/id to learn in-stream
 * metadata); names and EventData are computed only when asked for. */
#ifndef E2K_DECODE_DECODE_H
#define E2K_DECODE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etl/etl.h"
#include "value/value.h"

typedef struct dec_context dec_context;

typedef struct dec_options {
  const char *const *manifest_paths; /* files or folders of .man/.xml, may be NULL */
  size_t manifest_count;
  const char *const *tmf_paths;      /* files or folders of .tmf, may be NULL */
  size_t tmf_count;
  bool no_bundled_manifests;         /* true: skip the manifests compiled into the binary */
  bool want_message;                 /* also render the manifest message string */
  /* Last-resort schema source, asked only when no offline source knows an
   * event: returns 0 and a TRACE_EVENT_INFO blob (etw-decoding.md 4.2; the
   * blob must stay valid for the process) or -1. On Windows the CLI passes
   * TDH (platform/etw_realtime.h plat_etw_tdh_event_info); NULL elsewhere. */
  int (*event_info_fallback)(const etl_event *ev, const uint8_t **blob, uint32_t *len);
  /* Its companion for value maps: for a schema the fallback supplied, each
   * map it names (UTF-8 map_name) is asked for once; returns 0 and a
   * malloc'ed EVENT_MAP_INFO blob (etw-decoding.md 4.3; the decoder copies
   * what it needs and frees the blob) or -1. TdhGetEventMapInformation on
   * Windows (plat_etw_tdh_event_map); NULL elsewhere. */
  int (*event_map_fallback)(const etl_event *ev, const char *map_name, uint8_t **blob, uint32_t *len);
} dec_options;

/* Creates a decoding context. Errors (unreadable manifest, bad XML) return a
 * negative code with a one-line message "path:line:col: why" in err. */
int dec_context_new(dec_context **out, const dec_options *opt, char *err, size_t err_len);
/* Lifetime rule: release all EventData values (dec_event_data results and
 * anything that retained them, e.g. query rows) before dec_context_free --
 * their bag keys point at schema field names in the context's arena. */
void dec_context_free(dec_context *ctx);

/* Sees every event in stream order; learns EventSource manifests (0xFFFE),
 * merged-trace metadata, TraceLogging provider names. Cheap. */
void dec_observe(dec_context *ctx, const etl_event *ev);

/* Best names known for the event. Strings are owned by ctx (valid until free);
 * "" when unknown, never NULL. */
typedef struct dec_names {
  const char *provider;   /* e.g. "Microsoft-Windows-Kernel-Network" */
  const char *event_name; /* TraceLogging name, manifest symbol/task+opcode, MOF class+opcode */
  /* Extension (decA): display names from the schema (manifest message text
   * when it has one, else the name; winmeta names for win: levels/opcodes). */
  const char *task_name;
  const char *opcode_name;
  const char *level_name;
  const char *channel_name;
  const char *keywords_name; /* "A,B" */
} dec_names;
void dec_event_names(dec_context *ctx, const etl_event *ev, dec_names *out);

/* Which schema source decoded an event (for stats:true). ORDER DEC_SRC */
typedef enum dec_source {
  DEC_SRC_NONE = 0,
  DEC_SRC_TRACELOGGING,
  DEC_SRC_MANIFEST,
  DEC_SRC_EVENTSOURCE,
  DEC_SRC_MERGED_METADATA,
  DEC_SRC_KERNEL_MOF,
  DEC_SRC_WPP,
  DEC_SRC_HEADER,          /* the trace's own header/rundown records */
  DEC_SRC_TDH,             /* Windows TDH on the machine (dec_options.event_info_fallback) */
  DEC_SRC_COUNT
} dec_source;
const char *dec_source_name(dec_source s);

/* Decodes the payload into a new dynamic bag (caller releases). Fields in
 * schema order. Never fails hard: a field that cannot be decoded ends the bag
 * with a "<decode error: why>" marker value; no schema gives {}.
 * *source (may be NULL) says which source was used, and *ok (may be NULL)
 * whether the payload decoded completely. */
kv_value dec_event_data(dec_context *ctx, const etl_event *ev, dec_source *source, bool *ok);

/* Fast path for sinks that only print EventData: appends to out exactly the
 * JSON text kv_to_json(dec_event_data(ctx, ev, ...)) would give, without
 * building the dynamic value (no allocation per field). Same *source / *ok
 * semantics; counted in stats like dec_event_data. */
void dec_event_data_json(dec_context *ctx, const etl_event *ev, kv_buf *out, dec_source *source, bool *ok);

/* Optional rendered message (manifest message / WPP text), new string or
 * empty string when none. */
kv_value dec_event_message(dec_context *ctx, const etl_event *ev);

/* ---- coverage statistics (stats:true) ----
 * When enabled, every dec_event_data() call is counted per (provider,
 * event id, version, opcode, schema): how many events, how many decoded
 * completely, how many not (no schema, or a decode error), and the source.
 * In stats mode the CLI calls dec_event_data() (or dec_stats_count()) for
 * every event so the counts cover the whole input. */
typedef struct dec_stat_row {
  uint8_t provider_id[16];
  const char *provider;    /* best provider name, "" when unknown (owned by ctx) */
  const char *event_name;  /* "" when unknown (owned by ctx) */
  uint16_t event_id;
  uint8_t version;
  uint8_t opcode;
  uint64_t count;
  uint64_t decoded;        /* payload decoded completely */
  uint64_t undecoded;      /* no schema, or stopped at a "<decode error: ...>" */
  dec_source source;       /* DEC_SRC_NONE when no schema */
} dec_stat_row;
void dec_stats_enable(dec_context *ctx, bool on);
/* Decodes ev only to count it (same as dec_event_data + release). */
void dec_stats_count(dec_context *ctx, const etl_event *ev);
/* Snapshot of the rows, sorted by provider name, then event id, version,
 * opcode. Valid until the next dec_stats_* call or free. */
size_t dec_stats_rows(dec_context *ctx, const dec_stat_row **rows);

#endif
