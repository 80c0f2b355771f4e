/* SPDX-License-Identifier: MIT
 * Digest primitives against published test vectors: MD5 from RFC 1321
 * appendix A.5, SHA-1 and SHA-256 from FIPS 180-2 appendix A/B (one-block,
 * two-block and one-million-'a' messages), XXH64 from the xxHash reference
 * (empty input) and python-xxhash's documentation example, plus the values
 * the Kusto engine returned for hash() (emulator:hash-function-00,
 * hash-combine-function-00). */
#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"
#include "kql/fn_digest.h"

static const char *hex(const uint8_t *d, size_t n) {
  static char out[80];
  for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
  return out;
}

static void test_md5(void) {
  static const struct {
    const char *in, *want;
  } v[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  uint8_t d[16];
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    kql_md5(v[i].in, strlen(v[i].in), d);
    TEST_EQ_STR(hex(d, 16), v[i].want);
  }
}

static void test_sha(void) {
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  uint8_t d[32];
  kql_sha1("abc", 3, d);
  TEST_EQ_STR(hex(d, 20), "a9993e364706816aba3e25717850c26c9cd0d89d");
  kql_sha1(two, strlen(two), d);
  TEST_EQ_STR(hex(d, 20), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  kql_sha1("", 0, d);
  TEST_EQ_STR(hex(d, 20), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  kql_sha256("abc", 3, d);
  TEST_EQ_STR(hex(d, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  kql_sha256(two, strlen(two), d);
  TEST_EQ_STR(hex(d, 32), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  kql_sha256("", 0, d);
  TEST_EQ_STR(hex(d, 32), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  char *million = malloc(1000000);
  memset(million, 'a', 1000000);
  kql_sha1(million, 1000000, d);
  TEST_EQ_STR(hex(d, 20), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  kql_sha256(million, 1000000, d);
  TEST_EQ_STR(hex(d, 32), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  /* Padding edge: 55 and 56 byte messages (one vs two final blocks);
   * expected digests from an independent implementation (CPython hashlib). */
  kql_md5(million, 55, d);
  TEST_EQ_STR(hex(d, 16), "ef1772b6dff9a122358552954ad0df65");
  kql_md5(million, 56, d);
  TEST_EQ_STR(hex(d, 16), "3b0c8ac703f828b04c6c197006d17218");
  free(million);
}

static void test_xxh64(void) {
  TEST_CHECK(kql_xxh64("", 0, 0) == UINT64_C(0xef46db3751d8e999));
  const char *s = "Nobody inspects the spammish repetition";
  TEST_CHECK(kql_xxh64(s, strlen(s), 0) == UINT64_C(0xfbcea83c8a378bf1));
  /* Kusto: hash("World") == 1846988464401551951, hash("Hello") == 753694413698530628 */
  TEST_CHECK(kql_xxh64("World", 5, 0) == UINT64_C(1846988464401551951));
  TEST_CHECK(kql_xxh64("Hello", 5, 0) == UINT64_C(753694413698530628));
}

int main(void) {
  TEST_RUN(test_md5);
  TEST_RUN(test_sha);
  TEST_RUN(test_xxh64);
  return e2k_test_report();
}
