/* SPDX-License-Identifier: MIT
 * Merged-trace metadata internals (dec_metadata.c), exposed for tests and the
 * fuzz target: compile one TRACE_EVENT_INFO blob / one EventMapInfo payload.
 * Private to decode/. Owner: decode part B. */
#ifndef E2K_DECODE_DEC_METADATA_H
#define E2K_DECODE_DEC_METADATA_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/dec_schema.h"

/* Compiles a TRACE_EVENT_INFO blob (self-relative offsets) into a schema in
 * ctx's arena and fills *key (EVENT key for DecodingSource XMLFile/Wbem-less,
 * CLASSIC key for DecodingSource Wbem). Does not register it. NULL when the
 * blob is malformed, WPP or TraceLogging. Never reads outside p[0, n). */
const dec_schema *dec_metadata_compile(dec_context *ctx, const uint8_t *p, uint32_t n,
                                       dec_key *key);
/* Learns one EventMapInfo payload (16-byte provider GUID + EVENT_MAP_INFO).
 * Returns false when malformed or of an unsupported kind (pattern maps). */
bool dec_metadata_map(dec_context *ctx, const uint8_t *p, uint32_t n);
/* Counters: [0] EventInfo compiled, [1] EventInfo rejected, [2] maps learned,
 * [3] maps rejected. */
void dec_metadata_counts(dec_context *ctx, uint64_t out[4]);

#endif
