/* SPDX-License-Identifier: MIT
 * One ETL record -> etl_event header fields (etl-format.md section 3), plus
 * the buffer-header decoder and the extended-data walker. Every read is
 * checked against the record's bounds; the record's own Size field is checked
 * against the end of the buffer's data before anything inside it is read. */
#include "etl/etl_int.h"

#include <stdio.h>
#include <string.h>

void etl_bufhdr_decode(const uint8_t *p, etl_bufhdr *h) {
  h->buffer_size = etl_le32(p + 0x00);
  h->saved_offset = etl_le32(p + 0x04);
  h->timestamp = (int64_t)etl_le64(p + 0x10);
  h->sequence = (int64_t)etl_le64(p + 0x18);
  h->flags = etl_le16(p + 0x34);
  h->type = etl_le16(p + 0x36);
  /* ETW_BUFFER_CONTEXT: a u16 processor index when BUFFER_FLAG PROC_INDEX is set. */
  h->processor = (h->flags & ETL_BUFFLAG_PROC_INDEX) ? etl_le16(p + 0x28) : p[0x28];
  h->state = etl_le32(p + 0x2C);
  h->offset = etl_le32(p + 0x30);
}

bool etl_bufhdr_check(const etl_bufhdr *h, uint64_t remaining, char *why, size_t why_len) {
  if (h->buffer_size < ETL_BUFHDR_LEN) {
    if (why) snprintf(why, why_len, "BufferSize %u is smaller than the header", h->buffer_size);
    return false;
  }
  if (h->buffer_size > remaining) {
    if (why) snprintf(why, why_len, "BufferSize %u runs past the end of the file (%llu bytes left)",
             h->buffer_size, (unsigned long long)remaining);
    return false;
  }
  if (h->buffer_size > ETL_MAX_BUFFER) {
    if (why) snprintf(why, why_len, "BufferSize %u is too large", h->buffer_size);
    return false;
  }
  if (h->offset != 0 && h->offset < ETL_BUFHDR_LEN) {
    if (why) snprintf(why, why_len, "Offset %u is inside the header", h->offset);
    return false;
  }
  if (h->flags & ETL_BUFFLAG_COMPRESSED) {
    if (h->offset > ETL_MAX_BUFFER) {
      if (why) snprintf(why, why_len, "uncompressed size %u is too large", h->offset);
      return false;
    }
  } else if (h->offset > h->buffer_size) {
    if (why) snprintf(why, why_len, "Offset %u is beyond BufferSize %u", h->offset, h->buffer_size);
    return false;
  }
  return true;
}

/* PEBS index and PMC counters announced in a SYSTEM/PERFINFO Version word. */
static uint32_t etl_kernel_extra(uint16_t version) {
  return ((version & 0x8000u) ? 8u : 0u) + ((uint32_t)(version >> 8) & 7u) * 8u;
}

/* Field-by-field reset of everything a parse may leave unset: cheaper than a
 * memset of the whole struct on the per-event hot path. */
static inline void etl_event_clear(etl_event *ev) {
  memset(ev->activity_id, 0, 16);
  memset(ev->related_activity_id, 0, 16);
  ev->event_id = 0;
  ev->version = 0;
  ev->channel = 0;
  ev->level = 0;
  ev->opcode = 0;
  ev->task = 0;
  ev->keywords = 0;
  ev->process_id = 0xFFFFFFFFu;
  ev->thread_id = 0xFFFFFFFFu;
  ev->header_type = 0;
  ev->is_kernel_hook = 0;
  ev->hook_id = 0;
  ev->event_flags = 0;
  ev->event_property = 0;
  ev->message_number = 0;
  ev->sequence = 0;
  ev->kernel_time = 0;
  ev->user_time = 0;
  ev->ext = NULL;
  ev->ext_len = 0;
  ev->raw_timestamp = 0;
}

static void etl_kernel_provider(etl_event *ev) {
  uint8_t group = (uint8_t)(ev->hook_id >> 8);
  /* Process group type 10 is the image-load event of the Image class (5.1). */
  if (group == 0x03 && (ev->hook_id & 0xFF) == 10) group = 0x14;
  if (!etl_kernel_group_guid(group, ev->provider_id)) memset(ev->provider_id, 0, 16);
}

/* Extended items: 8-byte item headers chained by the Linkage bit. */
static int etl_ext_walk(const uint8_t *p, uint32_t start, uint32_t size, uint32_t *end,
                        etl_event *ev, const char **why) {
  uint32_t off = start;
  for (int n = 0;; n++) {
    if (n >= 256) { *why = "extended-data chain too long"; return -1; }
    if (size - off < 8) { *why = "extended-data item header runs past the record"; return -1; }
    const uint8_t *q = p + off;
    uint32_t isz = etl_le16(q), dsz = etl_le16(q + 6);
    if (isz < 8 || isz > size - off || dsz > isz - 8) {
      *why = "extended-data item size is invalid";
      return -1;
    }
    if (etl_le16(q + 2) == ETL_EXT_RELATED_ACTIVITYID && dsz >= 16)
      memcpy(ev->related_activity_id, q + 8, 16);
    off += isz;
    if (!(etl_le16(q + 4) & 1)) break;
  }
  *end = off;
  return 0;
}

int etl_record_parse(const uint8_t *buf, uint32_t buf_len, uint32_t pos, uint32_t file_ptr_size,
                     etl_event *ev, uint32_t *rec_len, const char **why) {
  if (pos > buf_len || buf_len - pos < 8) return ETL_REC_END;
  const uint8_t *p = buf + pos;
  uint32_t avail = buf_len - pos;
  uint32_t marker = etl_le32(p);
  if (marker == 0xFFFFFFFFu) return ETL_REC_END;
  uint8_t fl = p[3], ty = p[2];
  etl_event_clear(ev);
  if ((fl & 0xC0) == 0xC0) {
    ev->header_type = ty;
    uint32_t size, hdr;
    switch (ty) {
    case 0x01: case 0x02: case 0x03: case 0x04: /* SYSTEM / COMPACT */
    case 0x10: case 0x11: {                     /* PERFINFO */
      uint16_t ver = etl_le16(p);
      bool perf = ty >= 0x10;
      size = etl_le16(p + 4);
      hdr = perf ? 0x10u : (ty <= 0x02 ? 0x20u : 0x18u);
      hdr += etl_kernel_extra(ver);
      if (size < hdr || size > avail) { *why = "kernel record Size is out of range"; return ETL_REC_BAD; }
      ev->header_kind = perf ? ETL_HT_PERFINFO : ETL_HT_SYSTEM;
      ev->pointer_size = (ty == 0x01 || ty == 0x03 || ty == 0x10) ? 4 : 8;
      ev->version = (uint8_t)(ver & 0xFF);
      ev->hook_id = etl_le16(p + 6);
      ev->opcode = (uint8_t)(ev->hook_id & 0xFF);
      ev->is_kernel_hook = 1;
      if (perf) {
        ev->raw_timestamp = (int64_t)etl_le64(p + 8);
      } else {
        ev->thread_id = etl_le32(p + 8);
        ev->process_id = etl_le32(p + 12);
        ev->raw_timestamp = (int64_t)etl_le64(p + 16);
        if (ty <= 0x02) {
          ev->kernel_time = etl_le32(p + 24);
          ev->user_time = etl_le32(p + 28);
        }
      }
      etl_kernel_provider(ev);
      break;
    }
    case 0x0A: case 0x14: /* FULL_HEADER (EVENT_TRACE_HEADER) */
    case 0x0B: case 0x15: /* INSTANCE (EVENT_INSTANCE_GUID_HEADER) */
      size = etl_le16(p);
      hdr = (ty == 0x0B || ty == 0x15) ? 0x48u : 0x30u;
      if (size < hdr || size > avail) { *why = "classic record Size is out of range"; return ETL_REC_BAD; }
      ev->header_kind = hdr == 0x48u ? ETL_HT_INSTANCE : ETL_HT_FULL;
      ev->pointer_size = (ty == 0x0A || ty == 0x0B) ? 4 : 8;
      ev->opcode = p[4];
      ev->level = p[5];
      ev->version = (uint8_t)etl_le16(p + 6);
      ev->thread_id = etl_le32(p + 8);
      ev->process_id = etl_le32(p + 12);
      ev->raw_timestamp = (int64_t)etl_le64(p + 16);
      memcpy(ev->provider_id, p + 24, 16);
      ev->kernel_time = etl_le32(p + 40);
      ev->user_time = etl_le32(p + 44);
      break;
    case 0x12: case 0x13: { /* EVENT_HEADER */
      size = etl_le16(p);
      hdr = 0x50;
      if (size < hdr || size > avail) { *why = "EVENT_HEADER Size is out of range"; return ETL_REC_BAD; }
      ev->header_kind = ETL_HT_EVENT;
      ev->event_flags = etl_le16(p + 4);
      ev->pointer_size = (ev->event_flags & 0x20) ? 4 : (ev->event_flags & 0x40) ? 8 : (ty == 0x12 ? 4 : 8);
      ev->event_property = etl_le16(p + 6);
      ev->thread_id = etl_le32(p + 8);
      ev->process_id = etl_le32(p + 12);
      ev->raw_timestamp = (int64_t)etl_le64(p + 16);
      memcpy(ev->provider_id, p + 24, 16);
      ev->event_id = etl_le16(p + 40);
      ev->version = p[42];
      ev->channel = p[43];
      ev->level = p[44];
      ev->opcode = p[45];
      ev->task = etl_le16(p + 46);
      ev->keywords = etl_le64(p + 48);
      if (ev->event_flags & 0x10) { /* NO_CPUTIME: one ProcessorTime u64 */
        ev->kernel_time = etl_le64(p + 56);
      } else {
        ev->kernel_time = etl_le32(p + 56);
        ev->user_time = etl_le32(p + 60);
      }
      memcpy(ev->activity_id, p + 64, 16);
      if (ev->event_flags & 0x1) {
        uint32_t end;
        if (etl_ext_walk(p, hdr, size, &end, ev, why) != 0) {
          *rec_len = size;
          return ETL_REC_CORRUPT; /* the record's extent is known: skip only it */
        }
        ev->ext = p + hdr;
        ev->ext_len = end - hdr;
        hdr = end;
      }
      break;
    }
    case 0x0C: case 0x0D: case 0x0E: /* TIMED / ERROR / WNODE: layout unknown, size first */
      size = etl_le16(p);
      if (size < 8 || size > avail) { *why = "record Size is out of range"; return ETL_REC_BAD; }
      *rec_len = size;
      *why = "unsupported TIMED/ERROR/WNODE record";
      return ETL_REC_SKIP;
    default:
      *why = "unknown record header type";
      return ETL_REC_BAD;
    }
    ev->payload = p + hdr;
    ev->payload_len = size - hdr;
    *rec_len = size;
    return ETL_REC_OK;
  }
  if ((fl & 0x90) == 0x90) { /* MESSAGE_TRACE_HEADER (WPP) */
    uint32_t size = etl_le16(p), off = 8;
    if (size < 8 || size > avail) { *why = "MESSAGE Size is out of range"; return ETL_REC_BAD; }
    uint16_t mf = etl_le16(p + 6);
    ev->header_kind = ETL_HT_MESSAGE;
    ev->message_number = etl_le16(p + 4);
    ev->event_flags = mf;
    uint32_t need = off + ((mf & 0x1) ? 4u : 0u) + ((mf & 0x2) ? 16u : (mf & 0x4) ? 4u : 0u) +
                    ((mf & 0x8) ? 8u : 0u) + ((mf & 0x20) ? 8u : 0u);
    if (need > size) { *why = "MESSAGE optional fields run past the record"; return ETL_REC_BAD; }
    if (mf & 0x1) { ev->sequence = etl_le32(p + off); off += 4; }
    if (mf & 0x2) { memcpy(ev->provider_id, p + off, 16); off += 16; }
    else {
      memset(ev->provider_id, 0, 16);
      if (mf & 0x4) off += 4;
    }
    if (mf & 0x8) { ev->raw_timestamp = (int64_t)etl_le64(p + off); off += 8; }
    if (mf & 0x20) {
      ev->thread_id = etl_le32(p + off);
      ev->process_id = etl_le32(p + off + 4);
      off += 8;
    }
    ev->pointer_size = (mf & 0x40) ? 4 : (mf & 0x80) ? 8 : (uint8_t)(file_ptr_size == 4 ? 4 : 8);
    ev->payload = p + off;
    ev->payload_len = size - off;
    *rec_len = size;
    return ETL_REC_OK;
  }
  *why = "unknown record marker";
  return ETL_REC_BAD;
}

int etl_record_peek(const uint8_t *buf, uint32_t buf_len, uint32_t pos, uint32_t *rec_len,
                    int64_t *raw_ts, bool *has_ts, const char **why) {
  if (pos > buf_len || buf_len - pos < 8) return ETL_REC_END;
  const uint8_t *p = buf + pos;
  uint32_t avail = buf_len - pos;
  if (etl_le32(p) == 0xFFFFFFFFu) return ETL_REC_END;
  uint8_t fl = p[3], ty = p[2];
  uint32_t size, hdr, tsoff;
  *has_ts = true;
  if ((fl & 0xC0) == 0xC0) {
    switch (ty) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x10: case 0x11:
      size = etl_le16(p + 4);
      hdr = ty >= 0x10 ? 0x10u : (ty <= 0x02 ? 0x20u : 0x18u);
      hdr += etl_kernel_extra(etl_le16(p));
      tsoff = ty >= 0x10 ? 8 : 16;
      break;
    case 0x0A: case 0x14: size = etl_le16(p); hdr = 0x30; tsoff = 16; break;
    case 0x0B: case 0x15: size = etl_le16(p); hdr = 0x48; tsoff = 16; break;
    case 0x12: case 0x13: size = etl_le16(p); hdr = 0x50; tsoff = 16; break;
    case 0x0C: case 0x0D: case 0x0E:
      size = etl_le16(p);
      if (size < 8 || size > avail) { *why = "record Size is out of range"; return ETL_REC_BAD; }
      *rec_len = size;
      *has_ts = false;
      *raw_ts = 0;
      return ETL_REC_SKIP;
    default: *why = "unknown record header type"; return ETL_REC_BAD;
    }
    if (size < hdr || size > avail) { *why = "record Size is out of range"; return ETL_REC_BAD; }
    *raw_ts = (int64_t)etl_le64(p + tsoff);
    *rec_len = size;
    return ETL_REC_OK;
  }
  if ((fl & 0x90) == 0x90) {
    size = etl_le16(p);
    if (size < 8 || size > avail) { *why = "MESSAGE Size is out of range"; return ETL_REC_BAD; }
    uint16_t mf = etl_le16(p + 6);
    uint32_t off = 8 + ((mf & 0x1) ? 4u : 0u) + ((mf & 0x2) ? 16u : (mf & 0x4) ? 4u : 0u);
    if ((mf & 0x8) && off + 8 <= size) {
      *raw_ts = (int64_t)etl_le64(p + off);
    } else {
      *has_ts = false;
      *raw_ts = 0;
    }
    *rec_len = size;
    return ETL_REC_OK;
  }
  *why = "unknown record marker";
  return ETL_REC_BAD;
}

bool etl_event_find_ext(const etl_event *ev, uint16_t type, const uint8_t **data, uint32_t *len) {
  if (!ev || !ev->ext) return false;
  uint32_t off = 0;
  for (int n = 0; n < 256; n++) {
    if (ev->ext_len - off < 8) return false;
    const uint8_t *q = ev->ext + off;
    uint32_t isz = etl_le16(q), dsz = etl_le16(q + 6);
    if (isz < 8 || isz > ev->ext_len - off || dsz > isz - 8) return false;
    if (etl_le16(q + 2) == type) {
      *data = q + 8;
      *len = dsz;
      return true;
    }
    off += isz;
    if (!(etl_le16(q + 4) & 1)) return false;
  }
  return false;
}

const char *etl_header_type_name(uint8_t header_kind, uint8_t header_type) {
  if (header_kind == ETL_HT_MESSAGE) return "MESSAGE";
  if (header_kind == ETL_HT_REALTIME) return "REALTIME";
  switch (header_type) {
  case 0x01: return "SYSTEM32";
  case 0x02: return "SYSTEM64";
  case 0x03: return "COMPACT32";
  case 0x04: return "COMPACT64";
  case 0x0A: return "FULL_HEADER32";
  case 0x14: return "FULL_HEADER64";
  case 0x0B: return "INSTANCE32";
  case 0x15: return "INSTANCE64";
  case 0x10: return "PERFINFO32";
  case 0x11: return "PERFINFO64";
  case 0x12: return "EVENT_HEADER32";
  case 0x13: return "EVENT_HEADER64";
  default: return "UNKNOWN";
  }
}
