/* SPDX-License-Identifier: MIT
 * Kusto's value model: typed scalars, typed nulls and `dynamic` (JSON-like
 * arrays and property bags). The bottom layer of etw2kusto: depends on
 * nothing but libc. Used by decode/ (EventData), kql/ (evaluation), sink/ and
 * kusto/ (serialisation).
 *
 * OWNERSHIP RULE (one sentence): a kv_value returned by any kv_ function is a
 * new reference that the caller must kv_release(); arguments are borrowed
 * (never consumed) unless the function's comment says "takes ownership".
 * Values that point at bytes they do not own (KV_F_BORROWED strings) are valid
 * only while their producer says so; kv_own() turns them into owned values. */
#ifndef E2K_VALUE_VALUE_H
#define E2K_VALUE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Kusto scalar types, in the order Kusto documents them. A column has one of
 * these; a value carries the same kind plus a null bit. KV_DYNAMIC values
 * carry their JSON shape in `dyn` (see kv_dyn_kind). ORDER KV_TYPE */
typedef enum kv_type {
  KV_BOOL = 0,
  KV_INT,      /* int32 */
  KV_LONG,     /* int64 */
  KV_REAL,     /* double */
  KV_DECIMAL,  /* a double rounded to 15 significant digits (kv_decimal_grid): documented precision limit */
  KV_STRING,   /* UTF-8, pointer + byte length; Kusto strings are never null */
  KV_DATETIME, /* 100 ns ticks since 0001-01-01T00:00:00Z (.NET DateTime ticks) */
  KV_TIMESPAN, /* 100 ns ticks, signed */
  KV_GUID,     /* 16 bytes inline, Windows byte order (Data1..3 little-endian) */
  KV_DYNAMIC,  /* JSON-like: see kv_dyn_kind */
  KV_TYPE_COUNT
} kv_type;

/* What a KV_DYNAMIC value holds. A dynamic scalar keeps its scalar kind in
 * `dyn` and its payload in the same union member as the scalar would.
 *   dyn == KV_DYN_NULL   -> JSON null
 *   dyn == KV_DYN_ARRAY  -> u.arr
 *   dyn == KV_DYN_BAG    -> u.bag
 *   otherwise            -> dyn is a kv_type (KV_BOOL..KV_GUID) and the union
 *                           member for that type is set. */
enum {
  KV_DYN_NULL = 100,
  KV_DYN_ARRAY = 101,
  KV_DYN_BAG = 102,
  /* Pre-rendered JSON text in u.s/len (string ownership flags apply). Only
   * the output-only path makes it (EventData printed straight from the
   * decoder, no query); kv_to_json/kv_to_text copy it verbatim. The KQL
   * engine never sees one. */
  KV_DYN_RAWJSON = 103
};

/* Flag bits of kv_value.flags. */
enum {
  KV_F_NULL = 0x01,     /* typed null (never set on KV_STRING) */
  KV_F_BORROWED = 0x02, /* u.str.ptr points at memory this value does not own */
  KV_F_HEAP = 0x04      /* u.str.ptr is inside a refcounted kv_heapstr */
};

typedef struct kv_array kv_array;
typedef struct kv_bag kv_bag;

/* A value is 24 bytes, passed by value. */
typedef struct kv_value {
  uint8_t type;  /* kv_type */
  uint8_t flags; /* KV_F_* */
  uint8_t dyn;   /* only for KV_DYNAMIC: kv_type of a scalar, or KV_DYN_* */
  uint8_t reserved;
  uint32_t len; /* string byte length (KV_STRING or dynamic string) */
  union {
    bool b;
    int64_t i;     /* KV_INT (sign-extended), KV_LONG, KV_DATETIME, KV_TIMESPAN ticks */
    double r;      /* KV_REAL, KV_DECIMAL */
    uint8_t g[16]; /* KV_GUID */
    const char *s; /* KV_STRING: not NUL-terminated unless owned (owned strings are) */
    kv_array *arr;
    kv_bag *bag;
  } u;
} kv_value;

/* Column description shared by kql/, sink/ and kusto/. */
typedef struct kv_column {
  const char *name; /* owned by whoever owns the schema */
  kv_type type;
} kv_column;

typedef struct kv_schema {
  kv_column *cols;
  int count;
} kv_schema;

/* ---- constructors (scalars need no release; strings/dynamic do) ----
 * Scalar constructors are inline: they are on the per-row hot path. */
static inline kv_value kv_scalar_make(kv_type t) {
  kv_value v;
  v.type = (uint8_t)t;
  v.flags = 0;
  v.dyn = 0;
  v.reserved = 0;
  v.len = 0;
  v.u.i = 0;
  return v;
}
/* Typed null; for KV_STRING gives "" (Kusto strings are never null), for
 * KV_DYNAMIC a JSON null. */
static inline kv_value kv_null(kv_type t) {
  kv_value v = kv_scalar_make(t);
  if (t == KV_STRING) {
    v.u.s = "";
  } else if (t == KV_DYNAMIC) {
    v.dyn = KV_DYN_NULL;
  } else {
    v.flags = KV_F_NULL;
  }
  return v;
}
static inline kv_value kv_bool(bool b) {
  kv_value v = kv_scalar_make(KV_BOOL);
  v.u.b = b;
  return v;
}
static inline kv_value kv_int(int32_t i) {
  kv_value v = kv_scalar_make(KV_INT);
  v.u.i = i;
  return v;
}
static inline kv_value kv_long(int64_t i) {
  kv_value v = kv_scalar_make(KV_LONG);
  v.u.i = i;
  return v;
}
static inline kv_value kv_real(double r) {
  kv_value v = kv_scalar_make(KV_REAL);
  v.u.r = r;
  return v;
}
/* A decimal is held as the double nearest to it, on the grid of 15
 * significant digits (kv_convert.c): what .NET's (decimal)double keeps, and
 * what makes decimal(0.1) + decimal(0.2) == decimal(0.3) as in Kusto. */
double kv_decimal_grid(double r);
static inline kv_value kv_decimal(double r) {
  kv_value v = kv_scalar_make(KV_DECIMAL);
  v.u.r = kv_decimal_grid(r);
  return v;
}
static inline kv_value kv_datetime(int64_t ticks) {
  kv_value v = kv_scalar_make(KV_DATETIME);
  v.u.i = ticks;
  return v;
}
static inline kv_value kv_timespan(int64_t ticks) {
  kv_value v = kv_scalar_make(KV_TIMESPAN);
  v.u.i = ticks;
  return v;
}
kv_value kv_guid(const uint8_t g[16]);
/* Copies `len` bytes into a new refcounted string. */
kv_value kv_string(const char *s, size_t len);
kv_value kv_cstring(const char *s);
/* Borrowed string: no copy; valid only as long as `s` is. */
static inline kv_value kv_string_borrowed(const char *s, size_t len) {
  kv_value v = kv_scalar_make(KV_STRING);
  v.flags = KV_F_BORROWED;
  v.len = len > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)len;
  v.u.s = s;
  return v;
}
/* Takes ownership of a malloc'ed buffer of len bytes (+1 for NUL, which the
 * caller must have written). Avoids a copy for builders. */
kv_value kv_string_take(char *buf, size_t len);

/* dynamic */
static inline kv_value kv_dyn_null(void) {
  kv_value v = kv_scalar_make(KV_DYNAMIC);
  v.dyn = KV_DYN_NULL;
  return v;
}
kv_value kv_dyn_array(void);                 /* empty array */
kv_value kv_dyn_bag(void);                   /* empty bag, keys kept in insertion order */
/* Empty bag with room for n entries in the same allocation as the bag (for
 * builders that know the field count, e.g. the decoder's EventData); it
 * still grows past n. Same semantics as kv_dyn_bag. */
kv_value kv_dyn_bag_sized(size_t n);
kv_value kv_to_dynamic(kv_value v);          /* wraps a scalar (borrowed) as a dynamic scalar */
kv_value kv_from_dynamic(kv_value v);        /* unwraps a dynamic scalar to its typed form; else retains */

/* ---- reference counting ---- */
kv_value kv_retain(kv_value v); /* +1 ref; for a borrowed string: makes an owned copy */
void kv_release(kv_value v);
kv_value kv_own(kv_value v);    /* owned copy of a possibly borrowed value (deep for nothing else) */

/* ---- predicates & access ---- */
static inline bool kv_is_null(kv_value v) {
  return (v.flags & KV_F_NULL) || (v.type == KV_DYNAMIC && v.dyn == KV_DYN_NULL);
}
static inline bool kv_is_array(kv_value v) { return v.type == KV_DYNAMIC && v.dyn == KV_DYN_ARRAY; }
static inline bool kv_is_bag(kv_value v) { return v.type == KV_DYNAMIC && v.dyn == KV_DYN_BAG; }
/* Scalar kind ignoring the dynamic wrapper (KV_DYNAMIC for arrays, bags and null). */
kv_type kv_scalar_type(kv_value v);

/* Arrays: append takes ownership of `item`. get returns a borrowed value. */
void kv_array_push(kv_value arr, kv_value item);
size_t kv_array_count(kv_value arr);
kv_value kv_array_get(kv_value arr, size_t idx);

/* Bags: set takes ownership of `item` (key is copied); replaces an existing key
 * in place. get returns a borrowed value, or a dynamic null when absent. */
void kv_bag_set(kv_value bag, const char *key, size_t key_len, kv_value item);
size_t kv_bag_count(kv_value bag);
kv_value kv_bag_get(kv_value bag, const char *key, size_t key_len);
bool kv_bag_has(kv_value bag, const char *key, size_t key_len);
/* idx-th entry in insertion order; key returned as pointer + length. */
kv_value kv_bag_entry(kv_value bag, size_t idx, const char **key, size_t *key_len);
bool kv_bag_remove(kv_value bag, const char *key, size_t key_len);
/* kv_bag_set without copying the key, for keys from long-lived storage
 * (the decoder's schema field names). Lifetime rule: key[0..key_len] must
 * stay valid and unchanged until the bag -- and every value that retains
 * it -- is released; kv_bag_entry then hands out this pointer. key[key_len]
 * must be readable: when it is not '\0' the key is copied as kv_bag_set
 * does. Otherwise identical to kv_bag_set (an existing key is replaced). */
void kv_bag_set_static_key(kv_value bag, const char *key, size_t key_len, kv_value item);

/* ---- text ---- */
/* Growable byte buffer with a sticky out-of-memory flag (aborts on OOM). */
typedef struct kv_buf {
  char *data;
  size_t len;
  size_t cap;
} kv_buf;
void kv_buf_init(kv_buf *b);
void kv_buf_free(kv_buf *b);
void kv_buf_reserve(kv_buf *b, size_t extra);
/* Appending is the hot path of every output format: the room check is
 * inline, growing is not. The buffer stays NUL-terminated. */
static inline void kv_buf_append(kv_buf *b, const char *s, size_t len) {
  if (b->cap - b->len <= len) kv_buf_reserve(b, len);
  if (len) memcpy(b->data + b->len, s, len);
  b->len += len;
  b->data[b->len] = '\0';
}
static inline void kv_buf_putc(kv_buf *b, char c) {
  if (b->cap - b->len < 2) kv_buf_reserve(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
}
void kv_buf_puts(kv_buf *b, const char *s);
/* UTF-8 bytes of code point cp (below 0x110000) at out; returns how many (1-4). */
static inline size_t kv_utf8_put(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}
/* Appends code point cp as UTF-8. */
static inline void kv_buf_put_utf8(kv_buf *b, uint32_t cp) {
  char t[4];
  size_t n = kv_utf8_put(t, cp);
  kv_buf_append(b, t, n);
}

/* Decimal text of a signed 64-bit integer (the JSON writers' hot path). */
void kv_buf_put_i64(kv_buf *b, int64_t v);
void kv_buf_printf(kv_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends `s` as a JSON string literal (quotes + escapes; invalid UTF-8 -> U+FFFD). */
void kv_buf_json_string(kv_buf *b, const char *s, size_t len);

/* Kusto's canonical text forms (what Kusto's JSON/CSV output shows):
 *   datetime: 2012-06-19T20:33:52.8135944Z (7 fractional digits, always)
 *   timespan: [-][d.]hh:mm:ss[.fffffff]
 *   guid:     lower-case, no braces
 *   real:     fewest digits that round-trip, the largest such number as
 *             Kusto picks it (kv_real_text.c); NaN, Infinity, -Infinity (kv_to_json and
 *             kv_to_text add ".0" to integral values, as Kusto prints 2.0)
 *   bool:     true/false */
void kv_format_datetime(kv_buf *b, int64_t ticks);
void kv_format_timespan(kv_buf *b, int64_t ticks);
void kv_format_guid(kv_buf *b, const uint8_t g[16]);
void kv_format_real(kv_buf *b, double r);

/* Value -> JSON text (dynamic as nested JSON, scalars in canonical form:
 * datetime/timespan/guid as JSON strings, typed null as null). */
void kv_to_json(kv_buf *b, kv_value v);
/* Value -> plain text as Kusto's tostring() would give (strings unquoted,
 * dynamic as compact JSON, null as ""). */
void kv_to_text(kv_buf *b, kv_value v);

/* JSON text -> dynamic value. Returns 0 and sets *out on success; on error
 * returns -1 and writes a message naming the byte offset into err. Numbers:
 * integers that fit int64 become long, others real. Depth is limited. */
int kv_parse_json(const char *s, size_t len, kv_value *out, char *err, size_t err_len);

/* Parses datetime text (ISO-8601 and Kusto's accepted forms) into ticks. */
bool kv_parse_datetime(const char *s, size_t len, int64_t *ticks);
/* Parses a GUID with or without braces. */
bool kv_parse_guid(const char *s, size_t len, uint8_t g[16]);

/* Type names as Kusto spells them ("bool","int","long","real","decimal",
 * "string","datetime","timespan","guid","dynamic"). */
const char *kv_type_name(kv_type t);
bool kv_type_from_name(const char *name, size_t len, kv_type *out);

/* Time conversions. */
#define KV_TICKS_PER_SECOND INT64_C(10000000)
#define KV_TICKS_PER_DAY (INT64_C(864000000000))
/* Ticks between 0001-01-01 and 1601-01-01 (FILETIME epoch). */
#define KV_FILETIME_EPOCH_TICKS INT64_C(504911232000000000)
/* Ticks between 0001-01-01 and 1970-01-01 (Unix epoch). */
#define KV_UNIX_EPOCH_TICKS INT64_C(621355968000000000)
static inline int64_t kv_ticks_from_filetime(int64_t ft) { return ft + KV_FILETIME_EPOCH_TICKS; }

/* Memory: one entry point, aborts with a message on out-of-memory. */
void *kv_malloc(size_t n);
void *kv_calloc(size_t count, size_t size);
void *kv_realloc(void *p, size_t n);
char *kv_strndup(const char *s, size_t len);

#endif
