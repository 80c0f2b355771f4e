/* SPDX-License-Identifier: MIT
 * Outcome of one exchange and THE retry classifier: every failure the
 * uploader sees (transport, Kusto OneApiError, storage, Entra) is sorted into
 * retry / re-auth / fall back to queued / permanent by ku_classify and
 * nowhere else. Also the backoff schedule (exponential, full jitter,
 * Retry-After honoured). */
#include "kusto/ku_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ku_result_clear(ku_result *r) { memset(r, 0, sizeof *r); }

void ku_result_prefix(ku_result *r, const char *prefix) {
  size_t pl = strlen(prefix) + 2, cap = sizeof r->msg;
  if (pl >= cap) return;
  size_t ml = strlen(r->msg);
  if (ml + pl >= cap) ml = cap - pl - 1;
  memmove(r->msg + pl, r->msg, ml);
  r->msg[pl + ml] = '\0';
  memcpy(r->msg, prefix, pl - 2);
  r->msg[pl - 2] = ':';
  r->msg[pl - 1] = ' ';
}

static void ku_copy_json_str(char *dst, size_t cap, kv_value bag, const char *key) {
  size_t n = 0;
  const char *s = ku_json_str(bag, key, &n);
  if (!s) return;
  if (n >= cap) n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (dst[i] == '\n' || dst[i] == '\r') dst[i] = ' ';
}

void ku_result_from_response(ku_result *r, const net_response *resp, const char *what) {
  r->net_rc = NET_OK;
  r->http = resp->status;
  r->body_sent = true;
  const char *ra = net_response_header(resp, "Retry-After");
  if (ra) {
    char *end = NULL;
    unsigned long s = strtoul(ra, &end, 10);
    if (end != ra && s < 3600) r->retry_after_ms = (uint32_t)(s * 1000);
  }
  if (resp->status >= 200 && resp->status < 300) return;
  char detail[400] = "";
  kv_value root;
  char jerr[64];
  if (resp->body_len && resp->body[0] == '{' &&
      kv_parse_json(resp->body, resp->body_len, &root, jerr, sizeof jerr) == 0) {
    kv_value e = kv_bag_get(root, "error", 5);
    if (kv_is_bag(e)) { /* OneApiError */
      ku_copy_json_str(r->code, sizeof r->code, e, "code");
      ku_copy_json_str(detail, sizeof detail, e, "@message");
      if (!detail[0]) ku_copy_json_str(detail, sizeof detail, e, "message");
      kv_value p = kv_bag_get(e, "@permanent", 10);
      if (p.type == KV_DYNAMIC && p.dyn == KV_BOOL) {
        r->has_permanent = true;
        r->permanent = p.u.b;
      }
    } else if (e.type == KV_DYNAMIC && e.dyn == KV_STRING) { /* Entra / OAuth error */
      ku_copy_json_str(r->code, sizeof r->code, root, "error");
      ku_copy_json_str(detail, sizeof detail, root, "error_description");
    }
    kv_release(root);
  } else if (resp->body_len && resp->body[0] == '<') {
    /* Azure Storage XML error: <Error><Code>AuthenticationFailed</Code>... */
    const char *c = strstr(resp->body, "<Code>");
    const char *ce = c ? strstr(c, "</Code>") : NULL;
    if (c && ce && (size_t)(ce - c - 6) < sizeof r->code) {
      memcpy(r->code, c + 6, (size_t)(ce - c - 6));
      r->code[ce - c - 6] = '\0';
    }
  }
  /* Kusto's "@message" can carry a long stack; keep the first sentence-ish part. */
  snprintf(r->msg, sizeof r->msg, "%s: HTTP %d%s%s%s%s", what ? what : "request", resp->status,
           r->code[0] ? " " : "", r->code, detail[0] ? ": " : "", detail);
}

void ku_result_from_net(ku_result *r, int net_rc, const char *net_err) {
  r->net_rc = net_rc;
  r->http = 0;
  /* libcurl cannot tell whether the body reached the peer before a reset or
   * a timeout; assume it may have (conservative: counts as ambiguous). */
  r->body_sent = (net_rc == NET_E_TIMEOUT || net_rc == NET_E_IO || net_rc == NET_E_TOO_LARGE);
  snprintf(r->msg, sizeof r->msg, "%s", net_err && *net_err ? net_err : "network error");
}

static bool ku_code_has(const ku_result *r, const char *needle) {
  return r->code[0] && strstr(r->code, needle) != NULL;
}

ku_class ku_classify(const ku_result *r, ku_call_kind kind) {
  if (r->net_rc != NET_OK) {
    switch (r->net_rc) {
    case NET_E_URL:
    case NET_E_TLS:
    case NET_E_CANCELLED: return KU_CLASS_PERMANENT;
    default: return KU_CLASS_RETRY; /* connect, timeout, reset, internal */
    }
  }
  int s = r->http;
  if (s >= 200 && s < 300) return KU_CLASS_OK;
  if (kind == KU_CALL_STREAM) {
    if (s == 404 || s == 413) return KU_CLASS_FALLBACK; /* streaming off for cluster / too large */
    if (ku_code_has(r, "StreamingIngestionPolicyNotEnabled") ||
        ku_code_has(r, "StreamingIngestionDisabledForCluster") || ku_code_has(r, "TooLarge") ||
        ku_code_has(r, "UpdatePolicyIncompatible") ||
        ku_code_has(r, "QuerySchemaDoesNotMatchTableSchema"))
      return KU_CLASS_FALLBACK;
  }
  if (kind == KU_CALL_STORAGE) {
    /* SAS expired/rotated or container gone: refresh resources and retry */
    if (s == 403 || s == 404) return KU_CLASS_RETRY;
  }
  if (s == 401) return kind == KU_CALL_TOKEN ? KU_CLASS_PERMANENT : KU_CLASS_REAUTH;
  if (s == 408 || s == 429) return KU_CLASS_RETRY;
  if (s >= 500) {
    if (r->has_permanent && r->permanent) return KU_CLASS_PERMANENT;
    if (kind == KU_CALL_TOKEN && s == 501) return KU_CLASS_PERMANENT;
    return KU_CLASS_RETRY;
  }
  /* other 4xx: permanent unless the service says otherwise */
  if (r->has_permanent && !r->permanent) return KU_CLASS_RETRY;
  return KU_CLASS_PERMANENT;
}

bool ku_result_ambiguous(const ku_result *r) {
  if (r->net_rc != NET_OK) return r->body_sent;
  return r->http == 502 || r->http == 504;
}

static uint64_t ku_rng_next(uint64_t *s) {
  /* xorshift64*: jitter only, not security */
  uint64_t x = *s ? *s : UINT64_C(0x9E3779B97F4A7C15);
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * UINT64_C(0x2545F4914F6CDD1D);
}

uint32_t ku_backoff_ms(unsigned attempt, uint32_t base_ms, uint32_t retry_after_ms,
                       uint64_t *rng_state) {
  uint64_t max = (uint64_t)base_ms * 30;
  uint64_t cap = base_ms ? base_ms : 1;
  for (unsigned i = 0; i < attempt && cap < max; i++) cap *= 2;
  if (cap > max) cap = max;
  /* full jitter in [cap/2, cap] keeps some spacing while spreading clients */
  uint64_t half = cap / 2;
  uint64_t ms = half + ku_rng_next(rng_state) % (half + 1);
  if (retry_after_ms) {
    uint64_t ra = retry_after_ms > 120000 ? 120000 : retry_after_ms;
    if (ra > ms) ms = ra;
  }
  return (uint32_t)ms;
}
