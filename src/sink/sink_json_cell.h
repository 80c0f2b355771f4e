/* SPDX-License-Identifier: MIT
 * One cell of a JSON-lines row, written with a per-column memory of the last
 * value: ETW rows repeat most header values from row to row (the provider's
 * GUID and name, Level, Opcode, the second of TimeCreated), so a repeat costs
 * a compare and a copy instead of formatting. Output is byte-identical to
 * kv_to_json. Owner: sink. */
#ifndef E2K_SINK_SINK_JSON_CELL_H
#define E2K_SINK_SINK_JSON_CELL_H

#include <stdbool.h>
#include <stdint.h>

#include "value/value.h"

enum { SINK_JSON_MEMO_KEY = 64, SINK_JSON_MEMO_TEXT = 96, SINK_JSON_MEMO_WAYS = 4 };

/* One remembered value and its JSON text. */
typedef struct sink_json_memo_entry {
  bool valid;
  uint8_t type;                    /* kv_type of the remembered value */
  uint32_t key_len;                /* bytes of key used */
  uint8_t key[SINK_JSON_MEMO_KEY]; /* the value's identity: scalar bits or string bytes */
  uint32_t text_len;
  char text[SINK_JSON_MEMO_TEXT];  /* its JSON text */
} sink_json_memo_entry;

/* A column's memory: the last few distinct values (events of a few
 * providers interleave, so their names and GUIDs alternate), replaced
 * round-robin, plus the text of the last datetime's whole second. */
typedef struct sink_json_memo {
  sink_json_memo_entry way[SINK_JSON_MEMO_WAYS];
  unsigned next;                   /* way replaced on the next miss */
  bool dt_valid;
  int64_t dt_second;
  char dt_text[21];                /* '"yyyy-mm-ddThh:mm:ss.' */
} sink_json_memo;

/* Appends v as JSON (kv_to_json's exact bytes), using and updating m. */
void sink_json_cell(kv_buf *b, sink_json_memo *m, kv_value v);

#endif
