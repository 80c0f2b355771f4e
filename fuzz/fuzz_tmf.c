/* SPDX-License-Identifier: MIT
 * libFuzzer target: TMF text parser + WPP formatter (decode part B). The
 * input is split at the first 0x00 byte: TMF text before it, WPP argument
 * bytes after it; every loaded message is formatted with those bytes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/dec_wpp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t text_len = nul ? (size_t)(nul - data) : size;
  const uint8_t *args = nul ? nul + 1 : data + size;
  uint32_t args_len = (uint32_t)(size - text_len - (nul ? 1 : 0));
  dec_tmf_db *db = dec_tmf_db_new();
  char err[128];
  (void)dec_tmf_db_load_text(db, (const char *)data, text_len, "fuzz.tmf", err, sizeof err);
  /* format every message of every GUID: walk via lookups of numbers 0..64 is
   * not enough for arbitrary GUIDs, so parse the GUIDs the text names. */
  for (size_t i = 0; i + 36 <= text_len; i++) {
    if (data[i + 8] != '-' || data[i + 13] != '-') continue;
    /* GUID text -> Windows byte order; skip anything that is not hex */
    static const int at[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    uint8_t raw[16], g[16];
    bool bad = false;
    for (int k = 0; k < 16 && !bad; k++) {
      int v = 0;
      for (int h = 0; h < 2; h++) {
        uint8_t c = data[i + (size_t)at[k] + (size_t)h];
        int d = c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1;
        if (d < 0) bad = true;
        v = v << 4 | (d & 15);
      }
      raw[k] = (uint8_t)v;
    }
    if (bad) continue;
    g[0] = raw[3]; g[1] = raw[2]; g[2] = raw[1]; g[3] = raw[0];
    g[4] = raw[5]; g[5] = raw[4]; g[6] = raw[7]; g[7] = raw[6];
    memcpy(g + 8, raw + 8, 8);
    for (unsigned num = 0; num < 40; num++) {
      const dec_tmf_msg *m = dec_tmf_find(db, g, (uint16_t)num);
      if (!m) continue;
      kv_buf t;
      kv_buf_init(&t);
      kv_value props = kv_dyn_bag();
      (void)dec_wpp_format(db, m, args, args_len, (num & 1) ? 4 : 8, &t, props);
      kv_release(props);
      kv_buf_free(&t);
    }
    i += 35;
  }
  dec_tmf_db_free(db);
  return 0;
}
