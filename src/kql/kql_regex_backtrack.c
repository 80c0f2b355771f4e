/* SPDX-License-Identifier: MIT
 * Bounded backtracker for capturing searches on short texts: depth-first in
 * priority order (so the first MATCH reached is the leftmost-first answer),
 * with a bitmap of visited (instruction, offset) pairs so that no pair is
 * explored twice -- a failed pair fails again whatever the captures, even
 * from a later start offset. Work is therefore at most program x text, like
 * the Pike VM, but with less bookkeeping per step. Only used while the bitmap
 * stays within KRE_BT_MAX_BITS; the caller falls back to the VM otherwise. */
#include "kql/kql_regex_int.h"

#include <stdlib.h>
#include <string.h>

void kre_bt_mem_free(kre_bt_mem *m) {
  free(m->bits);
  free(m->jobs);
  free(m->caps);
  memset(m, 0, sizeof *m);
}

static void kre_bt_push(kre_bt_mem *m, size_t *top, uint32_t pc, uint32_t slot, size_t pos) {
  if (*top == m->jobs_cap) {
    m->jobs_cap = m->jobs_cap ? m->jobs_cap * 2 : 64;
    m->jobs = kre_realloc(m->jobs, m->jobs_cap * sizeof *m->jobs);
  }
  m->jobs[*top].pc = pc;
  m->jobs[*top].slot = slot;
  m->jobs[*top].pos = pos;
  (*top)++;
}

/* Explores from (pc 0, offset p). True on a match (slots copied to out). */
static bool kre_bt_try(const kql_regex *re, const char *s, size_t len, size_t start, size_t p,
                       size_t *out, size_t nslots, kre_bt_mem *m, uint64_t *steps) {
  size_t width = len - start + 1;
  size_t *caps = m->caps;
  for (size_t i = 0; i < nslots; i++) caps[i] = KQL_REGEX_NPOS;
  size_t top = 0;
  kre_bt_push(m, &top, 0, 0, p);
  while (top > 0) {
    kre_bt_job job = m->jobs[--top];
    if (job.pc == UINT32_MAX) {
      caps[job.slot] = job.pos;
      continue;
    }
    uint32_t pc = job.pc;
    size_t pos = job.pos;
    for (;;) {
      size_t bit = (size_t)pc * width + (pos - start);
      uint64_t mask = (uint64_t)1 << (bit & 63);
      if (m->bits[bit >> 6] & mask) break;
      m->bits[bit >> 6] |= mask;
      (*steps)++;
      const kre_inst *in = &re->prog[pc];
      switch (in->op) {
      case KRE_OP_JMP:
        pc = in->x;
        continue;
      case KRE_OP_SPLIT:
        kre_bt_push(m, &top, in->y, 0, pos);
        pc = in->x;
        continue;
      case KRE_OP_SAVE:
        if (in->x < nslots) {
          kre_bt_push(m, &top, UINT32_MAX, in->x, caps[in->x]);
          caps[in->x] = pos;
        }
        pc++;
        continue;
      case KRE_OP_ASSERT:
        if (!kre_assert_ok(in->x, s, len, pos)) break;
        pc++;
        continue;
      case KRE_OP_MATCH:
        memcpy(out, caps, nslots * sizeof *caps);
        return true;
      default: {
        if (pos >= len) break;
        size_t adv;
        uint32_t c = kre_utf8_decode((const unsigned char *)s + pos, len - pos, &adv);
        bool ok;
        if (in->op == KRE_OP_CHAR)
          ok = c == in->x;
        else if (in->op == KRE_OP_CLASS)
          ok = kre_class_has(re, in->x, c);
        else if (in->op == KRE_OP_ANYNL)
          ok = c != '\n';
        else
          ok = true; /* ANY */
        if (!ok) break;
        pos += adv;
        pc++;
        continue;
      }
      }
      break;
    }
  }
  return false;
}

int kre_backtrack(const kql_regex *re, const char *s, size_t len, size_t start, size_t *out,
                  size_t nslots, kre_bt_mem *m, uint64_t *steps) {
  if (start > len) return 0;
  size_t width = len - start + 1;
  if (width > KRE_BT_MAX_BITS / re->prog_len) return -1;
  size_t words = (re->prog_len * width + 63) / 64;
  if (words > m->bits_words) {
    free(m->bits);
    m->bits = kre_alloc(words * sizeof *m->bits);
    m->bits_words = words;
  }
  memset(m->bits, 0, words * sizeof *m->bits);
  if (nslots > m->caps_cap) {
    free(m->caps);
    m->caps = kre_alloc(nslots * sizeof *m->caps);
    m->caps_cap = nslots;
  }
  size_t p = start;
  for (;;) {
    if (re->anchored_start && p != 0) return 0;
    if (re->prefix_len) {
      p = kre_find_prefix(re, s, len, p);
      if (p > len) return 0;
    }
    if (kre_bt_try(re, s, len, start, p, out, nslots, m, steps)) return 1;
    if (p >= len) return 0;
    size_t adv;
    kre_utf8_decode((const unsigned char *)s + p, len - p, &adv);
    p += adv;
  }
}
