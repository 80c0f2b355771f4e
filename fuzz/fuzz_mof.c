/* SPDX-License-Identifier: MIT
 * libFuzzer target: kernel MOF table schemas, merged TRACE_EVENT_INFO /
 * EVENT_MAP_INFO compilation and the walker over arbitrary payloads
 * (decode part B). Byte 0 picks the mode, byte 1-2 the MOF table row; mode
 * 3 runs a synthetic classic record through dec_event_data (layout probe,
 * rest-of-event arrays, registry). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/dec_metadata.h"
#include "decode/dec_mof.h"
#include "decode/dec_schema.h"
#include "decode/decode.h"

static dec_context *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  if (!ctx) {
    dec_options opt;
    memset(&opt, 0, sizeof opt);
    opt.no_bundled_manifests = true;
    char err[128];
    if (dec_context_new(&ctx, &opt, err, sizeof err) != 0) return 0;
  }
  const uint8_t *p = data + 3;
  uint32_t n = (uint32_t)(size - 3);
  unsigned ptr = (data[0] & 0x80) ? 4 : 8;
  bool ok;
  switch (data[0] & 3) {
  case 0: { /* one MOF table row over the payload */
    size_t row = ((size_t)data[1] << 8 | data[2]) % dec_mof_class_count;
    const dec_schema *s = dec_mof_schema_for_row(ctx, row, 0, false, dec_mof_classes[row].opcodes[0]);
    if (s) kv_release(dec_walk(s, p, n, ptr, &ok));
    break;
  }
  case 1: { /* TRACE_EVENT_INFO, then decode the rest of the input with it */
    dec_key key;
    uint32_t split = n > 2 ? ((uint32_t)data[1] << 8 | data[2]) % n : 0;
    const dec_schema *s = dec_metadata_compile(ctx, p, n - split, &key);
    if (s) kv_release(dec_walk(s, p + (n - split), split, ptr, &ok));
    break;
  }
  case 2:
    (void)dec_metadata_map(ctx, p, n);
    break;
  default: { /* a classic record of the row's class */
    size_t row = ((size_t)data[1] << 8 | data[2]) % dec_mof_class_count;
    const dec_mof_class_def *c = &dec_mof_classes[row];
    etl_event ev;
    memset(&ev, 0, sizeof ev);
    memcpy(ev.provider_id, c->guid, 16);
    ev.opcode = c->opcodes[data[0] % c->opcode_count];
    ev.version = (data[0] & 0x40) ? (uint8_t)(c->version + 1) : c->version;
    ev.header_kind = (data[0] & 0x20) ? ETL_HT_FULL : ETL_HT_SYSTEM;
    ev.pointer_size = (uint8_t)ptr;
    ev.payload = p;
    ev.payload_len = n;
    dec_source src;
    kv_release(dec_event_data(ctx, &ev, &src, &ok));
    kv_buf b;
    kv_buf_init(&b);
    dec_event_data_json(ctx, &ev, &b, &src, &ok);
    kv_buf_free(&b);
    break;
  }
  }
  return 0;
}
