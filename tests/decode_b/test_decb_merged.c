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

/* net.4.5.2.x64 (compressed merge): 61 EventInfo + 24 EventMapInfo records;
 * every EVENT_HEADER event of the trace must decode, and the providers we
 * ship nothing for (DNS-Client 1001 x4, Kernel-File 12 x562, Kernel-
 * EventTracing 8/9/14: counts from EXPECTED.json) from the merged metadata. */
static const uint8_t KFILE[16] = {0x27, 0x89, 0xd0, 0xed, 0xc4, 0x9c, 0x65, 0x4e,
                                  0xb9, 0x70, 0xc2, 0x56, 0x0f, 0xb5, 0xc2, 0x89};
static void test_net452(void) {
  const char *specs[1] = {E2K_TEST_DATA "/etl/perfview/net.4.5.2.x64.etl.zip"};
  etl_reader *r = NULL;
  char err[256] = "";
  etl_reader_options ro = {.file_order = true};
  TEST_CHECK_MSG(etl_reader_open(&r, specs, 1, &ro, err, sizeof err) == 0, "%s", err);
  if (!r) return;
  dec_context *ctx = NULL;
  dec_options opt = {0};
  TEST_CHECK(dec_context_new(&ctx, &opt, err, sizeof err) == 0);
  const etl_event *ev;
  int events = 0, ok_n = 0, dns = 0, kfile = 0, ket = 0;
  while (etl_reader_next(r, &ev) == 1) {
    dec_observe(ctx, ev);
    if (ev->header_kind != ETL_HT_EVENT) continue;
    events++;
    dec_source src = DEC_SRC_NONE;
    bool ok = false;
    kv_release(dec_event_data(ctx, ev, &src, &ok));
    ok_n += ok;
    bool merged = ok && src == DEC_SRC_MERGED_METADATA;
    if (memcmp(ev->provider_id, DNS, 16) == 0) dns += merged;
    if (memcmp(ev->provider_id, KFILE, 16) == 0) kfile += merged;
    if (memcmp(ev->provider_id, KET, 16) == 0) ket += merged;
  }
  printf("coverage net.4.5.2.x64: EVENT_HEADER %d/%d decoded; merged: DNS %d, Kernel-File %d, "
         "Kernel-EventTracing %d\n", ok_n, events, dns, kfile, ket);
  TEST_EQ_INT(ok_n, events);
  TEST_EQ_INT(dns, 4);
  TEST_EQ_INT(kfile, 562);
  TEST_EQ_INT(ket, 31 + 31 + 15);
  dec_context_free(ctx);
  etl_reader_close(r);
}

int main(void) {
  test_net452();
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
  int dns = 0, dns_ok = 0, ket = 0, ket_ok = 0, iface = 0, mapped = 0, sockaddr = 0, dns_enabled = 0;
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
      if (ev->event_id == 1001) {
        /* DynamicAddress goes through DnsIpTypeMap, which the trace's own
         * EventMapInfo record defines as {0: "static", 1: "dynamic"}. */
        kv_buf t;
        kv_buf_init(&t);
        kv_to_text(&t, kv_bag_get(d, "DynamicAddress", 14));
        kv_buf_putc(&t, 0);
        if (strcmp(t.data, "static") == 0 || strcmp(t.data, "dynamic") == 0) mapped++;
        t.len = 0;
        kv_to_text(&t, kv_bag_get(d, "Address", 7)); /* SOCKETADDRESS out-type -> "a.b.c.d:port" */
        kv_buf_putc(&t, 0);
        int a, b, c, e, port;
        if (sscanf(t.data, "%d.%d.%d.%d:%d", &a, &b, &c, &e, &port) == 5) sockaddr++;
        kv_buf_free(&t);
      }
      dec_names nm;
      dec_event_names(ctx, ev, &nm);
      snprintf(provider, sizeof provider, "%s", nm.provider);
      snprintf(ename, sizeof ename, "%s", nm.event_name);
    } else {
      ket++;
      ket_ok += good;
      if (ev->event_id == 14) { /* "Provider %1 has been enabled to session %2" */
        kv_buf t;
        kv_buf_init(&t);
        kv_to_text(&t, kv_bag_get(d, "ProviderName", 12));
        kv_buf_putc(&t, 0);
        if (strcmp(t.data, "1c95126e-7eea-49a9-a3fe-a378b03ddb4d") == 0) dns_enabled++;
        kv_buf_free(&t);
      }
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
  TEST_EQ_INT(mapped, 3);
  TEST_EQ_INT(sockaddr, 3);
  TEST_CHECK(dns_enabled >= 1); /* the DNS-Client provider, whose events the trace has, was enabled */
  TEST_EQ_STR(provider, "Microsoft-Windows-DNS-Client");
  dec_context_free(ctx);
  etl_reader_close(r);
  return e2k_test_report();
}
