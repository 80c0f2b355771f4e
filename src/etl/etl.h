/* SPDX-License-Identifier: MIT
 * ETL reader: .etl files (and .etl members of .zip archives) -> a stream of
 * etl_event records in time order. Plain C11, no Windows APIs, no knowledge of
 * payload formats (decode/) or Kusto. Format notes: docs/etl-format.md.
 *
 * etl_event is also THE in-memory event form for the Windows real-time path:
 * platform code converts each EVENT_RECORD into an etl_event, so decoding and
 * row building have exactly one input shape. */
#ifndef E2K_ETL_ETL_H
#define E2K_ETL_ETL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record header kinds (etl-format.md section 3). ORDER ETL_HT */
typedef enum etl_header_kind {
  ETL_HT_SYSTEM = 1,  /* SYSTEM_TRACE_HEADER 32/64 (also COMPACT) */
  ETL_HT_PERFINFO,    /* PERFINFO_TRACE_HEADER 32/64 */
  ETL_HT_FULL,        /* EVENT_TRACE_HEADER (classic/MOF) 32/64 */
  ETL_HT_INSTANCE,    /* EVENT_INSTANCE_GUID_HEADER 32/64 */
  ETL_HT_EVENT,       /* EVENT_HEADER 32/64 (manifest, TraceLogging, EventSource) */
  ETL_HT_MESSAGE,     /* MESSAGE_TRACE_HEADER (WPP / TraceMessage) */
  ETL_HT_REALTIME     /* built from a live EVENT_RECORD (Windows real-time) */
} etl_header_kind;

/* Facts from the TRACE_LOGFILE_HEADER of one file (etl-format.md section 2). */
typedef struct etl_trace_info {
  const char *path;              /* file name as given (zip members: "a.zip!member.etl") */
  uint32_t buffer_size;          /* session buffer size, bytes (not the on-disk size) */
  uint8_t os_major, os_minor, os_sub, os_subminor;
  uint32_t os_build;             /* ProviderVersion */
  uint32_t cpu_count;
  uint32_t timer_resolution_100ns;
  uint32_t log_file_mode;        /* EVENT_TRACE_*_MODE bits */
  uint32_t buffers_written;
  uint32_t pointer_size;         /* bytes; records may still differ (use etl_event.pointer_size) */
  uint32_t events_lost;
  uint32_t buffers_lost;
  uint32_t cpu_speed_mhz;
  uint32_t clock_type;           /* 1 QPC, 2 system time, 3 CPU cycle counter */
  int64_t perf_freq;             /* QPC ticks per second */
  int64_t start_time_ticks;      /* StartTime as Kusto datetime ticks (UTC) */
  int64_t end_time_ticks;        /* EndTime as Kusto datetime ticks (UTC) */
  int64_t boot_time_ticks;
  char logger_name[256];         /* UTF-8 */
  char log_file_name[520];       /* UTF-8 */
} etl_trace_info;

/* One event. All pointers are borrowed: valid until the next etl_reader_next()
 * (or, for real time, until the callback returns). */
typedef struct etl_event {
  int64_t time_ticks;            /* Kusto datetime ticks, UTC (100 ns since 0001-01-01) */
  int64_t raw_timestamp;         /* timestamp as stored (clock units of the file) */
  uint8_t provider_id[16];       /* GUID, Windows byte order. Classic kernel records
                                    (SYSTEM/PERFINFO) get their group's class GUID */
  uint8_t activity_id[16];       /* zero when absent */
  uint8_t related_activity_id[16]; /* from extended item RELATED_ACTIVITYID, else zero */
  uint16_t event_id;             /* EVENT_DESCRIPTOR.Id; 0 for classic/kernel/WPP */
  uint8_t version;               /* descriptor Version; classic: Class.Version; kernel: header Version low byte */
  uint8_t channel;
  uint8_t level;
  uint8_t opcode;                /* descriptor Opcode; classic: Class.Type; kernel: HookId & 0xFF */
  uint16_t task;
  uint64_t keywords;
  uint32_t process_id;           /* 0xFFFFFFFF when the header has none (PERFINFO) */
  uint32_t thread_id;            /* 0xFFFFFFFF when the header has none */
  uint16_t processor;            /* CPU from the buffer context */
  uint8_t header_kind;           /* etl_header_kind */
  uint8_t header_type;           /* raw header type byte (0x01..0x15), 0 for MESSAGE */
  uint8_t pointer_size;          /* 4 or 8, per record */
  uint8_t is_kernel_hook;        /* SYSTEM/PERFINFO record: hook_id is meaningful */
  uint16_t hook_id;              /* (Group << 8) | Type for SYSTEM/PERFINFO records */
  uint16_t event_flags;          /* EVENT_HEADER.Flags, or MESSAGE MessageFlags */
  uint16_t event_property;       /* EVENT_HEADER.EventProperty */
  uint16_t message_number;       /* WPP MessageNumber */
  uint32_t sequence;             /* WPP sequence number when present */
  uint64_t kernel_time;          /* CPU time fields as stored (units of the header) */
  uint64_t user_time;
  const uint8_t *payload;        /* user data */
  uint32_t payload_len;          /* bytes */
  const uint8_t *ext;            /* extended data items (raw, 8-byte-aligned chain) or NULL */
  uint32_t ext_len;              /* bytes of the chain */
  const etl_trace_info *trace;   /* the file this came from (NULL for real time) */
  uint64_t file_offset;          /* offset of the buffer holding the record in its file */
  uint32_t buffer_offset;        /* offset of the record inside the (decompressed) buffer */
} etl_event;

/* Extended data item types (EVENT_HEADER_EXT_TYPE_*). */
enum {
  ETL_EXT_RELATED_ACTIVITYID = 1,
  ETL_EXT_SID = 2,
  ETL_EXT_TS_ID = 3,
  ETL_EXT_INSTANCE_INFO = 4,
  ETL_EXT_STACK_TRACE32 = 5,
  ETL_EXT_STACK_TRACE64 = 6,
  ETL_EXT_PEBS_INDEX = 7,
  ETL_EXT_PMC_COUNTERS = 8,
  ETL_EXT_PSM_KEY = 9,
  ETL_EXT_EVENT_KEY = 10,
  ETL_EXT_EVENT_SCHEMA_TL = 11,
  ETL_EXT_PROV_TRAITS = 12,
  ETL_EXT_PROCESS_START_KEY = 13
};

/* Finds the first extended item of `type`; returns true and its data bytes.
 * Bounds-checked against ev->ext/ext_len; follows the Linkage bit. */
bool etl_event_find_ext(const etl_event *ev, uint16_t type, const uint8_t **data, uint32_t *len);

/* Counters a reader keeps; all are totals over every file so far. */
typedef struct etl_stats {
  uint64_t files;
  uint64_t bytes_read;           /* on-disk bytes consumed */
  uint64_t bytes_total;          /* sum of input sizes, for progress/ETA */
  uint64_t buffers;
  uint64_t buffers_compressed;
  uint64_t buffers_corrupt;      /* skipped with a warning */
  uint64_t records_corrupt;      /* records skipped inside otherwise good buffers */
  uint64_t records_skipped;      /* TIMED/ERROR/WNODE records (layout unknown), skipped */
  uint64_t events;               /* events delivered */
  uint64_t events_lost_reported; /* EventsLost from logfile headers */
} etl_stats;

/* Warning sink: one line, no newline, e.g.
 * "trace.etl: buffer 12 at offset 0x18000: BufferSize 0 is smaller than the header; skipped". */
typedef void (*etl_warn_fn)(void *ud, const char *message);

typedef struct etl_reader_options {
  bool file_order;               /* true: deliver in file order; default false = time order */
  etl_warn_fn warn;              /* may be NULL (warnings then go to stderr) */
  void *warn_ud;
} etl_reader_options;

typedef struct etl_reader etl_reader;

/* Result codes of etl_reader_open* (0 = success). */
enum {
  ETL_E_IO = -1,        /* read error */
  ETL_E_NOT_FOUND = -2, /* missing file, glob without match, missing zip member */
  ETL_E_FORMAT = -3,    /* empty file, not an ETL file, not a zip */
  ETL_E_NOMEM = -4,
  ETL_E_ARG = -5
};

/* Expands each spec (a path, a glob such as "dir/ *.etl", or "a.zip" /
 * "a.zip!member.etl") into files and opens them all; events from all files are
 * merged by time with bounded memory. Returns 0, or a negative E2K error with a
 * one-line message in err (missing file, glob matching nothing, not an ETL
 * file). The caller frees with etl_reader_close(). */
int etl_reader_open(etl_reader **out, const char *const *specs, size_t spec_count,
                    const etl_reader_options *opt, char *err, size_t err_len);

/* Next event: returns 1 and sets *ev, 0 at the end, negative on a fatal I/O
 * error (message via etl_reader_error). Corrupt buffers are skipped, counted and
 * reported through the warn callback; they are not fatal. */
int etl_reader_next(etl_reader *r, const etl_event **ev);
/* Reads one ETL file image from memory (tests, fuzzing). `data` is borrowed
 * and must stay valid until etl_reader_close(); `name` labels warnings. */
int etl_reader_open_memory(etl_reader **out, const uint8_t *data, size_t len, const char *name,
                           const etl_reader_options *opt, char *err, size_t err_len);
const char *etl_reader_error(const etl_reader *r);
const etl_stats *etl_reader_stats(const etl_reader *r);
/* Trace infos of every opened file (valid until close). */
size_t etl_reader_trace_count(const etl_reader *r);
const etl_trace_info *etl_reader_trace(const etl_reader *r, size_t idx);
void etl_reader_close(etl_reader *r);

/* Name of a record header type as EXPECTED.json spells it: "SYSTEM64",
 * "EVENT_HEADER32", "MESSAGE", ... ("UNKNOWN" otherwise). */
const char *etl_header_type_name(uint8_t header_kind, uint8_t header_type);

/* Well-known GUIDs. */
extern const uint8_t ETL_GUID_EVENT_TRACE[16]; /* 68fdd900-4a3e-11d1-84f4-0000f80464e3 */

/* Kernel group -> classic class GUID (etw-decoding.md 5.1). Returns false when unknown. */
bool etl_kernel_group_guid(uint8_t group, uint8_t guid_out[16]);

#endif
