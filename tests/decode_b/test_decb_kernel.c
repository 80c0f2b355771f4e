/* SPDX-License-Identifier: MIT
 * Kernel MOF, EventTrace header and merged-metadata decoding (decode part B)
 * through the public decode.h API over the sample traces. Independent truth:
 * tests/data/etl/EXPECTED.json (logfile-header facts, per-provider counts),
 * file-name/PID consistency inside each trace, the syzygy test tool's file
 * names, and the merged traces' own TRACE_EVENT_INFO records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "e2k_test.h"
#include "etl/etl.h"
#include "value/value.h"

#define DATA E2K_TEST_DATA "/etl/"

typedef struct run_stats {
  int events, by_src[DEC_SRC_COUNT], ok_by_src[DEC_SRC_COUNT];
  int json_mismatch; /* dec_event_data_json != kv_to_json(dec_event_data) */
} run_stats;

typedef void (*event_cb)(void *ud, const etl_event *ev, kv_value data, dec_source src, bool ok,
                         dec_context *ctx);

static int run_file(const char *rel, event_cb cb, void *ud, run_stats *rs) {
  char path[512];
  snprintf(path, sizeof path, DATA "%s", rel);
  const char *specs[1] = {path};
  etl_reader_options ro = {.file_order = true};
  etl_reader *r = NULL;
  char err[256] = "";
  memset(rs, 0, sizeof *rs);
  if (etl_reader_open(&r, specs, 1, &ro, err, sizeof err) != 0) {
    TEST_CHECK_MSG(false, "%s: %s", rel, err);
    return -1;
  }
  dec_context *ctx = NULL;
  dec_options opt = {0};
  if (dec_context_new(&ctx, &opt, err, sizeof err) != 0) {
    TEST_CHECK_MSG(false, "context: %s", err);
    etl_reader_close(r);
    return -1;
  }
  const etl_event *ev;
  while (etl_reader_next(r, &ev) == 1) {
    dec_observe(ctx, ev);
    dec_source src = DEC_SRC_NONE;
    bool ok = false;
    kv_value d = dec_event_data(ctx, ev, &src, &ok);
    kv_buf j1, j2;
    kv_buf_init(&j1);
    kv_buf_init(&j2);
    kv_to_json(&j1, d);
    dec_source src2 = DEC_SRC_NONE;
    bool ok2 = false;
    dec_event_data_json(ctx, ev, &j2, &src2, &ok2);
    if (j1.len != j2.len || (j1.len && memcmp(j1.data, j2.data, j1.len) != 0) || src2 != src || ok2 != ok)
      rs->json_mismatch++;
    kv_buf_free(&j1);
    kv_buf_free(&j2);
    rs->events++;
    rs->by_src[src]++;
    if (ok) rs->ok_by_src[src]++;
    if (cb) cb(ud, ev, d, src, ok, ctx);
    kv_release(d);
  }
  dec_context_free(ctx);
  etl_reader_close(r);
  return 0;
}

static kv_value field(kv_value bag, const char *name) { return kv_bag_get(bag, name, strlen(name)); }

static bool field_i64(kv_value bag, const char *name, int64_t *out) {
  kv_value v = kv_from_dynamic(field(bag, name));
  kv_type t = kv_scalar_type(v);
  bool ok = (t == KV_LONG || t == KV_INT) && !kv_is_null(v);
  if (ok) *out = v.u.i;
  if (t == KV_STRING && v.len > 2 && v.u.s[0] == '0' && v.u.s[1] == 'x') { /* hex out-types */
    char tmp[32];
    size_t n = v.len < sizeof tmp - 1 ? v.len : sizeof tmp - 1;
    memcpy(tmp, v.u.s, n);
    tmp[n] = 0;
    *out = (int64_t)strtoull(tmp, NULL, 16);
    ok = true;
  }
  kv_release(v);
  return ok;
}

/* Text of a field (string value, or JSON text of anything else); caller frees. */
static char *field_text(kv_value bag, const char *name) {
  kv_buf b;
  kv_buf_init(&b);
  kv_to_text(&b, field(bag, name));
  kv_buf_putc(&b, 0);
  return b.data;
}

static bool ends_with_ci(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  if (a < b) return false;
  for (size_t i = 0; i < b; i++) {
    char x = s[a - b + i], y = suf[i];
    if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/* ---- logfile header record vs EXPECTED.json ---- */

typedef struct header_expect {
  const char *file;
  int64_t pointer_size, cpus, os_build, cpu_mhz, timer_res, log_file_mode, buffers, perf_freq,
      clock_type, events_lost;
  const char *logger_name, *start_utc, *end_utc;
} header_expect;

/* Values copied from tests/data/etl/EXPECTED.json. */
static const header_expect header_cases[] = {
    {"etl-parser/ShutdownPerfDiagLogger.etl", 8, 2, 18362, 1992, 156250, 0x02000080, 49, 10000000, 1, 0,
     "PerfDiag Logger", "2020-02-28T09:03:47.7445790Z", "2020-02-28T17:15:53.4159885Z"},
    {"findneedle/wppstr-sample.etl", 8, 16, 26200, 3294, 156250, 0, 2, 10000000, 1, 0, "FN_WppStr",
     "2026-07-31T08:51:22.1713885Z", "2026-07-31T08:51:22.3580900Z"},
    {"syzygy/log_lib/image_data_32_v0.etl", 4, 16, 7600, 2394, 156001, 1, 3, 2337949, 1, 0,
     "Make Test Data Session", "2011-05-02T12:56:39.4691628Z", "2011-05-02T12:56:41.4743569Z"},
};

typedef struct header_ud {
  const header_expect *x;
  int seen;
} header_ud;

static void check_ft(kv_value d, const char *name, const char *want) {
  kv_value v = kv_from_dynamic(field(d, name));
  kv_type t = kv_scalar_type(v);
  TEST_CHECK_MSG(t == KV_DATETIME, "%s is not a datetime", name); /* FILETIME -> datetime */
  kv_buf b;
  kv_buf_init(&b);
  if (t == KV_DATETIME) kv_format_datetime(&b, v.u.i);
  kv_buf_putc(&b, 0);
  TEST_EQ_STR(b.data, want);
  kv_buf_free(&b);
  kv_release(v);
}

static void header_cb(void *ud, const etl_event *ev, kv_value d, dec_source src, bool ok,
                      dec_context *ctx) {
  header_ud *h = ud;
  if (!(ev->is_kernel_hook && ev->hook_id == 0x0000)) return;
  h->seen++;
  const header_expect *x = h->x;
  TEST_EQ_INT(src, DEC_SRC_HEADER);
  TEST_CHECK(ok);
  int64_t v = -1;
#define HDR(name, want) v = -1; TEST_CHECK_MSG(field_i64(d, name, &v) && v == (want), "%s: %s=%lld want %lld", x->file, name, (long long)v, (long long)(want))
  HDR("PointerSize", x->pointer_size);
  HDR("NumberOfProcessors", x->cpus);
  HDR("ProviderVersion", x->os_build);
  HDR("CPUSpeed", x->cpu_mhz);
  HDR("TimerResolution", x->timer_res);
  HDR("LogFileMode", x->log_file_mode);
  HDR("BuffersWritten", x->buffers);
  HDR("PerfFreq", x->perf_freq);
  HDR("ReservedFlags", x->clock_type);
  HDR("EventsLost", x->events_lost);
#undef HDR
  char *name = field_text(d, "SessionNameString");
  TEST_EQ_STR(name, x->logger_name);
  free(name);
  /* TIME_ZONE_INFORMATION: standard name is a tzres.dll resource reference
   * on Windows 7+ ("@tzres.dll,-NNN"), and the padding stays hidden. */
  char *tz = field_text(d, "TimeZoneStandardName");
  TEST_CHECK_MSG(strncmp(tz, "@tzres.dll,-", 12) == 0, "TimeZoneStandardName \"%s\"", tz);
  free(tz);
  TEST_CHECK(!kv_bag_has(d, "Padding", 7));
  check_ft(d, "StartTime", x->start_utc);
  check_ft(d, "EndTime", x->end_utc);
  dec_names nm;
  dec_event_names(ctx, ev, &nm);
  TEST_EQ_STR(nm.event_name, "EventTrace/Header");
}

static void test_logfile_header(void) {
  for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
    header_ud h = {&header_cases[i], 0};
    run_stats rs;
    run_file(header_cases[i].file, header_cb, &h, &rs);
    TEST_EQ_INT(h.seen, 1);
    TEST_EQ_INT(rs.json_mismatch, 0);
  }
}

/* ---- ShutdownPerfDiagLogger: processes and image loads ---- */

#define MAX_PIDS 4096
typedef struct kernel_ud {
  uint32_t pids[MAX_PIDS];
  int pid_count;
  int images, image_named, image_pid_known, image_pid_zero;
  int procs, procs_named, threads, threads_ok;
  int hooks_ok[0x1500], hooks[0x1500];
  uint32_t image_pids[16384];
  int image_pid_n;
} kernel_ud;

static void kernel_cb(void *ud, const etl_event *ev, kv_value d, dec_source src, bool ok,
                      dec_context *ctx) {
  kernel_ud *k = ud;
  (void)ctx;
  if (ev->is_kernel_hook && ev->hook_id < 0x1500) {
    k->hooks[ev->hook_id]++;
    if (ok && src != DEC_SRC_NONE) k->hooks_ok[ev->hook_id]++;
  }
  uint8_t group = (uint8_t)(ev->hook_id >> 8), type = (uint8_t)ev->hook_id;
  int64_t pid = -1;
  if (group == 0x03 && (type == 1 || type == 3 || type == 2 || type == 4)) {
    k->procs++;
    if (field_i64(d, "ProcessId", &pid) && k->pid_count < MAX_PIDS) k->pids[k->pid_count++] = (uint32_t)pid;
    char *n = field_text(d, "ImageFileName");
    if (ends_with_ci(n, ".exe") || strcmp(n, "System") == 0 || strcmp(n, "Idle") == 0 ||
        strcmp(n, "Registry") == 0 || strcmp(n, "Secure System") == 0 || strcmp(n, "MemCompression") == 0)
      k->procs_named++;
    else
      fprintf(stderr, "process name: \"%s\"\n", n);
    free(n);
  }
  if ((group == 0x14 && (type == 2 || type == 3 || type == 4 || type == 10)) || (group == 0x03 && type == 10)) {
    k->images++;
    char *n = field_text(d, "FileName");
    if (ends_with_ci(n, ".dll") || ends_with_ci(n, ".exe") || ends_with_ci(n, ".sys") ||
        ends_with_ci(n, ".drv") || ends_with_ci(n, ".mui") || ends_with_ci(n, ".cpl") ||
        ends_with_ci(n, ".ocx") || ends_with_ci(n, ".ax") || ends_with_ci(n, ".winmd") ||
        ends_with_ci(n, ".node") || ends_with_ci(n, ".tlb") || ends_with_ci(n, ".com"))
      k->image_named++;
    else if (k->images - k->image_named < 5)
      fprintf(stderr, "image name: \"%s\"\n", n);
    free(n);
    if (field_i64(d, "ProcessId", &pid) && k->image_pid_n < 16384) k->image_pids[k->image_pid_n++] = (uint32_t)pid;
  }
  if (group == 0x05 && type >= 1 && type <= 4) {
    k->threads++;
    if (ok) k->threads_ok++;
  }
}

static void test_shutdown_kernel(void) {
  static kernel_ud k;
  memset(&k, 0, sizeof k);
  run_stats rs;
  run_file("etl-parser/ShutdownPerfDiagLogger.etl", kernel_cb, &k, &rs);
  TEST_EQ_INT(rs.events, 17078); /* EXPECTED.json events */
  TEST_EQ_INT(rs.json_mismatch, 0); /* JSON fast path agrees with the bag */
  /* every image-load PID is one of the trace's process ids (or 0 = kernel images) */
  for (int i = 0; i < k.image_pid_n; i++) {
    bool found = k.image_pids[i] == 0;
    for (int j = 0; j < k.pid_count && !found; j++) found = k.pids[j] == k.image_pids[i];
    if (found) k.image_pid_known++;
    if (k.image_pids[i] == 0) k.image_pid_zero++;
  }
  printf("coverage ShutdownPerfDiagLogger: events=%d header=%d/%d kernel-mof=%d/%d none=%d\n", rs.events,
         rs.ok_by_src[DEC_SRC_HEADER], rs.by_src[DEC_SRC_HEADER], rs.ok_by_src[DEC_SRC_KERNEL_MOF],
         rs.by_src[DEC_SRC_KERNEL_MOF], rs.by_src[DEC_SRC_NONE]);
  printf("  processes=%d named=%d pids=%d images=%d named=%d pid-consistent=%d (pid 0: %d) threads=%d ok=%d\n",
         k.procs, k.procs_named, k.pid_count, k.images, k.image_named, k.image_pid_known, k.image_pid_zero,
         k.threads, k.threads_ok);
  /* hook counts from EXPECTED.json kernel_hooks */
  TEST_EQ_INT(k.procs, 60 + 94 + 37);
  TEST_EQ_INT(k.images, 72 + 4791 + 6745 + 2145);
  TEST_EQ_INT(k.threads, 350 + 1032 + 1175 + 501);
  TEST_EQ_INT(k.procs_named, k.procs);
  TEST_EQ_INT(k.image_named, k.images);
  TEST_EQ_INT(k.image_pid_n, k.images);
  TEST_EQ_INT(k.image_pid_known, k.image_pid_n);
  TEST_EQ_INT(k.threads_ok, k.threads);
  static const uint16_t hooks[] = {0x0000, 0x0005, 0x0008, 0x0020, 0x0050, 0x0302, 0x0303, 0x0304, 0x030a,
                                   0x030b, 0x0327, 0x0501, 0x0502, 0x0503, 0x0504, 0x1402, 0x1403,
                                   0x1404, 0x1421, 0x1422};
  for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
    TEST_CHECK_MSG(k.hooks_ok[hooks[i]] == k.hooks[hooks[i]] && k.hooks[hooks[i]] > 0,
                   "hook 0x%04x: %d of %d decoded", hooks[i], k.hooks_ok[hooks[i]], k.hooks[hooks[i]]);
}

/* ---- header-buffer records of a Win11 trace (findneedle/wppstr) ----
 * BuildInfo: etl-format.md section 2 names the build-lab string of the
 * findneedle samples; DbgIdRSDS: the PDB path is the one the matching TMF
 * (tmf/744151fd-...tmf, "// PDB:" line, written by tracepdb) names. */
typedef struct hb_ud {
  int build, rsds, part;
} hb_ud;

static void hb_cb(void *ud, const etl_event *ev, kv_value d, dec_source src, bool ok, dec_context *ctx) {
  hb_ud *h = ud;
  (void)ctx;
  if (!ev->is_kernel_hook) return;
  if (ev->hook_id == 0x0042) {
    char *b = field_text(d, "BuildString");
    TEST_EQ_STR(b, "26100.1.amd64fre.ge_release.240331-1435");
    free(b);
    h->build += ok && src == DEC_SRC_HEADER;
  } else if (ev->hook_id == 0x0040) {
    char *p = field_text(d, "PdbName");
    TEST_EQ_STR(p, "C:\\Users\\crimson\\AppData\\Local\\Temp\\claude\\C--Users-crimson-source-repos-guscatalano-"
                   "findneedle\\d76ed639-cfd9-4e2f-8d19-e0419c9bb951\\scratchpad\\stremit\\WppStrEmitter.pdb");
    free(p);
    h->rsds += ok && src == DEC_SRC_HEADER;
  } else if (ev->hook_id == 0x0050) {
    h->part += ok && src == DEC_SRC_HEADER;
  }
}

static void test_header_buffer_records(void) {
  hb_ud h = {0, 0, 0};
  run_stats rs;
  run_file("findneedle/wppstr-sample.etl", hb_cb, &h, &rs);
  TEST_EQ_INT(h.build, 1); /* EXPECTED.json kernel_hooks 0x0042: 1 */
  TEST_EQ_INT(h.rsds, 1);  /* 0x0040: 1 */
  TEST_EQ_INT(h.part, 1);  /* 0x0050: 1 */
  TEST_EQ_INT(rs.json_mismatch, 0);
}

/* ---- net.4.5.x86: the merged kernel part (DiskIo, PageFault, FileIo,
 * TcpIp, UdpIp, SystemConfig, PerfInfo, StackWalk ...). Every kernel hook
 * of EXPECTED.json must decode; addresses must be IP text, file names NT
 * paths, disk transfers whole sectors. */
typedef struct net_ud {
  int hooks, hooks_ok, ip_ok, ip_bad, names_ok, names_bad, disk_ok, disk_bad;
} net_ud;

static bool is_ip_text(const char *t) {
  int a, b, c, d;
  char tail;
  if (sscanf(t, "%d.%d.%d.%d%c", &a, &b, &c, &d, &tail) == 4)
    return a >= 0 && a < 256 && b >= 0 && b < 256 && c >= 0 && c < 256 && d >= 0 && d < 256;
  return strchr(t, ':') != NULL && strspn(t, "0123456789abcdef:") == strlen(t);
}

static void net_cb(void *ud, const etl_event *ev, kv_value d, dec_source src, bool ok, dec_context *ctx) {
  net_ud *u = ud;
  (void)ctx;
  if (!ev->is_kernel_hook) return;
  u->hooks++;
  if (ok && (src == DEC_SRC_KERNEL_MOF || src == DEC_SRC_HEADER)) u->hooks_ok++;
  uint8_t g = (uint8_t)(ev->hook_id >> 8);
  if (g == 0x06 || g == 0x08) { /* TcpIp, UdpIp */
    if (!kv_bag_has(d, "daddr", 5)) return;
    char *a = field_text(d, "daddr"), *b = field_text(d, "saddr");
    if (is_ip_text(a) && is_ip_text(b)) u->ip_ok++;
    else u->ip_bad++;
    free(a);
    free(b);
  } else if (g == 0x04 && kv_bag_has(d, "FileName", 8)) {
    char *n = field_text(d, "FileName");
    if (n[0] == '\\') u->names_ok++;
    else u->names_bad++;
    free(n);
  } else if (g == 0x01 && kv_bag_has(d, "TransferSize", 12)) {
    int64_t sz = -1;
    if (field_i64(d, "TransferSize", &sz) && sz > 0 && sz % 512 == 0) u->disk_ok++;
    else u->disk_bad++;
  }
}

static void test_net45_kernel(void) {
  net_ud u;
  memset(&u, 0, sizeof u);
  run_stats rs;
  run_file("perfview/net.4.5.x86.etl.zip", net_cb, &u, &rs);
  printf("coverage net.4.5.x86 kernel: hooks %d/%d decoded, ip %d (bad %d), file names %d (bad %d), "
         "disk %d (bad %d)\n", u.hooks_ok, u.hooks, u.ip_ok, u.ip_bad, u.names_ok, u.names_bad, u.disk_ok,
         u.disk_bad);
  TEST_EQ_INT(u.hooks, 43421 + 8294 + 2); /* EXPECTED.json PERFINFO64 + SYSTEM64 + SYSTEM32 records */
  TEST_EQ_INT(u.hooks_ok, u.hooks);
  TEST_EQ_INT(u.ip_ok, 34 + 13 + 1 + 2 + 10 + 7 + 56 + 45); /* TcpIp 0x061a..0x0622 + UdpIp hooks */
  TEST_EQ_INT(u.ip_bad, 0);
  TEST_CHECK(u.names_ok > 0);
  TEST_EQ_INT(u.names_bad, 0);
  TEST_EQ_INT(u.disk_ok, 65 + 471); /* DiskIo Read 0x010a + Write 0x010b */
  TEST_EQ_INT(u.disk_bad, 0);
  TEST_EQ_INT(rs.json_mismatch, 0);
}

int main(void) {
  TEST_RUN(test_net45_kernel);
  TEST_RUN(test_header_buffer_records);
  TEST_RUN(test_logfile_header);
  TEST_RUN(test_shutdown_kernel);
  return e2k_test_report();
}
