/* SPDX-License-Identifier: MIT
 * Regular expressions with RE2 syntax and RE2/Perl leftmost-first semantics,
 * matched in time linear in the subject (Pike VM, no backtracking), for the
 * KQL functions extract/extract_all/replace_regex and the operators
 * `matches regex` and `parse kind=regex`. Depends on libc only.
 *
 * Ownership: kql_regex_compile() returns a regex the caller frees with
 * kql_regex_free(). A compiled regex is immutable: any number of threads may
 * match with it at once, each with its own kql_regex_scratch (or NULL, which
 * allocates per call). Allocation failure aborts (the project's OOM policy). */
/* Syntax (RE2's, https://github.com/google/re2/wiki/Syntax):
 *   literals (UTF-8; matched per code point), . ([^\n] unless s), [...] with
 *   ranges, negation, escapes, \d \w \s \p{..} inside, [[:alpha:]] and the
 *   other POSIX classes (ASCII), \d \D \w \W \s \S (ASCII as in RE2),
 *   \b \B (ASCII word characters), ^ $ (text start/end; line start/end with
 *   m; $ does NOT match before a final \n), \A \z, escapes \a \f \t \n \r \v,
 *   \x41 \x{10FFFF} \101 (octal), \Q...\E, escaped punctuation;
 *   (re) (?:re) (?P<name>re) (?<name>re), a|b, * + ? {n} {n,} {n,m} (n, m
 *   <= 1000) and lazy forms *? +? ?? {n,m}?, flags (?imsU) (?i-s) (?i:re).
 *   {,n} and a { that starts no valid repetition are literals, as in RE2.
 * Rejected with an error naming the offset: backreferences (\1, (?P=n)),
 *   lookaround ((?=, (?!, (?<=, (?<!), \C, \Z, possessive or doubled
 *   repetitions (a**, a*+), unknown escapes and classes, invalid UTF-8.
 * Unicode (approximations, kql_regex_unicode.c): \pL \p{L} \p{Lu} \p{Ll}
 *   \p{N} \p{Nd} \p{P} \p{S} \p{Z} \p{Zs} \p{C} \p{Cc} \p{Any} and the
 *   scripts Latin Greek Cyrillic Han Hiragana Katakana Arabic Hebrew Hangul
 *   Thai cover the main blocks of those scripts, not every code point of the
 *   Unicode tables; \P.. and \p{^..} negate. (?i) folds ASCII, Latin-1,
 *   Latin Extended-A/Additional, Greek, Cyrillic, Armenian and full-width
 *   Latin (plus K/KELVIN SIGN, S/LONG S), not every Unicode case pair.
 *   An invalid UTF-8 byte in the subject reads as U+FFFD (matched by . and
 *   negated classes only). */
#ifndef E2K_KQL_KQL_REGEX_H
#define E2K_KQL_KQL_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kql_regex kql_regex;
typedef struct kql_regex_scratch kql_regex_scratch;

/* Compile flags: the same as the inline flags (?i) (?m) (?s) (?U). */
enum {
  KQL_REGEX_ICASE = 0x1,     /* i: case-insensitive (simple Unicode case folding) */
  KQL_REGEX_MULTILINE = 0x2, /* m: ^ and $ also match at line starts/ends */
  KQL_REGEX_DOTALL = 0x4,    /* s: . also matches \n */
  KQL_REGEX_UNGREEDY = 0x8,  /* U: swap the meaning of x* and x*? */
  KQL_REGEX_LITERAL = 0x10   /* the pattern is a literal string (no syntax) */
};

/* Limits (compile fails cleanly beyond them, naming the offset). */
enum {
  KQL_REGEX_MAX_DEPTH = 200,        /* nesting of groups */
  KQL_REGEX_MAX_REPEAT = 1000,      /* n and m in {n,m}, as RE2 */
  KQL_REGEX_MAX_INSTS = 60000,      /* compiled program size */
  KQL_REGEX_MAX_CAP_CELLS = 600000  /* program size x (groups+1): bounds match memory */
};

/* A span of the subject in byte offsets; KQL_REGEX_NPOS in both for a group
 * that did not take part in the match. */
#define KQL_REGEX_NPOS ((size_t)-1)
typedef struct kql_regex_span {
  size_t start;
  size_t end;
} kql_regex_span;

/* Compile error: `offset` is the byte offset in the pattern; `message` reads
 * "regex error at offset N: what" (NUL-terminated). */
typedef struct kql_regex_error {
  size_t offset;
  char message[200];
} kql_regex_error;

/* Compiles `pattern` (`len` bytes, UTF-8, need not be NUL-terminated).
 * Returns 0 and sets *out, or -1 with `err` filled (err may be NULL).
 * Backreferences and lookaround are rejected as RE2 rejects them. */
int kql_regex_compile(const char *pattern, size_t len, unsigned flags, kql_regex **out,
                      kql_regex_error *err);
void kql_regex_free(kql_regex *re); /* NULL is fine */

/* Number of capturing groups, not counting group 0 (the whole match). */
int kql_regex_group_count(const kql_regex *re);
/* Name of group `group` (1..count) from (?P<name>..) or (?<name>..), or NULL.
 * Borrowed: valid while `re` lives. */
const char *kql_regex_group_name(const kql_regex *re, int group);
/* Group number for a name, or -1. */
int kql_regex_group_index(const kql_regex *re, const char *name, size_t len);

/* Scratch memory for matching: grows to fit the largest regex it served and
 * is then reused, so the hot path does not allocate. One per thread. */
kql_regex_scratch *kql_regex_scratch_new(void);
void kql_regex_scratch_free(kql_regex_scratch *s); /* NULL is fine */
/* Work units (VM thread steps, DFA bytes and DFA state-building steps) done
 * with this scratch since it was created: at most 4 x (program size) x
 * (subject bytes + 1) per match or search call, the linear-time bound the
 * tests assert on. */
uint64_t kql_regex_scratch_steps(const kql_regex_scratch *s);
/* Which matchers a scratch may use. All three give the same answers; the
 * knob exists so tests and the fuzz target can compare them:
 *   KQL_REGEX_ENGINES_ALL (default): lazy DFA for yes/no and fast rejects,
 *     bounded backtracker for captures on short texts, Pike VM otherwise;
 *   KQL_REGEX_ENGINES_VM_ONLY: the Pike VM for everything;
 *   KQL_REGEX_ENGINES_NO_DFA: backtracker (short texts) and VM, no DFA. */
enum { KQL_REGEX_ENGINES_ALL = 0, KQL_REGEX_ENGINES_VM_ONLY = 1, KQL_REGEX_ENGINES_NO_DFA = 2 };
void kql_regex_scratch_set_engines(kql_regex_scratch *s, int engines);
/* Program size (instructions) of a compiled regex, for the same bound. */
size_t kql_regex_program_size(const kql_regex *re);

/* True when `re` matches anywhere in s[0..len). `scratch` may be NULL (then
 * work memory is allocated for the call and the lazy DFA is not used: pass a
 * scratch kept across calls on hot paths). */
bool kql_regex_match(const kql_regex *re, const char *s, size_t len, kql_regex_scratch *scratch);

/* Leftmost-first search starting at byte `start` (assertions such as ^ and \b
 * still see the text before `start`). On a match returns true and fills
 * groups[0..ngroups) (groups[0] = whole match; groups beyond the regex's
 * count are set to NPOS). ngroups may be 0 (groups may then be NULL). */
bool kql_regex_search(const kql_regex *re, const char *s, size_t len, size_t start,
                      kql_regex_span *groups, int ngroups, kql_regex_scratch *scratch);

/* Iterator over successive non-overlapping matches, as RE2's GlobalReplace
 * walks them: after a match the search goes on at its end; an empty match
 * right at the end of the previous match is skipped (the iterator steps one
 * code point on). Plain struct so it lives on the caller's stack; borrows
 * re, s and scratch. */
typedef struct kql_regex_iter {
  const kql_regex *re;
  const char *s;
  size_t len;
  size_t pos;      /* where the next search starts */
  size_t last_end; /* end of the previous match, NPOS before the first */
  kql_regex_scratch *scratch;
  bool done;
} kql_regex_iter;

void kql_regex_iter_init(kql_regex_iter *it, const kql_regex *re, const char *s, size_t len,
                         kql_regex_scratch *scratch);
/* Next match into groups[0..ngroups) (ngroups >= 1); false when there are no more. */
bool kql_regex_iter_next(kql_regex_iter *it, kql_regex_span *groups, int ngroups);

#endif
