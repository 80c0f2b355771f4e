/* SPDX-License-Identifier: MIT
 * JSON cells with a last-value memory per column (see sink_json_cell.h). The
 * text of a value is always produced by kv_to_json and only replayed here, so
 * the memory cannot change the output; datetimes replay the text of the same
 * second and write only the 7 fraction digits. */
#include "sink/sink_json_cell.h"

#include <string.h>

/* The bytes that identify a scalar of this type, or 0 when it is not memoized
 * (dynamic, decimal, long strings: formatted every time). */
static uint32_t sink_json_key(const kv_value *v, const uint8_t **key) {
  switch (v->type) {
    case KV_BOOL:
    case KV_INT:
    case KV_LONG:
    case KV_REAL:
    case KV_TIMESPAN:
      *key = (const uint8_t *)&v->u.i;
      return 8;
    case KV_GUID:
      *key = v->u.g;
      return 16;
    default: return 0;
  }
}

static void sink_json_remember(sink_json_memo *m, kv_value v, const void *key, uint32_t key_len,
                               const char *text, size_t text_len) {
  if (text_len > SINK_JSON_MEMO_TEXT || key_len > SINK_JSON_MEMO_KEY) return;
  sink_json_memo_entry *e = &m->way[m->next];
  m->next = (m->next + 1) % SINK_JSON_MEMO_WAYS;
  e->valid = true;
  e->type = v.type;
  e->key_len = key_len;
  memcpy(e->key, key, key_len);
  e->text_len = (uint32_t)text_len;
  memcpy(e->text, text, text_len);
}

/* Datetime in 0001..9999: "yyyy-mm-ddThh:mm:ss.fffffffZ" in quotes (30 bytes);
 * the first 21 bytes depend only on the second. */
static void sink_json_datetime(kv_buf *b, sink_json_memo *m, kv_value v) {
  int64_t t = v.u.i;
  int64_t sec = t / KV_TICKS_PER_SECOND, frac = t % KV_TICKS_PER_SECOND;
  if (frac < 0) {
    frac += KV_TICKS_PER_SECOND;
    sec--;
  }
  if (!(m->dt_valid && m->dt_second == sec)) {
    size_t start = b->len;
    kv_to_json(b, v);
    size_t n = b->len - start;
    m->dt_valid = n == 30 && b->data[start + 20] == '.';
    if (m->dt_valid) {
      m->dt_second = sec;
      memcpy(m->dt_text, b->data + start, 21);
    }
    return;
  }
  kv_buf_reserve(b, 30);
  char *p = b->data + b->len;
  memcpy(p, m->dt_text, 21);
  for (int i = 27; i >= 21; i--) {
    p[i] = (char)('0' + frac % 10);
    frac /= 10;
  }
  p[28] = 'Z';
  p[29] = '"';
  b->len += 30;
  b->data[b->len] = '\0';
}

/* memcmp for the short keys of this file, without a library call. */
static inline bool sink_json_same(const uint8_t *a, const uint8_t *b, uint32_t n) {
  uint64_t x, y;
  while (n >= 8) {
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x != y) return false;
    a += 8;
    b += 8;
    n -= 8;
  }
  while (n--)
    if (*a++ != *b++) return false;
  return true;
}

void sink_json_cell(kv_buf *b, sink_json_memo *m, kv_value v) {
  if (kv_is_null(v)) {
    kv_buf_append(b, "null", 4);
    return;
  }
  if (v.type == KV_DATETIME) {
    sink_json_datetime(b, m, v);
    return;
  }
  const uint8_t *key = NULL;
  uint32_t key_len;
  if (v.type == KV_STRING) {
    key = (const uint8_t *)v.u.s;
    key_len = v.len;
    if (key_len > SINK_JSON_MEMO_KEY) {
      kv_to_json(b, v);
      return;
    }
  } else {
    key_len = sink_json_key(&v, &key);
    if (!key_len) {
      kv_to_json(b, v);
      return;
    }
  }
  for (int i = 0; i < SINK_JSON_MEMO_WAYS; i++) {
    const sink_json_memo_entry *e = &m->way[i];
    if (e->valid && e->type == v.type && e->key_len == key_len && sink_json_same(e->key, key, key_len)) {
      kv_buf_append(b, e->text, e->text_len);
      return;
    }
  }
  size_t start = b->len;
  kv_to_json(b, v);
  sink_json_remember(m, v, key, key_len, b->data + start, b->len - start);
}
