/* SPDX-License-Identifier: MIT
 * Kusto's conversion rules (tolong, toint, toreal, tobool, tostring,
 * todatetime, totimespan, toguid, todynamic) and the text parsers behind
 * them. Failure gives a typed null, never an error. Owner: kqllib.
 * Engine facts used here are quoted from the corpus in tests/kqllib. */
#include "value/kv_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool kv_is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static void kv_trim(const char **s, size_t *len) {
  const char *p = *s;
  size_t n = *len;
  while (n && kv_is_space(p[0])) p++, n--;
  while (n && kv_is_space(p[n - 1])) n--;
  *s = p;
  *len = n;
}

static bool kv_ieq(const char *s, size_t len, const char *lit) {
  size_t n = strlen(lit);
  if (n != len) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != lit[i]) return false;
  }
  return true;
}

/* Decimal integer with optional sign, or 0x-hex (no sign, parsed as uint64
 * and reinterpreted: tolong("0xFFFFFFFFFFFFFFFF") == -1, fuzz type-casts-0008.2). */
bool kv_parse_long(const char *s, size_t len, int64_t *out) {
  kv_trim(&s, &len);
  if (!len) return false;
  if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t v = 0;
    for (size_t i = 2; i < len; i++) {
      char c = s[i];
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return false;
      if (i - 2 >= 16) return false;
      v = (v << 4) | (uint64_t)d;
    }
    *out = (int64_t)v;
    return true;
  }
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == len) return false;
  uint64_t v = 0;
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
  for (; i < len; i++) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t d = (uint64_t)(c - '0');
    if (v > (limit - d) / 10u) return false;
    v = v * 10u + d;
  }
  *out = neg ? (int64_t)(0u - v) : (int64_t)v;
  return true;
}

/* Portable strtod replacement is overkill: copy to a NUL-terminated buffer
 * and let strtod do the digits, after checking the grammar ourselves (strtod
 * alone accepts hex floats and "INF", which Kusto rejects). */
bool kv_parse_real(const char *s, size_t len, double *out) {
  kv_trim(&s, &len);
  if (!len) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  const char *w = s + i;
  size_t wl = len - i;
  /* todouble("nan"), ("NaN"), ("inf"), ("-inf"), ("Infinity"), ("+Infinity")
   * work; todouble("INF") is null (fuzz type-casts-0010.2). */
  if (kv_ieq(w, wl, "nan")) {
    *out = NAN;
    return true;
  }
  if ((wl == 3 && memcmp(w, "inf", 3) == 0) || kv_ieq(w, wl, "infinity")) {
    *out = neg ? -INFINITY : INFINITY;
    return true;
  }
  size_t digits = 0, j = i;
  while (j < len && s[j] >= '0' && s[j] <= '9') j++, digits++;
  if (j < len && s[j] == '.') {
    j++;
    while (j < len && s[j] >= '0' && s[j] <= '9') j++, digits++;
  }
  if (!digits) return false;
  if (j < len && (s[j] == 'e' || s[j] == 'E')) {
    j++;
    if (j < len && (s[j] == '+' || s[j] == '-')) j++;
    size_t ed = 0;
    while (j < len && s[j] >= '0' && s[j] <= '9') j++, ed++;
    if (!ed) return false;
  }
  if (j != len) return false;
  char tmp[128];
  char *buf = len < sizeof tmp ? tmp : kv_malloc(len + 1);
  memcpy(buf, s, len);
  buf[len] = '\0';
  *out = strtod(buf, NULL);
  if (buf != tmp) free(buf);
  return true;
}

bool kv_parse_bool(const char *s, size_t len, bool *out) {
  kv_trim(&s, &len);
  if (kv_ieq(s, len, "true")) {
    *out = true;
    return true;
  }
  if (kv_ieq(s, len, "false")) {
    *out = false;
    return true;
  }
  /* tobool("1") true, tobool("-1") true, tobool("1.0") null (type-casts-0025.2) */
  int64_t v;
  if (kv_parse_long(s, len, &v)) {
    *out = v != 0;
    return true;
  }
  return false;
}

/* ---- timespan text ---- */

static bool kv_unit_ticks(const char *u, size_t n, double *ticks) {
  static const struct {
    const char *name;
    double ticks;
  } units[] = {
      {"d", 864000000000.0},        {"day", 864000000000.0},     {"days", 864000000000.0},
      {"h", 36000000000.0},         {"hr", 36000000000.0},       {"hrs", 36000000000.0},
      {"hour", 36000000000.0},      {"hours", 36000000000.0},    {"m", 600000000.0},
      {"min", 600000000.0},         {"minute", 600000000.0},     {"minutes", 600000000.0},
      {"s", 10000000.0},            {"sec", 10000000.0},         {"second", 10000000.0},
      {"seconds", 10000000.0},      {"ms", 10000.0},             {"milli", 10000.0},
      {"millis", 10000.0},          {"millisecond", 10000.0},    {"milliseconds", 10000.0},
      {"microsecond", 10.0},        {"microseconds", 10.0},      {"tick", 1.0},
      {"ticks", 1.0},               {"nanosecond", 0.01},        {"nanoseconds", 0.01},
  };
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (kv_ieq(u, n, units[i].name)) {
      *ticks = units[i].ticks;
      return true;
    }
  }
  return false;
}

static bool kv_read_uint(const char *s, size_t len, size_t *i, int64_t *out, size_t max_digits) {
  size_t start = *i;
  int64_t v = 0;
  while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
    if (*i - start >= max_digits) return false;
    v = v * 10 + (s[*i] - '0');
    (*i)++;
  }
  if (*i == start) return false;
  *out = v;
  return true;
}

/* [-][d.]hh:mm[:ss[.fffffff]] (also d:hh:mm:ss as .NET allows). */
static bool kv_parse_clock(const char *s, size_t len, int64_t *ticks) {
  size_t i = 0;
  bool neg = false;
  if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  int64_t a, days = 0, h, m, sec = 0, frac = 0;
  if (!kv_read_uint(s, len, &i, &a, 9)) return false;
  if (i < len && s[i] == '.') {
    days = a;
    i++;
    if (!kv_read_uint(s, len, &i, &h, 2)) return false;
  } else {
    h = a;
  }
  if (i >= len || s[i] != ':') return false;
  i++;
  if (!kv_read_uint(s, len, &i, &m, 2)) return false;
  if (i < len && s[i] == ':') {
    i++;
    if (!kv_read_uint(s, len, &i, &sec, 2)) return false;
    if (i < len && s[i] == '.') {
      i++;
      size_t fs = i;
      int64_t f = 0;
      while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (i - fs < 7) f = f * 10 + (s[i] - '0');
        i++;
      }
      if (i == fs) return false;
      for (size_t k = i - fs; k < 7; k++) f *= 10;
      frac = f;
    }
  }
  if (i != len) return false;
  /* 10675199 days is TimeSpan.MaxValue's day count: larger would overflow. */
  if (h > 23 || m > 59 || sec > 59 || days > 10675199) return false;
  int64_t t = days * KV_TICKS_PER_DAY + h * INT64_C(36000000000) + m * INT64_C(600000000) +
              sec * KV_TICKS_PER_SECOND + frac;
  *ticks = neg ? -t : t;
  return true;
}

bool kv_parse_timespan(const char *s, size_t len, int64_t *ticks) {
  kv_trim(&s, &len);
  if (!len) return false;
  if (memchr(s, ':', len)) return kv_parse_clock(s, len, ticks);
  /* <number><unit>: split at the first letter. */
  size_t i = 0;
  while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-' || s[i] == '+')) i++;
  double num;
  if (i == 0 || !kv_parse_real(s, i, &num) || !isfinite(num)) return false;
  double unit;
  /* A bare number has no unit: totimespan("1.5") is null
   * (fuzz type-casts-coercion-0014.3). */
  if (i == len || !kv_unit_ticks(s + i, len - i, &unit)) return false;
  double t = num * unit;
  if (!(t > -9.2e18 && t < 9.2e18)) return false;
  *ticks = (int64_t)llround(t);
  return true;
}

/* ---- numeric views ---- */

bool kv_num_long(kv_value v, int64_t *out) {
  if (kv_is_null(v)) return false;
  switch (kv_scalar_type(v)) {
  case KV_BOOL: *out = v.u.b ? 1 : 0; return true;
  case KV_INT:
  case KV_LONG:
  case KV_DATETIME:
  case KV_TIMESPAN: *out = v.u.i; return true;
  default: return false;
  }
}

bool kv_num_real(kv_value v, double *out) {
  if (kv_is_null(v)) return false;
  switch (kv_scalar_type(v)) {
  case KV_BOOL: *out = v.u.b ? 1.0 : 0.0; return true;
  case KV_INT:
  case KV_LONG:
  case KV_DATETIME:
  case KV_TIMESPAN: *out = (double)v.u.i; return true;
  case KV_REAL:
  case KV_DECIMAL: *out = v.u.r; return true;
  default: return false;
  }
}

int kv_truth(kv_value v) {
  if (kv_is_null(v)) return -1;
  if (kv_scalar_type(v) == KV_BOOL) return v.u.b ? 1 : 0;
  return -1;
}

/* The bytes of a string value (typed or dynamic); false for other kinds. */
static bool kv_string_bytes(kv_value v, const char **s, size_t *len) {
  if (kv_scalar_type(v) != KV_STRING || kv_is_null(v)) return false;
  *s = v.u.s;
  *len = v.len;
  return true;
}

/* real -> int64 the way tolong() does it: truncation toward zero, saturating
 * for finite values out of range (tolong(dynamic(1.79e308)) ==
 * 9223372036854775807), null for NaN and infinities (type-casts-0043.2,
 * null-and-edge-0031.3). */
static bool kv_real_to_i64(double r, int64_t *out) {
  if (!isfinite(r)) return false;
  if (r >= 9223372036854775807.0) *out = INT64_MAX;
  else if (r <= -9223372036854775808.0) *out = INT64_MIN;
  else *out = (int64_t)r;
  return true;
}

kv_value kv_to_long(kv_value v) {
  int64_t i;
  double r;
  const char *s = NULL;
  size_t n = 0;
  if (kv_is_null(v)) return kv_null(KV_LONG);
  switch (kv_scalar_type(v)) {
  case KV_REAL:
  case KV_DECIMAL:
    return kv_real_to_i64(v.u.r, &i) ? kv_long(i) : kv_null(KV_LONG);
  case KV_STRING:
    kv_string_bytes(v, &s, &n);
    if (kv_parse_long(s, n, &i)) return kv_long(i);
    return kv_null(KV_LONG);
  default:
    if (kv_num_long(v, &i)) return kv_long(i);
    (void)r;
    return kv_null(KV_LONG);
  }
}

kv_value kv_to_int(kv_value v) {
  int64_t i;
  const char *s = NULL;
  size_t n = 0;
  if (kv_is_null(v)) return kv_null(KV_INT);
  switch (kv_scalar_type(v)) {
  case KV_REAL:
  case KV_DECIMAL: {
    /* toint(2.9) == 2, toint(-2.5) == -2; toint(dynamic(1.79e308)) ==
     * 2147483647 (saturating, type-casts-0043.2). */
    double r = v.u.r;
    if (!isfinite(r)) return kv_null(KV_INT);
    if (r >= 2147483647.0) return kv_int(INT32_MAX);
    if (r <= -2147483648.0) return kv_int(INT32_MIN);
    return kv_int((int32_t)r);
  }
  case KV_STRING:
    /* toint("2147483648") is null: out of range strings do not wrap. */
    kv_string_bytes(v, &s, &n);
    if (kv_parse_long(s, n, &i)) {
      const char *t = s;
      size_t tl = n;
      kv_trim(&t, &tl);
      bool hex = tl > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
      if (hex) {
        /* toint("0x7FFFFFFF") == 2147483647; larger hex is out of range */
        if ((uint64_t)i > UINT32_MAX) return kv_null(KV_INT);
        return kv_int((int32_t)(uint32_t)i);
      }
      if (i < INT32_MIN || i > INT32_MAX) return kv_null(KV_INT);
      return kv_int((int32_t)i);
    }
    return kv_null(KV_INT);
  default:
    /* long -> int keeps the low 32 bits: toint(dynamic(9223372036854775807))
     * == -1 (type-casts-0043.2). */
    if (kv_num_long(v, &i)) return kv_int((int32_t)(uint32_t)(uint64_t)i);
    return kv_null(KV_INT);
  }
}

kv_value kv_to_real(kv_value v) {
  double r;
  const char *s;
  size_t n;
  if (kv_is_null(v)) return kv_null(KV_REAL);
  if (kv_string_bytes(v, &s, &n)) return kv_parse_real(s, n, &r) ? kv_real(r) : kv_null(KV_REAL);
  if (kv_num_real(v, &r)) return kv_real(r);
  return kv_null(KV_REAL);
}

/* Kusto's decimal is .NET's 96-bit base-10 System.Decimal; we keep a double.
 * Rounding every decimal to 15 significant digits (the precision .NET keeps
 * when it converts a double to decimal) makes the sums, differences and
 * products of short decimals exact again: 0.1 + 0.2 - 0.3 == 0 and
 * 0.1 + 0.2 == 0.3 (fuzz: type-casts-coercion-0046.2), 1.1 + 2.2 + 3.3 ==
 * 6.6 (aggregation-0035.2). Quotients and values longer than 15 digits keep
 * 15 (Kusto keeps 28): the documented precision limit. */
double kv_decimal_grid(double r) {
  static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (!(r != 0) || !isfinite(r)) return r;
  double a = fabs(r);
  int e = (int)floor(log10(a)); /* a is in [10^e, 10^(e+1)) up to log10 rounding */
  int k = 14 - e;              /* decimal places that keep 15 significant digits */
  double q;
  if (k >= 0 && k <= 22) {
    q = round(r * p10[k]) / p10[k]; /* integer < 2^53 over an exact power: one rounding */
  } else if (k < 0 && -k <= 22) {
    q = round(r / p10[-k]) * p10[-k];
  } else {
    return r; /* tiny or huge: no exact power of ten to round with */
  }
  return isfinite(q) ? q : r;
}

kv_value kv_to_decimal(kv_value v) {
  kv_value r = kv_to_real(v);
  if (kv_is_null(r)) return kv_null(KV_DECIMAL);
  if (!isfinite(r.u.r) || fabs(r.u.r) > 7.9228162514264337593543950335e28) return kv_null(KV_DECIMAL); /* past System.Decimal's range */
  return kv_decimal(r.u.r);
}

kv_value kv_to_bool(kv_value v) {
  const char *s;
  size_t n;
  bool b;
  double r;
  if (kv_is_null(v)) return kv_null(KV_BOOL);
  if (kv_string_bytes(v, &s, &n)) return kv_parse_bool(s, n, &b) ? kv_bool(b) : kv_null(KV_BOOL);
  switch (kv_scalar_type(v)) {
  case KV_BOOL: return kv_bool(v.u.b);
  case KV_INT:
  case KV_LONG: return kv_bool(v.u.i != 0);
  case KV_REAL:
  case KV_DECIMAL:
    r = v.u.r;
    if (isnan(r)) return kv_null(KV_BOOL);
    return kv_bool(r != 0.0);
  default: return kv_null(KV_BOOL);
  }
}

kv_value kv_to_string_value(kv_value v) {
  if (kv_is_null(v)) return kv_string("", 0);
  if (v.type == KV_STRING) return kv_retain(v);
  if (v.type == KV_DYNAMIC && v.dyn == KV_STRING) return kv_string(v.u.s, v.len);
  /* tostring(true) == "True" (.NET's Boolean.ToString, type-casts-0029),
   * while a dynamic bool prints as JSON: tostring(dynamic(true)) == "true"
   * (type-casts-0045). */
  if (v.type == KV_BOOL) return kv_cstring(v.u.b ? "True" : "False");
  /* tostring(1.0) == "1.0", tostring(100000000000.0) == "100000000000.0",
   * tostring(-0.0) == "-0.0", tostring(real(+inf)) == "inf"
   * (type-casts-0021.3, 0023.2): a typed real always shows a fraction. */
  if (v.type == KV_REAL || v.type == KV_DECIMAL) {
    double r = v.u.r;
    if (isinf(r)) return kv_cstring(r > 0 ? "inf" : "-inf");
    kv_buf b;
    kv_buf_init(&b);
    kv_format_real(&b, r);
    if (!isnan(r) && b.data && !memchr(b.data, '.', b.len) && !memchr(b.data, 'e', b.len) &&
        !memchr(b.data, 'E', b.len))
      kv_buf_puts(&b, ".0");
    kv_value out = kv_string(b.data ? b.data : "", b.len);
    kv_buf_free(&b);
    return out;
  }
  kv_buf b;
  kv_buf_init(&b);
  kv_to_text(&b, v);
  kv_value out = kv_string(b.data ? b.data : "", b.len);
  kv_buf_free(&b);
  return out;
}

kv_value kv_to_datetime(kv_value v) {
  const char *s;
  size_t n;
  int64_t t;
  if (kv_is_null(v)) return kv_null(KV_DATETIME);
  if (kv_string_bytes(v, &s, &n)) {
    kv_trim(&s, &n);
    return kv_parse_datetime(s, n, &t) ? kv_datetime(t) : kv_null(KV_DATETIME);
  }
  switch (kv_scalar_type(v)) {
  case KV_DATETIME: return kv_datetime(v.u.i);
  case KV_INT:
  case KV_LONG:
    if (v.u.i < 0) return kv_null(KV_DATETIME);
    return kv_datetime(v.u.i);
  case KV_REAL:
  case KV_DECIMAL:
    if (!(v.u.r >= 0 && v.u.r < 3.2e18)) return kv_null(KV_DATETIME);
    return kv_datetime((int64_t)v.u.r);
  default: return kv_null(KV_DATETIME);
  }
}

kv_value kv_to_timespan(kv_value v) {
  const char *s;
  size_t n;
  int64_t t;
  if (kv_is_null(v)) return kv_null(KV_TIMESPAN);
  if (kv_string_bytes(v, &s, &n)) return kv_parse_timespan(s, n, &t) ? kv_timespan(t) : kv_null(KV_TIMESPAN);
  switch (kv_scalar_type(v)) {
  case KV_TIMESPAN:
  case KV_INT:
  case KV_LONG: return kv_timespan(v.u.i);
  case KV_REAL:
  case KV_DECIMAL:
    if (!kv_real_to_i64(v.u.r, &t)) return kv_null(KV_TIMESPAN);
    return kv_timespan(t);
  default: return kv_null(KV_TIMESPAN);
  }
}

kv_value kv_to_guid(kv_value v) {
  const char *s;
  size_t n;
  uint8_t g[16];
  if (kv_is_null(v)) return kv_null(KV_GUID);
  if (kv_scalar_type(v) == KV_GUID) return kv_guid(v.u.g);
  if (kv_string_bytes(v, &s, &n)) {
    kv_trim(&s, &n);
    if (kv_parse_guid(s, n, g)) return kv_guid(g);
    /* toguid() also takes 32 hex digits with dashes anywhere or none
     * (emulator:toguid-function-00): rebuild the 8-4-4-4-12 form. */
    char hex[32];
    size_t nh = 0;
    for (size_t i = 0; i < n; i++) {
      char c = s[i];
      bool is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (is_hex && nh < 32) hex[nh++] = c;
      else if (c != '-' || nh >= 32) return kv_null(KV_GUID);
    }
    if (nh == 32) {
      char canon[36];
      size_t k = 0;
      for (size_t i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20) canon[k++] = '-';
        canon[k++] = hex[i];
      }
      if (kv_parse_guid(canon, 36, g)) return kv_guid(g);
    }
  }
  return kv_null(KV_GUID);
}

kv_value kv_to_dynamic_value(kv_value v) {
  if (v.type == KV_DYNAMIC) return kv_retain(v);
  if (kv_is_null(v)) return kv_dyn_null();
  if (v.type == KV_STRING) {
    kv_value out;
    char err[8];
    if (kv_parse_json(v.u.s, v.len, &out, err, sizeof err) == 0) return out;
    /* Not JSON: Kusto's parse_json returns the text as a dynamic string. */
    return kv_to_dynamic(v);
  }
  return kv_to_dynamic(v);
}

kv_value kv_convert(kv_value v, kv_type to) {
  switch (to) {
  case KV_BOOL: return kv_to_bool(v);
  case KV_INT: return kv_to_int(v);
  case KV_LONG: return kv_to_long(v);
  case KV_REAL: return kv_to_real(v);
  case KV_DECIMAL: return kv_to_decimal(v);
  case KV_STRING: return kv_to_string_value(v);
  case KV_DATETIME: return kv_to_datetime(v);
  case KV_TIMESPAN: return kv_to_timespan(v);
  case KV_GUID: return kv_to_guid(v);
  case KV_DYNAMIC:
  default:
    if (v.type == KV_DYNAMIC) return kv_retain(v);
    return kv_to_dynamic(v);
  }
}

/* gettype(): typed values give their type name (a typed null too:
 * gettype(toint("bad")) == "int"); dynamic values give the JSON shape:
 * "null", "array", "dictionary", "long", "double" for a dynamic real,
 * "string", "bool" (type-casts-0024.3, 0043.2, null-and-edge-0044). */
const char *kv_gettype_name(kv_value v) {
  if (v.type != KV_DYNAMIC) return kv_type_name((kv_type)v.type);
  switch (v.dyn) {
  case KV_DYN_NULL: return "null";
  case KV_DYN_ARRAY: return "array";
  case KV_DYN_BAG: return "dictionary";
  case KV_REAL: return "double";
  case KV_DECIMAL: return "decimal";
  case KV_LONG: return "long";
  case KV_INT: return "int";
  default: return kv_type_name((kv_type)v.dyn);
  }
}
