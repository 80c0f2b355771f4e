/* SPDX-License-Identifier: MIT
 * WPP message formatter: walks a WPP record's argument bytes with the TMF
 * argument list and renders the TMF format string ("%10!d!", "%11!s!", %0
 * prefix, %%) the way tracefmt does for the item types in the findneedle
 * samples (docs/decoding-kernel-wpp.md lists each rendering and its source).
 * Every read is bounds-checked against the payload. Owner: decode part B. */
#include "decode/dec_wpp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_int.h"

/* ---- status-code names: small built-in subsets of ntstatus.h/winerror.h/
 * ndis.h (public constants). Unknown codes render as the bare number. ---- */

typedef struct wpp_code {
  uint32_t code;
  const char *name;
} wpp_code;

static const wpp_code wpp_ntstatus[] = {
    {0x00000000u, "STATUS_SUCCESS"}, {0x00000102u, "STATUS_TIMEOUT"},
    {0x00000103u, "STATUS_PENDING"}, {0x00000104u, "STATUS_REPARSE"},
    {0x00000105u, "STATUS_MORE_ENTRIES"}, {0x80000002u, "STATUS_DATATYPE_MISALIGNMENT"},
    {0x80000003u, "STATUS_BREAKPOINT"}, {0x80000005u, "STATUS_BUFFER_OVERFLOW"},
    {0x80000006u, "STATUS_NO_MORE_FILES"}, {0xC0000001u, "STATUS_UNSUCCESSFUL"},
    {0xC0000002u, "STATUS_NOT_IMPLEMENTED"}, {0xC0000003u, "STATUS_INVALID_INFO_CLASS"},
    {0xC0000004u, "STATUS_INFO_LENGTH_MISMATCH"}, {0xC0000005u, "STATUS_ACCESS_VIOLATION"},
    {0xC0000008u, "STATUS_INVALID_HANDLE"}, {0xC000000Du, "STATUS_INVALID_PARAMETER"},
    {0xC000000Eu, "STATUS_NO_SUCH_DEVICE"}, {0xC000000Fu, "STATUS_NO_SUCH_FILE"},
    {0xC0000010u, "STATUS_INVALID_DEVICE_REQUEST"}, {0xC0000011u, "STATUS_END_OF_FILE"},
    {0xC0000017u, "STATUS_NO_MEMORY"}, {0xC000001Du, "STATUS_ILLEGAL_INSTRUCTION"},
    {0xC0000022u, "STATUS_ACCESS_DENIED"}, {0xC0000023u, "STATUS_BUFFER_TOO_SMALL"},
    {0xC0000024u, "STATUS_OBJECT_TYPE_MISMATCH"}, {0xC0000033u, "STATUS_OBJECT_NAME_INVALID"},
    {0xC0000034u, "STATUS_OBJECT_NAME_NOT_FOUND"}, {0xC0000035u, "STATUS_OBJECT_NAME_COLLISION"},
    {0xC000003Au, "STATUS_OBJECT_PATH_NOT_FOUND"}, {0xC0000043u, "STATUS_SHARING_VIOLATION"},
    {0xC0000056u, "STATUS_DELETE_PENDING"}, {0xC0000061u, "STATUS_PRIVILEGE_NOT_HELD"},
    {0xC000006Du, "STATUS_LOGON_FAILURE"}, {0xC000007Fu, "STATUS_DISK_FULL"},
    {0xC0000094u, "STATUS_INTEGER_DIVIDE_BY_ZERO"}, {0xC0000095u, "STATUS_INTEGER_OVERFLOW"},
    {0xC000009Au, "STATUS_INSUFFICIENT_RESOURCES"}, {0xC00000A3u, "STATUS_DEVICE_NOT_READY"},
    {0xC00000B5u, "STATUS_IO_TIMEOUT"}, {0xC00000BAu, "STATUS_FILE_IS_A_DIRECTORY"},
    {0xC00000BBu, "STATUS_NOT_SUPPORTED"}, {0xC00000E5u, "STATUS_INTERNAL_ERROR"},
    {0xC00000E8u, "STATUS_INVALID_USER_BUFFER"}, {0xC00000FDu, "STATUS_STACK_OVERFLOW"},
    {0xC0000120u, "STATUS_CANCELLED"}, {0xC0000135u, "STATUS_DLL_NOT_FOUND"},
    {0xC0000184u, "STATUS_INVALID_DEVICE_STATE"}, {0xC0000206u, "STATUS_INVALID_BUFFER_SIZE"},
    {0xC000020Du, "STATUS_CONNECTION_RESET"}, {0xC0000225u, "STATUS_NOT_FOUND"},
    {0xC0000236u, "STATUS_CONNECTION_REFUSED"}, {0xC000023Cu, "STATUS_NETWORK_UNREACHABLE"},
    {0xC000023Du, "STATUS_HOST_UNREACHABLE"}, {0xC0000374u, "STATUS_HEAP_CORRUPTION"},
    {0xC0000409u, "STATUS_STACK_BUFFER_OVERRUN"},
};

static const wpp_code wpp_winerror[] = {
    {0, "ERROR_SUCCESS"}, {1, "ERROR_INVALID_FUNCTION"}, {2, "ERROR_FILE_NOT_FOUND"},
    {3, "ERROR_PATH_NOT_FOUND"}, {4, "ERROR_TOO_MANY_OPEN_FILES"}, {5, "ERROR_ACCESS_DENIED"},
    {6, "ERROR_INVALID_HANDLE"}, {8, "ERROR_NOT_ENOUGH_MEMORY"}, {13, "ERROR_INVALID_DATA"},
    {14, "ERROR_OUTOFMEMORY"}, {15, "ERROR_INVALID_DRIVE"}, {18, "ERROR_NO_MORE_FILES"},
    {21, "ERROR_NOT_READY"}, {32, "ERROR_SHARING_VIOLATION"}, {33, "ERROR_LOCK_VIOLATION"},
    {38, "ERROR_HANDLE_EOF"}, {50, "ERROR_NOT_SUPPORTED"}, {53, "ERROR_BAD_NETPATH"},
    {80, "ERROR_FILE_EXISTS"}, {87, "ERROR_INVALID_PARAMETER"}, {109, "ERROR_BROKEN_PIPE"},
    {111, "ERROR_BUFFER_OVERFLOW"}, {112, "ERROR_DISK_FULL"}, {120, "ERROR_CALL_NOT_IMPLEMENTED"},
    {122, "ERROR_INSUFFICIENT_BUFFER"}, {123, "ERROR_INVALID_NAME"}, {126, "ERROR_MOD_NOT_FOUND"},
    {127, "ERROR_PROC_NOT_FOUND"}, {161, "ERROR_BAD_PATHNAME"}, {170, "ERROR_BUSY"},
    {183, "ERROR_ALREADY_EXISTS"}, {193, "ERROR_BAD_EXE_FORMAT"}, {203, "ERROR_ENVVAR_NOT_FOUND"},
    {206, "ERROR_FILENAME_EXCED_RANGE"}, {232, "ERROR_NO_DATA"}, {234, "ERROR_MORE_DATA"},
    {258, "WAIT_TIMEOUT"}, {259, "ERROR_NO_MORE_ITEMS"}, {267, "ERROR_DIRECTORY"},
    {487, "ERROR_INVALID_ADDRESS"}, {995, "ERROR_OPERATION_ABORTED"}, {997, "ERROR_IO_PENDING"},
    {1060, "ERROR_SERVICE_DOES_NOT_EXIST"}, {1168, "ERROR_NOT_FOUND"}, {1223, "ERROR_CANCELLED"},
    {1314, "ERROR_PRIVILEGE_NOT_HELD"}, {1326, "ERROR_LOGON_FAILURE"},
    {1450, "ERROR_NO_SYSTEM_RESOURCES"}, {1460, "ERROR_TIMEOUT"},
    {1722, "RPC_S_SERVER_UNAVAILABLE"}, {10054, "WSAECONNRESET"}, {10060, "WSAETIMEDOUT"},
    {10061, "WSAECONNREFUSED"},
};

static const wpp_code wpp_hresult[] = {
    {0x00000000u, "S_OK"}, {0x00000001u, "S_FALSE"}, {0x80004001u, "E_NOTIMPL"},
    {0x80004002u, "E_NOINTERFACE"}, {0x80004003u, "E_POINTER"}, {0x80004004u, "E_ABORT"},
    {0x80004005u, "E_FAIL"}, {0x8000000Au, "E_PENDING"}, {0x8000FFFFu, "E_UNEXPECTED"},
    {0x80010106u, "RPC_E_CHANGED_MODE"}, {0x80040154u, "REGDB_E_CLASSNOTREG"},
    {0x800401F0u, "CO_E_NOTINITIALIZED"},
};

static const wpp_code wpp_ndis_status[] = {
    {0x00000000u, "NDIS_STATUS_SUCCESS"}, {0x00000103u, "NDIS_STATUS_PENDING"},
    {0x40010004u, "NDIS_STATUS_RESET_START"}, {0x40010005u, "NDIS_STATUS_RESET_END"},
    {0x4001000Bu, "NDIS_STATUS_MEDIA_CONNECT"}, {0x4001000Cu, "NDIS_STATUS_MEDIA_DISCONNECT"},
    {0x40010013u, "NDIS_STATUS_LINK_SPEED_CHANGE"}, {0xC0000001u, "NDIS_STATUS_FAILURE"},
    {0xC000000Du, "NDIS_STATUS_INVALID_PARAMETER"}, {0xC000009Au, "NDIS_STATUS_RESOURCES"},
    {0xC00000BBu, "NDIS_STATUS_NOT_SUPPORTED"}, {0xC0010014u, "NDIS_STATUS_INVALID_LENGTH"},
    {0xC0010017u, "NDIS_STATUS_INVALID_OID"},
};

static const wpp_code wpp_ndis_oid[] = {
    {0x00010101u, "OID_GEN_SUPPORTED_LIST"}, {0x00010102u, "OID_GEN_HARDWARE_STATUS"},
    {0x00010103u, "OID_GEN_MEDIA_SUPPORTED"}, {0x00010104u, "OID_GEN_MEDIA_IN_USE"},
    {0x00010105u, "OID_GEN_MAXIMUM_LOOKAHEAD"}, {0x00010106u, "OID_GEN_MAXIMUM_FRAME_SIZE"},
    {0x00010107u, "OID_GEN_LINK_SPEED"}, {0x00010108u, "OID_GEN_TRANSMIT_BUFFER_SPACE"},
    {0x00010109u, "OID_GEN_RECEIVE_BUFFER_SPACE"}, {0x0001010Au, "OID_GEN_TRANSMIT_BLOCK_SIZE"},
    {0x0001010Bu, "OID_GEN_RECEIVE_BLOCK_SIZE"}, {0x0001010Cu, "OID_GEN_VENDOR_ID"},
    {0x0001010Du, "OID_GEN_VENDOR_DESCRIPTION"}, {0x0001010Eu, "OID_GEN_CURRENT_PACKET_FILTER"},
    {0x0001010Fu, "OID_GEN_CURRENT_LOOKAHEAD"}, {0x00010110u, "OID_GEN_DRIVER_VERSION"},
    {0x00010111u, "OID_GEN_MAXIMUM_TOTAL_SIZE"}, {0x00010112u, "OID_GEN_PROTOCOL_OPTIONS"},
    {0x00010113u, "OID_GEN_MAC_OPTIONS"}, {0x00010114u, "OID_GEN_MEDIA_CONNECT_STATUS"},
    {0x00010115u, "OID_GEN_MAXIMUM_SEND_PACKETS"}, {0x00010116u, "OID_GEN_VENDOR_DRIVER_VERSION"},
    {0x01010101u, "OID_802_3_PERMANENT_ADDRESS"}, {0x01010102u, "OID_802_3_CURRENT_ADDRESS"},
    {0x01010103u, "OID_802_3_MULTICAST_LIST"}, {0x01010104u, "OID_802_3_MAXIMUM_LIST_SIZE"},
};

static const char *wpp_code_find(const wpp_code *t, size_t n, uint32_t code) {
  for (size_t i = 0; i < n; i++)
    if (t[i].code == code) return t[i].name;
  return NULL;
}
#define WPP_FIND(t, c) wpp_code_find((t), sizeof(t) / sizeof((t)[0]), (c))

const char *dec_wpp_ntstatus_name(uint32_t code) { return WPP_FIND(wpp_ntstatus, code); }
const char *dec_wpp_winerror_name(uint32_t code) { return WPP_FIND(wpp_winerror, code); }
const char *dec_wpp_hresult_name(uint32_t code) {
  /* FACILITY_WIN32 HRESULTs (0x8007xxxx) carry a Win32 error: tracefmt shows
   * the Win32 name (findneedle's tracefmt-verified tests, see docs). */
  if ((code & 0xFFFF0000u) == 0x80070000u) {
    const char *w = dec_wpp_winerror_name(code & 0xFFFFu);
    if (w) return w;
  }
  return WPP_FIND(wpp_hresult, code);
}

/* ---- bounds-checked reads ---- */

typedef struct wpp_rd {
  const uint8_t *p;
  uint32_t len, off;
} wpp_rd;

static bool wpp_take(wpp_rd *r, uint32_t n, const uint8_t **out) {
  if (n > r->len - r->off) return false;
  *out = r->p + r->off;
  r->off += n;
  return true;
}

static uint64_t wpp_le(const uint8_t *p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static int64_t wpp_sext(uint64_t v, unsigned bytes) {
  if (bytes >= 8) return (int64_t)v;
  uint64_t sign = (uint64_t)1 << (bytes * 8 - 1);
  uint64_t mask = (sign << 1) - 1;
  v &= mask;
  return (int64_t)((v ^ sign) - sign);
}

/* UTF-16LE (n code units) -> UTF-8; lone surrogates become U+FFFD. */
static void wpp_utf16(kv_buf *b, const uint8_t *p, size_t units) { dec_utf16_to_utf8(b, p, units * 2, false); }

/* 8-bit text: ASCII passes, other bytes are taken as Windows-1252/Latin-1. */
static void wpp_ansi(kv_buf *b, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c < 0x80) {
      kv_buf_putc(b, (char)c);
    } else {
      char o[2] = {(char)(0xC0 | c >> 6), (char)(0x80 | (c & 0x3F))};
      kv_buf_append(b, o, 2);
    }
  }
}

/* FILETIME -> "YYYY-MM-DD hh:mm:ss.mmmZ" (UTC; civil-from-days algorithm). */
static void wpp_filetime(kv_buf *b, uint64_t ft) {
  uint64_t ms_total = ft / 10000;
  uint64_t ms = ms_total % 1000, secs = ms_total / 1000;
  int64_t days = (int64_t)(secs / 86400);
  unsigned sod = (unsigned)(secs % 86400);
  /* days since 1601-01-01 -> days since 1970-01-01 */
  int64_t z = days - 134774 + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  kv_buf_printf(b, "%04lld-%02lld-%02lld %02u:%02u:%02u.%03lluZ", (long long)y, (long long)m,
                (long long)d, sod / 3600, sod / 60 % 60, sod % 60, (unsigned long long)ms);
}

/* SID bytes -> "S-1-5-18" (MS-DTYP 2.4.2.1). *used gets the byte count. */
static bool wpp_sid(kv_buf *b, const uint8_t *p, uint32_t avail, uint32_t *used) {
  if (avail < 8) return false;
  unsigned count = p[1];
  uint32_t need = 8 + 4 * count;
  if (need > avail) return false;
  uint64_t auth = 0;
  for (int i = 2; i < 8; i++) auth = auth << 8 | p[i];
  kv_buf_printf(b, "S-%u-", p[0]);
  if (auth < ((uint64_t)1 << 32)) kv_buf_printf(b, "%llu", (unsigned long long)auth);
  else kv_buf_printf(b, "0x%012llX", (unsigned long long)auth);
  for (unsigned i = 0; i < count; i++) kv_buf_printf(b, "-%u", (unsigned)wpp_le(p + 8 + 4 * i, 4));
  *used = need;
  return true;
}

static void wpp_guid(kv_buf *b, const uint8_t *g) {
  kv_buf_printf(b, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned)wpp_le(g, 4),
                (unsigned)wpp_le(g + 4, 2), (unsigned)wpp_le(g + 6, 2), g[8], g[9], g[10], g[11],
                g[12], g[13], g[14], g[15]);
}

/* RFC 5952 text for 16 bytes: longest run (>= 2) of zero groups as "::". */
static void wpp_ipv6(kv_buf *b, const uint8_t *p) {
  unsigned g[8];
  for (int i = 0; i < 8; i++) g[i] = (unsigned)p[2 * i] << 8 | p[2 * i + 1];
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) { i++; continue; }
    int j = i;
    while (j < 8 && g[j] == 0) j++;
    if (j - i > best_len && j - i >= 2) { best = i; best_len = j - i; }
    i = j;
  }
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      kv_buf_puts(b, "::");
      i += best_len - 1;
      continue;
    }
    if (i && !(best >= 0 && i == best + best_len)) kv_buf_putc(b, ':');
    kv_buf_printf(b, "%x", g[i]);
  }
}

/* ---- one decoded argument ---- */

typedef struct wpp_val {
  bool is_int;      /* numeric item: u/s valid */
  bool is_signed;
  bool is_double;
  unsigned bytes;   /* wire width of integer items */
  uint64_t u;
  int64_t s;
  double d;
  kv_buf text;      /* default rendering ("%s") */
} wpp_val;

static void wpp_set_int(wpp_val *v, uint64_t raw, unsigned bytes, bool is_signed) {
  v->is_int = true;
  v->bytes = bytes;
  v->is_signed = is_signed;
  uint64_t mask = bytes >= 8 ? UINT64_MAX : (((uint64_t)1 << (bytes * 8)) - 1);
  v->u = raw & mask;
  v->s = wpp_sext(raw, bytes);
}

/* Reads and renders one argument. Returns NULL or a static error reason. */
static const char *wpp_read_arg(const dec_tmf_db *db, const dec_tmf_arg *a, wpp_rd *r,
                                unsigned ptr, wpp_val *v) {
  const uint8_t *p;
  kv_buf *t = &v->text;
  switch ((dec_wpp_item)a->item) {
  case DEC_WPP_ITEM_CHAR: case DEC_WPP_ITEM_SHORT: case DEC_WPP_ITEM_LONG:
  case DEC_WPP_ITEM_LONGLONG: {
    unsigned n = a->item == DEC_WPP_ITEM_CHAR ? 1 : a->item == DEC_WPP_ITEM_SHORT ? 2
               : a->item == DEC_WPP_ITEM_LONG ? 4 : 8;
    if (!wpp_take(r, n, &p)) return "truncated integer";
    wpp_set_int(v, wpp_le(p, n), n, true);
    kv_buf_printf(t, "%lld", (long long)v->s);
    return NULL;
  }
  case DEC_WPP_ITEM_UCHAR: case DEC_WPP_ITEM_USHORT: case DEC_WPP_ITEM_ULONG:
  case DEC_WPP_ITEM_ULONGX: case DEC_WPP_ITEM_ULONGLONG: case DEC_WPP_ITEM_LONGLONGX:
  case DEC_WPP_ITEM_LONGLONGXX: case DEC_WPP_ITEM_LONGLONGO: {
    unsigned n = a->item == DEC_WPP_ITEM_UCHAR ? 1 : a->item == DEC_WPP_ITEM_USHORT ? 2
               : (a->item == DEC_WPP_ITEM_ULONG || a->item == DEC_WPP_ITEM_ULONGX) ? 4 : 8;
    if (!wpp_take(r, n, &p)) return "truncated integer";
    wpp_set_int(v, wpp_le(p, n), n, false);
    if (a->item == DEC_WPP_ITEM_ULONGX || a->item == DEC_WPP_ITEM_LONGLONGX)
      kv_buf_printf(t, "%llx", (unsigned long long)v->u);
    else if (a->item == DEC_WPP_ITEM_LONGLONGXX) kv_buf_printf(t, "%llX", (unsigned long long)v->u);
    else if (a->item == DEC_WPP_ITEM_LONGLONGO) kv_buf_printf(t, "%llo", (unsigned long long)v->u);
    else kv_buf_printf(t, "%llu", (unsigned long long)v->u);
    return NULL;
  }
  case DEC_WPP_ITEM_PTR:
    if (!wpp_take(r, ptr, &p)) return "truncated pointer";
    wpp_set_int(v, wpp_le(p, ptr), ptr, false);
    kv_buf_printf(t, "%0*llX", (int)(ptr * 2), (unsigned long long)v->u);
    return NULL;
  case DEC_WPP_ITEM_DOUBLE: {
    if (!wpp_take(r, 8, &p)) return "truncated double";
    uint64_t bits = wpp_le(p, 8);
    memcpy(&v->d, &bits, 8);
    v->is_double = true;
    kv_buf_printf(t, "%g", v->d);
    return NULL;
  }
  case DEC_WPP_ITEM_STRING: {
    uint32_t n = 0;
    while (r->off + n < r->len && r->p[r->off + n]) n++;
    wpp_ansi(t, r->p + r->off, n);
    r->off += n + (r->off + n < r->len ? 1 : 0); /* end of payload ends the last string */
    return NULL;
  }
  case DEC_WPP_ITEM_WSTRING: {
    uint32_t n = 0;
    while (r->off + 2 * n + 1 < r->len && wpp_le(r->p + r->off + 2 * n, 2)) n++;
    wpp_utf16(t, r->p + r->off, n);
    r->off += 2 * n;
    r->off += r->len - r->off >= 2 ? 2 : r->len - r->off;
    return NULL;
  }
  case DEC_WPP_ITEM_PSTRING: case DEC_WPP_ITEM_PWSTRING: case DEC_WPP_ITEM_HEXDUMP: {
    if (!wpp_take(r, 2, &p)) return "truncated length prefix";
    uint32_t n = (uint32_t)wpp_le(p, 2);
    if (!wpp_take(r, n, &p)) return "counted data runs past the payload";
    if (a->item == DEC_WPP_ITEM_PSTRING) wpp_ansi(t, p, n);
    else if (a->item == DEC_WPP_ITEM_PWSTRING) wpp_utf16(t, p, n / 2);
    else
      for (uint32_t i = 0; i < n; i++) kv_buf_printf(t, "%02X", p[i]);
    return NULL;
  }
  case DEC_WPP_ITEM_GUID:
    if (!wpp_take(r, 16, &p)) return "truncated GUID";
    wpp_guid(t, p);
    return NULL;
  case DEC_WPP_ITEM_SID: {
    uint32_t used = 0;
    if (!wpp_sid(t, r->p + r->off, r->len - r->off, &used)) return "truncated SID";
    r->off += used;
    return NULL;
  }
  case DEC_WPP_ITEM_IPADDR:
    if (!wpp_take(r, 4, &p)) return "truncated IPv4 address";
    wpp_set_int(v, wpp_le(p, 4), 4, false);
    kv_buf_printf(t, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    return NULL;
  case DEC_WPP_ITEM_IPV6ADDR:
    if (!wpp_take(r, 16, &p)) return "truncated IPv6 address";
    wpp_ipv6(t, p);
    return NULL;
  case DEC_WPP_ITEM_PORT:
    if (!wpp_take(r, 2, &p)) return "truncated port";
    wpp_set_int(v, (uint64_t)p[0] << 8 | p[1], 2, false);
    kv_buf_printf(t, "%u", (unsigned)v->u);
    return NULL;
  case DEC_WPP_ITEM_CHAR4:
    if (!wpp_take(r, 4, &p)) return "truncated FourCC";
    wpp_set_int(v, wpp_le(p, 4), 4, false);
    for (int i = 0; i < 4; i++) kv_buf_putc(t, p[i] >= 0x20 && p[i] < 0x7F ? (char)p[i] : '.');
    return NULL;
  case DEC_WPP_ITEM_HRESULT: case DEC_WPP_ITEM_NTSTATUS: case DEC_WPP_ITEM_WINERROR:
  case DEC_WPP_ITEM_NDIS_STATUS: case DEC_WPP_ITEM_NDIS_OID: {
    if (!wpp_take(r, 4, &p)) return "truncated status code";
    uint32_t c = (uint32_t)wpp_le(p, 4);
    wpp_set_int(v, c, 4, a->item == DEC_WPP_ITEM_HRESULT || a->item == DEC_WPP_ITEM_NTSTATUS);
    const char *name = a->item == DEC_WPP_ITEM_HRESULT    ? dec_wpp_hresult_name(c)
                       : a->item == DEC_WPP_ITEM_NTSTATUS ? dec_wpp_ntstatus_name(c)
                       : a->item == DEC_WPP_ITEM_WINERROR ? dec_wpp_winerror_name(c)
                       : a->item == DEC_WPP_ITEM_NDIS_OID ? WPP_FIND(wpp_ndis_oid, c)
                                                          : WPP_FIND(wpp_ndis_status, c);
    if (a->item == DEC_WPP_ITEM_WINERROR) kv_buf_printf(t, "%u", c);
    else if (a->item == DEC_WPP_ITEM_NDIS_STATUS || a->item == DEC_WPP_ITEM_NDIS_OID)
      kv_buf_printf(t, "0x%08x", c);
    else kv_buf_printf(t, "0x%x", c);
    if (name) kv_buf_printf(t, "(%s)", name);
    return NULL;
  }
  case DEC_WPP_ITEM_TIMESTAMP:
    if (!wpp_take(r, 8, &p)) return "truncated timestamp";
    wpp_set_int(v, wpp_le(p, 8), 8, false);
    wpp_filetime(t, v->u);
    return NULL;
  case DEC_WPP_ITEM_TIMEDELTA: {
    if (!wpp_take(r, 8, &p)) return "truncated time delta";
    wpp_set_int(v, wpp_le(p, 8), 8, true);
    uint64_t mag = v->s < 0 ? 0 - (uint64_t)v->s : (uint64_t)v->s;
    uint64_t ms = mag / 10000;
    kv_buf_printf(t, "%s%llu.%03llus", v->s < 0 ? "-" : "", (unsigned long long)(ms / 1000),
                  (unsigned long long)(ms % 1000));
    return NULL;
  }
  case DEC_WPP_ITEM_LIST: case DEC_WPP_ITEM_SET: {
    unsigned n = a->width ? a->width : 4;
    if (!wpp_take(r, n, &p)) return "truncated list value";
    wpp_set_int(v, wpp_le(p, n), n, false);
    if (a->item == DEC_WPP_ITEM_LIST) {
      kv_buf_printf(t, "0x%08llx", (unsigned long long)v->u);
      if (v->u < a->name_count) kv_buf_printf(t, "(%s)", a->names[v->u]);
    } else {
      kv_buf_putc(t, '[');
      bool first = true;
      for (unsigned bit = 0; bit < n * 8; bit++) {
        if (!(v->u >> bit & 1)) continue;
        if (!first) kv_buf_putc(t, ',');
        first = false;
        if (bit < a->name_count) kv_buf_puts(t, a->names[bit]);
        else kv_buf_printf(t, "0x%llx", 1ULL << bit);
      }
      kv_buf_putc(t, ']');
    }
    return NULL;
  }
  case DEC_WPP_ITEM_ENUM: case DEC_WPP_ITEM_FLAGSENUM: {
    if (!wpp_take(r, 4, &p)) return "truncated enum value";
    wpp_set_int(v, wpp_le(p, 4), 4, false);
    size_t count = 0;
    const dec_tmf_enum_item *items = dec_tmf_enum_items(db, a->enum_name, &count);
    if (a->item == DEC_WPP_ITEM_ENUM) {
      for (size_t i = 0; i < count; i++)
        if (items[i].value == v->u) {
          kv_buf_puts(t, items[i].name);
          return NULL;
        }
      kv_buf_printf(t, "%llu", (unsigned long long)v->u);
      return NULL;
    }
    /* Flags: every named flag fully set, " | "-joined, then the value. */
    bool any = false;
    uint64_t rest = v->u;
    for (size_t i = 0; i < count; i++) {
      uint64_t f = items[i].value;
      if ((f == 0 && v->u == 0) || (f != 0 && (v->u & f) == f)) {
        if (any) kv_buf_puts(t, " | ");
        kv_buf_puts(t, items[i].name);
        any = true;
        rest &= ~f;
      }
    }
    (void)rest;
    kv_buf_printf(t, "(0x%llx)", (unsigned long long)v->u);
    return NULL;
  }
  case DEC_WPP_ITEM_UNKNOWN:
  case DEC_WPP_ITEM_COUNT:
    break;
  }
  return "argument type not supported";
}

/* ---- printf-style conversion of one "%N!spec!" ---- */

typedef struct wpp_spec {
  bool left, plus, space, alt, zero;
  int width, prec;   /* -1 = absent */
  char conv;         /* d i u x X o c p s S g f e E ... */
} wpp_spec;

static void wpp_parse_spec(const char *s, size_t n, wpp_spec *sp) {
  memset(sp, 0, sizeof *sp);
  sp->width = sp->prec = -1;
  size_t i = 0;
  for (; i < n; i++) {
    char c = s[i];
    if (c == '-') sp->left = true;
    else if (c == '+') sp->plus = true;
    else if (c == ' ') sp->space = true;
    else if (c == '#') sp->alt = true;
    else if (c == '0') sp->zero = true;
    else break;
  }
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    sp->width = (sp->width < 0 ? 0 : sp->width) * 10 + (s[i] - '0');
    if (sp->width > 4096) sp->width = 4096;
    i++;
  }
  if (i < n && s[i] == '.') {
    i++;
    sp->prec = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      sp->prec = sp->prec * 10 + (s[i] - '0');
      if (sp->prec > 4096) sp->prec = 4096;
      i++;
    }
  }
  /* the conversion is the last character; I64, l, ll, h, w are size hints */
  sp->conv = n ? s[n - 1] : 's';
}

static void wpp_pad(kv_buf *out, const char *body, size_t len, const wpp_spec *sp, bool zero_ok,
                    size_t sign_len) {
  size_t w = sp->width > 0 ? (size_t)sp->width : 0;
  if (len >= w) {
    kv_buf_append(out, body, len);
    return;
  }
  size_t pad = w - len;
  if (sp->left) {
    kv_buf_append(out, body, len);
    for (size_t i = 0; i < pad; i++) kv_buf_putc(out, ' ');
  } else if (sp->zero && zero_ok) {
    kv_buf_append(out, body, sign_len);
    for (size_t i = 0; i < pad; i++) kv_buf_putc(out, '0');
    kv_buf_append(out, body + sign_len, len - sign_len);
  } else {
    for (size_t i = 0; i < pad; i++) kv_buf_putc(out, ' ');
    kv_buf_append(out, body, len);
  }
}

static void wpp_apply(kv_buf *out, const wpp_val *v, const wpp_spec *sp, unsigned ptr) {
  char body[160];
  int n = -1;
  size_t sign_len = 0;
  char c = sp->conv;
  if (v->is_int && (c == 'd' || c == 'i' || c == 'u' || c == 'x' || c == 'X' || c == 'o')) {
    bool neg = false;
    unsigned long long mag;
    if (c == 'd' || c == 'i') {
      neg = v->s < 0;
      mag = neg ? 0 - (unsigned long long)v->s : (unsigned long long)v->s;
    } else {
      mag = v->u;
    }
    char digits[72];
    int dn = snprintf(digits, sizeof digits, c == 'x' ? "%llx" : c == 'X' ? "%llX" : c == 'o' ? "%llo" : "%llu", mag);
    const char *prefix = neg ? "-" : sp->plus && (c == 'd' || c == 'i') ? "+"
                       : sp->space && (c == 'd' || c == 'i') ? " " : "";
    const char *alt = sp->alt && mag ? (c == 'x' ? "0x" : c == 'X' ? "0X" : c == 'o' ? "0" : "") : "";
    int zeros = sp->prec > dn ? sp->prec - dn : 0;
    if (zeros > 64) zeros = 64;
    n = snprintf(body, sizeof body, "%s%s%.*s%s", prefix, alt, zeros,
                 "0000000000000000000000000000000000000000000000000000000000000000", digits);
    sign_len = strlen(prefix) + strlen(alt);
    if (n > 0) wpp_pad(out, body, (size_t)n, sp, sp->prec < 0, sign_len);
    return;
  }
  if (v->is_int && c == 'p') {
    n = snprintf(body, sizeof body, "%0*llX", (int)(ptr * 2), (unsigned long long)v->u);
    if (n > 0) wpp_pad(out, body, (size_t)n, sp, false, 0);
    return;
  }
  if (v->is_int && c == 'c') {
    char ch = (char)(v->u & 0x7F);
    wpp_pad(out, &ch, 1, sp, false, 0);
    return;
  }
  if (v->is_double && (c == 'f' || c == 'F' || c == 'e' || c == 'E' || c == 'g' || c == 'G')) {
    char fmt[8] = {'%', '.', '*', c, 0};
    n = snprintf(body, sizeof body, fmt, sp->prec < 0 ? 6 : (sp->prec > 60 ? 60 : sp->prec), v->d);
    if (n > 0) wpp_pad(out, body, (size_t)n < sizeof body ? (size_t)n : sizeof body - 1, sp, true,
                       body[0] == '-' ? 1 : 0);
    return;
  }
  /* %s and anything else: the item's own rendering, precision truncates. */
  size_t len = v->text.len;
  if (sp->prec >= 0 && (size_t)sp->prec < len) len = (size_t)sp->prec;
  wpp_pad(out, v->text.data ? v->text.data : "", len, sp, false, 0);
}

/* Adds a property to the bag (takes ownership of val). */
static void wpp_prop(kv_value props, const char *key, kv_value val) {
  kv_value d = kv_to_dynamic(val);
  kv_release(val);
  kv_bag_set(props, key, strlen(key), d);
}

static void wpp_prop_str(kv_value props, const char *key, const char *s, size_t n) {
  wpp_prop(props, key, kv_string(s ? s : "", s ? n : 0));
}

static kv_value wpp_arg_value(const dec_tmf_arg *a, const wpp_val *v) {
  switch ((dec_wpp_item)a->item) {
  case DEC_WPP_ITEM_CHAR: case DEC_WPP_ITEM_SHORT: case DEC_WPP_ITEM_LONG:
  case DEC_WPP_ITEM_LONGLONG: case DEC_WPP_ITEM_TIMEDELTA:
    return kv_long(v->s);
  case DEC_WPP_ITEM_UCHAR: case DEC_WPP_ITEM_USHORT: case DEC_WPP_ITEM_ULONG:
  case DEC_WPP_ITEM_PORT:
    return kv_long((int64_t)v->u);
  case DEC_WPP_ITEM_ULONGLONG: case DEC_WPP_ITEM_ULONGX: case DEC_WPP_ITEM_LONGLONGX:
  case DEC_WPP_ITEM_LONGLONGXX: case DEC_WPP_ITEM_LONGLONGO:
    return kv_long((int64_t)v->u); /* two's complement above 2^63 (etw-decoding.md 7) */
  case DEC_WPP_ITEM_PTR: { /* pointers as "0x..." like the walker (etw-decoding.md 7 rule 5) */
    char hex[24];
    int n = snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)v->u);
    return kv_string(hex, n > 0 ? (size_t)n : 0);
  }
  case DEC_WPP_ITEM_DOUBLE:
    return kv_real(v->d);
  case DEC_WPP_ITEM_TIMESTAMP:
    if (v->u && v->u < (uint64_t)INT64_MAX - (uint64_t)KV_FILETIME_EPOCH_TICKS)
      return kv_datetime(kv_ticks_from_filetime((int64_t)v->u));
    return kv_long((int64_t)v->u);
  default:
    return kv_string(v->text.data ? v->text.data : "", v->text.len);
  }
}

int dec_wpp_format(const dec_tmf_db *db, const dec_tmf_msg *msg, const uint8_t *payload,
                   uint32_t len, unsigned pointer_size, kv_buf *text, kv_value props) {
  bool want_props = kv_is_bag(props);
  unsigned ptr = pointer_size == 4 ? 4 : 8;
  wpp_rd rd = {payload, payload ? len : 0, 0};
  uint32_t count = msg->arg_count;
  wpp_val *vals = kv_calloc(count ? count : 1, sizeof(wpp_val));
  const char *why = NULL;
  uint32_t decoded = 0;
  for (; decoded < count; decoded++) {
    kv_buf_init(&vals[decoded].text);
    why = wpp_read_arg(db, &msg->args[decoded], &rd, ptr, &vals[decoded]);
    if (why) break;
  }
  /* Render the format string; arguments past a failure render empty. */
  const char *f = msg->format;
  size_t flen = strlen(f);
  size_t start = text->len;
  for (size_t i = 0; i < flen;) {
    if (f[i] != '%') {
      size_t j = i;
      while (j < flen && f[j] != '%') j++;
      kv_buf_append(text, f + i, j - i);
      i = j;
      continue;
    }
    if (i + 1 < flen && f[i + 1] == '%') {
      kv_buf_putc(text, '%');
      i += 2;
      continue;
    }
    size_t j = i + 1;
    unsigned num = 0;
    bool has_num = false;
    while (j < flen && f[j] >= '0' && f[j] <= '9') {
      if (num < 100000) num = num * 10 + (unsigned)(f[j] - '0');
      has_num = true;
      j++;
    }
    if (!has_num) {
      kv_buf_putc(text, '%');
      i++;
      continue;
    }
    const char *spec = "s";
    size_t spec_len = 1;
    if (j < flen && f[j] == '!') {
      size_t k = j + 1;
      while (k < flen && f[k] != '!') k++;
      if (k < flen) {
        spec = f + j + 1;
        spec_len = k - j - 1;
        j = k + 1;
      }
    }
    i = j;
    if (num < 10) continue; /* %0 prefix and %1..%9 system fields render empty */
    for (uint32_t a = 0; a < decoded; a++) {
      if (msg->args[a].number == num) {
        wpp_spec sp;
        wpp_parse_spec(spec, spec_len, &sp);
        wpp_apply(text, &vals[a], &sp, ptr);
        break;
      }
    }
  }
  if (why) {
    const dec_tmf_arg *bad = &msg->args[decoded];
    kv_buf_printf(text, "<decode error: argument %u (%s): %s>", bad->number,
                  bad->item == DEC_WPP_ITEM_UNKNOWN && bad->enum_name ? bad->enum_name : "item",
                  why);
  }
  if (want_props) {
    for (uint32_t a = 0; a < decoded; a++) {
      const char *key = msg->args[a].name;
      char fallback[16];
      if (!key || !*key || kv_bag_has(props, key, strlen(key))) {
        snprintf(fallback, sizeof fallback, "arg%u", msg->args[a].number);
        key = fallback;
      }
      wpp_prop(props, key, wpp_arg_value(&msg->args[a], &vals[a]));
    }
    if (why) {
      kv_buf e;
      kv_buf_init(&e);
      kv_buf_printf(&e, "<decode error: argument %u: %s>", msg->args[decoded].number, why);
      wpp_prop_str(props, "__decode_error", e.data, e.len);
      kv_buf_free(&e);
    }
    wpp_prop_str(props, "FormattedString", text->data ? text->data + start : "", text->len - start);
    wpp_prop_str(props, "ComponentName", msg->component, msg->component ? strlen(msg->component) : 0);
    wpp_prop_str(props, "SubComponentName", msg->source, msg->source ? strlen(msg->source) : 0);
    wpp_prop_str(props, "FunctionName", msg->func, msg->func ? strlen(msg->func) : 0);
    wpp_prop_str(props, "LevelName", msg->level, msg->level ? strlen(msg->level) : 0);
    wpp_prop_str(props, "FlagsName", msg->flags, msg->flags ? strlen(msg->flags) : 0);
  }
  for (uint32_t a = 0; a < count; a++) kv_buf_free(&vals[a].text);
  free(vals);
  return why ? -1 : 0;
}

/* ======================================================================
 * Hooks for dec_context.c (dec_int.h): WPP records of the trace.
 * ====================================================================== */

typedef struct wpp_state {
  dec_tmf_db *db;
  bool have_paths; /* the user gave tmf:PATH (changes the "why" text) */
} wpp_state;

int dec_wpp_init(dec_context *ctx, const dec_options *opt, char *err, size_t err_len) {
  wpp_state *st = kv_calloc(1, sizeof *st);
  st->db = dec_tmf_db_new();
  ctx->wpp_state = st;
  for (size_t i = 0; opt && i < opt->tmf_count; i++) {
    st->have_paths = true;
    if (dec_tmf_db_load_path(st->db, opt->tmf_paths[i], err, err_len) != 0) return -1;
  }
  return 0;
}

void dec_wpp_free(dec_context *ctx) {
  wpp_state *st = ctx->wpp_state;
  if (!st) return;
  dec_tmf_db_free(st->db);
  free(st);
  ctx->wpp_state = NULL;
}

static const dec_tmf_msg *wpp_msg_for(dec_context *ctx, const etl_event *ev) {
  wpp_state *st = ctx->wpp_state;
  if (!st || !(ev->event_flags & 0x2)) return NULL; /* no message GUID in the record */
  return dec_tmf_find(st->db, ev->provider_id, ev->message_number);
}

bool dec_wpp_names(dec_context *ctx, const etl_event *ev, dec_names *out) {
  const dec_tmf_msg *m = wpp_msg_for(ctx, ev);
  if (!m) return false;
  out->provider = m->component ? m->component : "";
  out->event_name = m->tag ? m->tag : "";
  return true;
}

kv_value dec_wpp_decode(dec_context *ctx, const etl_event *ev, bool *ok, kv_value *message) {
  kv_value bag = kv_dyn_bag();
  const dec_tmf_msg *m = wpp_msg_for(ctx, ev);
  kv_buf text;
  kv_buf_init(&text);
  if (m) {
    *ok = dec_wpp_format(((wpp_state *)ctx->wpp_state)->db, m, ev->payload, ev->payload_len,
                         ev->pointer_size, &text, bag) == 0;
  } else {
    wpp_state *st = ctx->wpp_state;
    kv_buf why;
    kv_buf_init(&why);
    if (!(ev->event_flags & 0x2)) {
      kv_buf_puts(&why, "record carries no message GUID (component id form); cannot look up a TMF");
    } else {
      kv_buf_puts(&why, "no TMF for message GUID ");
      wpp_guid(&why, ev->provider_id);
      kv_buf_printf(&why, " number %u", ev->message_number);
      if (!st || !st->have_paths) kv_buf_puts(&why, " (no tmf:PATH given)");
    }
    wpp_prop_str(bag, "wpp", why.data, why.len);
    kv_buf_free(&why);
    if (ev->event_flags & 0x2) {
      wpp_prop(bag, "MessageGuid", kv_guid(ev->provider_id));
    }
    wpp_prop(bag, "MessageNumber", kv_long(ev->message_number));
    if (ev->event_flags & 0x1) wpp_prop(bag, "SequenceNumber", kv_long(ev->sequence));
    kv_buf hex;
    kv_buf_init(&hex);
    for (uint32_t i = 0; ev->payload && i < ev->payload_len; i++)
      kv_buf_printf(&hex, "%02x", ev->payload[i]);
    wpp_prop_str(bag, "RawPayload", hex.data, hex.len);
    kv_buf_free(&hex);
    *ok = false;
  }
  if (message) *message = kv_string(text.data ? text.data : "", text.len);
  kv_buf_free(&text);
  return bag;
}
