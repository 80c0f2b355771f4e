/* SPDX-License-Identifier: MIT
 * Lazy DFA for yes/no questions ("does the regex match anywhere?"): states
 * are sets of Pike VM program counters built on demand and cached in the
 * caller's scratch, with a 128-entry transition row per state for ASCII
 * bytes (other code points take the uncached path). Used by
 * kql_regex_match() and as a fast reject before the capturing VM. Programs
 * with context assertions other than \A and \z (^/$ in m mode, \b, \B) are
 * left to the Pike VM. The cache is bounded; when it fills up the caller
 * falls back to the VM, so time stays linear either way. */
#include "kql/kql_regex_dfa.h"

#include <stdlib.h>
#include <string.h>

enum {
  KRE_DFA_MAX_STATES = 2000,
  KRE_DFA_MAX_POOL = 1 << 18, /* program counters stored over all states */
  KRE_DFA_UNKNOWN = -1,
  KRE_DFA_FULL = -2
};

typedef struct kre_dstate {
  uint32_t first; /* into pool */
  uint32_t count;
  uint32_t hash;
  int8_t is_match;
  int8_t eot_match; /* -1 unknown, 0/1 */
} kre_dstate;

struct kre_dfa {
  uint64_t re_id;
  bool failed; /* cache overflowed once: use the VM for this regex */
  kre_dstate *states;
  size_t nstates, states_cap;
  int32_t *trans; /* nstates x 128 */
  uint32_t *pool;
  size_t pool_len, pool_cap;
  int32_t *htab; /* open addressing, -1 empty */
  size_t hcap;
  int32_t start0; /* state at offset 0 */
  int32_t idle;   /* only the injected start thread (no thread in flight) */
  /* work space for building one set */
  uint32_t *sparse, *dense, *stack;
  size_t count;
  size_t prog_len;
};

bool kre_dfa_usable(const kql_regex *re) {
  for (size_t i = 0; i < re->prog_len; i++)
    if (re->prog[i].op == KRE_OP_ASSERT && re->prog[i].x != KRE_AS_BOT && re->prog[i].x != KRE_AS_EOT)
      return false;
  return true;
}

void kre_dfa_free(kre_dfa *d) {
  if (!d) return;
  free(d->states);
  free(d->trans);
  free(d->pool);
  free(d->htab);
  free(d->sparse);
  free(d->dense);
  free(d->stack);
  free(d);
}

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
    d->sparse = kre_alloc(re->prog_len * sizeof *d->sparse);
    d->dense = kre_alloc(re->prog_len * sizeof *d->dense);
    d->stack = kre_alloc((re->prog_len + 1) * sizeof *d->stack);
    memset(d->sparse, 0, re->prog_len * sizeof *d->sparse);
    d->prog_len = re->prog_len;
  }
  d->start0 = d->idle = KRE_DFA_UNKNOWN;
}

uint64_t kre_dfa_id(const kre_dfa *d) { return d->re_id; }

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

/* Adds everything reachable from pc without consuming input. Threads wait on
 * consuming instructions, MATCH and (unless at_eot) \z assertions. Non-waiting
 * instructions are marked in the set too so that loops terminate; they are
 * filtered out when the state is stored. */
static void kre_closure(kre_dfa *d, const kql_regex *re, uint32_t pc0, bool at_bot, bool at_eot,
                        uint64_t *steps) {
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
      if (in->op == KRE_OP_ASSERT) {
        if (in->x == KRE_AS_BOT) {
          if (!at_bot) break;
          pc++;
          continue;
        }
        if (in->x == KRE_AS_EOT && at_eot) {
          pc++;
          continue;
        }
      }
      break;
    }
  }
}

static bool kre_waits(const kre_inst *in) {
  return in->op == KRE_OP_CHAR || in->op == KRE_OP_CLASS || in->op == KRE_OP_ANY ||
         in->op == KRE_OP_ANYNL || in->op == KRE_OP_MATCH ||
         (in->op == KRE_OP_ASSERT && in->x == KRE_AS_EOT);
}

static int kre_u32_cmp(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Interns the current set as a state; KRE_DFA_FULL when the cache is full. */
static int32_t kre_intern(kre_dfa *d, const kql_regex *re) {
  /* keep waiting pcs only, sorted: the state's identity */
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
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ d->stack[i]) * 16777619u;
  if (d->hcap) {
    for (size_t i = h & (d->hcap - 1);; i = (i + 1) & (d->hcap - 1)) {
      int32_t s = d->htab[i];
      if (s < 0) break;
      const kre_dstate *st = &d->states[s];
      if (st->hash == h && st->count == n && memcmp(d->pool + st->first, d->stack, n * sizeof *d->stack) == 0)
        return s;
    }
  }
  if (d->nstates >= KRE_DFA_MAX_STATES || d->pool_len + n > KRE_DFA_MAX_POOL) return KRE_DFA_FULL;
  if (d->nstates == d->states_cap) {
    d->states_cap = d->states_cap ? d->states_cap * 2 : 16;
    d->states = kre_realloc(d->states, d->states_cap * sizeof *d->states);
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
  st->is_match = match;
  st->eot_match = -1;
  d->pool_len += n;
  memset(d->trans + (size_t)id * 128, 0xFF, 128 * sizeof *d->trans);
  /* hash table at most half full */
  if (d->nstates * 2 > d->hcap) {
    size_t ncap = d->hcap ? d->hcap * 2 : 64;
    free(d->htab);
    d->htab = kre_alloc(ncap * sizeof *d->htab);
    memset(d->htab, 0xFF, ncap * sizeof *d->htab);
    d->hcap = ncap;
    for (size_t s = 0; s < d->nstates; s++)
      for (size_t i = d->states[s].hash & (ncap - 1);; i = (i + 1) & (ncap - 1))
        if (d->htab[i] < 0) {
          d->htab[i] = (int32_t)s;
          break;
        }
  } else {
    for (size_t i = h & (d->hcap - 1);; i = (i + 1) & (d->hcap - 1))
      if (d->htab[i] < 0) {
        d->htab[i] = id;
        break;
      }
  }
  return id;
}

static bool kre_inst_takes(const kql_regex *re, const kre_inst *in, uint32_t c);

/* State after consuming code point c from state s (not at the text start). */
static int32_t kre_step(kre_dfa *d, const kql_regex *re, int32_t s, uint32_t c, uint64_t *steps) {
  d->count = 0;
  const kre_dstate *st = &d->states[s];
  for (uint32_t i = 0; i < st->count; i++) {
    uint32_t pc = d->pool[st->first + i];
    if (kre_inst_takes(re, &re->prog[pc], c)) kre_closure(d, re, pc + 1, false, false, steps);
  }
  if (!re->anchored_start) kre_closure(d, re, 0, false, false, steps);
  return kre_intern(d, re);
}

static bool kre_inst_takes(const kql_regex *re, const kre_inst *in, uint32_t c) {
  switch (in->op) {
  case KRE_OP_CHAR: return c == in->x;
  case KRE_OP_ANY: return true;
  case KRE_OP_ANYNL: return c != '\n';
  case KRE_OP_CLASS: {
    const kre_class *k = &re->classes[in->x];
    if (c < 128) return (k->ascii[c >> 6] >> (c & 63)) & 1;
    const kre_range *r = re->ranges + k->first;
    size_t lo = 0, hi = k->count;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (c < r[mid].lo)
        hi = mid;
      else if (c > r[mid].hi)
        lo = mid + 1;
      else
        return true;
    }
    return false;
  }
  default: return false;
  }
}

/* Does state s accept at the end of a non-empty text (threads waiting on \z)? */
static int kre_eot_match(kre_dfa *d, const kql_regex *re, int32_t s, uint64_t *steps) {
  kre_dstate *st = &d->states[s];
  if (st->eot_match >= 0) return st->eot_match;
  d->count = 0;
  for (uint32_t i = 0; i < st->count; i++) {
    uint32_t pc = d->pool[st->first + i];
    const kre_inst *in = &re->prog[pc];
    if (in->op == KRE_OP_ASSERT && in->x == KRE_AS_EOT) kre_closure(d, re, pc + 1, false, true, steps);
  }
  int m = 0;
  for (size_t i = 0; i < d->count; i++)
    if (re->prog[d->dense[i]].op == KRE_OP_MATCH) m = 1;
  st->eot_match = (int8_t)m;
  return m;
}

int kre_dfa_match(kre_dfa *d, const kql_regex *re, const char *s, size_t len, uint64_t *steps) {
  if (d->failed || len == 0) return -1;
  if (d->start0 == KRE_DFA_UNKNOWN) {
    d->count = 0;
    kre_closure(d, re, 0, true, false, steps);
    d->start0 = kre_intern(d, re);
    d->count = 0;
    kre_closure(d, re, 0, false, false, steps);
    d->idle = re->anchored_start ? KRE_DFA_FULL : kre_intern(d, re);
    if (d->start0 < 0 || (!re->anchored_start && d->idle < 0)) {
      d->failed = true;
      return -1;
    }
  }
  int32_t cur = d->start0;
  if (d->states[cur].is_match) return 1;
  const unsigned char *p = (const unsigned char *)s;
  size_t pos = 0;
  while (pos < len) {
    if (cur == d->idle && re->prefix_len) {
      /* no thread in flight: jump to where the literal prefix occurs next */
      const char *hit = NULL;
      size_t from = pos;
      while (from + re->prefix_len <= len) {
        hit = memchr(s + from, (unsigned char)re->prefix[0], len - from - re->prefix_len + 1);
        if (!hit || memcmp(hit, re->prefix, re->prefix_len) == 0) break;
        from = (size_t)(hit - s) + 1;
        hit = NULL;
      }
      if (!hit) return 0; /* idle state + no prefix left: only a match at the end could remain, and
                             a match must start with the prefix */
      pos = (size_t)(hit - s);
    }
    int32_t next;
    unsigned char b = p[pos];
    (*steps)++;
    if (b < 0x80) {
      next = d->trans[(size_t)cur * 128 + b];
      if (next < 0) {
        next = kre_step(d, re, cur, b, steps);
        if (next < 0) {
          d->failed = true;
          return -1;
        }
        d->trans[(size_t)cur * 128 + b] = next;
      }
      pos++;
    } else {
      size_t adv;
      uint32_t c = kre_utf8_decode(p + pos, len - pos, &adv);
      next = kre_step(d, re, cur, c, steps);
      if (next < 0) {
        d->failed = true;
        return -1;
      }
      pos += adv;
    }
    cur = next;
    if (d->states[cur].is_match) return 1;
    if (d->states[cur].count == 0) return 0; /* dead (anchored pattern) */
  }
  return kre_eot_match(d, re, cur, steps);
}
