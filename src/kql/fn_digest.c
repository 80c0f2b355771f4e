/* SPDX-License-Identifier: MIT
 * Portable digests for the hash functions, written from the specifications
 * (no library): MD5 (RFC 1321), SHA-1 and SHA-256 (FIPS 180-4), and
 * XXH64 (xxHash specification, seed 0 unless given). Byte-order independent:
 * words are assembled from bytes explicitly. Owner: kqllib. */
#include "kql/fn_digest.h"

#include <string.h>

static uint32_t kql_rol32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static uint32_t kql_ror32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static uint64_t kql_rol64(uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

static uint32_t kql_le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t kql_le64(const unsigned char *p) { return (uint64_t)kql_le32(p) | (uint64_t)kql_le32(p + 4) << 32; }
static uint32_t kql_be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Feeds `len` bytes plus Merkle-Damgard padding (length in bits, LE or BE)
 * through a 64-byte block function. */
static void kql_md_blocks(const unsigned char *data, size_t len, bool be_len, void *state,
                          void (*block)(void *state, const unsigned char *b)) {
  size_t full = len / 64 * 64;
  for (size_t i = 0; i < full; i += 64) block(state, data + i);
  unsigned char tail[128];
  size_t rem = len - full;
  memset(tail, 0, sizeof tail);
  if (rem) memcpy(tail, data + full, rem);
  tail[rem] = 0x80;
  size_t tl = rem + 1 + 8 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t)len * 8u;
  for (int k = 0; k < 8; k++)
    tail[be_len ? tl - 1 - (size_t)k : tl - 8 + (size_t)k] = (unsigned char)(bits >> (8 * k));
  block(state, tail);
  if (tl == 128) block(state, tail + 64);
}

/* ---- MD5 ---- */

static void kql_md5_block(void *st, const unsigned char *b) {
  static const uint32_t K[64] = {
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
      0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
      0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
      0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
      0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
      0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
      0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
  static const int R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,
                            14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  uint32_t *h = st, m[16];
  for (int i = 0; i < 16; i++) m[i] = kql_le32(b + 4 * i);
  uint32_t a = h[0], bb = h[1], c = h[2], d = h[3];
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    if (i < 16) {
      f = (bb & c) | (~bb & d);
      g = i;
    } else if (i < 32) {
      f = (d & bb) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = bb ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (bb | ~d);
      g = (7 * i) % 16;
    }
    uint32_t t = d;
    d = c;
    c = bb;
    bb = bb + kql_rol32(a + f + K[i] + m[g], R[i]);
    a = t;
  }
  h[0] += a;
  h[1] += bb;
  h[2] += c;
  h[3] += d;
}

void kql_md5(const void *data, size_t len, uint8_t out[16]) {
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  kql_md_blocks(data, len, false, h, kql_md5_block);
  for (int i = 0; i < 16; i++) out[i] = (uint8_t)(h[i / 4] >> (8 * (i % 4)));
}

/* ---- SHA-1 ---- */

static void kql_sha1_block(void *st, const unsigned char *b) {
  uint32_t *h = st, w[80];
  for (int i = 0; i < 16; i++) w[i] = kql_be32(b + 4 * i);
  for (int i = 16; i < 80; i++) w[i] = kql_rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (bb & c) | (~bb & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = bb ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (bb & c) | (bb & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = bb ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t t = kql_rol32(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = kql_rol32(bb, 30);
    bb = a;
    a = t;
  }
  h[0] += a;
  h[1] += bb;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

void kql_sha1(const void *data, size_t len, uint8_t out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  kql_md_blocks(data, len, true, h, kql_sha1_block);
  for (int i = 0; i < 20; i++) out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* ---- SHA-256 ---- */

static void kql_sha256_block(void *st, const unsigned char *b) {
  static const uint32_t K[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  uint32_t *h = st, w[64];
  for (int i = 0; i < 16; i++) w[i] = kql_be32(b + 4 * i);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = kql_ror32(w[i - 15], 7) ^ kql_ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = kql_ror32(w[i - 2], 17) ^ kql_ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t S1 = kql_ror32(e, 6) ^ kql_ror32(e, 11) ^ kql_ror32(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = hh + S1 + ch + K[i] + w[i];
    uint32_t S0 = kql_ror32(a, 2) ^ kql_ror32(a, 13) ^ kql_ror32(a, 22);
    uint32_t mj = (a & bb) ^ (a & c) ^ (bb & c);
    uint32_t t2 = S0 + mj;
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = bb;
    bb = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += bb;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

void kql_sha256(const void *data, size_t len, uint8_t out[32]) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  kql_md_blocks(data, len, true, h, kql_sha256_block);
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* ---- XXH64 ---- */

#define XXP1 UINT64_C(11400714785074694791)
#define XXP2 UINT64_C(14029467366897019727)
#define XXP3 UINT64_C(1609587929392839161)
#define XXP4 UINT64_C(9650029242287828579)
#define XXP5 UINT64_C(2870177450012600261)

static uint64_t kql_xx_round(uint64_t acc, uint64_t in) {
  acc += in * XXP2;
  acc = kql_rol64(acc, 31);
  return acc * XXP1;
}

static uint64_t kql_xx_merge(uint64_t acc, uint64_t v) {
  acc ^= kql_xx_round(0, v);
  return acc * XXP1 + XXP4;
}

uint64_t kql_xxh64(const void *data, size_t len, uint64_t seed) {
  const unsigned char *p = data, *end = p + len;
  uint64_t h;
  if (len >= 32) {
    uint64_t v1 = seed + XXP1 + XXP2, v2 = seed + XXP2, v3 = seed, v4 = seed - XXP1;
    const unsigned char *limit = end - 32;
    do {
      v1 = kql_xx_round(v1, kql_le64(p));
      v2 = kql_xx_round(v2, kql_le64(p + 8));
      v3 = kql_xx_round(v3, kql_le64(p + 16));
      v4 = kql_xx_round(v4, kql_le64(p + 24));
      p += 32;
    } while (p <= limit);
    h = kql_rol64(v1, 1) + kql_rol64(v2, 7) + kql_rol64(v3, 12) + kql_rol64(v4, 18);
    h = kql_xx_merge(h, v1);
    h = kql_xx_merge(h, v2);
    h = kql_xx_merge(h, v3);
    h = kql_xx_merge(h, v4);
  } else {
    h = seed + XXP5;
  }
  h += (uint64_t)len;
  while (end - p >= 8) {
    h ^= kql_xx_round(0, kql_le64(p));
    h = kql_rol64(h, 27) * XXP1 + XXP4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= (uint64_t)kql_le32(p) * XXP1;
    h = kql_rol64(h, 23) * XXP2 + XXP3;
    p += 4;
  }
  while (p < end) {
    h ^= (uint64_t)(*p) * XXP5;
    h = kql_rol64(h, 11) * XXP1;
    p++;
  }
  h ^= h >> 33;
  h *= XXP2;
  h ^= h >> 29;
  h *= XXP3;
  h ^= h >> 32;
  return h;
}
