/* SPDX-License-Identifier: MIT
 * Windows backend of net/net.h over WinHTTP (an OS DLL, so etw2kusto.exe
 * needs no libcurl). Same policy as net_curl.c: http:// only to loopback,
 * certificate checks always on (WinHTTP's default; never relaxed here), no
 * redirects, gzip/deflate decoded by WinHTTP when the OS supports it, body
 * size cap, whole-request deadline and cancel flag checked between reads.
 * The whole file is guarded by _WIN32. */
#if defined(_WIN32)

#include "net/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <winhttp.h>

#include "platform/platform.h"
#include "platform/win32_int.h"

#ifndef WINHTTP_OPTION_DECOMPRESSION
#define WINHTTP_OPTION_DECOMPRESSION 118
#define WINHTTP_DECOMPRESSION_FLAG_GZIP 0x00000001
#define WINHTTP_DECOMPRESSION_FLAG_DEFLATE 0x00000002
#endif

struct net_client {
  HINTERNET session;         /* system proxy settings */
  HINTERNET direct;          /* no proxy: loopback test servers */
  HINTERNET connect;         /* cached connection handle for conn_host:conn_port */
  bool conn_direct;
  wchar_t *conn_host;
  uint16_t conn_port;
};

int net_global_init(void) { return NET_OK; }

static HINTERNET net_win_open_session(DWORD access) {
  HINTERNET h = WinHttpOpen(L"etw2kusto/0.1", access, WINHTTP_NO_PROXY_NAME,
                            WINHTTP_NO_PROXY_BYPASS, 0);
  if (!h) return NULL;
  DWORD policy = WINHTTP_OPTION_REDIRECT_POLICY_NEVER;
  WinHttpSetOption(h, WINHTTP_OPTION_REDIRECT_POLICY, &policy, sizeof policy);
  return h;
}

net_client *net_client_new(void) {
  net_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->session = net_win_open_session(WINHTTP_ACCESS_TYPE_DEFAULT_PROXY);
  c->direct = net_win_open_session(WINHTTP_ACCESS_TYPE_NO_PROXY);
  if (!c->session || !c->direct) {
    net_client_free(c);
    return NULL;
  }
  return c;
}

void net_client_free(net_client *c) {
  if (!c) return;
  if (c->connect) WinHttpCloseHandle(c->connect);
  if (c->session) WinHttpCloseHandle(c->session);
  if (c->direct) WinHttpCloseHandle(c->direct);
  free(c->conn_host);
  free(c);
}

static int net_win_map_error(DWORD e) {
  switch (e) {
  case ERROR_WINHTTP_TIMEOUT: return NET_E_TIMEOUT;
  case ERROR_WINHTTP_CANNOT_CONNECT:
  case ERROR_WINHTTP_NAME_NOT_RESOLVED:
  case ERROR_WINHTTP_CANNOT_CALL_BEFORE_OPEN:
    return NET_E_CONNECT;
  case ERROR_WINHTTP_SECURE_FAILURE:
  case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID:
  case ERROR_WINHTTP_SECURE_CERT_CN_INVALID:
  case ERROR_WINHTTP_SECURE_INVALID_CA:
  case ERROR_WINHTTP_SECURE_CERT_REV_FAILED:
  case ERROR_WINHTTP_SECURE_CHANNEL_ERROR:
  case ERROR_WINHTTP_SECURE_INVALID_CERT:
  case ERROR_WINHTTP_SECURE_CERT_REVOKED:
  case ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE:
  case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED:
    return NET_E_TLS;
  case ERROR_WINHTTP_INVALID_URL:
  case ERROR_WINHTTP_UNRECOGNIZED_SCHEME:
    return NET_E_URL;
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY:
    return NET_E_INTERNAL;
  default:
    return NET_E_IO; /* resets, aborted connections, invalid server responses */
  }
}

static void net_win_errtext(DWORD e, char *buf, size_t len) {
  wchar_t w[256];
  DWORD n = 0;
  if (e >= WINHTTP_ERROR_BASE && e <= WINHTTP_ERROR_LAST)
    n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_IGNORE_INSERTS,
                       GetModuleHandleW(L"winhttp.dll"), e, 0, w, 256, NULL);
  if (n == 0) {
    plat_win_error_text(e, buf, len);
    return;
  }
  while (n && (w[n - 1] == L'\r' || w[n - 1] == L'\n' || w[n - 1] == L'.' || w[n - 1] == L' ')) n--;
  int got = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, buf, (int)len - 1, NULL, NULL);
  buf[got > 0 ? got : 0] = 0;
}

/* Splits WINHTTP_QUERY_RAW_HEADERS_CRLF text (status line first) into owned
 * UTF-8 name/value pairs. */
static int net_win_parse_headers(const wchar_t *raw, net_response *r) {
  char *all = plat_win_utf8_from_wide(raw, (size_t)-1);
  if (!all) return -1;
  size_t cap = 0;
  char *line = all;
  bool first = true;
  while (*line) {
    char *end = strstr(line, "\r\n");
    size_t n = end ? (size_t)(end - line) : strlen(line);
    if (first) {
      first = false;
    } else if (n > 0) {
      char *colon = memchr(line, ':', n);
      if (colon) {
        const char *v = colon + 1;
        size_t vn = n - (size_t)(v - line);
        while (vn && (*v == ' ' || *v == '\t')) { v++; vn--; }
        while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t')) vn--;
        size_t kn = (size_t)(colon - line);
        while (kn && (line[kn - 1] == ' ' || line[kn - 1] == '\t')) kn--;
        if (r->header_count == cap) {
          size_t nc = cap ? cap * 2 : 16;
          net_header *nh = realloc(r->headers, nc * sizeof *nh);
          if (!nh) { free(all); return -1; }
          r->headers = nh;
          cap = nc;
        }
        char *k = malloc(kn + 1), *val = malloc(vn + 1);
        if (!k || !val) { free(k); free(val); free(all); return -1; }
        memcpy(k, line, kn);
        k[kn] = 0;
        memcpy(val, v, vn);
        val[vn] = 0;
        r->headers[r->header_count].name = k;
        r->headers[r->header_count].value = val;
        r->header_count++;
      }
    }
    if (!end) break;
    line = end + 2;
  }
  free(all);
  return 0;
}

static HINTERNET net_win_connect(net_client *c, const net_url *u, bool direct, DWORD *err) {
  wchar_t *host = plat_win_wide_from_utf8(u->host, (size_t)-1);
  if (!host) {
    *err = ERROR_WINHTTP_INVALID_URL;
    return NULL;
  }
  if (c->connect && c->conn_direct == direct && c->conn_port == u->port && c->conn_host &&
      wcscmp(c->conn_host, host) == 0) {
    free(host);
    return c->connect;
  }
  if (c->connect) WinHttpCloseHandle(c->connect);
  free(c->conn_host);
  c->conn_host = NULL;
  c->connect = WinHttpConnect(direct ? c->direct : c->session, host, u->port, 0);
  if (!c->connect) {
    *err = GetLastError();
    free(host);
    return NULL;
  }
  c->conn_host = host;
  c->conn_port = u->port;
  c->conn_direct = direct;
  return c->connect;
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
  const char *m = req->method;
  uint64_t start_ns = plat_monotonic_ns();
  uint32_t total_ms = req->timeout_ms ? req->timeout_ms : 60000;
  uint32_t connect_ms = req->connect_timeout_ms ? req->connect_timeout_ms : 10000;
  size_t max_len = req->max_response_len ? req->max_response_len : (size_t)64 << 20;
  bool https = strcmp(u.scheme, "https") == 0;
  bool direct = net_host_is_loopback(u.host);

  DWORD e = 0;
  int code = NET_OK;
  const char *why = NULL;
  HINTERNET req_h = NULL;
  wchar_t *wmethod = plat_win_wide_from_utf8(m, (size_t)-1);
  wchar_t *wpath = plat_win_wide_from_utf8(*u.path ? u.path : "/", (size_t)-1);
  wchar_t *wheaders = NULL;
  if (!wmethod || !wpath) {
    code = NET_E_INTERNAL;
    why = "out of memory";
    goto done;
  }
  if (req->body_len > 0xffffffffu) {
    code = NET_E_INTERNAL;
    why = "request body larger than 4 GiB";
    goto done;
  }
  /* Extra headers as one CRLF-separated block. */
  size_t hlen = 1;
  for (size_t i = 0; i < req->header_count; i++)
    hlen += strlen(req->headers[i].name) + strlen(req->headers[i].value) + 4;
  char *hblock = malloc(hlen);
  if (!hblock) {
    code = NET_E_INTERNAL;
    why = "out of memory";
    goto done;
  }
  size_t at = 0;
  for (size_t i = 0; i < req->header_count; i++)
    at += (size_t)snprintf(hblock + at, hlen - at, "%s: %s\r\n", req->headers[i].name,
                           req->headers[i].value);
  hblock[at] = 0;
  wheaders = at ? plat_win_wide_from_utf8(hblock, at) : NULL;
  free(hblock);

  HINTERNET conn = net_win_connect(c, &u, direct, &e);
  if (!conn) {
    code = net_win_map_error(e);
    goto done;
  }
  req_h = WinHttpOpenRequest(conn, wmethod, wpath, NULL, WINHTTP_NO_REFERER,
                             WINHTTP_DEFAULT_ACCEPT_TYPES, https ? WINHTTP_FLAG_SECURE : 0);
  if (!req_h) {
    e = GetLastError();
    code = net_win_map_error(e);
    goto done;
  }
  WinHttpSetTimeouts(req_h, (int)connect_ms, (int)connect_ms, (int)total_ms, (int)total_ms);
  DWORD policy = WINHTTP_OPTION_REDIRECT_POLICY_NEVER;
  WinHttpSetOption(req_h, WINHTTP_OPTION_REDIRECT_POLICY, &policy, sizeof policy);
  /* WinHTTP adds Accept-Encoding and decodes when it can (Windows 8.1+);
   * otherwise the server sends the identity encoding. */
  DWORD decomp = WINHTTP_DECOMPRESSION_FLAG_GZIP | WINHTTP_DECOMPRESSION_FLAG_DEFLATE;
  WinHttpSetOption(req_h, WINHTTP_OPTION_DECOMPRESSION, &decomp, sizeof decomp);

  if (req->cancel && *req->cancel) {
    code = NET_E_CANCELLED;
    goto done;
  }
  DWORD blen = (DWORD)req->body_len;
  if (!WinHttpSendRequest(req_h, wheaders ? wheaders : WINHTTP_NO_ADDITIONAL_HEADERS,
                          wheaders ? (DWORD)-1L : 0, blen ? (LPVOID)req->body : WINHTTP_NO_REQUEST_DATA,
                          blen, blen, 0) ||
      !WinHttpReceiveResponse(req_h, NULL)) {
    e = GetLastError();
    code = net_win_map_error(e);
    goto done;
  }
  DWORD status = 0, slen = sizeof status;
  if (!WinHttpQueryHeaders(req_h, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                           WINHTTP_HEADER_NAME_BY_INDEX, &status, &slen, WINHTTP_NO_HEADER_INDEX)) {
    e = GetLastError();
    code = NET_E_IO;
    goto done;
  }
  resp->status = (int)status;
  DWORD raw_len = 0;
  WinHttpQueryHeaders(req_h, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX, NULL,
                      &raw_len, WINHTTP_NO_HEADER_INDEX);
  if (GetLastError() == ERROR_INSUFFICIENT_BUFFER && raw_len > 0) {
    wchar_t *raw = malloc(raw_len + sizeof(wchar_t));
    if (raw && WinHttpQueryHeaders(req_h, WINHTTP_QUERY_RAW_HEADERS_CRLF,
                                   WINHTTP_HEADER_NAME_BY_INDEX, raw, &raw_len,
                                   WINHTTP_NO_HEADER_INDEX)) {
      raw[raw_len / sizeof(wchar_t)] = 0;
      if (net_win_parse_headers(raw, resp) != 0) {
        free(raw);
        code = NET_E_INTERNAL;
        why = "out of memory";
        goto done;
      }
    }
    free(raw);
  }

  size_t cap = 0;
  if (strcmp(m, "HEAD") != 0) {
    for (;;) {
      if (req->cancel && *req->cancel) {
        code = NET_E_CANCELLED;
        goto done;
      }
      if ((plat_monotonic_ns() - start_ns) / 1000000u > total_ms) {
        code = NET_E_TIMEOUT;
        why = "request timed out";
        goto done;
      }
      DWORD avail = 0;
      if (!WinHttpQueryDataAvailable(req_h, &avail)) {
        e = GetLastError();
        code = net_win_map_error(e);
        goto done;
      }
      if (avail == 0) break;
      if (resp->body_len + avail > max_len) {
        code = NET_E_TOO_LARGE;
        why = "response too large";
        goto done;
      }
      if (resp->body_len + avail + 1 > cap) {
        size_t nc = cap ? cap : 4096;
        while (nc < resp->body_len + avail + 1) nc *= 2;
        char *nb = realloc(resp->body, nc);
        if (!nb) {
          code = NET_E_INTERNAL;
          why = "out of memory";
          goto done;
        }
        resp->body = nb;
        cap = nc;
      }
      DWORD got = 0;
      if (!WinHttpReadData(req_h, resp->body + resp->body_len, avail, &got)) {
        e = GetLastError();
        code = net_win_map_error(e);
        goto done;
      }
      if (got == 0) break;
      resp->body_len += got;
    }
  }
  if (!resp->body) {
    resp->body = calloc(1, 1);
    if (!resp->body) {
      code = NET_E_INTERNAL;
      why = "out of memory";
      goto done;
    }
  }
  resp->body[resp->body_len] = 0;

done:
  if (req_h) WinHttpCloseHandle(req_h);
  free(wmethod);
  free(wpath);
  free(wheaders);
  if (code != NET_OK) {
    char sys[300] = "";
    if (!why) {
      if (code == NET_E_CANCELLED) why = "cancelled";
      else {
        net_win_errtext(e, sys, sizeof sys);
        why = sys;
      }
    }
    if (err && err_len) snprintf(err, err_len, "%s %s:%u: %s", m, u.host, (unsigned)u.port, why);
    /* A failed connection handle may be stale (server went away): drop it. */
    if (c->connect && code != NET_E_CANCELLED && code != NET_E_TOO_LARGE) {
      WinHttpCloseHandle(c->connect);
      c->connect = NULL;
      free(c->conn_host);
      c->conn_host = NULL;
    }
    net_response_free(resp);
  }
  return code;
}

#else
typedef int net_winhttp_unused; /* keeps the translation unit non-empty on POSIX */
#endif
