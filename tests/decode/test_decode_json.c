/* SPDX-License-Identifier: MIT
 * The JSON fast path (dec_event_data_json) must write exactly the text that
 * kv_to_json(dec_event_data(...)) gives, with the same ok/source, for every
 * event of every sample trace (owner: decA). The reference side is the
 * value library's own serializer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "e2k_test.h"
#include "etl/etl.h"
#include "value/value.h"

static const char *const files[] = {
    "Tx/KernelNetwork.etl",          "Tx/Process.etl",
    "Tx/HTTP_Server.etl",            "Tx/WsRm01.etl",
    "Tx/BondEtwSample.etl",          "etl-parser/AMSITrace.etl",
    "etl-parser/lxcore_kernel.etl",  "etl-parser/ShutdownPerfDiagLogger.etl",
    "perfview/primitive-types.etl",  "perfview/SelfDescribingSingleEvent.etl",
    "perfview/gcevents.PerfViewData.etl", "perfview/net.4.5.x86.etl.zip",
    "krabsetw/powershell.etl",
};

static void check_file(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/etl/%s", E2K_TEST_DATA, rel);
  const char *specs[1] = {path};
  char err[512];
  etl_reader *r;
  if (etl_reader_open(&r, specs, 1, NULL, err, sizeof err) != 0) {
    TEST_CHECK_MSG(0, "%s: %s", rel, err);
    return;
  }
  dec_options o;
  memset(&o, 0, sizeof o);
  dec_context *ctx;
  TEST_CHECK(dec_context_new(&ctx, &o, err, sizeof err) == 0);
  const etl_event *ev;
  kv_buf a, b;
  kv_buf_init(&a);
  kv_buf_init(&b);
  long n = 0, same = 0;
  while (etl_reader_next(r, &ev) > 0) {
    dec_observe(ctx, ev);
    bool ok1, ok2;
    dec_source s1, s2;
    kv_value v = dec_event_data(ctx, ev, &s1, &ok1);
    a.len = 0;
    kv_to_json(&a, v);
    kv_release(v);
    b.len = 0;
    dec_event_data_json(ctx, ev, &b, &s2, &ok2);
    n++;
    if (a.len == b.len && memcmp(a.data, b.data, a.len) == 0 && ok1 == ok2 && s1 == s2 && b.data[b.len] == 0) {
      same++;
    } else if (n - same <= 3) {
      fprintf(stderr, "%s event %ld differs:\n  bag : %.*s\n  fast: %.*s\n", rel, n, (int)a.len, a.data,
              (int)b.len, b.data);
    }
  }
  TEST_CHECK_MSG(n > 0 && same == n, "%s: %ld of %ld events identical", rel, same, n);
  kv_buf_free(&a);
  kv_buf_free(&b);
  dec_context_free(ctx);
  etl_reader_close(r);
}

int main(void) {
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) check_file(files[i]);
  return e2k_test_report();
}
