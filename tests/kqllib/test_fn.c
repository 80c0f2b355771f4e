/* SPDX-License-Identifier: MIT
 * Scalar functions called through kql_fn_lookup, with the real engine's
 * answers from the conformance corpus (case ids quoted: "fuzz:" =
 * kql2sql-fuzz in cases_fuzz_dev.jsonl, "emulator:" in
 * cases_emulator.jsonl). Results are compared as JSON text
 * (kv_to_json: datetimes with 7 fractional digits, reals shortest form). */
#include <string.h>

#include "e2k_test.h"
#include "kqllib_test_util.h"

#define CALL(expect, name, ...) TEST_EQ_STR(tu_call(name, NULL, __VA_ARGS__), expect)

static void test_conversion_conditional(void) {
  /* emulator:coalesce-function-00 */
  CALL("42", "coalesce", 3, tu_null(KV_LONG), tu_l(42), tu_l(33));
  /* fuzz:agent-null-and-edge-0009.2: empty strings are skipped */
  CALL("\"fallback\"", "coalesce", 3, tu_s(""), tu_s(""), tu_s("fallback"));
  /* emulator:max-of-function-00, min-of-function-00 */
  CALL("17", "max_of", 4, tu_l(10), tu_l(1), tu_l(-3), tu_l(17));
  CALL("-3", "min_of", 4, tu_l(10), tu_l(1), tu_l(-3), tu_l(17));
  /* emulator:max-of-function-01: nulls ignored */
  CALL("2", "max_of", 2, tu_null(KV_INT), tu_i(2));
  /* fuzz:agent-type-casts-coercion-0033.3: max_of(int, long, real) is real 3 */
  kv_type t;
  TEST_EQ_STR(tu_call("max_of", &t, 3, tu_i(1), tu_l(2), tu_r(3)), "3.0");
  TEST_EQ_INT(t, KV_REAL);
  /* fuzz:agent-type-casts-coercion-0024.3 / 0042.2 / 0045 */
  CALL("\"null\"", "gettype", 1, tu_null(KV_DYNAMIC));
  CALL("\"array\"", "gettype", 1, tu_j("[1,2]"));
  CALL("\"dictionary\"", "gettype", 1, tu_j("{\"a\":1}"));
  CALL("\"int\"", "gettype", 1, tu_null(KV_INT));
  CALL("\"True\"", "tostring", 1, kv_bool(true));
  CALL("3", "toint", 1, tu_j("\"3\""));
  CALL("1", "toint", 1, tu_j("1.5"));
  /* emulator:toguid-function-00 */
  CALL("\"01234567-89ab-cdef-0123-456789abcdef\"", "toguid", 1, tu_s("0123456789abcdef0123456789abcdef"));
  CALL("null", "toguid", 1, tu_s("a string that is not a guid"));
  /* emulator:parse-json-function-02 */
  CALL("{\"c\":456}", "parse_json", 1, tu_s("{\"c\":456}"));
  /* emulator:dynamic-to-json-function-00: keys sorted */
  CALL("\"{\\\"A1\\\":12,\\\"B1\\\":[2,1],\\\"X\\\":{\\\"a\\\":1,\\\"b\\\":2}}\"", "dynamic_to_json", 1,
       tu_j("{\"X\":{\"b\":2,\"a\":1},\"B1\":[2,1],\"A1\":12}"));
  /* iff / case / isempty (fuzz:agent-null-and-edge-0009.2, 0042.3) */
  CALL("\"c1\"", "case", 5, kv_bool(true), tu_s("c1"), kv_bool(false), tu_s("c2"), tu_s("def"));
  CALL("\"def\"", "case", 3, kv_null(KV_BOOL), tu_s("c1"), tu_s("def"));
  CALL("2", "iff", 3, kv_null(KV_BOOL), tu_l(1), tu_l(2));
  CALL("true", "isempty", 1, tu_s(""));
  CALL("false", "isnull", 1, tu_s(""));
  CALL("true", "isnull", 1, tu_null(KV_DYNAMIC));
  CALL("false", "isnotempty", 1, tu_s(""));
}

static void test_strings(void) {
  /* fuzz:agent-string-ops-0035, emulator:strlen-function-01 */
  CALL("4", "strlen", 1, tu_s("caf\xc3\xa9"));
  CALL("5", "string_size", 1, tu_s("caf\xc3\xa9"));
  CALL("1", "strlen", 1, tu_s("\xf0\x9f\x98\x80"));
  CALL("5", "strlen", 1, tu_s("\xe2\x92\xa6\xe2\x92\xb0\xe2\x92\xae\xe2\x92\xaf\xe2\x92\xaa"));
  /* fuzz:agent-string-ops-0017 / 0023.2 / 0025.2 */
  CALL("\"ell\"", "substring", 3, tu_s("hello"), tu_l(1), tu_l(3));
  CALL("\"lo\"", "substring", 3, tu_s("hello"), tu_l(-2), tu_l(2));
  CALL("\"llo\"", "substring", 3, tu_s("hello"), tu_l(2), tu_l(100));
  CALL("\"ll\"", "substring", 3, tu_s("hello"), tu_l(-3), tu_l(2));
  CALL("\"\"", "substring", 3, tu_s("hello"), tu_l(-100), tu_l(3));
  CALL("\"\"", "substring", 3, tu_s("hello"), tu_l(2), tu_l(0));
  CALL("\"cde\"", "substring", 3, tu_s("abcdef"), tu_i(2), tu_l(3));
  /* fuzz:agent-string-ops-0011.2 */
  CALL("\"\xf0\x9f\x98\x80\"", "substring", 3, tu_s("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), tu_l(0), tu_l(1));
  /* emulator:strcat-delim-function-00, fuzz:agent-string-ops-0028.2 */
  CALL("\"1-2-A-00:00:01\"", "strcat_delim", 5, tu_s("-"), tu_l(1), tu_s("2"), tu_s("A"), tu_ts("00:00:01"));
  CALL("\"Hello-5-HELLO\"", "strcat", 5, tu_s("Hello"), tu_s("-"), tu_l(5), tu_s("-"), tu_s("HELLO"));
  /* fuzz:agent-string-ops-0009.2 */
  CALL("\"\xc3\x85NGSTR\xc3\x96M\"", "toupper", 1, tu_s("\xc3\x85ngstr\xc3\xb6m"));
  CALL("\"\xc3\xa5ngstr\xc3\xb6m\"", "tolower", 1, tu_s("\xc3\x85NGSTR\xc3\x96M"));
  /* emulator:split-function-00 */
  CALL("[\"aa\",\"bb\"]", "split", 2, tu_s("aa_bb"), tu_s("_"));
  CALL("[\"bbb\"]", "split", 3, tu_s("aaa_bbb_ccc"), tu_s("_"), tu_l(1));
  CALL("[\"\"]", "split", 2, tu_s(""), tu_s("_"));
  CALL("[\"a\",\"\",\"b\"]", "split", 2, tu_s("a__b"), tu_s("_"));
  CALL("[\"aa\",\"cc\"]", "split", 2, tu_s("aabbcc"), tu_s("bb"));
  /* fuzz:agent-string-ops-0027.3 */
  CALL("[\"\",\"\"]", "split", 2, tu_s("\\"), tu_s("\\"));
  /* emulator:replace-string-function-01 */
  CALL("\"Number was 1\"", "replace_string", 3, tu_s("Number is 1"), tu_s("is"), tu_s("was"));
  /* fuzz:agent-string-ops-0014.2 */
  CALL("1", "indexof", 2, tu_s("a''b"), tu_s("'"));
  CALL("2", "indexof", 3, tu_s("a''b"), tu_s("'"), tu_l(2));
  CALL("-1", "indexof", 3, tu_s("'start"), tu_s("'"), tu_l(2));
  CALL("3", "indexof", 3, tu_s("end'"), tu_s("'"), tu_l(2));
  /* fuzz:agent-string-ops-0024, 0014.2 */
  CALL("2", "countof", 2, tu_s("hello world hello"), tu_s("hello"));
  CALL("2", "countof", 2, tu_s("a''b"), tu_s("'"));
  /* emulator:reverse-function-01 */
  CALL("\"54321\"", "reverse", 1, tu_l(12345));
  CALL("\"54.321\"", "reverse", 1, tu_r(123.45));
  CALL("\"ZYXWVUTSRQPONMLKJIHGFEDCBA\"", "reverse", 1, tu_s("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
  /* emulator:strrep-function-00 */
  CALL("\"ABCABC\"", "strrep", 2, tu_s("ABC"), tu_l(2));
  CALL("\"123.123.123\"", "strrep", 3, tu_l(123), tu_l(3), tu_s("."));
  CALL("\"00:00:03 00:00:03\"", "strrep", 3, tu_ts("3s"), tu_l(2), tu_s(" "));
  /* emulator:tohex-function-00 */
  CALL("\"100\"", "tohex", 1, tu_l(256));
  CALL("\"ffffffffffffff00\"", "tohex", 1, tu_l(-256));
  CALL("\"ffffff00\"", "tohex", 2, tu_i(-256), tu_l(8));
  CALL("\"00000100\"", "tohex", 2, tu_l(256), tu_l(8));
  /* emulator:array-sort-asc-function-01 via strcat_array */
  CALL("\"a,b\"", "strcat_array", 2, tu_j("[\"a\",\"b\"]"), tu_s(","));
  /* emulator:trim-function-00/02, trim-start-function-00, trim-end-function-00 */
  CALL("\"https://bing.com\"", "trim", 2, tu_s("--"), tu_s("--https://bing.com--"));
  CALL("\"Hello, world!\"", "trim", 2, tu_s("\\s+"), tu_s("    Hello, world!    "));
  CALL("\"bing.com\"", "trim_start", 2, tu_s("https://"), tu_s("https://bing.com"));
  CALL("\"bing\"", "trim_end", 2, tu_s(".com"), tu_s("bing.com"));
  /* fuzz:agent-string-ops-0015.3: one match at the end only */
  CALL("\"xxx\"", "trim_end", 2, tu_s("x"), tu_s("xxxx"));
  /* emulator:let-statement-03 */
  CALL("\"0\"", "trim", 2, tu_s("1"), tu_s("10"));
  CALL("\"\"", "trim", 2, tu_s("1"), tu_s("11"));
}

static void test_encoding(void) {
  /* emulator:base64-*-function-* */
  CALL("\"S3VzdG8=\"", "base64_encode_tostring", 1, tu_s("Kusto"));
  CALL("\"Kusto\"", "base64_decode_tostring", 1, tu_s("S3VzdG8="));
  CALL("\"\"", "base64_decode_tostring", 1, tu_s("U3RyaW5n0KHR0tGA0L7Rh9C60LA="));
  CALL("[75,117,115,116,111]", "base64_decode_toarray", 1, tu_s("S3VzdG8="));
  CALL("\"S3VzdG8=\"", "base64_encode_fromarray", 1, tu_j("[75,117,115,116,111]"));
  CALL("\"10e99626-bc2b-4c75-bb3e-fe606de25700\"", "base64_decode_toguid", 1, tu_s("JpbpECu8dUy7Pv5gbeJXAA=="));
  CALL("null", "base64_decode_toguid", 1, tu_s("abcd1231"));
  /* emulator:url-*-function-00 */
  CALL("\"https%3a%2f%2fwww.bing.com%2fhello+world\"", "url_encode", 1, tu_s("https://www.bing.com/hello world"));
  CALL("\"https%3a%2f%2fwww.bing.com%2fhello%20world%2f\"", "url_encode_component", 1,
       tu_s("https://www.bing.com/hello world/"));
  CALL("\"https://www.bing.com/\"", "url_decode", 1, tu_s("https%3a%2f%2fwww.bing.com%2f"));
  /* emulator:parse-url-function-00 */
  CALL("{\"Scheme\":\"scheme\",\"Host\":\"host\",\"Port\":\"1234\",\"Path\":\"/this/is/a/path\",\"Username\":"
       "\"username\",\"Password\":\"password\",\"Query Parameters\":{\"k1\":\"v1\",\"k2\":\"v2\"},\"Fragment\":"
       "\"fragment\"}",
       "parse_url", 1, tu_s("scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment"));
  /* emulator:parse-path-function-00 */
  CALL("{\"Scheme\":\"\",\"RootPath\":\"C:\\\\\",\"DirectoryPath\":\"C:\\\\temp\",\"DirectoryName\":\"temp\","
       "\"Filename\":\"file.txt\",\"Extension\":\"txt\",\"AlternateDataStreamName\":\"\"}",
       "parse_path", 1, tu_s("C:\\temp\\file.txt"));
  CALL("{\"Scheme\":\"file\",\"RootPath\":\"C:/\",\"DirectoryPath\":\"C:/temp\",\"DirectoryName\":\"temp\","
       "\"Filename\":\"file.txt\",\"Extension\":\"txt\",\"AlternateDataStreamName\":\"some.exe\"}",
       "parse_path", 1, tu_s("file://C:/temp/file.txt:some.exe"));
  CALL("{\"Scheme\":\"\",\"RootPath\":\"\",\"DirectoryPath\":\"\\\\\\\\shared\\\\users\\\\temp\",\"DirectoryName\":"
       "\"temp\",\"Filename\":\"file.txt.gz\",\"Extension\":\"gz\",\"AlternateDataStreamName\":\"\"}",
       "parse_path", 1, tu_s("\\\\shared\\users\\temp\\file.txt.gz"));
}

static void test_datetime(void) {
  /* emulator:datetime-part-function-00 */
  const char *dt = "2017-10-30 01:02:03.7654321";
  CALL("2017", "datetime_part", 2, tu_s("year"), tu_dt(dt));
  CALL("4", "datetime_part", 2, tu_s("quarter"), tu_dt(dt));
  CALL("44", "datetime_part", 2, tu_s("week_of_year"), tu_dt(dt));
  CALL("303", "datetime_part", 2, tu_s("dayOfYear"), tu_dt(dt));
  CALL("765", "datetime_part", 2, tu_s("millisecond"), tu_dt(dt));
  CALL("765432", "datetime_part", 2, tu_s("microsecond"), tu_dt(dt));
  CALL("765432100", "datetime_part", 2, tu_s("nanosecond"), tu_dt(dt));
  /* emulator:day-of-week-function-00..02 */
  CALL("\"00:00:00\"", "dayofweek", 1, tu_dt("1947-11-30 10:00:05"));
  CALL("\"1.00:00:00\"", "dayofweek", 1, tu_dt("1970-05-11"));
  /* emulator:endofmonth-function-00, startofweek-function-00 */
  CALL("\"2016-12-31T23:59:59.9999999Z\"", "endofmonth", 2, tu_dt("2017-01-01 10:10:17"), tu_l(-1));
  CALL("\"2017-02-28T23:59:59.9999999Z\"", "endofmonth", 2, tu_dt("2017-01-01 10:10:17"), tu_l(1));
  CALL("\"2016-12-25T00:00:00.0000000Z\"", "startofweek", 2, tu_dt("2017-01-01 10:10:17"), tu_l(-1));
  /* fuzz:agent-datetime-timespan-0044.2 */
  CALL("\"2020-05-31T00:00:00.0000000Z\"", "startofweek", 2, tu_dt("2020-06-15"), tu_l(-2));
  CALL("\"2020-06-18T00:00:00.0000000Z\"", "startofday", 2, tu_dt("2020-06-15 13:45:00"), tu_l(3));
  CALL("\"2020-06-15T23:59:59.9999999Z\"", "endofday", 1, tu_dt("2020-06-15 13:45:00"));
  /* fuzz:agent-datetime-timespan-0033.2: ISO weeks */
  CALL("53", "week_of_year", 1, tu_dt("2016-01-01"));
  CALL("52", "week_of_year", 1, tu_dt("2017-01-01"));
  CALL("53", "week_of_year", 1, tu_dt("2021-01-03"));
  CALL("53", "week_of_year", 1, tu_dt("2020-12-31"));
  /* fuzz:agent-datetime-timespan-0029.2 */
  CALL("60", "dayofyear", 1, tu_dt("2000-02-29"));
  CALL("60", "dayofyear", 1, tu_dt("1900-03-01"));
  /* fuzz:agent-datetime-timespan-0025..0030, 0011.2, 0004.3 */
  CALL("1", "datetime_diff", 3, tu_s("year"), tu_dt("2021-01-01"), tu_dt("2020-01-01"));
  CALL("4", "datetime_diff", 3, tu_s("quarter"), tu_dt("2021-01-01"), tu_dt("2020-01-01"));
  CALL("2.0", "datetime_diff", 3, tu_s("week"), tu_dt("2020-01-15"), tu_dt("2020-01-01")); /* real (emulator:datetime-diff-function-00) */
  CALL("29", "datetime_diff", 3, tu_s("day"), tu_dt("2020-03-01"), tu_dt("2020-02-01"));
  CALL("-1", "datetime_diff", 3, tu_s("year"), tu_dt("2020-12-31"), tu_dt("2021-01-01"));
  CALL("-1", "datetime_diff", 3, tu_s("month"), tu_dt("2020-01-31"), tu_dt("2020-02-01"));
  CALL("0", "datetime_diff", 3, tu_s("day"), tu_dt("2020-01-01 23:00:00"), tu_dt("2020-01-01 01:00:00"));
  CALL("2", "datetime_diff", 3, tu_s("microsecond"), tu_dt("2020-01-01 00:00:00.0000020"),
       tu_dt("2020-01-01 00:00:00.0000005"));
  /* fuzz:agent-datetime-timespan-0035.2 */
  CALL("\"2020-02-29T23:59:59.9999999Z\"", "datetime_add", 3, tu_s("day"), tu_l(1),
       tu_dt("2020-02-28 23:59:59.9999999"));
  /* emulator:format-datetime-function-00..02, fuzz:agent-datetime-timespan-0033/0017.2 */
  CALL("\"17-01-29 [09:00:05]\"", "format_datetime", 2, tu_dt("2017-01-29 09:00:05"), tu_s("yy-MM-dd [HH:mm:ss]"));
  CALL("\"2017-1-29 [9:00:05]\"", "format_datetime", 2, tu_dt("2017-01-29 09:00:05"), tu_s("yyyy-M-dd [H:mm:ss]"));
  CALL("\"17-01-29 [09:00:05 AM]\"", "format_datetime", 2, tu_dt("2017-01-29 09:00:05"),
       tu_s("yy-MM-dd [hh:mm:ss tt]"));
  CALL("\"6/15/2020 1:45:09 PM\"", "format_datetime", 2, tu_dt("2020-06-15 13:45:09"), tu_s("M/d/yyyy h:mm:ss tt"));
  CALL("\"09.05\"", "format_datetime", 2, tu_dt("2020-06-15 13:45:09.05"), tu_s("ss.ff"));
  /* emulator:format-timespan-function-00, fuzz 0019.2 / 0020.2 / 0037 */
  CALL("\"29.09:00:05:12\"", "format_timespan", 2, tu_ts("29.09:00:05.12345"), tu_s("dd.hh:mm:ss:FF"));
  CALL("\"029.9:00:05 [1234500]\"", "format_timespan", 2, tu_ts("29.09:00:05.12345"),
       tu_s("ddd.h:mm:ss [fffffff]"));
  CALL("\"02:01\"", "format_timespan", 2, tu_ts("1.02:01:00"), tu_s("hh:mm"));
  CALL("\"-1.02:30:00\"", "format_timespan", 2, tu_ts("-1.02:30:00"), tu_s("d.hh:mm:ss"));
  CALL("\"-01:30\"", "format_timespan", 2, tu_ts("-90s"), tu_s("mm:ss"));
  /* fuzz:agent-datetime-timespan-0032.2 */
  CALL("\"2020-02-15T00:00:00.0000000Z\"", "make_datetime", 3, tu_l(2020), tu_l(2), tu_l(15));
  CALL("\"1970-01-01T00:00:01.0000000Z\"", "unixtime_seconds_todatetime", 1, tu_l(1));
  CALL("\"1970-01-01T00:00:00.0010000Z\"", "unixtime_milliseconds_todatetime", 1, tu_l(1));
}

static void test_math(void) {
  /* emulator:bin-at-function-00..03, fuzz:agent-datetime-timespan-0002 / 0005.2 */
  CALL("4.5", "bin_at", 3, tu_r(6.5), tu_r(2.5), tu_l(7));
  CALL("\"-12:00:00\"", "bin_at", 3, tu_ts("01:00:00"), tu_ts("1d"), tu_ts("12:00:00"));
  CALL("\"2017-05-14T12:00:00.0000000Z\"", "bin_at", 3, tu_dt("2017-05-15 10:20:00"), tu_ts("1d"),
       tu_dt("1970-01-01 12:00:00"));
  CALL("\"2017-05-14T00:00:00.0000000Z\"", "bin_at", 3, tu_dt("2017-05-17 10:20:00"), tu_ts("7d"),
       tu_dt("2017-06-04 00:00:00"));
  CALL("\"2023-03-12T06:07:00.0000000Z\"", "bin_at", 3, tu_dt("2023-03-12 07:30:00"), tu_ts("90m"),
       tu_dt("2023-03-12 00:07:00"));
  /* fuzz:agent-datetime-timespan-0036.2 / 0044 */
  CALL("\"1969-06-15T13:00:00.0000000Z\"", "bin", 2, tu_dt("1969-06-15 13:45:00"), tu_ts("1h"));
  CALL("\"2020-02-28T00:00:00.0000000Z\"", "bin", 2, tu_dt("2020-02-28 23:59:59.9999999"), tu_ts("1d"));
  CALL("10", "bin", 2, tu_l(14), tu_l(5));
  CALL("-10", "bin", 2, tu_l(-6), tu_l(5));
  /* emulator:ceiling-function-00, sign-function-00, abs-function-00 */
  CALL("-1.0", "ceiling", 1, tu_r(-1.1));
  CALL("1.0", "ceiling", 1, tu_r(0.9));
  CALL("-1.0", "sign", 1, tu_l(-42));
  CALL("1.0", "sign", 1, tu_r(11.2));
  CALL("5", "abs", 1, tu_l(-5));
  /* emulator:pow-function-00, exp-function-00, log-function-00 */
  CALL("8.0", "pow", 2, tu_l(2), tu_l(3));
  CALL("7.38905609893065", "exp", 1, tu_l(2));
  CALL("1.6094379124341003", "log", 1, tu_l(5));
  CALL("0.6989700043360189", "log10", 1, tu_l(5));
  /* fuzz:t1-type-casts-coercion-0016: round(r, 1) */
  CALL("3.3", "round", 2, tu_r(3.25), tu_l(1));
  CALL("100000.5", "round", 2, tu_r(100000.5), tu_l(1));
  /* emulator:binary-all-and-aggregation-function-00 helpers */
  CALL("4", "binary_and", 2, tu_l(6), tu_l(12));
  CALL("14", "binary_or", 2, tu_l(6), tu_l(12));
  CALL("10", "binary_xor", 2, tu_l(6), tu_l(12));
  CALL("-7", "binary_not", 1, tu_l(6));
  CALL("24", "binary_shift_left", 2, tu_l(6), tu_l(2));
  CALL("3", "binary_shift_right", 2, tu_l(12), tu_l(2));
  /* Rx.KQL ntohs: 0x5000 (port 80 in network order) -> 80 */
  CALL("80", "ntohs", 1, tu_l(0x5000));
}

static void test_dynamic(void) {
  /* emulator:array-slice-function-00..02 */
  CALL("[2,3]", "array_slice", 3, tu_j("[1,2,3]"), tu_l(1), tu_l(2));
  CALL("[3,4,5]", "array_slice", 3, tu_j("[1,2,3,4,5]"), tu_l(2), tu_l(-1));
  CALL("[3,4]", "array_slice", 3, tu_j("[1,2,3,4,5]"), tu_l(-3), tu_l(-2));
  /* emulator:array-sort-asc-function-03/04, desc-03 */
  CALL("[\"blue\",\"green\",\"yellow\",null,null]", "array_sort_asc", 1, tu_j("[null,\"blue\",\"yellow\",\"green\",null]"));
  CALL("[null,null,\"blue\",\"green\",\"yellow\"]", "array_sort_asc", 2, tu_j("[null,\"blue\",\"yellow\",\"green\",null]"),
       kv_bool(false));
  CALL("[\"yellow\",\"green\",\"blue\",null,null]", "array_sort_desc", 1,
       tu_j("[null,\"blue\",\"yellow\",\"green\",null]"));
  /* emulator:array-rotate-*, array-shift-* */
  CALL("[3,4,5,1,2]", "array_rotate_left", 2, tu_j("[1,2,3,4,5]"), tu_l(2));
  CALL("[4,5,1,2,3]", "array_rotate_left", 2, tu_j("[1,2,3,4,5]"), tu_l(-2));
  CALL("[4,5,1,2,3]", "array_rotate_right", 2, tu_j("[1,2,3,4,5]"), tu_l(2));
  CALL("[3,4,5,null,null]", "array_shift_left", 2, tu_j("[1,2,3,4,5]"), tu_l(2));
  CALL("[-1,-1,1,2,3]", "array_shift_left", 3, tu_j("[1,2,3,4,5]"), tu_l(-2), tu_l(-1));
  CALL("[null,null,1,2,3]", "array_shift_right", 2, tu_j("[1,2,3,4,5]"), tu_l(2));
  /* emulator:array-split-function-00/01 */
  CALL("[[1,2],[3,4,5]]", "array_split", 2, tu_j("[1,2,3,4,5]"), tu_l(2));
  CALL("[[1],[2,3],[4,5]]", "array_split", 2, tu_j("[1,2,3,4,5]"), tu_j("[1,3]"));
  /* emulator:array-iff-function-00..03 */
  CALL("[1,5,3]", "array_iff", 3, tu_j("[true,false,true]"), tu_j("[1,2,3]"), tu_j("[4,5,6]"));
  CALL("[\"yes\",\"no\",\"yes\"]", "array_iff", 3, tu_j("[1,0,50]"), tu_s("yes"), tu_s("no"));
  CALL("[null,null,null]", "array_iff", 3, tu_j("[\"s\",\"2022-01-01\",null]"), tu_l(1), tu_l(0));
  CALL("[1,2,null]", "array_iff", 3, tu_j("[true,true,true]"), tu_j("[1,2]"), tu_j("[3,4]"));
  /* emulator:array-concat-function-00 */
  CALL("[1,2,4,1,2]", "array_concat", 2, tu_j("[1,2,4]"), tu_j("[1,2]"));
  /* fuzz:agent-null-and-edge-0044 */
  CALL("null", "array_length", 1, tu_j("{\"a\":1}"));
  CALL("0", "array_length", 1, tu_j("[]"));
  /* emulator:bag-merge-function-00 */
  CALL("{\"A1\":12,\"B1\":2,\"C1\":3,\"A2\":81,\"B2\":82}", "bag_merge", 2, tu_j("{\"A1\":12,\"B1\":2,\"C1\":3}"),
       tu_j("{\"A2\":81,\"B2\":82,\"A1\":1}"));
  /* emulator:bag-remove-keys-function-00/01 */
  CALL("{\"key1\":123}", "bag_remove_keys", 2, tu_j("{\"key1\":123,\"key2\":\"abc\"}"), tu_j("[\"key2\",\"key4\"]"));
  CALL("{\"key1\":123,\"key2\":{\"prop2\":\"xyz\"}}", "bag_remove_keys", 2,
       tu_j("{\"key1\":123,\"key2\":{\"prop1\":\"abc\",\"prop2\":\"xyz\"},\"key3\":[100,200]}"),
       tu_j("[\"$.key2.prop1\",\"key3\"]"));
  /* emulator:bag-set-key-function-00/01 */
  CALL("{\"key1\":1,\"key3\":3}", "bag_set_key", 3, tu_j("{\"key1\":1,\"key3\":\"abc\"}"), tu_s("key3"), tu_l(3));
  CALL("{\"key1\":123,\"key2\":{\"prop1\":\"abc\"}}", "bag_set_key", 3, tu_j("{\"key1\":123}"), tu_s("$.key2.prop1"),
       tu_s("abc"));
  /* emulator:bag-zip-00..04 */
  CALL("{\"a\":1,\"b\":\"2\",\"c\":3.4}", "bag_zip", 2, tu_j("[\"a\",\"b\",\"c\"]"), tu_j("[1,\"2\",3.4]"));
  CALL("{\"a\":1,\"b\":\"2\",\"c\":null}", "bag_zip", 2, tu_j("[\"a\",\"b\",\"c\"]"), tu_j("[1,\"2\"]"));
  CALL("{\"a\":1,\"b\":2.5}", "bag_zip", 2, tu_j("[\"a\",8,\"b\"]"), tu_j("[1,\"2\",2.5]"));
  CALL("{\"a\":null,\"b\":null}", "bag_zip", 2, tu_j("[\"a\",8,\"b\"]"), tu_j("1"));
  CALL("null", "bag_zip", 2, tu_j("\"a\""), tu_j("[1]"));
  /* sets, zip, pack */
  CALL("[1,2,3,4]", "set_union", 2, tu_j("[1,2,3]"), tu_j("[2,4]"));
  CALL("[2]", "set_intersect", 2, tu_j("[1,2,3]"), tu_j("[2,4]"));
  CALL("[1,3]", "set_difference", 2, tu_j("[1,2,3]"), tu_j("[2,4]"));
  CALL("[[1,4],[2,5],[3,null]]", "zip", 2, tu_j("[1,2,3]"), tu_j("[4,5]"));
  CALL("{\"g\":1,\"c\":2}", "bag_pack", 4, tu_s("g"), tu_l(1), tu_s("c"), tu_l(2));
  CALL("[1,\"2\",\"00:00:02\"]", "pack_array", 3, tu_l(1), tu_s("2"), tu_ts("2s"));
  /* fuzz:agent-dynamic-json-0035.3: array_sum is real */
  kv_type t;
  TEST_EQ_STR(tu_call("array_sum", &t, 1, tu_j("[3,4,5]")), "12.0");
  TEST_EQ_INT(t, KV_REAL);
}

static void test_hash_ip(void) {
  /* emulator:hash-function-00..02, hash-xxhash64-function-00 */
  CALL("1846988464401551951", "hash", 1, tu_s("World"));
  CALL("51", "hash", 2, tu_s("World"), tu_l(100));
  CALL("1380966698541616202", "hash", 1, tu_dt("2015-01-01"));
  CALL("753694413698530628", "hash_xxhash64", 1, tu_s("Hello"));
  /* emulator:hash-md5/sha1/sha256-function-00 */
  CALL("\"f5a7924e621e84c9280a9a27e1bcb7f6\"", "hash_md5", 1, tu_s("World"));
  CALL("\"786c530672d1f8db31fee25ea8a9390b\"", "hash_md5", 1, tu_dt("2020-01-01"));
  CALL("\"70c07ec18ef89c5309bbb0937f3a6342411e1fdd\"", "hash_sha1", 1, tu_s("World"));
  CALL("\"e903e533f4d636b4fc0dcf3cf81e7b7f330de776\"", "hash_sha1", 1, tu_dt("2020-01-01"));
  CALL("\"78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524\"", "hash_sha256", 1, tu_s("World"));
  /* emulator:parse-ipv4-function-00, parse-ipv4-mask-function-00 */
  CALL("3232235777", "parse_ipv4", 1, tu_s("192.168.1.1"));
  CALL("3232235776", "parse_ipv4", 1, tu_s("192.168.1.1/24"));
  CALL("4294967294", "parse_ipv4", 1, tu_s("255.255.255.255/31"));
  CALL("2130706432", "parse_ipv4_mask", 2, tu_s("127.0.0.1"), tu_l(24));
  /* emulator:ipv4-is-private-function-01, ipv4-netmask-suffix-function-00 */
  CALL("true", "ipv4_is_private", 1, tu_s("192.168.1.1/24"));
  CALL("false", "ipv4_is_private", 1, tu_s("127.0.0.1"));
  CALL("16", "ipv4_netmask_suffix", 1, tu_s("127.0.0.1/16"));
  /* emulator:ipv4-compare-function-00/01, ipv4-is-match-function-01, ipv4-is-in-range-function-00 */
  CALL("0", "ipv4_compare", 2, tu_s("192.168.1.1/30"), tu_s("192.168.1.255/24"));
  CALL("0", "ipv4_compare", 3, tu_s("192.168.1.1"), tu_s("192.168.1.0"), tu_l(31));
  CALL("true", "ipv4_is_match", 3, tu_s("192.168.1.1"), tu_s("192.168.1.255"), tu_l(24));
  CALL("true", "ipv4_is_in_range", 2, tu_s("192.168.1.1"), tu_s("192.168.1.255/24"));
  /* emulator:ipv4-is-in-any-range-function-00/02 */
  CALL("true", "ipv4_is_in_any_range", 4, tu_s("192.168.1.6"), tu_s("192.168.1.1/24"), tu_s("10.0.0.1/8"),
       tu_s("127.1.0.1/16"));
  CALL("false", "ipv4_is_in_any_range", 2, tu_s("123.1.11.21"),
       tu_j("[\"192.168.1.1/16\",\"127.0.0.1/8\",\"10.0.0.1/8\"]"));
  /* emulator:format-ipv4-function-00 */
  CALL("\"192.168.1.0\"", "format_ipv4", 2, tu_s("192.168.1.1"), tu_l(24));
  CALL("\"192.168.1.0/24\"", "format_ipv4_mask", 2, tu_s("192.168.1.1/24"), tu_l(32));
  CALL("\"\"", "format_ipv4", 2, tu_s("192.168.1.1/24"), tu_l(-1));
  /* emulator:has-ipv4-function-00..02, has-ipv4-prefix-function-00..03, has-any-ipv4-* */
  CALL("true", "has_ipv4", 2, tu_s("05:04:54 127.0.0.1 GET /favicon.ico 404"), tu_s("127.0.0.1"));
  CALL("false", "has_ipv4", 2, tu_s("05:04:54 127.0.0.256 GET /favicon.ico 404"), tu_s("127.0.0.256"));
  CALL("false", "has_ipv4", 2, tu_s("05:04:54127.0.0.1 GET /favicon.ico 404"), tu_s("127.0.0.1"));
  CALL("true", "has_ipv4_prefix", 2, tu_s("05:04:54 127.0.0.1 GET /favicon.ico 404"), tu_s("127.0."));
  CALL("false", "has_ipv4_prefix", 2, tu_s("05:04:54 127.0.0.1 GET /favicon.ico 404"), tu_s("127.0"));
  CALL("false", "has_ipv4_prefix", 2, tu_s("05:04:54 127.0.0.256 GET /favicon.ico 404"), tu_s("127.0."));
  CALL("true", "has_any_ipv4", 2, tu_s("05:04:54 127.0.0.1 GET /favicon.ico 404"),
       tu_j("[\"127.0.0.1\",\"127.0.0.2\"]"));
  CALL("false", "has_any_ipv4_prefix", 3, tu_s("05:04:54127.0.0.1 GET /favicon.ico 404"), tu_s("127.0."),
       tu_s("192."));
  /* emulator:ipv4-range-to-cidr-list-function-00 */
  CALL("[\"1.1.128.0/21\",\"1.1.136.0/22\",\"1.1.140.0/24\"]", "ipv4_range_to_cidr_list", 2, tu_s("1.1.128.0"),
       tu_s("1.1.140.255"));
  CALL("[\"0.0.0.0/0\"]", "ipv4_range_to_cidr_list", 2, tu_s("0.0.0.0"), tu_s("255.255.255.255"));
  /* emulator:parse-ipv6-function-00, parse-ipv6-mask-function-00 */
  CALL("\"0000:0000:0000:0000:0000:ffff:c0a8:ff00\"", "parse_ipv6", 1, tu_s("192.168.255.255/24"));
  CALL("\"fe80:0000:0000:0000:085d:e82c:9446:7900\"", "parse_ipv6_mask", 2, tu_s("fe80::85d:e82c:9446:7994/120"),
       tu_l(124));
  CALL("\"0000:0000:0000:0000:0000:0000:c0a8:ffff\"", "parse_ipv6_mask", 2, tu_s("::192.168.255.255"), tu_l(128));
  /* emulator:ipv6-is-in-range-function-00 */
  CALL("true", "ipv6_is_in_range", 2, tu_s("a5e:f127:8a9d:146d:e102:b5d3:c755:abcd"),
       tu_s("a5e:f127:8a9d:146d:e102:b5d3:c755:0000/112"));
  CALL("false", "ipv6_is_in_range", 2, tu_s("a5e:f127:8a9d:146d:e102:b5d3:c755:abcd"),
       tu_s("0:0:0:0:0:ffff:c0a8:ac/60"));
}

static void test_misc(void) {
  /* emulator:parse-command-line-function-00 */
  CALL("[\"echo\",\"hello world!\"]", "parse_command_line", 2, tu_s("echo \"hello world!\""), tu_s("windows"));
  /* Microsoft's "Parsing C command-line arguments" table: a\"b c d ->
   * a"b, c, d (an odd backslash run before a quote makes it literal). */
  CALL("[\"a\\\"b\",\"c d\",\"e\"]", "parse_command_line", 2, tu_s("a\\\"b \"c d\" e"), tu_s("windows"));
  /* emulator:range-function-03, around-function-00, format-bytes-function-00, parse-csv-function-01 */
  CALL("[\"01:00:00\",\"02:00:00\",\"03:00:00\"]", "range", 2, tu_ts("1h"), tu_ts("3h"));
  CALL("[1,4,7]", "range", 3, tu_l(1), tu_l(8), tu_l(3));
  CALL("true", "around", 3, tu_dt("2021-01-01 01:29"), tu_dt("2021-01-01 01:30"), tu_ts("1m"));
  CALL("false", "around", 3, tu_dt("2021-01-01 01:28"), tu_dt("2021-01-01 01:30"), tu_ts("1m"));
  CALL("\"564 Bytes\"", "format_bytes", 1, tu_l(564));
  CALL("\"10.1 KB\"", "format_bytes", 2, tu_l(10332), tu_l(1));
  CALL("\"19.08 MB\"", "format_bytes", 2, tu_l(20010332), tu_l(2));
  CALL("\"19541 KB\"", "format_bytes", 3, tu_l(20010332), tu_l(0), tu_s("KB"));
  CALL("[\"aa\",\"b,b,b\",\"cc\",\"Escaping quotes: \\\"Title\\\"\"]", "parse_csv", 1,
       tu_s("aa,\"b,b,b\",cc,\"Escaping quotes: \"\"Title\"\"\""));
  /* emulator:has-any-index-function-00 */
  CALL("0", "has_any_index", 2, tu_s("this is an example"), tu_j("[\"this\",\"example\"]"));
  CALL("1", "has_any_index", 2, tu_s("this is an example"), tu_j("[\"not\",\"example\"]"));
  CALL("-1", "has_any_index", 2, tu_s("this is an example"), tu_j("[]"));
  /* emulator:series-add/divide/sign-function-00 */
  CALL("[5,4,5]", "series_add", 2, tu_j("[1,2,4]"), tu_j("[4,2,1]"));
  CALL("[0.25,1.0,4.0]", "series_divide", 2, tu_j("[1,2,4]"), tu_j("[4,2,1]"));
  CALL("[-1,0,1]", "series_sign", 1, tu_j("[-6,0,8]"));
  CALL("[false,true,false]", "series_equals", 2, tu_j("[1,2,4]"), tu_j("[4,2,1]"));
  /* emulator:replace-strings-function-02 */
  CALL("\"Thwas was an example\"", "replace_strings", 3, tu_s("This is an example"), tu_j("[\"is\",\"This\"]"),
       tu_j("[\"was\",\"This\"]"));
  /* emulator:indexof-function-00 */
  CALL("2", "indexof", 4, tu_s("abcdefg"), tu_s("cde"), tu_l(1), tu_l(2));
  CALL("2", "indexof", 3, tu_s("abcdefg"), tu_s("cde"), tu_l(-5));
  CALL("9", "indexof", 5, tu_s("abcdefgabcdefg"), tu_s("cde"), tu_l(1), tu_l(10), tu_l(2));
  CALL("-1", "indexof", 5, tu_s("abcdefgabcdefg"), tu_s("cde"), tu_l(1), tu_l(-1), tu_l(3));
}

static void test_table(void) {
  TEST_CHECK(kql_fn_lookup("strlen", 6) != NULL);
  TEST_CHECK(kql_fn_lookup("StrLen", 6) == NULL); /* names are case-sensitive */
  TEST_CHECK(kql_fn_lookup("no_such_function", 16) == NULL);
  const kql_fn_def *d = kql_fn_lookup("rand", 4);
  TEST_CHECK(d && (d->flags & KQL_FN_NONDETERMINISTIC));
  kv_type ii[2] = {KV_INT, KV_LONG};
  d = kql_fn_lookup("iff", 3);
  kv_type t3[3] = {KV_BOOL, KV_LONG, KV_REAL};
  TEST_CHECK(d && d->result_type(t3, 3) == KV_TYPE_COUNT); /* fuzz:type-casts-coercion-0028.2 */
  kv_type t4[3] = {KV_BOOL, KV_INT, KV_LONG};
  TEST_CHECK(d && d->result_type(t4, 3) == KV_LONG);
  d = kql_fn_lookup("bin", 3);
  TEST_CHECK(d && d->result_type(ii, 2) == KV_LONG);
}

int main(void) {
  TEST_RUN(test_conversion_conditional);
  TEST_RUN(test_strings);
  TEST_RUN(test_encoding);
  TEST_RUN(test_datetime);
  TEST_RUN(test_math);
  TEST_RUN(test_dynamic);
  TEST_RUN(test_hash_ip);
  TEST_RUN(test_misc);
  TEST_RUN(test_table);
  return e2k_test_report();
}
