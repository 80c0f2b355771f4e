/* SPDX-License-Identifier: MIT
 * provider:NAME|GUID[:keywords[:level]] parsing, GUID text parsing and the
 * TraceLogging name-hash GUID. Expected GUIDs are the name/GUID pairs printed
 * in Microsoft's TRACELOGGING_DEFINE_PROVIDER documentation examples. */
#include "platform/etw_realtime.h"

#include <string.h>

#include "e2k_test.h"

static void guid_text(const uint8_t g[16], char out[37]) {
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3],
           g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
           g[15]);
}

static void test_name_guid(void) {
  uint8_t g[16];
  char t[37];
  plat_etw_name_guid("MyCompany.MyComponent", g);
  guid_text(g, t);
  TEST_EQ_STR(t, "ce5fa4ea-ab00-5402-8b76-9f76ac858fb5");
  plat_etw_name_guid("SimpleTraceLoggingProvider", g);
  guid_text(g, t);
  TEST_EQ_STR(t, "0205c616-cf97-5c11-9756-56a2cee02ca7");
  /* The hash upper-cases the name first. */
  plat_etw_name_guid("simpletraceloggingprovider", g);
  guid_text(g, t);
  TEST_EQ_STR(t, "0205c616-cf97-5c11-9756-56a2cee02ca7");
}

static void test_parse_guid(void) {
  uint8_t g[16];
  char t[37];
  TEST_CHECK(plat_etw_parse_guid("{7dd42a49-5329-4832-8dfd-43d979153a88}", 38, g));
  guid_text(g, t);
  TEST_EQ_STR(t, "7dd42a49-5329-4832-8dfd-43d979153a88");
  /* Windows byte order: Data1 little-endian first. */
  TEST_EQ_INT(g[0], 0x49);
  TEST_EQ_INT(g[3], 0x7d);
  TEST_EQ_INT(g[4], 0x29);
  TEST_EQ_INT(g[8], 0x8d);
  TEST_CHECK(plat_etw_parse_guid("7DD42A49-5329-4832-8DFD-43D979153A88", 36, g));
  TEST_CHECK(!plat_etw_parse_guid("7dd42a49-5329-4832-8dfd-43d979153a8", 35, g));
  TEST_CHECK(!plat_etw_parse_guid("7dd42a49x5329-4832-8dfd-43d979153a88", 36, g));
  TEST_CHECK(!plat_etw_parse_guid("7dd42a49-5329-4832-8dfd-43d979153a8g", 36, g));
}

static void test_parse_provider(void) {
  plat_etw_provider p;
  char err[256];
  TEST_EQ_INT(plat_etw_parse_provider("Microsoft-Windows-TCPIP", &p, err, sizeof err), 0);
  TEST_EQ_STR(p.name, "Microsoft-Windows-TCPIP");
  TEST_CHECK(!p.has_guid);
  TEST_CHECK(p.keywords == UINT64_MAX);
  TEST_EQ_INT(p.level, 5);

  TEST_EQ_INT(plat_etw_parse_provider("{7dd42a49-5329-4832-8dfd-43d979153a88}:0x10:4", &p, err,
                                      sizeof err), 0);
  TEST_CHECK(p.has_guid);
  TEST_EQ_INT(p.guid[0], 0x49);
  TEST_CHECK(p.keywords == 0x10);
  TEST_EQ_INT(p.level, 4);

  TEST_EQ_INT(plat_etw_parse_provider("Foo:0xffffffffffffffff:error", &p, err, sizeof err), 0);
  TEST_CHECK(p.keywords == UINT64_MAX);
  TEST_EQ_INT(p.level, 2);
  TEST_EQ_INT(plat_etw_parse_provider("Foo::verbose", &p, err, sizeof err), 0);
  TEST_CHECK(p.keywords == UINT64_MAX);
  TEST_EQ_INT(p.level, 5);
  TEST_EQ_INT(plat_etw_parse_provider("Foo:12", &p, err, sizeof err), 0);
  TEST_CHECK(p.keywords == 12);

  TEST_EQ_INT(plat_etw_parse_provider("", &p, err, sizeof err), -1);
  TEST_EQ_INT(plat_etw_parse_provider(":1", &p, err, sizeof err), -1);
  TEST_EQ_INT(plat_etw_parse_provider("Foo:zz", &p, err, sizeof err), -1);
  TEST_CHECK(strstr(err, "keywords") != NULL);
  TEST_EQ_INT(plat_etw_parse_provider("Foo:1:0", &p, err, sizeof err), -1);
  TEST_EQ_INT(plat_etw_parse_provider("Foo:1:256", &p, err, sizeof err), -1);
  TEST_EQ_INT(plat_etw_parse_provider("Foo:1:5:6", &p, err, sizeof err), -1);
  TEST_EQ_INT(plat_etw_parse_provider("Foo:0x1ffffffffffffffff", &p, err, sizeof err), -1);
}

int main(void) {
  TEST_RUN(test_name_guid);
  TEST_RUN(test_parse_guid);
  TEST_RUN(test_parse_provider);
  return e2k_test_report();
}
