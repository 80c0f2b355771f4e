/* SPDX-License-Identifier: MIT
 * TMF (WPP trace message format) parser: "GUID component // SRC=" lines,
 * "#typev tag N "format" // LEVEL= FLAGS= FUNC=" messages with their
 * "{ name, ItemX -- N }" argument blocks, and "#enumv NAME { Label,0xV }"
 * tables (etw-decoding.md section 6). Text in, a lookup table out; the only
 * file access is dec_tmf_db_load_path through platform.h. Owner: decode B. */
#include "decode/dec_wpp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

/* Limits that keep hostile TMF text from exhausting memory or time. */
#define TMF_MAX_ARGS 128
#define TMF_MAX_LIST_NAMES 256

typedef struct tmf_enum {
  char *name;
  dec_tmf_enum_item *items;
  size_t count, cap;
} tmf_enum;

struct dec_tmf_db {
  dec_tmf_msg *msgs;      /* sorted by (guid, number) after each load */
  size_t msg_count, msg_cap;
  tmf_enum *enums;
  size_t enum_count, enum_cap;
  char **strings;         /* every string the db owns, freed together */
  size_t string_count, string_cap;
  void **blocks;          /* arg arrays and name arrays */
  size_t block_count, block_cap;
};

/* ---- ownership helpers: everything is freed by dec_tmf_db_free ---- */

static void *tmf_grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  size_t n = *cap ? *cap * 2 : 16;
  while (n < need) n *= 2;
  *cap = n;
  return kv_realloc(p, n * elem);
}

static const char *tmf_str(dec_tmf_db *db, const char *s, size_t len) {
  db->strings = tmf_grow(db->strings, &db->string_cap, db->string_count + 1, sizeof(char *));
  char *c = kv_strndup(s, len);
  db->strings[db->string_count++] = c;
  return c;
}

static void *tmf_block(dec_tmf_db *db, size_t bytes) {
  db->blocks = tmf_grow(db->blocks, &db->block_cap, db->block_count + 1, sizeof(void *));
  void *b = kv_calloc(1, bytes ? bytes : 1);
  db->blocks[db->block_count++] = b;
  return b;
}

dec_tmf_db *dec_tmf_db_new(void) { return kv_calloc(1, sizeof(dec_tmf_db)); }

void dec_tmf_db_free(dec_tmf_db *db) {
  if (!db) return;
  for (size_t i = 0; i < db->string_count; i++) free(db->strings[i]);
  for (size_t i = 0; i < db->block_count; i++) free(db->blocks[i]);
  for (size_t i = 0; i < db->enum_count; i++) {
    free(db->enums[i].name);
    free(db->enums[i].items);
  }
  free(db->strings);
  free(db->blocks);
  free(db->enums);
  free(db->msgs);
  free(db);
}

/* ---- small text helpers over (ptr, len) slices ---- */

typedef struct tmf_slice {
  const char *p;
  size_t n;
} tmf_slice;

static bool tmf_is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static tmf_slice tmf_trim(tmf_slice s) {
  while (s.n && tmf_is_space(s.p[0])) { s.p++; s.n--; }
  while (s.n && tmf_is_space(s.p[s.n - 1])) s.n--;
  return s;
}

static bool tmf_starts(tmf_slice s, const char *lit) {
  size_t n = strlen(lit);
  return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static bool tmf_eq(tmf_slice s, const char *lit) {
  return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* Next whitespace-delimited token of *s (advances *s). */
static tmf_slice tmf_token(tmf_slice *s) {
  *s = tmf_trim(*s);
  size_t i = 0;
  while (i < s->n && !tmf_is_space(s->p[i])) i++;
  tmf_slice t = {s->p, i};
  s->p += i;
  s->n -= i;
  return t;
}

static int tmf_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into Windows byte order. */
static bool tmf_parse_guid(tmf_slice s, uint8_t g[16]) {
  static const int groups[5] = {8, 4, 4, 4, 12};
  uint8_t raw[16];
  size_t pos = 0, out = 0;
  if (s.n != 36) return false;
  for (int gi = 0; gi < 5; gi++) {
    if (gi) {
      if (s.p[pos] != '-') return false;
      pos++;
    }
    for (int k = 0; k < groups[gi]; k += 2) {
      int hi = tmf_hexval(s.p[pos]), lo = tmf_hexval(s.p[pos + 1]);
      if (hi < 0 || lo < 0) return false;
      raw[out++] = (uint8_t)(hi << 4 | lo);
      pos += 2;
    }
  }
  /* Data1..Data3 are little-endian in memory. */
  g[0] = raw[3]; g[1] = raw[2]; g[2] = raw[1]; g[3] = raw[0];
  g[4] = raw[5]; g[5] = raw[4];
  g[6] = raw[7]; g[7] = raw[6];
  memcpy(g + 8, raw + 8, 8);
  return true;
}

/* Decimal or 0x-hex unsigned number; false when not a number. */
static bool tmf_parse_uint(tmf_slice s, uint64_t *v) {
  s = tmf_trim(s);
  uint64_t r = 0;
  size_t i = 0;
  if (s.n == 0) return false;
  if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
    for (i = 2; i < s.n; i++) {
      int h = tmf_hexval(s.p[i]);
      if (h < 0 || r >> 60) return false;
      r = r << 4 | (uint64_t)h;
    }
  } else {
    for (; i < s.n; i++) {
      if (s.p[i] < '0' || s.p[i] > '9') return false;
      uint64_t d = (uint64_t)(s.p[i] - '0');
      if (r > (UINT64_MAX - d) / 10) return false;
      r = r * 10 + d;
    }
  }
  *v = r;
  return true;
}

/* ---- item type names (ORDER DEC_WPP_ITEM is not needed: lookup by name) ---- */

typedef struct tmf_item_name {
  const char *name;
  uint8_t item;
  uint8_t width; /* LIST/SET wire width */
} tmf_item_name;

static const tmf_item_name tmf_items[] = {
    {"ItemChar", DEC_WPP_ITEM_CHAR, 1},
    {"ItemUChar", DEC_WPP_ITEM_UCHAR, 1},
    {"ItemShort", DEC_WPP_ITEM_SHORT, 2},
    {"ItemUShort", DEC_WPP_ITEM_USHORT, 2},
    {"ItemLong", DEC_WPP_ITEM_LONG, 4},
    {"ItemULong", DEC_WPP_ITEM_ULONG, 4},
    {"ItemULongX", DEC_WPP_ITEM_ULONGX, 4},
    {"ItemLongX", DEC_WPP_ITEM_ULONGX, 4},
    {"ItemLongLong", DEC_WPP_ITEM_LONGLONG, 8},
    {"ItemULongLong", DEC_WPP_ITEM_ULONGLONG, 8},
    {"ItemLongLongX", DEC_WPP_ITEM_LONGLONGX, 8},
    {"ItemULongLongX", DEC_WPP_ITEM_LONGLONGX, 8},
    {"ItemLongLongXX", DEC_WPP_ITEM_LONGLONGXX, 8},
    {"ItemULongLongXX", DEC_WPP_ITEM_LONGLONGXX, 8},
    {"ItemLongLongO", DEC_WPP_ITEM_LONGLONGO, 8},
    {"ItemULongLongO", DEC_WPP_ITEM_LONGLONGO, 8},
    {"ItemPtr", DEC_WPP_ITEM_PTR, 0},
    {"ItemDouble", DEC_WPP_ITEM_DOUBLE, 8},
    {"ItemString", DEC_WPP_ITEM_STRING, 0},
    {"ItemRString", DEC_WPP_ITEM_STRING, 0},
    {"ItemWString", DEC_WPP_ITEM_WSTRING, 0},
    {"ItemRWString", DEC_WPP_ITEM_WSTRING, 0},
    {"ItemPString", DEC_WPP_ITEM_PSTRING, 0},
    {"ItemPWString", DEC_WPP_ITEM_PWSTRING, 0},
    {"ItemNWString", DEC_WPP_ITEM_PWSTRING, 0},
    {"ItemHexDump", DEC_WPP_ITEM_HEXDUMP, 0},
    {"ItemBinary", DEC_WPP_ITEM_HEXDUMP, 0},
    {"ItemGuid", DEC_WPP_ITEM_GUID, 16},
    {"ItemCLSID", DEC_WPP_ITEM_GUID, 16},
    {"ItemIID", DEC_WPP_ITEM_GUID, 16},
    {"ItemLIBID", DEC_WPP_ITEM_GUID, 16},
    {"ItemSid", DEC_WPP_ITEM_SID, 0},
    {"ItemIPAddr", DEC_WPP_ITEM_IPADDR, 4},
    {"ItemIPV6Addr", DEC_WPP_ITEM_IPV6ADDR, 16},
    {"ItemPort", DEC_WPP_ITEM_PORT, 2},
    {"ItemChar4", DEC_WPP_ITEM_CHAR4, 4},
    {"ItemHRESULT", DEC_WPP_ITEM_HRESULT, 4},
    {"ItemNTSTATUS", DEC_WPP_ITEM_NTSTATUS, 4},
    {"ItemWINERROR", DEC_WPP_ITEM_WINERROR, 4},
    {"ItemNDIS_STATUS", DEC_WPP_ITEM_NDIS_STATUS, 4},
    {"ItemNDIS_OID", DEC_WPP_ITEM_NDIS_OID, 4},
    {"ItemTimestamp", DEC_WPP_ITEM_TIMESTAMP, 8},
    {"ItemWaitTime", DEC_WPP_ITEM_TIMESTAMP, 8},
    {"ItemTimeDelta", DEC_WPP_ITEM_TIMEDELTA, 8},
    {"ItemListByte", DEC_WPP_ITEM_LIST, 1},
    {"ItemListShort", DEC_WPP_ITEM_LIST, 2},
    {"ItemListLong", DEC_WPP_ITEM_LIST, 4},
    {"ItemSetByte", DEC_WPP_ITEM_SET, 1},
    {"ItemSetShort", DEC_WPP_ITEM_SET, 2},
    {"ItemSetLong", DEC_WPP_ITEM_SET, 4},
    {"ItemEnum", DEC_WPP_ITEM_ENUM, 4},
    {"ItemFlagsEnum", DEC_WPP_ITEM_FLAGSENUM, 4},
};

static const tmf_item_name *tmf_item_lookup(tmf_slice s) {
  for (size_t i = 0; i < sizeof tmf_items / sizeof tmf_items[0]; i++)
    if (tmf_eq(s, tmf_items[i].name)) return &tmf_items[i];
  return NULL;
}

/* ---- parser state ---- */

typedef struct tmf_parser {
  dec_tmf_db *db;
  const char *origin;
  size_t line_no;
  /* current GUID header */
  bool has_guid;
  uint8_t guid[16];
  const char *component, *source;
  /* message under construction */
  dec_tmf_msg *msg;        /* points into scratch until committed */
  dec_tmf_msg scratch;
  dec_tmf_arg *args;
  size_t arg_count;
  /* enum under construction (index into db->enums) or SIZE_MAX */
  size_t enum_idx;
  enum { TMF_TOP, TMF_MSG_WANT_BRACE, TMF_MSG_ARGS, TMF_ENUM_WANT_BRACE, TMF_ENUM_ITEMS } state;
} tmf_parser;

static int tmf_cmp_arg(const void *a, const void *b) {
  const dec_tmf_arg *x = a, *y = b;
  return (int)x->number - (int)y->number;
}

static int tmf_cmp_msg(const void *a, const void *b) {
  const dec_tmf_msg *x = a, *y = b;
  int c = memcmp(x->guid, y->guid, 16);
  if (c) return c;
  return (int)x->number - (int)y->number;
}

/* Commits the message being parsed (with its args) to the db. */
static void tmf_commit_msg(tmf_parser *ps) {
  if (!ps->msg) return;
  dec_tmf_db *db = ps->db;
  dec_tmf_arg *args = tmf_block(db, ps->arg_count * sizeof(dec_tmf_arg));
  if (ps->arg_count) memcpy(args, ps->args, ps->arg_count * sizeof(dec_tmf_arg));
  if (ps->arg_count > 1) qsort(args, ps->arg_count, sizeof(dec_tmf_arg), tmf_cmp_arg);
  ps->scratch.args = args;
  ps->scratch.arg_count = (uint32_t)ps->arg_count;
  db->msgs = tmf_grow(db->msgs, &db->msg_cap, db->msg_count + 1, sizeof(dec_tmf_msg));
  db->msgs[db->msg_count++] = ps->scratch;
  ps->msg = NULL;
  ps->arg_count = 0;
}

/* "GUID component // SRC=file MJ= MN=" */
static bool tmf_guid_line(tmf_parser *ps, tmf_slice line) {
  tmf_slice rest = line;
  tmf_slice g = tmf_token(&rest);
  uint8_t guid[16];
  if (!tmf_parse_guid(g, guid)) return false;
  tmf_commit_msg(ps);
  memcpy(ps->guid, guid, 16);
  ps->has_guid = true;
  tmf_slice comp = tmf_token(&rest);
  if (tmf_starts(comp, "//")) comp.n = 0;
  ps->component = tmf_str(ps->db, comp.p, comp.n);
  ps->source = "";
  const char *src = NULL;
  for (size_t i = 0; i + 4 <= rest.n; i++)
    if (memcmp(rest.p + i, "SRC=", 4) == 0) { src = rest.p + i + 4; break; }
  if (src) {
    size_t n = 0, max = (size_t)(rest.p + rest.n - src);
    while (n < max && !tmf_is_space(src[n])) n++;
    ps->source = tmf_str(ps->db, src, n);
  }
  return true;
}

/* Value of KEY= in the trailing comment of a #typev line ("" when absent). */
static const char *tmf_attr(tmf_parser *ps, tmf_slice c, const char *key) {
  size_t kn = strlen(key);
  for (size_t i = 0; i + kn <= c.n; i++) {
    if ((i == 0 || tmf_is_space(c.p[i - 1])) && memcmp(c.p + i, key, kn) == 0) {
      size_t s = i + kn, n = 0;
      while (s + n < c.n && !tmf_is_space(c.p[s + n])) n++;
      return tmf_str(ps->db, c.p + s, n);
    }
  }
  return "";
}

/* "#typev tag N "format" // LEVEL=x FLAGS=y FUNC=z" */
static int tmf_typev_line(tmf_parser *ps, tmf_slice line, char *err, size_t err_len) {
  tmf_slice rest = line;
  (void)tmf_token(&rest); /* #typev */
  tmf_slice tag = tmf_token(&rest);
  tmf_slice num = tmf_token(&rest);
  uint64_t n;
  rest = tmf_trim(rest);
  if (!ps->has_guid || !tmf_parse_uint(num, &n) || n > 0xFFFF || rest.n < 2 || rest.p[0] != '"') {
    snprintf(err, err_len, "%s:%zu: malformed #typev line", ps->origin, ps->line_no);
    return -1;
  }
  size_t close = rest.n - 1;
  while (close > 0 && rest.p[close] != '"') close--;
  if (close == 0) {
    snprintf(err, err_len, "%s:%zu: #typev format string has no closing quote", ps->origin,
             ps->line_no);
    return -1;
  }
  tmf_commit_msg(ps);
  memset(&ps->scratch, 0, sizeof ps->scratch);
  memcpy(ps->scratch.guid, ps->guid, 16);
  ps->scratch.number = (uint16_t)n;
  ps->scratch.tag = tmf_str(ps->db, tag.p, tag.n);
  ps->scratch.format = tmf_str(ps->db, rest.p + 1, close - 1);
  ps->scratch.component = ps->component;
  ps->scratch.source = ps->source;
  tmf_slice comment = {rest.p + close + 1, rest.n - close - 1};
  ps->scratch.level = tmf_attr(ps, comment, "LEVEL=");
  ps->scratch.flags = tmf_attr(ps, comment, "FLAGS=");
  ps->scratch.func = tmf_attr(ps, comment, "FUNC=");
  ps->msg = &ps->scratch;
  ps->arg_count = 0;
  ps->state = TMF_MSG_WANT_BRACE;
  return 0;
}

/* Splits "a,b,c" (inside an item's parentheses) into owned names. */
static const char *const *tmf_split_names(tmf_parser *ps, tmf_slice s, uint32_t *count) {
  size_t n = 1;
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] == ',') n++;
  if (n > TMF_MAX_LIST_NAMES) n = TMF_MAX_LIST_NAMES;
  const char **names = tmf_block(ps->db, n * sizeof(char *));
  size_t k = 0, start = 0;
  for (size_t i = 0; i <= s.n && k < n; i++) {
    if (i == s.n || s.p[i] == ',') {
      tmf_slice t = tmf_trim((tmf_slice){s.p + start, i - start});
      names[k++] = tmf_str(ps->db, t.p, t.n);
      start = i + 1;
    }
  }
  *count = (uint32_t)k;
  return names;
}

/* "name, ItemType(opt) -- N": the type is the last "Item..." token, found
 * from the end because names and lists may contain commas. */
static void tmf_arg_line(tmf_parser *ps, tmf_slice line) {
  size_t dash = line.n;
  for (size_t i = line.n; i >= 2; i--) {
    if (line.p[i - 1] == '-' && line.p[i - 2] == '-') { dash = i - 2; break; }
  }
  if (dash == line.n) return;
  uint64_t num;
  if (!tmf_parse_uint((tmf_slice){line.p + dash + 2, line.n - dash - 2}, &num) || num > 0xFFFF)
    return;
  tmf_slice head = tmf_trim((tmf_slice){line.p, dash});
  tmf_slice paren = {NULL, 0};
  size_t type_end = head.n;
  if (head.n && head.p[head.n - 1] == ')') {
    size_t depth = 0, i = head.n;
    while (i > 0) {
      i--;
      if (head.p[i] == ')') depth++;
      else if (head.p[i] == '(' && --depth == 0) break;
    }
    if (depth != 0) return;
    paren = (tmf_slice){head.p + i + 1, head.n - i - 2};
    type_end = i;
  }
  size_t type_start = type_end;
  while (type_start > 0 && head.p[type_start - 1] != ',' && !tmf_is_space(head.p[type_start - 1]))
    type_start--;
  tmf_slice type = {head.p + type_start, type_end - type_start};
  tmf_slice name = head;
  name.n = type_start;
  name = tmf_trim(name);
  if (name.n && name.p[name.n - 1] == ',') name.n--;
  name = tmf_trim(name);
  if (ps->arg_count >= TMF_MAX_ARGS) return;
  if (!ps->args) ps->args = kv_calloc(TMF_MAX_ARGS, sizeof(dec_tmf_arg));
  dec_tmf_arg *a = &ps->args[ps->arg_count++];
  memset(a, 0, sizeof *a);
  a->number = (uint16_t)num;
  a->name = tmf_str(ps->db, name.p, name.n);
  const tmf_item_name *it = tmf_item_lookup(type);
  a->item = it ? it->item : DEC_WPP_ITEM_UNKNOWN;
  a->width = it ? it->width : 0;
  if (!it) a->enum_name = tmf_str(ps->db, type.p, type.n); /* keeps the unknown name for errors */
  if (it && (it->item == DEC_WPP_ITEM_LIST || it->item == DEC_WPP_ITEM_SET) && paren.p)
    a->names = tmf_split_names(ps, paren, &a->name_count);
  if (it && (it->item == DEC_WPP_ITEM_ENUM || it->item == DEC_WPP_ITEM_FLAGSENUM) && paren.p) {
    tmf_slice e = tmf_trim(paren);
    a->enum_name = tmf_str(ps->db, e.p, e.n);
  }
}

static void tmf_enum_begin(tmf_parser *ps, tmf_slice line) {
  tmf_slice rest = line;
  (void)tmf_token(&rest);
  tmf_slice name = tmf_token(&rest);
  dec_tmf_db *db = ps->db;
  db->enums = tmf_grow(db->enums, &db->enum_cap, db->enum_count + 1, sizeof(tmf_enum));
  tmf_enum *e = &db->enums[db->enum_count];
  memset(e, 0, sizeof *e);
  e->name = kv_strndup(name.p, name.n);
  ps->enum_idx = db->enum_count++;
  ps->state = TMF_ENUM_WANT_BRACE;
}

static void tmf_enum_item(tmf_parser *ps, tmf_slice line) {
  size_t comma = line.n;
  for (size_t i = line.n; i > 0; i--)
    if (line.p[i - 1] == ',') { comma = i - 1; break; }
  if (comma == line.n) return;
  uint64_t v;
  if (!tmf_parse_uint((tmf_slice){line.p + comma + 1, line.n - comma - 1}, &v)) return;
  tmf_slice label = tmf_trim((tmf_slice){line.p, comma});
  tmf_enum *e = &ps->db->enums[ps->enum_idx];
  e->items = tmf_grow(e->items, &e->cap, e->count + 1, sizeof(dec_tmf_enum_item));
  e->items[e->count].value = v;
  e->items[e->count].name = tmf_str(ps->db, label.p, label.n);
  e->count++;
}

int dec_tmf_db_load_text(dec_tmf_db *db, const char *text, size_t len, const char *origin,
                         char *err, size_t err_len) {
  tmf_parser ps;
  memset(&ps, 0, sizeof ps);
  ps.db = db;
  ps.origin = origin ? origin : "tmf";
  ps.component = ps.source = "";
  ps.state = TMF_TOP;
  int rc = 0;
  size_t pos = 0;
  while (pos < len && rc == 0) {
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    tmf_slice line = tmf_trim((tmf_slice){text + pos, end - pos});
    pos = end + 1;
    ps.line_no++;
    if (line.n == 0) continue;
    switch (ps.state) {
    case TMF_MSG_WANT_BRACE:
    case TMF_ENUM_WANT_BRACE:
      if (tmf_eq(line, "{")) {
        ps.state = ps.state == TMF_MSG_WANT_BRACE ? TMF_MSG_ARGS : TMF_ENUM_ITEMS;
        continue;
      }
      /* A message without an argument block: commit it and reparse the line. */
      tmf_commit_msg(&ps);
      ps.state = TMF_TOP;
      break;
    case TMF_MSG_ARGS:
      if (tmf_starts(line, "}")) {
        tmf_commit_msg(&ps);
        ps.state = TMF_TOP;
      } else {
        tmf_arg_line(&ps, line);
      }
      continue;
    case TMF_ENUM_ITEMS:
      if (tmf_starts(line, "}")) ps.state = TMF_TOP;
      else tmf_enum_item(&ps, line);
      continue;
    case TMF_TOP:
      break;
    }
    if (tmf_starts(line, "//")) continue;
    if (tmf_starts(line, "#typev")) {
      rc = tmf_typev_line(&ps, line, err, err_len);
    } else if (tmf_starts(line, "#enumv")) {
      tmf_commit_msg(&ps);
      tmf_enum_begin(&ps, line);
    } else if (line.n >= 36 && tmf_guid_line(&ps, line)) {
      /* new GUID section */
    }
    /* other lines (#define, #include, #lookup ...) are not needed to format. */
  }
  if (rc == 0) tmf_commit_msg(&ps);
  free(ps.args);
  if (db->msg_count > 1) qsort(db->msgs, db->msg_count, sizeof(dec_tmf_msg), tmf_cmp_msg);
  return rc;
}

static bool tmf_has_ext(const char *name) {
  size_t n = strlen(name);
  if (n < 4) return false;
  const char *e = name + n - 4;
  return e[0] == '.' && (e[1] == 't' || e[1] == 'T') && (e[2] == 'm' || e[2] == 'M') &&
         (e[3] == 'f' || e[3] == 'F');
}

static int tmf_load_file(dec_tmf_db *db, const char *path, char *err, size_t err_len) {
  char *data = NULL;
  size_t len = 0;
  if (plat_read_all(path, &data, &len) != 0) {
    snprintf(err, err_len, "%s: cannot read TMF file: %s", path, plat_last_error());
    return -1;
  }
  int rc = dec_tmf_db_load_text(db, data, len, path, err, err_len);
  free(data);
  return rc;
}

int dec_tmf_db_load_path(dec_tmf_db *db, const char *path, char *err, size_t err_len) {
  if (!plat_is_directory(path)) return tmf_load_file(db, path, err, err_len);
  char **names = NULL;
  size_t count = 0;
  if (plat_list_dir(path, &names, &count) != 0) {
    snprintf(err, err_len, "%s: cannot list TMF folder: %s", path, plat_last_error());
    return -1;
  }
  int rc = 0;
  kv_buf full;
  kv_buf_init(&full);
  for (size_t i = 0; i < count && rc == 0; i++) {
    if (!tmf_has_ext(names[i])) continue;
    full.len = 0;
    kv_buf_printf(&full, "%s/%s", path, names[i]);
    rc = tmf_load_file(db, full.data, err, err_len);
  }
  kv_buf_free(&full);
  plat_free_list(names, count);
  return rc;
}

const dec_tmf_msg *dec_tmf_find(const dec_tmf_db *db, const uint8_t guid[16], uint16_t number) {
  if (!db) return NULL;
  size_t lo = 0, hi = db->msg_count;
  dec_tmf_msg key;
  memcpy(key.guid, guid, 16);
  key.number = number;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = tmf_cmp_msg(&key, &db->msgs[mid]);
    if (c == 0) return &db->msgs[mid];
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return NULL;
}

size_t dec_tmf_count(const dec_tmf_db *db) { return db ? db->msg_count : 0; }

const dec_tmf_enum_item *dec_tmf_enum_items(const dec_tmf_db *db, const char *name, size_t *count) {
  *count = 0;
  if (!db || !name) return NULL;
  for (size_t i = 0; i < db->enum_count; i++) {
    if (strcmp(db->enums[i].name, name) == 0) {
      *count = db->enums[i].count;
      return db->enums[i].items;
    }
  }
  return NULL;
}
