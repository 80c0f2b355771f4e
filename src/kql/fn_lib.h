/* SPDX-License-Identifier: MIT
 * Private header of the scalar-function library (fn_*.c) and its table
 * (kql_fn_table.c): argument helpers, shared result-type callbacks and the
 * declarations of every function body. Not used by the engine, which sees
 * only kql_fn.h. Owner: kqllib. */
#ifndef E2K_KQL_FN_LIB_H
#define E2K_KQL_FN_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kql/kql_fn.h"
#include "value/kv_ops.h"

/* Declares/defines one function body: kql_fn_<name>(ctx, args, argc). */
#define KQL_FN(name) kv_value kql_fn_##name(kql_fn_ctx *ctx, const kv_value *args, int argc)
#define KQL_RT(name) kv_type kql_rt_##name(const kv_type *t, int argc)

/* ---- argument helpers (fn_common.c) ---- */
/* String view of any argument (see kv_str_view); *tmp must be kv_buf_free'd. */
const char *kql_arg_str(kv_value v, kv_buf *tmp, size_t *len);
/* Integer/real view of a numeric argument (dynamic unwrapped; string
 * arguments are not parsed). false for null / non-numeric. */
bool kql_arg_long(kv_value v, int64_t *out);
bool kql_arg_real(kv_value v, double *out);
/* A new owned string value from a builder (frees the builder). */
kv_value kql_str_from_buf(kv_buf *b);
/* Sets a runtime error message on ctx (first error wins) and returns a null of t. */
kv_value kql_fn_fail(kql_fn_ctx *ctx, kv_type t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Number of UTF-8 code points in s (invalid bytes count one each). */
size_t kql_utf8_count(const char *s, size_t len);
/* Byte offset of the code point with index cp (clamped to len). */
size_t kql_utf8_offset(const char *s, size_t len, size_t cp);

/* ---- shared result types (fn_common.c) ---- */
KQL_RT(boolean);
KQL_RT(int);
KQL_RT(long);
KQL_RT(real);
KQL_RT(decimal);
KQL_RT(string);
KQL_RT(datetime);
KQL_RT(timespan);
KQL_RT(guid);
KQL_RT(dynamic);
KQL_RT(arg0);       /* same type as the first argument */
KQL_RT(common);     /* kv_common_type over all arguments (coalesce, max_of) */
KQL_RT(num_arg0);   /* abs, floor...: int/long -> same, real, decimal; else reject */
KQL_RT(long_or_real); /* long for int/long args, real otherwise (round, ...) */

/* ---- conversion and conditional (fn_convert.c, fn_cond.c) ---- */
KQL_FN(tostring); KQL_FN(toint); KQL_FN(tolong); KQL_FN(toreal); KQL_FN(todecimal);
KQL_FN(tobool); KQL_FN(todatetime); KQL_FN(totimespan); KQL_FN(toguid); KQL_FN(todynamic);
KQL_FN(gettype); KQL_FN(dynamic_to_json);
KQL_FN(iff); KQL_FN(case); KQL_FN(coalesce); KQL_FN(isnull); KQL_FN(isnotnull);
KQL_FN(isempty); KQL_FN(isnotempty); KQL_FN(max_of); KQL_FN(min_of); KQL_FN(not);
KQL_RT(iff); KQL_RT(case);

/* ---- strings (fn_string.c, fn_text.c) ---- */
KQL_FN(strlen); KQL_FN(string_size); KQL_FN(substring); KQL_FN(strcat); KQL_FN(strcat_delim);
KQL_FN(strcat_array); KQL_FN(tolower); KQL_FN(toupper); KQL_FN(trim); KQL_FN(trim_start);
KQL_FN(trim_end); KQL_FN(split); KQL_FN(replace_string); KQL_FN(replace_strings); KQL_FN(indexof);
KQL_FN(reverse); KQL_FN(strrep); KQL_FN(countof); KQL_FN(strcmp); KQL_FN(has_any_fn);
KQL_FN(tohex); KQL_FN(isascii); KQL_FN(isutf8); KQL_FN(unicode_codepoints_from_string);
KQL_FN(unicode_codepoints_to_string); KQL_FN(base64_encode_tostring); KQL_FN(base64_decode_tostring);
KQL_FN(base64_decode_toarray); KQL_FN(base64_encode_fromarray); KQL_FN(base64_encode_fromguid);
KQL_FN(base64_decode_toguid); KQL_FN(url_encode); KQL_FN(url_encode_component); KQL_FN(url_decode);
KQL_FN(parse_url); KQL_FN(parse_urlquery); KQL_FN(parse_path); KQL_FN(parse_version);
KQL_FN(parse_command_line); KQL_FN(format_bytes); KQL_FN(new_guid); KQL_FN(parse_csv);
KQL_RT(split);
KQL_FN(range); KQL_FN(has_any_index); KQL_FN(around);

/* ---- datetime (fn_datetime.c) ---- */
KQL_FN(now); KQL_FN(ago); KQL_FN(datetime_add); KQL_FN(datetime_part); KQL_FN(datetime_diff);
KQL_FN(getyear); KQL_FN(getmonth); KQL_FN(monthofyear); KQL_FN(dayofweek); KQL_FN(dayofmonth);
KQL_FN(dayofyear); KQL_FN(hourofday); KQL_FN(week_of_year); KQL_FN(startofday);
KQL_FN(startofweek); KQL_FN(startofmonth); KQL_FN(startofyear); KQL_FN(endofday);
KQL_FN(endofweek); KQL_FN(endofmonth); KQL_FN(endofyear); KQL_FN(make_datetime);
KQL_FN(make_timespan); KQL_FN(unixtime_seconds_todatetime); KQL_FN(unixtime_milliseconds_todatetime);
KQL_FN(unixtime_microseconds_todatetime); KQL_FN(unixtime_nanoseconds_todatetime);
KQL_FN(format_datetime); KQL_FN(format_timespan); KQL_FN(todatetime_fn);
KQL_FN(datetime_utc_to_local); KQL_FN(datetime_local_to_utc);

/* ---- math and bitwise (fn_math.c) ---- */
KQL_FN(abs); KQL_FN(ceiling); KQL_FN(floor); KQL_FN(round); KQL_FN(sqrt); KQL_FN(pow);
KQL_FN(exp); KQL_FN(exp2); KQL_FN(exp10); KQL_FN(log); KQL_FN(log2); KQL_FN(log10);
KQL_FN(sign); KQL_FN(pi); KQL_FN(rand); KQL_FN(isnan); KQL_FN(isinf); KQL_FN(isfinite);
KQL_FN(bin); KQL_FN(bin_at); KQL_FN(sin); KQL_FN(cos); KQL_FN(tan); KQL_FN(asin);
KQL_FN(acos); KQL_FN(atan); KQL_FN(atan2); KQL_FN(cot); KQL_FN(degrees); KQL_FN(radians);
KQL_FN(binary_and); KQL_FN(binary_or); KQL_FN(binary_xor); KQL_FN(binary_not);
KQL_FN(binary_shift_left); KQL_FN(binary_shift_right); KQL_FN(bitset_count_ones);
KQL_FN(ntohs); KQL_FN(gamma); KQL_FN(loggamma); KQL_FN(erf); KQL_FN(erfc);
KQL_RT(bin); KQL_RT(floor);

/* ---- dynamic (fn_dynamic.c, fn_set.c) ---- */
KQL_FN(array_length); KQL_FN(array_concat); KQL_FN(array_slice); KQL_FN(array_index_of);
KQL_FN(array_sort_asc); KQL_FN(array_sort_desc); KQL_FN(array_sum); KQL_FN(array_reverse);
KQL_FN(array_shift_left); KQL_FN(array_shift_right); KQL_FN(array_rotate_left);
KQL_FN(array_rotate_right); KQL_FN(array_split); KQL_FN(array_iff);
KQL_FN(bag_keys); KQL_FN(bag_merge); KQL_FN(bag_remove_keys); KQL_FN(bag_has_key);
KQL_FN(bag_set_key); KQL_FN(bag_zip); KQL_FN(pack); KQL_FN(pack_array); KQL_FN(set_union);
KQL_FN(set_intersect); KQL_FN(set_difference); KQL_FN(set_has_element); KQL_FN(zip);
KQL_FN(treepath); KQL_FN(jaccard_index);

/* ---- series (fn_series.c) ---- */
KQL_FN(series_add); KQL_FN(series_subtract); KQL_FN(series_multiply); KQL_FN(series_divide); KQL_FN(series_pow); KQL_FN(series_equals); KQL_FN(series_not_equals); KQL_FN(series_greater); KQL_FN(series_greater_equals); KQL_FN(series_less); KQL_FN(series_less_equals); KQL_FN(series_abs); KQL_FN(series_floor); KQL_FN(series_ceiling); KQL_FN(series_exp); KQL_FN(series_log); KQL_FN(series_sin); KQL_FN(series_cos); KQL_FN(series_tan); KQL_FN(series_asin); KQL_FN(series_acos); KQL_FN(series_atan); KQL_FN(series_sign); KQL_FN(series_sum); KQL_FN(series_magnitude);

/* ---- hash (fn_hash.c; digests in kql_digest.c) ---- */
KQL_FN(hash); KQL_FN(hash_sha256); KQL_FN(hash_sha1); KQL_FN(hash_md5); KQL_FN(hash_xxhash64);
KQL_FN(hash_combine); KQL_FN(hash_many);

/* ---- IP addresses (fn_ip.c) ---- */
KQL_FN(parse_ipv4); KQL_FN(parse_ipv4_mask); KQL_FN(ipv4_is_private); KQL_FN(ipv4_is_in_range);
KQL_FN(ipv4_is_in_any_range); KQL_FN(ipv4_is_match); KQL_FN(ipv4_compare);
KQL_FN(ipv4_netmask_suffix); KQL_FN(format_ipv4); KQL_FN(format_ipv4_mask); KQL_FN(parse_ipv6);
KQL_FN(parse_ipv6_mask); KQL_FN(ipv6_compare); KQL_FN(ipv6_is_match); KQL_FN(ipv6_is_in_range);
KQL_FN(ipv6_is_in_any_range); KQL_FN(has_ipv4); KQL_FN(has_ipv4_prefix); KQL_FN(has_any_ipv4);
KQL_FN(has_any_ipv4_prefix); KQL_FN(ipv4_range_to_cidr_list);

/* Table iteration (kql_fn_table.c): tests and listings. */
size_t kql_fn_count(void);
const kql_fn_def *kql_fn_at(size_t idx);
/* The aggregate table, by position (for the library fuzzer). */
size_t kql_agg_count(void);
const kql_agg_def *kql_agg_at(size_t idx);

/* ---- sketches (fn_sketch.c) ---- */
KQL_FN(hll_merge); KQL_FN(dcount_hll); KQL_FN(merge_tdigest); KQL_FN(percentile_tdigest);
KQL_FN(percentiles_array_tdigest); KQL_FN(rank_tdigest); KQL_FN(percentrank_tdigest);
KQL_RT(percentile_tdigest);

#endif
