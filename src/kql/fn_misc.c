/* SPDX-License-Identifier: MIT
 * Smaller functions: range() (dynamic series of numbers or times),
 * has_any_index, around, format_bytes, parse_csv (first record).
 * Owner: kqllib. */
#include <math.h>
#include <string.h>

#include "kql/fn_lib.h"

/* Kusto caps dynamic arrays built by range() at 1,048,576 elements. */
#define KQL_RANGE_MAX 1048576

/* range(start, stop[, step]): inclusive, like the range operator; longs,
 * reals, or datetime/timespan with a timespan step. */
KQL_FN(range) {
  kv_type t = kv_scalar_type(args[0]);
  /* The default step is 1, or 1h for times (range(1h, 5h) steps by an hour,
   * emulator:range-function-03). */
  kv_value step = argc > 2 ? args[2]
                  : (t == KV_DATETIME || t == KV_TIMESPAN) ? kv_timespan(INT64_C(36000000000))
                                                           : kv_long(1);
  if (kv_is_null(args[0]) || kv_is_null(args[1]) || kv_is_null(step)) return kv_dyn_null();
  kv_value out = kv_dyn_array();
  if (t == KV_DATETIME || t == KV_TIMESPAN) {
    int64_t a = args[0].u.i, b, s;
    if (!kv_num_long(args[1], &b) || !kv_num_long(step, &s) || s == 0) return out;
    for (int64_t v = a, n = 0; (s > 0 ? v <= b : v >= b) && n < KQL_RANGE_MAX; v += s, n++)
      kv_array_push(out, t == KV_DATETIME ? kv_datetime(v) : kv_timespan(v));
    return out;
  }
  bool ints = (t == KV_INT || t == KV_LONG) && kv_scalar_type(args[1]) != KV_REAL &&
              kv_scalar_type(step) != KV_REAL;
  if (ints) {
    int64_t a, b, s;
    if (!kv_num_long(args[0], &a) || !kv_num_long(args[1], &b) || !kv_num_long(step, &s) || s == 0) return out;
    for (int64_t n = 0; n < KQL_RANGE_MAX; n++) {
      int64_t v = a + n * s;
      if (s > 0 ? v > b : v < b) break;
      kv_array_push(out, kv_long(v));
    }
    return out;
  }
  double a, b, s;
  if (!kv_num_real(args[0], &a) || !kv_num_real(args[1], &b) || !kv_num_real(step, &s) || s == 0 || !isfinite(a))
    return out;
  for (int64_t n = 0; n < KQL_RANGE_MAX; n++) {
    double v = a + (double)n * s;
    if (s > 0 ? v > b : v < b) break;
    kv_array_push(out, kv_real(v));
  }
  return out;
}

/* has_any_index(text, lookups): index of the first lookup the text `has`,
 * or -1 (emulator:has-any-index-function-00; numbers are matched as text). */
KQL_FN(has_any_index) {
  kv_buf t;
  size_t n;
  kv_buf_init(&t);
  const char *s = kql_arg_str(args[0], &t, &n);
  int64_t found = -1;
  for (size_t i = 0; i < kv_array_count(args[1]) && found < 0; i++) {
    kv_buf lt;
    size_t ln;
    kv_buf_init(&lt);
    const char *l = kql_arg_str(kv_array_get(args[1], i), &lt, &ln);
    if (ln && kv_str_has(s, n, l, ln, false)) found = (int64_t)i;
    kv_buf_free(&lt);
  }
  kv_buf_free(&t);
  return kv_long(found);
}

/* around(value, center, delta): center - delta <= value <= center + delta
 * (emulator:around-function-00). */
KQL_FN(around) {
  if (kv_is_null(args[0]) || kv_is_null(args[1]) || kv_is_null(args[2])) return kv_null(KV_BOOL);
  kv_type t = kv_scalar_type(args[0]);
  if (t == KV_DATETIME || t == KV_TIMESPAN || t == KV_INT || t == KV_LONG) {
    int64_t v, c, d;
    if (kv_num_long(args[0], &v) && kv_num_long(args[1], &c) && kv_num_long(args[2], &d))
      return kv_bool(v >= c - d && v <= c + d);
  }
  double v, c, d;
  if (!kv_num_real(args[0], &v) || !kv_num_real(args[1], &c) || !kv_num_real(args[2], &d)) return kv_null(KV_BOOL);
  return kv_bool(v >= c - d && v <= c + d);
}

/* format_bytes(size[, precision[, units]]) (emulator:format-bytes-function-00):
 * "564 Bytes", "10.1 KB", "19 MB", "19541 KB"; powers of 1024. */
KQL_FN(format_bytes) {
  static const char *const units[] = {"Bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
  double v;
  int64_t prec = 0;
  if (!kql_arg_real(args[0], &v)) return kv_string("", 0);
  if (argc > 1 && !kql_arg_long(args[1], &prec)) prec = 0;
  if (prec < 0) prec = 0;
  if (prec > 15) prec = 15;
  int u = 0;
  if (argc > 2 && kv_scalar_type(args[2]) == KV_STRING && args[2].len) {
    for (int k = 0; k < 7; k++)
      if (kv_str_eq(args[2].u.s, args[2].len, units[k], strlen(units[k]), false)) u = k;
    v /= pow(1024.0, u);
  } else {
    while (u < 6 && fabs(v) >= 1024.0) {
      v /= 1024.0;
      u++;
    }
  }
  double p = pow(10.0, (double)prec);
  v = round(v * p) / p;
  kv_buf b;
  kv_buf_init(&b);
  kv_buf_printf(&b, "%.*f %s", (int)prec, v, units[u]);
  return kql_str_from_buf(&b);
}

/* parse_csv(text): the fields of the first record, RFC 4180 quoting
 * (emulator:parse-csv-function-01/02). */
KQL_FN(parse_csv) {
  kv_buf t, f;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&f);
  const char *s = kql_arg_str(args[0], &t, &n);
  kv_value out = kv_dyn_array();
  size_t i = 0;
  for (;;) {
    f.len = 0;
    if (i < n && s[i] == '"') {
      i++;
      while (i < n) {
        if (s[i] == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            kv_buf_putc(&f, '"');
            i += 2;
            continue;
          }
          i++;
          break;
        }
        kv_buf_putc(&f, s[i++]);
      }
      while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') kv_buf_putc(&f, s[i++]);
    } else {
      while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') kv_buf_putc(&f, s[i++]);
    }
    kv_array_push(out, kv_string(f.data ? f.data : "", f.len));
    if (i < n && s[i] == ',') {
      i++;
      continue;
    }
    break;
  }
  kv_buf_free(&t);
  kv_buf_free(&f);
  return out;
}

/* parse_command_line(cmd, "windows"): argv the way CommandLineToArgvW
 * splits it (white space separates; "..." groups; 2n backslashes before a
 * quote give n backslashes and toggle quoting, 2n+1 give n and a literal
 * quote; "" inside quotes is a literal quote), as for process command lines
 * in ETW events (emulator:parse-command-line-function-00). */
KQL_FN(parse_command_line) {
  kv_buf t, arg;
  size_t n;
  kv_buf_init(&t);
  kv_buf_init(&arg);
  const char *s = kql_arg_str(args[0], &t, &n);
  kv_value out = kv_dyn_array();
  size_t i = 0;
  for (;;) {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i >= n) break;
    arg.len = 0;
    bool quoted = false;
    while (i < n && (quoted || (s[i] != ' ' && s[i] != '\t'))) {
      if (s[i] == '\\') {
        size_t bs = 0;
        while (i < n && s[i] == '\\') bs++, i++;
        if (i < n && s[i] == '"') {
          for (size_t k = 0; k < bs / 2; k++) kv_buf_putc(&arg, '\\');
          if (bs % 2) {
            kv_buf_putc(&arg, '"');
            i++;
          }
        } else {
          for (size_t k = 0; k < bs; k++) kv_buf_putc(&arg, '\\');
        }
      } else if (s[i] == '"') {
        if (quoted && i + 1 < n && s[i + 1] == '"') {
          kv_buf_putc(&arg, '"');
          i += 2;
        } else {
          quoted = !quoted;
          i++;
        }
      } else {
        kv_buf_putc(&arg, s[i++]);
      }
    }
    kv_array_push(out, kv_string(arg.data ? arg.data : "", arg.len));
  }
  kv_buf_free(&t);
  kv_buf_free(&arg);
  return out;
}
