/* SPDX-License-Identifier: MIT
 * KQL lexer: bytes -> tokens with byte positions. Pure function of the text;
 * decoded string literals and raw typed-literal bodies point into an arena
 * owned by the caller (the parser). Never reads past `len`. */
#ifndef E2K_KQL_KQL_LEX_H
#define E2K_KQL_KQL_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "kql/kql_ast.h"

/* ORDER KQL_TK */
typedef enum kql_tk {
  KQL_TK_EOF = 0,
  KQL_TK_IDENT,    /* identifiers and keywords, incl. project-away, !has, in~ */
  KQL_TK_LONG,     /* integer literal (long) */
  KQL_TK_REAL,     /* real literal */
  KQL_TK_STRING,   /* decoded string literal (str/str_len) */
  KQL_TK_TIMESPAN, /* 1d, 5s, 10ms ... (ticks in i) */
  KQL_TK_TYPED,    /* datetime(...), guid(...), dynamic(...): text = type, str = raw body */
  KQL_TK_PUNCT,    /* punct: text holds it */
  KQL_TK_ERROR     /* lexical error: str = message */
} kql_tk;

typedef struct kql_token {
  kql_tk kind;
  uint32_t pos;      /* byte offset of the first char */
  uint32_t len;      /* byte length in the source */
  const char *text;  /* source text of the token (ident name, punct) */
  uint32_t text_len;
  const char *str;   /* decoded string, typed-literal body or error message */
  uint32_t str_len;
  int64_t i;
  double r;
  int bracketed;     /* ['name'] identifier */
} kql_token;

/* Scans the token starting at or after `pos` (skips blanks and comments). */
void kql_lex_next(const char *src, size_t len, size_t pos, kql_arena *arena, kql_token *out);

/* Timespan unit suffix -> ticks per unit; 0 if not a unit. */
int64_t kql_lex_timespan_unit(const char *s, size_t len);

#endif
