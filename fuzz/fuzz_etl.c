/* SPDX-License-Identifier: MIT
 * libFuzzer target for the ETL reader: the input bytes are one .etl file
 * read from memory, in time order or file order (chosen by the first byte),
 * and every event's payload and extended data are touched so ASan checks the
 * bounds. Seed corpus: fuzz/corpus/etl (small and truncated samples). */
#include "etl/etl.h"

#include <stddef.h>
#include <stdint.h>

static void fuzz_etl_quiet(void *ud, const char *msg) {
  (void)ud;
  (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  etl_reader_options opt = {0};
  opt.warn = fuzz_etl_quiet;
  opt.file_order = size > 0 && (data[size - 1] & 1);
  etl_reader *r;
  char err[256];
  if (etl_reader_open_memory(&r, data, size, "fuzz.etl", &opt, err, sizeof err) != 0) return 0;
  const etl_event *ev;
  volatile uint8_t sink = 0;
  while (etl_reader_next(r, &ev) == 1) {
    for (uint32_t i = 0; i < ev->payload_len; i++) sink ^= ev->payload[i];
    const uint8_t *d;
    uint32_t len;
    if (etl_event_find_ext(ev, ETL_EXT_RELATED_ACTIVITYID, &d, &len))
      for (uint32_t i = 0; i < len; i++) sink ^= d[i];
    if (etl_event_find_ext(ev, ETL_EXT_EVENT_SCHEMA_TL, &d, &len))
      for (uint32_t i = 0; i < len; i++) sink ^= d[i];
  }
  (void)sink;
  etl_reader_close(r);
  return 0;
}
