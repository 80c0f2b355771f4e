/* SPDX-License-Identifier: MIT
 * KQL parser: hand-written recursive descent over the lexer's tokens,
 * producing the syntax tree of kql_ast.h with byte positions. Depth-limited
 * so hostile input cannot overflow the C stack. Syntax only: names are not
 * resolved here (kql_bind.c does that). */
#ifndef E2K_KQL_KQL_PARSE_H
#define E2K_KQL_KQL_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "kql/kql.h"
#include "kql/kql_ast.h"

#define KQL_PARSE_MAX_DEPTH 160

/* Parses a whole query text (statements separated by ';', or a management
 * command). Returns 0 and *out = KQL_N_QUERY or KQL_N_COMMAND, or -1 with err. */
int kql_parse(const char *src, size_t len, kql_arena *arena, kql_node **out, kql_error *err);

/* Fills err with the 1-based line/column of byte offset `pos` and a message. */
void kql_error_at(kql_error *err, const char *src, size_t len, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Node helpers used by the parser and the binder's rewrites. */
kql_node *kql_node_new(kql_arena *a, kql_nkind kind, uint32_t pos);
void kql_node_add(kql_arena *a, kql_node *n, kql_node *kid);
int kql_node_is(const kql_node *n, const char *name); /* name equals (case-sensitive) */

#endif
