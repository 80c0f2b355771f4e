/* SPDX-License-Identifier: MIT
 * A small, strict-enough XML reader for instrumentation manifests, used when
 * the build has no expat (mingw cross builds) and selectable in tests. SAX
 * style like expat: start(name, attrs[]) / end(name); names are LOCAL names
 * (prefix stripped). Handles UTF-8 (BOM or not) and UTF-16 LE/BE with BOM,
 * the XML declaration, comments, PIs, DOCTYPE (no internal entities), CDATA
 * (ignored, like all character data), attributes with the five predefined
 * entities and character references, and checks tag nesting. Every read is
 * bounds-checked; depth is limited. Owner: decA. */
#include "decode/dec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEC_XML_MAX_DEPTH 256
#define DEC_XML_MAX_ATTRS 64

typedef struct xml_rd {
  const char *s;
  size_t len, pos;
  char *err;
  size_t err_len;
  const char *name;
  bool failed;
} xml_rd;

static bool xml_fail(xml_rd *r, const char *why) {
  if (r->failed) return false;
  r->failed = true;
  size_t line = 1, col = 1;
  for (size_t i = 0; i < r->pos && i < r->len; i++) {
    if (r->s[i] == '\n') { line++; col = 1; }
    else col++;
  }
  if (r->err && r->err_len) snprintf(r->err, r->err_len, "%s:%zu:%zu: %s", r->name, line, col, why);
  return false;
}

static bool xml_is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static bool xml_is_name(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
         c == '-' || c == '.' || (unsigned char)c >= 0x80;
}
static void xml_skip_space(xml_rd *r) {
  while (r->pos < r->len && xml_is_space(r->s[r->pos])) r->pos++;
}
static bool xml_starts(xml_rd *r, const char *t) {
  size_t n = strlen(t);
  return r->len - r->pos >= n && memcmp(r->s + r->pos, t, n) == 0;
}
/* Skips to just after terminator t; false at end of input. */
static bool xml_skip_past(xml_rd *r, const char *t) {
  size_t n = strlen(t);
  while (r->len - r->pos >= n) {
    if (memcmp(r->s + r->pos, t, n) == 0) {
      r->pos += n;
      return true;
    }
    r->pos++;
  }
  r->pos = r->len;
  return false;
}

/* Appends a code point as UTF-8. */
static void xml_put_cp(kv_buf *b, uint32_t c) { kv_buf_put_utf8(b, c); }

/* Attribute value between quotes, entities decoded, into b (NUL-terminated). */
static bool xml_attr_value(xml_rd *r, kv_buf *b) {
  if (r->pos >= r->len || (r->s[r->pos] != '"' && r->s[r->pos] != '\'')) return xml_fail(r, "expected a quoted value");
  char q = r->s[r->pos++];
  while (r->pos < r->len && r->s[r->pos] != q) {
    char c = r->s[r->pos];
    if (c == '<') return xml_fail(r, "'<' in an attribute value");
    if (c != '&') {
      /* attribute-value normalisation: white space -> space */
      kv_buf_putc(b, xml_is_space(c) ? ' ' : c);
      r->pos++;
      continue;
    }
    size_t semi = r->pos + 1;
    while (semi < r->len && semi - r->pos < 12 && r->s[semi] != ';') semi++;
    if (semi >= r->len || r->s[semi] != ';') return xml_fail(r, "unterminated entity reference");
    const char *e = r->s + r->pos + 1;
    size_t el = semi - r->pos - 1;
    if (el == 2 && !memcmp(e, "lt", 2)) kv_buf_putc(b, '<');
    else if (el == 2 && !memcmp(e, "gt", 2)) kv_buf_putc(b, '>');
    else if (el == 3 && !memcmp(e, "amp", 3)) kv_buf_putc(b, '&');
    else if (el == 4 && !memcmp(e, "quot", 4)) kv_buf_putc(b, '"');
    else if (el == 4 && !memcmp(e, "apos", 4)) kv_buf_putc(b, '\'');
    else if (el >= 2 && e[0] == '#') {
      uint32_t cp = 0;
      bool hex = e[1] == 'x';
      size_t i = hex ? 2 : 1;
      if (i >= el) return xml_fail(r, "bad character reference");
      for (; i < el; i++) {
        char d = e[i];
        int v = (d >= '0' && d <= '9') ? d - '0' : (hex && d >= 'a' && d <= 'f') ? d - 'a' + 10
                                                 : (hex && d >= 'A' && d <= 'F') ? d - 'A' + 10 : -1;
        if (v < 0) return xml_fail(r, "bad character reference");
        cp = cp * (hex ? 16u : 10u) + (uint32_t)v;
        if (cp > 0x10FFFF) return xml_fail(r, "character reference out of range");
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return xml_fail(r, "invalid character reference");
      xml_put_cp(b, cp);
    } else {
      return xml_fail(r, "undefined entity");
    }
    r->pos = semi + 1;
  }
  if (r->pos >= r->len) return xml_fail(r, "unterminated attribute value");
  r->pos++;
  kv_buf_putc(b, '\0');
  return true;
}

/* Converts UTF-16 (with BOM) input to UTF-8; returns a malloc'ed buffer. */
static char *xml_from_utf16(const uint8_t *p, size_t n, bool be, size_t *out_len) {
  kv_buf b;
  kv_buf_init(&b);
  for (size_t i = 0; i + 1 < n; i += 2) {
    uint32_t c = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i] | p[i + 1] << 8);
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < n) {
      uint32_t d = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3]) : (uint32_t)(p[i + 2] | p[i + 3] << 8);
      if (d >= 0xDC00 && d <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
        i += 2;
      } else {
        c = 0xFFFD;
      }
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    xml_put_cp(&b, c);
  }
  *out_len = b.len;
  if (!b.data) return kv_calloc(1, 1);
  return b.data;
}

/* Local part of a qualified name (after the last ':'). */
static const char *xml_local(const char *q) {
  const char *c = strrchr(q, ':');
  return c ? c + 1 : q;
}

int dec_xml_parse(const char *name, const uint8_t *data, size_t len, dec_xml_start_fn on_start,
                  dec_xml_end_fn on_end, void *ud, char *err, size_t err_len) {
  char *conv = NULL;
  const char *s = (const char *)data;
  if (len >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
    conv = xml_from_utf16(data + 2, len - 2, false, &len);
    s = conv;
  } else if (len >= 2 && data[0] == 0xFE && data[1] == 0xFF) {
    conv = xml_from_utf16(data + 2, len - 2, true, &len);
    s = conv;
  } else if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
    s += 3;
    len -= 3;
  }
  xml_rd r = {s, len, 0, err, err_len, name, false};
  kv_buf names, attrs;
  kv_buf_init(&names);  /* stack of open element names, NUL-separated */
  kv_buf_init(&attrs);
  size_t name_off[DEC_XML_MAX_DEPTH + 1];
  int depth = 0;
  bool root_seen = false;
  while (!r.failed) {
    /* character data: ignored, but must not contain a stray '&' sequence we care about */
    while (r.pos < r.len && r.s[r.pos] != '<') r.pos++;
    if (r.pos >= r.len) break;
    if (xml_starts(&r, "<!--")) {
      if (!xml_skip_past(&r, "-->")) xml_fail(&r, "unterminated comment");
      continue;
    }
    if (xml_starts(&r, "<?")) {
      if (!xml_skip_past(&r, "?>")) xml_fail(&r, "unterminated processing instruction");
      continue;
    }
    if (xml_starts(&r, "<![CDATA[")) {
      if (depth == 0) { xml_fail(&r, "CDATA outside the root element"); break; }
      if (!xml_skip_past(&r, "]]>")) xml_fail(&r, "unterminated CDATA section");
      continue;
    }
    if (xml_starts(&r, "<!DOCTYPE")) {
      /* skip, allowing one level of [...] internal subset */
      int bracket = 0;
      while (r.pos < r.len) {
        char c = r.s[r.pos++];
        if (c == '[') bracket++;
        else if (c == ']') bracket--;
        else if (c == '>' && bracket <= 0) break;
      }
      continue;
    }
    if (xml_starts(&r, "</")) {
      r.pos += 2;
      size_t st = r.pos;
      while (r.pos < r.len && xml_is_name(r.s[r.pos])) r.pos++;
      size_t nl = r.pos - st;
      xml_skip_space(&r);
      if (r.pos >= r.len || r.s[r.pos] != '>') { xml_fail(&r, "expected '>'"); break; }
      if (depth == 0) { xml_fail(&r, "closing tag without an open element"); break; }
      const char *open = names.data + name_off[depth - 1];
      if (strlen(open) != nl || memcmp(open, r.s + st, nl) != 0) { xml_fail(&r, "mismatched tag"); break; }
      r.pos++;
      on_end(ud, xml_local(open));
      depth--;
      names.len = name_off[depth];
      continue;
    }
    /* start tag */
    r.pos++;
    size_t st = r.pos;
    while (r.pos < r.len && xml_is_name(r.s[r.pos])) r.pos++;
    if (r.pos == st) { xml_fail(&r, "not well-formed (invalid token)"); break; }
    if (depth == 0 && root_seen) { xml_fail(&r, "junk after document element"); break; }
    if (depth >= DEC_XML_MAX_DEPTH) { xml_fail(&r, "elements nested too deeply"); break; }
    root_seen = true;
    name_off[depth] = names.len;
    kv_buf_append(&names, r.s + st, r.pos - st);
    kv_buf_putc(&names, '\0');
    attrs.len = 0;
    size_t aoff[2 * DEC_XML_MAX_ATTRS];
    int na = 0;
    bool empty = false;
    for (;;) {
      bool had_space = r.pos < r.len && xml_is_space(r.s[r.pos]);
      xml_skip_space(&r);
      if (r.pos >= r.len) { xml_fail(&r, "unterminated start tag"); break; }
      char c = r.s[r.pos];
      if (c == '>') { r.pos++; break; }
      if (c == '/') {
        if (r.pos + 1 >= r.len || r.s[r.pos + 1] != '>') { xml_fail(&r, "expected '/>'"); break; }
        r.pos += 2;
        empty = true;
        break;
      }
      if (!had_space) { xml_fail(&r, "expected white space before an attribute"); break; }
      size_t as = r.pos;
      while (r.pos < r.len && xml_is_name(r.s[r.pos])) r.pos++;
      if (r.pos == as) { xml_fail(&r, "not well-formed (invalid token)"); break; }
      if (na >= DEC_XML_MAX_ATTRS) { xml_fail(&r, "too many attributes"); break; }
      aoff[2 * na] = attrs.len;
      kv_buf_append(&attrs, r.s + as, r.pos - as);
      kv_buf_putc(&attrs, '\0');
      xml_skip_space(&r);
      if (r.pos >= r.len || r.s[r.pos] != '=') { xml_fail(&r, "expected '='"); break; }
      r.pos++;
      xml_skip_space(&r);
      aoff[2 * na + 1] = attrs.len;
      if (!xml_attr_value(&r, &attrs)) break;
      na++;
    }
    if (r.failed) break;
    /* attribute pointers: local names, like expat with namespace processing */
    const char *av[2 * DEC_XML_MAX_ATTRS + 1];
    for (int i = 0; i < na; i++) {
      av[2 * i] = xml_local(attrs.data + aoff[2 * i]);
      av[2 * i + 1] = attrs.data + aoff[2 * i + 1];
    }
    av[2 * na] = NULL;
    const char *qn = names.data + name_off[depth];
    on_start(ud, xml_local(qn), av);
    if (empty) {
      on_end(ud, xml_local(names.data + name_off[depth]));
      names.len = name_off[depth];
    } else {
      depth++;
    }
  }
  if (!r.failed && depth) xml_fail(&r, "no element found (unclosed element at end of input)");
  if (!r.failed && !root_seen) xml_fail(&r, "no element found");
  kv_buf_free(&names);
  kv_buf_free(&attrs);
  free(conv);
  return r.failed ? -1 : 0;
}
