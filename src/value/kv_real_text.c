/* SPDX-License-Identifier: MIT
 * Kusto's text form of a real. Like .NET's round-trip format it uses the
 * fewest significant digits that read back as the same double, but when
 * several numbers of that length do, Kusto writes the largest of them, not
 * the nearest: tostring(0.1 + 0.2) is "0.30000000000000007" (the nearest is
 * ...04), and 40.764323000000005 prints as 40.764323000000008. Every form
 * printed here still parses back to the same double, so nothing is lost; the
 * digits just match the engine's (kql2sql-fuzz type-casts-coercion cases,
 * emulator geo-*-densify cases). */
#include "value/value.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KV_REAL_MAX_DIGITS = 17 };

/* n correctly rounded significant digits of a > 0 into dig; returns the
 * decimal exponent (a ~ d.ddd x 10^exp). */
static int kv_real_digits(double a, int n, char *dig) {
  char t[48];
  snprintf(t, sizeof t, "%.*e", n - 1, a);
  int k = 0;
  const char *p = t;
  for (; *p && *p != 'e' && k < n; p++)
    if (*p >= '0' && *p <= '9') dig[k++] = *p;
  while (*p && *p != 'e') p++;
  return *p ? atoi(p + 1) : 0;
}

static bool kv_real_digits_read_back(const char *dig, int n, int exp, double a) {
  char t[48];
  snprintf(t, sizeof t, "%c.%.*se%d", dig[0], n - 1, dig + 1, exp);
  return strtod(t, NULL) == a;
}

/* Adds one unit in the last digit; on carry out of the first digit the
 * digits become 100..0 and the exponent grows. */
static void kv_real_digits_inc(char *dig, int n, int *exp) {
  for (int i = n - 1; i >= 0; i--) {
    if (dig[i] != '9') {
      dig[i]++;
      return;
    }
    dig[i] = '0';
  }
  dig[0] = '1';
  (*exp)++;
}

/* Writes digits as printf's %.<n>g would lay them out (trailing zeros
 * dropped, exponent form below 1e-4 and from 10^n). */
static void kv_real_emit(kv_buf *b, bool neg, const char *dig, int n, int exp) {
  int m = n;
  while (m > 1 && dig[m - 1] == '0') m--;
  if (neg) kv_buf_putc(b, '-');
  if (exp < -4 || exp >= n) {
    kv_buf_putc(b, dig[0]);
    if (m > 1) {
      kv_buf_putc(b, '.');
      kv_buf_append(b, dig + 1, (size_t)(m - 1));
    }
    kv_buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return;
  }
  if (exp < 0) {
    kv_buf_putc(b, '0');
    kv_buf_putc(b, '.');
    for (int i = -1; i > exp; i--) kv_buf_putc(b, '0');
    kv_buf_append(b, dig, (size_t)m);
    return;
  }
  for (int i = 0; i <= exp; i++) kv_buf_putc(b, i < m ? dig[i] : '0');
  if (m > exp + 1) {
    kv_buf_putc(b, '.');
    kv_buf_append(b, dig + exp + 1, (size_t)(m - exp - 1));
  }
}

void kv_format_real(kv_buf *b, double r) {
  if (isnan(r)) {
    kv_buf_puts(b, "NaN");
    return;
  }
  if (isinf(r)) {
    kv_buf_puts(b, r > 0 ? "Infinity" : "-Infinity");
    return;
  }
  /* For a normal double, at most one number of up to 15 digits reads back
   * as r (their spacing exceeds the double's), so the nearest is the only
   * one, and %.15g without its trailing zeros is also the shortest. */
  char tmp[40];
  double a = fabs(r);
  bool normal = a >= DBL_MIN || a == 0;
  if (normal) {
    snprintf(tmp, sizeof tmp, "%.15g", r);
    if (strtod(tmp, NULL) == r) {
      kv_buf_puts(b, tmp);
      return;
    }
  }
  /* Subnormals have fewer bits, so several short numbers may fit: search
   * every length. */
  for (int n = normal ? 16 : 1; n <= KV_REAL_MAX_DIGITS; n++) {
    char cur[KV_REAL_MAX_DIGITS + 1], best[KV_REAL_MAX_DIGITS + 1];
    int exp = kv_real_digits(a, n, cur), best_exp = 0;
    bool found = false;
    /* Walk up from the nearest: the numbers that read back form one run
     * (the nearest may miss on the narrow side below a power of two while
     * the next one up fits, hence the second try). */
    for (int step = 0; step < 64; step++) {
      if (kv_real_digits_read_back(cur, n, exp, a)) {
        memcpy(best, cur, (size_t)n);
        best_exp = exp;
        found = true;
      } else if (found || step >= 1) {
        break;
      }
      kv_real_digits_inc(cur, n, &exp);
    }
    if (found) {
      kv_real_emit(b, r < 0, best, n, best_exp);
      return;
    }
  }
  snprintf(tmp, sizeof tmp, "%.17g", r);
  kv_buf_puts(b, tmp);
}
