/* SPDX-License-Identifier: MIT
 * evaluate dcount_intersect(hll_1, ..., hll_n): placeholder until the hll
 * sketch functions exist. */
#include "kql/kql_plugin.h"

int kql_plugin_dcount_intersect(kql_plugin *pl) {
  return kql_bind_fail(pl->b, pl->op->pos, "not supported yet: evaluate dcount_intersect");
}
