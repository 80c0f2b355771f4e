/* SPDX-License-Identifier: MIT
 * Response bookkeeping shared by both HTTP backends (net_curl.c,
 * net_winhttp.c): freeing a response and finding a header. Plain C. */
#include "net/net.h"

#include <stdlib.h>
#include <string.h>

/* ASCII case-insensitive equality: header names are ASCII tokens. */
static int net_name_equal(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
    char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
    if (x != y) return 0;
  }
  return *a == *b;
}

void net_response_clear_headers(net_response *r) {
  for (size_t i = 0; i < r->header_count; i++) {
    free((char *)r->headers[i].name);
    free((char *)r->headers[i].value);
  }
  free(r->headers);
  r->headers = NULL;
  r->header_count = 0;
}

void net_response_free(net_response *r) {
  if (!r) return;
  net_response_clear_headers(r);
  free(r->body);
  memset(r, 0, sizeof *r);
}

const char *net_response_header(const net_response *r, const char *name) {
  if (!r || !name) return NULL;
  for (size_t i = 0; i < r->header_count; i++)
    if (net_name_equal(r->headers[i].name, name)) return r->headers[i].value;
  return NULL;
}
