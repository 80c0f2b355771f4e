/* SPDX-License-Identifier: MIT
 * The authenticated connection to one cluster: request headers as the SDKs
 * send them (kusto-protocol.md 1.2), the one-time cloud metadata probe,
 * token attach + single re-auth on 401, management commands on the engine
 * or DM endpoint, and helpers to read v1 response tables. One thread. */
#include "kusto/ku_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define KU_CLIENT_VERSION "Kusto.etw2kusto:{0.1.0}"

int ku_conn_init(ku_conn *c, const ku_options *opt, const ku_endpoints *ep, char *err,
                 size_t err_len) {
  memset(c, 0, sizeof *c);
  c->ep = *ep;
  c->net = net_client_new();
  if (!c->net) {
    snprintf(err, err_len, "cannot initialise the HTTP client");
    return -1;
  }
  c->auth = ku_auth_new(opt, ep, err, err_len);
  if (!c->auth) {
    net_client_free(c->net);
    c->net = NULL;
    return -1;
  }
  plat_random_bytes(&c->rng, sizeof c->rng);
  return 0;
}

void ku_conn_close(ku_conn *c) {
  ku_auth_free(c->auth);
  net_client_free(c->net);
  c->auth = NULL;
  c->net = NULL;
}

void ku_uuid(ku_conn *c, char out[37]) {
  uint8_t g[16];
  if (plat_random_bytes(g, sizeof g) != 0) {
    for (int i = 0; i < 16; i++) {
      c->rng = c->rng * UINT64_C(6364136223846793005) + 1442695040888963407u;
      g[i] = (uint8_t)(c->rng >> 56);
    }
  }
  g[6] = (uint8_t)((g[6] & 0x0F) | 0x40);
  g[8] = (uint8_t)((g[8] & 0x3F) | 0x80);
  static const char hx[] = "0123456789abcdef";
  int k = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
    out[k++] = hx[g[i] >> 4];
    out[k++] = hx[g[i] & 15];
  }
  out[k] = '\0';
}

const char *ku_json_str(kv_value bag, const char *key, size_t *len) {
  if (!kv_is_bag(bag)) return NULL;
  kv_value v = kv_bag_get(bag, key, strlen(key));
  if (v.type != KV_DYNAMIC || v.dyn != KV_STRING) return NULL;
  if (len) *len = v.len;
  return v.u.s;
}

kv_value ku_v1_table(kv_value root, size_t idx) {
  kv_value tables = kv_is_bag(root) ? kv_bag_get(root, "Tables", 6) : kv_dyn_null();
  if (!kv_is_array(tables) || idx >= kv_array_count(tables)) return kv_dyn_null();
  return kv_array_get(tables, idx);
}

int ku_v1_col(kv_value table, const char *name) {
  if (!kv_is_bag(table)) return -1;
  kv_value cols = kv_bag_get(table, "Columns", 7);
  if (!kv_is_array(cols)) return -1;
  size_t n = kv_array_count(cols);
  for (size_t i = 0; i < n; i++) {
    size_t l = 0;
    const char *s = ku_json_str(kv_array_get(cols, i), "ColumnName", &l);
    if (s && l == strlen(name) && memcmp(s, name, l) == 0) return (int)i;
  }
  return -1;
}

size_t ku_v1_row_count(kv_value table) {
  if (!kv_is_bag(table)) return 0;
  kv_value rows = kv_bag_get(table, "Rows", 4);
  return kv_is_array(rows) ? kv_array_count(rows) : 0;
}

const char *ku_v1_cell_str(kv_value table, size_t row, int col, size_t *len) {
  if (col < 0 || row >= ku_v1_row_count(table)) return NULL;
  kv_value r = kv_array_get(kv_bag_get(table, "Rows", 4), row);
  if (!kv_is_array(r) || (size_t)col >= kv_array_count(r)) return NULL;
  kv_value v = kv_array_get(r, (size_t)col);
  if (v.type != KV_DYNAMIC || v.dyn != KV_STRING) return NULL;
  if (len) *len = v.len;
  return v.u.s;
}

static uint32_t ku_env_timeout(uint32_t dflt) {
  const char *t = plat_getenv("E2K_KUSTO_TIMEOUT_MS"); /* tests shorten timeouts */
  if (t && *t) {
    unsigned long v = strtoul(t, NULL, 10);
    if (v > 0 && v < 3600000ul) return (uint32_t)v;
  }
  return dflt;
}

/* GET /v1/rest/auth/metadata once; a failure keeps the public-cloud defaults. */
static void ku_fetch_metadata(ku_conn *c) {
  c->metadata_done = true;
  char url[600];
  snprintf(url, sizeof url, "%s/v1/rest/auth/metadata", c->ep.engine);
  net_header h[] = {{"Accept", "application/json"}};
  net_request rq = {.method = "GET", .url = url, .headers = h, .header_count = 1,
                    .timeout_ms = ku_env_timeout(20000), .cancel = c->cancel};
  net_response resp;
  char err[256];
  if (net_request_do(c->net, &rq, &resp, err, sizeof err) != NET_OK) return;
  kv_value root;
  char jerr[64];
  if (resp.status == 200 && kv_parse_json(resp.body, resp.body_len, &root, jerr, sizeof jerr) == 0) {
    kv_value aad = kv_bag_get(root, "AzureAD", 7);
    size_t n = 0;
    const char *res = ku_json_str(aad, "KustoServiceResourceId", &n);
    if (res && n > 0 && n < 200) {
      char buf[256];
      snprintf(buf, sizeof buf, "%.*s", (int)n, res);
      kv_value mfa = kv_bag_get(aad, "LoginMfaRequired", 16);
      if (mfa.type == KV_DYNAMIC && mfa.dyn == KV_BOOL && mfa.u.b) {
        char *k = strstr(buf, ".kusto.");
        if (k) {
          char tail[256];
          snprintf(tail, sizeof tail, "%s", k + 7);
          snprintf(k, sizeof buf - (size_t)(k - buf), ".kustomfa.%s", tail);
        }
      }
      ku_auth_set_resource(c->auth, buf);
    }
    const char *login = ku_json_str(aad, "LoginEndpoint", &n);
    if (login && n > 0 && n < 200) {
      char buf[256];
      snprintf(buf, sizeof buf, "%.*s", (int)n, login);
      ku_auth_set_login_endpoint(c->auth, buf);
    }
    kv_release(root);
  }
  net_response_free(&resp);
}

int ku_call(ku_conn *c, const char *method, const char *url, const char *content_type,
            const char *content_encoding, const void *body, size_t body_len,
            uint32_t timeout_ms, const char *req_prefix, net_response *resp, ku_result *res) {
  ku_result_clear(res);
  memset(resp, 0, sizeof *resp);
  if (!c->metadata_done) ku_fetch_metadata(c);
  for (int attempt = 0; attempt < 2; attempt++) {
    const char *tok = NULL;
    if (ku_auth_token(c->auth, c->net, &tok, res) != 0) return -1;
    char authz[4200];
    char rid[128];
    char uuid[37];
    ku_uuid(c, uuid);
    snprintf(rid, sizeof rid, "%s;%s", req_prefix ? req_prefix : "E2K.execute", uuid);
    net_header h[10];
    size_t n = 0;
    if (tok) {
      snprintf(authz, sizeof authz, "Bearer %s", tok);
      h[n++] = (net_header){"Authorization", authz};
    }
    h[n++] = (net_header){"Accept", "application/json"};
    if (content_type) h[n++] = (net_header){"Content-Type", content_type};
    if (content_encoding) h[n++] = (net_header){"Content-Encoding", content_encoding};
    h[n++] = (net_header){"x-ms-client-request-id", rid};
    h[n++] = (net_header){"x-ms-client-version", KU_CLIENT_VERSION};
    h[n++] = (net_header){"x-ms-app", "etw2kusto"};
    h[n++] = (net_header){"x-ms-version", "2024-12-12"};
    net_request rq = {.method = method, .url = url, .headers = h, .header_count = n,
                      .body = body, .body_len = body_len,
                      .timeout_ms = ku_env_timeout(timeout_ms), .cancel = c->cancel};
    char err[400];
    int rc = net_request_do(c->net, &rq, resp, err, sizeof err);
    ku_result_clear(res);
    if (rc != NET_OK) {
      ku_result_from_net(res, rc, err);
      return -1;
    }
    ku_result_from_response(res, resp, url);
    if (resp->status >= 200 && resp->status < 300) return 0;
    net_response_free(resp);
    if (ku_classify(res, KU_CALL_MGMT) == KU_CLASS_REAUTH && attempt == 0 && tok) {
      ku_auth_invalidate(c->auth); /* token expired or revoked: fetch a new one once */
      continue;
    }
    return -1;
  }
  return -1;
}

int ku_mgmt(ku_conn *c, bool dm, const char *db, const char *csl, kv_value *out, ku_result *res) {
  *out = kv_dyn_null();
  kv_buf body;
  kv_buf_init(&body);
  kv_buf_puts(&body, "{\"db\":");
  kv_buf_json_string(&body, db, strlen(db));
  kv_buf_puts(&body, ",\"csl\":");
  kv_buf_json_string(&body, csl, strlen(csl));
  kv_buf_puts(&body, ",\"properties\":{\"Options\":{\"servertimeout\":\"00:02:00\"}}}");
  char url[600];
  snprintf(url, sizeof url, "%s/v1/rest/mgmt", dm ? c->ep.dm : c->ep.engine);
  net_response resp;
  int rc = ku_call(c, "POST", url, "application/json; charset=utf-8", NULL, body.data, body.len,
                   150000, "E2K.execute", &resp, res);
  kv_buf_free(&body);
  if (rc != 0) {
    /* name the command so the user sees what failed */
    char head[80];
    snprintf(head, sizeof head, "%.60s%s", csl, strlen(csl) > 60 ? "..." : "");
    ku_result_prefix(res, head);
    return -1;
  }
  char jerr[128];
  if (kv_parse_json(resp.body, resp.body_len, out, jerr, sizeof jerr) != 0) {
    snprintf(res->msg, sizeof res->msg, "%.60s: response is not JSON (%s)", csl, jerr);
    res->http = 0;
    res->net_rc = NET_E_IO; /* treat a garbled body as transient */
    net_response_free(&resp);
    return -1;
  }
  net_response_free(&resp);
  return 0;
}
