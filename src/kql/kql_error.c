/* SPDX-License-Identifier: MIT
 * KQL error positions and formatting: byte offset -> 1-based line/column
 * (columns count UTF-8 characters), and the compiler-style message with the
 * source line and a caret under the column. Also kql_parse_check. */
#include "kql/kql.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kql/kql_parse.h"

void kql_error_at(kql_error *err, const char *src, size_t len, size_t pos, const char *fmt, ...) {
  if (!err) return;
  if (pos > len) pos = len;
  int line = 1, col = 1;
  for (size_t i = 0; i < pos; i++) {
    unsigned char c = (unsigned char)src[i];
    if (c == '\n') {
      line++;
      col = 1;
    } else if ((c & 0xC0) != 0x80) {
      col++;
    }
  }
  err->line = line;
  err->column = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

void kql_error_format(const kql_error *err, const char *text, size_t len, const char *name,
                      kv_buf *b) {
  if (!name) name = "query";
  if (err->line <= 0) {
    kv_buf_printf(b, "%s: %s\n", name, err->message);
    return;
  }
  kv_buf_printf(b, "%s:%d:%d: %s\n", name, err->line, err->column, err->message);
  /* find the line */
  size_t i = 0;
  int line = 1;
  while (i < len && line < err->line) {
    if (text[i] == '\n') line++;
    i++;
  }
  if (line != err->line) return;
  size_t e = i;
  while (e < len && text[e] != '\n' && text[e] != '\r') e++;
  kv_buf_append(b, text + i, e - i);
  kv_buf_putc(b, '\n');
  int col = 1;
  for (size_t k = i; k < e && col < err->column; k++) {
    unsigned char c = (unsigned char)text[k];
    if ((c & 0xC0) == 0x80) continue;
    kv_buf_putc(b, c == '\t' ? '\t' : ' ');
    col++;
  }
  kv_buf_puts(b, "^\n");
}

int kql_parse_check(const char *text, size_t len, kql_error *err) {
  kql_arena a = {0};
  kql_node *root = NULL;
  kql_error tmp;
  int rc = kql_parse(text, len, &a, &root, err ? err : &tmp);
  kql_arena_free(&a);
  return rc;
}
