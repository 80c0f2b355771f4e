/* SPDX-License-Identifier: MIT
 * Minimal HTTP(S) client used by kusto/: one synchronous request in, status +
 * headers + body out. Two implementations behind this one header, each guarded
 * as a whole: net_curl.c (POSIX, libcurl) and net_winhttp.c (Windows).
 * net_url.c is plain C shared by both (URL split, loopback test). Policy
 * enforced here for every backend: plain http:// only to loopback hosts (and
 * the link-local managed-identity endpoint 169.254.169.254, which has no
 * https); TLS certificate verification is always on. No global state except the backend's
 * one-time init. A net_client is used by one thread at a time. */
#ifndef E2K_NET_NET_H
#define E2K_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Results of net_request_do. 0 means an HTTP response was received (any
 * status, including 4xx/5xx); negative values mean no (complete) response.
 * The uploader's retry classifier maps these (kusto/ku_retry.c). */
typedef enum net_result {
  NET_OK = 0,
  NET_E_URL = -1,       /* malformed URL, or http:// to a non-loopback host (permanent) */
  NET_E_CONNECT = -2,   /* DNS failure, connection refused (retryable) */
  NET_E_TIMEOUT = -3,   /* connect or whole-request timeout (retryable, ambiguous) */
  NET_E_IO = -4,        /* connection reset / dropped mid-request (retryable, ambiguous) */
  NET_E_TLS = -5,       /* TLS handshake or certificate verification failure (permanent) */
  NET_E_TOO_LARGE = -6, /* response body exceeded net_request.max_response_len */
  NET_E_CANCELLED = -7, /* *cancel became non-zero during the transfer */
  NET_E_INTERNAL = -8   /* backend failure (out of memory, init) */
} net_result;

typedef struct net_header {
  const char *name;  /* e.g. "Content-Type"; borrowed */
  const char *value; /* borrowed */
} net_header;

/* One request. All pointers are borrowed for the duration of the call. */
typedef struct net_request {
  const char *method;        /* "GET", "POST", "PUT", "DELETE", "HEAD" */
  const char *url;           /* absolute http:// or https:// URL, already escaped */
  const net_header *headers; /* extra request headers (may be NULL when count 0) */
  size_t header_count;
  const void *body;          /* request body bytes (may be NULL when body_len 0) */
  size_t body_len;
  uint32_t connect_timeout_ms; /* 0 -> 10 000 */
  uint32_t timeout_ms;         /* whole request incl. body transfer; 0 -> 60 000 */
  size_t max_response_len;     /* body cap in bytes; 0 -> 64 MiB */
  const volatile int *cancel;  /* optional: non-zero aborts with NET_E_CANCELLED */
} net_request;

/* A response. Filled by net_request_do; release with net_response_free. */
typedef struct net_response {
  int status;               /* HTTP status code, 0 when none was received */
  net_header *headers;      /* owned copies (name and value malloc'ed), last response only */
  size_t header_count;
  char *body;               /* owned, NUL-terminated, already content-decoded (gzip/deflate) */
  size_t body_len;          /* bytes, excluding the terminating NUL */
} net_response;

typedef struct net_client net_client;

/* One-time backend initialisation; call from the main thread before any
 * other thread uses net_. Idempotent. Returns 0 or NET_E_INTERNAL. */
int net_global_init(void);

/* A client keeps connections alive between requests (keep-alive to the same
 * host). Returns NULL on failure. Free with net_client_free (NULL ok). */
net_client *net_client_new(void);
void net_client_free(net_client *c);

/* Performs one request synchronously. On NET_OK `resp` holds the status,
 * headers and body (caller frees with net_response_free). On error `resp` is
 * left zeroed and err gets a one-line message naming the host. Never follows
 * redirects. Sends "Accept-Encoding: gzip, deflate" and decodes the body. */
int net_request_do(net_client *c, const net_request *req, net_response *resp, char *err,
                   size_t err_len);

void net_response_free(net_response *r);
/* For backends: frees and forgets the headers (e.g. of an interim response). */
void net_response_clear_headers(net_response *r);

/* Case-insensitive lookup of a response header; NULL when absent. */
const char *net_response_header(const net_response *r, const char *name);

/* ---- URL helpers (net_url.c, plain C, used by both backends and kusto/) ---- */

typedef struct net_url {
  char scheme[8];   /* "http" or "https", lower case */
  char host[256];   /* host name or IP literal, without brackets */
  uint16_t port;    /* explicit or the scheme default */
  bool has_port;    /* the URL named a port */
  const char *path; /* borrowed: points into the parsed URL at "/..." or "" (with query) */
} net_url;

/* Splits an absolute http(s) URL. Returns 0 or NET_E_URL (userinfo is refused). */
int net_url_parse(const char *url, net_url *out);

/* True for "localhost", 127.0.0.0/8 and ::1. */
bool net_host_is_loopback(const char *host);

/* The transport policy check every backend applies before connecting:
 * https to anything, http only to loopback or 169.254.169.254 (IMDS).
 * Returns 0 or NET_E_URL. */
int net_url_check_policy(const char *url, char *err, size_t err_len);

/* What every backend's net_request_do does first: clears resp and err,
 * checks the arguments and the transport policy, and splits the URL into u.
 * Returns 0, NET_E_INTERNAL (bad arguments) or NET_E_URL, with err set. */
int net_request_begin(const net_request *req, net_response *resp, net_url *u, char *err, size_t err_len);

/* Appends the percent-encoding of `s` (RFC 3986 unreserved kept) to dst
 * (capacity dst_cap, always NUL-terminated). Returns bytes needed excluding
 * the NUL; output is truncated when that is >= dst_cap. */
size_t net_url_escape(char *dst, size_t dst_cap, const char *s, size_t len);

#endif
