/* SPDX-License-Identifier: MIT
 * The Kusto upload sink: the sink vtable on top of kusto/'s uploader.
 * open() starts the upload thread (table setup runs there, so a slow or
 * down cluster never blocks the reader), write() serialises into the open
 * batch, tick() closes batches on time, close() drains and prints the
 * summary. Values are borrowed; the uploader copies what it keeps. */
#include "sink/sink_kusto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sink_kusto {
  sink base;          /* must be first */
  ku_options opt;     /* copy */
  ku_uploader *up;    /* NULL before open and after close */
} sink_kusto;

static int sink_kusto_open(sink *s, const kv_schema *schema, char *err, size_t err_len) {
  sink_kusto *k = (sink_kusto *)s;
  if (k->up) {
    snprintf(err, err_len, "kusto sink: opened twice");
    return -1;
  }
  if (!schema || schema->count <= 0) {
    snprintf(err, err_len, "kusto sink: the output has no columns");
    return -1;
  }
  k->up = ku_uploader_new(&k->opt, schema, err, err_len);
  return k->up ? 0 : -1;
}

static int sink_kusto_write(sink *s, const kv_value *vals, int count, char *err, size_t err_len) {
  sink_kusto *k = (sink_kusto *)s;
  if (!k->up) {
    snprintf(err, err_len, "kusto sink: write before open");
    return -1;
  }
  if (ku_uploader_write(k->up, vals, count, err, err_len) != 0) return -1;
  s->rows_written++;
  return 0;
}

static int sink_kusto_tick(sink *s, int64_t now_ticks, char *err, size_t err_len) {
  sink_kusto *k = (sink_kusto *)s;
  (void)now_ticks; /* the uploader uses the monotonic clock */
  return k->up ? ku_uploader_tick(k->up, err, err_len) : 0;
}

static int sink_kusto_close(sink *s, char *err, size_t err_len) {
  sink_kusto *k = (sink_kusto *)s;
  if (!k->up) return 0;
  int rc = ku_uploader_finish(k->up, err, err_len);
  ku_uploader_free(k->up);
  k->up = NULL;
  return rc;
}

static void sink_kusto_destroy(sink *s) {
  sink_kusto *k = (sink_kusto *)s;
  if (!k) return;
  if (k->up) ku_uploader_free(k->up); /* not closed: pending rows stay in the journal */
  free(k);
}

static const sink_vtable sink_kusto_vt = {
    .name = "kusto",
    .open = sink_kusto_open,
    .write = sink_kusto_write,
    .tick = sink_kusto_tick,
    .close = sink_kusto_close,
    .destroy = sink_kusto_destroy,
};

sink *sink_kusto_new(const ku_options *opt, char *err, size_t err_len) {
  if (!opt->cluster || !*opt->cluster) {
    snprintf(err, err_len, "kusto: cluster: is required");
    return NULL;
  }
  if (!opt->table || !*opt->table) {
    snprintf(err, err_len, "kusto: table: is required");
    return NULL;
  }
  ku_endpoints ep;
  if (ku_endpoints_resolve(opt->cluster, opt->ingest_uri, &ep, err, err_len) != 0) return NULL;
  if ((!opt->database || !*opt->database) && !ep.database[0]) {
    snprintf(err, err_len, "kusto: database: is required");
    return NULL;
  }
  sink_kusto *k = calloc(1, sizeof *k);
  if (!k) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  k->base.vt = &sink_kusto_vt;
  k->opt = *opt;
  return &k->base;
}

void sink_kusto_interrupt(sink *s) {
  sink_kusto *k = (sink_kusto *)s;
  if (k && k->up) ku_uploader_cancel(k->up);
}
