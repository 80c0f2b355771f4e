/* SPDX-License-Identifier: MIT
 * KQL lexer (hand-written). Scans one token at a time from a byte buffer:
 * identifiers (incl. dashed operator words like project-away and negated
 * string operators like !has), numbers, timespan literals, all string forms
 * ('..', "..", @'..', h'..', ```..```), typed literals such as datetime(...)
 * whose bodies are kept raw, and punctuation. Bounds-checked against len. */
#include "kql/kql_lex.h"

#include <stdlib.h>
#include <string.h>

static int kql_lex_is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
}
static int kql_lex_is_digit(int c) { return c >= '0' && c <= '9'; }
static int kql_lex_is_alnum(int c) { return kql_lex_is_alpha(c) || kql_lex_is_digit(c); }

/* Operator words that contain a dash; the lexer joins them into one token. */
static const char *const kql_lex_dashed[] = {
    "project-away", "project-keep", "project-rename", "project-reorder", "project-smart",
    "mv-expand", "mv-apply", "make-series", "parse-where", "parse-kv", "top-nested",
    "top-hitters", "sample-distinct", "make-graph", "graph-match", "graph-merge",
    "graph-to-table", "graph-shortest-paths", "graph-mark-components", "execute-and-cache",
    "as-of", NULL};

int64_t kql_lex_timespan_unit(const char *s, size_t len) {
  static const struct {
    const char *u;
    int64_t t;
  } units[] = {{"d", KV_TICKS_PER_DAY}, {"day", KV_TICKS_PER_DAY}, {"days", KV_TICKS_PER_DAY},
               {"h", INT64_C(36000000000)}, {"hr", INT64_C(36000000000)},
               {"hrs", INT64_C(36000000000)}, {"hour", INT64_C(36000000000)},
               {"hours", INT64_C(36000000000)}, {"m", INT64_C(600000000)},
               {"min", INT64_C(600000000)}, {"minute", INT64_C(600000000)},
               {"minutes", INT64_C(600000000)}, {"s", KV_TICKS_PER_SECOND},
               {"sec", KV_TICKS_PER_SECOND}, {"second", KV_TICKS_PER_SECOND},
               {"seconds", KV_TICKS_PER_SECOND}, {"ms", 10000}, {"milli", 10000},
               {"millis", 10000}, {"millisec", 10000}, {"millisecond", 10000},
               {"milliseconds", 10000}, {"microsec", 10}, {"microsecond", 10},
               {"microseconds", 10}, {"tick", 1}, {"ticks", 1}, {NULL, 0}};
  for (int i = 0; units[i].u; i++)
    if (strlen(units[i].u) == len && memcmp(units[i].u, s, len) == 0) return units[i].t;
  return 0;
}

static int kql_lex_is_typed_word(const char *s, size_t n) {
  static const char *const w[] = {"datetime", "date", "time", "timespan", "guid", "int",
                                  "long", "real", "double", "bool", "boolean", "decimal",
                                  "dynamic", "int64", "uniqueid", "float", NULL};
  for (int i = 0; w[i]; i++)
    if (strlen(w[i]) == n && memcmp(w[i], s, n) == 0) return 1;
  return 0;
}

static void kql_lex_error(kql_token *t, size_t pos, const char *msg) {
  t->kind = KQL_TK_ERROR;
  t->pos = (uint32_t)pos;
  t->len = 1;
  t->str = msg;
  t->str_len = (uint32_t)strlen(msg);
}

static int kql_lex_hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void kql_lex_put_utf8(char *o, size_t *n, uint32_t cp) { *n += kv_utf8_put(o + *n, cp); }

/* Scans a quoted string starting at p (the quote). verbatim: no escapes, quote doubled. */
static int kql_lex_string(const char *s, size_t len, size_t p, int verbatim, kql_arena *a,
                          kql_token *t, size_t *endp) {
  char q = s[p];
  size_t i = p + 1;
  /* the text up to the closing quote bounds the value (escapes only shrink
   * it); sizing by the rest of the query made many literals quadratic */
  size_t e = p + 1;
  while (e < len && s[e] != '\n' && s[e] != '\r') {
    if (s[e] == '\\' && !verbatim) e++;
    else if (s[e] == q && !(verbatim && e + 1 < len && s[e + 1] == q)) break;
    else if (s[e] == q) e++;
    e++;
  }
  char *out = kql_arena_alloc(a, e - p + 1);
  size_t n = 0;
  while (i < len) {
    char c = s[i];
    if (c == '\n' || c == '\r') return -1;
    if (c == q) {
      if (verbatim && i + 1 < len && s[i + 1] == q) {
        out[n++] = q;
        i += 2;
        continue;
      }
      out[n] = 0;
      t->str = out;
      t->str_len = (uint32_t)n;
      *endp = i + 1;
      return 0;
    }
    if (c == '\\' && !verbatim) {
      if (i + 1 >= len) return -1;
      char e = s[i + 1];
      i += 2;
      switch (e) {
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case 'r': out[n++] = '\r'; break;
        case '0': out[n++] = '\0'; break;
        case 'a': out[n++] = '\a'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'v': out[n++] = '\v'; break;
        case '\\': out[n++] = '\\'; break;
        case '\'': out[n++] = '\''; break;
        case '"': out[n++] = '"'; break;
        case 'u':
        case 'x': {
          int digits = e == 'u' ? 4 : 2;
          uint32_t cp = 0;
          for (int k = 0; k < digits; k++) {
            if (i >= len || kql_lex_hex((unsigned char)s[i]) < 0) return -2;
            cp = cp * 16 + (uint32_t)kql_lex_hex((unsigned char)s[i]);
            i++;
          }
          kql_lex_put_utf8(out, &n, cp);
          break;
        }
        default: return -2;
      }
      continue;
    }
    out[n++] = c;
    i++;
  }
  return -1;
}

void kql_lex_next(const char *s, size_t len, size_t pos, kql_arena *a, kql_token *t) {
  memset(t, 0, sizeof *t);
  size_t p = pos;
  for (;;) {
    while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r' ||
                       s[p] == '\f' || s[p] == '\v'))
      p++;
    if (p < len && s[p] == '#' && (p == 0 || s[p - 1] == '\n')) { /* #connect directives */
      while (p < len && s[p] != '\n') p++;
      continue;
    }
    if (p + 1 < len && s[p] == '/' && s[p + 1] == '/') {
      while (p < len && s[p] != '\n') p++;
      continue;
    }
    /* UTF-8 BOM and non-breaking space count as blanks */
    if (p + 2 < len && (unsigned char)s[p] == 0xEF && (unsigned char)s[p + 1] == 0xBB &&
        (unsigned char)s[p + 2] == 0xBF) {
      p += 3;
      continue;
    }
    if (p + 1 < len && (unsigned char)s[p] == 0xC2 && (unsigned char)s[p + 1] == 0xA0) {
      p += 2;
      continue;
    }
    break;
  }
  t->pos = (uint32_t)p;
  if (p >= len) {
    t->kind = KQL_TK_EOF;
    return;
  }
  unsigned char c = (unsigned char)s[p];
  /* multi-line string ```...``` or ~~~...~~~ */
  if ((c == '`' || c == '~') && p + 2 < len && s[p + 1] == (char)c && s[p + 2] == (char)c) {
    size_t i = p + 3;
    while (i + 2 < len && !(s[i] == (char)c && s[i + 1] == (char)c && s[i + 2] == (char)c)) i++;
    if (i + 2 >= len) {
      kql_lex_error(t, p, "Missing: ```");
      return;
    }
    t->kind = KQL_TK_STRING;
    t->str = kql_arena_strdup(a, s + p + 3, i - p - 3);
    t->str_len = (uint32_t)(i - p - 3);
    t->len = (uint32_t)(i + 3 - p);
    t->text = s + p;
    t->text_len = t->len;
    return;
  }
  /* strings, with optional h/H (hidden) and @ (verbatim) prefixes */
  {
    size_t q = p;
    int verbatim = 0;
    if ((s[q] == 'h' || s[q] == 'H') && q + 1 < len &&
        (s[q + 1] == '\'' || s[q + 1] == '"' || s[q + 1] == '@'))
      q++;
    if (s[q] == '@' && q + 1 < len && (s[q + 1] == '\'' || s[q + 1] == '"')) {
      verbatim = 1;
      q++;
    }
    if (s[q] == '\'' || s[q] == '"') {
      size_t e = 0;
      int rc = kql_lex_string(s, len, q, verbatim, a, t, &e);
      if (rc == -1) {
        kql_lex_error(t, p, s[q] == '\'' ? "Missing: '" : "Missing: \"");
        return;
      }
      if (rc == -2) {
        kql_lex_error(t, p, "invalid escape sequence in string literal");
        return;
      }
      t->kind = KQL_TK_STRING;
      t->len = (uint32_t)(e - p);
      t->text = s + p;
      t->text_len = t->len;
      return;
    }
  }
  /* bracketed identifier ['name'] or ["name"] */
  if (c == '[' && p + 1 < len && (s[p + 1] == '\'' || s[p + 1] == '"' || s[p + 1] == '@') &&
      !(p > 0 && (kql_lex_is_alnum((unsigned char)s[p - 1]) || s[p - 1] == ')' || s[p - 1] == ']'))) {
    size_t q = p + 1;
    int verbatim = 0;
    if (s[q] == '@') {
      verbatim = 1;
      q++;
    }
    if (q < len && (s[q] == '\'' || s[q] == '"')) {
      size_t e = 0;
      kql_token tmp;
      memset(&tmp, 0, sizeof tmp);
      int rc = kql_lex_string(s, len, q, verbatim, a, &tmp, &e);
      size_t e2 = e;
      while (rc == 0 && e2 < len && (s[e2] == ' ' || s[e2] == '\t')) e2++;
      if (rc == 0 && e2 < len && s[e2] == ']') {
        t->kind = KQL_TK_IDENT;
        t->bracketed = 1;
        t->text = tmp.str;
        t->text_len = tmp.str_len;
        t->len = (uint32_t)(e2 + 1 - p);
        return;
      }
    }
  }
  if (kql_lex_is_digit(c) || (c == '.' && p + 1 < len && kql_lex_is_digit((unsigned char)s[p + 1]))) {
    size_t i = p;
    int is_real = 0;
    if (c == '0' && p + 1 < len && (s[p + 1] == 'x' || s[p + 1] == 'X')) {
      i = p + 2;
      uint64_t v = 0;
      size_t st = i;
      while (i < len && kql_lex_hex((unsigned char)s[i]) >= 0) {
        v = v * 16 + (uint64_t)kql_lex_hex((unsigned char)s[i]);
        i++;
      }
      if (i == st) {
        kql_lex_error(t, p, "invalid hex literal");
        return;
      }
      t->kind = KQL_TK_LONG;
      t->i = (int64_t)v;
      t->len = (uint32_t)(i - p);
      t->text = s + p;
      t->text_len = t->len;
      return;
    }
    while (i < len && kql_lex_is_digit((unsigned char)s[i])) i++;
    if (i < len && s[i] == '.' && !(i + 1 < len && s[i + 1] == '.')) {
      is_real = 1;
      i++;
      while (i < len && kql_lex_is_digit((unsigned char)s[i])) i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
      size_t k = i + 1;
      if (k < len && (s[k] == '+' || s[k] == '-')) k++;
      if (k < len && kql_lex_is_digit((unsigned char)s[k])) {
        is_real = 1;
        i = k;
        while (i < len && kql_lex_is_digit((unsigned char)s[i])) i++;
      }
    }
    char numbuf[64];
    size_t nl = i - p;
    if (nl >= sizeof numbuf) nl = sizeof numbuf - 1;
    memcpy(numbuf, s + p, nl);
    numbuf[nl] = 0;
    size_t ue = i;
    while (ue < len && kql_lex_is_alpha((unsigned char)s[ue]) && s[ue] != '$') ue++;
    t->text = s + p;
    if (ue > i) {
      int64_t unit = kql_lex_timespan_unit(s + i, ue - i);
      size_t ie = ue;
      while (ie < len && kql_lex_is_alnum((unsigned char)s[ie])) ie++;
      if (!unit || ie > ue) {
        /* 5h_MovingAvg: a name that starts with digits (emulator: series-fir-function-00) */
        if (!is_real && (ie > ue || memchr(s + i, '_', ue - i))) {
          t->kind = KQL_TK_IDENT;
          t->text = s + p;
          t->text_len = t->len = (uint32_t)(ie - p);
          return;
        }
        kql_lex_error(t, p, "invalid numeric literal");
        t->len = (uint32_t)(ue - p);
        return;
      }
      t->kind = KQL_TK_TIMESPAN;
      double v = strtod(numbuf, NULL);
      double ticks = v * (double)unit;
      if (!(ticks > -9.2e18 && ticks < 9.2e18)) { /* also catches NaN; found by fuzz_kql */
        kql_lex_error(t, p, "timespan literal out of range");
        t->len = (uint32_t)(ue - p);
        return;
      }
      t->i = (int64_t)(ticks + (ticks >= 0 ? 0.5 : -0.5));
      if (!is_real) {
        long long whole = strtoll(numbuf, NULL, 10);
        if (unit != 0 && (whole > INT64_MAX / unit || whole < -(INT64_MAX / unit))) {
          kql_lex_error(t, p, "timespan literal out of range");
          t->len = (uint32_t)(ue - p);
          return;
        }
        t->i = (int64_t)whole * unit;
      }
      t->len = (uint32_t)(ue - p);
      t->text_len = t->len;
      return;
    }
    t->len = (uint32_t)(i - p);
    t->text_len = t->len;
    if (is_real) {
      t->kind = KQL_TK_REAL;
      t->r = strtod(numbuf, NULL);
    } else {
      t->kind = KQL_TK_LONG;
      char *end = NULL;
      unsigned long long u = strtoull(numbuf, &end, 10);
      if (u == (unsigned long long)INT64_MAX + 1ULL && end && *end == 0) {
        t->i = INT64_MIN; /* only valid after a unary minus; the parser checks */
        t->bracketed = 2;
      } else if (u > (unsigned long long)INT64_MAX) {
        /* Kusto rejects long literals out of range (fuzz: type-casts-coercion-0037) */
        kql_lex_error(t, p, "integer literal out of range for long");
        t->len = (uint32_t)(i - p);
        return;
      } else {
        t->i = (int64_t)u;
      }
    }
    return;
  }
  if (kql_lex_is_alpha(c) || (c == '!' && p + 1 < len && kql_lex_is_alpha((unsigned char)s[p + 1]) &&
                              s[p + 1] != '$')) {
    size_t i = p + 1;
    while (i < len && kql_lex_is_alnum((unsigned char)s[i])) i++;
    /* dashed operator words */
    if (i < len && s[i] == '-' && c != '!') {
      for (int k = 0; kql_lex_dashed[k]; k++) {
        size_t dl = strlen(kql_lex_dashed[k]);
        if (p + dl <= len && memcmp(s + p, kql_lex_dashed[k], dl) == 0 &&
            (p + dl == len || !kql_lex_is_alnum((unsigned char)s[p + dl]))) {
          i = p + dl;
          break;
        }
      }
    }
    size_t n = i - p;
    if (i < len && s[i] == '~' &&
        ((n == 2 && memcmp(s + p, "in", 2) == 0) || (n == 3 && memcmp(s + p, "!in", 3) == 0)))
      i++;
    t->kind = KQL_TK_IDENT;
    t->text = s + p;
    t->text_len = (uint32_t)(i - p);
    t->len = t->text_len;
    /* typed literal: datetime( ... ) with a raw body */
    if (c != '!' && kql_lex_is_typed_word(s + p, i - p)) {
      size_t k = i;
      while (k < len && (s[k] == ' ' || s[k] == '\t')) k++;
      if (k < len && s[k] == '(') {
        int depth = 0;
        size_t j = k;
        char inq = 0;
        for (; j < len; j++) {
          char ch = s[j];
          if (inq) {
            if (ch == '\\' && j + 1 < len) {
              j++;
              continue;
            }
            if (ch == inq) inq = 0;
            continue;
          }
          if (ch == '\'' || ch == '"') inq = ch;
          else if (ch == '(' || ch == '[' || ch == '{') depth++;
          else if (ch == ')' || ch == ']' || ch == '}') {
            depth--;
            if (depth == 0) break;
          }
        }
        if (j >= len || s[j] != ')') {
          kql_lex_error(t, k, "Missing: )");
          return;
        }
        t->kind = KQL_TK_TYPED;
        t->str = kql_arena_strdup(a, s + k + 1, j - k - 1);
        t->str_len = (uint32_t)(j - k - 1);
        t->len = (uint32_t)(j + 1 - p);
        return;
      }
    }
    return;
  }
  /* punctuation, longest match first */
  static const char *const puncts[] = {"<|", "=~", "!~", "==", "!=", "<>", "<=", ">=", "..",
                                       "=>", "|", "(", ")", "[", "]", "{", "}", ",", ";",
                                       ":", ".", "=", "<", ">", "+", "-", "*", "/", "%",
                                       "@", "?", "!", "~", "#", NULL};
  for (int k = 0; puncts[k]; k++) {
    size_t pl = strlen(puncts[k]);
    if (p + pl <= len && memcmp(s + p, puncts[k], pl) == 0) {
      t->kind = KQL_TK_PUNCT;
      t->text = s + p;
      t->text_len = (uint32_t)pl;
      t->len = (uint32_t)pl;
      return;
    }
  }
  kql_lex_error(t, p, "unexpected character");
}
