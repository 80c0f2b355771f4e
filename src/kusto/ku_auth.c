/* SPDX-License-Identifier: MIT
 * Entra ID access tokens for Kusto (kusto-protocol.md section 4): client
 * secret, managed identity (App Service IDENTITY_ENDPOINT or IMDS), Azure CLI,
 * device code, static token, and the default chain (environment secret ->
 * managed identity -> Azure CLI). Tokens stay in memory, are renewed 5 min
 * before expiry, and are never printed or written anywhere. */
#include "kusto/ku_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define KU_KUSTO_CLIENT_APP_ID "db662dc1-0cfe-4e1c-a843-19a68e65be58"
#define KU_RENEW_BEFORE_S 300

struct ku_auth {
  ku_auth_kind kind;    /* requested flow */
  ku_auth_kind active;  /* flow that last produced a token (chain result) */
  char resource[256];   /* e.g. https://kusto.kusto.windows.net */
  char login[256];      /* authority host from metadata; AZURE_AUTHORITY_HOST wins */
  char app_id[128];
  char app_key[256];
  char tenant[128];
  char static_token[4096];
  char token[8192];     /* cached access token (memory only) */
  int64_t expires_unix; /* 0: unknown/never */
  char refresh[8192];   /* device-code refresh token (memory only) */
};

static int64_t ku_now_unix(void) {
  return (plat_now_ticks() - KV_UNIX_EPOCH_TICKS) / KV_TICKS_PER_SECOND;
}

static void ku_setstr(char *dst, size_t cap, const char *a, const char *b) {
  const char *v = (a && *a) ? a : (b && *b) ? b : "";
  snprintf(dst, cap, "%s", v);
}

ku_auth *ku_auth_new(const ku_options *opt, const ku_endpoints *ep, char *err, size_t err_len) {
  ku_auth *a = kv_calloc(1, sizeof *a);
  a->kind = opt->auth;
  snprintf(a->resource, sizeof a->resource, "https://kusto.kusto.windows.net");
  snprintf(a->login, sizeof a->login, "https://login.microsoftonline.com");
  ku_setstr(a->app_id, sizeof a->app_id, opt->app_id, ep->app_id);
  ku_setstr(a->app_key, sizeof a->app_key, opt->app_key, ep->app_key);
  ku_setstr(a->tenant, sizeof a->tenant, opt->tenant, ep->tenant);
  ku_setstr(a->static_token, sizeof a->static_token, opt->token, ep->token);
  if (a->kind == KU_AUTH_DEFAULT && a->static_token[0]) a->kind = KU_AUTH_TOKEN;
  if (a->kind == KU_AUTH_DEFAULT && ep->app_id[0] && ep->app_key[0]) a->kind = KU_AUTH_SECRET;
  if (a->kind == KU_AUTH_TOKEN && !a->static_token[0]) {
    snprintf(err, err_len, "auth:token needs token:<bearer token>");
    goto fail;
  }
  if (a->kind == KU_AUTH_NONE) {
    /* no credentials only against loopback test servers */
    net_url u;
    if (net_url_parse(ep->engine, &u) != NET_OK || !net_host_is_loopback(u.host)) {
      snprintf(err, err_len, "auth:none is only allowed for loopback test servers");
      goto fail;
    }
  }
  a->active = a->kind;
  return a;
fail:
  ku_auth_free(a);
  return NULL;
}

void ku_auth_set_resource(ku_auth *a, const char *resource) {
  snprintf(a->resource, sizeof a->resource, "%s", resource);
  while (strlen(a->resource) && a->resource[strlen(a->resource) - 1] == '/')
    a->resource[strlen(a->resource) - 1] = '\0';
}

void ku_auth_set_login_endpoint(ku_auth *a, const char *login) {
  snprintf(a->login, sizeof a->login, "%s", login);
  while (strlen(a->login) && a->login[strlen(a->login) - 1] == '/')
    a->login[strlen(a->login) - 1] = '\0';
}

void ku_auth_invalidate(ku_auth *a) {
  memset(a->token, 0, sizeof a->token);
  a->expires_unix = 0;
}

void ku_auth_free(ku_auth *a) {
  if (!a) return;
  /* scrub secrets before returning the memory */
  volatile char *p = (volatile char *)a;
  for (size_t i = 0; i < sizeof *a; i++) p[i] = 0;
  free(a);
}

const char *ku_auth_flow_name(const ku_auth *a) {
  static const char *const names[] = {"default", "azcli", "msi", "secret", "device", "token", "none"};
  return names[a->active];
}

/* ---- helpers ---- */

static void ku_form_add(kv_buf *b, const char *key, const char *val) {
  if (b->len) kv_buf_putc(b, '&');
  kv_buf_puts(b, key);
  kv_buf_putc(b, '=');
  size_t n = strlen(val);
  size_t need = net_url_escape(NULL, 0, val, n);
  kv_buf_reserve(b, need + 1);
  net_url_escape(b->data + b->len, need + 1, val, n);
  b->len += need;
}

static const char *ku_authority(const ku_auth *a) {
  const char *h = plat_getenv("AZURE_AUTHORITY_HOST");
  return (h && *h) ? h : a->login;
}

static int64_t ku_json_i64(kv_value bag, const char *key) {
  kv_value v = kv_bag_get(bag, key, strlen(key));
  if (v.type == KV_DYNAMIC && (v.dyn == KV_LONG || v.dyn == KV_INT)) return v.u.i;
  if (v.type == KV_DYNAMIC && v.dyn == KV_REAL) return (int64_t)v.u.r;
  if (v.type == KV_DYNAMIC && v.dyn == KV_STRING) {
    int64_t x = 0;
    for (uint32_t i = 0; i < v.len && v.u.s[i] >= '0' && v.u.s[i] <= '9'; i++)
      x = x * 10 + (v.u.s[i] - '0');
    return x;
  }
  return 0;
}

/* Takes access_token + expires_on/expires_in from a token response body. */
static int ku_take_token(ku_auth *a, const char *body, size_t len, const char *tok_key,
                         ku_result *res) {
  kv_value root;
  char jerr[64];
  if (kv_parse_json(body, len, &root, jerr, sizeof jerr) != 0 || !kv_is_bag(root)) {
    snprintf(res->msg, sizeof res->msg, "token response is not JSON");
    return -1;
  }
  size_t n = 0;
  const char *t = ku_json_str(root, tok_key, &n);
  if (!t || n == 0 || n >= sizeof a->token) {
    kv_release(root);
    snprintf(res->msg, sizeof res->msg, "token response has no %s", tok_key);
    return -1;
  }
  memcpy(a->token, t, n);
  a->token[n] = '\0';
  int64_t now = ku_now_unix();
  int64_t on = ku_json_i64(root, "expires_on");
  int64_t in = ku_json_i64(root, "expires_in");
  a->expires_unix = on > 0 ? on : in > 0 ? now + in : now + 3600;
  const char *r = ku_json_str(root, "refresh_token", &n);
  if (r && n < sizeof a->refresh) {
    memcpy(a->refresh, r, n);
    a->refresh[n] = '\0';
  }
  kv_release(root);
  return 0;
}

/* One HTTP exchange with a token endpoint. */
static int ku_token_http(ku_auth *a, net_client *nc, const char *method, const char *url,
                         const net_header *h, size_t hn, const char *form, uint32_t connect_ms,
                         const char *tok_key, ku_result *res, net_response *keep) {
  net_request rq = {.method = method, .url = url, .headers = h, .header_count = hn,
                    .body = form, .body_len = form ? strlen(form) : 0,
                    .connect_timeout_ms = connect_ms, .timeout_ms = 30000};
  net_response resp;
  char err[300];
  ku_result_clear(res);
  int rc = net_request_do(nc, &rq, &resp, err, sizeof err);
  if (rc != NET_OK) {
    ku_result_from_net(res, rc, err);
    return -1;
  }
  char what[300];
  snprintf(what, sizeof what, "%.*s", (int)strcspn(url, "?"), url);
  ku_result_from_response(res, &resp, what);
  if (resp.status != 200) {
    if (keep) *keep = resp; else net_response_free(&resp);
    return -1;
  }
  int r = tok_key ? ku_take_token(a, resp.body, resp.body_len, tok_key, res) : 0;
  if (keep) *keep = resp; else net_response_free(&resp);
  return r;
}

static int ku_flow_secret(ku_auth *a, net_client *nc, ku_result *res) {
  const char *id = a->app_id[0] ? a->app_id : plat_getenv("AZURE_CLIENT_ID");
  const char *key = a->app_key[0] ? a->app_key : plat_getenv("AZURE_CLIENT_SECRET");
  const char *ten = a->tenant[0] ? a->tenant : plat_getenv("AZURE_TENANT_ID");
  if (!id || !*id || !key || !*key || !ten || !*ten) {
    ku_result_clear(res);
    snprintf(res->msg, sizeof res->msg,
             "client secret: appid/appkey/tenant or AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID not set");
    return 1; /* not configured */
  }
  char url[700];
  snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", ku_authority(a), ten);
  char scope[300];
  snprintf(scope, sizeof scope, "%s/.default", a->resource);
  kv_buf form;
  kv_buf_init(&form);
  ku_form_add(&form, "client_id", id);
  ku_form_add(&form, "client_secret", key);
  ku_form_add(&form, "grant_type", "client_credentials");
  ku_form_add(&form, "scope", scope);
  kv_buf_putc(&form, '\0');
  net_header h[] = {{"Content-Type", "application/x-www-form-urlencoded;charset=utf-8"},
                    {"Accept", "application/json"}};
  int rc = ku_token_http(a, nc, "POST", url, h, 2, form.data, 0, "access_token", res, NULL);
  memset(form.data, 0, form.len); /* holds the secret */
  kv_buf_free(&form);
  if (rc != 0) {
    ku_result_prefix(res, "client secret");
  }
  return rc;
}

static int ku_flow_msi(ku_auth *a, net_client *nc, bool probe, ku_result *res) {
  const char *ie = plat_getenv("IDENTITY_ENDPOINT");
  const char *ih = plat_getenv("IDENTITY_HEADER");
  char url[1024];
  char rq[600];
  size_t n = net_url_escape(rq, sizeof rq, a->resource, strlen(a->resource));
  (void)n;
  char cid[300] = "";
  const char *client = a->app_id[0] ? a->app_id : plat_getenv("AZURE_CLIENT_ID");
  /* user-assigned identity: appid: or AZURE_CLIENT_ID, as DefaultAzureCredential does */
  if (client && *client) {
    char e[200];
    net_url_escape(e, sizeof e, client, strlen(client));
    snprintf(cid, sizeof cid, "&client_id=%s", e);
  }
  net_header h[2];
  const char *what;
  if (ie && *ie && ih && *ih) { /* App Service / Functions / Container Apps */
    snprintf(url, sizeof url, "%s%sapi-version=2019-08-01&resource=%s%s", ie,
             strchr(ie, '?') ? "&" : "?", rq, cid);
    h[0] = (net_header){"X-IDENTITY-HEADER", ih};
    what = "managed identity (App Service IDENTITY_ENDPOINT)";
  } else {
    const char *base = plat_getenv("IMDS_ENDPOINT");
    if (!base || !*base) base = plat_getenv("AZURE_POD_IDENTITY_AUTHORITY_HOST");
    if (!base || !*base) base = "http://169.254.169.254";
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') bl--;
    snprintf(url, sizeof url, "%.*s/metadata/identity/oauth2/token?api-version=2018-02-01&resource=%s%s",
             (int)bl, base, rq, cid);
    h[0] = (net_header){"Metadata", "true"};
    what = "managed identity (IMDS)";
  }
  h[1] = (net_header){"Accept", "application/json"};
  int rc = ku_token_http(a, nc, "GET", url, h, 2, NULL, probe ? 1000 : 5000, "access_token", res,
                         NULL);
  if (rc != 0) {
    ku_result_prefix(res, what);
  }
  return rc;
}

static bool ku_shell_safe(const char *s) {
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '.' || *s == '-' || *s == ':' || *s == '/' || *s == '_'))
      return false;
  return true;
}

static int ku_flow_azcli(ku_auth *a, ku_result *res) {
  ku_result_clear(res);
  const char *ten = a->tenant[0] ? a->tenant : NULL;
  if (!ku_shell_safe(a->resource) || (ten && !ku_shell_safe(ten))) {
    snprintf(res->msg, sizeof res->msg, "Azure CLI: unsafe characters in resource or tenant");
    return -1;
  }
  char cmd[700];
  snprintf(cmd, sizeof cmd, "az account get-access-token --output json --resource %s%s%s%s",
           a->resource, ten ? " --tenant " : "", ten ? ten : "",
#if defined(_WIN32)
           " 2>NUL"
#else
           " 2>/dev/null"
#endif
  );
  char *out = NULL;
  size_t len = 0;
  int code = -1;
  if (plat_run_capture(cmd, &out, &len, &code) != 0 || code != 0) {
    snprintf(res->msg, sizeof res->msg, "Azure CLI: 'az account get-access-token' %s",
             code == 127 || code == 9009 ? "not found (install azure-cli and run 'az login')"
             : code > 0 ? "failed (run 'az login')" : "could not run");
    free(out);
    return -1;
  }
  int rc = ku_take_token(a, out, len, "accessToken", res);
  if (rc == 0) {
    /* expires_on (epoch, az >= 2.54) is parsed above; older az only has
     * expiresOn in local time: then assume a conservative 30 minutes */
    kv_value root;
    char jerr[32];
    if (kv_parse_json(out, len, &root, jerr, sizeof jerr) == 0) {
      if (ku_json_i64(root, "expires_on") <= 0) a->expires_unix = ku_now_unix() + 1800;
      kv_release(root);
    }
  } else {
    snprintf(res->msg, sizeof res->msg, "Azure CLI: unexpected output");
  }
  memset(out, 0, len);
  free(out);
  return rc;
}

static int ku_flow_device(ku_auth *a, net_client *nc, ku_result *res) {
  const char *ten = a->tenant[0] ? a->tenant : "organizations";
  char url[700];
  char scope[400];
  snprintf(scope, sizeof scope, "%s/.default offline_access", a->resource);
  net_header h[] = {{"Content-Type", "application/x-www-form-urlencoded;charset=utf-8"},
                    {"Accept", "application/json"}};
  kv_buf form;
  kv_buf_init(&form);
  int rc;
  if (a->refresh[0]) { /* silent renewal */
    snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", ku_authority(a), ten);
    ku_form_add(&form, "client_id", KU_KUSTO_CLIENT_APP_ID);
    ku_form_add(&form, "grant_type", "refresh_token");
    ku_form_add(&form, "refresh_token", a->refresh);
    ku_form_add(&form, "scope", scope);
    kv_buf_putc(&form, '\0');
    rc = ku_token_http(a, nc, "POST", url, h, 2, form.data, 0, "access_token", res, NULL);
    kv_buf_free(&form);
    if (rc == 0) return 0;
    a->refresh[0] = '\0';
    kv_buf_init(&form);
  }
  snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/devicecode", ku_authority(a), ten);
  ku_form_add(&form, "client_id", KU_KUSTO_CLIENT_APP_ID);
  ku_form_add(&form, "scope", scope);
  kv_buf_putc(&form, '\0');
  net_response dc;
  rc = ku_token_http(a, nc, "POST", url, h, 2, form.data, 0, NULL, res, &dc);
  kv_buf_free(&form);
  if (rc != 0) {
    net_response_free(&dc);
    ku_result_prefix(res, "device code");
    return -1;
  }
  kv_value root;
  char jerr[64];
  if (kv_parse_json(dc.body, dc.body_len, &root, jerr, sizeof jerr) != 0) {
    net_response_free(&dc);
    snprintf(res->msg, sizeof res->msg, "device code: response is not JSON");
    return -1;
  }
  net_response_free(&dc);
  size_t n = 0;
  const char *msg = ku_json_str(root, "message", &n);
  const char *code = ku_json_str(root, "device_code", NULL);
  int64_t interval = ku_json_i64(root, "interval");
  int64_t expires = ku_json_i64(root, "expires_in");
  if (!code) {
    kv_release(root);
    snprintf(res->msg, sizeof res->msg, "device code: no device_code in response");
    return -1;
  }
  if (msg) fprintf(stderr, "%.*s\n", (int)n, msg);
  char *device_code = kv_strndup(code, strlen(code));
  kv_release(root);
  if (interval <= 0) interval = 5;
  if (expires <= 0) expires = 900;
  int64_t deadline = ku_now_unix() + expires;
  snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", ku_authority(a), ten);
  rc = -1;
  while (ku_now_unix() < deadline) {
    kv_buf_init(&form);
    ku_form_add(&form, "grant_type", "urn:ietf:params:oauth:grant-type:device_code");
    ku_form_add(&form, "client_id", KU_KUSTO_CLIENT_APP_ID);
    ku_form_add(&form, "device_code", device_code);
    kv_buf_putc(&form, '\0');
    rc = ku_token_http(a, nc, "POST", url, h, 2, form.data, 0, "access_token", res, NULL);
    kv_buf_free(&form);
    if (rc == 0) break;
    if (strcmp(res->code, "authorization_pending") == 0) {
      plat_sleep_ms((uint32_t)interval * 1000u);
    } else if (strcmp(res->code, "slow_down") == 0) {
      interval += 5;
      plat_sleep_ms((uint32_t)interval * 1000u);
    } else {
      break;
    }
  }
  free(device_code);
  if (rc != 0) {
    ku_result_prefix(res, "device code");
  }
  return rc;
}

static int ku_run_flow(ku_auth *a, ku_auth_kind k, net_client *nc, bool probe, ku_result *res) {
  switch (k) {
  case KU_AUTH_SECRET: return ku_flow_secret(a, nc, res);
  case KU_AUTH_MSI: return ku_flow_msi(a, nc, probe, res);
  case KU_AUTH_AZCLI: return ku_flow_azcli(a, res);
  case KU_AUTH_DEVICE: return ku_flow_device(a, nc, res);
  default: return -1;
  }
}

int ku_auth_token(ku_auth *a, net_client *nc, const char **token, ku_result *res) {
  ku_result_clear(res);
  *token = NULL;
  if (a->kind == KU_AUTH_NONE) return 0;
  if (a->kind == KU_AUTH_TOKEN) {
    *token = a->static_token;
    return 0;
  }
  if (a->token[0] && a->expires_unix - ku_now_unix() > KU_RENEW_BEFORE_S) {
    *token = a->token;
    return 0;
  }
  ku_auth_invalidate(a);
  if (a->kind != KU_AUTH_DEFAULT) {
    int rc = ku_run_flow(a, a->kind, nc, false, res);
    if (rc != 0) {
      if (rc > 0) res->http = 0;
      /* an unconfigured or refused credential is not going to heal by waiting,
       * but a network failure to the token endpoint is */
      return -1;
    }
    *token = a->token;
    return 0;
  }
  /* default chain; after a success keep using that member (like the SDKs) */
  if (a->active != KU_AUTH_DEFAULT) {
    if (ku_run_flow(a, a->active, nc, false, res) == 0) {
      *token = a->token;
      return 0;
    }
    return -1;
  }
  static const ku_auth_kind chain[] = {KU_AUTH_SECRET, KU_AUTH_MSI, KU_AUTH_AZCLI};
  char tried[sizeof res->msg];
  size_t tl = 0;
  tried[0] = '\0';
  bool transient = false;
  for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
    ku_result r;
    ku_result_clear(&r);
    int rc = ku_run_flow(a, chain[i], nc, true, &r);
    if (rc == 0) {
      a->active = chain[i];
      *token = a->token;
      return 0;
    }
    if (chain[i] == KU_AUTH_SECRET && rc < 0 && ku_classify(&r, KU_CALL_TOKEN) == KU_CLASS_RETRY)
      transient = true;
    tl += (size_t)snprintf(tried + tl, tl < sizeof tried ? sizeof tried - tl : 0, "%s%s",
                           i ? "; " : "", r.msg);
  }
  ku_result_clear(res);
  res->net_rc = transient ? NET_E_CONNECT : NET_E_URL; /* classify: retry only if transient */
  snprintf(res->msg, sizeof res->msg, "no Entra ID credential worked (tried %s); pick one with auth:",
           tried);
  return -1;
}
