/* SPDX-License-Identifier: MIT
 * etl_facts: reads input specs with the ETL reader and prints one JSON object
 * of facts in the shape of tests/data/etl/EXPECTED.json (counts, header-type
 * and provider/event histograms, kernel hooks, first/last times, trace info)
 * plus reader counters. Used by check_expected.py; a test tool, not product.
 * Usage: etl_facts [--file-order] SPEC... */
#include "etl/etl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tiny string -> count map (open addressing), enough for test histograms. */
typedef struct facts_map {
  char **keys;
  uint64_t *counts;
  size_t cap, len;
} facts_map;

static uint64_t facts_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ULL;
  return h;
}

static void facts_add(facts_map *m, const char *key) {
  if (m->len * 2 >= m->cap) {
    size_t ncap = m->cap ? m->cap * 2 : 64;
    char **nk = calloc(ncap, sizeof *nk);
    uint64_t *nc = calloc(ncap, sizeof *nc);
    if (!nk || !nc) abort();
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->keys[i]) continue;
      size_t j = facts_hash(m->keys[i]) & (ncap - 1);
      while (nk[j]) j = (j + 1) & (ncap - 1);
      nk[j] = m->keys[i];
      nc[j] = m->counts[i];
    }
    free(m->keys);
    free(m->counts);
    m->keys = nk;
    m->counts = nc;
    m->cap = ncap;
  }
  size_t j = facts_hash(key) & (m->cap - 1);
  while (m->keys[j] && strcmp(m->keys[j], key) != 0) j = (j + 1) & (m->cap - 1);
  if (!m->keys[j]) {
    size_t n = strlen(key) + 1;
    m->keys[j] = malloc(n);
    if (!m->keys[j]) abort();
    memcpy(m->keys[j], key, n);
    m->len++;
  }
  m->counts[j]++;
}

static void facts_free(facts_map *m) {
  for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
  free(m->keys);
  free(m->counts);
}

static void facts_json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

/* Prints a flat map; keys of the form "A|B" nest as {"A":{"B":n}} when nested. */
static int facts_key_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void facts_print_map(const char *name, facts_map *m, bool nested) {
  char **keys = malloc((m->len ? m->len : 1) * sizeof *keys);
  size_t n = 0;
  for (size_t i = 0; i < m->cap; i++) if (m->keys[i]) keys[n++] = m->keys[i];
  qsort(keys, n, sizeof *keys, facts_key_cmp);
  printf(",\n  \"%s\": {", name);
  const char *open_group = NULL;
  size_t group_len = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = facts_hash(keys[i]) & (m->cap - 1);
    while (strcmp(m->keys[j], keys[i]) != 0) j = (j + 1) & (m->cap - 1);
    uint64_t c = m->counts[j];
    if (nested) {
      const char *bar = strchr(keys[i], '|');
      size_t gl = (size_t)(bar - keys[i]);
      if (!open_group || gl != group_len || strncmp(open_group, keys[i], gl) != 0) {
        if (open_group) printf("}, ");
        printf("\"%.*s\": {", (int)gl, keys[i]);
        open_group = keys[i];
        group_len = gl;
      } else {
        printf(", ");
      }
      facts_json_str(bar + 1);
      printf(": %" PRIu64, c);
    } else {
      printf("%s", i ? ", " : "");
      facts_json_str(keys[i]);
      printf(": %" PRIu64, c);
    }
  }
  if (nested && open_group) printf("}");
  printf("}");
  free(keys);
}

static void facts_guid(const uint8_t *g, char *out) {
  sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3], g[2], g[1],
          g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* Kusto ticks -> ISO-8601 with 7 fractional digits. */
static void facts_time(int64_t ticks, char *out) {
  int64_t secs = ticks / 10000000, frac = ticks % 10000000;
  int64_t days = secs / 86400, sod = secs % 86400;
  /* days since 0001-01-01 -> civil date (proleptic Gregorian). */
  int64_t z = days + 719468 - 719162; /* shift to the 1970-based algorithm */
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  sprintf(out, "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%07" PRId64 "Z",
          y, m, d, sod / 3600, sod / 60 % 60, sod % 60, frac);
}

static const char *facts_ext_name(uint16_t t) {
  static const char *names[] = {"0", "RELATED_ACTIVITYID", "SID", "TS_ID", "INSTANCE_INFO",
                                "STACK_TRACE32", "STACK_TRACE64", "PEBS_INDEX", "PMC_COUNTERS",
                                "PSM_KEY", "EVENT_KEY", "EVENT_SCHEMA_TL", "PROV_TRAITS",
                                "PROCESS_START_KEY"};
  return t < sizeof names / sizeof names[0] ? names[t] : "OTHER";
}

static uint32_t facts_le16(const uint8_t *p) { return (uint32_t)(p[0] | (p[1] << 8)); }

static void facts_warn(void *ud, const char *msg) {
  (void)ud;
  fprintf(stderr, "warning: %s\n", msg);
}

int main(int argc, char **argv) {
  etl_reader_options opt = {0};
  opt.warn = facts_warn;
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "--file-order") == 0) {
    opt.file_order = true;
    first = 2;
  }
  if (first >= argc) {
    fprintf(stderr, "usage: etl_facts [--file-order] SPEC...\n");
    return 2;
  }
  etl_reader *r;
  char err[512];
  int rc = etl_reader_open(&r, (const char *const *)(argv + first), (size_t)(argc - first), &opt, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  facts_map types = {0}, providers = {0}, hooks = {0}, exts = {0};
  uint64_t tl = 0, wpp = 0, out_of_order = 0, behind_max = 0, n = 0;
  static uint8_t procs_seen[65536];
  uint64_t procs = 0;
  int64_t tmin = INT64_MAX, tmax = INT64_MIN, prev = INT64_MIN;
  const etl_event *ev;
  char key[128], g[40];
  while ((rc = etl_reader_next(r, &ev)) == 1) {
    n++;
    if (!procs_seen[ev->processor]) {
      procs_seen[ev->processor] = 1;
      procs++;
    }
    if (ev->time_ticks < prev) out_of_order++;
    if (ev->time_ticks < tmax && n > 1) behind_max++;
    prev = ev->time_ticks;
    if (ev->time_ticks < tmin) tmin = ev->time_ticks;
    if (ev->time_ticks > tmax) tmax = ev->time_ticks;
    facts_add(&types, etl_header_type_name(ev->header_kind, ev->header_type));
    if (ev->is_kernel_hook) {
      snprintf(key, sizeof key, "0x%04x", ev->hook_id);
      facts_add(&hooks, key);
    } else if (ev->header_kind == ETL_HT_EVENT) {
      facts_guid(ev->provider_id, g);
      snprintf(key, sizeof key, "%s|%u", g, ev->event_id);
      facts_add(&providers, key);
    } else if (ev->header_kind == ETL_HT_FULL || ev->header_kind == ETL_HT_INSTANCE) {
      facts_guid(ev->provider_id, g);
      snprintf(key, sizeof key, "%s|opcode%u", g, ev->opcode);
      facts_add(&providers, key);
    } else if (ev->header_kind == ETL_HT_MESSAGE && (ev->event_flags & 0x2)) {
      facts_guid(ev->provider_id, g);
      snprintf(key, sizeof key, "%s|msg%u", g, ev->message_number);
      facts_add(&providers, key);
    }
    if (ev->header_kind == ETL_HT_MESSAGE || (ev->header_kind == ETL_HT_EVENT && (ev->event_flags & 0x8))) wpp++;
    if (ev->header_kind == ETL_HT_EVENT) {
      const uint8_t *d;
      uint32_t dl;
      if (ev->channel == 11 || etl_event_find_ext(ev, ETL_EXT_EVENT_SCHEMA_TL, &d, &dl)) tl++;
      uint32_t off = 0;
      while (ev->ext && ev->ext_len - off >= 8) {
        const uint8_t *q = ev->ext + off;
        facts_add(&exts, facts_ext_name((uint16_t)facts_le16(q + 2)));
        off += facts_le16(q);
        if (!(facts_le16(q + 4) & 1) || facts_le16(q) == 0) break;
      }
    }
  }
  if (rc < 0) {
    fprintf(stderr, "read error: %s\n", etl_reader_error(r));
    facts_free(&types);
    facts_free(&providers);
    facts_free(&hooks);
    facts_free(&exts);
    etl_reader_close(r);
    return 1;
  }
  const etl_stats *st = etl_reader_stats(r);
  const etl_trace_info *ti = etl_reader_trace(r, 0);
  char t1[40] = "", t2[40] = "", hs[40], he[40];
  if (n) {
    facts_time(tmin, t1);
    facts_time(tmax, t2);
  }
  facts_time(ti->start_time_ticks, hs);
  facts_time(ti->end_time_ticks, he);
  printf("{\n  \"events\": %" PRIu64 ",\n  \"buffers\": %" PRIu64 ",\n  \"compressed_buffers\": %" PRIu64,
         n, st->buffers, st->buffers_compressed);
  printf(",\n  \"buffers_corrupt\": %" PRIu64 ",\n  \"records_corrupt\": %" PRIu64
         ",\n  \"records_skipped\": %" PRIu64 ",\n  \"stats_events\": %" PRIu64 ",\n  \"files\": %" PRIu64,
         st->buffers_corrupt, st->records_corrupt, st->records_skipped, st->events, st->files);
  printf(",\n  \"processors_with_events\": %" PRIu64, procs);
  printf(",\n  \"out_of_order\": %" PRIu64 ",\n  \"behind_max\": %" PRIu64, out_of_order, behind_max);
  facts_print_map("header_types", &types, false);
  facts_print_map("events_by_provider", &providers, true);
  facts_print_map("kernel_hooks", &hooks, false);
  facts_print_map("extended_items", &exts, false);
  printf(",\n  \"tracelogging_events\": %" PRIu64 ",\n  \"wpp_events\": %" PRIu64, tl, wpp);
  printf(",\n  \"first_event_utc\": \"%s\",\n  \"last_event_utc\": \"%s\"", t1, t2);
  printf(",\n  \"buffer_size\": %u,\n  \"pointer_size\": %u,\n  \"os_version\": \"%u.%u.%u.%u\",\n"
         "  \"os_build\": %u,\n  \"clock_type\": %u,\n  \"perf_freq\": %" PRId64 ",\n  \"cpu_speed_mhz\": %u,\n"
         "  \"timer_resolution\": %u,\n  \"cpus\": %u,\n  \"log_file_mode\": \"0x%08x\",\n  \"events_lost\": %u,\n"
         "  \"header_start_time_utc\": \"%s\",\n  \"header_end_time_utc\": \"%s\",\n  \"logger_name\": ",
         ti->buffer_size, ti->pointer_size, ti->os_major, ti->os_minor, ti->os_sub, ti->os_subminor,
         ti->os_build, ti->clock_type, ti->perf_freq, ti->cpu_speed_mhz, ti->timer_resolution_100ns,
         ti->cpu_count, ti->log_file_mode, ti->events_lost, hs, he);
  facts_json_str(ti->logger_name);
  printf("\n}\n");
  facts_free(&types);
  facts_free(&providers);
  facts_free(&hooks);
  facts_free(&exts);
  etl_reader_close(r);
  return 0;
}
