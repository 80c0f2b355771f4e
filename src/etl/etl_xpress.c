/* SPDX-License-Identifier: MIT
 * MS-XCA decompressors written from the specification ([MS-XCA] 2.4 Plain
 * LZ77 and 2.2 LZ77+Huffman): the payload codecs of compressed ETL buffers
 * (etl-format.md section 5). Pure functions over caller-owned memory: never
 * allocate, never read or write outside in[0..in_len) / out[0..out_len). */
#include "etl/etl_int.h"

#include <string.h>

/* Copies a match. Overlapping copies (dist < len) are how LZ77 encodes runs
 * and must replicate the period: distances of 8 or more move 8 bytes at a
 * time (a fixed-size memcpy is one load/store), distance 1 is a memset, other
 * short periods copy a doubling prefix. The caller has checked dist <= pos
 * and len <= room. */
static inline void etl_xca_copy(uint8_t *out, size_t pos, size_t dist, size_t len) {
  uint8_t *d = out + pos;
  const uint8_t *s = d - dist;
  if (dist >= 8 && len >= 8) {
    size_t i = 0;
    for (; i + 8 <= len; i += 8) memcpy(d + i, s + i, 8);
    /* Tail: one more 8-byte copy ending at len; its source bytes are final
     * because they lie at least 8 bytes before their destination. */
    if (i < len) memcpy(d + len - 8, s + len - 8, 8);
    return;
  }
  if (dist == 1) { /* a run of one byte value */
    memset(d, *s, len);
    return;
  }
  if (len >= 16) { /* short period: copy the growing non-overlapping prefix */
    while (len > 0) {
      size_t c = (size_t)(d - s) < len ? (size_t)(d - s) : len;
      memcpy(d, s, c);
      d += c;
      len -= c;
    }
    return;
  }
  for (size_t i = 0; i < len; i++) d[i] = s[i];
}

/* Number of leading zero bits of a non-zero 32-bit value. */
static inline int etl_clz32(uint32_t v) {
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_clz(v);
#else
  int n = 0;
  while (!(v & 0x80000000u)) { v <<= 1; n++; }
  return n;
#endif
}

int etl_xpress_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                          size_t *produced, const char **why) {
  size_t ip = 0, op = 0, half_pos = 0;
  bool have_half = false;
  uint32_t flags = 0;
  int flag_count = 0;
  *produced = 0;
  for (;;) {
    if (flag_count == 0) {
      if (in_len - ip < 4) break; /* no more flags: the stream ended */
      flags = etl_le32(in + ip);
      ip += 4;
      flag_count = 32;
    }
    /* A run of literals: as many 0 flags as lead the unread bits. */
    uint32_t rest = flag_count == 32 ? flags : flags & ((UINT32_C(1) << flag_count) - 1);
    int run = rest ? flag_count - (32 - etl_clz32(rest)) : flag_count;
    if (run > 0) {
      size_t n = (size_t)run;
      if (n > in_len - ip) n = in_len - ip; /* input ends inside the run: done after it */
      if (n > out_len - op) { *why = "literal past the end of the output"; return -1; }
      memcpy(out + op, in + ip, n);
      op += n;
      ip += n;
      flag_count -= (int)n;
      if (ip >= in_len) break;
      if (flag_count == 0) continue; /* otherwise the next flag is a match */
    }
    flag_count--;
    if (ip == in_len) break; /* the end marker: a match flag with no input left */
    if (in_len - ip < 2) { *why = "truncated match"; return -1; }
    uint32_t sym = etl_le16(in + ip);
    ip += 2;
    size_t len = sym & 7u;
    size_t dist = (sym >> 3) + 1u;
    if (len == 7) {
      if (!have_half) {
        if (ip >= in_len) { *why = "truncated match length"; return -1; }
        len = in[ip] & 15u;
        half_pos = ip++;
        have_half = true;
      } else {
        len = in[half_pos] >> 4;
        have_half = false;
      }
      if (len == 15) {
        if (ip >= in_len) { *why = "truncated match length"; return -1; }
        len = in[ip++];
        if (len == 255) {
          if (in_len - ip < 2) { *why = "truncated match length"; return -1; }
          len = etl_le16(in + ip);
          ip += 2;
          if (len == 0) {
            if (in_len - ip < 4) { *why = "truncated match length"; return -1; }
            len = etl_le32(in + ip);
            ip += 4;
          }
          if (len < 15 + 7) { *why = "invalid match length"; return -1; }
          len -= 15 + 7;
        }
        len += 15;
      }
      len += 7;
    }
    len += 3;
    if (dist > op) { *why = "match distance before the start of the output"; return -1; }
    if (len > out_len - op) { *why = "match past the end of the output"; return -1; }
    etl_xca_copy(out, op, dist, len);
    op += len;
  }
  *produced = op;
  if (op != out_len) { *why = "decompressed size differs from the buffer header"; return -1; }
  return 0;
}

/* ---- LZ77+Huffman ---- */

#define ETL_HUFF_SYMS 512
#define ETL_HUFF_BITS 15

/* Builds the 2^15-entry canonical decoding table from 256 bytes of 4-bit
 * lengths. Unused entries stay 0xFFFF (an incomplete code hit is corrupt). */
static int etl_huff_table(const uint8_t *lens_packed, uint8_t *lens, uint16_t *table) {
  for (int i = 0; i < ETL_HUFF_SYMS; i++)
    lens[i] = (uint8_t)((i & 1) ? (lens_packed[i >> 1] >> 4) : (lens_packed[i >> 1] & 15));
  memset(table, 0xFF, sizeof(uint16_t) << ETL_HUFF_BITS);
  uint32_t code = 0; /* next code, left-aligned to 15 bits */
  for (int bits = 1; bits <= ETL_HUFF_BITS; bits++) {
    for (int s = 0; s < ETL_HUFF_SYMS; s++) {
      if (lens[s] != bits) continue;
      uint32_t span = UINT32_C(1) << (ETL_HUFF_BITS - bits);
      if (code + span > (UINT32_C(1) << ETL_HUFF_BITS)) return -1; /* over-subscribed */
      for (uint32_t k = 0; k < span; k++) table[code + k] = (uint16_t)s;
      code += span;
    }
  }
  return code == 0 ? -1 : 0;
}

int etl_xpress_huff_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                               size_t *produced, const char **why) {
  static const size_t block = 65536;
  uint8_t lens[ETL_HUFF_SYMS];
  uint16_t table[1u << ETL_HUFF_BITS];
  size_t ip = 0, op = 0;
  *produced = 0;
  while (op < out_len) {
    if (in_len - ip < 256 + 4) { *why = "truncated Huffman block"; *produced = op; return -1; }
    if (etl_huff_table(in + ip, lens, table) != 0) {
      *why = "invalid Huffman code lengths";
      *produced = op;
      return -1;
    }
    ip += 256;
    uint32_t bits = ((uint32_t)etl_le16(in + ip) << 16) | etl_le16(in + ip + 2);
    ip += 4;
    int extra = 16;
    size_t block_end = op + (out_len - op < block ? out_len - op : block);
    while (op < block_end) {
      uint16_t sym = table[bits >> (32 - ETL_HUFF_BITS)];
      if (sym == 0xFFFF) { *why = "invalid Huffman code"; *produced = op; return -1; }
      int n = lens[sym];
      bits <<= n;
      extra -= n;
      if (extra < 0) {
        /* Past the end the stream reads as zeros; a real stream never needs them. */
        uint32_t w = in_len - ip >= 2 ? etl_le16(in + ip) : 0;
        bits |= w << (-extra);
        extra += 16;
        ip += 2;
      }
      if (sym < 256) {
        out[op++] = (uint8_t)sym;
        continue;
      }
      sym -= 256;
      size_t len = sym & 15u;
      int dbits = sym >> 4;
      if (len == 15) {
        if (ip >= in_len) { *why = "truncated match length"; *produced = op; return -1; }
        len = in[ip++];
        if (len == 255) {
          if (in_len - ip < 2) { *why = "truncated match length"; *produced = op; return -1; }
          len = etl_le16(in + ip);
          ip += 2;
          if (len < 15) { *why = "invalid match length"; *produced = op; return -1; }
          len -= 15;
        }
        len += 15;
      }
      len += 3;
      size_t dist = dbits ? (size_t)(bits >> (32 - dbits)) : 0;
      dist += (size_t)1 << dbits;
      bits = dbits ? bits << dbits : bits;
      extra -= dbits;
      if (extra < 0) {
        uint32_t w = in_len - ip >= 2 ? etl_le16(in + ip) : 0;
        bits |= w << (-extra);
        extra += 16;
        ip += 2;
      }
      if (dist > op) { *why = "match distance before the start of the output"; *produced = op; return -1; }
      if (len > out_len - op) { *why = "match past the end of the output"; *produced = op; return -1; }
      etl_xca_copy(out, op, dist, len);
      op += len;
    }
    if (ip > in_len) ip = in_len;
  }
  *produced = op;
  return 0;
}
