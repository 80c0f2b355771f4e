/* SPDX-License-Identifier: MIT
 * Constructor of the Kusto upload sink (sink_kusto.c). The CLI fills a
 * ku_options (see kusto/kusto.h and ku_options_set for the `key:value`
 * keys) and gets a sink whose write() never waits on the network. */
#ifndef E2K_SINK_SINK_KUSTO_H
#define E2K_SINK_SINK_KUSTO_H

#include <stddef.h>

#include "kusto/kusto.h"
#include "sink/sink.h"

/* Creates the sink; nothing touches the network until open(). Options are
 * copied, their strings borrowed (must outlive the sink). Returns NULL with
 * a message on a missing cluster/database/table. */
sink *sink_kusto_new(const ku_options *opt, char *err, size_t err_len);

/* Ctrl-C: stop uploading soon; unacknowledged rows stay in the journal.
 * Safe to call from the main thread while the sink is open. */
void sink_kusto_interrupt(sink *s);

#endif
