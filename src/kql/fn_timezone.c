/* SPDX-License-Identifier: MIT
 * datetime_utc_to_local, datetime_local_to_utc and datetime_list_timezones
 * over the generated IANA table (fn_timezone_data.c: every offset change of
 * Kusto's 597 zones, then each zone's POSIX TZ rule), so no tzdata is read at
 * run time and Linux and Windows agree. A local time that falls in a gap or
 * an overlap converts with the offset in force after that change: the spring
 * gap with the daylight offset (emulator:datetime-local-to-utc-function-01),
 * an ambiguous autumn time as standard time. Owner: scalars. */
#include <string.h>

#include "kql/fn_scalars.h"
#include "kql/fn_timezone_data.h"

#define KQL_TZ_SEC KV_TICKS_PER_SECOND
/* Offsets stay within +-26 h, so +-2 days around an instant holds every
 * change that can matter for it. */
#define KQL_TZ_SPAN (2 * KV_TICKS_PER_DAY)
/* Changes kept in a 4-day window: the generator refuses data with more than
 * 4 explicit ones there; the footer rule adds at most 2 a year. */
#define KQL_TZ_MAX_CHANGES 8

typedef struct kql_tz_change {
  int64_t at;  /* UTC ticks */
  int32_t off; /* seconds east of UTC from `at` on */
} kql_tz_change;

/* Days since 0001-01-01 of a proleptic Gregorian date (any year). */
static int64_t kql_tz_days(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 306; /* 0000-03-01 based -> 0001-01-01 based */
}

static bool kql_tz_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Year of a tick count (also before year 1, for windows around it). */
static int64_t kql_tz_year_of(int64_t ticks) {
  int64_t days = ticks / KV_TICKS_PER_DAY - (ticks % KV_TICKS_PER_DAY < 0);
  int64_t y = days * 400 / 146097 + 1; /* within a year or two of the answer */
  for (int i = 0; i < 4 && kql_tz_days(y, 1, 1) > days; i++) y--;
  for (int i = 0; i < 4 && kql_tz_days(y + 1, 1, 1) <= days; i++) y++;
  return y;
}

/* Day (days since 0001-01-01) a footer rule names in year y. */
static int64_t kql_tz_rule_day(const kql_tz_when *w, int64_t y) {
  int64_t jan1 = kql_tz_days(y, 1, 1);
  if (w->kind == 'J') return jan1 + w->day - 1 + (kql_tz_leap(y) && w->day >= 60);
  if (w->kind == 'D') return jan1 + w->day;
  int64_t first = kql_tz_days(y, w->month, 1);
  int64_t next = w->month == 12 ? kql_tz_days(y + 1, 1, 1) : kql_tz_days(y, w->month + 1, 1);
  int wd = (int)((first + 1) % 7); /* 0001-01-01 was a Monday; 0 = Sunday */
  if (wd < 0) wd += 7;
  int64_t d = first + (w->wday - wd + 7) % 7 + 7 * (w->week - 1);
  while (d >= next) d -= 7; /* week 5: the last such weekday */
  return d;
}

static int64_t kql_tz_rule_at(const kql_tz_when *w, int64_t y, int32_t off_before) {
  return kql_tz_rule_day(w, y) * KV_TICKS_PER_DAY + ((int64_t)w->secs - off_before) * KQL_TZ_SEC;
}

/* The zone's changes in [lo, hi) into out (at most KQL_TZ_MAX_CHANGES, in
 * order) and the offset in force just before lo. */
static int32_t kql_tz_changes(const kql_tz_zone *z, int64_t lo, int64_t hi, kql_tz_change *out,
                              int *n) {
  const int64_t *t = kql_tz_times + z->first;
  const uint16_t *ix = kql_tz_time_offset + z->first;
  *n = 0;
  /* explicit changes: first index with time >= lo (binary search) */
  size_t a = 0, b = z->count;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (t[m] * KQL_TZ_SEC + KV_UNIX_EPOCH_TICKS < lo) a = m + 1;
    else b = m;
  }
  int32_t before = a > 0 ? kql_tz_offsets[ix[a - 1]] : z->initial_off;
  for (size_t i = a; i < z->count && *n < KQL_TZ_MAX_CHANGES; i++) {
    int64_t at = t[i] * KQL_TZ_SEC + KV_UNIX_EPOCH_TICKS;
    if (at >= hi) break;
    out[(*n)++] = (kql_tz_change){at, kql_tz_offsets[ix[i]]};
  }
  const kql_tz_rule *r = &kql_tz_rules[z->rule];
  if (!r->has_dst) return before;
  /* the footer rule, after the last explicit change */
  int64_t last = z->count ? t[z->count - 1] * KQL_TZ_SEC + KV_UNIX_EPOCH_TICKS : INT64_MIN;
  int64_t before_at = a > 0 ? t[a - 1] * KQL_TZ_SEC + KV_UNIX_EPOCH_TICKS : INT64_MIN;
  int64_t y0 = kql_tz_year_of(lo) - 2, y1 = kql_tz_year_of(hi) + 1;
  for (int64_t y = y0; y <= y1; y++) {
    kql_tz_change c[2] = {{kql_tz_rule_at(&r->start, y, r->std_off), r->dst_off},
                          {kql_tz_rule_at(&r->end, y, r->dst_off), r->std_off}};
    for (int k = 0; k < 2; k++) {
      if (c[k].at <= last) continue;
      if (c[k].at < lo) {
        if (c[k].at > before_at) before_at = c[k].at, before = c[k].off;
      } else if (c[k].at < hi && *n < KQL_TZ_MAX_CHANGES) {
        int j = (*n)++; /* insertion keeps out[] ordered */
        while (j > 0 && out[j - 1].at > c[k].at) out[j] = out[j - 1], j--;
        out[j] = c[k];
      }
    }
  }
  return before;
}

/* Zone named by args[1]; NULL after setting the error. Names match exactly,
 * as the IANA names are written (Kusto's docs do not say whether other
 * letter cases are accepted, nor what an unknown name gives). */
static const kql_tz_zone *kql_tz_arg(kql_fn_ctx *ctx, kv_value name, const char *fname) {
  kv_buf tmp;
  kv_buf_init(&tmp);
  size_t n = 0;
  const char *s = kql_arg_str(name, &tmp, &n);
  const kql_tz_zone *z = NULL;
  size_t a = 0, b = kql_tz_name_count;
  while (s && a < b) {
    size_t m = a + (b - a) / 2;
    const char *nm = kql_tz_names[m].name;
    size_t len = strlen(nm);
    int c = memcmp(nm, s, len < n ? len : n);
    if (c == 0) c = len < n ? -1 : len > n;
    if (c == 0) {
      z = &kql_tz_zones[kql_tz_names[m].zone];
      break;
    }
    if (c < 0) a = m + 1;
    else b = m;
  }
  if (!z)
    kql_fn_fail(ctx, KV_DATETIME, "not supported yet: %s() with the time zone '%.*s'", fname,
                (int)(n > 100 ? 100 : n), s ? s : "");
  kv_buf_free(&tmp);
  return z;
}

static bool kql_tz_in_range(int64_t t) {
  return t >= 0 && t < kql_tz_days(10000, 1, 1) * KV_TICKS_PER_DAY;
}

/* Keeps results inside datetime's range (0001..9999): out of range -> null. */
static kv_value kql_tz_result(int64_t t) {
  return kql_tz_in_range(t) ? kv_datetime(t) : kv_null(KV_DATETIME);
}

KQL_FN(datetime_utc_to_local) {
  (void)argc;
  if (kv_is_null(args[0]) || kv_scalar_type(args[0]) != KV_DATETIME) return kv_null(KV_DATETIME);
  int64_t t = args[0].u.i;
  const kql_tz_zone *z = kql_tz_arg(ctx, args[1], "datetime_utc_to_local");
  if (!z || !kql_tz_in_range(t)) return kv_null(KV_DATETIME);
  kql_tz_change ch[KQL_TZ_MAX_CHANGES];
  int n;
  int32_t off = kql_tz_changes(z, t + 1, t + 1, ch, &n); /* in force at t */
  return kql_tz_result(t + off * KQL_TZ_SEC);
}

KQL_FN(datetime_local_to_utc) {
  (void)argc;
  if (kv_is_null(args[0]) || kv_scalar_type(args[0]) != KV_DATETIME) return kv_null(KV_DATETIME);
  int64_t l = args[0].u.i;
  const kql_tz_zone *z = kql_tz_arg(ctx, args[1], "datetime_local_to_utc");
  if (!z || !kql_tz_in_range(l)) return kv_null(KV_DATETIME);
  kql_tz_change ch[KQL_TZ_MAX_CHANGES];
  int n;
  int32_t first = kql_tz_changes(z, l - KQL_TZ_SPAN, l + KQL_TZ_SPAN, ch, &n);
  /* Interval k runs from ch[k-1].at (or the window's start) to ch[k].at (or
   * its end) with offset off(k). l - off(k) inside interval k: l is a time
   * of that interval. Several: an overlap, the later wins; none: a gap, the
   * first interval not yet over (the one after the change) wins. */
  int pick = -1, gap = -1;
  for (int k = 0; k <= n; k++) {
    int32_t off = k == 0 ? first : ch[k - 1].off;
    int64_t u = l - off * KQL_TZ_SEC;
    bool after_start = k == 0 || u >= ch[k - 1].at;
    bool before_end = k == n || u < ch[k].at;
    if (after_start && before_end) pick = k;
    if (gap < 0 && before_end) gap = k;
  }
  if (pick < 0) pick = gap < 0 ? n : gap;
  int32_t off = pick == 0 ? first : ch[pick - 1].off;
  return kql_tz_result(l - off * KQL_TZ_SEC);
}

KQL_FN(datetime_list_timezones) {
  (void)ctx; (void)args; (void)argc;
  kv_value arr = kv_dyn_array();
  for (size_t i = 0; i < kql_tz_name_count; i++) {
    kv_value s = kv_string(kql_tz_names[i].name, strlen(kql_tz_names[i].name));
    kv_array_push(arr, kv_to_dynamic(s));
    kv_release(s);
  }
  return arr;
}
