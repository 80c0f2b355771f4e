/* SPDX-License-Identifier: MIT
 * Streaming ingestion transport (kusto-protocol.md section 2): one gzip
 * JSON-lines batch per POST to the engine's /v1/rest/ingest/{db}/{table}
 * with the named mapping. Classification of failures is ku_classify's job. */
#include "kusto/ku_int.h"

#include <stdio.h>
#include <string.h>

int ku_ingest_streaming(ku_conn *c, const char *db, const char *table, const void *gz,
                        size_t gz_len, ku_result *res) {
  char edb[300], etab[300], url[1200];
  net_url_escape(edb, sizeof edb, db, strlen(db));
  net_url_escape(etab, sizeof etab, table, strlen(table));
  snprintf(url, sizeof url, "%s/v1/rest/ingest/%s/%s?streamFormat=json&mappingName=%s",
           c->ep.engine, edb, etab, KU_MAPPING_NAME);
  net_response resp;
  int rc = ku_call(c, "POST", url, "application/octet-stream", "gzip", gz, gz_len, 300000,
                   "E2K.executeStreamingIngest", &resp, res);
  if (rc == 0) net_response_free(&resp);
  return rc;
}
