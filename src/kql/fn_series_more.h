/* SPDX-License-Identifier: MIT
 * Declarations of the series_* bodies beyond the element-wise ones
 * (fn_series_stats.c, fn_series_fill.c, fn_series_filter.c,
 * fn_series_seasonal.c). Included by
 * kql_fn_table.c next to fn_lib.h. Owner: series. */
#ifndef E2K_KQL_FN_SERIES_MORE_H
#define E2K_KQL_FN_SERIES_MORE_H

#include <stdbool.h>
#include <stddef.h>

#include "kql/fn_lib.h"

/* Copies a dynamic array of numbers into a new malloc'ed double array
 * (*out, *n; *out is NULL for an empty array). false when v is not an array
 * or an element is null / not numeric: those are left "not supported yet"
 * because Kusto's null handling there is not pinned down by the corpus. */
bool kql_series_doubles(kv_value v, double **out, size_t *n);

/* fn_series_stats.c */
KQL_FN(series_stats_dynamic); KQL_FN(series_fit_line_dynamic); KQL_FN(series_product);
KQL_FN(series_dot_product); KQL_FN(series_cosine_similarity); KQL_FN(series_pearson_correlation);
/* fn_series_fill.c */
KQL_FN(series_fill_const); KQL_FN(series_fill_forward); KQL_FN(series_fill_backward);
KQL_FN(series_fill_linear);
/* fn_series_filter.c */
KQL_FN(series_fir); KQL_FN(series_iir);
/* fn_series_seasonal.c */
KQL_FN(series_seasonal);

#endif
