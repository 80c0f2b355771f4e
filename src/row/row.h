/* SPDX-License-Identifier: MIT
 * Event rows: the user-facing row schema (docs/schema.md) over etl_event +
 * decoder. Columns are computed lazily and cached per event, so a query that
 * reads only header columns never decodes a payload. Knows ETW and KQL's row
 * interface; the KQL engine itself knows nothing of ETW. */
#ifndef E2K_ROW_ROW_H
#define E2K_ROW_ROW_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/decode.h"
#include "etl/etl.h"
#include "kql/kql.h"
#include "value/value.h"

/* Column indexes of the event row schema. ORDER ROW_COL (docs/schema.md) */
enum {
  ROW_COL_TIME_CREATED = 0,
  ROW_COL_PROVIDER,
  ROW_COL_PROVIDER_ID,
  ROW_COL_EVENT_ID,
  ROW_COL_VERSION,
  ROW_COL_LEVEL,
  ROW_COL_OPCODE,
  ROW_COL_TASK,
  ROW_COL_KEYWORDS,
  ROW_COL_CHANNEL,
  ROW_COL_EVENT_NAME,
  ROW_COL_PROCESS_ID,
  ROW_COL_THREAD_ID,
  ROW_COL_PROCESSOR_NUMBER,
  ROW_COL_ACTIVITY_ID,
  ROW_COL_RELATED_ACTIVITY_ID,
  ROW_COL_EVENT_DATA,
  ROW_COL_COUNT
};

/* The fixed event schema (static storage). */
const kv_schema *row_event_schema(void);

/* Per-stream state: the current event and its lazily computed columns. */
typedef struct row_event {
  dec_context *dec;        /* borrowed; may be NULL (then names "" and EventData {}) */
  const etl_event *ev;     /* borrowed, current event */
  bool have_names;
  dec_names names;
  bool have_data;
  kv_value data;           /* owned EventData bag of the current event */
  dec_source data_source;
  bool data_ok;
  uint64_t payload_decodes; /* how many times EventData was decoded (laziness checks) */
  bool raw_json;           /* EventData as pre-rendered JSON text (output-only path) */
  kv_buf json;             /* text of the current EventData in raw_json mode */
} row_event;

void row_event_init(row_event *r, dec_context *dec);
/* Output-only mode (no query): EventData comes back as KV_DYN_RAWJSON text
 * rendered straight by the decoder, without building a dynamic value. */
void row_event_set_raw_json(row_event *r, bool on);
/* Makes `ev` current; drops the previous event's cached columns. */
void row_event_bind(row_event *r, const etl_event *ev);
/* Borrowed value of column `col` of the current event (valid until the next bind). */
kv_value row_event_get(row_event *r, int col);
void row_event_free(row_event *r);

/* A kql_row that reads the current event of `r`. */
kql_row row_event_as_kql_row(row_event *r);

#endif
