/* SPDX-License-Identifier: MIT
 * Classic kernel (NT Kernel Logger / MOF) schema source (etw-decoding.md
 * section 5): turns a row of the generated class table (dec_mof_table.c)
 * into a dec_schema for (class GUID, opcode, version) on first use and
 * registers it, so the registry answers next time. Also covers the trace's
 * own EventTrace header/rundown records (source "header") and the
 * KernelTraceControl merge classes. No payload bytes are read here: the
 * shared walker does that. Owner: decode part B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_int.h"
#include "decode/dec_mof.h"

#define MOF_ANY_VERSION 255
#define MOF_MAX_MISSES 4096

typedef struct mof_miss {
  uint8_t guid[16];
  uint8_t opcode, version;
} mof_miss;

typedef struct mof_state {
  mof_miss *misses; /* event types with no class: answered NULL without a scan */
  size_t miss_count;
} mof_state;

static bool mof_is_kernel_trace_control(const dec_mof_class_def *c) {
  return strcmp(c->task, "ImageID") == 0 || strcmp(c->task, "SysConfigEx") == 0;
}

int dec_mof_init(dec_context *ctx, char *err, size_t err_len) {
  (void)err;
  (void)err_len;
  ctx->mof_state = kv_calloc(1, sizeof(mof_state));
  for (size_t i = 0; i < dec_mof_class_count; i++) {
    const dec_mof_class_def *c = &dec_mof_classes[i];
    dec_provider_name_add(ctx, c->guid,
                          mof_is_kernel_trace_control(c) ? "KernelTraceControl" : "MSNT_SystemTrace");
  }
  return 0;
}

void dec_mof_free(dec_context *ctx) {
  mof_state *st = ctx->mof_state;
  if (!st) return;
  free(st->misses);
  free(st);
  ctx->mof_state = NULL;
}

/* Picks the class row for (guid, opcode, version): exact version, else a
 * version-less class, else the highest version below, else the lowest above
 * (the last two set *guessed). Returns the row index or -1. */
static long mof_find_row(const uint8_t guid[16], uint8_t opcode, uint8_t version, int *op_idx,
                         bool *guessed) {
  long exact = -1, any = -1, below = -1, above = -1, sole = -1;
  int exact_op = 0, any_op = 0, below_op = 0, above_op = 0;
  size_t same_version = 0;
  for (size_t i = 0; i < dec_mof_class_count; i++) {
    const dec_mof_class_def *c = &dec_mof_classes[i];
    if (!dec_guid_eq(c->guid, guid)) continue;
    if (c->version == version) {
      same_version++;
      sole = (long)i;
    }
    int k = -1;
    for (int j = 0; j < c->opcode_count; j++)
      if (c->opcodes[j] == opcode) { k = j; break; }
    if (k < 0) continue;
    if (c->version == version) { exact = (long)i; exact_op = k; }
    else if (c->version == MOF_ANY_VERSION) { any = (long)i; any_op = k; }
    else if (c->version < version) {
      if (below < 0 || dec_mof_classes[below].version < c->version) { below = (long)i; below_op = k; }
    } else if (above < 0 || dec_mof_classes[above].version > c->version) {
      above = (long)i;
      above_op = k;
    }
  }
  *guessed = false;
  if (exact >= 0) { *op_idx = exact_op; return exact; }
  if (any >= 0) { *op_idx = any_op; return any; }
  *guessed = true;
  /* Old versions (Image V0/V1) define one class for the Load type only; the
   * other types of that version use the same layout. */
  if (same_version == 1) { *op_idx = -1; return sole; }
  if (below >= 0) { *op_idx = below_op; return below; }
  if (above >= 0) { *op_idx = above_op; return above; }
  return -1;
}

static const char *mof_join(dec_context *ctx, const char *a, const char *b) {
  size_t x = strlen(a), y = strlen(b);
  char *s = dec_alloc(ctx, x + y + 2);
  memcpy(s, a, x);
  s[x] = '/';
  memcpy(s + x + 1, b, y + 1);
  return s;
}

const dec_schema *dec_mof_schema_for_row(dec_context *ctx, size_t row, int op_idx, bool guessed,
                                         uint8_t op_number) {
  const dec_mof_class_def *c = &dec_mof_classes[row];
  bool header = dec_guid_eq(c->guid, ETL_GUID_EVENT_TRACE);
  dec_schema *s = dec_schema_new(ctx, header ? DEC_SRC_HEADER : DEC_SRC_KERNEL_MOF);
  memcpy(s->provider_id, c->guid, 16);
  s->provider_name = mof_is_kernel_trace_control(c) ? "KernelTraceControl" : "MSNT_SystemTrace";
  s->task_name = c->task;
  char opbuf[8];
  const char *opname = c->opcode_names[0];
  if (op_idx >= 0) {
    opname = c->opcode_names[op_idx];
  } else { /* layout borrowed from the version's only class: name by number */
    snprintf(opbuf, sizeof opbuf, "%u", (unsigned)op_number);
    opname = dec_strdup(ctx, opbuf, strlen(opbuf));
  }
  s->opcode_name = opname;
  s->event_name = mof_join(ctx, c->task, opname);
  if (guessed) s->flags |= DEC_SF_VERSION_GUESS;
  dec_field *pre = c->field_count ? kv_calloc(c->field_count, sizeof(dec_field)) : NULL;
  for (uint16_t i = 0; i < c->field_count; i++) {
    const dec_mof_field_def *d = &c->fields[i];
    dec_field *f = &pre[i];
    f->name = d->name;
    f->name_len = (uint16_t)strlen(d->name);
    f->in_type = d->in_type;
    f->out_type = d->out_type;
    if (d->out_type == DEC_OUT_NOPRINT) {
      f->out_type = DEC_OUT_NULL;
      f->flags |= DEC_FF_HIDDEN;
    }
    if (d->len_kind == 1) {
      f->len_kind = DEC_LEN_FIXED;
      f->length = d->length;
    }
    if (d->count_kind == 1) {
      f->count_kind = DEC_COUNT_FIXED;
      f->count = d->count;
    } else if (d->count_kind == 2) {
      f->count_kind = DEC_COUNT_FIELD;
      f->count = d->count;
    }
  }
  bool ok = dec_schema_layout(ctx, s, pre, c->field_count);
  free(pre);
  return ok ? s : NULL;
}

static bool mof_missed(mof_state *st, const uint8_t guid[16], uint8_t op, uint8_t ver) {
  for (size_t i = 0; i < st->miss_count; i++)
    if (st->misses[i].opcode == op && st->misses[i].version == ver &&
        dec_guid_eq(st->misses[i].guid, guid))
      return true;
  return false;
}

const dec_schema *dec_mof_lookup(dec_context *ctx, const etl_event *ev) {
  mof_state *st = ctx->mof_state;
  if (!st) return NULL;
  if (ev->header_kind != ETL_HT_SYSTEM && ev->header_kind != ETL_HT_PERFINFO &&
      ev->header_kind != ETL_HT_FULL && ev->header_kind != ETL_HT_INSTANCE)
    return NULL;
  if (mof_missed(st, ev->provider_id, ev->opcode, ev->version)) return NULL;
  int op_idx = 0;
  bool guessed = false;
  long row = mof_find_row(ev->provider_id, ev->opcode, ev->version, &op_idx, &guessed);
  const dec_schema *s = row >= 0 ? dec_mof_schema_for_row(ctx, (size_t)row, op_idx, guessed, ev->opcode) : NULL;
  if (!s) {
    if (st->miss_count < MOF_MAX_MISSES) {
      if (!st->misses) st->misses = kv_calloc(MOF_MAX_MISSES, sizeof(mof_miss));
      mof_miss *m = &st->misses[st->miss_count++];
      memcpy(m->guid, ev->provider_id, 16);
      m->opcode = ev->opcode;
      m->version = ev->version;
    }
    return NULL;
  }
  dec_key key;
  memset(&key, 0, sizeof key);
  memcpy(key.guid, ev->provider_id, 16);
  key.id = ev->opcode;
  key.version = ev->version;
  key.kind = DEC_KEY_CLASSIC;
  dec_registry_add(ctx, &key, s, DEC_PRIO_BUNDLED);
  return s;
}
