/* SPDX-License-Identifier: MIT
 * Private part of the ETL reader, shared by the .c files of src/etl only:
 * bounds-checked little-endian loads, the MS-XCA decompressors, record
 * parsing, logfile-header parsing, timestamp conversion and the zip reader.
 * Nothing here is API; other modules include etl.h only. */
#ifndef E2K_ETL_ETL_INT_H
#define E2K_ETL_ETL_INT_H

#include "etl/etl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- little-endian loads (callers have checked the bounds) ---- */
static inline uint16_t etl_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t etl_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t etl_le64(const uint8_t *p) {
  return (uint64_t)etl_le32(p) | ((uint64_t)etl_le32(p + 4) << 32);
}

/* ---- sizes and limits ---- */
#define ETL_BUFHDR_LEN 0x48u           /* WMI_BUFFER_HEADER */
#define ETL_MAX_BUFFER (64u << 20)     /* larger on-disk/uncompressed buffers are corrupt */
#define ETL_BUFFLAG_COMPRESSED 0x40u
#define ETL_BUFFLAG_PROC_INDEX 0x20u

/* One buffer header, decoded (etl-format.md section 1). */
typedef struct etl_bufhdr {
  uint32_t buffer_size;   /* on-disk bytes */
  uint32_t saved_offset;
  int64_t timestamp;
  int64_t sequence;
  uint16_t processor;
  uint32_t state;
  uint32_t offset;        /* bytes in use incl. header (uncompressed size if compressed) */
  uint16_t flags;
  uint16_t type;
} etl_bufhdr;

void etl_bufhdr_decode(const uint8_t *p, etl_bufhdr *h);
/* False when the header is unusable; *why then says why (with numbers).
 * `remaining` is the number of file bytes from the header to EOF. why may be
 * NULL (fast path for resynchronisation scans). */
bool etl_bufhdr_check(const etl_bufhdr *h, uint64_t remaining, char *why, size_t why_len);

/* ---- MS-XCA decompression (etl_xpress.c) ---- */
enum { ETL_XCA_LZ77 = 3, ETL_XCA_LZ77_HUFFMAN = 4 };
/* Decompresses `in` into exactly `out_len` bytes of `out`. Returns 0, or -1
 * with a static reason in *why. Never reads or writes out of bounds. */
int etl_xpress_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                          size_t *produced, const char **why);
int etl_xpress_huff_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                               size_t *produced, const char **why);

/* ---- record parsing (etl_record.c) ---- */
enum {
  ETL_REC_OK = 0,     /* *ev filled, *rec_len = bytes of the record (unaligned) */
  ETL_REC_END = 1,    /* end marker (0xFFFFFFFF padding) or no room for a record */
  ETL_REC_SKIP = 2,   /* known but unsupported kind (TIMED/ERROR/WNODE): skip rec_len */
  ETL_REC_CORRUPT = 3, /* corrupt inside (bogus extended-data chain), extent known: skip rec_len */
  ETL_REC_BAD = -1    /* corrupt: *why says why; the rest of the buffer is unusable */
};
/* Parses the record at buf[pos] (buf_len = end of data). ev gets every header
 * field; time_ticks is left for the caller. file_ptr_size is the logfile's
 * pointer size (used for MESSAGE records without a pointer-size flag). */
int etl_record_parse(const uint8_t *buf, uint32_t buf_len, uint32_t pos, uint32_t file_ptr_size,
                     etl_event *ev, uint32_t *rec_len, const char **why);
/* Only size and raw timestamp (fast path for indexing/sorting). has_ts false for
 * MESSAGE records without a timestamp. Same return codes. */
int etl_record_peek(const uint8_t *buf, uint32_t buf_len, uint32_t pos, uint32_t *rec_len,
                    int64_t *raw_ts, bool *has_ts, const char **why);

/* ---- logfile header and clock (etl_logfile.c) ---- */
typedef struct etl_clock {
  int64_t start_ticks;    /* Kusto ticks of StartTime */
  int64_t ts0;            /* raw timestamp of the logfile header record */
  int64_t num, den;       /* ticks = start + (ts - ts0) * num / den */
} etl_clock;

/* Kusto ticks (0001-01-01) of FILETIME 0 (1601-01-01). */
#define ETL_FILETIME_EPOCH_TICKS INT64_C(504911232000000000)

/* Fills info from the logfile-header record (ev = the first record of buffer
 * 0, a SYSTEM header with HookId 0). Returns 0 or -1 with *why. */
int etl_logfile_parse(const etl_event *ev, etl_trace_info *info, const char **why);
/* Clock from the trace info and the header record's raw timestamp. Unknown
 * clock types or zero frequencies fall back to "raw is FILETIME" (scale 1). */
void etl_clock_init(etl_clock *c, const etl_trace_info *info, int64_t header_raw_ts);
int64_t etl_clock_ticks(const etl_clock *c, int64_t raw);

/* ---- zip archives (etl_zip.c) ---- */
typedef struct etl_zip_entry {
  char *name;             /* as stored (malloc'ed) */
  uint64_t comp_size, size;
  uint64_t local_offset;  /* of the local file header */
  uint16_t method;        /* 0 stored, 8 deflate */
} etl_zip_entry;

struct plat_file;
/* Reads the central directory. Entries are malloc'ed; free with etl_zip_free. */
int etl_zip_list(struct plat_file *f, uint64_t file_size, etl_zip_entry **entries, size_t *count,
                 const char **why);
void etl_zip_free(etl_zip_entry *entries, size_t count);
/* Offset of the member's data (after the local header). */
int etl_zip_data_offset(struct plat_file *f, const etl_zip_entry *e, uint64_t *data_offset,
                        const char **why);
/* Names equal when '/' and '\\' are treated alike. */
bool etl_zip_name_eq(const char *a, const char *b);

/* Sequential inflate cursor over one deflated member; supports forward seeks
 * and restarts from the beginning for backward ones. */
typedef struct etl_inflate etl_inflate;
int etl_inflate_new(etl_inflate **out, struct plat_file *f, uint64_t data_offset, uint64_t comp_size,
                    uint64_t size);
/* Reads len bytes at logical offset off; *got < len only at the end. */
int etl_inflate_read(etl_inflate *z, uint64_t off, uint8_t *buf, size_t len, size_t *got,
                     const char **why);
void etl_inflate_free(etl_inflate *z);

/* ---- one input file (etl_source.c) ---- */
typedef enum etl_src_kind { ETL_SRC_FILE, ETL_SRC_MEM, ETL_SRC_ZIP_STORED, ETL_SRC_ZIP_DEFLATE } etl_src_kind;

/* Index entry of one valid buffer (24 bytes per buffer, built at open). */
typedef struct etl_bufref {
  uint64_t offset;      /* in the logical file */
  int64_t sequence;
  uint32_t size;        /* on disk */
  uint32_t index;       /* position in file order, for warnings */
  uint16_t processor;
} etl_bufref;

/* Warning sink shared by sources and the reader: counts per file and caps
 * the number of lines so hostile files cannot flood stderr. */
typedef struct etl_warner {
  etl_warn_fn fn;
  void *ud;
} etl_warner;

typedef struct etl_file {
  char *name;           /* display name: path, or "zip!member" */
  char *disk_path;      /* what to open (the archive for members) */
  etl_src_kind kind;
  uint64_t base;        /* data offset in disk_path (zip members) */
  uint64_t size;        /* logical (uncompressed) size */
  uint64_t comp_size;   /* deflated size (ETL_SRC_ZIP_DEFLATE) */
  const uint8_t *mem;   /* ETL_SRC_MEM */
  struct plat_file *fh; /* open while fh_refs > 0 */
  int fh_refs;
  etl_trace_info info;
  etl_clock clock;
  int xca_format;       /* ETL_XCA_* for compressed buffers */
  etl_bufref *bufs;
  size_t buf_count;
  uint32_t warn_count;
} etl_file;

/* Creates and indexes one file: validates buffer 0, parses the logfile header,
 * walks every buffer header (resynchronising after corrupt ones). Returns 0,
 * or an ETL_E_* code with a one-line message in err. */
int etl_file_open(etl_file **out, const char *name, const char *disk_path, etl_src_kind kind,
                  uint64_t base, uint64_t size, uint64_t comp_size, const uint8_t *mem,
                  etl_stats *stats, const etl_warner *w, char *err, size_t err_len);
void etl_file_free(etl_file *f);
int etl_file_acquire(etl_file *f);
void etl_file_release(etl_file *f);
/* Reads len bytes at logical offset off (z: the caller's inflate cursor for
 * deflated members, created on demand). *got < len only at EOF. Returns 0, -1
 * on an I/O error (fatal), -2 on corrupt compressed data (*why). */
int etl_file_read(etl_file *f, etl_inflate **z, uint64_t off, uint8_t *dst, size_t len, size_t *got,
                  const char **why);
/* Emits "name: message" through w (or stderr), at most 50 per file. */
void etl_file_warn(etl_file *f, const etl_warner *w, const char *fmt, ...);

/* Expands one input spec (etl_spec.c) and hands every opened file to add()
 * (which takes ownership, or returns non-zero). Returns 0 or ETL_E_*. */
int etl_spec_open(const char *spec, etl_stats *stats, const etl_warner *w, int (*add)(void *ud, etl_file *f),
                  void *ud, char *err, size_t err_len);

/* ---- UTF-16LE -> UTF-8 (etl_logfile.c) ---- */
/* Converts up to the first NUL or in_len bytes; returns the bytes of input
 * consumed including the NUL (0 when none fits). Output is always NUL-terminated. */
size_t etl_utf16z_to_utf8(const uint8_t *in, size_t in_len, char *out, size_t out_len);

#endif
