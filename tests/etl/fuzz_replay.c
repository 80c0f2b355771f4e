/* SPDX-License-Identifier: MIT
 * Replays the ETL fuzz seed corpus (fuzz/corpus/etl) and mutations of it
 * (truncations, byte flips) through the fuzz entry point in the regular
 * ASan+UBSan test build, so the fuzz target's contract is checked by ctest
 * even where no libFuzzer toolchain is available. */
#include "e2k_test.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fuzz_replay CORPUS_DIR\n");
    return 2;
  }
  char **names = NULL;
  size_t n = 0;
  TEST_EQ_INT(plat_list_dir(argv[1], &names, &n), 0);
  TEST_CHECK(n >= 5);
  uint32_t seed = 7;
  for (size_t i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
    char *data = NULL;
    size_t len = 0;
    if (plat_read_all(path, &data, &len) != 0) continue;
    TEST_EQ_INT(LLVMFuzzerTestOneInput((const uint8_t *)data, len), 0);
    uint8_t *copy = malloc(len ? len : 1);
    for (int round = 0; round < 40; round++) {
      seed = seed * 1103515245u + 12345u;
      size_t cut = len ? (size_t)(seed >> 8) % len : 0;
      memcpy(copy, data, len);
      for (int k = 0; k < 4 && len; k++) {
        seed = seed * 1103515245u + 12345u;
        copy[(seed >> 8) % len] ^= (uint8_t)(1u << (seed & 7));
      }
      LLVMFuzzerTestOneInput(copy, round & 1 ? cut : len);
    }
    free(copy);
    free(data);
  }
  plat_free_list(names, n);
  TEST_CHECK(1);
  return e2k_test_report();
}
