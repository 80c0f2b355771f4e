/* SPDX-License-Identifier: MIT
 * Private interface of the lazy DFA (kql_regex_dfa.c) used by the matcher
 * (kql_regex_exec.c). A kre_dfa is a cache for one compiled regex, owned by a
 * kql_regex_scratch (so per thread); it is rebuilt when the scratch serves
 * another regex (identified by kql_regex.id, never by address). */
#ifndef E2K_KQL_KQL_REGEX_DFA_H
#define E2K_KQL_KQL_REGEX_DFA_H

#include "kql/kql_regex_int.h"

typedef struct kre_dfa kre_dfa;

/* True when the lazy DFA can run the program (all non-empty programs). */
bool kre_dfa_usable(const kql_regex *re);
/* The cache in *slot, created or reset for re as needed. */
kre_dfa *kre_dfa_for(kre_dfa **slot, const kql_regex *re);
/* Regex id the cache currently serves. */
uint64_t kre_dfa_id(const kre_dfa *d);
void kre_dfa_free(kre_dfa *d);
/* 1: re matches somewhere in s; 0: nowhere; -1: cannot tell (empty text, or
 * the cache overflowed: the caller runs the Pike VM). Adds work to *steps. */
int kre_dfa_match(kre_dfa *d, const kql_regex *re, const char *s, size_t len, uint64_t *steps);

#endif
