/* SPDX-License-Identifier: MIT
 * Private header shared by the src/kusto C files: the outcome of one HTTP
 * exchange and its single retry classifier, the authenticated connection,
 * Kusto v1 response helpers, codecs (gzip, base64, JSON rows), table
 * management, the spill journal and the two ingestion transports.
 * Nothing outside src/kusto includes this header. */
#ifndef E2K_KUSTO_KU_INT_H
#define E2K_KUSTO_KU_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kusto/kusto.h"
#include "net/net.h"
#include "value/value.h"

/* ---- outcome of one exchange (ku_result.c) ---- */

typedef struct ku_result {
  int net_rc;              /* net_result of the transfer (0 when a response came back) */
  int http;                /* HTTP status, 0 when none */
  bool has_permanent;      /* the body carried "@permanent" */
  bool permanent;          /* its value */
  bool body_sent;          /* the request body may have reached the server */
  uint32_t retry_after_ms; /* from Retry-After (seconds or HTTP date ignored), 0 when absent */
  char code[128];          /* OneApiError error.code, or Entra "error" */
  char msg[640];           /* one line for the user: host, status, @message */
} ku_result;

/* What the caller should do next. Decided in ONE place: ku_classify. */
typedef enum ku_class {
  KU_CLASS_OK = 0,
  KU_CLASS_RETRY,     /* transient: back off and try the same thing again */
  KU_CLASS_REAUTH,    /* 401: drop the cached token and retry once */
  KU_CLASS_FALLBACK,  /* streaming impossible for this batch/cluster: use queued */
  KU_CLASS_PERMANENT  /* stop with the message */
} ku_class;

/* Which kind of call produced the result (streaming has extra fallbacks). */
typedef enum ku_call_kind {
  KU_CALL_MGMT = 0,
  KU_CALL_STREAM,
  KU_CALL_STORAGE,
  KU_CALL_TOKEN
} ku_call_kind;

void ku_result_clear(ku_result *r);
/* Prepends "<prefix>: " to r->msg (truncating the tail). */
void ku_result_prefix(ku_result *r, const char *prefix);
/* Fills status, OneApiError fields and Retry-After from a response. */
void ku_result_from_response(ku_result *r, const net_response *resp, const char *what);
/* Fills from a transport failure (net_rc < 0). */
void ku_result_from_net(ku_result *r, int net_rc, const char *net_err);
ku_class ku_classify(const ku_result *r, ku_call_kind kind);
/* True when a failed attempt may nevertheless have been committed by the
 * service (lost response): a retry can then duplicate rows. */
bool ku_result_ambiguous(const ku_result *r);
/* Exponential backoff with jitter: base_ms (normally 1000) doubling up to
 * 30 x base, drawn in [cap/2, cap]; a Retry-After (capped at 120 s) wins when
 * longer. attempt starts at 0. */
uint32_t ku_backoff_ms(unsigned attempt, uint32_t base_ms, uint32_t retry_after_ms,
                       uint64_t *rng_state);

/* ---- authentication (ku_auth.c) ---- */

typedef struct ku_auth ku_auth;
ku_auth *ku_auth_new(const ku_options *opt, const ku_endpoints *ep, char *err, size_t err_len);
/* Scope resource, e.g. "https://kusto.kusto.windows.net" (from metadata). */
void ku_auth_set_resource(ku_auth *a, const char *resource);
/* Sets the Entra authority host used when AZURE_AUTHORITY_HOST is unset. */
void ku_auth_set_login_endpoint(ku_auth *a, const char *login);
/* Returns 0 and a borrowed token (valid until the next ku_auth_ call; NULL
 * for KU_AUTH_NONE), or -1 with res filled (res->msg lists what was tried). */
int ku_auth_token(ku_auth *a, net_client *nc, const char **token, ku_result *res);
void ku_auth_invalidate(ku_auth *a);
const char *ku_auth_flow_name(const ku_auth *a); /* flow that produced the token */
void ku_auth_free(ku_auth *a);

/* ---- connection (ku_conn.c) ---- */

typedef struct ku_conn {
  net_client *net;            /* owned */
  ku_auth *auth;              /* owned */
  ku_endpoints ep;            /* copy */
  const volatile int *cancel; /* borrowed; aborts transfers */
  bool metadata_done;         /* /v1/rest/auth/metadata fetched once */
  uint64_t rng;               /* request ids, jitter */
} ku_conn;

int ku_conn_init(ku_conn *c, const ku_options *opt, const ku_endpoints *ep, char *err,
                 size_t err_len);
void ku_conn_close(ku_conn *c);

/* One authenticated Kusto call (adds Authorization, x-ms-* headers, request
 * id; retries once after a 401 with a fresh token). Returns 0 for 2xx with
 * resp filled (caller frees), or -1 with res filled and resp freed. */
int ku_call(ku_conn *c, const char *method, const char *url, const char *content_type,
            const char *content_encoding, const void *body, size_t body_len,
            uint32_t timeout_ms, const char *req_prefix, net_response *resp, ku_result *res);
/* Management command on the engine (dm=false) or DM endpoint; *out gets the
 * parsed JSON (caller releases). Returns 0 or -1 with res filled. */
int ku_mgmt(ku_conn *c, bool dm, const char *db, const char *csl, kv_value *out, ku_result *res);
/* New GUID text (36 chars + NUL). */
void ku_uuid(ku_conn *c, char out[37]);

/* v1 response helpers: all returned values are borrowed from root. */
kv_value ku_v1_table(kv_value root, size_t idx); /* dynamic null when absent */
int ku_v1_col(kv_value table, const char *name);  /* column index or -1 */
size_t ku_v1_row_count(kv_value table);
/* String cell (borrowed bytes, NULL when not a string). */
const char *ku_v1_cell_str(kv_value table, size_t row, int col, size_t *len);
/* JSON object member as string (borrowed), NULL when absent or not a string. */
const char *ku_json_str(kv_value bag, const char *key, size_t *len);

/* ---- codecs (ku_codec.c) ---- */

/* gzip (RFC 1952) of in[0..len) appended to out. level 1..9. Without zlib it
 * writes stored (uncompressed) deflate blocks, still valid gzip. */
int ku_gzip(const void *in, size_t len, int level, kv_buf *out);
void ku_base64(kv_buf *out, const void *in, size_t len);
/* JSON-lines row writer with the column keys ("name":) escaped once. */
typedef struct ku_rowfmt {
  kv_buf keys;    /* concatenated ,"name": prefixes */
  size_t *offs;   /* count + 1 offsets into keys */
  int count;      /* columns */
} ku_rowfmt;
void ku_rowfmt_init(ku_rowfmt *f, const kv_schema *s);
/* Appends {"col":value,...}\n; values beyond the schema are ignored; a
 * value's own kind decides its JSON form (Kusto converts on ingestion). */
void ku_rowfmt_row(const ku_rowfmt *f, kv_buf *b, const kv_value *vals, int count);
void ku_rowfmt_free(ku_rowfmt *f);
/* Appends a datetime as ISO 8601 with 7 fractional digits and Z. */
void ku_format_datetime_fast(kv_buf *b, int64_t ticks);
/* Kusto identifier quoting: ['name'] when needed, else the name. */
void ku_quote_name(kv_buf *b, const char *name);
/* Kusto string literal with escapes: "text". */
void ku_quote_string(kv_buf *b, const char *s, size_t len);

/* ---- table management (ku_table.c) ---- */

/* Ensures the table exists with the schema's columns (.create-merge, marker
 * docstring when created), creates/updates the JSON mapping, and applies the
 * reset rule. `line` gets one sentence saying what was done. */
int ku_table_prepare(ku_conn *c, const char *db, const char *table, const kv_schema *s,
                     ku_reset reset, char *line, size_t line_len, ku_result *res);

/* ---- ingestion (ku_stream.c, ku_queued.c) ---- */

int ku_ingest_streaming(ku_conn *c, const char *db, const char *table, const void *gz,
                        size_t gz_len, ku_result *res);

typedef struct ku_queued ku_queued; /* cached DM resources (1 h) */
ku_queued *ku_queued_new(void);
void ku_queued_free(ku_queued *q);
int ku_ingest_queued(ku_conn *c, ku_queued *q, const char *db, const char *table,
                     const void *gz, size_t gz_len, size_t raw_len, ku_result *res);

/* ---- spill journal (ku_journal.c) ---- */

typedef struct ku_journal ku_journal;

/* Opens (creating) the journal directory for one destination; the directory
 * name is a hash of engine URL, database and table. dir NULL -> memory only. */
ku_journal *ku_journal_open(const char *root, const char *engine, const char *db,
                            const char *table, char *err, size_t err_len);
const char *ku_journal_dir(const ku_journal *j); /* NULL when memory only */
/* Pending batch ids left by an earlier run, oldest first (incl. a partial
 * open batch, truncated to its last complete line). Caller frees list. */
int ku_journal_pending(ku_journal *j, uint64_t **ids, size_t *count);
/* Appends rows of the open batch to <id>.open (written, not synced: survives
 * a process crash, not a power cut). */
int ku_journal_append_open(ku_journal *j, uint64_t id, const void *data, size_t len);
/* Closes the open batch durably: sync, then rename <id>.open -> <id>.batch. */
int ku_journal_seal(ku_journal *j, uint64_t id, char *err, size_t err_len);
/* Bytes currently held on disk by unacknowledged batches. */
uint64_t ku_journal_bytes(ku_journal *j);
int ku_journal_read(ku_journal *j, uint64_t id, kv_buf *out);
int ku_journal_ack(ku_journal *j, uint64_t id); /* deletes the batch */
uint64_t ku_journal_next_id(ku_journal *j);     /* > every id seen on disk */
void ku_journal_close(ku_journal *j);

#endif
