/* SPDX-License-Identifier: MIT
 * Layout of the generated time-zone table (fn_timezone_data.c, written by
 * scripts/gen_tz_table.py from compiled tzdata) that fn_timezone.c reads.
 * Plain constant data: no tzdata is read at run time, so every platform
 * gives the same answers. Owner: scalars. */
#ifndef E2K_KQL_FN_TIMEZONE_DATA_H
#define E2K_KQL_FN_TIMEZONE_DATA_H

#include <stddef.h>
#include <stdint.h>

/* When a POSIX TZ rule switches, in local time of the offset it ends. */
typedef struct kql_tz_when {
  char kind;                 /* 'M' month.week.weekday, 'J' day 1..365 (no Feb 29), 'D' day 0..365 */
  uint8_t month, week, wday; /* M: month 1..12, week 1..5 (5 = last), weekday 0..6 (0 = Sunday) */
  int16_t day;               /* J and D: the day number */
  int32_t secs;              /* local time of day, -167h..167h */
} kql_tz_when;

/* A zone's POSIX TZ footer: the rule after its last listed change. */
typedef struct kql_tz_rule {
  int32_t std_off, dst_off; /* seconds east of UTC */
  uint8_t has_dst;
  kql_tz_when start, end;   /* start: std -> dst; end: dst -> std */
} kql_tz_rule;

typedef struct kql_tz_zone {
  uint32_t first;      /* index of its first change in kql_tz_times */
  uint16_t count;      /* number of changes */
  int32_t initial_off; /* offset (seconds east) before the first change */
  uint16_t rule;       /* index in kql_tz_rules */
} kql_tz_zone;

typedef struct kql_tz_name {
  const char *name;
  uint16_t zone; /* index in kql_tz_zones */
} kql_tz_name;

extern const int32_t kql_tz_offsets[];
extern const int64_t kql_tz_times[];         /* Unix seconds, ascending per zone */
extern const uint16_t kql_tz_time_offset[];  /* parallel to kql_tz_times */
extern const kql_tz_rule kql_tz_rules[];
extern const kql_tz_zone kql_tz_zones[];
extern const kql_tz_name kql_tz_names[];     /* sorted by strcmp */
extern const size_t kql_tz_name_count;

#endif
