/* SPDX-License-Identifier: MIT
 * Public face of the Kusto uploader: options (one declarative table of
 * `key:value` command-line keys), endpoint resolution, and the uploader
 * object that sink_kusto.c drives. Built on net/ (HTTP) and value/ (rows).
 * Tokens live in memory only; nothing here prints a secret. */
#ifndef E2K_KUSTO_KUSTO_H
#define E2K_KUSTO_KUSTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "value/value.h"

/* Entra ID flow (`auth:` key). ORDER KU_AUTH (names in ku_options.c) */
typedef enum ku_auth_kind {
  KU_AUTH_DEFAULT = 0, /* chain: AZURE_* secret -> managed identity -> Azure CLI */
  KU_AUTH_AZCLI,       /* az account get-access-token */
  KU_AUTH_MSI,         /* managed identity: App Service (IDENTITY_ENDPOINT) or IMDS */
  KU_AUTH_SECRET,      /* app id + secret + tenant (options or AZURE_* env) */
  KU_AUTH_DEVICE,      /* device code, interactive user */
  KU_AUTH_TOKEN,       /* static bearer token (token: key or connection string UserToken) */
  KU_AUTH_NONE         /* no Authorization header (loopback test servers only) */
} ku_auth_kind;

/* `ingest:` key. */
typedef enum ku_ingest_mode {
  KU_INGEST_AUTO = 0,  /* streaming, falling back to queued per batch */
  KU_INGEST_STREAMING, /* streaming only; "streaming disabled" is then a permanent error */
  KU_INGEST_QUEUED     /* blob + queue message via the ingest- endpoint */
} ku_ingest_mode;

/* `reset:` key. */
typedef enum ku_reset {
  KU_RESET_DEFAULT = 0, /* clear only a table whose docstring carries KU_TABLE_MARKER */
  KU_RESET_TRUE,        /* clear any existing table before uploading */
  KU_RESET_FALSE        /* never clear */
} ku_reset;

/* Docstring marker set on tables etw2kusto creates. */
#define KU_TABLE_MARKER "created by etw2kusto"
/* Name of the JSON ingestion mapping etw2kusto creates/updates on the table. */
#define KU_MAPPING_NAME "etw2kusto_json"

/* Everything the uploader needs. Strings are borrowed for the lifetime of the
 * uploader (argv strings are fine). Zero-initialise, then set fields or call
 * ku_options_set for each `key:value` argument. */
typedef struct ku_options {
  const char *cluster;     /* cluster: short name (CDOC), URL, or connection string */
  const char *database;    /* database: (may also come from the connection string) */
  const char *table;       /* table: */
  const char *ingest_uri;  /* ingest_uri: data-management endpoint; default derived (ingest-) */
  ku_auth_kind auth;       /* auth: default|azcli|msi|secret|device|token|none */
  const char *app_id;      /* appid:  client id (secret flow) or user-assigned MSI client id */
  const char *app_key;     /* appkey: client secret */
  const char *tenant;      /* tenant: tenant id or domain */
  const char *token;       /* token:  static bearer token (tests, CI) */
  ku_ingest_mode ingest;   /* ingest: auto|streaming|queued */
  ku_reset reset;          /* reset: true|false (default: marker rule) */
  uint32_t batch_seconds;  /* batch: seconds per batch; 0 -> 10 */
  uint32_t batch_max_kb;   /* batch_kb: uncompressed batch cap in KiB; 0 -> 4096 */
  const char *journal_dir; /* journal: spill directory; NULL -> <state dir>/journal; "none" */
  uint32_t spill_max_mb;   /* spill_mb: journal cap in MiB before writers wait; 0 -> 1024 */
  uint32_t max_retries;    /* retries: attempts per batch before giving up; 0 -> 8 */
  bool quiet;              /* quiet: no progress numbers */
  FILE *progress;          /* progress + summary stream; NULL -> stderr */
} ku_options;

/* One row of the option table, exported so the CLI can list the keys in its
 * --help. The table ends with a row whose key is NULL. */
typedef struct ku_option_info {
  const char *key;  /* without the trailing ':' */
  const char *help; /* one line */
} ku_option_info;
extern const ku_option_info ku_option_table[];

/* Sets one option from a `key:value` pair (key without ':', case-insensitive).
 * Returns 1 when the key is a Kusto key and was applied, 0 when the key is
 * not a Kusto key, -1 on a bad value (message in err). value is borrowed. */
int ku_options_set(ku_options *opt, const char *key, const char *value, char *err, size_t err_len);

/* Resolved endpoints and connection-string settings. */
typedef struct ku_endpoints {
  char engine[512];   /* https://host[:port] without trailing slash */
  char dm[512];       /* data-management (ingest-) endpoint */
  char database[256]; /* from the options or the connection string's Initial Catalog */
  char app_id[128];   /* from AppClientId / Application Client Id */
  char app_key[256];  /* from AppKey / Application Key (memory only) */
  char tenant[128];   /* from Authority Id / TenantId */
  char token[4096];   /* from UserToken / ApplicationToken (memory only) */
} ku_endpoints;

/* Resolves `cluster` (short name, URL, or connection string) and the optional
 * explicit ingest URI into endpoints. Returns 0 or -1 with a message. */
int ku_endpoints_resolve(const char *cluster, const char *ingest_uri, ku_endpoints *out, char *err,
                         size_t err_len);

/* Derives the DM URL from an engine URL the way the SDKs do: inserts
 * "ingest-" after "://" unless already present or the host is an IP
 * address, contains "localhost", or is onebox.dev.kusto.windows.net. */
void ku_ingest_url_from_engine(const char *engine, char *out, size_t out_len);

/* ---- the uploader (ku_uploader.c) ---- */

typedef struct ku_uploader ku_uploader;

/* Counters for progress and the final summary. */
typedef struct ku_stats {
  uint64_t rows_in;        /* rows handed to ku_uploader_write */
  uint64_t rows_uploaded;  /* rows acknowledged by the service */
  uint64_t rows_replayed;  /* rows re-sent from an earlier run's journal */
  uint64_t batches;        /* batches acknowledged */
  uint64_t batches_streaming;
  uint64_t batches_queued;
  uint64_t retries;        /* re-sent attempts after a failure */
  uint64_t ambiguous;      /* retries after a failure that may have committed (duplicates possible) */
  uint64_t bytes_raw;      /* uncompressed JSON bytes acknowledged */
  uint64_t bytes_sent;     /* gzip bytes acknowledged */
} ku_stats;

/* Creates an uploader: resolves endpoints, opens the journal, starts the
 * upload thread (which creates/clears the table and re-sends pending journal
 * batches first). Returns NULL with a message on a configuration error. */
ku_uploader *ku_uploader_new(const ku_options *opt, const kv_schema *schema, char *err,
                             size_t err_len);

/* Serialises one row into the open batch (values borrowed). Blocks only when
 * the spill is full. Returns 0, or -1 once the uploader hit a permanent error
 * (message in err; unacknowledged rows stay in the journal). */
int ku_uploader_write(ku_uploader *u, const kv_value *vals, int count, char *err, size_t err_len);

/* Closes the open batch if it is older than the batch interval; prints the
 * progress number every 10 s. Returns like ku_uploader_write. */
int ku_uploader_tick(ku_uploader *u, char *err, size_t err_len);

/* Closes the open batch, waits until every batch is acknowledged (or a
 * permanent error / retries exhausted), stops the thread and prints the
 * summary. Returns 0 when nothing is left pending. */
int ku_uploader_finish(ku_uploader *u, char *err, size_t err_len);

/* Asks the thread to stop soon (Ctrl-C): pending batches stay in the journal. */
void ku_uploader_cancel(ku_uploader *u);

void ku_uploader_stats(ku_uploader *u, ku_stats *out);
void ku_uploader_free(ku_uploader *u);

#endif
