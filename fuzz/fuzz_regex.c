/* SPDX-License-Identifier: MIT
 * libFuzzer target for the regex engine (src/kql/kql_regex*.c). Input: byte 0
 * = compile flags, byte 1 = pattern length n, then n pattern bytes, then the
 * subject. Checks the invariants the KQL functions rely on: spans inside the
 * subject, match() agrees with search(), the iterator moves forward, and the
 * VM's step count stays within the documented linear bound. */
#include "kql/kql_regex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  unsigned flags = data[0] & 0x1F;
  size_t plen = data[1];
  if (plen > size - 2) plen = size - 2;
  const char *pat = (const char *)data + 2;
  const char *subj = pat + plen;
  size_t slen = size - 2 - plen;
  kql_regex *re = NULL;
  kql_regex_error err;
  if (kql_regex_compile(pat, plen, flags, &re, &err) < 0) {
    if (!memchr(err.message, 0, sizeof err.message) || err.offset > plen) abort();
    return 0;
  }
  kql_regex_scratch *sc = kql_regex_scratch_new();
  kql_regex_span g[8];
  uint64_t s0 = kql_regex_scratch_steps(sc);
  bool m = kql_regex_search(re, subj, slen, 0, g, 8, sc);
  uint64_t bound = 4u * (uint64_t)kql_regex_program_size(re) * (uint64_t)(slen + 1) + 1;
  if (kql_regex_scratch_steps(sc) - s0 > bound) abort();
  if (m) {
    if (g[0].start > g[0].end || g[0].end > slen) abort();
    int ng = kql_regex_group_count(re) + 1;
    for (int i = 1; i < ng && i < 8; i++)
      if (g[i].start != KQL_REGEX_NPOS && (g[i].start > g[i].end || g[i].end > slen)) abort();
  }
  if (kql_regex_match(re, subj, slen, sc) != m) abort();
  /* differential: the Pike VM alone and the backtracker without the DFA
   * must find the same match as the default engines */
  for (int e = 1; e <= 2; e++) {
    kql_regex_scratch *vsc = kql_regex_scratch_new();
    kql_regex_scratch_set_engines(vsc, e);
    kql_regex_span vg[8];
    bool vm = kql_regex_search(re, subj, slen, 0, vg, 8, vsc);
    if (vm != m) abort();
    if (m)
      for (int i = 0; i < 8; i++)
        if (vg[i].start != g[i].start || vg[i].end != g[i].end) abort();
    if (kql_regex_match(re, subj, slen, vsc) != m) abort();
    kql_regex_scratch_free(vsc);
  }
  /* all matches: default engines and the VM alone walk in lockstep */
  kql_regex_scratch *vsc = kql_regex_scratch_new();
  kql_regex_scratch_set_engines(vsc, KQL_REGEX_ENGINES_VM_ONLY);
  kql_regex_iter it, vit;
  kql_regex_iter_init(&it, re, subj, slen, sc);
  kql_regex_iter_init(&vit, re, subj, slen, vsc);
  size_t last = 0;
  int count = 0;
  for (;;) {
    kql_regex_span vg[2];
    bool a = kql_regex_iter_next(&it, g, 2);
    bool b = kql_regex_iter_next(&vit, vg, 2);
    if (a != b) abort();
    if (!a || count >= 1000) break;
    if (g[0].start != vg[0].start || g[0].end != vg[0].end || g[1].start != vg[1].start) abort();
    if (g[0].start < last || g[0].end < g[0].start || g[0].end > slen) abort();
    if (count == 0 && !m) abort();
    last = g[0].end;
    count++;
  }
  if (m && count == 0) abort();
  kql_regex_scratch_free(vsc);
  kql_regex_scratch_free(sc);
  kql_regex_free(re);
  return 0;
}
