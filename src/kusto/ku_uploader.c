/* SPDX-License-Identifier: MIT
 * The uploader: the caller's thread serialises rows into the open batch
 * (appended to the journal as it grows) and closes it every `batch` seconds
 * or at the size cap; a dedicated upload thread prepares the table, re-sends
 * an earlier run's journal, then sends batches (streaming, falling back to
 * queued), retries with backoff, and deletes each batch from the journal only
 * when the service acknowledged it. Readers wait only when the spill is full. */
#include "kusto/ku_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define KU_STREAM_MAX (4u << 20)           /* uncompressed streaming cap (bytes) */
#define KU_JOURNAL_CHUNK (256u << 10)      /* append to the journal every 256 KiB */
#define KU_MEM_QUEUE_MAX ((size_t)64 << 20) /* batches kept in memory for the thread */
#define KU_PROGRESS_NS UINT64_C(10000000000)

typedef struct ku_batch {
  uint64_t id;           /* journal id */
  kv_buf data;           /* JSON lines; empty when it must be read from the journal */
  uint64_t rows;         /* row count (0: count lines after loading) */
  bool replay;           /* left by an earlier run */
  struct ku_batch *next;
} ku_batch;

struct ku_uploader {
  ku_options opt;     /* copy; strings borrowed */
  ku_endpoints ep;
  char db[256];
  kv_schema schema;   /* owned copy */
  ku_rowfmt fmt;
  ku_journal *j;
  ku_conn conn;       /* used by the upload thread only */
  ku_queued *queued;  /* upload thread only */
  FILE *out;          /* progress stream */
  /* caller side */
  kv_buf cur;         /* open batch */
  uint64_t cur_id;
  uint64_t cur_rows;
  size_t cur_flushed; /* bytes of cur already appended to the journal */
  uint64_t cur_start_ns;
  uint64_t rows_in_local; /* rows written (caller thread only) */
  /* shared, under mu */
  plat_mutex *mu;
  plat_cond *cv_work;  /* thread waits for batches */
  plat_cond *cv_space; /* writer waits for spill space */
  ku_batch *head, *tail;
  size_t mem_bytes;    /* bytes of batch data held in the queue */
  uint64_t pending_rows;     /* rows of this run's queued batches */
  size_t pending_batches;    /* all queued batches */
  size_t pending_replays;    /* queued batches from an earlier run (row count unknown) */
  bool closing;
  bool failed;
  bool thread_done;
  char fail_msg[700];
  ku_stats st;
  volatile int cancel;
  plat_thread *th;
  uint64_t start_ns;
  uint32_t batch_ms;
  size_t batch_max;
  uint64_t spill_max;
  uint32_t base_backoff_ms;
  bool streaming_off;  /* upload thread: cluster said streaming is not enabled */
};

static uint64_t ku_count_lines(const kv_buf *b) {
  uint64_t n = 0;
  for (size_t i = 0; i < b->len; i++) n += b->data[i] == '\n';
  return n;
}

/* ---- upload thread ---- */

static void ku_fail(ku_uploader *u, const char *msg) {
  plat_mutex_lock(u->mu);
  if (!u->failed) {
    u->failed = true;
    snprintf(u->fail_msg, sizeof u->fail_msg, "%s", msg);
  }
  plat_cond_broadcast(u->cv_space);
  plat_mutex_unlock(u->mu);
}

static void ku_progress(ku_uploader *u, uint64_t *last_ns, uint64_t *last_rows, bool force) {
  uint64_t now = plat_monotonic_ns();
  if (!force && now - *last_ns < KU_PROGRESS_NS) return;
  plat_mutex_lock(u->mu);
  uint64_t up = u->st.rows_uploaded;
  plat_mutex_unlock(u->mu);
  if (!u->opt.quiet) {
    fprintf(u->out, "%llu ", (unsigned long long)(up - *last_rows));
    fflush(u->out);
  }
  *last_ns = now;
  *last_rows = up;
}

/* Sleeps ms in small steps so Ctrl-C is not held up by a long backoff. */
static void ku_nap(ku_uploader *u, uint32_t ms) {
  while (ms && !u->cancel) {
    uint32_t s = ms > 100 ? 100 : ms;
    plat_sleep_ms(s);
    ms -= s;
  }
}

/* Runs op until success, permanent failure, or retries exhausted. */
typedef int (*ku_op_fn)(ku_uploader *u, void *arg, ku_result *res, ku_call_kind *kind);

static int ku_with_retries(ku_uploader *u, ku_op_fn op, void *arg, const char *what,
                           ku_result *res, bool *fallback) {
  unsigned attempt = 0;
  for (;;) {
    ku_call_kind kind = KU_CALL_MGMT;
    if (op(u, arg, res, &kind) == 0) return 0;
    if (u->cancel) return -1;
    ku_class cls = ku_classify(res, kind);
    if (cls == KU_CLASS_FALLBACK && fallback) {
      *fallback = true;
      return -1;
    }
    if (cls != KU_CLASS_RETRY) return -1; /* permanent, or 401 after a fresh token */
    if (++attempt >= u->opt.max_retries) {
      char head[160];
      snprintf(head, sizeof head, "%s: gave up after %u attempts", what, attempt);
      ku_result_prefix(res, head);
      return -1;
    }
    /* throttled streaming: after 3 attempts move the batch to queued, like
     * the SDKs' managed streaming client */
    if (fallback && kind == KU_CALL_STREAM && attempt >= 3 && res->http == 429 &&
        u->opt.ingest == KU_INGEST_AUTO) {
      *fallback = true;
      return -1;
    }
    plat_mutex_lock(u->mu);
    u->st.retries++;
    if (ku_result_ambiguous(res)) u->st.ambiguous++;
    plat_mutex_unlock(u->mu);
    ku_nap(u, ku_backoff_ms(attempt - 1, u->base_backoff_ms, res->retry_after_ms, &u->conn.rng));
  }
}

static int ku_op_table(ku_uploader *u, void *arg, ku_result *res, ku_call_kind *kind) {
  *kind = KU_CALL_MGMT;
  return ku_table_prepare(&u->conn, u->db, u->opt.table, &u->schema, u->opt.reset, (char *)arg,
                          400, res);
}

typedef struct ku_send_arg {
  const kv_buf *gz;
  size_t raw_len;
  bool queued;
} ku_send_arg;

static int ku_op_send(ku_uploader *u, void *arg, ku_result *res, ku_call_kind *kind) {
  ku_send_arg *a = arg;
  if (a->queued) {
    *kind = KU_CALL_STORAGE;
    return ku_ingest_queued(&u->conn, u->queued, u->db, u->opt.table, a->gz->data, a->gz->len,
                            a->raw_len, res);
  }
  *kind = KU_CALL_STREAM;
  return ku_ingest_streaming(&u->conn, u->db, u->opt.table, a->gz->data, a->gz->len, res);
}

/* Sends one batch; 0 when acknowledged. */
static int ku_send_batch(ku_uploader *u, ku_batch *b, ku_result *res) {
  if (b->data.len == 0 && ku_journal_read(u->j, b->id, &b->data) != 0) {
    ku_result_clear(res);
    snprintf(res->msg, sizeof res->msg, "journal: cannot read batch %llu: %s",
             (unsigned long long)b->id, plat_last_error());
    return -1;
  }
  if (b->rows == 0) b->rows = ku_count_lines(&b->data);
  if (b->data.len == 0) return 0;
  kv_buf gz;
  kv_buf_init(&gz);
  if (ku_gzip(b->data.data, b->data.len, 1, &gz) != 0) {
    kv_buf_free(&gz);
    snprintf(res->msg, sizeof res->msg, "gzip failed");
    return -1;
  }
  ku_send_arg a = {&gz, b->data.len, false};
  a.queued = u->opt.ingest == KU_INGEST_QUEUED ||
             (u->opt.ingest == KU_INGEST_AUTO && (u->streaming_off || b->data.len > KU_STREAM_MAX));
  bool fallback = false;
  int rc = ku_with_retries(u, ku_op_send, &a, a.queued ? "queued ingestion" : "streaming ingestion",
                           res, a.queued ? NULL : &fallback);
  if (rc != 0 && fallback && !u->cancel) {
    if (u->opt.ingest == KU_INGEST_STREAMING) {
      ku_result_prefix(res, "ingest:streaming (no queued fallback)");
    } else {
      /* 404 / policy not enabled: streaming stays off for this run; 413 or
       * throttling: only this batch goes queued */
      if (res->http == 404 || strstr(res->code, "NotEnabled") || strstr(res->code, "Disabled")) {
        if (!u->streaming_off && !u->opt.quiet)
          fprintf(u->out, "\nstreaming ingestion not available (%s); using queued ingestion\n",
                  res->msg);
        u->streaming_off = true;
      }
      a.queued = true;
      rc = ku_with_retries(u, ku_op_send, &a, "queued ingestion", res, NULL);
    }
  }
  if (rc == 0) {
    ku_journal_ack(u->j, b->id);
    plat_mutex_lock(u->mu);
    u->st.rows_uploaded += b->rows;
    if (b->replay) u->st.rows_replayed += b->rows;
    u->st.batches++;
    if (a.queued) u->st.batches_queued++; else u->st.batches_streaming++;
    u->st.bytes_raw += b->data.len;
    u->st.bytes_sent += gz.len;
    plat_mutex_unlock(u->mu);
  }
  kv_buf_free(&gz);
  return rc;
}

static void ku_thread_main(void *arg) {
  ku_uploader *u = arg;
  uint64_t last_ns = plat_monotonic_ns(), last_rows = 0;
  ku_result res;
  char line[400] = "";
  if (ku_with_retries(u, ku_op_table, line, "table setup", &res, NULL) != 0) {
    ku_fail(u, res.msg[0] ? res.msg : "table setup failed");
    goto out;
  }
  if (!u->opt.quiet) {
    fprintf(u->out, "%s\n", line);
    fflush(u->out);
  }
  for (;;) {
    plat_mutex_lock(u->mu);
    while (!u->head && !u->closing && !u->cancel) {
      plat_cond_wait_ms(u->cv_work, u->mu, 1000);
      if (!u->head) {
        plat_mutex_unlock(u->mu);
        ku_progress(u, &last_ns, &last_rows, false);
        plat_mutex_lock(u->mu);
      }
    }
    ku_batch *b = u->head;
    if (!b || u->cancel) {
      plat_mutex_unlock(u->mu);
      break;
    }
    plat_mutex_unlock(u->mu);
    int rc = ku_send_batch(u, b, &res);
    if (rc != 0) {
      if (!u->cancel) ku_fail(u, res.msg);
      break;
    }
    plat_mutex_lock(u->mu);
    u->head = b->next;
    if (!u->head) u->tail = NULL;
    u->mem_bytes -= b->data.cap <= u->mem_bytes ? b->data.cap : u->mem_bytes;
    if (b->replay) u->pending_replays--; /* its rows were never in pending_rows */
    else u->pending_rows -= b->rows <= u->pending_rows ? b->rows : u->pending_rows;
    u->pending_batches--;
    plat_cond_broadcast(u->cv_space);
    plat_mutex_unlock(u->mu);
    kv_buf_free(&b->data);
    free(b);
    ku_progress(u, &last_ns, &last_rows, false);
  }
out:
  ku_progress(u, &last_ns, &last_rows, true);
  plat_mutex_lock(u->mu);
  u->thread_done = true;
  plat_cond_broadcast(u->cv_space);
  plat_mutex_unlock(u->mu);
}

/* ---- caller side ---- */

static void ku_enqueue(ku_uploader *u, ku_batch *b) {
  plat_mutex_lock(u->mu);
  b->next = NULL;
  if (u->tail) u->tail->next = b; else u->head = b;
  u->tail = b;
  u->mem_bytes += b->data.cap;
  u->pending_rows += b->rows;
  u->pending_batches++;
  if (b->replay) u->pending_replays++;
  plat_cond_signal(u->cv_work);
  plat_mutex_unlock(u->mu);
}

static int ku_close_batch(ku_uploader *u, char *err, size_t err_len) {
  plat_mutex_lock(u->mu);
  u->st.rows_in = u->rows_in_local;
  plat_mutex_unlock(u->mu);
  if (u->cur_rows == 0) return 0;
  if (ku_journal_append_open(u->j, u->cur_id, u->cur.data + u->cur_flushed,
                             u->cur.len - u->cur_flushed) != 0 ||
      ku_journal_seal(u->j, u->cur_id, err, err_len) != 0) {
    snprintf(err, err_len, "journal %s: %s", ku_journal_dir(u->j), plat_last_error());
    return -1;
  }
  ku_batch *b = kv_calloc(1, sizeof *b);
  b->id = u->cur_id;
  b->rows = u->cur_rows;
  plat_mutex_lock(u->mu);
  bool keep_in_memory = !ku_journal_dir(u->j) || u->mem_bytes + u->cur.cap <= KU_MEM_QUEUE_MAX;
  plat_mutex_unlock(u->mu);
  if (keep_in_memory) {
    b->data = u->cur; /* hand the buffer over */
    kv_buf_init(&u->cur);
  } else {
    kv_buf_init(&b->data); /* the thread reads it back from the journal */
    u->cur.len = 0;
  }
  ku_enqueue(u, b);
  u->cur_id = ku_journal_next_id(u->j);
  u->cur_rows = 0;
  u->cur_flushed = 0;
  u->cur_start_ns = plat_monotonic_ns();
  return 0;
}

static int ku_check_failed(ku_uploader *u, char *err, size_t err_len) {
  plat_mutex_lock(u->mu);
  bool f = u->failed;
  if (f) snprintf(err, err_len, "%s", u->fail_msg);
  plat_mutex_unlock(u->mu);
  return f ? -1 : 0;
}

/* Blocks while the spill is full (the only time a reader waits). */
static int ku_wait_space(ku_uploader *u, char *err, size_t err_len) {
  plat_mutex_lock(u->mu);
  for (;;) {
    uint64_t used = ku_journal_dir(u->j) ? ku_journal_bytes(u->j) : u->mem_bytes;
    if (used < u->spill_max || u->failed || u->thread_done || u->cancel) break;
    plat_cond_wait_ms(u->cv_space, u->mu, 1000);
  }
  bool f = u->failed;
  if (f) snprintf(err, err_len, "%s", u->fail_msg);
  plat_mutex_unlock(u->mu);
  return f ? -1 : 0;
}

int ku_uploader_write(ku_uploader *u, const kv_value *vals, int count, char *err, size_t err_len) {
  if ((u->rows_in_local & 1023) == 0) {
    if (ku_wait_space(u, err, err_len) != 0) return -1;
  }
  size_t before = u->cur.len;
  ku_rowfmt_row(&u->fmt, &u->cur, vals, count);
  if (u->cur.len > u->batch_max && u->cur_rows > 0) {
    /* the row does not fit: it opens the next batch */
    size_t n = u->cur.len - before;
    char *row = kv_malloc(n);
    memcpy(row, u->cur.data + before, n);
    u->cur.len = before;
    int rc = ku_close_batch(u, err, err_len);
    kv_buf_append(&u->cur, row, n);
    free(row);
    if (rc != 0) return -1;
  }
  u->cur_rows++;
  /* rows_in is written by this thread only; the mutex is for readers */
  if ((++u->rows_in_local & 1023) == 0) {
    plat_mutex_lock(u->mu);
    u->st.rows_in = u->rows_in_local;
    plat_mutex_unlock(u->mu);
  }
  if (u->cur.len - u->cur_flushed >= KU_JOURNAL_CHUNK) {
    if (ku_journal_append_open(u->j, u->cur_id, u->cur.data + u->cur_flushed,
                               u->cur.len - u->cur_flushed) != 0) {
      snprintf(err, err_len, "journal %s: %s", ku_journal_dir(u->j), plat_last_error());
      return -1;
    }
    u->cur_flushed = u->cur.len;
  }
  if (u->cur.len >= u->batch_max) {
    if (ku_close_batch(u, err, err_len) != 0) return -1;
  }
  return (u->cur_rows & 1023) == 0 ? ku_check_failed(u, err, err_len) : 0;
}

int ku_uploader_tick(ku_uploader *u, char *err, size_t err_len) {
  if (u->cur_rows && plat_monotonic_ns() - u->cur_start_ns >= (uint64_t)u->batch_ms * 1000000u) {
    if (ku_close_batch(u, err, err_len) != 0) return -1;
  } else if (u->cur.len > u->cur_flushed) {
    /* keep the journal within about a second of the reader */
    if (ku_journal_append_open(u->j, u->cur_id, u->cur.data + u->cur_flushed,
                               u->cur.len - u->cur_flushed) == 0)
      u->cur_flushed = u->cur.len;
  }
  return ku_check_failed(u, err, err_len);
}

void ku_uploader_cancel(ku_uploader *u) {
  u->cancel = 1;
  plat_mutex_lock(u->mu);
  plat_cond_broadcast(u->cv_work);
  plat_cond_broadcast(u->cv_space);
  plat_mutex_unlock(u->mu);
}

void ku_uploader_stats(ku_uploader *u, ku_stats *out) {
  plat_mutex_lock(u->mu);
  *out = u->st;
  plat_mutex_unlock(u->mu);
}

int ku_uploader_finish(ku_uploader *u, char *err, size_t err_len) {
  char cerr[300] = "";
  /* even when cancelled: the open batch goes to the journal (no network) */
  int rc = ku_close_batch(u, cerr, sizeof cerr);
  plat_mutex_lock(u->mu);
  u->closing = true;
  plat_cond_broadcast(u->cv_work);
  plat_mutex_unlock(u->mu);
  if (u->th) {
    plat_thread_join(u->th);
    u->th = NULL;
  }
  ku_stats st;
  ku_uploader_stats(u, &st);
  uint64_t left_rows = u->pending_rows + u->cur_rows;
  size_t left_batches = u->pending_batches + (u->cur_rows ? 1 : 0);
  double secs = (double)(plat_monotonic_ns() - u->start_ns) / 1e9;
  if (!u->opt.quiet) {
    fprintf(u->out,
            "\nrows read %llu, rows uploaded %llu (%llu re-sent from an earlier run), batches %llu "
            "(streaming %llu, queued %llu), retries %llu (%llu after ambiguous failures: possible "
            "duplicates), time %.1f s\n",
            (unsigned long long)st.rows_in, (unsigned long long)st.rows_uploaded,
            (unsigned long long)st.rows_replayed, (unsigned long long)st.batches,
            (unsigned long long)st.batches_streaming, (unsigned long long)st.batches_queued,
            (unsigned long long)st.retries, (unsigned long long)st.ambiguous, secs);
    fflush(u->out);
  }
  if (left_rows || u->failed || rc != 0) {
    const char *dir = ku_journal_dir(u->j);
    char extra[96] = "";
    if (u->pending_replays)
      snprintf(extra, sizeof extra, " (%zu of them from an earlier run, rows not counted)",
               u->pending_replays);
    snprintf(err, err_len, "%s%s%llu rows in %zu batches%s not uploaded%s%s%s",
             u->failed ? u->fail_msg : cerr, (u->failed || cerr[0]) ? "; " : "",
             (unsigned long long)left_rows, left_batches, extra,
             dir ? ", kept in journal " : " (journal:none: lost)", dir ? dir : "",
             dir ? " (re-run to the same destination to re-send)" : "");
    return -1;
  }
  return 0;
}

static void ku_schema_copy(kv_schema *dst, const kv_schema *src) {
  dst->count = src->count;
  dst->cols = kv_calloc((size_t)(src->count ? src->count : 1), sizeof *dst->cols);
  for (int i = 0; i < src->count; i++) {
    dst->cols[i].name = kv_strndup(src->cols[i].name, strlen(src->cols[i].name));
    dst->cols[i].type = src->cols[i].type;
  }
}

ku_uploader *ku_uploader_new(const ku_options *opt, const kv_schema *schema, char *err,
                             size_t err_len) {
  if (!opt->table || !*opt->table) {
    snprintf(err, err_len, "table: missing");
    return NULL;
  }
  ku_uploader *u = kv_calloc(1, sizeof *u);
  u->opt = *opt;
  u->out = opt->progress ? opt->progress : stderr;
  if (ku_endpoints_resolve(opt->cluster, opt->ingest_uri, &u->ep, err, err_len) != 0) goto fail0;
  snprintf(u->db, sizeof u->db, "%s", opt->database && *opt->database ? opt->database : u->ep.database);
  if (!u->db[0]) {
    snprintf(err, err_len, "database: missing");
    goto fail0;
  }
  if (!u->opt.max_retries) u->opt.max_retries = 10;
  u->batch_ms = (opt->batch_seconds ? opt->batch_seconds : 10) * 1000u;
  u->batch_max = (size_t)(opt->batch_max_kb ? opt->batch_max_kb : 4096) << 10;
  u->spill_max = (uint64_t)(opt->spill_max_mb ? opt->spill_max_mb : 1024) << 20;
  u->base_backoff_ms = 1000;
  const char *bb = plat_getenv("E2K_KUSTO_BACKOFF_MS"); /* tests: shorter backoff */
  if (bb && *bb) u->base_backoff_ms = (uint32_t)strtoul(bb, NULL, 10);
  ku_schema_copy(&u->schema, schema);
  ku_rowfmt_init(&u->fmt, &u->schema);
  /* journal */
  char *root = NULL;
  if (!opt->journal_dir || strcmp(opt->journal_dir, "none") != 0) {
    if (opt->journal_dir) {
      root = kv_strndup(opt->journal_dir, strlen(opt->journal_dir));
    } else {
      char *sd = plat_state_dir();
      if (sd) {
        size_t n = strlen(sd) + 16;
        root = kv_malloc(n);
        snprintf(root, n, "%s/journal", sd);
        free(sd);
      }
    }
  }
  u->j = ku_journal_open(root, u->ep.engine, u->db, opt->table, err, err_len);
  free(root);
  if (!u->j) goto fail1;
  /* without a journal the spill is RAM: keep the default cap modest */
  if (!ku_journal_dir(u->j) && !opt->spill_max_mb) u->spill_max = (uint64_t)256 << 20;
  if (ku_conn_init(&u->conn, &u->opt, &u->ep, err, err_len) != 0) goto fail2;
  u->conn.cancel = &u->cancel;
  u->queued = ku_queued_new();
  u->mu = plat_mutex_new();
  u->cv_work = plat_cond_new();
  u->cv_space = plat_cond_new();
  kv_buf_init(&u->cur);
  u->start_ns = plat_monotonic_ns();
  /* an earlier run's leftovers go first */
  uint64_t *ids = NULL;
  size_t n = 0;
  if (ku_journal_pending(u->j, &ids, &n) == 0 && n) {
    for (size_t i = 0; i < n; i++) {
      ku_batch *b = kv_calloc(1, sizeof *b);
      b->id = ids[i];
      b->replay = true;
      kv_buf_init(&b->data);
      ku_enqueue(u, b);
    }
    if (!opt->quiet)
      fprintf(u->out, "re-sending %zu batch%s left by an earlier run (journal %s)\n", n,
              n == 1 ? "" : "es", ku_journal_dir(u->j));
  }
  free(ids);
  u->cur_id = ku_journal_next_id(u->j);
  u->cur_start_ns = u->start_ns;
  if (plat_thread_start(&u->th, ku_thread_main, u) != 0) {
    snprintf(err, err_len, "cannot start the upload thread: %s", plat_last_error());
    ku_uploader_free(u);
    return NULL;
  }
  return u;
fail2:
  ku_journal_close(u->j);
fail1:
  ku_rowfmt_free(&u->fmt);
  for (int i = 0; i < u->schema.count; i++) free((char *)u->schema.cols[i].name);
  free(u->schema.cols);
fail0:
  free(u);
  return NULL;
}

void ku_uploader_free(ku_uploader *u) {
  if (!u) return;
  if (u->th) {
    ku_uploader_cancel(u);
    plat_mutex_lock(u->mu);
    u->closing = true;
    plat_mutex_unlock(u->mu);
    plat_thread_join(u->th);
  }
  for (ku_batch *b = u->head; b;) {
    ku_batch *nx = b->next;
    kv_buf_free(&b->data);
    free(b);
    b = nx;
  }
  kv_buf_free(&u->cur);
  ku_queued_free(u->queued);
  ku_conn_close(&u->conn);
  ku_journal_close(u->j);
  ku_rowfmt_free(&u->fmt);
  for (int i = 0; i < u->schema.count; i++) free((char *)u->schema.cols[i].name);
  free(u->schema.cols);
  plat_cond_free(u->cv_work);
  plat_cond_free(u->cv_space);
  plat_mutex_free(u->mu);
  free(u);
}
