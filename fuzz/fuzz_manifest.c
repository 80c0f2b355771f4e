/* SPDX-License-Identifier: MIT
 * libFuzzer target for the manifest readers (expat and the built-in
 * dec_xml.c, both on every input) and the manifest compiler (owner: decA).
 * The input is one manifest document; every schema it registers is then
 * walked over a payload made of the input's own last bytes, and its message
 * rendered, to exercise templates/structs/maps/references end to end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_int.h"
#include "decode/decode.h"
#include "value/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_one(const uint8_t *data, size_t size, bool builtin) {
  dec_options o;
  memset(&o, 0, sizeof o);
  o.no_bundled_manifests = true;
  dec_context *ctx;
  char err[256];
  if (dec_context_new(&ctx, &o, err, sizeof err) != 0) abort();
  ctx->xml_builtin = builtin;
  if (dec_manifest_load_buffer(ctx, "fuzz.man", data, size, DEC_SRC_MANIFEST, DEC_PRIO_USER, err,
                               sizeof err) == 0) {
    size_t plen = size < 64 ? size : 64;
    uint8_t *pl = malloc(plen ? plen : 1);
    memcpy(pl, data + size - plen, plen);
    size_t walked = 0;
    for (size_t i = 0; i < ctx->reg_cap && walked < 64; i++) {
      const dec_reg_slot *r = &ctx->reg[i];
      if (!r->used || !r->schema || r->key.kind != DEC_KEY_EVENT) continue;
      etl_event ev;
      memset(&ev, 0, sizeof ev);
      memcpy(ev.provider_id, r->key.guid, 16);
      ev.event_id = r->key.id;
      ev.version = r->key.version;
      ev.header_kind = ETL_HT_EVENT;
      ev.pointer_size = (i & 1) ? 4 : 8;
      ev.payload = pl;
      ev.payload_len = (uint32_t)plen;
      kv_value v = dec_event_data(ctx, &ev, NULL, NULL);
      kv_release(v);
      kv_value m = dec_event_message(ctx, &ev);
      kv_release(m);
      dec_names nm;
      dec_event_names(ctx, &ev, &nm);
      walked++;
    }
    free(pl);
  }
  dec_context_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_one(data, size, false);
  fuzz_one(data, size, true);
  return 0;
}
