/* SPDX-License-Identifier: MIT
 * Shared input of the user-analytics plugins (kql_plugin_activity.c,
 * kql_plugin_session.c): the id column hashed, the timeline as int64, the
 * dimension groups, and the rows sorted by (group, time). */
#ifndef E2K_KQL_KQL_PLUGIN_ACTIVITY_H
#define E2K_KQL_KQL_PLUGIN_ACTIVITY_H

#include "kql/kql_plugin.h"

typedef struct kql_act_item {
  size_t group;
  int64_t t;
  uint64_t id;
  size_t row;
} kql_act_item;

typedef struct kql_act {
  int id_col, t_col;
  kv_type tt;
  int *dims;
  int ndims;
  kql_groups g;
  kql_act_item *items; /* sorted by group, t, row */
  size_t count;
} kql_act;

/* Reads the id/timeline columns (args 0, 1) and the dimension columns
 * args[dim_from .. dim_to); materializes the input; -1 after an error. */
int kql_act_load(kql_plugin *pl, kql_act *a, int dim_from, int dim_to);
void kql_act_free(kql_act *a);
/* End of the group that starts at items[i]. */
size_t kql_act_group_end(const kql_act *a, size_t i);
/* Output columns: the dimension columns. */
void kql_act_dim_cols(kql_plugin *pl, const kql_act *a, kv_schema *out);
/* Writes the group's dimension values (retained) into row. */
void kql_act_dim_vals(kql_plugin *pl, const kql_act *a, size_t group, kv_value *row);
/* True when the constant argument is a timeline point (start/end form). */
bool kql_act_is_point(kql_plugin *pl, kql_node *arg, kv_type tt);
/* Adds row then releases it. */
void kql_act_emit(kql_table *t, kv_value *row, int ncols);

#endif
