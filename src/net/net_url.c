/* SPDX-License-Identifier: MIT
 * URL splitting, loopback detection, percent-encoding and the http/https
 * transport policy shared by every net_ backend. Plain C11: no sockets, no
 * platform headers. Never allocates. */
#include "net/net.h"

#include <stdio.h>
#include <string.h>

static int net_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static bool net_prefix_ci(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++)
    if (net_lower((unsigned char)*s) != net_lower((unsigned char)*prefix)) return false;
  return true;
}

int net_url_parse(const char *url, net_url *out) {
  memset(out, 0, sizeof *out);
  if (!url) return NET_E_URL;
  const char *p;
  if (net_prefix_ci(url, "https://")) {
    strcpy(out->scheme, "https");
    out->port = 443;
    p = url + 8;
  } else if (net_prefix_ci(url, "http://")) {
    strcpy(out->scheme, "http");
    out->port = 80;
    p = url + 7;
  } else {
    return NET_E_URL;
  }
  const char *auth_end = p + strcspn(p, "/?#");
  if (memchr(p, '@', (size_t)(auth_end - p))) return NET_E_URL; /* userinfo: refuse */
  const char *host_end;
  const char *after;
  if (*p == '[') { /* IPv6 literal */
    const char *rb = memchr(p, ']', (size_t)(auth_end - p));
    if (!rb) return NET_E_URL;
    if ((size_t)(rb - p - 1) >= sizeof out->host || rb == p + 1) return NET_E_URL;
    memcpy(out->host, p + 1, (size_t)(rb - p - 1));
    host_end = rb + 1;
    after = host_end;
  } else {
    host_end = memchr(p, ':', (size_t)(auth_end - p));
    if (!host_end) host_end = auth_end;
    if (host_end == p || (size_t)(host_end - p) >= sizeof out->host) return NET_E_URL;
    for (size_t i = 0; i < (size_t)(host_end - p); i++)
      out->host[i] = (char)net_lower((unsigned char)p[i]);
    after = host_end;
  }
  if (after < auth_end) {
    if (*after != ':') return NET_E_URL;
    unsigned long port = 0;
    const char *q = after + 1;
    if (q == auth_end) return NET_E_URL;
    for (; q < auth_end; q++) {
      if (*q < '0' || *q > '9') return NET_E_URL;
      port = port * 10 + (unsigned long)(*q - '0');
      if (port > 65535) return NET_E_URL;
    }
    if (port == 0) return NET_E_URL;
    out->port = (uint16_t)port;
    out->has_port = true;
  }
  out->path = auth_end;
  return NET_OK;
}

bool net_host_is_loopback(const char *host) {
  if (!host) return false;
  size_t n = strlen(host);
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']') { host++; n -= 2; }
  if (n == 9 && net_prefix_ci(host, "localhost")) return true;
  if (n == 3 && memcmp(host, "::1", 3) == 0) return true;
  /* 127.a.b.c with exactly four decimal octets */
  if (n < 7 || memcmp(host, "127.", 4) != 0) return false;
  int dots = 0, digits = 0;
  unsigned val = 0;
  for (size_t i = 0; i < n; i++) {
    char c = host[i];
    if (c == '.') {
      if (digits == 0) return false;
      dots++;
      digits = 0;
      val = 0;
    } else if (c >= '0' && c <= '9') {
      val = val * 10 + (unsigned)(c - '0');
      if (++digits > 3 || val > 255) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

int net_url_check_policy(const char *url, char *err, size_t err_len) {
  net_url u;
  if (net_url_parse(url, &u) != NET_OK) {
    if (err && err_len) snprintf(err, err_len, "invalid URL '%.200s'", url ? url : "(null)");
    return NET_E_URL;
  }
  /* 169.254.169.254 is the link-local instance metadata service (managed
   * identity), which only speaks http; it is never routed off the host. */
  if (strcmp(u.scheme, "http") == 0 && !net_host_is_loopback(u.host) &&
      strcmp(u.host, "169.254.169.254") != 0) {
    if (err && err_len)
      snprintf(err, err_len, "refusing plain http:// to non-loopback host '%s' (use https)", u.host);
    return NET_E_URL;
  }
  return NET_OK;
}

int net_request_begin(const net_request *req, net_response *resp, net_url *u, char *err, size_t err_len) {
  memset(resp, 0, sizeof *resp);
  if (err && err_len) err[0] = '\0';
  if (!req || !req->url || !req->method) {
    if (err && err_len) snprintf(err, err_len, "net: bad request arguments");
    return NET_E_INTERNAL;
  }
  int pol = net_url_check_policy(req->url, err, err_len);
  if (pol != NET_OK) return pol;
  return net_url_parse(req->url, u); /* cannot fail: the policy check parsed it */
}

size_t net_url_escape(char *dst, size_t dst_cap, const char *s, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  size_t need = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~';
    char tmp[3];
    size_t k;
    if (keep) {
      tmp[0] = (char)c;
      k = 1;
    } else {
      tmp[0] = '%';
      tmp[1] = hex[c >> 4];
      tmp[2] = hex[c & 15];
      k = 3;
    }
    for (size_t j = 0; j < k; j++) {
      if (dst && need + 1 < dst_cap) dst[need] = tmp[j];
      need++;
    }
  }
  if (dst && dst_cap) dst[need < dst_cap ? need : dst_cap - 1] = '\0';
  return need;
}
