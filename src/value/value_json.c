/* SPDX-License-Identifier: MIT
 * JSON text -> dynamic value (RFC 8259, strict). Used by parse_json/todynamic,
 * datatable dynamic literals and the Kusto protocol reader. Input is untrusted:
 * every read is bounds-checked, depth is limited, errors name the byte offset. */
#include "value/value.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KV_JSON_MAX_DEPTH = 256 };

typedef struct kv_json_parser {
  const char *s;
  size_t len;
  size_t pos;
  char *err;
  size_t err_len;
  bool failed;
} kv_json_parser;

static void kv_json_fail(kv_json_parser *p, const char *why) {
  if (p->failed) return;
  p->failed = true;
  if (p->err && p->err_len) snprintf(p->err, p->err_len, "invalid JSON at byte %zu: %s", p->pos, why);
}

static void kv_json_skip_ws(kv_json_parser *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static int kv_json_hex4(kv_json_parser *p, uint32_t *out) {
  if (p->len - p->pos < 4) return -1;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[p->pos + (size_t)i];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v << 4 | (uint32_t)d;
  }
  p->pos += 4;
  *out = v;
  return 0;
}

/* Parses a string literal at p->pos (which is at '"') into b. */
static int kv_json_string(kv_json_parser *p, kv_buf *b) {
  p->pos++; /* opening quote */
  size_t run = p->pos;
  while (p->pos < p->len) {
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '"') {
      kv_buf_append(b, p->s + run, p->pos - run);
      p->pos++;
      return 0;
    }
    if (c < 0x20) {
      kv_json_fail(p, "control character in string");
      return -1;
    }
    if (c != '\\') {
      p->pos++;
      continue;
    }
    kv_buf_append(b, p->s + run, p->pos - run);
    p->pos++;
    if (p->pos >= p->len) break;
    char e = p->s[p->pos++];
    switch (e) {
      case '"': kv_buf_putc(b, '"'); break;
      case '\\': kv_buf_putc(b, '\\'); break;
      case '/': kv_buf_putc(b, '/'); break;
      case 'b': kv_buf_putc(b, '\b'); break;
      case 'f': kv_buf_putc(b, '\f'); break;
      case 'n': kv_buf_putc(b, '\n'); break;
      case 'r': kv_buf_putc(b, '\r'); break;
      case 't': kv_buf_putc(b, '\t'); break;
      case 'u': {
        uint32_t cp;
        if (kv_json_hex4(p, &cp) < 0) {
          kv_json_fail(p, "bad \\u escape");
          return -1;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (p->len - p->pos >= 6 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
            p->pos += 2;
            if (kv_json_hex4(p, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
              kv_json_fail(p, "bad surrogate pair");
              return -1;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        kv_buf_put_utf8(b, cp);
        break;
      }
      default: kv_json_fail(p, "bad escape"); return -1;
    }
    run = p->pos;
  }
  kv_json_fail(p, "unterminated string");
  return -1;
}

static kv_value kv_json_number(kv_json_parser *p) {
  size_t start = p->pos;
  bool is_int = true;
  if (p->pos < p->len && p->s[p->pos] == '-') p->pos++;
  if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') {
    kv_json_fail(p, "bad number");
    return kv_dyn_null();
  }
  if (p->s[p->pos] == '0') {
    p->pos++;
  } else {
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
  }
  if (p->pos < p->len && p->s[p->pos] == '.') {
    is_int = false;
    p->pos++;
    size_t d = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    if (d == p->pos) {
      kv_json_fail(p, "bad fraction");
      return kv_dyn_null();
    }
  }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    is_int = false;
    p->pos++;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
    size_t d = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    if (d == p->pos) {
      kv_json_fail(p, "bad exponent");
      return kv_dyn_null();
    }
  }
  char tmp[64];
  size_t n = p->pos - start;
  char *num = n < sizeof tmp ? tmp : kv_malloc(n + 1);
  memcpy(num, p->s + start, n);
  num[n] = '\0';
  kv_value v;
  if (is_int) {
    errno = 0;
    long long ll = strtoll(num, NULL, 10);
    if (errno == 0) {
      v = kv_to_dynamic(kv_long(ll));
      if (num != tmp) free(num);
      return v;
    }
  }
  v = kv_to_dynamic(kv_real(strtod(num, NULL)));
  if (num != tmp) free(num);
  return v;
}

static bool kv_json_word(kv_json_parser *p, const char *w) {
  size_t n = strlen(w);
  if (p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0) {
    p->pos += n;
    return true;
  }
  return false;
}

static kv_value kv_json_value(kv_json_parser *p, int depth) {
  kv_json_skip_ws(p);
  if (p->pos >= p->len) {
    kv_json_fail(p, "unexpected end of input");
    return kv_dyn_null();
  }
  if (depth > KV_JSON_MAX_DEPTH) {
    kv_json_fail(p, "nesting too deep");
    return kv_dyn_null();
  }
  char c = p->s[p->pos];
  if (c == '{') {
    p->pos++;
    kv_value bag = kv_dyn_bag();
    kv_json_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
      p->pos++;
      return bag;
    }
    kv_buf key;
    kv_buf_init(&key);
    for (;;) {
      kv_json_skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != '"') {
        kv_json_fail(p, "expected a property name");
        break;
      }
      key.len = 0;
      if (kv_json_string(p, &key) < 0) break;
      kv_json_skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != ':') {
        kv_json_fail(p, "expected ':'");
        break;
      }
      p->pos++;
      kv_value item = kv_json_value(p, depth + 1);
      if (p->failed) {
        kv_release(item);
        break;
      }
      kv_bag_set(bag, key.data ? key.data : "", key.len, item);
      kv_json_skip_ws(p);
      if (p->pos < p->len && p->s[p->pos] == ',') {
        p->pos++;
        continue;
      }
      if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        break;
      }
      kv_json_fail(p, "expected ',' or '}'");
      break;
    }
    kv_buf_free(&key);
    return bag;
  }
  if (c == '[') {
    p->pos++;
    kv_value arr = kv_dyn_array();
    kv_json_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
      p->pos++;
      return arr;
    }
    for (;;) {
      kv_value item = kv_json_value(p, depth + 1);
      if (p->failed) {
        kv_release(item);
        break;
      }
      kv_array_push(arr, item);
      kv_json_skip_ws(p);
      if (p->pos < p->len && p->s[p->pos] == ',') {
        p->pos++;
        continue;
      }
      if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        break;
      }
      kv_json_fail(p, "expected ',' or ']'");
      break;
    }
    return arr;
  }
  if (c == '"') {
    kv_buf b;
    kv_buf_init(&b);
    if (kv_json_string(p, &b) < 0) {
      kv_buf_free(&b);
      return kv_dyn_null();
    }
    kv_value s = kv_string(b.data ? b.data : "", b.len);
    kv_buf_free(&b);
    s.dyn = KV_STRING;
    s.type = KV_DYNAMIC;
    return s;
  }
  if (c == '-' || (c >= '0' && c <= '9')) return kv_json_number(p);
  if (kv_json_word(p, "true")) return kv_to_dynamic(kv_bool(true));
  if (kv_json_word(p, "false")) return kv_to_dynamic(kv_bool(false));
  if (kv_json_word(p, "null")) return kv_dyn_null();
  kv_json_fail(p, "unexpected character");
  return kv_dyn_null();
}

int kv_parse_json(const char *s, size_t len, kv_value *out, char *err, size_t err_len) {
  kv_json_parser p = {s, len, 0, err, err_len, false};
  if (err && err_len) err[0] = '\0';
  kv_value v = kv_json_value(&p, 0);
  if (!p.failed) {
    kv_json_skip_ws(&p);
    if (p.pos != p.len) kv_json_fail(&p, "trailing characters");
  }
  if (p.failed) {
    kv_release(v);
    *out = kv_dyn_null();
    return -1;
  }
  *out = v;
  return 0;
}
