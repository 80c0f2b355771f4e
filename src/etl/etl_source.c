/* SPDX-License-Identifier: MIT
 * One input file of the ETL reader: where its bytes come from (a file, a zip
 * member stored or deflated, or memory), validation of buffer 0 and the
 * logfile header, and the buffer-header index built at open (buffers are
 * found by BufferSize steps; after a corrupt header the walk resynchronises
 * on the next plausible header). Owns etl_file; used by etl_reader.c. */
#include "etl/etl_int.h"
#include "platform/platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETL_WARN_CAP 50u

void etl_file_warn(etl_file *f, const etl_warner *w, const char *fmt, ...) {
  if (f->warn_count > ETL_WARN_CAP) return;
  char msg[600];
  int n = snprintf(msg, sizeof msg, "%s: ", f->name);
  if (n < 0) n = 0;
  if (f->warn_count++ == ETL_WARN_CAP) {
    snprintf(msg + n, sizeof msg - (size_t)n, "further warnings for this file suppressed");
  } else {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
  }
  if (w && w->fn) w->fn(w->ud, msg);
  else fprintf(stderr, "warning: %s\n", msg);
}

int etl_file_acquire(etl_file *f) {
  if (f->kind == ETL_SRC_MEM) return 0;
  if (f->fh_refs++ > 0) return 0;
  if (plat_file_open_read(f->disk_path, &f->fh) != 0) {
    f->fh_refs = 0;
    f->fh = NULL;
    return -1;
  }
  return 0;
}

void etl_file_release(etl_file *f) {
  if (f->kind == ETL_SRC_MEM || f->fh_refs <= 0) return;
  if (--f->fh_refs == 0) {
    plat_file_close(f->fh);
    f->fh = NULL;
  }
}

int etl_file_read(etl_file *f, etl_inflate **z, uint64_t off, uint8_t *dst, size_t len, size_t *got,
                  const char **why) {
  *got = 0;
  if (off >= f->size) return 0;
  if (len > f->size - off) len = (size_t)(f->size - off);
  switch (f->kind) {
  case ETL_SRC_MEM:
    memcpy(dst, f->mem + off, len);
    *got = len;
    return 0;
  case ETL_SRC_FILE:
  case ETL_SRC_ZIP_STORED:
    if (plat_file_read_at(f->fh, f->base + off, dst, len, got) != 0) {
      *why = plat_last_error();
      return -1;
    }
    return 0;
  case ETL_SRC_ZIP_DEFLATE:
    if (!*z && etl_inflate_new(z, f->fh, f->base, f->comp_size, f->size) != 0) {
      *why = "cannot start inflating the zip member (zlib missing or out of memory)";
      return -1;
    }
    return etl_inflate_read(*z, off, dst, len, got, why) == 0 ? 0 : -2;
  }
  return -1;
}

void etl_file_free(etl_file *f) {
  if (!f) return;
  while (f->fh_refs > 0) etl_file_release(f);
  free(f->name);
  free(f->disk_path);
  free(f->bufs);
  free(f);
}

static char *etl_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Could a buffer header start at p (with `have` bytes available, `remaining`
 * to EOF)? Stricter than etl_bufhdr_check: used to resynchronise. */
static bool etl_plausible_header(const etl_file *f, const uint8_t *p, size_t have, uint64_t remaining) {
  etl_bufhdr h;
  etl_bufhdr_decode(p, &h);
  if (!etl_bufhdr_check(&h, remaining, NULL, 0)) return false;
  if (h.type > 7 || (h.flags & ~0x7Fu) != 0 || h.offset < ETL_BUFHDR_LEN) return false;
  if (f->info.cpu_count && h.processor >= f->info.cpu_count && h.processor >= 64) return false;
  if (h.flags & ETL_BUFFLAG_COMPRESSED) return h.buffer_size < h.offset + 64;
  if (h.offset >= ETL_BUFHDR_LEN + 8 && have >= ETL_BUFHDR_LEN + 4) {
    uint8_t fl = p[ETL_BUFHDR_LEN + 3];
    if ((fl & 0xC0) != 0xC0 && (fl & 0x90) != 0x90) return false;
  }
  return true;
}

/* A candidate is accepted when it is plausible and so is the buffer it points
 * to (or it ends exactly at EOF): one false positive inside event data is
 * likely over megabytes, two chained ones are not. */
static bool etl_candidate_ok(etl_file *f, etl_inflate **z, uint64_t c) {
  uint8_t hb[ETL_BUFHDR_LEN + 8];
  size_t got;
  const char *why;
  for (int hop = 0; hop < 2; hop++) {
    if (c == f->size && hop == 1) return true;
    if (c + ETL_BUFHDR_LEN > f->size) return false;
    if (etl_file_read(f, z, c, hb, sizeof hb, &got, &why) != 0 || got < ETL_BUFHDR_LEN) return false;
    if (!etl_plausible_header(f, hb, got, f->size - c)) return false;
    c += etl_le32(hb);
  }
  return true;
}

/* Finds the next plausible buffer header after the corrupt one at `bad`; 0 when none. */
static uint64_t etl_resync(etl_file *f, etl_inflate **z, uint64_t bad, uint8_t *chunk, size_t chunk_len) {
  /* Uncompressed, non-relogged files step by the session buffer size. */
  uint64_t guess = bad + f->info.buffer_size;
  if (f->info.buffer_size >= ETL_BUFHDR_LEN && guess < f->size && etl_candidate_ok(f, z, guess)) return guess;
  uint64_t off = bad + 1;
  while (off + ETL_BUFHDR_LEN <= f->size) {
    size_t got;
    const char *why;
    if (etl_file_read(f, z, off, chunk, chunk_len, &got, &why) != 0 || got < ETL_BUFHDR_LEN) return 0;
    size_t last = got - ETL_BUFHDR_LEN;
    for (size_t i = 0; i <= last; i++) {
      if (etl_plausible_header(f, chunk + i, got - i, f->size - off - i) && etl_candidate_ok(f, z, off + i))
        return off + i;
    }
    if (got < chunk_len) return 0;
    off += last + 1;
  }
  return 0;
}

static int etl_index_push(etl_file *f, size_t *cap, const etl_bufhdr *h, uint64_t off, uint32_t idx) {
  if (f->buf_count == *cap) {
    size_t ncap = *cap ? *cap * 2 : 64;
    etl_bufref *nb = realloc(f->bufs, ncap * sizeof *nb);
    if (!nb) return -1;
    f->bufs = nb;
    *cap = ncap;
  }
  etl_bufref *b = &f->bufs[f->buf_count++];
  b->offset = off;
  b->sequence = h->sequence;
  b->size = h->buffer_size;
  b->index = idx;
  b->processor = h->processor;
  return 0;
}

/* Buffer 0: header checks, logfile header, clock. */
static int etl_file_header(etl_file *f, etl_inflate **z, char *err, size_t err_len) {
  uint8_t hb[ETL_BUFHDR_LEN];
  size_t got;
  const char *why = "";
  int rc = etl_file_read(f, z, 0, hb, sizeof hb, &got, &why);
  if (rc == -1) {
    snprintf(err, err_len, "%s: read error: %s", f->name, why);
    return ETL_E_IO;
  }
  etl_bufhdr h;
  char hwhy[160];
  if (rc != 0 || got < ETL_BUFHDR_LEN) {
    snprintf(err, err_len, "%s: not an ETL file (first buffer header invalid at offset 0)", f->name);
    return ETL_E_FORMAT;
  }
  etl_bufhdr_decode(hb, &h);
  if (!etl_bufhdr_check(&h, f->size, hwhy, sizeof hwhy) || (h.flags & ETL_BUFFLAG_COMPRESSED) ||
      h.offset < ETL_BUFHDR_LEN + 0x20) {
    snprintf(err, err_len, "%s: not an ETL file (first buffer header invalid at offset 0)", f->name);
    return ETL_E_FORMAT;
  }
  uint8_t *b0 = malloc(h.offset);
  if (!b0) {
    snprintf(err, err_len, "%s: out of memory", f->name);
    return ETL_E_NOMEM;
  }
  rc = etl_file_read(f, z, 0, b0, h.offset, &got, &why);
  etl_event ev;
  uint32_t rec_len;
  const char *rwhy = "";
  if (rc != 0 || got != h.offset ||
      etl_record_parse(b0, h.offset, ETL_BUFHDR_LEN, 8, &ev, &rec_len, &rwhy) != ETL_REC_OK ||
      ev.header_kind != ETL_HT_SYSTEM || ev.hook_id != 0) {
    free(b0);
    snprintf(err, err_len, "%s: not an ETL file (no logfile header record in buffer 0)", f->name);
    return rc == -1 ? ETL_E_IO : ETL_E_FORMAT;
  }
  f->info.path = f->name;
  if (etl_logfile_parse(&ev, &f->info, &rwhy) != 0) {
    free(b0);
    snprintf(err, err_len, "%s: not an ETL file (%s)", f->name, rwhy);
    return ETL_E_FORMAT;
  }
  etl_clock_init(&f->clock, &f->info, ev.raw_timestamp);
  /* In compressed mode the header buffer's State names the MS-XCA format. */
  f->xca_format = ETL_XCA_LZ77;
  if ((f->info.log_file_mode & 0x04000000u) && (h.state & 0xFFFFu) == ETL_XCA_LZ77_HUFFMAN)
    f->xca_format = ETL_XCA_LZ77_HUFFMAN;
  free(b0);
  return 0;
}

int etl_file_open(etl_file **out, const char *name, const char *disk_path, etl_src_kind kind,
                  uint64_t base, uint64_t size, uint64_t comp_size, const uint8_t *mem,
                  etl_stats *stats, const etl_warner *w, char *err, size_t err_len) {
  *out = NULL;
  etl_file *f = calloc(1, sizeof *f);
  if (!f || !(f->name = etl_strdup(name)) || !(f->disk_path = etl_strdup(disk_path ? disk_path : name))) {
    etl_file_free(f);
    snprintf(err, err_len, "%s: out of memory", name);
    return ETL_E_NOMEM;
  }
  f->kind = kind;
  f->base = base;
  f->size = size;
  f->comp_size = comp_size;
  f->mem = mem;
  if (size == 0) {
    snprintf(err, err_len, "%s: empty file (0 bytes)", name);
    etl_file_free(f);
    return ETL_E_FORMAT;
  }
  if (etl_file_acquire(f) != 0) {
    snprintf(err, err_len, "%s: cannot open: %s", name, plat_last_error());
    etl_file_free(f);
    return ETL_E_IO;
  }
  etl_inflate *z = NULL;
  int rc = etl_file_header(f, &z, err, err_len);
  size_t cap = 0, chunk_len = 1u << 16;
  uint8_t *chunk = rc == 0 ? malloc(chunk_len) : NULL;
  if (rc == 0 && !chunk) {
    snprintf(err, err_len, "%s: out of memory", name);
    rc = ETL_E_NOMEM;
  }
  uint64_t off = 0, corrupt0 = stats->buffers_corrupt;
  uint32_t idx = 0;
  while (rc == 0 && off < f->size) {
    uint8_t hb[ETL_BUFHDR_LEN];
    size_t got;
    const char *why = "";
    int rr = etl_file_read(f, &z, off, hb, sizeof hb, &got, &why);
    if (rr == -1) {
      snprintf(err, err_len, "%s: read error at offset 0x%llx: %s", name, (unsigned long long)off, why);
      rc = ETL_E_IO;
      break;
    }
    if (rr != 0 || got < ETL_BUFHDR_LEN) {
      stats->buffers_corrupt++;
      etl_file_warn(f, w, "buffer %u at offset 0x%llx: %s; skipped", idx, (unsigned long long)off,
                    rr != 0 ? why : "truncated buffer header at the end of the file");
      break;
    }
    etl_bufhdr h;
    char hwhy[160];
    etl_bufhdr_decode(hb, &h);
    bool ok = etl_bufhdr_check(&h, f->size - off, hwhy, sizeof hwhy);
    /* Each processor is a stream with its own buffer in time order: a bogus
     * processor number must not multiply the memory a file needs. */
    if (ok && f->info.cpu_count && h.processor >= f->info.cpu_count && h.processor >= 64) {
      snprintf(hwhy, sizeof hwhy, "ProcessorNumber %u is not below NumberOfProcessors %u", h.processor,
               f->info.cpu_count);
      ok = false;
    }
    if (!ok) {
      stats->buffers_corrupt++;
      etl_file_warn(f, w, "buffer %u at offset 0x%llx: %s; skipped", idx, (unsigned long long)off, hwhy);
      uint64_t next = etl_resync(f, &z, off, chunk, chunk_len);
      if (next == 0) break;
      off = next;
      idx++;
      continue;
    }
    if (etl_index_push(f, &cap, &h, off, idx) != 0) {
      snprintf(err, err_len, "%s: out of memory", name);
      rc = ETL_E_NOMEM;
      break;
    }
    stats->buffers++;
    if (h.flags & ETL_BUFFLAG_COMPRESSED) stats->buffers_compressed++;
    off += h.buffer_size;
    idx++;
  }
  free(chunk);
  etl_inflate_free(z);
  if (rc == 0 && f->info.buffers_written && f->buf_count + (stats->buffers_corrupt - corrupt0) < f->info.buffers_written &&
      !(f->info.log_file_mode & 0x2u) /* circular files wrap */)
    etl_file_warn(f, w, "%zu buffers found, the logfile header says %u were written (truncated file?)",
                  f->buf_count, f->info.buffers_written);
  etl_file_release(f);
  if (rc != 0) {
    etl_file_free(f);
    return rc;
  }
  stats->files++;
  stats->bytes_total += size;
  stats->events_lost_reported += f->info.events_lost;
  *out = f;
  return 0;
}
