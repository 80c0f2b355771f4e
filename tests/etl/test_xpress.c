/* SPDX-License-Identifier: MIT
 * MS-XCA decompressors against the specification's examples ([MS-XCA] 3.1
 * Plain LZ77, 3.2 LZ77+Huffman) plus hand-assembled Huffman streams with
 * matches, and hostile inputs that must fail cleanly (never overrun). */
#include "e2k_test.h"
#include "etl/etl_int.h"

#include <stdlib.h>

static void test_lz77_spec_literals(void) {
  /* [MS-XCA] 3.1: "abcdefghijklmnopqrstuvwxyz" as 26 literals, flags 0x0000003F. */
  uint8_t in[30] = {0x3f, 0x00, 0x00, 0x00};
  for (int i = 0; i < 26; i++) in[4 + i] = (uint8_t)('a' + i);
  uint8_t out[26];
  size_t n = 0;
  const char *why = NULL;
  TEST_EQ_INT(etl_xpress_decompress(in, sizeof in, out, sizeof out, &n, &why), 0);
  TEST_EQ_INT(n, 26);
  TEST_CHECK(memcmp(out, "abcdefghijklmnopqrstuvwxyz", 26) == 0);
}

static void test_lz77_spec_long_match(void) {
  /* [MS-XCA] 3.1: "abc" repeated 100 times (300 bytes) = 3 literals + one match
   * of length 297 at distance 3 (nibble 15, byte 255, u16 0x126). */
  static const uint8_t in[] = {0xff, 0xff, 0xff, 0x1f, 0x61, 0x62, 0x63, 0x17, 0x00, 0x0f, 0xff, 0x26, 0x01};
  uint8_t out[300];
  size_t n = 0;
  const char *why = NULL;
  TEST_EQ_INT(etl_xpress_decompress(in, sizeof in, out, sizeof out, &n, &why), 0);
  TEST_EQ_INT(n, 300);
  int ok = 1;
  for (int i = 0; i < 300; i++) ok &= out[i] == (uint8_t)("abc"[i % 3]);
  TEST_CHECK(ok);
  /* The same stream into a smaller or larger output is a size mismatch, not an overrun. */
  TEST_EQ_INT(etl_xpress_decompress(in, sizeof in, out, 299, &n, &why), -1);
  uint8_t big[400];
  TEST_EQ_INT(etl_xpress_decompress(in, sizeof in, big, sizeof big, &n, &why), -1);
}

/* Hand-assembled per [MS-XCA] 2.4 to reach each match-copy path: a
 * distance-1 run and a distance-10 match with a 5-byte tail. */
static void test_lz77_copy_paths(void) {
  /* 'a', then match dist 1 len 10 (3 bits 7 + nibble 0): "a" x 11. */
  static const uint8_t run[] = {0x00, 0x00, 0x00, 0x40, 'a', 0x07, 0x00, 0x00};
  uint8_t out[32];
  size_t n = 0;
  const char *why = NULL;
  TEST_EQ_INT(etl_xpress_decompress(run, sizeof run, out, 11, &n, &why), 0);
  TEST_CHECK(n == 11 && memcmp(out, "aaaaaaaaaaa", 11) == 0);
  /* 10 literals, then match dist 10 len 13 (sym 0x4F, nibble 3). */
  static const uint8_t far[] = {0x00, 0x00, 0x20, 0x00, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j',
                                0x4F, 0x00, 0x03};
  TEST_EQ_INT(etl_xpress_decompress(far, sizeof far, out, 23, &n, &why), 0);
  TEST_CHECK(n == 23 && memcmp(out, "abcdefghijabcdefghijabc", 23) == 0);
}

static void test_lz77_hostile(void) {
  uint8_t out[64];
  size_t n;
  const char *why = NULL;
  /* Match before any output. */
  static const uint8_t back[] = {0x00, 0x00, 0x00, 0x80, 0x08, 0x00};
  TEST_EQ_INT(etl_xpress_decompress(back, sizeof back, out, sizeof out, &n, &why), -1);
  TEST_CHECK(why != NULL);
  /* Truncated length escape. */
  static const uint8_t trunc[] = {0x00, 0x00, 0x00, 0x40, 0x61, 0x07};
  TEST_EQ_INT(etl_xpress_decompress(trunc, sizeof trunc, out, sizeof out, &n, &why), -1);
  /* Every prefix of the 300-byte example fails or succeeds without overrun. */
  static const uint8_t in[] = {0xff, 0xff, 0xff, 0x1f, 0x61, 0x62, 0x63, 0x17, 0x00, 0x0f, 0xff, 0x26, 0x01};
  uint8_t big[300];
  for (size_t k = 0; k < sizeof in; k++) {
    uint8_t *copy = malloc(k ? k : 1);
    memcpy(copy, in, k);
    int rc = etl_xpress_decompress(copy, k, big, sizeof big, &n, &why);
    TEST_CHECK(rc == -1 && n <= sizeof big);
    free(copy);
  }
}

/* [MS-XCA] 3.2: "abcdefghijklmnopqrstuvwxyz" as Huffman-coded literals + EOF. */
static void test_huffman_spec_literals(void) {
  uint8_t in[256 + 20] = {0};
  in[48] = 0x50;
  for (int i = 49; i <= 58; i++) in[i] = 0x55;
  in[59] = 0x45;
  in[60] = 0x44;
  in[61] = 0x04;
  in[128] = 0x04;
  static const uint8_t bits[] = {0xd8, 0x52, 0x3e, 0xd7, 0x94, 0x11, 0x5b, 0xe9, 0x19, 0x5f,
                                 0xf9, 0xd6, 0x7c, 0xdf, 0x8d, 0x04, 0x00, 0x00, 0x00, 0x00};
  memcpy(in + 256, bits, sizeof bits);
  uint8_t out[26];
  size_t n = 0;
  const char *why = NULL;
  TEST_EQ_INT(etl_xpress_huff_decompress(in, sizeof in, out, sizeof out, &n, &why), 0);
  TEST_EQ_INT(n, 26);
  TEST_CHECK(memcmp(out, "abcdefghijklmnopqrstuvwxyz", 26) == 0);
}

/* Hand-assembled per [MS-XCA] 2.2: lengths a=2, b=2, symbol 272 (match,
 * length class 0, 1 distance bit)=1. Canonical codes: 272=0, a=10, b=11.
 * Bits: a b 272 dist-bit(0) = 10 11 0 0 -> 0xB000 -> "ab" + 3 bytes at distance 2. */
static void test_huffman_match(void) {
  uint8_t in[256 + 8] = {0};
  in[97 / 2] = 0x20;  /* symbol 97 (odd -> high nibble) = 2 */
  in[98 / 2] = 0x02;  /* symbol 98 (even -> low nibble) = 2 */
  in[272 / 2] = 0x01; /* symbol 272 = 1 */
  in[256] = 0x00;
  in[257] = 0xB0;
  uint8_t out[5];
  size_t n = 0;
  const char *why = NULL;
  TEST_EQ_INT(etl_xpress_huff_decompress(in, sizeof in, out, sizeof out, &n, &why), 0);
  TEST_EQ_INT(n, 5);
  TEST_CHECK(memcmp(out, "ababa", 5) == 0);
}

static void test_huffman_hostile(void) {
  uint8_t out[64];
  size_t n;
  const char *why = NULL;
  uint8_t in[256 + 8] = {0};
  /* All lengths zero: no code at all. */
  TEST_EQ_INT(etl_xpress_huff_decompress(in, sizeof in, out, sizeof out, &n, &why), -1);
  /* Over-subscribed: three 1-bit codes. */
  in[0] = 0x11;
  in[1] = 0x01;
  TEST_EQ_INT(etl_xpress_huff_decompress(in, sizeof in, out, sizeof out, &n, &why), -1);
  /* Match before any output: only symbol 256 (len 3, dist 1), 1 bit. */
  memset(in, 0, sizeof in);
  in[128] = 0x01;
  TEST_EQ_INT(etl_xpress_huff_decompress(in, sizeof in, out, sizeof out, &n, &why), -1);
  /* Truncated table. */
  TEST_EQ_INT(etl_xpress_huff_decompress(in, 100, out, sizeof out, &n, &why), -1);
  /* Random inputs never crash. */
  uint32_t seed = 12345;
  uint8_t rnd[1024];
  uint8_t big[4096];
  for (int round = 0; round < 200; round++) {
    for (size_t i = 0; i < sizeof rnd; i++) {
      seed = seed * 1103515245u + 12345u;
      rnd[i] = (uint8_t)(seed >> 16);
    }
    (void)etl_xpress_huff_decompress(rnd, sizeof rnd, big, sizeof big, &n, &why);
    (void)etl_xpress_decompress(rnd, sizeof rnd, big, sizeof big, &n, &why);
  }
  TEST_CHECK(1);
}

int main(void) {
  TEST_RUN(test_lz77_spec_literals);
  TEST_RUN(test_lz77_spec_long_match);
  TEST_RUN(test_lz77_copy_paths);
  TEST_RUN(test_lz77_hostile);
  TEST_RUN(test_huffman_spec_literals);
  TEST_RUN(test_huffman_match);
  TEST_RUN(test_huffman_hostile);
  return e2k_test_report();
}
