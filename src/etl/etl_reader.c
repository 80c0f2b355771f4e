/* SPDX-License-Identifier: MIT
 * The ETL reader: opens the files of its input specs (etl_spec.c), then
 * delivers every record of every file in time order with bounded memory. Per file, buffers are grouped per processor and ordered by
 * SequenceNumber; each group is a stream holding one decompressed buffer whose
 * records are sorted by time (a one-buffer reorder window); a binary heap
 * merges the streams. Streams load lazily and free their buffer when done. */
#include "etl/etl_int.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct etl_recpos {
  int64_t ticks;
  uint32_t pos;
  uint32_t seq; /* order in the buffer: keeps equal times stable */
} etl_recpos;

typedef struct etl_stream {
  etl_file *file;
  const etl_bufref *bufs; /* this stream's buffers, in delivery order */
  size_t buf_count, buf_next;
  const etl_bufref *cur;  /* buffer whose records are being delivered */
  etl_inflate *z;
  uint8_t *buf;
  uint32_t buf_cap, data_len;
  etl_recpos *recs;
  uint32_t rec_cap, rec_count, rec_next;
  int64_t key;            /* heap key: ticks of the next record */
  int64_t last_ticks;     /* for records without a timestamp (some WPP) */
  uint32_t walk_pos;      /* file order: next record in buf, 0 = load the next buffer */
  uint32_t id;
  bool loaded, acquired;
} etl_stream;

/* Heap entry: the key is copied in so sifting never touches the streams. */
typedef struct etl_heap_ent {
  int64_t key;
  uint32_t id;
  etl_stream *s;
} etl_heap_ent;

struct etl_reader {
  etl_reader_options opt;
  etl_warner warner;
  etl_file **files;
  size_t file_count, file_cap;
  etl_stream *streams;
  size_t stream_count;
  etl_heap_ent *heap;
  size_t heap_len;
  bool have_current;      /* heap[0] delivered a record that is not yet consumed */
  size_t fo_stream;       /* file order: the stream being read (streams go one after another) */
  uint8_t *scratch;       /* compressed bytes of the buffer being decompressed */
  size_t scratch_cap;
  etl_event ev;
  etl_stats stats;
  char error[512];
};

/* ---- heap of streams, ordered by (key, id) ---- */

static inline bool etl_heap_less(const etl_heap_ent *a, const etl_heap_ent *b) {
  return a->key < b->key || (a->key == b->key && a->id < b->id);
}

static void etl_heap_down(etl_reader *r, size_t i) {
  etl_heap_ent *h = r->heap;
  size_t n = r->heap_len;
  etl_heap_ent e = h[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && etl_heap_less(&h[c + 1], &h[c])) c++;
    if (!etl_heap_less(&h[c], &e)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = e;
}

static void etl_heap_pop(etl_reader *r) {
  r->heap[0] = r->heap[--r->heap_len];
  if (r->heap_len) etl_heap_down(r, 0);
}

/* ---- streams ---- */

static void etl_stream_release(etl_stream *s) {
  free(s->buf);
  free(s->recs);
  s->buf = NULL;
  s->recs = NULL;
  s->buf_cap = s->rec_cap = 0;
  etl_inflate_free(s->z);
  s->z = NULL;
  if (s->acquired) etl_file_release(s->file);
  s->acquired = false;
}

static int etl_grow(uint8_t **p, uint32_t *cap, uint32_t need) {
  if (*cap >= need) return 0;
  uint8_t *n = realloc(*p, need);
  if (!n) return -1;
  *p = n;
  *cap = need;
  return 0;
}

static int etl_recpos_cmp(const void *a, const void *b) {
  const etl_recpos *x = a, *y = b;
  if (x->ticks != y->ticks) return x->ticks < y->ticks ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Reads + decompresses one buffer into s->buf and lists its records.
 * Returns 0 (possibly with no records), -1 on a fatal I/O error. A corrupt
 * buffer is counted, warned about and yields no records. */
static int etl_stream_load(etl_reader *r, etl_stream *s, const etl_bufref *b) {
  etl_file *f = s->file;
  size_t got;
  const char *why = "";
  s->rec_count = s->rec_next = 0;
  s->data_len = 0;
  s->cur = b;
  if (!s->acquired) {
    if (etl_file_acquire(f) != 0) {
      snprintf(r->error, sizeof r->error, "%s: cannot open: %s", f->name, plat_last_error());
      return -1;
    }
    s->acquired = true;
  }
  if (r->scratch_cap < b->size) {
    uint8_t *n = realloc(r->scratch, b->size);
    if (!n) goto nomem;
    r->scratch = n;
    r->scratch_cap = b->size;
  }
  int rc = etl_file_read(f, &s->z, b->offset, r->scratch, b->size, &got, &why);
  if (rc == -1) {
    snprintf(r->error, sizeof r->error, "%s: read error at offset 0x%llx: %s", f->name,
             (unsigned long long)b->offset, why);
    return -1;
  }
  r->stats.bytes_read += b->size;
  etl_bufhdr h;
  char hwhy[160];
  if (rc != 0 || got != b->size) {
    snprintf(hwhy, sizeof hwhy, "%s", rc != 0 ? why : "short read");
    goto corrupt;
  }
  etl_bufhdr_decode(r->scratch, &h);
  if (!etl_bufhdr_check(&h, b->size, hwhy, sizeof hwhy)) goto corrupt;
  uint32_t used = h.offset < ETL_BUFHDR_LEN ? ETL_BUFHDR_LEN : h.offset;
  if (h.flags & ETL_BUFFLAG_COMPRESSED) {
    /* A buffer never holds more than the session's buffer size: this bounds
     * the allocation a hostile header can ask for. */
    if (f->info.buffer_size >= ETL_BUFHDR_LEN && used > f->info.buffer_size && used > b->size) {
      snprintf(hwhy, sizeof hwhy, "uncompressed size %u exceeds the session buffer size %u", used,
               f->info.buffer_size);
      goto corrupt;
    }
    if (etl_grow(&s->buf, &s->buf_cap, used) != 0) goto nomem;
    memcpy(s->buf, r->scratch, ETL_BUFHDR_LEN);
    size_t produced;
    const char *xwhy = "";
    int xr = f->xca_format == ETL_XCA_LZ77_HUFFMAN
                 ? etl_xpress_huff_decompress(r->scratch + ETL_BUFHDR_LEN, b->size - ETL_BUFHDR_LEN,
                                              s->buf + ETL_BUFHDR_LEN, used - ETL_BUFHDR_LEN, &produced, &xwhy)
                 : etl_xpress_decompress(r->scratch + ETL_BUFHDR_LEN, b->size - ETL_BUFHDR_LEN,
                                         s->buf + ETL_BUFHDR_LEN, used - ETL_BUFHDR_LEN, &produced, &xwhy);
    if (xr != 0) {
      snprintf(hwhy, sizeof hwhy, "decompression failed: %s", xwhy);
      goto corrupt;
    }
  } else {
    /* Swap buffers instead of copying: scratch becomes this stream's buffer. */
    uint8_t *t = s->buf;
    uint32_t tc = s->buf_cap;
    s->buf = r->scratch;
    s->buf_cap = (uint32_t)r->scratch_cap;
    r->scratch = t;
    r->scratch_cap = tc;
  }
  s->data_len = used;
  if (r->opt.file_order) return 0; /* file order walks the buffer in place (etl_next_file_order) */
  /* List records with their times. */
  uint32_t pos = ETL_BUFHDR_LEN;
  bool sorted = true;
  int64_t prev = INT64_MIN;
  while (pos < used) {
    uint32_t len;
    int64_t raw;
    bool has_ts;
    const char *rwhy = "";
    int pr = etl_record_peek(s->buf, used, pos, &len, &raw, &has_ts, &rwhy);
    if (pr == ETL_REC_END) break;
    if (pr == ETL_REC_BAD) {
      r->stats.records_corrupt++;
      etl_file_warn(f, &r->warner, "buffer %u at offset 0x%llx: record at +0x%x: %s; rest of the buffer skipped",
                    b->index, (unsigned long long)b->offset, pos, rwhy);
      break;
    }
    if (pr == ETL_REC_SKIP) {
      r->stats.records_skipped++;
    } else {
      if (s->rec_count == s->rec_cap) {
        uint32_t ncap = s->rec_cap ? s->rec_cap * 2 : 256;
        etl_recpos *nr = realloc(s->recs, (size_t)ncap * sizeof *nr);
        if (!nr) goto nomem;
        s->recs = nr;
        s->rec_cap = ncap;
      }
      int64_t t = has_ts ? etl_clock_ticks(&f->clock, raw) : s->last_ticks;
      s->last_ticks = t;
      if (t < prev) sorted = false;
      prev = t;
      etl_recpos *rp = &s->recs[s->rec_count];
      rp->ticks = t;
      rp->pos = pos;
      rp->seq = s->rec_count++;
    }
    uint32_t next = (pos + len + 7u) & ~7u;
    if (next <= pos) break;
    pos = next;
  }
  if (!sorted && !r->opt.file_order) qsort(s->recs, s->rec_count, sizeof *s->recs, etl_recpos_cmp);
  return 0;
corrupt:
  r->stats.buffers_corrupt++;
  etl_file_warn(f, &r->warner, "buffer %u at offset 0x%llx: %s; skipped", b->index,
                (unsigned long long)b->offset, hwhy);
  return 0;
nomem:
  snprintf(r->error, sizeof r->error, "%s: out of memory", f->name);
  return -1;
}

/* Loads buffers until one has records. Returns 1 (s->key set), 0 when the
 * stream is exhausted (resources freed), -1 on a fatal error. */
static int etl_stream_advance_buffer(etl_reader *r, etl_stream *s) {
  while (s->buf_next < s->buf_count) {
    if (etl_stream_load(r, s, &s->bufs[s->buf_next++]) != 0) return -1;
    if (s->rec_count > 0) {
      s->key = r->opt.file_order ? 0 : s->recs[0].ticks;
      return 1;
    }
  }
  etl_stream_release(s);
  return 0;
}

/* ---- open ---- */

static int etl_add_file(void *ud, etl_file *f) {
  etl_reader *r = ud;
  if (r->file_count == r->file_cap) {
    size_t ncap = r->file_cap ? r->file_cap * 2 : 8;
    etl_file **nf = realloc(r->files, ncap * sizeof *nf);
    if (!nf) return -1;
    r->files = nf;
    r->file_cap = ncap;
  }
  r->files[r->file_count++] = f;
  return 0;
}

static int etl_bufref_cmp(const void *a, const void *b) {
  const etl_bufref *x = a, *y = b;
  if (x->processor != y->processor) return x->processor < y->processor ? -1 : 1;
  if (x->sequence != y->sequence) return x->sequence < y->sequence ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Streams: one per file (file order) or one per (file, processor). */
static int etl_build_streams(etl_reader *r) {
  size_t total = 0;
  for (size_t i = 0; i < r->file_count; i++) {
    etl_file *f = r->files[i];
    if (!r->opt.file_order && f->buf_count > 1) qsort(f->bufs, f->buf_count, sizeof *f->bufs, etl_bufref_cmp);
    if (r->opt.file_order) { total += 1; continue; }
    for (size_t k = 0; k < f->buf_count; k++)
      if (k == 0 || f->bufs[k].processor != f->bufs[k - 1].processor) total++;
  }
  r->streams = calloc(total ? total : 1, sizeof *r->streams);
  r->heap = calloc(total ? total : 1, sizeof *r->heap);
  if (!r->streams || !r->heap) return -1;
  size_t n = 0;
  for (size_t i = 0; i < r->file_count; i++) {
    etl_file *f = r->files[i];
    size_t k = 0;
    while (k < f->buf_count) {
      size_t end = k + 1;
      if (r->opt.file_order) end = f->buf_count;
      else while (end < f->buf_count && f->bufs[end].processor == f->bufs[k].processor) end++;
      etl_stream *s = &r->streams[n];
      s->file = f;
      s->bufs = f->bufs + k;
      s->buf_count = end - k;
      s->id = (uint32_t)n;
      /* Until loaded, a stream waits at its file's start time. */
      s->key = r->opt.file_order ? 0 : f->clock.start_ticks;
      s->last_ticks = f->clock.start_ticks;
      r->heap[n].key = s->key;
      r->heap[n].id = s->id;
      r->heap[n].s = s;
      n++;
      k = end;
    }
  }
  r->stream_count = n;
  r->heap_len = n;
  for (size_t i = n / 2; i-- > 0;) etl_heap_down(r, i);
  return 0;
}

static int etl_reader_new(etl_reader **out, const etl_reader_options *opt) {
  etl_reader *r = calloc(1, sizeof *r);
  if (!r) return ETL_E_NOMEM;
  if (opt) r->opt = *opt;
  r->warner.fn = r->opt.warn;
  r->warner.ud = r->opt.warn_ud;
  *out = r;
  return 0;
}

int etl_reader_open(etl_reader **out, const char *const *specs, size_t spec_count,
                    const etl_reader_options *opt, char *err, size_t err_len) {
  *out = NULL;
  if (err_len) err[0] = 0;
  etl_reader *r;
  if (etl_reader_new(&r, opt) != 0) {
    snprintf(err, err_len, "out of memory");
    return ETL_E_NOMEM;
  }
  if (spec_count == 0) {
    snprintf(err, err_len, "no input file given");
    etl_reader_close(r);
    return ETL_E_ARG;
  }
  for (size_t i = 0; i < spec_count; i++) {
    int rc = etl_spec_open(specs[i], &r->stats, &r->warner, etl_add_file, r, err, err_len);
    if (rc != 0) {
      etl_reader_close(r);
      return rc;
    }
  }
  if (etl_build_streams(r) != 0) {
    snprintf(err, err_len, "out of memory");
    etl_reader_close(r);
    return ETL_E_NOMEM;
  }
  *out = r;
  return 0;
}

int etl_reader_open_memory(etl_reader **out, const uint8_t *data, size_t len, const char *name,
                           const etl_reader_options *opt, char *err, size_t err_len) {
  *out = NULL;
  if (err_len) err[0] = 0;
  etl_reader *r;
  if (etl_reader_new(&r, opt) != 0) {
    snprintf(err, err_len, "out of memory");
    return ETL_E_NOMEM;
  }
  etl_file *f;
  const char *label = name ? name : "(memory)";
  int rc = etl_file_open(&f, label, NULL, ETL_SRC_MEM, 0, len, 0, data, &r->stats, &r->warner, err, err_len);
  if (rc == 0 && etl_add_file(r, f) != 0) {
    etl_file_free(f);
    snprintf(err, err_len, "%s: out of memory", label);
    rc = ETL_E_NOMEM;
  }
  if (rc == 0 && etl_build_streams(r) != 0) {
    snprintf(err, err_len, "out of memory");
    rc = ETL_E_NOMEM;
  }
  if (rc != 0) {
    etl_reader_close(r);
    return rc;
  }
  *out = r;
  return 0;
}

/* ---- next ---- */

/* File order: one stream per file, files one after another, records in
 * buffer order, parsed once in place (no record list, no heap). */
static int etl_next_file_order(etl_reader *r, const etl_event **out) {
  while (r->fo_stream < r->stream_count) {
    etl_stream *s = &r->streams[r->fo_stream];
    etl_file *f = s->file;
    if (s->walk_pos == 0 || s->walk_pos >= s->data_len) {
      if (s->buf_next >= s->buf_count) {
        etl_stream_release(s);
        r->fo_stream++;
        continue;
      }
      if (etl_stream_load(r, s, &s->bufs[s->buf_next++]) != 0) return -1;
      s->walk_pos = ETL_BUFHDR_LEN;
      continue;
    }
    uint32_t pos = s->walk_pos, len;
    const char *why = "";
    etl_event *ev = &r->ev;
    int pr = etl_record_parse(s->buf, s->data_len, pos, f->info.pointer_size, ev, &len, &why);
    if (pr == ETL_REC_END || pr == ETL_REC_BAD) {
      if (pr == ETL_REC_BAD) {
        r->stats.records_corrupt++;
        etl_file_warn(f, &r->warner, "buffer %u at offset 0x%llx: record at +0x%x: %s; rest of the buffer skipped",
                      s->cur->index, (unsigned long long)s->cur->offset, pos, why);
      }
      s->walk_pos = 0;
      continue;
    }
    uint32_t next = (pos + len + 7u) & ~7u;
    s->walk_pos = next > pos ? next : 0;
    if (pr == ETL_REC_SKIP) {
      r->stats.records_skipped++;
      continue;
    }
    if (pr == ETL_REC_CORRUPT) {
      r->stats.records_corrupt++;
      etl_file_warn(f, &r->warner, "buffer %u at offset 0x%llx: record at +0x%x: %s; record skipped",
                    s->cur->index, (unsigned long long)s->cur->offset, pos, why);
      continue;
    }
    bool has_ts = ev->header_kind != ETL_HT_MESSAGE || (ev->event_flags & 0x8);
    int64_t t = has_ts ? etl_clock_ticks(&f->clock, ev->raw_timestamp) : s->last_ticks;
    s->last_ticks = t;
    ev->time_ticks = t;
    ev->processor = s->cur->processor;
    ev->trace = &f->info;
    ev->file_offset = s->cur->offset;
    ev->buffer_offset = pos;
    r->stats.events++;
    *out = ev;
    return 1;
  }
  return 0;
}

int etl_reader_next(etl_reader *r, const etl_event **out) {
  if (r->opt.file_order) return etl_next_file_order(r, out);
  for (;;) {
    if (r->have_current) {
      r->have_current = false;
      etl_stream *s = r->heap[0].s;
      if (++s->rec_next < s->rec_count) {
        if (!r->opt.file_order) {
          int64_t k = s->recs[s->rec_next].ticks;
          r->heap[0].key = k;
          /* Fast path: the same stream usually stays first. */
          size_t n = r->heap_len;
          if (n > 1 && (r->heap[1].key < k || (n > 2 && r->heap[2].key < k) ||
                        (r->heap[1].key == k && r->heap[1].id < r->heap[0].id) ||
                        (n > 2 && r->heap[2].key == k && r->heap[2].id < r->heap[0].id)))
            etl_heap_down(r, 0);
        }
      } else {
        int rc = etl_stream_advance_buffer(r, s);
        if (rc < 0) return -1;
        if (rc == 0) {
          etl_heap_pop(r);
        } else {
          r->heap[0].key = s->key;
          etl_heap_down(r, 0);
        }
      }
    }
    if (r->heap_len == 0) return 0;
    etl_stream *s = r->heap[0].s;
    if (!s->loaded) {
      s->loaded = true;
      int rc = etl_stream_advance_buffer(r, s);
      if (rc < 0) return -1;
      if (rc == 0) {
        etl_heap_pop(r);
      } else {
        r->heap[0].key = s->key;
        etl_heap_down(r, 0);
      }
      continue;
    }
    const etl_recpos *rp = &s->recs[s->rec_next];
#if defined(__GNUC__) || defined(__clang__)
    /* With many streams the next record of this one is read only after the
     * other streams had their turn: fetch it now, it is cold by then. */
    if (s->rec_next + 1 < s->rec_count) __builtin_prefetch(s->buf + rp[1].pos);
#endif
    uint32_t len;
    const char *why = "";
    etl_file *f = s->file;
    r->have_current = true;
    int pr = etl_record_parse(s->buf, s->data_len, rp->pos, f->info.pointer_size, &r->ev, &len, &why);
    if (pr != ETL_REC_OK) {
      r->stats.records_corrupt++;
      etl_file_warn(f, &r->warner, "buffer %u at offset 0x%llx: record at +0x%x: %s; record skipped",
                    s->cur->index, (unsigned long long)s->cur->offset, rp->pos, why);
      continue;
    }
    etl_event *ev = &r->ev;
    ev->time_ticks = rp->ticks;
    ev->processor = s->cur->processor;
    ev->trace = &f->info;
    ev->file_offset = s->cur->offset;
    ev->buffer_offset = rp->pos;
    r->stats.events++;
    *out = ev;
    return 1;
  }
}

const char *etl_reader_error(const etl_reader *r) { return r->error; }
const etl_stats *etl_reader_stats(const etl_reader *r) { return &r->stats; }
size_t etl_reader_trace_count(const etl_reader *r) { return r->file_count; }
const etl_trace_info *etl_reader_trace(const etl_reader *r, size_t idx) {
  return idx < r->file_count ? &r->files[idx]->info : NULL;
}

void etl_reader_close(etl_reader *r) {
  if (!r) return;
  for (size_t i = 0; i < r->stream_count; i++) etl_stream_release(&r->streams[i]);
  for (size_t i = 0; i < r->file_count; i++) etl_file_free(r->files[i]);
  free(r->files);
  free(r->streams);
  free(r->heap);
  free(r->scratch);
  free(r);
}
