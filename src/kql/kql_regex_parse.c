/* SPDX-License-Identifier: MIT
 * Regex parser: RE2 syntax (UTF-8 pattern) -> syntax tree of kre_node plus
 * code point classes. Recursive descent with a nesting limit; the first error
 * stops parsing and names its byte offset. Backreferences, lookaround and
 * other Perl-only syntax are rejected with RE2's reasons. Never reads past
 * pattern[len). */
#include "kql/kql_regex_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct kre_parser {
  const char *p;
  size_t len;
  size_t pos;
  unsigned flags; /* current KQL_REGEX_* flags (scoped by groups) */
  int depth;
  kre_parse *out;
  kql_regex_error *err;
  bool failed;
  bool in_quote; /* inside \Q...\E: every code point is a literal */
} kre_parser;

void kre_set_error(kql_regex_error *err, size_t offset, const char *msg, const char *detail,
                   size_t detail_len) {
  if (!err) return;
  err->offset = offset;
  if (detail && detail_len) {
    if (detail_len > 40) detail_len = 40;
    snprintf(err->message, sizeof err->message, "regex error at offset %zu: %s: %.*s", offset,
             msg, (int)detail_len, detail);
  } else {
    snprintf(err->message, sizeof err->message, "regex error at offset %zu: %s", offset, msg);
  }
}

static int kre_fail(kre_parser *ps, size_t at, const char *msg, size_t detail_end) {
  if (!ps->failed) {
    size_t dl = detail_end > at ? detail_end - at : 0;
    if (at + dl > ps->len) dl = ps->len - at;
    kre_set_error(ps->err, at, msg, ps->p + at, dl);
    ps->failed = true;
  }
  return -1;
}

/* ---- node and class storage ---- */

static int kre_new_node(kre_parser *ps, int type) {
  kre_parse *o = ps->out;
  if (o->node_count == o->node_cap) {
    o->node_cap = o->node_cap ? o->node_cap * 2 : 64;
    o->nodes = kre_realloc(o->nodes, o->node_cap * sizeof *o->nodes);
  }
  kre_node *n = &o->nodes[o->node_count];
  memset(n, 0, sizeof *n);
  n->type = (uint8_t)type;
  n->child = -1;
  n->next = -1;
  n->greedy = 1;
  return (int)o->node_count++;
}

static int kre_new_class(kre_parser *ps) {
  kre_parse *o = ps->out;
  if (o->class_count == o->class_cap) {
    o->class_cap = o->class_cap ? o->class_cap * 2 : 8;
    o->classes = kre_realloc(o->classes, o->class_cap * sizeof *o->classes);
  }
  memset(&o->classes[o->class_count], 0, sizeof o->classes[0]);
  return (int)o->class_count++;
}

/* A class node that owns class set `cls`. */
static int kre_class_node(kre_parser *ps, int cls) {
  int n = kre_new_node(ps, KRE_N_CLASS);
  ps->out->nodes[n].a = cls;
  return n;
}

/* A literal code point, folded into a class under (?i) when it has case variants. */
static int kre_lit_node(kre_parser *ps, uint32_t cp) {
  if (ps->flags & KQL_REGEX_ICASE) {
    uint32_t others[4];
    int k = kre_fold_others(cp, others);
    if (k > 0) {
      int cls = kre_new_class(ps);
      kre_rset *s = &ps->out->classes[cls];
      kre_rset_add(s, cp, cp);
      for (int i = 0; i < k; i++) kre_rset_add(s, others[i], others[i]);
      kre_rset_normalize(s);
      return kre_class_node(ps, cls);
    }
  }
  int n = kre_new_node(ps, KRE_N_LIT);
  ps->out->nodes[n].cp = cp;
  return n;
}

/* Appends child to a concat/alt node's child list; `tail` tracks the last child. */
static void kre_link(kre_parser *ps, int parent, int *tail, int child) {
  kre_node *nodes = ps->out->nodes;
  if (*tail < 0)
    nodes[parent].child = child;
  else
    nodes[*tail].next = child;
  *tail = child;
}

/* ---- character helpers ---- */

static bool kre_at_end(const kre_parser *ps) { return ps->pos >= ps->len; }
static unsigned char kre_peek(const kre_parser *ps) {
  return ps->pos < ps->len ? (unsigned char)ps->p[ps->pos] : 0;
}

/* Reads one pattern code point; invalid UTF-8 is an error. */
static int kre_next_cp(kre_parser *ps, uint32_t *cp) {
  size_t adv;
  const unsigned char *s = (const unsigned char *)ps->p + ps->pos;
  uint32_t c = kre_utf8_decode(s, ps->len - ps->pos, &adv);
  if (c == 0xFFFD && !(adv == 3 && s[0] == 0xEF && s[1] == 0xBF && s[2] == 0xBD))
    return kre_fail(ps, ps->pos, "invalid UTF-8 in pattern", 0);
  ps->pos += adv;
  *cp = c;
  return 0;
}

static int kre_hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool kre_is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* ---- Perl, POSIX and Unicode classes ---- */

static void kre_add_perl(kre_rset *s, char which) {
  switch (which) {
  case 'd':
    kre_rset_add(s, '0', '9');
    break;
  case 's':
    kre_rset_add(s, '\t', '\n');
    kre_rset_add(s, '\f', '\r');
    kre_rset_add(s, ' ', ' ');
    break;
  default: /* w */
    kre_rset_add(s, '0', '9');
    kre_rset_add(s, 'A', 'Z');
    kre_rset_add(s, 'a', 'z');
    kre_rset_add(s, '_', '_');
    break;
  }
}

/* Adds POSIX class `name` (without the brackets); false if unknown. */
static bool kre_add_posix(kre_rset *s, const char *name, size_t n) {
#define KRE_IS(lit) (n == sizeof(lit) - 1 && memcmp(name, lit, n) == 0)
  if (KRE_IS("alnum")) {
    kre_rset_add(s, '0', '9'); kre_rset_add(s, 'A', 'Z'); kre_rset_add(s, 'a', 'z');
  } else if (KRE_IS("alpha")) {
    kre_rset_add(s, 'A', 'Z'); kre_rset_add(s, 'a', 'z');
  } else if (KRE_IS("ascii")) {
    kre_rset_add(s, 0, 0x7F);
  } else if (KRE_IS("blank")) {
    kre_rset_add(s, '\t', '\t'); kre_rset_add(s, ' ', ' ');
  } else if (KRE_IS("cntrl")) {
    kre_rset_add(s, 0, 0x1F); kre_rset_add(s, 0x7F, 0x7F);
  } else if (KRE_IS("digit")) {
    kre_rset_add(s, '0', '9');
  } else if (KRE_IS("graph")) {
    kre_rset_add(s, '!', '~');
  } else if (KRE_IS("lower")) {
    kre_rset_add(s, 'a', 'z');
  } else if (KRE_IS("print")) {
    kre_rset_add(s, ' ', '~');
  } else if (KRE_IS("punct")) {
    kre_rset_add(s, '!', '/'); kre_rset_add(s, ':', '@'); kre_rset_add(s, '[', '`');
    kre_rset_add(s, '{', '~');
  } else if (KRE_IS("space")) {
    kre_rset_add(s, '\t', '\r'); kre_rset_add(s, ' ', ' ');
  } else if (KRE_IS("upper")) {
    kre_rset_add(s, 'A', 'Z');
  } else if (KRE_IS("word")) {
    kre_add_perl(s, 'w');
  } else if (KRE_IS("xdigit")) {
    kre_rset_add(s, '0', '9'); kre_rset_add(s, 'A', 'F'); kre_rset_add(s, 'a', 'f');
  } else {
    return false;
  }
  return true;
#undef KRE_IS
}

/* Parses \p / \P after the backslash and the letter (ps->pos after 'p').
 * Adds the class (negated as asked) to s. */
static int kre_parse_unicode_class(kre_parser *ps, size_t esc_at, bool negate, kre_rset *s) {
  const char *name;
  size_t n;
  if (kre_at_end(ps)) return kre_fail(ps, esc_at, "invalid character class", ps->pos);
  if (kre_peek(ps) == '{') {
    size_t start = ps->pos + 1, end = start;
    while (end < ps->len && ps->p[end] != '}') end++;
    if (end >= ps->len) return kre_fail(ps, esc_at, "missing closing } in \\p{", ps->len);
    name = ps->p + start;
    n = end - start;
    ps->pos = end + 1;
    if (n > 0 && name[0] == '^') {
      negate = !negate;
      name++;
      n--;
    }
  } else {
    name = ps->p + ps->pos;
    n = 1;
    ps->pos++;
  }
  const kre_uclass *uc = kre_unicode_class(name, n);
  if (!uc) return kre_fail(ps, esc_at, "invalid character class range", ps->pos);
  kre_rset tmp = {0};
  kre_rset_add_set(&tmp, uc->ranges, uc->count);
  if (ps->flags & KQL_REGEX_ICASE) kre_rset_add_folded(&tmp);
  if (negate) kre_rset_negate(&tmp);
  kre_rset_add_set(s, tmp.r, tmp.count);
  kre_rset_free(&tmp);
  return 0;
}

/* Escape that stands for one code point (used in and out of classes).
 * ps->pos is just after the backslash. Returns 0 and *cp, or -1. */
static int kre_parse_char_escape(kre_parser *ps, size_t esc_at, uint32_t *cp) {
  if (kre_at_end(ps)) return kre_fail(ps, esc_at, "trailing \\", 0);
  unsigned char c = kre_peek(ps);
  ps->pos++;
  switch (c) {
  case 'a': *cp = 7; return 0;
  case 'f': *cp = '\f'; return 0;
  case 't': *cp = '\t'; return 0;
  case 'n': *cp = '\n'; return 0;
  case 'r': *cp = '\r'; return 0;
  case 'v': *cp = '\v'; return 0;
  case '1': case '2': case '3': case '4': case '5': case '6': case '7':
    /* RE2: a lone non-zero digit is a backreference; two or more octal digits are octal. */
    if (kre_at_end(ps) || kre_peek(ps) < '0' || kre_peek(ps) > '7')
      return kre_fail(ps, esc_at, "backreferences are not supported (RE2 syntax)", ps->pos);
    /* fall through */
  case '0': {
    uint32_t v = (uint32_t)(c - '0');
    for (int i = 0; i < 2 && !kre_at_end(ps) && kre_peek(ps) >= '0' && kre_peek(ps) <= '7'; i++) {
      v = v * 8 + (uint32_t)(kre_peek(ps) - '0');
      ps->pos++;
    }
    *cp = v;
    return 0;
  }
  case '8': case '9':
    return kre_fail(ps, esc_at, "backreferences are not supported (RE2 syntax)", ps->pos);
  case 'x': {
    if (kre_at_end(ps)) return kre_fail(ps, esc_at, "invalid escape sequence", ps->pos);
    if (kre_peek(ps) == '{') {
      ps->pos++;
      uint32_t v = 0;
      int digits = 0;
      while (!kre_at_end(ps) && kre_hexval(kre_peek(ps)) >= 0) {
        v = v * 16 + (uint32_t)kre_hexval(kre_peek(ps));
        ps->pos++;
        if (++digits > 8 || v > KRE_MAX_CP)
          return kre_fail(ps, esc_at, "invalid escape sequence", ps->pos);
      }
      if (digits == 0 || kre_at_end(ps) || kre_peek(ps) != '}')
        return kre_fail(ps, esc_at, "invalid escape sequence", ps->pos);
      ps->pos++;
      *cp = v;
      return 0;
    }
    if (ps->pos + 1 >= ps->len || kre_hexval((unsigned char)ps->p[ps->pos]) < 0 ||
        kre_hexval((unsigned char)ps->p[ps->pos + 1]) < 0)
      return kre_fail(ps, esc_at, "invalid escape sequence", ps->pos);
    *cp = (uint32_t)(kre_hexval((unsigned char)ps->p[ps->pos]) * 16 +
                     kre_hexval((unsigned char)ps->p[ps->pos + 1]));
    ps->pos += 2;
    return 0;
  }
  default:
    if (c < 0x80 && !kre_is_word_byte(c)) {
      *cp = c; /* escaped punctuation stands for itself */
      return 0;
    }
    {
      size_t end = ps->pos;
      while (end < ps->len && ((unsigned char)ps->p[end] & 0xC0) == 0x80) end++;
      return kre_fail(ps, esc_at, "invalid escape sequence", end);
    }
  }
}

/* ---- bracket classes ---- */

static int kre_parse_bracket(kre_parser *ps) {
  size_t open_at = ps->pos;
  ps->pos++; /* '[' */
  bool negate = false;
  if (kre_peek(ps) == '^' && !kre_at_end(ps)) {
    negate = true;
    ps->pos++;
  }
  int cls = kre_new_class(ps);
  kre_rset set = {0};
  bool first = true;
  for (;;) {
    if (kre_at_end(ps)) {
      kre_rset_free(&set);
      return kre_fail(ps, open_at, "missing closing ]", ps->len);
    }
    unsigned char c = kre_peek(ps);
    if (c == ']' && !first) {
      ps->pos++;
      break;
    }
    first = false;
    size_t item_at = ps->pos;
    /* POSIX class [:name:] / [:^name:] */
    if (c == '[' && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] == ':') {
      size_t q = ps->pos + 2;
      bool pneg = false;
      if (q < ps->len && ps->p[q] == '^') {
        pneg = true;
        q++;
      }
      size_t name_at = q;
      while (q + 1 < ps->len && !(ps->p[q] == ':' && ps->p[q + 1] == ']')) q++;
      if (q + 1 < ps->len) {
        kre_rset tmp = {0};
        if (!kre_add_posix(&tmp, ps->p + name_at, q - name_at)) {
          kre_rset_free(&tmp);
          kre_rset_free(&set);
          return kre_fail(ps, item_at, "invalid character class range", q + 2);
        }
        if (pneg) kre_rset_negate(&tmp);
        kre_rset_add_set(&set, tmp.r, tmp.count);
        kre_rset_free(&tmp);
        ps->pos = q + 2;
        continue;
      }
    }
    uint32_t lo;
    if (c == '\\') {
      ps->pos++;
      unsigned char e = kre_peek(ps);
      if (!kre_at_end(ps) && (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W')) {
        ps->pos++;
        kre_rset tmp = {0};
        kre_add_perl(&tmp, (char)(e | 0x20));
        if (e >= 'A' && e <= 'Z') kre_rset_negate(&tmp);
        kre_rset_add_set(&set, tmp.r, tmp.count);
        kre_rset_free(&tmp);
        continue;
      }
      if (!kre_at_end(ps) && (e == 'p' || e == 'P')) {
        ps->pos++;
        if (kre_parse_unicode_class(ps, item_at, e == 'P', &set) < 0) {
          kre_rset_free(&set);
          return -1;
        }
        continue;
      }
      if (kre_parse_char_escape(ps, item_at, &lo) < 0) {
        kre_rset_free(&set);
        return -1;
      }
    } else if (kre_next_cp(ps, &lo) < 0) {
      kre_rset_free(&set);
      return -1;
    }
    uint32_t hi = lo;
    if (kre_peek(ps) == '-' && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] != ']') {
      ps->pos++;
      if (kre_peek(ps) == '\\') {
        size_t esc_at = ps->pos;
        ps->pos++;
        if (kre_parse_char_escape(ps, esc_at, &hi) < 0) {
          kre_rset_free(&set);
          return -1;
        }
      } else if (kre_next_cp(ps, &hi) < 0) {
        kre_rset_free(&set);
        return -1;
      }
      if (hi < lo) {
        kre_rset_free(&set);
        return kre_fail(ps, item_at, "invalid character class range", ps->pos);
      }
    }
    kre_rset_add(&set, lo, hi);
  }
  if (ps->flags & KQL_REGEX_ICASE) kre_rset_add_folded(&set);
  if (negate)
    kre_rset_negate(&set);
  else
    kre_rset_normalize(&set);
  ps->out->classes[cls] = set;
  return kre_class_node(ps, cls);
}

/* ---- groups, atoms, repetition ---- */

static int kre_parse_alt(kre_parser *ps);

static bool kre_name_ok(const char *s, size_t n) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++)
    if (!kre_is_word_byte((unsigned char)s[i])) return false;
  return true;
}

/* '(' at ps->pos. */
static int kre_parse_group(kre_parser *ps) {
  size_t open_at = ps->pos;
  ps->pos++;
  unsigned saved_flags = ps->flags;
  int group = -1; /* capture number, or -1 for non-capturing */
  if (kre_peek(ps) == '?' && !kre_at_end(ps)) {
    ps->pos++;
    unsigned char c = kre_peek(ps);
    if (kre_at_end(ps)) return kre_fail(ps, open_at, "missing closing )", ps->len);
    if (c == '=' || c == '!' ||
        (c == '<' && ps->pos + 1 < ps->len && (ps->p[ps->pos + 1] == '=' || ps->p[ps->pos + 1] == '!')))
      return kre_fail(ps, open_at, "lookaround is not supported (RE2 syntax)", ps->pos + 2);
    if (c == 'P' && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] == '=')
      return kre_fail(ps, open_at, "backreferences are not supported (RE2 syntax)", ps->pos + 2);
    if (c == '<' || (c == 'P' && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] == '<')) {
      size_t name_at = ps->pos + (c == 'P' ? 2 : 1);
      size_t q = name_at;
      while (q < ps->len && ps->p[q] != '>') q++;
      if (q >= ps->len || !kre_name_ok(ps->p + name_at, q - name_at))
        return kre_fail(ps, open_at, "invalid named capture group", q < ps->len ? q + 1 : ps->len);
      kre_parse *o = ps->out;
      for (int g = 1; g <= o->group_count; g++)
        if (o->names[g] && strlen(o->names[g]) == q - name_at &&
            memcmp(o->names[g], ps->p + name_at, q - name_at) == 0)
          return kre_fail(ps, open_at, "duplicate capture group name", q + 1);
      group = ++o->group_count;
      o->names = kre_realloc(o->names, (size_t)(o->group_count + 1) * sizeof *o->names);
      o->names[group] = kre_alloc(q - name_at + 1);
      memcpy(o->names[group], ps->p + name_at, q - name_at);
      o->names[group][q - name_at] = 0;
      ps->pos = q + 1;
    } else {
      /* flags: [imsU]* (- [imsU]*)? then ')' or ':' */
      bool neg = false, any = false, dash_seen = false;
      unsigned f = ps->flags;
      for (;;) {
        if (kre_at_end(ps)) return kre_fail(ps, open_at, "missing closing )", ps->len);
        c = kre_peek(ps);
        unsigned bit = 0;
        if (c == 'i') bit = KQL_REGEX_ICASE;
        else if (c == 'm') bit = KQL_REGEX_MULTILINE;
        else if (c == 's') bit = KQL_REGEX_DOTALL;
        else if (c == 'U') bit = KQL_REGEX_UNGREEDY;
        if (bit) {
          f = neg ? (f & ~bit) : (f | bit);
          any = true;
          ps->pos++;
          continue;
        }
        if (c == '-' && !dash_seen) {
          neg = dash_seen = true;
          any = false;
          ps->pos++;
          continue;
        }
        if ((c == ')' || c == ':') && any) break;
        if (c == ':' && !dash_seen) break; /* (?:re) */
        return kre_fail(ps, open_at, "invalid or unsupported Perl syntax", ps->pos + 1);
      }
      ps->pos++;
      if (c == ')') {
        /* (?flags): applies to the rest of the enclosing group */
        ps->flags = f;
        return kre_new_node(ps, KRE_N_EMPTY);
      }
      ps->flags = f; /* (?flags:re) */
    }
  } else {
    kre_parse *o = ps->out;
    group = ++o->group_count;
    o->names = kre_realloc(o->names, (size_t)(o->group_count + 1) * sizeof *o->names);
    o->names[group] = NULL;
  }
  if (++ps->depth > KQL_REGEX_MAX_DEPTH)
    return kre_fail(ps, open_at, "nesting too deep", 0);
  int inner = kre_parse_alt(ps);
  ps->depth--;
  if (inner < 0) return -1;
  if (kre_at_end(ps) || kre_peek(ps) != ')') return kre_fail(ps, open_at, "missing closing )", 0);
  ps->pos++;
  ps->flags = saved_flags;
  int n = kre_new_node(ps, group > 0 ? KRE_N_CAPTURE : KRE_N_GROUP);
  ps->out->nodes[n].a = group;
  ps->out->nodes[n].child = inner;
  return n;
}

/* Perl class escape outside brackets (\d \D \s \S \w \W). */
static int kre_perl_node(kre_parser *ps, unsigned char e) {
  int cls = kre_new_class(ps);
  kre_rset *s = &ps->out->classes[cls];
  kre_add_perl(s, (char)(e | 0x20));
  if (e >= 'A' && e <= 'Z')
    kre_rset_negate(s);
  else
    kre_rset_normalize(s);
  return kre_class_node(ps, cls);
}

static int kre_assert_node(kre_parser *ps, int kind) {
  int n = kre_new_node(ps, KRE_N_ASSERT);
  ps->out->nodes[n].a = kind;
  return n;
}

/* '\' at ps->pos, outside brackets. */
static int kre_parse_escape_atom(kre_parser *ps) {
  size_t esc_at = ps->pos;
  ps->pos++;
  if (kre_at_end(ps)) return kre_fail(ps, esc_at, "trailing \\", 0);
  unsigned char e = kre_peek(ps);
  switch (e) {
  case 'A': ps->pos++; return kre_assert_node(ps, KRE_AS_BOT);
  case 'z': ps->pos++; return kre_assert_node(ps, KRE_AS_EOT);
  case 'b': ps->pos++; return kre_assert_node(ps, KRE_AS_WORDB);
  case 'B': ps->pos++; return kre_assert_node(ps, KRE_AS_NWORDB);
  case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
    ps->pos++;
    return kre_perl_node(ps, e);
  case 'p': case 'P': {
    ps->pos++;
    int cls = kre_new_class(ps);
    kre_rset tmp = {0};
    if (kre_parse_unicode_class(ps, esc_at, e == 'P', &tmp) < 0) {
      kre_rset_free(&tmp);
      return -1;
    }
    kre_rset_normalize(&tmp);
    ps->out->classes[cls] = tmp;
    return kre_class_node(ps, cls);
  }
  case 'Q':
    ps->pos++;
    ps->in_quote = true;
    return kre_new_node(ps, KRE_N_EMPTY);
  case 'C':
    return kre_fail(ps, esc_at, "\\C (any byte) is not supported", esc_at + 2);
  case 'Z': case 'G': case 'K': case 'k': case 'g': case 'R': case 'X':
    return kre_fail(ps, esc_at, "invalid escape sequence", esc_at + 2);
  default: {
    uint32_t cp;
    if (kre_parse_char_escape(ps, esc_at, &cp) < 0) return -1;
    return kre_lit_node(ps, cp);
  }
  }
}

/* Tries to read {n}, {n,}, {n,m} at ps->pos. Returns 1 (set min/max, -1 =
 * unbounded), 0 when the text is not a repetition (then '{' is a literal). */
static int kre_try_braces(kre_parser *ps, int *min, int *max, size_t *end) {
  size_t q = ps->pos + 1;
  long lo = 0, hi;
  int digits = 0;
  while (q < ps->len && ps->p[q] >= '0' && ps->p[q] <= '9') {
    if (lo < 100000) lo = lo * 10 + (ps->p[q] - '0');
    q++;
    digits++;
  }
  if (digits == 0 || q >= ps->len) return 0;
  if (ps->p[q] == '}') {
    hi = lo;
  } else if (ps->p[q] == ',') {
    q++;
    if (q < ps->len && ps->p[q] == '}') {
      hi = -1;
    } else {
      hi = 0;
      digits = 0;
      while (q < ps->len && ps->p[q] >= '0' && ps->p[q] <= '9') {
        if (hi < 100000) hi = hi * 10 + (ps->p[q] - '0');
        q++;
        digits++;
      }
      if (digits == 0 || q >= ps->len || ps->p[q] != '}') return 0;
    }
  } else {
    return 0;
  }
  *min = (int)lo;
  *max = (int)hi;
  *end = q + 1;
  return 1;
}

static bool kre_is_repeat_start(kre_parser *ps) {
  unsigned char c = kre_peek(ps);
  if (kre_at_end(ps)) return false;
  if (c == '*' || c == '+' || c == '?') return true;
  if (c == '{') {
    int a, b;
    size_t e;
    return kre_try_braces(ps, &a, &b, &e) == 1;
  }
  return false;
}

/* One atom with its optional repetition. Returns node, or -2 at '|' / ')' / end. */
static int kre_parse_piece(kre_parser *ps) {
  if (kre_at_end(ps)) return -2;
  unsigned char c = kre_peek(ps);
  int atom;
  size_t atom_at = ps->pos;
  if (ps->in_quote) {
    /* \Q...\E: one literal per piece; a repetition right after \E applies
     * to the last literal, as in RE2 */
    if (c == '\\' && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] == 'E') {
      ps->pos += 2;
      ps->in_quote = false;
      return kre_new_node(ps, KRE_N_EMPTY);
    }
    if (c == '\\' && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] == '\\') ps->pos++;
    uint32_t cp;
    if (kre_next_cp(ps, &cp) < 0) return -1;
    atom = kre_lit_node(ps, cp);
    if (ps->pos + 1 < ps->len && ps->p[ps->pos] == '\\' && ps->p[ps->pos + 1] == 'E') {
      ps->pos += 2;
      ps->in_quote = false;
    } else {
      return atom;
    }
  } else switch (c) {
  case '|':
  case ')':
    return -2;
  case '(':
    atom = kre_parse_group(ps);
    break;
  case '[':
    atom = kre_parse_bracket(ps);
    break;
  case '.': {
    ps->pos++;
    int n = kre_new_node(ps, KRE_N_CLASS);
    ps->out->nodes[n].a = (ps->flags & KQL_REGEX_DOTALL) ? -1 : -2;
    atom = n;
    break;
  }
  case '^':
    ps->pos++;
    atom = kre_assert_node(ps, (ps->flags & KQL_REGEX_MULTILINE) ? KRE_AS_BOL : KRE_AS_BOT);
    break;
  case '$':
    ps->pos++;
    atom = kre_assert_node(ps, (ps->flags & KQL_REGEX_MULTILINE) ? KRE_AS_EOL : KRE_AS_EOT);
    break;
  case '\\':
    atom = kre_parse_escape_atom(ps);
    break;
  default:
    if (kre_is_repeat_start(ps)) {
      size_t e = ps->pos + 1;
      if (c == '{') {
        int a, b;
        kre_try_braces(ps, &a, &b, &e);
      }
      return kre_fail(ps, atom_at, "missing argument to repetition operator", e);
    } else {
      uint32_t cp;
      if (kre_next_cp(ps, &cp) < 0) return -1;
      atom = kre_lit_node(ps, cp);
    }
    break;
  }
  if (atom < 0) return -1;
  if (ps->in_quote || !kre_is_repeat_start(ps)) return atom;
  if (c == '(' && ps->out->nodes[atom].type == KRE_N_EMPTY) /* (?i)* */
    return kre_fail(ps, ps->pos, "missing argument to repetition operator", ps->pos + 1);

  size_t op_at = ps->pos;
  int min, max;
  c = kre_peek(ps);
  if (c == '*') { min = 0; max = -1; ps->pos++; }
  else if (c == '+') { min = 1; max = -1; ps->pos++; }
  else if (c == '?') { min = 0; max = 1; ps->pos++; }
  else {
    size_t e;
    kre_try_braces(ps, &min, &max, &e);
    ps->pos = e;
    if (min > KQL_REGEX_MAX_REPEAT || max > KQL_REGEX_MAX_REPEAT || (max >= 0 && max < min))
      return kre_fail(ps, op_at, "bad repetition operator", e);
  }
  bool lazy = false;
  if (kre_peek(ps) == '?' && !kre_at_end(ps)) {
    lazy = true;
    ps->pos++;
  }
  if (kre_is_repeat_start(ps)) {
    size_t e = ps->pos + 1;
    return kre_fail(ps, op_at, "bad repetition operator", e);
  }
  int n = kre_new_node(ps, KRE_N_REPEAT);
  kre_node *nd = &ps->out->nodes[n];
  nd->a = min;
  nd->b = max;
  nd->greedy = (uint8_t)(lazy == !!(ps->flags & KQL_REGEX_UNGREEDY));
  nd->child = atom;
  return n;
}

static int kre_parse_concat(kre_parser *ps) {
  int cat = kre_new_node(ps, KRE_N_CONCAT), tail = -1, count = 0;
  for (;;) {
    int piece = kre_parse_piece(ps);
    if (piece == -1) return -1;
    if (piece == -2) break;
    kre_link(ps, cat, &tail, piece);
    count++;
  }
  if (count == 0) ps->out->nodes[cat].type = KRE_N_EMPTY;
  if (count == 1) return ps->out->nodes[cat].child;
  return cat;
}

static int kre_parse_alt(kre_parser *ps) {
  int first = kre_parse_concat(ps);
  if (first < 0) return -1;
  if (kre_at_end(ps) || kre_peek(ps) != '|') return first;
  int alt = kre_new_node(ps, KRE_N_ALT), tail = -1;
  kre_link(ps, alt, &tail, first);
  while (!kre_at_end(ps) && kre_peek(ps) == '|') {
    ps->pos++;
    int next = kre_parse_concat(ps);
    if (next < 0) return -1;
    kre_link(ps, alt, &tail, next);
  }
  return alt;
}

int kre_parse_pattern(const char *pat, size_t len, unsigned flags, kre_parse *out,
                      kql_regex_error *err) {
  memset(out, 0, sizeof *out);
  out->names = kre_alloc(sizeof *out->names);
  out->names[0] = NULL;
  kre_parser ps = {.p = pat, .len = len, .flags = flags, .out = out, .err = err};
  if (flags & KQL_REGEX_LITERAL) {
    int cat = kre_new_node(&ps, KRE_N_CONCAT), tail = -1;
    while (!kre_at_end(&ps)) {
      uint32_t cp;
      if (kre_next_cp(&ps, &cp) < 0) return -1;
      kre_link(&ps, cat, &tail, kre_lit_node(&ps, cp));
    }
    if (tail < 0) out->nodes[cat].type = KRE_N_EMPTY;
    out->root = cat;
    return 0;
  }
  int root = kre_parse_alt(&ps);
  if (root < 0) return -1;
  if (!kre_at_end(&ps)) /* only a ')' stops the top level early */
    return kre_fail(&ps, ps.pos, "unexpected )", ps.pos + 1);
  out->root = root;
  return 0;
}

void kre_parse_free(kre_parse *p) {
  if (!p) return;
  for (size_t i = 0; i < p->class_count; i++) kre_rset_free(&p->classes[i]);
  free(p->classes);
  free(p->nodes);
  if (p->names) {
    for (int g = 0; g <= p->group_count; g++) free(p->names[g]);
    free(p->names);
  }
  memset(p, 0, sizeof *p);
}
