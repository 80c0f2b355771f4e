/* SPDX-License-Identifier: MIT
 * Private part of the regex engine (kql_regex_*.c only): the syntax tree the
 * parser builds, the Pike VM program the compiler emits, code point classes
 * and the Unicode tables. Other modules include kql_regex.h only. */
#ifndef E2K_KQL_KQL_REGEX_INT_H
#define E2K_KQL_KQL_REGEX_INT_H

#include "kql/kql_regex.h"

#include <stdint.h>

#define KRE_MAX_CP 0x10FFFFu

/* ---- allocation (abort on out-of-memory, the project policy) ---- */
void *kre_alloc(size_t n);
void *kre_realloc(void *p, size_t n);

/* ---- code point ranges and classes ---- */
typedef struct kre_range {
  uint32_t lo;
  uint32_t hi; /* inclusive */
} kre_range;

/* A growable, not-yet-normalised set of ranges (parser side). */
typedef struct kre_rset {
  kre_range *r;
  size_t count;
  size_t cap;
} kre_rset;

void kre_rset_add(kre_rset *s, uint32_t lo, uint32_t hi);
void kre_rset_add_set(kre_rset *s, const kre_range *r, size_t count);
void kre_rset_normalize(kre_rset *s);         /* sort and merge */
void kre_rset_negate(kre_rset *s);            /* complement in [0, 0x10FFFF]; normalises */
void kre_rset_add_folded(kre_rset *s);        /* adds case variants of every member */
void kre_rset_free(kre_rset *s);

/* Unicode tables (kql_regex_unicode.c). Approximations, documented there. */
typedef struct kre_uclass {
  const char *name;
  const kre_range *ranges;
  size_t count;
} kre_uclass;
const kre_uclass *kre_unicode_class(const char *name, size_t len);
/* Simple case folding orbit: writes up to 4 other code points that fold
 * together with cp into out; returns their number. */
int kre_fold_others(uint32_t cp, uint32_t out[4]);

/* ---- syntax tree ---- */
typedef enum kre_node_type {
  KRE_N_EMPTY,   /* matches the empty string */
  KRE_N_LIT,     /* cp = a code point (case-sensitive) */
  KRE_N_CLASS,   /* cls = class index (includes folded literals and .) */
  KRE_N_ASSERT,  /* a = KRE_AS_* */
  KRE_N_CAPTURE, /* a = group number; child */
  KRE_N_GROUP,   /* non-capturing (kept for prefix walking); child */
  KRE_N_REPEAT,  /* a = min, b = max (-1 = inf), greedy; child */
  KRE_N_CONCAT,  /* children linked through next */
  KRE_N_ALT      /* children linked through next, in priority order */
} kre_node_type;

enum {
  KRE_AS_BOT = 1,   /* \A, ^ without m */
  KRE_AS_EOT,       /* \z, $ without m */
  KRE_AS_BOL,       /* ^ with m */
  KRE_AS_EOL,       /* $ with m */
  KRE_AS_WORDB,     /* \b (ASCII word characters, as RE2) */
  KRE_AS_NWORDB     /* \B */
};

typedef struct kre_node {
  uint8_t type;
  uint8_t greedy;
  int32_t a;
  int32_t b;
  uint32_t cp;
  int32_t child; /* first child, -1 none */
  int32_t next;  /* next sibling, -1 none */
} kre_node;

/* ---- program ---- */
typedef enum kre_op {
  KRE_OP_CHAR,   /* x = code point */
  KRE_OP_CLASS,  /* x = class index */
  KRE_OP_ANY,    /* any code point */
  KRE_OP_ANYNL,  /* any code point but \n */
  KRE_OP_SPLIT,  /* try x first, then y */
  KRE_OP_JMP,    /* x */
  KRE_OP_SAVE,   /* x = slot */
  KRE_OP_ASSERT, /* x = KRE_AS_* */
  KRE_OP_MATCH
} kre_op;

typedef struct kre_inst {
  uint32_t op;
  uint32_t x;
  uint32_t y;
} kre_inst;

typedef struct kre_class {
  uint64_t ascii[2];  /* bitmap of members below 128 */
  uint32_t first;     /* index into kql_regex.ranges */
  uint32_t count;     /* ranges >= 128 only */
} kre_class;

/* Parse result handed to the compiler. */
typedef struct kre_parse {
  kre_node *nodes;
  size_t node_count;
  size_t node_cap;
  kre_rset *classes; /* class sets, indexed by KRE_N_CLASS.cls (in node.a) */
  size_t class_count;
  size_t class_cap;
  int root;
  int group_count;
  char **names; /* [group_count + 1], NULL for unnamed */
} kre_parse;

int kre_parse_pattern(const char *pat, size_t len, unsigned flags, kre_parse *out,
                      kql_regex_error *err);
void kre_parse_free(kre_parse *p);
void kre_set_error(kql_regex_error *err, size_t offset, const char *msg, const char *detail,
                   size_t detail_len);

struct kql_regex {
  kre_inst *prog;
  size_t prog_len;
  kre_class *classes;
  size_t class_count;
  kre_range *ranges;
  size_t range_count;
  int group_count;
  char **names;        /* [group_count + 1], owned */
  bool anchored_start; /* every match starts at offset 0 */
  char *prefix;        /* literal every match starts with (case-sensitive), or NULL */
  size_t prefix_len;
  bool is_literal;     /* the whole pattern is `prefix`, no groups */
  bool dfa_ok;         /* the lazy DFA can answer yes/no for this program */
  uint64_t id;         /* unique per compiled regex: keys the DFA caches */
};

/* UTF-8: decodes the code point at s[0..n) (n >= 1). Invalid bytes decode as
 * U+FFFD with length 1, so they are matched by . and negated classes only. */
static inline uint32_t kre_utf8_decode(const unsigned char *s, size_t n, size_t *adv) {
  uint32_t c = s[0];
  if (c < 0x80) {
    *adv = 1;
    return c;
  }
  if (c >= 0xC2 && c <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
    *adv = 2;
    return ((c & 0x1F) << 6) | (s[1] & 0x3Fu);
  }
  if (c >= 0xE0 && c <= 0xEF && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
    uint32_t v = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) {
      *adv = 3;
      return v;
    }
  } else if (c >= 0xF0 && c <= 0xF4 && n >= 4 && (s[1] & 0xC0) == 0x80 &&
             (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
    uint32_t v = ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
                 (s[3] & 0x3Fu);
    if (v >= 0x10000 && v <= KRE_MAX_CP) {
      *adv = 4;
      return v;
    }
  }
  *adv = 1;
  return 0xFFFD;
}

/* Encodes cp as UTF-8 into out (4 bytes room); returns the length. */
size_t kre_utf8_encode(uint32_t cp, char *out);

/* ---- matcher pieces shared by the VM and the backtracker (kql_regex_exec.c) ---- */
bool kre_assert_ok(uint32_t kind, const char *s, size_t len, size_t pos);
bool kre_class_has(const kql_regex *re, uint32_t idx, uint32_t c);
/* Next offset >= from where re->prefix occurs, or len + 1 if none. */
size_t kre_find_prefix(const kql_regex *re, const char *s, size_t len, size_t from);

/* ---- bounded backtracker (kql_regex_backtrack.c) ---- */
typedef struct kre_bt_job {
  uint32_t pc;   /* instruction to explore, or UINT32_MAX: restore slot */
  uint32_t slot;
  size_t pos;    /* text offset, or the slot's old value */
} kre_bt_job;

typedef struct kre_bt_mem {
  uint64_t *bits; /* visited (pc, offset) pairs */
  size_t bits_words;
  kre_bt_job *jobs;
  size_t jobs_cap;
  size_t *caps;
  size_t caps_cap;
} kre_bt_mem;

/* Largest program x text size (in bits of the visited map) the backtracker takes on. */
#define KRE_BT_MAX_BITS ((size_t)256 * 1024)
void kre_bt_mem_free(kre_bt_mem *m);
/* Leftmost-first search from `start` with capture slots, exploring each
 * (instruction, offset) pair at most once. 1 match (slots in out), 0 none,
 * -1 when program x text exceeds KRE_BT_MAX_BITS (use the Pike VM). */
int kre_backtrack(const kql_regex *re, const char *s, size_t len, size_t start, size_t *out,
                  size_t nslots, kre_bt_mem *m, uint64_t *steps);

#endif
