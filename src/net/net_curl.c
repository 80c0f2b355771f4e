/* SPDX-License-Identifier: MIT
 * net.h on POSIX via libcurl (easy interface, one CURL handle per net_client
 * so keep-alive connections are reused). Guarded as a whole: Windows builds
 * use net_winhttp.c. TLS verification is never turned off; redirects are not
 * followed; the policy check in net_url.c runs before every transfer. */
#if !defined(_WIN32)

#include "net/net.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct net_client {
  CURL *easy; /* reused between requests: keeps the connection cache */
};

typedef struct net_curl_ctx {
  net_response *resp;
  size_t cap;           /* body buffer capacity (bytes) */
  size_t max_len;       /* body cap (bytes) */
  size_t hdr_cap;       /* headers array capacity (entries) */
  bool too_large;       /* body exceeded max_len */
  bool oom;             /* allocation failed */
  const volatile int *cancel;
} net_curl_ctx;

static int net_curl_inited;

int net_global_init(void) {
  if (net_curl_inited) return NET_OK;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NET_E_INTERNAL;
  net_curl_inited = 1;
  return NET_OK;
}

net_client *net_client_new(void) {
  if (net_global_init() != NET_OK) return NULL;
  net_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->easy = curl_easy_init();
  if (!c->easy) {
    free(c);
    return NULL;
  }
  return c;
}

void net_client_free(net_client *c) {
  if (!c) return;
  curl_easy_cleanup(c->easy);
  free(c);
}

/* libcurl body callback: append with a cap; returning short aborts. */
static size_t net_curl_write_cb(char *ptr, size_t size, size_t nmemb, void *ud) {
  net_curl_ctx *x = ud;
  size_t n = size * nmemb;
  net_response *r = x->resp;
  if (r->body_len + n > x->max_len) {
    x->too_large = true;
    return 0;
  }
  if (r->body_len + n + 1 > x->cap) {
    size_t nc = x->cap ? x->cap : 4096;
    while (nc < r->body_len + n + 1) nc *= 2;
    char *nb = realloc(r->body, nc);
    if (!nb) {
      x->oom = true;
      return 0;
    }
    r->body = nb;
    x->cap = nc;
  }
  memcpy(r->body + r->body_len, ptr, n);
  r->body_len += n;
  r->body[r->body_len] = '\0';
  return n;
}

static char *net_trimdup(const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* libcurl header callback: one line per call; a status line resets the list
 * (so only the final response's headers remain, e.g. after 100-continue). */
static size_t net_curl_header_cb(char *buf, size_t size, size_t nitems, void *ud) {
  net_curl_ctx *x = ud;
  size_t n = size * nitems;
  net_response *r = x->resp;
  if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
    net_response_clear_headers(r);
    x->hdr_cap = 0;
    return n;
  }
  const char *colon = memchr(buf, ':', n);
  if (!colon) return n;
  if (r->header_count == x->hdr_cap) {
    size_t nc = x->hdr_cap ? x->hdr_cap * 2 : 16;
    if (nc > 1024) return n; /* ignore absurd header counts */
    net_header *nh = realloc(r->headers, nc * sizeof *nh);
    if (!nh) {
      x->oom = true;
      return 0;
    }
    r->headers = nh;
    x->hdr_cap = nc;
  }
  char *name = net_trimdup(buf, (size_t)(colon - buf));
  char *value = net_trimdup(colon + 1, n - (size_t)(colon - buf) - 1);
  if (!name || !value) {
    free(name);
    free(value);
    x->oom = true;
    return 0;
  }
  r->headers[r->header_count].name = name;
  r->headers[r->header_count].value = value;
  r->header_count++;
  return n;
}

/* Request body source. libcurl silently re-sends a request whose reused
 * connection died; for a POST that may have been processed that would be a
 * hidden duplicate, so rewinding after bytes went out fails the transfer and
 * the caller's retry logic (which counts ambiguous retries) decides. */
typedef struct net_curl_body {
  const char *data;
  size_t len;
  size_t pos;  /* next byte to hand to curl */
  bool sent;   /* some bytes were handed out */
} net_curl_body;

static size_t net_curl_read_cb(char *buf, size_t size, size_t nitems, void *ud) {
  net_curl_body *b = ud;
  size_t n = size * nitems;
  if (n > b->len - b->pos) n = b->len - b->pos;
  memcpy(buf, b->data + b->pos, n);
  b->pos += n;
  if (n) b->sent = true;
  return n;
}

static int net_curl_seek_cb(void *ud, curl_off_t offset, int origin) {
  net_curl_body *b = ud;
  if (origin != SEEK_SET || offset < 0 || (size_t)offset > b->len) return CURL_SEEKFUNC_FAIL;
  if (b->sent) return CURL_SEEKFUNC_FAIL; /* would be a silent re-send */
  b->pos = (size_t)offset;
  return CURL_SEEKFUNC_OK;
}

static int net_curl_progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                                curl_off_t ulnow) {
  net_curl_ctx *x = ud;
  return (x->cancel && *x->cancel) ? 1 : 0;
}

static int net_map_error(CURLcode rc, const net_curl_ctx *x) {
  if (x->too_large) return NET_E_TOO_LARGE;
  if (x->oom) return NET_E_INTERNAL;
  switch (rc) {
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT: return NET_E_URL;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT: return NET_E_CONNECT;
  case CURLE_OPERATION_TIMEDOUT: return NET_E_TIMEOUT;
  case CURLE_ABORTED_BY_CALLBACK: return NET_E_CANCELLED;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE: return NET_E_TLS;
  case CURLE_OUT_OF_MEMORY: return NET_E_INTERNAL;
  default: return NET_E_IO; /* send/recv errors, resets, partial bodies, bad encodings */
  }
}

int net_request_do(net_client *c, const net_request *req, net_response *resp, char *err,
                   size_t err_len) {
  net_url u;
  int begin = net_request_begin(req, resp, &u, err, err_len);
  if (begin != NET_OK) return begin;
  if (!c) {
    if (err && err_len) snprintf(err, err_len, "net: bad request arguments");
    return NET_E_INTERNAL;
  }

  CURL *e = c->easy;
  curl_easy_reset(e);
  net_curl_ctx x;
  memset(&x, 0, sizeof x);
  x.resp = resp;
  x.max_len = req->max_response_len ? req->max_response_len : (size_t)64 << 20;
  x.cancel = req->cancel;

  struct curl_slist *hl = NULL;
  bool oom = false;
  for (size_t i = 0; i < req->header_count && !oom; i++) {
    char line[8192];
    int n = snprintf(line, sizeof line, "%s: %s", req->headers[i].name, req->headers[i].value);
    if (n < 0 || (size_t)n >= sizeof line) continue; /* absurdly long header: drop */
    struct curl_slist *nl = curl_slist_append(hl, line);
    if (!nl) oom = true; else hl = nl;
  }
  /* curl adds "Expect: 100-continue" for large bodies; skip the round trip. */
  struct curl_slist *nl = oom ? NULL : curl_slist_append(hl, "Expect:");
  if (!nl) {
    curl_slist_free_all(hl);
    if (err && err_len) snprintf(err, err_len, "net: out of memory");
    return NET_E_INTERNAL;
  }
  hl = nl;

  curl_easy_setopt(e, CURLOPT_URL, req->url);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   (long)(req->connect_timeout_ms ? req->connect_timeout_ms : 10000));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms ? req->timeout_ms : 60000));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, net_curl_write_cb);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, net_curl_header_cb);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, net_curl_progress_cb);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, &x);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  /* Never let a proxy from the environment see test traffic to loopback. */
  if (net_host_is_loopback(u.host)) curl_easy_setopt(e, CURLOPT_NOPROXY, "*");

  net_curl_body body = {req->body ? (const char *)req->body : "", req->body_len, 0, false};
  const char *m = req->method;
  if (strcmp(m, "GET") == 0) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (strcmp(m, "HEAD") == 0) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, net_curl_read_cb);
    curl_easy_setopt(e, CURLOPT_READDATA, &body);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, net_curl_seek_cb);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, &body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    if (strcmp(m, "POST") != 0) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
  }

  CURLcode rc = curl_easy_perform(e);
  curl_slist_free_all(hl);
  if (rc != CURLE_OK) {
    int code = net_map_error(rc, &x);
    if (err && err_len)
      snprintf(err, err_len, "%s %s:%u: %s", m, u.host, (unsigned)u.port,
               x.too_large ? "response too large" : curl_easy_strerror(rc));
    net_response_free(resp);
    return code;
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  resp->status = (int)status;
  if (!resp->body) {
    resp->body = calloc(1, 1);
    if (!resp->body) {
      net_response_free(resp);
      return NET_E_INTERNAL;
    }
  }
  return NET_OK;
}

#endif /* !_WIN32 */
