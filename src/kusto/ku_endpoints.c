/* SPDX-License-Identifier: MIT
 * cluster: resolution. Accepts a short name (CDOC -> https://cdoc.kusto.windows.net,
 * "@help/Samples" shorthand too), a host, a URL (any host, Fabric included) or
 * a Kusto connection string (Data Source=...;Initial Catalog=...;AppClientId=...).
 * Derives the ingest- endpoint like the SDKs (kusto-protocol.md section 0). */
#include "kusto/kusto.h"

#include <stdio.h>
#include <string.h>

#include "net/net.h"

static int ku_lc(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static void ku_copy(char *dst, size_t cap, const char *s, size_t n) {
  if (n >= cap) n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}

/* Compares a connection-string keyword ignoring case and blanks. */
static bool ku_kw_is(const char *k, size_t n, const char *want) {
  size_t i = 0;
  for (; *want; want++) {
    while (i < n && (k[i] == ' ' || k[i] == '\t')) i++;
    if (*want == ' ') continue;
    if (i >= n || ku_lc((unsigned char)k[i]) != *want) return false;
    i++;
  }
  while (i < n && (k[i] == ' ' || k[i] == '\t')) i++;
  return i == n;
}

static bool ku_is_ip_literal(const char *host) {
  if (strchr(host, ':')) return true; /* IPv6 */
  for (const char *p = host; *p; p++)
    if (!((*p >= '0' && *p <= '9') || *p == '.')) return false;
  return *host != '\0';
}

void ku_ingest_url_from_engine(const char *engine, char *out, size_t out_len) {
  net_url u;
  if (net_url_parse(engine, &u) != NET_OK) {
    snprintf(out, out_len, "%s", engine);
    return;
  }
  if (strstr(engine, "ingest-") || ku_is_ip_literal(u.host) || strstr(u.host, "localhost") ||
      strcmp(u.host, "onebox.dev.kusto.windows.net") == 0) {
    snprintf(out, out_len, "%s", engine);
    return;
  }
  const char *sep = strstr(engine, "://");
  snprintf(out, out_len, "%.*s://ingest-%s", (int)(sep - engine), engine, sep + 3);
}

/* Turns "CDOC", "host.domain", "https://host[:port][/db]" into an engine URL
 * (no trailing slash) and an optional database from the path. */
static int ku_engine_from(const char *s, size_t n, ku_endpoints *out, char *err, size_t err_len) {
  char tmp[600];
  while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '/')) n--;
  if (n == 0 || n >= 500) {
    snprintf(err, err_len, "cluster: empty or too long");
    return -1;
  }
  if (s[0] == '@') { s++; n--; }
  const char *scheme = NULL;
  for (size_t i = 0; i + 2 < n; i++)
    if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') { scheme = s + i; break; }
  if (scheme) {
    ku_copy(tmp, sizeof tmp, s, n);
  } else {
    /* host or short name, maybe with /db */
    size_t hn = 0;
    while (hn < n && s[hn] != '/') hn++;
    bool dotted = memchr(s, '.', hn) != NULL || memchr(s, ':', hn) != NULL;
    char host[300];
    size_t k = 0;
    for (size_t i = 0; i < hn && k + 1 < sizeof host; i++) host[k++] = (char)ku_lc((unsigned char)s[i]);
    host[k] = '\0';
    bool loop = net_host_is_loopback(host) || strncmp(host, "localhost:", 10) == 0 ||
                strncmp(host, "127.", 4) == 0;
    snprintf(tmp, sizeof tmp, "%s://%s%s%.*s", loop ? "http" : "https", host,
             dotted || loop ? "" : ".kusto.windows.net", (int)(n - hn), s + hn);
  }
  net_url u;
  if (net_url_parse(tmp, &u) != NET_OK) {
    snprintf(err, err_len, "cluster: cannot parse '%.*s' as a cluster name or URL", (int)n, s);
    return -1;
  }
  const char *path = u.path;
  size_t base_len = (size_t)(path - tmp);
  ku_copy(out->engine, sizeof out->engine, tmp, base_len);
  /* lower-case scheme and host part for stable journal names */
  for (size_t i = 0; out->engine[i]; i++) out->engine[i] = (char)ku_lc((unsigned char)out->engine[i]);
  if (*path == '/' && path[1] && !out->database[0]) {
    const char *db = path + 1;
    size_t dn = strcspn(db, "/?#");
    ku_copy(out->database, sizeof out->database, db, dn);
  }
  return 0;
}

int ku_endpoints_resolve(const char *cluster, const char *ingest_uri, ku_endpoints *out, char *err,
                         size_t err_len) {
  memset(out, 0, sizeof *out);
  if (!cluster || !*cluster) {
    snprintf(err, err_len, "cluster: missing");
    return -1;
  }
  if (strchr(cluster, '=')) {
    /* Kusto connection string: keyword=value pairs separated by ';' */
    const char *p = cluster;
    bool have_source = false;
    const char *src = NULL;
    size_t src_n = 0;
    while (*p) {
      const char *end = strchr(p, ';');
      size_t n = end ? (size_t)(end - p) : strlen(p);
      const char *eq = memchr(p, '=', n);
      if (eq) {
        size_t kn = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t vn = n - kn - 1;
        while (vn && (*v == ' ' || *v == '\t')) { v++; vn--; }
        while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t')) vn--;
        if (ku_kw_is(p, kn, "data source") || ku_kw_is(p, kn, "addr") ||
            ku_kw_is(p, kn, "address") || ku_kw_is(p, kn, "network address") ||
            ku_kw_is(p, kn, "server")) {
          src = v;
          src_n = vn;
          have_source = true;
        } else if (ku_kw_is(p, kn, "initial catalog") || ku_kw_is(p, kn, "database")) {
          ku_copy(out->database, sizeof out->database, v, vn);
        } else if (ku_kw_is(p, kn, "application client id") || ku_kw_is(p, kn, "appclientid")) {
          ku_copy(out->app_id, sizeof out->app_id, v, vn);
        } else if (ku_kw_is(p, kn, "application key") || ku_kw_is(p, kn, "appkey")) {
          ku_copy(out->app_key, sizeof out->app_key, v, vn);
        } else if (ku_kw_is(p, kn, "authority id") || ku_kw_is(p, kn, "authorityid") ||
                   ku_kw_is(p, kn, "tenantid") || ku_kw_is(p, kn, "tenant id")) {
          ku_copy(out->tenant, sizeof out->tenant, v, vn);
        } else if (ku_kw_is(p, kn, "user token") || ku_kw_is(p, kn, "usertoken") ||
                   ku_kw_is(p, kn, "usrtoken") || ku_kw_is(p, kn, "application token") ||
                   ku_kw_is(p, kn, "apptoken")) {
          ku_copy(out->token, sizeof out->token, v, vn);
        }
        /* Fed=True, AAD Federated Security etc.: Entra ID is always used. */
      } else if (n && !have_source) {
        /* a bare leading URL before the first ';' is the data source */
        src = p;
        src_n = n;
        have_source = true;
      }
      if (!end) break;
      p = end + 1;
    }
    if (!have_source) {
      snprintf(err, err_len, "cluster: connection string has no Data Source");
      return -1;
    }
    char db_keep[256];
    snprintf(db_keep, sizeof db_keep, "%s", out->database);
    if (ku_engine_from(src, src_n, out, err, err_len) != 0) return -1;
    if (db_keep[0]) snprintf(out->database, sizeof out->database, "%s", db_keep);
  } else {
    if (ku_engine_from(cluster, strlen(cluster), out, err, err_len) != 0) return -1;
  }
  if (ingest_uri && *ingest_uri) {
    ku_endpoints tmp;
    memset(&tmp, 0, sizeof tmp);
    if (ku_engine_from(ingest_uri, strlen(ingest_uri), &tmp, err, err_len) != 0) return -1;
    snprintf(out->dm, sizeof out->dm, "%s", tmp.engine);
  } else {
    ku_ingest_url_from_engine(out->engine, out->dm, sizeof out->dm);
  }
  if (net_url_check_policy(out->engine, err, err_len) != NET_OK) return -1;
  if (net_url_check_policy(out->dm, err, err_len) != NET_OK) return -1;
  return 0;
}
