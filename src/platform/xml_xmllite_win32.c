/* SPDX-License-Identifier: MIT
 * The expat subset of platform/win32_expat/expat.h over XmlLite (xmllite.dll,
 * loaded at run time so no import library is needed): namespace-aware element
 * start/end callbacks with "uri|local" names and attribute pairs, in UTF-8,
 * exactly as expat's XML_ParserCreateNS(NULL, '|') reports them. xmlns
 * declarations are not reported as attributes (expat NS mode does the same).
 * The whole file is guarded by _WIN32. */
#if defined(_WIN32)

#define COBJMACROS
#include "platform/win32_expat/expat.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <objbase.h>
#include <xmllite.h>

#include "platform/win32_int.h"

struct plat_xml_parser {
  void *ud;
  XML_StartElementHandler on_start;
  XML_EndElementHandler on_end;
  char sep;
  char *buf;
  size_t len, cap;
  enum XML_Error error;
  XML_Size line, column;
  bool done;
};

static _Thread_local char plat_xml_detail[160];

/* IID_IXmlReader {7279fc81-709d-4095-b63d-69fe4b0d9030}; mingw-w64's libuuid
 * does not define it. */
static const IID plat_xml_iid_reader = {
    0x7279fc81, 0x709d, 0x4095, {0xb6, 0x3d, 0x69, 0xfe, 0x4b, 0x0d, 0x90, 0x30}};

typedef HRESULT(WINAPI *plat_xml_create_fn)(REFIID, void **, IMalloc *);

static plat_xml_create_fn plat_xml_creator(void) {
  static plat_xml_create_fn fn;
  static volatile LONG tried;
  if (!fn && InterlockedExchange(&tried, 1) == 0) {
    HMODULE m = LoadLibraryExW(L"xmllite.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (!m) m = LoadLibraryW(L"xmllite.dll");
    FARPROC p = m ? GetProcAddress(m, "CreateXmlReader") : NULL;
    if (p) memcpy(&fn, &p, sizeof fn);
  }
  return fn;
}

XML_Parser plat_xml_parser_create_ns(const XML_Char *encoding, XML_Char namespace_separator) {
  (void)encoding;
  struct plat_xml_parser *p = calloc(1, sizeof *p);
  if (p) p->sep = namespace_separator;
  return p;
}

void plat_xml_set_user_data(XML_Parser p, void *user_data) { p->ud = user_data; }

void plat_xml_set_element_handler(XML_Parser p, XML_StartElementHandler start,
                                  XML_EndElementHandler end) {
  p->on_start = start;
  p->on_end = end;
}

enum XML_Error plat_xml_get_error_code(XML_Parser p) { return p->error; }
XML_Size plat_xml_get_current_line_number(XML_Parser p) { return p->line; }
XML_Size plat_xml_get_current_column_number(XML_Parser p) { return p->column; }

const XML_Char *plat_xml_error_string(enum XML_Error code) {
  switch (code) {
  case XML_ERROR_NONE: return "no error";
  case XML_ERROR_NO_MEMORY: return "out of memory";
  case XML_ERROR_UNAVAILABLE: return "XmlLite (xmllite.dll) is not available";
  default: return plat_xml_detail[0] ? plat_xml_detail : "XML syntax error";
  }
}

void plat_xml_parser_free(XML_Parser p) {
  if (!p) return;
  free(p->buf);
  free(p);
}

/* Growable list of UTF-8 strings for one element: name + attribute pairs. */
typedef struct plat_xml_strs {
  char **items;
  size_t count, cap;
} plat_xml_strs;

static bool plat_xml_push(plat_xml_strs *s, char *str) {
  if (!str) return false;
  if (s->count + 2 > s->cap) { /* room for a terminating NULL */
    size_t nc = s->cap ? s->cap * 2 : 16;
    char **ni = realloc(s->items, nc * sizeof *ni);
    if (!ni) {
      free(str);
      return false;
    }
    s->items = ni;
    s->cap = nc;
  }
  s->items[s->count++] = str;
  s->items[s->count] = NULL;
  return true;
}

static void plat_xml_clear(plat_xml_strs *s) {
  for (size_t i = 0; i < s->count; i++) free(s->items[i]);
  s->count = 0;
  if (s->items) s->items[0] = NULL;
}

/* "uri<sep>local" when the name has a namespace, else "local". */
static char *plat_xml_qname(const WCHAR *uri, UINT uri_len, const WCHAR *local, UINT local_len,
                            char sep) {
  char *l = plat_win_utf8_from_wide(local, local_len);
  if (!l || uri_len == 0) return l;
  char *u = plat_win_utf8_from_wide(uri, uri_len);
  if (!u) {
    free(l);
    return NULL;
  }
  size_t un = strlen(u), ln = strlen(l);
  char *q = malloc(un + ln + 2);
  if (q) {
    memcpy(q, u, un);
    q[un] = sep;
    memcpy(q + un + 1, l, ln + 1);
  }
  free(u);
  free(l);
  return q;
}

static const WCHAR plat_xml_xmlns_uri[] = L"http://www.w3.org/2000/xmlns/";

static enum XML_Error plat_xml_run(XML_Parser p, IXmlReader *r) {
  plat_xml_strs el = {0};
  enum XML_Error result = XML_ERROR_NONE;
  XmlNodeType nt;
  HRESULT hr;
  while ((hr = IXmlReader_Read(r, &nt)) == S_OK) {
    const WCHAR *local = NULL, *uri = NULL;
    UINT local_len = 0, uri_len = 0;
    if (nt == XmlNodeType_Element) {
      BOOL empty = IXmlReader_IsEmptyElement(r);
      IXmlReader_GetLocalName(r, &local, &local_len);
      IXmlReader_GetNamespaceUri(r, &uri, &uri_len);
      plat_xml_clear(&el);
      if (!plat_xml_push(&el, plat_xml_qname(uri, uri_len, local, local_len, p->sep))) {
        result = XML_ERROR_NO_MEMORY;
        break;
      }
      for (hr = IXmlReader_MoveToFirstAttribute(r); hr == S_OK;
           hr = IXmlReader_MoveToNextAttribute(r)) {
        IXmlReader_GetLocalName(r, &local, &local_len);
        IXmlReader_GetNamespaceUri(r, &uri, &uri_len);
        if (uri_len + 1 == sizeof plat_xml_xmlns_uri / sizeof(WCHAR) &&
            memcmp(uri, plat_xml_xmlns_uri, uri_len * sizeof(WCHAR)) == 0)
          continue; /* namespace declaration */
        if (uri_len == 0 && local_len == 5 && memcmp(local, L"xmlns", 5 * sizeof(WCHAR)) == 0)
          continue;
        const WCHAR *val = NULL;
        UINT val_len = 0;
        IXmlReader_GetValue(r, &val, &val_len);
        if (!plat_xml_push(&el, plat_xml_qname(uri, uri_len, local, local_len, p->sep)) ||
            !plat_xml_push(&el, plat_win_utf8_from_wide(val ? val : L"", val ? val_len : 0))) {
          result = XML_ERROR_NO_MEMORY;
          break;
        }
      }
      if (result != XML_ERROR_NONE) break;
      if (FAILED(hr)) break;
      IXmlReader_MoveToElement(r);
      if (p->on_start) p->on_start(p->ud, el.items[0], (const XML_Char **)(el.items + 1));
      if (empty && p->on_end) p->on_end(p->ud, el.items[0]);
    } else if (nt == XmlNodeType_EndElement) {
      IXmlReader_GetLocalName(r, &local, &local_len);
      IXmlReader_GetNamespaceUri(r, &uri, &uri_len);
      char *name = plat_xml_qname(uri, uri_len, local, local_len, p->sep);
      if (!name) {
        result = XML_ERROR_NO_MEMORY;
        break;
      }
      if (p->on_end) p->on_end(p->ud, name);
      free(name);
    }
  }
  if (result == XML_ERROR_NONE && FAILED(hr)) {
    UINT line = 0, pos = 0;
    IXmlReader_GetLineNumber(r, &line);
    IXmlReader_GetLinePosition(r, &pos);
    p->line = line;
    p->column = pos > 0 ? pos - 1 : 0;
    snprintf(plat_xml_detail, sizeof plat_xml_detail, "XML syntax error (XmlLite HRESULT 0x%08lx)",
             (unsigned long)hr);
    result = XML_ERROR_SYNTAX;
  }
  plat_xml_clear(&el);
  free(el.items);
  return result;
}

/* UTF-16 documents (manifests often are) become UTF-8 before XmlLite sees
 * them, and the declaration's encoding="..." is dropped so UTF-8 applies.
 * Wine's XmlLite mis-tracks end tags in long UTF-16 input; Windows' does not
 * need this, but one input encoding keeps both paths the same. */
static void plat_xml_to_utf8(XML_Parser p) {
  if (p->len < 2) return;
  const uint8_t *b = (const uint8_t *)p->buf;
  bool le = b[0] == 0xFF && b[1] == 0xFE, be = b[0] == 0xFE && b[1] == 0xFF;
  if (!le && !be) return;
  size_t units = (p->len - 2) / 2;
  wchar_t *w = malloc((units + 1) * sizeof *w);
  if (!w) return;
  for (size_t i = 0; i < units; i++) {
    const uint8_t *q = b + 2 + 2 * i;
    w[i] = (wchar_t)(le ? (q[0] | q[1] << 8) : (q[0] << 8 | q[1]));
  }
  w[units] = 0;
  char *u = plat_win_utf8_from_wide(w, units);
  free(w);
  if (!u) return;
  size_t n = strlen(u);
  if (strncmp(u, "<?xml", 5) == 0) {
    char *end = strstr(u, "?>");
    char *enc = strstr(u, "encoding");
    if (end && enc && enc < end) {
      char *q = enc + 8;
      while (q < end && (*q == ' ' || *q == '=' || *q == '\t')) q++;
      if (q < end && (*q == '"' || *q == '\'')) {
        char quote = *q;
        char *close = memchr(q + 1, quote, (size_t)(end - q - 1));
        if (close) {
          memset(enc, ' ', (size_t)(close - enc + 1)); /* keep offsets and line numbers */
        }
      }
    }
  }
  free(p->buf);
  p->buf = u;
  p->len = n;
  p->cap = n + 1;
}

enum XML_Status plat_xml_parse(XML_Parser p, const char *s, int len, int is_final) {
  if (p->error != XML_ERROR_NONE || p->done) return XML_STATUS_ERROR;
  if (len > 0) {
    if (p->len + (size_t)len > p->cap) {
      size_t nc = p->cap ? p->cap : 65536;
      while (nc < p->len + (size_t)len) nc *= 2;
      char *nb = realloc(p->buf, nc);
      if (!nb) {
        p->error = XML_ERROR_NO_MEMORY;
        return XML_STATUS_ERROR;
      }
      p->buf = nb;
      p->cap = nc;
    }
    memcpy(p->buf + p->len, s, (size_t)len);
    p->len += (size_t)len;
  }
  if (!is_final) return XML_STATUS_OK;
  p->done = true;
  plat_xml_create_fn create = plat_xml_creator();
  if (!create) {
    p->error = XML_ERROR_UNAVAILABLE;
    return XML_STATUS_ERROR;
  }
  plat_xml_to_utf8(p);
  HGLOBAL mem = GlobalAlloc(GMEM_MOVEABLE, p->len ? p->len : 1);
  if (!mem) {
    p->error = XML_ERROR_NO_MEMORY;
    return XML_STATUS_ERROR;
  }
  void *dst = GlobalLock(mem);
  if (dst && p->len) memcpy(dst, p->buf, p->len);
  GlobalUnlock(mem);
  IStream *stream = NULL;
  if (FAILED(CreateStreamOnHGlobal(mem, TRUE, &stream))) {
    GlobalFree(mem);
    p->error = XML_ERROR_NO_MEMORY;
    return XML_STATUS_ERROR;
  }
  ULARGE_INTEGER size;
  size.QuadPart = p->len;
  IStream_SetSize(stream, size);
  IXmlReader *r = NULL;
  HRESULT hr = create(&plat_xml_iid_reader, (void **)&r, NULL);
  if (FAILED(hr) || !r) {
    IStream_Release(stream);
    p->error = XML_ERROR_UNAVAILABLE;
    return XML_STATUS_ERROR;
  }
  IXmlReader_SetProperty(r, XmlReaderProperty_DtdProcessing, DtdProcessing_Prohibit);
  hr = IXmlReader_SetInput(r, (IUnknown *)stream);
  if (FAILED(hr)) {
    snprintf(plat_xml_detail, sizeof plat_xml_detail, "XmlLite SetInput failed (0x%08lx)",
             (unsigned long)hr);
    p->error = XML_ERROR_SYNTAX;
  } else {
    p->error = plat_xml_run(p, r);
  }
  IXmlReader_Release(r);
  IStream_Release(stream);
  return p->error == XML_ERROR_NONE ? XML_STATUS_OK : XML_STATUS_ERROR;
}

#else
typedef int plat_xml_xmllite_unused; /* keeps the translation unit non-empty on POSIX */
#endif
