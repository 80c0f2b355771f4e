/* SPDX-License-Identifier: MIT
 * Windows stand-in for the small part of expat's API that decode/dec_manifest.c
 * uses (namespace-aware start/end element callbacks over a whole buffer). It
 * maps the XML_* names onto plat_xml_* functions in platform/xml_xmllite_win32.c,
 * which parse with XmlLite (xmllite.dll, part of Windows), so etw2kusto.exe
 * reads manifests without shipping expat. Only on the include path of WIN32
 * builds; Linux builds use the real expat. */
#ifndef E2K_PLATFORM_WIN32_EXPAT_EXPAT_H
#define E2K_PLATFORM_WIN32_EXPAT_EXPAT_H

#define XMLCALL

typedef char XML_Char;
typedef unsigned long XML_Size;
typedef struct plat_xml_parser *XML_Parser;

enum XML_Status { XML_STATUS_ERROR = 0, XML_STATUS_OK = 1 };

enum XML_Error {
  XML_ERROR_NONE = 0,
  XML_ERROR_NO_MEMORY = 1,
  XML_ERROR_SYNTAX = 2,
  XML_ERROR_UNAVAILABLE = 3 /* XmlLite could not be loaded */
};

typedef void(XMLCALL *XML_StartElementHandler)(void *user_data, const XML_Char *name,
                                               const XML_Char **atts);
typedef void(XMLCALL *XML_EndElementHandler)(void *user_data, const XML_Char *name);

XML_Parser plat_xml_parser_create_ns(const XML_Char *encoding, XML_Char namespace_separator);
void plat_xml_set_user_data(XML_Parser p, void *user_data);
void plat_xml_set_element_handler(XML_Parser p, XML_StartElementHandler start,
                                  XML_EndElementHandler end);
/* Buffers chunks; parses the whole document when is_final is set. */
enum XML_Status plat_xml_parse(XML_Parser p, const char *s, int len, int is_final);
enum XML_Error plat_xml_get_error_code(XML_Parser p);
const XML_Char *plat_xml_error_string(enum XML_Error code);
XML_Size plat_xml_get_current_line_number(XML_Parser p);   /* 1-based */
XML_Size plat_xml_get_current_column_number(XML_Parser p); /* 0-based, like expat */
void plat_xml_parser_free(XML_Parser p);

#define XML_ParserCreateNS plat_xml_parser_create_ns
#define XML_SetUserData plat_xml_set_user_data
#define XML_SetElementHandler plat_xml_set_element_handler
#define XML_Parse plat_xml_parse
#define XML_GetErrorCode plat_xml_get_error_code
#define XML_ErrorString plat_xml_error_string
#define XML_GetCurrentLineNumber plat_xml_get_current_line_number
#define XML_GetCurrentColumnNumber plat_xml_get_current_column_number
#define XML_ParserFree plat_xml_parser_free

#endif
