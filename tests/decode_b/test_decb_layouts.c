/* SPDX-License-Identifier: MIT
 * Kernel MOF layouts vs the offset tables of docs/etw-decoding.md section
 * 5.5 (the shared design note, independent of our MOF files): for each class,
 * version and pointer size, a payload is built by writing distinct values at
 * the documented byte offsets; decoding it through dec_event_data must give
 * every value back under its field name. Classes the samples lack
 * (Registry, TcpIp IPv4/IPv6 send/recv, FileIo V2/V3, Thread V4, Process V4)
 * are covered here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "e2k_test.h"
#include "etl/etl.h"

typedef enum { U8, U16, U32, U64, PTR, IP4, PORT, IP6, WSTR, ASTR, NOSID } kind;
typedef struct fld {
  const char *name;
  kind k;
  int off32, off64; /* -1: absent in that layout */
  const char *text; /* expected text (strings/IPs) or NULL for numbers */
} fld;

typedef struct layout {
  const char *what;
  const char *guid;
  uint8_t opcode, version;
  fld f[24];
} layout;

static bool parse_guid(const char *s, uint8_t g[16]) {
  unsigned a, b, c, d[8];
  if (sscanf(s, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &a, &b, &c, &d[0], &d[1], &d[2], &d[3],
             &d[4], &d[5], &d[6], &d[7]) != 11)
    return false;
  g[0] = (uint8_t)a; g[1] = (uint8_t)(a >> 8); g[2] = (uint8_t)(a >> 16); g[3] = (uint8_t)(a >> 24);
  g[4] = (uint8_t)b; g[5] = (uint8_t)(b >> 8); g[6] = (uint8_t)c; g[7] = (uint8_t)(c >> 8);
  for (int i = 0; i < 8; i++) g[8 + i] = (uint8_t)d[i];
  return true;
}

static const char *PROCESS = "3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c";
static const char *THREAD = "3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c";
static const char *IMAGE = "2cb15d1d-5fc1-11d2-abe1-00a0c911f518";
static const char *TCPIP = "9a280ac0-c8e0-11d1-84e2-00c04fb998a2";
static const char *UDPIP = "bf3a50c5-a9c9-4988-a005-2df0b7c80f80";
static const char *DISKIO = "3d6fa8d4-fe05-11d0-9dda-00c04fd7ba7c";
static const char *FILEIO = "90cbdc39-4a3e-11d1-84f4-0000f80464e3";
static const char *REGISTRY = "ae53722e-c863-11d2-8659-00c04fa321a1";

/* Offsets copied from the tables of etw-decoding.md 5.5 ("off x86", "off x64"). */
static const layout layouts[] = {
    {"Process V4 Start", NULL, 1, 4,
     {{"UniqueProcessKey", PTR, 0, 0, NULL}, {"ProcessId", U32, 4, 8, NULL}, {"ParentId", U32, 8, 12, NULL},
      {"SessionId", U32, 12, 16, NULL}, {"ExitStatus", U32, 16, 20, NULL},
      {"DirectoryTableBase", PTR, 20, 24, NULL}, {"Flags", U32, 24, 32, NULL}, {"UserSID", NOSID, 28, 36, NULL},
      {"ImageFileName", ASTR, 32, 40, "cmd.exe"}}},
    {"Thread V3 Start", NULL, 1, 3,
     {{"ProcessId", U32, 0, 0, NULL}, {"TThreadId", U32, 4, 4, NULL}, {"StackBase", PTR, 8, 8, NULL},
      {"StackLimit", PTR, 12, 16, NULL}, {"UserStackBase", PTR, 16, 24, NULL},
      {"UserStackLimit", PTR, 20, 32, NULL}, {"Affinity", PTR, 24, 40, NULL},
      {"Win32StartAddr", PTR, 28, 48, NULL}, {"TebBase", PTR, 32, 56, NULL},
      {"SubProcessTag", U32, 36, 64, NULL}, {"BasePriority", U8, 40, 68, NULL},
      {"PagePriority", U8, 41, 69, NULL}, {"IoPriority", U8, 42, 70, NULL}, {"ThreadFlags", U8, 43, 71, NULL}}},
    {"Thread V4 DCStart", NULL, 3, 4,
     {{"ProcessId", U32, 0, 0, NULL}, {"TThreadId", U32, 4, 4, NULL}, {"TebBase", PTR, 32, 56, NULL},
      {"SubProcessTag", U32, 36, 64, NULL}, {"ThreadFlags", U8, 43, 71, NULL},
      {"ThreadName", WSTR, 44, 72, "worker"}}},
    {"Image V3 Load", NULL, 10, 3,
     {{"ImageBase", PTR, 0, 0, NULL}, {"ImageSize", PTR, 4, 8, NULL}, {"ProcessId", U32, 8, 16, NULL},
      {"ImageChecksum", U32, 12, 20, NULL}, {"TimeDateStamp", U32, 16, 24, NULL},
      {"SignatureLevel", U8, 20, 28, NULL}, {"SignatureType", U8, 21, 29, NULL},
      {"DefaultBase", PTR, 24, 32, NULL}, {"Reserved4", U32, 40, 52, NULL},
      {"FileName", WSTR, 44, 56, "\\Windows\\System32\\ntdll.dll"}}},
    {"TcpIp SendIPV4 V2", NULL, 10, 2,
     {{"PID", U32, 0, 0, NULL}, {"size", U32, 4, 4, NULL}, {"daddr", IP4, 8, 8, "10.1.2.3"},
      {"saddr", IP4, 12, 12, "192.168.0.7"}, {"dport", PORT, 16, 16, NULL}, {"sport", PORT, 18, 18, NULL},
      {"startime", U32, 20, 20, NULL}, {"endtime", U32, 24, 24, NULL}, {"seqnum", U32, 28, 28, NULL},
      {"connid", PTR, 32, 32, NULL}}},
    {"TcpIp RecvIPV4 V2 (TypeGroup1)", NULL, 11, 2,
     {{"PID", U32, 0, 0, NULL}, {"size", U32, 4, 4, NULL}, {"daddr", IP4, 8, 8, "10.1.2.3"},
      {"saddr", IP4, 12, 12, "192.168.0.7"}, {"dport", PORT, 16, 16, NULL}, {"sport", PORT, 18, 18, NULL},
      {"seqnum", U32, 20, 20, NULL}, {"connid", PTR, 24, 24, NULL}}},
    {"TcpIp ConnectIPV4 V2 (TypeGroup2)", NULL, 12, 2,
     {{"PID", U32, 0, 0, NULL}, {"daddr", IP4, 8, 8, "10.1.2.3"}, {"dport", PORT, 16, 16, NULL},
      {"mss", U16, 20, 20, NULL}, {"sackopt", U16, 22, 22, NULL}, {"tsopt", U16, 24, 24, NULL},
      {"wsopt", U16, 26, 26, NULL}, {"rcvwin", U32, 28, 28, NULL}, {"rcvwinscale", U16, 32, 32, NULL},
      {"sndwinscale", U16, 34, 34, NULL}, {"seqnum", U32, 36, 36, NULL}, {"connid", PTR, 40, 40, NULL}}},
    {"TcpIp SendIPV6 V2", NULL, 26, 2,
     {{"PID", U32, 0, 0, NULL}, {"size", U32, 4, 4, NULL}, {"daddr", IP6, 8, 8, "2001:db8::1"},
      {"saddr", IP6, 24, 24, "fe80::2"}, {"dport", PORT, 40, 40, NULL}, {"sport", PORT, 42, 42, NULL},
      {"startime", U32, 44, 44, NULL}, {"endtime", U32, 48, 48, NULL}, {"seqnum", U32, 52, 52, NULL},
      {"connid", PTR, 56, 56, NULL}}},
    {"TcpIp RecvIPV6 V2 (TypeGroup3)", NULL, 27, 2,
     {{"PID", U32, 0, 0, NULL}, {"daddr", IP6, 8, 8, "2001:db8::1"}, {"saddr", IP6, 24, 24, "fe80::2"},
      {"dport", PORT, 40, 40, NULL}, {"sport", PORT, 42, 42, NULL}, {"seqnum", U32, 44, 44, NULL},
      {"connid", PTR, 48, 48, NULL}}},
    {"UdpIp SendIPV4 V2", NULL, 10, 2,
     {{"PID", U32, 0, 0, NULL}, {"size", U32, 4, 4, NULL}, {"daddr", IP4, 8, 8, "10.1.2.3"},
      {"saddr", IP4, 12, 12, "192.168.0.7"}, {"dport", PORT, 16, 16, NULL}, {"sport", PORT, 18, 18, NULL},
      {"seqnum", U32, 20, 20, NULL}, {"connid", PTR, 24, 24, NULL}}},
    {"DiskIo Read V3", NULL, 10, 3,
     {{"DiskNumber", U32, 0, 0, NULL}, {"IrpFlags", U32, 4, 4, NULL}, {"TransferSize", U32, 8, 8, NULL},
      {"ByteOffset", U64, 16, 16, NULL}, {"FileObject", PTR, 24, 24, NULL}, {"Irp", PTR, 28, 32, NULL},
      {"HighResResponseTime", U64, 32, 40, NULL}, {"IssuingThreadId", U32, 40, 48, NULL}}},
    {"DiskIo WriteInit V3", NULL, 13, 3, {{"Irp", PTR, 0, 0, NULL}, {"IssuingThreadId", U32, 4, 8, NULL}}},
    {"FileIo Name V3", NULL, 0, 3,
     {{"FileObject", PTR, 0, 0, NULL}, {"FileName", WSTR, 4, 8, "\\Device\\HarddiskVolume3\\x.txt"}}},
    {"FileIo Create V2", NULL, 64, 2,
     {{"IrpPtr", PTR, 0, 0, NULL}, {"TTID", PTR, 4, 8, NULL}, {"FileObject", PTR, 8, 16, NULL},
      {"CreateOptions", U32, 12, 24, NULL}, {"FileAttributes", U32, 16, 28, NULL},
      {"ShareAccess", U32, 20, 32, NULL}, {"OpenPath", WSTR, 24, 36, "\\??\\C:\\a.txt"}}},
    {"FileIo Create V3", NULL, 64, 3,
     {{"IrpPtr", PTR, 0, 0, NULL}, {"FileObject", PTR, 4, 8, NULL}, {"TTID", U32, 8, 16, NULL},
      {"CreateOptions", U32, 12, 20, NULL}, {"FileAttributes", U32, 16, 24, NULL},
      {"ShareAccess", U32, 20, 28, NULL}, {"OpenPath", WSTR, 24, 32, "\\??\\C:\\a.txt"}}},
    {"FileIo Read V2", NULL, 67, 2,
     {{"Offset", U64, 0, 0, NULL}, {"IrpPtr", PTR, 8, 8, NULL}, {"TTID", PTR, 12, 16, NULL},
      {"FileObject", PTR, 16, 24, NULL}, {"FileKey", PTR, 20, 32, NULL}, {"IoSize", U32, 24, 40, NULL},
      {"IoFlags", U32, 28, 44, NULL}}},
    {"FileIo Write V3", NULL, 68, 3,
     {{"Offset", U64, 0, 0, NULL}, {"IrpPtr", PTR, 8, 8, NULL}, {"FileObject", PTR, 12, 16, NULL},
      {"FileKey", PTR, 16, 24, NULL}, {"TTID", U32, 20, 32, NULL}, {"IoSize", U32, 24, 36, NULL},
      {"IoFlags", U32, 28, 40, NULL}}},
    {"FileIo Close V3 (SimpleOp)", NULL, 66, 3,
     {{"IrpPtr", PTR, 0, 0, NULL}, {"FileObject", PTR, 4, 8, NULL}, {"FileKey", PTR, 8, 16, NULL},
      {"TTID", U32, 12, 24, NULL}}},
    {"FileIo SetInfo V2 (Info)", NULL, 69, 2,
     {{"IrpPtr", PTR, 0, 0, NULL}, {"TTID", PTR, 4, 8, NULL}, {"FileObject", PTR, 8, 16, NULL},
      {"FileKey", PTR, 12, 24, NULL}, {"ExtraInfo", PTR, 16, 32, NULL}, {"InfoClass", U32, 20, 40, NULL}}},
    {"FileIo DirEnum V3", NULL, 72, 3,
     {{"IrpPtr", PTR, 0, 0, NULL}, {"FileObject", PTR, 4, 8, NULL}, {"FileKey", PTR, 8, 16, NULL},
      {"TTID", U32, 12, 24, NULL}, {"Length", U32, 16, 28, NULL}, {"InfoClass", U32, 20, 32, NULL},
      {"FileIndex", U32, 24, 36, NULL}, {"FileName", WSTR, 28, 40, "*.txt"}}},
    {"FileIo OperationEnd V3", NULL, 76, 3,
     {{"IrpPtr", PTR, 0, 0, NULL}, {"ExtraInfo", PTR, 4, 8, NULL}, {"NtStatus", U32, 8, 16, NULL}}},
    {"Registry Open V2", NULL, 11, 2,
     {{"InitialTime", U64, 0, 0, NULL}, {"Status", U32, 8, 8, NULL}, {"Index", U32, 12, 12, NULL},
      {"KeyHandle", PTR, 16, 16, NULL}, {"KeyName", WSTR, 20, 24, "\\REGISTRY\\MACHINE\\SOFTWARE"}}},
};

static const char *guid_of(size_t i) {
  const char *w = layouts[i].what;
  if (!strncmp(w, "Process", 7)) return PROCESS;
  if (!strncmp(w, "Thread", 6)) return THREAD;
  if (!strncmp(w, "Image", 5)) return IMAGE;
  if (!strncmp(w, "TcpIp", 5)) return TCPIP;
  if (!strncmp(w, "UdpIp", 5)) return UDPIP;
  if (!strncmp(w, "DiskIo", 6)) return DISKIO;
  if (!strncmp(w, "FileIo", 6)) return FILEIO;
  return REGISTRY;
}

static void put(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Numeric text of a decoded value: decimal or "0x..." hex. */
static bool value_u64(kv_value v, uint64_t *out) {
  kv_buf b;
  kv_buf_init(&b);
  kv_to_text(&b, v);
  kv_buf_putc(&b, 0);
  char *end = NULL;
  bool ok = b.len > 1;
  if (ok) {
    *out = (b.data[0] == '0' && b.data[1] == 'x') ? strtoull(b.data + 2, &end, 16) : strtoull(b.data, &end, 10);
    ok = end && *end == 0;
  }
  kv_buf_free(&b);
  return ok;
}

static void check_layout(dec_context *ctx, size_t li, unsigned ptr) {
  const layout *L = &layouts[li];
  uint8_t pay[512];
  memset(pay, 0, sizeof pay);
  size_t end = 0;
  uint64_t expect[24];
  for (int k = 0; k < 24 && L->f[k].name; k++) {
    const fld *f = &L->f[k];
    int off = ptr == 4 ? f->off32 : f->off64;
    uint64_t v = 0x100u * (uint64_t)(k + 1) + (uint64_t)li; /* distinct per field */
    size_t n = 0;
    switch (f->k) {
    case U8: v &= 0xFF; n = 1; break;
    case U16: v &= 0x7FFF; n = 2; break;
    case U32: n = 4; break;
    case U64: v |= (uint64_t)0x12 << 40; n = 8; break;
    case PTR: v |= ptr == 8 ? ((uint64_t)0xfffff800 << 32) : 0x80000000u; n = ptr; break;
    case PORT: n = 2; v &= 0xFFFF; pay[off] = (uint8_t)(v >> 8); pay[off + 1] = (uint8_t)v; break;
    case IP4: {
      unsigned a, b, c, d;
      sscanf(f->text, "%u.%u.%u.%u", &a, &b, &c, &d);
      pay[off] = (uint8_t)a; pay[off + 1] = (uint8_t)b; pay[off + 2] = (uint8_t)c; pay[off + 3] = (uint8_t)d;
      n = 4;
      break;
    }
    case IP6:
      if (!strcmp(f->text, "2001:db8::1")) { pay[off] = 0x20; pay[off + 1] = 0x01; pay[off + 2] = 0x0d; pay[off + 3] = 0xb8; pay[off + 15] = 1; }
      else { pay[off] = 0xfe; pay[off + 1] = 0x80; pay[off + 15] = 2; }
      n = 16;
      break;
    case WSTR:
      for (size_t i = 0; f->text[i]; i++) pay[off + 2 * i] = (uint8_t)f->text[i];
      n = 2 * strlen(f->text) + 2;
      break;
    case ASTR:
      memcpy(pay + off, f->text, strlen(f->text));
      n = strlen(f->text) + 1;
      break;
    case NOSID: n = 4; break; /* u32 0: no SID (etw-decoding.md 5.4) */
    }
    if (f->k == U8 || f->k == U16 || f->k == U32 || f->k == U64 || f->k == PTR) put(pay + off, v, (int)n);
    expect[k] = v;
    if ((size_t)off + n > end) end = (size_t)off + n;
  }
  /* trailing strings the table does not list (CommandLine, PackageFullName, ApplicationId) */
  if (!strncmp(L->what, "Process", 7)) end += 6;
  etl_event ev;
  memset(&ev, 0, sizeof ev);
  parse_guid(guid_of(li), ev.provider_id);
  ev.opcode = L->opcode;
  ev.version = L->version;
  ev.header_kind = ETL_HT_SYSTEM;
  ev.is_kernel_hook = 1;
  ev.pointer_size = (uint8_t)ptr;
  ev.payload = pay;
  ev.payload_len = (uint32_t)end;
  dec_source src = DEC_SRC_NONE;
  bool ok = false;
  kv_value d = dec_event_data(ctx, &ev, &src, &ok);
  TEST_CHECK_MSG(ok && src == DEC_SRC_KERNEL_MOF, "%s ptr %u: ok=%d src=%d", L->what, ptr, ok, src);
  for (int k = 0; k < 24 && L->f[k].name; k++) {
    const fld *f = &L->f[k];
    kv_value v = kv_bag_get(d, f->name, strlen(f->name));
    if (f->k == NOSID) {
      TEST_CHECK_MSG(kv_is_null(v), "%s ptr %u: %s not null", L->what, ptr, f->name);
    } else if (f->text) {
      kv_buf b;
      kv_buf_init(&b);
      kv_to_text(&b, v);
      kv_buf_putc(&b, 0);
      TEST_CHECK_MSG(strcmp(b.data, f->text) == 0, "%s ptr %u: %s = \"%s\", want \"%s\"", L->what, ptr,
                     f->name, b.data, f->text);
      kv_buf_free(&b);
    } else {
      uint64_t got = 0;
      TEST_CHECK_MSG(value_u64(v, &got) && got == expect[k], "%s ptr %u: %s = %llu, want %llu", L->what, ptr,
                     f->name, (unsigned long long)got, (unsigned long long)expect[k]);
    }
  }
  kv_release(d);
}

int main(void) {
  dec_context *ctx = NULL;
  dec_options opt = {0};
  opt.no_bundled_manifests = true;
  char err[256];
  if (dec_context_new(&ctx, &opt, err, sizeof err) != 0) return 1;
  size_t n = sizeof layouts / sizeof layouts[0];
  for (size_t i = 0; i < n; i++) {
    check_layout(ctx, i, 4);
    check_layout(ctx, i, 8);
  }
  printf("coverage layouts: %zu classes x 2 pointer sizes from etw-decoding.md 5.5\n", n);
  dec_context_free(ctx);
  return e2k_test_report();
}
