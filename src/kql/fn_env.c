/* SPDX-License-Identifier: MIT
 * Functions about the engine a query runs on, for etw2kusto's local engine
 * (no cluster, no database, no signed-in principal): the same values a
 * Kusto Emulator started without a database returns (emulator:current-
 * cluster-endpoint-function-00, current-database-function-00, current-
 * principal-function-00): "localhost", "NetDefaultDB" (the emulator's
 * default database name) and "<null identity>". assert(cond, message):
 * true, or a query error with the message when cond is false or null.
 * Owner: scalars. */
#include "kql/fn_scalars.h"

KQL_FN(current_cluster_endpoint) {
  (void)ctx; (void)args; (void)argc;
  return kv_string("localhost", 9);
}

KQL_FN(current_database) {
  (void)ctx; (void)args; (void)argc;
  return kv_string("NetDefaultDB", 12);
}

KQL_FN(current_principal) {
  (void)ctx; (void)args; (void)argc;
  return kv_string("<null identity>", 15);
}

KQL_FN(assert) {
  (void)argc;
  kv_value c = args[0];
  bool ok = c.type == KV_BOOL && !kv_is_null(c) && c.u.b;
  if (ok) return kv_bool(true);
  kv_buf t;
  kv_buf_init(&t);
  size_t n;
  const char *m = kql_arg_str(args[1], &t, &n);
  kql_fn_fail(ctx, KV_BOOL, "assertion failed: %.*s", (int)(n > 400 ? 400 : n), m ? m : "");
  kv_buf_free(&t);
  return kv_null(KV_BOOL);
}
