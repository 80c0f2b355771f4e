/* SPDX-License-Identifier: MIT
 * KQL engine benchmark: pushes N generated ETW-like rows (EventId:int,
 * TimeCreated:datetime, EventData:dynamic built lazily on get) through a
 * few typical queries and prints rows/s (CPU time of this process).
 *   bench_kql [rows]        default 5,000,000 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kql/kql.h"
#include "value/value.h"

typedef struct {
  int64_t i;
  kv_value data; /* built only when EventData is read */
  int data_built;
  int64_t data_gets;
} bench_row;

static kv_value bench_get(const kql_row *row, int col) {
  bench_row *r = row->ctx;
  switch (col) {
    case 0:
      return kv_int((int32_t)(r->i % 20));
    case 1: /* 1000 events per second, mildly out of order */
      return kv_datetime(INT64_C(637134336000000000) + r->i * 10000 - (r->i % 7) * 30000);
    default:
      if (!r->data_built) {
        r->data = kv_dyn_bag();
        char ip[32];
        snprintf(ip, sizeof ip, "10.0.%d.%d", (int)(r->i / 256 % 4), (int)(r->i % 256));
        kv_bag_set(r->data, "daddr", 5, kv_to_dynamic(kv_cstring(ip)));
        kv_bag_set(r->data, "size", 4, kv_to_dynamic(kv_long(r->i % 1500)));
        r->data_built = 1;
        r->data_gets++;
      }
      return r->data;
  }
}

static int64_t bench_out;
static int bench_emit(void *ud, const kv_value *vals, int count) {
  (void)ud;
  (void)vals;
  (void)count;
  bench_out++;
  return 0;
}

static void bench_one(const char *name, const char *query, int64_t n) {
  kv_column cols[3] = {{"EventId", KV_INT}, {"TimeCreated", KV_DATETIME}, {"EventData", KV_DYNAMIC}};
  kv_schema schema = {cols, 3};
  kql_options opt;
  memset(&opt, 0, sizeof opt);
  opt.input = &schema;
  kql_error err;
  kql_query *q = NULL;
  if (kql_query_compile(&q, query, strlen(query), &opt, &err) != 0) {
    fprintf(stderr, "%s: %d:%d %s\n", name, err.line, err.column, err.message);
    exit(1);
  }
  kql_query_set_output(q, bench_emit, NULL);
  bench_out = 0;
  bench_row r;
  memset(&r, 0, sizeof r);
  kql_row row = {bench_get, &r};
  clock_t t0 = clock();
  for (int64_t i = 0; i < n; i++) {
    r.i = i;
    r.data_built = 0;
    if (kql_query_push(q, &row, &err) < 0) {
      fprintf(stderr, "%s: %s\n", name, err.message);
      exit(1);
    }
    if (r.data_built) kv_release(r.data);
  }
  kql_query_finish(q, &err);
  double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
  printf("%-28s %9lld rows  %7.3f s  %12.0f rows/s  (EventData built for %lld rows, %lld output rows)\n",
         name, (long long)n, s, s > 0 ? (double)n / s : 0.0, (long long)r.data_gets, (long long)bench_out);
  kql_query_free(q);
}

int main(int argc, char **argv) {
  int64_t n = argc > 1 ? atoll(argv[1]) : 5000000;
  bench_one("header filter + count/bin", "T | where EventId == 11 | summarize count() by bin(TimeCreated, 1s)", n);
  bench_one("header filter only", "T | where EventId == 11", n);
  bench_one("seed query (EventData)",
            "T | where EventId == 11 | extend daddr = EventData.daddr | summarize c = count() by daddr, bin(TimeCreated, 1s)",
            n);
  bench_one("EventData filter", "T | where toint(EventData.size) > 1000 | count", n);
  return 0;
}
