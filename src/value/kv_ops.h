/* SPDX-License-Identifier: MIT
 * Kusto value semantics on top of value.h: conversions (tolong("12")...),
 * comparison and ordering, hashing for group-by/distinct, arithmetic with
 * Kusto's result typing, and the string predicates (has, contains, =~ ...).
 * Pure functions of their arguments; no platform headers. Implemented in
 * kv_convert.c, kv_compare.c, kv_arith.c, kv_strops.c (owner: kqllib).
 *
 * Ownership follows value.h: arguments are borrowed, every returned kv_value
 * is a new reference the caller releases (scalars need no release, but
 * calling kv_release on them is always fine).
 *
 * Facts from the real engine (corpus ids in tests/kqllib):
 *   int op int -> long (toint(2147483647)+toint(1) == 2147483648);
 *   long overflow wraps; integer / 0 and % 0 -> null; real / 0 -> +-inf/nan;
 *   == with a null operand is false (null == null too: `where x == x` keeps
 *   no row), but <, <=, >, >= with a null operand are null (`where not(x > 0)`
 *   keeps no row either);
 *   datetime - datetime = timespan; timespan / timespan = real;
 *   x % y is never negative (-7 % 3 == 2, -5.5 % 3.0 == 0.5);
 *   tostring(true) == "True", tostring(1.0) == "1.0" (a typed real always
 *   shows a fraction), a dynamic bool/real prints as JSON. */
#ifndef E2K_VALUE_KV_OPS_H
#define E2K_VALUE_KV_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

/* ---------------------------------------------------------------------
 * Conversions (Kusto's to*() functions). Any input kind, including dynamic
 * scalars; failure gives a typed null of the target type (never an error).
 * kv_convert(v, t) dispatches on t; for KV_DYNAMIC it is todynamic():
 * a string is parsed as JSON (failure -> the string as a dynamic string),
 * a scalar is wrapped, a dynamic is retained.
 * ------------------------------------------------------------------- */
kv_value kv_convert(kv_value v, kv_type to);
kv_value kv_to_bool(kv_value v);     /* "true"/"false" (any case), numbers != 0 */
kv_value kv_to_int(kv_value v);      /* long -> int truncates to 32 bits as Kusto does */
kv_value kv_to_long(kv_value v);     /* "12" -> 12, "1.5" -> null, real -> truncated */
kv_value kv_to_real(kv_value v);     /* "1.5e3" -> 1500, datetime/timespan -> ticks */
kv_value kv_to_decimal(kv_value v);
kv_value kv_to_string_value(kv_value v); /* tostring(): null -> "" */
kv_value kv_to_datetime(kv_value v); /* strings via kv_parse_datetime, long = ticks */
kv_value kv_to_timespan(kv_value v); /* "1.02:03:04.5", "10s", "2d", long = ticks */
kv_value kv_to_guid(kv_value v);
kv_value kv_to_dynamic_value(kv_value v); /* todynamic()/parse_json() */

/* Text parsers used by the conversions (whole input must match; leading and
 * trailing ASCII white space allowed). */
bool kv_parse_long(const char *s, size_t len, int64_t *out);
bool kv_parse_real(const char *s, size_t len, double *out); /* also nan, inf, -inf */
bool kv_parse_bool(const char *s, size_t len, bool *out);
/* Timespan literals and text: "[-][d.]hh:mm[:ss[.fffffff]]", and KQL's
 * "<number><unit>" forms (10s, 1.5h, 2d, 100ms, 3microsecond, 1tick...). */
bool kv_parse_timespan(const char *s, size_t len, int64_t *ticks);

/* Result type of tostring/gettype etc. need no help; gettype() text: */
const char *kv_gettype_name(kv_value v); /* "int","long","real","string","array",
                                            "dictionary","null","double"(dyn real)... */

/* ---------------------------------------------------------------------
 * Numeric views (no allocation). They unwrap dynamic scalars. Return false
 * for nulls and non-numeric kinds.
 * ------------------------------------------------------------------- */
bool kv_num_long(kv_value v, int64_t *out); /* bool/int/long/datetime/timespan ticks */
bool kv_num_real(kv_value v, double *out);  /* any numeric incl. real/decimal */
/* Truth value for where/and/or/not: 1 true, 0 false, -1 null/not a bool.
 * Accepts bool and dynamic bool only. */
int kv_truth(kv_value v);

/* ---------------------------------------------------------------------
 * Type promotion.
 * ------------------------------------------------------------------- */
/* Common type of two branch/argument types for iff/case/coalesce/max_of and
 * union columns: equal -> itself; int,long -> long; int|long,real -> real;
 * any numeric with decimal -> decimal; otherwise KV_TYPE_COUNT (no common
 * type; the binder reports an error). KV_DYNAMIC with anything -> dynamic. */
kv_type kv_common_type(kv_type a, kv_type b);
bool kv_type_is_numeric(kv_type t); /* int, long, real, decimal */

/* ---------------------------------------------------------------------
 * Arithmetic: + - * / % and unary minus, Kusto typing:
 *   int/long x int/long -> long (wraps); any real -> real; decimal -> decimal
 *   datetime +- timespan -> datetime; timespan +- datetime (only +) -> datetime
 *   datetime - datetime -> timespan; timespan +- timespan -> timespan
 *   timespan * number, number * timespan, timespan / number -> timespan
 *   timespan / timespan -> real; timespan % timespan -> timespan
 *   dynamic operands: unwrapped at run time (bind type KV_DYNAMIC gives a
 *   KV_DYNAMIC result type, the value is the typed scalar result wrapped).
 * Null operand -> typed null of the result type. Integer division by zero ->
 * null. kv_arith_type returns KV_TYPE_COUNT for an invalid combination. */
typedef enum kv_arith_op {
  KV_OP_ADD = 0,
  KV_OP_SUB,
  KV_OP_MUL,
  KV_OP_DIV,
  KV_OP_MOD
} kv_arith_op;
kv_type kv_arith_type(kv_arith_op op, kv_type a, kv_type b);
kv_value kv_arith(kv_arith_op op, kv_value a, kv_value b);
kv_value kv_negate(kv_value a); /* same kind as a (int stays int, wraps); timespan ok */
static inline kv_value kv_add(kv_value a, kv_value b) { return kv_arith(KV_OP_ADD, a, b); }
static inline kv_value kv_sub(kv_value a, kv_value b) { return kv_arith(KV_OP_SUB, a, b); }
static inline kv_value kv_mul(kv_value a, kv_value b) { return kv_arith(KV_OP_MUL, a, b); }
static inline kv_value kv_div(kv_value a, kv_value b) { return kv_arith(KV_OP_DIV, a, b); }
static inline kv_value kv_mod(kv_value a, kv_value b) { return kv_arith(KV_OP_MOD, a, b); }

/* ---------------------------------------------------------------------
 * Comparison.
 * ------------------------------------------------------------------- */
typedef enum kv_cmp_op {
  KV_CMP_EQ = 0,
  KV_CMP_NE,
  KV_CMP_LT,
  KV_CMP_LE,
  KV_CMP_GT,
  KV_CMP_GE
} kv_cmp_op;
/* Kusto's comparison operators (==, !=, <, <=, >, >=) between any two values:
 * numeric kinds compare by value across int/long/real/decimal; strings
 * ordinal (byte) order; datetime/timespan by ticks; dynamic scalars are
 * unwrapped first (dynamic arrays/bags compare by JSON text for == / !=);
 * bool as 0/1. Returns 1 true, 0 false, -1 null (same encoding as
 * kv_truth). With a null operand: == -> 0, != -> 1, others -> -1 (null).
 * Incomparable kinds: == 0, != 1, others -1. */
int kv_cmp(kv_cmp_op op, kv_value a, kv_value b);
/* Can these bind-time types be compared with op? (false -> bind error) */
bool kv_cmp_types_ok(kv_cmp_op op, kv_type a, kv_type b);

/* Total order for sort/top/min/max/arg_max: returns <0, 0, >0.
 * Nulls (and NaN) sort before everything when nulls_first, after otherwise;
 * non-null values in ascending order (numbers across kinds by value,
 * strings ordinal, dynamic: by kind then value/JSON text). Callers doing a
 * descending sort negate the result of kv_order(a, b, false) for non-nulls:
 * use kv_sort_compare for that. */
int kv_order(kv_value a, kv_value b, bool nulls_first);
/* sort by x [asc|desc] [nulls first|last]: Kusto's defaults are desc + nulls
 * last, asc + nulls first. */
int kv_sort_compare(kv_value a, kv_value b, bool descending, bool nulls_first);

/* Identity for group-by, distinct, make_set, dcount, join keys: null equals
 * null of any kind; numbers equal across kinds by value (1 == 1L == 1.0);
 * strings byte-equal; dynamic arrays/bags deep-equal (bag keys in any order).
 * kv_hash is consistent with kv_same. */
bool kv_same(kv_value a, kv_value b);
uint64_t kv_hash(kv_value v);
uint64_t kv_hash_bytes(const void *p, size_t len, uint64_t seed);

/* ---------------------------------------------------------------------
 * String predicates (Kusto string operators). Case-insensitive variants use
 * ASCII + Latin-1-free simple folding (Kusto folds with invariant culture;
 * we fold ASCII and the common 2-byte UTF-8 Latin ranges).
 * Terms for has: maximal runs of ASCII alphanumerics (and non-ASCII bytes);
 * `has` matches a whole term, or a prefix/suffix run when the needle itself
 * begins/ends with a non-alphanumeric. (The same rule as Kusto's index.)
 * ------------------------------------------------------------------- */
bool kv_str_eq(const char *a, size_t alen, const char *b, size_t blen, bool cs);
bool kv_str_contains(const char *h, size_t hlen, const char *n, size_t nlen, bool cs);
bool kv_str_startswith(const char *h, size_t hlen, const char *n, size_t nlen, bool cs);
bool kv_str_endswith(const char *h, size_t hlen, const char *n, size_t nlen, bool cs);
bool kv_str_has(const char *h, size_t hlen, const char *n, size_t nlen, bool cs);
bool kv_str_hasprefix(const char *h, size_t hlen, const char *n, size_t nlen, bool cs);
bool kv_str_hassuffix(const char *h, size_t hlen, const char *n, size_t nlen, bool cs);
/* Byte index of the first match, or -1 (cs: case-sensitive). */
int64_t kv_str_find(const char *h, size_t hlen, const char *n, size_t nlen, bool cs);
/* Case-insensitive ordinal comparison (<0, 0, >0), used by =~ and sort. */
int kv_str_cmp_ci(const char *a, size_t alen, const char *b, size_t blen);

/* The string view of a value for the string operators: a string gives its
 * bytes (no copy, *tmp untouched); anything else is rendered with
 * kv_to_text into *tmp (which the caller kv_buf_free()s). Null -> "". */
const char *kv_str_view(kv_value v, kv_buf *tmp, size_t *len);

#endif
