/* SPDX-License-Identifier: MIT
 * libFuzzer target for the provider:NAME|GUID[:keywords[:level]] parser, the
 * GUID text parser and the name-hash GUID (platform/etw_provider_spec.c), and
 * the EVENT_RECORD -> etl_event conversion fed with fuzzed extended items. */
#include <stdlib.h>
#include <string.h>

#include "platform/etw_realtime.h"
#include "platform/etw_record_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *s = malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = 0;
  plat_etw_provider p;
  char err[256];
  plat_etw_parse_provider(s, &p, err, sizeof err);
  uint8_t g[16];
  plat_etw_parse_guid(s, strlen(s), g);
  plat_etw_name_guid(s, g);

  /* Bytes as extended items: [type u8][len u8][data...] repeated. */
  plat_etw_ext_item items[32];
  uint16_t n = 0;
  size_t at = 0;
  while (at + 2 <= size && n < 32) {
    uint8_t len = data[at + 1];
    if (len > size - at - 2) break;
    items[n].ext_type = data[at];
    items[n].data_size = len;
    items[n].data = data + at + 2;
    n++;
    at += 2u + len;
  }
  plat_etw_record rec;
  memset(&rec, 0, sizeof rec);
  rec.ext_items = items;
  rec.ext_count = n;
  rec.user_data = data;
  rec.user_data_len = (uint16_t)size;
  rec.flags = size ? data[0] : 0;
  uint8_t scratch[32 * (8 + 256)];
  size_t cap = size ? data[size - 1] * 40u : 0;
  if (cap > sizeof scratch) cap = sizeof scratch;
  etl_event ev;
  plat_etw_record_to_event(&rec, NULL, scratch, cap, &ev);
  const uint8_t *d;
  uint32_t dl;
  for (uint16_t t = 0; t < 16; t++) etl_event_find_ext(&ev, t, &d, &dl);
  free(s);
  return 0;
}
