/* SPDX-License-Identifier: MIT
 * Regex compiler: syntax tree -> Pike VM program (Thompson construction with
 * priority-ordered SPLITs for leftmost-first semantics), code point classes
 * with an ASCII bitmap, and the facts the fast paths use (literal prefix,
 * start anchor, whole-pattern literal). Also the public compile/free and
 * group-name accessors. Program size is bounded (KQL_REGEX_MAX_INSTS). */
#include "kql/kql_regex_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kql/kql_regex_dfa.h"

/* Source of kql_regex.id (compiles may run on several threads). */
static atomic_uint_fast64_t kre_next_id = 1;

typedef struct kre_compiler {
  const kre_parse *ps;
  kre_inst *prog;
  size_t len;
  size_t cap;
  bool too_big;
} kre_compiler;

static uint32_t kre_emit(kre_compiler *c, uint32_t op, uint32_t x, uint32_t y) {
  if (c->len >= KQL_REGEX_MAX_INSTS) {
    c->too_big = true;
    return (uint32_t)c->len;
  }
  if (c->len == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 32;
    c->prog = kre_realloc(c->prog, c->cap * sizeof *c->prog);
  }
  c->prog[c->len].op = op;
  c->prog[c->len].x = x;
  c->prog[c->len].y = y;
  return (uint32_t)c->len++;
}

/* Patches a forward jump target once known (no-op when the program overflowed). */
static void kre_patch_x(kre_compiler *c, uint32_t at, uint32_t target) {
  if (at < c->len) c->prog[at].x = target;
}
static void kre_patch_y(kre_compiler *c, uint32_t at, uint32_t target) {
  if (at < c->len) c->prog[at].y = target;
}

static void kre_gen(kre_compiler *c, int n);

/* SPLIT whose preferred branch is the next instruction when greedy. */
static uint32_t kre_emit_split(kre_compiler *c, bool greedy) {
  uint32_t at = kre_emit(c, KRE_OP_SPLIT, 0, 0);
  (void)greedy;
  return at;
}
static void kre_split_targets(kre_compiler *c, uint32_t at, bool greedy, uint32_t body, uint32_t out) {
  kre_patch_x(c, at, greedy ? body : out);
  kre_patch_y(c, at, greedy ? out : body);
}

static void kre_gen_repeat(kre_compiler *c, const kre_node *nd) {
  int min = nd->a, max = nd->b;
  bool greedy = nd->greedy != 0;
  if (max == -1 && min >= 1) {
    /* x{n,}: n-1 copies, then L: x; SPLIT L, out */
    for (int i = 0; i < min - 1 && !c->too_big; i++) kre_gen(c, nd->child);
    uint32_t loop = (uint32_t)c->len;
    kre_gen(c, nd->child);
    uint32_t sp = kre_emit_split(c, greedy);
    kre_split_targets(c, sp, greedy, loop, (uint32_t)c->len);
    return;
  }
  for (int i = 0; i < min && !c->too_big; i++) kre_gen(c, nd->child);
  if (max == -1) {
    /* x* as (x+)?: SPLIT body, out; body: x; SPLIT body, out. Same size as
     * the classic loop, and when x can match empty it runs once (RE2 and Perl
     * give ()* on "b" the capture (0,0), the classic loop gives none). */
    uint32_t sp = kre_emit_split(c, greedy);
    uint32_t body = (uint32_t)c->len;
    kre_gen(c, nd->child);
    uint32_t sp2 = kre_emit_split(c, greedy);
    kre_split_targets(c, sp, greedy, body, (uint32_t)c->len);
    kre_split_targets(c, sp2, greedy, body, (uint32_t)c->len);
    return;
  }
  /* x{n,m}: m-n nested optional copies, all exiting to one end */
  int opt = max - min;
  uint32_t *splits = opt > 0 ? kre_alloc((size_t)opt * sizeof *splits) : NULL;
  int made = 0;
  for (int i = 0; i < opt && !c->too_big; i++) {
    splits[made++] = kre_emit_split(c, greedy);
    kre_gen(c, nd->child);
  }
  for (int i = 0; i < made; i++) kre_split_targets(c, splits[i], greedy, splits[i] + 1, (uint32_t)c->len);
  free(splits);
}

static void kre_gen(kre_compiler *c, int n) {
  if (c->too_big || n < 0) return;
  const kre_node *nd = &c->ps->nodes[n];
  switch (nd->type) {
  case KRE_N_EMPTY:
    break;
  case KRE_N_LIT:
    kre_emit(c, KRE_OP_CHAR, nd->cp, 0);
    break;
  case KRE_N_CLASS:
    if (nd->a == -1) {
      kre_emit(c, KRE_OP_ANY, 0, 0);
    } else if (nd->a == -2) {
      kre_emit(c, KRE_OP_ANYNL, 0, 0);
    } else {
      const kre_rset *s = &c->ps->classes[nd->a];
      if (s->count == 1 && s->r[0].lo == s->r[0].hi)
        kre_emit(c, KRE_OP_CHAR, s->r[0].lo, 0);
      else if (s->count == 1 && s->r[0].lo == 0 && s->r[0].hi == KRE_MAX_CP)
        kre_emit(c, KRE_OP_ANY, 0, 0);
      else
        kre_emit(c, KRE_OP_CLASS, (uint32_t)nd->a, 0);
    }
    break;
  case KRE_N_ASSERT:
    kre_emit(c, KRE_OP_ASSERT, (uint32_t)nd->a, 0);
    break;
  case KRE_N_CAPTURE:
    kre_emit(c, KRE_OP_SAVE, (uint32_t)(2 * nd->a), 0);
    kre_gen(c, nd->child);
    kre_emit(c, KRE_OP_SAVE, (uint32_t)(2 * nd->a + 1), 0);
    break;
  case KRE_N_GROUP:
    kre_gen(c, nd->child);
    break;
  case KRE_N_CONCAT:
    for (int k = nd->child; k >= 0 && !c->too_big; k = c->ps->nodes[k].next) kre_gen(c, k);
    break;
  case KRE_N_ALT: {
    /* SPLIT L1, next; L1: a; JMP end; next: SPLIT L2, next2; ... last */
    size_t jumps_cap = 8, jumps_len = 0;
    uint32_t *jumps = kre_alloc(jumps_cap * sizeof *jumps);
    for (int k = nd->child; k >= 0 && !c->too_big; k = c->ps->nodes[k].next) {
      if (c->ps->nodes[k].next >= 0) {
        uint32_t sp = kre_emit(c, KRE_OP_SPLIT, 0, 0);
        kre_patch_x(c, sp, sp + 1);
        kre_gen(c, k);
        if (jumps_len == jumps_cap) {
          jumps_cap *= 2;
          jumps = kre_realloc(jumps, jumps_cap * sizeof *jumps);
        }
        jumps[jumps_len++] = kre_emit(c, KRE_OP_JMP, 0, 0);
        kre_patch_y(c, sp, (uint32_t)c->len);
      } else {
        kre_gen(c, k);
      }
    }
    for (size_t i = 0; i < jumps_len; i++) kre_patch_x(c, jumps[i], (uint32_t)c->len);
    free(jumps);
    break;
  }
  case KRE_N_REPEAT:
    kre_gen_repeat(c, nd);
    break;
  default:
    break;
  }
}

/* ---- facts for the fast paths ---- */

enum { KRE_PREFIX_MAX = 64 };

typedef struct kre_prefix {
  char buf[KRE_PREFIX_MAX];
  size_t len;
  bool pure; /* nothing but literals so far (no groups, assertions, repeats) */
} kre_prefix;

/* Appends the literal text every match of node n starts with. Returns true
 * when n is entirely that literal (the walk may go on after it). */
static bool kre_walk_prefix(const kre_parse *ps, int n, kre_prefix *pf) {
  const kre_node *nd = &ps->nodes[n];
  switch (nd->type) {
  case KRE_N_EMPTY:
    return true;
  case KRE_N_LIT: {
    char enc[4];
    size_t k = kre_utf8_encode(nd->cp, enc);
    if (pf->len + k > KRE_PREFIX_MAX) {
      pf->pure = false;
      return false;
    }
    memcpy(pf->buf + pf->len, enc, k);
    pf->len += k;
    return true;
  }
  case KRE_N_ASSERT:
    pf->pure = false; /* zero width: the text at the match start is unchanged */
    return true;
  case KRE_N_CAPTURE:
    pf->pure = false;
    return kre_walk_prefix(ps, nd->child, pf);
  case KRE_N_GROUP:
    return kre_walk_prefix(ps, nd->child, pf);
  case KRE_N_CONCAT:
    for (int k = nd->child; k >= 0; k = ps->nodes[k].next)
      if (!kre_walk_prefix(ps, k, pf)) return false;
    return true;
  case KRE_N_REPEAT:
    pf->pure = false;
    if (nd->a >= 1) kre_walk_prefix(ps, nd->child, pf);
    return false;
  default:
    pf->pure = false;
    return false;
  }
}

static bool kre_anchored(const kre_parse *ps, int n) {
  const kre_node *nd = &ps->nodes[n];
  switch (nd->type) {
  case KRE_N_ASSERT:
    return nd->a == KRE_AS_BOT;
  case KRE_N_CAPTURE:
  case KRE_N_GROUP:
    return kre_anchored(ps, nd->child);
  case KRE_N_REPEAT:
    return nd->a >= 1 && kre_anchored(ps, nd->child);
  case KRE_N_CONCAT:
    for (int k = nd->child; k >= 0; k = ps->nodes[k].next) {
      if (ps->nodes[k].type == KRE_N_EMPTY) continue;
      return kre_anchored(ps, k);
    }
    return false;
  case KRE_N_ALT:
    for (int k = nd->child; k >= 0; k = ps->nodes[k].next)
      if (!kre_anchored(ps, k)) return false;
    return true;
  default:
    return false;
  }
}

/* Converts the parser's class sets into the program's (bitmap + ranges >= 128). */
static void kre_build_classes(kql_regex *re, const kre_parse *ps) {
  re->class_count = ps->class_count;
  re->classes = kre_alloc((ps->class_count ? ps->class_count : 1) * sizeof *re->classes);
  size_t total = 0;
  for (size_t i = 0; i < ps->class_count; i++) total += ps->classes[i].count;
  re->ranges = kre_alloc((total ? total : 1) * sizeof *re->ranges);
  re->range_count = 0;
  for (size_t i = 0; i < ps->class_count; i++) {
    kre_class *k = &re->classes[i];
    memset(k, 0, sizeof *k);
    k->first = (uint32_t)re->range_count;
    const kre_rset *s = &ps->classes[i];
    for (size_t j = 0; j < s->count; j++) {
      uint32_t lo = s->r[j].lo, hi = s->r[j].hi;
      for (uint32_t c = lo; c <= hi && c < 128; c++) k->ascii[c >> 6] |= (uint64_t)1 << (c & 63);
      if (hi >= 128) {
        re->ranges[re->range_count].lo = lo < 128 ? 128 : lo;
        re->ranges[re->range_count].hi = hi;
        re->range_count++;
        k->count++;
      }
    }
  }
}

int kql_regex_compile(const char *pattern, size_t len, unsigned flags, kql_regex **out,
                      kql_regex_error *err) {
  *out = NULL;
  if (err) {
    err->offset = 0;
    err->message[0] = 0;
  }
  if (!pattern && len) {
    kre_set_error(err, 0, "no pattern", NULL, 0);
    return -1;
  }
  kre_parse ps;
  if (kre_parse_pattern(pattern ? pattern : "", len, flags, &ps, err) < 0) {
    kre_parse_free(&ps);
    return -1;
  }
  kre_compiler c = {.ps = &ps};
  kre_emit(&c, KRE_OP_SAVE, 0, 0);
  kre_gen(&c, ps.root);
  kre_emit(&c, KRE_OP_SAVE, 1, 0);
  kre_emit(&c, KRE_OP_MATCH, 0, 0);
  if (c.too_big || c.len * (size_t)(ps.group_count + 1) > KQL_REGEX_MAX_CAP_CELLS) {
    kre_set_error(err, 0, "pattern too large (program size limit)", NULL, 0);
    free(c.prog);
    kre_parse_free(&ps);
    return -1;
  }
  kql_regex *re = kre_alloc(sizeof *re);
  memset(re, 0, sizeof *re);
  re->prog = c.prog;
  re->prog_len = c.len;
  re->group_count = ps.group_count;
  re->names = ps.names;
  ps.names = NULL;
  kre_build_classes(re, &ps);
  re->anchored_start = kre_anchored(&ps, ps.root);
  re->id = (uint64_t)atomic_fetch_add(&kre_next_id, 1);
  re->dfa_ok = kre_dfa_usable(re);
  kre_prefix pf = {.pure = true};
  bool whole = kre_walk_prefix(&ps, ps.root, &pf);
  if (pf.len > 0) {
    re->prefix = kre_alloc(pf.len);
    memcpy(re->prefix, pf.buf, pf.len);
    re->prefix_len = pf.len;
    re->is_literal = whole && pf.pure && ps.group_count == 0;
  }
  /* free the parse (names moved above) */
  for (size_t i = 0; i < ps.class_count; i++) kre_rset_free(&ps.classes[i]);
  free(ps.classes);
  free(ps.nodes);
  *out = re;
  return 0;
}

void kql_regex_free(kql_regex *re) {
  if (!re) return;
  free(re->prog);
  free(re->classes);
  free(re->ranges);
  free(re->prefix);
  if (re->names) {
    for (int g = 0; g <= re->group_count; g++) free(re->names[g]);
    free(re->names);
  }
  free(re);
}

int kql_regex_group_count(const kql_regex *re) { return re ? re->group_count : 0; }

const char *kql_regex_group_name(const kql_regex *re, int group) {
  if (!re || group < 1 || group > re->group_count) return NULL;
  return re->names[group];
}

int kql_regex_group_index(const kql_regex *re, const char *name, size_t len) {
  if (!re) return -1;
  for (int g = 1; g <= re->group_count; g++)
    if (re->names[g] && strlen(re->names[g]) == len && memcmp(re->names[g], name, len) == 0) return g;
  return -1;
}

size_t kql_regex_program_size(const kql_regex *re) { return re ? re->prog_len : 0; }
