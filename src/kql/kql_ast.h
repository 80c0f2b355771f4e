/* SPDX-License-Identifier: MIT
 * KQL syntax tree: one generic node type with a kind, byte positions and
 * children, allocated from an arena that the query owns. Built by
 * kql_parse.c, read by the binder (kql_bind.c). Knows nothing of execution. */
#ifndef E2K_KQL_KQL_AST_H
#define E2K_KQL_KQL_AST_H

#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

/* Bump allocator; everything is freed at once. */
typedef struct kql_arena_chunk kql_arena_chunk;
typedef struct kql_arena {
  kql_arena_chunk *head;
} kql_arena;
void *kql_arena_alloc(kql_arena *a, size_t n);
char *kql_arena_strdup(kql_arena *a, const char *s, size_t len);
void kql_arena_free(kql_arena *a);

/* ORDER KQL_N */
typedef enum kql_nkind {
  /* statements */
  KQL_N_QUERY = 1,   /* kids: statements; last one is the result */
  KQL_N_LET,         /* name; kids[0] = value (expr, tabular or KQL_N_FUNC) */
  KQL_N_FUNC,        /* kids[0] = KQL_N_PARAMS, kids[1] = body (KQL_N_QUERY) */
  KQL_N_PARAMS,      /* kids: KQL_N_PARAM */
  KQL_N_PARAM,       /* name; str = type text ("*" tabular, "" none); kids[0] = default */
  KQL_N_SET,         /* set option: name = first word; kids[0] = value (if any) */
  KQL_N_DECLARE,     /* declare query_parameters (not supported) */
  KQL_N_COMMAND,     /* management command (syntax only) */
  /* scalar expressions */
  KQL_N_LIT,         /* lit */
  KQL_N_TYPEDLIT,    /* name = type word, str = raw body (converted by the binder) */
  KQL_N_NAME,        /* name (maybe bracketed) */
  KQL_N_STAR,        /* '*' argument */
  KQL_N_BINARY,      /* name = operator text; kids[0], kids[1] */
  KQL_N_UNARY,       /* name = "-" or "+"; kids[0] */
  KQL_N_CALL,        /* name; kids = args */
  KQL_N_MEMBER,      /* kids[0] . name */
  KQL_N_INDEX,       /* kids[0] [ kids[1] ] */
  KQL_N_IN,          /* name = in/!in/in~/!in~; kids[0] lhs, kids[1..] items (or one tabular) */
  KQL_N_BETWEEN,     /* name = between/!between; kids lhs, lo, hi */
  KQL_N_ASSIGN,      /* name = kids[0]; (a,b) = x: kids[1..] are extra KQL_N_NAME */
  KQL_N_PAREN,       /* ( kids[0] ) */
  KQL_N_TYPEOF,      /* typeof(name) */
  /* tabular */
  KQL_N_PIPE,        /* kids[0] source | kids[1] operator */
  KQL_N_DATATABLE,   /* kids[0] = KQL_N_SCHEMA, kids[1..] = values */
  KQL_N_SCHEMA,      /* kids: KQL_N_COLDEF */
  KQL_N_COLDEF,      /* name : str (type) */
  KQL_N_PRINT,       /* kids: exprs/assigns */
  KQL_N_RANGE,       /* name = column; kids from, to, step */
  KQL_N_UNION,       /* as source or operator: kids = legs; params */
  KQL_N_OP,          /* a tabular operator: name = operator word; see below */
  KQL_N_SORTKEY,     /* kids[0] expr; flags: KQL_SK_* */
  KQL_N_OPARG,       /* operator parameter name=value (kind=inner, hint.x=y): name, kids[0] */
  KQL_N_CLAUSE,      /* a named clause of an operator: name ("by","on","with"...), kids */
  KQL_N_GENERIC      /* operator we parse but do not run: name; no semantics */
} kql_nkind;

enum { KQL_SK_DESC = 1, KQL_SK_ASC = 2, KQL_SK_NULLS_FIRST = 4, KQL_SK_NULLS_LAST = 8 };

typedef struct kql_node kql_node;
struct kql_node {
  kql_nkind kind;
  uint32_t pos;      /* byte offset of the first char */
  uint32_t end;      /* byte offset after the last char */
  const char *name;  /* NUL-terminated (arena) */
  uint32_t name_len;
  const char *str;   /* NUL-terminated (arena) */
  uint32_t str_len;
  kv_value lit;      /* KQL_N_LIT: scalar literal (strings point into the arena) */
  int flags;
  int nkids;
  int cap;
  kql_node **kids;
  kql_node *params;  /* KQL_N_OP/UNION: list of KQL_N_OPARG (may be NULL) */
};

#endif
