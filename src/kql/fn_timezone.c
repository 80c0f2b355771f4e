/* SPDX-License-Identifier: MIT
 * datetime_utc_to_local, datetime_local_to_utc and datetime_list_timezones
 * over a built-in table of IANA zones with their current rules (US, EU,
 * south-east Australia, New Zealand daylight saving, or a fixed offset), so
 * the tool reads no tzdata at run time and Linux and Windows agree. Each
 * zone has the first year its rule holds; earlier dates, and zones not in
 * the table, are "not supported yet" errors rather than guesses. A local time
 * in the spring gap converts with the daylight offset (emulator:datetime-
 * local-to-utc-function-01); an ambiguous autumn time is taken as standard
 * time (.NET's convention). datetime_list_timezones lists this table only,
 * not Kusto's full list. Owner: scalars. */
#include <string.h>

#include "kql/fn_scalars.h"

enum { KQL_TZ_FIXED, KQL_TZ_US, KQL_TZ_EU, KQL_TZ_AU, KQL_TZ_NZ };

typedef struct kql_tz {
  const char *name;
  int16_t std_min; /* standard offset east of UTC, minutes */
  uint8_t rule;
  int16_t since; /* first year the rule is right for */
} kql_tz;

/* Sorted by name (datetime_list_timezones returns them in this order). */
static const kql_tz kql_tz_table[] = {
    {"Africa/Abidjan", 0, KQL_TZ_FIXED, 1913},
    {"Africa/Johannesburg", 120, KQL_TZ_FIXED, 1945},
    {"Africa/Lagos", 60, KQL_TZ_FIXED, 1920},
    {"Africa/Nairobi", 180, KQL_TZ_FIXED, 1943},
    {"America/Anchorage", -540, KQL_TZ_US, 1987},
    {"America/Argentina/Buenos_Aires", -180, KQL_TZ_FIXED, 2010},
    {"America/Bogota", -300, KQL_TZ_FIXED, 1994},
    {"America/Buenos_Aires", -180, KQL_TZ_FIXED, 2010},
    {"America/Caracas", -240, KQL_TZ_FIXED, 2017},
    {"America/Chicago", -360, KQL_TZ_US, 1987},
    {"America/Costa_Rica", -360, KQL_TZ_FIXED, 1993},
    {"America/Denver", -420, KQL_TZ_US, 1987},
    {"America/Detroit", -300, KQL_TZ_US, 1987},
    {"America/Edmonton", -420, KQL_TZ_US, 2007},
    {"America/Halifax", -240, KQL_TZ_US, 2007},
    {"America/Lima", -300, KQL_TZ_FIXED, 1995},
    {"America/Los_Angeles", -480, KQL_TZ_US, 1987},
    {"America/Mexico_City", -360, KQL_TZ_FIXED, 2023},
    {"America/New_York", -300, KQL_TZ_US, 1987},
    {"America/Panama", -300, KQL_TZ_FIXED, 1909},
    {"America/Phoenix", -420, KQL_TZ_FIXED, 1968},
    {"America/Puerto_Rico", -240, KQL_TZ_FIXED, 1946},
    {"America/Regina", -360, KQL_TZ_FIXED, 1961},
    {"America/Sao_Paulo", -180, KQL_TZ_FIXED, 2020},
    {"America/Toronto", -300, KQL_TZ_US, 2007},
    {"America/Vancouver", -480, KQL_TZ_US, 2007},
    {"America/Winnipeg", -360, KQL_TZ_US, 2007},
    {"Asia/Bangkok", 420, KQL_TZ_FIXED, 1921},
    {"Asia/Calcutta", 330, KQL_TZ_FIXED, 1946},
    {"Asia/Dhaka", 360, KQL_TZ_FIXED, 2010},
    {"Asia/Dubai", 240, KQL_TZ_FIXED, 1921},
    {"Asia/Ho_Chi_Minh", 420, KQL_TZ_FIXED, 1976},
    {"Asia/Hong_Kong", 480, KQL_TZ_FIXED, 1980},
    {"Asia/Jakarta", 420, KQL_TZ_FIXED, 1964},
    {"Asia/Karachi", 300, KQL_TZ_FIXED, 2010},
    {"Asia/Kathmandu", 345, KQL_TZ_FIXED, 1986},
    {"Asia/Kolkata", 330, KQL_TZ_FIXED, 1946},
    {"Asia/Kuala_Lumpur", 480, KQL_TZ_FIXED, 1982},
    {"Asia/Manila", 480, KQL_TZ_FIXED, 1991},
    {"Asia/Qatar", 180, KQL_TZ_FIXED, 1973},
    {"Asia/Riyadh", 180, KQL_TZ_FIXED, 1948},
    {"Asia/Seoul", 540, KQL_TZ_FIXED, 1989},
    {"Asia/Shanghai", 480, KQL_TZ_FIXED, 1992},
    {"Asia/Singapore", 480, KQL_TZ_FIXED, 1982},
    {"Asia/Taipei", 480, KQL_TZ_FIXED, 1980},
    {"Asia/Tashkent", 300, KQL_TZ_FIXED, 1992},
    {"Asia/Tokyo", 540, KQL_TZ_FIXED, 1952},
    {"Atlantic/Canary", 0, KQL_TZ_EU, 1996},
    {"Atlantic/Reykjavik", 0, KQL_TZ_FIXED, 1969},
    {"Australia/ACT", 600, KQL_TZ_AU, 2008},
    {"Australia/Adelaide", 570, KQL_TZ_AU, 2008},
    {"Australia/Brisbane", 600, KQL_TZ_FIXED, 1993},
    {"Australia/Canberra", 600, KQL_TZ_AU, 2008},
    {"Australia/Darwin", 570, KQL_TZ_FIXED, 1945},
    {"Australia/Hobart", 600, KQL_TZ_AU, 2008},
    {"Australia/Melbourne", 600, KQL_TZ_AU, 2008},
    {"Australia/NSW", 600, KQL_TZ_AU, 2008},
    {"Australia/Perth", 480, KQL_TZ_FIXED, 2010},
    {"Australia/South", 570, KQL_TZ_AU, 2008},
    {"Australia/Sydney", 600, KQL_TZ_AU, 2008},
    {"Australia/Tasmania", 600, KQL_TZ_AU, 2008},
    {"Australia/Victoria", 600, KQL_TZ_AU, 2008},
    {"CET", 60, KQL_TZ_EU, 1996},
    {"EET", 120, KQL_TZ_EU, 1996},
    {"Etc/GMT", 0, KQL_TZ_FIXED, 1},
    {"Etc/UTC", 0, KQL_TZ_FIXED, 1},
    {"Europe/Amsterdam", 60, KQL_TZ_EU, 1996},
    {"Europe/Athens", 120, KQL_TZ_EU, 1996},
    {"Europe/Belgrade", 60, KQL_TZ_EU, 1996},
    {"Europe/Berlin", 60, KQL_TZ_EU, 1996},
    {"Europe/Bratislava", 60, KQL_TZ_EU, 1996},
    {"Europe/Brussels", 60, KQL_TZ_EU, 1996},
    {"Europe/Bucharest", 120, KQL_TZ_EU, 1997},
    {"Europe/Budapest", 60, KQL_TZ_EU, 1996},
    {"Europe/Copenhagen", 60, KQL_TZ_EU, 1996},
    {"Europe/Dublin", 0, KQL_TZ_EU, 1996},
    {"Europe/Helsinki", 120, KQL_TZ_EU, 1996},
    {"Europe/Istanbul", 180, KQL_TZ_FIXED, 2017},
    {"Europe/Lisbon", 0, KQL_TZ_EU, 1997},
    {"Europe/Ljubljana", 60, KQL_TZ_EU, 1996},
    {"Europe/London", 0, KQL_TZ_EU, 1996},
    {"Europe/Luxembourg", 60, KQL_TZ_EU, 1996},
    {"Europe/Madrid", 60, KQL_TZ_EU, 1996},
    {"Europe/Minsk", 180, KQL_TZ_FIXED, 2012},
    {"Europe/Monaco", 60, KQL_TZ_EU, 1996},
    {"Europe/Moscow", 180, KQL_TZ_FIXED, 2015},
    {"Europe/Oslo", 60, KQL_TZ_EU, 1996},
    {"Europe/Paris", 60, KQL_TZ_EU, 1996},
    {"Europe/Prague", 60, KQL_TZ_EU, 1996},
    {"Europe/Riga", 120, KQL_TZ_EU, 2001},
    {"Europe/Rome", 60, KQL_TZ_EU, 1996},
    {"Europe/Sofia", 120, KQL_TZ_EU, 1997},
    {"Europe/Stockholm", 60, KQL_TZ_EU, 1996},
    {"Europe/Tallinn", 120, KQL_TZ_EU, 2002},
    {"Europe/Vienna", 60, KQL_TZ_EU, 1996},
    {"Europe/Vilnius", 120, KQL_TZ_EU, 2003},
    {"Europe/Warsaw", 60, KQL_TZ_EU, 1996},
    {"Europe/Zagreb", 60, KQL_TZ_EU, 1996},
    {"Europe/Zurich", 60, KQL_TZ_EU, 1996},
    {"GMT", 0, KQL_TZ_FIXED, 1},
    {"Japan", 540, KQL_TZ_FIXED, 1952},
    {"NZ", 720, KQL_TZ_NZ, 2008},
    {"Pacific/Auckland", 720, KQL_TZ_NZ, 2008},
    {"Pacific/Honolulu", -600, KQL_TZ_FIXED, 1947},
    {"US/Alaska", -540, KQL_TZ_US, 1987},
    {"US/Arizona", -420, KQL_TZ_FIXED, 1968},
    {"US/Central", -360, KQL_TZ_US, 1987},
    {"US/Eastern", -300, KQL_TZ_US, 1987},
    {"US/Hawaii", -600, KQL_TZ_FIXED, 1947},
    {"US/Mountain", -420, KQL_TZ_US, 1987},
    {"US/Pacific", -480, KQL_TZ_US, 1987},
    {"UTC", 0, KQL_TZ_FIXED, 1},
};

#define KQL_TZ_COUNT (sizeof kql_tz_table / sizeof kql_tz_table[0])
#define KQL_MIN_TICKS (INT64_C(60) * KV_TICKS_PER_SECOND)
#define KQL_HOUR_TICKS (INT64_C(3600) * KV_TICKS_PER_SECOND)

static const kql_tz *kql_tz_find(const char *s, size_t n) {
  for (size_t i = 0; i < KQL_TZ_COUNT; i++)
    if (strlen(kql_tz_table[i].name) == n && memcmp(kql_tz_table[i].name, s, n) == 0)
      return &kql_tz_table[i];
  return NULL;
}

/* Days since 0001-01-01 of a proleptic Gregorian date. */
static int64_t kql_days(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 306; /* 0000-03-01 based -> 0001-01-01 based */
}

static int64_t kql_year_of(int64_t ticks) {
  int64_t days = ticks / KV_TICKS_PER_DAY;
  int64_t y = days / 366 + 1; /* at most a couple of steps off, upwards */
  while (kql_days(y + 1, 1, 1) <= days) y++;
  return y;
}

/* Day (days since 0001-01-01) of the n-th Sunday of y/m; n = -1: the last. */
static int64_t kql_sunday(int64_t y, int m, int n) {
  if (n > 0) {
    int64_t first = kql_days(y, m, 1);
    int wd = (int)((first + 1) % 7); /* 0001-01-01 was a Monday: 0 = Sunday */
    return first + (7 - wd) % 7 + 7 * (n - 1);
  }
  int64_t last = kql_days(y + (m == 12), m == 12 ? 1 : m + 1, 1) - 1;
  int wd = (int)((last + 1) % 7);
  return last - wd;
}

/* Whether daylight time is in effect at the UTC instant `t` in year y. */
static bool kql_tz_is_dst(const kql_tz *z, int64_t t, int64_t y) {
  int64_t std = z->std_min * KQL_MIN_TICKS, dst = std + KQL_HOUR_TICKS;
  int64_t on, off;
  switch (z->rule) {
  case KQL_TZ_US:
    if (y >= 2007) {
      on = kql_sunday(y, 3, 2) * KV_TICKS_PER_DAY + 2 * KQL_HOUR_TICKS - std;
      off = kql_sunday(y, 11, 1) * KV_TICKS_PER_DAY + 2 * KQL_HOUR_TICKS - dst;
    } else {
      on = kql_sunday(y, 4, 1) * KV_TICKS_PER_DAY + 2 * KQL_HOUR_TICKS - std;
      off = kql_sunday(y, 10, -1) * KV_TICKS_PER_DAY + 2 * KQL_HOUR_TICKS - dst;
    }
    return t >= on && t < off;
  case KQL_TZ_EU:
    on = kql_sunday(y, 3, -1) * KV_TICKS_PER_DAY + KQL_HOUR_TICKS;
    off = kql_sunday(y, 10, -1) * KV_TICKS_PER_DAY + KQL_HOUR_TICKS;
    return t >= on && t < off;
  case KQL_TZ_AU:
  case KQL_TZ_NZ: /* southern: daylight time spans the new year */
    off = kql_sunday(y, 4, 1) * KV_TICKS_PER_DAY + 3 * KQL_HOUR_TICKS - dst;
    on = (z->rule == KQL_TZ_AU ? kql_sunday(y, 10, 1) : kql_sunday(y, 9, -1)) * KV_TICKS_PER_DAY +
         2 * KQL_HOUR_TICKS - std;
    return t < off || t >= on;
  default:
    return false;
  }
}

/* Zone for args[1] and the year check; NULL after setting the error. */
static const kql_tz *kql_tz_arg(kql_fn_ctx *ctx, kv_value name, int64_t ticks, const char *fname) {
  kv_buf t;
  kv_buf_init(&t);
  size_t n;
  const char *s = kql_arg_str(name, &t, &n);
  const kql_tz *z = s ? kql_tz_find(s, n) : NULL;
  if (!z)
    kql_fn_fail(ctx, KV_DATETIME, "not supported yet: %s() with the time zone '%.*s'", fname,
                (int)(n > 100 ? 100 : n), s ? s : "");
  kv_buf_free(&t);
  if (z && kql_year_of(ticks) < z->since) {
    kql_fn_fail(ctx, KV_DATETIME, "not supported yet: %s() for %s before %d", fname, z->name,
                (int)z->since);
    return NULL;
  }
  return z;
}

/* Keeps results inside datetime's range (0001..9999): out of range -> null. */
static kv_value kql_dt_result(int64_t t) {
  if (t < 0 || t >= kql_days(10000, 1, 1) * KV_TICKS_PER_DAY) return kv_null(KV_DATETIME);
  return kv_datetime(t);
}

KQL_FN(datetime_utc_to_local) {
  (void)argc;
  if (kv_is_null(args[0]) || kv_scalar_type(args[0]) != KV_DATETIME) return kv_null(KV_DATETIME);
  int64_t t = args[0].u.i;
  const kql_tz *z = kql_tz_arg(ctx, args[1], t, "datetime_utc_to_local");
  if (!z) return kv_null(KV_DATETIME);
  int64_t off = z->std_min * KQL_MIN_TICKS;
  if (kql_tz_is_dst(z, t, kql_year_of(t))) off += KQL_HOUR_TICKS;
  return kql_dt_result(t + off);
}

KQL_FN(datetime_local_to_utc) {
  (void)argc;
  if (kv_is_null(args[0]) || kv_scalar_type(args[0]) != KV_DATETIME) return kv_null(KV_DATETIME);
  int64_t l = args[0].u.i;
  const kql_tz *z = kql_tz_arg(ctx, args[1], l, "datetime_local_to_utc");
  if (!z) return kv_null(KV_DATETIME);
  int64_t std = z->std_min * KQL_MIN_TICKS, dst = std + KQL_HOUR_TICKS;
  if (z->rule == KQL_TZ_FIXED) return kql_dt_result(l - std);
  int64_t y = kql_year_of(l);
  int64_t as_std = l - std, as_dst = l - dst;
  if (!kql_tz_is_dst(z, as_std, y)) return kql_dt_result(as_std); /* standard (or ambiguous) */
  if (kql_tz_is_dst(z, as_dst, y)) return kql_dt_result(as_dst);  /* daylight */
  return kql_dt_result(as_dst);                                     /* in the spring gap */
}

KQL_FN(datetime_list_timezones) {
  (void)ctx; (void)args; (void)argc;
  kv_value arr = kv_dyn_array();
  for (size_t i = 0; i < KQL_TZ_COUNT; i++) {
    kv_value s = kv_string(kql_tz_table[i].name, strlen(kql_tz_table[i].name));
    kv_array_push(arr, kv_to_dynamic(s));
    kv_release(s);
  }
  return arr;
}
