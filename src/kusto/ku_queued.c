/* SPDX-License-Identifier: MIT
 * Queued ingestion transport (kusto-protocol.md section 3): DM resources
 * (.get ingestion resources, .get kusto identity token; cached 1 h, re-read
 * after a storage failure), blob PUT with the container SAS, then a base64
 * JSON message on the ready-for-aggregation queue. The enqueue's 201 is the
 * durability point: only then may the caller drop the batch. */
#include "kusto/ku_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define KU_MAX_RES 16

struct ku_queued {
  char *queues[KU_MAX_RES];     /* SecuredReadyForAggregationQueue URLs with SAS */
  size_t queue_count;
  char *containers[KU_MAX_RES]; /* TempStorage container URLs with SAS */
  size_t container_count;
  char *auth_context;           /* .get kusto identity token */
  uint64_t fetched_ns;          /* monotonic time of the fetch; 0 = stale */
  size_t rr;                    /* round-robin cursor */
};

ku_queued *ku_queued_new(void) { return kv_calloc(1, sizeof(ku_queued)); }

static void ku_queued_clear(ku_queued *q) {
  for (size_t i = 0; i < q->queue_count; i++) free(q->queues[i]);
  for (size_t i = 0; i < q->container_count; i++) free(q->containers[i]);
  free(q->auth_context);
  q->queue_count = q->container_count = 0;
  q->auth_context = NULL;
  q->fetched_ns = 0;
}

void ku_queued_free(ku_queued *q) {
  if (!q) return;
  ku_queued_clear(q);
  free(q);
}

static int ku_queued_refresh(ku_conn *c, ku_queued *q, ku_result *res) {
  ku_queued_clear(q);
  kv_value root;
  if (ku_mgmt(c, true, "NetDefaultDB", ".get ingestion resources", &root, res) != 0) return -1;
  kv_value t = ku_v1_table(root, 0);
  int ct = ku_v1_col(t, "ResourceTypeName");
  int cs = ku_v1_col(t, "StorageRoot");
  for (size_t r = 0; r < ku_v1_row_count(t); r++) {
    size_t tn = 0, sn = 0;
    const char *type = ku_v1_cell_str(t, r, ct, &tn);
    const char *root_url = ku_v1_cell_str(t, r, cs, &sn);
    if (!type || !root_url) continue;
    char *u = kv_strndup(root_url, sn);
    char err[200];
    if (net_url_check_policy(u, err, sizeof err) != NET_OK) { /* http storage off loopback */
      free(u);
      continue;
    }
    if (tn == 31 && memcmp(type, "SecuredReadyForAggregationQueue", 31) == 0 &&
        q->queue_count < KU_MAX_RES)
      q->queues[q->queue_count++] = u;
    else if (tn == 11 && memcmp(type, "TempStorage", 11) == 0 && q->container_count < KU_MAX_RES)
      q->containers[q->container_count++] = u;
    else
      free(u);
  }
  kv_release(root);
  if (!q->queue_count || !q->container_count) {
    ku_result_clear(res);
    res->http = 400;
    snprintf(res->msg, sizeof res->msg,
             ".get ingestion resources: no usable queue/container on %s", c->ep.dm);
    return -1;
  }
  if (ku_mgmt(c, true, "NetDefaultDB", ".get kusto identity token", &root, res) != 0) return -1;
  t = ku_v1_table(root, 0);
  size_t an = 0;
  const char *ac = ku_v1_cell_str(t, 0, ku_v1_col(t, "AuthorizationContext"), &an);
  if (ac) q->auth_context = kv_strndup(ac, an);
  kv_release(root);
  if (!q->auth_context) {
    ku_result_clear(res);
    res->http = 400;
    snprintf(res->msg, sizeof res->msg, ".get kusto identity token: no AuthorizationContext");
    return -1;
  }
  q->fetched_ns = plat_monotonic_ns();
  return 0;
}

/* Storage request (no Kusto token: the SAS authorises). */
static int ku_storage(ku_conn *c, const char *method, const char *url, const net_header *extra,
                      size_t extra_n, const void *body, size_t len, const char *what,
                      ku_result *res) {
  net_header h[8];
  size_t n = 0;
  h[n++] = (net_header){"x-ms-version", "2021-08-06"};
  for (size_t i = 0; i < extra_n && n < 8; i++) h[n++] = extra[i];
  net_request rq = {.method = method, .url = url, .headers = h, .header_count = n, .body = body,
                    .body_len = len, .timeout_ms = 300000, .cancel = c->cancel};
  net_response resp;
  char err[400];
  ku_result_clear(res);
  int rc = net_request_do(c->net, &rq, &resp, err, sizeof err);
  if (rc != NET_OK) {
    ku_result_from_net(res, rc, err);
    return -1;
  }
  /* never echo the SAS: name the operation, not the URL */
  ku_result_from_response(res, &resp, what);
  int ok = resp.status >= 200 && resp.status < 300;
  net_response_free(&resp);
  return ok ? 0 : -1;
}

static void ku_iso_now(kv_buf *b) { kv_format_datetime(b, plat_now_ticks()); }

int ku_ingest_queued(ku_conn *c, ku_queued *q, const char *db, const char *table,
                     const void *gz, size_t gz_len, size_t raw_len, ku_result *res) {
  uint64_t now = plat_monotonic_ns();
  if (!q->fetched_ns || now - q->fetched_ns > UINT64_C(3600) * 1000000000u) {
    if (ku_queued_refresh(c, q, res) != 0) return -1;
  }
  size_t pick = q->rr++;
  const char *cont = q->containers[pick % q->container_count];
  const char *queue = q->queues[pick % q->queue_count];
  char id[37];
  ku_uuid(c, id);
  const char *qm = strchr(cont, '?');
  size_t base = qm ? (size_t)(qm - cont) : strlen(cont);
  kv_buf blob;
  kv_buf_init(&blob);
  kv_buf_append(&blob, cont, base);
  kv_buf_putc(&blob, '/');
  char enc[300];
  char name[700];
  snprintf(name, sizeof name, "%s__%s__%s.json.gz", db, table, id);
  net_url_escape(enc, sizeof enc, name, strlen(name));
  kv_buf_puts(&blob, enc);
  if (qm) kv_buf_puts(&blob, qm);
  kv_buf_putc(&blob, '\0');
  net_header bh[] = {{"x-ms-blob-type", "BlockBlob"}, {"Content-Type", "application/octet-stream"}};
  int rc = ku_storage(c, "PUT", blob.data, bh, 2, gz, gz_len, "blob upload", res);
  if (rc != 0) {
    q->fetched_ns = 0; /* SAS may have rotated: re-read resources on the retry */
    kv_buf_free(&blob);
    return -1;
  }
  /* the queue message (kusto-protocol.md 3.4) */
  kv_buf m;
  kv_buf_init(&m);
  kv_buf_puts(&m, "{\"Id\":\"");
  kv_buf_puts(&m, id);
  kv_buf_puts(&m, "\",\"BlobPath\":");
  kv_buf_json_string(&m, blob.data, strlen(blob.data));
  kv_buf_printf(&m, ",\"RawDataSize\":%llu,\"DatabaseName\":", (unsigned long long)raw_len);
  kv_buf_json_string(&m, db, strlen(db));
  kv_buf_puts(&m, ",\"TableName\":");
  kv_buf_json_string(&m, table, strlen(table));
  kv_buf_puts(&m, ",\"RetainBlobOnSuccess\":true,\"FlushImmediately\":true,"
                  "\"IgnoreSizeLimit\":false,\"ReportLevel\":0,\"ReportMethod\":0,"
                  "\"SourceMessageCreationTime\":\"");
  ku_iso_now(&m);
  kv_buf_puts(&m, "\",\"ApplicationForTracing\":\"etw2kusto\","
                  "\"ClientVersionForTracing\":\"Kusto.etw2kusto:{0.1.0}\","
                  "\"AdditionalProperties\":{\"authorizationContext\":");
  kv_buf_json_string(&m, q->auth_context, strlen(q->auth_context));
  kv_buf_puts(&m, ",\"format\":\"json\",\"ingestionMappingReference\":\"" KU_MAPPING_NAME
                  "\",\"ingestionMappingType\":\"Json\"}}");
  kv_buf xml;
  kv_buf_init(&xml);
  kv_buf_puts(&xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessage><MessageText>");
  ku_base64(&xml, m.data, m.len);
  kv_buf_puts(&xml, "</MessageText></QueueMessage>");
  kv_buf qurl;
  kv_buf_init(&qurl);
  const char *qq = strchr(queue, '?');
  kv_buf_append(&qurl, queue, qq ? (size_t)(qq - queue) : strlen(queue));
  kv_buf_puts(&qurl, "/messages");
  if (qq) kv_buf_puts(&qurl, qq);
  kv_buf_putc(&qurl, '\0');
  net_header qh[] = {{"Content-Type", "application/xml"}};
  rc = ku_storage(c, "POST", qurl.data, qh, 1, xml.data, xml.len, "queue message", res);
  if (rc != 0) q->fetched_ns = 0;
  kv_buf_free(&qurl);
  kv_buf_free(&xml);
  kv_buf_free(&m);
  kv_buf_free(&blob);
  return rc;
}
