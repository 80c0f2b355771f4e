/* SPDX-License-Identifier: MIT
 * libFuzzer target for the TraceLogging decoder (owner: decA). Input layout:
 *   u16 LE meta_len | meta_len bytes EVENT_SCHEMA_TL blob | u16 LE
 *   traits_len | traits bytes (PROV_TRAITS) | rest = payload.
 * The blobs are wrapped in a real extended-item chain and decoded twice with
 * both pointer sizes (cache hit path), plus names; the JSON fast path must
 * give the same text as serialising the bag (abort otherwise). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "etl/etl.h"
#include "value/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t fz_item(uint8_t *out, unsigned type, const uint8_t *d, size_t n, int more) {
  size_t size = 8 + ((n + 7) & ~(size_t)7);
  out[0] = (uint8_t)size; out[1] = (uint8_t)(size >> 8);
  out[2] = (uint8_t)type; out[3] = 0;
  out[4] = (uint8_t)more; out[5] = 0;
  out[6] = (uint8_t)n; out[7] = (uint8_t)(n >> 8);
  memcpy(out + 8, d, n);
  memset(out + 8 + n, 0, size - 8 - n);
  return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  size_t ml = (size_t)(data[0] | data[1] << 8);
  if (ml > size - 2 || ml > 60000) return 0;
  const uint8_t *meta = data + 2;
  size_t rest = size - 2 - ml;
  if (rest < 2) return 0;
  const uint8_t *q = meta + ml;
  size_t tl = (size_t)(q[0] | q[1] << 8);
  if (tl > rest - 2 || tl > 60000) return 0;
  const uint8_t *traits = q + 2;
  const uint8_t *payload = traits + tl;
  size_t plen = rest - 2 - tl;

  uint8_t *ext = malloc(16 + ml + tl + 16);
  size_t el = fz_item(ext, ETL_EXT_PROV_TRAITS, traits, tl, 1);
  el += fz_item(ext + el, ETL_EXT_EVENT_SCHEMA_TL, meta, ml, 0);
  uint8_t *pl = malloc(plen ? plen : 1); /* exact-size copy so ASan sees overreads */
  memcpy(pl, payload, plen);

  dec_options o;
  memset(&o, 0, sizeof o);
  o.no_bundled_manifests = true;
  dec_context *ctx;
  char err[128];
  if (dec_context_new(&ctx, &o, err, sizeof err) != 0) abort();
  etl_event ev;
  memset(&ev, 0, sizeof ev);
  ev.provider_id[0] = 1;
  ev.header_kind = ETL_HT_EVENT;
  ev.ext = ext;
  ev.ext_len = (uint32_t)el;
  ev.payload = pl;
  ev.payload_len = (uint32_t)plen;
  for (int i = 0; i < 2; i++) {
    ev.pointer_size = i ? 4 : 8;
    dec_observe(ctx, &ev);
    dec_names nm;
    dec_event_names(ctx, &ev, &nm);
    if (!nm.provider || !nm.event_name) abort();
    bool ok1, ok2;
    kv_value v = dec_event_data(ctx, &ev, NULL, &ok1);
    kv_buf b, f;
    kv_buf_init(&b);
    kv_buf_init(&f);
    kv_to_json(&b, v);
    /* the JSON fast path must write exactly the same text */
    dec_event_data_json(ctx, &ev, &f, NULL, &ok2);
    if (b.len != f.len || memcmp(b.data, f.data, b.len) != 0 || ok1 != ok2) abort();
    kv_buf_free(&b);
    kv_buf_free(&f);
    kv_release(v);
  }
  dec_context_free(ctx);
  free(pl);
  free(ext);
  return 0;
}
