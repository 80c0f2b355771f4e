/* SPDX-License-Identifier: MIT
 * WPP software tracing (etw-decoding.md section 6), private to decode/:
 * the TMF (trace message format) database loaded from tmf:PATH and the
 * formatter that renders a WPP record's argument bytes as tracefmt-style text
 * plus a property bag. Pure C11 over bytes; file access only through
 * platform.h in dec_tmf_db_load_path. Owner: decode part B (dec_tmf.c,
 * dec_wpp.c). */
#ifndef E2K_DECODE_DEC_WPP_H
#define E2K_DECODE_DEC_WPP_H

#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

/* Argument item types of a TMF "{ name, ItemX -- N }" line. ORDER DEC_WPP_ITEM */
typedef enum dec_wpp_item {
  DEC_WPP_ITEM_UNKNOWN = 0,
  DEC_WPP_ITEM_CHAR,        /* 1 byte signed */
  DEC_WPP_ITEM_UCHAR,       /* 1 byte unsigned */
  DEC_WPP_ITEM_SHORT,       /* 2 bytes signed */
  DEC_WPP_ITEM_USHORT,      /* 2 bytes unsigned */
  DEC_WPP_ITEM_LONG,        /* 4 bytes signed */
  DEC_WPP_ITEM_ULONG,       /* 4 bytes unsigned */
  DEC_WPP_ITEM_ULONGX,      /* 4 bytes, default hex */
  DEC_WPP_ITEM_LONGLONG,    /* 8 bytes signed */
  DEC_WPP_ITEM_ULONGLONG,   /* 8 bytes unsigned */
  DEC_WPP_ITEM_LONGLONGX,   /* 8 bytes, default lower hex */
  DEC_WPP_ITEM_LONGLONGXX,  /* 8 bytes, default upper hex */
  DEC_WPP_ITEM_LONGLONGO,   /* 8 bytes, default octal */
  DEC_WPP_ITEM_PTR,         /* pointer size of the record */
  DEC_WPP_ITEM_DOUBLE,      /* 8-byte IEEE double, %g */
  DEC_WPP_ITEM_STRING,      /* NUL-terminated 8-bit string (ItemString, ItemRString) */
  DEC_WPP_ITEM_WSTRING,     /* NUL-terminated UTF-16 (ItemWString, ItemRWString) */
  DEC_WPP_ITEM_PSTRING,     /* u16 byte count + 8-bit chars (ANSI_STRING) */
  DEC_WPP_ITEM_PWSTRING,    /* u16 byte count + UTF-16 (UNICODE_STRING) */
  DEC_WPP_ITEM_HEXDUMP,     /* u16 byte count + bytes (ItemHexDump, ItemBinary) */
  DEC_WPP_ITEM_GUID,        /* 16 bytes (ItemGuid, ItemCLSID, ItemIID, ItemLIBID) */
  DEC_WPP_ITEM_SID,         /* SID: 8 + 4 * SubAuthorityCount bytes */
  DEC_WPP_ITEM_IPADDR,      /* 4 bytes, network order as stored */
  DEC_WPP_ITEM_IPV6ADDR,    /* 16 bytes */
  DEC_WPP_ITEM_PORT,        /* 2 bytes, network (big-endian) order */
  DEC_WPP_ITEM_CHAR4,       /* 4 bytes FourCC, chars in wire order */
  DEC_WPP_ITEM_HRESULT,     /* 4 bytes, "0x%x(NAME)" */
  DEC_WPP_ITEM_NTSTATUS,    /* 4 bytes, "0x%x(NAME)" */
  DEC_WPP_ITEM_WINERROR,    /* 4 bytes, "%u(NAME)" */
  DEC_WPP_ITEM_NDIS_STATUS, /* 4 bytes, "0x%08x(NAME)" */
  DEC_WPP_ITEM_NDIS_OID,    /* 4 bytes, "0x%08x(NAME)" */
  DEC_WPP_ITEM_TIMESTAMP,   /* 8-byte FILETIME (ItemTimestamp, ItemWaitTime) */
  DEC_WPP_ITEM_TIMEDELTA,   /* 8 bytes of 100 ns, "S.mmms" */
  DEC_WPP_ITEM_LIST,        /* ItemListByte/Short/Long(a,b,c): value -> name */
  DEC_WPP_ITEM_SET,         /* ItemSetByte/Short/Long(a,b,..): bit i -> name i */
  DEC_WPP_ITEM_ENUM,        /* ItemEnum(NAME): #enumv table, 4 bytes */
  DEC_WPP_ITEM_FLAGSENUM,   /* ItemFlagsEnum(NAME): #enumv table of flags */
  DEC_WPP_ITEM_COUNT
} dec_wpp_item;

typedef struct dec_tmf_arg {
  uint16_t number;      /* %N of the format string (10, 11, ...) */
  uint8_t item;         /* dec_wpp_item */
  uint8_t width;        /* wire bytes for fixed-size integer items (LIST/SET) */
  const char *name;     /* argument expression as tracepdb wrote it */
  const char *const *names; /* LIST/SET value names, NULL otherwise */
  uint32_t name_count;
  const char *enum_name;    /* ENUM/FLAGSENUM: #enumv name */
} dec_tmf_arg;

typedef struct dec_tmf_msg {
  uint8_t guid[16];     /* message GUID, Windows byte order */
  uint16_t number;      /* message number */
  const char *tag;      /* e.g. "WppStrEmitter_cpp27" */
  const char *format;   /* raw TMF format string (between the quotes) */
  const char *component;/* from the GUID line, e.g. "findneedle" */
  const char *source;   /* SRC= of the GUID line */
  const char *level;    /* LEVEL= */
  const char *flags;    /* FLAGS= */
  const char *func;     /* FUNC= */
  const dec_tmf_arg *args; /* sorted by number */
  uint32_t arg_count;
} dec_tmf_msg;

typedef struct dec_tmf_db dec_tmf_db;

/* New empty database (never NULL; aborts on out-of-memory). */
dec_tmf_db *dec_tmf_db_new(void);
void dec_tmf_db_free(dec_tmf_db *db);

/* Parses TMF text (not NUL-terminated; `origin` names it in messages).
 * Returns 0, or -1 with "origin:line: why" in err. Malformed lines inside a
 * message block are skipped; only structural errors fail. */
int dec_tmf_db_load_text(dec_tmf_db *db, const char *text, size_t len, const char *origin,
                         char *err, size_t err_len);

/* Loads a .tmf file, or every *.tmf in a folder (not recursive). A folder
 * without .tmf files is not an error. Returns 0 or -1 with a message. */
int dec_tmf_db_load_path(dec_tmf_db *db, const char *path, char *err, size_t err_len);

/* Message lookup; NULL when unknown. The pointer is valid until free. */
const dec_tmf_msg *dec_tmf_find(const dec_tmf_db *db, const uint8_t guid[16], uint16_t number);
/* Number of messages loaded. */
size_t dec_tmf_count(const dec_tmf_db *db);

/* One "#enumv NAME { Label,0xValue }" table entry. */
typedef struct dec_tmf_enum_item {
  uint64_t value;
  const char *name;
} dec_tmf_enum_item;
/* Items of the #enumv table `name` (in file order) or NULL with *count 0. */
const dec_tmf_enum_item *dec_tmf_enum_items(const dec_tmf_db *db, const char *name, size_t *count);

/* Renders a WPP message: appends the text to `text` and, when props is a bag
 * (may be NULL), sets one property per argument (TMF argument name) plus
 * "FormattedString", "ComponentName", "SubComponentName", "FunctionName",
 * "LevelName" and "FlagsName" like TDH's WPP properties. pointer_size is 4 or
 * 8. Returns 0 when every argument decoded; -1 when the payload ran short or
 * an argument type is unknown (the text then ends with "<decode error: why>"
 * and props gets "__decode_error"). Never reads outside payload[0, len). */
int dec_wpp_format(const dec_tmf_db *db, const dec_tmf_msg *msg, const uint8_t *payload,
                   uint32_t len, unsigned pointer_size, kv_buf *text, kv_value props);

/* Symbol for a status code, or NULL (small built-in tables, see dec_wpp.c). */
const char *dec_wpp_ntstatus_name(uint32_t code);
const char *dec_wpp_winerror_name(uint32_t code);
const char *dec_wpp_hresult_name(uint32_t code);

#endif
