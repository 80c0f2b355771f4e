/* SPDX-License-Identifier: MIT
 * Merged-trace metadata (decode part B): in perfview/net.4.5.x86.etl.zip the
 * PerfView merge embedded TRACE_EVENT_INFO records (class bbccf6c1, opcode
 * 32) for Microsoft-Windows-DNS-Client and Microsoft-Windows-Kernel-
 * EventTracing, for which we ship no manifest. Every event of those
 * providers must decode from that metadata (counts: EXPECTED.json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "e2k_test.h"
#include "etl/etl.h"

static const uint8_t DNS[16] = {0x6e, 0x12, 0x95, 0x1c, 0xea, 0x7e, 0xa9, 0x49,
                                0xa3, 0xfe, 0xa3, 0x78, 0xb0, 0x3d, 0xdb, 0x4d};
static const uint8_t KET[16] = {0x37, 0xec, 0x75, 0xb6, 0xb6, 0xbd, 0x48, 0x46,
                                0xbc, 0x92, 0xf3, 0xfd, 0xc7, 0x4d, 0x3c, 0xa2};

int main(void) {
  const char *specs[1] = {E2K_TEST_DATA "/etl/perfview/net.4.5.x86.etl.zip"};
  etl_reader *r = NULL;
  char err[256] = "";
  etl_reader_options ro = {.file_order = true};
  TEST_CHECK_MSG(etl_reader_open(&r, specs, 1, &ro, err, sizeof err) == 0, "%s", err);
  if (!r) return e2k_test_report();
  dec_context *ctx = NULL;
  dec_options opt = {0};
  TEST_CHECK(dec_context_new(&ctx, &opt, err, sizeof err) == 0);
  const etl_event *ev;
  int dns = 0, dns_ok = 0, ket = 0, ket_ok = 0, iface = 0;
  char provider[128] = "", ename[128] = "";
  while (etl_reader_next(r, &ev) == 1) {
    dec_observe(ctx, ev);
    bool is_dns = memcmp(ev->provider_id, DNS, 16) == 0, is_ket = memcmp(ev->provider_id, KET, 16) == 0;
    if (!is_dns && !is_ket) continue;
    dec_source src = DEC_SRC_NONE;
    bool ok = false;
    kv_value d = dec_event_data(ctx, ev, &src, &ok);
    bool good = ok && src == DEC_SRC_MERGED_METADATA;
    if (is_dns) {
      dns++;
      dns_ok += good;
      if (ev->event_id == 1001 && kv_bag_has(d, "Interface", 9) && kv_bag_has(d, "Address", 7)) iface++;
      dec_names nm;
      dec_event_names(ctx, ev, &nm);
      snprintf(provider, sizeof provider, "%s", nm.provider);
      snprintf(ename, sizeof ename, "%s", nm.event_name);
    } else {
      ket++;
      ket_ok += good;
    }
    kv_release(d);
  }
  printf("coverage net.4.5.x86 merged metadata: DNS-Client %d/%d, Kernel-EventTracing %d/%d\n", dns_ok,
         dns, ket_ok, ket);
  TEST_EQ_INT(dns, 4);        /* EXPECTED.json: 1001 x3, 1019 x1 */
  TEST_EQ_INT(dns_ok, dns);
  TEST_EQ_INT(ket, 43 + 39 + 2 + 7); /* ids 8, 9, 11, 14 */
  TEST_EQ_INT(ket_ok, ket);
  TEST_EQ_INT(iface, 3);
  TEST_EQ_STR(provider, "Microsoft-Windows-DNS-Client");
  dec_context_free(ctx);
  etl_reader_close(r);
  return e2k_test_report();
}
