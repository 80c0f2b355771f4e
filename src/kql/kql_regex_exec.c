/* SPDX-License-Identifier: MIT
 * Regex matcher: a Pike VM (Thompson NFA simulation carrying capture slots)
 * over UTF-8 code points, leftmost-first like RE2/Perl. Each subject position
 * visits every program instruction at most twice, so time is
 * O(subject x program) whatever the pattern: no backtracking, no blow-up.
 * Fast paths: whole-pattern literals use a byte search; a literal prefix lets
 * the VM skip (memchr) to candidate starts when no thread is alive; patterns
 * anchored at \A try offset 0 only. Work memory lives in kql_regex_scratch. */
#include "kql/kql_regex_int.h"

#include <stdlib.h>
#include <string.h>

#include "kql/kql_regex_dfa.h"

enum { KRE_DFA_SLOTS = 4 };

typedef struct kre_stack_entry {
  uint32_t pc;      /* instruction to explore, or UINT32_MAX for a slot restore */
  uint32_t slot;
  size_t value;
} kre_stack_entry;

struct kql_regex_scratch {
  uint32_t *sparse[2];
  uint32_t *dense[2];
  size_t count[2];
  size_t *caps[2]; /* per list: prog_cap x slots_cap */
  kre_stack_entry *stack;
  size_t *tmp;     /* slots of a new thread */
  size_t prog_cap;
  size_t slots_cap;
  uint64_t steps;
  kre_dfa *dfa[KRE_DFA_SLOTS]; /* lazy DFA caches of the last regexes served */
  unsigned dfa_next;
  kre_bt_mem bt; /* backtracker memory */
  int engines;   /* KQL_REGEX_ENGINES_* */
};

kql_regex_scratch *kql_regex_scratch_new(void) {
  kql_regex_scratch *s = kre_alloc(sizeof *s);
  memset(s, 0, sizeof *s);
  return s;
}

void kql_regex_scratch_free(kql_regex_scratch *s) {
  if (!s) return;
  for (int i = 0; i < 2; i++) {
    free(s->sparse[i]);
    free(s->dense[i]);
    free(s->caps[i]);
  }
  free(s->stack);
  free(s->tmp);
  for (int i = 0; i < KRE_DFA_SLOTS; i++) kre_dfa_free(s->dfa[i]);
  kre_bt_mem_free(&s->bt);
  free(s);
}

uint64_t kql_regex_scratch_steps(const kql_regex_scratch *s) { return s ? s->steps : 0; }

void kql_regex_scratch_set_engines(kql_regex_scratch *s, int engines) {
  if (s) s->engines = engines;
}

static void kre_scratch_fit(kql_regex_scratch *s, size_t prog_len, size_t nslots) {
  if (prog_len > s->prog_cap) {
    for (int i = 0; i < 2; i++) {
      free(s->sparse[i]);
      free(s->dense[i]);
      /* zeroed once so the sparse-set trick never reads indeterminate memory */
      s->sparse[i] = kre_alloc(prog_len * sizeof(uint32_t));
      s->dense[i] = kre_alloc(prog_len * sizeof(uint32_t));
      memset(s->sparse[i], 0, prog_len * sizeof(uint32_t));
      memset(s->dense[i], 0, prog_len * sizeof(uint32_t));
    }
    free(s->stack);
    s->stack = kre_alloc((2 * prog_len + 2) * sizeof *s->stack);
    s->prog_cap = prog_len;
    s->slots_cap = 0; /* caps depend on prog_cap too */
  }
  if (nslots > s->slots_cap || s->caps[0] == NULL) {
    size_t ns = nslots > s->slots_cap ? nslots : s->slots_cap;
    for (int i = 0; i < 2; i++) {
      free(s->caps[i]);
      s->caps[i] = kre_alloc((s->prog_cap * ns + 1) * sizeof(size_t));
    }
    free(s->tmp);
    s->tmp = kre_alloc((ns + 1) * sizeof(size_t));
    s->slots_cap = ns;
  }
}

static inline bool kre_word_at(const char *s, size_t len, size_t i) {
  if (i >= len) return false;
  unsigned char c = (unsigned char)s[i];
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool kre_assert_ok(uint32_t kind, const char *s, size_t len, size_t pos) {
  switch (kind) {
  case KRE_AS_BOT: return pos == 0;
  case KRE_AS_EOT: return pos == len;
  case KRE_AS_BOL: return pos == 0 || s[pos - 1] == '\n';
  case KRE_AS_EOL: return pos == len || s[pos] == '\n';
  case KRE_AS_WORDB:
    return (pos > 0 && kre_word_at(s, len, pos - 1)) != kre_word_at(s, len, pos);
  case KRE_AS_NWORDB:
    return (pos > 0 && kre_word_at(s, len, pos - 1)) == kre_word_at(s, len, pos);
  default: return false;
  }
}

bool kre_class_has(const kql_regex *re, uint32_t idx, uint32_t c) {
  const kre_class *k = &re->classes[idx];
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

typedef struct kre_vm {
  const kql_regex *re;
  kql_regex_scratch *sc;
  const char *s;
  size_t len;
  size_t nslots;
} kre_vm;

/* Adds the thread at pc0 (and everything reachable without consuming input)
 * to list li, in priority order. `caps` holds the thread's slots; SAVEs write
 * it and are undone through the stack, so it is unchanged on return. */
static void kre_add_thread(kre_vm *vm, int li, uint32_t pc0, size_t pos, size_t *caps) {
  kql_regex_scratch *sc = vm->sc;
  const kre_inst *prog = vm->re->prog;
  uint32_t *sparse = sc->sparse[li], *dense = sc->dense[li];
  size_t top = 0;
  sc->stack[top].pc = pc0;
  top++;
  while (top > 0) {
    kre_stack_entry e = sc->stack[--top];
    if (e.pc == UINT32_MAX) {
      caps[e.slot] = e.value;
      continue;
    }
    uint32_t pc = e.pc;
    for (;;) {
      uint32_t di = sparse[pc];
      if (di < sc->count[li] && dense[di] == pc) break; /* already on the list */
      sparse[pc] = (uint32_t)sc->count[li];
      dense[sc->count[li]++] = pc;
      sc->steps++;
      const kre_inst *in = &prog[pc];
      if (in->op == KRE_OP_JMP) {
        pc = in->x;
        continue;
      }
      if (in->op == KRE_OP_SPLIT) {
        sc->stack[top].pc = in->y;
        top++;
        pc = in->x;
        continue;
      }
      if (in->op == KRE_OP_SAVE) {
        if (in->x < vm->nslots) {
          sc->stack[top].pc = UINT32_MAX;
          sc->stack[top].slot = in->x;
          sc->stack[top].value = caps[in->x];
          top++;
          caps[in->x] = pos;
        }
        pc++;
        continue;
      }
      if (in->op == KRE_OP_ASSERT) {
        if (!kre_assert_ok(in->x, vm->s, vm->len, pos)) break;
        pc++;
        continue;
      }
      /* a consuming instruction or MATCH: the thread waits here */
      if (vm->nslots) memcpy(sc->caps[li] + (size_t)pc * vm->nslots, caps, vm->nslots * sizeof(size_t));
      break;
    }
  }
}

/* Next offset >= from where the literal prefix occurs, or len if none. */
size_t kre_find_prefix(const kql_regex *re, const char *s, size_t len, size_t from) {
  const char *p = re->prefix;
  size_t n = re->prefix_len;
  while (from + n <= len) {
    const char *hit = memchr(s + from, (unsigned char)p[0], len - from - n + 1);
    if (!hit) return len + 1;
    size_t at = (size_t)(hit - s);
    if (memcmp(s + at, p, n) == 0) return at;
    from = at + 1;
  }
  return len + 1;
}

/* Runs the VM from `start`. nslots = capture slots tracked (0: yes/no only,
 * stopping at the first match found). On a match copies the slots to out. */
static bool kre_run(const kql_regex *re, const char *s, size_t len, size_t start, size_t *out,
                    size_t nslots, kql_regex_scratch *sc) {
  if (start > len) return false;
  if (re->anchored_start && start > 0) return false;
  if (re->is_literal) {
    size_t at = kre_find_prefix(re, s, len, start);
    sc->steps++;
    if (at > len) return false;
    if (nslots >= 2) {
      out[0] = at;
      out[1] = at + re->prefix_len;
    }
    return true;
  }
  if (nslots > 0 && sc->engines != KQL_REGEX_ENGINES_VM_ONLY) {
    /* small enough for the visited map: the backtracker is faster than the VM */
    int bt = kre_backtrack(re, s, len, start, out, nslots, &sc->bt, &sc->steps);
    if (bt >= 0) return bt == 1;
  }
  kre_scratch_fit(sc, re->prog_len, nslots);
  kre_vm vm = {.re = re, .sc = sc, .s = s, .len = len, .nslots = nslots};
  const kre_inst *prog = re->prog;
  sc->count[0] = sc->count[1] = 0;
  int cur = 0;
  bool matched = false;
  size_t pos = start;
  for (;;) {
    if (!matched && !(re->anchored_start && pos != 0)) {
      if (sc->count[cur] == 0 && re->prefix_len) {
        size_t at = kre_find_prefix(re, s, len, pos);
        if (at > len) break;
        pos = at;
      }
      for (size_t i = 0; i < nslots; i++) sc->tmp[i] = KQL_REGEX_NPOS;
      kre_add_thread(&vm, cur, 0, pos, sc->tmp);
    }
    if (sc->count[cur] == 0) break;
    uint32_t c = 0;
    size_t adv = 0;
    if (pos < len) c = kre_utf8_decode((const unsigned char *)s + pos, len - pos, &adv);
    int nxt = 1 - cur;
    sc->count[nxt] = 0;
    size_t *ccaps = sc->caps[cur];
    for (size_t i = 0; i < sc->count[cur]; i++) {
      uint32_t pc = sc->dense[cur][i];
      const kre_inst *in = &prog[pc];
      bool ok;
      sc->steps++;
      switch (in->op) {
      case KRE_OP_MATCH:
        matched = true;
        if (nslots == 0) return true;
        memcpy(out, ccaps + (size_t)pc * nslots, nslots * sizeof(size_t));
        goto cut; /* lower-priority threads lose to this match */
      case KRE_OP_CHAR: ok = adv && c == in->x; break;
      case KRE_OP_CLASS: ok = adv && kre_class_has(re, in->x, c); break;
      case KRE_OP_ANY: ok = adv != 0; break;
      case KRE_OP_ANYNL: ok = adv && c != '\n'; break;
      default: ok = false; break; /* non-consuming ops are never on a list */
      }
      if (ok) kre_add_thread(&vm, nxt, pc + 1, pos + adv, nslots ? ccaps + (size_t)pc * nslots : sc->tmp);
    }
  cut:
    if (pos >= len) break;
    pos += adv;
    cur = nxt;
  }
  return matched;
}

/* Scratch for a call without one: building DFA states for a single use
 * costs more than it saves, so it goes to the backtracker / VM. */
static kql_regex_scratch *kre_oneshot_scratch(void) {
  kql_regex_scratch *s = kql_regex_scratch_new();
  s->engines = KQL_REGEX_ENGINES_NO_DFA;
  return s;
}

/* Yes/no through the lazy DFA: 1, 0, or -1 when the VM must decide. */
static int kre_dfa_try(const kql_regex *re, const char *s, size_t len, kql_regex_scratch *sc) {
  if (!re->dfa_ok || re->is_literal || len == 0 || sc->engines != KQL_REGEX_ENGINES_ALL) return -1;
  kre_dfa **slot = NULL;
  for (int i = 0; i < KRE_DFA_SLOTS; i++)
    if (sc->dfa[i] && kre_dfa_id(sc->dfa[i]) == re->id) slot = &sc->dfa[i];
  if (!slot) slot = &sc->dfa[sc->dfa_next++ % KRE_DFA_SLOTS];
  kre_dfa *d = kre_dfa_for(slot, re);
  return kre_dfa_match(d, re, s, len, &sc->steps);
}

bool kql_regex_match(const kql_regex *re, const char *s, size_t len, kql_regex_scratch *scratch) {
  if (!re) return false;
  if (!s) {
    s = "";
    len = 0;
  }
  kql_regex_scratch *sc = scratch ? scratch : kre_oneshot_scratch();
  int d = kre_dfa_try(re, s, len, sc);
  bool r = d >= 0 ? d == 1 : kre_run(re, s, len, 0, NULL, 0, sc);
  if (!scratch) kql_regex_scratch_free(sc);
  return r;
}

bool kql_regex_search(const kql_regex *re, const char *s, size_t len, size_t start,
                      kql_regex_span *groups, int ngroups, kql_regex_scratch *scratch) {
  if (!re) return false;
  if (!s) {
    s = "";
    len = 0;
  }
  if (ngroups < 0) ngroups = 0;
  int track = ngroups < re->group_count + 1 ? ngroups : re->group_count + 1;
  size_t nslots = (size_t)track * 2;
  size_t local[2 * 16];
  size_t *slots = nslots <= 2 * 16 ? local : kre_alloc(nslots * sizeof *slots);
  kql_regex_scratch *sc = scratch ? scratch : kre_oneshot_scratch();
  /* most rows of a filter do not match: let the DFA say no cheaply first */
  bool r = (start == 0 && kre_dfa_try(re, s, len, sc) == 0) ? false
                                                           : kre_run(re, s, len, start, slots, nslots, sc);
  if (!scratch) kql_regex_scratch_free(sc);
  for (int g = 0; g < ngroups; g++) {
    if (r && g < track && slots[2 * g] != KQL_REGEX_NPOS && slots[2 * g + 1] != KQL_REGEX_NPOS) {
      groups[g].start = slots[2 * g];
      groups[g].end = slots[2 * g + 1];
    } else {
      groups[g].start = groups[g].end = KQL_REGEX_NPOS;
    }
  }
  if (slots != local) free(slots);
  return r;
}

void kql_regex_iter_init(kql_regex_iter *it, const kql_regex *re, const char *s, size_t len,
                         kql_regex_scratch *scratch) {
  it->re = re;
  it->s = s ? s : "";
  it->len = s ? len : 0;
  it->pos = 0;
  it->last_end = KQL_REGEX_NPOS;
  it->scratch = scratch;
  it->done = re == NULL;
}

bool kql_regex_iter_next(kql_regex_iter *it, kql_regex_span *groups, int ngroups) {
  kql_regex_span one;
  if (ngroups < 1 || !groups) {
    groups = &one;
    ngroups = 1;
  }
  while (!it->done) {
    if (it->pos > it->len ||
        !kql_regex_search(it->re, it->s, it->len, it->pos, groups, ngroups, it->scratch)) {
      it->done = true;
      break;
    }
    size_t ms = groups[0].start, me = groups[0].end;
    if (ms == me && ms == it->last_end) {
      /* empty match where the previous one ended: step one code point on */
      if (ms >= it->len) {
        it->done = true;
        break;
      }
      size_t adv;
      kre_utf8_decode((const unsigned char *)it->s + ms, it->len - ms, &adv);
      it->pos = ms + adv;
      continue;
    }
    it->pos = me;
    it->last_end = me;
    return true;
  }
  return false;
}
