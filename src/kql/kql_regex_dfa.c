/* SPDX-License-Identifier: MIT
 * Lazy DFA for yes/no questions ("does the regex match anywhere?"). A state
 * is a set of Pike VM program counters (threads waiting on a consuming
 * instruction, MATCH or an assertion) plus what is known of the previous
 * character (text start, word character, newline); assertions are resolved
 * when the next character is seen. States are built on demand and cached in
 * the caller's scratch, with a 128-entry transition row per state for ASCII
 * bytes (other code points take the uncached path). Used by
 * kql_regex_match() and as a fast reject before the capturing matchers. The
 * cache is bounded; when it fills up the caller falls back to the Pike VM,
 * so time stays linear either way. */
#include "kql/kql_regex_dfa.h"

#include <stdlib.h>
#include <string.h>

enum {
  KRE_DFA_MAX_STATES = 4000,
  KRE_DFA_MAX_POOL = 1 << 18, /* program counters stored over all states */
  KRE_DFA_UNKNOWN = -1,
  KRE_DFA_FULL = -2,
  KRE_DFA_MATCHED = -3, /* transition that completes a match */
  KRE_DFA_UCACHE = 1024  /* direct-mapped cache of non-ASCII transitions */
};

typedef struct kre_uentry {
  int32_t state; /* -1: empty */
  uint32_t cp;
  int32_t next;
} kre_uentry;

/* What is known about the character before the current offset. */
enum { KRE_CTX_BOT = 1, KRE_CTX_WORD = 2, KRE_CTX_NL = 4, KRE_CTX_COUNT = 8 };
#define KRE_EOT_CHAR 0xFFFFFFFFu /* "next character" at the end of the text */

/* sflags bits: the rare cases the scan loop has to look at */
enum { KRE_SF_MATCH = 1, KRE_SF_DEAD = 2, KRE_SF_IDLE = 4 };

typedef struct kre_dstate {
  uint32_t first; /* into pool */
  uint32_t count;
  uint32_t hash;
  uint8_t ctx;
  int8_t eot_match; /* -1 unknown, 0/1 */
} kre_dstate;

struct kre_dfa {
  uint64_t re_id;
  bool failed; /* cache overflowed once: use the VM for this regex */
  kre_dstate *states;
  uint8_t *sflags;
  size_t nstates, states_cap;
  int32_t *trans; /* nstates x 128 */
  uint32_t *pool;
  size_t pool_len, pool_cap;
  int32_t *htab; /* open addressing, -1 empty */
  size_t hcap;
  int32_t start0;                /* state at offset 0 */
  int32_t idle[KRE_CTX_COUNT];   /* only the injected start thread, per context */
  kre_uentry ucache[KRE_DFA_UCACHE];
  /* work space for building one set */
  uint32_t *sparse, *dense, *stack, *list;
  size_t count;
  size_t prog_len;
};

bool kre_dfa_usable(const kql_regex *re) { return re->prog_len > 0; }

void kre_dfa_free(kre_dfa *d) {
  if (!d) return;
  free(d->states);
  free(d->sflags);
  free(d->trans);
  free(d->pool);
  free(d->htab);
  free(d->sparse);
  free(d->dense);
  free(d->stack);
  free(d->list);
  free(d);
}

uint64_t kre_dfa_id(const kre_dfa *d) { return d->re_id; }

static void kre_dfa_reset(kre_dfa *d, const kql_regex *re) {
  d->re_id = re->id;
  d->failed = false;
  d->nstates = 0;
  d->pool_len = 0;
  if (d->hcap) memset(d->htab, 0xFF, d->hcap * sizeof *d->htab);
  if (d->prog_len < re->prog_len) {
    free(d->sparse);
    free(d->dense);
    free(d->stack);
    free(d->list);
    d->sparse = kre_alloc(re->prog_len * sizeof *d->sparse);
    d->dense = kre_alloc(re->prog_len * sizeof *d->dense);
    d->stack = kre_alloc((re->prog_len + 1) * sizeof *d->stack);
    d->list = kre_alloc((re->prog_len + 1) * sizeof *d->list);
    memset(d->sparse, 0, re->prog_len * sizeof *d->sparse);
    d->prog_len = re->prog_len;
  }
  d->start0 = KRE_DFA_UNKNOWN;
  for (int i = 0; i < KRE_CTX_COUNT; i++) d->idle[i] = KRE_DFA_UNKNOWN;
  for (int i = 0; i < KRE_DFA_UCACHE; i++) d->ucache[i].state = -1; /* state ids are reused */
}

kre_dfa *kre_dfa_for(kre_dfa **slot, const kql_regex *re) {
  if (!*slot) {
    *slot = kre_alloc(sizeof **slot);
    memset(*slot, 0, sizeof **slot);
    kre_dfa_reset(*slot, re);
  } else if ((*slot)->re_id != re->id) {
    kre_dfa_reset(*slot, re);
  }
  return *slot;
}

/* ---- set building ---- */

static inline void kre_set_add(kre_dfa *d, uint32_t pc) {
  d->sparse[pc] = (uint32_t)d->count;
  d->dense[d->count++] = pc;
}
static inline bool kre_set_has(const kre_dfa *d, uint32_t pc) {
  uint32_t i = d->sparse[pc];
  return i < d->count && d->dense[i] == pc;
}

static inline bool kre_is_word_cp(uint32_t c) {
  return c < 128 && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
}

/* Context after reading character c. */
static unsigned kre_ctx_after(uint32_t c) {
  return (c == '\n' ? KRE_CTX_NL : 0u) | (kre_is_word_cp(c) ? KRE_CTX_WORD : 0u);
}

/* An assertion between the previous character (ctx) and the next one (c).
 * Same rules as kre_assert_ok in the VM (\b looks at ASCII bytes). */
static bool kre_ctx_assert(uint32_t kind, unsigned ctx, uint32_t c) {
  switch (kind) {
  case KRE_AS_BOT: return (ctx & KRE_CTX_BOT) != 0;
  case KRE_AS_EOT: return c == KRE_EOT_CHAR;
  case KRE_AS_BOL: return (ctx & (KRE_CTX_BOT | KRE_CTX_NL)) != 0;
  case KRE_AS_EOL: return c == KRE_EOT_CHAR || c == '\n';
  case KRE_AS_WORDB: return ((ctx & KRE_CTX_WORD) != 0) != kre_is_word_cp(c);
  case KRE_AS_NWORDB: return ((ctx & KRE_CTX_WORD) != 0) == kre_is_word_cp(c);
  default: return false;
  }
}

/* Adds everything reachable from pc without consuming input. With `resolve`,
 * assertions are decided now from (ctx, c); otherwise threads wait on them.
 * Non-waiting instructions are marked in the set too so that loops
 * terminate; kre_intern keeps only the waiting ones. */
static void kre_closure(kre_dfa *d, const kql_regex *re, uint32_t pc0, bool resolve, unsigned ctx,
                        uint32_t c, uint64_t *steps) {
  size_t top = 0;
  d->stack[top++] = pc0;
  while (top > 0) {
    uint32_t pc = d->stack[--top];
    for (;;) {
      if (kre_set_has(d, pc)) break;
      kre_set_add(d, pc);
      (*steps)++;
      const kre_inst *in = &re->prog[pc];
      if (in->op == KRE_OP_JMP) {
        pc = in->x;
        continue;
      }
      if (in->op == KRE_OP_SPLIT) {
        d->stack[top++] = in->y;
        pc = in->x;
        continue;
      }
      if (in->op == KRE_OP_SAVE) {
        pc++;
        continue;
      }
      if (in->op == KRE_OP_ASSERT && resolve) {
        if (!kre_ctx_assert(in->x, ctx, c)) break;
        pc++;
        continue;
      }
      break;
    }
  }
}

static bool kre_waits(const kre_inst *in) {
  return in->op == KRE_OP_CHAR || in->op == KRE_OP_CLASS || in->op == KRE_OP_ANY ||
         in->op == KRE_OP_ANYNL || in->op == KRE_OP_MATCH || in->op == KRE_OP_ASSERT;
}

static int kre_u32_cmp(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void kre_htab_put(kre_dfa *d, uint32_t h, int32_t id) {
  for (size_t i = h & (d->hcap - 1);; i = (i + 1) & (d->hcap - 1))
    if (d->htab[i] < 0) {
      d->htab[i] = id;
      return;
    }
}

/* Interns the current set with context ctx; KRE_DFA_FULL when the cache is full. */
static int32_t kre_intern(kre_dfa *d, const kql_regex *re, unsigned ctx, bool idle) {
  size_t n = 0;
  bool match = false;
  for (size_t i = 0; i < d->count; i++) {
    const kre_inst *in = &re->prog[d->dense[i]];
    if (kre_waits(in)) {
      d->stack[n++] = d->dense[i];
      if (in->op == KRE_OP_MATCH) match = true;
    }
  }
  qsort(d->stack, n, sizeof *d->stack, kre_u32_cmp);
  uint32_t h = 2166136261u ^ ctx;
  for (size_t i = 0; i < n; i++) h = (h ^ d->stack[i]) * 16777619u;
  if (d->hcap) {
    for (size_t i = h & (d->hcap - 1);; i = (i + 1) & (d->hcap - 1)) {
      int32_t s = d->htab[i];
      if (s < 0) break;
      const kre_dstate *st = &d->states[s];
      if (st->hash == h && st->ctx == ctx && st->count == n &&
          memcmp(d->pool + st->first, d->stack, n * sizeof *d->stack) == 0) {
        if (idle) d->sflags[s] |= KRE_SF_IDLE;
        return s;
      }
    }
  }
  if (d->nstates >= KRE_DFA_MAX_STATES || d->pool_len + n > KRE_DFA_MAX_POOL) return KRE_DFA_FULL;
  if (d->nstates == d->states_cap) {
    d->states_cap = d->states_cap ? d->states_cap * 2 : 16;
    d->states = kre_realloc(d->states, d->states_cap * sizeof *d->states);
    d->sflags = kre_realloc(d->sflags, d->states_cap * sizeof *d->sflags);
    d->trans = kre_realloc(d->trans, d->states_cap * 128 * sizeof *d->trans);
  }
  if (d->pool_len + n > d->pool_cap) {
    while (d->pool_len + n > d->pool_cap) d->pool_cap = d->pool_cap ? d->pool_cap * 2 : 256;
    d->pool = kre_realloc(d->pool, d->pool_cap * sizeof *d->pool);
  }
  memcpy(d->pool + d->pool_len, d->stack, n * sizeof *d->stack);
  int32_t id = (int32_t)d->nstates++;
  kre_dstate *st = &d->states[id];
  st->first = (uint32_t)d->pool_len;
  st->count = (uint32_t)n;
  st->hash = h;
  st->ctx = (uint8_t)ctx;
  st->eot_match = -1;
  d->sflags[id] = (uint8_t)((match ? KRE_SF_MATCH : 0) | (n == 0 ? KRE_SF_DEAD : 0) | (idle ? KRE_SF_IDLE : 0));
  d->pool_len += n;
  memset(d->trans + (size_t)id * 128, 0xFF, 128 * sizeof *d->trans);
  if (d->nstates * 2 > d->hcap) { /* keep the table at most half full */
    size_t ncap = d->hcap ? d->hcap * 2 : 64;
    free(d->htab);
    d->htab = kre_alloc(ncap * sizeof *d->htab);
    memset(d->htab, 0xFF, ncap * sizeof *d->htab);
    d->hcap = ncap;
    for (size_t s = 0; s < d->nstates; s++) kre_htab_put(d, d->states[s].hash, (int32_t)s);
  } else {
    kre_htab_put(d, h, id);
  }
  return id;
}

static bool kre_inst_takes(const kql_regex *re, const kre_inst *in, uint32_t c) {
  switch (in->op) {
  case KRE_OP_CHAR: return c == in->x;
  case KRE_OP_ANY: return true;
  case KRE_OP_ANYNL: return c != '\n';
  case KRE_OP_CLASS: return kre_class_has(re, in->x, c);
  default: return false;
  }
}

/* The state holding only the start thread injected at an offset whose
 * previous character gave `ctx`. */
static int32_t kre_idle_state(kre_dfa *d, const kql_regex *re, unsigned ctx, uint64_t *steps) {
  if (d->idle[ctx] == KRE_DFA_UNKNOWN) {
    d->count = 0;
    if (!re->anchored_start || (ctx & KRE_CTX_BOT)) kre_closure(d, re, 0, false, 0, 0, steps);
    d->idle[ctx] = kre_intern(d, re, ctx, true);
  }
  return d->idle[ctx];
}

/* State after code point c from state s: resolve the assertions waiting in s
 * against c, step the threads that take c, inject a new start thread. */
static int32_t kre_step(kre_dfa *d, const kql_regex *re, int32_t s, uint32_t c, uint64_t *steps) {
  const kre_dstate *st = &d->states[s];
  unsigned ctx = st->ctx;
  d->count = 0;
  for (uint32_t i = 0; i < st->count; i++) kre_closure(d, re, d->pool[st->first + i], true, ctx, c, steps);
  size_t n = 0;
  for (size_t i = 0; i < d->count; i++) {
    const kre_inst *in = &re->prog[d->dense[i]];
    if (in->op == KRE_OP_MATCH) return KRE_DFA_MATCHED; /* a match ends before c */
    if (kre_inst_takes(re, in, c)) d->list[n++] = d->dense[i];
  }
  d->count = 0;
  for (size_t i = 0; i < n; i++) kre_closure(d, re, d->list[i] + 1, false, 0, 0, steps);
  if (!re->anchored_start) kre_closure(d, re, 0, false, 0, 0, steps);
  return kre_intern(d, re, kre_ctx_after(c), n == 0);
}

/* Does state s accept at the end of the text? */
static int kre_eot_match(kre_dfa *d, const kql_regex *re, int32_t s, uint64_t *steps) {
  kre_dstate *st = &d->states[s];
  if (st->eot_match >= 0) return st->eot_match;
  d->count = 0;
  for (uint32_t i = 0; i < st->count; i++)
    kre_closure(d, re, d->pool[st->first + i], true, st->ctx, KRE_EOT_CHAR, steps);
  int m = 0;
  for (size_t i = 0; i < d->count; i++)
    if (re->prog[d->dense[i]].op == KRE_OP_MATCH) m = 1;
  d->states[s].eot_match = (int8_t)m;
  return m;
}

int kre_dfa_match(kre_dfa *d, const kql_regex *re, const char *s, size_t len, uint64_t *steps) {
  if (d->failed || len == 0) return -1;
  if (d->start0 == KRE_DFA_UNKNOWN) {
    d->start0 = kre_idle_state(d, re, KRE_CTX_BOT, steps);
    if (d->start0 < 0) {
      d->failed = true;
      return -1;
    }
  }
  int32_t cur = d->start0;
  const unsigned char *p = (const unsigned char *)s;
  size_t pos = 0;
  for (;;) {
    uint8_t f = d->sflags[cur];
    if (f) {
      if (f & KRE_SF_MATCH) return 1;
      if (f & KRE_SF_DEAD) return 0;
      if ((f & KRE_SF_IDLE) && re->prefix_len && pos < len) {
        /* no thread in flight: jump to where the literal prefix occurs next
         * (every match starts with it, so none can start before) */
        size_t hit = kre_find_prefix(re, s, len, pos);
        if (hit > len) return 0;
        if (hit > pos) {
          pos = hit;
          cur = kre_idle_state(d, re, kre_ctx_after(p[pos - 1]), steps);
          if (cur < 0) {
            d->failed = true;
            return -1;
          }
          continue;
        }
      }
    }
    if (pos >= len) break;
    int32_t next;
    unsigned char b = p[pos];
    (*steps)++;
    if (b < 0x80) {
      next = d->trans[(size_t)cur * 128 + b];
      if (next == KRE_DFA_UNKNOWN) {
        next = kre_step(d, re, cur, b, steps);
        if (next == KRE_DFA_FULL) {
          d->failed = true;
          return -1;
        }
        d->trans[(size_t)cur * 128 + b] = next;
      }
      pos++;
    } else {
      size_t adv;
      uint32_t c = kre_utf8_decode(p + pos, len - pos, &adv);
      kre_uentry *ue = &d->ucache[((c * 2654435761u) ^ ((uint32_t)cur * 40503u)) & (KRE_DFA_UCACHE - 1)];
      if (ue->state == cur && ue->cp == c) {
        next = ue->next;
      } else {
        next = kre_step(d, re, cur, c, steps);
        if (next == KRE_DFA_FULL) {
          d->failed = true;
          return -1;
        }
        ue->state = cur;
        ue->cp = c;
        ue->next = next;
      }
      pos += adv;
    }
    if (next == KRE_DFA_MATCHED) return 1;
    cur = next;
  }
  return kre_eot_match(d, re, cur, steps);
}
