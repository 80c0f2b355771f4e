/* SPDX-License-Identifier: MIT
 * Fuzz target for everything the Kusto uploader parses from outside: error
 * bodies (OneApiError JSON, Entra errors, storage XML) and Retry-After,
 * v1 response tables (.show tables / .get ingestion resources shapes),
 * cluster strings / connection strings, and URLs. Must never crash, leak
 * or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kusto/ku_int.h"
#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  char *s = malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  /* error body + Retry-After header */
  net_header h[] = {{"Retry-After", s}};
  net_response resp = {(int)(400 + (size % 200)), h, 1, s, size};
  ku_result r;
  ku_result_clear(&r);
  ku_result_from_response(&r, &resp, "fuzz");
  (void)ku_classify(&r, KU_CALL_STREAM);
  (void)ku_classify(&r, KU_CALL_STORAGE);
  (void)ku_result_ambiguous(&r);
  ku_result_prefix(&r, "prefix");
  /* v1 tables */
  kv_value root;
  char err[128];
  if (kv_parse_json(s, size, &root, err, sizeof err) == 0) {
    for (size_t t = 0; t < 3; t++) {
      kv_value tab = ku_v1_table(root, t);
      int c1 = ku_v1_col(tab, "TableName");
      int c2 = ku_v1_col(tab, "StorageRoot");
      size_t rows = ku_v1_row_count(tab);
      for (size_t i = 0; i < rows && i < 64; i++) {
        size_t n = 0;
        (void)ku_v1_cell_str(tab, i, c1, &n);
        (void)ku_v1_cell_str(tab, i, c2, &n);
      }
    }
    size_t n = 0;
    (void)ku_json_str(root, "access_token", &n);
    kv_release(root);
  }
  /* cluster / connection strings and URLs (NUL-terminated prefix) */
  ku_endpoints ep;
  (void)ku_endpoints_resolve(s, (size % 3 == 0) ? s : NULL, &ep, err, sizeof err);
  net_url u;
  (void)net_url_parse(s, &u);
  (void)net_host_is_loopback(s);
  char esc[64];
  (void)net_url_escape(esc, sizeof esc, s, size);
  free(s);
  return 0;
}
