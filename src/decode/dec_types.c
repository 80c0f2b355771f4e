/* SPDX-License-Identifier: MIT
 * The ONE in-type/out-type table of decode/: QName spellings (winmeta, xs:,
 * trace:), TraceLogging TlgOut -> TDH_OUTTYPE translation, integer-ness for
 * count/length references. How each type becomes a Kusto value is coded in
 * dec_walk.c and documented as one table in docs/decoding.md section 3.
 * Sources: etw-decoding.md sections 1.4, 1.5, 2.3, 8. */
#include "decode/dec_int.h"

#include <ctype.h>
#include <string.h>

/* in-type QNames (matched case-insensitively). out is the out-type implied
 * by a MOF-style alias (trace:Port -> PORT). ORDER DEC_IN */
typedef struct dec_qname_in {
  const char *name;
  uint16_t in_type;
  uint16_t out_hint;
} dec_qname_in;

static const dec_qname_in dec_in_names[] = {
    {"win:UnicodeString", DEC_IN_UNICODESTRING, 0},
    {"win:AnsiString", DEC_IN_ANSISTRING, 0},
    {"win:Int8", DEC_IN_INT8, 0},
    {"win:UInt8", DEC_IN_UINT8, 0},
    {"win:Int16", DEC_IN_INT16, 0},
    {"win:UInt16", DEC_IN_UINT16, 0},
    {"win:Int32", DEC_IN_INT32, 0},
    {"win:UInt32", DEC_IN_UINT32, 0},
    {"win:Int64", DEC_IN_INT64, 0},
    {"win:UInt64", DEC_IN_UINT64, 0},
    {"win:Float", DEC_IN_FLOAT, 0},
    {"win:Double", DEC_IN_DOUBLE, 0},
    {"win:Boolean", DEC_IN_BOOLEAN, 0},
    {"win:Binary", DEC_IN_BINARY, 0},
    {"win:GUID", DEC_IN_GUID, 0},
    {"win:Pointer", DEC_IN_POINTER, 0},
    {"win:FILETIME", DEC_IN_FILETIME, 0},
    {"win:SYSTEMTIME", DEC_IN_SYSTEMTIME, 0},
    {"win:SID", DEC_IN_SID, 0},
    {"win:HexInt32", DEC_IN_HEXINT32, 0},
    {"win:HexInt64", DEC_IN_HEXINT64, 0},
    {"xs:HexInt32", DEC_IN_HEXINT32, 0},
    {"xs:HexInt64", DEC_IN_HEXINT64, 0},
    {"win:CountedUnicodeString", DEC_IN_COUNTEDSTRING, 0},
    {"win:CountedString", DEC_IN_COUNTEDSTRING, 0},
    {"win:CountedUtf16String", DEC_IN_COUNTEDSTRING, 0},
    {"win:CountedAnsiString", DEC_IN_COUNTEDANSISTRING, 0},
    {"win:CountedMbcsString", DEC_IN_COUNTEDANSISTRING, 0},
    {"win:CountedBinary", DEC_IN_COUNTEDBINARY, 0},
    {"win:Struct", DEC_IN_STRUCT, 0},
    /* MOF-derived aliases (PV kerneltraceeventparser.man.xml, TX asp.man) */
    {"trace:SizeT", DEC_IN_SIZET, 0},
    {"trace:Port", DEC_IN_UINT16, DEC_OUT_PORT},
    {"trace:IPAddr", DEC_IN_UINT32, DEC_OUT_IPV4},
    {"trace:IPAddrV4", DEC_IN_UINT32, DEC_OUT_IPV4},
    {"trace:IPAddrV6", DEC_IN_BINARY, DEC_OUT_IPV6},
    {"trace:WmiTime", DEC_IN_UINT64, 0},
    {"trace:UnicodeChar", DEC_IN_UNICODECHAR, 0},
    {"trace:WBEMSid", DEC_IN_WBEMSID, 0},
    {"trace:WBEMSID", DEC_IN_WBEMSID, 0},
};

typedef struct dec_qname_out {
  const char *name;
  uint16_t out_type;
} dec_qname_out;

static const dec_qname_out dec_out_names[] = {
    {"xs:string", DEC_OUT_STRING},
    {"xs:dateTime", DEC_OUT_DATETIME},
    {"xs:byte", DEC_OUT_BYTE},
    {"xs:unsignedByte", DEC_OUT_UNSIGNEDBYTE},
    {"xs:short", DEC_OUT_SHORT},
    {"xs:unsignedShort", DEC_OUT_UNSIGNEDSHORT},
    {"xs:int", DEC_OUT_INT},
    {"xs:unsignedInt", DEC_OUT_UNSIGNEDINT},
    {"xs:long", DEC_OUT_LONG},
    {"xs:unsignedLong", DEC_OUT_UNSIGNEDLONG},
    {"xs:float", DEC_OUT_FLOAT},
    {"xs:double", DEC_OUT_DOUBLE},
    {"xs:boolean", DEC_OUT_BOOLEAN},
    {"xs:GUID", DEC_OUT_GUID},
    {"xs:hexBinary", DEC_OUT_HEXBINARY},
    {"win:HexInt8", DEC_OUT_HEXINT8},
    {"win:HexInt16", DEC_OUT_HEXINT16},
    {"win:HexInt32", DEC_OUT_HEXINT32},
    {"win:HexInt64", DEC_OUT_HEXINT64},
    {"win:PID", DEC_OUT_PID},
    {"win:TID", DEC_OUT_TID},
    {"win:Port", DEC_OUT_PORT},
    {"win:IPv4", DEC_OUT_IPV4},
    {"win:IPv6", DEC_OUT_IPV6},
    {"win:SocketAddress", DEC_OUT_SOCKETADDRESS},
    {"win:CIMDateTime", DEC_OUT_CIMDATETIME},
    {"win:ETWTIME", DEC_OUT_ETWTIME},
    {"win:Xml", DEC_OUT_XML},
    {"win:ErrorCode", DEC_OUT_ERRORCODE},
    {"win:Win32Error", DEC_OUT_WIN32ERROR},
    {"win:NTSTATUS", DEC_OUT_NTSTATUS},
    {"win:HResult", DEC_OUT_HRESULT},
    {"win:DateTimeCultureInsensitive", DEC_OUT_CULTURE_INSENSITIVE_DATETIME},
    {"win:Json", DEC_OUT_JSON},
    {"win:Utf8", DEC_OUT_UTF8},
    {"win:Pkcs7WithTypeInfo", DEC_OUT_PKCS7_WITH_TYPE_INFO},
    {"win:CodePointer", DEC_OUT_CODE_POINTER},
    {"win:DateTimeUtc", DEC_OUT_DATETIME_UTC},
    {"win:HexInt8", DEC_OUT_HEXINT8},
    {"xs:HexInt32", DEC_OUT_HEXINT32},
    {"xs:HexInt64", DEC_OUT_HEXINT64},
    {"win:Boolean", DEC_OUT_BOOLEAN},
};

static bool dec_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
  return *a == *b;
}

bool dec_intype_from_qname(const char *s, uint16_t *in_type, uint16_t *out_hint) {
  for (size_t i = 0; i < sizeof dec_in_names / sizeof dec_in_names[0]; i++) {
    if (dec_ieq(s, dec_in_names[i].name)) {
      *in_type = dec_in_names[i].in_type;
      if (out_hint) *out_hint = dec_in_names[i].out_hint;
      return true;
    }
  }
  return false;
}

bool dec_outtype_from_qname(const char *s, uint16_t *out_type) {
  for (size_t i = 0; i < sizeof dec_out_names / sizeof dec_out_names[0]; i++) {
    if (dec_ieq(s, dec_out_names[i].name)) {
      *out_type = dec_out_names[i].out_type;
      return true;
    }
  }
  return false;
}

/* Byte size of fixed-size integer in-types, 0 otherwise. */
static unsigned dec_int_size(uint16_t in_type) {
  switch (in_type) {
  case DEC_IN_INT8: case DEC_IN_UINT8: return 1;
  case DEC_IN_INT16: case DEC_IN_UINT16: return 2;
  case DEC_IN_INT32: case DEC_IN_UINT32: case DEC_IN_HEXINT32: case DEC_IN_BOOLEAN: return 4;
  case DEC_IN_INT64: case DEC_IN_UINT64: case DEC_IN_HEXINT64: return 8;
  default: return 0;
  }
}

bool dec_intype_is_integer(uint16_t in_type) {
  return dec_int_size(in_type) != 0 || in_type == DEC_IN_POINTER || in_type == DEC_IN_SIZET;
}

/* TlgOut -> TDH_OUTTYPE (etw-decoding.md 1.5). */
uint16_t dec_tlg_out_to_tdh(uint16_t tlg_out, uint16_t in_type) {
  unsigned sz = dec_int_size(in_type);
  switch (tlg_out) {
  case 0: return DEC_OUT_NULL;
  case 1: return DEC_OUT_NOPRINT;
  case 2: return DEC_OUT_STRING;
  case 3: return DEC_OUT_BOOLEAN;
  case 4:
    if (in_type == DEC_IN_BINARY || in_type == DEC_IN_COUNTEDBINARY) return DEC_OUT_HEXBINARY;
    return sz == 1 ? DEC_OUT_HEXINT8 : sz == 2 ? DEC_OUT_HEXINT16 : sz == 4 ? DEC_OUT_HEXINT32
                                                                           : DEC_OUT_HEXINT64;
  case 5: return DEC_OUT_PID;
  case 6: return DEC_OUT_TID;
  case 7: return DEC_OUT_PORT;
  case 8: return DEC_OUT_IPV4;
  case 9: return DEC_OUT_IPV6;
  case 10: return DEC_OUT_SOCKETADDRESS;
  case 11: return DEC_OUT_XML;
  case 12: return DEC_OUT_JSON;
  case 13: return DEC_OUT_WIN32ERROR;
  case 14: return DEC_OUT_NTSTATUS;
  case 15: return DEC_OUT_HRESULT;
  case 16: return DEC_OUT_DATETIME;
  case 17: return sz == 1 ? DEC_OUT_BYTE : sz == 2 ? DEC_OUT_SHORT : sz == 4 ? DEC_OUT_INT : DEC_OUT_LONG;
  case 18:
    return sz == 1 ? DEC_OUT_UNSIGNEDBYTE : sz == 2 ? DEC_OUT_UNSIGNEDSHORT
                                                    : sz == 4 ? DEC_OUT_UNSIGNEDINT : DEC_OUT_UNSIGNEDLONG;
  case 0x21: return DEC_OUT_CULTURE_INSENSITIVE_DATETIME;
  case 0x23: return DEC_OUT_UTF8;
  case 0x24: return DEC_OUT_PKCS7_WITH_TYPE_INFO;
  case 0x25: return DEC_OUT_CODE_POINTER;
  case 0x26: return DEC_OUT_DATETIME_UTC;
  default: return DEC_OUT_NULL; /* unknown: default formatting for the in-type */
  }
}

const char *dec_intype_name(uint16_t t) {
  static const char *const names[] = {
      "NULL", "UNICODESTRING", "ANSISTRING", "INT8", "UINT8", "INT16", "UINT16", "INT32",
      "UINT32", "INT64", "UINT64", "FLOAT", "DOUBLE", "BOOLEAN", "BINARY", "GUID", "POINTER",
      "FILETIME", "SYSTEMTIME", "SID", "HEXINT32", "HEXINT64", "COUNTEDSTRING",
      "COUNTEDANSISTRING", "STRUCT", "COUNTEDBINARY"};
  static const char *const names300[] = {
      "COUNTEDSTRING", "COUNTEDANSISTRING", "REVERSEDCOUNTEDSTRING", "REVERSEDCOUNTEDANSISTRING",
      "NONNULLTERMINATEDSTRING", "NONNULLTERMINATEDANSISTRING", "UNICODECHAR", "ANSICHAR",
      "SIZET", "HEXDUMP", "WBEMSID"};
  if (t < sizeof names / sizeof names[0]) return names[t];
  if (t >= 300 && t <= 310) return names300[t - 300];
  return "unknown in-type";
}
