/* SPDX-License-Identifier: MIT
 * EVENT_RECORD mirror -> etl_event: the single conversion used by the Windows
 * real-time consumer. Plain C11 (compiled and unit-tested on every OS). The
 * extended items are re-encoded as the same 8-byte-aligned chain an ETL file
 * holds, so etl_event_find_ext() and the decoders see one format. */
#include "platform/etw_record_convert.h"

#include <string.h>

/* Kusto ticks (100 ns since 0001-01-01) at the FILETIME epoch 1601-01-01. */
#define PLAT_ETW_TICKS_AT_1601 504911232000000000LL

static size_t plat_etw_item_len(uint16_t data_size) {
  return (8u + (size_t)data_size + 7u) & ~(size_t)7u;
}

size_t plat_etw_ext_chain_len(const plat_etw_record *rec) {
  size_t total = 0;
  if (!rec->ext_items) return 0;
  for (uint16_t i = 0; i < rec->ext_count; i++) total += plat_etw_item_len(rec->ext_items[i].data_size);
  return total;
}

static void plat_etw_put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v & 0xff);
  p[1] = (uint8_t)(v >> 8);
}

/* Chain item header (etw-decoding.md 1.1): u16 size incl. header (multiple
 * of 8), u16 ExtType, u16 Linkage bit, u16 DataSize; data padded to 8. */
static int plat_etw_encode_ext(const plat_etw_record *rec, uint8_t *scratch, size_t scratch_len,
                               size_t *used) {
  size_t need = plat_etw_ext_chain_len(rec);
  *used = 0;
  if (need == 0) return 0;
  if (!scratch || scratch_len < need || need > 0xffffffffu) return -1;
  size_t at = 0;
  for (uint16_t i = 0; i < rec->ext_count; i++) {
    const plat_etw_ext_item *it = &rec->ext_items[i];
    size_t len = plat_etw_item_len(it->data_size);
    uint8_t *p = scratch + at;
    memset(p, 0, len);
    plat_etw_put_u16(p, (uint16_t)(len > 0xffff ? 0 : len));
    plat_etw_put_u16(p + 2, it->ext_type);
    plat_etw_put_u16(p + 4, (uint16_t)(i + 1 < rec->ext_count ? 1 : 0));
    plat_etw_put_u16(p + 6, it->data_size);
    if (it->data_size && it->data) memcpy(p + 8, it->data, it->data_size);
    at += len;
  }
  *used = at;
  return 0;
}

int plat_etw_record_to_event(const plat_etw_record *rec, const plat_etw_convert_opts *opts,
                             uint8_t *scratch, size_t scratch_len, etl_event *ev) {
  memset(ev, 0, sizeof *ev);
  plat_etw_clock clock = opts ? opts->clock : PLAT_ETW_CLOCK_FILETIME;
  ev->raw_timestamp = rec->timestamp;
  ev->time_ticks = clock == PLAT_ETW_CLOCK_TICKS ? rec->timestamp
                                                  : rec->timestamp + PLAT_ETW_TICKS_AT_1601;
  memcpy(ev->provider_id, rec->provider_id, 16);
  memcpy(ev->activity_id, rec->activity_id, 16);
  ev->event_id = rec->id;
  ev->version = rec->version;
  ev->channel = rec->channel;
  ev->level = rec->level;
  ev->opcode = rec->opcode;
  ev->task = rec->task;
  ev->keywords = rec->keyword;
  ev->process_id = rec->process_id;
  ev->thread_id = rec->thread_id;
  ev->processor = rec->processor_index;
  ev->header_kind = ETL_HT_REALTIME;
  ev->header_type = (uint8_t)rec->header_type;
  ev->pointer_size = (rec->flags & PLAT_ETW_FLAG_32_BIT_HEADER) ? 4 : 8;
  ev->event_flags = rec->flags;
  ev->event_property = rec->event_property;
  ev->kernel_time = rec->kernel_time;
  ev->user_time = rec->user_time;
  ev->payload = rec->user_data_len ? rec->user_data : NULL;
  ev->payload_len = rec->user_data ? rec->user_data_len : 0;
  if (rec->flags & PLAT_ETW_FLAG_TRACE_MESSAGE) ev->message_number = rec->id;

  /* Classic kernel events arrive with the class GUID and the MOF type as
   * opcode; recover the hook id the file reader reports for the same record. */
  uint8_t group = 0;
  if ((rec->flags & PLAT_ETW_FLAG_CLASSIC_HEADER) && opts && opts->kernel_group &&
      opts->kernel_group(rec->provider_id, &group)) {
    ev->is_kernel_hook = 1;
    ev->hook_id = (uint16_t)((uint16_t)group << 8 | rec->opcode);
  }

  int rc = 0;
  size_t used = 0;
  if (plat_etw_encode_ext(rec, scratch, scratch_len, &used) != 0) {
    rc = -1;
  } else if (used) {
    ev->ext = scratch;
    ev->ext_len = (uint32_t)used;
  }
  for (uint16_t i = 0; rec->ext_items && i < rec->ext_count; i++) {
    const plat_etw_ext_item *it = &rec->ext_items[i];
    if (it->ext_type == ETL_EXT_RELATED_ACTIVITYID && it->data_size >= 16 && it->data) {
      memcpy(ev->related_activity_id, it->data, 16);
      break;
    }
  }
  return rc;
}
