/* SPDX-License-Identifier: MIT
 * Private header shared by the src/decode/ files: the dec_context layout,
 * bounds-checked little-endian readers, and the HOOKS through which the
 * schema sources owned by decB (dec_mof.c, dec_metadata.c, dec_wpp.c) plug
 * into the context (dec_context.c). Owner: decA. Nothing outside
 * src/decode/ includes this file. */
#ifndef E2K_DECODE_DEC_INT_H
#define E2K_DECODE_DEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/dec_schema.h"
#include "decode/decode.h"

/* ======================================================================
 * HOOKS for the sources implemented in separate files (owner: decB).
 *
 * Build wiring: src/decode/CMakeLists.txt defines E2K_HAVE_DEC_MOF=1 when
 * dec_mof.c exists, E2K_HAVE_DEC_METADATA=1 when dec_metadata.c exists and
 * E2K_HAVE_DEC_WPP=1 when dec_wpp.c exists. dec_context.c calls a family only
 * when its macro is defined, so each file must define EVERY function of its
 * family below (and nothing else is required). Per-source state goes in the
 * matching void* slot of dec_context (mof_state, metadata_state, wpp_state),
 * which the family's _init sets and _free releases. Schemas are built with
 * dec_schema_new()/dec_schema_layout() (dec_schema.h) in the context arena
 * and registered with dec_registry_add() (which also runs dec_schema_prepare:
 * Kernel-Network fix-ups, duplicate-name flag, pre-escaped JSON keys; the
 * context prepares a schema returned by dec_mof_lookup itself if needed);
 * names with dec_provider_name_add().
 * ====================================================================== */

/* --- dec_mof.c: classic kernel (MOF) events, NT Kernel Logger, EventTrace
 * header/rundown. --- */
/* Called once from dec_context_new() after the manifests were loaded.
 * Returns 0 or a negative E2K error with a one-line message in err. */
int dec_mof_init(dec_context *ctx, char *err, size_t err_len);
/* Called once from dec_context_free(), before the arena is released. */
void dec_mof_free(dec_context *ctx);
/* Called for a classic event (header_kind ETL_HT_SYSTEM, ETL_HT_PERFINFO,
 * ETL_HT_FULL or ETL_HT_INSTANCE) when dec_registry_find() with the CLASSIC
 * key (ev->provider_id, ev->opcode, ev->version) found nothing. Returns the
 * schema to use (source DEC_SRC_KERNEL_MOF, or DEC_SRC_HEADER for the trace's
 * own header/rundown records) or NULL. It is called from dec_event_names()
 * for every row, so repeated calls for the same event type must be cheap:
 * register what you return under the classic key (priority
 * DEC_PRIO_BUNDLED) so the registry answers next time, and cache misses. */
const dec_schema *dec_mof_lookup(dec_context *ctx, const etl_event *ev);

/* --- dec_metadata.c: merged-trace TRACE_EVENT_INFO / EVENT_MAP_INFO. --- */
int dec_metadata_init(dec_context *ctx, char *err, size_t err_len);
void dec_metadata_free(dec_context *ctx);
/* Called from dec_observe(), in stream order, ONLY for events whose
 * provider_id is bbccf6c1-6cd1-48c4-80ff-839482e37671 (EventMetadata class)
 * or 28ad2447-105b-4fe2-9599-e59b2aa9a634 (KernelTraceControl): see
 * dec_guid_is_metadata(). Compile each EventInfo into a dec_schema (source
 * DEC_SRC_MERGED_METADATA) and register it with priority DEC_PRIO_MERGED
 * under DEC_KEY_EVENT (DecodingSource XMLFile) or DEC_KEY_CLASSIC (Wbem).
 * Must never read outside ev->payload[0 .. payload_len). */
void dec_metadata_observe(dec_context *ctx, const etl_event *ev);
/* Fills the still-empty value maps of ev's provider through
 * opt.event_map_fallback (each map asked once). */
void dec_metadata_fetch_maps(dec_context *ctx, const etl_event *ev);

/* --- dec_wpp.c: WPP / TraceMessage records with TMF files. --- */
/* opt->tmf_paths / tmf_count: files or folders; errors as "path:line: why". */
int dec_wpp_init(dec_context *ctx, const dec_options *opt, char *err, size_t err_len);
void dec_wpp_free(dec_context *ctx);
/* Called for header_kind ETL_HT_MESSAGE events only. Names owned by ctx (or
 * static), "" when unknown. Returns true when it set anything. Cheap. */
bool dec_wpp_names(dec_context *ctx, const etl_event *ev, dec_names *out);
/* Called for header_kind ETL_HT_MESSAGE events only. Returns a NEW dynamic
 * bag (never an invalid value; raw record fields when no TMF matches), sets
 * *ok (never NULL) to true when the message was formatted from a TMF. When
 * message is not NULL, stores a NEW string there (rendered text or ""). */
kv_value dec_wpp_decode(dec_context *ctx, const etl_event *ev, bool *ok, kv_value *message);

/* ======================================================================
 * Context layout (dec_context.c owns it; other files may read the fields
 * documented as shared).
 * ====================================================================== */

typedef struct dec_arena_block dec_arena_block;

/* Registry slot (open addressing). */
typedef struct dec_reg_slot {
  dec_key key;
  const dec_schema *schema;    /* NULL for a cached miss */
  int priority;                /* DEC_PRIO_*; -1 marks a cached lookup result (alias) */
  uint32_t gen;                /* alias: valid only while equal to dec_context.reg_gen */
  bool used;
  bool guessed;                /* alias of a version fallback */
} dec_reg_slot;

/* Provider-name slot. */
typedef struct dec_name_slot {
  uint8_t guid[16];
  const char *name;
  bool used;
} dec_name_slot;

/* TraceLogging compiled-schema cache (dec_tracelogging.c). */
typedef struct dec_tl_slot {
  uint64_t hash;             /* hash of provider GUID + metadata blob */
  const uint8_t *blob;       /* arena copy of the EVENT_SCHEMA_TL bytes */
  uint32_t blob_len;
  uint8_t guid[16];
  const dec_schema *schema;  /* NULL: blob is invalid (cached failure) */
  bool used;
} dec_tl_slot;

/* Stats (dec_stats in decode.h). */
typedef struct dec_stat_slot {
  dec_stat_row row;
  const void *schema;        /* part of the key (TraceLogging events share id 0) */
  bool used;
} dec_stat_slot;

typedef struct dec_es_stream dec_es_stream; /* EventSource reassembly, dec_eventsource.c */

struct dec_context {
  dec_options opt;              /* copy; the path arrays are borrowed */
  dec_arena_block *arena;       /* schema memory, freed with the context */

  dec_reg_slot *reg;            /* registry hash table, keyed by the FULL key (incl. version) */
  size_t reg_cap, reg_used;
  uint32_t reg_gen;             /* bumped by every registration: invalidates aliases */
  dec_name_slot *names;         /* provider names by GUID */
  size_t names_cap, names_used;
  dec_name_slot *tried;         /* GUIDs whose bundled manifests were already looked for */
  size_t tried_cap, tried_used;
  dec_tl_slot *tl;              /* TraceLogging cache */
  size_t tl_cap, tl_used;

  dec_es_stream *es;            /* EventSource partial manifests (list) */
  const dec_schema *es_schema;  /* built-in schema of the 0xFFFE ManifestData event */

  /* Bundled manifests are parsed lazily per file on the first lookup miss
   * for one of their provider GUIDs (dec_bundled.c); bit i = file i loaded. */
  uint8_t *bundled_loaded;

  bool stats_on;
  dec_stat_slot *stats;
  size_t stats_cap, stats_used;
  dec_stat_row *stats_rows;     /* sorted snapshot for dec_stats_rows() */

  char scratch_err[256];        /* last non-fatal manifest problem (in-stream manifests) */
  bool xml_builtin;             /* use dec_xml.c even when expat is available (tests, fuzzing) */

  /* dec_lookup's answer for the last event it was asked about: a row asks
   * twice (names, then EventData), and the second ask skips the hashing.
   * Valid while the event's identity and reg_gen are unchanged. */
  struct {
    bool valid;
    uint32_t gen;
    const uint8_t *payload, *ext;
    uint32_t payload_len;
    int64_t raw_timestamp;
    uint16_t event_id;
    uint8_t version, opcode, header_kind;
    uint8_t guid[16];
    const dec_schema *schema;
  } memo;

  void *mof_state;              /* owned by dec_mof.c */
  void *metadata_state;         /* owned by dec_metadata.c */
  void *wpp_state;              /* owned by dec_wpp.c */
};

/* ======================================================================
 * Small shared helpers
 * ====================================================================== */

static inline uint16_t dec_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t dec_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t dec_le64(const uint8_t *p) {
  return (uint64_t)dec_le32(p) | ((uint64_t)dec_le32(p + 4) << 32);
}
/* The code point at UTF-16LE unit *i of p (n units): a surrogate pair is
 * joined (and *i moves past its second half); a lone surrogate is U+FFFD. */
static inline uint32_t dec_utf16_next(const uint8_t *p, size_t n, size_t *i) {
  uint32_t c = dec_le16(p + 2 * *i);
  if (c < 0xD800 || c > 0xDFFF) return c;
  if (c <= 0xDBFF && *i + 1 < n) {
    uint32_t d = dec_le16(p + 2 * (*i + 1));
    if (d >= 0xDC00 && d <= 0xDFFF) {
      (*i)++;
      return 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
    }
  }
  return 0xFFFD;
}

static inline bool dec_guid_eq(const uint8_t *a, const uint8_t *b) { return memcmp(a, b, 16) == 0; }

/* Well-known GUIDs (Windows byte order), defined in dec_context.c. */
extern const uint8_t DEC_GUID_EVENT_METADATA[16];     /* bbccf6c1-6cd1-48c4-80ff-839482e37671 */
extern const uint8_t DEC_GUID_KERNEL_TRACE_CONTROL[16]; /* 28ad2447-105b-4fe2-9599-e59b2aa9a634 */
extern const uint8_t DEC_GUID_KERNEL_NETWORK[16];     /* 7dd42a49-5329-4832-8dfd-43d979153a88 */
static inline bool dec_guid_is_metadata(const uint8_t *g) {
  return dec_guid_eq(g, DEC_GUID_EVENT_METADATA) || dec_guid_eq(g, DEC_GUID_KERNEL_TRACE_CONTROL);
}

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" with optional braces into
 * Windows byte order. */
bool dec_parse_guid(const char *s, size_t len, uint8_t out[16]);
/* FNV-1a 64 */
uint64_t dec_hash(const void *data, size_t len, uint64_t seed);

/* ---- dec_types.c: the in/out type table (docs/decoding.md) ---- */
/* TraceLogging TlgOut (7 bits) -> DEC_OUT_* for a given in-type. */
uint16_t dec_tlg_out_to_tdh(uint16_t tlg_out, uint16_t in_type);
/* winmeta / xs / trace QName -> DEC_IN_* / DEC_OUT_*; case-insensitive;
 * false when unknown. */
bool dec_intype_from_qname(const char *s, uint16_t *in_type, uint16_t *out_type_hint);
bool dec_outtype_from_qname(const char *s, uint16_t *out_type);
/* True for in-types whose value can serve as a count/length reference. */
bool dec_intype_is_integer(uint16_t in_type);
/* Name of an in-type for error messages ("UINT32"). */
const char *dec_intype_name(uint16_t in_type);

/* ---- text helpers (dec_walk.c) ---- */
/* Appends UTF-16LE (nbytes, odd trailing byte ignored) as UTF-8; stops at a
 * NUL unit when stop_at_nul; lone surrogates -> U+FFFD. */
void dec_utf16_to_utf8(kv_buf *b, const uint8_t *p, size_t nbytes, bool stop_at_nul);
/* Appends 8-bit text: valid UTF-8 is kept, otherwise bytes are Windows-1252/Latin-1. */
void dec_ansi_to_utf8(kv_buf *b, const uint8_t *p, size_t nbytes);

/* ---- dec_tracelogging.c ---- */
/* Schema for a TraceLogging event (EVENT_SCHEMA_TL present), compiled once
 * per (provider, blob) and cached; NULL when the event is not TraceLogging or
 * the blob is invalid. */
const dec_schema *dec_tl_schema(dec_context *ctx, const etl_event *ev);
/* Provider name from the PROV_TRAITS item (borrowed from ev, NUL-terminated
 * inside the blob), or NULL. */
const char *dec_tl_provider_name(const etl_event *ev);

/* ---- dec_manifest.c ---- */
/* Parses one manifest document (any encoding expat accepts) and registers
 * every provider's events with the given source/priority. name is used in
 * messages. Returns 0, or negative with "name:line:col: why" in err. */
int dec_manifest_load_buffer(dec_context *ctx, const char *name, const uint8_t *xml, size_t len,
                             dec_source source, int priority, char *err, size_t err_len);
/* Loads a file or every *.man / *.xml / *.manifest file of a folder. */
int dec_manifest_load_path(dec_context *ctx, const char *path, char *err, size_t err_len);

/* ---- dec_xml.c: the built-in XML reader (used without expat, or when
 * dec_context.xml_builtin is set) ---- */
typedef void (*dec_xml_start_fn)(void *ud, const char *local_name, const char **attrs);
typedef void (*dec_xml_end_fn)(void *ud, const char *local_name);
/* attrs: NULL-terminated name/value pairs (local names). Returns 0, or -1
 * with "name:line:col: why" in err. */
int dec_xml_parse(const char *name, const uint8_t *data, size_t len, dec_xml_start_fn on_start,
                  dec_xml_end_fn on_end, void *ud, char *err, size_t err_len);

/* ---- dec_bundled.c ---- */
/* Loads the bundled manifests that describe provider `guid` (lazily, once
 * per file). Returns true if anything new was loaded. */
bool dec_bundled_load_for(dec_context *ctx, const uint8_t guid[16]);
/* Table generated by scripts/gen_bundled_manifests.py (dec_bundled_data.c). */
typedef struct dec_bundled_file {
  const char *name;             /* e.g. "microsoft-Tx/SystemEvents.man" */
  const uint8_t *data;
  size_t len;
  const uint8_t (*guids)[16];   /* provider GUIDs in the file */
  size_t guid_count;
} dec_bundled_file;
extern const dec_bundled_file dec_bundled_files[];
extern const size_t dec_bundled_file_count;

/* ---- dec_eventsource.c ---- */
/* True when ev is an EventSource manifest chunk (id 0xFFFE, opcode 0xFE, task 0xFFFE). */
bool dec_es_is_manifest_event(const etl_event *ev);
/* Feeds one chunk; when a manifest completes it is parsed and registered
 * with DEC_PRIO_INSTREAM / DEC_SRC_EVENTSOURCE. */
void dec_es_observe(dec_context *ctx, const etl_event *ev);
void dec_es_free(dec_context *ctx);
/* Built-in schema of the ManifestData (0xFFFE) event itself. */
const dec_schema *dec_es_manifest_schema(dec_context *ctx);

#endif
