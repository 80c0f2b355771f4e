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

/* True when the pattern contains \Q (quoting would swallow the wrapper). */
static bool memmem_q(const char *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i++)
    if (p[i] == '\\' && p[i + 1] == 'Q') return true;
  return false;
}

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
  /* differential: "(?:P)|\b\B" runs on the Pike VM only (\b keeps the lazy
   * DFA out, \b\B never matches) and must find the same match */
  if (!(flags & KQL_REGEX_LITERAL) && !memmem_q(pat, plen)) {
    char *vp = malloc(plen + 16);
    memcpy(vp, "(?:", 3);
    memcpy(vp + 3, pat, plen);
    memcpy(vp + 3 + plen, ")|\\b\\B", 7);
    kql_regex *vre = NULL;
    if (kql_regex_compile(vp, plen + 10, flags, &vre, &err) == 0) {
      kql_regex_span vg[8];
      bool vm = kql_regex_search(vre, subj, slen, 0, vg, 8, sc);
      if (vm != m) abort();
      if (m && (vg[0].start != g[0].start || vg[0].end != g[0].end)) abort();
      if (kql_regex_match(vre, subj, slen, sc) != m) abort();
      kql_regex_free(vre);
    }
    free(vp);
  }
  kql_regex_iter it;
  kql_regex_iter_init(&it, re, subj, slen, sc);
  size_t last = 0;
  int count = 0;
  while (kql_regex_iter_next(&it, g, 2) && count < 1000) {
    if (g[0].start < last || g[0].end < g[0].start || g[0].end > slen) abort();
    if (count == 0 && !m) abort();
    last = g[0].end;
    count++;
  }
  if (m && count == 0) abort();
  kql_regex_scratch_free(sc);
  kql_regex_free(re);
  return 0;
}
