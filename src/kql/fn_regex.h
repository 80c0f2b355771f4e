/* SPDX-License-Identifier: MIT
 * KQL's regex functions over the engine of kql_regex.h, with the calling
 * convention of kql_fn.h: extract, extract_all, replace_regex, regex_quote,
 * and helpers for the core's `matches regex` and `parse kind=regex`.
 * Owner: regex engineer. Rows in kql_fn_table.c point here.
 *
 * Semantics (checked against the real engine's answers in the KQL corpus,
 * tests/regex/test_fn_regex.c):
 *   extract(re, k, s [, typeof(T)]): group k (0 = whole match) of the first
 *     match, as string or converted to T; no match / group absent -> "" for
 *     string, null for T. The binder passes typeof(T) as a typed null of T
 *     whose bind type is T, so the result type is that argument's type.
 *   extract_all(re, [groups,] s): dynamic array of all non-overlapping
 *     matches (RE2 GlobalReplace walk); one selected group -> array of
 *     strings, several -> array of arrays; `groups` lists numbers or names
 *     ((?P<name>..)); a regex without groups yields whole matches; no match
 *     -> null.
 *   replace_regex(s, re, rewrite): every match replaced; \0..\9 in rewrite
 *     name groups (absent group -> ""), \\ is a backslash, any other \x is
 *     kept as is.
 *   regex_quote(s): backslash before each of \ . + * ? ( ) | [ ] { } ^ $.
 * An invalid pattern is a runtime error naming the function and the offset.
 *
 * Caching: the compiled regex (and a scratch for matching) lives in the call
 * site's ctx->site_state, keyed by the pattern text, so a constant pattern
 * compiles once per query and a per-row pattern recompiles only when it
 * changes. A query runs on one thread, so the site needs no locking. */
#ifndef E2K_KQL_FN_REGEX_H
#define E2K_KQL_FN_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "kql/kql_fn.h"
#include "kql/kql_regex.h"

/* Function bodies and result types (rows in kql_fn_table.c). */
kv_value kql_fn_extract(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_extract_all(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_replace_regex(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_value kql_fn_regex_quote(kql_fn_ctx *ctx, const kv_value *args, int argc);
/* __matches_regex(subject, pattern) -> bool: `subject matches regex pattern`
 * as a function, for a core that prefers the table to its own node. */
kv_value kql_fn_matches_regex(kql_fn_ctx *ctx, const kv_value *args, int argc);
kv_type kql_rt_extract(const kv_type *t, int argc);     /* string, or typeof's type */
kv_type kql_rt_regex_string(const kv_type *t, int argc); /* string */
kv_type kql_rt_regex_dynamic(const kv_type *t, int argc); /* dynamic */
kv_type kql_rt_regex_bool(const kv_type *t, int argc);   /* bool */

/* ---- helpers for the core (matches regex, parse kind=regex, countof) ---- */

/* A compiled pattern with the scratch to match it. `re` and `scratch` are
 * owned by the site; use them until kql_fn_regex_site_release(). */
typedef struct kql_regex_site {
  kql_regex *re;
  kql_regex_scratch *scratch;
  char *pattern; /* the text `re` was compiled from (cache key) */
  size_t pattern_len;
  unsigned flags;
  bool temporary; /* not cached in a call site: freed by release */
} kql_regex_site;

/* Compiled regex for `pattern` (a string value; a dynamic string is fine) with
 * KQL_REGEX_* flags, cached in ctx->site_state when ctx has one. On an invalid
 * pattern sets ctx->err ("<fname>(): regex error at offset N: ...") and
 * returns NULL. */
kql_regex_site *kql_fn_regex_site_get(kql_fn_ctx *ctx, kv_value pattern, unsigned flags,
                                      const char *fname);
void kql_fn_regex_site_release(kql_regex_site *site); /* frees only temporary sites */
/* site_free callback for ctx->site_free / a core that owns a site itself. */
void kql_fn_regex_site_free(void *site);

/* `s matches regex re`: case-sensitive, true when re matches anywhere. */
bool kql_fn_regex_matches(const kql_regex *re, const char *s, size_t len, kql_regex_scratch *scratch);

/* parse kind=regex flags=...: letters U, m, s, i (any order) -> KQL_REGEX_*
 * flags for kql_regex_compile. False on any other letter. */
bool kql_fn_regex_flags_from_letters(const char *letters, size_t len, unsigned *flags);

/* parse kind=regex: the sub-pattern captured for a column of type t (the core
 * wraps it in a group): string/dynamic/datetime/timespan/guid ".*" (greedy
 * unless flags=U), int/long "-?\d+", real/decimal with fraction and exponent,
 * bool "true|false" (any case). Matches the corpus answers (parse-operator-03..06,
 * agent-parse-search-*). Static string. */
const char *kql_fn_regex_parse_type_pattern(kv_type t);

/* Capturing groups in a regex fragment (for parse kind=regex, whose literal
 * pieces may hold groups of their own), or -1 when it does not compile.
 * Alternative for the core: wrap each column as a named group (?P<c0>..) and
 * find it with kql_regex_group_index(). */
int kql_fn_regex_count_groups(const char *pattern, size_t len, unsigned flags);

/* Appends `s` with regex metacharacters escaped (regex_quote) to b. */
void kql_fn_regex_quote_into(kv_buf *b, const char *s, size_t len);

#endif
