/* SPDX-License-Identifier: MIT
 * The ONE conversion from a live ETW EVENT_RECORD to etl_event, so real-time
 * events take exactly the same decode/row path as events read from .etl files.
 * plat_etw_record is a portable mirror of the EVENT_RECORD fields we use: the
 * Windows consumer (etw_realtime_win32.c) fills it from the OS struct, and the
 * Linux unit tests fill it from sample-trace events. Plain C11, no OS calls. */
#ifndef E2K_PLATFORM_ETW_RECORD_CONVERT_H
#define E2K_PLATFORM_ETW_RECORD_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etl/etl.h"

/* EVENT_HEADER.Flags bits (evntcons.h). */
enum {
  PLAT_ETW_FLAG_EXTENDED_INFO = 0x0001,
  PLAT_ETW_FLAG_PRIVATE_SESSION = 0x0002,
  PLAT_ETW_FLAG_STRING_ONLY = 0x0004,
  PLAT_ETW_FLAG_TRACE_MESSAGE = 0x0008,
  PLAT_ETW_FLAG_NO_CPUTIME = 0x0010,
  PLAT_ETW_FLAG_32_BIT_HEADER = 0x0020,
  PLAT_ETW_FLAG_64_BIT_HEADER = 0x0040,
  PLAT_ETW_FLAG_CLASSIC_HEADER = 0x0100,
  PLAT_ETW_FLAG_PROCESSOR_INDEX = 0x0200
};

/* One EVENT_HEADER_EXTENDED_DATA_ITEM. */
typedef struct plat_etw_ext_item {
  uint16_t ext_type;             /* EVENT_HEADER_EXT_TYPE_* (ETL_EXT_*) */
  uint16_t data_size;            /* bytes at data */
  const uint8_t *data;           /* borrowed (DataPtr) */
} plat_etw_ext_item;

/* Portable mirror of EVENT_RECORD (EVENT_HEADER + ETW_BUFFER_CONTEXT + data). */
typedef struct plat_etw_record {
  /* EVENT_HEADER */
  uint16_t header_type;          /* HeaderType (reserved, normally 0) */
  uint16_t flags;                /* PLAT_ETW_FLAG_* */
  uint16_t event_property;
  uint32_t thread_id;
  uint32_t process_id;
  int64_t timestamp;             /* FILETIME units unless raw timestamps were requested */
  uint8_t provider_id[16];       /* GUID in Windows byte order */
  uint16_t id;                   /* EVENT_DESCRIPTOR */
  uint8_t version;
  uint8_t channel;
  uint8_t level;
  uint8_t opcode;
  uint16_t task;
  uint64_t keyword;
  uint32_t kernel_time;          /* or low half of ProcessorTime */
  uint32_t user_time;            /* or high half of ProcessorTime */
  uint8_t activity_id[16];
  /* ETW_BUFFER_CONTEXT */
  uint16_t processor_index;
  uint16_t logger_id;
  /* data */
  const plat_etw_ext_item *ext_items; /* ExtendedData[] */
  uint16_t ext_count;
  const uint8_t *user_data;
  uint16_t user_data_len;
} plat_etw_record;

/* How record timestamps are to be read. */
typedef enum plat_etw_clock {
  PLAT_ETW_CLOCK_FILETIME = 0,   /* default for ProcessTrace: 100 ns since 1601-01-01 UTC */
  PLAT_ETW_CLOCK_TICKS           /* already Kusto ticks (tests, replay) */
} plat_etw_clock;

/* Optional reverse lookup "kernel class GUID -> group" so classic kernel
 * events get is_kernel_hook/hook_id exactly like SYSTEM/PERFINFO records read
 * from files. The CLI passes a wrapper over etl_kernel_group_guid(); platform/
 * itself must not link etl/. */
typedef bool (*plat_etw_kernel_group_fn)(const uint8_t guid[16], uint8_t *group);

typedef struct plat_etw_convert_opts {
  plat_etw_clock clock;
  plat_etw_kernel_group_fn kernel_group; /* may be NULL */
} plat_etw_convert_opts;

/* Bytes of scratch needed to re-encode the record's extended items as the
 * on-disk 8-byte-aligned chain that etl_event.ext uses. */
size_t plat_etw_ext_chain_len(const plat_etw_record *rec);

/* Fills *ev from *rec. ev->payload borrows rec->user_data; ev->ext points into
 * scratch (capacity scratch_len, at least plat_etw_ext_chain_len(rec)), so both
 * live as long as the record and the scratch. Returns 0, or -1 when scratch is
 * too small (ev then has no ext chain but is otherwise complete). */
int plat_etw_record_to_event(const plat_etw_record *rec, const plat_etw_convert_opts *opts,
                             uint8_t *scratch, size_t scratch_len, etl_event *ev);

#endif
