/* SPDX-License-Identifier: MIT
 * Event row columns from etl_event fields (header columns: no allocation) and
 * from the decoder (names: cached lookups; EventData: decoded once per event,
 * only when asked). */
#include "row/row.h"

#include <string.h>

static kv_column row_columns[ROW_COL_COUNT] = {
    /* ORDER ROW_COL */
    {"TimeCreated", KV_DATETIME}, {"Provider", KV_STRING},   {"ProviderId", KV_GUID},
    {"EventId", KV_INT},          {"Version", KV_INT},       {"Level", KV_INT},
    {"Opcode", KV_INT},           {"Task", KV_INT},          {"Keywords", KV_LONG},
    {"Channel", KV_INT},          {"EventName", KV_STRING},  {"ProcessId", KV_LONG},
    {"ThreadId", KV_LONG},        {"ProcessorNumber", KV_INT}, {"ActivityId", KV_GUID},
    {"RelatedActivityId", KV_GUID}, {"EventData", KV_DYNAMIC}};

static const kv_schema row_schema = {row_columns, ROW_COL_COUNT};

const kv_schema *row_event_schema(void) { return &row_schema; }

void row_event_init(row_event *r, dec_context *dec) {
  memset(r, 0, sizeof *r);
  r->dec = dec;
  r->data = kv_dyn_null();
  kv_buf_init(&r->json);
}

void row_event_set_raw_json(row_event *r, bool on) { r->raw_json = on; }

static void row_event_drop(row_event *r) {
  if (r->have_data) kv_release(r->data);
  r->have_data = false;
  r->have_names = false;
  r->data = kv_dyn_null();
}

void row_event_bind(row_event *r, const etl_event *ev) {
  row_event_drop(r);
  r->ev = ev;
}

void row_event_free(row_event *r) {
  row_event_drop(r);
  kv_buf_free(&r->json);
}

static const dec_names *row_names(row_event *r) {
  if (!r->have_names) {
    if (r->dec) {
      dec_event_names(r->dec, r->ev, &r->names);
    } else {
      r->names.provider = "";
      r->names.event_name = "";
    }
    r->have_names = true;
  }
  return &r->names;
}

/* 0xFFFFFFFF in a PID/TID field means "the header has none" (PERFINFO). */
static kv_value row_id_or_null(uint32_t id) { return id == 0xFFFFFFFFu ? kv_null(KV_LONG) : kv_long(id); }

kv_value row_event_get(row_event *r, int col) {
  const etl_event *ev = r->ev;
  if (!ev) return kv_null(row_columns[col < 0 || col >= ROW_COL_COUNT ? 0 : col].type);
  switch (col) {
    case ROW_COL_TIME_CREATED: return kv_datetime(ev->time_ticks);
    case ROW_COL_PROVIDER: {
      const char *p = row_names(r)->provider;
      return kv_string_borrowed(p, strlen(p));
    }
    case ROW_COL_PROVIDER_ID: return kv_guid(ev->provider_id);
    case ROW_COL_EVENT_ID: return kv_int(ev->event_id);
    case ROW_COL_VERSION: return kv_int(ev->version);
    case ROW_COL_LEVEL: return kv_int(ev->level);
    case ROW_COL_OPCODE: return kv_int(ev->opcode);
    case ROW_COL_TASK: return kv_int(ev->task);
    case ROW_COL_KEYWORDS: return kv_long((int64_t)ev->keywords);
    case ROW_COL_CHANNEL: return kv_int(ev->channel);
    case ROW_COL_EVENT_NAME: {
      const char *n = row_names(r)->event_name;
      return kv_string_borrowed(n, strlen(n));
    }
    case ROW_COL_PROCESS_ID: return row_id_or_null(ev->process_id);
    case ROW_COL_THREAD_ID: return row_id_or_null(ev->thread_id);
    case ROW_COL_PROCESSOR_NUMBER: return kv_int(ev->processor);
    case ROW_COL_ACTIVITY_ID: return kv_guid(ev->activity_id);
    case ROW_COL_RELATED_ACTIVITY_ID: return kv_guid(ev->related_activity_id);
    case ROW_COL_EVENT_DATA:
      if (!r->have_data && r->raw_json && r->dec) {
        r->json.len = 0;
        dec_event_data_json(r->dec, ev, &r->json, &r->data_source, &r->data_ok);
        kv_value raw = kv_dyn_null();
        raw.dyn = KV_DYN_RAWJSON;
        raw.flags = KV_F_BORROWED;
        raw.u.s = r->json.data ? r->json.data : "{}";
        raw.len = r->json.data ? (uint32_t)r->json.len : 2;
        r->data = raw; /* borrowed: not released by row_event_drop */
        r->have_data = true;
        r->payload_decodes++;
        return r->data;
      }
      if (!r->have_data) {
        if (r->dec) {
          r->data = dec_event_data(r->dec, ev, &r->data_source, &r->data_ok);
        } else {
          r->data = kv_dyn_bag();
          r->data_source = DEC_SRC_NONE;
          r->data_ok = false;
        }
        r->have_data = true;
        r->payload_decodes++;
      }
      return r->data;
    default: return kv_null(KV_DYNAMIC);
  }
}

static kv_value row_kql_get(const kql_row *row, int col) { return row_event_get((row_event *)row->ctx, col); }

kql_row row_event_as_kql_row(row_event *r) {
  kql_row k = {row_kql_get, r};
  return k;
}
