/* SPDX-License-Identifier: MIT
 * Minimal zip reader for .etl members of .zip archives (how PerfView ships
 * traces): end-of-central-directory search, central directory (with ZIP64
 * sizes), local header skip, and a forward-only inflate cursor (zlib, raw
 * deflate) that restarts for backward seeks. All lengths are checked against
 * the archive size before use. File I/O through plat_file_* only. */
#include "etl/etl_int.h"
#include "platform/platform.h"

#include <stdlib.h>
#include <string.h>
#ifdef E2K_HAVE_ZLIB
#include <zlib.h>
#endif

bool etl_zip_name_eq(const char *a, const char *b) {
  for (;; a++, b++) {
    char x = *a == '\\' ? '/' : *a, y = *b == '\\' ? '/' : *b;
    if (x != y) return false;
    if (!x) return true;
  }
}

static int etl_zip_read(plat_file *f, uint64_t off, uint8_t *buf, size_t len) {
  size_t got = 0;
  if (plat_file_read_at(f, off, buf, len, &got) != 0 || got != len) return -1;
  return 0;
}

void etl_zip_free(etl_zip_entry *entries, size_t count) {
  if (!entries) return;
  for (size_t i = 0; i < count; i++) free(entries[i].name);
  free(entries);
}

int etl_zip_list(plat_file *f, uint64_t file_size, etl_zip_entry **entries, size_t *count,
                 const char **why) {
  *entries = NULL;
  *count = 0;
  /* EOCD: 22 bytes + comment (<= 65535) at the end of the file. */
  size_t tail_len = file_size < 65557 ? (size_t)file_size : 65557;
  if (tail_len < 22) { *why = "not a zip archive (too short)"; return -1; }
  uint8_t *tail = malloc(tail_len);
  if (!tail) { *why = "out of memory"; return -1; }
  if (etl_zip_read(f, file_size - tail_len, tail, tail_len) != 0) {
    free(tail);
    *why = "read error";
    return -1;
  }
  size_t eocd = SIZE_MAX;
  for (size_t i = tail_len - 22 + 1; i-- > 0;) {
    if (etl_le32(tail + i) == 0x06054b50u) { eocd = i; break; }
  }
  if (eocd == SIZE_MAX) {
    free(tail);
    *why = "not a zip archive (no end-of-central-directory record)";
    return -1;
  }
  uint64_t n = etl_le16(tail + eocd + 10);
  uint64_t cd_size = etl_le32(tail + eocd + 12);
  uint64_t cd_off = etl_le32(tail + eocd + 16);
  uint64_t eocd_abs = file_size - tail_len + eocd;
  /* ZIP64 locator sits right before the EOCD. */
  if ((n == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) && eocd >= 20 &&
      etl_le32(tail + eocd - 20) == 0x07064b50u) {
    uint64_t z64 = etl_le64(tail + eocd - 20 + 8);
    uint8_t rec[56];
    if (z64 + 56 <= file_size && etl_zip_read(f, z64, rec, 56) == 0 && etl_le32(rec) == 0x06064b50u) {
      n = etl_le64(rec + 32);
      cd_size = etl_le64(rec + 40);
      cd_off = etl_le64(rec + 48);
    }
  }
  free(tail);
  if (cd_off > eocd_abs || cd_size > eocd_abs - cd_off || cd_size > (64u << 20) || n > cd_size / 46) {
    *why = "corrupt zip central directory";
    return -1;
  }
  uint8_t *cd = malloc(cd_size ? (size_t)cd_size : 1);
  etl_zip_entry *es = calloc(n ? (size_t)n : 1, sizeof *es);
  if (!cd || !es) {
    free(cd);
    free(es);
    *why = "out of memory";
    return -1;
  }
  if (etl_zip_read(f, cd_off, cd, (size_t)cd_size) != 0) {
    free(cd);
    free(es);
    *why = "read error in zip central directory";
    return -1;
  }
  size_t pos = 0, k = 0;
  for (; k < n; k++) {
    if (cd_size - pos < 46 || etl_le32(cd + pos) != 0x02014b50u) break;
    const uint8_t *h = cd + pos;
    uint32_t name_len = etl_le16(h + 28), extra_len = etl_le16(h + 30), comment_len = etl_le16(h + 32);
    if (cd_size - pos - 46 < (uint64_t)name_len + extra_len + comment_len) break;
    etl_zip_entry *e = &es[k];
    e->method = etl_le16(h + 10);
    e->comp_size = etl_le32(h + 20);
    e->size = etl_le32(h + 24);
    e->local_offset = etl_le32(h + 42);
    const uint8_t *x = h + 46 + name_len, *xend = x + extra_len;
    while (xend - x >= 4) { /* ZIP64 extended information: only the fields that are 0xFFFFFFFF */
      uint32_t id = etl_le16(x), len = etl_le16(x + 2);
      if ((uint32_t)(xend - x - 4) < len) break;
      if (id == 0x0001) {
        const uint8_t *v = x + 4, *vend = v + len;
        if (e->size == 0xFFFFFFFFu && vend - v >= 8) { e->size = etl_le64(v); v += 8; }
        if (e->comp_size == 0xFFFFFFFFu && vend - v >= 8) { e->comp_size = etl_le64(v); v += 8; }
        if (e->local_offset == 0xFFFFFFFFu && vend - v >= 8) { e->local_offset = etl_le64(v); }
      }
      x += 4 + len;
    }
    e->name = malloc(name_len + 1u);
    if (!e->name) break;
    memcpy(e->name, h + 46, name_len);
    e->name[name_len] = 0;
    pos += 46u + name_len + extra_len + comment_len;
  }
  free(cd);
  if (k < n) {
    etl_zip_free(es, k);
    *why = "corrupt zip central directory entry";
    return -1;
  }
  *entries = es;
  *count = (size_t)n;
  return 0;
}

int etl_zip_data_offset(plat_file *f, const etl_zip_entry *e, uint64_t *data_offset, const char **why) {
  uint8_t h[30];
  if (etl_zip_read(f, e->local_offset, h, 30) != 0 || etl_le32(h) != 0x04034b50u) {
    *why = "corrupt zip local header";
    return -1;
  }
  *data_offset = e->local_offset + 30u + etl_le16(h + 26) + etl_le16(h + 28);
  return 0;
}

#ifdef E2K_HAVE_ZLIB
#define ETL_INFLATE_IN 65536u

struct etl_inflate {
  plat_file *f;
  uint64_t data_offset, comp_size, size;
  uint64_t in_pos;  /* compressed bytes fed so far */
  uint64_t out_pos; /* logical offset of the next byte inflate produces */
  bool ended;
  z_stream zs;
  uint8_t in[ETL_INFLATE_IN];
  uint8_t skip[ETL_INFLATE_IN]; /* discarded output of forward seeks */
};

int etl_inflate_new(etl_inflate **out, plat_file *f, uint64_t data_offset, uint64_t comp_size,
                    uint64_t size) {
  etl_inflate *z = calloc(1, sizeof *z);
  if (!z) return -1;
  z->f = f;
  z->data_offset = data_offset;
  z->comp_size = comp_size;
  z->size = size;
  if (inflateInit2(&z->zs, -15) != Z_OK) {
    free(z);
    return -1;
  }
  *out = z;
  return 0;
}

void etl_inflate_free(etl_inflate *z) {
  if (!z) return;
  inflateEnd(&z->zs);
  free(z);
}

/* Inflates up to len bytes into dst (dst may be NULL to discard into a scratch). */
static int etl_inflate_pump(etl_inflate *z, uint8_t *dst, size_t len, size_t *got, const char **why) {
  *got = 0;
  while (*got < len && !z->ended) {
    if (z->zs.avail_in == 0) {
      uint64_t left = z->comp_size - z->in_pos;
      size_t want = left < ETL_INFLATE_IN ? (size_t)left : ETL_INFLATE_IN;
      size_t rd = 0;
      if (want && plat_file_read_at(z->f, z->data_offset + z->in_pos, z->in, want, &rd) != 0) {
        *why = "read error in zip member";
        return -1;
      }
      if (rd == 0) { *why = "zip member is truncated"; return -1; }
      z->in_pos += rd;
      z->zs.next_in = z->in;
      z->zs.avail_in = (uInt)rd;
    }
    size_t room = len - *got;
    if (!dst && room > sizeof z->skip) room = sizeof z->skip;
    if (room > (1u << 30)) room = 1u << 30;
    z->zs.next_out = dst ? dst + *got : z->skip;
    z->zs.avail_out = (uInt)room;
    int rc = inflate(&z->zs, Z_NO_FLUSH);
    size_t made = room - z->zs.avail_out;
    *got += made;
    z->out_pos += made;
    if (rc == Z_STREAM_END) z->ended = true;
    else if (rc != Z_OK && rc != Z_BUF_ERROR) { *why = "deflate data error in zip member"; return -1; }
    else if (rc == Z_BUF_ERROR && made == 0 && z->zs.avail_in != 0) { *why = "deflate stalled"; return -1; }
  }
  return 0;
}

int etl_inflate_read(etl_inflate *z, uint64_t off, uint8_t *buf, size_t len, size_t *got,
                     const char **why) {
  *got = 0;
  if (off < z->out_pos) { /* backward: restart from the beginning */
    inflateReset(&z->zs);
    z->zs.avail_in = 0;
    z->in_pos = z->out_pos = 0;
    z->ended = false;
  }
  while (z->out_pos < off) {
    uint64_t skip = off - z->out_pos;
    size_t n;
    if (etl_inflate_pump(z, NULL, skip > ETL_INFLATE_IN ? ETL_INFLATE_IN : (size_t)skip, &n, why) != 0) return -1;
    if (n == 0) return 0; /* off is past the end */
  }
  return etl_inflate_pump(z, buf, len, got, why);
}
#else
struct etl_inflate { int unused; };
int etl_inflate_new(etl_inflate **out, plat_file *f, uint64_t data_offset, uint64_t comp_size,
                    uint64_t size) {
  (void)out; (void)f; (void)data_offset; (void)comp_size; (void)size;
  return -1;
}
int etl_inflate_read(etl_inflate *z, uint64_t off, uint8_t *buf, size_t len, size_t *got,
                     const char **why) {
  (void)z; (void)off; (void)buf; (void)len; *got = 0;
  *why = "deflated zip members need zlib";
  return -1;
}
void etl_inflate_free(etl_inflate *z) { (void)z; }
#endif
