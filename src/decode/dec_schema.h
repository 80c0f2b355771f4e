/* SPDX-License-Identifier: MIT
 * The ONE internal event-schema model of decode/ (etw-decoding.md section 0):
 * every schema source (TraceLogging, manifests, EventSource, merged
 * TRACE_EVENT_INFO, kernel MOF) compiles its metadata into dec_schema, which
 * the single byte walker (dec_walk.c) turns into an EventData bag.
 * Owner: decA (dec_context.c, dec_walk.c). Sources owned by others (dec_mof.c,
 * dec_metadata.c, dec_wpp.c) build schemas with the functions below. */
#ifndef E2K_DECODE_DEC_SCHEMA_H
#define E2K_DECODE_DEC_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"

/* ---- wire types: TDH_INTYPE numbering (etw-decoding.md sections 1.4, 8) ----
 * Values 0-25 are shared with TraceLogging TlgIn; 300+ are the TDH/MOF-only
 * extras. A source must translate its own spelling (winmeta QName, MOF type)
 * into these before building a field. ORDER DEC_IN (dec_types.c table) */
enum {
  DEC_IN_NULL = 0,
  DEC_IN_UNICODESTRING = 1,
  DEC_IN_ANSISTRING = 2,
  DEC_IN_INT8 = 3,
  DEC_IN_UINT8 = 4,
  DEC_IN_INT16 = 5,
  DEC_IN_UINT16 = 6,
  DEC_IN_INT32 = 7,
  DEC_IN_UINT32 = 8,
  DEC_IN_INT64 = 9,
  DEC_IN_UINT64 = 10,
  DEC_IN_FLOAT = 11,
  DEC_IN_DOUBLE = 12,
  DEC_IN_BOOLEAN = 13,      /* 4 bytes */
  DEC_IN_BINARY = 14,       /* length from len_kind (TraceLogging: DEC_LEN_PREFIX_U16) */
  DEC_IN_GUID = 15,
  DEC_IN_POINTER = 16,      /* event pointer size */
  DEC_IN_FILETIME = 17,
  DEC_IN_SYSTEMTIME = 18,
  DEC_IN_SID = 19,          /* 8 + 4*byte[1] */
  DEC_IN_HEXINT32 = 20,
  DEC_IN_HEXINT64 = 21,
  DEC_IN_COUNTEDSTRING = 22,     /* u16 byte count + UTF-16LE (manifest/TL) */
  DEC_IN_COUNTEDANSISTRING = 23, /* u16 byte count + 8-bit */
  DEC_IN_STRUCT = 24,            /* no bytes of its own: members, see dec_field */
  DEC_IN_COUNTEDBINARY = 25,     /* u16 byte count + bytes */
  DEC_IN_COUNTEDSTRING_300 = 300,        /* TDH COUNTEDSTRING: same as 22 */
  DEC_IN_COUNTEDANSISTRING_301 = 301,    /* same as 23 */
  DEC_IN_REVERSEDCOUNTEDSTRING = 302,    /* BIG-endian u16 byte count + UTF-16LE */
  DEC_IN_REVERSEDCOUNTEDANSISTRING = 303,
  DEC_IN_NONNULLTERMINATEDSTRING = 304,  /* UTF-16LE to end of payload */
  DEC_IN_NONNULLTERMINATEDANSISTRING = 305,
  DEC_IN_UNICODECHAR = 306,              /* 2 bytes, one character */
  DEC_IN_ANSICHAR = 307,                 /* 1 byte, one character */
  DEC_IN_SIZET = 308,                    /* event pointer size, printed "0x..." */
  DEC_IN_HEXDUMP = 309,                  /* u32 byte count + bytes */
  DEC_IN_WBEMSID = 310                   /* u32 0 -> null (4 bytes); else 2 pointers + SID */
};

/* ---- formatting hints: TDH_OUTTYPE numbering (section 2.3) ----
 * DEC_OUT_NULL = "default for the in-type". TraceLogging TlgOut values must
 * be translated first (dec_tlg_out_to_tdh in dec_int.h). */
enum {
  DEC_OUT_NULL = 0,
  DEC_OUT_STRING = 1,
  DEC_OUT_DATETIME = 2,
  DEC_OUT_BYTE = 3,
  DEC_OUT_UNSIGNEDBYTE = 4,
  DEC_OUT_SHORT = 5,
  DEC_OUT_UNSIGNEDSHORT = 6,
  DEC_OUT_INT = 7,
  DEC_OUT_UNSIGNEDINT = 8,
  DEC_OUT_LONG = 9,
  DEC_OUT_UNSIGNEDLONG = 10,
  DEC_OUT_FLOAT = 11,
  DEC_OUT_DOUBLE = 12,
  DEC_OUT_BOOLEAN = 13,
  DEC_OUT_GUID = 14,
  DEC_OUT_HEXBINARY = 15,
  DEC_OUT_HEXINT8 = 16,
  DEC_OUT_HEXINT16 = 17,
  DEC_OUT_HEXINT32 = 18,
  DEC_OUT_HEXINT64 = 19,
  DEC_OUT_PID = 20,
  DEC_OUT_TID = 21,
  DEC_OUT_PORT = 22,          /* u16 stored big-endian */
  DEC_OUT_IPV4 = 23,
  DEC_OUT_IPV6 = 24,
  DEC_OUT_SOCKETADDRESS = 25,
  DEC_OUT_CIMDATETIME = 26,
  DEC_OUT_ETWTIME = 27,
  DEC_OUT_XML = 28,
  DEC_OUT_ERRORCODE = 29,
  DEC_OUT_WIN32ERROR = 30,
  DEC_OUT_NTSTATUS = 31,
  DEC_OUT_HRESULT = 32,
  DEC_OUT_CULTURE_INSENSITIVE_DATETIME = 33,
  DEC_OUT_JSON = 34,
  DEC_OUT_UTF8 = 35,
  DEC_OUT_PKCS7_WITH_TYPE_INFO = 36,
  DEC_OUT_CODE_POINTER = 37,
  DEC_OUT_DATETIME_UTC = 38,
  DEC_OUT_NOPRINT = 301       /* TDH REDUCEDSTRING/NOPRINT: field is decoded but not emitted */
};

/* How many elements a field has. */
typedef enum dec_count_kind {
  DEC_COUNT_SCALAR = 0,   /* one value, emitted as a scalar (not an array) */
  DEC_COUNT_FIXED,        /* dec_field.count elements, emitted as a JSON array (even 1) */
  DEC_COUNT_FIELD,        /* element count = value of field index dec_field.count */
  DEC_COUNT_PREFIX_U16,   /* TraceLogging VCOUNT: u16 element count in the payload */
  DEC_COUNT_TO_END        /* as many whole elements as the rest of the payload holds
                             (e.g. MOF StackWalk Stack1..N: declare ONE field "Stack"
                             of POINTER with this kind); a trailing partial element is
                             ignored; emitted as a JSON array */
} dec_count_kind;

/* How long ONE element of a string/binary field is. Strings: characters for
 * UNICODESTRING (x2 bytes), bytes for ANSISTRING/BINARY. Ignored for
 * self-sizing in-types (integers, GUID, SID, counted types...). */
typedef enum dec_len_kind {
  DEC_LEN_NATURAL = 0,    /* strings: to NUL (or payload end); BINARY: 16 if out IPV6, else error */
  DEC_LEN_FIXED,          /* dec_field.length */
  DEC_LEN_FIELD,          /* value of field index dec_field.length */
  DEC_LEN_PREFIX_U16,     /* u16 byte count in the payload (TraceLogging BINARY) */
  DEC_LEN_PREFIX_U32      /* u32 byte count in the payload */
} dec_len_kind;

/* A value map (manifest valueMap/bitMap, TDH EVENT_MAP_INFO, MOF
 * ValueMap/Values). Entries are sorted by value ascending (dec_map_finish
 * sorts them); names are UTF-8 owned by the context arena.
 * Output rule (docs/decoding.md): value map hit -> the name string; miss ->
 * the number. Bitmap: names of all entries whose bits are set, joined with
 * "|" (left-over bits appended as "0x.."); value with no named bit -> the
 * number. */
typedef enum dec_map_kind { DEC_MAP_VALUE = 0, DEC_MAP_BITMAP } dec_map_kind;
typedef struct dec_map_entry {
  uint64_t value;
  const char *name;
} dec_map_entry;
typedef struct dec_map {
  const char *name;        /* map name (diagnostics) */
  uint8_t kind;            /* dec_map_kind */
  uint32_t count;
  dec_map_entry *entries;  /* arena memory */
} dec_map;

/* Field flags (dec_field.flags). */
enum {
  DEC_FF_ADDR_AS_IP = 0x01, /* Tx Kernel-Network fix-up: u32 -> IPv4 text, binary -> IPv6 text */
  DEC_FF_PORT_RAW = 0x02,   /* PORT out-type kept as stored (network order) for Tx query compat */
  DEC_FF_HIDDEN = 0x04      /* decoded (e.g. a length field) but not emitted */
};

/* One property. Schemas use the TDH flat layout: fields[0 .. top_count) are
 * the top-level properties in payload order; a struct's members are the
 * contiguous range fields[first_member .. first_member + member_count), in
 * payload order, placed anywhere AFTER the struct field itself. Use
 * dec_schema_layout() to get there from the natural nested pre-order.
 * count/length indexes (DEC_COUNT_FIELD / DEC_LEN_FIELD) are indexes into the
 * same fields[] array and must name an EARLIER-decoded integer field (any of
 * INT8..UINT64, HEXINT32/64, BOOLEAN); the walker remembers the last value
 * decoded for every index (for struct members: of the current element). */
typedef struct dec_field {
  const char *name;        /* UTF-8, arena-owned, never NULL */
  uint16_t name_len;       /* bytes */
  uint16_t in_type;        /* DEC_IN_* */
  uint16_t out_type;       /* DEC_OUT_* (after translation) */
  uint8_t count_kind;      /* dec_count_kind */
  uint8_t len_kind;        /* dec_len_kind */
  uint16_t count;          /* DEC_COUNT_FIXED: element count; DEC_COUNT_FIELD: field index */
  uint16_t length;         /* DEC_LEN_FIXED: length; DEC_LEN_FIELD: field index */
  uint16_t first_member;   /* DEC_IN_STRUCT: index of the first member */
  uint16_t member_count;   /* DEC_IN_STRUCT: number of direct members */
  uint16_t flags;          /* DEC_FF_* */
  const dec_map *map;      /* NULL, or the map applied to integer values */
  uint32_t tags;           /* TraceLogging field tags (informational) */
  /* Filled by dec_registry_add / dec_schema_prepare (leave NULL/0): the
   * JSON-escaped key `"name":` for the JSON fast path, valid only while
   * json_key_name == name. */
  const char *json_key;
  const char *json_key_name;
  uint32_t json_key_len;
} dec_field;

/* Schema flags (dec_schema.flags). */
enum {
  DEC_SF_VERSION_GUESS = 0x01, /* found by version fallback, not an exact version match */
  DEC_SF_DUP_NAMES = 0x02,     /* two fields of one object share a name (set by
                                  dec_registry_add / the TraceLogging compiler; the
                                  JSON fast path then falls back to building the bag) */
  DEC_SF_PREPARED = 0x04       /* dec_schema_prepare ran (the context runs it on any
                                  schema a source hands back that lacks it) */
};

/* One event type. All strings are UTF-8, arena-owned, "" when unknown (never
 * NULL once dec_schema_finish() ran). */
typedef struct dec_schema {
  uint8_t provider_id[16];   /* provider GUID (classic: the event class GUID) */
  const char *provider_name; /* "Microsoft-Windows-Kernel-Network", MOF: "MSNT_SystemTrace" ... */
  const char *event_name;    /* TraceLogging name / manifest symbol or Task_Opcode / MOF Class/Opcode */
  const char *task_name;
  const char *opcode_name;
  const char *level_name;
  const char *channel_name;
  const char *keywords_name; /* "A,B" or "" */
  const char *message;       /* FormatMessage template ("%1 ... %2"), "" when none */
  dec_field *fields;         /* field_count entries, TDH flat layout (see dec_field) */
  uint16_t field_count;
  uint16_t top_count;        /* fields[0 .. top_count) are top-level */
  uint8_t source;            /* dec_source that produced this schema */
  uint8_t flags;             /* DEC_SF_* */
} dec_schema;

/* ---- arena allocation: everything a schema points at lives in the
 * context's arena, freed with the context. Aborts on out-of-memory. ---- */
void *dec_alloc(dec_context *ctx, size_t size);            /* zeroed, 8-aligned */
const char *dec_strdup(dec_context *ctx, const char *s, size_t len); /* NUL-terminated copy */

/* A new empty schema (arena), source set, all names "". The caller fills it. */
dec_schema *dec_schema_new(dec_context *ctx, dec_source source);

/* Converts fields given in NESTED PRE-ORDER (a struct field is immediately
 * followed by its member_count direct members, each of those recursively in
 * the same form; first_member ignored; count/length indexes refer to the
 * pre-order positions) into the TDH flat layout and stores them in s
 * (fields, field_count, top_count; arena copy; index references remapped).
 * Returns false (schema unusable) if the nesting is inconsistent, a
 * reference points forward or at a non-integer field, or there are more than
 * 65535 fields / 32 nesting levels. */
bool dec_schema_layout(dec_context *ctx, dec_schema *s, const dec_field *preorder, size_t count);

/* Checks a schema already in flat layout (e.g. built from TRACE_EVENT_INFO):
 * ranges in bounds, no cycles, references point at earlier integer fields.
 * Replaces NULL name pointers with "". Returns false when unusable. */
bool dec_schema_validate(const dec_schema *s);

/* Sorts a map's entries (call once after filling entries/count). */
void dec_map_finish(dec_map *m);

/* ---- registry: schemas by event key ----
 * EVENT keys: (provider GUID, event id, version) -- manifest, EventSource and
 *   merged TRACE_EVENT_INFO with DecodingSource XMLFile.
 * CLASSIC keys: (event class GUID, opcode, version) -- MOF/kernel classes,
 *   source="Wbem" manifest providers and merged DecodingSource Wbem. For
 *   classic events dec_context looks up etl_event.provider_id (= class GUID),
 *   etl_event.opcode and etl_event.version. */
typedef enum dec_key_kind { DEC_KEY_EVENT = 0, DEC_KEY_CLASSIC = 1 } dec_key_kind;
typedef struct dec_key {
  uint8_t guid[16];
  uint16_t id;       /* event id, or opcode for DEC_KEY_CLASSIC */
  uint8_t version;
  uint8_t kind;      /* dec_key_kind */
} dec_key;

/* Registration precedence (etw-decoding.md 4.3): a schema replaces an
 * existing one for the same key only if its priority is >= the existing
 * one's. Use the constant of your source. */
enum {
  DEC_PRIO_BUNDLED = 10,  /* bundled manifests, kernel MOF tables */
  DEC_PRIO_USER = 20,     /* manifest:PATH given by the user */
  DEC_PRIO_MERGED = 30,   /* merged-trace TRACE_EVENT_INFO */
  DEC_PRIO_INSTREAM = 40  /* EventSource in-stream manifest (latest wins) */
};

/* Registers s for key (s must live in ctx's arena, or otherwise outlive ctx).
 * Returns true if it was stored (false: a higher-priority schema is there). */
bool dec_registry_add(dec_context *ctx, const dec_key *key, const dec_schema *s, int priority);

/* Looks up a schema: exact version first, else the highest registered version
 * below it, else the lowest above it (flagged via *guessed, may be NULL).
 * NULL when the (guid,id,kind) is unknown. O(1) hash lookups. */
const dec_schema *dec_registry_find(dec_context *ctx, const dec_key *key, bool *guessed);

/* Provider names by GUID (any source may add; first non-empty name wins).
 * Used for dec_names.provider when no schema names the event. */
void dec_provider_name_add(dec_context *ctx, const uint8_t guid[16], const char *name);
const char *dec_provider_name_find(dec_context *ctx, const uint8_t guid[16]); /* NULL if unknown */

/* ---- the walker ----
 * Decodes payload bytes with a schema into a NEW dynamic bag (caller
 * releases): fields in schema order, values per docs/decoding.md. Never reads
 * outside [payload, payload+len). A field that cannot be decoded ends the bag
 * with that field's name mapped to the string "<decode error: why>" and
 * sets *ok=false (ok may be NULL). pointer_size is 4 or 8 (etl_event). */
kv_value dec_walk(const dec_schema *s, const uint8_t *payload, size_t len,
                  unsigned pointer_size, bool *ok);

/* Same walk, appending the compact JSON text of the bag to out instead
 * (exactly what kv_to_json(dec_walk(...)) writes, for schemas without
 * DEC_SF_DUP_NAMES). Returns the ok flag. */
bool dec_walk_json(const dec_schema *s, const uint8_t *payload, size_t len,
                   unsigned pointer_size, kv_buf *out);

/* Sets DEC_SF_DUP_NAMES when some object of s has two fields of one name. */
void dec_schema_mark_dups(dec_schema *s);
/* Everything dec_registry_add does to a schema before storing it: the
 * Kernel-Network fix-up flags, DEC_SF_DUP_NAMES and the JSON keys. Call it
 * for schemas used without registering (dec_registry_add calls it). */
void dec_schema_prepare(dec_context *ctx, dec_schema *s);

#endif
