/* SPDX-License-Identifier: MIT
 * Classic kernel (NT Kernel Logger / MOF) schema source (etw-decoding.md
 * section 5): turns a row of the generated class table (dec_mof_table.c)
 * into a dec_schema for (class GUID, opcode, version) on first use and
 * caches it under that exact key (mof_slot; not in the shared registry, see
 * there). Also covers the trace's own EventTrace header/rundown records
 * (source "header") and the KernelTraceControl merge classes. Payload bytes
 * are only probed (mof_probe) to pick a layout; the shared walker decodes.
 * Owner: decode part B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_int.h"
#include "decode/dec_mof.h"

#define MOF_ANY_VERSION 255


/* Classic records written by user-mode tools (FULL/INSTANCE headers) are not
 * registered: their layout can disagree with the header's pointer size
 * (syzygy's *_64_* files: 64-bit layouts in FULL_HEADER32 records), so each
 * record is probed (mof_probe) and may get a layout variant. Cached per key. */
#define MOF_MAX_CLASSIC 512
enum { MOF_SID_RULE = 0, MOF_SID_TOKEN, MOF_SID_NULL4 };
typedef struct mof_classic {
  uint8_t guid[16];
  uint8_t opcode, version, header_ptr;
  const dec_schema *base;
  const dec_schema *variant[2][2]; /* [ptr 4/8][SID token/null4] */
  const dec_schema *variant_rule[2]; /* [ptr 4/8], WBEMSID kept (walker rule) */
} mof_classic;

/* Classes whose last field takes the rest of the payload (StackWalk frames):
 * one schema per element count, built on first use. Not registered. */
#define MOF_MAX_REST_KEYS 64
#define MOF_MAX_REST_COUNT 1024
typedef struct mof_rest {
  uint8_t guid[16];
  uint8_t opcode, version, ptr;
  long row;
  int op_idx;
  bool guessed;
  const dec_schema *by_count[MOF_MAX_REST_COUNT + 1];
} mof_rest;

/* Exact-key cache (class GUID, opcode, version, pointer size, user-mode):
 * what the table scan decided for that event type. Kept here rather than in
 * the shared registry because the registry answers a missing version with a
 * neighbouring one, which is wrong for MOF classes whose layout changes with
 * the version (FileIo V2 vs V3): the MOF source must see every new version. */
enum { MOF_C_MISS = 1, MOF_C_SCHEMA, MOF_C_CLASSIC, MOF_C_REST };
typedef struct mof_slot {
  uint8_t guid[16];
  uint8_t opcode, version, ptr, user_mode;
  uint8_t type;                /* MOF_C_*; 0 = empty slot */
  const dec_schema *schema;    /* MOF_C_SCHEMA */
  mof_classic *classic;        /* MOF_C_CLASSIC */
  mof_rest *rest;              /* MOF_C_REST */
} mof_slot;

typedef struct mof_state {
  mof_slot *slots;             /* open addressing, power-of-two capacity */
  size_t slot_cap, slot_used;
  mof_classic *classic;
  size_t classic_count;
  mof_rest *rest;
  size_t rest_count;
} mof_state;

static bool mof_is_kernel_trace_control(const dec_mof_class_def *c) {
  return strcmp(c->task, "ImageID") == 0 || strcmp(c->task, "SysConfigEx") == 0 ||
         strcmp(c->task, "WinSat") == 0 || strcmp(c->task, "EventMetadata") == 0;
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
  free(st->slots);
  free(st->classic);
  free(st->rest);
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
  return dec_mof_schema_for_row_n(ctx, row, op_idx, guessed, op_number, 0);
}

const dec_schema *dec_mof_schema_for_row_n(dec_context *ctx, size_t row, int op_idx, bool guessed,
                                           uint8_t op_number, uint32_t rest_count) {
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
    } else if (d->count_kind == 3) {
      f->count_kind = DEC_COUNT_FIXED;
      f->count = (uint16_t)(rest_count > 65535 ? 65535 : rest_count);
    }
  }
  bool ok = dec_schema_layout(ctx, s, pre, c->field_count);
  free(pre);
  return ok ? s : NULL;
}



/* Bytes a MOF schema consumes from p[0, n) with pointer size ptr and the
 * given WBEMSID reading; -1 when a field does not fit or a string is not
 * terminated. Only the in-types the MOF table produces are known. */
static long mof_probe(const dec_schema *s, const uint8_t *p, uint32_t n, unsigned ptr, int sid_mode,
                      size_t *bad) {
  uint64_t vals[256];
  *bad = 0;
  size_t off = 0;
  for (uint16_t i = 0; i < s->field_count; i++) {
    const dec_field *f = &s->fields[i];
    uint64_t count = 1;
    if (f->count_kind == DEC_COUNT_FIXED) count = f->count;
    else if (f->count_kind == DEC_COUNT_FIELD) count = f->count < 256 ? vals[f->count] : 0;
    if (count > 65536) return -1;
    uint64_t last = 0;
    for (uint64_t k = 0; k < count; k++) {
      size_t rem = n - off, sz;
      const uint8_t *q = p + off;
      switch (f->in_type) {
      case DEC_IN_INT8: case DEC_IN_UINT8: case DEC_IN_ANSICHAR: sz = 1; break;
      case DEC_IN_INT16: case DEC_IN_UINT16: case DEC_IN_UNICODECHAR: sz = 2; break;
      case DEC_IN_INT32: case DEC_IN_UINT32: case DEC_IN_HEXINT32: case DEC_IN_BOOLEAN:
      case DEC_IN_FLOAT: sz = 4; break;
      case DEC_IN_INT64: case DEC_IN_UINT64: case DEC_IN_HEXINT64: case DEC_IN_FILETIME:
      case DEC_IN_DOUBLE: sz = 8; break;
      case DEC_IN_GUID: case DEC_IN_SYSTEMTIME: sz = 16; break;
      case DEC_IN_POINTER: case DEC_IN_SIZET: sz = ptr; break;
      case DEC_IN_BINARY: sz = f->len_kind == DEC_LEN_FIXED ? f->length : 16; break;
      case DEC_IN_SID:
        if (rem < 8) return -1;
        sz = 8 + 4 * (size_t)q[1];
        break;
      case DEC_IN_WBEMSID:
        if (rem < 4) return -1;
        if (sid_mode == MOF_SID_NULL4 || (sid_mode == MOF_SID_RULE && dec_le32(q) == 0)) {
          sz = 4;
        } else {
          if (rem < 2 * (size_t)ptr + 8) return -1;
          const uint8_t *sid = q + 2 * ptr;
          if (sid[0] != 1 || sid[1] > 15) return -1;
          sz = 2 * (size_t)ptr + 8 + 4 * (size_t)sid[1];
        }
        break;
      case DEC_IN_UNICODESTRING:
        if (f->len_kind == DEC_LEN_FIXED) { sz = 2 * (size_t)f->length; break; }
        for (sz = 0;; sz += 2) {
          if (sz + 2 > rem) { /* unterminated: the walker takes the rest */
            if (sz != rem) return -1;
            *bad += 1;
            break;
          }
          if (!q[sz] && !q[sz + 1]) { sz += 2; break; }
          unsigned c = (unsigned)q[sz] | (unsigned)q[sz + 1] << 8;
          /* implausible text: controls, private use, surrogates (heavy);
           * non-ASCII (light: a misaligned string starts with a mixed unit) */
          if (c < 0x20 || (c >= 0xD800 && c <= 0xF8FF)) *bad += 1024;
          else if (c >= 0x80) *bad += 1;
        }
        break;
      case DEC_IN_ANSISTRING:
        if (f->len_kind == DEC_LEN_FIXED) { sz = f->length; break; }
        for (sz = 0;; sz++) {
          if (sz >= rem) { *bad += 1; break; } /* unterminated: to the end */
          if (!q[sz]) { sz++; break; }
          if (q[sz] < 0x20) *bad += 1024;
        }
        break;
      case DEC_IN_COUNTEDSTRING: case DEC_IN_COUNTEDANSISTRING: case DEC_IN_COUNTEDSTRING_300:
      case DEC_IN_COUNTEDANSISTRING_301:
        if (rem < 2) return -1;
        sz = 2 + (size_t)dec_le16(q);
        break;
      case DEC_IN_NONNULLTERMINATEDSTRING: case DEC_IN_NONNULLTERMINATEDANSISTRING:
        sz = rem;
        break;
      default:
        return -1;
      }
      if (sz > rem) return -1;
      if (sz <= 8 && f->in_type != DEC_IN_UNICODESTRING && f->in_type != DEC_IN_ANSISTRING) {
        last = 0;
        for (size_t b = 0; b < sz; b++) last |= (uint64_t)q[b] << (8 * b);
      }
      off += sz;
    }
    if (i < 256) vals[i] = last;
  }
  return (long)off;
}

/* A copy of base with explicit pointer widths (and the WBEMSID read as
 * TOKEN_USER + SID, or as a 4-byte null) for records whose bytes follow
 * another pointer size than their header states. */
static const dec_schema *mof_variant(dec_context *ctx, const dec_schema *base, unsigned ptr,
                                     int sid_mode) {
  size_t n = base->field_count, extra = 0;
  for (size_t i = 0; i < n; i++)
    if (base->fields[i].in_type == DEC_IN_WBEMSID) extra++;
  dec_field *pre = kv_calloc(n + extra + 1, sizeof(dec_field));
  uint16_t *map = kv_calloc(n + 1, sizeof(uint16_t));
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    dec_field f = base->fields[i];
    if (f.in_type == DEC_IN_POINTER || f.in_type == DEC_IN_SIZET) {
      bool p = f.in_type == DEC_IN_POINTER;
      f.in_type = ptr == 4 ? DEC_IN_UINT32 : DEC_IN_UINT64;
      f.out_type = p ? (ptr == 4 ? DEC_OUT_HEXINT32 : DEC_OUT_HEXINT64) : DEC_OUT_NULL;
    } else if (f.in_type == DEC_IN_WBEMSID && sid_mode != MOF_SID_RULE) {
      dec_field tok = f;
      tok.flags |= DEC_FF_HIDDEN;
      if (sid_mode == MOF_SID_TOKEN) {
        tok.in_type = DEC_IN_BINARY;
        tok.out_type = DEC_OUT_HEXBINARY;
        tok.len_kind = DEC_LEN_FIXED;
        tok.length = (uint16_t)(2 * ptr);
        pre[o++] = tok;
        f.in_type = DEC_IN_SID;
        f.out_type = DEC_OUT_NULL;
      } else {
        tok.in_type = DEC_IN_UINT32;
        tok.out_type = DEC_OUT_NULL;
        f = tok;
      }
    }
    map[i] = (uint16_t)o;
    pre[o++] = f;
  }
  for (size_t i = 0; i < o; i++) {
    if (pre[i].count_kind == DEC_COUNT_FIELD) pre[i].count = map[pre[i].count < n ? pre[i].count : 0];
    if (pre[i].len_kind == DEC_LEN_FIELD) pre[i].length = map[pre[i].length < n ? pre[i].length : 0];
  }
  dec_schema *s = dec_schema_new(ctx, (dec_source)base->source);
  memcpy(s->provider_id, base->provider_id, 16);
  s->provider_name = base->provider_name;
  s->event_name = base->event_name;
  s->task_name = base->task_name;
  s->opcode_name = base->opcode_name;
  s->flags = base->flags;
  bool ok = dec_schema_layout(ctx, s, pre, o);
  free(pre);
  free(map);
  if (!ok) return base;
  dec_schema_prepare(ctx, s); /* not registered: prepare it ourselves */
  return s;
}

/* Chooses the layout of one user-mode classic record (see mof_classic). */
static const dec_schema *mof_classic_pick(dec_context *ctx, mof_classic *c, const etl_event *ev) {
  unsigned hp = ev->pointer_size == 4 ? 4 : 8, other = hp == 4 ? 8 : 4;
  const uint8_t *p = ev->payload;
  uint32_t n = p ? ev->payload_len : 0;
  /* Candidates in order of preference; the one that consumes the payload
   * exactly with the fewest implausible string characters wins. The other
   * pointer size with the walker's SID rule is only expressible without a
   * WBEMSID field (the walker sizes a TOKEN_USER by the record). */
  bool has_sid = false;
  for (uint16_t i = 0; i < c->base->field_count; i++)
    if (c->base->fields[i].in_type == DEC_IN_WBEMSID) has_sid = true;
  const unsigned ptrs[5] = {hp, other, other, hp, other};
  const int modes[5] = {MOF_SID_RULE, MOF_SID_RULE, MOF_SID_TOKEN, MOF_SID_TOKEN, MOF_SID_NULL4};
  int best = -1;
  size_t best_bad = SIZE_MAX;
  for (int k = 0; k < 5; k++) {
    size_t bad = 0;
    if (k == 1 && has_sid) continue;
    if (k >= 2 && !has_sid) break;
    if (mof_probe(c->base, p, n, ptrs[k], modes[k], &bad) != (long)n) continue;
    if (bad < best_bad) {
      best = k;
      best_bad = bad;
    }
    if (bad == 0) break;
  }
  if (best <= 0) return c->base; /* header layout, or nothing fits: the walker says where it stops */
  const dec_schema **slot = modes[best] == MOF_SID_RULE ? &c->variant_rule[ptrs[best] == 8]
                            : &c->variant[ptrs[best] == 8][modes[best] == MOF_SID_NULL4];
  if (!*slot) *slot = mof_variant(ctx, c->base, ptrs[best], modes[best]);
  return *slot;
}

static bool mof_row_has_rest(size_t row) {
  const dec_mof_class_def *c = &dec_mof_classes[row];
  return c->field_count && c->fields[c->field_count - 1].count_kind == 3;
}

/* Bytes of a rest-array row's fixed prefix and of one element; false when
 * the prefix is not fixed-size. */
static bool mof_rest_sizes(size_t row, unsigned ptr, size_t *prefix, size_t *elem) {
  const dec_mof_class_def *c = &dec_mof_classes[row];
  *prefix = 0;
  for (uint16_t i = 0; i < c->field_count; i++) {
    const dec_mof_field_def *d = &c->fields[i];
    size_t sz;
    switch (d->in_type) {
    case DEC_IN_INT8: case DEC_IN_UINT8: sz = 1; break;
    case DEC_IN_INT16: case DEC_IN_UINT16: sz = 2; break;
    case DEC_IN_INT32: case DEC_IN_UINT32: case DEC_IN_HEXINT32: sz = 4; break;
    case DEC_IN_INT64: case DEC_IN_UINT64: case DEC_IN_HEXINT64: case DEC_IN_FILETIME: sz = 8; break;
    case DEC_IN_POINTER: case DEC_IN_SIZET: sz = ptr; break;
    case DEC_IN_GUID: sz = 16; break;
    default: return false;
    }
    if (d->count_kind == 3) {
      *elem = sz;
      return i == c->field_count - 1;
    }
    if (d->count_kind != 0) return false;
    *prefix += sz;
  }
  return false;
}

static mof_rest *mof_rest_new(mof_state *st, const etl_event *ev, long row, int op_idx, bool guessed) {
  if (st->rest_count >= MOF_MAX_REST_KEYS) return NULL;
  if (!st->rest) st->rest = kv_calloc(MOF_MAX_REST_KEYS, sizeof(mof_rest));
  mof_rest *r = &st->rest[st->rest_count++];
  memcpy(r->guid, ev->provider_id, 16);
  r->opcode = ev->opcode;
  r->version = ev->version;
  r->ptr = ev->pointer_size == 4 ? 4 : 8;
  r->row = row;
  r->op_idx = op_idx;
  r->guessed = guessed;
  return r;
}

/* The schema for this record's element count (built on first use). */
static const dec_schema *mof_rest_get(dec_context *ctx, mof_rest *r, const etl_event *ev) {
  size_t prefix = 0, elem = 1;
  if (!mof_rest_sizes((size_t)r->row, r->ptr, &prefix, &elem) || !elem) return NULL;
  size_t len = ev->payload ? ev->payload_len : 0;
  size_t count = len > prefix ? (len - prefix) / elem : 0;
  if (count > MOF_MAX_REST_COUNT) count = MOF_MAX_REST_COUNT; /* the walker reports the rest */
  if (!r->by_count[count]) {
    dec_schema *s = (dec_schema *)dec_mof_schema_for_row_n(ctx, (size_t)r->row, r->op_idx, r->guessed,
                                                           ev->opcode, (uint32_t)count);
    if (!s) return NULL;
    dec_schema_prepare(ctx, s); /* not registered: prepare it ourselves */
    r->by_count[count] = s;
  }
  return r->by_count[count];
}

static size_t mof_hash(const uint8_t guid[16], uint8_t op, uint8_t ver, uint8_t ptr, uint8_t um) {
  uint64_t h = 1469598103934665603ull;
  for (int i = 0; i < 16; i++) h = (h ^ guid[i]) * 1099511628211ull;
  h = (h ^ op) * 1099511628211ull;
  h = (h ^ ver) * 1099511628211ull;
  h = (h ^ (uint64_t)(ptr | um << 4)) * 1099511628211ull;
  return (size_t)(h ^ (h >> 29));
}

/* Finds the slot of a key (an empty one when absent). */
static mof_slot *mof_slot_find(mof_state *st, const etl_event *ev, uint8_t ptr, uint8_t um) {
  if (!st->slots) return NULL;
  size_t mask = st->slot_cap - 1, i = mof_hash(ev->provider_id, ev->opcode, ev->version, ptr, um) & mask;
  for (;;) {
    mof_slot *sl = &st->slots[i];
    if (!sl->type) return sl;
    if (sl->opcode == ev->opcode && sl->version == ev->version && sl->ptr == ptr && sl->user_mode == um &&
        dec_guid_eq(sl->guid, ev->provider_id))
      return sl;
    i = (i + 1) & mask;
  }
}

static mof_slot *mof_slot_add(mof_state *st, const etl_event *ev, uint8_t ptr, uint8_t um) {
  if (st->slot_used * 2 >= st->slot_cap) { /* grow and rehash */
    size_t cap = st->slot_cap ? st->slot_cap * 2 : 256;
    mof_slot *old = st->slots;
    size_t oldcap = st->slot_cap;
    st->slots = kv_calloc(cap, sizeof(mof_slot));
    st->slot_cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
      if (!old[i].type) continue;
      size_t j = mof_hash(old[i].guid, old[i].opcode, old[i].version, old[i].ptr, old[i].user_mode) & (cap - 1);
      while (st->slots[j].type) j = (j + 1) & (cap - 1);
      st->slots[j] = old[i];
    }
    free(old);
  }
  mof_slot *sl = mof_slot_find(st, ev, ptr, um);
  memset(sl, 0, sizeof *sl);
  memcpy(sl->guid, ev->provider_id, 16);
  sl->opcode = ev->opcode;
  sl->version = ev->version;
  sl->ptr = ptr;
  sl->user_mode = um;
  st->slot_used++;
  return sl;
}

const dec_schema *dec_mof_lookup(dec_context *ctx, const etl_event *ev) {
  mof_state *st = ctx->mof_state;
  if (!st) return NULL;
  /* Real-time sessions deliver classic events as EVENT_RECORDs flagged
   * EVENT_HEADER_FLAG_CLASSIC_HEADER (0x0100); their pointer size is exact. */
  bool realtime_classic = ev->header_kind == ETL_HT_REALTIME && (ev->event_flags & 0x0100);
  if (ev->header_kind != ETL_HT_SYSTEM && ev->header_kind != ETL_HT_PERFINFO &&
      ev->header_kind != ETL_HT_FULL && ev->header_kind != ETL_HT_INSTANCE && !realtime_classic)
    return NULL;
  uint8_t um = ev->header_kind == ETL_HT_FULL || ev->header_kind == ETL_HT_INSTANCE;
  uint8_t ptr = ev->pointer_size == 4 ? 4 : 8;
  mof_slot *sl = mof_slot_find(st, ev, ptr, um);
  if (sl && sl->type) {
    switch (sl->type) {
    case MOF_C_SCHEMA: return sl->schema;
    case MOF_C_CLASSIC: return mof_classic_pick(ctx, sl->classic, ev);
    case MOF_C_REST: return mof_rest_get(ctx, sl->rest, ev);
    default: return NULL; /* MOF_C_MISS */
    }
  }
  int op_idx = 0;
  bool guessed = false;
  long row = mof_find_row(ev->provider_id, ev->opcode, ev->version, &op_idx, &guessed);
  if (row >= 0 && mof_row_has_rest((size_t)row)) {
    mof_rest *r = mof_rest_new(st, ev, row, op_idx, guessed);
    if (r) {
      sl = mof_slot_add(st, ev, ptr, um);
      sl->type = MOF_C_REST;
      sl->rest = r;
      return mof_rest_get(ctx, r, ev);
    }
  }
  dec_schema *s = row >= 0 ? (dec_schema *)dec_mof_schema_for_row(ctx, (size_t)row, op_idx, guessed, ev->opcode)
                           : NULL;
  if (s) dec_schema_prepare(ctx, s); /* ours, never registered: prepare it here */
  if (s && um && st->classic_count < MOF_MAX_CLASSIC) {
    if (!st->classic) st->classic = kv_calloc(MOF_MAX_CLASSIC, sizeof(mof_classic));
    mof_classic *c = &st->classic[st->classic_count++];
    memcpy(c->guid, ev->provider_id, 16);
    c->opcode = ev->opcode;
    c->version = ev->version;
    c->header_ptr = ptr;
    c->base = s;
    sl = mof_slot_add(st, ev, ptr, um);
    sl->type = MOF_C_CLASSIC;
    sl->classic = c;
    return mof_classic_pick(ctx, c, ev);
  }
  sl = mof_slot_add(st, ev, ptr, um);
  sl->type = s ? MOF_C_SCHEMA : MOF_C_MISS;
  sl->schema = s;
  return s;
}
