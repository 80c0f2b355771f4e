/* SPDX-License-Identifier: MIT
 * Laziness contract of the event rows: a query that filters on header columns
 * must not decode any payload; a query that reads EventData decodes exactly the
 * rows that reach it. Counts come from tests/data/etl/EXPECTED.json
 * (KernelNetwork.etl: 8924 events, 7968 with EventId 11). */
#include "e2k_test.h"
#include "row/row.h"

#include <stdlib.h>
#include <string.h>

typedef struct counted {
  int64_t rows;
  int64_t last_count;
} counted;

static int count_emit(void *ud, const kv_value *vals, int count) {
  counted *c = ud;
  c->rows++;
  if (count >= 1 && (vals[0].type == KV_LONG || vals[0].type == KV_INT)) c->last_count = vals[0].u.i;
  return 0;
}

/* Runs `query` over the trace and returns the number of payload decodes. */
static uint64_t run_query(const char *query, int64_t *result_count) {
  char err[512] = "";
  const char *spec = E2K_TEST_DATA "/etl/Tx/KernelNetwork.etl";
  etl_reader *r = NULL;
  etl_reader_options ro;
  memset(&ro, 0, sizeof ro);
  TEST_CHECK_MSG(etl_reader_open(&r, &spec, 1, &ro, err, sizeof err) == 0, "%s", err);
  dec_context *dec = NULL;
  dec_options dopt;
  memset(&dopt, 0, sizeof dopt);
  TEST_CHECK_MSG(dec_context_new(&dec, &dopt, err, sizeof err) == 0, "%s", err);
  kql_query *q = NULL;
  kql_options ko;
  memset(&ko, 0, sizeof ko);
  ko.query_name = "test";
  ko.input = row_event_schema();
  kql_error qe;
  memset(&qe, 0, sizeof qe);
  TEST_CHECK_MSG(kql_query_compile(&q, query, strlen(query), &ko, &qe) == 0, "%s", qe.message);
  uint64_t decodes = 0;
  if (r && dec && q) {
    counted c = {0, -1};
    kql_query_set_output(q, count_emit, &c);
    row_event row;
    row_event_init(&row, dec);
    kql_row kr = row_event_as_kql_row(&row);
    const etl_event *ev;
    while (etl_reader_next(r, &ev) > 0) {
      dec_observe(dec, ev);
      row_event_bind(&row, ev);
      TEST_CHECK(kql_query_push(q, &kr, &qe) >= 0);
    }
    TEST_CHECK(kql_query_finish(q, &qe) == 0);
    decodes = row.payload_decodes;
    row_event_free(&row);
    *result_count = c.last_count;
  }
  if (q) kql_query_free(q);
  if (dec) dec_context_free(dec);
  if (r) etl_reader_close(r);
  return decodes;
}

static void test_header_filter_decodes_nothing(void) {
  int64_t n = -1;
  uint64_t d = run_query("EtwTcp | where EventId == 11 | count", &n);
  TEST_EQ_INT(n, 7968);
  TEST_EQ_INT(d, 0);
}

static void test_eventdata_decoded_only_for_filtered_rows(void) {
  int64_t n = -1;
  uint64_t d = run_query("EtwTcp | where EventId == 11 | extend daddr = EventData.daddr | count", &n);
  TEST_EQ_INT(n, 7968);
  /* decoded for the 7968 rows that pass, never for the 956 others */
  TEST_CHECK_MSG(d <= 7968, "decodes %llu", (unsigned long long)d);
}

static void test_names_do_not_decode(void) {
  int64_t n = -1;
  uint64_t d = run_query("EtwTcp | where Provider != '' and EventName != 'x' | count", &n);
  TEST_EQ_INT(d, 0);
}

/* Operators that buffer the stream to end of input (partition, top-nested,
 * ...) keep only the columns the query can read: no payload decode when
 * EventData is not named; decodes only for the rows that reach them when it is. */
static void test_buffered_operators_decode_only_named_columns(void) {
  int64_t n = -1;
  uint64_t d = run_query("EtwTcp | partition by EventId (summarize c = count()) | summarize n = sum(c)", &n);
  TEST_EQ_INT(n, 8924);
  TEST_EQ_INT(d, 0);
  d = run_query("EtwTcp | where EventId == 11 | partition by EventId (take 3) | count", &n);
  TEST_EQ_INT(n, 3);
  TEST_EQ_INT(d, 0);
  d = run_query("EtwTcp | where EventId == 11 | top-nested of tostring(EventData.daddr) by c = count()"
                " | summarize n = sum(c)", &n);
  TEST_EQ_INT(n, 7968);
  TEST_CHECK_MSG(d > 0 && d <= 7968, "decodes %llu", (unsigned long long)d);
}

/* Operators that keep or copy whole rows (sort, top, union) do not fetch a
 * column the query never names; naming it, or '*', decodes it for the rows
 * that reach the operator (575 events have EventId 10, EXPECTED.json). */
static void test_row_keeping_operators_decode_only_named_columns(void) {
  int64_t n = -1;
  uint64_t d = run_query("EtwTcp | top 3 by TimeCreated desc | project EventId | count", &n);
  TEST_EQ_INT(n, 3);
  TEST_EQ_INT(d, 0);
  d = run_query("union EtwTcp, (datatable(EventId:int)[1]) | sort by EventId | count", &n);
  TEST_EQ_INT(n, 8925);
  TEST_EQ_INT(d, 0);
  d = run_query("EtwTcp | where EventId == 10 | top 3 by TimeCreated | summarize n = countif(isnotnull(EventData))", &n);
  TEST_EQ_INT(n, 3);
  TEST_EQ_INT(d, 575);
  d = run_query("EtwTcp | where EventId == 10 | distinct * | count", &n);
  TEST_EQ_INT(d, 575);
}

int main(void) {
  TEST_RUN(test_header_filter_decodes_nothing);
  TEST_RUN(test_eventdata_decoded_only_for_filtered_rows);
  TEST_RUN(test_names_do_not_decode);
  TEST_RUN(test_buffered_operators_decode_only_named_columns);
  TEST_RUN(test_row_keeping_operators_decode_only_named_columns);
  return e2k_test_report();
}
