/* SPDX-License-Identifier: MIT
 * Unit tests for src/net and src/kusto pieces that need no server: URL
 * policy, cluster/connection-string resolution, option table, the retry
 * classifier and backoff, gzip (checked by zlib's inflate), base64 (RFC 4648
 * vectors), datetime text, JSON rows, and journal salvage after a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "e2k_test.h"
#include "kusto/ku_int.h"
#include "net/net.h"
#include "platform/platform.h"

static void test_net_policy(void) {
  net_url u;
  TEST_EQ_INT(net_url_parse("https://Help.Kusto.Windows.net:8443/db?x=1", &u), 0);
  TEST_EQ_STR(u.host, "help.kusto.windows.net");
  TEST_EQ_INT(u.port, 8443);
  TEST_EQ_STR(u.path, "/db?x=1");
  TEST_EQ_INT(net_url_parse("http://[::1]:99/", &u), 0);
  TEST_EQ_STR(u.host, "::1");
  TEST_EQ_INT(net_url_parse("ftp://x", &u), NET_E_URL);
  TEST_EQ_INT(net_url_parse("https://user:pw@host/", &u), NET_E_URL);
  TEST_EQ_INT(net_url_parse("https://host:0/", &u), NET_E_URL);
  TEST_CHECK(net_host_is_loopback("127.0.0.1"));
  TEST_CHECK(net_host_is_loopback("127.1.2.3"));
  TEST_CHECK(net_host_is_loopback("localhost"));
  TEST_CHECK(net_host_is_loopback("::1"));
  TEST_CHECK(!net_host_is_loopback("127.0.0.1.evil.com"));
  TEST_CHECK(!net_host_is_loopback("10.0.0.1"));
  char err[200];
  TEST_EQ_INT(net_url_check_policy("http://127.0.0.1:8080/x", err, sizeof err), 0);
  TEST_EQ_INT(net_url_check_policy("http://cdoc.kusto.windows.net", err, sizeof err), NET_E_URL);
  TEST_EQ_INT(net_url_check_policy("https://cdoc.kusto.windows.net", err, sizeof err), 0);
  char esc[64];
  TEST_EQ_INT(net_url_escape(esc, sizeof esc, "a b/c~", 6), 10);
  TEST_EQ_STR(esc, "a%20b%2Fc~");
}

static void test_endpoints(void) {
  ku_endpoints ep;
  char err[300];
  TEST_EQ_INT(ku_endpoints_resolve("CDOC", NULL, &ep, err, sizeof err), 0);
  TEST_EQ_STR(ep.engine, "https://cdoc.kusto.windows.net");
  TEST_EQ_STR(ep.dm, "https://ingest-cdoc.kusto.windows.net");
  TEST_EQ_INT(ku_endpoints_resolve("@help/Samples", NULL, &ep, err, sizeof err), 0);
  TEST_EQ_STR(ep.engine, "https://help.kusto.windows.net");
  TEST_EQ_STR(ep.database, "Samples");
  TEST_EQ_INT(ku_endpoints_resolve("https://mycluster.westeurope.kusto.windows.net/", NULL, &ep, err,
                                   sizeof err), 0);
  TEST_EQ_STR(ep.dm, "https://ingest-mycluster.westeurope.kusto.windows.net");
  TEST_EQ_INT(ku_endpoints_resolve("https://trd-abc.z1.kusto.fabric.microsoft.com", NULL, &ep, err,
                                   sizeof err), 0);
  TEST_EQ_STR(ep.dm, "https://ingest-trd-abc.z1.kusto.fabric.microsoft.com");
  TEST_EQ_INT(ku_endpoints_resolve("https://ingest-x.kusto.windows.net", NULL, &ep, err, sizeof err), 0);
  TEST_EQ_STR(ep.dm, "https://ingest-x.kusto.windows.net");
  TEST_EQ_INT(ku_endpoints_resolve("http://127.0.0.1:8080", NULL, &ep, err, sizeof err), 0);
  TEST_EQ_STR(ep.dm, "http://127.0.0.1:8080"); /* IP hosts get no ingest- prefix */
  TEST_EQ_INT(ku_endpoints_resolve("http://127.0.0.1:8080", "http://127.0.0.1:8081", &ep, err,
                                   sizeof err), 0);
  TEST_EQ_STR(ep.dm, "http://127.0.0.1:8081");
  TEST_EQ_INT(ku_endpoints_resolve(
                  "Data Source=https://help.kusto.windows.net;Initial Catalog=Samples;Fed=True;"
                  "AppClientId=app1;AppKey=sec;Authority Id=contoso.com",
                  NULL, &ep, err, sizeof err), 0);
  TEST_EQ_STR(ep.engine, "https://help.kusto.windows.net");
  TEST_EQ_STR(ep.database, "Samples");
  TEST_EQ_STR(ep.app_id, "app1");
  TEST_EQ_STR(ep.app_key, "sec");
  TEST_EQ_STR(ep.tenant, "contoso.com");
  TEST_EQ_INT(ku_endpoints_resolve("http://cdoc.kusto.windows.net", NULL, &ep, err, sizeof err), -1);
  TEST_EQ_INT(ku_endpoints_resolve("Initial Catalog=x", NULL, &ep, err, sizeof err), -1);
}

static void test_options(void) {
  ku_options o;
  memset(&o, 0, sizeof o);
  char err[200];
  TEST_EQ_INT(ku_options_set(&o, "Cluster", "CDOC", err, sizeof err), 1);
  TEST_EQ_STR(o.cluster, "CDOC");
  TEST_EQ_INT(ku_options_set(&o, "auth", "msi", err, sizeof err), 1);
  TEST_EQ_INT(o.auth, KU_AUTH_MSI);
  TEST_EQ_INT(ku_options_set(&o, "reset", "false", err, sizeof err), 1);
  TEST_EQ_INT(o.reset, KU_RESET_FALSE);
  TEST_EQ_INT(ku_options_set(&o, "ingest", "queued", err, sizeof err), 1);
  TEST_EQ_INT(o.ingest, KU_INGEST_QUEUED);
  TEST_EQ_INT(ku_options_set(&o, "batch", "5", err, sizeof err), 1);
  TEST_EQ_INT(o.batch_seconds, 5);
  TEST_EQ_INT(ku_options_set(&o, "batch", "-1", err, sizeof err), -1);
  TEST_EQ_INT(ku_options_set(&o, "auth", "magic", err, sizeof err), -1);
  TEST_CHECK(strstr(err, "azcli") != NULL);
  TEST_EQ_INT(ku_options_set(&o, "file", "x.etl", err, sizeof err), 0);
  int n = 0;
  for (const ku_option_info *i = ku_option_table; i->key; i++) n++;
  TEST_EQ_INT(n, 17);
}

static ku_result mk(int net, int http, bool has_perm, bool perm, const char *code) {
  ku_result r;
  ku_result_clear(&r);
  r.net_rc = net;
  r.http = http;
  r.has_permanent = has_perm;
  r.permanent = perm;
  snprintf(r.code, sizeof r.code, "%s", code);
  return r;
}

static void test_classify(void) {
  ku_result r;
  r = mk(0, 200, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_STREAM), KU_CLASS_OK);
  r = mk(0, 429, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_STREAM), KU_CLASS_RETRY);
  r = mk(0, 500, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_RETRY);
  r = mk(0, 500, true, true, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_PERMANENT);
  r = mk(0, 400, true, true, "BadRequest_SyntaxError"); TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_PERMANENT);
  r = mk(0, 400, true, false, "x"); TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_RETRY);
  r = mk(0, 401, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_REAUTH);
  r = mk(0, 403, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_PERMANENT);
  r = mk(0, 403, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_STORAGE), KU_CLASS_RETRY);
  r = mk(0, 404, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_STREAM), KU_CLASS_FALLBACK);
  r = mk(0, 413, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_STREAM), KU_CLASS_FALLBACK);
  r = mk(0, 400, true, true, "BadRequest_StreamingIngestionPolicyNotEnabled");
  TEST_EQ_INT(ku_classify(&r, KU_CALL_STREAM), KU_CLASS_FALLBACK);
  TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_PERMANENT);
  r = mk(NET_E_TIMEOUT, 0, false, false, ""); r.body_sent = true;
  TEST_EQ_INT(ku_classify(&r, KU_CALL_STREAM), KU_CLASS_RETRY);
  TEST_CHECK(ku_result_ambiguous(&r));
  r = mk(NET_E_CONNECT, 0, false, false, "");
  TEST_EQ_INT(ku_classify(&r, KU_CALL_STREAM), KU_CLASS_RETRY);
  TEST_CHECK(!ku_result_ambiguous(&r));
  r = mk(NET_E_TLS, 0, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_PERMANENT);
  r = mk(NET_E_URL, 0, false, false, ""); TEST_EQ_INT(ku_classify(&r, KU_CALL_MGMT), KU_CLASS_PERMANENT);
  /* backoff: within [cap/2, cap], doubling, capped at 30 s; Retry-After wins */
  uint64_t rng = 42;
  for (unsigned a = 0; a < 10; a++) {
    uint32_t cap = 1000u << (a < 5 ? a : 5);
    if (cap > 30000) cap = 30000;
    uint32_t ms = ku_backoff_ms(a, 1000, 0, &rng);
    TEST_CHECK_MSG(ms >= cap / 2 && ms <= cap, "attempt %u: %u not in [%u,%u]", a, ms, cap / 2, cap);
  }
  TEST_EQ_INT(ku_backoff_ms(0, 1000, 7000, &rng), 7000);
  TEST_EQ_INT(ku_backoff_ms(0, 1000, 999999, &rng), 120000);
  /* a OneApiError body is parsed */
  net_header h[] = {{"Retry-After", "3"}};
  char body[] = "{\"error\":{\"code\":\"General_BadRequest\",\"message\":\"m\",\"@message\":\"detailed\","
                "\"@permanent\":true}}";
  net_response resp = {400, h, 1, body, sizeof body - 1};
  ku_result_clear(&r);
  ku_result_from_response(&r, &resp, "mgmt");
  TEST_EQ_STR(r.code, "General_BadRequest");
  TEST_CHECK(r.has_permanent && r.permanent);
  TEST_EQ_INT(r.retry_after_ms, 3000);
  TEST_CHECK(strstr(r.msg, "HTTP 400 General_BadRequest: detailed") != NULL);
}

static void test_codecs(void) {
  kv_buf b;
  kv_buf_init(&b);
  /* RFC 4648 section 10 vectors */
  const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; i++) {
    b.len = 0;
    ku_base64(&b, in[i], strlen(in[i]));
    kv_buf_putc(&b, '\0');
    TEST_EQ_STR(b.data, out[i]);
  }
  /* gzip round trip through zlib's independent inflate */
  kv_buf src, gz;
  kv_buf_init(&src);
  kv_buf_init(&gz);
  for (int i = 0; i < 20000; i++) kv_buf_printf(&src, "{\"Id\":%d,\"Text\":\"row %d\"}\n", i, i * 7);
  TEST_EQ_INT(ku_gzip(src.data, src.len, 1, &gz), 0);
  TEST_CHECK(gz.len > 18 && (unsigned char)gz.data[0] == 0x1f && (unsigned char)gz.data[1] == 0x8b);
  TEST_CHECK(gz.len < src.len / 4);
  z_stream z;
  memset(&z, 0, sizeof z);
  TEST_EQ_INT(inflateInit2(&z, 15 + 16), Z_OK);
  char *dec = malloc(src.len + 16);
  z.next_in = (Bytef *)gz.data;
  z.avail_in = (uInt)gz.len;
  z.next_out = (Bytef *)dec;
  z.avail_out = (uInt)(src.len + 16);
  TEST_EQ_INT(inflate(&z, Z_FINISH), Z_STREAM_END);
  TEST_EQ_INT(z.total_out, src.len);
  TEST_CHECK(memcmp(dec, src.data, src.len) == 0);
  inflateEnd(&z);
  free(dec);
  kv_buf_free(&src);
  kv_buf_free(&gz);
  /* datetime text: 2012-06-19T20:33:52.8135944Z = 634757348328135944 ticks */
  b.len = 0;
  ku_format_datetime_fast(&b, INT64_C(634757348328135944));
  kv_buf_putc(&b, '\0');
  TEST_EQ_STR(b.data, "\"2012-06-19T20:33:52.8135944Z\"");
  b.len = 0;
  ku_format_datetime_fast(&b, KV_UNIX_EPOCH_TICKS);
  kv_buf_putc(&b, '\0');
  TEST_EQ_STR(b.data, "\"1970-01-01T00:00:00.0000000Z\"");
  b.len = 0;
  ku_format_datetime_fast(&b, 0);
  kv_buf_putc(&b, '\0');
  TEST_EQ_STR(b.data, "\"0001-01-01T00:00:00.0000000Z\"");
  b.len = 0;
  ku_format_datetime_fast(&b, INT64_C(630822816000000000)); /* 2000-01-01 */
  kv_buf_putc(&b, '\0');
  TEST_EQ_STR(b.data, "\"2000-01-01T00:00:00.0000000Z\"");
  b.len = 0;
  ku_format_datetime_fast(&b, INT64_C(630823680000000000)); /* 2000-01-02 */
  kv_buf_putc(&b, '\0');
  TEST_EQ_STR(b.data, "\"2000-01-02T00:00:00.0000000Z\"");
  b.len = 0;
  ku_format_datetime_fast(&b, INT64_C(630874656000000000)); /* 2000-03-01 (leap year) */
  kv_buf_putc(&b, '\0');
  TEST_EQ_STR(b.data, "\"2000-03-01T00:00:00.0000000Z\"");
  /* names and strings */
  b.len = 0;
  ku_quote_name(&b, "Plain_1");
  kv_buf_putc(&b, ' ');
  ku_quote_name(&b, "with space's");
  kv_buf_putc(&b, '\0');
  TEST_EQ_STR(b.data, "Plain_1 ['with space\\'s']");
  /* a JSON row */
  kv_column cols[] = {{"A", KV_LONG}, {"B b", KV_STRING}, {"C", KV_BOOL}, {"D", KV_DATETIME},
                      {"E", KV_REAL}};
  kv_schema s = {cols, 5};
  ku_rowfmt f;
  ku_rowfmt_init(&f, &s);
  kv_value v[5] = {kv_long(-42), kv_string("q\"\n", 3), kv_bool(true), kv_null(KV_DATETIME),
                   kv_real(1.5)};
  b.len = 0;
  ku_rowfmt_row(&f, &b, v, 5);
  kv_buf_putc(&b, '\0');
  TEST_EQ_STR(b.data, "{\"A\":-42,\"B b\":\"q\\\"\\n\",\"C\":true,\"D\":null,\"E\":1.5}\n");
  kv_release(v[1]);
  ku_rowfmt_free(&f);
  kv_buf_free(&b);
}

/* Deletes two emptied journal directories (each holds only destination.txt
 * and lock) and their root, through the platform layer (Windows cannot
 * delete open files: the journals are closed first). */
static void remove_journal_dirs(char dirs[2][700], const char *root) {
  for (int i = 0; i < 2; i++) {
    char p[760];
    snprintf(p, sizeof p, "%s/destination.txt", dirs[i]);
    TEST_EQ_INT(plat_remove(p), 0);
    snprintf(p, sizeof p, "%s/lock", dirs[i]);
    TEST_EQ_INT(plat_remove(p), 0);
    TEST_EQ_INT(plat_remove(dirs[i]), 0);
  }
  TEST_EQ_INT(plat_remove(root), 0);
}

static void test_journal(void) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/e2k-kusto-unit-%u", plat_getenv("TMPDIR") ? plat_getenv("TMPDIR") : "/tmp",
           (unsigned)(plat_monotonic_ns() & 0xFFFFFF));
  char err[300];
  ku_journal *j = ku_journal_open(dir, "https://x", "db", "t", err, sizeof err);
  TEST_CHECK(j != NULL);
  if (!j) return;
  uint64_t a = ku_journal_next_id(j), b = ku_journal_next_id(j);
  TEST_EQ_INT(ku_journal_append_open(j, a, "r1\nr2\n", 6), 0);
  TEST_EQ_INT(ku_journal_seal(j, a, err, sizeof err), 0);
  TEST_EQ_INT(ku_journal_append_open(j, b, "r3\nr4-partial", 13), 0);
  ku_journal_close(j); /* like a crash: b is still .open, its last line cut */
  j = ku_journal_open(dir, "https://x", "db", "t", err, sizeof err);
  uint64_t *ids = NULL;
  size_t n = 0;
  TEST_EQ_INT(ku_journal_pending(j, &ids, &n), 0);
  TEST_EQ_INT(n, 2);
  if (n == 2) {
    kv_buf x;
    kv_buf_init(&x);
    TEST_EQ_INT(ku_journal_read(j, ids[0], &x), 0);
    TEST_CHECK(x.len == 6 && memcmp(x.data, "r1\nr2\n", 6) == 0);
    x.len = 0;
    TEST_EQ_INT(ku_journal_read(j, ids[1], &x), 0);
    TEST_CHECK(x.len == 3 && memcmp(x.data, "r3\n", 3) == 0);
    kv_buf_free(&x);
    TEST_CHECK(ku_journal_next_id(j) > ids[1]);
    ku_journal_ack(j, ids[0]);
    ku_journal_ack(j, ids[1]);
  }
  free(ids);
  TEST_EQ_INT((int)ku_journal_bytes(j), 0);
  ku_journal_close(j);
  j = ku_journal_open(dir, "https://x", "db", "t", err, sizeof err);
  TEST_EQ_INT(ku_journal_pending(j, &ids, &n), 0);
  TEST_EQ_INT(n, 0);
  free(ids);
  /* another destination gets another directory */
  ku_journal *k = ku_journal_open(dir, "https://x", "db", "other", err, sizeof err);
  TEST_CHECK(strcmp(ku_journal_dir(j), ku_journal_dir(k)) != 0);
  /* clean up: each destination directory holds only destination.txt now.
   * Close first (Windows cannot delete open files), and delete through the
   * platform, whose plat_remove also removes empty directories on every OS. */
  char dirs[2][700];
  snprintf(dirs[0], sizeof dirs[0], "%s", ku_journal_dir(j));
  snprintf(dirs[1], sizeof dirs[1], "%s", ku_journal_dir(k));
  ku_journal_close(k);
  ku_journal_close(j);
  remove_journal_dirs(dirs, dir);
}

/* Two runs to one destination at once: the second gets its own slot and
 * never sees the first one's open batch as a leftover; once neither runs,
 * the next run adopts what both left. */
static void test_journal_concurrent_runs(void) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/e2k-kusto-lock-%u", plat_getenv("TMPDIR") ? plat_getenv("TMPDIR") : "/tmp",
           (unsigned)(plat_monotonic_ns() & 0xFFFFFF));
  char err[300];
  ku_journal *a = ku_journal_open(dir, "https://x", "db", "t", err, sizeof err);
  TEST_CHECK(a != NULL);
  if (!a) return;
  uint64_t ida = ku_journal_next_id(a);
  TEST_EQ_INT(ku_journal_append_open(a, ida, "a1\n", 3), 0); /* a's batch in progress */
  ku_journal *b = ku_journal_open(dir, "https://x", "db", "t", err, sizeof err);
  TEST_CHECK(b != NULL);
  if (!b) {
    ku_journal_close(a);
    return;
  }
  TEST_CHECK(strcmp(ku_journal_dir(a), ku_journal_dir(b)) != 0);
  uint64_t *ids = NULL;
  size_t n = 9;
  TEST_EQ_INT(ku_journal_pending(b, &ids, &n), 0);
  TEST_EQ_INT(n, 0); /* a's open batch is not b's to re-send */
  free(ids);
  uint64_t idb = ku_journal_next_id(b);
  TEST_EQ_INT(ku_journal_append_open(b, idb, "b1\nb2\n", 6), 0);
  TEST_EQ_INT(ku_journal_seal(b, idb, err, sizeof err), 0);
  char dirs[2][700];
  snprintf(dirs[0], sizeof dirs[0], "%s", ku_journal_dir(a));
  snprintf(dirs[1], sizeof dirs[1], "%s", ku_journal_dir(b));
  ku_journal_close(b); /* b ends with a sealed batch unsent */
  ku_journal_close(a); /* a "crashes" with its batch open */
  ku_journal *c = ku_journal_open(dir, "https://x", "db", "t", err, sizeof err);
  TEST_CHECK(c != NULL);
  if (!c) return;
  TEST_EQ_STR(ku_journal_dir(c), dirs[0]); /* the first slot is free again */
  TEST_EQ_INT(ku_journal_pending(c, &ids, &n), 0);
  TEST_EQ_INT(n, 2);
  kv_buf all;
  kv_buf_init(&all);
  for (size_t i = 0; i < n; i++) {
    TEST_EQ_INT(ku_journal_read(c, ids[i], &all), 0);
    ku_journal_ack(c, ids[i]);
  }
  kv_buf_putc(&all, '\0');
  /* both runs' rows, each once (order: a's id was smaller than the adopted one) */
  TEST_EQ_STR(all.data, "a1\nb1\nb2\n");
  kv_buf_free(&all);
  free(ids);
  TEST_EQ_INT((int)ku_journal_bytes(c), 0);
  ku_journal_close(c);
  remove_journal_dirs(dirs, dir);
}

int main(void) {
  TEST_RUN(test_net_policy);
  TEST_RUN(test_endpoints);
  TEST_RUN(test_options);
  TEST_RUN(test_classify);
  TEST_RUN(test_codecs);
  TEST_RUN(test_journal);
  TEST_RUN(test_journal_concurrent_runs);
  return e2k_test_report();
}
